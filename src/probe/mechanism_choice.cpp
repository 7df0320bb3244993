// Mechanism choice for a probe: registry traits against the offered list and the credentials.
#include "probe/mechanism_choice.hpp"

#include <algorithm>

#include "smtpauth/error.hpp"
#include "smtpauth/sasl/cyrus.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::probe {

namespace {

std::string upper(std::string s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return s;
}

// "needs the Cyrus plugin from libsasl2-modules" when a Cyrus-run mechanism's plugin is not
// installed (this loads libsasl2: only when such a mechanism is offered or requested).
std::string cyrus_missing(std::string_view name) {
    if (sasl::cyrus_has_mechanism(name)) return {};
    std::string_view package = sasl::cyrus_package(name);
    return package.empty() ? std::string("needs a Cyrus plugin, and no Debian package provides one")
                           : "needs the Cyrus plugin from " + std::string(package);
}

// Why `info` cannot be used here, or "" when it can.
std::string unusable_reason(const sasl::MechanismInfo& info, const ChoiceInput& in) {
    const auto& t = info.traits;
    if (t.cyrus || in.cyrus_backend)
        if (std::string why = cyrus_missing(info.name); !why.empty()) return why;
    const bool both = in.credential == CredentialKind::password_and_token;
    if (t.needs_token && in.credential != CredentialKind::token && !both)
        return "needs an OAuth bearer token (--token-file, --token-env, --token-cmd)";
    if (t.needs_password && in.credential != CredentialKind::password && !both)
        return in.credential == CredentialKind::token ? "needs a password, a token was given"
                                                      : "needs a password";
    if (t.channel_binding && !(in.tls_active && in.channel_binding))
        return "needs TLS channel-binding data, which this connection does not have";
    if (t.reveals_secret && !in.tls_active && !in.allow_plaintext)
        return "would reveal the " + std::string(t.needs_token ? "token" : "password") +
               " without TLS (--allow-plaintext-auth permits it)";
    return {};
}

}  // namespace

std::string sasl_service(Protocol protocol) {
    switch (protocol) {
        case Protocol::imap:
            return "imap";
        case Protocol::pop3:
            return "pop";
        case Protocol::smtp:
            break;
    }
    return "smtp";
}

Choice choose_mechanisms(const ChoiceInput& in) {
    Choice choice;
    const std::string request = upper(in.request);
    const bool all = request == "ALL";
    const bool forced = !request.empty() && !all;

    const sasl::MechanismInfo* forced_info = nullptr;
    if (forced) {
        forced_info = sasl::find_mechanism(request);
        if (!forced_info)
            throw Error(ErrorKind::usage,
                        "unknown mechanism '" + in.request + "' (see 'smtpauth gen --help')");
    }

    // Offered mechanisms, strongest first by the registry's order; unknown ones last.
    struct Entry {
        std::string name;
        const sasl::MechanismInfo* info;
    };
    std::vector<Entry> entries;
    for (const auto& name : in.offered) entries.push_back({name, sasl::find_mechanism(name)});
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        int sa = a.info ? a.info->strength : -1000000;
        int sb = b.info ? b.info->strength : -1000000;
        return sa > sb;
    });

    std::string chosen;
    for (const auto& e : entries) {
        MechanismConsidered c{e.name, false, {}};
        if (!e.info) {
            std::string_view package = sasl::cyrus_package(e.name);
            c.reason = package.empty() ? std::string("not implemented by smtpauth")
                                       : "not implemented by smtpauth (a Cyrus plugin in " +
                                             std::string(package) + " has it)";
        } else if (forced && e.info != forced_info) {
            c.reason = "not requested (--mech " + std::string(forced_info->name) + ")";
        } else if (!forced && !e.info->traits.needs_password && !e.info->traits.needs_token) {
            c.reason = "not chosen automatically (use --mech " + e.name + ")";
        } else if (std::string why = unusable_reason(*e.info, in); !why.empty()) {
            c.reason = why;
        } else {
            c.usable = true;
            if (all) {
                c.reason = "will be tried (--mech all)";
                choice.to_try.push_back(e.name);
            } else if (chosen.empty()) {
                chosen = e.name;
                c.reason = forced ? "chosen: requested with --mech" : "chosen: strongest usable";
                choice.to_try.push_back(e.name);
            } else {
                c.reason = "usable, but " + chosen + " is preferred";
            }
        }
        choice.considered.push_back(std::move(c));
    }

    if (forced && choice.to_try.empty()) {
        bool offered = std::find(in.offered.begin(), in.offered.end(),
                                 std::string(forced_info->name)) != in.offered.end();
        if (!offered && !in.offered.empty()) {
            choice.why_none = "the server does not offer " + std::string(forced_info->name);
        } else if (std::string why = unusable_reason(*forced_info, in); !why.empty()) {
            choice.why_none = std::string(forced_info->name) +
                              (why.starts_with("needs the Cyrus") ? ": " : " ") + why;
            if (!offered) choice.considered.push_back({std::string(forced_info->name), false, why});
        } else {
            // The server announced no mechanisms at all: --mech forces the attempt.
            choice.to_try.push_back(std::string(forced_info->name));
            choice.considered.push_back(
                {std::string(forced_info->name), true,
                 "chosen: requested with --mech (the server announced no mechanisms)"});
        }
    }
    if (choice.to_try.empty() && choice.why_none.empty()) {
        if (in.offered.empty()) {
            choice.why_none = "the server offers no SASL mechanism";
        } else {
            choice.why_none = "none of the offered mechanisms can be used:";
            for (const auto& c : choice.considered)
                choice.why_none += " " + c.name + " (" + c.reason + ");";
            choice.why_none.pop_back();
        }
    }
    return choice;
}

}  // namespace smtpauth::probe

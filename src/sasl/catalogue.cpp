// The mechanism catalogue: the registry's traits, the decoder's hooks and the Cyrus plugin
// packages joined into one list of facts per mechanism name (`smtpauth mechs`).
#include "smtpauth/sasl/catalogue.hpp"

#include <algorithm>
#include <string_view>

#include "sasl/mechanism_decoder.hpp"
#include "smtpauth/sasl/cyrus.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::sasl {

namespace {

std::vector<std::string> security_notes(const MechanismTraits& t) {
    std::vector<std::string> notes;
    if (t.reveals_secret)
        notes.push_back(t.needs_token ? "bearer token: needs TLS"
                                      : "plaintext-equivalent: needs TLS");
    if (t.historic) notes.push_back("historic (RFC 6331)");
    if (t.channel_binding) notes.push_back("channel binding (TLS)");
    if (t.verifies_server) notes.push_back("mutual authentication");
    if (t.needs_password && !t.reveals_secret) notes.push_back("offline-guessable if sniffed");
    if (!t.standard) notes.push_back("non-standard");
    if (!t.needs_password && !t.needs_token && !t.needs_user) notes.push_back("no password");
    return notes;
}

void add_decoder_facts(MechanismFacts& f) {
    if (const MechanismDecoder* d = decoder_for(f.name)) {
        f.decode = true;
        f.check = d->check != nullptr;
    }
}

}  // namespace

MechanismCatalogue mechanism_catalogue(bool ask_cyrus) {
    MechanismCatalogue cat;
    CyrusInventory inv;
    if (ask_cyrus) {
        inv = cyrus_inventory();
        cat.cyrus_available = inv.available;
        cat.cyrus_version = inv.version;
        cat.cyrus_problem = inv.problem;
    }
    auto plugin = [&](MechanismFacts& f) {
        f.cyrus_package = std::string(cyrus_package(f.name));
        if (ask_cyrus && inv.available) {
            // Cyrus lists a -PLUS variant only on a connection with channel-binding data:
            // its plugin is the base mechanism's.
            std::string listed = f.name;
            if (listed.ends_with("-PLUS")) listed.resize(listed.size() - 5);
            f.cyrus_installed = std::find(inv.mechanisms.begin(), inv.mechanisms.end(), listed) !=
                                inv.mechanisms.end();
        }
    };

    for (const auto& info : mechanisms()) {
        MechanismFacts f;
        f.name = std::string(info.name);
        f.description = std::string(info.description);
        f.backend = info.traits.cyrus ? "cyrus" : "native";
        f.probe = true;
        // gen has no TLS connection to bind to, and leaves Cyrus mechanisms to probe.
        f.gen = !info.traits.channel_binding && !info.traits.cyrus;
        add_decoder_facts(f);
        plugin(f);
        f.security = security_notes(info.traits);
        cat.mechanisms.push_back(std::move(f));
    }

    // Names only the decoder or a Cyrus plugin knows, by name.
    std::vector<std::string> others;
    auto known = [&](std::string_view n) {
        return std::any_of(cat.mechanisms.begin(), cat.mechanisms.end(),
                           [&](const MechanismFacts& f) { return f.name == n; }) ||
               std::find(others.begin(), others.end(), n) != others.end();
    };
    for (const auto* d : mechanism_decoders())
        if (!d->family_prefix && !known(d->family) && find_mechanism(d->family) == nullptr &&
            !std::any_of(mechanisms().begin(), mechanisms().end(),
                         [&](const MechanismInfo& i) { return i.decoder == d; }))
            others.emplace_back(d->family);
    for (auto n : cyrus_known_mechanisms())
        if (!known(n)) others.emplace_back(n);
    for (const auto& n : inv.mechanisms)
        if (!known(n)) others.push_back(n);
    std::sort(others.begin(), others.end());
    for (const auto& n : others) {
        MechanismFacts f;
        f.name = n;
        add_decoder_facts(f);
        plugin(f);
        cat.mechanisms.push_back(std::move(f));
    }
    return cat;
}

}  // namespace smtpauth::sasl

// Server logs: Dovecot auth debug lines (auth_debug; "resp=" holds the client's base64 only
// with auth_debug_passwords) and Postfix smtpd lines (sasl_method=, sasl_username=, "SASL ...
// authentication failed", and the "< host: ..." / "> host: ..." lines of debug_peer_list).
#include <string>
#include <string_view>

#include "reader/reader_internal.hpp"

namespace smtpauth::reader::detail {

namespace {

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        std::size_t j = i;
        while (j < s.size() && s[j] != ' ') ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

std::string_view attribute(std::string_view line, std::string_view key) {
    auto at = line.find(key);
    if (at == std::string_view::npos) return {};
    std::string_view v = line.substr(at + key.size());
    auto end = v.find_first_of(" ,");
    return v.substr(0, end);
}

}  // namespace

int score_dovecot(std::string_view line) {
    if (line.find("auth: Debug: client in: ") != std::string_view::npos ||
        line.find("auth: Debug: client passdb out: ") != std::string_view::npos ||
        line.find("auth: Debug: client out: ") != std::string_view::npos)
        return 6;
    return line.find("-login: Login: user=<") != std::string_view::npos ? 3 : 0;
}

// Dovecot's auth protocol (doc/auth-protocol): "AUTH id MECH key=value... [resp=b64]",
// "CONT id b64" in; "CONT id b64", "OK id ...", "FAIL id ..." out. Tabs became blanks.
void normalise_dovecot(std::size_t n, std::string_view line, Sink& out, std::string&) {
    std::string_view rest;
    auto in_at = line.find("auth: Debug: client in: ");
    // Dovecot 2.3 writes "client passdb out:" (and "client out:" in older versions).
    std::string_view out_key = "auth: Debug: client passdb out: ";
    auto out_at = line.find(out_key);
    if (out_at == std::string_view::npos) {
        out_key = "auth: Debug: client out: ";
        out_at = line.find(out_key);
    }
    if (in_at != std::string_view::npos) {
        rest = line.substr(in_at + 24);
        auto w = words(rest);
        if (w.size() >= 3 && w[0] == "AUTH") {
            // Appended, not `"AUTH " + std::string(...)`: GCC 12 at -O3 reports a false
            // -Wrestrict there.
            std::string cmd = "AUTH ";
            cmd += w[2];
            std::string_view resp = attribute(rest, "resp=");
            if (!resp.empty()) {
                cmd += ' ';
                cmd += resp;
            }
            return out.client(n, cmd);
        }
        if (w.size() >= 2 && w[0] == "CONT")
            return out.client(n, w.size() >= 3 ? w[2] : std::string_view{});
        return out.chatter(n);
    }
    if (out_at != std::string_view::npos) {
        rest = line.substr(out_at + out_key.size());
        auto w = words(rest);
        if (w.size() >= 2 && w[0] == "CONT")
            return out.server(n, "+ " + std::string(w.size() >= 3 ? w[2] : std::string_view{}));
        if (!w.empty() && w[0] == "OK") return out.server(n, "+OK (Dovecot auth: OK)");
        if (!w.empty() && w[0] == "FAIL") return out.server(n, "-ERR (Dovecot auth: FAIL)");
    }
    out.chatter(n);
}

int score_postfix(std::string_view line) {
    if (line.find("postfix/") == std::string_view::npos) return 0;
    if (line.find("sasl_method=") != std::string_view::npos ||
        line.find("authentication failed") != std::string_view::npos)
        return 6;
    return 2;
}

void normalise_postfix(std::size_t n, std::string_view line, Sink& out, std::string&) {
    if (line.find("postfix/") != std::string_view::npos) {
        std::string_view method = attribute(line, "sasl_method=");
        if (!method.empty()) {
            sasl::DecodedMessage msg;
            msg.line = n;
            msg.kind = sasl::MessageKind::log_auth;
            msg.mechanism = std::string(method);
            msg.summary = "Postfix: SASL " + std::string(method) + " authentication succeeded";
            msg.fields.emplace_back("user", std::string(attribute(line, "sasl_username=")));
            return out.message(std::move(msg));
        }
        auto failed = line.find(" authentication failed");
        auto sasl_at = line.find("SASL ");
        if (failed != std::string_view::npos && sasl_at != std::string_view::npos &&
            sasl_at < failed) {
            sasl::DecodedMessage msg;
            msg.line = n;
            msg.kind = sasl::MessageKind::log_auth;
            msg.mechanism = std::string(line.substr(sasl_at + 5, failed - sasl_at - 5));
            msg.summary = "Postfix: SASL " + msg.mechanism + " authentication failed";
            std::string_view reason = line.substr(failed + 22);
            if (reason.starts_with(": ")) reason.remove_prefix(2);
            // The reason may be a base64 challenge (the last one the server sent).
            if (!reason.empty())
                msg.fields.push_back(sasl::DecodedField::raw_text("reason", std::string(reason)));
            return out.message(std::move(msg));
        }
        // debug_peer_list: "smtpd[1]: < host[addr]: AUTH PLAIN ..." / "> host[addr]: 235 ..."
        for (auto [mark, dir] : {std::pair{std::string_view(": < "), Dir::client},
                                 std::pair{std::string_view(": > "), Dir::server}}) {
            auto at = line.find(mark);
            if (at == std::string_view::npos) continue;
            std::string_view rest = line.substr(at + 4);
            auto colon = rest.find("]: ");
            if (colon != std::string_view::npos) return out.line(n, dir, rest.substr(colon + 3));
        }
    }
    out.chatter(n);
}

}  // namespace smtpauth::reader::detail

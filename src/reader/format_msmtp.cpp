// msmtp and mpop --debug: "--> " sent, "<-- " received, and the configuration echo
// ("password = *", "passwordeval = ...") before the session.
#include <string_view>

#include "reader/reader_internal.hpp"

namespace smtpauth::reader::detail {

int score_msmtp(std::string_view line) {
    if (line.starts_with("--> ") || line.starts_with("<-- ") || line == "-->" || line == "<--")
        return 3;
    if (line.starts_with("loaded user configuration file") ||
        line.starts_with("ignoring system configuration file") ||
        line.starts_with("using account "))
        return 5;
    return 0;
}

void normalise_msmtp(std::size_t n, std::string_view line, Sink& out, std::string&) {
    std::string_view rest;
    if (after(line, "-->", rest)) return out.client(n, rest);
    if (after(line, "<--", rest)) return out.server(n, rest);
    // Configuration echo: "key = value".
    auto eq = line.find(" = ");
    if (eq != std::string_view::npos && eq > 0 && line.find(' ') == eq) {
        std::string_view key = line.substr(0, eq);
        if (is_credential_key(key))
            return out.message(config_line(n, "msmtp/mpop", key, line.substr(eq + 3)));
    }
    out.chatter(n);
}

}  // namespace smtpauth::reader::detail

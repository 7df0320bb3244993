// GNU SASL (gsasl --smtp/--imap --connect): its progress lines are skipped; the protocol lines
// it prints have no direction markers (the SASL decoder tells them apart by form).
#include <string_view>

#include "reader/reader_internal.hpp"

namespace smtpauth::reader::detail {

namespace {

bool gsasl_progress(std::string_view line) {
    for (std::string_view p :
         {"Trying ", "TLS X.509 Verification", "Client authentication finished",
          "Enter application data", "Session finished", "Server authentication finished",
          "Using mechanism:", "Enter base64 authentication data",
          "Output from client:", "Output from server:", "gsasl:"})
        if (line.starts_with(p)) return true;
    return false;
}

}  // namespace

int score_gsasl(std::string_view line) {
    if (line.starts_with("Client authentication finished") ||
        line.starts_with("Enter application data (EOF to finish)") ||
        line.starts_with("TLS X.509 Verification"))
        return 10;
    if (line.starts_with("Trying \xe2\x80\x98")) return 5;  // Trying ‘host’...
    return 0;
}

void normalise_gsasl(std::size_t n, std::string_view line, Sink& out, std::string&) {
    if (gsasl_progress(line)) return out.chatter(n);
    out.line(n, Dir::unknown, line);
}

}  // namespace smtpauth::reader::detail

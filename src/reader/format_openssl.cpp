// openssl s_client: the connection report (CONNECTED, certificate chain, "---" blocks,
// session details, post-handshake tickets) is skipped; the typed session that follows has no
// direction markers, so the SASL decoder tells client from server lines by their form.
// Works with and without -quiet.
#include <string_view>

#include "reader/reader_internal.hpp"

namespace smtpauth::reader::detail {

namespace {

bool always_chatter(std::string_view line) {
    for (std::string_view p : {"depth=", "verify return:", "verify error:",
                               "Can't use SSL_get_servername", "read R BLOCK", "DONE",
                               "RENEGOTIATING", "KEYUPDATE", "closed", "read:errno", "CONNECTED("})
        if (line.starts_with(p)) return true;
    return false;
}

}  // namespace

int score_openssl(std::string_view line) {
    if (line.starts_with("CONNECTED(")) return 20;
    if (line.starts_with("depth=") || line.starts_with("verify return:") ||
        line.starts_with("Certificate chain") || line.starts_with("SSL handshake has read") ||
        line.starts_with("read R BLOCK"))
        return 4;
    return 0;
}

// state: "" in the session, "block" inside a report block.
void normalise_openssl(std::size_t n, std::string_view line, Sink& out, std::string& state) {
    if (line.starts_with("CONNECTED(") || line.starts_with("Post-Handshake New Session Ticket") ||
        line.starts_with("SSL-Session:")) {
        state = "block";
        return out.chatter(n);
    }
    if (state == "block") {
        // The report ends with "Verify return code: ..." and a "---" line; a post-handshake
        // ticket block ends with "---" too.
        if (line.starts_with("    Verify return code:") || line.starts_with("Verify return code:"))
            state = "ending";
        return out.chatter(n);
    }
    if (state == "ending") {
        if (line == "---") state.clear();
        return out.chatter(n);
    }
    if (always_chatter(line) || line == "---") return out.chatter(n);
    out.line(n, Dir::unknown, line);
}

}  // namespace smtpauth::reader::detail

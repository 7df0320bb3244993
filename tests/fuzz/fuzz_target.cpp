// Fuzz target: probe TARGET parsing (host, host:port, [v6]:port, smtp:// smtps:// imap://
// imaps:// pop3:// pop3s://; RFC 3986 authority, RFC 8314 ports). Byte 0 picks the
// --protocol / --tls overrides. Properties: only Error{usage} escapes; an accepted target
// has a non-empty printable host and a non-zero port; overrides given are honoured.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_support.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/probe.hpp"

namespace probe = smtpauth::probe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::optional<probe::Protocol> protocol;
    std::optional<probe::TlsMode> tls;
    switch (data[0] & 3) {
        case 1:
            protocol = probe::Protocol::smtp;
            break;
        case 2:
            protocol = probe::Protocol::imap;
            break;
        case 3:
            protocol = probe::Protocol::pop3;
            break;
        default:
            break;
    }
    switch ((data[0] >> 2) & 3) {
        case 1:
            tls = probe::TlsMode::implicit;
            break;
        case 2:
            tls = probe::TlsMode::starttls;
            break;
        case 3:
            tls = probe::TlsMode::none;
            break;
        default:
            break;
    }
    auto text = fuzz::as_text(data + 1, size - 1);
    try {
        auto t = probe::parse_target(text, protocol, tls);
        // KNOWN-DEFECTS.md K1 (net::parse_endpoint): NUL after an IP literal accepted.
        fuzz::require(!t.host.empty(), "target host non-empty");
        for (char c : t.host) {
            auto u = static_cast<unsigned char>(c);
            fuzz::require(u > 0x20 && u < 0x7f, "target host printable ASCII");
        }
        fuzz::require(t.port != 0, "target port set");
        fuzz::require(t.input == text, "input kept as typed");
        if (protocol) fuzz::require(t.protocol == *protocol, "--protocol honoured");
        if (tls) fuzz::require(t.tls == *tls, "--tls honoured");
    } catch (const smtpauth::Error& e) {
        fuzz::require(e.kind() == smtpauth::ErrorKind::usage, "target error is usage");
    }
    return 0;
}

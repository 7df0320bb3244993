// Telling a TLS answer from a cleartext one by its first bytes (RFC 8446 §5.1 record header).
#include "tls_mismatch.hpp"

namespace smtpauth::net {

bool looks_like_tls_record(std::string_view data) noexcept {
    if (data.empty()) return false;
    // RFC 8446 §5.1: struct { ContentType type; ProtocolVersion legacy_record_version; ...}
    // with ContentType 20..24 (RFC 8446 §B.1, RFC 6520 for heartbeat).
    const auto type = static_cast<unsigned char>(data[0]);
    if (type < 20 || type > 24) return false;
    return data.size() < 2 || static_cast<unsigned char>(data[1]) == 3;
}

}  // namespace smtpauth::net

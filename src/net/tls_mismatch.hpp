// Telling a TLS answer from a cleartext one by its first bytes (RFC 8446 §5.1 record header),
// so that a server speaking cleartext where TLS was expected can be named as such.
#pragma once

#include <cstddef>
#include <string_view>

namespace smtpauth::net {

// True when data starts like a TLS record: a content type from change_cipher_spec (20) to
// heartbeat (24), then the legacy version's major byte 3. An empty view is not a record.
bool looks_like_tls_record(std::string_view data) noexcept;

// The first bytes a failed handshake read are kept for the diagnosis, no more than this.
inline constexpr std::size_t kNonTlsReplyKept = 256;

}  // namespace smtpauth::net

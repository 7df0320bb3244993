// Transcript reader: turns what people paste (debug output of swaks, curl, msmtp, python,
// openssl s_client, gsasl, mail libraries, server logs, smtpauth -v) into protocol lines and
// explains them with the SASL decoder. A layer above sasl/ and mail/; no I/O.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smtpauth/sasl/token.hpp"

namespace smtpauth::reader {

struct FormatInfo {
    std::string_view name;         // what --format takes
    std::string_view description;  // one line for --help and the man page
};

// Every format the reader knows, "generic" (C:/S: or bare protocol lines) first.
std::span<const FormatInfo> formats();

struct ReadOptions {
    std::string format;  // "" = detect automatically
    sasl::DecodeOptions decode;
};

struct ReadResult {
    std::string format;  // the format used
    bool detected = false;
    sasl::DecodeResult decoded;  // messages in line order, the reader's own notes included
    std::size_t explained = 0;   // SASL messages and credentials explained (not surroundings)
};

// Reads a whole input (one element per line, as read). Unreadable lines become notes;
// DATA sections, BDAT chunks, IMAP literals and POP3 message listings are skipped with a
// note; capability replies are shown as capabilities. Throws Error{usage} for an unknown
// format name (listing the valid ones) and Error{bad_input} for input over the 1 MiB cap.
ReadResult read_transcript(std::span<const std::string> lines, const ReadOptions& options);

}  // namespace smtpauth::reader

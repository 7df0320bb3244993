// A transcript line as the SASL decoder receives it: already classified (by the transcript
// reader, with the mail/ protocol parsers) into the forms an AUTH exchange takes in SMTP
// (RFC 4954 §4), IMAP (RFC 3501 §6.2.2, RFC 4959) and POP3 (RFC 5034 §4). The decoder
// knows no protocol grammar: sasl/ never includes mail/.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "smtpauth/sasl/token.hpp"

namespace smtpauth::sasl {

enum class LineShape {
    blank,          // nothing after the prefix
    auth_command,   // SMTP/POP3 "AUTH MECH [ir]" or IMAP "tag AUTHENTICATE MECH [ir]"
    challenge,      // "334 [b64]" (SMTP) or "+ [b64]" (IMAP, POP3)
    cancel,         // "*" (RFC 4954 §4, RFC 3501 §6.2.2, RFC 5034 §4)
    smtp_reply,     // "ddd[-| ]text" other than 334
    imap_tagged,    // "tag OK|NO|BAD|BYE ..."
    imap_untagged,  // "* ..."
    pop3_ok,        // "+OK ..."
    pop3_err,       // "-ERR ..."
    command,        // a client command that is not AUTH (EHLO, MAIL FROM, a1 LOGIN, ...)
    bare,           // one word: a base64 token, or raw text without spaces
    text,           // several words that match no protocol form
    info,           // a local event line of a transcript ("* connected")
};

// Views into the caller's line, which must outlive the decoding.
struct TranscriptLine {
    std::size_t number = 0;  // 1-based line number in the input
    std::string_view line;   // the whole input line (caps, notes)
    LineShape shape = LineShape::blank;
    TokenDirection prefix_direction = TokenDirection::unknown;  // from "C:"/"S:" etc.
    std::string_view text;     // the line after the transcript prefix
    std::string_view payload;  // base64 (IR, challenge, bare token) or reply text
    bool has_payload = false;  // an IR/challenge was present (it may be empty: "334 ")
    std::string mechanism;     // auth_command: upper-cased mechanism name
    std::string command;       // auth_command: "AUTH PLAIN" / "a1 AUTHENTICATE PLAIN"
    std::string_view tag;      // IMAP tag
    std::string keyword;       // command keyword / IMAP status, upper case
    int code = 0;              // SMTP reply code
    bool continued = false;    // SMTP "ddd-" continuation line
};

// Explains classified lines, carrying the exchange from line to line: the decoder behind
// decode_lines / decode_numbered_lines (token.hpp), which classify raw lines first. Errors
// and the one-bad-line rule as decode_numbered_lines documents; a line longer than the
// 64 KiB cap is reported from its `line` (its classification is not looked at).
DecodeResult decode_transcript_lines(std::span<const TranscriptLine> lines,
                                     const DecodeOptions& options = {});

}  // namespace smtpauth::sasl

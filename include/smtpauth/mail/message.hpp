// Building a test message as bytes, no I/O: RFC 5322 headers, RFC 2045/2047 MIME (UTF-8
// text, 8bit or quoted-printable, encoded words), CRLF and the 998-octet line limit, and the
// RFC 5321 §4.5.2 dot-stuffing of the DATA payload.
#pragma once

#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace smtpauth::mail {

// RFC 5322 §2.1.1: a line is at most 998 octets, CRLF excluded.
constexpr std::size_t kMaxLineOctets = 998;

struct MessageSpec {
    std::string from;             // "addr" or "Display Name <addr>"
    std::vector<std::string> to;  // header addresses (Bcc never appears here)
    std::vector<std::string> cc;
    std::string subject;
    std::string body;                  // UTF-8 text, any line ends
    std::vector<std::string> headers;  // extra "Name: value" lines, as validated by check_header
    std::time_t date = 0;              // the Date header (UTC)
    std::string message_id;            // "<id@domain>"
    bool eight_bit_ok = false;         // the server offers 8BITMIME
};

enum class TransferEncoding { seven_bit, eight_bit, quoted_printable };
std::string_view transfer_encoding_name(TransferEncoding e) noexcept;

struct BuiltMessage {
    std::string text;  // the whole message, CRLF line ends, not dot-stuffed
    TransferEncoding encoding = TransferEncoding::seven_bit;
};

// Builds the message. Throws Error{bad_input} for a body or header that is not valid UTF-8 or
// a header with CR/LF in it.
BuiltMessage build_message(const MessageSpec& spec);

// The mailbox inside "Name <addr>" or the whole trimmed text. Throws Error{usage} when the
// address is empty, has spaces, CR/LF or angle brackets inside, or no '@'.
std::string envelope_address(std::string_view address);
// A list given as "a@x, b@y" split at commas outside quotes and angle brackets.
std::vector<std::string> split_address_list(std::string_view list);
// True when the address has a byte above 0x7F (RFC 6531: needs SMTPUTF8).
bool needs_smtputf8(std::string_view address);

// "Name: value" checked (RFC 5322 §2.2: printable ASCII name without ':', no CR/LF).
// Throws Error{usage} with the reason.
void check_header(std::string_view header);

// RFC 5322 §3.3 date-time in UTC: "Mon, 30 Nov 2026 00:41:36 +0000".
std::string rfc5322_date(std::time_t t);
// RFC 2047 encoded words (UTF-8, "B") for text that is not plain ASCII; ASCII text as is.
// Words stay within 75 characters; continuation words are folded onto new lines (CRLF SP).
std::string encode_header_text(std::string_view text, std::size_t first_line_used);
// RFC 2045 §6.7 quoted-printable of CRLF text: lines of at most 76 characters (soft breaks).
std::string quoted_printable(std::string_view crlf_text);

// Converts bare LF and bare CR line ends to CRLF, and ensures the text ends with CRLF.
std::string normalize_crlf(std::string_view text);
// Length of the longest line (CRLF excluded) and its 1-based number.
struct LongestLine {
    std::size_t length = 0;
    std::size_t line = 0;
};
LongestLine longest_line(std::string_view crlf_text);

// The DATA payload: CRLF text with every line that starts with '.' doubled (RFC 5321
// §4.5.2), followed by the terminating ".\r\n".
std::string dot_stuff(std::string_view crlf_text);

}  // namespace smtpauth::mail

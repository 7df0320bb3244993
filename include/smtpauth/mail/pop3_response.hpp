// Pure POP3 response parsing: status lines, continuations and CAPA (RFC 1939 §3, RFC 2449,
// RFC 5034 §4, STLS RFC 2595 §4).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpauth::mail {

struct Pop3Line {
    enum class Type { ok, err, continuation };
    Type type = Type::err;
    std::string text;  // after "+OK " / "-ERR " / "+ "
};

// The status-line grammar alone (RFC 1939 §3: "+OK" and "-ERR" in upper case, then SP or
// the end; RFC 5034 §4 continuation): nullopt, with the reason in `*why` when given, for a
// line that is none of them. Control characters are not judged here (see parse_pop3_line).
std::optional<Pop3Line> match_pop3_line(std::string_view line, std::string* why = nullptr);

// Throws Error{protocol} naming `context` on a line that is none of "+OK", "-ERR", "+ ",
// "+", or that holds NUL or control characters other than HTAB.
Pop3Line parse_pop3_line(std::string_view line, std::string_view context);

// Collects a multi-line response body (after its +OK line) up to the "." line, undoing
// dot-stuffing (RFC 1939 §3). add() returns true at the terminator. Throws Error{protocol}
// above `max_lines` / `max_bytes` or on control characters.
class Pop3MultilineAssembler {
  public:
    Pop3MultilineAssembler(std::string context, std::size_t max_lines = 128,
                           std::size_t max_bytes = 64 * 1024);
    bool add(std::string_view line);
    std::vector<std::string> take() { return std::move(lines_); }

  private:
    std::string context_;
    std::size_t max_lines_;
    std::size_t max_bytes_;
    std::size_t bytes_ = 0;
    std::vector<std::string> lines_;
};

struct Pop3Capabilities {
    std::vector<std::string> lines;       // as sent
    std::vector<std::string> mechanisms;  // from "SASL A B", upper case
    bool stls = false;
    bool user = false;
};

Pop3Capabilities parse_pop3_capa(const std::vector<std::string>& lines);

}  // namespace smtpauth::mail

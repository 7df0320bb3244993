// Pure IMAP response parsing for what a prober needs: greeting, tagged status, continuation,
// CAPABILITY (RFC 3501 §7, RFC 9051 §7, SASL-IR RFC 4959, LOGINDISABLED, STARTTLS).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpauth::mail {

struct ImapResponse {
    enum class Type { untagged, tagged, continuation };
    Type type = Type::untagged;
    std::string tag;     // tagged only
    std::string status;  // upper case: OK NO BAD BYE PREAUTH, or the untagged keyword
                         // (CAPABILITY, a number for "* 3 EXISTS", ...)
    std::string code;    // resp-text-code inside [...] without the brackets, or ""
    std::string text;    // the rest: human text, capability atoms, or continuation payload
};

// tag = 1*<any ASTRING-CHAR except "+"> (RFC 3501 §9), at most 64 octets here.
bool is_imap_tag(std::string_view word);

// resp-cond-state / resp-cond-bye / continue-req / response-data, loosely: an untagged
// line "* WORD ...", a tagged line "tag OK|NO|BAD|BYE ...", or "+ text" ("+" alone is
// accepted). The grammar alone: nullopt, with the reason in `*why` when given, for an empty
// line, a continuation without its blank ("+x"), a bad tag or a tagged line without a
// status word. Control characters are not judged here (see parse_imap_line).
std::optional<ImapResponse> match_imap_line(std::string_view line, std::string* why = nullptr);

// The same for a line read from a server: throws Error{protocol} naming `context` where
// match_imap_line finds none, and on a line with NUL or control characters (other than HTAB).
ImapResponse parse_imap_line(std::string_view line, std::string_view context);

struct ImapCapabilities {
    std::vector<std::string> atoms;       // as sent
    std::vector<std::string> mechanisms;  // from AUTH=X, upper case
    bool starttls = false;
    bool sasl_ir = false;  // RFC 4959 (or IMAP4rev2, which includes it)
    bool login_disabled = false;
};

// Interprets the atoms of "* CAPABILITY ..." or of a [CAPABILITY ...] response code.
ImapCapabilities parse_imap_capabilities(std::string_view atoms);

// If `code` is "CAPABILITY a b c", returns "a b c"; otherwise "".
std::string capability_code_atoms(std::string_view code);

}  // namespace smtpauth::mail

// Internal pieces of the transcript reader: per-tool line normalisers and the sink they
// write protocol lines and notes into.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smtpauth/sasl/token.hpp"
#include "smtpauth/sasl/transcript_line.hpp"

namespace smtpauth::reader::detail {

enum class Dir { client, server, unknown };

// One protocol line recovered from a tool's output.
struct WireLine {
    std::size_t number = 0;  // the input line it came from
    Dir dir = Dir::unknown;
    std::string text;
};

// What a normaliser produces for one input line: protocol lines, tool chatter (not
// protocol; grouped into one note per run) and ready-made messages (configuration echoes).
class Sink {
  public:
    void client(std::size_t n, std::string_view text) {
        wire.push_back({n, Dir::client, std::string(text)});
    }
    void server(std::size_t n, std::string_view text) {
        wire.push_back({n, Dir::server, std::string(text)});
    }
    void line(std::size_t n, Dir dir, std::string_view text) {
        wire.push_back({n, dir, std::string(text)});
    }
    void chatter(std::size_t n) { chatter_lines.push_back(n); }
    // A line that only repeats another one (python's "*put*", "reply: retcode"): no note.
    void repeat(std::size_t n) { repeated_lines.push_back(n); }
    void message(sasl::DecodedMessage msg) { messages.push_back(std::move(msg)); }

    std::vector<WireLine> wire;
    std::vector<std::size_t> chatter_lines;
    std::vector<std::size_t> repeated_lines;
    std::vector<sasl::DecodedMessage> messages;
    std::vector<sasl::CheckMaterial> checks;  // credentials outside SASL (HTTP Basic)
};

struct Format {
    std::string_view name;
    std::string_view description;
    // How typical a (cleaned) line is of this format: 0 none, higher = more specific.
    int (*score)(std::string_view line);
    // Normalises one cleaned line; `state` persists across lines of one input.
    void (*normalise)(std::size_t number, std::string_view line, Sink& out, std::string& state);
};

// The table of formats (formats.cpp), generic first.
std::span<const Format> format_table();

// Removes ANSI escape sequences and a trailing CR, turns tabs into spaces.
std::string clean_line(std::string_view raw);

// Python repr of bytes or str (b'...\r\n', '...'): the value, or false when not one.
bool python_literal(std::string_view s, std::string& out);

// Splits text at CRLF/LF (a tool may print several protocol lines as one).
std::vector<std::string_view> split_crlf(std::string_view text);

// Text after `prefix` (and one optional space), or false.
bool after(std::string_view line, std::string_view prefix, std::string_view& rest);

// Message for one configuration echo line ("password = x"): the value secret when the key
// names a credential, a plain field otherwise.
sasl::DecodedMessage config_line(std::size_t n, std::string_view tool, std::string_view key,
                                 std::string_view value);
bool is_credential_key(std::string_view key);

// Format normalisers (one file each family).
int score_generic(std::string_view);
void normalise_generic(std::size_t, std::string_view, Sink&, std::string&);
int score_smtpauth(std::string_view);
void normalise_smtpauth(std::size_t, std::string_view, Sink&, std::string&);
int score_swaks(std::string_view);
void normalise_swaks(std::size_t, std::string_view, Sink&, std::string&);
int score_curl(std::string_view);
void normalise_curl(std::size_t, std::string_view, Sink&, std::string&);
int score_msmtp(std::string_view);
void normalise_msmtp(std::size_t, std::string_view, Sink&, std::string&);
int score_python(std::string_view);
void normalise_python(std::size_t, std::string_view, Sink&, std::string&);
int score_openssl(std::string_view);
void normalise_openssl(std::size_t, std::string_view, Sink&, std::string&);
int score_gsasl(std::string_view);
void normalise_gsasl(std::size_t, std::string_view, Sink&, std::string&);
int score_phpmailer(std::string_view);
void normalise_phpmailer(std::size_t, std::string_view, Sink&, std::string&);
int score_nodemailer(std::string_view);
void normalise_nodemailer(std::size_t, std::string_view, Sink&, std::string&);
int score_mailkit(std::string_view);
void normalise_mailkit(std::size_t, std::string_view, Sink&, std::string&);
int score_javamail(std::string_view);
void normalise_javamail(std::size_t, std::string_view, Sink&, std::string&);
int score_thunderbird(std::string_view);
void normalise_thunderbird(std::size_t, std::string_view, Sink&, std::string&);
int score_dovecot(std::string_view);
void normalise_dovecot(std::size_t, std::string_view, Sink&, std::string&);
int score_postfix(std::string_view);
void normalise_postfix(std::size_t, std::string_view, Sink&, std::string&);

// What a protocol line (a transcript prefix already removed) is, read with the mail/ parsers
// (session_filter.cpp): fills the shape, payload, mechanism, tag, keyword and code of `out`,
// with views into `text`. Never throws: a line no parser accepts is a bare word or text.
void classify_protocol_line(std::string_view text, sasl::TranscriptLine& out);

// A raw input line (protocol_lines.cpp): its transcript prefix (C:/S:, swaks' and curl's
// markers, timestamps, smtpauth -v's "* event") stripped, then classified as above.
sasl::TranscriptLine classify_transcript_line(std::size_t number, std::string_view line);

// The protocol-level pass over recovered lines (session_filter.cpp): DATA/BDAT/literal and
// POP3 multi-line skipping, capability grouping, IMAP LOGIN literals joined. Returns the
// lines for the SASL decoder; its notes go to `messages`.
std::vector<sasl::NumberedLine> filter_session(std::span<const WireLine> wire,
                                               std::vector<sasl::DecodedMessage>& messages);

}  // namespace smtpauth::reader::detail

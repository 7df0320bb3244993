// The transcript reader: format table, detection, and the pipeline normalise -> session
// filter -> SASL decoder -> notes merged in line order.
#include "smtpauth/reader.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "reader/reader_internal.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::reader {

namespace detail {

namespace {

constexpr std::array<Format, 15> kFormats{{
    {"generic", "C:/S: marked or bare protocol lines, base64 tokens", score_generic,
     normalise_generic},
    {"smtpauth", "smtpauth probe/send/session -v transcripts", score_smtpauth, normalise_smtpauth},
    {"swaks", "swaks (->, <-, ~>, <~, ===, ***)", score_swaks, normalise_swaks},
    {"curl", "curl -v (>, <, *), HTTP Authorization headers too", score_curl, normalise_curl},
    {"msmtp", "msmtp and mpop --debug (-->, <--, configuration echo)", score_msmtp,
     normalise_msmtp},
    {"python", "python smtplib, imaplib and poplib debug output", score_python, normalise_python},
    {"openssl", "openssl s_client output, with or without -quiet", score_openssl,
     normalise_openssl},
    {"gsasl", "gsasl --smtp/--imap --connect", score_gsasl, normalise_gsasl},
    {"phpmailer", "PHPMailer SMTPDebug (CLIENT -> SERVER:, SERVER -> CLIENT:)", score_phpmailer,
     normalise_phpmailer},
    {"nodemailer", "Nodemailer logger ([time] DEBUG [id] C: / S:)", score_nodemailer,
     normalise_nodemailer},
    {"mailkit", "MailKit ProtocolLogger (Connected to ..., C: / S:)", score_mailkit,
     normalise_mailkit},
    {"javamail", "JavaMail debug (DEBUG SMTP: lines between raw protocol lines)", score_javamail,
     normalise_javamail},
    {"thunderbird", "Thunderbird mailnews logs (SMTP Send:/Response:, IMAP SendData:)",
     score_thunderbird, normalise_thunderbird},
    {"dovecot", "Dovecot auth debug log (client in:/out:, resp=)", score_dovecot,
     normalise_dovecot},
    {"postfix", "Postfix smtpd log (sasl_method=, sasl_username=, debug_peer_list)", score_postfix,
     normalise_postfix},
}};

}  // namespace

std::span<const Format> format_table() {
    return kFormats;
}

}  // namespace detail

namespace {

using namespace detail;

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

const Format& format_by_name(std::string_view name) {
    std::string lower;
    for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "mpop") lower = "msmtp";
    for (const auto& f : format_table())
        if (f.name == lower) return f;
    std::string list;
    const Format* best = nullptr;
    std::size_t best_d = 3;
    for (const auto& f : format_table()) {
        list += (list.empty() ? "" : ", ") + std::string(f.name);
        std::size_t d = edit_distance(lower, f.name);
        if (d < best_d) best_d = d, best = &f;
    }
    std::string msg = "--format: unknown format '" + std::string(name) + "'";
    if (best) msg += " (did you mean '" + std::string(best->name) + "'?)";
    throw Error(ErrorKind::usage, msg + "; valid formats: auto, " + list);
}

// The format whose characteristic lines score highest over the first lines; generic when
// no tool's lines stand out.
const Format& detect(std::span<const std::string> lines) {
    const Format* best = &format_table()[0];
    int best_score = 0;
    for (const auto& f : format_table().subspan(1)) {
        int score = 0;
        for (std::size_t i = 0; i < lines.size() && i < 2000; ++i) score += f.score(lines[i]);
        if (score > best_score) best_score = score, best = &f;
    }
    return best_score >= 4 ? *best : format_table()[0];
}

// Message kinds that are the transcript's surroundings, not a SASL message or a credential
// explained: they do not count for the exit status.
bool is_surrounding_kind(sasl::MessageKind kind) {
    using K = sasl::MessageKind;
    switch (kind) {
        case K::skipped:
        case K::reply:
        case K::command:
        case K::unreadable:
        case K::unknown:
        case K::body:
        case K::capabilities:
        case K::tool_output:
        case K::config:
            return true;
        default:
            return false;
    }
}

// Consecutive tool lines that are not protocol become one short message.
void add_chatter(const std::vector<std::size_t>& chatter, std::string_view format,
                 std::vector<sasl::DecodedMessage>& out, const std::vector<bool>& used) {
    std::size_t i = 0;
    while (i < chatter.size()) {
        std::size_t j = i;
        // A run continues over lines that produced nothing at all (blank layout lines).
        while (j + 1 < chatter.size()) {
            bool gap_used = false;
            for (std::size_t k = chatter[j] + 1; k < chatter[j + 1]; ++k)
                if (k < used.size() && used[k]) gap_used = true;
            if (gap_used) break;
            ++j;
        }
        sasl::DecodedMessage msg;
        msg.line = chatter[i];
        msg.kind = sasl::MessageKind::tool_output;
        std::string where = chatter[i] == chatter[j] ? "line " + std::to_string(chatter[i])
                                                     : "lines " + std::to_string(chatter[i]) + "-" +
                                                           std::to_string(chatter[j]);
        msg.summary = where + ": " + std::string(format) + " output, not protocol (not shown)";
        out.push_back(std::move(msg));
        i = j + 1;
    }
}

}  // namespace

std::span<const FormatInfo> formats() {
    static const std::vector<FormatInfo> infos = [] {
        std::vector<FormatInfo> v;
        for (const auto& f : format_table()) v.push_back({f.name, f.description});
        return v;
    }();
    return infos;
}

ReadResult read_transcript(std::span<const std::string> lines, const ReadOptions& options) {
    std::size_t total = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        total += lines[i].size() + 1;
        if (total > sasl::kDecodeMaxTotalBytes)
            throw Error(ErrorKind::bad_input,
                        "input exceeds the 1 MiB cap (at line " + std::to_string(i + 1) + ")");
    }
    std::vector<std::string> cleaned;
    cleaned.reserve(lines.size());
    for (const auto& l : lines) cleaned.push_back(clean_line(l));

    ReadResult result;
    const Format* format = nullptr;
    if (options.format.empty() || options.format == "auto") {
        format = &detect(cleaned);
        result.detected = true;
    } else {
        format = &format_by_name(options.format);
    }
    result.format = std::string(format->name);

    Sink sink;
    std::string state;
    std::vector<sasl::DecodedMessage> oversized;
    for (std::size_t i = 0; i < cleaned.size(); ++i) {
        if (cleaned[i].size() > sasl::kDecodeMaxLineBytes && lines.size() > 1) {
            sasl::DecodedMessage msg;
            msg.line = i + 1;
            msg.kind = sasl::MessageKind::unreadable;
            msg.summary = "line " + std::to_string(i + 1) +
                          " is longer than the line cap of 64 KiB (" +
                          std::to_string(cleaned[i].size()) + " bytes): not read";
            oversized.push_back(std::move(msg));
            continue;
        }
        format->normalise(i + 1, cleaned[i], sink, state);
    }
    for (auto& c : cleaned) wipe_string(c);

    std::vector<sasl::DecodedMessage> notes = std::move(sink.messages);
    std::vector<sasl::NumberedLine> numbered = filter_session(sink.wire, notes);
    for (auto& w : sink.wire) wipe_string(w.text);
    result.decoded = sasl::decode_numbered_lines(numbered, options.decode);
    for (auto& l : numbered) wipe_string(l.text);

    std::vector<bool> used(lines.size() + 2, false);
    for (const auto& m : result.decoded.messages)
        if (m.line < used.size()) used[m.line] = true;
    for (const auto& m : notes)
        if (m.line < used.size()) used[m.line] = true;
    for (auto& m : oversized) notes.push_back(std::move(m));
    if (format->name != "generic") add_chatter(sink.chatter_lines, format->name, notes, used);

    for (auto& c : sink.checks) result.decoded.checkable.push_back(std::move(c));
    auto& messages = result.decoded.messages;
    for (auto& m : notes) messages.push_back(std::move(m));
    std::stable_sort(messages.begin(), messages.end(),
                     [](const auto& a, const auto& b) { return a.line < b.line; });
    std::stable_sort(result.decoded.checkable.begin(), result.decoded.checkable.end(),
                     [](const auto& a, const auto& b) { return a.line < b.line; });
    for (const auto& m : messages)
        if (!is_surrounding_kind(m.kind)) ++result.explained;
    return result;
}

}  // namespace smtpauth::reader

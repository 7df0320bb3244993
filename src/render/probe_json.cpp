// JSON probe/send report, schema_version 2 (documented in man smtpauth(1), JSON OUTPUT).
// Every string that came from the server is escaped like terminal output, so the JSON is
// valid UTF-8 and safe to print as it is.
#include <nlohmann/json.hpp>

#include <cmath>

#include "render/probe_json.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/render.hpp"

namespace smtpauth::render {

namespace {

using nlohmann::json;

// Untrusted text made safe like terminal output, except that the line breaks of multi-line
// replies stay real line breaks in the JSON string.
std::string escape_for_display(std::string_view text) {
    std::string out;
    std::size_t start = 0;
    while (true) {
        std::size_t nl = text.find('\n', start);
        out += codec::escape_for_display(
            text.substr(start, nl == std::string_view::npos ? nl : nl - start));
        if (nl == std::string_view::npos) break;
        out += '\n';
        start = nl + 1;
    }
    return out;
}

json opt_string(const std::optional<std::string>& s) {
    return s ? json(escape_for_display(*s)) : json(nullptr);
}

json string_list(const std::optional<std::vector<std::string>>& v) {
    if (!v) return nullptr;
    json a = json::array();
    for (const auto& s : *v) a.push_back(escape_for_display(s));
    return a;
}

// Milliseconds with 0.001 resolution: enough, and stable in golden files.
double ms(double v) {
    return std::round(v * 1000.0) / 1000.0;
}

json tls_json(const std::optional<net::TlsInfo>& t) {
    if (!t) return nullptr;
    json chain = json::array();
    for (const auto& c : t->chain) {
        json sans = json::array();
        for (const auto& s : c.subject_alt_names) sans.push_back(escape_for_display(s));
        chain.push_back({{"subject", escape_for_display(c.subject)},
                         {"issuer", escape_for_display(c.issuer)},
                         {"subject_alt_names", sans},
                         {"not_before", c.not_before},
                         {"not_after", c.not_after},
                         {"days_left", c.days_left},
                         {"key_type", c.key_type},
                         {"key_bits", c.key_bits},
                         {"sha256_fingerprint", c.sha256_fingerprint},
                         {"serial", c.serial}});
    }
    return {
        {"version", t->version},
        {"cipher", t->cipher},
        {"group", t->group.empty() ? json(nullptr) : json(t->group)},
        {"verified", t->verified},
        {"verify_error", t->verified ? json(nullptr) : json(escape_for_display(t->verify_error))},
        {"chain", chain}};
}

const char* dir_name(Direction d) {
    switch (d) {
        case Direction::client:
            return "C";
        case Direction::server:
            return "S";
        case Direction::info:
            return "*";
    }
    return "*";
}

json opt_u64(const std::optional<std::uint64_t>& v) {
    return v ? json(*v) : json(nullptr);
}

json reply_json(const std::optional<probe::ReplyReport>& r) {
    if (!r) return nullptr;
    return {{"code", r->code},
            {"enhanced_status", r->enhanced.empty() ? json(nullptr) : json(r->enhanced)},
            {"text", escape_for_display(r->text)},
            {"hint", r->hint ? json(*r->hint) : json(nullptr)}};
}

json mailbox_json(const probe::MailboxReport& m) {
    return {{"command", m.command},
            {"reachable", m.reachable},
            {"messages", opt_u64(m.messages)},
            {"octets", opt_u64(m.octets)},
            {"server_reply", escape_for_display(m.server_reply)},
            {"hint", m.hint ? json(*m.hint) : json(nullptr)}};
}

json send_json(const probe::SendReport& s) {
    json recipients = json::array();
    for (const auto& r : s.recipients)
        recipients.push_back({{"address", escape_for_display(r.address)},
                              {"kind", std::string(probe::recipient_kind_name(r.kind))},
                              {"accepted", r.accepted},
                              {"reply", reply_json(r.reply)}});
    return {{"from", escape_for_display(s.from)},
            {"dry_run", s.dry_run},
            {"pipelining", s.pipelining},
            {"allow_partial", s.allow_partial},
            {"message_bytes", s.message_bytes},
            {"encoding", s.encoding.empty() ? json(nullptr) : json(s.encoding)},
            {"message_id", s.message_id.empty() ? json(nullptr) : json(s.message_id)},
            {"mail", reply_json(s.mail)},
            {"recipients", recipients},
            {"data", reply_json(s.data)},
            {"final_reply", reply_json(s.final_reply)},
            {"queue_id", s.queue_id.empty() ? json(nullptr) : json(escape_for_display(s.queue_id))},
            {"delivered", s.delivered},
            {"round_trips", s.round_trips}};
}

}  // namespace

nlohmann::json probe_json_object(const probe::ProbeReport& r, const RenderOptions& o) {
    json j;
    j["schema_version"] = 2;
    j["target"] = {{"input", escape_for_display(r.target.input)},
                   {"host", escape_for_display(r.target.host)},
                   {"port", r.target.port},
                   {"protocol", std::string(mail::protocol_name(r.target.protocol))},
                   {"tls_mode", std::string(probe::tls_mode_name(r.target.tls))}};
    j["address"] = r.address ? json(*r.address) : json(nullptr);
    j["tls"] = tls_json(r.tls);
    j["greeting"] = opt_string(r.greeting);
    j["greeting_before_tls"] = r.greeting_before_tls;
    j["capabilities"] = {{"before_tls", string_list(r.capabilities_before_tls)},
                         {"after_tls", string_list(r.capabilities_after_tls)}};
    json considered = json::array();
    for (const auto& c : r.considered)
        considered.push_back({{"name", escape_for_display(c.name)},
                              {"usable", c.usable},
                              {"reason", escape_for_display(c.reason)}});
    json offered = json::array();
    for (const auto& m : r.offered) offered.push_back(escape_for_display(m));
    j["mechanisms"] = {{"offered", offered}, {"considered", considered}};

    const auto& a = r.auth;
    json server_error = nullptr;
    if (a.server_error)
        server_error = {{"status", escape_for_display(a.server_error->status)},
                        {"schemes", escape_for_display(a.server_error->schemes)},
                        {"scope", escape_for_display(a.server_error->scope)},
                        {"raw", escape_for_display(a.server_error->raw)}};
    j["auth"] = {
        {"mechanism", a.mechanism ? json(*a.mechanism) : json(nullptr)},
        {"result", std::string(probe::auth_result_name(a.result))},
        {"server_reply", opt_string(a.server_reply)},
        {"server_verified", a.server_verified},
        {"round_trips", a.round_trips},
        {"server_error", server_error},
        {"hint", a.hint ? json(*a.hint) : json(nullptr)},
        {"message", a.message.empty() ? json(nullptr) : json(escape_for_display(a.message))}};
    // Only mechanisms that report details (the Kerberos ones) add the member.
    if (!a.details.empty()) {
        json details = json::object();
        for (const auto& [key, value] : a.details) details[key] = escape_for_display(value);
        j["auth"]["details"] = details;
    }
    if (r.all_mechanisms) {
        json attempts = json::array();
        for (const auto& t : r.attempts)
            attempts.push_back(
                {{"mechanism", t.mechanism},
                 {"result", std::string(probe::auth_result_name(t.result))},
                 {"server_reply", opt_string(t.server_reply)},
                 {"message",
                  t.message.empty() ? json(nullptr) : json(escape_for_display(t.message))}});
        j["attempts"] = attempts;
    }
    if (r.mailbox) j["mailbox"] = mailbox_json(*r.mailbox);
    if (r.send) j["send"] = send_json(*r.send);
    json notes = json::array();
    for (const auto& n : r.notes) notes.push_back(escape_for_display(n));
    j["notes"] = notes;
    const auto& t = r.timings;
    j["timings_ms"] = {
        {"resolve", ms(t.resolve)},   {"connect", ms(t.connect)},           {"tls", ms(t.tls)},
        {"greeting", ms(t.greeting)}, {"capabilities", ms(t.capabilities)}, {"auth", ms(t.auth)},
        {"total", ms(t.total)}};
    if (r.error)
        j["error"] = {{"kind", std::string(kind_name(r.error->kind))},
                      {"stage", std::string(probe::stage_name(r.error->stage))},
                      {"message", escape_for_display(r.error->message)}};
    else
        j["error"] = nullptr;
    if (o.verbose) {
        json tr = json::array();
        for (const auto& e : r.transcript) {
            bool redacted = e.sensitivity == Sensitivity::secret && !o.show_secrets;
            tr.push_back({{"t_ms", e.elapsed.count()},
                          {"dir", dir_name(e.direction)},
                          {"text", transcript_line_text(e, o.show_secrets)},
                          {"redacted", redacted},
                          {"before_tls", e.before_tls}});
        }
        j["transcript"] = tr;
    }
    return j;
}

void probe_json(std::ostream& out, const probe::ProbeReport& r, const RenderOptions& o) {
    out << probe_json_object(r, o).dump(2) << '\n';
}

}  // namespace smtpauth::render

// Many-target output: per-target text blocks, JSON lines, the summary table, and the
// monitoring-check lines (Nagios plugin guidelines: "SERVICE STATE - text | perfdata").
#include <cmath>
#include <cstdio>

#include "render/probe_json.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/render_fleet.hpp"

namespace smtpauth::render {

namespace {

using probe::FleetResult;

std::string esc(std::string_view s) {
    return codec::escape_for_display(s);
}

std::string target_text(const FleetResult& r) {
    return esc(r.report.target.input.empty() ? r.line.target : r.report.target.input);
}

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", std::round(v * 1000.0) / 1000.0);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

std::string auth_cell(const FleetResult& r) {
    if (!r.input_error.empty()) return "input error";
    const auto& rep = r.report;
    const auto& a = rep.auth;
    if (a.result == probe::AuthResult::accepted || a.result == probe::AuthResult::rejected)
        return esc(a.mechanism.value_or("?")) + " " +
               std::string(probe::auth_result_name(a.result));
    if (rep.error)
        return std::string(kind_name(rep.error->kind)) + " at " +
               std::string(probe::stage_name(rep.error->stage));
    return "not attempted";
}

constexpr std::array<std::string_view, kSummaryColumns> kHeaders{"TARGET",     "TLS",  "CERT DAYS",
                                                                 "MECHANISMS", "AUTH", "MS"};

}  // namespace

void fleet_text(std::ostream& out, const FleetResult& r, const RenderOptions& o) {
    out << "== " << target_text(r) << " (line " << r.line.line_number << ") ==\n";
    if (!r.input_error.empty()) {
        out << "FAILED at input: " << esc(r.input_error) << "\n\n";
        return;
    }
    probe_text(out, r.report, o);
    if (r.report.error) {
        const std::string label =
            "FAILED at " + std::string(probe::stage_name(r.report.error->stage)) + ": ";
        out << label << display_lines(r.report.error->message, label.size()) << '\n';
    }
    out << '\n';
}

void fleet_json_line(std::ostream& out, const FleetResult& r, const RenderOptions& o) {
    nlohmann::json j;
    if (r.input_error.empty()) {
        j = probe_json_object(r.report, o);
    } else {
        j["schema_version"] = 2;
        j["target"] = {{"input", esc(r.line.target)}};
        j["error"] = {{"kind", "usage"}, {"stage", "input"}, {"message", esc(r.input_error)}};
    }
    j["input"] = {{"line", esc(r.line.text)}, {"line_number", r.line.line_number}};
    out << j.dump() << '\n';
}

SummaryRow summary_row(const FleetResult& r) {
    const auto& rep = r.report;
    SummaryRow row;
    row[0] = target_text(r);
    row[1] = rep.tls
                 ? esc(rep.tls->version)
                 : (rep.target.tls == probe::TlsMode::none && r.input_error.empty() ? "none" : "-");
    row[2] =
        rep.tls && !rep.tls->chain.empty() ? std::to_string(rep.tls->chain.front().days_left) : "-";
    // Appended piece by piece: `"lit" + std::string` trips GCC 12's -O3 -Wrestrict.
    for (const auto& m : rep.offered) {
        if (!row[3].empty()) row[3] += ' ';
        row[3] += esc(m);
    }
    if (row[3].empty()) row[3] = "-";
    row[4] = auth_cell(r);
    row[5] = r.input_error.empty() ? number(std::round(rep.timings.total)) : "-";
    return row;
}

SummaryWidths summary_header_widths() {
    SummaryWidths w{};
    for (std::size_t i = 0; i < kSummaryColumns; ++i) w[i] = kHeaders[i].size();
    return w;
}

void widen(SummaryWidths& w, const SummaryRow& row) {
    for (std::size_t i = 0; i < kSummaryColumns; ++i) w[i] = std::max(w[i], row[i].size());
}

namespace {
void padded_line(std::ostream& out, const std::array<std::string_view, kSummaryColumns>& cells,
                 const SummaryWidths& w) {
    std::string line;
    for (std::size_t i = 0; i < kSummaryColumns; ++i) {
        if (i == kSummaryColumns - 1) {  // the number column is right-aligned
            line.append(w[i] - std::min(w[i], cells[i].size()), ' ');
            line += cells[i];
        } else {
            line += cells[i];
            line.append(w[i] - std::min(w[i], cells[i].size()) + 2, ' ');
        }
    }
    out << line << '\n';
}
}  // namespace

void summary_header(std::ostream& out, const SummaryWidths& w) {
    padded_line(out, kHeaders, w);
}

void summary_line(std::ostream& out, const SummaryRow& row, const SummaryWidths& w) {
    std::array<std::string_view, kSummaryColumns> cells;
    for (std::size_t i = 0; i < kSummaryColumns; ++i) cells[i] = row[i];
    padded_line(out, cells, w);
}

// --- Monitoring check -----------------------------------------------------------------------

std::string perf_label(std::string_view label) {
    bool plain = !label.empty();
    for (char c : label)
        plain = plain && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.');
    if (plain) return std::string(label);
    std::string out = "'";
    for (char c : label) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

std::string perf_datum(const probe::PerfDatum& d, std::string_view prefix) {
    std::string label = prefix.empty() ? d.label : std::string(prefix) + " " + d.label;
    std::string s = perf_label(label) + "=" + number(d.value) + d.uom + ";" + d.warn + ";" +
                    d.crit + ";" + (d.min ? number(*d.min) : "") + ";" +
                    (d.max ? number(*d.max) : "");
    return s;
}

namespace {
std::string check_text(const FleetResult& r, const probe::CheckResult& c) {
    std::string text;
    for (const auto& p : c.problems) text += (text.empty() ? "" : "; ") + esc(p);
    if (!c.summary.empty()) text += text.empty() ? esc(c.summary) : " (" + esc(c.summary) + ")";
    // '|' starts the perfdata: never inside the text.
    for (char& ch : text)
        if (ch == '|') ch = '/';
    std::string target = target_text(r);
    for (char& ch : target)
        if (ch == '|') ch = '/';
    return target + ": " + text;
}
}  // namespace

void check_single(std::ostream& out, const FleetResult& r, const probe::CheckResult& c) {
    out << "SMTPAUTH " << probe::check_state_name(c.state) << " - " << check_text(r, c);
    if (!c.perfdata.empty()) {
        out << " |";
        for (const auto& d : c.perfdata) out << ' ' << perf_datum(d);
    }
    out << '\n';
}

void count(CheckCounts& n, probe::CheckState s) {
    ++n.targets;
    switch (s) {
        case probe::CheckState::ok:
            ++n.ok;
            break;
        case probe::CheckState::warning:
            ++n.warning;
            break;
        case probe::CheckState::critical:
            ++n.critical;
            break;
        case probe::CheckState::unknown:
            ++n.unknown;
            break;
    }
    n.worst = n.targets == 1 ? s : probe::worse_state(n.worst, s);
}

void check_status_line(std::ostream& out, const CheckCounts& n) {
    out << "SMTPAUTH " << probe::check_state_name(n.worst) << " - " << n.targets
        << " targets: " << n.critical << " CRITICAL, " << n.warning << " WARNING, " << n.unknown
        << " UNKNOWN, " << n.ok << " OK"
        << " | targets=" << n.targets << ";;;0; critical=" << n.critical
        << ";;;0; warning=" << n.warning << ";;;0; unknown=" << n.unknown << ";;;0; ok=" << n.ok
        << ";;;0;\n";
}

std::string check_target_line(const FleetResult& r, const probe::CheckResult& c) {
    return std::string(probe::check_state_name(c.state)) + " - " + check_text(r, c);
}

std::string check_target_perfdata(const FleetResult& r, const probe::CheckResult& c) {
    std::string target = target_text(r);
    std::string out;
    for (const auto& d : c.perfdata) {
        if (!out.empty()) out += ' ';
        out += perf_datum(d, target);
    }
    return out;
}

}  // namespace smtpauth::render

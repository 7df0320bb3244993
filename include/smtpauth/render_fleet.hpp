// Rendering of many-target runs: the per-target blocks in input order, JSON lines, the
// summary table, and the monitoring-check output (Nagios plugin guidelines).
#pragma once

#include <array>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

#include "smtpauth/fleet.hpp"
#include "smtpauth/render.hpp"

namespace smtpauth::render {

// The text report of one target (as `probe` prints it), under a header line naming the
// target and its input line, with the failure line at the end.
void fleet_text(std::ostream& out, const probe::FleetResult& result, const RenderOptions& opts);

// One line of JSON: the probe --json object plus "input": {"line", "line_number"}. A target
// whose line did not parse gets {"schema_version", "target": {"input"}, "error": {"kind":
// "usage", "stage": "input", "message"}, "input"}.
void fleet_json_line(std::ostream& out, const probe::FleetResult& result,
                     const RenderOptions& opts);

// The summary table: target, TLS version, certificate days left, mechanisms offered,
// AUTH result, total milliseconds. Cells are escaped for the terminal and hold no tab.
constexpr std::size_t kSummaryColumns = 6;
using SummaryRow = std::array<std::string, kSummaryColumns>;
using SummaryWidths = std::array<std::size_t, kSummaryColumns>;
SummaryRow summary_row(const probe::FleetResult& result);
SummaryWidths summary_header_widths();
void widen(SummaryWidths& widths, const SummaryRow& row);
void summary_header(std::ostream& out, const SummaryWidths& widths);
void summary_line(std::ostream& out, const SummaryRow& row, const SummaryWidths& widths);

// --- Monitoring check ---------------------------------------------------------------------

// One target: "SMTPAUTH STATE - TARGET: text | perfdata".
void check_single(std::ostream& out, const probe::FleetResult& result,
                  const probe::CheckResult& check);

// Many targets: the status line first, then one long-text line per target ("STATE - TARGET:
// text"), then the per-target perfdata after a "|" (plugin guidelines, multi-line output).
struct CheckCounts {
    std::size_t targets = 0, ok = 0, warning = 0, critical = 0, unknown = 0;
    probe::CheckState worst = probe::CheckState::ok;
};
void count(CheckCounts& counts, probe::CheckState state);
void check_status_line(std::ostream& out, const CheckCounts& counts);
std::string check_target_line(const probe::FleetResult& result, const probe::CheckResult& check);
// The per-target perfdata, labels prefixed with the target ("'TARGET time'=12ms;;;0;").
std::string check_target_perfdata(const probe::FleetResult& result,
                                  const probe::CheckResult& check);

// 'label' when it needs quoting (anything but letters, digits, '_', '-', '.'), with ' doubled.
std::string perf_label(std::string_view label);
std::string perf_datum(const probe::PerfDatum& d, std::string_view label_prefix = {});

}  // namespace smtpauth::render

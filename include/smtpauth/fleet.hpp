// Many targets in one run: the targets-file line format, a scheduler that runs the one-target
// session runner on a fixed pool of workers and hands the reports back in input order, and
// the monitoring-check verdict (Nagios plugin guidelines: OK/WARNING/CRITICAL/UNKNOWN, perfdata).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpauth/probe.hpp"

namespace smtpauth::probe {

// One line of a targets file: `TARGET [user=NAME] [mech=NAME] [protocol=smtp|imap|pop3]`,
// fields separated by blanks; `#` starts a comment (at the start of a line or of a field).
struct TargetLine {
    std::size_t line_number = 0;  // 1-based; for targets given as arguments, their position
    std::string text;             // the line as read (without the line end)
    std::string target;
    std::string user;  // "" = the command line's --user
    std::string mech;  // "" = the command line's --mech
    std::string protocol;
};

// nullopt for a blank or comment-only line. Throws Error{usage} for an unknown key, a field
// without '=', a duplicated key or a second target on the line.
std::optional<TargetLine> parse_target_line(std::string_view line, std::size_t line_number);

// What the scheduler runs for one target: the probe options, or why there is nothing to run
// (a line that does not parse, a netrc without an entry for the host).
struct FleetJob {
    TargetLine line;
    ProbeOptions options;
    std::string input_error;  // not empty: no probe; reported as a usage error
};

struct FleetResult {
    std::size_t index = 0;  // 0-based position in the input
    TargetLine line;
    std::string input_error;
    ProbeReport report;  // report.target.input is the target text, also for input errors
};

struct FleetSettings {
    unsigned parallel = 16;  // workers, each running one session at a time
    // Finished reports waiting for an earlier, slower target (their output is in input
    // order). Workers pause before starting target i+window while target i is unfinished,
    // so memory stays bounded whatever the number of targets. 0 = 4 * parallel.
    std::size_t window = 0;
};

// Pulls jobs from `next` (called on one thread at a time, until it returns nullopt) and runs
// each with run_probe() on `parallel` worker threads; `deliver` is called on the calling
// thread, once per job, in input order, as soon as the job and all before it are done. Each
// probe keeps its own deadlines, so a stalled target holds only its own worker. An exception
// from `next` or `deliver` stops handing out jobs, waits for the running ones and is rethrown.
void run_fleet(const FleetSettings& settings, const std::function<std::optional<FleetJob>()>& next,
               const std::function<void(FleetResult&)>& deliver);

// --- Monitoring check ---------------------------------------------------------------------

enum class CheckState { ok = 0, warning = 1, critical = 2, unknown = 3 };  // = exit status
std::string_view check_state_name(CheckState s) noexcept;                  // "OK", "WARNING", ...
// The state of several results together: CRITICAL > WARNING > UNKNOWN > OK (the
// monitoring-plugins max_state_alt order: one unknown target does not hide a critical one).
CheckState worse_state(CheckState a, CheckState b) noexcept;

struct CheckThresholds {
    std::optional<long> warn_days, crit_days;  // certificate: fewer days left than this
    std::optional<double> warn_ms, crit_ms;    // total time: more milliseconds than this
    std::vector<std::string> require_mechs;    // each must be offered (after TLS)
    bool forbid_cleartext_auth = false;        // no password-revealing mechanism before TLS
    std::string min_tls;                       // "1.2": the negotiated version at least this
};

// One performance value: 'label'=value[UOM];[warn];[crit];[min];[max]. warn and crit are
// ranges in the guidelines' syntax: "500" alerts above 500, "14:" below 14.
struct PerfDatum {
    std::string label;
    double value = 0;
    std::string uom;  // "ms", "" (a count of days)
    std::string warn, crit;
    std::optional<double> min, max;
};

struct CheckResult {
    CheckState state = CheckState::ok;
    std::string summary;  // "AUTH PLAIN accepted, TLSv1.3, certificate 29 days left, 12 ms"
    std::vector<std::string> problems;  // why the state is not OK, worst first
    std::vector<PerfDatum> perfdata;
};

// The verdict for one report. A failed probe is CRITICAL (credentials rejected, network, TLS,
// certificate, timeout, protocol, no usable mechanism) or UNKNOWN (usage, input, internal:
// the check itself could not run); then the thresholds, each adding a problem.
CheckResult evaluate_check(const ProbeReport& report, const CheckThresholds& thresholds);
// The verdict for a target that could not be probed at all (its line did not parse).
CheckResult input_error_check(std::string_view message);

}  // namespace smtpauth::probe

// The options of `smtpauth probe`, shared by the one-target path (cmd_probe.cpp) and the
// many-target and monitoring-check path (probe_fleet.cpp).
#pragma once

#include <string>
#include <vector>

#include "cli/session_options.hpp"

namespace smtpauth::cli {

struct FleetArgs {
    std::string targets_file;  // --targets-file ("-" = stdin)
    unsigned parallel = 16;
    bool json_lines = false;
    bool check = false;
    long warn_days = 0, crit_days = 0;
    double warn_ms = 0, crit_ms = 0;
    bool has_warn_days = false, has_crit_days = false, has_warn_ms = false, has_crit_ms = false;
    std::vector<std::string> require_mechs;
    bool forbid_cleartext_auth = false;
    std::string min_tls;
};

struct ProbeArgs {
    SessionArgs conn;  // --protocol .. --deadline, credentials, --mech, -v, --show-secrets
    std::vector<std::string> targets;
    bool quiet = false;
    bool json = false;
    bool no_mailbox_check = false;
    FleetArgs fleet;

    // Several targets, a targets file, or an output only the many-target path has.
    bool many() const {
        return targets.size() != 1 || !fleet.targets_file.empty() || fleet.json_lines ||
               fleet.check;
    }
};

// Adds TARGET's companions: --targets-file, --parallel, --json-lines, --check and its
// thresholds (probe_fleet.cpp).
void add_fleet_options(CLI::App& command, FleetArgs& args);

// Throws Error{usage} for a --parallel out of range or a threshold without --check (also
// checked for a single target, where these options would otherwise be ignored silently).
void validate_fleet_options(const FleetArgs& args);

// `probe` with several targets, --targets-file, --json-lines or --check (probe_fleet.cpp).
// Returns the exit status: the worst target's by worst_exit_status(), or with --check the
// plugin state 0-3.
int run_probe_many(ProbeArgs& args);

// --check: a usage error still answers in the plugin's format (UNKNOWN, exit 3).
int check_usage_error(const std::string& message);

}  // namespace smtpauth::cli

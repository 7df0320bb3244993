// `smtpauth probe` with many targets: the targets (arguments or a streamed targets file),
// secrets read once, the shared TLS context, the output in input order (text, JSON lines,
// the summary table) and the monitoring check (--check, Nagios plugin conventions).
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "cli/command.hpp"
#include "cli/credential_options.hpp"
#include "cli/probe_args.hpp"
#include "cli/suggest.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/fleet.hpp"
#include "smtpauth/render_fleet.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::cli {

namespace {

constexpr std::size_t kMaxTargetLine = 64 * 1024;
constexpr unsigned kMaxParallel = 1024;

bool is_all(std::string_view mech) {
    return mech.size() == 3 && (mech[0] | 0x20) == 'a' && (mech[1] | 0x20) == 'l' &&
           (mech[2] | 0x20) == 'l';
}

// Lines kept for the end of the run (summary rows, check lines) in an unnamed temporary
// file, so that memory does not grow with the number of targets.
class Spool {
  public:
    Spool() : file_(std::tmpfile()) {
        if (!file_) throw Error(ErrorKind::io, "cannot create a temporary file for the summary");
    }
    ~Spool() {
        if (file_) std::fclose(file_);
    }
    Spool(const Spool&) = delete;
    Spool& operator=(const Spool&) = delete;

    void add(const std::string& line) {
        if (std::fputs(line.c_str(), file_) < 0 || std::fputc('\n', file_) == EOF)
            throw Error(ErrorKind::io, "cannot write the summary's temporary file");
    }
    template <typename F>
    void each(F&& f) {
        std::fflush(file_);
        std::rewind(file_);
        std::string line;
        int c;
        while ((c = std::fgetc(file_)) != EOF) {
            if (c == '\n') {
                f(line);
                line.clear();
            } else {
                line += static_cast<char>(c);
            }
        }
    }

  private:
    std::FILE* file_;
};

std::string join_cells(const render::SummaryRow& row) {
    std::string s;
    for (std::size_t i = 0; i < row.size(); ++i) s += (i ? "\t" : "") + row[i];
    return s;
}

render::SummaryRow split_cells(const std::string& line) {
    render::SummaryRow row;
    std::size_t i = 0, start = 0;
    while (i < row.size()) {
        auto tab = line.find('\t', start);
        row[i++] = line.substr(start, tab == std::string::npos ? tab : tab - start);
        if (tab == std::string::npos) break;
        start = tab + 1;
    }
    return row;
}

// Where the targets come from: the arguments, then the targets file, one line at a time.
class TargetSource {
  public:
    TargetSource(const std::vector<std::string>& args, const std::string& file) : args_(args) {
        if (file.empty()) return;
        if (file == "-") {
            in_ = &std::cin;
        } else {
            file_ = std::make_unique<std::ifstream>(file);
            if (!*file_)
                throw Error(ErrorKind::no_input, "cannot read targets file '" + file + "'");
            in_ = file_.get();
        }
    }

    // The next target line (blank and comment lines skipped); nullopt at the end. A line
    // that does not parse comes back with `error` set.
    std::optional<probe::TargetLine> next(std::string& error) {
        error.clear();
        if (arg_ < args_.size()) {
            probe::TargetLine t;
            t.line_number = arg_ + 1;
            t.text = t.target = args_[arg_++];
            return t;
        }
        std::string line;
        while (in_ && std::getline(*in_, line)) {
            ++line_number_;
            if (line.size() > kMaxTargetLine) {
                probe::TargetLine t;
                t.line_number = line_number_;
                t.text = line.substr(0, 80) + "...";
                t.target = t.text;
                error = "line " + std::to_string(line_number_) + " is longer than 64 KiB";
                return t;
            }
            try {
                if (auto t = probe::parse_target_line(line, line_number_)) return t;
            } catch (const Error& e) {
                probe::TargetLine t;
                t.line_number = line_number_;
                t.text = line;
                t.target = line.substr(0, line.find_first_of(" \t"));
                error = e.what();
                return t;
            }
        }
        if (in_ && in_->bad()) throw Error(ErrorKind::io, "cannot read the targets file");
        return std::nullopt;
    }

  private:
    const std::vector<std::string>& args_;
    std::size_t arg_ = 0;
    std::unique_ptr<std::ifstream> file_;
    std::istream* in_ = nullptr;
    std::size_t line_number_ = 0;
};

// The secrets, read once for every target: one password/token source shared by all targets
// (each with its own user), or .netrc entries looked up once per host and user.
class Credentials {
  public:
    explicit Credentials(ProbeArgs& a) : a_(a) {
        CredentialArgs& c = a.conn.credentials;
        netrc_ = netrc_requested(c.netrc);
        const bool explicit_secret = has_explicit_secret(c.password) ||
                                     has_explicit_secret(c.token) || !c.oauth_store.empty();
        if (netrc_ && !c.oauth_store.empty())
            throw Error(ErrorKind::usage, "--oauth-store replaces --password, --token and --netrc");
        if (!explicit_secret && (c.user.empty() || netrc_)) return;  // netrc only, or no AUTH
        // read_credentials() wants a user; per-line users are filled in per target.
        const bool placeholder = c.user.empty();
        if (placeholder) c.user = "the targets' users";
        probe::ProbeOptions o;  // no target: netrc, the only user of it, is per host below
        o.mech = is_all(a.conn.mech) ? "" : a.conn.mech;
        NetrcSource saved = c.netrc;
        c.netrc = NetrcSource{};  // netrc is per host, below
        read_credentials(c, o);
        c.netrc = saved;
        if (placeholder) c.user.clear();
        kind_ = o.credential;
        secret_ = std::move(o.secret);
        token_ = std::move(o.token);
        have_shared_ = true;
    }

    // Fills o.user, o.authzid, o.credential and the secrets for a target whose line named
    // `line_user` (or none). Returns an error message instead when there is no secret.
    std::string fill(probe::ProbeOptions& o, const std::string& line_user) {
        const CredentialArgs& c = a_.conn.credentials;
        std::string user = line_user.empty() ? c.user : line_user;
        if (netrc_) {
            const std::string key = o.target.host + '\n' + user;
            auto it = netrc_cache_.find(key);
            if (it == netrc_cache_.end()) {
                NetrcEntry e;
                try {
                    e = read_netrc(c.netrc, o.target.host, user);
                } catch (const Error& err) {
                    return err.what();
                }
                it = netrc_cache_.emplace(key, std::move(e)).first;
            }
            if (user.empty()) user = it->second.login;
            if (user.empty())
                return "the netrc entry for '" + o.target.host + "' has no login: give user=";
            o.user = user;
            o.authzid = c.authzid;
            if (have_shared_) {
                o.credential = kind_;
                o.secret = secret_.clone();
                o.token = token_.clone();
            } else {
                o.credential = probe::CredentialKind::password;
                o.secret = it->second.password.clone();
            }
            return {};
        }
        if (user.empty()) return {};  // no AUTH for this target
        if (!have_shared_)
            return "user=" + user +
                   " needs a secret: give one source for all targets (--password-file, "
                   "--password-env, --password-cmd, --token-..., or -n for .netrc)";
        o.user = user;
        o.authzid = c.authzid;
        o.credential = kind_;
        o.secret = secret_.clone();
        o.token = token_.clone();
        return {};
    }

  private:
    ProbeArgs& a_;
    bool netrc_ = false;
    bool have_shared_ = false;
    probe::CredentialKind kind_ = probe::CredentialKind::none;
    Secret secret_, token_;
    std::map<std::string, NetrcEntry> netrc_cache_;
};

void validate(const ProbeArgs& a) {
    const FleetArgs& f = a.fleet;
    if (a.targets.empty() && f.targets_file.empty())
        throw Error(ErrorKind::usage,
                    "no target: give one or more targets, or --targets-file FILE");
    if (a.json)
        throw Error(ErrorKind::usage,
                    "--json prints one report; with several targets use --json-lines");
    if (a.quiet && (a.conn.verbose || f.json_lines))
        throw Error(ErrorKind::usage, "-q/--quiet excludes -v/--verbose and --json-lines");
    if (f.check && (a.quiet || a.conn.verbose || f.json_lines))
        throw Error(ErrorKind::usage,
                    "--check prints the plugin's lines only; it excludes -q, -v and --json-lines");
}

}  // namespace

void validate_fleet_options(const FleetArgs& f) {
    if (f.parallel < 1 || f.parallel > kMaxParallel)
        throw Error(ErrorKind::usage, "--parallel must be between 1 and 1024");
    const bool thresholds = f.has_warn_days || f.has_crit_days || f.has_warn_ms || f.has_crit_ms ||
                            !f.require_mechs.empty() || f.forbid_cleartext_auth ||
                            !f.min_tls.empty();
    if (thresholds && !f.check)
        throw Error(ErrorKind::usage,
                    "--warn-days, --crit-days, --warn-ms, --crit-ms, --require-mech, "
                    "--forbid-cleartext-auth and --min-tls are thresholds of --check");
    if ((f.has_warn_days && f.warn_days < 0) || (f.has_crit_days && f.crit_days < 0))
        throw Error(ErrorKind::usage, "--warn-days and --crit-days must not be negative");
    if (f.has_warn_days && f.has_crit_days && f.warn_days < f.crit_days)
        throw Error(ErrorKind::usage,
                    "--warn-days must be at least --crit-days (warn earlier than critical)");
    if ((f.has_warn_ms && !(f.warn_ms > 0)) || (f.has_crit_ms && !(f.crit_ms > 0)))
        throw Error(ErrorKind::usage, "--warn-ms and --crit-ms must be greater than 0");
    if (f.has_warn_ms && f.has_crit_ms && f.warn_ms > f.crit_ms)
        throw Error(ErrorKind::usage, "--warn-ms must not be greater than --crit-ms");
    for (const auto& m : f.require_mechs)
        if (!sasl::find_mechanism(m))
            throw Error(ErrorKind::usage, unknown_mechanism_message(m, false));
}

namespace {

void validate_inputs(const ProbeArgs& a) {
    const FleetArgs& f = a.fleet;
    if (f.targets_file == "-" && a.conn.credentials.password.from_stdin)
        throw Error(ErrorKind::usage,
                    "--targets-file - and --password-stdin both want standard input");
    if (f.targets_file == "-" && a.conn.credentials.token.from_stdin)
        throw Error(ErrorKind::usage,
                    "--targets-file - and --token-stdin both want standard input");
}

probe::CheckThresholds thresholds_of(const FleetArgs& f) {
    probe::CheckThresholds t;
    if (f.has_warn_days) t.warn_days = f.warn_days;
    if (f.has_crit_days) t.crit_days = f.crit_days;
    if (f.has_warn_ms) t.warn_ms = f.warn_ms;
    if (f.has_crit_ms) t.crit_ms = f.crit_ms;
    t.require_mechs = f.require_mechs;
    t.forbid_cleartext_auth = f.forbid_cleartext_auth;
    t.min_tls = f.min_tls;
    return t;
}

// Each worker holds a socket, and --mech all or a diagnosis may open a second: raise the
// soft descriptor limit towards the hard one rather than fail targets with EMFILE.
void allow_descriptors(unsigned parallel) {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
    const rlim_t want = static_cast<rlim_t>(parallel) * 2 + 64;
    if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < want) {
        lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? want : std::min(want, lim.rlim_max);
        setrlimit(RLIMIT_NOFILE, &lim);
    }
}

void check_output(std::ostream& out) {
    out.flush();
    if (!out) throw Error(ErrorKind::io, "cannot write to standard output");
}

}  // namespace

void add_fleet_options(CLI::App& cmd, FleetArgs& f) {
    cmd.add_option("--targets-file", f.targets_file,
                   "read targets from FILE ('-' = stdin), one per line: TARGET [user=NAME] "
                   "[mech=NAME] [protocol=smtp|imap|pop3]; '#' starts a comment");
    cmd.add_option("--parallel", f.parallel, "probe this many targets at once (default 16)");
    cmd.add_flag("--json-lines", f.json_lines,
                 "print one JSON report per line, in input order, with its input line");
    cmd.add_flag("--check", f.check,
                 "monitoring plugin output (Nagios/Icinga): one status line, perfdata, exit "
                 "0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN");
    cmd.add_option("--warn-days", f.warn_days,
                   "--check: WARNING when the certificate has fewer days left")
        ->each([&f](const std::string&) { f.has_warn_days = true; });
    cmd.add_option("--crit-days", f.crit_days,
                   "--check: CRITICAL when the certificate has fewer days left")
        ->each([&f](const std::string&) { f.has_crit_days = true; });
    cmd.add_option("--warn-ms", f.warn_ms, "--check: WARNING when the probe takes longer (ms)")
        ->each([&f](const std::string&) { f.has_warn_ms = true; });
    cmd.add_option("--crit-ms", f.crit_ms, "--check: CRITICAL when the probe takes longer (ms)")
        ->each([&f](const std::string&) { f.has_crit_ms = true; });
    cmd.add_option("--require-mech", f.require_mechs,
                   "--check: CRITICAL unless the server offers this mechanism (repeatable)");
    cmd.add_flag("--forbid-cleartext-auth", f.forbid_cleartext_auth,
                 "--check: CRITICAL when a mechanism that reveals the password (PLAIN, LOGIN, "
                 "XOAUTH2, OAUTHBEARER) is offered before TLS");
    cmd.add_option("--min-tls", f.min_tls,
                   "--check: CRITICAL when the negotiated TLS version is older")
        ->check(CLI::IsMember({"1.0", "1.1", "1.2", "1.3"}));
}

int check_usage_error(const std::string& message) {
    std::string text = message;
    for (char& c : text)
        if (c == '\n' || c == '|') c = ' ';
    std::cout << "SMTPAUTH UNKNOWN - " << text << '\n';
    std::cout.flush();
    return static_cast<int>(probe::CheckState::unknown);
}

int probe_check_parse_error(int argc, char** argv, const std::string& message) {
    bool probe = false, check = false;
    for (int i = 1; i < argc && argv[i]; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--") break;
        if (!probe && arg == "probe") probe = true;
        if (probe && arg == "--check") check = true;
    }
    return probe && check ? check_usage_error(message) : -1;
}

int run_probe_many(ProbeArgs& a) {
    validate(a);
    validate_fleet_options(a.fleet);
    validate_inputs(a);
    const FleetArgs& f = a.fleet;
    const bool all = is_all(a.conn.mech);
    if (!a.conn.mech.empty() && !all && !sasl::find_mechanism(a.conn.mech))
        throw Error(ErrorKind::usage, unknown_mechanism_message(a.conn.mech, true));
    // Everything but the target, checked once (and the EHLO name looked up once).
    {
        probe::ProbeOptions base = connection_options(a.conn);
        a.conn.ehlo = base.ehlo_name;
    }
    // The CA store, minimum version and client certificate: loaded once, shared by all.
    std::shared_ptr<const net::TlsContext> tls_context;
    if (a.conn.tls != "none") {
        net::TlsConfig c;
        c.cafile = a.conn.cafile;
        c.min_version = a.conn.tls_min;
        c.client_cert = a.conn.cert;
        c.client_key = a.conn.key;
        c.insecure = a.conn.insecure;
        tls_context = net::load_tls_context(c);
    }

    TargetSource source(a.targets, f.targets_file);
    Credentials credentials(a);

    auto next = [&]() -> std::optional<probe::FleetJob> {
        std::string error;
        std::optional<probe::TargetLine> line = source.next(error);
        if (!line) return std::nullopt;
        probe::FleetJob job;
        job.line = std::move(*line);
        job.input_error = std::move(error);
        if (!job.input_error.empty()) return job;
        try {
            probe::Target target = session_target(a.conn, job.line.target, job.line.protocol);
            job.options = connection_options(a.conn);
            job.options.target = std::move(target);
        } catch (const Error& e) {
            job.input_error = e.what();
            return job;
        }
        probe::ProbeOptions& o = job.options;
        o.tls_context = tls_context;
        o.mailbox_check = !a.no_mailbox_check;
        if (!job.line.mech.empty()) {
            if (!is_all(job.line.mech) && !sasl::find_mechanism(job.line.mech)) {
                job.input_error = unknown_mechanism_message(job.line.mech, true);
                return job;
            }
            o.mech = job.line.mech;
        }
        job.input_error = credentials.fill(o, job.line.user);
        return job;
    };

    render::RenderOptions ro;
    ro.verbose = a.conn.verbose;
    ro.show_secrets = a.conn.show_secrets;
    const probe::CheckThresholds thresholds = thresholds_of(f);
    const bool table = !f.check && !f.json_lines;
    Spool spool;
    render::SummaryWidths widths = render::summary_header_widths();
    render::CheckCounts counts;
    std::string single_check;  // the one-target form of --check, for a run of one
    int status = 0;
    std::size_t total = 0, failed = 0;

    auto deliver = [&](probe::FleetResult& r) {
        const int s =
            r.input_error.empty() ? probe::exit_status(r.report) : exit_code(ErrorKind::usage);
        status = worst_exit_status(status, s);
        ++total;
        failed += s != 0;
        if (f.check) {
            probe::CheckResult c = r.input_error.empty()
                                       ? probe::evaluate_check(r.report, thresholds)
                                       : probe::input_error_check(r.input_error);
            render::count(counts, c.state);
            if (counts.targets == 1) {
                std::ostringstream one;
                render::check_single(one, r, c);
                single_check = one.str();
            }
            spool.add(render::check_target_line(r, c));
            spool.add(render::check_target_perfdata(r, c));
            return;
        }
        if (f.json_lines) {
            render::fleet_json_line(std::cout, r, ro);
            check_output(std::cout);
            return;
        }
        if (!a.quiet) {
            render::fleet_text(std::cout, r, ro);
            check_output(std::cout);
        }
        render::SummaryRow row = render::summary_row(r);
        render::widen(widths, row);
        spool.add(join_cells(row));
    };

    probe::FleetSettings settings;
    settings.parallel = f.parallel;
    allow_descriptors(f.parallel);
    probe::run_fleet(settings, next, deliver);
    if (total == 0)
        throw Error(ErrorKind::usage, "no targets: '" + f.targets_file + "' has no target lines");

    if (f.check) {
        if (counts.targets == 1) {
            std::cout << single_check;
        } else {
            render::check_status_line(std::cout, counts);
            std::vector<std::string> perf;
            bool is_text = true;
            spool.each([&](const std::string& line) {
                if (is_text) std::cout << line << '\n';
                is_text = !is_text;
            });
            // Plugin guidelines: after the long text, "|" starts the rest of the perfdata.
            bool first = true;
            is_text = true;
            spool.each([&](const std::string& line) {
                if (!is_text && !line.empty()) {
                    std::cout << (first ? "| " : "") << line << '\n';
                    first = false;
                }
                is_text = !is_text;
            });
        }
        check_output(std::cout);
        return static_cast<int>(counts.targets == 0 ? probe::CheckState::unknown : counts.worst);
    }
    if (table) {
        render::summary_header(std::cout, widths);
        spool.each([&](const std::string& line) {
            render::summary_line(std::cout, split_cells(line), widths);
        });
        std::cout << total << (total == 1 ? " target: " : " targets: ") << total - failed
                  << " succeeded, " << failed << " failed; exit status " << status << '\n';
    }
    check_output(std::cout);
    return status;
}

}  // namespace smtpauth::cli

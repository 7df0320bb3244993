// The monitoring-check verdict of a probe report (Nagios plugin guidelines: states 0-3,
// thresholds, perfdata): probe failures and the --warn-*/--crit-*/--require-mech/
// --forbid-cleartext-auth/--min-tls policies.
#include <cmath>
#include <string>

#include "smtpauth/fleet.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::probe {

namespace {

std::string one_line(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c == '\n' || c == '\r') c = ' ';
    return out;
}

bool equal_ci(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
        if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
        if (x != y) return false;
    }
    return true;
}

// "TLSv1.3" -> 13, "1.2" -> 12; 0 when unknown.
int tls_rank(std::string_view v) {
    if (v.rfind("TLSv", 0) == 0) v.remove_prefix(4);
    if (v == "1" || v == "1.0") return 10;
    if (v == "1.1") return 11;
    if (v == "1.2") return 12;
    if (v == "1.3") return 13;
    return 0;
}

// Failures that mean the check could not run as asked, rather than that the server is broken.
bool is_local_failure(ErrorKind k) {
    return k == ErrorKind::usage || k == ErrorKind::bad_input || k == ErrorKind::no_input ||
           k == ErrorKind::internal || k == ErrorKind::io;
}

// Collects problems worst first (stable among equals), and the overall state.
struct Verdict {
    CheckResult& r;
    std::vector<CheckState> states;  // of r.problems, index for index
    void add(CheckState s, std::string problem) {
        std::size_t at = 0;
        while (at < states.size() && worse_state(states[at], s) == states[at]) ++at;
        states.insert(states.begin() + static_cast<std::ptrdiff_t>(at), s);
        r.problems.insert(r.problems.begin() + static_cast<std::ptrdiff_t>(at), std::move(problem));
        r.state = worse_state(r.state, s);
    }
};

std::string fmt_number(double v) {
    std::string s = std::to_string(std::round(v * 1000.0) / 1000.0);
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

std::string summary_of(const ProbeReport& r) {
    std::string s;
    const AuthReport& a = r.auth;
    if (a.result == AuthResult::accepted)
        s = "AUTH " + a.mechanism.value_or("?") + " accepted";
    else if (a.result == AuthResult::rejected)
        s = "AUTH " + a.mechanism.value_or("?") + " rejected";
    else if (!r.error)
        s = std::to_string(r.offered.size()) + " mechanisms offered, AUTH not attempted";
    if (r.tls) s += (s.empty() ? "" : ", ") + r.tls->version;
    if (r.tls && !r.tls->chain.empty())
        s += ", certificate " + std::to_string(r.tls->chain.front().days_left) + " days left";
    if (r.timings.total > 0) s += (s.empty() ? "" : ", ") + fmt_number(r.timings.total) + " ms";
    return s;
}

}  // namespace

std::string_view check_state_name(CheckState s) noexcept {
    switch (s) {
        case CheckState::ok:
            return "OK";
        case CheckState::warning:
            return "WARNING";
        case CheckState::critical:
            return "CRITICAL";
        case CheckState::unknown:
            return "UNKNOWN";
    }
    return "UNKNOWN";
}

CheckState worse_state(CheckState a, CheckState b) noexcept {
    auto rank = [](CheckState s) {
        switch (s) {
            case CheckState::ok:
                return 0;
            case CheckState::unknown:
                return 1;
            case CheckState::warning:
                return 2;
            case CheckState::critical:
                return 3;
        }
        return 1;
    };
    return rank(a) >= rank(b) ? a : b;
}

CheckResult evaluate_check(const ProbeReport& r, const CheckThresholds& t) {
    CheckResult out;
    Verdict v{out, {}};
    out.summary = summary_of(r);

    if (r.error) {
        const Failure& f = *r.error;
        v.add(is_local_failure(f.kind) ? CheckState::unknown : CheckState::critical,
              "FAILED at " + std::string(stage_name(f.stage)) + " (" +
                  std::string(kind_name(f.kind)) + "): " + one_line(f.message));
    }

    // Certificate validity: only when a certificate was seen.
    const net::CertificateInfo* leaf = nullptr;
    if (r.tls && !r.tls->chain.empty()) leaf = &r.tls->chain.front();
    if (leaf) {
        const long days = leaf->days_left;
        PerfDatum d{"cert_days", static_cast<double>(days), "", {}, {}, {}, {}};
        if (t.warn_days) d.warn = std::to_string(*t.warn_days) + ":";
        if (t.crit_days) d.crit = std::to_string(*t.crit_days) + ":";
        out.perfdata.push_back(std::move(d));
        const std::string left =
            "certificate expires in " + std::to_string(days) + " days (" + leaf->not_after + ")";
        if (t.crit_days && days < *t.crit_days)
            v.add(CheckState::critical,
                  left + ", fewer than --crit-days " + std::to_string(*t.crit_days));
        else if (t.warn_days && days < *t.warn_days)
            v.add(CheckState::warning,
                  left + ", fewer than --warn-days " + std::to_string(*t.warn_days));
        if (!r.tls->verified && !r.error)
            v.add(CheckState::warning,
                  "certificate not verified (" + one_line(r.tls->verify_error) + "; --insecure)");
    } else if ((t.warn_days || t.crit_days) && !r.error) {
        v.add(CheckState::unknown, "no certificate to check (the target has no TLS)");
    }

    // Total time; reported for failed probes too (a timeout shows as a long time).
    if (r.timings.total > 0 || !r.error) {
        PerfDatum d{"time", r.timings.total, "ms", {}, {}, 0.0, {}};
        if (t.warn_ms) d.warn = fmt_number(*t.warn_ms);
        if (t.crit_ms) d.crit = fmt_number(*t.crit_ms);
        d.value = std::round(r.timings.total * 1000.0) / 1000.0;
        out.perfdata.push_back(std::move(d));
        const std::string took = "took " + fmt_number(r.timings.total) + " ms";
        if (t.crit_ms && r.timings.total > *t.crit_ms)
            v.add(CheckState::critical, took + ", more than --crit-ms " + fmt_number(*t.crit_ms));
        else if (t.warn_ms && r.timings.total > *t.warn_ms)
            v.add(CheckState::warning, took + ", more than --warn-ms " + fmt_number(*t.warn_ms));
    }

    // Policies on what the server offers: judged once the capabilities are known.
    const bool have_caps = r.capabilities_after_tls || r.capabilities_before_tls;
    if (have_caps) {
        for (const auto& want : t.require_mechs) {
            bool found = false;
            for (const auto& m : r.offered) found = found || equal_ci(m, want);
            if (!found) {
                std::string offered;
                for (const auto& m : r.offered) offered += (offered.empty() ? "" : " ") + m;
                v.add(CheckState::critical, "mechanism " + want + " not offered (offered: " +
                                                (offered.empty() ? std::string("none") : offered) +
                                                ")");
            }
        }
        if (t.forbid_cleartext_auth) {
            std::string revealing;
            for (const auto& m : r.offered_before_tls)
                if (const auto* info = sasl::find_mechanism(m); info && info->traits.reveals_secret)
                    revealing += (revealing.empty() ? "" : " ") + m;
            if (!revealing.empty())
                v.add(CheckState::critical,
                      "AUTH " + revealing + " offered before TLS (--forbid-cleartext-auth)");
        }
    }
    if (!t.min_tls.empty()) {
        if (r.tls && !r.tls->version.empty()) {
            if (tls_rank(r.tls->version) < tls_rank(t.min_tls))
                v.add(CheckState::critical,
                      r.tls->version + " is older than --min-tls " + t.min_tls);
        } else if (!r.error) {
            v.add(CheckState::critical, "no TLS, --min-tls " + t.min_tls + " asked for");
        }
    }
    return out;
}

CheckResult input_error_check(std::string_view message) {
    CheckResult out;
    out.state = CheckState::unknown;
    out.problems.push_back(one_line(message));
    return out;
}

}  // namespace smtpauth::probe

// Many targets: the targets-file line grammar, the scheduler's in-order delivery with a
// bounded window (jobs that never touch the network), the check verdict and the worst-exit
// order.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "smtpauth/error.hpp"
#include "smtpauth/fleet.hpp"

using namespace smtpauth;
using namespace smtpauth::probe;

TEST_CASE("fleet: a targets-file line") {
    auto t = parse_target_line("  imaps://mail.example:993\tuser=bob mech=PLAIN # note", 7);
    REQUIRE(t);
    CHECK(t->line_number == 7);
    CHECK(t->target == "imaps://mail.example:993");
    CHECK(t->user == "bob");
    CHECK(t->mech == "PLAIN");
    CHECK(t->protocol.empty());
    CHECK(t->text == "  imaps://mail.example:993\tuser=bob mech=PLAIN # note");
    CHECK(parse_target_line("mx.example protocol=imap\r", 1)->protocol == "imap");
    CHECK(parse_target_line("mx.example protocol=imap\r", 1)->text == "mx.example protocol=imap");
    CHECK_FALSE(parse_target_line("", 1));
    CHECK_FALSE(parse_target_line("   # only a comment", 1));
    CHECK_THROWS_WITH_AS(parse_target_line("mx.example colour=blue", 3),
                         "line 3: unknown key 'colour' (user=, mech= and protocol= are known)",
                         Error);
    CHECK_THROWS_WITH_AS(parse_target_line("a.example b.example", 4),
                         "line 4: 'b.example' is neither user=, mech= nor protocol= (one target "
                         "per line)",
                         Error);
    CHECK_THROWS_WITH_AS(parse_target_line("user=x mx.example", 5),
                         "line 5: the line must start with the target, not 'user=x'", Error);
    CHECK_THROWS_WITH_AS(parse_target_line("mx user=a user=b", 6), "line 6: user= given twice",
                         Error);
    CHECK_THROWS_WITH_AS(parse_target_line("mx mech=", 8), "line 8: mech= needs a value", Error);
}

namespace {
// "t<n>", built by appending (`"t" + std::to_string(n)` trips GCC 12's -O3 -Wrestrict).
std::string target_name(std::size_t n) {
    std::string s = "t";
    s += std::to_string(n);
    return s;
}

// Jobs that are input errors run no probe: the scheduler alone is under test.
std::function<std::optional<FleetJob>()> jobs(std::size_t n, std::size_t* made) {
    return [n, made]() -> std::optional<FleetJob> {
        if (*made == n) return std::nullopt;
        FleetJob j;
        j.line.line_number = ++*made;
        j.line.target = target_name(*made);
        j.input_error.assign(1, 'x');  // not `= "x"`: GCC 12 -O3 -Wrestrict false positive
        return j;
    };
}
}  // namespace

TEST_CASE("fleet: reports come back in input order, each once") {
    for (unsigned parallel : {1u, 3u, 16u}) {
        std::size_t made = 0;
        std::vector<std::size_t> order;
        run_fleet(FleetSettings{parallel, 0}, jobs(500, &made), [&](FleetResult& r) {
            CHECK(r.report.target.input == target_name(r.index + 1));
            order.push_back(r.line.line_number);
        });
        REQUIRE(order.size() == 500);
        for (std::size_t i = 0; i < order.size(); ++i) CHECK(order[i] == i + 1);
    }
}

TEST_CASE("fleet: the window bounds the jobs taken ahead of a slow delivery") {
    std::atomic<std::size_t> made{0};
    std::size_t counter = 0;
    auto next = jobs(200, &counter);
    std::size_t max_ahead = 0;
    run_fleet(
        FleetSettings{4, 8},
        [&] {
            auto j = next();
            if (j) ++made;
            return j;
        },
        [&](FleetResult& r) {
            // While delivery is slow, workers must stop taking jobs beyond the window.
            std::this_thread::sleep_for(std::chrono::microseconds(200));
            max_ahead = std::max(max_ahead, made.load() - r.index);
        });
    CHECK(made == 200);
    CHECK(max_ahead <= 8 + 4);
}

TEST_CASE("fleet: an exception from next or deliver stops the run and is rethrown") {
    std::size_t made = 0;
    auto next = jobs(100, &made);
    CHECK_THROWS_WITH_AS(run_fleet(
                             FleetSettings{4, 0},
                             [&] {
                                 if (made == 10) throw Error(ErrorKind::io, "read failed");
                                 return next();
                             },
                             [](FleetResult&) {}),
                         "read failed", Error);
    made = 0;
    std::size_t delivered = 0;
    CHECK_THROWS_WITH_AS(run_fleet(FleetSettings{4, 0}, jobs(100, &made),
                                   [&](FleetResult&) {
                                       if (++delivered == 5) throw std::runtime_error("stdout");
                                   }),
                         "stdout", std::runtime_error);
    CHECK(delivered == 5);
}

TEST_CASE("fleet: worst exit status by the documented order") {
    CHECK(worst_exit_status(0, 77) == 77);
    CHECK(worst_exit_status(77, 69) == 69);  // connect is worse than auth-rejected
    CHECK(worst_exit_status(75, 81) == 81);
    CHECK(worst_exit_status(81, 64) == 64);
    CHECK(worst_exit_status(64, 70) == 70);
    CHECK(worst_exit_status(82, 77) == 77);
    CHECK(worst_exit_status(0, 0) == 0);
}

TEST_CASE("fleet: check states combine CRITICAL > WARNING > UNKNOWN > OK") {
    CHECK(worse_state(CheckState::ok, CheckState::unknown) == CheckState::unknown);
    CHECK(worse_state(CheckState::unknown, CheckState::warning) == CheckState::warning);
    CHECK(worse_state(CheckState::critical, CheckState::warning) == CheckState::critical);
    CHECK(check_state_name(CheckState::critical) == "CRITICAL");
}

TEST_CASE("fleet: check verdicts of failures and thresholds") {
    ProbeReport r;
    r.timings.total = 120;
    r.capabilities_after_tls = std::vector<std::string>{"AUTH PLAIN"};
    r.offered = {"PLAIN"};
    r.auth.result = AuthResult::accepted;
    r.auth.mechanism = "PLAIN";
    net::TlsInfo tls;
    tls.version = "TLSv1.2";
    tls.verified = true;
    tls.chain.push_back(net::CertificateInfo{});
    tls.chain.back().days_left = 10;
    r.tls = tls;

    CheckThresholds t;
    CheckResult c = evaluate_check(r, t);
    CHECK(c.state == CheckState::ok);
    CHECK(c.summary == "AUTH PLAIN accepted, TLSv1.2, certificate 10 days left, 120 ms");
    REQUIRE(c.perfdata.size() == 2);
    CHECK(c.perfdata[0].label == "cert_days");
    CHECK(c.perfdata[1].label == "time");
    CHECK(c.perfdata[1].uom == "ms");

    t.warn_days = 14;
    t.crit_days = 5;
    c = evaluate_check(r, t);
    CHECK(c.state == CheckState::warning);
    CHECK(c.perfdata[0].warn == "14:");
    t.crit_ms = 100;
    t.min_tls = "1.3";
    t.require_mechs = {"SCRAM-SHA-256"};
    c = evaluate_check(r, t);
    CHECK(c.state == CheckState::critical);
    CHECK(c.problems.size() == 4);
    CHECK(c.problems.back().find("fewer than --warn-days 14") != std::string::npos);

    ProbeReport failed;
    failed.error = Failure{ErrorKind::connect, Stage::connect, "refused"};
    CHECK(evaluate_check(failed, CheckThresholds{}).state == CheckState::critical);
    failed.error = Failure{ErrorKind::no_input, Stage::tls, "no CA file"};
    CHECK(evaluate_check(failed, CheckThresholds{}).state == CheckState::unknown);
    CHECK(input_error_check("line 1: bad").state == CheckState::unknown);
}

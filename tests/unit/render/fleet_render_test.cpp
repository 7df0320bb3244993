// Many-target rendering: perfdata labels and values by the plugin guidelines, and the
// summary table's cells and alignment.
#include <doctest/doctest.h>

#include <sstream>

#include "smtpauth/render_fleet.hpp"

using namespace smtpauth;
using namespace smtpauth::render;

TEST_CASE("fleet render: perfdata labels are quoted when they must be") {
    CHECK(perf_label("time") == "time");
    CHECK(perf_label("cert_days") == "cert_days");
    CHECK(perf_label("smtp://mx.example:587 time") == "'smtp://mx.example:587 time'");
    CHECK(perf_label("it's") == "'it''s'");
    probe::PerfDatum d{"time", 12.5, "ms", "500", "", 0.0, {}};
    CHECK(perf_datum(d) == "time=12.5ms;500;;0;");
    CHECK(perf_datum(d, "[::1]:25") == "'[::1]:25 time'=12.5ms;500;;0;");
    probe::PerfDatum days{"cert_days", 29, "", "21:", "7:", {}, {}};
    CHECK(perf_datum(days) == "cert_days=29;21:;7:;;");
}

TEST_CASE("fleet render: summary rows and the table") {
    probe::FleetResult r;
    r.line.line_number = 1;
    r.report.target.input = "smtp://mx.example";
    r.report.offered = {"PLAIN", "LOGIN"};
    r.report.auth.result = probe::AuthResult::rejected;
    r.report.auth.mechanism = "PLAIN";
    r.report.timings.total = 41.6;
    net::TlsInfo tls;
    tls.version = "TLSv1.3";
    tls.chain.push_back(net::CertificateInfo{});
    tls.chain.back().days_left = 12;
    r.report.tls = tls;
    SummaryRow row = summary_row(r);
    CHECK(row ==
          SummaryRow{"smtp://mx.example", "TLSv1.3", "12", "PLAIN LOGIN", "PLAIN rejected", "42"});

    probe::FleetResult bad;
    bad.line.target = "x\ty";
    bad.input_error = "line 2: unknown key";
    SummaryRow bad_row = summary_row(bad);
    CHECK(bad_row[0] == "x\\ty");  // escaped: no tab reaches the table
    CHECK(bad_row[4] == "input error");

    SummaryWidths w = summary_header_widths();
    widen(w, row);
    widen(w, bad_row);
    std::ostringstream out;
    summary_header(out, w);
    summary_line(out, row, w);
    CHECK(out.str() ==
          "TARGET             TLS      CERT DAYS  MECHANISMS   AUTH            MS\n"
          "smtp://mx.example  TLSv1.3  12         PLAIN LOGIN  PLAIN rejected  42\n");
}

// Probe renderers against golden files (fixed clock): human text, -v transcript with
// redaction, JSON parsed and compared. The golden files are written and reviewed by hand:
// no test writes them, so the program under test can never approve its own output.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "smtpauth/render.hpp"

using namespace smtpauth;
using namespace smtpauth::probe;

namespace {

const std::string kGoldenDir = std::string(SMTPAUTH_SOURCE_DIR) + "/tests/unit/render/golden/";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void compare_golden(const std::string& name, const std::string& actual) {
    const std::string path = kGoldenDir + name;
    std::string expected = read_file(path);
    REQUIRE_MESSAGE(!expected.empty(), "missing golden file " << path);
    CHECK(actual == expected);
}

TranscriptEvent ev(long ms, Direction d, std::string text, bool before_tls = false,
                   Sensitivity s = Sensitivity::none, std::string redacted = {}) {
    TranscriptEvent e;
    e.elapsed = std::chrono::milliseconds(ms);
    e.direction = d;
    e.text = std::move(text);
    e.sensitivity = s;
    e.redacted = std::move(redacted);
    e.before_tls = before_tls;
    return e;
}

// A STARTTLS submission probe with PLAIN accepted, as the probe would report it.
ProbeReport accepted_report() {
    ProbeReport r;
    r.target = parse_target("smtp://mail.example.test");
    r.address = "192.0.2.25";
    net::TlsInfo tls;
    tls.version = "TLSv1.3";
    tls.cipher = "TLS_AES_256_GCM_SHA384";
    tls.group = "X25519";
    tls.verified = true;
    net::CertificateInfo c;
    c.subject = "CN=mail.example.test";
    c.issuer = "CN=Example Test CA";
    c.subject_alt_names = {"DNS:mail.example.test"};
    c.not_before = "2026-11-01T00:00:00Z";
    c.not_after = "2027-02-01T00:00:00Z";
    c.days_left = 65;
    c.key_type = "EC";
    c.key_bits = 256;
    c.sha256_fingerprint = "AA:BB:CC";
    c.serial = "01";
    tls.chain.push_back(c);
    r.tls = tls;
    r.greeting = "220 mail.example.test ESMTP \x1b[2Jready";
    r.greeting_before_tls = true;
    r.capabilities_before_tls = std::vector<std::string>{"PIPELINING", "STARTTLS"};
    r.capabilities_after_tls = std::vector<std::string>{"PIPELINING", "AUTH PLAIN LOGIN"};
    r.offered = {"PLAIN", "LOGIN"};
    r.considered = {{"PLAIN", true, "chosen: strongest usable"},
                    {"LOGIN", true, "usable, but PLAIN is preferred"}};
    r.auth.mechanism = "PLAIN";
    r.auth.result = AuthResult::accepted;
    r.auth.server_reply = "235 2.7.0 Authentication successful";
    r.auth.round_trips = 1;
    r.timings = Timings{0.25, 0.5, 6.125, 1.0, 2.0, 1.5, 12.0};
    r.transcript = {
        ev(0, Direction::info, "connected to 192.0.2.25 port 587"),
        ev(1, Direction::server, "220 mail.example.test ESMTP \x1b[2Jready", true),
        ev(1, Direction::client, "EHLO client.example"),
        ev(2, Direction::server, "250-mail.example.test", true),
        ev(2, Direction::server, "250 STARTTLS", true),
        ev(2, Direction::client, "STARTTLS"),
        ev(3, Direction::server, "220 2.0.0 go ahead", true),
        ev(9, Direction::info, "TLS established: TLSv1.3, TLS_AES_256_GCM_SHA384, X25519"),
        ev(9, Direction::client, "EHLO client.example"),
        ev(10, Direction::server, "250 AUTH PLAIN LOGIN"),
        ev(10, Direction::client, "AUTH PLAIN AHVzZXIAcGFzc3dvcmQ=", false, Sensitivity::secret,
           "AUTH PLAIN <redacted: 20 bytes base64>"),
        ev(11, Direction::server, "235 2.7.0 Authentication successful"),
    };
    return r;
}

ProbeReport xoauth2_rejected_report() {
    ProbeReport r;
    r.target = parse_target("smtps://smtp.example.test");
    r.address = "192.0.2.26";
    r.capabilities_after_tls = std::vector<std::string>{"AUTH XOAUTH2"};
    r.offered = {"XOAUTH2"};
    r.considered = {{"XOAUTH2", true, "chosen: strongest usable"}};
    r.auth.mechanism = "XOAUTH2";
    r.auth.result = AuthResult::rejected;
    r.auth.server_reply = "535-5.7.8 Username and Password not accepted.\n535 5.7.8 bye";
    r.auth.round_trips = 2;
    r.auth.server_error = OAuthServerError{
        "401", "bearer mac", "https://mail.google.com/",
        "{\"status\":\"401\",\"schemes\":\"bearer mac\",\"scope\":\"https://mail.google.com/\"}\n"};
    r.auth.hint = failure_hint(*r.auth.server_reply, r.auth.server_error);
    r.error = Failure{ErrorKind::auth_rejected, Stage::auth,
                      "server rejected the credentials (XOAUTH2): 535 5.7.8 bye"};
    r.timings = Timings{0, 0.5, 5, 1, 1, 2, 10};
    return r;
}

std::string render_text(const ProbeReport& r, bool verbose, bool show) {
    std::ostringstream out;
    render::probe_text(out, r, render::RenderOptions{verbose, show});
    return out.str();
}

std::string render_json(const ProbeReport& r, bool verbose, bool show) {
    std::ostringstream out;
    render::probe_json(out, r, render::RenderOptions{verbose, show});
    return out.str();
}

}  // namespace

TEST_CASE("render: human summary of an accepted probe") {
    compare_golden("probe_accepted.txt", render_text(accepted_report(), false, false));
}

TEST_CASE("render: -v transcript redacts the AUTH line unless --show-secrets") {
    std::string v = render_text(accepted_report(), true, false);
    compare_golden("probe_accepted_verbose.txt", v);
    CHECK(v.find("AHVzZXIAcGFzc3dvcmQ=") == std::string::npos);
    CHECK(v.find("AUTH PLAIN <redacted: 20 bytes base64>") != std::string::npos);
    CHECK(v.find('\x1b') == std::string::npos);  // the greeting's escape is neutralised
    CHECK(v.find("\\x1b[2J") != std::string::npos);
    std::string shown = render_text(accepted_report(), true, true);
    CHECK(shown.find("AUTH PLAIN AHVzZXIAcGFzc3dvcmQ=") != std::string::npos);
}

TEST_CASE("render: rejected XOAUTH2 with server error and hint; no failure line on stdout") {
    std::string t = render_text(xoauth2_rejected_report(), false, false);
    compare_golden("probe_xoauth2_rejected.txt", t);
    // The command prints the failure once, on stderr.
    CHECK(t.find("FAILED") == std::string::npos);
}

TEST_CASE("render: JSON follows the contract and matches the golden file") {
    std::string text = render_json(accepted_report(), true, false);
    nlohmann::json j = nlohmann::json::parse(text);
    compare_golden("probe_accepted.json", j.dump(2) + "\n");
    CHECK(j["schema_version"] == 2);
    CHECK(j["target"]["port"] == 587);
    CHECK(j["target"]["protocol"] == "smtp");
    CHECK(j["target"]["tls_mode"] == "starttls");
    CHECK(j["address"] == "192.0.2.25");
    CHECK(j["tls"]["verified"] == true);
    CHECK(j["tls"]["verify_error"].is_null());
    CHECK(j["tls"]["chain"][0]["days_left"] == 65);
    CHECK(j["capabilities"]["before_tls"][1] == "STARTTLS");
    CHECK(j["mechanisms"]["offered"] == nlohmann::json::array({"PLAIN", "LOGIN"}));
    CHECK(j["mechanisms"]["considered"][0]["usable"] == true);
    CHECK(j["auth"]["result"] == "accepted");
    CHECK(j["auth"]["server_reply"] == "235 2.7.0 Authentication successful");
    CHECK(j["auth"]["round_trips"] == 1);
    CHECK(j["timings_ms"]["tls"] == doctest::Approx(6.125));
    CHECK(j["error"].is_null());
    CHECK_FALSE(j.contains("attempts"));
    auto tr = j["transcript"];
    REQUIRE(tr.size() == 12);
    CHECK(tr[10]["dir"] == "C");
    CHECK(tr[10]["redacted"] == true);
    CHECK(tr[10]["text"] == "AUTH PLAIN <redacted: 20 bytes base64>");
    CHECK(tr[1]["before_tls"] == true);
    CHECK(text.find("AHVzZXIAcGFzc3dvcmQ=") == std::string::npos);
    // Without -v there is no transcript; with --show-secrets the line is shown as sent.
    CHECK_FALSE(
        nlohmann::json::parse(render_json(accepted_report(), false, false)).contains("transcript"));
    auto shown = nlohmann::json::parse(render_json(accepted_report(), true, true));
    CHECK(shown["transcript"][10]["text"] == "AUTH PLAIN AHVzZXIAcGFzc3dvcmQ=");
    CHECK(shown["transcript"][10]["redacted"] == false);
}

TEST_CASE("render: JSON error object and OAuth server error") {
    auto j = nlohmann::json::parse(render_json(xoauth2_rejected_report(), false, false));
    compare_golden("probe_xoauth2_rejected.json", j.dump(2) + "\n");
    CHECK(j["error"]["kind"] == "auth-rejected");
    CHECK(j["error"]["stage"] == "auth");
    CHECK(j["auth"]["result"] == "rejected");
    CHECK(j["auth"]["server_error"]["status"] == "401");
    CHECK(j["auth"]["server_error"]["scope"] == "https://mail.google.com/");
    CHECK(j["auth"]["hint"].get<std::string>().find("scope") != std::string::npos);
    CHECK(j["tls"].is_null());
    CHECK(j["capabilities"]["before_tls"].is_null());
}

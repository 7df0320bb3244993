// The registry table (order, traits, lookup, RFC 4422 §3.1 names) and a conformance run of
// every entry: the same properties for every mechanism, including hostile challenges.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mechanism_helpers.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/registry.hpp"

using namespace std::string_view_literals;
namespace sasl = smtpauth::sasl;

namespace {

const std::string kPassword = "pencil-Secret-42";
const std::string kToken = "ya29.TokenValue-xyz";

sasl_test::Creds creds_for(const sasl::MechanismInfo& info) {
    sasl_test::Creds c;
    c.user = "user";
    if (info.traits.needs_password) c.secret = kPassword;
    if (info.traits.needs_token) c.secret = kToken;
    c.host = "mail.example.com";
    c.port = 587;
    return c;
}

sasl::MechanismOptions options_for(const sasl::MechanismInfo& info) {
    sasl::MechanismOptions o;
    o.client_nonce = "abc";
    if (info.traits.channel_binding) o.channel_binding = {"tls-exporter", std::string(32, 'B')};
    return o;
}

// The challenges a conforming server sends before the last one we can script without
// knowing the password-derived values.
std::vector<std::string> good_challenges(std::string_view name) {
    if (name == "LOGIN") return {"Username:", "Password:"};
    if (name.substr(0, 5) == "CRAM-") return {"<1896.697170952@postoffice.reston.mci.net>"};
    if (name.substr(0, 6) == "SCRAM-") return {"r=abcdef,s=QSXCR+Q6sek8bf92,i=4096"};
    if (name == "DIGEST-MD5")
        return {
            "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\","
            "algorithm=md5-sess,charset=utf-8"};
    return {};
}

std::vector<std::string> hostile_challenges() {
    return {
        "",
        std::string("\0", 1),
        std::string(3, '\0'),
        "=",
        ",",
        "e=",
        "v=",
        "r=",
        "r=,s=,i=",
        "r=abc,s=QSXCR+Q6sek8bf92,i=4096",          // does not extend the nonce
        "r=abcX,s=QSXCR+Q6sek8bf92,i=99999999999",  // iteration count overflow
        "m=x,r=abcX,s=QSXCR+Q6sek8bf92,i=4096",
        "e=invalid-proof",
        "v=AAAA",
        "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
        "{",
        "{\"status\":",
        "[1,2,3]",
        std::string(100000, '['),
        std::string(65536, 'A'),
        std::string(1 << 20, 'x'),
        "\xff\xfe\xfd",
        "\x1b[2J\x1b]0;title\x07",
        "<>",
    };
}

struct Run {
    std::unique_ptr<sasl::Mechanism> mech;
    std::vector<sasl::Response> responses;
};

Run start(const sasl::MechanismInfo& info) {
    Run r{sasl_test::make(info.name, creds_for(info), options_for(info)), {}};
    if (auto ir = r.mech->initial_response()) r.responses.push_back(*ir);
    return r;
}

// Feeds `challenge`; the only acceptable outcomes are a response or smtpauth::Error.
// Returns true when it threw.
bool feed(Run& r, std::string_view challenge) {
    try {
        r.responses.push_back(r.mech->step(challenge));
        return false;
    } catch (const smtpauth::Error&) {
        return true;
    }
}

}  // namespace

TEST_SUITE("smtpauth::sasl") {
    TEST_CASE("registry: the table, strongest first") {
        std::vector<std::string_view> names;
        for (const auto& m : sasl::mechanisms()) names.push_back(m.name);
        CHECK(names == std::vector<std::string_view>{
                           "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1",
                           "CRAM-SHA256", "CRAM-SHA1", "CRAM-MD5", "DIGEST-MD5", "NTLM", "PLAIN", "LOGIN",
                           "OAUTHBEARER", "XOAUTH2", "GS2-KRB5", "GSSAPI", "EXTERNAL", "ANONYMOUS"});
        int previous = 1 << 30;
        for (const auto& m : sasl::mechanisms()) {
            CAPTURE(m.name);
            CHECK(m.strength < previous);
            previous = m.strength;
            CHECK(sasl::is_valid_mechanism_name(m.name));
            CHECK(static_cast<bool>(m.make));
            CHECK_FALSE(m.description.empty());
            CHECK_FALSE((m.traits.needs_password && m.traits.needs_token));
        }
    }

    TEST_CASE("registry: traits of note") {
        auto traits = [](std::string_view n) { return sasl::find_mechanism(n)->traits; };
        CHECK_FALSE(traits("CRAM-SHA1").standard);
        CHECK_FALSE(traits("CRAM-SHA256").standard);
        CHECK_FALSE(traits("XOAUTH2").standard);
        CHECK(traits("CRAM-MD5").standard);
        CHECK(traits("PLAIN").reveals_secret);
        CHECK(traits("LOGIN").reveals_secret);
        CHECK(traits("XOAUTH2").reveals_secret);
        CHECK(traits("OAUTHBEARER").reveals_secret);
        CHECK_FALSE(traits("SCRAM-SHA-256").reveals_secret);
        CHECK_FALSE(traits("CRAM-MD5").reveals_secret);
        CHECK(traits("SCRAM-SHA-1").verifies_server);
        CHECK(traits("SCRAM-SHA-256-PLUS").channel_binding);
        CHECK_FALSE(traits("SCRAM-SHA-256").channel_binding);
        CHECK_FALSE(traits("CRAM-MD5").client_first);
        CHECK_FALSE(traits("LOGIN").client_first);
        CHECK(traits("XOAUTH2").needs_token);
        CHECK(traits("OAUTHBEARER").needs_token);
        CHECK_FALSE(traits("EXTERNAL").needs_user);
        CHECK_FALSE(traits("ANONYMOUS").needs_password);
    }

    TEST_CASE("registry: case-insensitive lookup") {
        CHECK(sasl::find_mechanism("scram-sha-256")->name == "SCRAM-SHA-256");
        CHECK(sasl::find_mechanism("Cram-Md5")->name == "CRAM-MD5");
        CHECK(sasl::find_mechanism("OTP") == nullptr);
        CHECK(sasl::find_mechanism("") == nullptr);
        CHECK(sasl::find_mechanism("PLAIN ") == nullptr);
    }

    TEST_CASE("RFC 4422 mechanism names") {
        struct Case {
            std::string_view name;
            bool valid;
        };
        const Case cases[] = {
            {"PLAIN", true},
            {"SCRAM-SHA-256-PLUS", true},
            {"X_Y-9", true},
            {"ABCDEFGHIJKLMNOPQRST", true},    // 20
            {"ABCDEFGHIJKLMNOPQRSTU", false},  // 21
            {"", false},
            {"A B", false},
            {"PLAIN*", false},
            {"AUTH=PLAIN", false},
            {"plain", true},  // compared case-insensitively: normalises to PLAIN
            {"\xc3\x84"
             "B",
             false},
            {"A\0B"sv, false},
        };
        for (const auto& c : cases) {
            CAPTURE(c.name);
            CHECK(sasl::is_valid_mechanism_name(c.name) == c.valid);
        }
    }

    TEST_CASE("conformance: every registry entry") {
        for (const auto& info : sasl::mechanisms()) {
            CAPTURE(info.name);
            // Kerberos needs a KDC and a ticket: tests/e2e/test_gssapi_probe.py runs them.
            if (info.traits.ambient_credentials) continue;
            // A normal run.
            Run run = start(info);
            CHECK(run.mech->name() == info.name);
            CHECK(run.responses.size() == (info.traits.client_first ? 1u : 0u));
            auto script = good_challenges(info.name);
            for (const auto& c : script) CHECK_FALSE(feed(run, c));
            // Secret flags: whatever carries the secret is flagged, and mechanisms that use a
            // password or token flag at least one message (CRAM digests and SCRAM proofs allow
            // offline guessing).
            bool any_secret = false;
            for (const auto& r : run.responses) {
                any_secret = any_secret || r.secret;
                bool carries = !creds_for(info).secret.empty() &&
                               r.data.find(creds_for(info).secret) != std::string::npos;
                if (carries) CHECK(r.secret);
            }
            CHECK(any_secret == (info.traits.needs_password || info.traits.needs_token));
            CHECK_FALSE(run.mech->server_verified());

            // Hostile challenges at every position a challenge can arrive.
            for (std::size_t position = 0; position <= script.size(); ++position) {
                for (const auto& hostile : hostile_challenges()) {
                    CAPTURE(position);
                    CAPTURE(hostile.size());
                    Run r = start(info);
                    for (std::size_t i = 0; i < position; ++i) REQUIRE_FALSE(feed(r, script[i]));
                    bool was_done = r.mech->done();
                    bool threw = feed(r, hostile);
                    // Done mechanisms refuse any further challenge; SCRAM refuses every
                    // hostile server-first and server-final; the OAuth mechanisms only take
                    // a JSON object; CRAM refuses an empty challenge.
                    if (was_done) CHECK(threw);
                    if (info.name.substr(0, 6) == "SCRAM-") CHECK(threw);
                    if (info.name.substr(0, 5) == "CRAM-" && hostile.empty()) CHECK(threw);
                    if (info.traits.needs_token) CHECK(threw);
                    CHECK_FALSE(r.mech->server_verified());
                }
            }
        }
    }

    TEST_CASE("conformance: unusable credentials are refused with bad_input") {
        for (const auto& info : sasl::mechanisms()) {
            CAPTURE(info.name);
            if (!info.traits.needs_user && !info.traits.needs_password && !info.traits.needs_token)
                continue;
            sasl_test::Creds empty;
            try {
                sasl_test::make(info.name, empty, options_for(info));
                FAIL("accepted empty credentials");
            } catch (const smtpauth::Error& e) {
                CHECK(e.kind() == smtpauth::ErrorKind::bad_input);
            }
        }
    }
}

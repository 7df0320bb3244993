// The Cyrus client back end (make_cyrus_mechanism) against the Cyrus server oracle: right and
// wrong passwords, the authorisation identity, the package facts and what the inventory lists.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "cyrus_server.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/cyrus.hpp"

using smtpauth_test::cyrus_result_name;
using smtpauth_test::CyrusServer;
namespace sasl = smtpauth::sasl;

namespace {

CyrusServer& server() {
    static bool once = [] {
        CyrusServer::instance().set_password("carol", "cyrus-client pass");
        return true;
    }();
    (void)once;
    return CyrusServer::instance();
}

std::unique_ptr<sasl::Mechanism> cyrus_client(const char* mech, const char* password,
                                              const char* authzid = "") {
    sasl::Credentials c;
    c.user = "carol";
    c.authzid = authzid;
    c.secret = smtpauth::Secret(password);
    c.host = "localhost";
    sasl::MechanismOptions o;
    o.service = "smtp";
    return sasl::make_cyrus_mechanism(mech, std::move(c), o);
}

}  // namespace

TEST_SUITE("smtpauth::sasl") {
    TEST_CASE("Cyrus client back end: the Cyrus server accepts the right password only") {
        for (const char* mech : {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"}) {
            CAPTURE(mech);
            auto good = cyrus_client(mech, "cyrus-client pass");
            CHECK(good->name() == mech);
            auto ok = server().authenticate(mech, *good);
            CAPTURE(ok.detail);
            CAPTURE(ok.client_error);
            CHECK(cyrus_result_name(ok.result) == "SASL_OK");
            CHECK(good->done());
            CHECK(good->server_verified() == (std::string(mech).starts_with("SCRAM-")));

            auto bad = cyrus_client(mech, "cyrus-client pasS");
            auto no = server().authenticate(mech, *bad);
            CHECK(cyrus_result_name(no.result) != "SASL_OK");
            CHECK_FALSE(bad->server_verified());
        }
    }

    TEST_CASE("Cyrus client back end: PLAIN's message carries the authzid and is secret") {
        auto m = cyrus_client("plain", "pw", "boss");
        CHECK(m->name() == "PLAIN");  // normalised
        auto ir = m->initial_response();
        REQUIRE(ir);
        CHECK(ir->data == std::string("boss\0carol\0pw", 13));
        CHECK(ir->secret);
        // Without an authzid Cyrus leaves the field empty, as the native PLAIN does.
        auto m2 = cyrus_client("PLAIN", "pw");
        auto ir2 = m2->initial_response();
        REQUIRE(ir2);
        CHECK(ir2->data == std::string("\0carol\0pw", 9));
    }

    TEST_CASE("Cyrus client back end: unusable credentials and unknown mechanisms") {
        CHECK_THROWS_AS(cyrus_client("PLAIN", ""), smtpauth::Error);
        try {
            cyrus_client("NO-SUCH-MECH", "pw");
            FAIL("accepted a mechanism no plugin provides");
        } catch (const smtpauth::Error& e) {
            CHECK(e.kind() == smtpauth::ErrorKind::mechanism_unavailable);
            CHECK(std::string(e.what()) ==
                  "NO-SUCH-MECH: needs the Cyrus plugin, and no Debian package provides one");
        }
    }

    TEST_CASE("Cyrus client back end: a broken server message is a protocol error in words") {
        auto m = cyrus_client("SCRAM-SHA-256", "pw");
        REQUIRE(m->initial_response());
        try {
            m->step("this is not a SCRAM server-first message");
            FAIL("Cyrus accepted garbage");
        } catch (const smtpauth::Error& e) {
            CHECK(e.kind() == smtpauth::ErrorKind::protocol);
            std::string what = e.what();
            CHECK(what.starts_with("SCRAM-SHA-256 (Cyrus): "));
            CHECK(what.find("[SASL_") != std::string::npos);
        }
    }

    TEST_CASE("Cyrus plugin packages and the inventory") {
        CHECK(sasl::cyrus_package("DIGEST-MD5") == "libsasl2-modules");
        CHECK(sasl::cyrus_package("ntlm") == "libsasl2-modules");
        CHECK(sasl::cyrus_package("GSSAPI") == "libsasl2-modules-gssapi-mit");
        CHECK(sasl::cyrus_package("GS2-KRB5") == "libsasl2-modules-gssapi-mit");
        CHECK(sasl::cyrus_package("OTP") == "libsasl2-modules-otp");
        CHECK(sasl::cyrus_package("NOPE").empty());
        auto known = sasl::cyrus_known_mechanisms();
        CHECK(std::find(known.begin(), known.end(), "SCRAM-SHA-256") != known.end());

        auto inv = sasl::cyrus_inventory();
        REQUIRE(inv.available);
        CHECK(inv.version.find("2.1") != std::string::npos);
        for (const char* m : {"PLAIN", "DIGEST-MD5", "CRAM-MD5", "SCRAM-SHA-256"}) {
            CAPTURE(m);
            CHECK(std::find(inv.mechanisms.begin(), inv.mechanisms.end(), m) !=
                  inv.mechanisms.end());
            CHECK(sasl::cyrus_has_mechanism(m));
        }
        CHECK(sasl::cyrus_loaded());
    }
}

// DIGEST-MD5 (RFC 2831): the RFC §4 vector, rspauth, the Cyrus server as an independent judge
// (native client and the Cyrus back end), and hostile challenges refused with clear errors.
#include <doctest/doctest.h>

#include <string>

#include "cyrus_server.hpp"
#include "mechanism_helpers.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/cyrus.hpp"

using smtpauth_test::cyrus_result_name;
using smtpauth_test::CyrusServer;
namespace sasl = smtpauth::sasl;

namespace {

// RFC 2831 §4 (IMAP example), rspauth recomputed independently (SPEC-NOTES).
const std::string kChallenge =
    "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\",algorithm=md5-sess,"
    "charset=utf-8";

std::unique_ptr<sasl::Mechanism> rfc_client(const std::string& service = "imap") {
    sasl::MechanismOptions o;
    o.client_nonce = "OA6MHXh6VqTrRk";
    o.service = service;
    return sasl_test::make("DIGEST-MD5", {"chris", "secret", "", "elwood.innosoft.com"}, o);
}

std::string error_of(const std::string& challenge) {
    auto m = rfc_client();
    try {
        m->step(challenge);
    } catch (const smtpauth::Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_SUITE("smtpauth::sasl") {
    TEST_CASE("DIGEST-MD5: the RFC 2831 §4 example") {
        auto m = rfc_client();
        CHECK_FALSE(m->initial_response());
        auto r = m->step(kChallenge);
        CHECK(r.secret);
        CHECK(r.data ==
              "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\","
              "nonce=\"OA6MG9tEQGm2hh\",cnonce=\"OA6MHXh6VqTrRk\",nc=00000001,qop=auth,"
              "digest-uri=\"imap/elwood.innosoft.com\",response=d388dad90d4bbd760a152321f2143af7");
        CHECK_FALSE(m->done());
        auto ack = m->step("rspauth=ea40f60335c427b5527b84dbabcdfffd");
        CHECK(ack.data.empty());
        CHECK(m->done());
        CHECK(m->server_verified());
        CHECK_THROWS_AS(m->step("rspauth=ea40f60335c427b5527b84dbabcdfffd"), smtpauth::Error);
    }

    TEST_CASE("DIGEST-MD5: a wrong rspauth is refused; quoted algorithm (Dovecot) accepted") {
        auto m = rfc_client();
        m->step(
            "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\","
            "algorithm=\"md5-sess\",charset=\"utf-8\"");
        try {
            m->step("rspauth=00000000000000000000000000000000");
            FAIL("accepted a wrong rspauth");
        } catch (const smtpauth::Error& e) {
            CHECK(e.kind() == smtpauth::ErrorKind::protocol);
            CHECK(std::string(e.what()).find("rspauth is wrong") != std::string::npos);
        }
        CHECK_FALSE(m->server_verified());
    }

    TEST_CASE("DIGEST-MD5: hostile challenges get clear errors") {
        struct Case {
            std::string challenge;
            std::string message;
        };
        const Case cases[] = {
            {"nonce=\"" + std::string(3000, 'n') + "\",algorithm=md5-sess",
             "DIGEST-MD5: the challenge is 3027 bytes; RFC 2831 §2.1.1 allows less than 2048"},
            {"nonce=\"a\",nonce=\"b\",algorithm=md5-sess",
             "DIGEST-MD5: the challenge has more than one nonce directive (RFC 2831 §2.1)"},
            {"nonce=\"a\",algorithm=md5-sess,algorithm=md5-sess",
             "DIGEST-MD5: the challenge has more than one algorithm directive (RFC 2831 §2.1)"},
            {"nonce=\"abc,algorithm=md5-sess",
             "DIGEST-MD5: malformed challenge: unterminated quoted value of nonce"},
            {"nonce=a\"b\",algorithm=md5-sess",
             "DIGEST-MD5: malformed challenge: stray quote in the value of nonce"},
            {"nonce=\"a\" x,algorithm=md5-sess",
             "DIGEST-MD5: malformed challenge: expected ',' after the value of nonce at offset 10"},
            {"nonce", "DIGEST-MD5: malformed challenge: expected name=value at offset 0"},
            {"algorithm=md5-sess", "DIGEST-MD5: the challenge has no nonce (RFC 2831 §2.1.1)"},
            {"nonce=\"a\"",
             "DIGEST-MD5: the challenge has no algorithm directive (RFC 2831 §2.1.1 requires "
             "algorithm=md5-sess)"},
            {"nonce=\"a\",algorithm=md5",
             "DIGEST-MD5: the server asks for algorithm=md5; RFC 2831 defines only md5-sess"},
            {"nonce=\"a\",algorithm=md5-sess,charset=iso-8859-1",
             "DIGEST-MD5: the server asks for charset=iso-8859-1; RFC 2831 allows only utf-8"},
            {"nonce=\"a\",qop=\"auth-int,auth-conf\",algorithm=md5-sess",
             "DIGEST-MD5: the server requires a security layer (qop=auth-int,auth-conf), which "
             "smtpauth does not negotiate: it offers no qop=auth"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.challenge.substr(0, 80));
            CHECK(error_of(c.challenge) == c.message);
        }
        // A security layer offered beside auth: auth is chosen.
        auto m = rfc_client();
        auto r = m->step("nonce=\"a\",qop=\"auth,auth-int,auth-conf\",algorithm=md5-sess");
        CHECK(r.data.find(",qop=auth,") != std::string::npos);
    }

    TEST_CASE("DIGEST-MD5: the Cyrus server accepts the native client and the Cyrus one") {
        auto& server = CyrusServer::instance();
        server.set_password("dora", "digest pass");
        for (bool cyrus : {false, true}) {
            CAPTURE(cyrus);
            for (const char* pw : {"digest pass", "digest pasS"}) {
                CAPTURE(pw);
                sasl::MechanismOptions o;
                o.service = "smtp";
                std::unique_ptr<sasl::Mechanism> m;
                if (cyrus) {
                    sasl::Credentials c;
                    c.user = "dora";
                    c.secret = smtpauth::Secret(pw);
                    c.host = "localhost";
                    m = sasl::make_cyrus_mechanism("DIGEST-MD5", std::move(c), o);
                } else {
                    m = sasl_test::make("DIGEST-MD5", {"dora", pw, "", "localhost"}, o);
                }
                auto out = server.authenticate("DIGEST-MD5", *m);
                CAPTURE(out.detail);
                CAPTURE(out.client_error);
                const bool right = std::string(pw) == "digest pass";
                CHECK((cyrus_result_name(out.result) == "SASL_OK") == right);
                if (right) CHECK(m->server_verified());  // rspauth checked
            }
        }
    }
}

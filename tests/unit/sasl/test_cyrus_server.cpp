// Independent verification: Cyrus libsasl2 as the server checks our client messages for
// PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1 and SCRAM-SHA-256 (right and wrong passwords), and
// our SCRAM client verifies Cyrus' server-final; Cyrus also checks our SCRAM channel binding
// (-PLUS data, the "y" downgrade flag).
#include <doctest/doctest.h>
#include <sasl/sasl.h>

#include <string>

#include "cyrus_server.hpp"
#include "mechanism_helpers.hpp"

using smtpauth_test::cyrus_result_name;
using smtpauth_test::CyrusServer;

namespace {

struct UserOnce {
    UserOnce() {
        auto& server = CyrusServer::instance();
        server.set_password("alice", "correct horse");
        server.set_password("j\xc3\xbcrgen", "p\xc3\xa4ssw\xc3\xb6rd");  // NFC, SASLprep-stable
    }
};

CyrusServer& server() {
    static UserOnce users;
    return CyrusServer::instance();
}

}  // namespace

TEST_SUITE("smtpauth::sasl") {
    TEST_CASE("Cyrus server accepts the right password and rejects a wrong one") {
        struct Case {
            const char* mech;
            bool success_data;  // let Cyrus attach data to SASL_OK
            int challenges_ok;  // server messages before SASL_OK
            bool final_as_success_data;
            bool verifies_server;
        };
        const Case cases[] = {
            {"PLAIN", false, 0, false, false},
            {"LOGIN", false, 2, false, false},
            {"CRAM-MD5", false, 1, false, false},
            // SMTP-style: the server-final is a challenge answered with an empty response.
            {"SCRAM-SHA-1", false, 2, false, true},
            {"SCRAM-SHA-256", false, 2, false, true},
            // Success with additional data: the server-final reaches finish().
            {"SCRAM-SHA-1", true, 1, true, true},
            {"SCRAM-SHA-256", true, 1, true, true},
        };
        for (const auto& c : cases) {
            CAPTURE(c.mech);
            auto good = sasl_test::make(c.mech, {"alice", "correct horse", ""});
            CAPTURE(c.success_data);
            auto ok = server().authenticate(c.mech, *good, c.success_data);
            CAPTURE(ok.detail);
            CAPTURE(ok.client_error);
            CHECK(cyrus_result_name(ok.result) == "SASL_OK");
            CHECK(ok.client_error.empty());
            CHECK(ok.challenges == c.challenges_ok);
            CHECK(ok.success_data == c.final_as_success_data);
            // SCRAM: our client checked Cyrus' v= with the password it knows.
            CHECK(good->server_verified() == c.verifies_server);
            CHECK(good->done());

            auto bad = sasl_test::make(c.mech, {"alice", "wrong horse", ""});
            auto rejected = server().authenticate(c.mech, *bad, c.success_data);
            CHECK(cyrus_result_name(rejected.result) == "SASL_BADAUTH");
            CHECK_FALSE(bad->server_verified());

            auto nobody = sasl_test::make(c.mech, {"mallory", "correct horse", ""});
            auto unknown = server().authenticate(c.mech, *nobody);
            CHECK(unknown.result != SASL_OK);
            CHECK_FALSE(nobody->server_verified());
        }
    }

    TEST_CASE("Cyrus server and non-ASCII credentials") {
        for (const char* mech : {"PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"}) {
            CAPTURE(mech);
            auto client = sasl_test::make(mech, {"j\xc3\xbcrgen", "p\xc3\xa4ssw\xc3\xb6rd", ""});
            auto out = server().authenticate(mech, *client);
            CAPTURE(out.detail);
            CHECK(cyrus_result_name(out.result) == "SASL_OK");
            auto wrong = sasl_test::make(mech, {"j\xc3\xbcrgen", "passwort", ""});
            CHECK(cyrus_result_name(server().authenticate(mech, *wrong).result) == "SASL_BADAUTH");
        }
    }

    TEST_CASE("Cyrus SCRAM with our fixed nonce and the RFC's iteration floor") {
        // The nonce option is what `gen --client-nonce` uses; Cyrus must still accept it.
        smtpauth::sasl::MechanismOptions options;
        options.client_nonce = "fixed-nonce-for-cyrus";
        auto client = sasl_test::make("SCRAM-SHA-256", {"alice", "correct horse", ""}, options);
        auto out = server().authenticate("SCRAM-SHA-256", *client);
        CHECK(cyrus_result_name(out.result) == "SASL_OK");
        CHECK(client->server_verified());
        // A client that demands more iterations than Cyrus uses refuses the server-first.
        smtpauth::sasl::MechanismOptions strict;
        strict.scram_min_iterations = 1000000;
        auto picky = sasl_test::make("SCRAM-SHA-256", {"alice", "correct horse", ""}, strict);
        auto refused = server().authenticate("SCRAM-SHA-256", *picky);
        CHECK(refused.result == SASL_CONTINUE);
        CHECK(refused.client_error.find("below the minimum") != std::string::npos);
    }
}

TEST_SUITE("smtpauth::sasl") {
    TEST_CASE("Cyrus server checks SCRAM channel binding (-PLUS, y, n)") {
        const smtpauth::sasl::ChannelBinding tls{"tls-exporter", std::string(32, '\x5a')};
        const smtpauth::sasl::ChannelBinding other{"tls-exporter", std::string(32, '\x5b')};
        for (const char* base : {"SCRAM-SHA-1", "SCRAM-SHA-256"}) {
            CAPTURE(base);
            std::string plus = std::string(base) + "-PLUS";
            smtpauth::sasl::MechanismOptions with_cb;
            with_cb.channel_binding = tls;

            // -PLUS with the same binding data on both ends: accepted, server verified.
            auto good = sasl_test::make(plus, {"alice", "correct horse", ""}, with_cb);
            auto ok = server().authenticate(plus, *good, false, &tls);
            CAPTURE(ok.detail);
            CHECK(cyrus_result_name(ok.result) == "SASL_OK");
            CHECK(good->server_verified());

            // Different binding data (a man in the middle terminates TLS): refused.
            auto mitm = sasl_test::make(plus, {"alice", "correct horse", ""}, with_cb);
            auto refused = server().authenticate(plus, *mitm, false, &other);
            CHECK(cyrus_result_name(refused.result) == "SASL_BADPROT");
            CHECK(refused.detail.find("Channel bindings mismatch") != std::string::npos);
            CHECK_FALSE(mitm->server_verified());

            // "y" (we could bind, we believe the server cannot) to a server that can: the
            // server detects the downgrade (RFC 5802 §6).
            auto downgraded = sasl_test::make(base, {"alice", "correct horse", ""}, with_cb);
            auto detected = server().authenticate(base, *downgraded, false, &tls);
            CHECK(cyrus_result_name(detected.result) == "SASL_BADAUTH");
            CHECK(detected.detail.find("incorrectly assumed server had no channel binding") !=
                  std::string::npos);

            // "n" (server_supports_plus: we chose not to bind) is accepted.
            smtpauth::sasl::MechanismOptions chose_plain = with_cb;
            chose_plain.server_supports_plus = true;
            auto plain = sasl_test::make(base, {"alice", "correct horse", ""}, chose_plain);
            auto accepted = server().authenticate(base, *plain, false, &tls);
            CHECK(cyrus_result_name(accepted.result) == "SASL_OK");
            CHECK(plain->server_verified());
        }
    }
}

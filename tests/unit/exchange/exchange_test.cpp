// The SASL exchange driver against an in-memory carrier: exact client lines for the IR
// budget, "=", "*", the OAuth error acknowledgements and SCRAM's server proof (RFC 4954 §4,
// RFC 4959, RFC 5034, RFC 7628 §3.2.3, RFC 5802 §5).
#include <doctest/doctest.h>

#include <deque>
#include <string>
#include <vector>

#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/exchange.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace {

using namespace smtpauth;
using namespace smtpauth::sasl;
using Kind = CarrierReply::Kind;

// Plays an SMTP-like server from a script and records every client line as it would be
// written (without CRLF).
class FakeCarrier : public Carrier {
  public:
    std::optional<std::size_t> budget;  // nullopt = no initial response allowed
    std::deque<CarrierReply> replies;
    std::vector<std::string> sent;
    std::vector<bool> secret;

    std::optional<std::size_t> initial_response_budget(std::string_view) const override {
        return budget;
    }
    void send_auth(std::string_view mech, std::optional<std::string_view> ir, bool s) override {
        std::string line = "AUTH " + std::string(mech);
        if (ir) line += " " + std::string(*ir);
        sent.push_back(line);
        secret.push_back(s);
    }
    void send_response(std::string_view b64, bool s) override {
        sent.emplace_back(b64);
        secret.push_back(s);
    }
    void send_cancel() override {
        sent.emplace_back("*");
        secret.push_back(false);
    }
    CarrierReply read_reply() override {
        if (replies.empty()) throw Error(ErrorKind::protocol, "script exhausted");
        CarrierReply r = replies.front();
        replies.pop_front();
        return r;
    }
    void add(Kind k, std::string payload = {}, std::string text = {}) {
        replies.push_back(CarrierReply{k, std::move(payload), std::move(text)});
    }
};

// A client-first mechanism whose initial response is fixed (to probe the budget edges).
class FixedMechanism : public Mechanism {
  public:
    explicit FixedMechanism(std::optional<Bytes> ir) : ir_(std::move(ir)) {}
    std::string_view name() const override { return "X-FIXED"; }
    std::optional<Response> initial_response() override {
        if (!ir_) return std::nullopt;
        return Response{*ir_, true};
    }
    Response step(BytesView challenge) override {
        steps.emplace_back(challenge);
        return Response{"ok", false};
    }
    bool done() const override { return true; }
    std::vector<std::string> steps;

  private:
    std::optional<Bytes> ir_;
};

std::unique_ptr<Mechanism> make(std::string_view name, std::string user, std::string secret,
                                MechanismOptions opts = {}) {
    const MechanismInfo* info = find_mechanism(name);
    REQUIRE(info != nullptr);
    Credentials c;
    c.user = std::move(user);
    c.secret = Secret(std::move(secret));
    c.host = "server.example.com";
    c.port = 587;
    return info->make(std::move(c), opts);
}

}  // namespace

TEST_CASE("exchange: PLAIN with an initial response takes one round trip") {
    FakeCarrier c;
    c.budget = 500;
    c.add(Kind::success, {}, "235 2.7.0 Authentication successful");
    auto m = make("PLAIN", "u", "p");
    ExchangeResult r = run_exchange(*m, c, {});
    CHECK(r.outcome == Outcome::accepted);
    CHECK(r.round_trips == 1);
    CHECK(r.server_reply == "235 2.7.0 Authentication successful");
    REQUIRE(c.sent.size() == 1);
    CHECK(c.sent[0] == "AUTH PLAIN AHUAcA==");
    CHECK(c.secret[0]);
}

TEST_CASE("exchange: initial response exactly at the budget is sent, one octet more waits") {
    // 24 raw bytes -> 32 base64 characters.
    for (std::size_t budget : {std::size_t{32}, std::size_t{31}}) {
        FakeCarrier c;
        c.budget = budget;
        FixedMechanism m(Bytes(24, 'x'));
        if (budget == 31) c.add(Kind::challenge, "");
        c.add(Kind::success, {}, "235 ok");
        ExchangeResult r = run_exchange(m, c, {});
        CHECK(r.outcome == Outcome::accepted);
        std::string b64 = codec::base64_encode(Bytes(24, 'x'));
        if (budget == 32) {
            REQUIRE(c.sent.size() == 1);
            CHECK(c.sent[0] == "AUTH X-FIXED " + b64);
            CHECK(r.round_trips == 1);
        } else {
            REQUIRE(c.sent.size() == 2);
            CHECK(c.sent[0] == "AUTH X-FIXED");
            CHECK_FALSE(c.secret[0]);
            CHECK(c.sent[1] == b64);
            CHECK(c.secret[1]);
            CHECK(r.round_trips == 2);
        }
    }
}

TEST_CASE("exchange: an empty initial response is '=' on the command, an empty line later") {
    {
        FakeCarrier c;
        c.budget = 100;
        c.add(Kind::success);
        FixedMechanism m(Bytes{});
        run_exchange(m, c, {});
        REQUIRE(c.sent.size() == 1);
        CHECK(c.sent[0] == "AUTH X-FIXED =");
    }
    {
        FakeCarrier c;  // no SASL-IR: "+ " then an empty line
        c.add(Kind::challenge, "");
        c.add(Kind::success);
        FixedMechanism m(Bytes{});
        run_exchange(m, c, {});
        REQUIRE(c.sent.size() == 2);
        CHECK(c.sent[0] == "AUTH X-FIXED");
        CHECK(c.sent[1] == "");
    }
}

TEST_CASE("exchange: an undecodable challenge is cancelled with '*'") {
    FakeCarrier c;
    c.budget = 500;
    c.add(Kind::challenge, "=?not*base64!!==");
    c.add(Kind::failure, {}, "501 5.7.0 cancelled");
    auto m = make("LOGIN", "tim", "tanstaaftanstaaf");
    ExchangeResult r = run_exchange(*m, c, {});
    CHECK(r.outcome == Outcome::cancelled);
    CHECK(r.message.find("undecodable challenge") != std::string::npos);
    CHECK(r.server_reply == "501 5.7.0 cancelled");
    CHECK(c.sent == std::vector<std::string>{"AUTH LOGIN", "*"});
}

TEST_CASE("exchange: an oversized challenge is cancelled before decoding") {
    FakeCarrier c;
    c.budget = 500;
    c.add(Kind::challenge, std::string(kMaxChallengeBytes / 3 * 4 + 8, 'A'));
    c.add(Kind::failure, {}, "501 cancelled");
    auto m = make("LOGIN", "tim", "pw");
    ExchangeResult r = run_exchange(*m, c, {});
    CHECK(r.outcome == Outcome::cancelled);
    CHECK(r.message.find("larger than") != std::string::npos);
    CHECK(c.sent.back() == "*");
}

TEST_CASE("exchange: LOGIN answers both prompts, the password line is secret") {
    FakeCarrier c;
    c.budget = 500;
    c.add(Kind::challenge, "VXNlcm5hbWU6");
    c.add(Kind::challenge, "UGFzc3dvcmQ6");
    c.add(Kind::success, {}, "235 ok");
    auto m = make("LOGIN", "tim", "tanstaaftanstaaf");
    ExchangeResult r = run_exchange(*m, c, {});
    CHECK(r.outcome == Outcome::accepted);
    CHECK(c.sent == std::vector<std::string>{"AUTH LOGIN", "dGlt", "dGFuc3RhYWZ0YW5zdGFhZg=="});
    CHECK(c.secret[2]);
    CHECK(r.round_trips == 3);
}

TEST_CASE("exchange: Gmail XOAUTH2 error flow answers one empty line") {
    FakeCarrier c;
    c.budget = 500;
    c.add(Kind::challenge,
          "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIsInNjb3BlIjoiaHR0cHM6Ly9tYWlsLmdvb2"
          "dsZS5jb20vIn0K");
    c.add(Kind::failure, {}, "535-5.7.8 Username and Password not accepted.\n535 5.7.8 bye");
    auto m =
        make("XOAUTH2", "someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
    ExchangeResult r = run_exchange(*m, c, {});
    CHECK(r.outcome == Outcome::rejected);
    REQUIRE(c.sent.size() == 2);
    CHECK(c.sent[0] ==
          "AUTH XOAUTH2 "
          "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhk"
          "SFJoZG1semRHRXVZMjl0Q2cBAQ==");
    CHECK(c.sent[1] == "");
    REQUIRE(r.server_error.has_value());
    CHECK(r.server_error->detail.find("\"401\"") != std::string::npos);
}

TEST_CASE("exchange: OAUTHBEARER error flow answers AQ==") {
    FakeCarrier c;
    c.budget = 500;
    c.add(
        Kind::challenge,
        "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NoZW1lcyI6ImJlYXJlciBtYWMiLCJzY29wZSI6Imh0dHBzOi8vb"
        "WFpbC5leGFtcGxlLmNvbS8ifQ==");
    c.add(Kind::failure, {}, "535 5.7.1 no");
    auto m = make("OAUTHBEARER", "user@example.com", "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
    ExchangeResult r = run_exchange(*m, c, {});
    CHECK(r.outcome == Outcome::rejected);
    REQUIRE(c.sent.size() == 2);
    CHECK(c.sent[1] == "AQ==");
    REQUIRE(r.server_error.has_value());
    CHECK(r.server_error->summary == "invalid_token");
}

namespace {
// RFC 5802 §5 example (user "user", password "pencil").
MechanismOptions rfc5802_nonce() {
    MechanismOptions o;
    o.client_nonce = "fyko+d2lbbFgONRv9qkxdawL";
    return o;
}
const std::string kServerFirst =
    codec::base64_encode("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
}  // namespace

TEST_CASE("exchange: SCRAM success counts only with the server's v=") {
    SUBCASE("verified") {
        FakeCarrier c;
        c.budget = 500;
        c.add(Kind::challenge, kServerFirst);
        c.add(Kind::challenge, codec::base64_encode("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="));
        c.add(Kind::success, {}, "235 2.7.0 ok");
        auto m = make("SCRAM-SHA-1", "user", "pencil", rfc5802_nonce());
        ExchangeResult r = run_exchange(*m, c, ExchangeOptions{true});
        CHECK(r.outcome == Outcome::accepted);
        CHECK(r.server_verified);
        REQUIRE(c.sent.size() == 3);
        CHECK(c.sent[0] == "AUTH SCRAM-SHA-1 biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM");
        CHECK(c.sent[1] ==
              codec::base64_encode(
                  "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJG"
                  "bJQyF0X+HI4Ts="));
        CHECK(c.secret[1]);
        CHECK(c.sent[2] == "");  // acknowledges the server-final message
        CHECK(r.round_trips == 3);
    }
    SUBCASE("235 without v=") {
        FakeCarrier c;
        c.budget = 500;
        c.add(Kind::challenge, kServerFirst);
        c.add(Kind::success, {}, "235 2.7.0 ok");
        auto m = make("SCRAM-SHA-1", "user", "pencil", rfc5802_nonce());
        ExchangeResult r = run_exchange(*m, c, ExchangeOptions{true});
        CHECK(r.outcome == Outcome::error);
        CHECK(r.message == "server did not prove knowledge of the password");
        CHECK_FALSE(r.server_verified);
    }
    SUBCASE("wrong server signature is cancelled") {
        FakeCarrier c;
        c.budget = 500;
        c.add(Kind::challenge, kServerFirst);
        c.add(Kind::challenge, codec::base64_encode("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA="));
        c.add(Kind::failure, {}, "501 cancelled");
        auto m = make("SCRAM-SHA-1", "user", "pencil", rfc5802_nonce());
        ExchangeResult r = run_exchange(*m, c, ExchangeOptions{true});
        CHECK(r.outcome == Outcome::error);
        CHECK(c.sent.back() == "*");
    }
    SUBCASE("nonce that does not extend ours is cancelled") {
        FakeCarrier c;
        c.budget = 500;
        c.add(Kind::challenge, codec::base64_encode("r=attacker,s=QSXCR+Q6sek8bf92,i=4096"));
        c.add(Kind::failure, {}, "501 cancelled");
        auto m = make("SCRAM-SHA-1", "user", "pencil", rfc5802_nonce());
        ExchangeResult r = run_exchange(*m, c, ExchangeOptions{true});
        CHECK(r.outcome == Outcome::error);
        CHECK(c.sent.size() == 2);
        CHECK(c.sent.back() == "*");
    }
}

TEST_CASE("exchange: success before the credentials were sent is an error") {
    FakeCarrier c;  // no IR allowed; the server claims success right away
    c.add(Kind::success, {}, "235 ok");
    auto m = make("PLAIN", "u", "p");
    ExchangeResult r = run_exchange(*m, c, {});
    CHECK(r.outcome == Outcome::error);
    CHECK(c.sent == std::vector<std::string>{"AUTH PLAIN"});
}

TEST_CASE("exchange: a refused mechanism ends the exchange after one round trip") {
    FakeCarrier c;
    c.budget = 500;
    c.add(Kind::mechanism_refused, {}, "504 5.5.4 Unrecognized authentication type");
    auto m = make("PLAIN", "u", "p");
    ExchangeResult r = run_exchange(*m, c, {});
    CHECK(r.outcome == Outcome::refused);
    CHECK(r.round_trips == 1);
    CHECK(c.sent.size() == 1);
    CHECK(c.replies.empty());
}

TEST_CASE("exchange: rejection carries the server's reply") {
    FakeCarrier c;
    c.budget = 500;
    c.add(Kind::failure, {}, "535 5.7.8 Authentication credentials invalid");
    auto m = make("PLAIN", "u", "p");
    ExchangeResult r = run_exchange(*m, c, {});
    CHECK(r.outcome == Outcome::rejected);
    CHECK(r.server_reply == "535 5.7.8 Authentication credentials invalid");
}

TEST_CASE("exchange: an endless challenge loop is cut off") {
    FakeCarrier c;
    c.budget = 500;
    FixedMechanism m(std::nullopt);
    for (int i = 0; i <= kMaxRounds + 1; ++i) c.add(Kind::challenge, "");
    c.add(Kind::failure, {}, "501 cancelled");
    ExchangeResult r = run_exchange(m, c, {});
    CHECK(r.outcome == Outcome::cancelled);
    CHECK(c.sent.back() == "*");
    CHECK(static_cast<int>(c.sent.size()) == kMaxRounds + 2);
}

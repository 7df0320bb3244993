// Dialects over a socketpair: the exact bytes of AUTH lines at the command-length limits
// (RFC 4954 §4: 512 octets; RFC 5034: 255; RFC 4959 SASL-IR), continuation handling,
// unsolicited data, and refusals of STARTTLS.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/mail/dialect.hpp"
#include "smtpauth/sasl/exchange.hpp"

using namespace smtpauth;
using namespace smtpauth::mail;

namespace {

// One side of a socketpair plays the server: a script of "read a line" (empty string) and
// "write these bytes" steps, run in a thread; every byte read is kept.
struct Wire {
    int server = -1;
    Transcript transcript;
    std::unique_ptr<net::LineChannel> channel;
    std::unique_ptr<Dialect> dialect;
    std::thread thread;
    std::string heard;

    explicit Wire(Protocol p) {
        int fds[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
        fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
        server = fds[1];
        channel =
            std::make_unique<net::LineChannel>(net::Socket(fds[0]), net::LineLimits{}, &transcript);
        DialectOptions o;
        o.deadline = [] { return net::Deadline::after(std::chrono::seconds(2)); };
        dialect = make_dialect(p, *channel, o);
    }
    ~Wire() {
        finish();
        close(server);
    }
    // Steps: "<" reads one client line; anything else is written as is.
    void play(std::vector<std::string> steps) {
        thread = std::thread([this, steps] {
            for (const auto& s : steps) {
                if (s == "<") {
                    while (heard.size() < 2 || heard.compare(heard.size() - 2, 2, "\r\n") != 0 ||
                           lines_done(heard) < lines_wanted_) {
                        pollfd p{server, POLLIN, 0};
                        if (poll(&p, 1, 2000) <= 0) return;
                        char c;
                        if (read(server, &c, 1) != 1) return;
                        heard += c;
                    }
                    ++lines_wanted_;
                } else {
                    if (write(server, s.data(), s.size()) != static_cast<ssize_t>(s.size())) return;
                }
            }
        });
    }
    void finish() {
        if (thread.joinable()) thread.join();
    }

  private:
    static std::size_t lines_done(const std::string& h) {
        std::size_t n = 0;
        for (std::size_t i = 1; i < h.size(); ++i)
            if (h[i - 1] == '\r' && h[i] == '\n') ++n;
        return n;
    }
    std::size_t lines_wanted_ = 1;
};

class FixedMechanism : public sasl::Mechanism {
  public:
    FixedMechanism(std::string name, std::size_t ir_len)
        : name_(std::move(name)), ir_(ir_len, 'x') {}
    std::string_view name() const override { return name_; }
    std::optional<sasl::Response> initial_response() override { return sasl::Response{ir_, true}; }
    sasl::Response step(BytesView) override { return {}; }
    bool done() const override { return true; }

  private:
    std::string name_;
    std::string ir_;
};

}  // namespace

TEST_CASE("smtp: an AUTH line of exactly 512 octets carries the IR, one more does not") {
    // "AUTH X-FIXED1 " is 14 octets; 496 base64 characters (372 bytes) + CRLF make 512.
    {
        Wire w(Protocol::smtp);
        CHECK(w.dialect->initial_response_budget("X-FIXED1") == 496u);
        FixedMechanism m("X-FIXED1", 372);
        w.play({"<", "235 2.7.0 ok\r\n"});
        auto r = sasl::run_exchange(m, *w.dialect, {});
        w.finish();
        CHECK(r.outcome == sasl::Outcome::accepted);
        CHECK(w.heard.size() == 512);
        CHECK(w.heard == "AUTH X-FIXED1 " + codec::base64_encode(std::string(372, 'x')) + "\r\n");
        const auto& events = w.transcript.events();
        REQUIRE(events.size() >= 2);
        const auto& c = events[events.size() - 2];
        CHECK(c.sensitivity == Sensitivity::secret);
        CHECK(c.redacted == "AUTH X-FIXED1 <redacted: 496 bytes base64>");
    }
    {
        Wire w(Protocol::smtp);
        FixedMechanism m("X-FIXED1", 375);  // 500 base64 characters: 516 octets
        w.play({"<", "334 \r\n", "<", "235 2.7.0 ok\r\n"});
        auto r = sasl::run_exchange(m, *w.dialect, {});
        w.finish();
        CHECK(r.outcome == sasl::Outcome::accepted);
        CHECK(w.heard ==
              "AUTH X-FIXED1\r\n" + codec::base64_encode(std::string(375, 'x')) + "\r\n");
        CHECK(r.round_trips == 2);
    }
}

TEST_CASE("pop3 and imap initial-response budgets") {
    Wire pop(Protocol::pop3);
    CHECK(pop.dialect->initial_response_budget("PLAIN") == 255u - 5 - 5 - 1 - 2);
    Wire imap(Protocol::imap);
    CHECK_FALSE(imap.dialect->initial_response_budget("PLAIN").has_value());  // no SASL-IR
    Capabilities caps;
    caps.initial_response = true;
    imap.dialect->set_capabilities(caps);
    CHECK(imap.dialect->initial_response_budget("PLAIN").has_value());
}

TEST_CASE("smtp: a challenge pipelined behind the reply is refused before answering") {
    Wire w(Protocol::smtp);
    FixedMechanism m("X-FIXED1", 375);
    // The server sends the 334 and, unasked, a 235 in the same write.
    w.play({"<", "334 \r\n235 2.7.0 injected\r\n"});
    CHECK_THROWS_WITH_AS(sasl::run_exchange(m, *w.dialect, {}),
                         doctest::Contains("before the command"), Error);
    w.finish();
    CHECK(w.heard == "AUTH X-FIXED1\r\n");  // the IR never left
}

TEST_CASE("smtp: greeting, data before the first command, STARTTLS refusal") {
    {
        Wire w(Protocol::smtp);
        w.play({"220 x ESMTP\r\n250-hostile\r\n250 AUTH PLAIN\r\n"});
        CHECK(w.dialect->read_greeting().text == "220 x ESMTP");
        w.finish();
        CHECK_THROWS_WITH_AS(w.dialect->query_capabilities(),
                             doctest::Contains("before the command"), Error);
        CHECK(w.heard.empty());
    }
    {
        Wire w(Protocol::smtp);
        w.play({"554 5.3.2 go away\r\n"});
        CHECK_THROWS_WITH_AS(w.dialect->read_greeting(), doctest::Contains("refused the session"),
                             Error);
    }
    {
        Wire w(Protocol::smtp);
        w.play({"<", "454 4.7.0 TLS not available\r\n"});
        try {
            w.dialect->request_starttls();
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::tls);
        }
    }
}

TEST_CASE("imap: untagged lines between continuations, tagged result, wrong tag") {
    {
        Wire w(Protocol::imap);
        Capabilities caps;
        caps.initial_response = false;
        w.dialect->set_capabilities(caps);
        w.play({"<", "* OK still here\r\n+ \r\n", "<", "A1 NO [AUTHENTICATIONFAILED] no\r\n"});
        FixedMechanism m("PLAIN", 3);
        auto r = sasl::run_exchange(m, *w.dialect, {});
        w.finish();
        CHECK(r.outcome == sasl::Outcome::rejected);
        CHECK(r.server_reply == "A1 NO [AUTHENTICATIONFAILED] no");
        CHECK(w.heard == "A1 AUTHENTICATE PLAIN\r\neHh4\r\n");
    }
    {
        Wire w(Protocol::imap);
        w.play({"<", "B9 OK spoofed\r\n"});
        FixedMechanism m("PLAIN", 3);
        CHECK_THROWS_WITH_AS(sasl::run_exchange(m, *w.dialect, {}),
                             doctest::Contains("unexpected tag"), Error);
    }
}

TEST_CASE("pop3: CAPA, STLS refusal, AUTH continuation") {
    Wire w(Protocol::pop3);
    w.play({"+OK ready\r\n", "<", "+OK\r\nSASL PLAIN LOGIN\r\nSTLS\r\n.\r\n", "<",
            "-ERR not now\r\n"});
    w.dialect->read_greeting();
    Capabilities caps = w.dialect->query_capabilities();
    CHECK(caps.mechanisms == std::vector<std::string>{"PLAIN", "LOGIN"});
    CHECK(caps.starttls);
    CHECK_THROWS_AS(w.dialect->request_starttls(), Error);
    w.finish();
    CHECK(w.heard == "CAPA\r\nSTLS\r\n");
}

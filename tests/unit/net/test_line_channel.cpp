// LineChannel over plain TCP: line splitting, caps, closes, deadlines, the transcript, and the
// STARTTLS injection refusal (RFC 3207 §4, CVE-2021-22947).
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "net_test_util.hpp"
#include "test_tls.hpp"

using namespace smtpauth;
using namespace smtpauth::test;
using namespace std::chrono_literals;

namespace {

// Sends each piece in its own write, with a pause so that they arrive separately.
TestServer::Script send_pieces(std::vector<std::string> pieces) {
    return [pieces = std::move(pieces)](ServerConn& c) {
        for (const auto& p : pieces) {
            if (!c.send(p)) return;
            std::this_thread::sleep_for(20ms);
        }
    };
}

}  // namespace

TEST_SUITE("smtpauth::net") {
    TEST_CASE("read_line joins a CRLF split across writes and accepts a bare LF") {
        TestServer server(
            "127.0.0.1", send_pieces({"220 first", " part\r", "\n250 bare lf\n", "\r\n", "x\r\n"}));
        auto ch = open_channel(server.port());
        CHECK(ch->read_line(seconds(5)) == "220 first part");
        CHECK(ch->read_line(seconds(5)) == "250 bare lf");
        CHECK(ch->read_line(seconds(5)) == "");
        CHECK(ch->read_line(seconds(5)) == "x");
        CHECK(ch->bytes_received() == 33);
        CHECK_FALSE(ch->has_buffered_input());
        CHECK_FALSE(ch->is_tls());
    }

    TEST_CASE("read_line keeps bytes after a line for the next call") {
        TestServer server("127.0.0.1", send_pieces({"one\r\ntwo\r\nthr"}));
        auto ch = open_channel(server.port());
        CHECK(ch->read_line(seconds(5)) == "one");
        CHECK(ch->has_buffered_input());
        CHECK(ch->read_line(seconds(5)) == "two");
        CHECK(ch->has_buffered_input());
        auto e = catch_error([&] { ch->read_line(seconds(5)); });
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::protocol);
        CHECK(e->message == "connection closed by server in the middle of a line");
    }

    TEST_CASE("read_line reports a clean close") {
        TestServer server("127.0.0.1", send_pieces({"bye\r\n"}));
        auto ch = open_channel(server.port());
        CHECK(ch->read_line(seconds(5)) == "bye");
        auto e = catch_error([&] { ch->read_line(seconds(5)); });
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::protocol);
        CHECK(e->message == "connection closed by server");
    }

    TEST_CASE("read_line enforces max_line, the CRLF not counted") {
        net::LineLimits limits;
        limits.max_line = 10;
        SUBCASE("exactly max_line octets is fine") {
            TestServer server("127.0.0.1", send_pieces({"0123456789\r\n"}));
            auto ch = open_channel(server.port(), nullptr, limits);
            CHECK(ch->read_line(seconds(5)) == "0123456789");
        }
        SUBCASE("one more is refused, with and without a terminator") {
            for (std::string text : {std::string("0123456789A\r\n"), std::string(100000, 'A')}) {
                TestServer server("127.0.0.1", send_pieces({text}));
                auto ch = open_channel(server.port(), nullptr, limits);
                auto e = catch_error([&] { ch->read_line(seconds(5)); });
                REQUIRE(e);
                CHECK(e->kind == ErrorKind::protocol);
                CHECK(e->message.find("limit of 10 bytes") != std::string::npos);
            }
        }
    }

    TEST_CASE("a 1 MiB line without newline stops at the default line cap, memory bounded") {
        TestServer server("127.0.0.1", [](ServerConn& c) {
            std::string chunk(64 * 1024, 'A');
            for (int i = 0; i < 16 && c.send(chunk); ++i) {
            }
        });
        auto ch = open_channel(server.port());
        auto e = catch_error([&] { ch->read_line(seconds(5)); });
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::protocol);
        CHECK(e->message.find("limit of 65536 bytes") != std::string::npos);
        // It stopped reading soon after the cap instead of swallowing the whole megabyte.
        CHECK(ch->bytes_received() < 65536 + 2 * 16384);
    }

    TEST_CASE("read_line enforces max_total_bytes over the whole connection") {
        net::LineLimits limits;
        limits.max_total_bytes = 100;
        TestServer server("127.0.0.1", [](ServerConn& c) {
            for (int i = 0; i < 50 && c.send("250-filler line\r\n"); ++i) {
            }
        });
        auto ch = open_channel(server.port(), nullptr, limits);
        int lines = 0;
        auto e = catch_error([&] {
            for (int i = 0; i < 1000; ++i)
                if (ch->read_line(seconds(5)) == "250-filler line") ++lines;
        });
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::protocol);
        CHECK(e->message.find("limit of 100 bytes") != std::string::npos);
        CHECK(lines <= 100 / 17);
        CHECK(ch->bytes_received() <= 101);
    }

    TEST_CASE("the deadline covers the whole call, so a slow sender times out") {
        // One byte every 200 ms would reset an idle timer forever; a total deadline ends it.
        TestServer server("127.0.0.1", [](ServerConn& c) {
            for (int i = 0; i < 40 && c.send("2"); ++i) std::this_thread::sleep_for(200ms);
        });
        auto ch = open_channel(server.port());
        auto t0 = std::chrono::steady_clock::now();
        auto e = catch_error([&] { ch->read_line(net::Deadline::after(1000ms)); });
        auto took = std::chrono::steady_clock::now() - t0;
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::timeout);
        CHECK(took >= 950ms);
        CHECK(took < 1500ms);
        CHECK(ch->bytes_received() >= 3);
        ch.reset();  // the server's next send fails and its script ends
    }

    TEST_CASE("a silent server times out") {
        TestServer server("127.0.0.1", [](ServerConn& c) { c.recv_some(1); });
        auto ch = open_channel(server.port());
        auto t0 = std::chrono::steady_clock::now();
        auto e = catch_error([&] { ch->read_line(net::Deadline::after(300ms)); });
        auto took = std::chrono::steady_clock::now() - t0;
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::timeout);
        CHECK(took >= 290ms);
        CHECK(took < 800ms);
        ch.reset();
    }

    TEST_CASE("write_line sends line + CRLF and records both directions in the transcript") {
        std::string got;
        TestServer server("127.0.0.1", [&](ServerConn& c) {
            c.send("220 ready\r\n");
            got = c.recv_line().value_or("<none>");
            got += '|';  // appended, not `"|" + ...`: GCC 12 -O3 reports a false -Wrestrict
            got += c.recv_line().value_or("<none>");
            c.send("250 ok\r\n");
        });
        Transcript t;
        auto ch = open_channel(server.port(), &t);
        CHECK(ch->read_line(seconds(5)) == "220 ready");
        ch->write_line("EHLO client.test", seconds(5));
        ch->write_line("AUTH PLAIN c2VjcmV0", seconds(5), Sensitivity::secret,
                       "AUTH PLAIN <redacted>");
        CHECK(ch->read_line(seconds(5)) == "250 ok");
        CHECK(server.finish().empty());
        CHECK(got == "EHLO client.test|AUTH PLAIN c2VjcmV0");
        const auto& ev = t.events();
        REQUIRE(ev.size() == 4);
        CHECK(ev[0].direction == Direction::server);
        CHECK(ev[0].text == "220 ready");
        CHECK(ev[0].before_tls);
        CHECK(ev[1].direction == Direction::client);
        CHECK(ev[1].text == "EHLO client.test");
        CHECK(ev[1].sensitivity == Sensitivity::none);
        CHECK(ev[2].text == "AUTH PLAIN c2VjcmV0");
        CHECK(ev[2].sensitivity == Sensitivity::secret);
        CHECK(ev[2].redacted == "AUTH PLAIN <redacted>");
        CHECK(ev[3].direction == Direction::server);
        CHECK(ev[3].text == "250 ok");
    }

    TEST_CASE("write_line to a closed peer is an error, not SIGPIPE") {
        TestServer server("127.0.0.1", [](ServerConn& c) { c.close(); });
        auto ch = open_channel(server.port());
        CHECK(server.finish().empty());
        std::this_thread::sleep_for(50ms);
        // The first write may still be accepted by the kernel; the RST makes a later one fail.
        auto e = catch_error([&] {
            for (int i = 0; i < 50; ++i) {
                ch->write_line("NOOP", seconds(5));
                std::this_thread::sleep_for(10ms);
            }
        });
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::protocol);
        CHECK(e->message.find("connection closed by server while sending") != std::string::npos);
    }

    TEST_CASE("start_tls refuses bytes that arrived with the go-ahead (STARTTLS injection)") {
        bool handshake_seen = false;
        TestServer server("127.0.0.1", [&](ServerConn& c) {
            c.send("220 go-ahead\r\nINJECTED\r\n");
            // Anything the client sends now would be a ClientHello: there must be nothing.
            handshake_seen = !c.recv_some(1).empty();
        });
        auto ch = open_channel(server.port());
        CHECK(ch->read_line(seconds(5)) == "220 go-ahead");
        CHECK(ch->has_buffered_input());
        net::TlsConfig cfg;
        cfg.host = "localhost";
        auto e = catch_error([&] { ch->start_tls(cfg, seconds(5)); });
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::protocol);
        CHECK(e->message.find("data injected before TLS") != std::string::npos);
        CHECK(e->message.find("10 bytes") != std::string::npos);
        CHECK_FALSE(ch->is_tls());
        ch.reset();
        CHECK(server.finish().empty());
        CHECK_FALSE(handshake_seen);
    }

    TEST_CASE("start_tls also refuses injected bytes still in the socket buffer") {
        TestServer server("127.0.0.1", [&](ServerConn& c) {
            c.send("220 go-ahead\r\n");
            std::this_thread::sleep_for(100ms);
            c.send("250 INJECTED\r\n");
            c.recv_some(1);
        });
        auto ch = open_channel(server.port());
        CHECK(ch->read_line(seconds(5)) == "220 go-ahead");
        std::this_thread::sleep_for(300ms);  // the second write is now in our socket buffer
        CHECK(ch->has_buffered_input());     // the kernel holds them: counted too
        net::TlsConfig cfg;
        cfg.host = "localhost";
        auto e = catch_error([&] { ch->start_tls(cfg, seconds(5)); });
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::protocol);
        CHECK(e->message.find("data injected before TLS") != std::string::npos);
        // Peeked, not consumed: kept for a diagnosis (on implicit TLS, a cleartext greeting).
        CHECK(ch->non_tls_reply() == "250 INJECTED\r\n");
        ch.reset();
    }
}

// connect_tcp against loopback listeners: IPv4 and IPv6, refused ports, family filters,
// expired deadlines. No DNS: only numeric hosts and "localhost" (from /etc/hosts).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "net_test_util.hpp"
#include "test_tls.hpp"

using namespace smtpauth;
using namespace smtpauth::test;
using net::AddressFamily;

TEST_SUITE("smtpauth::net") {
    TEST_CASE("connect_tcp reaches a loopback listener over IPv4 and IPv6") {
        for (const char* addr : {"127.0.0.1", "::1"}) {
            CAPTURE(addr);
            TestServer server(addr, [](ServerConn& c) { c.send("hello\r\n"); });
            auto conn = net::connect_tcp(addr, server.port(), AddressFamily::any, seconds(5));
            CHECK(conn.socket.valid());
            CHECK(conn.address == addr);
            CHECK(conn.port == server.port());
            CHECK(conn.resolve_ms >= 0);
            CHECK(conn.connect_ms >= 0);
            CHECK(conn.connect_ms < 5000);
            int nodelay = 0;
            socklen_t len = sizeof nodelay;
            REQUIRE(getsockopt(conn.socket.get(), IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) == 0);
            CHECK(nodelay != 0);
            net::LineChannel ch(std::move(conn.socket), {}, nullptr);
            CHECK(ch.read_line(seconds(5)) == "hello");
            CHECK(server.finish().empty());
        }
    }

    TEST_CASE("connect_tcp tries every address of localhost until one accepts") {
        // localhost resolves (from /etc/hosts) to ::1 and 127.0.0.1 in the order of gai.conf;
        // only the IPv4 one listens, so an IPv6-first order exercises the fallback.
        TestServer server("127.0.0.1", [](ServerConn& c) { c.send("hi\r\n"); });
        auto conn = net::connect_tcp("localhost", server.port(), AddressFamily::any, seconds(5));
        CHECK(conn.address == "127.0.0.1");
        net::LineChannel ch(std::move(conn.socket), {}, nullptr);
        CHECK(ch.read_line(seconds(5)) == "hi");
    }

    TEST_CASE("connect_tcp reports a refused port as a connect error naming the address") {
        auto port = unused_port("127.0.0.1");
        auto e = catch_error(
            [&] { net::connect_tcp("127.0.0.1", port, AddressFamily::any, seconds(5)); });
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::connect);
        CHECK(e->message.find("127.0.0.1: Connection refused") != std::string::npos);
    }

    TEST_CASE("connect_tcp lists every failed address of a name") {
        auto port = unused_port("127.0.0.1");
        auto e = catch_error(
            [&] { net::connect_tcp("localhost", port, AddressFamily::ipv4, seconds(5)); });
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::connect);
        CHECK(e->message.find("localhost port " + std::to_string(port)) != std::string::npos);
        CHECK(e->message.find("127.0.0.1: Connection refused") != std::string::npos);
    }

    TEST_CASE("connect_tcp applies the address family filter without DNS") {
        auto e1 = catch_error([] { net::connect_tcp("::1", 25, AddressFamily::ipv4, seconds(5)); });
        REQUIRE(e1);
        CHECK(e1->kind == ErrorKind::resolve);
        CHECK(e1->message.find("IPv4 only") != std::string::npos);
        auto e2 =
            catch_error([] { net::connect_tcp("127.0.0.1", 25, AddressFamily::ipv6, seconds(5)); });
        REQUIRE(e2);
        CHECK(e2->kind == ErrorKind::resolve);
        CHECK(e2->message.find("IPv6 only") != std::string::npos);

        TestServer server("::1", [](ServerConn&) {});
        auto conn = net::connect_tcp("::1", server.port(), AddressFamily::ipv6, seconds(5));
        CHECK(conn.address == "::1");
    }

    TEST_CASE("connect_tcp gives up with a timeout once the deadline has passed") {
        TestServer server("127.0.0.1", [](ServerConn&) {});
        auto past = net::Deadline(net::Clock::now() - std::chrono::milliseconds(1));
        auto e = catch_error(
            [&] { net::connect_tcp("127.0.0.1", server.port(), AddressFamily::any, past); });
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::timeout);
        // Unblock the server's accept wait.
        net::connect_tcp("127.0.0.1", server.port(), AddressFamily::any, seconds(5));
    }

    TEST_CASE("Socket closes its descriptor and transfers ownership on move") {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        {
            net::Socket a(fd);
            net::Socket b(std::move(a));
            CHECK_FALSE(a.valid());
            CHECK(b.get() == fd);
            net::Socket c;
            c = std::move(b);
            CHECK(c.get() == fd);
        }
        // The descriptor is closed: fcntl on it fails with EBADF.
        CHECK(::fcntl(fd, F_GETFD) == -1);
    }
}

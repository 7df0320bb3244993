// LineChannel::start_tls against an in-process OpenSSL server with a CA made at test time:
// verification (RFC 6125 names and IP addresses), failures and --insecure, version floors,
// handshake aborts, certificate details and channel bindings (RFC 9266, RFC 5929).
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <thread>

#include "net_test_util.hpp"
#include "test_tls.hpp"

using namespace smtpauth;
using namespace smtpauth::test;
using namespace std::chrono_literals;

namespace {

// One CA and an RSA leaf shared by the cases (RSA key generation is the slow part).
struct Pki {
    TempDir dir;
    TestCa ca{"smtpauth test CA"};
    TestCert leaf = [this] {
        CertSpec spec;
        spec.key = KeyKind::rsa2048;
        return ca.issue(spec);
    }();
    std::string cafile = dir.write("ca.pem", ca.pem());
};

Pki& pki() {
    static Pki p;
    return p;
}

// A TLS server: handshake, then "hello" and echo one line back with a prefix.
TestServer::Script tls_echo(SSL_CTX* ctx, bool* handshake_ok = nullptr,
                            std::string* exporter = nullptr) {
    return [=](ServerConn& c) {
        bool ok = c.accept_tls(ctx);
        if (handshake_ok) *handshake_ok = ok;
        if (!ok) return;
        if (exporter) {
            unsigned char out[32];
            static const char label[] = "EXPORTER-Channel-Binding";
            if (SSL_export_keying_material(c.ssl(), out, sizeof out, label, sizeof label - 1,
                                           nullptr, 0, 1) == 1)
                exporter->assign(reinterpret_cast<char*>(out), sizeof out);
        }
        c.send("hello\r\n");
        auto line = c.recv_line();
        if (line) c.send("echo " + *line + "\r\n");
    };
}

net::TlsConfig config_for(const std::string& host) {
    net::TlsConfig cfg;
    cfg.host = host;
    cfg.host_is_ip = host.find_first_not_of("0123456789.:") == std::string::npos;
    cfg.cafile = pki().cafile;
    return cfg;
}

std::string sha256(const std::string& data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<char*>(md), n);
}

// Runs a full exchange and returns the TLS info, or the error thrown by start_tls.
struct Outcome {
    std::optional<net::TlsInfo> info;
    std::optional<Caught> error;
    bool server_handshake_ok = false;
};

Outcome run(const std::string& bind, SSL_CTX* ctx, const net::TlsConfig& cfg) {
    Outcome out;
    TestServer server(bind, tls_echo(ctx, &out.server_handshake_ok));
    auto ch = open_channel(server.port(), nullptr, {}, bind);
    out.error = catch_error([&] { out.info = ch->start_tls(cfg, seconds(10)); });
    if (out.info) {
        CHECK(ch->read_line(seconds(5)) == "hello");
        ch->write_line("ping", seconds(5));
        CHECK(ch->read_line(seconds(5)) == "echo ping");
    }
    ch.reset();
    CHECK(server.finish().empty());
    return out;
}

}  // namespace

TEST_SUITE("smtpauth::net") {
    TEST_CASE("TLS with the test CA verifies host names and IP addresses") {
        auto ctx = make_server_ctx(pki().leaf, &pki().ca);
        for (auto [bind, host] : {std::pair{"127.0.0.1", "localhost"},
                                  std::pair{"127.0.0.1", "127.0.0.1"}, std::pair{"::1", "::1"}}) {
            CAPTURE(host);
            auto o = run(bind, ctx.get(), config_for(host));
            REQUIRE_FALSE(o.error);
            REQUIRE(o.info);
            CHECK(o.server_handshake_ok);
            CHECK(o.info->verified);
            CHECK(o.info->verify_error == "");
            CHECK(o.info->version == "TLSv1.3");
            CHECK(o.info->cipher.rfind("TLS_", 0) == 0);
            CHECK_FALSE(o.info->group.empty());
        }
    }

    TEST_CASE("the transcript marks the TLS switch and summarises the handshake") {
        auto ctx = make_server_ctx(pki().leaf, &pki().ca);
        TestServer server("127.0.0.1", [&](ServerConn& c) {
            c.send("220 go ahead\r\n");
            if (!c.accept_tls(ctx.get())) return;
            c.send("250 over tls\r\n");
        });
        Transcript t;
        auto ch = open_channel(server.port(), &t);
        CHECK(ch->read_line(seconds(5)) == "220 go ahead");
        auto info = ch->start_tls(config_for("localhost"), seconds(10));
        CHECK(ch->is_tls());
        CHECK(ch->read_line(seconds(5)) == "250 over tls");
        const auto& ev = t.events();
        REQUIRE(ev.size() == 3);
        CHECK(ev[0].before_tls);
        CHECK(ev[1].direction == Direction::info);
        CHECK(ev[1].text == "TLS established: " + info.version + " " + info.cipher + " " +
                                info.group + ", certificate verified");
        CHECK_FALSE(ev[1].before_tls);
        CHECK(ev[2].text == "250 over tls");
        CHECK_FALSE(ev[2].before_tls);
    }

    TEST_CASE("certificate failures are Error{certificate} with the reason") {
        TestCa other_ca("another CA");
        CertSpec expired_spec;
        expired_spec.valid_from_s = -30L * 86400;
        expired_spec.valid_until_s = -86400;
        CertSpec future_spec;
        future_spec.valid_from_s = 10L * 86400;
        struct Row {
            const char* name;
            TestCert leaf;
            const char* host;
            const char* reason;
        };
        Row rows[] = {
            {"wrong host", pki().ca.issue(CertSpec{}), "mail.example.net", "hostname mismatch"},
            {"wrong IP", pki().ca.issue(CertSpec{}), "127.0.0.1", nullptr},
            {"unknown CA", other_ca.issue(CertSpec{}), "localhost",
             "unable to get local issuer certificate"},
            {"self-signed", self_signed(CertSpec{}), "localhost", "self-signed certificate"},
            {"expired", pki().ca.issue(expired_spec), "localhost", "certificate has expired"},
            {"not yet valid", pki().ca.issue(future_spec), "localhost",
             "certificate is not yet valid"},
        };
        // "wrong IP": a certificate that names only 127.0.0.2 presented to 127.0.0.1.
        CertSpec ip_spec;
        ip_spec.sans = {"IP:127.0.0.2"};
        rows[1].leaf = pki().ca.issue(ip_spec);
        rows[1].reason = "IP address mismatch";
        for (auto& r : rows) {
            CAPTURE(r.name);
            auto ctx = make_server_ctx(r.leaf);
            auto o = run("127.0.0.1", ctx.get(), config_for(r.host));
            REQUIRE(o.error);
            CHECK(o.error->kind == ErrorKind::certificate);
            CHECK(o.error->message == std::string("certificate verify failed: ") + r.reason);
            CHECK_FALSE(o.server_handshake_ok);

            auto cfg = config_for(r.host);
            cfg.insecure = true;
            auto oi = run("127.0.0.1", ctx.get(), cfg);
            REQUIRE_FALSE(oi.error);
            REQUIRE(oi.info);
            CHECK_FALSE(oi.info->verified);
            CHECK(oi.info->verify_error == r.reason);
            CHECK(oi.server_handshake_ok);
            REQUIRE(oi.info->chain.size() == 1);
        }
    }

    TEST_CASE("a 1024-bit RSA leaf is refused as too weak, reported under --insecure") {
        CertSpec spec;
        spec.key = KeyKind::rsa1024;
        auto ctx = make_server_ctx(pki().ca.issue(spec), &pki().ca);
        auto o = run("127.0.0.1", ctx.get(), config_for("localhost"));
        REQUIRE(o.error);
        CHECK(o.error->kind == ErrorKind::certificate);
        CHECK(o.error->message == "certificate verify failed: EE certificate key too weak");
        auto cfg = config_for("localhost");
        cfg.insecure = true;
        auto oi = run("127.0.0.1", ctx.get(), cfg);
        REQUIRE(oi.info);
        CHECK_FALSE(oi.info->verified);
        CHECK(oi.info->verify_error == "EE certificate key too weak");
        CHECK(oi.info->chain[0].key_bits == 1024);
    }

    TEST_CASE("the system CA store does not trust the test CA") {
        auto ctx = make_server_ctx(pki().leaf, &pki().ca);
        auto cfg = config_for("localhost");
        cfg.cafile.clear();
        auto o = run("127.0.0.1", ctx.get(), cfg);
        REQUIRE(o.error);
        CHECK(o.error->kind == ErrorKind::certificate);
    }

    TEST_CASE("certificate details: names, SANs, validity, key, fingerprint, serial") {
        auto ctx = make_server_ctx(pki().leaf, &pki().ca);
        auto o = run("127.0.0.1", ctx.get(), config_for("localhost"));
        REQUIRE(o.info);
        REQUIRE(o.info->chain.size() == 2);
        const auto& leaf = o.info->chain[0];
        CHECK(leaf.subject == "CN=localhost,O=smtpauth tests");
        CHECK(leaf.issuer == "CN=smtpauth test CA,O=smtpauth tests");
        CHECK(leaf.subject_alt_names ==
              std::vector<std::string>{"DNS:localhost", "IP:127.0.0.1", "IP:::1"});
        CHECK(leaf.key_type == "RSA");
        CHECK(leaf.key_bits == 2048);
        CHECK((leaf.days_left == 29 || leaf.days_left == 30));
        CHECK(leaf.not_before.size() == 20);
        CHECK(leaf.not_before.back() == 'Z');
        CHECK(leaf.not_before < leaf.not_after);
        CHECK(leaf.sha256_fingerprint.size() == 32 * 3 - 1);
        // The fingerprint is the SHA-256 of the DER, computed here independently.
        std::string fp;
        static const char hexd[] = "0123456789ABCDEF";
        for (char c : sha256(pki().leaf.der())) {
            auto b = static_cast<unsigned char>(c);
            if (!fp.empty()) fp += ':';
            fp += hexd[b >> 4];
            fp += hexd[b & 15];
        }
        CHECK(leaf.sha256_fingerprint == fp);
        CHECK_FALSE(leaf.serial.empty());
        const auto& ca = o.info->chain[1];
        CHECK(ca.subject == "CN=smtpauth test CA,O=smtpauth tests");
        CHECK(ca.key_type == "EC");
        CHECK(ca.key_bits == 256);
        CHECK(ca.subject_alt_names.empty());
    }

    TEST_CASE("an expired certificate has negative days_left") {
        CertSpec spec;
        spec.valid_from_s = -30L * 86400;
        spec.valid_until_s = -3L * 86400 - 3600;
        auto leaf = pki().ca.issue(spec);
        auto ctx = make_server_ctx(leaf);
        auto cfg = config_for("localhost");
        cfg.insecure = true;
        auto o = run("127.0.0.1", ctx.get(), cfg);
        REQUIRE(o.info);
        CHECK(o.info->chain[0].days_left == -4);
    }

    TEST_CASE("channel bindings: tls-exporter (RFC 9266) and tls-server-end-point (RFC 5929)") {
        auto ctx = make_server_ctx(pki().leaf, &pki().ca);
        for (int max : {TLS1_3_VERSION, TLS1_2_VERSION}) {
            CAPTURE(max);
            SSL_CTX_set_max_proto_version(ctx.get(), max);
            std::string server_exporter;
            bool ok = false;
            TestServer server("127.0.0.1", tls_echo(ctx.get(), &ok, &server_exporter));
            auto ch = open_channel(server.port());
            auto info = ch->start_tls(config_for("localhost"), seconds(10));
            CHECK(ch->read_line(seconds(5)) == "hello");
            ch->write_line("x", seconds(5));
            CHECK(ch->read_line(seconds(5)) == "echo x");
            ch.reset();
            CHECK(server.finish().empty());
            CHECK(info.version == (max == TLS1_3_VERSION ? "TLSv1.3" : "TLSv1.2"));
            // TLS 1.2 here has the extended master secret (OpenSSL's default), so both
            // versions export; the server computes the same value on its side.
            CHECK(info.tls_exporter.size() == 32);
            CHECK(info.tls_exporter == server_exporter);
            // The leaf is RSA with SHA-256: the binding is SHA-256 over its DER.
            CHECK(info.tls_server_end_point == sha256(pki().leaf.der()));
        }
    }

    TEST_CASE("TLS 1.2 without extended master secret exports no tls-exporter binding") {
        auto ctx = make_server_ctx(pki().leaf, &pki().ca, 0, TLS1_2_VERSION);
        SSL_CTX_set_options(ctx.get(), SSL_OP_NO_EXTENDED_MASTER_SECRET);
        auto o = run("127.0.0.1", ctx.get(), config_for("localhost"));
        REQUIRE(o.info);
        CHECK(o.info->version == "TLSv1.2");
        CHECK(o.info->tls_exporter.empty());
        CHECK(o.info->tls_server_end_point.size() == 32);
    }

    TEST_CASE("a server below --tls-min fails with Error{tls} naming the reason") {
        auto ctx = make_server_ctx(pki().leaf, &pki().ca, 0, TLS1_2_VERSION);
        auto cfg = config_for("localhost");
        cfg.min_version = "1.3";
        auto o = run("127.0.0.1", ctx.get(), cfg);
        REQUIRE(o.error);
        CHECK(o.error->kind == ErrorKind::tls);
        CHECK(o.error->message.find("TLS handshake failed: ") == 0);
        CHECK(o.error->message.find("protocol version") != std::string::npos);
        CHECK(o.error->message.find("minimum asked: TLS 1.3") != std::string::npos);
    }

    TEST_CASE("a TLS 1.0-only server is refused under the default minimum") {
        auto ctx = make_server_ctx(pki().leaf, &pki().ca, TLS1_VERSION, TLS1_VERSION);
        auto o = run("127.0.0.1", ctx.get(), config_for("localhost"));
        REQUIRE(o.error);
        CHECK(o.error->kind == ErrorKind::tls);
        CHECK(o.error->message.find("minimum asked: TLS 1.2") != std::string::npos);
    }

    TEST_CASE("--tls-min 1.0 explicitly allows a TLS 1.0-only server") {
        auto ctx = make_server_ctx(pki().leaf, &pki().ca, TLS1_VERSION, TLS1_VERSION);
        auto cfg = config_for("localhost");
        cfg.min_version = "1.0";
        auto o = run("127.0.0.1", ctx.get(), cfg);
        REQUIRE_FALSE(o.error);
        REQUIRE(o.info);
        CHECK(o.info->version == "TLSv1");
        CHECK(o.info->verified);
    }

    TEST_CASE("an invalid minimum version is a usage error") {
        auto ctx = make_server_ctx(pki().leaf, &pki().ca);
        auto cfg = config_for("localhost");
        cfg.min_version = "1.4";
        TestServer server("127.0.0.1", [](ServerConn& c) { c.recv_some(1); });
        auto ch = open_channel(server.port());
        auto e = catch_error([&] { ch->start_tls(cfg, seconds(5)); });
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::usage);
        CHECK(e->message.find("'1.4'") != std::string::npos);
    }

    TEST_CASE("a missing CA file is Error{no_input}") {
        auto cfg = config_for("localhost");
        cfg.cafile = pki().dir.path() + "/missing.pem";
        TestServer server("127.0.0.1", [](ServerConn& c) { c.recv_some(1); });
        auto ch = open_channel(server.port());
        auto e = catch_error([&] { ch->start_tls(cfg, seconds(5)); });
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::no_input);
        CHECK(e->message.find("missing.pem") != std::string::npos);
    }

    TEST_CASE("a peer that closes mid-handshake gives Error{tls}") {
        TestServer server("127.0.0.1", [](ServerConn& c) {
            c.recv_some(5);  // part of the ClientHello, then FIN
            c.close();
        });
        auto ch = open_channel(server.port());
        auto e = catch_error([&] { ch->start_tls(config_for("localhost"), seconds(5)); });
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::tls);
        CHECK(e->message.find("TLS handshake failed: ") == 0);
        CAPTURE(e->message);
        CHECK((e->message.find("connection closed by server") != std::string::npos ||
               e->message.find("Connection reset by peer") != std::string::npos));
    }

    TEST_CASE("a server that goes silent after the go-ahead times out the handshake") {
        TestServer server("127.0.0.1", [](ServerConn& c) {
            c.recv_some(4096);
            c.recv_some(1);
        });
        auto ch = open_channel(server.port());
        auto cfg = config_for("localhost");  // outside the timed part: it may build the PKI
        auto t0 = std::chrono::steady_clock::now();
        auto e = catch_error([&] { ch->start_tls(cfg, net::Deadline::after(400ms)); });
        auto took = std::chrono::steady_clock::now() - t0;
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::timeout);
        CHECK(e->message.find("TLS handshake") != std::string::npos);
        CHECK(took >= 390ms);
        CHECK(took < 1500ms);
        ch.reset();
    }

    TEST_CASE("a server that sends garbage instead of a ServerHello gives Error{tls}") {
        TestServer server("127.0.0.1", [](ServerConn& c) {
            c.recv_some(4096);
            c.send("220 this is not TLS\r\n");
            c.recv_some(1);
        });
        auto ch = open_channel(server.port());
        auto e = catch_error([&] { ch->start_tls(config_for("localhost"), seconds(5)); });
        REQUIRE(e);
        CHECK(e->kind == ErrorKind::tls);
        CHECK(e->message == "TLS handshake failed: the server answered in cleartext, not TLS");
        // The bytes are kept for the caller's diagnosis (which protocol answered).
        CHECK(ch->non_tls_reply() == "220 this is not TLS\r\n");
        ch.reset();
    }

    TEST_CASE("reads over TLS: close, cap and deadline behave as in plaintext") {
        auto ctx = make_server_ctx(pki().leaf, &pki().ca);
        SUBCASE("close mid-line") {
            TestServer server("127.0.0.1", [&](ServerConn& c) {
                if (c.accept_tls(ctx.get())) c.send("250-AUTH PL");
            });
            auto ch = open_channel(server.port());
            ch->start_tls(config_for("localhost"), seconds(10));
            auto e = catch_error([&] { ch->read_line(seconds(5)); });
            REQUIRE(e);
            CHECK(e->kind == ErrorKind::protocol);
            CHECK(e->message == "connection closed by server in the middle of a line");
        }
        SUBCASE("slow sender") {
            TestServer server("127.0.0.1", [&](ServerConn& c) {
                if (!c.accept_tls(ctx.get())) return;
                for (int i = 0; i < 40 && c.send("x"); ++i) std::this_thread::sleep_for(200ms);
            });
            auto ch = open_channel(server.port());
            ch->start_tls(config_for("localhost"), seconds(10));
            auto t0 = std::chrono::steady_clock::now();
            auto e = catch_error([&] { ch->read_line(net::Deadline::after(1000ms)); });
            auto took = std::chrono::steady_clock::now() - t0;
            REQUIRE(e);
            CHECK(e->kind == ErrorKind::timeout);
            CHECK(took >= 950ms);
            CHECK(took < 1500ms);
            ch.reset();
        }
        SUBCASE("line cap") {
            net::LineLimits limits;
            limits.max_line = 100;
            TestServer server("127.0.0.1", [&](ServerConn& c) {
                if (c.accept_tls(ctx.get())) c.send(std::string(5000, 'B'));
                c.recv_some(1);
            });
            auto ch = open_channel(server.port(), nullptr, limits);
            ch->start_tls(config_for("localhost"), seconds(10));
            auto e = catch_error([&] { ch->read_line(seconds(5)); });
            REQUIRE(e);
            CHECK(e->kind == ErrorKind::protocol);
            CHECK(e->message.find("limit of 100 bytes") != std::string::npos);
            ch.reset();
        }
    }

    TEST_CASE("a client certificate is presented when configured (for EXTERNAL)") {
        auto ctx = make_server_ctx(pki().leaf, &pki().ca);
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
        X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), pki().ca.cert());
        CertSpec spec;
        spec.common_name = "client user";
        spec.sans = {"email:user@example.test"};
        auto client = pki().ca.issue(spec);
        net::ossl::BioPtr bio(BIO_new(BIO_s_mem()));
        PEM_write_bio_PrivateKey(bio.get(), client.key.get(), nullptr, nullptr, 0, nullptr,
                                 nullptr);
        char* data = nullptr;
        long n = BIO_get_mem_data(bio.get(), &data);
        auto cfg = config_for("localhost");
        cfg.client_cert = pki().dir.write("client.pem", client.pem());
        cfg.client_key = pki().dir.write("client.key", std::string(data, static_cast<size_t>(n)));

        std::string peer_subject;
        TestServer server("127.0.0.1", [&](ServerConn& c) {
            if (!c.accept_tls(ctx.get())) return;
            X509* peer = SSL_get0_peer_certificate(c.ssl());
            if (peer) {
                char buf[256];
                X509_NAME_oneline(X509_get_subject_name(peer), buf, sizeof buf);
                peer_subject = buf;
            }
            c.send("ok\r\n");
        });
        auto ch = open_channel(server.port());
        auto info = ch->start_tls(cfg, seconds(10));
        CHECK(info.verified);
        CHECK(ch->read_line(seconds(5)) == "ok");
        CHECK(server.finish().empty());
        CHECK(peer_subject.find("CN=client user") != std::string::npos);
    }
}

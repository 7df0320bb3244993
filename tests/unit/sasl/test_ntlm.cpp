// NTLM: the MS-NLMP §4.2.4 NTLMv2 vector through the hashes and through decode
// --check-password, the parser's view of each message, and hostile messages (overruns, huge
// lengths, missing MsvAvEOL, every truncation) that must become notes, never crashes.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sasl/ntlm_hash.hpp"
#include "sasl/ntlm_message.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/secret.hpp"
#include "token_support.hpp"

namespace ntlm = smtpauth::sasl::ntlm;
using smtpauth::Bytes;
using smtpauth::Secret;
using smtpauth::codec::base64_encode;
using smtpauth::codec::hex_encode;

namespace {

Bytes hex_decode(const std::string& hex) {
    return smtpauth::codec::hex_decode(hex).value();
}

Bytes u16(const std::string& ascii) {
    Bytes out;
    for (char c : ascii) {
        out += c;
        out += '\0';
    }
    return out;
}

void put16(Bytes& b, std::size_t at, std::uint32_t v) {
    b[at] = static_cast<char>(v & 0xFF);
    b[at + 1] = static_cast<char>((v >> 8) & 0xFF);
}

void put32(Bytes& b, std::size_t at, std::uint32_t v) {
    put16(b, at, v & 0xFFFF);
    put16(b, at + 2, v >> 16);
}

// Appends `payload` to `msg` and points the Fields structure at `at` to it.
void add_field(Bytes& msg, std::size_t at, const Bytes& payload) {
    put16(msg, at, static_cast<std::uint32_t>(payload.size()));
    put16(msg, at + 2, static_cast<std::uint32_t>(payload.size()));
    put32(msg, at + 4, static_cast<std::uint32_t>(msg.size()));
    msg += payload;
}

Bytes header(std::uint32_t type, std::size_t size) {
    Bytes msg(size, '\0');
    msg.replace(0, 8, std::string("NTLMSSP\0", 8));
    put32(msg, 8, type);
    return msg;
}

constexpr std::uint32_t kUnicodeFlags = 0x00800201;  // UNICODE NTLM TARGET_INFO

// MS-NLMP §4.2.4: server challenge 0123456789abcdef, AV pairs NbDomainName "Domain" and
// NbComputerName "Server".
Bytes vector_av_pairs() {
    return hex_decode("02000c00") + u16("Domain") + hex_decode("01000c00") + u16("Server") +
           Bytes(4, '\0');
}

// §4.2.4.1.3 / §2.2.2.7: the client challenge blob (time 0, client challenge aa..aa).
Bytes vector_blob() {
    return hex_decode("0101000000000000") + Bytes(8, '\0') + Bytes(8, '\xaa') + Bytes(4, '\0') +
           vector_av_pairs() + Bytes(4, '\0');
}

Bytes challenge_message(const Bytes& target_info) {
    Bytes msg = header(2, 48);
    put32(msg, 20, kUnicodeFlags);
    msg.replace(24, 8, hex_decode("0123456789abcdef"));
    add_field(msg, 12, u16("Domain"));
    add_field(msg, 40, target_info);
    return msg;
}

Bytes authenticate_message(const Bytes& nt_response, const std::string& user) {
    Bytes msg = header(3, 64);
    put32(msg, 60, kUnicodeFlags);
    add_field(msg, 12, Bytes(24, '\0'));
    add_field(msg, 20, nt_response);
    add_field(msg, 28, u16("Domain"));
    add_field(msg, 36, u16(user));
    add_field(msg, 44, u16("COMPUTER"));
    add_field(msg, 52, Bytes{});
    return msg;
}

const Bytes kProof = hex_decode("68cd0ab851e51c96aabc927bebef6a1c");

smtpauth::sasl::DecodeResult decode_exchange(const Bytes& type2, const Bytes& type3) {
    return token_test::decode({"C: AUTH NTLM", "S: 334 " + base64_encode(type2),
                               "C: " + base64_encode(type3), "S: 235 2.7.0 Authenticated"});
}

}  // namespace

TEST_SUITE("smtpauth::sasl") {
    TEST_CASE("NTLM hashes: the MS-NLMP 4.2.4 NTLMv2 vector") {
        const Bytes hash = ntlm::nt_hash(u16("Password"));
        CHECK(hex_encode(hash) == "a4f49c406510bdcab6824ee7c30fd852");
        const Bytes key = ntlm::ntowf_v2(hash, u16("USER"), u16("Domain"));
        CHECK(hex_encode(key) == "0c868a403bfd7a93a3001ef22ef02e3f");
        CHECK(hex_encode(ntlm::nt_proof_str(key, hex_decode("0123456789abcdef"), vector_blob())) ==
              "68cd0ab851e51c96aabc927bebef6a1c");
    }

    TEST_CASE("NTLM decode --check-password: the vector's NTLMv2 response, right and wrong") {
        auto res = decode_exchange(challenge_message(vector_av_pairs()),
                                   authenticate_message(kProof + vector_blob(), "User"));
        REQUIRE(res.messages.size() == 4);
        const auto& t3 = res.messages[2];
        CHECK(t3.summary == "NTLM AUTHENTICATE (type 3)");
        CHECK(token_test::field(t3, "user") == "User");
        CHECK(token_test::field(t3, "domain") == "Domain");
        CHECK(token_test::field(t3, "workstation") == "COMPUTER");
        CHECK(token_test::field(t3, "response") == "NTLMv2");
        CHECK(token_test::field(t3, "lm-response") == "24 zero bytes (not used)");
        CHECK(token_test::field_secret(t3, "nt-proof-str"));
        CHECK(token_test::field(t3, "nt-proof-str") == "68cd0ab851e51c96aabc927bebef6a1c");
        CHECK(token_test::field(t3, "ntlmv2.client-challenge") == "aaaaaaaaaaaaaaaa");
        CHECK(token_test::field(t3, "ntlmv2.timestamp") == "0 (not a valid date)");
        CHECK(token_test::field(t3, "ntlmv2.MsvAvNbComputerName") == "Server");
        auto right = smtpauth::sasl::check_password(res, Secret("Password"));
        REQUIRE(right.has_value());
        CHECK(right->matches);
        CHECK(right->mechanism == "NTLM");
        CHECK(right->user == "User");
        CHECK(right->line == 3);
        auto wrong = smtpauth::sasl::check_password(res, Secret("password"));
        REQUIRE(wrong.has_value());
        CHECK_FALSE(wrong->matches);
    }

    TEST_CASE("NTLM decode: the user name is upper-cased for NTOWFv2, the domain is not") {
        // "user" and "USER" give the same key; the vector's proof still matches.
        auto res = decode_exchange(challenge_message(vector_av_pairs()),
                                   authenticate_message(kProof + vector_blob(), "user"));
        CHECK(smtpauth::sasl::check_password(res, Secret("Password"))->matches);
        // A changed blob byte breaks the proof.
        Bytes blob = vector_blob();
        blob[20] = '\xab';
        auto tampered = decode_exchange(challenge_message(vector_av_pairs()),
                                        authenticate_message(kProof + blob, "User"));
        CHECK_FALSE(smtpauth::sasl::check_password(tampered, Secret("Password"))->matches);
    }

    TEST_CASE("NTLM decode: CHALLENGE fields, AV pairs and the timestamp as a date") {
        // 2026-01-01 00:00:00 UTC as a FILETIME: (1767225600 + 11644473600) * 10^7.
        Bytes ts(8, '\0');
        const std::uint64_t ft = (1767225600ULL + 11644473600ULL) * 10000000ULL;
        for (int i = 0; i < 8; ++i)
            ts[static_cast<std::size_t>(i)] = static_cast<char>(ft >> (8 * i));
        Bytes info = hex_decode("02000c00") + u16("Domain") + hex_decode("07000800") + ts +
                     hex_decode("0600040002000000") + Bytes(4, '\0');
        auto m = smtpauth::sasl::explain_payload(challenge_message(info));
        CHECK(m.summary == "NTLM CHALLENGE (type 2)");
        CHECK(m.direction == smtpauth::sasl::TokenDirection::server);
        CHECK(token_test::field(m, "flags") ==
              "0x00800201 NEGOTIATE_UNICODE NEGOTIATE_NTLM NEGOTIATE_TARGET_INFO");
        CHECK(token_test::field(m, "target-name") == "Domain");
        CHECK(token_test::field(m, "server-challenge") == "0123456789abcdef");
        CHECK(token_test::field(m, "target-info.MsvAvNbDomainName") == "Domain");
        CHECK(token_test::field(m, "target-info.MsvAvTimestamp") == "2026-01-01 00:00:00 UTC");
        CHECK(token_test::field(m, "target-info.MsvAvFlags") == "2 MIC-present");
        CHECK(m.notes.empty());
    }

    TEST_CASE("NTLM decode: NEGOTIATE with OEM names and version; NTLMv1 AUTHENTICATE") {
        Bytes neg = header(1, 40);
        put32(neg, 12, 0x02003207);  // UNICODE OEM REQUEST_TARGET NTLM OEM_DOMAIN OEM_WS VERSION
        neg.replace(32, 8, hex_decode("0a00614a0000000f"));
        add_field(neg, 16, "CORP");
        add_field(neg, 24, "PC1");
        auto m = smtpauth::sasl::explain_payload(neg);
        CHECK(m.summary == "NTLM NEGOTIATE (type 1)");
        CHECK(token_test::field(m, "domain") == "CORP");
        CHECK(token_test::field(m, "workstation") == "PC1");
        CHECK(token_test::field(m, "version") == "10.0 build 19041, NTLM revision 15");
        CHECK(m.notes.empty());

        Bytes v1 = authenticate_message(Bytes(24, '\x11'), "bob");
        v1.replace(v1.find(Bytes(24, '\0')), 24, Bytes(24, '\x22'));  // a real LM response
        auto a = smtpauth::sasl::explain_payload(v1);
        CHECK(token_test::field(a, "response") == "NTLMv1");
        CHECK(token_test::field_secret(a, "lm-response"));
        CHECK(token_test::field_secret(a, "nt-response"));
        CHECK(token_test::has_note(a, "--check-password checks NTLMv2 only"));
        auto res = decode_exchange(challenge_message(vector_av_pairs()), v1);
        CHECK(res.checkable.empty());
    }

    TEST_CASE("NTLM decode: hostile CHALLENGE messages become notes") {
        SUBCASE("target info pointing past the end of the message") {
            Bytes msg = challenge_message(vector_av_pairs());
            put32(msg, 44, 0xFFFFFFF0);
            auto m = smtpauth::sasl::explain_payload(msg);
            CHECK(token_test::has_note(m,
                                       "target info: offset 4294967280 + length 36 points "
                                       "past the end"));
            CHECK_FALSE(token_test::field(m, "target-info.MsvAvNbDomainName").has_value());
        }
        SUBCASE("a huge length") {
            Bytes msg = challenge_message(vector_av_pairs());
            put16(msg, 40, 0xFFFF);
            auto m = smtpauth::sasl::explain_payload(msg);
            CHECK(token_test::has_note(m, "length 65535 points past the end"));
        }
        SUBCASE("an AV pair that overruns the target info") {
            Bytes info = hex_decode("0200ff00") + u16("Domain");
            auto m = smtpauth::sasl::explain_payload(challenge_message(info));
            CHECK(token_test::has_note(
                m,
                "MsvAvNbDomainName claims 255 bytes, but only 12 remain: the AV pair list "
                "overruns its field"));
        }
        SUBCASE("no MsvAvEOL") {
            Bytes info = hex_decode("02000c00") + u16("Domain");
            auto m = smtpauth::sasl::explain_payload(challenge_message(info));
            CHECK(token_test::field(m, "target-info.MsvAvNbDomainName") == "Domain");
            CHECK(token_test::has_note(m, "ends without MsvAvEOL"));
        }
        SUBCASE("too many pairs are capped") {
            Bytes info;
            for (int i = 0; i < 200; ++i) info += hex_decode("08000000");
            info += Bytes(4, '\0');
            auto m = smtpauth::sasl::explain_payload(challenge_message(info));
            CHECK(token_test::has_note(m, "136 more AV pairs not shown"));
        }
        SUBCASE("an unknown message type") {
            auto m = smtpauth::sasl::explain_payload(header(7, 12));
            CHECK(token_test::has_note(m, "unknown message type 7"));
        }
    }

    TEST_CASE("NTLM decode: every truncation of every message type is explained, not fatal") {
        const std::vector<Bytes> messages{
            challenge_message(vector_av_pairs()),
            authenticate_message(kProof + vector_blob(), "User"),
        };
        for (const auto& full : messages) {
            for (std::size_t n = 12; n <= full.size(); ++n) {
                CAPTURE(n);
                auto m = smtpauth::sasl::explain_payload(full.substr(0, n));
                CHECK(m.mechanism == "NTLM");
                if (n < full.size()) CHECK_FALSE(m.notes.empty());
            }
        }
    }

    TEST_CASE("NTLM text: UTF-16LE in both directions") {
        bool clean = false;
        CHECK(ntlm::utf16le_to_utf8(*ntlm::utf8_to_utf16le("J\xc3\xb6rg \xf0\x9f\x93\xa7"),
                                    &clean) == "J\xc3\xb6rg \xf0\x9f\x93\xa7");
        CHECK(clean);
        CHECK(ntlm::utf16le_to_utf8(Bytes("\x00\xd8\x41\x00", 4), &clean) ==
              "\xef\xbf\xbd"
              "A");
        CHECK_FALSE(clean);
        CHECK(ntlm::utf16le_to_utf8(Bytes("A\0B", 3), &clean) == "A\xef\xbf\xbd");
        CHECK_FALSE(clean);
        CHECK_FALSE(ntlm::utf8_to_utf16le("\xc3").has_value());
        CHECK_FALSE(ntlm::utf8_to_utf16le("\xed\xa0\x80").has_value());
        CHECK(ntlm::oem_to_utf16le("\xe9") == Bytes("\xe9\x00", 2));
    }
}

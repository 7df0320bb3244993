// decode's line classification now that it reads protocol lines with the mail/ parsers:
// where they are stricter or laxer than the decoder's old own grammar, the choice made for
// pasted transcripts (a line no parser accepts is read on as a token or text, never an abort).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "reader/reader_internal.hpp"
#include "smtpauth/sasl/token.hpp"

using namespace smtpauth;
using K = sasl::MessageKind;

namespace {

sasl::DecodeResult decode(std::vector<std::string> lines) {
    return sasl::decode_lines(lines);
}

sasl::TranscriptLine classify(std::string_view line) {
    return reader::detail::classify_transcript_line(1, line);
}

constexpr const char* kPlainTim = "AHRpbQB0YW5zdGFhZnRhbnN0YWFm";

}  // namespace

TEST_SUITE("smtpauth::reader") {
    TEST_CASE("a reply code outside 2xx-5xx (or second digit above 5) is text, not a result") {
        // Before: any three digits were a reply, and inside an exchange a failed result.
        auto res = decode(
            {"AUTH PLAIN", "334 ", kPlainTim, "199 odd line", "260 odd too", "235 2.7.0 ok"});
        REQUIRE(res.messages.size() == 6);
        CHECK(res.messages[3].kind == K::skipped);
        CHECK(res.messages[4].kind == K::skipped);
        CHECK(res.messages[5].kind == K::success);
        CHECK(classify("199 odd").shape == sasl::LineShape::text);
    }

    TEST_CASE("POP3 indicators are upper case (RFC 1939 §3): '+ok' is no status line") {
        auto res = decode(
            {"AUTH PLAIN " + std::string(kPlainTim), "+ok logged in", "+ok", "+OK logged in"});
        REQUIRE(res.messages.size() == 4);
        CHECK(res.messages[1].kind == K::skipped);     // text: not an AUTH line
        CHECK(res.messages[2].kind == K::unreadable);  // one word: read as base64, noted
        CHECK(res.messages[3].kind == K::success);     // decoding went on
        CHECK(classify("+OKAY").shape == sasl::LineShape::bare);
    }

    TEST_CASE("a continuation needs its blank: '+AAA' is a base64 token, not a challenge") {
        auto c = classify("+AAA");
        CHECK(c.shape == sasl::LineShape::bare);
        CHECK(c.payload == "+AAA");
        CHECK(classify("+").shape == sasl::LineShape::challenge);
        CHECK(classify("S: + ").has_payload);
    }

    TEST_CASE("a multi-line 334 ('334-') is a challenge, not a result") {
        // Before: a continued reply, so inside an exchange an "authentication failed".
        auto res = decode({"AUTH LOGIN", "334-VXNlcm5hbWU6"});
        REQUIRE(res.messages.size() == 2);
        CHECK(res.messages[1].kind == K::prompt);
    }

    TEST_CASE("IMAP: a tagged PREAUTH or a tag with specials is no tagged result") {
        CHECK(classify("a1 PREAUTH x").shape == sasl::LineShape::text);
        CHECK(classify("a(1 OK done").shape == sasl::LineShape::text);
        auto t = classify("C: a1 OK [CAPABILITY IMAP4rev1] done");
        CHECK(t.shape == sasl::LineShape::imap_tagged);
        CHECK(t.tag == "a1");
        CHECK(t.keyword == "OK");
        CHECK(t.prefix_direction == sasl::TokenDirection::client);
        // Two blanks after the tag are not what a server sends: text (noted, never fatal).
        CHECK(classify("a1  OK done").shape == sasl::LineShape::text);
    }

    TEST_CASE("control characters keep a reply a reply (the renderer escapes them)") {
        // The probe refuses such a line from a server; a transcript shows what was sent.
        auto res = decode({"AUTH PLAIN " + std::string(kPlainTim), "235 ok\x1b[2J"});
        REQUIRE(res.messages.size() == 2);
        CHECK(res.messages[1].kind == K::success);
    }

    TEST_CASE("AUTH lines: any case, extra blanks, '=' read back as the empty response") {
        auto a = classify("  auth   plain   =  ");
        CHECK(a.shape == sasl::LineShape::auth_command);
        CHECK(a.mechanism == "PLAIN");
        CHECK(a.payload == "=");
        auto res = decode({"AUTH EXTERNAL ="});
        REQUIRE(res.messages.size() == 1);
        CHECK(res.messages[0].kind != K::unreadable);
        bool noted = false;
        for (const auto& n : res.messages[0].notes) noted |= n.find("empty response") != n.npos;
        CHECK(noted);
        auto listing = classify("AUTH");
        CHECK(listing.shape == sasl::LineShape::command);
        CHECK(listing.keyword == "AUTH");
    }
}

// Decode renderers: secrets masked unless asked, hostile bytes escaped, JSON schema.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "smtpauth/render_decode.hpp"
#include "smtpauth/sasl/token.hpp"

using namespace smtpauth;

namespace {

sasl::DecodeResult decode(std::vector<std::string> lines) {
    return sasl::decode_lines(lines);
}

bool has_raw_control(const std::string& s) {
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\n') || u == 0x7f) return true;
    }
    return false;
}

}  // namespace

TEST_SUITE("smtpauth::render::decode") {
    TEST_CASE("hidden marker wording") {
        CHECK(render::hidden_marker(8) == "<hidden, 8 bytes; --show-secrets to show>");
        CHECK(render::hidden_marker(1) == "<hidden, 1 byte; --show-secrets to show>");
    }

    TEST_CASE("text: password masked by default, shown with show_secrets") {
        auto res = decode({"AHRpbQB0YW5zdGFhZnRhbnN0YWFm"});
        std::string masked = render::decode_text(res, std::nullopt, {});
        CHECK(masked.find("tanstaaf") == std::string::npos);
        CHECK(masked.find("password: <hidden, 16 bytes; --show-secrets to show>") !=
              std::string::npos);
        CHECK(masked.find("user:     tim") != std::string::npos);
        std::string shown = render::decode_text(res, std::nullopt, {true, nullptr, ""});
        CHECK(shown.find("password: tanstaaftanstaaf") != std::string::npos);
    }

    TEST_CASE("text: unknown binary content is shown escaped and as hex") {
        auto res = decode({"G10wO3B3bmVkBwAN/8A="});  // ESC ] 0 ; p w n e d BEL NUL CR FF C0
        std::string out = render::decode_text(res, std::nullopt, {});
        CHECK_FALSE(has_raw_control(out));
        CHECK(out.find("\\x1b]0;pwned\\x07\\x00\\r\\xff\\xc0") != std::string::npos);
        CHECK(out.find("1b5d303b70776e656407000dffc0") != std::string::npos);
        std::string json = render::decode_json(res, std::nullopt, {});
        CHECK_FALSE(has_raw_control(json));
        auto doc = nlohmann::json::parse(json);
        CHECK(doc["messages"][0]["kind"] == "unknown");
    }

    TEST_CASE("text: check verdicts") {
        auto res = decode({"AHRpbQB0YW5zdGFhZnRhbnN0YWFm"});
        sasl::PasswordCheck yes{"PLAIN", 1, true, std::nullopt, ""};
        sasl::PasswordCheck no{"PLAIN", 1, false, std::nullopt, ""};
        CHECK(render::decode_text(res, yes, {}).find("password matches (PLAIN, line 1)") !=
              std::string::npos);
        CHECK(render::decode_text(res, no, {}).find("password does NOT match") !=
              std::string::npos);
    }

    TEST_CASE("JSON: schema, secret flags, masking and check_password") {
        auto res = decode({"C: AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm", "S: 235 2.7.0 ok"});
        auto doc = nlohmann::json::parse(render::decode_json(res, std::nullopt, {}));
        CHECK(doc["schema_version"] == 1);
        CHECK(doc["check_password"].is_null());
        REQUIRE(doc["messages"].size() == 2);
        const auto& m = doc["messages"][0];
        CHECK(m["line"] == 1);
        CHECK(m["direction"] == "client");
        CHECK(m["mechanism"] == "PLAIN");
        CHECK(m["kind"] == "client-response");
        bool saw_password = false;
        for (const auto& f : m["fields"]) {
            if (f["name"] == "password") {
                saw_password = true;
                CHECK(f["secret"] == true);
                CHECK(f["hidden"] == true);
                CHECK(f["value"].is_null());
                CHECK(f["bytes"] == 16);
            }
            if (f["name"] == "user") {
                CHECK(f["value"] == "tim");
                CHECK(f["secret"] == false);
                CHECK(f["hidden"] == false);
            }
        }
        CHECK(saw_password);
        CHECK(doc["messages"][1]["kind"] == "success");
        CHECK(doc["messages"][1]["direction"] == "server");

        sasl::PasswordCheck yes{"PLAIN", 1, true, std::nullopt, ""};
        auto shown = nlohmann::json::parse(render::decode_json(res, yes, {true, nullptr, ""}));
        CHECK(shown["check_password"]["matches"] == true);
        CHECK(shown["check_password"]["mechanism"] == "PLAIN");
        for (const auto& f : shown["messages"][0]["fields"])
            if (f["name"] == "password") {
                CHECK(f["value"] == "tanstaaftanstaaf");
                CHECK(f["hidden"] == false);
            }
    }

    TEST_CASE("JSON: invalid UTF-8 values are escaped, not dropped") {
        auto res = decode({"S: 250 \xff\xfe ok"});
        auto doc = nlohmann::json::parse(render::decode_json(res, std::nullopt, {}));
        CHECK(doc["messages"][0]["fields"][0]["value"] == "250 \\xff\\xfe ok");
    }
}

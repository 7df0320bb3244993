// Tests for the .netrc reader: curl's matching rules (machine, default, login), quoting, errors.
#include <doctest/doctest.h>

#include <string>

#include "smtpauth/error.hpp"
#include "smtpauth/netrc.hpp"

using smtpauth::netrc_lookup;

TEST_SUITE("smtpauth::netrc") {
    TEST_CASE("machine entry matched case-insensitively, login and password returned") {
        auto e = netrc_lookup("machine mail.example.org login alice password s3cret\n",
                              "MAIL.example.ORG", "");
        REQUIRE(e);
        CHECK(e->login == "alice");
        CHECK(e->password.reveal() == "s3cret");
        CHECK_FALSE(e->from_default);
    }
    TEST_CASE("multi-line entries, comments and the first matching machine wins") {
        auto text =
            "# mail accounts\n"
            "machine other login bob password b\n"
            "machine mx\n  login carol\n  password c1 # trailing comment\n"
            "machine mx login carol password c2\n";
        auto e = netrc_lookup(text, "mx", "");
        REQUIRE(e);
        CHECK(e->login == "carol");
        CHECK(e->password.reveal() == "c1");
    }
    TEST_CASE("default is used only when no machine matches, wherever it is") {
        auto text = "default login anon password d\nmachine mx login m password p\n";
        auto e = netrc_lookup(text, "mx", "");
        REQUIRE(e);
        CHECK(e->password.reveal() == "p");
        auto d = netrc_lookup(text, "elsewhere", "");
        REQUIRE(d);
        CHECK(d->login == "anon");
        CHECK(d->password.reveal() == "d");
        CHECK(d->from_default);
    }
    TEST_CASE("a given user selects the entry with that login") {
        auto text = "machine mx login alice password a\nmachine mx login bob password b\n";
        auto e = netrc_lookup(text, "mx", "bob");
        REQUIRE(e);
        CHECK(e->password.reveal() == "b");
        CHECK_FALSE(netrc_lookup(text, "mx", "carol"));
    }
    TEST_CASE("no match gives nullopt") {
        CHECK_FALSE(netrc_lookup("machine a login x password y", "b", ""));
        CHECK_FALSE(netrc_lookup("", "b", ""));
    }
    TEST_CASE("quoted values with spaces and escapes; account and macdef skipped") {
        auto text =
            "macdef init\ncd /pub\nmachine fake password no\n\n"
            "machine mx login \"a b\" account acct password \"p \\\"q\\\" \\\\ r\"\n";
        auto e = netrc_lookup(text, "mx", "");
        REQUIRE(e);
        CHECK(e->login == "a b");
        CHECK(e->password.reveal() == "p \"q\" \\ r");
        CHECK_FALSE(netrc_lookup(text, "fake", ""));
    }
    TEST_CASE("an entry without password returns an empty secret") {
        auto e = netrc_lookup("machine mx login alice", "mx", "");
        REQUIRE(e);
        CHECK(e->password.empty());
    }
    TEST_CASE("malformed files are refused without quoting their words") {
        CHECK_THROWS_AS(netrc_lookup("machine", "mx", ""), smtpauth::Error);
        CHECK_THROWS_AS(netrc_lookup("login alice", "mx", ""), smtpauth::Error);
        CHECK_THROWS_AS(netrc_lookup("machine mx password \"open", "mx", ""), smtpauth::Error);
        try {
            netrc_lookup("machine mx hunter2", "mx", "");
            FAIL("no exception");
        } catch (const smtpauth::Error& err) {
            CHECK(err.kind() == smtpauth::ErrorKind::bad_input);
            CHECK(std::string(err.what()).find("hunter2") == std::string::npos);
        }
    }
}

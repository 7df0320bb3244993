// The one-file rule for mechanisms: the registry lists each mechanism once, and no code
// outside the mechanism's own file (src/sasl/mech_<family>.cpp) names it in a string literal,
// so nothing else can branch on it. Adding a mechanism touches its file and its registration.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "sasl/mechanism_decoder.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace fs = std::filesystem;
namespace sasl = smtpauth::sasl;

namespace {

struct Literal {
    std::string text;
    std::size_t line;
};

// The string literals of C++ source, comments and character literals skipped.
std::vector<Literal> string_literals(std::string_view src) {
    std::vector<Literal> out;
    std::size_t line = 1;
    for (std::size_t i = 0; i < src.size(); ++i) {
        char c = src[i];
        if (c == '\n') {
            ++line;
        } else if (src.substr(i, 2) == "//") {
            while (i < src.size() && src[i] != '\n') ++i;
            --i;
        } else if (src.substr(i, 2) == "/*") {
            auto end = src.find("*/", i + 2);
            if (end == std::string_view::npos) break;
            line += static_cast<std::size_t>(std::count(
                src.begin() + static_cast<long>(i), src.begin() + static_cast<long>(end), '\n'));
            i = end + 1;
        } else if (c == '\'' && i > 0 && std::isalnum(static_cast<unsigned char>(src[i - 1]))) {
            // a digit separator (1'000): not a character literal
        } else if (c == '"' || c == '\'') {
            std::string text;
            std::size_t j = i + 1;
            for (; j < src.size() && src[j] != c && src[j] != '\n'; ++j) {
                if (src[j] == '\\' && j + 1 < src.size()) text += src[j++];
                text += src[j];
            }
            if (c == '"') out.push_back({text, line});
            i = j;
        }
    }
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

struct Name {
    std::string name;
    std::string owner;  // the file allowed to spell it, relative to the source tree
};

// Every registered mechanism name and decoder family, with the file that owns it.
std::vector<Name> mechanism_names() {
    std::vector<Name> names;
    for (const auto* d : sasl::mechanism_decoders()) {
        std::string file = lower(d->family);
        std::replace(file.begin(), file.end(), '-', '_');  // DIGEST-MD5: mech_digest_md5.cpp
        std::string owner = "src/sasl/mech_" + file + ".cpp";
        names.push_back({std::string(d->family), owner});
        if (d->family_prefix) names.push_back({std::string(d->family) + "-", owner});
        for (const auto& info : sasl::mechanisms())
            if (info.decoder == d && info.name != d->family)
                names.push_back({std::string(info.name), owner});
    }
    return names;
}

// Literals that name a mechanism outside its file and must stay, each with its reason.
struct Allowed {
    std::string_view file;
    std::string_view literal;
    std::string_view why;
};
constexpr Allowed kAllowed[] = {
    {"src/sasl/cyrus_client.cpp", "XOAUTH2",
     "the mechanism list of a Debian Cyrus plugin package (data, no branch on the name)"},
    {"src/sasl/cyrus_client.cpp", "EXTERNAL",
     "the mechanism list of a Debian Cyrus plugin package (data, no branch on the name)"},
    {"src/sasl/cyrus_client.cpp", "GSSAPI",
     "the mechanism list of a Debian Cyrus plugin package (data, no branch on the name)"},
    {"src/sasl/cyrus_client.cpp", "GS2-KRB5",
     "the mechanism list of a Debian Cyrus plugin package (data, no branch on the name)"},
    {"src/sasl/mech_oauthbearer.cpp", "XOAUTH2",
     "a note on old curl, which sent XOAUTH2's format under the name OAUTHBEARER"},
    {"src/sasl/token_lines.cpp", "LOGIN", "the IMAP LOGIN command, not the SASL mechanism"},
    {"src/sasl/token_transcript.cpp", "LOGIN", "the IMAP LOGIN command, not the SASL mechanism"},
    {"src/oauth/mail_checks.cpp", "OAUTHBEARER",
     "wraps a token in an OAUTHBEARER message to have the decoder list its JWT claims (no "
     "branch on the name)"},
    {"src/reader/session_filter.cpp", "LOGIN", "the IMAP LOGIN command, not the SASL mechanism"},
    {"src/probe/session_replies.cpp", "LOGIN", "the IMAP LOGIN command, not the SASL mechanism"},
};

bool allowed(std::string_view file, std::string_view literal) {
    return std::any_of(std::begin(kAllowed), std::end(kAllowed),
                       [&](const Allowed& a) { return a.file == file && a.literal == literal; });
}

// "file:line: "LITERAL"" for each literal of `src` that spells a mechanism `file` does not own.
std::vector<std::string> violations(std::string_view file, std::string_view src,
                                    const std::vector<Name>& names) {
    std::vector<std::string> out;
    for (const auto& lit : string_literals(src)) {
        for (const auto& n : names) {
            if (lit.text != n.name || n.owner == file || allowed(file, lit.text)) continue;
            out.push_back(std::string(file) + ":" + std::to_string(lit.line) + ": \"" + lit.text +
                          "\" (owned by " + n.owner + ")");
        }
    }
    return out;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_SUITE("smtpauth::sasl") {
    TEST_CASE("one file per mechanism: the registry lists each mechanism and decoder once") {
        std::set<std::string_view> seen;
        for (const auto& info : sasl::mechanisms()) {
            CHECK_MESSAGE(seen.insert(info.name).second, info.name);
            CHECK(info.decoder != nullptr);
            CHECK(sasl::decoder_for(info.name) == info.decoder);
        }
        std::set<const sasl::MechanismDecoder*> decoders;
        std::set<std::string_view> families;
        for (const auto* d : sasl::mechanism_decoders()) {
            CHECK(decoders.insert(d).second);
            CHECK_MESSAGE(families.insert(d->family).second, d->family);
        }
        const fs::path root(SMTPAUTH_SOURCE_DIR);
        for (const auto& n : mechanism_names())
            CHECK_MESSAGE(fs::exists(root / n.owner), n.owner << " holds " << n.name);
    }

    TEST_CASE("one file per mechanism: the scan catches a branch on a name elsewhere") {
        auto names = mechanism_names();
        const std::string code =
            "// PLAIN in a comment is fine\n"
            "if (name == \"PLAIN\") return;\n"
            "if (name.starts_with(\"SCRAM-\")) return;\n"
            "char c = '\"'; auto s = \"CRAM-MD5 and more\";\n";
        auto found = violations("src/cli/cmd_gen.cpp", code, names);
        REQUIRE(found.size() == 2);
        CHECK(found[0].find(":2: \"PLAIN\"") != std::string::npos);
        CHECK(found[1].find(":3: \"SCRAM-\"") != std::string::npos);
        CHECK(violations("src/sasl/mech_plain.cpp", "x == \"PLAIN\"", names).empty());
    }

    TEST_CASE("one file per mechanism: no code outside a mechanism's file names it") {
        const fs::path root(SMTPAUTH_SOURCE_DIR);
        auto names = mechanism_names();
        std::vector<std::string> found;
        std::size_t files = 0;
        for (const char* dir : {"src", "include"}) {
            for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
                auto ext = entry.path().extension();
                if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
                std::string rel = fs::relative(entry.path(), root).generic_string();
                if (rel == "src/sasl/registry.cpp") continue;  // the registration lines
                ++files;
                auto v = violations(rel, read_file(entry.path()), names);
                found.insert(found.end(), v.begin(), v.end());
            }
        }
        CHECK(files > 50);
        std::string report;
        for (const auto& f : found) report += f + "\n";
        CHECK_MESSAGE(found.empty(), "mechanism names outside their files:\n" << report);
    }
}

// The .netrc file as curl and ftp(1) read it: machine/default entries with login and password.
#include "smtpauth/netrc.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "smtpauth/error.hpp"

namespace smtpauth {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// Splits the file into tokens; the values may be secrets, so the caller wipes them.
class Tokenizer {
  public:
    explicit Tokenizer(std::string_view text) : text_(text) {}

    // Next token, or nullopt at the end. A bare token ends at white space; a quoted one at
    // its closing quote (curl 7.84+).
    std::optional<std::string> next() {
        skip_space_and_comments();
        if (pos_ >= text_.size()) return std::nullopt;
        // Sized before filling: a growing string would leave pieces of a password in freed
        // memory.
        std::string token;
        if (text_[pos_] == '"') {
            ++pos_;
            token.reserve(std::min<std::size_t>(text_.size() - pos_, 65536));
            for (;;) {
                if (pos_ >= text_.size())
                    throw Error(ErrorKind::bad_input, "netrc: unterminated quoted string");
                char c = text_[pos_++];
                if (c == '"') break;
                if (c == '\\' && pos_ < text_.size()) {
                    char e = text_[pos_++];
                    c = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
                }
                token.push_back(c);
            }
            return token;
        }
        std::size_t end = pos_;
        while (end < text_.size() && !std::isspace(static_cast<unsigned char>(text_[end]))) ++end;
        token.assign(text_.substr(pos_, end - pos_));
        pos_ = end;
        return token;
    }

    // macdef: the macro body runs to the first empty line (two newlines in a row).
    void skip_macro_body() {
        auto end = text_.find("\n\n", pos_);
        pos_ = end == std::string_view::npos ? text_.size() : end + 2;
    }

  private:
    void skip_space_and_comments() {
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (std::isspace(static_cast<unsigned char>(c))) {
                ++pos_;
            } else if (c == '#') {
                auto nl = text_.find('\n', pos_);
                pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
            } else {
                break;
            }
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

struct Entry {
    bool is_default = false;
    std::string machine;
    std::string login;
    Secret password;
};

}  // namespace

std::optional<NetrcEntry> netrc_lookup(std::string_view text, std::string_view host,
                                       std::string_view user) {
    Tokenizer tokens(text);
    std::vector<Entry> entries;
    auto value_of = [&](const std::string& keyword) {
        auto value = tokens.next();
        if (!value) throw Error(ErrorKind::bad_input, "netrc: '" + keyword + "' without a value");
        return std::move(*value);
    };
    while (auto word = tokens.next()) {
        if (*word == "machine") {
            entries.push_back(Entry{false, value_of(*word), {}, {}});
        } else if (*word == "default") {
            entries.push_back(Entry{true, {}, {}, {}});
        } else if (*word == "login" || *word == "password" || *word == "account") {
            std::string value = value_of(*word);
            if (entries.empty()) {
                wipe_string(value);
                throw Error(ErrorKind::bad_input,
                            "netrc: '" + *word + "' before any 'machine' or 'default'");
            }
            if (*word == "login")
                entries.back().login = std::move(value);
            else if (*word == "password")
                entries.back().password = Secret(std::move(value));
            wipe_string(value);
        } else if (*word == "macdef") {
            value_of(*word);
            tokens.skip_macro_body();
        } else {
            // Never quote the word: a misplaced password would land in the message.
            throw Error(ErrorKind::bad_input,
                        "netrc: unexpected word (expected machine, default, login, password, "
                        "account or macdef)");
        }
    }

    auto matches_user = [&](const Entry& e) {
        return user.empty() || e.login.empty() || e.login == user;
    };
    for (int pass = 0; pass < 2; ++pass) {
        for (auto& e : entries) {
            bool host_ok = pass == 0 ? !e.is_default && iequals(e.machine, host) : e.is_default;
            if (!host_ok || !matches_user(e)) continue;
            return NetrcEntry{e.login, std::move(e.password), e.is_default};
        }
    }
    return std::nullopt;
}

}  // namespace smtpauth

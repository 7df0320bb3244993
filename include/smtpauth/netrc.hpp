// The .netrc file as curl and ftp(1) read it: machine/default entries with login and password.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "smtpauth/secret.hpp"

namespace smtpauth {

struct NetrcEntry {
    std::string login;          // empty when the entry has none
    Secret password;            // empty when the entry has none
    bool from_default = false;  // matched through the `default` entry
};

// Finds the credentials for `host` in the text of a .netrc file, with curl's rules:
// tokens are separated by white space (a token may be "quoted", with \" \\ \n \r \t escapes);
// `machine NAME` starts an entry for NAME (host names compare case-insensitively);
// `default` starts an entry for any host and is used only when no machine entry matched;
// `login` and `password` fill the current entry; `account` is skipped with its value;
// `macdef NAME` skips the macro body up to the next empty line; `#` starts a comment that runs
// to the end of the line. When `user` is not empty, only an entry whose login is `user` (or that
// has no login) matches. Returns nullopt when no entry matches.
// Throws Error{bad_input} for a malformed file (a keyword without its value, an unknown word).
std::optional<NetrcEntry> netrc_lookup(std::string_view text, std::string_view host,
                                       std::string_view user);

}  // namespace smtpauth

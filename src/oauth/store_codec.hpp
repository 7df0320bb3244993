// Internal: runs the store's --encrypt-cmd / --decrypt-cmd (e.g. gpg) as a filter.
#pragma once

#include <string>
#include <string_view>

namespace smtpauth::oauth {

// Runs `command` through /bin/sh -c with `input` on its stdin and returns its stdout.
// stderr stays the user's (gpg may ask for a passphrase there). Throws Error{io} when the
// command cannot run or exits non-zero, naming `option` (the command line is not repeated:
// it may hold a key id the user considers private).
std::string run_filter(const std::string& command, std::string_view input, std::string_view option);

}  // namespace smtpauth::oauth

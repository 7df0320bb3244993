// JSON output of `smtpauth gen --json`: the client messages of one exchange, in order.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace smtpauth::render {

struct GenMessage {
    std::string role;     // "initial-response", "response", "client-first", "client-final"
    std::string base64;   // the message as sent on the wire (empty for an empty response)
    bool secret = false;  // reveals the password/token or allows offline guessing
};

struct GenOutput {
    std::string mechanism;  // canonical name
    bool standard = true;   // false for vendor mechanisms (XOAUTH2, CRAM-SHA1, CRAM-SHA256)
    std::vector<GenMessage> messages;
    std::optional<std::string> protocol;  // "smtp"/"imap"/"pop3" with --line
    std::vector<std::string> lines;       // the ready-to-type lines with --line
    std::optional<bool> server_verified;  // SCRAM after --server-final
};

// One JSON object, no trailing newline. The user asked for the token: it is printed as is
// (gen output is the secret by definition); "secret" tells scripts to handle it with care.
std::string render_gen_json(const GenOutput& output);

}  // namespace smtpauth::render

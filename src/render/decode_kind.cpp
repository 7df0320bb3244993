// The names of the decoder's message kinds as users see them (the JSON "kind" contract).
#include "smtpauth/render_decode.hpp"

namespace smtpauth::render {

std::string_view message_kind_name(sasl::MessageKind kind) noexcept {
    using K = sasl::MessageKind;
    switch (kind) {
        case K::unknown:
            return "unknown";
        case K::auth_command:
            return "auth-command";
        case K::client_response:
            return "client-response";
        case K::challenge:
            return "challenge";
        case K::cancel:
            return "cancel";
        case K::success:
            return "success";
        case K::failure:
            return "failure";
        case K::reply:
            return "reply";
        case K::command:
            return "command";
        case K::skipped:
            return "skipped";
        case K::redacted:
            return "redacted";
        case K::client_first:
            return "client-first";
        case K::server_first:
            return "server-first";
        case K::client_final:
            return "client-final";
        case K::server_final:
            return "server-final";
        case K::username:
            return "username";
        case K::password:
            return "password";
        case K::prompt:
            return "prompt";
        case K::cram_challenge:
            return "cram-challenge";
        case K::cram_response:
            return "cram-response";
        case K::error_json:
            return "error-json";
        case K::error_ack:
            return "error-ack";
        case K::ntlm:
            return "ntlm";
        case K::kerberos:
            return "kerberos";
        case K::unreadable:
            return "unreadable";
        case K::credential:
            return "credential";
        case K::body:
            return "body";
        case K::capabilities:
            return "capabilities";
        case K::tool_output:
            return "tool-output";
        case K::config:
            return "config";
        case K::log_auth:
            return "log-auth";
    }
    return "unknown";
}

}  // namespace smtpauth::render

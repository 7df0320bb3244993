// The exit-status table of the program (sysexits.h values where one fits).
#include "smtpauth/error.hpp"

namespace smtpauth {

namespace {
struct KindRow {
    ErrorKind kind;
    int exit_code;
    std::string_view name;
};

constexpr KindRow kKindTable[] = {
    {ErrorKind::usage, 64, "usage"},
    {ErrorKind::bad_input, 65, "bad-input"},
    {ErrorKind::no_input, 66, "no-input"},
    {ErrorKind::resolve, 68, "resolve"},
    {ErrorKind::connect, 69, "connect"},
    {ErrorKind::internal, 70, "internal"},
    {ErrorKind::io, 74, "io"},
    {ErrorKind::timeout, 75, "timeout"},
    {ErrorKind::protocol, 76, "protocol"},
    {ErrorKind::auth_rejected, 77, "auth-rejected"},
    {ErrorKind::tls, 80, "tls"},
    {ErrorKind::certificate, 81, "certificate"},
    {ErrorKind::mechanism_unavailable, 82, "mechanism-unavailable"},
    {ErrorKind::mismatch, 1, "mismatch"},
    {ErrorKind::sender_refused, 83, "sender-refused"},
    {ErrorKind::recipients_refused, 84, "recipients-refused"},
    {ErrorKind::message_refused, 85, "message-refused"},
    {ErrorKind::command_refused, 86, "command-refused"},
};

const KindRow& row(ErrorKind kind) noexcept {
    for (const auto& r : kKindTable)
        if (r.kind == kind) return r;
    return kKindTable[5];  // internal: unreachable while the table covers the enum
}
}  // namespace

int exit_code(ErrorKind kind) noexcept { return row(kind).exit_code; }
std::string_view kind_name(ErrorKind kind) noexcept { return row(kind).name; }

}  // namespace smtpauth

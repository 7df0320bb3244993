// `smtpauth probe`: connect -> [TLS] -> greeting -> capabilities -> [STARTTLS -> capabilities]
// -> [AUTH] -> quit, always returning a report that names the failing stage.
// RFC 3207, RFC 2595, RFC 8314 (TLS modes and ports), RFC 4954/3501/5034 (AUTH).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpauth/error.hpp"
#include "smtpauth/mail/dialect.hpp"
#include "smtpauth/net/tcp.hpp"
#include "smtpauth/net/tls.hpp"
#include "smtpauth/secret.hpp"
#include "smtpauth/transcript.hpp"

namespace smtpauth::probe {

using mail::Protocol;

enum class TlsMode { implicit, starttls, none };

std::string_view tls_mode_name(TlsMode m) noexcept;
std::optional<Protocol> parse_protocol(std::string_view name);
std::optional<TlsMode> parse_tls_mode(std::string_view name);

struct Target {
    std::string input;  // as the user typed it
    std::string host;   // without brackets
    std::uint16_t port = 0;
    Protocol protocol = Protocol::smtp;
    TlsMode tls = TlsMode::starttls;
    bool host_is_ip = false;
};

// TARGET forms: host, host:port, [v6]:port, v6 literal, and smtp:// smtps:// imap:// imaps://
// pop3:// pop3s:// URLs (optional port, optional trailing "/"). Defaults: bare host = SMTP
// submission 587 with STARTTLS; a port without a scheme picks the usual pairing (25/587
// SMTP+STARTTLS, 465 SMTPS, 143 IMAP+STARTTLS, 993 IMAPS, 110 POP3+STLS, 995 POP3S, any
// other port SMTP+STARTTLS); `protocol`/`tls` override. Default ports for a scheme or
// --protocol: smtp 587, smtps 465, imap 143, imaps 993, pop3 110, pop3s 995.
// Throws Error{usage} on malformed input or a --protocol that contradicts the scheme.
Target parse_target(std::string_view input, std::optional<Protocol> protocol = std::nullopt,
                    std::optional<TlsMode> tls = std::nullopt);

enum class Stage { resolve, connect, tls, greeting, capabilities, starttls, auth, quit };
std::string_view stage_name(Stage s) noexcept;

// password_and_token: both given; each mechanism takes the one it needs (--mech all).
enum class CredentialKind { none, password, token, password_and_token };

struct ProbeOptions {
    Target target;
    net::AddressFamily family = net::AddressFamily::any;
    std::string ehlo_name;  // empty = a sensible default ("localhost" or the host name)
    std::string cafile;
    bool insecure = false;
    std::string tls_min = "1.2";
    std::string client_cert;
    std::string client_key;
    std::chrono::milliseconds connect_timeout{10000};
    std::chrono::milliseconds step_timeout{15000};
    std::chrono::milliseconds deadline{60000};
    // Credentials: without a user, no AUTH is attempted.
    std::string user;
    std::string authzid;
    CredentialKind credential = CredentialKind::none;
    Secret secret;     // password or token, as `credential` says (password_and_token: password)
    Secret token;      // password_and_token only: the token
    std::string mech;  // "" = choose, "ALL" = every usable one, else a mechanism name
    bool allow_plaintext_auth = false;
    std::optional<std::string> client_nonce;  // tests only: fixed SCRAM nonce
};

struct MechanismConsidered {
    std::string name;
    bool usable = false;
    std::string reason;
};

enum class AuthResult { accepted, rejected, not_attempted, error };
std::string_view auth_result_name(AuthResult r) noexcept;

// The decoded error a server sent inside an OAuth exchange (XOAUTH2 / RFC 7628 §3.2.2 JSON).
struct OAuthServerError {
    std::string status;
    std::string schemes;
    std::string scope;
    std::string raw;  // the decoded payload (untrusted)
};

struct AuthReport {
    std::optional<std::string> mechanism;
    AuthResult result = AuthResult::not_attempted;
    std::optional<std::string> server_reply;  // untrusted
    bool server_verified = false;
    int round_trips = 0;
    std::optional<OAuthServerError> server_error;
    std::optional<std::string> hint;
    std::string message;  // our explanation (why not attempted / why an error)
};

struct Attempt {  // one line of the --mech all table
    std::string mechanism;
    AuthResult result = AuthResult::not_attempted;
    std::optional<std::string> server_reply;
    std::string message;
};

struct Timings {  // milliseconds; 0 for stages that did not run
    double resolve = 0, connect = 0, tls = 0, greeting = 0, capabilities = 0, auth = 0, total = 0;
};

struct Failure {
    ErrorKind kind = ErrorKind::internal;
    Stage stage = Stage::connect;
    std::string message;
};

struct ProbeReport {
    Target target;
    std::optional<std::string> address;  // numeric address used
    std::optional<net::TlsInfo> tls;
    std::optional<std::string> greeting;  // untrusted
    bool greeting_before_tls = false;     // received in cleartext (unauthenticated)
    std::optional<std::vector<std::string>> capabilities_before_tls;
    std::optional<std::vector<std::string>> capabilities_after_tls;
    std::vector<std::string> offered;  // mechanisms AUTH would use (post-TLS list)
    std::vector<MechanismConsidered> considered;
    std::vector<std::string> notes;  // facts worth a line (legacy AUTH=, LOGINDISABLED, ...)
    AuthReport auth;
    std::vector<Attempt> attempts;  // --mech all only
    bool all_mechanisms = false;
    Timings timings;
    std::optional<Failure> error;
    // What crossed the wire (a copy of the session's Transcript events, so renderers can be
    // tested with a fixed clock). Raw: renderers escape and redact.
    std::vector<TranscriptEvent> transcript;
};

// Runs the probe. Never throws smtpauth::Error: failures end up in report.error.
ProbeReport run_probe(const ProbeOptions& options);

// The exit status for the report (contract: 0, 77, 82, or the error kind's code).
int exit_status(const ProbeReport& report);

// A hint for well-known provider failures (Gmail app passwords, Microsoft SMTP AUTH
// disabled, OAuth scope), or nullopt.
std::optional<std::string> failure_hint(std::string_view server_reply,
                                        const std::optional<OAuthServerError>& oauth);

}  // namespace smtpauth::probe

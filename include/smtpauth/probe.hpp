// `smtpauth probe`: connect -> [TLS] -> greeting -> capabilities -> [STARTTLS -> capabilities]
// -> [AUTH] -> quit, always returning a report that names the failing stage.
// RFC 3207, RFC 2595, RFC 8314 (TLS modes and ports), RFC 4954/3501/5034 (AUTH).
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "smtpauth/error.hpp"
#include "smtpauth/mail/dialect.hpp"
#include "smtpauth/net/line_channel.hpp"
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

// The GSSAPI service name of the protocol (RFC 4954 §4 "smtp", RFC 3501 "imap", RFC 5034 "pop"):
// DIGEST-MD5's digest-uri and the Kerberos service principal use it.
std::string sasl_service(Protocol protocol);

// The stages of a session, in order; mailbox (probe), envelope and message (send) are the
// "after AUTH" stages that a command adds.
enum class Stage {
    resolve,
    connect,
    tls,
    greeting,
    capabilities,
    starttls,
    auth,
    quit,
    mailbox,
    envelope,
    message,
    session  // `session`: the conversation typed by the user
};
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
    // Many targets: the TLS context loaded once from cafile/tls_min/client_cert/client_key/
    // insecure (net::load_tls_context) and shared; null = loaded per connection.
    std::shared_ptr<const net::TlsContext> tls_context;
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
    // Run the mechanism through the Cyrus libsasl2 client even when smtpauth implements it
    // (--backend cyrus, a cross-check); mechanisms with traits.cyrus always run there.
    bool cyrus_backend = false;
    // probe on IMAP/POP3: after an accepted AUTH, EXAMINE INBOX / STAT.
    bool mailbox_check = true;
    // Caps on what the server may send (session raises the total for long conversations).
    net::LineLimits line_limits;
    // Called with every transcript event as it happens (session prints them live).
    std::function<void(const TranscriptEvent&)> on_event;
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
    // The mechanism's own report (sasl::Mechanism::details): Kerberos principals, security layer.
    std::vector<std::pair<std::string, std::string>> details;
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

// IMAP EXAMINE INBOX / POP3 STAT after an accepted AUTH.
struct MailboxReport {
    std::string command;  // "EXAMINE INBOX" or "STAT"
    bool reachable = false;
    std::optional<std::uint64_t> messages;  // EXISTS / the STAT count
    std::optional<std::uint64_t> octets;    // POP3 STAT size
    std::string server_reply;               // the tagged / +OK / -ERR line (untrusted)
    std::optional<std::string> hint;
};

// A server reply as reported: code, enhanced status (RFC 3463) and text.
struct ReplyReport {
    int code = 0;
    std::string enhanced;             // "5.7.1" or ""
    std::string text;                 // untrusted, lines joined by '\n'
    std::optional<std::string> hint;  // plain words for a well-known refusal
};

enum class RecipientKind { to, cc, bcc };
std::string_view recipient_kind_name(RecipientKind k) noexcept;

struct RecipientReport {
    std::string address;
    RecipientKind kind = RecipientKind::to;
    bool accepted = false;
    std::optional<ReplyReport> reply;  // nullopt: never answered
};

struct SendReport {
    std::string from;
    bool dry_run = false;
    bool pipelining = false;
    bool allow_partial = false;
    std::size_t message_bytes = 0;  // as sent, before dot-stuffing
    std::string encoding;           // 7bit, 8bit, quoted-printable, or "as-is" (--message-file)
    std::string message_id;         // generated messages only
    std::optional<ReplyReport> mail;
    std::vector<RecipientReport> recipients;
    std::optional<ReplyReport> data;
    std::optional<ReplyReport> final_reply;
    std::string queue_id;
    bool delivered = false;  // the server accepted the message (250 after the final ".")
    int round_trips = 0;     // of the transaction (MAIL to the final reply / RSET)
};

struct ProbeReport {
    ProbeReport() = default;
    ProbeReport(const ProbeReport&) = default;
    ProbeReport(ProbeReport&&) = default;
    ProbeReport& operator=(const ProbeReport&) = default;
    ProbeReport& operator=(ProbeReport&&) = default;
    ~ProbeReport();  // wipes the secret lines of `transcript` (an initial response, a password)

    Target target;
    std::optional<std::string> address;  // numeric address used
    std::optional<net::TlsInfo> tls;
    std::optional<std::string> greeting;  // untrusted
    bool greeting_before_tls = false;     // received in cleartext (unauthenticated)
    std::optional<std::vector<std::string>> capabilities_before_tls;
    std::optional<std::vector<std::string>> capabilities_after_tls;
    std::vector<std::string> offered;  // mechanisms AUTH would use (post-TLS list)
    std::vector<std::string> offered_before_tls;  // mechanisms announced in cleartext
    std::vector<MechanismConsidered> considered;
    std::vector<std::string> notes;  // facts worth a line (legacy AUTH=, LOGINDISABLED, ...)
    AuthReport auth;
    std::vector<Attempt> attempts;  // --mech all only
    bool all_mechanisms = false;
    Timings timings;
    std::optional<Failure> error;
    std::optional<MailboxReport> mailbox;  // probe on IMAP/POP3
    std::optional<SendReport> send;        // send
    // What crossed the wire (a copy of the session's Transcript events, so renderers can be
    // tested with a fixed clock). Raw: renderers escape and redact.
    std::vector<TranscriptEvent> transcript;
};

// Runs the probe. Never throws smtpauth::Error: failures end up in report.error.
ProbeReport run_probe(const ProbeOptions& options);

// What an "after AUTH" stage gets: the open, authenticated (or not, without --user) session.
struct SessionContext {
    net::LineChannel& channel;
    mail::Dialect& dialect;
    const mail::Capabilities& capabilities;
    Transcript& transcript;
    ProbeReport& report;
    std::function<net::Deadline()> step_deadline;  // the per-step timeout within the deadline
};
// Runs inside the session; throws smtpauth::Error to fail it (the stage is recorded) or
// sets report.error for an expected negative outcome. Returns false to skip the QUIT stage
// (the stage has ended the conversation itself).
using AfterStage = std::function<bool(SessionContext&)>;

// The session runner behind probe and send: connect -> [TLS] -> greeting ->
// capabilities -> [STARTTLS -> capabilities] -> [AUTH] -> `after` (when nothing failed)
// -> quit. `after_stage` names the stage for failures. Never throws smtpauth::Error.
ProbeReport run_session(const ProbeOptions& options, Stage after_stage, const AfterStage& after);

// Options for `send`: the probe's plus the envelope and the message.
struct SendOptions {
    ProbeOptions probe;  // target, TLS, credentials (no user: no AUTH)
    std::string from;
    std::vector<std::string> to, cc, bcc;
    std::optional<std::string> subject;  // nullopt: a default naming smtpauth, target and time
    std::optional<std::string> body;     // nullopt: the default text
    std::vector<std::string> headers;    // extra "Name: value"
    std::optional<std::string> message;  // --message-file content, sent as is
    bool dry_run = false;
    bool allow_partial = false;
    std::optional<std::time_t> date;        // tests: fixed Date
    std::optional<std::string> message_id;  // tests: fixed Message-ID
};

// Throws Error{usage} for an unusable envelope (checked before connecting); otherwise as
// run_session: failures (refused sender, recipients, message) end up in report.error.
ProbeReport run_send(const SendOptions& options);

// Plain words for a failed mailbox check (Microsoft 365 "User is authenticated but not
// connected"), or a general explanation.
std::optional<std::string> mailbox_hint(std::string_view server_reply);

// Plain words for a well-known SMTP refusal (530 5.7.0, SendAsDenied, relay denied, ...).
std::optional<std::string> refusal_hint(int code, std::string_view enhanced, std::string_view text);

// The exit status for the report (contract: 0, 77, 82, or the error kind's code).
int exit_status(const ProbeReport& report);

// A hint for well-known provider failures (Gmail app passwords, Microsoft SMTP AUTH
// disabled, OAuth scope), or nullopt.
std::optional<std::string> failure_hint(std::string_view server_reply,
                                        const std::optional<OAuthServerError>& oauth);

}  // namespace smtpauth::probe

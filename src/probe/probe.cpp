// The session runner behind probe and send: connect -> [TLS] -> greeting ->
// capabilities -> [STARTTLS -> TLS -> capabilities] -> [AUTH] -> the command's "after" stage
// -> quit (RFC 3207 §4.2 / RFC 2595 §3.1: nothing from before TLS survives it; RFC 8314
// implicit TLS). probe's after stage is the IMAP/POP3 mailbox check.
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>

#include "probe/diagnose.hpp"
#include "probe/mechanism_choice.hpp"
#include "smtpauth/mail/dialect.hpp"
#include "smtpauth/net/line_channel.hpp"
#include "smtpauth/net/tcp.hpp"
#include "smtpauth/probe.hpp"
#include "smtpauth/sasl/cyrus.hpp"
#include "smtpauth/sasl/exchange.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::probe {

namespace {

using Clock = std::chrono::steady_clock;

// --mech names a mechanism whose credentials come from the environment (Kerberos): AUTH runs
// without --user.
bool ambient_credentials(const std::string& request) {
    const sasl::MechanismInfo* info = sasl::find_mechanism(request);
    return info && info->traits.ambient_credentials;
}

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// XOAUTH2 / RFC 7628 §3.2.2 error JSON: {"status":..,"schemes":..,"scope":..}.
std::optional<OAuthServerError> oauth_error(const std::optional<sasl::ServerError>& e) {
    if (!e) return std::nullopt;
    OAuthServerError out;
    out.raw = e->detail;
    auto j = nlohmann::json::parse(e->detail, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        out.status = e->summary;
        return out;
    }
    auto field = [&](const char* key) -> std::string {
        auto it = j.find(key);
        if (it == j.end()) return {};
        if (it->is_string()) return it->get<std::string>();
        return it->dump();
    };
    out.status = field("status");
    out.schemes = field("schemes");
    out.scope = field("scope");
    return out;
}

AuthResult to_auth_result(sasl::Outcome o) {
    switch (o) {
        case sasl::Outcome::accepted:
            return AuthResult::accepted;
        case sasl::Outcome::rejected:
            return AuthResult::rejected;
        default:
            return AuthResult::error;
    }
}

class Session {
  public:
    Session(const ProbeOptions& o, std::string request, ProbeReport& report,
            Stage after_stage = Stage::quit, const AfterStage* after = nullptr)
        : o_(o),
          request_(std::move(request)),
          rep_(report),
          after_stage_(after_stage),
          after_(after) {
        transcript_.set_listener(o_.on_event);
    }

    // Runs the whole sequence; fills usable_out with every mechanism the credentials allow.
    void run(std::vector<std::string>* usable_out) {
        const auto start = Clock::now();
        overall_ = net::Deadline::after(o_.deadline);
        try {
            sequence(usable_out);
        } catch (const Error& e) {
            Error explained = explain_failure(e, failure_context());
            fail(explained.kind(), explained.what());
        } catch (const std::exception& e) {
            fail(ErrorKind::internal, std::string("internal error: ") + e.what());
        }
        rep_.timings.total = ms_since(start);
        rep_.transcript = transcript_.events();
    }

  private:
    void fail(ErrorKind kind, std::string message) {
        Stage stage = stage_;
        if (kind == ErrorKind::resolve) stage = Stage::resolve;
        // The injection check fires inside the handshake call, but it belongs to STARTTLS.
        if (stage == Stage::tls && kind == ErrorKind::protocol &&
            rep_.target.tls == TlsMode::starttls)
            stage = Stage::starttls;
        rep_.error = Failure{kind, stage, std::move(message)};
        transcript_.add(Direction::info,
                        "FAILED at " + std::string(stage_name(stage)) + ": " + rep_.error->message);
    }

    net::Deadline step() const {
        auto d = net::Deadline::earliest(overall_, net::Deadline::after(o_.step_timeout));
        return greeting_cap_ ? net::Deadline::earliest(d, *greeting_cap_) : d;
    }

    FailureContext failure_context() const {
        FailureContext c;
        c.target = rep_.target;
        c.stage = stage_;
        c.channel = channel_.get();
        c.tls = tls_config();
        c.deadline = overall_;
        c.greeting_wait = greeting_wait_;
        for (const auto& e : transcript_.events()) {
            if (e.direction != Direction::server) continue;
            c.server_spoke = true;
            c.last_server_line = e.text;
        }
        // A greeting cut off by the deadline (a slow server) is speech too.
        if (channel_ && !channel_->unread_bytes().empty()) c.server_spoke = true;
        return c;
    }

    net::TlsConfig tls_config() const {
        net::TlsConfig c;
        c.host = o_.target.host;
        c.host_is_ip = o_.target.host_is_ip;
        c.cafile = o_.cafile;
        c.min_version = o_.tls_min;
        c.client_cert = o_.client_cert;
        c.client_key = o_.client_key;
        c.insecure = o_.insecure;
        c.context = o_.tls_context;
        return c;
    }

    void handshake() {
        stage_ = Stage::tls;
        auto t = Clock::now();
        try {
            rep_.tls = channel_->start_tls(tls_config(), step());
        } catch (const Error& e) {
            // Show the certificate that failed, not just the reason.
            if (const net::TlsInfo* rejected = channel_->rejected_tls_info()) rep_.tls = *rejected;
            throw;
        }
        rep_.timings.tls = ms_since(t);
        transcript_.set_before_tls(false);
        // The channel records the handshake summary; say why an unverified one goes on.
        if (!rep_.tls->verified)
            transcript_.add(Direction::info,
                            "continuing without a verified certificate because of --insecure");
    }

    void sequence(std::vector<std::string>* usable_out) {
        const Target& target = rep_.target;
        // A CA file or client certificate that cannot be used fails now, not after connecting.
        stage_ = Stage::tls;
        if (target.tls != TlsMode::none && !o_.tls_context) net::check_tls_config(tls_config());
        stage_ = Stage::connect;
        transcript_.add(Direction::info,
                        "connecting to " + target.host + " port " + std::to_string(target.port) +
                            " (" + std::string(mail::protocol_name(target.protocol)) + ", TLS " +
                            std::string(tls_mode_name(target.tls)) + ")");
        auto connect_deadline =
            net::Deadline::earliest(overall_, net::Deadline::after(o_.connect_timeout));
        net::Connection conn =
            net::connect_tcp(target.host, target.port, o_.family, connect_deadline);
        rep_.address = conn.address;
        rep_.timings.resolve = conn.resolve_ms;
        rep_.timings.connect = conn.connect_ms;
        transcript_.add(Direction::info,
                        "connected to " + conn.address + " port " + std::to_string(conn.port));

        // Everything received before a TLS upgrade is cleartext: marked unauthenticated.
        transcript_.set_before_tls(target.tls != TlsMode::implicit);
        channel_ = std::make_unique<net::LineChannel>(std::move(conn.socket), o_.line_limits,
                                                      &transcript_);
        mail::DialectOptions dopts;
        dopts.ehlo_name = o_.ehlo_name.empty() ? "localhost" : o_.ehlo_name;
        dopts.deadline = [this] { return step(); };
        dialect_ = mail::make_dialect(target.protocol, *channel_, dopts);

        if (target.tls == TlsMode::implicit) handshake();

        stage_ = Stage::greeting;
        auto t = Clock::now();
        // Where silence means a wrong target (an implicit-TLS port probed without it), wait
        // a few seconds, not the whole step timeout, before saying so.
        greeting_wait_ = o_.step_timeout;
        if (auto wait = short_greeting_wait(target); wait && *wait < o_.step_timeout) {
            greeting_wait_ = *wait;
            greeting_cap_ = net::Deadline::after(*wait);
        }
        mail::Greeting greeting = dialect_->read_greeting();
        greeting_cap_.reset();
        rep_.timings.greeting = ms_since(t);
        rep_.greeting = greeting.text;
        rep_.greeting_before_tls = !channel_->is_tls();
        if (greeting.preauth) {
            // RFC 3501 §7.1.4: PREAUTH means authenticated state, where STARTTLS is illegal.
            // Continuing would mean a session without TLS (CVE-2014-2567, CVE-2020-12398).
            if (target.tls == TlsMode::starttls)
                throw Error(ErrorKind::tls,
                            "server greeted with PREAUTH, so STARTTLS is impossible; refusing to "
                            "continue without TLS");
            rep_.notes.push_back("the server pre-authenticated the session (PREAUTH)");
            if (!o_.user.empty())
                throw Error(ErrorKind::protocol,
                            "server greeted with PREAUTH (already authenticated), so AUTH is "
                            "impossible");
        }

        stage_ = Stage::capabilities;
        t = Clock::now();
        mail::Capabilities caps =
            greeting.capabilities ? *greeting.capabilities : dialect_->query_capabilities();
        rep_.timings.capabilities = ms_since(t);
        if (target.tls != TlsMode::implicit) rep_.offered_before_tls = caps.mechanisms;

        if (target.tls == TlsMode::starttls) {
            rep_.capabilities_before_tls = caps.list;
            stage_ = Stage::starttls;
            if (!caps.starttls)
                throw Error(ErrorKind::tls,
                            std::string("server does not offer ") +
                                (target.protocol == Protocol::pop3 ? "STLS" : "STARTTLS") +
                                "; refusing to continue without TLS (--tls none probes in "
                                "cleartext)");
            dialect_->request_starttls();
            handshake();
            // RFC 3207 §4.2: discard everything learnt before TLS and ask again.
            caps = mail::Capabilities{};
            stage_ = Stage::capabilities;
            t = Clock::now();
            caps = dialect_->query_capabilities();
            rep_.timings.capabilities += ms_since(t);
            rep_.capabilities_after_tls = caps.list;
        } else if (target.tls == TlsMode::implicit) {
            rep_.capabilities_after_tls = caps.list;
        } else {
            rep_.capabilities_before_tls = caps.list;
        }
        rep_.offered = caps.mechanisms;
        if (caps.auth_legacy_form)
            rep_.notes.push_back("mechanisms announced only in the non-standard AUTH= form");
        if (caps.login_disabled)
            rep_.notes.push_back("LOGINDISABLED: the IMAP LOGIN command is disabled");
        dialect_->set_capabilities(caps);

        if (o_.user.empty() && !ambient_credentials(request_)) {
            rep_.auth.message = "no --user given";
        } else {
            stage_ = Stage::auth;
            authenticate(caps, usable_out);
        }

        if (after_ && *after_ && !rep_.error) {
            stage_ = after_stage_;
            SessionContext ctx{*channel_,   *dialect_, caps,
                               transcript_, rep_,      [this] { return step(); }};
            if (!(*after_)(ctx)) return;
        }

        stage_ = Stage::quit;
        dialect_->quit();
    }

    void authenticate(const mail::Capabilities& caps, std::vector<std::string>* usable_out) {
        ChoiceInput in;
        in.offered = caps.mechanisms;
        in.credential = o_.credential;
        in.request = request_;
        in.tls_active = channel_->is_tls();
        in.allow_plaintext = o_.allow_plaintext_auth;
        in.cyrus_backend = o_.cyrus_backend;
        in.channel_binding = rep_.tls && (!rep_.tls->tls_exporter.empty() ||
                                          !rep_.tls->tls_server_end_point.empty());
        ChoiceInput all_in = in;
        all_in.request = "ALL";
        if (usable_out) *usable_out = choose_mechanisms(all_in).to_try;
        Choice choice = choose_mechanisms(in);
        rep_.considered = choice.considered;
        if (choice.to_try.empty()) {
            rep_.auth.message = choice.why_none;
            rep_.error = Failure{ErrorKind::mechanism_unavailable, Stage::auth, choice.why_none};
            transcript_.add(Direction::info, "AUTH not attempted: " + choice.why_none);
            return;
        }
        const std::string name = choice.to_try.front();
        const sasl::MechanismInfo* info = sasl::find_mechanism(name);
        rep_.auth.mechanism = name;

        sasl::Credentials creds;
        creds.user = o_.user;
        creds.authzid = o_.authzid;
        const bool token_here =
            o_.credential == CredentialKind::password_and_token && info->traits.needs_token;
        creds.secret = token_here ? o_.token.clone() : o_.secret.clone();
        creds.host = rep_.target.host;
        creds.port = rep_.target.port;
        sasl::MechanismOptions mopts;
        mopts.client_nonce = o_.client_nonce;
        for (const auto& m : caps.mechanisms)
            if (m.size() > 5 && m.compare(m.size() - 5, 5, "-PLUS") == 0)
                mopts.server_supports_plus = true;
        if (info->traits.channel_binding && rep_.tls) {
            if (!rep_.tls->tls_exporter.empty())
                mopts.channel_binding = {"tls-exporter", rep_.tls->tls_exporter};
            else
                mopts.channel_binding = {"tls-server-end-point", rep_.tls->tls_server_end_point};
        }
        mopts.service = sasl_service(rep_.target.protocol);
        std::unique_ptr<sasl::Mechanism> mech =
            o_.cyrus_backend && !info->traits.cyrus
                ? sasl::make_cyrus_mechanism(name, std::move(creds), mopts)
                : info->make(std::move(creds), mopts);
        rep_.auth.details = mech->details();  // kept if the exchange fails

        sasl::ExchangeOptions xopts;
        xopts.require_server_proof = info->traits.verifies_server;
        auto t = Clock::now();
        sasl::ExchangeResult r = sasl::run_exchange(*mech, *dialect_, xopts);
        rep_.timings.auth = ms_since(t);

        AuthReport& a = rep_.auth;
        a.result = to_auth_result(r.outcome);
        if (!r.server_reply.empty()) a.server_reply = r.server_reply;
        a.server_verified = r.server_verified;
        a.round_trips = r.round_trips;
        a.details = mech->details();
        a.server_error = oauth_error(r.server_error);
        a.message = r.message;
        if (a.result != AuthResult::accepted) a.hint = failure_hint(r.server_reply, a.server_error);

        std::string reply = r.server_reply;
        switch (r.outcome) {
            case sasl::Outcome::accepted:
                transcript_.add(Direction::info, "AUTH " + name + " accepted");
                break;
            case sasl::Outcome::rejected:
                rep_.error = Failure{ErrorKind::auth_rejected, Stage::auth,
                                     "server rejected the credentials (" + name + "): " + reply};
                break;
            case sasl::Outcome::refused:
                a.message = "the server refused " + name + " although it advertised it";
                rep_.error = Failure{ErrorKind::mechanism_unavailable, Stage::auth,
                                     a.message + ": " + reply};
                break;
            case sasl::Outcome::error:
            case sasl::Outcome::cancelled:
                rep_.error = Failure{r.outcome == sasl::Outcome::error ? r.error_kind
                                                                        : ErrorKind::protocol,
                                     Stage::auth,
                                     "AUTH " + name + " failed: " + r.message};
                break;
        }
        if (rep_.error) transcript_.add(Direction::info, "FAILED at auth: " + rep_.error->message);
    }

    const ProbeOptions& o_;
    std::string request_;
    ProbeReport& rep_;
    Stage after_stage_;
    const AfterStage* after_;
    Transcript transcript_;
    net::Deadline overall_{net::Clock::now()};
    Stage stage_ = Stage::resolve;
    std::optional<net::Deadline> greeting_cap_;  // the short greeting wait, while it applies
    std::chrono::milliseconds greeting_wait_{0};
    std::unique_ptr<net::LineChannel> channel_;
    std::unique_ptr<mail::Dialect> dialect_;
};

// probe's after stage on IMAP/POP3: EXAMINE INBOX / STAT once AUTH has been accepted.
// "Authenticated but the mailbox is not reachable" is a finding (Microsoft 365 answers
// SELECT/EXAMINE with "User is authenticated but not connected" when the mailbox
// permission is missing), reported with a hint and exit status 77.
bool mailbox_check(SessionContext& ctx) {
    if (ctx.report.auth.result != AuthResult::accepted) return true;
    std::optional<mail::MailboxStatus> st = ctx.dialect.check_mailbox();
    if (!st) return true;
    MailboxReport m;
    m.command = st->command;
    m.reachable = st->ok;
    m.messages = st->messages;
    m.octets = st->octets;
    m.server_reply = st->reply;
    if (st->ok) {
        ctx.transcript.add(
            Direction::info,
            "mailbox reachable" + (st->messages ? ": " + std::to_string(*st->messages) + " messages"
                                                : std::string()));
    } else {
        m.hint = mailbox_hint(st->reply);
        ctx.report.error =
            Failure{ErrorKind::auth_rejected, Stage::mailbox,
                    "authenticated but the mailbox is not reachable: " + st->command +
                        " answered \"" + st->reply + "\""};
        ctx.transcript.add(Direction::info, "FAILED at mailbox: " + ctx.report.error->message);
    }
    ctx.report.mailbox = std::move(m);
    return true;
}

ProbeReport run_one(const ProbeOptions& o, const std::string& request,
                    std::vector<std::string>* usable_out) {
    ProbeReport rep;
    rep.target = o.target;
    static const AfterStage check = mailbox_check;
    const bool check_mailbox = o.mailbox_check && o.target.protocol != Protocol::smtp;
    Session(o, request, rep, Stage::mailbox, check_mailbox ? &check : nullptr).run(usable_out);
    return rep;
}

Attempt attempt_of(const ProbeReport& r, const std::string& mech) {
    Attempt a;
    a.mechanism = r.auth.mechanism.value_or(mech);
    a.result = r.auth.result;
    a.server_reply = r.auth.server_reply;
    a.message = r.error ? r.error->message : r.auth.message;
    if (r.error && a.result == AuthResult::not_attempted) a.result = AuthResult::error;
    return a;
}

// --mech all: every usable offered mechanism, each on a fresh connection (a failed AUTH can
// leave the server counting failures or in an odd state; RFC 4954 §4 allows retries but
// says nothing of their effect).
ProbeReport run_all(const ProbeOptions& o) {
    std::vector<std::string> usable;
    ProbeReport rep = run_one(o, "ALL", &usable);
    rep.all_mechanisms = true;
    if (usable.empty()) return rep;  // rep.error says why (mechanism-unavailable or earlier)
    rep.attempts.push_back(attempt_of(rep, usable.front()));
    for (std::size_t i = 1; i < usable.size(); ++i) {
        ProbeReport next = run_one(o, usable[i], nullptr);
        rep.attempts.push_back(attempt_of(next, usable[i]));
        rep.transcript.push_back(TranscriptEvent{
            rep.transcript.empty() ? std::chrono::milliseconds(0) : rep.transcript.back().elapsed,
            Direction::info,
            "--- new connection for " + usable[i] + " ---",
            Sensitivity::none,
            {},
            false});
        for (auto& e : next.transcript) rep.transcript.push_back(std::move(e));
        rep.timings.total += next.timings.total;
    }
    bool any_accepted = false, any_rejected = false;
    for (const auto& a : rep.attempts) {
        any_accepted = any_accepted || a.result == AuthResult::accepted;
        any_rejected = any_rejected || a.result == AuthResult::rejected;
    }
    if (any_accepted) {
        rep.error.reset();
    } else if (any_rejected) {
        rep.error =
            Failure{ErrorKind::auth_rejected, Stage::auth, "no mechanism accepted the credentials"};
    }
    return rep;
}

}  // namespace

std::string_view stage_name(Stage s) noexcept {
    switch (s) {
        case Stage::resolve:
            return "resolve";
        case Stage::connect:
            return "connect";
        case Stage::tls:
            return "tls";
        case Stage::greeting:
            return "greeting";
        case Stage::capabilities:
            return "capabilities";
        case Stage::starttls:
            return "starttls";
        case Stage::auth:
            return "auth";
        case Stage::quit:
            return "quit";
        case Stage::mailbox:
            return "mailbox";
        case Stage::envelope:
            return "envelope";
        case Stage::message:
            return "message";
        case Stage::session:
            return "session";
    }
    return "connect";
}

std::string_view auth_result_name(AuthResult r) noexcept {
    switch (r) {
        case AuthResult::accepted:
            return "accepted";
        case AuthResult::rejected:
            return "rejected";
        case AuthResult::not_attempted:
            return "not-attempted";
        case AuthResult::error:
            return "error";
    }
    return "error";
}

ProbeReport run_probe(const ProbeOptions& options) {
    std::string request = options.mech;
    for (char& c : request)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    if (request == "ALL" && !options.user.empty()) return run_all(options);
    return run_one(options, request == "ALL" ? "" : request, nullptr);
}

ProbeReport run_session(const ProbeOptions& options, Stage after_stage, const AfterStage& after) {
    ProbeReport rep;
    rep.target = options.target;
    std::string request = options.mech;
    for (char& c : request)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    Session(options, request == "ALL" ? "" : request, rep, after_stage, &after).run(nullptr);
    return rep;
}

int exit_status(const ProbeReport& report) {
    return report.error ? exit_code(report.error->kind) : 0;
}

}  // namespace smtpauth::probe

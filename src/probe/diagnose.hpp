// Failure diagnosis for the probe: name the server that answered (SMTP, IMAP, POP3, HTTP, SSH,
// TLS) from its first bytes, spot implicit TLS vs STARTTLS mismatches (RFC 8314 §3), and turn
// a failure into one that says what to do next (the corrected target, --cafile, --insecure).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smtpauth/error.hpp"
#include "smtpauth/net/deadline.hpp"
#include "smtpauth/net/line_channel.hpp"
#include "smtpauth/probe.hpp"

namespace smtpauth::probe {

// Who sent these first bytes.
enum class Speaker { unknown, smtp, imap, pop3, http, ssh, tls };

Speaker recognise_speaker(std::string_view first_bytes) noexcept;
std::string_view speaker_name(Speaker s) noexcept;

// The target to type for this host and port with another protocol or TLS mode, e.g.
// "smtps://[::1]:465" (IPv6 literals in brackets).
std::string suggest_url(const Target& t, Protocol p, TlsMode tls, std::uint16_t port);

// The greeting wait on ports where the server is expected to stay silent if the target is
// wrong (the implicit-TLS mail ports 465, 993, 995 probed without implicit TLS; HTTP ports):
// a few seconds instead of the step timeout. nullopt elsewhere: mail servers may delay the
// greeting on purpose (Postfix postscreen, Sendmail greet_pause), so silence is not proof.
std::optional<std::chrono::milliseconds> short_greeting_wait(const Target& t);

// What a diagnosis needs to know about a failed probe.
struct FailureContext {
    Target target;
    Stage stage = Stage::connect;
    std::string last_server_line;                // the last line the server sent, if any
    bool server_spoke = false;                   // any line received at all
    net::LineChannel* channel = nullptr;         // still open (for one last question), or null
    std::optional<net::TlsConfig> tls;           // for that question: a TLS handshake
    net::Deadline deadline{net::Clock::now()};   // bound for that question
    std::chrono::milliseconds greeting_wait{0};  // how long the greeting was awaited
};

// The error to report instead of e: the same failure with advice on what to do next, or a
// more exact kind where the bytes prove a mismatch (cleartext answering TLS -> tls). A server
// silent at the greeting is sent one TLS handshake (if c.tls): one that completes proves
// implicit TLS; a cleartext answer names the service (an HTTP server answers 400).
Error explain_failure(const Error& e, const FailureContext& c);

}  // namespace smtpauth::probe

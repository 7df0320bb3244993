// Shared connection/TLS/credential options of send and session (the names probe uses).
#include "cli/session_options.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "cli/suggest.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/cyrus.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::cli {

namespace {

std::chrono::milliseconds seconds(double s, const char* option) {
    if (!(s > 0) || s > 86400)
        throw Error(ErrorKind::usage,
                    std::string(option) + " must be greater than 0 and at most 86400 seconds");
    return std::chrono::milliseconds(static_cast<long long>(s * 1000.0));
}

// RFC 5321 §4.1.1.1: the EHLO argument is the client's domain; the host name when it looks
// like one, else "localhost".
std::string default_ehlo() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    std::string name(buf);
    if (name.empty() || name.size() > 253) return "localhost";
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
            return "localhost";
    return name;
}

}  // namespace

void add_connection_options(CLI::App& cmd, SessionArgs& a, const char* what) {
    cmd.add_option("--protocol", a.protocol, "smtp, imap or pop3 (overrides the target)")
        ->check(CLI::IsMember({"smtp", "imap", "pop3"}, CLI::ignore_case));
    cmd.add_option("--tls", a.tls,
                   "implicit, starttls or none (STARTTLS is required, never opportunistic)")
        ->check(CLI::IsMember({"implicit", "starttls", "none"}, CLI::ignore_case));
    cmd.add_flag("-4", a.ipv4, "IPv4 only");
    cmd.add_flag("-6", a.ipv6, "IPv6 only");
    cmd.add_option("--ehlo", a.ehlo, "EHLO name (default: this host's name)");
    cmd.add_option("--cafile,--cacert", a.cafile,
                   "trust the CA certificates in this PEM file (--cacert: curl's name)")
        ->check(CLI::ExistingFile);
    cmd.add_flag("--insecure", a.insecure,
                 "continue when the certificate does not verify (still reported)");
    cmd.add_option("--tls-min", a.tls_min, "lowest TLS version: 1.0, 1.1, 1.2 (default), 1.3")
        ->check(CLI::IsMember({"1.0", "1.1", "1.2", "1.3"}));
    cmd.add_option("--cert", a.cert, "client certificate (PEM), e.g. for EXTERNAL")
        ->check(CLI::ExistingFile);
    cmd.add_option("--key", a.key, "client private key (PEM)")->check(CLI::ExistingFile);
    cmd.add_option("--connect-timeout", a.connect_timeout, "seconds to connect (default 10)");
    cmd.add_option("--timeout", a.timeout, "seconds per step (default 15)");
    cmd.add_option("--deadline", a.deadline,
                   std::string("seconds for the whole ") + what + " (default 60)");
    add_credential_options(cmd, a.credentials);
}

void add_session_options(CLI::App& cmd, SessionArgs& a, const char* what) {
    cmd.add_option("target", a.target,
                   "host, host:port, [v6addr]:port, or smtp:// smtps:// imap:// imaps:// "
                   "pop3:// pop3s:// URL (bare host: SMTP submission 587 with STARTTLS)")
        ->required();
    add_connection_options(cmd, a, what);
    cmd.add_option("--mech", a.mech, "use this mechanism (default: the strongest usable one)");
    cmd.add_flag("--allow-plaintext-auth", a.allow_plaintext_auth,
                 "with --tls none, allow mechanisms that reveal the password or token");
    cmd.add_flag("-v,--verbose", a.verbose,
                 "show the transcript with timestamps (secrets redacted)");
    cmd.add_flag("--show-secrets", a.show_secrets,
                 "show passwords, tokens and the base64 lines that carry them");
}

probe::ProbeOptions connection_options(const SessionArgs& a) {
    using namespace smtpauth::probe;
    if (a.ipv4 && a.ipv6) throw Error(ErrorKind::usage, "-4 and -6 exclude each other");
    ProbeOptions o;
    o.family = a.ipv4 ? net::AddressFamily::ipv4
                      : (a.ipv6 ? net::AddressFamily::ipv6 : net::AddressFamily::any);
    o.ehlo_name = a.ehlo.empty() ? default_ehlo() : a.ehlo;
    o.cafile = a.cafile;
    o.insecure = a.insecure;
    o.tls_min = a.tls_min;
    o.client_cert = a.cert;
    o.client_key = a.key;
    o.connect_timeout = seconds(a.connect_timeout, "--connect-timeout");
    o.step_timeout = seconds(a.timeout, "--timeout");
    o.deadline = seconds(a.deadline, "--deadline");
    o.mech = a.mech;
    o.cyrus_backend = a.backend == "cyrus";
    o.allow_plaintext_auth = a.allow_plaintext_auth;
    return o;
}

void check_mechanism_name(std::string_view mech) {
    if (mech.empty() || sasl::find_mechanism(mech)) return;
    if (auto package = sasl::cyrus_package(mech); !package.empty())
        throw Error(ErrorKind::usage, codec::escape_for_display(mech) +
                                          ": smtpauth does not run it yet (a Cyrus plugin in " +
                                          std::string(package) + " has it); see 'smtpauth mechs'");
    throw Error(ErrorKind::usage, unknown_mechanism_message(mech, true));
}

probe::Target session_target(const SessionArgs& a, std::string_view target,
                             std::string_view protocol_name) {
    using namespace smtpauth::probe;
    std::optional<Protocol> protocol;
    if (!protocol_name.empty()) {
        protocol = parse_protocol(protocol_name);
        if (!protocol)
            throw Error(ErrorKind::usage, "unknown protocol '" + std::string(protocol_name) +
                                              "' (smtp, imap and pop3 are known)");
    } else if (!a.protocol.empty()) {
        protocol = parse_protocol(a.protocol);
    }
    std::optional<TlsMode> tls;
    if (!a.tls.empty()) tls = parse_tls_mode(a.tls);
    return parse_target(target, protocol, tls);
}

probe::ProbeOptions session_options(SessionArgs& a) {
    if (a.ipv4 && a.ipv6) throw Error(ErrorKind::usage, "-4 and -6 exclude each other");
    probe::Target target = session_target(a, a.target);
    probe::ProbeOptions o = connection_options(a);
    o.target = std::move(target);
    check_mechanism_name(a.mech);

    read_credentials(a.credentials, o);
    return o;
}

}  // namespace smtpauth::cli

// The one explicit table of mechanisms smtpauth implements, with what each needs and offers.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "smtpauth/sasl/mechanism.hpp"

namespace smtpauth::sasl {

struct MechanismTraits {
    bool client_first = true;  // has an initial response
    bool needs_user = true;
    bool needs_password = false;
    bool needs_token = false;      // OAuth bearer token
    bool reveals_secret = false;   // a sniffer learns the password/token (PLAIN, LOGIN, OAuth)
    bool verifies_server = false;  // mutual authentication (SCRAM)
    bool channel_binding = false;  // -PLUS
    bool standard = true;          // IANA-registered / RFC (false: CRAM-SHA1, CRAM-SHA256, XOAUTH2)
    // Run by the Cyrus libsasl2 client back end (make = a one-line wrapper around
    // make_cyrus_mechanism, smtpauth/sasl/cyrus.hpp); libsasl2 is loaded only when it runs.
    bool cyrus = false;
    bool historic = false;  // RFC 6331 (DIGEST-MD5) and the like: a note wherever it is shown
    // The credentials come from the environment (the Kerberos ticket of `kinit`), not from a
    // user name and a secret: a probe runs it without --user (GSSAPI, GS2-KRB5).
    bool ambient_credentials = false;
};

// What `smtpauth gen` takes for the mechanism beyond the user name and the secret.
struct GenTraits {
    // What the optional USER positional means.
    enum class Positional { user, authzid, trace };
    Positional positional = Positional::user;
    bool takes_authzid = false;    // --authzid
    bool takes_challenge = false;  // --challenge: the server's first message is data to answer
    bool takes_host_port = false;  // --host/--port
    bool takes_client_nonce = false;  // --client-nonce (SCRAM's nonce, DIGEST-MD5's cnonce)
    // SCRAM's steps: interactive, or stateless with --server-first/--server-final.
    bool server_steps = false;
    // Server messages gen answers on its own because the client ignores their content
    // (LOGIN's prompts); empty for the others.
    std::span<const std::string_view> canned_challenges{};
};

struct MechanismDecoder;  // the decoder's hooks (internal: src/sasl/mechanism_decoder.hpp)

using MechanismFactory = std::unique_ptr<Mechanism> (*)(Credentials credentials,
                                                        const MechanismOptions& options);

struct MechanismInfo {
    std::string_view name;         // canonical, upper case
    std::string_view description;  // one line for --help and reports
    MechanismTraits traits;
    int strength;           // higher is preferred when choosing automatically
    MechanismFactory make;  // throws Error{bad_input} when credentials are unusable
    GenTraits gen;
    const MechanismDecoder* decoder;  // explains and checks its messages (`decode`)
};

// Every mechanism, strongest first.
std::span<const MechanismInfo> mechanisms();

// Case-insensitive lookup; nullptr when unknown.
const MechanismInfo* find_mechanism(std::string_view name);

// RFC 4422 §3.1 name syntax: 1-20 of A-Z 0-9 - _ (upper case after normalisation).
bool is_valid_mechanism_name(std::string_view name);

}  // namespace smtpauth::sasl

// What `smtpauth gen` was asked to do, after parsing and validation, and the function that
// runs it (gen_run.cpp).
#pragma once

#include <optional>
#include <string>

#include "cli/gen_protocol_line.hpp"
#include "smtpauth/sasl/mechanism.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::cli {

struct GenRequest {
    const sasl::MechanismInfo* mechanism = nullptr;
    sasl::Credentials credentials;
    sasl::MechanismOptions options;
    std::optional<std::string> challenge;     // CRAM-*: --challenge (base64 or raw <...>)
    std::optional<std::string> server_first;  // SCRAM stateless form
    std::optional<std::string> server_final;
    bool scram_stateless = false;        // --client-nonce/--server-first/--server-final
    std::optional<LineProtocol> line;    // --line PROTO
    bool allow_initial_response = true;  // --no-initial-response clears it
    bool json = false;
};

// Runs the mechanism, prints the client messages on stdout (bare base64, protocol lines or
// JSON) and returns the exit status. Reads challenges from the options, the terminal or
// stdin. Throws smtpauth::Error on bad input.
int run_gen(GenRequest& request);

}  // namespace smtpauth::cli

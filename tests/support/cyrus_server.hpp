// Test support: Cyrus libsasl2 running in-process as an independent SASL *server* (sasldb
// auxprop in a temporary directory), so that our client mechanisms are checked by code we
// did not write. Only the tests link Cyrus; the library and the smtpauth binary never do.
#pragma once

#include <string>
#include <string_view>

#include "smtpauth/sasl/mechanism.hpp"

namespace smtpauth_test {

// What happened when a client mechanism talked to the Cyrus server.
struct CyrusOutcome {
    int result = 0;             // last Cyrus result: SASL_OK, SASL_BADAUTH, SASL_BADPROT, ...
    int challenges = 0;         // server messages passed to the client's step()
    bool success_data = false;  // SASL_OK carried additional data (SCRAM server-final)
    std::string client_error;   // what our client threw (smtpauth::Error), if it did
    std::string detail;         // sasl_errdetail() after a failure
};

// sasl_server_init() may run only once per process, so there is exactly one instance,
// created on first use: it makes a temporary sasldb, initialises Cyrus with a getopt
// callback (sasldb_path, pwcheck_method=auxprop, auxprop_plugin=sasldb, mech_list) and
// removes the directory at exit. Not thread-safe (the tests are single-threaded).
class CyrusServer {
  public:
    static CyrusServer& instance();

    // Creates or replaces a user (sasl_setpass with SASL_SET_CREATE); this also stores the
    // SCRAM secrets through the scram plugin. Throws std::runtime_error on failure.
    void set_password(std::string_view user, std::string_view password);

    // Runs `client` (fresh, not yet started) against a new Cyrus server connection for
    // `mech` and returns the outcome. At most 8 round trips. `success_data` lets Cyrus send
    // data with its success (SASL_SUCCESS_DATA), which reaches the client's finish().
    // `binding` (type + data), when given, is set on the server connection
    // (SASL_CHANNEL_BINDING) as the TLS layer would, which enables the -PLUS mechanisms.
    CyrusOutcome authenticate(std::string_view mech, smtpauth::sasl::Mechanism& client,
                              bool success_data = false,
                              const smtpauth::sasl::ChannelBinding* binding = nullptr);

    // Mechanisms this server was configured with, space separated.
    static constexpr std::string_view mech_list =
        "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 SCRAM-SHA-1-PLUS SCRAM-SHA-256-PLUS "
        "DIGEST-MD5 NTLM";

    CyrusServer(const CyrusServer&) = delete;
    CyrusServer& operator=(const CyrusServer&) = delete;

  private:
    CyrusServer();
    ~CyrusServer();
    std::string dir_;
    std::string db_path_;
};

// "SASL_OK", "SASL_BADAUTH", ... for readable assertion output.
std::string cyrus_result_name(int code);

}  // namespace smtpauth_test

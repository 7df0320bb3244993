// The Cyrus libsasl2 client back end behind the Mechanism interface: mechanisms smtpauth does
// not implement itself (NTLM, GSSAPI, ...) and `--backend cyrus` cross-checks of native ones.
// libsasl2 is loaded at run time, on first use; nothing here exposes Cyrus types.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "smtpauth/sasl/mechanism.hpp"

namespace smtpauth::sasl {

// Runs `mechanism` through Cyrus's client (sasl_client_new/start/step). The credentials reach
// Cyrus through callbacks (user, authzid, password, realm); options.service and
// credentials.host name the server (digest-uri, Kerberos service principal). Nothing is sent
// before initial_response(): the Cyrus conversation starts there.
// Throws Error{mechanism_unavailable} when libsasl2 or the mechanism's plugin is missing
// (naming the Debian package), Error{bad_input} for unusable credentials.
std::unique_ptr<Mechanism> make_cyrus_mechanism(std::string_view mechanism, Credentials credentials,
                                                const MechanismOptions& options);

// What the installed Cyrus offers to clients (loads libsasl2).
struct CyrusInventory {
    bool available = false;               // libsasl2 loaded and initialised
    std::string problem;                  // why not, when !available
    std::string version;                  // e.g. "Cyrus SASL 2.1.28"
    std::vector<std::string> mechanisms;  // client mechanisms of the installed plugins
};
CyrusInventory cyrus_inventory();

// Whether the installed Cyrus has a client plugin for `mechanism` (loads libsasl2; false when
// it cannot be loaded).
bool cyrus_has_mechanism(std::string_view mechanism);

// The Debian package whose Cyrus plugin provides `mechanism` ("libsasl2-modules",
// "libsasl2-modules-gssapi-mit", ...), "" when no Debian package does.
std::string_view cyrus_package(std::string_view mechanism);

// Every mechanism name some Debian Cyrus plugin package provides, in a stable order.
std::vector<std::string_view> cyrus_known_mechanisms();

// Whether libsasl2 has been loaded in this process (it is only on the paths that need it).
bool cyrus_loaded() noexcept;

}  // namespace smtpauth::sasl

// Every mechanism name smtpauth knows (its table, the decoder's, the Cyrus plugins') with
// what each command can do with it, who runs it and its security caveats: `smtpauth mechs`,
// and the same facts in probe's mechanism list and --mech errors.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace smtpauth::sasl {

struct MechanismFacts {
    std::string name;
    std::string description;  // "" for a name only a Cyrus plugin knows
    bool gen = false;         // `smtpauth gen` makes its messages
    bool probe = false;       // `smtpauth probe --mech` runs it
    bool decode = false;      // `smtpauth decode` explains its messages
    bool check = false;       // `decode --check-password` checks them
    // "native" (smtpauth's code), "cyrus" (the Cyrus back end), "" (smtpauth cannot run it).
    std::string backend;
    std::string cyrus_package;  // Debian package of its Cyrus plugin, "" when none
    // Whether that plugin is installed; nullopt when libsasl2 could not be asked.
    std::optional<bool> cyrus_installed;
    std::vector<std::string> security;  // short notes: plaintext-equivalent, historic, ...
};

struct MechanismCatalogue {
    std::vector<MechanismFacts> mechanisms;  // the table's order, then the others by name
    bool cyrus_available = false;            // libsasl2 loaded (when it was asked)
    std::string cyrus_version;
    std::string cyrus_problem;  // why it is not available
};

// With `ask_cyrus`, loads libsasl2 to see which plugins are installed.
MechanismCatalogue mechanism_catalogue(bool ask_cyrus);

}  // namespace smtpauth::sasl

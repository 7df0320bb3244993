// Rendering of `smtpauth mechs`: a table for people and JSON (schema_version 1, man smtpauth).
#pragma once

#include <string>

#include "smtpauth/sasl/catalogue.hpp"

namespace smtpauth::render {

// The table: one line per mechanism, then the Cyrus status and a legend. Ends with '\n'.
std::string mechs_text(const sasl::MechanismCatalogue& catalogue);

// One JSON object followed by '\n'.
std::string mechs_json(const sasl::MechanismCatalogue& catalogue);

}  // namespace smtpauth::render

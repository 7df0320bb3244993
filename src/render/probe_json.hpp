// The probe report as a JSON value (schema_version 2), for renderers that embed or reshape it
// (probe --json prints it indented; --json-lines prints it on one line with the input line).
#pragma once

#include <nlohmann/json.hpp>

#include "smtpauth/render.hpp"

namespace smtpauth::render {

nlohmann::json probe_json_object(const probe::ProbeReport& report, const RenderOptions& opts);

}  // namespace smtpauth::render

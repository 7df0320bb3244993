// The probe report's own resources: its copy of the transcript holds the secret lines (the
// PLAIN initial response is the password), wiped like the session's Transcript.
#include "smtpauth/probe.hpp"

namespace smtpauth::probe {

ProbeReport::~ProbeReport() {
    wipe_secret_lines(transcript);
}

}  // namespace smtpauth::probe

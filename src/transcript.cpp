// Transcript recording (timestamps relative to the start of the session).
#include "smtpauth/transcript.hpp"

#include "smtpauth/secret.hpp"

namespace smtpauth {

void wipe_secret_lines(std::vector<TranscriptEvent>& events) noexcept {
    for (auto& e : events)
        if (e.sensitivity == Sensitivity::secret) wipe_string(e.text);
}

Transcript::~Transcript() {
    wipe_secret_lines(events_);
}

void Transcript::add(Direction d, std::string text, Sensitivity s, std::string redacted) {
    TranscriptEvent e;
    e.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start_);
    e.direction = d;
    e.text = std::move(text);
    e.sensitivity = s;
    e.redacted = std::move(redacted);
    e.before_tls = before_tls_;
    events_.push_back(std::move(e));
    if (listener_) listener_(events_.back());
}

}  // namespace smtpauth

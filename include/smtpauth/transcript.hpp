// Transcript: what crossed the wire, in order, with the sensitivity of every line.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace smtpauth {

enum class Direction {
    client,  // C: a line we sent
    server,  // S: a line we received
    info,    // *: a local event (connected, TLS established, ...), never wire bytes
};

enum class Sensitivity {
    none,
    secret,  // carries a password, token, or something that allows offline guessing
};

struct TranscriptEvent {
    std::chrono::milliseconds elapsed{0};  // since the start of the probe
    Direction direction = Direction::info;
    std::string text;  // the line without CRLF, raw (renderers escape and redact)
    Sensitivity sensitivity = Sensitivity::none;
    // For secret client lines, a redacted form chosen by the writer that knows the
    // syntax, e.g. "AUTH PLAIN <redacted 24 bytes of base64>"; empty = redact all.
    std::string redacted;
    bool before_tls = false;  // received in cleartext before a TLS upgrade
};

// Wipes the text of the secret lines (a copy of a transcript kept after the session).
void wipe_secret_lines(std::vector<TranscriptEvent>& events) noexcept;

class Transcript {
  public:
    Transcript() : start_(std::chrono::steady_clock::now()) {}
    ~Transcript();  // wipes the text of secret lines
    Transcript(Transcript&&) = default;
    Transcript& operator=(Transcript&&) = default;
    void add(Direction d, std::string text, Sensitivity s = Sensitivity::none,
             std::string redacted = {});
    void set_before_tls(bool v) { before_tls_ = v; }
    // Called with every event as it is added (session prints the conversation live).
    void set_listener(std::function<void(const TranscriptEvent&)> listener) {
        listener_ = std::move(listener);
    }
    const std::vector<TranscriptEvent>& events() const { return events_; }
    std::chrono::steady_clock::time_point start() const { return start_; }

  private:
    std::chrono::steady_clock::time_point start_;
    std::vector<TranscriptEvent> events_;
    bool before_tls_ = false;
    std::function<void(const TranscriptEvent&)> listener_;
};

}  // namespace smtpauth

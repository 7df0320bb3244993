// Deadlines: every blocking network call takes one, so nothing can wait forever.
#pragma once

#include <algorithm>
#include <chrono>

namespace smtpauth::net {

using Clock = std::chrono::steady_clock;

class Deadline {
public:
    explicit Deadline(Clock::time_point at) : at_(at) {}
    static Deadline after(std::chrono::milliseconds d) { return Deadline(Clock::now() + d); }
    // The earlier of two deadlines (a per-step timeout inside the whole-probe budget).
    static Deadline earliest(Deadline a, Deadline b) { return Deadline(std::min(a.at_, b.at_)); }

    Clock::time_point at() const { return at_; }
    bool expired() const { return Clock::now() >= at_; }
    // Milliseconds left, never negative; suitable for poll().
    int remaining_ms() const {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at_ - Clock::now());
        return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 1 << 30));
    }

private:
    Clock::time_point at_;
};

}  // namespace smtpauth::net

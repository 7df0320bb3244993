// Secret: a password or bearer token that is wiped from memory when it is destroyed.
#pragma once

#include <string>
#include <string_view>

namespace smtpauth {

// Owns secret bytes. No stream operator and no implicit conversion: reveal() is the only way
// in, so every use of the secret is visible in the code. Copies are explicit (clone()).
class Secret {
public:
    Secret() = default;
    explicit Secret(std::string value) noexcept : value_(std::move(value)) {}
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
    Secret(Secret&& other) noexcept;
    Secret& operator=(Secret&& other) noexcept;
    ~Secret();

    std::string_view reveal() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }
    std::size_t size() const noexcept { return value_.size(); }
    Secret clone() const { return Secret(value_); }
    void wipe() noexcept;

private:
    std::string value_;
};

// Overwrites a string's bytes (including spare capacity) before it is released.
void wipe_string(std::string& s) noexcept;

}  // namespace smtpauth

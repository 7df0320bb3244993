// Secret wiping with OPENSSL_cleanse, which the compiler may not optimise away.
#include "smtpauth/secret.hpp"

#include <openssl/crypto.h>

namespace smtpauth {

void wipe_string(std::string& s) noexcept {
    if (s.capacity() > 0) OPENSSL_cleanse(s.data(), s.capacity());
    s.clear();
}

Secret::Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }

Secret& Secret::operator=(Secret&& other) noexcept {
    if (this != &other) {
        wipe();
        value_ = std::move(other.value_);
        other.wipe();
    }
    return *this;
}

Secret::~Secret() { wipe(); }

void Secret::wipe() noexcept { wipe_string(value_); }

}  // namespace smtpauth

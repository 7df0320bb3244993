// Redaction of decode output beyond SASL fields: a known password in any text, and short
// excerpts of input lines the decoder did not understand (issue: never echo a secret).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "smtpauth/secret.hpp"

namespace smtpauth::render::decode_detail {

class TextMasker {
  public:
    // `known`: the password the user gave (--check-password...), or null. With `show`
    // (--show-secrets) nothing is masked.
    TextMasker(const Secret* known, bool show);
    TextMasker(const TextMasker&) = delete;
    TextMasker& operator=(const TextMasker&) = delete;
    ~TextMasker();

    // `text` with every occurrence of the known password, its base64 (standard and URL
    // alphabets), URL-encoded and hex forms replaced by a hidden marker. Not escaped.
    std::string mask(std::string_view text) const;

    // A short excerpt of a line that was not understood: masked as above, cut after a
    // credential keyword ("pass", "secret", "token", "authorization"...), long base64 or hex
    // runs shortened, at most 72 characters. Not escaped.
    std::string excerpt(std::string_view raw) const;

  private:
    std::string mask_with(std::string_view text, std::string_view marker) const;

    std::vector<std::string> forms_;  // wiped on destruction
    bool show_;
};

}  // namespace smtpauth::render::decode_detail

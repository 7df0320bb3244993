// Redaction of decode output beyond SASL fields (known password forms, raw line excerpts).
#include "render/decode_mask.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "smtpauth/codec.hpp"

namespace smtpauth::render::decode_detail {

namespace {

constexpr std::size_t kExcerptMax = 72;
constexpr std::size_t kLongRun = 20;

// RFC 3986 §2.3 unreserved characters stay, the rest is %XX (what curl and browsers do).
std::string url_encode(std::string_view s, bool plus_for_space) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else if (c == ' ' && plus_for_space) {
            out += '+';
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 15];
        }
    }
    return out;
}

std::string base64url(std::string s) {
    for (char& c : s) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    while (!s.empty() && s.back() == '=') s.pop_back();
    return s;
}

bool is_run_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
}

// Base64 or hex looks like a mix of letters and digits; a long word of letters ("ENHANCED-
// STATUSCODES") is text.
bool looks_encoded(std::string_view run) {
    bool digit = std::any_of(run.begin(), run.end(),
                             [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    bool alpha = std::any_of(run.begin(), run.end(),
                             [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
    return digit && alpha;
}

std::string shorten_runs(std::string_view s) {
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
        if (!is_run_char(s[i])) {
            out += s[i++];
            continue;
        }
        std::size_t j = i;
        while (j < s.size() && is_run_char(s[j])) ++j;
        std::string_view run = s.substr(i, j - i);
        if (run.size() >= kLongRun && looks_encoded(run))
            out += std::string(run.substr(0, 4)) + "...[" + std::to_string(run.size()) + " chars]";
        else
            out += run;
        i = j;
    }
    return out;
}

// Keywords after which a line usually carries a credential: everything after the keyword
// and its separators is hidden.
constexpr std::array<std::string_view, 9> kCredentialKeywords{
    "pass",   "secret", "token",   "authorization", "bearer",
    "basic ", "apikey", "api_key", "credential"};

std::size_t find_icase(std::string_view hay, std::string_view needle) {
    if (needle.size() > hay.size()) return std::string_view::npos;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
        bool ok = true;
        for (std::size_t k = 0; k < needle.size() && ok; ++k)
            ok = std::tolower(static_cast<unsigned char>(hay[i + k])) ==
                 std::tolower(static_cast<unsigned char>(needle[k]));
        if (ok) return i;
    }
    return std::string_view::npos;
}

}  // namespace

TextMasker::TextMasker(const Secret* known, bool show) : show_(show) {
    if (!known || show) return;
    std::string pw(known->reveal());
    if (pw.empty()) return;
    std::string b64 = codec::base64_encode(pw);
    forms_ = {pw,
              b64,
              base64url(b64),
              url_encode(pw, false),
              url_encode(pw, true),
              codec::hex_encode(pw)};
    std::string hex_upper = forms_.back();
    for (char& c : hex_upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    forms_.push_back(std::move(hex_upper));
    wipe_string(pw);
    // Longest first, so that a form containing another is replaced whole.
    std::sort(forms_.begin(), forms_.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    forms_.erase(std::unique(forms_.begin(), forms_.end()), forms_.end());
}

TextMasker::~TextMasker() {
    for (auto& f : forms_) wipe_string(f);
}

namespace {
constexpr std::string_view kKnownMarker = "<hidden: the password; --show-secrets to show>";
// Stands for kKnownMarker while an excerpt is cut, so that the marker's own words are not
// taken for a credential keyword.
constexpr std::string_view kPlaceholder = "\x01\x02\x01";
}  // namespace

std::string TextMasker::mask(std::string_view text) const {
    return mask_with(text, kKnownMarker);
}

std::string TextMasker::mask_with(std::string_view text, std::string_view marker) const {
    if (forms_.empty()) return std::string(text);
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        bool hit = false;
        for (const auto& f : forms_) {
            if (text.substr(i, f.size()) == f) {
                out += marker;
                i += f.size();
                hit = true;
                break;
            }
        }
        if (!hit) out += text[i++];
    }
    return out;
}

std::string TextMasker::excerpt(std::string_view raw) const {
    if (show_) return std::string(raw);
    std::string text = mask_with(raw, kPlaceholder);
    for (auto kw : kCredentialKeywords) {
        auto at = find_icase(text, kw);
        if (at == std::string::npos) continue;
        std::size_t end = at + kw.size();
        while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
        while (end < text.size() &&
               std::string_view(" \t=:\"'").find(text[end]) != std::string_view::npos)
            ++end;
        if (end < text.size()) {
            text = text.substr(0, end) + "<hidden; --show-secrets to show>";
            break;
        }
    }
    text = shorten_runs(text);
    if (text.size() > kExcerptMax) text = text.substr(0, kExcerptMax) + "...";
    std::string out;
    for (std::size_t at = 0;;) {
        auto hit = text.find(kPlaceholder, at);
        out += text.substr(at, hit == std::string::npos ? hit : hit - at);
        if (hit == std::string::npos) break;
        out += kKnownMarker;
        at = hit + kPlaceholder.size();
    }
    return out;
}

}  // namespace smtpauth::render::decode_detail

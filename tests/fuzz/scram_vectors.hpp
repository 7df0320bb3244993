// The RFC 5802 §5 and RFC 7677 §3 SCRAM example exchanges, for fuzz targets that must tell
// a genuinely verified server (the RFC's own messages, user "user", password "pencil") from
// a forged one: with these credentials and client nonces, only the RFC's server-first and
// v= can verify.
#pragma once

#include <string_view>

namespace fuzz {

struct ScramVector {
    std::string_view mechanism;
    std::string_view client_nonce;
    std::string_view server_first;
    std::string_view verifier;  // "v=..." of the server-final
};

inline constexpr ScramVector kScramVectors[] = {
    {"SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL",
     "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
     "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="},
    {"SCRAM-SHA-256", "rOprNGfwEbeRWgbNEkqO",
     "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
     "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="},
};

inline constexpr std::string_view kScramUser = "user";
inline constexpr std::string_view kScramPassword = "pencil";

// The client nonce to use for `mechanism` (the RFC's, so the vectors apply).
inline std::string_view scram_client_nonce(std::string_view mechanism) {
    for (const auto& v : kScramVectors)
        if (v.mechanism == mechanism) return v.client_nonce;
    return "fyko+d2lbbFgONRv9qkxdawL";
}

// True when `server_final` is the RFC verifier, alone or followed by extensions.
inline bool is_rfc_verifier(std::string_view mechanism, std::string_view server_first,
                            std::string_view server_final) {
    for (const auto& v : kScramVectors) {
        if (v.mechanism != mechanism || server_first != v.server_first) continue;
        if (server_final.substr(0, v.verifier.size()) != v.verifier) return false;
        return server_final.size() == v.verifier.size() || server_final[v.verifier.size()] == ',';
    }
    return false;
}

}  // namespace fuzz

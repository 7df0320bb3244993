// Parser for the three NTLM messages (MS-NLMP §2.2.1.1 NEGOTIATE, §2.2.1.2 CHALLENGE,
// §2.2.1.3 AUTHENTICATE) and their structures (§2.2.2.1 AV_PAIR, §2.2.2.5 flags, §2.2.2.7
// NTLMv2_CLIENT_CHALLENGE, §2.2.2.10 VERSION). Pure code: it never reads outside its input and
// never throws on malformed content; what is wrong is listed in `problems`, so that `decode`
// can explain a hostile message instead of refusing it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpauth/bytes.hpp"

namespace smtpauth::sasl::ntlm {

inline constexpr std::string_view kSignature{"NTLMSSP\0", 8};

// NegotiateFlags bits used by the parser and the explanation (MS-NLMP §2.2.2.5).
inline constexpr std::uint32_t kNegotiateUnicode = 0x00000001;
inline constexpr std::uint32_t kNegotiateOemDomainSupplied = 0x00001000;
inline constexpr std::uint32_t kNegotiateOemWorkstationSupplied = 0x00002000;
inline constexpr std::uint32_t kNegotiateExtendedSessionSecurity = 0x00080000;
inline constexpr std::uint32_t kNegotiateTargetInfo = 0x00800000;
inline constexpr std::uint32_t kNegotiateVersion = 0x02000000;

// AV_PAIR AvId values (MS-NLMP §2.2.2.1).
inline constexpr std::uint16_t kAvEol = 0;
inline constexpr std::uint16_t kAvFlags = 6;
inline constexpr std::uint16_t kAvTimestamp = 7;

// At most this many AV pairs are kept per list; a longer list is noted (a 64 KiB message
// could otherwise hold 16384 empty pairs).
inline constexpr std::size_t kMaxAvPairs = 64;

struct Version {
    std::uint8_t major = 0;
    std::uint8_t minor = 0;
    std::uint16_t build = 0;
    std::uint8_t revision = 0;  // NTLMRevisionCurrent (15 = NTLMSSP_REVISION_W2K3)
};

struct AvPair {
    std::uint16_t id = 0;
    Bytes value;
};

struct AvList {
    std::vector<AvPair> pairs;  // MsvAvEOL not included
    bool terminated = false;    // MsvAvEOL was found
    bool overrun = false;       // a pair (or a pair header) runs past the end of the list
    std::vector<std::string> problems;
};

// A message's content. Optional members are absent when the message has no such field or
// when the field points outside the message (then `problems` says so).
struct Message {
    std::uint32_t type = 0;  // 1 NEGOTIATE, 2 CHALLENGE, 3 AUTHENTICATE
    std::optional<std::uint32_t> flags;
    std::optional<Version> version;
    // NEGOTIATE (always OEM) and AUTHENTICATE (Unicode or OEM per the flags).
    std::optional<Bytes> domain;
    std::optional<Bytes> workstation;
    // CHALLENGE
    std::optional<Bytes> target_name;
    std::optional<Bytes> server_challenge;  // 8 bytes
    std::optional<Bytes> target_info;       // the raw AV_PAIR list
    // AUTHENTICATE
    std::optional<Bytes> lm_response;
    std::optional<Bytes> nt_response;
    std::optional<Bytes> user;
    std::optional<Bytes> session_key;  // EncryptedRandomSessionKey
    std::optional<Bytes> mic;
    std::vector<std::string> problems;
};

// nullopt when `data` does not start with the NTLMSSP signature.
std::optional<Message> parse(BytesView data);

// An AV_PAIR list (target info of a CHALLENGE, or the pairs of an NTLMv2 response).
// `eol_tail_ok`: bytes after MsvAvEOL are expected (the NTLMv2 blob ends with 4 zero bytes).
AvList parse_av_pairs(BytesView data, bool eol_tail_ok = false);

// NTLMv2 response (MS-NLMP §2.2.2.8): NTProofStr(16) followed by NTLMv2_CLIENT_CHALLENGE.
struct V2Response {
    Bytes proof;  // NTProofStr
    Bytes blob;   // everything after NTProofStr: what NTProofStr was computed over
    std::uint8_t resp_type = 0;
    std::uint8_t hi_resp_type = 0;
    std::uint64_t timestamp = 0;  // FILETIME
    Bytes client_challenge;       // 8 bytes
    AvList pairs;
};

// An NtChallengeResponse longer than 24 bytes read as NTLMv2; nullopt when too short for one.
std::optional<V2Response> parse_v2_response(BytesView nt_response);

// "NEGOTIATE_UNICODE REQUEST_TARGET ...": MS-NLMP's NTLMSSP_* names without the prefix;
// reserved bits as "reserved(0x...)".
std::string flag_names(std::uint32_t flags);
// "MsvAvNbComputerName", ...; unknown ids as "AvId(N)".
std::string av_id_name(std::uint16_t id);
// A FILETIME (100 ns since 1601-01-01) as "YYYY-MM-DD HH:MM:SS UTC"; nullopt when out of range.
std::optional<std::string> filetime_utc(std::uint64_t filetime);

// UTF-16LE to UTF-8; unpaired surrogates and an odd trailing byte become U+FFFD and set
// *clean to false.
std::string utf16le_to_utf8(BytesView data, bool* clean = nullptr);
// UTF-8 to UTF-16LE; nullopt when `text` is not UTF-8.
std::optional<Bytes> utf8_to_utf16le(std::string_view text);
// OEM bytes (code page unknown) widened to UTF-16LE as Latin-1.
Bytes oem_to_utf16le(BytesView oem);

std::uint16_t read_u16(BytesView data, std::size_t at);
std::uint32_t read_u32(BytesView data, std::size_t at);
std::uint64_t read_u64(BytesView data, std::size_t at);

}  // namespace smtpauth::sasl::ntlm

// Parser for NTLM messages (MS-NLMP §2.2.1, §2.2.2): bounds-checked reads of the fixed
// headers and of the payload fields they point to; problems are listed, never thrown.
#include "sasl/ntlm_message.hpp"

#include <time.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace smtpauth::sasl::ntlm {

std::uint16_t read_u16(BytesView data, std::size_t at) {
    return static_cast<std::uint16_t>(static_cast<unsigned char>(data[at]) |
                                      (static_cast<unsigned char>(data[at + 1]) << 8));
}

std::uint32_t read_u32(BytesView data, std::size_t at) {
    return static_cast<std::uint32_t>(read_u16(data, at)) |
           (static_cast<std::uint32_t>(read_u16(data, at + 2)) << 16);
}

std::uint64_t read_u64(BytesView data, std::size_t at) {
    return static_cast<std::uint64_t>(read_u32(data, at)) |
           (static_cast<std::uint64_t>(read_u32(data, at + 4)) << 32);
}

namespace {

// Offsets of the fixed parts (MS-NLMP §2.2.1.1-3).
constexpr std::size_t kTypeAt = 8;
constexpr std::size_t kHeaderSize = 12;

// The smallest sizes real implementations send: NEGOTIATE with flags only (old clients),
// CHALLENGE without Reserved/TargetInfoFields (NT 4), AUTHENTICATE without session key and
// flags (Windows 9x).
constexpr std::size_t kMinNegotiate = 16;
constexpr std::size_t kMinChallenge = 32;
constexpr std::size_t kMinAuthenticate = 52;

// A "...Fields" structure: Len(2) MaxLen(2) BufferOffset(4) (MS-NLMP §2.2.1.1).
struct FieldRef {
    std::uint16_t length = 0;
    std::uint32_t offset = 0;
};

class Reader {
  public:
    Reader(BytesView data, Message& msg) : data_(data), msg_(msg) {}

    // The field header at `at`, nullopt (with a problem) when the message is too short.
    std::optional<FieldRef> header(std::size_t at, std::string_view name) {
        if (at + 8 > data_.size()) {
            problem(std::string(name) + ": its length/offset header at byte " + std::to_string(at) +
                    " is missing (the message has " + std::to_string(data_.size()) + " bytes)");
            return std::nullopt;
        }
        FieldRef ref{read_u16(data_, at), read_u32(data_, at + 4)};
        if (ref.length > 0) min_offset_ = std::min<std::uint64_t>(min_offset_, ref.offset);
        return ref;
    }

    // The payload a header points to, nullopt (with a problem) when it is outside.
    std::optional<Bytes> payload(const std::optional<FieldRef>& ref, std::string_view name) {
        if (!ref) return std::nullopt;
        if (ref->length == 0) return Bytes{};
        const std::uint64_t end = std::uint64_t{ref->offset} + ref->length;
        if (end > data_.size()) {
            problem(std::string(name) + ": offset " + std::to_string(ref->offset) + " + length " +
                    std::to_string(ref->length) + " points past the end of the " +
                    std::to_string(data_.size()) + "-byte message");
            return std::nullopt;
        }
        if (ref->offset < kHeaderSize)
            problem(std::string(name) + ": offset " + std::to_string(ref->offset) +
                    " points into the message header");
        return Bytes(data_.substr(ref->offset, ref->length));
    }

    std::optional<Bytes> field(std::size_t at, std::string_view name) {
        return payload(header(at, name), name);
    }

    // The optional fixed part [at, at+size) is there when the message is long enough and no
    // payload starts before its end.
    bool fixed_part_present(std::size_t at, std::size_t size) const {
        return at + size <= data_.size() && min_offset_ >= at + size;
    }

    void problem(std::string text) { msg_.problems.push_back(std::move(text)); }

  private:
    BytesView data_;
    Message& msg_;
    std::uint64_t min_offset_ = UINT64_MAX;
};

Version read_version(BytesView data, std::size_t at) {
    Version v;
    v.major = static_cast<std::uint8_t>(data[at]);
    v.minor = static_cast<std::uint8_t>(data[at + 1]);
    v.build = read_u16(data, at + 2);
    v.revision = static_cast<std::uint8_t>(data[at + 7]);
    return v;
}

// NEGOTIATE: Signature Type Flags DomainNameFields WorkstationFields [Version] Payload
void parse_negotiate(BytesView data, Message& msg) {
    Reader r(data, msg);
    if (data.size() < kMinNegotiate) {
        r.problem("NEGOTIATE is " + std::to_string(data.size()) +
                  " bytes, shorter than its 16-byte minimum (no flags)");
        return;
    }
    msg.flags = read_u32(data, 12);
    if (data.size() < 32) return;  // old clients stop after the flags
    auto domain = r.header(16, "domain");
    auto workstation = r.header(24, "workstation");
    if (*msg.flags & kNegotiateVersion && r.fixed_part_present(32, 8))
        msg.version = read_version(data, 32);
    // The names are there only when the client says so (and are OEM text).
    if (*msg.flags & kNegotiateOemDomainSupplied) msg.domain = r.payload(domain, "domain");
    if (*msg.flags & kNegotiateOemWorkstationSupplied)
        msg.workstation = r.payload(workstation, "workstation");
}

// CHALLENGE: Signature Type TargetNameFields Flags ServerChallenge Reserved
//            TargetInfoFields [Version] Payload
void parse_challenge(BytesView data, Message& msg) {
    Reader r(data, msg);
    if (data.size() < kMinChallenge) {
        r.problem("CHALLENGE is " + std::to_string(data.size()) +
                  " bytes, shorter than its 32-byte minimum (no server challenge)");
        return;
    }
    auto target_name = r.header(12, "target name");
    msg.flags = read_u32(data, 20);
    msg.server_challenge = Bytes(data.substr(24, 8));
    std::optional<FieldRef> target_info;
    if (data.size() >= 48) target_info = r.header(40, "target info");
    if (*msg.flags & kNegotiateVersion && r.fixed_part_present(48, 8))
        msg.version = read_version(data, 48);
    msg.target_name = r.payload(target_name, "target name");
    // An empty TargetInfoFields (Cyrus's server sends one) means no target info.
    if (target_info && target_info->length > 0)
        msg.target_info = r.payload(target_info, "target info");
    if (*msg.flags & kNegotiateTargetInfo && !target_info)
        r.problem("the flags announce target info, but the message has no TargetInfoFields");
}

// AUTHENTICATE: Signature Type LmChallengeResponseFields NtChallengeResponseFields
//   DomainNameFields UserNameFields WorkstationFields EncryptedRandomSessionKeyFields
//   Flags [Version] [MIC] Payload
void parse_authenticate(BytesView data, Message& msg) {
    Reader r(data, msg);
    if (data.size() < kMinAuthenticate) {
        r.problem("AUTHENTICATE is " + std::to_string(data.size()) +
                  " bytes, shorter than its 52-byte minimum");
        return;
    }
    auto lm = r.header(12, "LM response");
    auto nt = r.header(20, "NT response");
    auto domain = r.header(28, "domain");
    auto user = r.header(36, "user");
    auto workstation = r.header(44, "workstation");
    std::optional<FieldRef> session_key;
    if (data.size() >= 64) {
        session_key = r.header(52, "session key");
        msg.flags = read_u32(data, 60);
    }
    if (msg.flags && *msg.flags & kNegotiateVersion && r.fixed_part_present(64, 8))
        msg.version = read_version(data, 64);
    // The MIC has no flag of its own: it is there when the payload starts after it.
    if (msg.flags && r.fixed_part_present(72, 16)) msg.mic = Bytes(data.substr(72, 16));
    msg.lm_response = r.payload(lm, "LM response");
    msg.nt_response = r.payload(nt, "NT response");
    msg.domain = r.payload(domain, "domain");
    msg.user = r.payload(user, "user");
    msg.workstation = r.payload(workstation, "workstation");
    if (session_key) msg.session_key = r.payload(session_key, "session key");
}

}  // namespace

std::optional<Message> parse(BytesView data) {
    if (!data.starts_with(kSignature)) return std::nullopt;
    Message msg;
    if (data.size() < kHeaderSize) {
        msg.problems.push_back("the message ends after the signature (no message type)");
        return msg;
    }
    msg.type = read_u32(data, kTypeAt);
    switch (msg.type) {
        case 1:
            parse_negotiate(data, msg);
            break;
        case 2:
            parse_challenge(data, msg);
            break;
        case 3:
            parse_authenticate(data, msg);
            break;
        default:
            msg.problems.push_back("unknown message type " + std::to_string(msg.type) +
                                   " (1, 2 and 3 exist)");
    }
    return msg;
}

// AV_PAIR = AvId(2) AvLen(2) Value(AvLen); the list ends with MsvAvEOL (AvId 0, AvLen 0).
AvList parse_av_pairs(BytesView data, bool eol_tail_ok) {
    AvList list;
    std::size_t at = 0;
    std::size_t dropped = 0;
    const auto note_dropped = [&] {
        if (dropped > 0)
            list.problems.push_back(std::to_string(dropped) + " more AV pairs not shown (over " +
                                    std::to_string(kMaxAvPairs) + ")");
    };
    while (at < data.size()) {
        if (data.size() - at < 4) {
            note_dropped();
            list.overrun = true;
            list.problems.push_back(std::to_string(data.size() - at) +
                                    " stray bytes where an AV pair header (4 bytes) should be");
            return list;
        }
        const std::uint16_t id = read_u16(data, at);
        const std::uint16_t len = read_u16(data, at + 2);
        if (len > data.size() - at - 4) {
            note_dropped();
            list.overrun = true;
            list.problems.push_back(av_id_name(id) + " claims " + std::to_string(len) +
                                    " bytes, but only " + std::to_string(data.size() - at - 4) +
                                    " remain: the AV pair list overruns its field");
            return list;
        }
        if (id == kAvEol) {
            note_dropped();
            list.terminated = true;
            if (len != 0)
                list.problems.push_back("MsvAvEOL has length " + std::to_string(len) +
                                        " (must be 0)");
            const std::size_t tail = data.size() - at - 4 - len;
            if (tail > 0 && !eol_tail_ok)
                list.problems.push_back(std::to_string(tail) + " bytes after MsvAvEOL");
            return list;
        }
        if (list.pairs.size() < kMaxAvPairs)
            list.pairs.push_back({id, Bytes(data.substr(at + 4, len))});
        else
            ++dropped;
        at += 4 + std::size_t{len};
    }
    note_dropped();
    list.problems.push_back("the AV pair list ends without MsvAvEOL");
    return list;
}

// NTLMv2_RESPONSE = NTProofStr(16) NTLMv2_CLIENT_CHALLENGE, where the client challenge is
// RespType(1)=1 HiRespType(1)=1 Reserved1(2) Reserved2(4) TimeStamp(8) ChallengeFromClient(8)
// Reserved3(4) AvPairs (MS-NLMP §2.2.2.7).
std::optional<V2Response> parse_v2_response(BytesView nt) {
    constexpr std::size_t kFixed = 16 + 28;
    if (nt.size() < kFixed) return std::nullopt;
    V2Response v;
    v.proof = Bytes(nt.substr(0, 16));
    v.blob = Bytes(nt.substr(16));
    v.resp_type = static_cast<std::uint8_t>(nt[16]);
    v.hi_resp_type = static_cast<std::uint8_t>(nt[17]);
    v.timestamp = read_u64(nt, 24);
    v.client_challenge = Bytes(nt.substr(32, 8));
    v.pairs = parse_av_pairs(nt.substr(kFixed), true);
    return v;
}

std::string flag_names(std::uint32_t flags) {
    // Bit 0 first (MS-NLMP §2.2.2.5 lists them from bit 31 down as W ... A).
    static constexpr std::array<std::string_view, 32> kNames{
        "NEGOTIATE_UNICODE",
        "NEGOTIATE_OEM",
        "REQUEST_TARGET",
        "",
        "NEGOTIATE_SIGN",
        "NEGOTIATE_SEAL",
        "NEGOTIATE_DATAGRAM",
        "NEGOTIATE_LM_KEY",
        "",
        "NEGOTIATE_NTLM",
        "",
        "NEGOTIATE_ANONYMOUS",
        "NEGOTIATE_OEM_DOMAIN_SUPPLIED",
        "NEGOTIATE_OEM_WORKSTATION_SUPPLIED",
        "",
        "NEGOTIATE_ALWAYS_SIGN",
        "TARGET_TYPE_DOMAIN",
        "TARGET_TYPE_SERVER",
        "",
        "NEGOTIATE_EXTENDED_SESSIONSECURITY",
        "NEGOTIATE_IDENTIFY",
        "",
        "REQUEST_NON_NT_SESSION_KEY",
        "NEGOTIATE_TARGET_INFO",
        "",
        "NEGOTIATE_VERSION",
        "",
        "",
        "",
        "NEGOTIATE_128",
        "NEGOTIATE_KEY_EXCH",
        "NEGOTIATE_56",
    };
    std::string out;
    for (std::size_t bit = 0; bit < 32; ++bit) {
        const std::uint32_t mask = std::uint32_t{1} << bit;
        if (!(flags & mask)) continue;
        if (!out.empty()) out += ' ';
        if (!kNames[bit].empty()) {
            out += kNames[bit];
        } else {
            std::array<char, 24> buf{};
            std::snprintf(buf.data(), buf.size(), "reserved(0x%08x)", mask);
            out += buf.data();
        }
    }
    return out;
}

std::string av_id_name(std::uint16_t id) {
    static constexpr std::array<std::string_view, 11> kNames{
        "MsvAvEOL",           "MsvAvNbComputerName", "MsvAvNbDomainName",    "MsvAvDnsComputerName",
        "MsvAvDnsDomainName", "MsvAvDnsTreeName",    "MsvAvFlags",           "MsvAvTimestamp",
        "MsvAvSingleHost",    "MsvAvTargetName",     "MsvAvChannelBindings",
    };
    if (id < kNames.size()) return std::string(kNames[id]);
    return "AvId(" + std::to_string(id) + ")";
}

std::optional<std::string> filetime_utc(std::uint64_t filetime) {
    // 100 ns ticks from 1601-01-01 to 1970-01-01.
    constexpr std::uint64_t kEpochTicks = 116444736000000000ULL;
    constexpr std::uint64_t kTicksPerSecond = 10000000ULL;
    constexpr std::uint64_t kYear9999 = 253402300799ULL;
    if (filetime < kEpochTicks) return std::nullopt;
    const std::uint64_t seconds = (filetime - kEpochTicks) / kTicksPerSecond;
    if (seconds > kYear9999) return std::nullopt;
    const auto tt = static_cast<time_t>(seconds);
    struct tm tm_utc {};
    if (!gmtime_r(&tt, &tm_utc)) return std::nullopt;
    std::array<char, 40> buf{};
    std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02d %02d:%02d:%02d UTC",
                  tm_utc.tm_year + 1900, tm_utc.tm_mon + 1, tm_utc.tm_mday, tm_utc.tm_hour,
                  tm_utc.tm_min, tm_utc.tm_sec);
    return std::string(buf.data());
}

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

void append_utf16le(Bytes& out, std::uint32_t unit) {
    out += static_cast<char>(unit & 0xFF);
    out += static_cast<char>((unit >> 8) & 0xFF);
}

}  // namespace

std::string utf16le_to_utf8(BytesView data, bool* clean) {
    constexpr std::uint32_t kReplacement = 0xFFFD;
    std::string out;
    bool ok = true;
    std::size_t i = 0;
    for (; i + 1 < data.size(); i += 2) {
        std::uint32_t unit = read_u16(data, i);
        if (unit >= 0xD800 && unit <= 0xDBFF && i + 3 < data.size()) {
            const std::uint32_t low = read_u16(data, i + 2);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                append_utf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
                i += 2;
                continue;
            }
        }
        if (unit >= 0xD800 && unit <= 0xDFFF) {
            ok = false;
            unit = kReplacement;
        }
        append_utf8(out, unit);
    }
    if (i < data.size()) {
        ok = false;
        append_utf8(out, kReplacement);
    }
    if (clean) *clean = ok;
    return out;
}

std::optional<Bytes> utf8_to_utf16le(std::string_view text) {
    Bytes out;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b = static_cast<unsigned char>(text[i]);
        std::uint32_t cp = 0;
        std::size_t extra = 0;
        if (b < 0x80) {
            cp = b;
        } else if ((b & 0xE0) == 0xC0 && b >= 0xC2) {
            cp = b & 0x1Fu;
            extra = 1;
        } else if ((b & 0xF0) == 0xE0) {
            cp = b & 0x0Fu;
            extra = 2;
        } else if ((b & 0xF8) == 0xF0 && b <= 0xF4) {
            cp = b & 0x07u;
            extra = 3;
        } else {
            return std::nullopt;
        }
        if (i + extra >= text.size() && extra > 0) return std::nullopt;
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto c = static_cast<unsigned char>(text[i + k]);
            if ((c & 0xC0) != 0x80) return std::nullopt;
            cp = (cp << 6) | (c & 0x3Fu);
        }
        const bool overlong = (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000);
        if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
        if (cp >= 0x10000) {
            append_utf16le(out, 0xD800 + ((cp - 0x10000) >> 10));
            append_utf16le(out, 0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            append_utf16le(out, cp);
        }
        i += extra + 1;
    }
    return out;
}

Bytes oem_to_utf16le(BytesView oem) {
    Bytes out;
    for (char c : oem) append_utf16le(out, static_cast<unsigned char>(c));
    return out;
}

}  // namespace smtpauth::sasl::ntlm

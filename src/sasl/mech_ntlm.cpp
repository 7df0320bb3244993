// NTLM (MS-NLMP §2.2): `decode` names the message type; smtpauth has no NTLM client, so this
// file holds only the decoder's entry (registered in registry.cpp's decode-only list).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sasl/mechanisms.hpp"
#include "sasl/token_internal.hpp"

namespace smtpauth::sasl::detail {

namespace {

constexpr std::string_view kName = "NTLM";
constexpr std::string_view kSignature{"NTLMSSP\0", 8};

std::optional<ContentMatch> recognise(BytesView data) {
    if (!data.starts_with(kSignature)) return std::nullopt;
    // The direction follows from the message type, which explain reads.
    return ContentMatch{TokenDirection::unknown, std::string(kName), false};
}

// NTLM messages start with "NTLMSSP\0" and a little-endian message type (MS-NLMP §2.2).
void explain(BytesView data, DecodedMessage& msg, DecodeContext&) {
    if (!data.starts_with(kSignature)) {
        msg.mechanism = std::string(kName);
        token_detail::explain_unknown(data, msg);
        msg.notes.push_back("not an NTLM message (no NTLMSSP signature)");
        return;
    }
    msg.mechanism = std::string(kName);
    msg.kind = MessageKind::ntlm;
    std::uint32_t type = 0;
    if (data.size() >= 12)
        for (int i = 3; i >= 0; --i)
            type = (type << 8) | static_cast<unsigned char>(data[8 + static_cast<std::size_t>(i)]);
    const char* names[] = {"?", "NEGOTIATE", "CHALLENGE", "AUTHENTICATE"};
    msg.summary = std::string("NTLM ") + (type >= 1 && type <= 3 ? names[type] : "message");
    msg.direction = type == 2 ? TokenDirection::server : TokenDirection::client;
    msg.fields.emplace_back("message-type", std::to_string(type));
    msg.fields.emplace_back("length", token_detail::byte_count(data.size()));
    if (type == 3)
        msg.notes.push_back("AUTHENTICATE carries password-derived responses (not shown)");
    else
        msg.notes.push_back("NTLM is not explained further");
}

}  // namespace

constinit const MechanismDecoder kNtlmDecoder{
    .family = kName,
    .recognise = recognise,
    .explain_client = explain,
    .explain_server = explain,
};

}  // namespace smtpauth::sasl::detail

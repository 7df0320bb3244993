// SCRAM message parsers (RFC 5802 §7; RFC 7677 uses the same messages). Each check quotes
// the grammar it enforces. The GS2 header part is in gs2.cpp.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "sasl/gs2.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/sasl/scram.hpp"

namespace smtpauth::sasl::scram {

namespace {

using detail::parse_failure;

// One attr-val of a message, with its offset for error messages.
struct Field {
    char name;
    std::string_view value;
    std::size_t offset;  // of the attribute name in the whole message
};

class Parser {
  public:
    Parser(std::string_view what, ErrorKind kind) : what_(what), kind_(kind) {}

    [[noreturn]] void fail(std::size_t offset, const std::string& why) const {
        parse_failure(what_, kind_, offset, why);
    }

    // The whole message: UTF-8 (value-safe-char is UTF8-char minus NUL, ",", "=").
    void check_text(std::string_view message) const {
        if (message.empty()) fail(0, "empty message");
        if (!codec::is_valid_utf8(message)) fail(first_bad_utf8(message), "not valid UTF-8");
        auto nul = message.find('\0');
        if (nul != std::string_view::npos) fail(nul, "NUL byte");
    }

    // attr-val = ALPHA "=" value ; value = 1*value-char ; attributes separated by ","
    std::vector<Field> split(std::string_view text, std::size_t base) const {
        std::vector<Field> fields;
        std::size_t pos = 0;
        while (true) {
            std::size_t comma = text.find(',', pos);
            std::string_view part = text.substr(
                pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
            std::size_t at = base + pos;
            if (part.size() < 2 || part[1] != '=')
                fail(at, "expected an attribute of the form <letter>=<value>");
            if (!is_alpha(part[0])) fail(at, "attribute name is not a letter");
            if (part.size() == 2) fail(at, std::string("empty value for '") + part[0] + "='");
            fields.push_back(Field{part[0], part.substr(2), at});
            if (comma == std::string_view::npos) break;
            pos = comma + 1;
        }
        return fields;
    }

    // Demands attribute `name` at position `index`.
    const Field& expect(const std::vector<Field>& fields, std::size_t index, char name,
                        std::size_t end_offset) const {
        if (index >= fields.size())
            fail(end_offset, std::string("missing attribute '") + name + "='");
        const Field& f = fields[index];
        if (f.name != name)
            fail(f.offset, std::string("expected '") + name + "=' but found '" + f.name + "='");
        return f;
    }

    // nonce = "r=" c-nonce [s-nonce] ; printable = %x21-2B / %x2D-7E
    void check_nonce(const Field& f) const {
        for (std::size_t i = 0; i < f.value.size(); ++i) {
            auto c = static_cast<unsigned char>(f.value[i]);
            if (c < 0x21 || c > 0x7e) fail(f.offset + 2 + i, "nonce character is not printable");
        }
    }

    // base64 = *base64-4 [base64-3 / base64-2] (strict, RFC 4648)
    Bytes base64(const Field& f) const {
        std::string why;
        auto out = codec::try_base64_decode(f.value, &why);
        if (out) return std::move(*out);
        // The codec says "invalid base64 at offset N: reason" (N within the value) or
        // "invalid base64: reason"; report the offset within the whole message instead.
        std::size_t value_offset = f.offset + 2;
        std::string reason = why.substr(why.find(':') + 2);
        constexpr std::string_view kAt = "invalid base64 at offset ";
        if (why.compare(0, kAt.size(), kAt) == 0)
            value_offset += std::stoul(why.substr(kAt.size()));
        fail(value_offset, std::string("'") + f.name + "=' is not valid base64 (" + reason + ")");
    }

    // saslname = 1*(value-safe-char / "=2C" / "=3D")
    std::string saslname(const Field& f) const {
        auto out = unescape_saslname(f.value);
        if (!out) fail(f.offset + 2, "'=' in a saslname not followed by 2C or 3D");
        return std::move(*out);
    }

    // posit-number = %x31-39 *DIGIT
    std::uint32_t positive_number(const Field& f) const {
        std::uint64_t n = 0;
        for (std::size_t i = 0; i < f.value.size(); ++i) {
            char c = f.value[i];
            if (c < '0' || c > '9' || (i == 0 && c == '0'))
                fail(f.offset + 2 + i, "iteration count is not a positive decimal number");
            n = n * 10 + static_cast<std::uint64_t>(c - '0');
            if (n > std::numeric_limits<std::uint32_t>::max())
                fail(f.offset + 2, "iteration count does not fit in 32 bits");
        }
        return static_cast<std::uint32_t>(n);
    }

    static std::vector<Attribute> extensions(const std::vector<Field>& fields, std::size_t from) {
        std::vector<Attribute> out;
        for (std::size_t i = from; i < fields.size(); ++i)
            out.push_back(Attribute{fields[i].name, std::string(fields[i].value)});
        return out;
    }

  private:
    static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

    // Offset of the first byte that does not start a well-formed sequence (UTF-8 is
    // prefix-free, so trying lengths 1-4 finds each sequence unambiguously).
    static std::size_t first_bad_utf8(std::string_view s) {
        std::size_t i = 0;
        while (i < s.size()) {
            std::size_t len = 1;
            while (len <= 4 && !codec::is_valid_utf8(s.substr(i, len))) ++len;
            if (len > 4 || i + len > s.size()) return i;
            i += len;
        }
        return i;
    }

    std::string_view what_;
    ErrorKind kind_;
};

}  // namespace

ClientFirst parse_client_first(std::string_view message, ErrorKind kind) {
    Parser p("SCRAM client-first", kind);
    p.check_text(message);
    ClientFirst m;
    // client-first-message = gs2-header client-first-message-bare
    std::size_t consumed = 0;
    m.gs2 = detail::parse_gs2_header(message, consumed, "SCRAM client-first", kind);
    std::string_view bare = message.substr(consumed);
    if (bare.empty()) p.fail(consumed, "missing client-first-message-bare");
    m.bare = std::string(bare);
    // client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
    auto fields = p.split(bare, consumed);
    std::size_t i = 0;
    if (fields[0].name == 'm') m.mext = std::string(fields[i++].value);
    m.user = p.saslname(p.expect(fields, i++, 'n', message.size()));
    const Field& r = p.expect(fields, i++, 'r', message.size());
    p.check_nonce(r);
    m.nonce = std::string(r.value);
    m.extensions = Parser::extensions(fields, i);
    return m;
}

ServerFirst parse_server_first(std::string_view message, ErrorKind kind) {
    Parser p("SCRAM server-first", kind);
    p.check_text(message);
    ServerFirst m;
    // server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count
    //                        ["," extensions]
    auto fields = p.split(message, 0);
    std::size_t i = 0;
    if (fields[0].name == 'm') m.mext = std::string(fields[i++].value);
    const Field& r = p.expect(fields, i++, 'r', message.size());
    p.check_nonce(r);
    m.nonce = std::string(r.value);
    // salt = "s=" base64
    const Field& s = p.expect(fields, i++, 's', message.size());
    m.salt = p.base64(s);
    m.salt_base64 = std::string(s.value);
    // iteration-count = "i=" posit-number
    m.iterations = p.positive_number(p.expect(fields, i++, 'i', message.size()));
    m.extensions = Parser::extensions(fields, i);
    return m;
}

ClientFinal parse_client_final(std::string_view message, ErrorKind kind) {
    Parser p("SCRAM client-final", kind);
    p.check_text(message);
    ClientFinal m;
    // client-final-message-without-proof = channel-binding "," nonce ["," extensions]
    // client-final-message = client-final-message-without-proof "," proof
    auto fields = p.split(message, 0);
    const Field& c = p.expect(fields, 0, 'c', message.size());
    m.channel_binding = p.base64(c);  // channel-binding = "c=" base64
    m.channel_binding_base64 = std::string(c.value);
    const Field& r = p.expect(fields, 1, 'r', message.size());
    p.check_nonce(r);
    m.nonce = std::string(r.value);
    // proof = "p=" base64, always the last attribute
    if (fields.size() < 3 || fields.back().name != 'p')
        p.fail(message.size(), "the last attribute must be the proof 'p='");
    const Field& proof = fields.back();
    m.proof = p.base64(proof);
    m.proof_base64 = std::string(proof.value);
    m.without_proof = std::string(message.substr(0, proof.offset - 1));
    for (std::size_t i = 2; i + 1 < fields.size(); ++i)
        m.extensions.push_back(Attribute{fields[i].name, std::string(fields[i].value)});
    return m;
}

ServerFinal parse_server_final(std::string_view message, ErrorKind kind) {
    Parser p("SCRAM server-final", kind);
    p.check_text(message);
    ServerFinal m;
    // server-final-message = (server-error / verifier) ["," extensions]
    // server-error = "e=" server-error-value ; verifier = "v=" base64
    auto fields = p.split(message, 0);
    if (fields[0].name == 'e') {
        m.error = std::string(fields[0].value);
    } else if (fields[0].name == 'v') {
        m.verifier = p.base64(fields[0]);
        m.verifier_base64 = std::string(fields[0].value);
    } else {
        p.fail(0, "expected 'v=' or 'e='");
    }
    m.extensions = Parser::extensions(fields, 1);
    return m;
}

}  // namespace smtpauth::sasl::scram

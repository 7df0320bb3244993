// SCRAM-SHA-1 (RFC 5802), SCRAM-SHA-256 (RFC 7677) and their -PLUS variants (channel
// binding, RFC 5929 / RFC 9266): the client's state machine. Messages are parsed in
// scram_messages.cpp, keys computed in scram_keys.cpp, the GS2 header built in gs2.cpp. Also
// the registry entries, the explain/check functions for `decode` and verify.hpp's check.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "crypto/crypto.hpp"
#include "sasl/gs2.hpp"
#include "sasl/mechanisms.hpp"
#include "sasl/saslprep.hpp"
#include "sasl/scram_keys.hpp"
#include "sasl/token_internal.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/registry.hpp"
#include "smtpauth/sasl/scram.hpp"
#include "smtpauth/sasl/verify.hpp"

namespace smtpauth::sasl {

namespace detail {

namespace {

constexpr std::string_view kFamily = "SCRAM";

struct Variant {
    std::string_view name;
    crypto::Digest digest;
    bool plus;  // channel binding
};
constexpr Variant kVariants[] = {
    {"SCRAM-SHA-1", crypto::Digest::sha1, false},
    {"SCRAM-SHA-256", crypto::Digest::sha256, false},
    {"SCRAM-SHA-1-PLUS", crypto::Digest::sha1, true},
    {"SCRAM-SHA-256-PLUS", crypto::Digest::sha256, true},
};

// Case-insensitive, as the protocols compare names.
const Variant* variant_named(std::string_view name) {
    for (const auto& v : kVariants)
        if (token_detail::iequals(v.name, name)) return &v;
    return nullptr;
}

struct ScramSetup {
    std::string_view name;
    crypto::Digest digest;
    std::string gs2_header;  // e.g. "n,," or "p=tls-exporter,a=admin,"
    Bytes cbind_data;        // appended to the GS2 header in c= (-PLUS only)
    std::string user;        // SASLprep'ed and saslname-escaped
    Secret password;         // SASLprep'ed (stored string)
    std::string nonce;       // c-nonce
    std::uint32_t min_iterations;
    std::uint32_t max_iterations;
};

class Scram final : public Mechanism {
  public:
    explicit Scram(ScramSetup setup) : s_(std::move(setup)) {}

    std::string_view name() const override { return s_.name; }

    std::optional<Response> initial_response() override {
        // client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
        client_first_bare_ = "n=" + s_.user + ",r=" + s_.nonce;
        state_ = State::sent_first;
        return Response{s_.gs2_header + client_first_bare_, false};
    }

    Response step(BytesView challenge) override {
        switch (state_) {
            case State::initial:
                // No initial response was sent: the server's empty challenge asks for it.
                if (challenge.empty()) return *initial_response();
                break;
            case State::sent_first:
                return client_final(challenge);
            case State::sent_final:
                // SMTP/IMAP/POP3 carry the server-final in a challenge; the answer is empty.
                verify_server_final(challenge);
                return Response{};
            case State::verified:
            case State::failed:
                break;
        }
        unexpected_challenge(name(), challenge);
    }

    void finish(BytesView additional_data) override {
        // An empty success leaves server_verified() false: the caller must treat a success
        // without a verified v= as a failure (the server never proved itself).
        if (additional_data.empty()) return;
        if (state_ != State::sent_final)
            throw Error(ErrorKind::protocol,
                        std::string(name()) + ": unexpected additional data with the success");
        verify_server_final(additional_data);
    }

    bool server_verified() const override { return state_ == State::verified; }
    bool done() const override { return state_ == State::verified || state_ == State::failed; }
    std::optional<ServerError> server_error() const override { return error_; }

  private:
    enum class State { initial, sent_first, sent_final, verified, failed };

    [[noreturn]] void fail(const std::string& why) {
        state_ = State::failed;
        throw Error(ErrorKind::protocol, std::string(name()) + ": " + why);
    }

    // Some servers answer client-first with a bare server-error ("e=unknown-user").
    void check_early_error(std::string_view challenge) {
        if (challenge.substr(0, 2) != "e=") return;
        auto final_msg = scram::parse_server_final(challenge);
        report_error(*final_msg.error, challenge);
    }

    [[noreturn]] void report_error(const std::string& value, std::string_view raw) {
        // server-error-value: invalid-encoding / extensions-not-supported / invalid-proof /
        // channel-bindings-dont-match / server-does-support-channel-binding / ... /
        // server-error-value-ext (any other value is "other-error")
        error_ = ServerError{"e=" + value, std::string(raw), {}};
        fail("the server reported an error: e=" + codec::escape_for_display(value));
    }

    Response client_final(BytesView challenge) {
        scram::ServerFirst sf;
        try {
            check_early_error(challenge);
            sf = scram::parse_server_first(challenge);
        } catch (const Error&) {
            state_ = State::failed;  // a broken exchange never continues
            throw;
        }
        // reserved-mext: "a client that does not understand the extension MUST fail"
        if (sf.mext) fail("the server requires an unsupported mandatory extension (m=)");
        // The server nonce must start with ours and add its own part (§5.1 r=), otherwise
        // the exchange could be a replay.
        if (sf.nonce.size() <= s_.nonce.size() ||
            sf.nonce.compare(0, s_.nonce.size(), s_.nonce) != 0)
            fail("the server nonce does not extend the client nonce");
        // RFC 5802 §5.1 / RFC 7677 §4: at least 4096 iterations; an absurd count would make
        // the client spin for hours.
        if (sf.iterations < s_.min_iterations)
            fail("iteration count " + std::to_string(sf.iterations) + " is below the minimum " +
                 std::to_string(s_.min_iterations));
        if (sf.iterations > s_.max_iterations)
            fail("iteration count " + std::to_string(sf.iterations) + " is above the maximum " +
                 std::to_string(s_.max_iterations));

        // client-final-message-without-proof = channel-binding "," nonce ["," extensions]
        // channel-binding = "c=" base64(gs2-header [ cbind-data ])
        std::string without_proof =
            "c=" + codec::base64_encode(s_.gs2_header + s_.cbind_data) + ",r=" + sf.nonce;
        // AuthMessage = client-first-message-bare "," server-first-message ","
        //               client-final-message-without-proof
        std::string auth_message =
            client_first_bare_ + "," + std::string(challenge) + "," + without_proof;
        ScramProofs proofs =
            scram_proofs(s_.digest, s_.password.reveal(), sf.salt, sf.iterations, auth_message);
        expected_server_signature_ = Secret(proofs.server_signature);
        state_ = State::sent_final;
        return Response{without_proof + ",p=" + codec::base64_encode(proofs.client_proof), true};
    }

    void verify_server_final(BytesView message) {
        scram::ServerFinal sf;
        try {
            sf = scram::parse_server_final(message);
        } catch (const Error&) {
            state_ = State::failed;
            throw;
        }
        if (sf.error) report_error(*sf.error, message);
        // Constant time: the comparison must not tell an attacker how many bytes matched.
        if (!crypto::constant_time_equal(sf.verifier, expected_server_signature_.reveal()))
            fail(
                "the server signature (v=) is wrong: the server does not know the password "
                "or the exchange was tampered with");
        state_ = State::verified;
    }

    ScramSetup s_;
    State state_ = State::initial;
    std::string client_first_bare_;
    Secret expected_server_signature_;
    std::optional<ServerError> error_;
};

bool is_cb_name(std::string_view name) {
    // cb-name = 1*(ALPHA / DIGIT / "." / "-")
    if (name.empty()) return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::unique_ptr<Mechanism> make_scram(std::string_view mech, crypto::Digest digest, bool plus,
                                      Credentials c, const MechanismOptions& options) {
    ScramSetup s{mech,
                 digest,
                 {},
                 {},
                 {},
                 {},
                 {},
                 options.scram_min_iterations,
                 options.scram_max_iterations};
    require_non_empty(mech, "user name", c.user);
    require_non_empty(mech, "password", c.secret.reveal());
    require_no_bytes(mech, "authorization identity", c.authzid, {});
    require_utf8(mech, "authorization identity", c.authzid);
    // username = "n=" saslname: SASLprep as a query string, then "=2C"/"=3D" (§5.1).
    s.user = scram::escape_saslname(
        saslprep(c.user, PrepMode::query, std::string(mech) + ": the user name"));
    // Normalize(password) = SASLprep as a stored string (§2.2).
    s.password =
        Secret(saslprep(c.secret.reveal(), PrepMode::stored, std::string(mech) + ": the password"));

    // gs2-cbind-flag = ("p=" cb-name) / "n" / "y"
    std::string flag = "n";
    if (plus) {
        if (options.channel_binding.data.empty() || !is_cb_name(options.channel_binding.type))
            throw Error(ErrorKind::bad_input, std::string(mech) +
                                                  " needs channel-binding data from the TLS "
                                                  "connection (type and bytes)");
        flag = "p=" + options.channel_binding.type;
        s.cbind_data = options.channel_binding.data;
    } else if (!options.channel_binding.data.empty() && !options.server_supports_plus) {
        // We could bind but the server offered no -PLUS: "y" lets it detect a downgrade.
        // Never "y" when -PLUS was offered (RFC 5802 §6).
        flag = "y";
    }
    s.gs2_header = gs2_header(flag, c.authzid);

    if (options.client_nonce) {
        s.nonce = *options.client_nonce;
        if (s.nonce.empty())
            throw Error(ErrorKind::bad_input, std::string(mech) + ": the client nonce is empty");
        for (char ch : s.nonce) {
            auto u = static_cast<unsigned char>(ch);
            // c-nonce = printable = %x21-2B / %x2D-7E
            if (u < 0x21 || u > 0x7e || ch == ',')
                throw Error(ErrorKind::bad_input,
                            std::string(mech) +
                                ": the client nonce may only contain printable ASCII except ','");
        }
    } else {
        s.nonce = codec::base64_encode(crypto::random_bytes(24));
    }
    return std::make_unique<Scram>(std::move(s));
}

// ---- decode ---------------------------------------------------------------------------------

// The variant a proof or signature of `n` bytes belongs to ("" when none).
std::string variant_for_hash_size(std::size_t n) {
    switch (n) {
        case 20:
            return "SCRAM-SHA-1";
        case 32:
            return "SCRAM-SHA-256";
        case 64:
            return "SCRAM-SHA-512";
        default:
            return {};
    }
}

enum class Message { client_first, server_first, client_final, server_final };

// Which of the four messages `s` looks like (RFC 5802 §7), by its first attributes; the
// parsers in scram_messages.cpp check the whole grammar.
std::optional<Message> classify(std::string_view s) {
    auto contains = [&](std::string_view part) { return s.find(part) != std::string_view::npos; };
    std::size_t consumed = 0;
    if (try_parse_gs2_header(s, consumed)) {
        std::string_view bare = s.substr(consumed);
        if (bare.starts_with("n=") || bare.starts_with("m=")) return Message::client_first;
    }
    if ((s.starts_with("r=") || s.starts_with("m=")) && contains(",s=") && contains(",i="))
        return Message::server_first;
    if (s.starts_with("c=") && contains(",r=")) return Message::client_final;
    if ((s.starts_with("v=") || s.starts_with("e=")) && std::all_of(s.begin(), s.end(), [](char c) {
            auto u = static_cast<unsigned char>(c);
            return u >= 0x20 && u < 0x7f;
        }))
        return Message::server_final;
    return std::nullopt;
}

std::optional<ContentMatch> recognise(BytesView data) {
    auto m = classify(data);
    if (!m) return std::nullopt;
    bool client = *m == Message::client_first || *m == Message::client_final;
    return ContentMatch{client ? TokenDirection::client : TokenDirection::server,
                        std::string(kFamily), false};
}

struct ScramState final : DecodeState {
    std::string client_first;  // whole message, GS2 header included
    std::string client_first_bare;
    std::string client_nonce;
    std::string user;
    std::string server_first;
    std::string server_nonce;
    std::uint32_t iterations = 0;
};

// RFC 5802 §3 builds the AuthMessage from the messages as sent.
struct ScramCheckData final : CheckData {
    std::string mechanism;
    std::string client_first;
    std::string server_first;
    std::string client_final;
    std::string server_final;  // when the transcript holds it: v= is checked too
    std::uint32_t iterations = 0;
};

// The same cap the SCRAM client applies (MechanismOptions::scram_max_iterations): a crafted
// transcript must not make the check spin for hours.
constexpr std::uint32_t kMaxCheckIterations = 1000000;

PasswordCheck check(const CheckData& data, const Secret& password) {
    const auto& m = static_cast<const ScramCheckData&>(data);
    if (m.iterations > kMaxCheckIterations)
        throw Error(ErrorKind::bad_input, "SCRAM iteration count " + std::to_string(m.iterations) +
                                              " is above the cap of 1000000 for --check-password");
    std::optional<std::string_view> server_final;
    if (!m.server_final.empty()) server_final = m.server_final;
    ScramCheck scram = check_scram(m.mechanism, password.reveal(), m.client_first, m.server_first,
                                   m.client_final, server_final);
    PasswordCheck c;
    c.matches = scram.proof_matches;
    c.server_signature_matches = scram.server_signature_matches;
    return c;
}

// Keeps the name from the AUTH line; otherwise learns it from a proof/signature length.
void settle_mechanism(DecodedMessage& msg, DecodeContext& ctx, std::size_t hash_size) {
    std::string by_size = variant_for_hash_size(hash_size);
    if (ctx.mechanism().empty() || ctx.mechanism() == kFamily) {
        if (!by_size.empty()) ctx.set_mechanism(by_size);
    } else if (!by_size.empty() && !ctx.mechanism().starts_with(by_size)) {
        msg.notes.push_back("a " + std::to_string(hash_size) + "-byte value fits " + by_size +
                            ", not " + ctx.mechanism());
    }
    msg.mechanism = ctx.mechanism().empty() ? std::string(kFamily) : ctx.mechanism();
}

void add_extensions(const std::vector<scram::Attribute>& extensions, DecodedMessage& msg) {
    for (const auto& a : extensions) {
        msg.fields.emplace_back("extension", std::string(1, a.name) + "=" + a.value);
        if (a.name == 'm')
            msg.notes.push_back(
                "m= is a mandatory extension: a peer that does not know it must fail");
    }
}

const char* server_error_meaning(std::string_view e) {
    struct Row {
        std::string_view value;
        const char* meaning;
    };
    static constexpr Row kRows[] = {
        {"invalid-encoding", "the message could not be parsed"},
        {"extensions-not-supported", "an m= extension is not supported"},
        {"invalid-proof", "wrong password (the client proof did not verify)"},
        {"channel-bindings-dont-match", "channel binding data differs (TLS interception?)"},
        {"server-does-support-channel-binding",
         "client said 'y' although the server offers -PLUS (possible downgrade)"},
        {"channel-binding-not-supported", "the server does not support channel binding"},
        {"unsupported-channel-binding-type", "the channel binding type is not supported"},
        {"unknown-user", "the user does not exist"},
        {"invalid-username-encoding", "the user name is not valid UTF-8/SASLprep"},
        {"no-resources", "the server is out of resources"},
        {"other-error", "unspecified error"},
    };
    for (const auto& r : kRows)
        if (r.value == e) return r.meaning;
    return "unknown error value (treated as other-error)";
}

void explain_client_first(std::string_view s, DecodedMessage& msg, DecodeContext& ctx) {
    auto cf = scram::parse_client_first(s, ErrorKind::bad_input);
    msg.kind = MessageKind::client_first;
    msg.direction = TokenDirection::client;
    msg.summary = "SCRAM client-first message";
    switch (cf.gs2.binding) {
        case scram::Gs2Header::Binding::none:
            msg.fields.emplace_back("gs2-flag", "n");
            msg.notes.push_back("gs2 n: the client does not support channel binding");
            break;
        case scram::Gs2Header::Binding::client_supports:
            msg.fields.emplace_back("gs2-flag", "y");
            msg.notes.push_back(
                "gs2 y: the client supports channel binding but thinks the server "
                "does not (a server offering -PLUS must fail this)");
            break;
        case scram::Gs2Header::Binding::required:
            msg.fields.emplace_back("gs2-flag", "p=" + cf.gs2.cb_name);
            msg.notes.push_back("gs2 p: channel binding of type " + cf.gs2.cb_name);
            break;
    }
    if (!cf.gs2.authzid.empty()) {
        token_detail::require_utf8(cf.gs2.authzid, "SCRAM authzid");
        msg.fields.emplace_back("authzid", cf.gs2.authzid);
    }
    token_detail::require_utf8(cf.user, "SCRAM user");
    msg.fields.emplace_back("user", cf.user);
    msg.fields.emplace_back("client-nonce", cf.nonce);
    if (cf.mext) add_extensions({scram::Attribute{'m', *cf.mext}}, msg);
    add_extensions(cf.extensions, msg);
    auto& st = ctx.state<ScramState>();
    st = ScramState{};
    st.client_nonce = cf.nonce;
    st.client_first = std::string(s);
    st.client_first_bare = cf.bare;
    st.user = cf.user;
    msg.mechanism = ctx.mechanism().empty() ? std::string(kFamily) : ctx.mechanism();
    if (msg.mechanism == kFamily)
        msg.notes.push_back("SCRAM-SHA-1 or SCRAM-SHA-256: later messages tell which");
}

void explain_server_first(std::string_view s, DecodedMessage& msg, DecodeContext& ctx) {
    auto sf = scram::parse_server_first(s, ErrorKind::bad_input);
    msg.kind = MessageKind::server_first;
    msg.direction = TokenDirection::server;
    msg.summary = "SCRAM server-first message";
    auto& st = ctx.state<ScramState>();
    if (!st.client_nonce.empty() && sf.nonce.starts_with(st.client_nonce)) {
        msg.fields.emplace_back("client-nonce", st.client_nonce);
        msg.fields.emplace_back("server-nonce", sf.nonce.substr(st.client_nonce.size()));
        if (sf.nonce.size() == st.client_nonce.size())
            msg.notes.push_back("the server added no nonce of its own");
    } else {
        msg.fields.emplace_back("nonce", sf.nonce);
        if (!st.client_nonce.empty())
            msg.notes.push_back(
                "nonce does not start with the client's nonce: a client must abort");
    }
    msg.fields.emplace_back(
        "salt", codec::hex_encode(sf.salt) + " (" + token_detail::byte_count(sf.salt.size()) + ")");
    msg.fields.emplace_back("iterations", std::to_string(sf.iterations));
    if (sf.iterations < 4096)
        msg.notes.push_back("fewer than 4096 iterations (RFC 5802/7677 minimum for servers)");
    if (sf.iterations > 1000000)
        msg.notes.push_back("more than 1,000,000 iterations: smtpauth refuses this as a client");
    if (sf.mext) add_extensions({scram::Attribute{'m', *sf.mext}}, msg);
    add_extensions(sf.extensions, msg);
    st.server_first = std::string(s);
    st.server_nonce = sf.nonce;
    st.iterations = sf.iterations;
    msg.mechanism = ctx.mechanism().empty() ? std::string(kFamily) : ctx.mechanism();
}

const MechanismDecoder& decoder();

void explain_client_final(std::string_view s, DecodedMessage& msg, DecodeContext& ctx) {
    auto cfin = scram::parse_client_final(s, ErrorKind::bad_input);
    msg.kind = MessageKind::client_final;
    msg.direction = TokenDirection::client;
    msg.summary = "SCRAM client-final message";
    // channel-binding = "c=" base64 ; its content is gs2-header [ cbind-data ]
    std::size_t consumed = 0;
    detail::parse_gs2_header(cfin.channel_binding, consumed,
                             "SCRAM client-final c=", ErrorKind::bad_input);
    const std::string_view cbind = cfin.channel_binding;
    msg.fields.emplace_back("channel-binding", std::string(cbind.substr(0, consumed)));
    if (cbind.size() > consumed)
        msg.fields.emplace_back("channel-binding-data",
                                codec::hex_encode(cbind.substr(consumed)) + " (" +
                                    token_detail::byte_count(cbind.size() - consumed) + ")");
    msg.fields.emplace_back("nonce", cfin.nonce);
    auto& st = ctx.state<ScramState>();
    if (!st.server_nonce.empty() && cfin.nonce != st.server_nonce)
        msg.notes.push_back("nonce differs from the server-first nonce: the server must fail");
    add_extensions(cfin.extensions, msg);
    msg.fields.emplace_back("proof", cfin.proof_base64, true);
    settle_mechanism(msg, ctx, cfin.proof.size());
    if (st.client_first_bare.empty() || st.server_first.empty()) {
        msg.notes.push_back("client-first or server-first missing: the proof cannot be checked");
        return;
    }
    auto material = std::make_unique<ScramCheckData>();
    material->mechanism = msg.mechanism;
    material->client_first = st.client_first;
    material->server_first = st.server_first;
    material->client_final = std::string(s);
    material->iterations = st.iterations;
    ctx.add_check(decoder(), msg, st.user, std::move(material));
}

void explain_server_final(std::string_view s, DecodedMessage& msg, DecodeContext& ctx) {
    auto sfin = scram::parse_server_final(s, ErrorKind::bad_input);
    msg.kind = MessageKind::server_final;
    msg.direction = TokenDirection::server;
    if (!sfin.error) {
        msg.summary = "SCRAM server-final message (server signature)";
        msg.fields.emplace_back("server-signature", codec::hex_encode(sfin.verifier));
        msg.notes.push_back(
            "the client must compare v= with its own ServerSignature before "
            "trusting a success reply");
        settle_mechanism(msg, ctx, sfin.verifier.size());
        // Completes the material of this exchange's client-final, so that --check-password
        // can say whether the server knew the password too.
        const auto* st = ctx.existing_state<ScramState>();
        const auto* last = dynamic_cast<const ScramCheckData*>(ctx.last_check(decoder()));
        if (st && last && last->server_first == st->server_first && last->server_final.empty()) {
            auto completed = std::make_unique<ScramCheckData>(*last);
            completed->server_final = std::string(s);
            ctx.replace_last_check(std::move(completed));
        }
    } else {
        msg.summary = "SCRAM server-final message (error)";
        msg.fields.emplace_back("server-error", *sfin.error);
        msg.notes.push_back(server_error_meaning(*sfin.error));
        msg.mechanism = ctx.mechanism().empty() ? std::string(kFamily) : ctx.mechanism();
    }
    add_extensions(sfin.extensions, msg);
}

// SCRAM: the message type comes from the content; `dir` names what the position expected.
void explain(BytesView data, TokenDirection dir, DecodedMessage& msg, DecodeContext& ctx) {
    if (!ctx.mechanism().starts_with(kFamily)) ctx.set_mechanism(std::string(kFamily));
    for (std::size_t i = 0; i < data.size(); ++i) {
        auto u = static_cast<unsigned char>(data[i]);
        if (u < 0x20 || u == 0x7f)
            throw Error(ErrorKind::bad_input,
                        "SCRAM message has a control character at offset " + std::to_string(i));
    }
    if (auto kind = classify(data)) {
        switch (*kind) {
            case Message::client_first:
                return explain_client_first(data, msg, ctx);
            case Message::server_first:
                return explain_server_first(data, msg, ctx);
            case Message::client_final:
                return explain_client_final(data, msg, ctx);
            case Message::server_final:
                return explain_server_final(data, msg, ctx);
        }
    }
    // Named SCRAM, content fits no message: say which one the position expected.
    const auto* st = ctx.existing_state<ScramState>();
    std::string expected =
        dir == TokenDirection::server
            ? (st && !st->server_first.empty() ? "server-final" : "server-first")
            : (st && !st->client_first_bare.empty() ? "client-final" : "client-first");
    throw Error(ErrorKind::bad_input, "not a SCRAM " + expected + " message (RFC 5802 §7 grammar)");
}

void explain_client(BytesView data, DecodedMessage& msg, DecodeContext& ctx) {
    explain(data, TokenDirection::client, msg, ctx);
}
void explain_server(BytesView data, DecodedMessage& msg, DecodeContext& ctx) {
    explain(data, TokenDirection::server, msg, ctx);
}

std::optional<std::string> success_note(DecodeContext& ctx) {
    if (ctx.last_server_kind() == MessageKind::server_final) return std::nullopt;
    return "success without a server-final v=: the server never proved it knows the password; "
           "a SCRAM client must treat this as failure";
}

constexpr MechanismDecoder kDecoder{
    .family = kFamily,
    .family_prefix = true,
    .recognise = recognise,
    .explain_client = explain_client,
    .explain_server = explain_server,
    .success_note = success_note,
    .check = check,
};

const MechanismDecoder& decoder() {
    return kDecoder;
}

}  // namespace

std::unique_ptr<Mechanism> make_scram_sha1(Credentials c, const MechanismOptions& o) {
    return make_scram("SCRAM-SHA-1", crypto::Digest::sha1, false, std::move(c), o);
}
std::unique_ptr<Mechanism> make_scram_sha256(Credentials c, const MechanismOptions& o) {
    return make_scram("SCRAM-SHA-256", crypto::Digest::sha256, false, std::move(c), o);
}
std::unique_ptr<Mechanism> make_scram_sha1_plus(Credentials c, const MechanismOptions& o) {
    return make_scram("SCRAM-SHA-1-PLUS", crypto::Digest::sha1, true, std::move(c), o);
}
std::unique_ptr<Mechanism> make_scram_sha256_plus(Credentials c, const MechanismOptions& o) {
    return make_scram("SCRAM-SHA-256-PLUS", crypto::Digest::sha256, true, std::move(c), o);
}

namespace {
constexpr MechanismTraits kScramTraits{.needs_password = true, .verifies_server = true};
constexpr MechanismTraits kScramPlusTraits{
    .needs_password = true, .verifies_server = true, .channel_binding = true};
constexpr GenTraits kScramGen{
    .takes_authzid = true, .takes_client_nonce = true, .server_steps = true};
}  // namespace

constinit const MechanismInfo kScramSha256Plus{
    .name = "SCRAM-SHA-256-PLUS",
    .description = "SCRAM with SHA-256 and TLS channel binding (RFC 7677, RFC 9266)",
    .traits = kScramPlusTraits,
    .strength = 130,
    .make = make_scram_sha256_plus,
    .gen = kScramGen,
    .decoder = &kDecoder,
};
constinit const MechanismInfo kScramSha256{
    .name = "SCRAM-SHA-256",
    .description = "salted challenge-response with SHA-256 (RFC 7677)",
    .traits = kScramTraits,
    .strength = 120,
    .make = make_scram_sha256,
    .gen = kScramGen,
    .decoder = &kDecoder,
};
constinit const MechanismInfo kScramSha1Plus{
    .name = "SCRAM-SHA-1-PLUS",
    .description = "SCRAM with SHA-1 and TLS channel binding (RFC 5802)",
    .traits = kScramPlusTraits,
    .strength = 110,
    .make = make_scram_sha1_plus,
    .gen = kScramGen,
    .decoder = &kDecoder,
};
constinit const MechanismInfo kScramSha1{
    .name = "SCRAM-SHA-1",
    .description = "salted challenge-response with SHA-1 (RFC 5802)",
    .traits = kScramTraits,
    .strength = 100,
    .make = make_scram_sha1,
    .gen = kScramGen,
    .decoder = &kDecoder,
};

}  // namespace detail

// ---- verify.hpp ---------------------------------------------------------------------------

ScramCheck check_scram(std::string_view mechanism, std::string_view password,
                       std::string_view client_first, std::string_view server_first,
                       std::string_view client_final, std::optional<std::string_view> server_final,
                       std::uint32_t max_iterations) {
    const detail::Variant* variant = detail::variant_named(mechanism);
    if (!variant)
        throw Error(ErrorKind::bad_input, "not a SCRAM mechanism: " + std::string(mechanism));
    auto cf = scram::parse_client_first(client_first, ErrorKind::bad_input);
    auto sf = scram::parse_server_first(server_first, ErrorKind::bad_input);
    auto cfin = scram::parse_client_final(client_final, ErrorKind::bad_input);
    if (sf.nonce.compare(0, cf.nonce.size(), cf.nonce) != 0 || cfin.nonce != sf.nonce)
        throw Error(ErrorKind::bad_input,
                    "the SCRAM messages are not from one exchange: the "
                    "nonces do not match");
    if (sf.iterations > max_iterations)
        throw Error(ErrorKind::bad_input, "SCRAM iteration count " + std::to_string(sf.iterations) +
                                              " is above the limit " +
                                              std::to_string(max_iterations));
    Secret normalized(detail::saslprep(password, detail::PrepMode::stored, "the password"));
    std::string auth_message = cf.bare + "," + std::string(server_first) + "," + cfin.without_proof;
    auto proofs = detail::scram_proofs(variant->digest, normalized.reveal(), sf.salt, sf.iterations,
                                       auth_message);
    ScramCheck result;
    result.proof_matches = crypto::constant_time_equal(cfin.proof, proofs.client_proof);
    if (server_final) {
        auto sfin = scram::parse_server_final(*server_final, ErrorKind::bad_input);
        if (!sfin.error)
            result.server_signature_matches =
                crypto::constant_time_equal(sfin.verifier, proofs.server_signature);
    }
    return result;
}

}  // namespace smtpauth::sasl

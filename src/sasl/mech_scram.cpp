// SCRAM-SHA-1 (RFC 5802), SCRAM-SHA-256 (RFC 7677) and their -PLUS variants (channel
// binding, RFC 5929 / RFC 9266): the client's state machine. Messages are parsed in
// scram_messages.cpp, keys computed in scram_keys.cpp, the GS2 header built in gs2.cpp.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "crypto/crypto.hpp"
#include "sasl/gs2.hpp"
#include "sasl/mechanisms.hpp"
#include "sasl/saslprep.hpp"
#include "sasl/scram_keys.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/scram.hpp"

namespace smtpauth::sasl::detail {

namespace {

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

}  // namespace smtpauth::sasl::detail

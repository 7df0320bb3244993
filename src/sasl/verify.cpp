// Password checks for observed CRAM (RFC 2195) and SCRAM (RFC 5802, RFC 7677) messages.
#include "smtpauth/sasl/verify.hpp"

#include <string>

#include "crypto/crypto.hpp"
#include "sasl/saslprep.hpp"
#include "sasl/scram_keys.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/scram.hpp"
#include "smtpauth/secret.hpp"

namespace smtpauth::sasl {

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::optional<crypto::Digest> cram_hash(std::string_view mechanism) {
    std::string m = upper(mechanism);
    if (m == "CRAM-MD5") return crypto::Digest::md5;
    if (m == "CRAM-SHA1") return crypto::Digest::sha1;
    if (m == "CRAM-SHA256") return crypto::Digest::sha256;
    return std::nullopt;
}

std::optional<crypto::Digest> scram_hash(std::string_view mechanism) {
    std::string m = upper(mechanism);
    if (m == "SCRAM-SHA-1" || m == "SCRAM-SHA-1-PLUS") return crypto::Digest::sha1;
    if (m == "SCRAM-SHA-256" || m == "SCRAM-SHA-256-PLUS") return crypto::Digest::sha256;
    return std::nullopt;
}

}  // namespace

std::optional<std::string> cram_digest(std::string_view mechanism, std::string_view password,
                                       BytesView challenge) {
    auto digest = cram_hash(mechanism);
    if (!digest) return std::nullopt;
    Bytes mac = crypto::hmac(*digest, password, challenge);
    std::string hex = codec::hex_encode(mac);
    wipe_string(mac);
    return hex;
}

bool check_cram_response(std::string_view mechanism, std::string_view password, BytesView challenge,
                         BytesView response) {
    auto expected = cram_digest(mechanism, password, challenge);
    if (!expected)
        throw Error(ErrorKind::bad_input, "not a CRAM mechanism: " + std::string(mechanism));
    // response = user SP digest; the user name may itself contain spaces, the digest not.
    auto space = response.rfind(' ');
    if (space == BytesView::npos)
        throw Error(ErrorKind::bad_input, "a CRAM response is 'user SP digest'; no space found");
    std::string seen(response.substr(space + 1));
    for (char& c : seen)
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    bool same = crypto::constant_time_equal(seen, *expected);
    wipe_string(*expected);
    return same;
}

ScramCheck check_scram(std::string_view mechanism, std::string_view password,
                       std::string_view client_first, std::string_view server_first,
                       std::string_view client_final, std::optional<std::string_view> server_final,
                       std::uint32_t max_iterations) {
    auto digest = scram_hash(mechanism);
    if (!digest)
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
    auto proofs =
        detail::scram_proofs(*digest, normalized.reveal(), sf.salt, sf.iterations, auth_message);
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

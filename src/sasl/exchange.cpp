// SASL exchange driver: one AUTH conversation over any protocol carrier (RFC 4422 §3-§5;
// IR and cancel rules of RFC 4954 §4, RFC 4959 and RFC 5034).
#include "smtpauth/sasl/exchange.hpp"

#include <utility>

#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::sasl {

std::string_view outcome_name(Outcome o) noexcept {
    switch (o) {
        case Outcome::accepted:
            return "accepted";
        case Outcome::rejected:
            return "rejected";
        case Outcome::refused:
            return "refused";
        case Outcome::error:
            return "error";
        case Outcome::cancelled:
            return "cancelled";
    }
    return "error";
}

namespace {
constexpr std::string_view kEmptyResponse = "=";
}

std::string_view initial_response_text(std::string_view base64) noexcept {
    return base64.empty() ? kEmptyResponse : base64;
}

bool is_empty_response_marker(std::string_view written) noexcept {
    return written == kEmptyResponse;
}

namespace {

std::string encode_initial(const Response& r) {
    std::string b64 = codec::base64_encode(r.data);
    if (b64.empty()) b64 = initial_response_text(b64);
    return b64;
}

// A continuation response line: empty data is an empty line (XOAUTH2's acknowledgement).
std::string encode_continuation(const Response& r) {
    return r.data.empty() ? std::string() : codec::base64_encode(r.data);
}

// Sends "*", reads the server's answer and fills in the result. Whatever the server answers
// (even a success code) the exchange counts as cancelled: we abandoned it.
ExchangeResult cancel(Carrier& carrier, ExchangeResult result, Outcome outcome,
                      std::string message) {
    carrier.send_cancel();
    ++result.round_trips;
    CarrierReply reply = carrier.read_reply();
    result.outcome = outcome;
    result.server_reply = std::move(reply.text);
    result.message = std::move(message);
    return result;
}

}  // namespace

ExchangeResult run_exchange(Mechanism& mech, Carrier& carrier, const ExchangeOptions& options) {
    ExchangeResult result;
    const std::string name(mech.name());

    // Client-first mechanisms send their first message with the command when the protocol
    // allows it and the line budget has room; otherwise it waits for the empty challenge.
    std::optional<Response> pending;
    std::optional<Response> ir = mech.initial_response();
    // However the exchange ends (an early reply, a cancel, an exception), the initial
    // response is wiped: PLAIN's holds the password in clear.
    struct WipeOnExit {
        std::optional<Response>& a;
        std::optional<Response>& b;
        ~WipeOnExit() {
            for (auto* r : {&a, &b})
                if (*r) wipe_string((*r)->data);
        }
    } wipe_on_exit{ir, pending};
    if (ir) {
        std::string encoded = encode_initial(*ir);
        auto budget = carrier.initial_response_budget(name);
        if (budget && encoded.size() <= *budget) {
            carrier.send_auth(name, encoded, ir->secret);
            wipe_string(ir->data);  // PLAIN's holds the password in clear
        } else {
            carrier.send_auth(name, std::nullopt, false);
            pending = std::move(ir);
        }
        wipe_string(encoded);
    } else {
        carrier.send_auth(name, std::nullopt, false);
    }
    result.round_trips = 1;

    for (int round = 0;; ++round) {
        CarrierReply reply = carrier.read_reply();
        switch (reply.kind) {
            case CarrierReply::Kind::success:
                result.server_reply = std::move(reply.text);
                result.server_verified = mech.server_verified();
                result.server_error = mech.server_error();
                if (pending) {
                    result.outcome = Outcome::error;
                    result.message = "server reported success before it received the credentials";
                } else if (options.require_server_proof && !result.server_verified) {
                    result.outcome = Outcome::error;
                    result.message = "server did not prove knowledge of the password";
                } else {
                    result.outcome = Outcome::accepted;
                }
                return result;
            case CarrierReply::Kind::failure:
                result.outcome = Outcome::rejected;
                result.server_reply = std::move(reply.text);
                result.server_error = mech.server_error();
                return result;
            case CarrierReply::Kind::mechanism_refused:
                result.outcome = Outcome::refused;
                result.server_reply = std::move(reply.text);
                result.message = "the server refused the mechanism " + name;
                return result;
            case CarrierReply::Kind::challenge:
                break;
        }

        if (round >= kMaxRounds)
            return cancel(carrier, std::move(result), Outcome::cancelled,
                          "too many challenges (more than " + std::to_string(kMaxRounds) + ")");

        // Strict checks on untrusted server data before the mechanism sees it (RFC 4954 §4:
        // a client that cannot decode a challenge MUST cancel).
        const std::size_t max_text = (options.max_challenge_bytes + 2) / 3 * 4;
        if (reply.payload.size() > max_text)
            return cancel(
                carrier, std::move(result), Outcome::cancelled,
                "challenge larger than " + std::to_string(options.max_challenge_bytes) + " octets");
        std::string why;
        auto decoded = codec::try_base64_decode(reply.payload, &why);
        if (!decoded)
            return cancel(carrier, std::move(result), Outcome::cancelled,
                          "undecodable challenge: " + why);
        if (decoded->size() > options.max_challenge_bytes)
            return cancel(
                carrier, std::move(result), Outcome::cancelled,
                "challenge larger than " + std::to_string(options.max_challenge_bytes) + " octets");

        if (pending) {
            // The deferred initial response answers the (normally empty) first challenge,
            // but only once that challenge passed the same checks: credentials never go out
            // in answer to something we could not decode.
            std::string encoded = encode_initial(*pending);
            if (pending->data.empty()) encoded.clear();  // an empty response is an empty line
            carrier.send_response(encoded, pending->secret);
            wipe_string(encoded);
            wipe_string(pending->data);
            pending.reset();
            ++result.round_trips;
            continue;
        }

        Response response;
        try {
            response = mech.step(*decoded);
        } catch (const Error& e) {
            result.server_error = mech.server_error();
            result.error_kind = e.kind();
            return cancel(carrier, std::move(result), Outcome::error, e.what());
        }
        std::string encoded = encode_continuation(response);
        carrier.send_response(encoded, response.secret);
        wipe_string(encoded);
        wipe_string(response.data);
        ++result.round_trips;
    }
}

}  // namespace smtpauth::sasl

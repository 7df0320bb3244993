// The token decoder's hooks into one mechanism (the `decoder` of its registry entry): how its
// messages are recognised by content, explained with the exchange's state, turned into
// --check-password material and checked. Each mechanism's file defines its own; the decoder
// (token_dispatch.cpp, token_transcript.cpp) calls them and never names a mechanism.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "smtpauth/bytes.hpp"
#include "smtpauth/sasl/token.hpp"

namespace smtpauth::sasl {

// A mechanism's memory of the exchange so far (LOGIN's step, the CRAM challenge, the SCRAM
// messages). The concrete type lives in the mechanism's file; one per exchange.
class DecodeState {
  public:
    virtual ~DecodeState() = default;
};

// What the content of a payload says about it.
struct ContentMatch {
    TokenDirection direction = TokenDirection::unknown;
    // Best guess: a registered name, or the family when only later messages tell the variant.
    std::string mechanism;
    // The message may appear as raw text with blanks in a transcript (not base64).
    bool raw_text = false;
};

namespace token_detail {
struct Exchange;
}

class DecodeContext;

struct MechanismDecoder {
    // The mechanism's name, or its family's when the variants share messages ("SCRAM" for
    // SCRAM-SHA-1 and SCRAM-SHA-256): what a message is called before the variant is known.
    std::string_view family{};
    // Names "<family>-..." that the registry does not list are variants of it too (the
    // decoder explains SCRAM-SHA-512 although smtpauth has no client for it).
    bool family_prefix = false;
    // Whether `data` is one of this mechanism's messages by its content alone.
    std::optional<ContentMatch> (*recognise)(BytesView data) = nullptr;
    // The same for content that is only a guess (any JSON object): asked only when no
    // mechanism's `recognise` claimed the content.
    std::optional<ContentMatch> (*recognise_weak)(BytesView data) = nullptr;
    // Explain one message. They set msg.kind/mechanism/summary/fields/notes, may update the
    // exchange's mechanism name, and throw Error{bad_input} (without a line number) when the
    // payload breaks the mechanism's grammar. nullptr: the mechanism has no such messages.
    void (*explain_client)(BytesView data, DecodedMessage& msg, DecodeContext& ctx) = nullptr;
    void (*explain_server)(BytesView data, DecodedMessage& msg, DecodeContext& ctx) = nullptr;
    // An empty client message means something to this mechanism (explain_client is called).
    bool explains_empty_client = false;
    // A one-message mechanism whose content is unambiguous: when the AUTH line named another
    // such mechanism, the content wins (PLAIN sent as XOAUTH2 is still PLAIN).
    bool content_decides = false;
    // In this exchange, a message of unknown direction is the client's.
    bool unmarked_is_client = false;
    // Noted when an AUTH line carries an initial response the mechanism cannot have.
    std::string_view initial_response_note{};
    // Noted when content of mechanism `other` appears in an exchange named for this one;
    // nullptr for the generic note only.
    std::string_view (*foreign_content_note)(std::string_view other) = nullptr;
    // The transcript's writer hid a client message: advance the exchange's state as if seen.
    void (*client_redacted)(DecodeContext& ctx) = nullptr;
    // Noted on the server's success line (e.g. success without SCRAM's server proof).
    std::optional<std::string> (*success_note)(DecodeContext& ctx) = nullptr;
    // Whether `password` produced the material this decoder collected.
    PasswordCheck (*check)(const CheckData& data, const Secret& password) = nullptr;
};

// What the explain hooks see: the exchange's state and where --check-password material goes.
class DecodeContext {
  public:
    DecodeContext(token_detail::Exchange& exchange, DecodeResult* result,
                  const DecodeOptions& options)
        : exchange_(exchange), result_(result), options_(options) {}

    // The mechanism name the exchange has so far ("" when unknown, or a family name).
    const std::string& mechanism() const;
    void set_mechanism(std::string name);
    // The exchange was named by an AUTH/AUTHENTICATE line.
    bool named() const;
    // The kind of the last server message in this exchange (unknown when none yet).
    MessageKind last_server_kind() const;
    const DecodeOptions& options() const { return options_; }

    // This mechanism's state for the exchange, made on first use (or when another
    // mechanism's state was there).
    template <class State>
    State& state() {
        if (auto* s = dynamic_cast<State*>(current_state())) return *s;
        auto fresh = std::make_unique<State>();
        State& ref = *fresh;
        replace_state(std::move(fresh));
        return ref;
    }
    // The state when this mechanism already has one, else nullptr.
    template <class State>
    State* existing_state() {
        return dynamic_cast<State*>(current_state());
    }

    // Records what --check-password needs (skipped when the caller wants no material).
    void add_check(const MechanismDecoder& decoder, const DecodedMessage& msg, std::string user,
                   std::unique_ptr<const CheckData> data);
    // The material this exchange recorded last, when it is `decoder`'s.
    const CheckData* last_check(const MechanismDecoder& decoder) const;
    // Replaces it (e.g. completed by a later message).
    void replace_last_check(std::unique_ptr<const CheckData> data);

  private:
    DecodeState* current_state();
    void replace_state(std::unique_ptr<DecodeState> state);

    token_detail::Exchange& exchange_;
    DecodeResult* result_;
    const DecodeOptions& options_;
};

// The decoder hooks of every mechanism, each once, in recognition order (registry.cpp).
std::span<const MechanismDecoder* const> mechanism_decoders();
// The decoder for a mechanism or family name (case-sensitive, canonical upper case).
const MechanismDecoder* decoder_for(std::string_view name);

}  // namespace smtpauth::sasl

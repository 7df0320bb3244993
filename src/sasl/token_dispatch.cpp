// Picks the mechanism that explains a SASL payload (RFC 4422 §3): the one the AUTH line named,
// else the one whose content it is, through the registry's decoder hooks. No mechanism is
// named here: what each one knows is in its own file.
#include <string>
#include <string_view>

#include "sasl/token_internal.hpp"

namespace smtpauth::sasl {

// ---- DecodeContext ------------------------------------------------------------------------

const std::string& DecodeContext::mechanism() const {
    return exchange_.mechanism;
}

void DecodeContext::set_mechanism(std::string name) {
    exchange_.mechanism = std::move(name);
}

bool DecodeContext::named() const {
    return exchange_.named;
}

MessageKind DecodeContext::last_server_kind() const {
    return exchange_.last_server_kind;
}

DecodeState* DecodeContext::current_state() {
    return exchange_.state.get();
}

void DecodeContext::replace_state(std::unique_ptr<DecodeState> state) {
    exchange_.state = std::move(state);
}

void DecodeContext::add_check(const MechanismDecoder& decoder, const DecodedMessage& msg,
                              std::string user, std::unique_ptr<const CheckData> data) {
    if (!result_) return;
    CheckMaterial m;
    m.mechanism = msg.mechanism;
    m.line = msg.line;
    m.user = std::move(user);
    m.data = std::move(data);
    m.check = decoder.check;
    result_->checkable.push_back(std::move(m));
}

const CheckData* DecodeContext::last_check(const MechanismDecoder& decoder) const {
    if (!result_ || result_->checkable.empty()) return nullptr;
    const CheckMaterial& m = result_->checkable.back();
    return m.check == decoder.check ? m.data.get() : nullptr;
}

void DecodeContext::replace_last_check(std::unique_ptr<const CheckData> data) {
    if (result_ && !result_->checkable.empty()) result_->checkable.back().data = std::move(data);
}

namespace token_detail {

namespace {

void note_mismatch(DecodedMessage& msg, std::string_view named) {
    std::string note =
        "content is " + msg.mechanism + ", but the exchange named " + std::string(named);
    if (const MechanismDecoder* d = decoder_for(named); d && d->foreign_content_note) {
        std::string_view extra = d->foreign_content_note(msg.mechanism);
        if (!extra.empty()) note += " (" + std::string(extra) + ")";
    }
    msg.notes.push_back(note);
}

Recognition recognise_pass(BytesView data, bool weak) {
    for (const MechanismDecoder* d : mechanism_decoders()) {
        auto hook = weak ? d->recognise_weak : d->recognise;
        if (!hook) continue;
        if (auto match = hook(data)) return Recognition{d, std::move(*match)};
    }
    return {};
}

// Explains `data` with the mechanism its content belongs to; false when none claims it for
// this side of the exchange.
bool explain_by_content(BytesView data, TokenDirection side, DecodedMessage& msg,
                        DecodeContext& ctx) {
    Recognition rec = recognise(data);
    if (!rec.decoder) return false;
    if (rec.match.direction != TokenDirection::unknown && rec.match.direction != side) return false;
    auto explain =
        side == TokenDirection::client ? rec.decoder->explain_client : rec.decoder->explain_server;
    if (!explain) return false;
    explain(data, msg, ctx);
    return true;
}

}  // namespace

Recognition recognise(BytesView data) {
    if (data.empty()) return {};
    Recognition strong = recognise_pass(data, false);
    if (strong.decoder) return strong;
    return recognise_pass(data, true);
}

const MechanismDecoder* exchange_decoder(const Exchange& ex) {
    return ex.mechanism.empty() ? nullptr : decoder_for(ex.mechanism);
}

void explain_client(BytesView data, DecodedMessage& msg, Exchange& ex, DecodeResult* result,
                    const DecodeOptions& options) {
    msg.direction = TokenDirection::client;
    const std::string named = ex.mechanism;
    const MechanismDecoder* decoder = exchange_decoder(ex);
    DecodeContext ctx(ex, result, options);
    if (data.empty()) {
        msg.mechanism = named;
        if (decoder && decoder->explains_empty_client && decoder->explain_client) {
            decoder->explain_client(data, msg, ctx);
        } else if (ex.last_server_kind == MessageKind::error_json) {
            msg.kind = MessageKind::error_ack;
            msg.summary = "empty response acknowledging the server's error";
        } else if (ex.last_server_kind == MessageKind::server_final) {
            msg.kind = MessageKind::client_response;
            msg.summary = "empty response after the server-final message";
        } else {
            msg.kind = MessageKind::client_response;
            msg.summary = "empty response";
        }
        return;
    }
    if (decoder && decoder->explain_client) {
        if (decoder->content_decides) {
            // A one-message mechanism named on the AUTH line, content of another such
            // mechanism: the content tells what was sent.
            Recognition rec = recognise(data);
            if (rec.decoder && rec.decoder != decoder && rec.decoder->content_decides) {
                rec.decoder->explain_client(data, msg, ctx);
                ex.mechanism = named;
                note_mismatch(msg, named);
                return;
            }
        }
        return decoder->explain_client(data, msg, ctx);
    }
    if (explain_by_content(data, TokenDirection::client, msg, ctx)) {
        if (ex.mechanism.empty() && !msg.mechanism.empty()) ex.mechanism = msg.mechanism;
        if (!named.empty() && ex.named && msg.mechanism != named) note_mismatch(msg, named);
        return;
    }
    msg.mechanism = named;
    explain_unknown(data, msg);
    if (!named.empty()) msg.notes.push_back(named + " messages are not explained in detail");
}

void explain_server(BytesView data, DecodedMessage& msg, Exchange& ex, DecodeResult* result,
                    const DecodeOptions& options) {
    msg.direction = TokenDirection::server;
    const std::string named = ex.mechanism;
    DecodeContext ctx(ex, result, options);
    if (data.empty()) {
        msg.mechanism = named;
        msg.kind = MessageKind::challenge;
        msg.summary = "empty challenge: the server waits for the client's response";
        return;
    }
    const MechanismDecoder* decoder = exchange_decoder(ex);
    if (decoder && decoder->explain_server) return decoder->explain_server(data, msg, ctx);
    if (explain_by_content(data, TokenDirection::server, msg, ctx)) {
        if (ex.mechanism.empty()) ex.mechanism = msg.mechanism;
        return;
    }
    msg.mechanism = named;
    msg.kind = MessageKind::challenge;
    explain_unknown(data, msg);
    // A mechanism that explains client messages only has no server data in its exchange.
    if (decoder && decoder->explain_client)
        msg.notes.push_back(named + " expects an empty challenge");
}

}  // namespace token_detail

}  // namespace smtpauth::sasl

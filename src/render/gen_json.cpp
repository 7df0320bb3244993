// JSON output of `smtpauth gen --json`: the client messages of one exchange, in order.
#include "render/gen_json.hpp"

#include <nlohmann/json.hpp>

namespace smtpauth::render {

std::string render_gen_json(const GenOutput& output) {
    nlohmann::ordered_json doc;
    doc["mechanism"] = output.mechanism;
    doc["standard"] = output.standard;
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    for (const auto& m : output.messages) {
        messages.push_back({{"role", m.role}, {"base64", m.base64}, {"secret", m.secret}});
    }
    doc["messages"] = std::move(messages);
    if (output.protocol) {
        doc["protocol"] = *output.protocol;
        doc["lines"] = output.lines;
    }
    if (output.server_verified) doc["server_verified"] = *output.server_verified;
    // Base64 and mechanism names are ASCII; replace keeps a stray byte from throwing.
    return doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace smtpauth::render

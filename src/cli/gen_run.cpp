// Runs one mechanism for `smtpauth gen` and prints its client messages: bare base64 (the
// SASL messages of RFC 4422 as SMTP/IMAP/POP3 carry them), protocol lines or JSON.
// SCRAM (RFC 5802, RFC 7677) is interactive or stateless; CRAM (RFC 2195) takes a challenge.
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/gen_request.hpp"
#include "cli/secret_input.hpp"
#include "render/gen_json.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/secret.hpp"

namespace smtpauth::cli {

namespace {

// Server data pasted from a session often keeps its protocol prefix ("334 PDE4...",
// "+ PDE4..."): drop it so that the user can paste the whole line.
std::string_view strip_continuation_prefix(std::string_view line) {
    if (line.rfind("334 ", 0) == 0) return line.substr(4);
    if (line == "334" || line == "+") return {};
    if (line.rfind("+ ", 0) == 0) return line.substr(2);
    return line;
}

Bytes decode_server_data(std::string_view text, std::string_view where) {
    std::string why;
    auto bytes = codec::try_base64_decode(strip_continuation_prefix(text), &why);
    if (!bytes) throw Error(ErrorKind::bad_input, std::string(where) + ": " + why);
    return std::move(*bytes);
}

// Where the server's messages come from when no option carries them: a prompt at the
// terminal, else the next line of standard input (a pipe from a script or a session).
std::string read_server_message(std::string_view what) {
    auto line = prompt_line(std::string(what) + " (base64): ", /*echo=*/true);
    if (!line) {
        throw Error(ErrorKind::usage,
                    "no " + std::string(what) + " message given (standard input ended)");
    }
    return std::move(*line);
}

// Prints the client's messages as they are produced, so that an interactive SCRAM exchange
// shows the client-first message before it waits for the server.
class Printer {
  public:
    explicit Printer(const GenRequest& request) : request_(request) {
        out_.mechanism = std::string(request.mechanism->name);
        out_.standard = request.mechanism->traits.standard;
        if (request.line) out_.protocol = std::string(mail::protocol_name(*request.line));
    }

    Printer(const Printer&) = delete;
    Printer& operator=(const Printer&) = delete;

    // The base64 of PLAIN or LOGIN is the password itself: wipe every copy we made.
    ~Printer() {
        for (auto& m : out_.messages) wipe_string(m.base64);
        for (auto& l : out_.lines) wipe_string(l);
    }

    // `index` is the message's position in the exchange; `initial` marks an initial response.
    void emit(std::string role, sasl::Response response, std::size_t index, bool initial,
              bool print) {
        std::string b64 = codec::base64_encode(response.data);
        wipe_string(response.data);
        std::vector<std::string> lines;
        if (request_.line) {
            if (index == 0) {
                lines = command_lines(*request_.line, out_.mechanism, b64, initial,
                                      request_.allow_initial_response);
            } else {
                lines.push_back(b64);
            }
            for (const auto& l : lines) out_.lines.push_back(l);
        } else {
            lines.push_back(b64);
        }
        out_.messages.push_back({std::move(role), b64, response.secret});
        wipe_string(b64);
        if (print && !request_.json) {
            for (const auto& l : lines) std::cout << l << '\n';
            std::cout << std::flush;
        }
        for (auto& l : lines) wipe_string(l);
    }

    void set_server_verified(bool verified) { out_.server_verified = verified; }

    int finish() {
        if (request_.json) {
            std::string json = render::render_gen_json(out_);
            std::cout << json << '\n';
            wipe_string(json);
        }
        std::cout << std::flush;
        if (!std::cout) throw Error(ErrorKind::io, "cannot write to standard output");
        return 0;
    }

  private:
    const GenRequest& request_;
    render::GenOutput out_;
};

// The server messages gen answers are the user's input: one that breaks the mechanism's
// grammar or checks is bad input data (65) here, not a server's protocol error.
sasl::Response step_with_context(sasl::Mechanism& mech, BytesView challenge,
                                 std::string_view what) {
    try {
        return mech.step(challenge);
    } catch (const Error& e) {
        ErrorKind kind = e.kind() == ErrorKind::protocol ? ErrorKind::bad_input : e.kind();
        throw Error(kind, std::string(what) + ": " + e.what());
    }
}

int run_scram(GenRequest& request, sasl::Mechanism& mech, Printer& printer) {
    auto first = mech.initial_response();
    if (!first) throw Error(ErrorKind::internal, "SCRAM produced no client-first message");
    const bool stateless = request.scram_stateless;
    // In the stateless form each call prints only what the user does not have yet.
    printer.emit("client-first", *first, 0, true, !stateless || !request.server_first);
    if (stateless && !request.server_first) return printer.finish();

    std::string server_first =
        request.server_first ? *request.server_first : read_server_message("server-first");
    auto final_msg = step_with_context(
        mech,
        decode_server_data(server_first, request.server_first ? "--server-first" : "server-first"),
        "server-first");
    printer.emit("client-final", final_msg, 1, false, !stateless || !request.server_final);
    if (stateless && !request.server_final) return printer.finish();

    std::string server_final =
        request.server_final ? *request.server_final : read_server_message("server-final");
    Bytes final_bytes =
        decode_server_data(server_final, request.server_final ? "--server-final" : "server-final");
    try {
        if (!mech.done()) {
            mech.step(final_bytes);
        } else {
            mech.finish(final_bytes);
        }
    } catch (const Error& e) {
        throw Error(e.kind(), std::string("server-final: ") + e.what());
    }
    if (!mech.server_verified()) {
        throw Error(ErrorKind::protocol,
                    "server-final: the server did not prove that it knows the password");
    }
    printer.set_server_verified(true);
    int status = printer.finish();
    std::cerr << "server verified: its signature proves that it knows the password\n";
    return status;
}

Bytes read_challenge(GenRequest& request) {
    std::string text;
    const char* where = "--challenge";
    if (request.challenge) {
        text = *request.challenge;
    } else {
        auto line = prompt_line("challenge (base64 or <...>): ", /*echo=*/true);
        if (!line) throw Error(ErrorKind::usage, "no challenge given (use --challenge)");
        text = std::move(*line);
        where = "challenge";
    }
    // gen-auth's convention: a challenge that starts with '<' is the raw RFC 2195 msg-id.
    std::string_view stripped = strip_continuation_prefix(text);
    if (!stripped.empty() && stripped.front() == '<') return Bytes(stripped);
    return decode_server_data(text, where);
}

}  // namespace

int run_gen(GenRequest& request) {
    const sasl::MechanismInfo& info = *request.mechanism;
    std::unique_ptr<sasl::Mechanism> mech =
        info.make(std::move(request.credentials), request.options);
    Printer printer(request);

    if (info.gen.server_steps) return run_scram(request, *mech, printer);

    std::size_t index = 0;
    if (auto ir = mech->initial_response()) {
        printer.emit("initial-response", *ir, index++, true, true);
    }
    if (!info.gen.canned_challenges.empty()) {
        // Prompts that carry no information (the client must ignore them, as LOGIN's): feed
        // the customary ones until the mechanism has given all its answers.
        const auto& prompts = info.gen.canned_challenges;
        for (std::size_t i = index; i < prompts.size() && !mech->done(); ++i) {
            printer.emit("response", mech->step(prompts[i]), index++, false, true);
        }
    } else if (!info.traits.client_first) {
        Bytes challenge = read_challenge(request);
        printer.emit("response", step_with_context(*mech, challenge, "challenge"), index++, false,
                     true);
    }
    return printer.finish();
}

}  // namespace smtpauth::cli

// `smtpauth decode`: explains SASL tokens and AUTH transcripts (RFC 4422, 4954, 3501, 5034).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/secret_input.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/render_decode.hpp"
#include "smtpauth/sasl/token.hpp"

namespace smtpauth::cli {

namespace {

struct DecodeArgs {
    std::vector<std::string> inputs;
    bool json = false;
    bool show_secrets = false;
    SecretSource check{"check-password"};
};

// Reads standard input up to the total cap; one byte more than the cap means "too big".
std::string read_stdin_capped() {
    std::string data;
    char buf[16384];
    for (;;) {
        std::size_t n = std::fread(buf, 1, sizeof buf, stdin);
        if (n > 0) data.append(buf, n);
        if (data.size() > sasl::kDecodeMaxTotalBytes)
            throw Error(ErrorKind::bad_input, "input exceeds the 1 MiB cap");
        if (n < sizeof buf) {
            if (std::ferror(stdin)) throw Error(ErrorKind::io, "cannot read standard input");
            break;
        }
    }
    return data;
}

void append_lines(std::string_view text, std::vector<std::string>& lines, bool drop_last_empty) {
    std::size_t start = 0;
    while (start <= text.size()) {
        auto nl = text.find('\n', start);
        if (nl == std::string_view::npos) {
            if (!(drop_last_empty && start == text.size())) lines.emplace_back(text.substr(start));
            break;
        }
        lines.emplace_back(text.substr(start, nl - start));
        start = nl + 1;
    }
}

std::vector<std::string> collect_lines(const DecodeArgs& args, bool& used_stdin) {
    std::vector<std::string> lines;
    std::size_t total = 0;
    auto from_stdin = [&] {
        if (used_stdin) return;  // "-" twice: stdin has been consumed already
        used_stdin = true;
        if (isatty(STDIN_FILENO))
            std::cerr << "smtpauth: reading tokens from standard input (end with Ctrl-D)\n";
        std::string data = read_stdin_capped();
        total += data.size();
        append_lines(data, lines, true);
        wipe_string(data);
    };
    if (args.inputs.empty()) from_stdin();
    for (const auto& in : args.inputs) {
        if (in == "-") {
            from_stdin();
        } else {
            total += in.size() + 1;
            append_lines(in, lines, true);
        }
        if (total > sasl::kDecodeMaxTotalBytes)
            throw Error(ErrorKind::bad_input, "input exceeds the 1 MiB cap");
    }
    return lines;
}

int run_decode(DecodeArgs& args) {
    bool tokens_from_stdin = args.inputs.empty();
    for (const auto& in : args.inputs) tokens_from_stdin = tokens_from_stdin || in == "-";
    bool checking = has_explicit_secret(args.check);
    if (checking && tokens_from_stdin && (args.check.from_stdin || args.check.file == "-"))
        throw Error(ErrorKind::usage,
                    "--check-password-stdin: standard input already carries the tokens");

    bool used_stdin = false;
    std::vector<std::string> lines = collect_lines(args, used_stdin);
    std::optional<Secret> password;
    if (checking) password = read_secret(args.check, "Password to check", false);

    sasl::DecodeOptions options;
    options.now = std::chrono::system_clock::now();
    sasl::DecodeResult result;
    try {
        result = sasl::decode_lines(lines, options);
    } catch (const Error& e) {
        for (auto& l : lines) wipe_string(l);
        // Messages may quote input bytes: never let them reach the terminal raw.
        throw Error(e.kind(), codec::escape_for_display(e.what()));
    }
    for (auto& l : lines) wipe_string(l);

    std::optional<sasl::PasswordCheck> check;
    if (password) check = sasl::check_password(result, *password);

    render::DecodeRenderOptions render_options;
    render_options.show_secrets = args.show_secrets;
    std::string out = args.json ? render::decode_json(result, check, render_options)
                                : render::decode_text(result, check, render_options);
    std::cout << out << std::flush;
    wipe_string(out);
    if (!std::cout) throw Error(ErrorKind::io, "cannot write to standard output");

    if (checking && !check)
        throw Error(ErrorKind::bad_input,
                    "nothing to check the password against (needs a PLAIN, LOGIN or CRAM "
                    "response, or a SCRAM client-first, server-first and client-final)");
    if (check && !check->matches) return exit_code(ErrorKind::mismatch);
    return 0;
}

}  // namespace

void add_decode_command(CLI::App& app, Action& action) {
    auto args = std::make_shared<DecodeArgs>();
    CLI::App* cmd = app.add_subcommand(
        "decode",
        "Explain SASL tokens and AUTH transcripts (arguments, or standard input when none or "
        "'-'). Secrets are masked unless --show-secrets.");
    cmd->add_option("TEXT", args->inputs,
                    "A token, a protocol line (AUTH ..., 334 ..., + ..., tag AUTHENTICATE ...), "
                    "or a transcript line (C: / S:); '-' reads standard input");
    cmd->add_flag("--json", args->json, "Print one JSON object (schema_version 1)");
    cmd->add_flag("--show-secrets", args->show_secrets,
                  "Show passwords, bearer tokens, CRAM digests, SCRAM proofs and JWT signatures");
    add_secret_options(*cmd, args->check,
                       "Check whether this password produced the PLAIN, LOGIN, CRAM-* or SCRAM "
                       "message");
    cmd->footer(
        "Exit status: 0 decoded (and the password matches), 1 the password does NOT match, "
        "65 invalid input or nothing to check, 64 usage.\nInput caps: 1 MiB in total, 64 KiB "
        "per line.\n"
        "\n"
        "Examples:\n"
        "  smtpauth decode AGFsaWNlAHMzY3JldA==\n"
        "  smtpauth decode --check-password-prompt < session.log\n"
        "  smtpauth probe -v -u alice mail.example.org | smtpauth decode --json -");
    cmd->callback([&action, args] { action = [args] { return run_decode(*args); }; });
}

}  // namespace smtpauth::cli

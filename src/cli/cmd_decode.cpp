// `smtpauth decode`: explains SASL tokens and AUTH transcripts (RFC 4422, 4954, 3501, 5034).
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/secret_input.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/reader.hpp"
#include "smtpauth/render_decode.hpp"
#include "smtpauth/sasl/token.hpp"

namespace smtpauth::cli {

namespace {

struct DecodeArgs {
    std::vector<std::string> inputs;
    std::vector<std::string> files;  // --file: always read as files
    std::string format;              // --format: "" or "auto" = detect
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

// Reads a named file up to the total cap; Error{no_input} (66) when it cannot be read.
std::string read_file_capped(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f)
        throw Error(ErrorKind::no_input, "cannot read '" + codec::escape_for_display(path) +
                                             "': " + std::strerror(errno));
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(f, &std::fclose);
    std::string data;
    char buf[16384];
    for (;;) {
        std::size_t n = std::fread(buf, 1, sizeof buf, f);
        data.append(buf, n);
        if (data.size() > sasl::kDecodeMaxTotalBytes)
            throw Error(ErrorKind::bad_input,
                        "'" + codec::escape_for_display(path) + "' exceeds the 1 MiB input cap");
        if (n < sizeof buf) {
            if (std::ferror(f))
                throw Error(ErrorKind::no_input,
                            "cannot read '" + codec::escape_for_display(path) + "'");
            break;
        }
    }
    return data;
}

// A positional that names an existing regular file is read as one (`--file` forces it, `-`
// is standard input).
bool names_file(const std::string& arg) {
    struct stat st {};
    return arg != "-" && ::stat(arg.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// ".txt", ".log", ".eml": a final '.' and 1-4 letters or digits, one a letter at least.
bool has_file_extension(std::string_view word) {
    auto dot = word.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return false;
    std::string_view ext = word.substr(dot + 1);
    if (ext.empty() || ext.size() > 4) return false;
    bool letter = false;
    for (char c : ext) {
        if (std::isalpha(static_cast<unsigned char>(c)))
            letter = true;
        else if (!std::isdigit(static_cast<unsigned char>(c)))
            return false;
    }
    return letter;
}

// Whether a positional that names no file was meant as one. A token is base64 (its
// alphabet includes '/'), so a word that decodes as base64 is always a token ("dXNlcg==",
// "a/b+c/de"); nor is a path a word with the characters of raw SASL text (',', '=', '@',
// '<', '>', '"', ':', as in "<1.2@host>" or "c=biws,r=..."), or one with blanks (a
// protocol line). What is left is a path when it holds '/' or '\\', or ends in a file
// extension ("session.txt", "./log", "/var/log/mail.log").
bool looks_like_path(std::string_view arg) {
    if (arg.empty() || arg == "-") return false;
    for (char c : arg)
        if (std::isspace(static_cast<unsigned char>(c)) ||
            std::iscntrl(static_cast<unsigned char>(c)) ||
            std::string_view(",=@<>\":").find(c) != std::string_view::npos)
            return false;
    if (auto bytes = codec::try_base64_decode(arg)) {  // a PLAIN token holds a password
        wipe_string(*bytes);
        return false;
    }
    return arg.find_first_of("/\\") != std::string_view::npos || has_file_extension(arg);
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
    auto from_file = [&](const std::string& path) {
        std::string data = read_file_capped(path);
        total += data.size();
        append_lines(data, lines, true);
        wipe_string(data);
    };
    if (args.inputs.empty() && args.files.empty()) from_stdin();
    for (const auto& f : args.files) {
        if (f == "-")
            from_stdin();
        else
            from_file(f);
        if (total > sasl::kDecodeMaxTotalBytes)
            throw Error(ErrorKind::bad_input, "input exceeds the 1 MiB cap");
    }
    for (const auto& in : args.inputs) {
        if (in == "-") {
            from_stdin();
        } else if (names_file(in)) {
            from_file(in);
        } else if (looks_like_path(in)) {
            struct stat st {};
            if (::stat(in.c_str(), &st) == 0)
                throw Error(ErrorKind::no_input, "cannot read '" + codec::escape_for_display(in) +
                                                     "': not a regular file");
            throw Error(ErrorKind::no_input,
                        "no such file: '" + codec::escape_for_display(in) +
                            "' (it looks like a file name and is not base64; check the path, "
                            "use --file FILE to read a file whatever its name, or pass the "
                            "token itself)");
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
    bool tokens_from_stdin = args.inputs.empty() && args.files.empty();
    for (const auto& in : args.inputs) tokens_from_stdin = tokens_from_stdin || in == "-";
    for (const auto& in : args.files) tokens_from_stdin = tokens_from_stdin || in == "-";
    bool checking = has_explicit_secret(args.check);
    if (checking && tokens_from_stdin && (args.check.from_stdin || args.check.file == "-"))
        throw Error(ErrorKind::usage,
                    "--check-password-stdin: standard input already carries the tokens");

    bool used_stdin = false;
    std::vector<std::string> lines = collect_lines(args, used_stdin);
    std::optional<Secret> password;
    if (checking) password = read_secret(args.check, "Password to check", false);

    reader::ReadOptions options;
    options.format = args.format;
    options.decode.now = std::chrono::system_clock::now();
    reader::ReadResult read;
    try {
        read = reader::read_transcript(lines, options);
    } catch (const Error& e) {
        for (auto& l : lines) wipe_string(l);
        // Messages may quote input bytes: never let them reach the terminal raw.
        throw Error(e.kind(), codec::escape_for_display(e.what()));
    }
    for (auto& l : lines) wipe_string(l);
    const sasl::DecodeResult& result = read.decoded;

    std::vector<sasl::PasswordCheck> checks;
    if (password) checks = sasl::check_passwords(result, *password);

    render::DecodeRenderOptions render_options;
    render_options.show_secrets = args.show_secrets;
    render_options.known_password = password ? &*password : nullptr;
    if (read.format != "generic" || !args.format.empty()) {
        render_options.format = read.format;
        render_options.format_detected = read.detected;
    }
    std::string out = args.json ? render::decode_json(result, checks, render_options)
                                : render::decode_text(result, checks, render_options);
    std::cout << out << std::flush;
    wipe_string(out);
    if (!std::cout) throw Error(ErrorKind::io, "cannot write to standard output");

    if (checking && checks.empty())
        throw Error(ErrorKind::bad_input,
                    "nothing to check the password against (needs a PLAIN, LOGIN or CRAM "
                    "response, a SCRAM client-first, server-first and client-final, or a "
                    "clear-text POP3 PASS, IMAP LOGIN or HTTP Basic credential)");
    for (const auto& c : checks)
        if (!c.matches) return exit_code(ErrorKind::mismatch);
    if (!checking && read.explained == 0 && lines.size() > 1)
        throw Error(ErrorKind::bad_input,
                    "nothing in the input could be explained as SASL or a credential "
                    "(--format lists what can be read)");
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
                    "a transcript line (C: / S:), or a FILE holding a transcript (an existing "
                    "file is read; a word that is not base64 and has a '/' or a file "
                    "extension such as .txt names a file, and is an error when missing); "
                    "'-' reads standard input");
    cmd->add_option("--file", args->files,
                    "Read this transcript file (repeatable; '-' = standard input), even if its "
                    "name looks like a token");
    std::string names = "auto";
    for (const auto& f : reader::formats()) names += ", " + std::string(f.name);
    cmd->add_option("--format", args->format,
                    "Transcript format instead of detecting it: " + names);
    cmd->add_flag("--json", args->json, "Print one JSON object (schema_version 1)");
    cmd->add_flag("--show-secrets", args->show_secrets,
                  "Show passwords, bearer tokens, CRAM digests, SCRAM proofs and JWT signatures");
    add_secret_options(*cmd, args->check,
                       "Check whether this password produced the PLAIN, LOGIN, CRAM-* or SCRAM "
                       "message");
    cmd->footer(
        "Transcripts of swaks, curl -v, msmtp/mpop --debug, python smtplib/imaplib/poplib, "
        "openssl s_client, gsasl, PHPMailer, Nodemailer, MailKit, JavaMail, Thunderbird, "
        "Dovecot and Postfix logs and smtpauth -v are recognised; a line that cannot be read "
        "becomes a note and decoding goes on; message bodies are never shown.\n"
        "Exit status: 0 something explained (and every checked password matches), 1 a "
        "password does NOT match, 65 invalid token, nothing explained or nothing to check, "
        "66 a file cannot be read (or a FILE argument names none), 64 usage.\nInput caps: 1 MiB in "
        "total, 64 KiB per line.\n"
        "\n"
        "Examples:\n"
        "  smtpauth decode AGFsaWNlAHMzY3JldA==\n"
        "  smtpauth decode --check-password-prompt session.log\n"
        "  smtpauth probe -v -u alice mail.example.org | smtpauth decode --json -");
    cmd->callback([&action, args] { action = [args] { return run_decode(*args); }; });
}

}  // namespace smtpauth::cli

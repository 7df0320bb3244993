// gen-auth compatibility: the binary invoked as "gen-auth" behaves like sasl2-bin's gen-auth
// (Perl, version 20060620.0): PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195), CRAM-SHA1, APOP
// (RFC 1939), HTTP-BASIC (RFC 7617), ENCODE/DECODE (RFC 4648), MD5, ROT13, ATBASH.
//
// Same argument order, "<>" for an empty value, prompts on stdout for missing values (echo
// off for passwords, or for everything with -s), the same output lines and exit statuses.
// Where the original's behaviour is odd (lenient base64 decoding, ROT13 touching '{'), it is
// reproduced on purpose: old tutorials and scripts depend on the exact output.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command.hpp"
#include "cli/line_input.hpp"
#include "smtpauth/bytes.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/secret.hpp"

namespace smtpauth::cli {

namespace {

constexpr std::string_view kCompatVersion = "20060620.0";

// The argument list and input handling of gen-auth's get_input(): take the next argument,
// or print the prompt on stdout and read a line of stdin (echo off when `quiet`, followed by
// a newline on stdout as the original prints one). EOF gives "", like Perl's undef.
class Inputs {
  public:
    explicit Inputs(std::vector<std::string> args) : args_(std::move(args)) {}

    std::string next(std::string_view prompt, bool quiet) {
        std::string value;
        if (pos_ < args_.size()) {
            value = std::move(args_[pos_++]);
        } else {
            std::cout << prompt << std::flush;
            // Perl's chomp removes the LF only: a CR stays part of the value.
            if (quiet) {
                read_line_no_echo(0, value, /*strip_cr=*/false);
                std::cout << '\n';
            } else {
                read_line(0, value, /*strip_cr=*/false);
            }
        }
        if (value == "<>") value.clear();
        return value;
    }

  private:
    std::vector<std::string> args_;
    std::size_t pos_ = 0;
};

// MIME::Base64::decode_base64 as gen-auth uses it: characters outside the alphabet are
// skipped, decoding stops at the first '=' quantum, a trailing partial quantum is padded.
// Deliberately lenient (unlike codec::base64_decode) because gen-auth users rely on it.
Bytes lenient_base64_decode(std::string_view text) {
    constexpr int kInvalid = -1;
    constexpr int kPad = 64;
    auto value_of = [](char ch) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        if (c == '=') return kPad;
        return kInvalid;
    };
    Bytes out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::array<int, 4> q{};
        std::size_t n = 0;
        for (;;) {
            int v = value_of(text[i++]);
            if (v != kInvalid) q[n++] = v;
            if (i == text.size()) {
                if (n < 4) {
                    if (n < 2) return out;
                    if (n == 2) q[2] = kPad;
                    q[3] = kPad;
                }
                break;
            }
            if (n == 4) break;
        }
        if (q[0] == kPad || q[1] == kPad) break;
        out.push_back(static_cast<char>(((q[0] << 2) | ((q[1] & 0x30) >> 4)) & 0xff));
        if (q[2] == kPad) break;
        out.push_back(static_cast<char>((((q[1] & 0x0f) << 4) | ((q[2] & 0x3c) >> 2)) & 0xff));
        if (q[3] == kPad) break;
        out.push_back(static_cast<char>((((q[2] & 0x03) << 6) | q[3]) & 0xff));
    }
    return out;
}

std::string hex(const unsigned char* data, std::size_t size) {
    return codec::hex_encode(BytesView(reinterpret_cast<const char*>(data), size));
}

std::string md5_raw(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_md5(), nullptr) != 1)
        throw Error(ErrorKind::internal, "MD5 failed");
    return std::string(reinterpret_cast<const char*>(md.data()), len);
}

// RFC 2104 HMAC as gen-auth's get_digest() computes it (keys over 64 bytes are hashed first,
// which is standard HMAC), lower-case hex.
std::string hmac_hex(const EVP_MD* md, std::string_view key, std::string_view message) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int len = 0;
    if (HMAC(md, key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(),
             &len) == nullptr)
        throw Error(ErrorKind::internal, "HMAC failed");
    return hex(out.data(), len);
}

// The ROT13/ATBASH loops of the original work on signed chars and use the range 97..123
// (one past 'z'); reproduced as is.
std::string shift_letters(std::string text, bool rot13) {
    for (char& ch : text) {
        int c = static_cast<signed char>(ch);
        if (c <= 123 && c >= 97) {
            c = rot13 ? ((c - 97 + 13) % 26) + 97 : (25 - (c - 97)) + 97;
        } else if (c <= 90 && c >= 65) {
            c = rot13 ? ((c - 65 + 13) % 26) + 65 : (25 - (c - 65)) + 65;
        }
        ch = static_cast<char>(c);
    }
    return text;
}

// Perl's /^name$/i: case-insensitive, and '$' also matches before a final newline.
bool is_type(std::string_view type, std::initializer_list<std::string_view> names) {
    if (!type.empty() && type.back() == '\n') type.remove_suffix(1);
    for (std::string_view name : names) {
        if (type.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i)
            same = std::tolower(static_cast<unsigned char>(type[i])) == name[i];
        if (same) return true;
    }
    return false;
}

void print_help() {
    std::cout
        << "Usage: gen-auth [--help|--version] | [-s] <type> ...\n"
           "\n"
           "smtpauth's gen-auth compatibility mode (the original is gen-auth "
        << kCompatVersion
        << " from sasl2-bin).\n"
           "Arguments that are not given are prompted for; \"<>\" stands for an empty value.\n"
           "Passwords are read without echo; -s turns echo off for every prompt.\n"
           "\n"
           "Types:\n"
           "  PLAIN <username> <password>              Auth String: base64(\\0user\\0pass)\n"
           "  LOGIN <username> <password>              base64 of each\n"
           "  CRAM-MD5 <username> <password> <challenge>\n"
           "  CRAM-SHA1 <username> <password> <challenge>\n"
           "                                           challenge in base64 or raw <...>\n"
           "  APOP <challenge> <password>              md5_hex(challenge . password)\n"
           "  HTTP-BASIC <username> <password>         Auth String: base64(user:pass)\n"
           "  ENCODE <string>  DECODE <string>         base64\n"
           "  MD5 <string>  MD5-BASE64 <string>  ROT13 <string>  ATBASH <string>\n"
           "\n"
           "Not supported: NTLM/SPA/MSN, ENCRYPT, SALTENCRYPT, WCSENCODE, WCSDECODE, RCE, RCD.\n"
           "For every SASL mechanism with more options, see 'smtpauth gen --help'.\n";
}

// Getopt::Std getopts('s') as the original calls it: leading "-X..." arguments are options
// (bundled letters allowed), "--" ends them, unknown letters are reported and skipped.
// Removes the options from `args`.
void parse_options(std::vector<std::string>& args, bool& quiet_all) {
    while (!args.empty() && args.front().size() >= 2 && args.front()[0] == '-') {
        std::string current = args.front();
        if (current == "--") {
            args.erase(args.begin());
            break;
        }
        char first = current[1];
        std::string rest = current.substr(2);
        if (first == 's') {
            quiet_all = true;
        } else if (first == '-' && (rest == "help" || rest == "version")) {
            // Getopt::Std answers these itself and the original then carries on.
            args.erase(args.begin());
            continue;
        } else {
            std::cerr << "Unknown option: " << first << '\n';
        }
        if (rest.empty()) {
            args.erase(args.begin());
        } else {
            args.front() = "-" + rest;
        }
    }
}

constexpr std::string_view kUnsupported[] = {
    "ntlm", "spa", "msn", "encrypt", "saltencrypt", "wcsencode", "wcsdecode", "rce", "rcd"};

}  // namespace

int run_gen_auth(int argc, char** argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);

    if (!args.empty() && is_type(args[0], {"--help"})) {
        print_help();
        return 0;
    }
    if (!args.empty() && is_type(args[0], {"--version"})) {
        std::cout << "gen-auth version " << kCompatVersion << " (smtpauth " SMTPAUTH_VERSION
                  << " compatibility mode)\n";
        return 0;
    }

    bool quiet_all = false;
    parse_options(args, quiet_all);
    Inputs in(std::move(args));
    // Which prompts hide the input: passwords always, everything with -s.
    const bool q = quiet_all;

    std::string type = in.next("encryption type: ", false);

    if (is_type(type, {"plain"})) {
        std::string user = in.next("username: ", q);
        Secret pass(in.next("password: ", true));
        // Built in place: a chain of `+` leaves unwiped temporaries holding the password
        // (and trips a false GCC 12 -Wrestrict at -O3).
        std::string message(1, '\0');
        message += user;
        message += '\0';
        message += pass.reveal();
        Secret raw(std::move(message));
        std::cout << "Auth String: " << codec::base64_encode(raw.reveal()) << '\n';
    } else if (is_type(type, {"decode"})) {
        std::string text = in.next("string: ", q);
        std::cout << lenient_base64_decode(text) << '\n';
    } else if (is_type(type, {"encode"})) {
        std::string text = in.next("string: ", q);
        std::cout << codec::base64_encode(text) << '\n';
    } else if (is_type(type, {"rot13"})) {
        std::cout << shift_letters(in.next("string: ", q), true) << '\n';
    } else if (is_type(type, {"atbash"})) {
        std::cout << shift_letters(in.next("string: ", q), false) << '\n';
    } else if (is_type(type, {"http", "http-basic"})) {
        std::string user = in.next("username: ", q);
        Secret pass(in.next("password: ", true));
        Secret raw(user + ':' + std::string(pass.reveal()));
        std::cout << "Auth String: " << codec::base64_encode(raw.reveal()) << '\n';
    } else if (is_type(type, {"login"})) {
        std::string user = in.next("username: ", q);
        Secret pass(in.next("password: ", true));
        std::cout << "Username: " << codec::base64_encode(user) << '\n'
                  << "Password: " << codec::base64_encode(pass.reveal()) << '\n';
    } else if (is_type(type, {"md5-base64", "md5-64"})) {
        std::string b64 = codec::base64_encode(md5_raw(in.next("string: ", q)));
        while (!b64.empty() && b64.back() == '=') b64.pop_back();  // Digest::MD5 pads not
        std::cout << b64 << '\n';
    } else if (is_type(type, {"md5", "md5-hex"})) {
        std::string digest = md5_raw(in.next("string: ", q));
        std::cout << hex(reinterpret_cast<const unsigned char*>(digest.data()), digest.size())
                  << '\n';
    } else if (is_type(type, {"cram", "cram-md5", "cram-sha1"})) {
        const EVP_MD* md = is_type(type, {"cram-sha1"}) ? EVP_sha1() : EVP_md5();
        std::string user = in.next("username: ", q);
        Secret pass(in.next("password: ", true));
        std::string challenge = in.next("challenge: ", q);
        if (challenge.empty() || challenge[0] != '<') {
            challenge = lenient_base64_decode(challenge);
            if (!challenge.empty() && challenge.back() == '\n') challenge.pop_back();  // chomp
        }
        std::string response = user + ' ' + hmac_hex(md, pass.reveal(), challenge);
        std::cout << codec::base64_encode(response) << '\n';
    } else if (is_type(type, {"apop"})) {
        std::string challenge = in.next("challenge: ", false);
        Secret pass(in.next("password: ", true));
        Secret input(challenge + std::string(pass.reveal()));
        std::string digest = md5_raw(input.reveal());
        std::cout << hex(reinterpret_cast<const unsigned char*>(digest.data()), digest.size())
                  << '\n';
    } else {
        for (std::string_view name : kUnsupported) {
            if (is_type(type, {name})) {
                std::cout << std::flush;
                std::cerr << "gen-auth: type " << type
                          << " is not supported by smtpauth's gen-auth compatibility mode "
                             "(supported: PLAIN, LOGIN, CRAM-MD5, CRAM-SHA1, APOP, HTTP-BASIC, "
                             "ENCODE, DECODE, MD5, MD5-BASE64, ROT13, ATBASH)\n";
                return 2;  // what the original exits with when its Perl module is missing
            }
        }
        std::cout << std::flush;
        std::cerr << "I don't speak " << type << '\n';
        return 1;
    }
    std::cout << std::flush;
    return std::cout ? 0 : exit_code(ErrorKind::io);
}

}  // namespace smtpauth::cli

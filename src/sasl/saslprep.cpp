// SASLprep (RFC 4013) via libidn's stringprep "SASLprep" profile: maps U+00AD and other
// "commonly mapped to nothing" characters away, non-ASCII spaces to U+0020, NFKC, and
// refuses controls, private use, surrogates, non-characters and bidi violations.
#include "sasl/saslprep.hpp"

#include <openssl/crypto.h>
#include <stringprep.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/secret.hpp"

namespace smtpauth::sasl::detail {

namespace {
// Owns libidn's malloc'd output; wipes it first because it may be a password.
struct PrepOutputDeleter {
    void operator()(char* p) const noexcept {
        OPENSSL_cleanse(p, std::strlen(p));
        std::free(p);
    }
};
using PrepOutput = std::unique_ptr<char, PrepOutputDeleter>;

[[noreturn]] void fail(std::string_view field, std::string_view why) {
    throw Error(ErrorKind::bad_input,
                std::string(field) + " fails SASLprep (RFC 4013): " + std::string(why));
}
}  // namespace

std::string saslprep(std::string_view input, PrepMode mode, std::string_view field) {
    if (!codec::is_valid_utf8(input)) fail(field, "not valid UTF-8");
    if (input.find('\0') != std::string_view::npos) fail(field, "contains NUL");
    std::string terminated(input);  // libidn wants a C string
    char* raw = nullptr;
    // flags: 0 = query string (unassigned allowed), STRINGPREP_NO_UNASSIGNED = stored string.
    int rc =
        stringprep_profile(terminated.c_str(), &raw, "SASLprep",
                           mode == PrepMode::stored ? STRINGPREP_NO_UNASSIGNED
                                                    : static_cast<Stringprep_profile_flags>(0));
    wipe_string(terminated);
    PrepOutput out(raw);
    if (rc != STRINGPREP_OK) fail(field, stringprep_strerror(static_cast<Stringprep_rc>(rc)));
    std::string result(out.get());
    if (result.empty()) fail(field, "the prepared string is empty");
    return result;
}

}  // namespace smtpauth::sasl::detail

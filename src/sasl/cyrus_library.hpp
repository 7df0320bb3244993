// Internal: Cyrus libsasl2's client entry points, loaded with dlopen("libsasl2.so.2") on first
// use so that commands which never run a Cyrus mechanism (`gen PLAIN`) do not map it.
#pragma once

#include <sasl/sasl.h>

#include <string>

namespace smtpauth::sasl::cyrus {

// The entry points used (names as in sasl/sasl.h, without the "sasl_" prefix).
struct Api {
    int (*client_init)(const sasl_callback_t*) = nullptr;
    int (*client_new)(const char*, const char*, const char*, const char*, const sasl_callback_t*,
                      unsigned, sasl_conn_t**) = nullptr;
    int (*client_start)(sasl_conn_t*, const char*, sasl_interact_t**, const char**, unsigned*,
                        const char**) = nullptr;
    int (*client_step)(sasl_conn_t*, const char*, unsigned, sasl_interact_t**, const char**,
                       unsigned*) = nullptr;
    int (*setprop)(sasl_conn_t*, int, const void*) = nullptr;
    void (*dispose)(sasl_conn_t**) = nullptr;
    const char* (*errdetail)(sasl_conn_t*) = nullptr;
    const char* (*errstring)(int, const char*, const char**) = nullptr;
    int (*listmech)(sasl_conn_t*, const char*, const char*, const char*, const char*, const char**,
                    unsigned*, int*) = nullptr;
    void (*version_info)(const char**, const char**, int*, int*, int*, int*) = nullptr;
};

// The loaded and client-initialised library. Throws Error{mechanism_unavailable} naming the
// Debian package when libsasl2.so.2 cannot be loaded, Error{internal} when it is unusable.
const Api& api();

// Whether api() has loaded the library in this process (start-up tests, `mechs`).
bool loaded() noexcept;

// "SASL_NOMECH" style name and Cyrus's own sentence for a result code.
std::string result_name(int code);

// sasl_callback_t stores int(*)(void); void(*)(void) is the one cast GCC allows from any
// function type without -Wcast-function-type.
template <typename F>
int (*as_callback(F* f))(void) {
    return reinterpret_cast<int (*)(void)>(reinterpret_cast<void (*)(void)>(f));
}

}  // namespace smtpauth::sasl::cyrus

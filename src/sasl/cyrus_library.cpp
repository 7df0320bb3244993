// Cyrus libsasl2 loaded at run time (dlopen "libsasl2.so.2", RTLD_LOCAL), as the OAuth layer
// loads libcurl: the program is not linked against it, so start-up stays as fast as before
// for everything that runs natively. sasl/sasl.h is used for types and constants only.
#include "sasl/cyrus_library.hpp"

#include <dlfcn.h>

#include <atomic>
#include <mutex>

#include "smtpauth/error.hpp"

namespace smtpauth::sasl::cyrus {

namespace {

std::atomic<bool> g_loaded{false};

template <typename F>
void bind(void* lib, F& fn, const char* name) {
    void* sym = dlsym(lib, name);
    if (!sym)
        throw Error(ErrorKind::internal,
                    std::string("libsasl2.so.2 lacks ") + name + " (Cyrus SASL too old?)");
    fn = reinterpret_cast<F>(sym);
}

// Cyrus logs to syslog unless told otherwise; its messages reach the user through
// sasl_errdetail() instead (the per-connection log callback keeps the last one).
int quiet_log(void*, int, const char*) {
    return SASL_OK;
}

}  // namespace

const Api& api() {
    static Api a;
    static std::once_flag once;
    static std::string failure;
    static ErrorKind failure_kind = ErrorKind::internal;
    std::call_once(once, [] {
        void* lib = dlopen("libsasl2.so.2", RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            const char* why = dlerror();
            failure = std::string(
                          "cannot load libsasl2.so.2, needed for mechanisms run by Cyrus "
                          "SASL (") +
                      (why ? why : "unknown reason") +
                      "); install the Debian package libsasl2-2 and the plugins in "
                      "libsasl2-modules";
            failure_kind = ErrorKind::mechanism_unavailable;
            return;
        }
        try {
            bind(lib, a.client_init, "sasl_client_init");
            bind(lib, a.client_new, "sasl_client_new");
            bind(lib, a.client_start, "sasl_client_start");
            bind(lib, a.client_step, "sasl_client_step");
            bind(lib, a.setprop, "sasl_setprop");
            bind(lib, a.dispose, "sasl_dispose");
            bind(lib, a.errdetail, "sasl_errdetail");
            bind(lib, a.errstring, "sasl_errstring");
            bind(lib, a.listmech, "sasl_listmech");
            bind(lib, a.version_info, "sasl_version_info");
        } catch (const Error& e) {
            failure = e.what();
            return;
        }
        static const sasl_callback_t kGlobal[] = {
            {SASL_CB_LOG, as_callback(&quiet_log), nullptr},
            {SASL_CB_LIST_END, nullptr, nullptr},
        };
        // Loads the client plugins from SASL_PATH or Cyrus's compiled-in directory.
        int rc = a.client_init(kGlobal);
        if (rc != SASL_OK) {
            failure = "Cyrus SASL did not initialise (sasl_client_init: " + result_name(rc) + ")";
            return;
        }
        g_loaded = true;
    });
    if (!failure.empty()) throw Error(failure_kind, failure);
    return a;
}

bool loaded() noexcept {
    return g_loaded;
}

std::string result_name(int code) {
    switch (code) {
        case SASL_CONTINUE:
            return "SASL_CONTINUE";
        case SASL_OK:
            return "SASL_OK";
        case SASL_FAIL:
            return "SASL_FAIL";
        case SASL_NOMEM:
            return "SASL_NOMEM";
        case SASL_BUFOVER:
            return "SASL_BUFOVER";
        case SASL_NOMECH:
            return "SASL_NOMECH";
        case SASL_BADPROT:
            return "SASL_BADPROT";
        case SASL_NOTDONE:
            return "SASL_NOTDONE";
        case SASL_BADPARAM:
            return "SASL_BADPARAM";
        case SASL_TRYAGAIN:
            return "SASL_TRYAGAIN";
        case SASL_BADMAC:
            return "SASL_BADMAC";
        case SASL_BADSERV:
            return "SASL_BADSERV";
        case SASL_WRONGMECH:
            return "SASL_WRONGMECH";
        case SASL_INTERACT:
            return "SASL_INTERACT";
        case SASL_NOTINIT:
            return "SASL_NOTINIT";
        case SASL_BADAUTH:
            return "SASL_BADAUTH";
        case SASL_NOAUTHZ:
            return "SASL_NOAUTHZ";
        case SASL_TOOWEAK:
            return "SASL_TOOWEAK";
        case SASL_ENCRYPT:
            return "SASL_ENCRYPT";
        case SASL_EXPIRED:
            return "SASL_EXPIRED";
        case SASL_NOUSER:
            return "SASL_NOUSER";
        default:
            return "SASL result " + std::to_string(code);
    }
}

}  // namespace smtpauth::sasl::cyrus

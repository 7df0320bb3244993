// The user's Kerberos credential cache and service principal names, through MIT libkrb5
// loaded with dlopen("libkrb5.so.3") on first use (RFC 4120; krb5_cc_default(3),
// krb5_sname_to_principal(3)).
#include "sasl/kerberos_ccache.hpp"

#include <dlfcn.h>
#include <krb5.h>

#include <memory>
#include <string>

namespace smtpauth::sasl::detail {

namespace {

// The entry points used, as declared in krb5.h.
struct Krb5 {
    decltype(&krb5_init_context) init_context = nullptr;
    decltype(&krb5_free_context) free_context = nullptr;
    decltype(&krb5_cc_default) cc_default = nullptr;
    decltype(&krb5_cc_get_full_name) cc_get_full_name = nullptr;
    decltype(&krb5_free_string) free_string = nullptr;
    decltype(&krb5_cc_get_principal) cc_get_principal = nullptr;
    decltype(&krb5_cc_close) cc_close = nullptr;
    decltype(&krb5_unparse_name) unparse_name = nullptr;
    decltype(&krb5_free_unparsed_name) free_unparsed_name = nullptr;
    decltype(&krb5_free_principal) free_principal = nullptr;
    decltype(&krb5_sname_to_principal) sname_to_principal = nullptr;
    decltype(&krb5_get_default_realm) get_default_realm = nullptr;
    decltype(&krb5_free_default_realm) free_default_realm = nullptr;
    decltype(&krb5_get_error_message) get_error_message = nullptr;
    decltype(&krb5_free_error_message) free_error_message = nullptr;
    std::string problem;  // why the library is unusable; empty when loaded
};

template <typename F>
void bind(void* lib, F& slot, const char* name, std::string& problem) {
    slot = reinterpret_cast<F>(dlsym(lib, name));
    if (!slot && problem.empty()) problem = std::string("libkrb5 lacks ") + name;
}

// Loaded once and kept for the process's lifetime (as the Cyrus plugins keep theirs).
const Krb5& krb5() {
    static const Krb5 api = [] {
        Krb5 k;
        void* lib = dlopen("libkrb5.so.3", RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            k.problem = "MIT Kerberos (libkrb5.so.3, Debian package libkrb5-3) cannot be loaded";
            return k;
        }
        bind(lib, k.init_context, "krb5_init_context", k.problem);
        bind(lib, k.free_context, "krb5_free_context", k.problem);
        bind(lib, k.cc_default, "krb5_cc_default", k.problem);
        bind(lib, k.cc_get_full_name, "krb5_cc_get_full_name", k.problem);
        bind(lib, k.free_string, "krb5_free_string", k.problem);
        bind(lib, k.cc_get_principal, "krb5_cc_get_principal", k.problem);
        bind(lib, k.cc_close, "krb5_cc_close", k.problem);
        bind(lib, k.unparse_name, "krb5_unparse_name", k.problem);
        bind(lib, k.free_unparsed_name, "krb5_free_unparsed_name", k.problem);
        bind(lib, k.free_principal, "krb5_free_principal", k.problem);
        bind(lib, k.sname_to_principal, "krb5_sname_to_principal", k.problem);
        bind(lib, k.get_default_realm, "krb5_get_default_realm", k.problem);
        bind(lib, k.free_default_realm, "krb5_free_default_realm", k.problem);
        bind(lib, k.get_error_message, "krb5_get_error_message", k.problem);
        bind(lib, k.free_error_message, "krb5_free_error_message", k.problem);
        return k;
    }();
    return api;
}

// One krb5 context for one question, freed with everything it made.
class Context {
  public:
    Context() {
        const Krb5& k = krb5();
        if (!k.problem.empty()) {
            problem_ = k.problem;
            return;
        }
        if (krb5_error_code rc = k.init_context(&ctx_); rc != 0) {
            ctx_ = nullptr;
            problem_ = "Kerberos cannot start (krb5_init_context failed: error " +
                       std::to_string(rc) + ", check KRB5_CONFIG / krb5.conf)";
        }
    }
    ~Context() {
        if (ctx_) krb5().free_context(ctx_);
    }
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    krb5_context get() const { return ctx_; }
    const std::string& problem() const { return problem_; }

    std::string message(krb5_error_code rc) const {
        const char* m = krb5().get_error_message(ctx_, rc);
        std::string out = m ? m : "Kerberos error " + std::to_string(rc);
        if (m) krb5().free_error_message(ctx_, m);
        return out;
    }

    std::string unparse(krb5_principal p) const {
        char* name = nullptr;
        if (krb5().unparse_name(ctx_, p, &name) != 0 || !name) return {};
        std::string out = name;
        krb5().free_unparsed_name(ctx_, name);
        return out;
    }

  private:
    krb5_context ctx_ = nullptr;
    std::string problem_;
};

}  // namespace

KerberosCredentials read_kerberos_credentials() {
    KerberosCredentials out;
    Context ctx;
    if (!ctx.problem().empty()) {
        out.problem = ctx.problem();
        return out;
    }
    const Krb5& k = krb5();
    krb5_ccache cache = nullptr;
    if (krb5_error_code rc = k.cc_default(ctx.get(), &cache); rc != 0) {
        out.problem = ctx.message(rc);
        return out;
    }
    char* full = nullptr;
    if (k.cc_get_full_name(ctx.get(), cache, &full) == 0 && full) {
        out.cache = full;
        k.free_string(ctx.get(), full);
    }
    krb5_principal principal = nullptr;
    if (krb5_error_code rc = k.cc_get_principal(ctx.get(), cache, &principal); rc != 0) {
        out.problem = ctx.message(rc);
    } else {
        out.client_principal = ctx.unparse(principal);
        k.free_principal(ctx.get(), principal);
    }
    k.cc_close(ctx.get(), cache);
    return out;
}

std::string kerberos_service_principal(std::string_view service, std::string_view host) {
    Context ctx;
    if (!ctx.problem().empty()) return {};
    const Krb5& k = krb5();
    const std::string s(service), h(host);
    krb5_principal principal = nullptr;
    if (k.sname_to_principal(ctx.get(), h.c_str(), s.c_str(), KRB5_NT_SRV_HST, &principal) != 0)
        return {};
    std::string name = ctx.unparse(principal);
    k.free_principal(ctx.get(), principal);
    // No [domain_realm] entry: the name has the empty "referral" realm, and the client asks
    // its own realm's KDC first, so that is the realm to show.
    if (!name.empty() && name.back() == '@') {
        char* realm = nullptr;
        if (k.get_default_realm(ctx.get(), &realm) == 0 && realm) {
            name += realm;
            k.free_default_realm(ctx.get(), realm);
        }
    }
    return name;
}

}  // namespace smtpauth::sasl::detail

// The Cyrus libsasl2 client back end (the Postfix xsasl model: init once, per-connection
// callbacks, no security layer): sasl_client_new/start/step behind the Mechanism interface.
// RFC 4422. The password reaches Cyrus only through SASL_CB_PASS, in a buffer this file owns
// and wipes; Cyrus's output buffers are wiped after they are copied.
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sasl/cyrus_library.hpp"
#include "sasl/mechanisms.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/cyrus.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::sasl {

namespace {

// The client mechanisms of the Cyrus plugins in each Debian package (Debian 12, Cyrus SASL
// 2.1.28; EXTERNAL is built into libsasl2 itself), most common package first.
struct PluginPackage {
    std::string_view package;
    std::string_view mechanisms;  // space separated
};
constexpr std::array kPackages{
    PluginPackage{"libsasl2-modules",
                  "SCRAM-SHA-256-PLUS SCRAM-SHA-256 SCRAM-SHA-1-PLUS SCRAM-SHA-1 SCRAM-SHA-224 "
                  "SCRAM-SHA-384 SCRAM-SHA-512 DIGEST-MD5 CRAM-MD5 NTLM PLAIN LOGIN ANONYMOUS"},
    PluginPackage{"libsasl2-modules-gssapi-mit", "GS2-KRB5 GS2-IAKERB GSSAPI GSS-SPNEGO"},
    PluginPackage{"libsasl2-modules-otp", "OTP"},
    PluginPackage{"libsasl2-modules-kdexoauth2", "XOAUTH2"},
    PluginPackage{"libsasl2-2", "EXTERNAL"},
};

// The words of a space-separated list.
std::vector<std::string_view> words(std::string_view list) {
    std::vector<std::string_view> out;
    while (!list.empty()) {
        auto sp = list.find(' ');
        if (sp != 0) out.push_back(list.substr(0, sp));
        if (sp == std::string_view::npos) break;
        list.remove_prefix(sp + 1);
    }
    return out;
}

char upper(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = upper(c);
    return out;
}

struct ConnDeleter {
    void operator()(sasl_conn_t* c) const noexcept {
        if (c) cyrus::api().dispose(&c);
    }
};
using Conn = std::unique_ptr<sasl_conn_t, ConnDeleter>;

class CyrusMechanism final : public Mechanism {
  public:
    CyrusMechanism(std::string name, Credentials c, const MechanismOptions& o, bool verifies,
                   bool secret_output)
        : name_(std::move(name)),
          credentials_(std::move(c)),
          service_(o.service.empty() ? "smtp" : o.service),
          host_(credentials_.host.empty() ? "localhost" : credentials_.host),
          binding_(o.channel_binding),
          verifies_server_(verifies),
          secret_output_(secret_output) {
        callbacks_ = {{
            {SASL_CB_AUTHNAME, cyrus::as_callback(&simple), this},
            {SASL_CB_USER, cyrus::as_callback(&simple), this},
            {SASL_CB_PASS, cyrus::as_callback(&password), this},
            {SASL_CB_GETREALM, cyrus::as_callback(&realm), this},
            {SASL_CB_LOG, cyrus::as_callback(&log), this},
            {SASL_CB_LIST_END, nullptr, nullptr},
        }};
    }

    ~CyrusMechanism() override {
        conn_.reset();  // before the password buffer it may still point to
        wipe_secret();
    }

    std::string_view name() const override { return name_; }

    std::optional<Response> initial_response() override {
        const cyrus::Api& a = cyrus::api();
        sasl_conn_t* raw = nullptr;
        int rc = a.client_new(service_.c_str(), host_.c_str(), nullptr, nullptr, callbacks_.data(),
                              0, &raw);
        if (rc != SASL_OK)
            throw Error(ErrorKind::internal,
                        name_ + " (Cyrus): sasl_client_new failed: " + cyrus::result_name(rc));
        conn_.reset(raw);
        // No security layer: the connection's protection is TLS, and the carrier has no way
        // to wrap the rest of the session (as Postfix: max_ssf 0).
        sasl_security_properties_t props{};
        props.min_ssf = 0;
        props.max_ssf = 0;
        props.maxbufsize = 0;
        a.setprop(conn_.get(), SASL_SEC_PROPS, &props);
        if (!binding_.type.empty()) {
            cb_.name = binding_.type.c_str();
            cb_.critical = 0;
            cb_.len = static_cast<unsigned>(binding_.data.size());
            cb_.data = reinterpret_cast<const unsigned char*>(binding_.data.data());
            a.setprop(conn_.get(), SASL_CHANNEL_BINDING, &cb_);
        }
        const char* out = nullptr;
        unsigned out_len = 0;
        const char* chosen = nullptr;
        sasl_interact_t* prompts = nullptr;
        rc = a.client_start(conn_.get(), name_.c_str(), &prompts, &out, &out_len, &chosen);
        if (rc == SASL_NOMECH) throw missing_plugin();
        check(rc, prompts);
        // A NULL output means the mechanism has no initial response (server-first).
        if (!out) return std::nullopt;
        return take(out, out_len);
    }

    Response step(BytesView challenge) override {
        if (!conn_ || finished_) detail::unexpected_challenge(name_, challenge);
        const char* out = nullptr;
        unsigned out_len = 0;
        sasl_interact_t* prompts = nullptr;
        int rc = cyrus::api().client_step(conn_.get(), challenge.data(),
                                          static_cast<unsigned>(challenge.size()), &prompts, &out,
                                          &out_len);
        check(rc, prompts);
        return take(out, out_len);
    }

    void finish(BytesView additional_data) override {
        if (finished_ || additional_data.empty()) return;
        Response r = step(additional_data);
        wipe_string(r.data);
    }

    bool server_verified() const override { return finished_ && verifies_server_; }
    bool done() const override { return finished_; }

  private:
    // SASL_CB_AUTHNAME / SASL_CB_USER. An empty authorisation identity makes Cyrus act as
    // the authentication identity and leave the field out, as the native mechanisms do.
    static int simple(void* context, int id, const char** result, unsigned* len) {
        auto* self = static_cast<CyrusMechanism*>(context);
        const std::string& value =
            id == SASL_CB_AUTHNAME ? self->credentials_.user : self->credentials_.authzid;
        *result = value.c_str();
        if (len) *len = static_cast<unsigned>(value.size());
        return SASL_OK;
    }

    // SASL_CB_PASS: Cyrus keeps the pointer for the connection's lifetime, so the buffer is
    // ours, made once, and wiped when the mechanism goes.
    static int password(sasl_conn_t*, void* context, int, sasl_secret_t** psecret) {
        auto* self = static_cast<CyrusMechanism*>(context);
        if (!self->secret_) {
            std::string_view pw = self->credentials_.secret.reveal();
            self->secret_size_ = sizeof(sasl_secret_t) + pw.size();
            self->secret_ = static_cast<sasl_secret_t*>(std::calloc(1, self->secret_size_));
            if (!self->secret_) return SASL_NOMEM;
            self->secret_->len = pw.size();
            std::memcpy(self->secret_->data, pw.data(), pw.size());
        }
        *psecret = self->secret_;
        return SASL_OK;
    }

    // SASL_CB_GETREALM: ours when given, else the first the server offered, else none.
    static int realm(void* context, int, const char** available, const char** result) {
        auto* self = static_cast<CyrusMechanism*>(context);
        if (!self->credentials_.realm.empty())
            *result = self->credentials_.realm.c_str();
        else if (available && available[0])
            *result = available[0];
        else
            *result = "";
        return SASL_OK;
    }

    // Cyrus's plugins explain some failures only in the log; keep the last error.
    static int log(void* context, int level, const char* message) {
        auto* self = static_cast<CyrusMechanism*>(context);
        if (level <= SASL_LOG_WARN && message) self->last_log_ = message;
        return SASL_OK;
    }

    void wipe_secret() noexcept {
        if (secret_) {
            OPENSSL_cleanse(secret_, secret_size_);
            std::free(secret_);
            secret_ = nullptr;
        }
    }

    // Copies Cyrus's output and wipes its buffer (PLAIN's holds the password in clear).
    Response take(const char* out, unsigned len) {
        Response r;
        if (out && len) {
            r.data.assign(out, len);
            OPENSSL_cleanse(const_cast<char*>(out), len);
        }
        // With a password or token, a message reveals it or allows offline guessing (PLAIN,
        // DIGEST-MD5's response, NTLM's): count every non-empty one as secret.
        r.secret = secret_output_ && !r.data.empty();
        return r;
    }

    void check(int rc, sasl_interact_t* prompts) {
        if (rc == SASL_OK) {
            finished_ = true;
            return;
        }
        if (rc == SASL_CONTINUE) return;
        if (rc == SASL_INTERACT) {
            std::string what = prompts && prompts->prompt ? prompts->prompt : "more input";
            throw Error(ErrorKind::bad_input,
                        name_ + " (Cyrus) asked for " + what + ", which smtpauth does not supply");
        }
        throw Error(kind_of(rc), name_ + " (Cyrus): " + explain(rc));
    }

    static ErrorKind kind_of(int rc) {
        switch (rc) {
            case SASL_BADAUTH:
            case SASL_NOUSER:
            case SASL_EXPIRED:
                return ErrorKind::auth_rejected;
            case SASL_NOMECH:
            case SASL_TOOWEAK:
            case SASL_ENCRYPT:
                return ErrorKind::mechanism_unavailable;
            case SASL_NOMEM:
                return ErrorKind::internal;
            default:
                return ErrorKind::protocol;
        }
    }

    // sasl_errdetail() ("SASL(-1): generic failure: <plugin's words>"), with the last
    // logged error when the detail says no more than the code.
    std::string explain(int rc) const {
        std::string detail;
        if (const char* d = cyrus::api().errdetail(conn_.get())) detail = d;
        if (detail.empty()) detail = cyrus::api().errstring(rc, nullptr, nullptr);
        if (!last_log_.empty() && detail.find(last_log_) == std::string::npos)
            detail += " (" + last_log_ + ")";
        return detail + " [" + cyrus::result_name(rc) + "]";
    }

    Error missing_plugin() const {
        std::string_view package = cyrus_package(name_);
        std::string msg = name_ + ": needs the Cyrus plugin";
        msg += package.empty() ? std::string(", and no Debian package provides one")
                               : " from " + std::string(package) + " (not installed)";
        return Error(ErrorKind::mechanism_unavailable, msg);
    }

    std::string name_;
    Credentials credentials_;
    std::string service_;
    std::string host_;
    ChannelBinding binding_;
    sasl_channel_binding_t cb_{};
    bool verifies_server_;
    bool secret_output_;
    std::array<sasl_callback_t, 6> callbacks_{};
    sasl_secret_t* secret_ = nullptr;
    std::size_t secret_size_ = 0;
    std::string last_log_;
    Conn conn_;
    bool finished_ = false;
};

// The inventory's connection answers no callback, but must name them: Cyrus lists only the
// mechanisms whose required callbacks a connection has.
int refuse_simple(void*, int, const char**, unsigned*) {
    return SASL_FAIL;
}
int refuse_password(sasl_conn_t*, void*, int, sasl_secret_t**) {
    return SASL_FAIL;
}
int refuse_realm(void*, int, const char**, const char**) {
    return SASL_FAIL;
}

}  // namespace

std::unique_ptr<Mechanism> make_cyrus_mechanism(std::string_view mechanism, Credentials credentials,
                                                const MechanismOptions& options) {
    const std::string name = upper(mechanism);
    const MechanismInfo* info = find_mechanism(name);
    if (info && info->traits.needs_user) {
        detail::require_non_empty(name, "user name", credentials.user);
        detail::require_no_bytes(name, "user name", credentials.user, std::string_view("\0", 1));
    }
    if (info && info->traits.needs_password)
        detail::require_non_empty(name, "password", credentials.secret.reveal());
    cyrus::api();  // fails here, before any I/O, when libsasl2 cannot be loaded
    if (!cyrus_has_mechanism(name)) {
        std::string_view package = cyrus_package(name);
        throw Error(ErrorKind::mechanism_unavailable,
                    name + ": needs the Cyrus plugin" +
                        (package.empty() ? std::string(", and no Debian package provides one")
                                         : " from " + std::string(package) + " (not installed)"));
    }
    // Mechanisms outside the table (OTP, ...) are taken to use a password.
    const bool secret_output = !info || info->traits.needs_password || info->traits.needs_token;
    return std::make_unique<CyrusMechanism>(name, std::move(credentials), options,
                                            info && info->traits.verifies_server, secret_output);
}

CyrusInventory cyrus_inventory() {
    CyrusInventory inv;
    try {
        const cyrus::Api& a = cyrus::api();
        const char* impl = nullptr;
        const char* ver = nullptr;
        a.version_info(&impl, &ver, nullptr, nullptr, nullptr, nullptr);
        inv.version = std::string(impl ? impl : "Cyrus SASL") + " " + (ver ? ver : "");
        // A throw-away client connection: sasl_listmech lists the client plugins usable under
        // the default security properties (any, including plaintext ones).
        static const sasl_callback_t kCallbacks[] = {
            {SASL_CB_AUTHNAME, cyrus::as_callback(&refuse_simple), nullptr},
            {SASL_CB_USER, cyrus::as_callback(&refuse_simple), nullptr},
            {SASL_CB_PASS, cyrus::as_callback(&refuse_password), nullptr},
            {SASL_CB_GETREALM, cyrus::as_callback(&refuse_realm), nullptr},
            {SASL_CB_LIST_END, nullptr, nullptr},
        };
        sasl_conn_t* raw = nullptr;
        if (a.client_new("smtp", "localhost", nullptr, nullptr, kCallbacks, 0, &raw) != SASL_OK)
            throw Error(ErrorKind::internal, "sasl_client_new failed");
        Conn conn(raw);
        const char* list = nullptr;
        unsigned len = 0;
        int count = 0;
        if (a.listmech(conn.get(), nullptr, "", " ", "", &list, &len, &count) == SASL_OK && list)
            for (auto w : words(std::string_view(list, len))) inv.mechanisms.emplace_back(w);
        inv.available = true;
    } catch (const Error& e) {
        inv.problem = e.what();
    }
    return inv;
}

bool cyrus_has_mechanism(std::string_view mechanism) {
    static const CyrusInventory inv = cyrus_inventory();
    const std::string name = upper(mechanism);
    return std::find(inv.mechanisms.begin(), inv.mechanisms.end(), name) != inv.mechanisms.end();
}

std::string_view cyrus_package(std::string_view mechanism) {
    const std::string name = upper(mechanism);
    for (const auto& p : kPackages)
        for (auto w : words(p.mechanisms))
            if (w == name) return p.package;
    return {};
}

std::vector<std::string_view> cyrus_known_mechanisms() {
    std::vector<std::string_view> out;
    for (const auto& p : kPackages)
        for (auto w : words(p.mechanisms)) out.push_back(w);
    return out;
}

bool cyrus_loaded() noexcept {
    return cyrus::loaded();
}

}  // namespace smtpauth::sasl

// Cyrus libsasl2 as an in-process SASL server for tests (the Postfix xsasl model: init
// once, per-connection objects, no security layer), backed by a temporary sasldb.
#include "cyrus_server.hpp"

#include <sasl/sasl.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "smtpauth/error.hpp"

namespace smtpauth_test {

namespace {

// Answers Cyrus' option queries; context is the CyrusServer's sasldb path (a std::string).
int getopt_cb(void* context, const char* /*plugin*/, const char* option, const char** result,
              unsigned* len) {
    const auto* db_path = static_cast<const std::string*>(context);
    std::string_view name(option ? option : "");
    const char* value = nullptr;
    if (name == "sasldb_path")
        value = db_path->c_str();
    else if (name == "pwcheck_method")
        value = "auxprop";
    else if (name == "auxprop_plugin")
        value = "sasldb";
    else if (name == "mech_list")
        value = CyrusServer::mech_list.data();
    else if (name == "log_level")
        value = "0";
    if (value == nullptr) return SASL_FAIL;  // "not set": Cyrus uses its default
    *result = value;
    if (len) *len = static_cast<unsigned>(std::string_view(value).size());
    return SASL_OK;
}

int log_cb(void*, int, const char*) {
    return SASL_OK;
}  // keep test output clean

// sasl_callback_t stores int(*)(void); void(*)(void) is the one cast GCC allows from any
// function type without -Wcast-function-type.
template <typename F>
int (*as_callback(F* f))(void) {
    return reinterpret_cast<int (*)(void)>(reinterpret_cast<void (*)(void)>(f));
}

struct ConnDeleter {
    void operator()(sasl_conn_t* c) const noexcept { sasl_dispose(&c); }
};
using Conn = std::unique_ptr<sasl_conn_t, ConnDeleter>;

Conn new_connection(unsigned flags = 0) {
    sasl_conn_t* raw = nullptr;
    int rc = sasl_server_new("smtp", "localhost", nullptr, nullptr, nullptr, nullptr, flags, &raw);
    if (rc != SASL_OK) throw std::runtime_error("sasl_server_new: " + cyrus_result_name(rc));
    return Conn(raw);
}

std::string_view view(const char* data, unsigned len) {
    return data ? std::string_view(data, len) : std::string_view();
}

}  // namespace

std::string cyrus_result_name(int code) {
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
        case SASL_BADPARAM:
            return "SASL_BADPARAM";
        case SASL_BADAUTH:
            return "SASL_BADAUTH";
        case SASL_NOAUTHZ:
            return "SASL_NOAUTHZ";
        case SASL_TOOWEAK:
            return "SASL_TOOWEAK";
        case SASL_ENCRYPT:
            return "SASL_ENCRYPT";
        case SASL_NOUSER:
            return "SASL_NOUSER";
        default:
            return "SASL result " + std::to_string(code);
    }
}

CyrusServer& CyrusServer::instance() {
    static CyrusServer server;
    return server;
}

CyrusServer::CyrusServer() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "smtpauth-cyrus-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    db_path_ = dir_ + "/sasldb2";
    // Cyrus keeps the pointer for the life of the process: static storage.
    static sasl_callback_t callbacks[3];
    callbacks[0] = {SASL_CB_GETOPT, as_callback(&getopt_cb), &db_path_};
    callbacks[1] = {SASL_CB_LOG, as_callback(&log_cb), nullptr};
    callbacks[2] = {SASL_CB_LIST_END, nullptr, nullptr};
    int rc = sasl_server_init(callbacks, "smtpauth-test");
    if (rc != SASL_OK) throw std::runtime_error("sasl_server_init: " + cyrus_result_name(rc));
}

CyrusServer::~CyrusServer() {
    // No sasl_server_done(): it unloads the plugins, and what a plugin allocated for its own
    // life (the NTLM and DIGEST-MD5 server plugins do) would then be reported as a leak from an
    // unknown module. Cyrus counts sasl_server_init calls, so a later server here still works.
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

void CyrusServer::set_password(std::string_view user, std::string_view password) {
    Conn conn = new_connection();
    std::string u(user);
    int rc = sasl_setpass(conn.get(), u.c_str(), password.data(),
                          static_cast<unsigned>(password.size()), nullptr, 0, SASL_SET_CREATE);
    if (rc != SASL_OK)
        throw std::runtime_error("sasl_setpass: " + cyrus_result_name(rc) + ": " +
                                 sasl_errdetail(conn.get()));
}

CyrusOutcome CyrusServer::authenticate(std::string_view mech, smtpauth::sasl::Mechanism& client,
                                       bool success_data,
                                       const smtpauth::sasl::ChannelBinding* binding) {
    CyrusOutcome out;
    out.result = SASL_CONTINUE;  // until Cyrus says otherwise
    // Without SASL_SUCCESS_DATA (SMTP, POP3) Cyrus sends the SCRAM server-final as one more
    // challenge; with it (IMAP-like carriers with success data) along with SASL_OK.
    Conn conn = new_connection(success_data ? SASL_SUCCESS_DATA : 0);
    std::string mech_name(mech);
    sasl_channel_binding_t cb{};
    if (binding) {
        cb.name = binding->type.c_str();
        cb.critical = 0;  // the client decides (-PLUS or "y"); Cyrus checks what it chose
        cb.len = binding->data.size();
        cb.data = reinterpret_cast<const unsigned char*>(binding->data.data());
        int rc = sasl_setprop(conn.get(), SASL_CHANNEL_BINDING, &cb);
        if (rc != SASL_OK) throw std::runtime_error("sasl_setprop: " + cyrus_result_name(rc));
    }
    const char* server_out = nullptr;
    unsigned server_len = 0;
    try {
        auto initial = client.initial_response();
        int rc = sasl_server_start(
            conn.get(), mech_name.c_str(), initial ? initial->data.data() : nullptr,
            initial ? static_cast<unsigned>(initial->data.size()) : 0, &server_out, &server_len);
        out.result = rc;
        for (int round = 0; rc == SASL_CONTINUE && round < 8; ++round) {
            ++out.challenges;
            auto response = client.step(view(server_out, server_len));
            // Cyrus leaves the output untouched on its last step: reset it, or stale data
            // from the previous challenge would look like success data.
            server_out = nullptr;
            server_len = 0;
            rc = sasl_server_step(conn.get(), response.data.data(),
                                  static_cast<unsigned>(response.data.size()), &server_out,
                                  &server_len);
            out.result = rc;
        }
        if (rc == SASL_OK && server_len > 0) {
            // Success with additional data (RFC 4422 §5): the SCRAM server-final.
            out.success_data = true;
            client.finish(view(server_out, server_len));
        }
    } catch (const smtpauth::Error& e) {
        out.client_error = e.what();
    }
    if (out.result != SASL_OK) out.detail = sasl_errdetail(conn.get());
    return out;
}

}  // namespace smtpauth_test

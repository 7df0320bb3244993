// The Kerberos mechanisms around the Cyrus client that runs them (RFC 4752 GSSAPI, RFC 5801
// GS2-KRB5, RFC 4121): ticket check, service principal from the host name, failures in plain
// words (kerberos_errors), and the principals and security layer for the report.
#include "sasl/kerberos_mechanism.hpp"

#include <arpa/inet.h>

#include <optional>
#include <string>
#include <utility>

#include "sasl/kerberos_ccache.hpp"
#include "sasl/kerberos_errors.hpp"
#include "sasl/kerberos_tokens.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::sasl::detail {

namespace {

bool is_ip_literal(const std::string& host) {
    unsigned char buf[16];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 ||
           inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

class KerberosMechanism final : public Mechanism {
  public:
    KerberosMechanism(KerberosFlavour flavour, Credentials c, const MechanismOptions& o,
                      CyrusFactory cyrus)
        : name_(flavour.name), gs2_(flavour.gs2) {
        const std::string service = o.service.empty() ? "smtp" : o.service;
        if (is_ip_literal(c.host))
            throw Error(ErrorKind::usage,
                        name_ + ": the target " + c.host +
                            " is an IP address, but Kerberos names the service after the "
                            "server's host name (" +
                            service +
                            "/HOST@REALM), never an address: probe the server by its host name");
        if (!c.user.empty())
            throw Error(ErrorKind::usage, name_ +
                                              " takes the user from the Kerberos ticket (kinit), "
                                              "not a user name; the authzid acts as another user");
        KerberosCredentials ticket = read_kerberos_credentials();
        cache_ = ticket.cache;
        client_ = ticket.client_principal;
        service_ = kerberos_service_principal(service, c.host);
        if (client_.empty()) {
            // Said before Cyrus runs: its GS2 client would ask for a password instead.
            auto f = explain_kerberos_failure("No Kerberos credentials available");
            std::string where = cache_.empty() ? ticket.problem : cache_ + ": " + ticket.problem;
            throw Error(ErrorKind::auth_rejected,
                        name_ + ": " + f->message + " (" + where + "); " + f->advice);
        }
        authzid_ = c.authzid;
        // GS2's Cyrus client acquires the credentials of the authentication identity it is
        // given; GSSAPI's takes the default ones and asks only for the authzid.
        if (gs2_) c.user = client_;
        inner_ = cyrus(name_, std::move(c), o);
    }

    std::string_view name() const override { return name_; }

    std::optional<Response> initial_response() override {
        try {
            return inner_->initial_response();
        } catch (const Error& e) {
            throw explained(e);
        }
    }

    Response step(BytesView challenge) override {
        if (!gs2_)
            if (auto offer = read_security_layer(challenge)) offered_ = offer;
        Response r;
        try {
            r = inner_->step(challenge);
        } catch (const Error& e) {
            throw explained(e);
        }
        if (!gs2_)
            if (auto choice = read_security_layer(r.data)) chosen_ = choice;
        return r;
    }

    void finish(BytesView additional_data) override {
        try {
            inner_->finish(additional_data);
        } catch (const Error& e) {
            throw explained(e);
        }
    }

    bool server_verified() const override { return inner_->server_verified(); }
    bool done() const override { return inner_->done(); }
    std::optional<ServerError> server_error() const override { return inner_->server_error(); }

    std::vector<std::pair<std::string, std::string>> details() const override {
        std::vector<std::pair<std::string, std::string>> out;
        out.emplace_back("client_principal", client_);
        out.emplace_back("credential_cache", cache_);
        out.emplace_back("service_principal", service_.empty() ? "(unknown)" : service_);
        if (!authzid_.empty()) out.emplace_back("authzid", authzid_);
        if (gs2_) {
            if (inner_->done())
                out.emplace_back("security_layer", "none (GS2 has no security layer)");
        } else if (chosen_) {
            std::string layer = security_layer_names(chosen_->layers);
            if (chosen_->layers != 1)
                layer += ", max buffer " + std::to_string(chosen_->max_buffer);
            if (offered_)
                layer += " (server offered " + security_layer_names(offered_->layers) +
                         ", max buffer " + std::to_string(offered_->max_buffer) + ")";
            out.emplace_back("security_layer", layer);
        }
        return out;
    }

  private:
    // The Cyrus error with the Kerberos cause in plain words, when one is recognised.
    Error explained(const Error& e) const {
        auto f = explain_kerberos_failure(e.what(), service_, client_);
        if (!f) return e;
        ErrorKind kind = f->problem == KerberosProblem::kdc_unreachable ? ErrorKind::connect
                                                                        : ErrorKind::auth_rejected;
        return Error(kind, name_ + ": " + f->message + "; " + f->advice);
    }

    std::string name_;
    bool gs2_;
    std::string cache_;
    std::string client_;
    std::string service_;
    std::string authzid_;
    std::optional<SecurityLayerMessage> offered_;
    std::optional<SecurityLayerMessage> chosen_;
    std::unique_ptr<Mechanism> inner_;
};

}  // namespace

std::unique_ptr<Mechanism> make_kerberos_mechanism(KerberosFlavour flavour, Credentials credentials,
                                                   const MechanismOptions& options,
                                                   CyrusFactory cyrus) {
    return std::make_unique<KerberosMechanism>(flavour, std::move(credentials), options, cyrus);
}

}  // namespace smtpauth::sasl::detail

// The Kerberos credential cache reader and service principal names, against a krb5.conf and
// credential cache names made here (no KDC, no DNS: dns_canonicalize_hostname = false).
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "sasl/kerberos_ccache.hpp"

namespace fs = std::filesystem;
using smtpauth::sasl::detail::kerberos_service_principal;
using smtpauth::sasl::detail::read_kerberos_credentials;

namespace {

// Points KRB5_CONFIG and KRB5CCNAME at a private krb5.conf and an absent cache while alive.
class PrivateRealm {
  public:
    PrivateRealm() {
        dir_ = fs::temp_directory_path() / ("smtpauth-krb5-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        std::ofstream(dir_ / "krb5.conf") << "[libdefaults]\n"
                                             "  default_realm = EXAMPLE.ORG\n"
                                             "  dns_canonicalize_hostname = false\n"
                                             "  rdns = false\n"
                                             "  dns_lookup_realm = false\n"
                                             "[domain_realm]\n"
                                             "  .other.test = OTHER.TEST\n";
        save("KRB5_CONFIG", config_);
        save("KRB5CCNAME", ccname_);
        ::setenv("KRB5_CONFIG", (dir_ / "krb5.conf").c_str(), 1);
        ::setenv("KRB5CCNAME", ("FILE:" + (dir_ / "no-such-cache").string()).c_str(), 1);
    }
    ~PrivateRealm() {
        restore("KRB5_CONFIG", config_);
        restore("KRB5CCNAME", ccname_);
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    const fs::path& dir() const { return dir_; }

  private:
    static void save(const char* name, std::optional<std::string>& slot) {
        if (const char* v = ::getenv(name)) slot = v;
    }
    static void restore(const char* name, const std::optional<std::string>& slot) {
        if (slot)
            ::setenv(name, slot->c_str(), 1);
        else
            ::unsetenv(name);
    }
    fs::path dir_;
    std::optional<std::string> config_, ccname_;
};

}  // namespace

TEST_SUITE("smtpauth::sasl") {
    TEST_CASE("kerberos ccache: an absent cache has no principal and says why") {
        PrivateRealm realm;
        auto creds = read_kerberos_credentials();
        CHECK(creds.client_principal.empty());
        CHECK(creds.cache == "FILE:" + (realm.dir() / "no-such-cache").string());
        CHECK(creds.problem.find("No credentials cache found") != std::string::npos);
    }

    TEST_CASE("kerberos ccache: service principals from the host name and [domain_realm]") {
        PrivateRealm realm;
        CHECK(kerberos_service_principal("smtp", "mail.other.test") ==
              "smtp/mail.other.test@OTHER.TEST");
        // No mapping: the client's default realm.
        CHECK(kerberos_service_principal("imap", "localhost") == "imap/localhost@EXAMPLE.ORG");
    }
}

// The token store: one JSON file per account (mode 0600, refused when group or others may
// read it), written atomically (temp file + fsync + rename) and locked with flock(2) on a
// sibling FILE.lock so that concurrent refreshes make one request (format: man smtpauth,
// TOKEN STORE).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "oauth/store_codec.hpp"
#include "smtpauth/oauth.hpp"

namespace smtpauth::oauth {

namespace {

constexpr int kStoreVersion = 1;
constexpr std::size_t kMaxStoreBytes = 1024 * 1024;

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string sys_error() {
    return std::strerror(errno);
}

// Overwrites every string in a parsed or built document (tokens live there briefly).
void wipe_json(nlohmann::json& doc) {
    if (doc.is_string()) {
        wipe_string(doc.get_ref<std::string&>());
    } else if (doc.is_structured()) {
        for (auto& item : doc) wipe_json(item);
    }
}

std::string text(const nlohmann::json& doc, const char* key) {
    if (!doc.contains(key) || !doc.at(key).is_string()) return {};
    return doc.at(key).get<std::string>();
}

std::string read_fd(int fd, const std::string& path) {
    std::string data;
    data.reserve(16384);
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error(ErrorKind::no_input,
                        "cannot read the token store " + path + ": " + sys_error());
        }
        if (n == 0) break;
        if (data.size() + static_cast<std::size_t>(n) > kMaxStoreBytes)
            throw Error(ErrorKind::bad_input, "the token store " + path + " is too large");
        if (data.capacity() < data.size() + static_cast<std::size_t>(n)) {
            std::string bigger;
            bigger.reserve(data.capacity() * 2);
            bigger = data;
            wipe_string(data);
            data.swap(bigger);
        }
        data.append(buf, static_cast<std::size_t>(n));
    }
    return data;
}

std::string quoted_for_shell(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

}  // namespace

StoreLock::StoreLock(const std::string& path, std::chrono::milliseconds wait) {
    std::string lock_path = path + ".lock";
    fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ < 0)
        throw Error(ErrorKind::io, "cannot open the lock file " + lock_path + ": " + sys_error());
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            ::close(fd_);
            throw Error(ErrorKind::io, "cannot lock " + lock_path + ": " + sys_error());
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            ::close(fd_);
            throw Error(ErrorKind::timeout, "another smtpauth holds the token store lock " +
                                                lock_path + " (waited " +
                                                std::to_string(wait.count() / 1000) + " s)");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

StoreLock::~StoreLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

bool store_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

Store load_store(const std::string& path, const StoreCodec& codec) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw Error(ErrorKind::no_input,
                    "cannot open the token store " + path + ": " + sys_error());
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(ErrorKind::bad_input, "the token store " + path + " is not a regular file");
    }
    if ((st.st_mode & 077) != 0) {
        ::close(fd);
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw Error(ErrorKind::bad_input,
                    "the token store " + path + " has mode " + mode +
                        ": group or others may read or change it, so its tokens may have "
                        "leaked; refused. Run: chmod 600 " +
                        quoted_for_shell(path) + " (and consider revoking its tokens)");
    }
    if (st.st_uid != ::geteuid()) {
        ::close(fd);
        throw Error(ErrorKind::bad_input,
                    "the token store " + path + " belongs to another user; refused");
    }
    std::string raw = read_fd(fd, path);
    ::close(fd);
    if (!codec.decrypt_cmd.empty()) {
        std::string plain = run_filter(codec.decrypt_cmd, raw, "--decrypt-cmd");
        wipe_string(raw);
        raw.swap(plain);
    }
    auto doc = nlohmann::json::parse(raw, nullptr, false);
    wipe_string(raw);
    if (doc.is_discarded() || !doc.is_object())
        throw Error(ErrorKind::bad_input, "the token store " + path +
                                              " is not a JSON object (damaged, or encrypted: "
                                              "give --decrypt-cmd)");
    if (!doc.contains("version") || doc.at("version") != kStoreVersion) {
        wipe_json(doc);
        throw Error(ErrorKind::bad_input,
                    "the token store " + path + " has no supported \"version\" (1 expected)");
    }
    Store s;
    s.client.provider = text(doc, "provider");
    s.client.tenant = text(doc, "tenant");
    s.client.endpoints.issuer = text(doc, "issuer");
    s.client.endpoints.authorize = text(doc, "authorize_endpoint");
    s.client.endpoints.token = text(doc, "token_endpoint");
    s.client.endpoints.device = text(doc, "device_endpoint");
    s.client.client_id = text(doc, "client_id");
    s.client.client_secret = Secret(text(doc, "client_secret"));
    s.client.http.cafile = text(doc, "cafile");
    if (doc.contains("scopes") && doc.at("scopes").is_array())
        for (const auto& sc : doc.at("scopes"))
            if (sc.is_string()) s.client.scopes.push_back(sc.get<std::string>());
    s.tokens.access_token = Secret(text(doc, "access_token"));
    s.tokens.refresh_token = Secret(text(doc, "refresh_token"));
    s.tokens.id_token = Secret(text(doc, "id_token"));
    s.tokens.token_type = text(doc, "token_type");
    s.tokens.scope = text(doc, "scope");
    if (doc.contains("expires_at") && doc.at("expires_at").is_number_integer())
        s.tokens.expires_at = doc.at("expires_at").get<std::int64_t>();
    wipe_json(doc);
    return s;
}

void save_store(const std::string& path, const Store& store, const StoreCodec& codec) {
    nlohmann::json doc = nlohmann::json::object();
    doc["version"] = kStoreVersion;
    auto put = [&doc](const char* key, std::string_view value) {
        if (!value.empty()) doc[key] = std::string(value);
    };
    put("provider", store.client.provider);
    put("tenant", store.client.tenant);
    put("issuer", store.client.endpoints.issuer);
    put("authorize_endpoint", store.client.endpoints.authorize);
    put("token_endpoint", store.client.endpoints.token);
    put("device_endpoint", store.client.endpoints.device);
    put("client_id", store.client.client_id);
    put("client_secret", store.client.client_secret.reveal());
    put("cafile", store.client.http.cafile);
    doc["scopes"] = store.client.scopes;
    put("access_token", store.tokens.access_token.reveal());
    put("refresh_token", store.tokens.refresh_token.reveal());
    put("id_token", store.tokens.id_token.reveal());
    put("token_type", store.tokens.token_type);
    put("scope", store.tokens.scope);
    if (store.tokens.expires_at) doc["expires_at"] = *store.tokens.expires_at;
    doc["saved_at"] = now_seconds();
    std::string data = doc.dump(2) + "\n";
    wipe_json(doc);
    if (!codec.encrypt_cmd.empty()) {
        std::string cipher = run_filter(codec.encrypt_cmd, data, "--encrypt-cmd");
        wipe_string(data);
        data.swap(cipher);
    }

    std::string tmp = path + ".tmp.XXXXXX";
    int fd = ::mkstemp(tmp.data());
    if (fd < 0) {
        wipe_string(data);
        throw Error(ErrorKind::io,
                    "cannot create a temporary file beside " + path + ": " + sys_error());
    }
    bool ok = ::fchmod(fd, 0600) == 0;
    std::size_t written = 0;
    while (ok && written < data.size()) {
        ssize_t n = ::write(fd, data.data() + written, data.size() - written);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) written += static_cast<std::size_t>(n);
    }
    wipe_string(data);
    ok = ok && ::fsync(fd) == 0;
    ok = ::close(fd) == 0 && ok;
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string why = sys_error();
        ::unlink(tmp.c_str());
        throw Error(ErrorKind::io, "cannot write the token store " + path + ": " + why);
    }
}

bool access_token_fresh(const TokenSet& tokens, std::chrono::seconds margin,
                        std::chrono::system_clock::time_point now) {
    if (tokens.access_token.empty() || !tokens.expires_at) return false;
    auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    return *tokens.expires_at - now_s > margin.count();
}

std::string renew_command(const std::string& path, const Store& store) {
    std::string flow = "device";
    if (store.client.provider == "google" ||
        (store.client.endpoints.device.empty() && !store.client.endpoints.authorize.empty()))
        flow = "browser";
    std::string cmd = "smtpauth token --store " + quoted_for_shell(path) + " --flow " + flow;
    if (!store.client.client_secret.empty())
        cmd += " --client-secret-file FILE";  // the store keeps it, but a new one may be due
    return cmd;
}

TokenSet token_from_store(const std::string& path, const StoreCodec& codec, bool* refreshed,
                          bool force_refresh) {
    if (refreshed) *refreshed = false;
    StoreLock lock(path, std::chrono::seconds(60));
    Store store = load_store(path, codec);
    auto clone = [](const TokenSet& t) {
        TokenSet c;
        c.access_token = t.access_token.clone();
        c.refresh_token = t.refresh_token.clone();
        c.id_token = t.id_token.clone();
        c.token_type = t.token_type;
        c.scope = t.scope;
        c.expires_at = t.expires_at;
        return c;
    };
    if (!force_refresh && access_token_fresh(store.tokens, std::chrono::seconds(60)))
        return clone(store.tokens);
    if (store.tokens.refresh_token.empty())
        throw Error(ErrorKind::auth_rejected,
                    "the token store " + path +
                        " holds no valid access token and no refresh token; renew it with: " +
                        renew_command(path, store));
    TokenSet fresh;
    try {
        fresh = refresh(store.client, store.tokens.refresh_token);
    } catch (const TokenEndpointError& e) {
        if (e.code() != "invalid_grant") throw;
        throw TokenEndpointError(
            e.code(), e.aadsts(),
            "the authorization saved in " + path +
                " is gone (the refresh token was revoked or has expired, or the password "
                "changed)\n" +
                std::string(e.what()) + "\n  renew it with: " + renew_command(path, store));
    }
    if (refreshed) *refreshed = true;
    // RFC 6749 §6: without a new refresh token the old one stays valid.
    if (fresh.refresh_token.empty()) fresh.refresh_token = store.tokens.refresh_token.clone();
    if (fresh.scope.empty()) fresh.scope = store.tokens.scope;
    store.tokens = clone(fresh);
    save_store(path, store, codec);
    return fresh;
}

}  // namespace smtpauth::oauth

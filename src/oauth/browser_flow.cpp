// Authorization code grant (RFC 6749 §4.1) for a native app: PKCE S256 (RFC 7636) and a
// loopback redirect on 127.0.0.1 with a random port (RFC 8252 §7.3, §8.3). The listener
// accepts exactly one callback on its path whose `state` matches, answers it with a short
// page and closes before the code is exchanged, so a second callback finds no listener.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include "crypto/crypto.hpp"
#include "oauth/token_request.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/oauth.hpp"

namespace smtpauth::oauth {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxRequestHead = 8192;
constexpr std::chrono::milliseconds kPerRequestWait{5000};

class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

  private:
    int fd_;
};

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return static_cast<int>(std::max<long long>(0, std::min<long long>(left.count(), 1 << 30)));
}

// The request head (up to the empty line), bounded in size and time; "" on failure.
std::string read_head(int fd) {
    std::string head;
    auto deadline = Clock::now() + kPerRequestWait;
    char buf[1024];
    while (head.find("\r\n\r\n") == std::string::npos && head.find("\n\n") == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return {};
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return head;
        head.append(buf, static_cast<std::size_t>(n));
        if (head.size() > kMaxRequestHead) return {};
    }
    return head;
}

void answer(int fd, std::string_view status, std::string_view text) {
    std::string body =
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>smtpauth</title></head>"
        "<body><p>" +
        std::string(text) + "</p></body></html>\n";
    std::string response = "HTTP/1.1 " + std::string(status) +
                           "\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: "
                           "no-store\r\nConnection: close\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body;
    std::size_t sent = 0;
    while (sent < response.size()) {
        ssize_t n = ::send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;
        sent += static_cast<std::size_t>(n);
    }
}

struct Callback {
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
};

// request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
std::optional<Callback> parse_request_line(std::string_view head) {
    auto eol = head.find_first_of("\r\n");
    std::string_view line = head.substr(0, eol);
    if (!line.starts_with("GET ")) return std::nullopt;
    line.remove_prefix(4);
    auto sp = line.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    std::string_view target = line.substr(0, sp);
    Callback cb;
    auto q = target.find('?');
    cb.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) {
        std::string_view rest = target.substr(q + 1);
        while (!rest.empty()) {
            auto amp = rest.find('&');
            std::string_view pair = rest.substr(0, amp);
            auto eq = pair.find('=');
            std::string name = http::url_decode(pair.substr(0, eq));
            std::string value = eq == std::string_view::npos
                                    ? std::string()
                                    : http::url_decode(pair.substr(eq + 1));
            cb.query.emplace_back(std::move(name), std::move(value));
            if (amp == std::string_view::npos) break;
            rest.remove_prefix(amp + 1);
        }
    }
    return cb;
}

const std::string* param(const Callback& cb, std::string_view name) {
    for (const auto& [k, v] : cb.query)
        if (k == name) return &v;
    return nullptr;
}

std::string joined(const std::vector<std::string>& scopes) {
    std::string out;
    for (const auto& s : scopes) out += (out.empty() ? "" : " ") + s;
    return out;
}

struct Outcome {
    Secret code;
    std::string error;
    std::string error_description;
};

}  // namespace

TokenSet browser_flow(const ClientConfig& client, const BrowserEvents& events,
                      std::chrono::milliseconds timeout) {
    if (client.endpoints.authorize.empty() || client.endpoints.token.empty())
        throw Error(ErrorKind::usage,
                    "the browser flow needs an authorization and a token endpoint: --provider, "
                    "--issuer, or --authorize-endpoint and --token-endpoint");
    if (client.client_id.empty()) throw Error(ErrorKind::usage, "--client-id is required");
    http::require_https(client.endpoints.authorize, "authorization endpoint");

    Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (listener.get() < 0) throw Error(ErrorKind::io, "cannot create the loopback listener");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;  // RFC 8252 §7.3: any port; the kernel picks a free one
    socklen_t len = sizeof addr;
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener.get(), 4) != 0 ||
        ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        throw Error(ErrorKind::io, "cannot listen on 127.0.0.1 for the redirect");
    const std::string redirect_uri =
        "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/";

    const Secret verifier(pkce_verifier());
    const std::string state = codec::hex_encode(crypto::random_bytes(16));
    std::string url = client.endpoints.authorize;
    url += (url.find('?') == std::string::npos ? '?' : '&');
    url += "response_type=code&client_id=" + http::url_encode(client.client_id) +
           "&redirect_uri=" + http::url_encode(redirect_uri) +
           "&scope=" + http::url_encode(joined(client.scopes)) + "&state=" + state +
           "&code_challenge=" + pkce_challenge_s256(verifier.reveal()) +
           "&code_challenge_method=S256";
    // Google issues a refresh token only for offline access with a consent prompt.
    if (client.provider == "google") url += "&access_type=offline&prompt=consent";
    if (events.show_url) events.show_url(url);

    const auto deadline = Clock::now() + timeout;
    Outcome outcome;
    bool done = false;
    while (!done) {
        pollfd p{listener.get(), POLLIN, 0};
        int ready = ::poll(&p, 1, remaining_ms(deadline));
        if (ready == 0 || Clock::now() >= deadline)
            throw Error(ErrorKind::timeout, "no sign-in arrived at " + redirect_uri +
                                                " within --timeout (" +
                                                std::to_string(timeout.count() / 1000) + " s)");
        if (ready < 0) continue;
        Fd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (conn.get() < 0) continue;
        std::string head = read_head(conn.get());
        auto cb = parse_request_line(head);
        wipe_string(head);
        if (!cb) {
            answer(conn.get(), "400 Bad Request", "smtpauth: not a sign-in callback.");
            if (events.refused) events.refused("a request that is not an HTTP GET");
            continue;
        }
        if (cb->path != "/") {
            answer(conn.get(), "404 Not Found", "smtpauth: not the sign-in callback.");
            if (events.refused)
                events.refused("a request for " + codec::escape_for_display(cb->path) +
                               " (not the redirect path)");
            continue;
        }
        const std::string* got_state = param(*cb, "state");
        if (!got_state || !crypto::constant_time_equal(*got_state, state)) {
            answer(conn.get(), "400 Bad Request",
                   "smtpauth: this sign-in does not belong to the running command (state "
                   "mismatch); ignored.");
            if (events.refused) events.refused("a callback whose state does not match (ignored)");
            for (auto& [k, v] : cb->query) wipe_string(v);
            continue;
        }
        if (const std::string* code = param(*cb, "code")) {
            outcome.code = Secret(*code);
            answer(conn.get(), "200 OK",
                   "smtpauth: signed in. You can close this window and return to the terminal.");
        } else {
            const std::string* err = param(*cb, "error");
            const std::string* desc = param(*cb, "error_description");
            outcome.error = err ? *err : "invalid_request";
            outcome.error_description = desc ? *desc : "";
            answer(conn.get(), "200 OK",
                   "smtpauth: the sign-in did not succeed; see the terminal for details.");
        }
        for (auto& [k, v] : cb->query) wipe_string(v);
        done = true;
    }
    listener.reset();  // exactly one callback: later ones find nothing listening

    if (!outcome.error.empty()) {
        nlohmann::json doc = {{"error", outcome.error},
                              {"error_description", outcome.error_description}};
        throw detail::explain_error(doc, "authorization endpoint", client.provider);
    }
    std::vector<http::FormField> form;
    form.push_back({"grant_type", Secret(std::string("authorization_code"))});
    form.push_back({"code", std::move(outcome.code)});
    form.push_back({"redirect_uri", Secret(redirect_uri)});
    form.push_back({"code_verifier", verifier.clone()});
    detail::add_client_authentication(client, form);
    return detail::request_token(client, client.endpoints.token, form, "token endpoint");
}

}  // namespace smtpauth::oauth

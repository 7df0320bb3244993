// HTTPS requests to identity providers through libcurl, loaded with dlopen("libcurl.so.4")
// only when a command needs OAuth: the program is not linked against libcurl and its 30-odd
// dependencies, so `gen` and `probe` start as fast as before. curl.h is used for the
// constants and types only.
#include "oauth/http_client.hpp"

#include <curl/curl.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "smtpauth/error.hpp"

namespace smtpauth::oauth::http {

namespace {

// The few libcurl entry points used (names as in curl/easy.h).
struct CurlApi {
    CURL* (*easy_init)() = nullptr;
    CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
    CURLcode (*easy_perform)(CURL*) = nullptr;
    CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
    void (*easy_cleanup)(CURL*) = nullptr;
    char* (*easy_escape)(CURL*, const char*, int) = nullptr;
    char* (*easy_unescape)(CURL*, const char*, int, int*) = nullptr;
    void (*free)(void*) = nullptr;
    curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
    void (*slist_free_all)(curl_slist*) = nullptr;
    CURLcode (*global_init)(long) = nullptr;
};

template <typename F>
void bind(void* lib, F& fn, const char* name) {
    void* sym = dlsym(lib, name);
    if (!sym)
        throw Error(ErrorKind::internal,
                    std::string("libcurl.so.4 lacks ") + name + " (libcurl too old?)");
    fn = reinterpret_cast<F>(sym);
}

const CurlApi& curl_api() {
    static CurlApi api;
    static std::once_flag once;
    static std::string failure;
    std::call_once(once, [] {
        // RTLD_LOCAL: curl's symbols stay out of the global namespace.
        void* lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            const char* why = dlerror();
            failure = std::string("cannot load libcurl.so.4, needed for OAuth over HTTPS (") +
                      (why ? why : "unknown reason") +
                      "); install the libcurl4 package (Debian: libcurl4)";
            return;
        }
        try {
            bind(lib, api.easy_init, "curl_easy_init");
            bind(lib, api.easy_setopt, "curl_easy_setopt");
            bind(lib, api.easy_perform, "curl_easy_perform");
            bind(lib, api.easy_getinfo, "curl_easy_getinfo");
            bind(lib, api.easy_cleanup, "curl_easy_cleanup");
            bind(lib, api.easy_escape, "curl_easy_escape");
            bind(lib, api.easy_unescape, "curl_easy_unescape");
            bind(lib, api.free, "curl_free");
            bind(lib, api.slist_append, "curl_slist_append");
            bind(lib, api.slist_free_all, "curl_slist_free_all");
            bind(lib, api.global_init, "curl_global_init");
        } catch (const Error& e) {
            failure = e.what();
            return;
        }
        api.global_init(CURL_GLOBAL_DEFAULT);
    });
    if (!failure.empty()) throw Error(ErrorKind::internal, failure);
    return api;
}

struct Transfer {
    std::string body;
    bool too_large = false;
};

extern "C" size_t write_body(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    size_t n = size * count;
    if (t->body.size() + n > kMaxResponseBytes) {
        t->too_large = true;
        return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    // Grow by hand so that no reallocation leaves an unwiped copy of a token behind.
    if (t->body.capacity() < t->body.size() + n) {
        std::string bigger;
        bigger.reserve(std::max(t->body.capacity() * 2, t->body.size() + n));
        bigger = t->body;
        wipe_string(t->body);
        t->body.swap(bigger);
    }
    t->body.append(data, n);
    return n;
}

ErrorKind kind_of(CURLcode rc) {
    switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
            return ErrorKind::resolve;
        case CURLE_COULDNT_CONNECT:
            return ErrorKind::connect;
        case CURLE_OPERATION_TIMEDOUT:
            return ErrorKind::timeout;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
            return ErrorKind::certificate;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ENGINE_NOTFOUND:
            return ErrorKind::tls;
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
            return ErrorKind::usage;
        default:
            return ErrorKind::protocol;
    }
}

// Loopback addresses never go through a proxy (a private identity provider on this host).
std::string no_proxy_list() {
    std::string list = "localhost,127.0.0.1,::1";
    for (const char* name : {"no_proxy", "NO_PROXY"}) {
        const char* v = std::getenv(name);
        if (v && *v) return std::string(v) + "," + list;
    }
    return list;
}

Response perform(const std::string& url, const std::string* body, const HttpSettings& settings,
                 std::string_view what) {
    require_https(url, what);
    const CurlApi& api = curl_api();
    CURL* h = api.easy_init();
    if (!h) throw Error(ErrorKind::internal, "curl_easy_init failed");
    struct Cleanup {
        const CurlApi& api;
        CURL* h;
        curl_slist* headers = nullptr;
        ~Cleanup() {
            api.slist_free_all(headers);
            api.easy_cleanup(h);
        }
    } cleanup{api, h};

    Transfer transfer;
    char error_buffer[CURL_ERROR_SIZE] = {};
    std::string no_proxy = no_proxy_list();
    cleanup.headers = api.slist_append(nullptr, "Accept: application/json");
    api.easy_setopt(h, CURLOPT_URL, url.c_str());
    api.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    api.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    api.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    api.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    api.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!settings.cafile.empty()) api.easy_setopt(h, CURLOPT_CAINFO, settings.cafile.c_str());
    api.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(h, CURLOPT_NOPROXY, no_proxy.c_str());
    api.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                    static_cast<long>(settings.connect_timeout.count()));
    api.easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(settings.total_timeout.count()));
    api.easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(kMaxResponseBytes));
    api.easy_setopt(h, CURLOPT_USERAGENT, "smtpauth/oauth");
    api.easy_setopt(h, CURLOPT_HTTPHEADER, cleanup.headers);
    api.easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
    api.easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
    api.easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
    if (body) {
        api.easy_setopt(h, CURLOPT_POST, 1L);
        api.easy_setopt(h, CURLOPT_POSTFIELDS, body->data());
        api.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    }

    CURLcode rc = api.easy_perform(h);
    Response r;
    r.body = Secret(std::move(transfer.body));
    if (transfer.too_large || rc == CURLE_FILESIZE_EXCEEDED)
        throw Error(ErrorKind::protocol, std::string("the ") + std::string(what) + " (" + url +
                                             ") sent a response larger than " +
                                             std::to_string(kMaxResponseBytes / 1024) +
                                             " KiB; refused");
    if (rc != CURLE_OK) {
        std::string detail = error_buffer[0] ? error_buffer : "transfer failed";
        std::string msg = std::string("the ") + std::string(what) + " (" + url + "): " + detail;
        if (rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR || rc == CURLE_PARTIAL_FILE)
            msg = std::string("the ") + std::string(what) + " (" + url +
                  ") closed the connection without a complete answer (" + detail + ")";
        if (rc == CURLE_OPERATION_TIMEDOUT)
            msg += "; the identity provider did not answer in time (--timeout)";
        if (rc == CURLE_PEER_FAILED_VERIFICATION)
            msg += "; for a private identity provider give its CA with --cafile";
        throw Error(kind_of(rc), msg);
    }
    api.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    char* ct = nullptr;
    if (api.easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) r.content_type = ct;
    char* location = nullptr;
    if (api.easy_getinfo(h, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location)
        r.location = location;
    return r;
}

}  // namespace

void require_https(const std::string& url, std::string_view what) {
    constexpr std::string_view scheme = "https://";
    bool ok = url.size() > scheme.size();
    for (std::size_t i = 0; ok && i < scheme.size(); ++i)
        ok = (url[i] | 0x20) == scheme[i] || url[i] == scheme[i];
    if (!ok)
        throw Error(ErrorKind::usage,
                    "the " + std::string(what) + " must be an https:// URL, not '" + url + "'");
}

std::string url_encode(std::string_view text) {
    const CurlApi& api = curl_api();
    char* out = api.easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
    if (!out) throw Error(ErrorKind::internal, "curl_easy_escape failed");
    std::string result(out);
    api.free(out);
    return result;
}

std::string url_decode(std::string_view text) {
    std::string plus_as_space(text);
    for (char& c : plus_as_space)
        if (c == '+') c = ' ';
    const CurlApi& api = curl_api();
    int length = 0;
    char* out = api.easy_unescape(nullptr, plus_as_space.data(),
                                  static_cast<int>(plus_as_space.size()), &length);
    if (!out) throw Error(ErrorKind::internal, "curl_easy_unescape failed");
    std::string result(out, static_cast<std::size_t>(length));
    // The text may be an authorization code: wipe the intermediate copies.
    std::fill(out, out + length, '\0');
    api.free(out);
    wipe_string(plus_as_space);
    return result;
}

Response post_form(const std::string& url, const std::vector<FormField>& form,
                   const HttpSettings& settings, std::string_view what) {
    // Reserved up front so that appending never leaves an unwiped copy of a secret behind.
    std::size_t size = 0;
    for (const auto& field : form) size += 2 + 3 * (field.name.size() + field.value.size());
    std::string body;
    body.reserve(size);
    for (const auto& field : form) {
        if (!body.empty()) body += '&';
        body += url_encode(field.name);
        body += '=';
        std::string value = url_encode(field.value.reveal());
        body += value;
        wipe_string(value);
    }
    try {
        Response r = perform(url, &body, settings, what);
        wipe_string(body);
        return r;
    } catch (...) {
        wipe_string(body);
        throw;
    }
}

Response get(const std::string& url, const HttpSettings& settings, std::string_view what) {
    return perform(url, nullptr, settings, what);
}

}  // namespace smtpauth::oauth::http

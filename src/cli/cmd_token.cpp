// `smtpauth token`: obtain, refresh and store OAuth2 access tokens for mail (browser, device,
// refresh and client-credentials flows); the access token alone on stdout.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/command.hpp"
#include "cli/secret_input.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/oauth.hpp"
#include "smtpauth/render_token.hpp"

namespace smtpauth::cli {

namespace {

struct TokenArgs {
    std::string flow;
    std::string provider;
    std::string tenant;
    std::string issuer;
    std::string authorize_endpoint;
    std::string token_endpoint;
    std::string device_endpoint;
    std::string client_id;
    SecretSource client_secret{"client-secret"};
    SecretSource refresh_token{"refresh-token"};
    std::vector<std::string> scopes;
    std::string cafile;
    double timeout = 300;
    bool no_browser = false;
    std::string store;
    std::string encrypt_cmd;
    std::string decrypt_cmd;
    bool json = false;
    bool show_secrets = false;
};

std::string program_on_path(const char* name) {
    const char* path = std::getenv("PATH");
    if (!path) return {};
    std::string_view rest(path);
    while (!rest.empty()) {
        auto colon = rest.find(':');
        std::string dir(rest.substr(0, colon));
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }
    return {};
}

// Opens the URL with xdg-open when it exists and a display is likely; never fails the flow
// (the URL is printed anyway).
void open_browser(const std::string& url) {
    if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY")) return;
    std::string opener = program_on_path("xdg-open");
    if (opener.empty()) return;
    pid_t pid = ::fork();
    if (pid != 0) {
        if (pid > 0) {
            int status = 0;
            ::waitpid(pid, &status, 0);  // the intermediate child exits at once
        }
        return;
    }
    // Double fork: the browser outlives us and is never our zombie.
    if (::fork() != 0) ::_exit(0);
    ::setsid();
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        ::dup2(devnull, 0);
        ::dup2(devnull, 1);
        ::dup2(devnull, 2);
    }
    ::execl(opener.c_str(), "xdg-open", url.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
}

std::chrono::milliseconds timeout_of(double seconds) {
    if (!(seconds > 0) || seconds > 86400)
        throw Error(ErrorKind::usage, "--timeout must be between 0 and 86400 seconds");
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

bool explicit_config(const TokenArgs& a) {
    return !a.provider.empty() || !a.issuer.empty() || !a.token_endpoint.empty() ||
           !a.client_id.empty();
}

// The client configuration: the store's (when it exists) with the command line on top.
oauth::ClientConfig resolve_client(TokenArgs& a, const oauth::Store* saved,
                                   const std::string& flow) {
    oauth::ClientConfig c;
    if (saved) {
        c.provider = saved->client.provider;
        c.tenant = saved->client.tenant;
        c.endpoints = saved->client.endpoints;
        c.client_id = saved->client.client_id;
        c.client_secret = saved->client.client_secret.clone();
        c.scopes = saved->client.scopes;
        c.http.cafile = saved->client.http.cafile;
    }
    if (!a.cafile.empty()) c.http.cafile = a.cafile;
    auto total = timeout_of(a.timeout);
    c.http.total_timeout = std::min(total, std::chrono::milliseconds(60000));
    c.http.connect_timeout = std::min(total, std::chrono::milliseconds(10000));
    if (!a.provider.empty() && !a.issuer.empty())
        throw Error(ErrorKind::usage, "--provider and --issuer exclude each other");
    if (!a.tenant.empty() && a.provider != "microsoft" && c.provider != "microsoft")
        throw Error(ErrorKind::usage, "--tenant is for --provider microsoft");
    if (!a.provider.empty()) {
        c.provider = a.provider;
        c.tenant = a.provider == "microsoft" ? (a.tenant.empty() ? "common" : a.tenant) : "";
        c.endpoints = oauth::preset_endpoints(c.provider, c.tenant);
        c.scopes.clear();
    } else if (!a.tenant.empty()) {
        c.tenant = a.tenant;
        c.endpoints = oauth::preset_endpoints(c.provider, c.tenant);
    }
    if (!a.issuer.empty()) {
        c.provider.clear();
        c.tenant.clear();
        c.endpoints = oauth::discover(a.issuer, c.http);
    }
    if (!a.authorize_endpoint.empty()) c.endpoints.authorize = a.authorize_endpoint;
    if (!a.token_endpoint.empty()) c.endpoints.token = a.token_endpoint;
    if (!a.device_endpoint.empty()) c.endpoints.device = a.device_endpoint;
    if (!a.client_id.empty()) c.client_id = a.client_id;
    if (has_explicit_secret(a.client_secret))
        c.client_secret = read_secret(a.client_secret, "Client secret", false);
    if (!a.scopes.empty())
        c.scopes = a.scopes;
    else if (c.scopes.empty())
        c.scopes = oauth::preset_scopes(c.provider, flow == "client-credentials");
    else if (flow == "client-credentials" && c.provider == "microsoft")
        c.scopes = oauth::preset_scopes(c.provider, true);  // app-only: .default, not delegated
    if (c.endpoints.token.empty())
        throw Error(ErrorKind::usage,
                    "no identity provider: give --provider google|microsoft, --issuer URL or "
                    "--token-endpoint URL (or a --store that holds them)");
    if (c.client_id.empty())
        throw Error(ErrorKind::usage,
                    "--client-id is required (the application/client id registered with the "
                    "identity provider)");
    return c;
}

// Default flow (issue contract): refresh when a refresh token is at hand, else the
// provider's natural first flow (Google: browser; Microsoft: device).
std::string natural_flow(const oauth::ClientConfig& c) {
    if (c.provider == "google") return "browser";
    if (c.provider == "microsoft") return "device";
    if (!c.endpoints.device.empty()) return "device";
    if (!c.endpoints.authorize.empty()) return "browser";
    throw Error(ErrorKind::usage,
                "cannot choose a flow: the identity provider has neither a device nor an "
                "authorization endpoint; give --flow client-credentials or --flow refresh");
}

oauth::TokenSet run_interactive(const std::string& flow, const oauth::ClientConfig& c,
                                TokenArgs& a) {
    auto timeout = timeout_of(a.timeout);
    if (flow == "device") {
        oauth::DeviceEvents ev;
        ev.show_code = [&a](const oauth::DeviceCode& code) {
            std::cerr << "To sign in, open " << codec::escape_for_display(code.verification_uri)
                      << " and enter the code " << codec::escape_for_display(code.user_code)
                      << '\n';
            if (!code.verification_uri_complete.empty())
                std::cerr << "(or open "
                          << codec::escape_for_display(code.verification_uri_complete) << ")\n";
            std::cerr << "smtpauth: waiting for the sign-in (code valid " << code.expires_in.count()
                      << " s, --timeout " << a.timeout << " s)\n";
            std::cerr.flush();
        };
        ev.slowed_down = [](std::chrono::seconds interval) {
            std::cerr << "smtpauth: the identity provider asked to slow down; polling every "
                      << interval.count() << " s\n";
        };
        return oauth::device_flow(c, ev, timeout);
    }
    if (flow == "browser") {
        oauth::BrowserEvents ev;
        bool no_browser = a.no_browser;
        ev.show_url = [no_browser](const std::string& url) {
            std::cerr << "Open this URL in a browser to sign in:\n" << url << '\n';
            std::cerr.flush();
            if (!no_browser) open_browser(url);
        };
        ev.refused = [](const std::string& what) {
            std::cerr << "smtpauth: refused " << what << '\n';
        };
        return oauth::browser_flow(c, ev, timeout);
    }
    if (flow == "client-credentials") return oauth::client_credentials(c);
    throw Error(ErrorKind::internal, "unknown flow " + flow);
}

int run(TokenArgs& a) {
    oauth::StoreCodec codec{a.encrypt_cmd, a.decrypt_cmd};
    if (a.store.empty() && (!a.encrypt_cmd.empty() || !a.decrypt_cmd.empty()))
        throw Error(ErrorKind::usage, "--encrypt-cmd and --decrypt-cmd need --store");
    bool have_store = !a.store.empty() && oauth::store_exists(a.store);
    bool explicit_refresh = has_explicit_secret(a.refresh_token);
    if (explicit_refresh && !a.flow.empty() && a.flow != "refresh")
        throw Error(ErrorKind::usage, "--refresh-token-file/-env/-stdin go with --flow refresh");

    render::TokenReport report;
    report.store = a.store;
    oauth::TokenSet tokens;
    std::string provider;

    // `token --store FILE` with nothing else: a valid token from the store (refreshing when
    // it expires within 60 s).
    if (have_store && !explicit_refresh && (a.flow.empty() || a.flow == "refresh") &&
        !explicit_config(a) && a.scopes.empty()) {
        oauth::Store saved = oauth::load_store(a.store, codec);
        provider = saved.client.provider;
        if (!saved.tokens.refresh_token.empty() || a.flow.empty()) {
            report.flow = a.flow.empty() ? "store" : "refresh";
            tokens =
                oauth::token_from_store(a.store, codec, &report.refreshed, a.flow == "refresh");
        }
    }
    if (report.flow.empty()) {
        std::optional<oauth::Store> saved;
        if (have_store) saved = oauth::load_store(a.store, codec);
        std::string flow = a.flow;
        if (flow.empty() && explicit_refresh) flow = "refresh";
        oauth::ClientConfig client = resolve_client(a, saved ? &*saved : nullptr, flow);
        if (flow.empty()) flow = natural_flow(client);
        provider = client.provider;
        report.flow = flow;
        report.refreshed = true;
        if (flow == "refresh") {
            Secret rt;
            if (explicit_refresh)
                rt = read_secret(a.refresh_token, "Refresh token", false);
            else if (saved && !saved->tokens.refresh_token.empty())
                rt = saved->tokens.refresh_token.clone();
            else
                throw Error(ErrorKind::usage,
                            "--flow refresh needs a refresh token: --refresh-token-file, "
                            "--refresh-token-env, --refresh-token-stdin or a --store that holds "
                            "one");
            tokens = oauth::refresh(client, rt);
            if (tokens.refresh_token.empty()) tokens.refresh_token = std::move(rt);
        } else {
            tokens = run_interactive(flow, client, a);
        }
        if (!a.store.empty()) {
            oauth::StoreLock lock(a.store, std::chrono::seconds(60));
            oauth::Store s;
            s.client = std::move(client);
            s.tokens.access_token = tokens.access_token.clone();
            s.tokens.refresh_token = tokens.refresh_token.clone();
            s.tokens.id_token = tokens.id_token.clone();
            s.tokens.token_type = tokens.token_type;
            s.tokens.scope = tokens.scope;
            s.tokens.expires_at = tokens.expires_at;
            oauth::save_store(a.store, s, codec);
            if (tokens.refresh_token.empty() && flow != "client-credentials")
                std::cerr << "smtpauth: warning: no refresh token was issued (Microsoft: add "
                             "the scope offline_access); the store can not renew the token\n";
        }
    }

    report.tokens = &tokens;
    report.warnings = oauth::mail_warnings(provider, tokens);
    for (const auto& w : report.warnings)
        std::cerr << "smtpauth: warning: " << codec::escape_for_display(w) << '\n';
    if (a.json) {
        std::cout << render::token_json(report, a.show_secrets);
    } else {
        // The access token alone: for --token-stdin and scripts (the user asked for it).
        std::cout << tokens.access_token.reveal() << '\n';
    }
    std::cout.flush();
    if (!std::cout) throw Error(ErrorKind::io, "cannot write to standard output");
    return 0;
}

}  // namespace

void add_token_command(CLI::App& app, Action& action) {
    auto args = std::make_shared<TokenArgs>();
    CLI::App* cmd = app.add_subcommand(
        "token",
        "Obtain, refresh and store OAuth2 access tokens for XOAUTH2/OAUTHBEARER (Google, "
        "Microsoft 365, any OpenID Connect provider). Prints the access token alone on stdout.");
    cmd->add_option("--flow", args->flow,
                    "browser, device, refresh or client-credentials (default: refresh when a "
                    "refresh token is at hand, else Google browser, Microsoft device)")
        ->check(CLI::IsMember({"browser", "device", "refresh", "client-credentials"}));
    cmd->add_option("--provider", args->provider,
                    "preset endpoints and scopes: google or microsoft")
        ->check(CLI::IsMember({"google", "microsoft"}));
    cmd->add_option("--tenant", args->tenant,
                    "Microsoft tenant: id, domain, common (default), organizations, consumers");
    cmd->add_option("--issuer", args->issuer,
                    "OpenID Connect issuer URL (endpoints from /.well-known/openid-configuration)");
    cmd->add_option("--authorize-endpoint", args->authorize_endpoint,
                    "authorization endpoint URL (browser flow)");
    cmd->add_option("--token-endpoint", args->token_endpoint, "token endpoint URL");
    cmd->add_option("--device-endpoint", args->device_endpoint,
                    "device authorization endpoint URL (device flow)");
    cmd->add_option("--client-id", args->client_id, "the application (client) id");
    add_secret_options(*cmd, args->client_secret,
                       "client secret of a confidential client (e.g. Google's Desktop app)");
    add_secret_options(*cmd, args->refresh_token, "refresh token for --flow refresh");
    cmd->add_option("--scope", args->scopes,
                    "scope to request (repeatable; default: the provider's mail scopes)")
        ->allow_extra_args(false);
    cmd->add_option("--cafile", args->cafile,
                    "trust the CA certificates in this PEM file for the identity provider")
        ->check(CLI::ExistingFile);
    cmd->add_option("--timeout", args->timeout,
                    "seconds for the whole flow, sign-in included (default 300)");
    cmd->add_flag("--no-browser", args->no_browser,
                  "browser flow: only print the URL, do not start a browser");
    cmd->add_option("--store", args->store,
                    "token store (JSON, mode 0600): saves the configuration and tokens; alone, "
                    "prints a valid access token, refreshing it when needed");
    cmd->add_option("--encrypt-cmd", args->encrypt_cmd,
                    "command that encrypts the store (stdin to stdout), e.g. 'gpg -e -r KEY'");
    cmd->add_option("--decrypt-cmd", args->decrypt_cmd,
                    "command that decrypts the store (stdin to stdout), e.g. 'gpg -d'");
    cmd->add_flag("--json", args->json,
                  "print token type, scopes, expiry, JWT claims and warnings as JSON (token "
                  "masked)");
    cmd->add_flag("--show-secrets", args->show_secrets, "with --json, show the tokens");
    cmd->footer(
        "Without --flow: the store's token (refreshed when it expires within 60 s), else Google\n"
        "browser, Microsoft device. Secrets never need the command line (--client-secret-*).\n"
        "Exit status: 0 ok, 64 usage, 65 store not private, 75 timeout, 76 identity provider\n"
        "broke the protocol, 77 refused (explained, with a hint), 81 certificate not trusted.\n"
        "\n"
        "Examples:\n"
        "  smtpauth token --provider microsoft --client-id APP-ID --store "
        "~/.config/smtpauth/a.json\n"
        "  smtpauth token --store ~/.config/smtpauth/a.json --json\n"
        "  smtpauth token --provider google --client-id ID --client-secret-file F --store s.json");
    cmd->callback([&action, args] { action = [args] { return run(*args); }; });
}

}  // namespace smtpauth::cli

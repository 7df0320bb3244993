// "Did you mean": the closest known word to a mistyped subcommand, option or mechanism.
#include "cli/suggest.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>

#include "smtpauth/codec.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::cli {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Damerau-Levenshtein (optimal string alignment): a swapped pair of letters is one typo.
std::size_t distance(const std::string& a, const std::string& b) {
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
    for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        for (std::size_t j = 1; j <= m; ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[n][m];
}

std::vector<std::string> long_option_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const CLI::Option* opt : app.get_options()) {
        for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
        for (const auto& s : opt->get_snames()) names.push_back("-" + s);
    }
    return names;
}

}  // namespace

std::optional<std::string> closest_match(std::string_view typed,
                                         const std::vector<std::string>& candidates) {
    const std::string t = lower(typed);
    if (t.empty()) return std::nullopt;
    std::optional<std::string> best;
    std::size_t best_distance = 0;
    std::vector<std::string> prefixed;
    for (const auto& c : candidates) {
        const std::string lc = lower(c);
        if (lc.size() > t.size() && lc.compare(0, t.size(), t) == 0) prefixed.push_back(c);
        std::size_t dist = distance(t, lc);
        if (!best || dist < best_distance) {
            best = c;
            best_distance = dist;
        }
    }
    const std::size_t allowed = std::max<std::size_t>(1, t.size() / 3);
    if (best && best_distance <= allowed) return best;
    if (prefixed.size() == 1 && t.size() >= 3) return prefixed.front();
    return std::nullopt;
}

std::string unknown_mechanism_message(std::string_view typed, bool with_plus) {
    std::vector<std::string> names;
    std::string list;
    for (const auto& m : sasl::mechanisms()) {
        if (m.traits.channel_binding && !with_plus) continue;
        names.emplace_back(m.name);
        if (!list.empty()) list += ", ";
        list += m.name;
    }
    std::string message = "unknown mechanism '" + codec::escape_for_display(typed) + "'";
    if (auto near = closest_match(typed, names))
        return message + "; did you mean " + *near + "? Known mechanisms: " + list;
    return message + "; known mechanisms: " + list;
}

std::optional<std::string> explain_parse_error(const CLI::App& app, int argc, char** argv,
                                               std::string& command) {
    // The subcommand: the first word that is not an option.
    const CLI::App* sub = nullptr;
    int i = 1;
    for (; i < argc; ++i) {
        std::string_view arg(argv[i]);
        if (arg.empty() || arg[0] == '-') continue;
        std::vector<std::string> names;
        for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; })) {
            names.push_back(s->get_name());
            if (s->get_name() == arg) sub = s;
        }
        if (sub == nullptr) {
            std::string message = "unknown command '" + codec::escape_for_display(arg) + "'";
            std::string all;
            for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
            if (auto near = closest_match(arg, names))
                return message + "; did you mean '" + *near + "'? Commands: " + all;
            return message + "; commands: " + all;
        }
        command = sub->get_name();
        break;
    }
    if (sub == nullptr) {
        const std::vector<std::string> top = long_option_names(app);
        for (int j = 1; j < argc; ++j) {
            std::string name(
                std::string_view(argv[j]).substr(0, std::string_view(argv[j]).find('=')));
            if (name.size() > 1 && name[0] == '-' &&
                std::find(top.begin(), top.end(), name) == top.end())
                return "unknown option " + codec::escape_for_display(name) +
                       " (options go after the command: smtpauth COMMAND OPTIONS)";
        }
        std::string all;
        for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; }))
            all += (all.empty() ? "" : ", ") + s->get_name();
        return "a command is required: " + all;
    }

    // Its options: the first word that looks like an option and is not one.
    const std::vector<std::string> known = long_option_names(*sub);
    const std::vector<std::string> top = long_option_names(app);
    for (++i; i < argc; ++i) {
        std::string_view arg(argv[i]);
        if (arg == "--") break;
        const bool long_form = arg.size() > 2 && arg.substr(0, 2) == "--";
        const bool short_form = arg.size() == 2 && arg[0] == '-' && arg[1] != '-';
        if (!long_form && !short_form) continue;
        std::string name(arg.substr(0, arg.find('=')));
        if (std::find(known.begin(), known.end(), name) != known.end()) continue;
        if (std::find(top.begin(), top.end(), name) != top.end()) continue;
        std::string message = "unknown option " + codec::escape_for_display(name);
        if (name.size() > 2)
            if (auto near = closest_match(name, known)) message += "; did you mean " + *near + "?";
        return message;
    }
    return std::nullopt;
}

}  // namespace smtpauth::cli

// The targets-file line: `TARGET [user=NAME] [mech=NAME] [protocol=NAME]`, `#` comments.
#include <array>

#include "smtpauth/error.hpp"
#include "smtpauth/fleet.hpp"

namespace smtpauth::probe {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

[[noreturn]] void bad(std::size_t number, const std::string& why) {
    throw Error(ErrorKind::usage, "line " + std::to_string(number) + ": " + why);
}

}  // namespace

std::optional<TargetLine> parse_target_line(std::string_view line, std::size_t number) {
    TargetLine out;
    out.line_number = number;
    out.text = std::string(line);
    if (!out.text.empty() && out.text.back() == '\r') out.text.pop_back();
    std::string_view rest = out.text;
    bool have_target = false;
    while (true) {
        while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
        if (rest.empty() || rest.front() == '#') break;
        std::size_t end = 0;
        while (end < rest.size() && !is_blank(rest[end])) ++end;
        std::string_view field = rest.substr(0, end);
        rest.remove_prefix(end);
        if (!have_target) {
            if (field.find('=') != std::string_view::npos)
                bad(number,
                    "the line must start with the target, not '" + std::string(field) + "'");
            out.target = std::string(field);
            have_target = true;
            continue;
        }
        auto eq = field.find('=');
        if (eq == std::string_view::npos)
            bad(number, "'" + std::string(field) +
                            "' is neither user=, mech= nor protocol= (one target per line)");
        std::string_view key = field.substr(0, eq);
        std::string_view value = field.substr(eq + 1);
        std::string* slot = key == "user"       ? &out.user
                            : key == "mech"     ? &out.mech
                            : key == "protocol" ? &out.protocol
                                                : nullptr;
        if (!slot)
            bad(number,
                "unknown key '" + std::string(key) + "' (user=, mech= and protocol= are known)");
        if (value.empty()) bad(number, std::string(key) + "= needs a value");
        if (!slot->empty()) bad(number, std::string(key) + "= given twice");
        *slot = std::string(value);
    }
    if (!have_target) return std::nullopt;
    return out;
}

}  // namespace smtpauth::probe

// "Did you mean": the closest known word to a mistyped subcommand, option or mechanism.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace smtpauth::cli {

// The candidate nearest to `typed` (case-insensitive edit distance), when it is near enough
// to be a typo: at most one edit for short words, a third of the length for longer ones, or
// `typed` is a prefix of exactly one candidate.
std::optional<std::string> closest_match(std::string_view typed,
                                         const std::vector<std::string>& candidates);

// "unknown mechanism 'X'; did you mean Y? known mechanisms: A, B, ..." (`with_plus`: include
// the -PLUS mechanisms, which only a live TLS connection can run).
std::string unknown_mechanism_message(std::string_view typed, bool with_plus);

// Explains a command line that CLI11 refused: an unknown subcommand or option, with the
// nearest known one. Returns nullopt when neither is the cause (CLI11's message is then the
// best one). `command` receives the subcommand that was named, if any.
std::optional<std::string> explain_parse_error(const CLI::App& app, int argc, char** argv,
                                               std::string& command);

}  // namespace smtpauth::cli

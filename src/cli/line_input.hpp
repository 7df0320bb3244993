// Line input from descriptors and the terminal: unbuffered reads, no-echo prompts (termios).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace smtpauth::cli {

// Longest line we accept from a file, stdin or the terminal (a long OAuth JWT is a few KiB).
constexpr std::size_t kMaxInputLine = 1024 * 1024;

// Reads one line from `fd` one byte at a time, so that whoever reads the descriptor next
// (the next prompt, the next SCRAM message) sees exactly the rest. The line ends at LF or
// EOF; the LF is dropped and, when `strip_cr`, a CR before it too. Returns false at EOF
// when nothing was read. Throws Error{bad_input} for a line over `max` bytes and Error{io}
// when read() fails. The partial buffer is wiped on error: it may hold a secret.
bool read_line(int fd, std::string& line, bool strip_cr = true, std::size_t max = kMaxInputLine);

// read_line() with terminal echo turned off meanwhile when `fd` is a terminal (restored
// afterwards, also on SIGINT/SIGTERM/SIGHUP); a plain read_line() otherwise.
bool read_line_no_echo(int fd, std::string& line, bool strip_cr = true);

// True when standard input is a terminal.
bool stdin_is_terminal();

// Shows `prompt` on the controlling terminal (/dev/tty, or stdin/stderr when there is no
// /dev/tty but stdin is a terminal) and reads one line there, with echo off unless `echo`.
// Echo is restored afterwards, also when SIGINT/SIGTERM/SIGHUP arrive meanwhile.
// Returns nullopt at EOF (Ctrl-D). Throws Error{io} when there is no terminal.
std::optional<std::string> read_from_terminal(std::string_view prompt, bool echo);

// Writes all of `text` to `fd` (retrying on EINTR / short writes); false on failure.
bool write_all(int fd, std::string_view text);

}  // namespace smtpauth::cli

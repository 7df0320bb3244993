// A CRLF line channel over TCP or TLS with deadlines, size caps and a safe STARTTLS switch.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "smtpauth/net/deadline.hpp"
#include "smtpauth/net/tcp.hpp"
#include "smtpauth/net/tls.hpp"
#include "smtpauth/transcript.hpp"

namespace smtpauth::net {

struct LineLimits {
    std::size_t max_line = 64 * 1024;               // one line, CRLF excluded
    std::size_t max_total_bytes = 4 * 1024 * 1024;  // everything received on the connection
};

class LineChannel {
  public:
    // Takes the connected socket. Lines read and written are recorded in *transcript
    // (which must outlive the channel) when it is not null.
    LineChannel(Socket socket, LineLimits limits, Transcript* transcript);
    ~LineChannel();
    LineChannel(const LineChannel&) = delete;
    LineChannel& operator=(const LineChannel&) = delete;

    // Performs the TLS handshake right away (implicit TLS, or after a STARTTLS go-ahead).
    // Errors: Error{protocol, "... data injected before TLS ..."} if any received byte is
    // still unread (the STARTTLS response-injection attack: nothing may be buffered);
    // Error{tls} (handshake failed, peer closed, version too old: message names the reason);
    // Error{certificate} (verification failed and !config.insecure); Error{timeout}.
    // With config.insecure a failed verification is returned in TlsInfo, not thrown.
    TlsInfo start_tls(const TlsConfig& config, Deadline deadline);

    // Reads one line terminated by CRLF (a bare LF is accepted too) and returns it without
    // the terminator. Errors: Error{timeout}; Error{protocol} when the peer closes
    // ("connection closed by server" / "... in the middle of a line"), a line exceeds
    // max_line, or more than max_total_bytes arrive.
    std::string read_line(Deadline deadline);

    // Sends line + CRLF in a single write. The transcript gets the line with sensitivity s;
    // `redacted` is the form shown when secrets are hidden (empty = "<redacted>").
    void write_line(std::string_view line, Deadline deadline, Sensitivity s = Sensitivity::none,
                    std::string redacted = {});

    // Sends CRLF-terminated lines (SMTP pipelined commands, a DATA payload) in one write; each
    // line is recorded in the transcript as sent. Errors as write_line.
    void write_block(std::string_view crlf_lines, Deadline deadline);

    // For an interactive relay that polls the socket itself (session):
    // the descriptor to poll(2) for readability;
    int socket_fd() const;
    // reads whatever the connection holds now, without waiting; false when the peer has
    // closed it. Errors: Error{protocol} (total cap, receive failure), Error{tls};
    bool receive_available();
    // the next complete line already received (recorded in the transcript like read_line's),
    // or nullopt. Error{protocol} when a buffered line exceeds max_line.
    std::optional<std::string> take_line();

    // True if bytes have been received but not yet returned by read_line; in cleartext
    // also when the kernel holds bytes not yet read (a non-blocking peek).
    bool has_buffered_input() const;
    bool is_tls() const;
    // After start_tls threw Error{certificate}: what that handshake revealed (chain,
    // verify_error), so that the rejected certificate can be reported; otherwise nullptr.
    const TlsInfo* rejected_tls_info() const;
    std::size_t bytes_received() const;
    // After start_tls failed because the server sent cleartext where TLS was expected
    // (before our ClientHello, or in answer to it): the first of those bytes; else empty.
    std::string_view non_tls_reply() const;
    // Bytes received but not returned by read_line (e.g. a last line cut off by a close).
    std::string_view unread_bytes() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace smtpauth::net

// CRLF line channel (RFC 5321 §2.3.8, RFC 3501 §2.2, RFC 1939 §3) over TCP or TLS: every read
// and write under a deadline, capped buffers, and the STARTTLS rule of RFC 3207 §4 / RFC 2595
// §3.1 that nothing received before the handshake may be used after it.
#include "smtpauth/net/line_channel.hpp"

#include <optional>

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "smtpauth/error.hpp"
#include "smtpauth/secret.hpp"
#include "tls_mismatch.hpp"
#include "tls_session.hpp"
#include "wait.hpp"

namespace smtpauth::net {

struct LineChannel::Impl {
    Socket socket;
    LineLimits limits;
    Transcript* transcript = nullptr;
    std::string buffer;        // received, not yet returned by read_line
    std::size_t received = 0;  // application bytes received on the connection
    std::unique_ptr<TlsSession> tls;
    std::optional<TlsInfo> rejected_tls;  // the session whose certificate failed verification
    std::string non_tls_reply;            // cleartext received where TLS was expected

    // Reads at least one byte into buffer; returns false at end of stream.
    bool fill(Deadline deadline);
    std::size_t recv_plain(char* out, std::size_t n, Deadline deadline);
    void send_plain(std::string_view data, Deadline deadline);
    // True when the kernel holds bytes we have not read (peeked without consuming).
    bool socket_has_data() const;
    // The next complete line in buffer (searching from `scanned`, which it advances), or
    // nullopt; enforces max_line.
    std::optional<std::string> take_line(std::size_t& scanned);
    // Appends n received bytes to buffer under the total cap.
    void accept(const char* data, std::size_t n);
};

LineChannel::LineChannel(Socket socket, LineLimits limits, Transcript* transcript)
    : impl_(std::make_unique<Impl>()) {
    impl_->socket = std::move(socket);
    impl_->limits = limits;
    impl_->transcript = transcript;
    if (transcript) transcript->set_before_tls(true);
}

LineChannel::~LineChannel() = default;

std::size_t LineChannel::Impl::recv_plain(char* out, std::size_t n, Deadline deadline) {
    for (;;) {
        ssize_t r = ::recv(socket.get(), out, n, 0);
        if (r >= 0) return static_cast<std::size_t>(r);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            wait_ready(socket.get(), WaitFor::read, deadline, "waiting for data from the server");
            continue;
        }
        if (errno == ECONNRESET) return 0;  // reported like any other close
        throw Error(ErrorKind::protocol, "receive failed: " + errno_text(errno));
    }
}

void LineChannel::Impl::send_plain(std::string_view data, Deadline deadline) {
    while (!data.empty()) {
        // MSG_NOSIGNAL: a peer that has gone away must be an error, not a SIGPIPE.
        ssize_t r = ::send(socket.get(), data.data(), data.size(), MSG_NOSIGNAL);
        if (r >= 0) {
            data.remove_prefix(static_cast<std::size_t>(r));
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            wait_ready(socket.get(), WaitFor::write, deadline, "sending to the server");
            continue;
        }
        if (errno == EPIPE || errno == ECONNRESET)
            throw Error(ErrorKind::protocol,
                        "connection closed by server while sending (" + errno_text(errno) + ")");
        throw Error(ErrorKind::protocol, "send failed: " + errno_text(errno));
    }
}

bool LineChannel::Impl::socket_has_data() const {
    char c;
    ssize_t r = ::recv(socket.get(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return r > 0;
}

bool LineChannel::Impl::fill(Deadline deadline) {
    // Never read past the total cap (+1 to detect it): memory stays bounded whatever the
    // peer sends.
    constexpr std::size_t chunk = 16 * 1024;
    std::size_t room = limits.max_total_bytes >= received ? limits.max_total_bytes - received : 0;
    std::size_t want = std::min(chunk, room + 1);
    char tmp[chunk];
    std::size_t n = tls ? tls->read(tmp, want, deadline) : recv_plain(tmp, want, deadline);
    if (n == 0) return false;
    accept(tmp, n);
    return true;
}

void LineChannel::Impl::accept(const char* data, std::size_t n) {
    received += n;
    if (received > limits.max_total_bytes)
        throw Error(ErrorKind::protocol, "the server sent more than the limit of " +
                                             std::to_string(limits.max_total_bytes) +
                                             " bytes on this connection");
    buffer.append(data, n);
}

int LineChannel::socket_fd() const {
    return impl_->socket.get();
}

bool LineChannel::receive_available() {
    auto& im = *impl_;
    constexpr std::size_t chunk = 16 * 1024;
    char tmp[chunk];
    // Until the connection has nothing more: also drains what OpenSSL holds decrypted, so
    // that poll(2) on the socket is the only thing left to wait on. Bounded by the total cap.
    for (;;) {
        std::size_t room =
            im.limits.max_total_bytes >= im.received ? im.limits.max_total_bytes - im.received : 0;
        std::size_t want = std::min(chunk, room + 1);
        if (im.tls) {
            std::optional<std::size_t> n = im.tls->read_now(tmp, want);
            if (!n) return true;
            if (*n == 0) return false;
            im.accept(tmp, *n);
            continue;
        }
        ssize_t r = ::recv(im.socket.get(), tmp, want, MSG_DONTWAIT);
        if (r > 0) {
            im.accept(tmp, static_cast<std::size_t>(r));
            continue;
        }
        if (r == 0) return false;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
        if (errno == ECONNRESET) return false;
        throw Error(ErrorKind::protocol, "receive failed: " + errno_text(errno));
    }
}

std::optional<std::string> LineChannel::take_line() {
    std::size_t scanned = 0;
    return impl_->take_line(scanned);
}

std::optional<std::string> LineChannel::Impl::take_line(std::size_t& scanned) {
    auto lf = buffer.find('\n', scanned);
    if (lf != std::string::npos) {
        std::size_t len = lf;
        if (len > 0 && buffer[len - 1] == '\r') --len;
        if (len > limits.max_line)
            throw Error(ErrorKind::protocol, "line from the server longer than the limit of " +
                                                 std::to_string(limits.max_line) + " bytes");
        std::string line = buffer.substr(0, len);
        buffer.erase(0, lf + 1);
        if (transcript) transcript->add(Direction::server, line);
        return line;
    }
    scanned = buffer.size();
    // +1: the CR of a CRLF split across reads is not part of the line.
    if (buffer.size() > limits.max_line + 1)
        throw Error(ErrorKind::protocol, "line from the server longer than the limit of " +
                                             std::to_string(limits.max_line) + " bytes");
    return std::nullopt;
}

std::string LineChannel::read_line(Deadline deadline) {
    auto& im = *impl_;
    std::size_t scanned = 0;
    for (;;) {
        if (auto line = im.take_line(scanned)) return std::move(*line);
        if (!im.fill(deadline)) {
            if (im.buffer.empty()) throw Error(ErrorKind::protocol, "connection closed by server");
            throw Error(ErrorKind::protocol, "connection closed by server in the middle of a line");
        }
    }
}

void LineChannel::write_line(std::string_view line, Deadline deadline, Sensitivity s,
                             std::string redacted) {
    auto& im = *impl_;
    std::string wire;
    wire.reserve(line.size() + 2);
    wire.append(line);
    wire.append("\r\n");
    if (im.tls)
        im.tls->write(wire, deadline);
    else
        im.send_plain(wire, deadline);
    if (s == Sensitivity::secret) wipe_string(wire);
    if (im.transcript)
        im.transcript->add(Direction::client, std::string(line), s, std::move(redacted));
}

void LineChannel::write_block(std::string_view crlf_lines, Deadline deadline) {
    auto& im = *impl_;
    if (im.tls)
        im.tls->write(crlf_lines, deadline);
    else
        im.send_plain(crlf_lines, deadline);
    if (!im.transcript) return;
    std::size_t pos = 0;
    while (pos < crlf_lines.size()) {
        auto eol = crlf_lines.find("\r\n", pos);
        auto end = eol == std::string_view::npos ? crlf_lines.size() : eol;
        im.transcript->add(Direction::client, std::string(crlf_lines.substr(pos, end - pos)));
        pos = eol == std::string_view::npos ? end : eol + 2;
    }
}

TlsInfo LineChannel::start_tls(const TlsConfig& config, Deadline deadline) {
    auto& im = *impl_;
    if (im.tls) throw Error(ErrorKind::internal, "TLS is already active on this connection");
    // A TLS server speaks only after our ClientHello, so any byte here came from someone
    // else: the CVE-2021-22947 response-injection attack. Refuse instead of discarding, so
    // the user learns that the path is hostile.
    if (!im.buffer.empty() || im.socket_has_data()) {
        // Kept for a diagnosis: on an implicit-TLS connection this is a server that speaks
        // cleartext first (a mail greeting), not an attack.
        char peek[kNonTlsReplyKept];
        ssize_t n = ::recv(im.socket.get(), peek, sizeof peek, MSG_PEEK | MSG_DONTWAIT);
        im.non_tls_reply = im.buffer.substr(0, kNonTlsReplyKept);
        if (n > 0)
            im.non_tls_reply.append(peek, std::min(static_cast<std::size_t>(n),
                                                   kNonTlsReplyKept - im.non_tls_reply.size()));
        std::string count =
            im.buffer.empty() ? "data" : std::to_string(im.buffer.size()) + " bytes";
        throw Error(ErrorKind::protocol,
                    "data injected before TLS: the server sent " + count +
                        " after the STARTTLS go-ahead, before the TLS handshake (possible "
                        "STARTTLS injection attack)");
    }
    TlsInfo info;
    try {
        im.tls = TlsSession::handshake(im.socket.get(), config, deadline, &info, &im.non_tls_reply);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::certificate) im.rejected_tls = info;
        throw;
    }
    if (im.transcript) {
        im.transcript->set_before_tls(false);
        std::string text = "TLS established: " + info.version + " " + info.cipher;
        if (!info.group.empty()) text += " " + info.group;
        text += info.verified ? ", certificate verified"
                              : ", certificate NOT verified: " + info.verify_error;
        im.transcript->add(Direction::info, std::move(text));
    }
    return info;
}

bool LineChannel::has_buffered_input() const {
    if (!impl_->buffer.empty()) return true;
    if (impl_->tls) return impl_->tls->pending() > 0;
    // In cleartext also look into the kernel: unsolicited lines that arrived in their own
    // segment after the last reply are just as unasked-for. (Under TLS the socket may hold
    // records the peer may legitimately send unasked, such as TLS 1.3 session tickets.)
    return impl_->socket_has_data();
}

const TlsInfo* LineChannel::rejected_tls_info() const {
    return impl_->rejected_tls ? &*impl_->rejected_tls : nullptr;
}

std::string_view LineChannel::non_tls_reply() const {
    return impl_->non_tls_reply;
}

std::string_view LineChannel::unread_bytes() const {
    return impl_->buffer;
}

bool LineChannel::is_tls() const {
    return impl_->tls != nullptr;
}

std::size_t LineChannel::bytes_received() const {
    return impl_->received;
}

}  // namespace smtpauth::net

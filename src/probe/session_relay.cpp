// The after stage of `session`: relays between the user's input and the server with poll(2)
// on both (and on the Ctrl-C pipe), so that a reply arriving while the user types is shown at
// once and nothing waits unbounded except for the user. Lines are relayed as typed: no
// command letters (openssl s_client's R, Q, K, k) and nothing swallowed.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <string>

#include "probe/session_replies.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/secret.hpp"
#include "smtpauth/session.hpp"

namespace smtpauth::probe {

namespace {

// A typed line longer than this is not a command: it is dropped with a notice.
constexpr std::size_t kMaxTypedLine = 64 * 1024;
// Session conversations may fetch whole messages: a larger total than probe's 4 MiB.
constexpr std::size_t kSessionTotalBytes = 64 * 1024 * 1024;

enum class End { input_ended, interrupted, server_closed };

class Relay {
  public:
    Relay(const InteractiveOptions& o, SessionContext& ctx)
        : o_(o), ctx_(ctx), tracker_(ctx.report.target.protocol) {}

    bool run() {
        const bool imap = protocol() == Protocol::imap;
        ctx_.transcript.add(
            Direction::info,
            std::string("ready: lines you type go to the server as typed") +
                (imap && !o_.raw ? " (a command without a tag gets the next one)" : "") +
                "; end of input (Ctrl-D) or Ctrl-C sends " + (imap ? "LOGOUT" : "QUIT"));
        if (o_.on_phase) o_.on_phase(true);
        End end = relay();
        if (o_.on_phase) o_.on_phase(false);
        finish(end);
        return false;  // QUIT/LOGOUT was handled here (or the server has gone)
    }

  private:
    Protocol protocol() const { return ctx_.report.target.protocol; }
    net::Deadline step() const { return net::Deadline::after(o_.probe.step_timeout); }

    // Lines already received, in order, to the tracker (the channel records them in the
    // transcript, which prints them).
    void drain_lines() {
        while (auto line = ctx_.channel.take_line()) tracker_.received(*line);
    }

    // Reads what the server sent; false when it has closed the connection.
    bool receive() {
        bool open = ctx_.channel.receive_available();
        drain_lines();
        return release_held() && open;
    }

    // A typed line: sent, or held while an SMTP DATA waits for its 354 (RFC 2920 §3.1:
    // the message text follows the go-ahead). False when the server has gone.
    bool submit(std::string line) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (tracker_.awaiting_go_ahead() || !held_.empty()) {
            held_.push_back(std::move(line));
            return true;
        }
        return send_unless_discarded(std::move(line));
    }

    bool send_unless_discarded(std::string line) {
        if (discard_until_dot_) {  // text of a refused DATA
            if (line == ".") discard_until_dot_ = false;
            wipe_string(line);
            return true;
        }
        return send_or_closed(std::move(line));
    }

    // Sends the held lines once DATA's reply is here; after a refusal its text is dropped
    // (up to the ".") rather than sent as commands.
    bool release_held() {
        if (tracker_.take_data_refused()) {
            discard_until_dot_ = true;
            ctx_.transcript.add(Direction::info,
                                "DATA was refused: the message text typed for it is not sent "
                                "(up to the line \".\")");
        }
        while (!held_.empty() && !tracker_.awaiting_go_ahead()) {
            std::string line = std::move(held_.front());
            held_.pop_front();
            if (!send_unless_discarded(std::move(line))) return false;
        }
        return true;
    }

    bool interrupted() {
        if (o_.interrupt_fd < 0) return false;
        pollfd p{o_.interrupt_fd, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) return false;
        char buf[16];
        (void)!::read(o_.interrupt_fd, buf, sizeof buf);
        return true;
    }

    void send_typed(std::string line) {
        if (protocol() == Protocol::imap && !o_.raw && tracker_.wants_tag(line))
            line = ctx_.dialect.next_command_tag() + " " + line;
        std::optional<std::string> redacted = tracker_.redaction(line);
        ctx_.channel.write_line(line, step(), redacted ? Sensitivity::secret : Sensitivity::none,
                                redacted ? *redacted : std::string());
        tracker_.typed(line);
        if (redacted) wipe_string(line);
    }

    // Sends every complete line in input_; returns false when the server has gone.
    bool send_complete_lines() {
        for (;;) {
            auto lf = input_.find('\n');
            if (lf == std::string::npos) break;
            std::string line = input_.substr(0, lf);
            wipe_prefix(lf + 1);
            if (discarding_) {
                discarding_ = false;
                continue;
            }
            if (!submit(std::move(line))) return false;
        }
        if (input_.size() > kMaxTypedLine) {
            ctx_.transcript.add(Direction::info, "a typed line longer than " +
                                                     std::to_string(kMaxTypedLine) +
                                                     " bytes was not sent");
            wipe_prefix(input_.size());
            discarding_ = true;
        }
        return true;
    }

    bool send_or_closed(std::string line) {
        try {
            send_typed(std::move(line));
            return true;
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::protocol) throw;
            return false;  // closed while sending: reported as the server closing
        }
    }

    void wipe_prefix(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) input_[i] = '\0';
        input_.erase(0, n);
    }

    // Reads what the user typed; false at end of input.
    bool read_input() {
        char buf[4096];
        for (;;) {
            ssize_t n = ::read(o_.input_fd, buf, sizeof buf);
            if (n > 0) {
                input_.append(buf, static_cast<std::size_t>(n));
                ::explicit_bzero(buf, sizeof buf);
                return true;
            }
            if (n == 0) return false;
            if (errno == EINTR) return true;  // Ctrl-C: the interrupt pipe says so
            if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
            throw Error(ErrorKind::io,
                        "cannot read standard input: " + std::string(strerror(errno)));
        }
    }

    End relay() {
        for (;;) {
            if (interrupted()) return End::interrupted;
            pollfd fds[3] = {{o_.input_fd, POLLIN, 0},
                             {ctx_.channel.socket_fd(), POLLIN, 0},
                             {o_.interrupt_fd, POLLIN, 0}};
            // Waiting here is the user's (or the server's) turn: no timeout.
            const nfds_t n = o_.interrupt_fd >= 0 ? 3 : 2;
            if (::poll(fds, n, -1) < 0) {
                if (errno == EINTR) continue;
                throw Error(ErrorKind::internal, "poll failed: " + std::string(strerror(errno)));
            }
            if (fds[1].revents) {
                if (!receive()) return End::server_closed;
            }
            if (fds[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
                const bool more = (fds[0].revents & POLLNVAL) ? false : read_input();
                if (!send_complete_lines()) return End::server_closed;
                if (!more) {
                    if (!input_.empty() && !discarding_) {  // a last line without newline
                        std::string last = input_;
                        wipe_prefix(input_.size());
                        if (!submit(std::move(last))) return End::server_closed;
                    }
                    return End::input_ended;
                }
            }
        }
    }

    // Waits until `done` holds, the server closes, the deadline passes or Ctrl-C (a second
    // one during the closing wait). Returns false when the server closed the connection.
    template <typename Done>
    bool wait_for(Done done, net::Deadline deadline, bool& timed_out) {
        timed_out = false;
        while (!done()) {
            if (interrupted()) return true;
            if (deadline.expired()) {
                timed_out = true;
                return true;
            }
            pollfd fds[2] = {{ctx_.channel.socket_fd(), POLLIN, 0}, {o_.interrupt_fd, POLLIN, 0}};
            int ms = deadline.remaining_ms();
            int r = ::poll(fds, o_.interrupt_fd >= 0 ? 2 : 1, ms == 0 ? 1 : ms);
            if (r < 0 && errno != EINTR)
                throw Error(ErrorKind::internal, "poll failed: " + std::string(strerror(errno)));
            if (r > 0 && fds[0].revents && !receive()) return false;
        }
        return true;
    }

    void finish(End end) {
        ProbeReport& rep = ctx_.report;
        bool open = end != End::server_closed;
        bool timed_out = false;
        if (open && end == End::input_ended && !held_.empty())
            open = wait_for([&] { return held_.empty(); }, step(), timed_out);
        if (!held_.empty()) {
            ctx_.transcript.add(Direction::info, std::to_string(held_.size()) +
                                                     " typed lines were not sent (DATA had no "
                                                     "reply)");
            for (auto& line : held_) wipe_string(line);
            held_.clear();
        }
        if (timed_out) {
            rep.error = Failure{ErrorKind::timeout, Stage::session,
                                "no reply to DATA within " +
                                    std::to_string(o_.probe.step_timeout.count() / 1000) + " s"};
            ctx_.transcript.add(Direction::info, "FAILED at session: " + rep.error->message);
            return;
        }
        if (end == End::interrupted)
            ctx_.transcript.add(Direction::info,
                                std::string("interrupted (Ctrl-C): sending ") +
                                    (protocol() == Protocol::imap ? "LOGOUT" : "QUIT"));
        if (open && tracker_.in_data()) {
            // QUIT would become message text, and "." would send a message nobody finished.
            rep.error = Failure{ErrorKind::bad_input, Stage::session,
                                "the session ended inside DATA before the line \".\": the message "
                                "was not sent; closing the connection without QUIT"};
            ctx_.transcript.add(Direction::info, "FAILED at session: " + rep.error->message);
            return;
        }
        if (open && end == End::input_ended && tracker_.pending() > 0) {
            open = wait_for([&] { return tracker_.pending() == 0; }, step(), timed_out);
            if (timed_out)
                rep.error =
                    Failure{ErrorKind::timeout, Stage::session,
                            "no reply to the last command within " +
                                std::to_string(o_.probe.step_timeout.count() / 1000) + " s"};
        }
        if (open && !tracker_.quit_typed()) {
            std::string quit = protocol() == Protocol::imap
                                   ? ctx_.dialect.next_command_tag() + " LOGOUT"
                                   : std::string("QUIT");
            try {
                ctx_.channel.write_line(quit, step());
                tracker_.closing(quit);
                bool quiet = false;
                open = wait_for([&] { return tracker_.closing_answered(); }, step(), quiet);
                if (quiet) ctx_.transcript.add(Direction::info, "no reply to " + quit + " in time");
            } catch (const Error& e) {
                if (e.kind() != ErrorKind::protocol) throw;
                open = false;
            }
            if (open) {
                // After the reply the server closes; a moment for that, then we do.
                bool ignored = false;
                (void)wait_for([] { return false; },
                               net::Deadline::after(std::chrono::milliseconds(200)), ignored);
            }
        } else if (open) {
            // The user typed QUIT / LOGOUT: its reply, then the server closes.
            open = wait_for([&] { return tracker_.pending() == 0; }, step(), timed_out);
        }
        if (!open) {
            if (!ctx_.channel.unread_bytes().empty())
                ctx_.transcript.add(Direction::info,
                                    "the server closed the connection in the middle of a line");
            if (!tracker_.quit_typed() && !tracker_.closing_answered() && !rep.error) {
                std::string message = "the server closed the connection";
                if (!tracker_.last_line().empty())
                    message += " (its last line: " + tracker_.last_line() + ")";
                rep.error = Failure{ErrorKind::protocol, Stage::session, message};
                ctx_.transcript.add(Direction::info, "FAILED at session: " + message);
                return;
            }
            ctx_.transcript.add(Direction::info, "connection closed");
        }
        if (rep.error) {
            ctx_.transcript.add(Direction::info, "FAILED at session: " + rep.error->message);
            return;
        }
        if (tracker_.last() && !tracker_.last()->positive) {
            rep.error = Failure{ErrorKind::command_refused, Stage::session,
                                "the last reply was negative: " + tracker_.last()->line};
        }
    }

    const InteractiveOptions& o_;
    SessionContext& ctx_;
    ReplyTracker tracker_;
    std::string input_;  // typed, not yet sent (wiped as it goes: it may hold a password)
    bool discarding_ = false;
    std::deque<std::string> held_;    // typed after DATA, waiting for its 354
    bool discard_until_dot_ = false;  // the text of a refused DATA
};

}  // namespace

ProbeReport run_interactive(InteractiveOptions& options) {
    options.probe.line_limits.max_total_bytes = kSessionTotalBytes;
    AfterStage after = [&options](SessionContext& ctx) { return Relay(options, ctx).run(); };
    return run_session(options.probe, Stage::session, after);
}

}  // namespace smtpauth::probe

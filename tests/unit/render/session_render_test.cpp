// session's live lines: challenges decoded beside their base64, smtpauth's own lines echoed
// after "> " (redacted) only outside the user's turn, and the probe -v form with -v.
#include <doctest/doctest.h>

#include "smtpauth/render.hpp"

using namespace smtpauth;

namespace {

TranscriptEvent event(Direction d, std::string text, Sensitivity s = Sensitivity::none,
                      std::string redacted = {}) {
    TranscriptEvent e;
    e.elapsed = std::chrono::milliseconds(42);
    e.direction = d;
    e.text = std::move(text);
    e.sensitivity = s;
    e.redacted = std::move(redacted);
    return e;
}

}  // namespace

TEST_CASE("session render: challenges decoded, other lines as received") {
    render::RenderOptions o;
    CHECK(render::session_event_line(event(Direction::server, "334 VXNlcm5hbWU6"),
                                     probe::Protocol::smtp, o,
                                     true) == "334 VXNlcm5hbWU6   [decoded: Username:]");
    CHECK(render::session_event_line(event(Direction::server, "+ UGFzc3dvcmQ6"),
                                     probe::Protocol::imap, o,
                                     true) == "+ UGFzc3dvcmQ6   [decoded: Password:]");
    // Not base64, or not a challenge of this protocol: shown as it came.
    CHECK(render::session_event_line(event(Direction::server, "+ idling"), probe::Protocol::imap, o,
                                     true) == "+ idling");
    CHECK(render::session_event_line(event(Direction::server, "+ UGFzc3dvcmQ6"),
                                     probe::Protocol::smtp, o, true) == "+ UGFzc3dvcmQ6");
    CHECK(render::session_event_line(event(Direction::server, "250 ok\x1b[2J"),
                                     probe::Protocol::smtp, o, true) == "250 ok\\x1b[2J");
    CHECK(render::session_event_line(event(Direction::server, ""), probe::Protocol::smtp, o,
                                     true) == "");
}

TEST_CASE("session render: client lines, redaction and the verbose form") {
    render::RenderOptions o;
    auto secret = event(Direction::client, "AUTH PLAIN AGFsaWNlAHB3", Sensitivity::secret,
                        "AUTH PLAIN <redacted: 12 bytes base64>");
    CHECK(render::session_event_line(secret, probe::Protocol::smtp, o, true) ==
          "> AUTH PLAIN <redacted: 12 bytes base64>");
    CHECK_FALSE(render::session_event_line(secret, probe::Protocol::smtp, o, false));
    CHECK(render::session_event_line(event(Direction::info, "ready"), probe::Protocol::smtp, o,
                                     false) == "* ready");
    o.show_secrets = true;
    CHECK(render::session_event_line(secret, probe::Protocol::smtp, o, true) ==
          "> AUTH PLAIN AGFsaWNlAHB3");
    o.show_secrets = false;
    o.verbose = true;
    CHECK(render::session_event_line(secret, probe::Protocol::smtp, o, false) ==
          "      42 ms C: AUTH PLAIN <redacted: 12 bytes base64>");
    CHECK(render::session_event_line(event(Direction::server, "334 VXNlcm5hbWU6"),
                                     probe::Protocol::smtp, o, false) ==
          "      42 ms S: 334 VXNlcm5hbWU6   [decoded: Username:]");
}

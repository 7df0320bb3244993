"""Shared helpers of the `smtpauth session` tests: the binary, running it through a pipe,
and a real terminal driven by tmux (send-keys / capture-pane) with bounded waits."""

import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SMTPAUTH_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BINARY = os.environ.get("SMTPAUTH_BINARY") or os.path.join(SOURCE_DIR, "build", "smtpauth")

# Base64 lines that begin with the letters openssl s_client takes as commands (R
# renegotiates, Q quits, K/k update keys): "(hello)", "Ab", "Dear".
K_LINE = "KGhlbGxvKQ=="
Q_LINE = "QWI="
R_LINE = "RGVhcg=="


def run_piped(args, stdin_text, env=None, timeout=30):
    """Runs `smtpauth session ARGS` with stdin_text on a pipe; returns the CompletedProcess
    with stdout/stderr decoded."""
    return subprocess.run([BINARY, "session", *args], input=stdin_text.encode("utf-8"),
                          capture_output=True, env=env, timeout=timeout, check=False)


class Terminal:
    """A private tmux server (-L NAME) running one command in a real pseudo-terminal.
    The command's exit status is printed as EXIT=<n> when it ends."""

    def __init__(self, command, env=None, width=200, height=50):
        if shutil.which("tmux") is None:
            raise RuntimeError("tmux is not installed")
        self.name = "smtpauth-test-" + uuid.uuid4().hex[:12]
        self.dir = tempfile.mkdtemp(prefix="smtpauth-tmux-")
        script = os.path.join(self.dir, "run.sh")
        with open(script, "w", encoding="utf-8") as f:
            # The shell survives Ctrl-C (a trap, not an ignore: the program gets the
            # default disposition and its own handler) to print the exit status.
            f.write("#!/bin/bash\ntrap true INT\n")
            for key, value in (env or {}).items():
                f.write("export %s='%s'\n" % (key, value.replace("'", "'\\''")))
            f.write(" ".join("'%s'" % a.replace("'", "'\\''") for a in command))
            f.write("\necho EXIT=$?\nsleep 60\n")
        os.chmod(script, 0o700)
        subprocess.run(["tmux", "-L", self.name, "-f", "/dev/null", "new-session", "-d", "-x",
                        str(width), "-y", str(height), script], check=True, timeout=10)
        pid = subprocess.run(["tmux", "-L", self.name, "display-message", "-p", "#{pid}"],
                             capture_output=True, text=True, timeout=10, check=True)
        self.server_pid = int(pid.stdout.strip())

    def keys(self, *keys):
        subprocess.run(["tmux", "-L", self.name, "send-keys", *keys], check=True, timeout=10)

    def type_line(self, text):
        # -l: literal text (no key names), then Enter.
        subprocess.run(["tmux", "-L", self.name, "send-keys", "-l", text], check=True,
                       timeout=10)
        self.keys("Enter")

    def screen(self):
        p = subprocess.run(["tmux", "-L", self.name, "capture-pane", "-p", "-J", "-S", "-1000"],
                           capture_output=True, text=True, timeout=10, check=False)
        return p.stdout

    def wait_for(self, pattern, timeout=15.0):
        """Waits until the screen matches the regex; returns the screen or raises."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.M)
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if rx.search(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError("timed out waiting for %r; screen:\n%s" % (pattern, screen))

    def exit_status(self, timeout=20.0):
        screen = self.wait_for(r"^EXIT=\d+", timeout)
        return int(re.search(r"^EXIT=(\d+)", screen, re.M).group(1))

    def close(self):
        subprocess.run(["tmux", "-L", self.name, "kill-server"], capture_output=True,
                       timeout=10, check=False)
        try:
            os.kill(self.server_pid, 0)
        except OSError:
            pass
        else:
            try:
                os.kill(self.server_pid, 9)
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

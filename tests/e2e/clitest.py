"""Shared helpers for the end-to-end tests: run the smtpauth binary with a timeout, under
another name (gen-auth), or on a pseudo-terminal for prompt tests.

Environment (set by CTest): SMTPAUTH_BINARY = the built executable, SMTPAUTH_SOURCE_DIR =
the repository root. Every wait is bounded; every process started is killed by pid.
"""

import os
import pty
import select
import signal
import subprocess
import tempfile
import time
import unittest

DEFAULT_TIMEOUT = 20.0


def binary():
    """Absolute path of the smtpauth executable under test."""
    path = os.environ.get("SMTPAUTH_BINARY")
    if not path:
        raise unittest.SkipTest("SMTPAUTH_BINARY is not set (run through ctest)")
    return os.path.abspath(path)


def source_dir():
    """Repository root (for man/, scripts/ ...)."""
    path = os.environ.get("SMTPAUTH_SOURCE_DIR")
    if path:
        return os.path.abspath(path)
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def run(args, input=None, env=None, timeout=DEFAULT_TIMEOUT, program=None, extra_env=None):
    """Runs PROGRAM (default: smtpauth) with ARGS; returns subprocess.CompletedProcess with
    bytes stdout/stderr. `input` (bytes or str) is fed to stdin; None means an empty stdin
    (never the test runner's terminal). Raises subprocess.TimeoutExpired after `timeout`."""
    if isinstance(input, str):
        input = input.encode()
    if env is None:
        env = dict(os.environ)
    if extra_env:
        env = dict(env, **extra_env)
    cmd = [program or binary()] + [a if isinstance(a, (str, bytes)) else str(a) for a in args]
    return subprocess.run(cmd, input=input if input is not None else b"",
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          timeout=timeout, check=False)


class NamedLink:
    """A temporary directory holding a symlink to the binary under another name, e.g.
    `with NamedLink("gen-auth") as path: run([...], program=path)`."""

    def __init__(self, name, target=None):
        self.name = name
        self.target = target or binary()
        self._dir = None

    def __enter__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="smtpauth-link-")
        path = os.path.join(self._dir.name, self.name)
        os.symlink(self.target, path)
        return path

    def __exit__(self, *exc):
        self._dir.cleanup()
        return False


class PtySession:
    """Runs a command on a new pseudo-terminal that is its controlling terminal (so /dev/tty
    works), like a user at a terminal. Use expect() to wait for a prompt, send() to type.
    Standard output and the terminal are the same device, as for a real user."""

    def __init__(self, args, program=None, env=None, timeout=DEFAULT_TIMEOUT):
        self.timeout = timeout
        self.output = b""
        cmd = [program or binary()] + list(args)
        env = dict(os.environ if env is None else env)
        env.setdefault("TERM", "dumb")
        pid, fd = pty.fork()
        if pid == 0:  # child: the pty is already stdin/stdout/stderr and the controlling tty
            try:
                os.execve(cmd[0], cmd, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.status = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.status is None:
            self.kill()
        self.close()
        return False

    def close(self):
        """Closes the terminal's master side (the session owns it until then)."""
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None

    def wait_for_echo(self, enabled):
        """Waits (bounded) until the terminal's echo flag is `enabled`; returns whether it is."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.echo_enabled() == enabled:
                return True
            time.sleep(0.01)
        return False

    def _read_some(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        ready, _, _ = select.select([self.fd], [], [], min(remaining, 0.2))
        if not ready:
            return True
        try:
            data = os.read(self.fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not data:
            return False
        self.output += data
        return True

    def expect(self, text):
        """Waits until `text` (bytes or str) has appeared in the output; returns the output."""
        if isinstance(text, str):
            text = text.encode()
        deadline = time.monotonic() + self.timeout
        while text not in self.output:
            if not self._read_some(deadline):
                raise AssertionError("timed out waiting for %r; output so far: %r"
                                     % (text, self.output))
        return self.output

    def send(self, text):
        if isinstance(text, str):
            text = text.encode()
        os.write(self.fd, text)

    def echo_enabled(self):
        """True when the terminal currently echoes input (the program may have turned it off)."""
        import termios
        return bool(termios.tcgetattr(self.fd)[3] & termios.ECHO)

    def wait(self):
        """Reads the rest of the output, waits for the exit; returns the exit status
        (negative: killed by that signal). The terminal stays open for inspection."""
        deadline = time.monotonic() + self.timeout
        while self._read_some(deadline):
            pass
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
            time.sleep(0.02)
        else:
            self.kill()
            raise AssertionError("process did not exit in time; output: %r" % self.output)

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass

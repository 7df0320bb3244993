"""Shell completion: the bash function, run in a real bash with bash-completion loaded, offers
the commands, options (read from --help), mechanisms, option values and URL schemes; fish
answers the same through `complete -C`; zsh loads the function through compinit. The files
under completions/ are the ones `cmake --install` installs (test_packaging checks where).
"""

import os
import subprocess
import unittest

import clitest

BASH_DRIVER = r"""
source /usr/share/bash-completion/bash_completion
source "$COMPLETION"
complete_line() {  # the words typed so far; the last one is being completed
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
    _smtpauth smtpauth "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
    printf '%s\n' "${COMPREPLY[@]}"
}
complete_line "$@"
"""


def completion(name):
    return os.path.join(clitest.source_dir(), "completions", name)


def env():
    path = os.path.dirname(clitest.binary()) + os.pathsep + os.environ.get("PATH", "")
    return dict(os.environ, PATH=path, COMPLETION=completion("smtpauth.bash"), MY_SECRET_VAR="1")


def bash_complete(*words):
    proc = subprocess.run(["bash", "-c", BASH_DRIVER, "bash", "smtpauth", *words],
                          capture_output=True, timeout=60, env=env(), check=False)
    if proc.returncode != 0:
        raise AssertionError(proc.stderr.decode())
    return proc.stdout.decode().split()


def fish_complete(line):
    proc = subprocess.run(["fish", "--no-config", "-c",
                           "source %s; complete -C %s" % (completion("smtpauth.fish"),
                                                          quote_fish(line))],
                          capture_output=True, timeout=60, env=env(), check=False)
    if proc.returncode != 0:
        raise AssertionError(proc.stderr.decode())
    return [row.split("\t")[0] for row in proc.stdout.decode().splitlines()]


def quote_fish(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class BashCompletion(unittest.TestCase):
    def test_commands(self):
        self.assertEqual(bash_complete(""), ["gen", "decode", "probe", "token", "send",
                                             "session", "-h", "--help", "-V", "--version"])
        self.assertEqual(bash_complete("pr"), ["probe"])

    def test_options_come_from_the_command_help(self):
        self.assertEqual(bash_complete("probe", "--us"), ["--user"])
        self.assertEqual(bash_complete("probe", "--ca"), ["--cafile", "--cacert"])
        self.assertIn("--password-cmd", bash_complete("gen", "PLAIN", "--pass"))
        self.assertIn("--check-password-prompt", bash_complete("decode", "--check"))

    def test_mechanisms(self):
        gen = bash_complete("gen", "")
        self.assertIn("SCRAM-SHA-256", gen)
        self.assertIn("XOAUTH2", gen)
        self.assertNotIn("SCRAM-SHA-256-PLUS", gen)  # gen cannot run channel binding
        self.assertEqual(bash_complete("gen", "CRAM-M"), ["CRAM-MD5"])
        probe = bash_complete("probe", "host", "--mech", "")
        self.assertIn("all", probe)
        self.assertIn("SCRAM-SHA-256-PLUS", probe)
        # After the mechanism, gen's positionals are the user and secret: nothing to offer.
        self.assertEqual(bash_complete("gen", "PLAIN", "--line", "smtp", "x"), [])

    def test_option_values_and_schemes(self):
        self.assertEqual(bash_complete("probe", "--tls", ""), ["implicit", "starttls", "none"])
        self.assertEqual(bash_complete("gen", "PLAIN", "--line", "i"), ["imap"])
        self.assertEqual(bash_complete("probe", "sm"), ["smtp://", "smtps://"])
        self.assertEqual(bash_complete("session", "im"), ["imap://", "imaps://"])
        self.assertEqual(bash_complete("session", "imap://h", "--r"), ["--raw"])
        self.assertEqual(bash_complete("probe", "-u", "alice", "--password-env", "MY_SECRET_"),
                         ["MY_SECRET_VAR"])
        self.assertEqual(bash_complete("probe", "--timeout", ""), [])  # seconds: no guess


class FishCompletion(unittest.TestCase):
    def test_parses(self):
        subprocess.run(["fish", "-n", completion("smtpauth.fish")], check=True, timeout=60)

    def test_commands_options_mechanisms_schemes(self):
        self.assertEqual(sorted(fish_complete("smtpauth ")), ["decode", "gen", "probe", "send",
                                                             "session", "token"])
        self.assertEqual(fish_complete("smtpauth probe --us"), ["--user"])
        self.assertIn("SCRAM-SHA-256", fish_complete("smtpauth gen "))
        self.assertIn("all", fish_complete("smtpauth probe h --mech "))
        self.assertEqual(sorted(fish_complete("smtpauth probe --tls ")),
                         ["implicit", "none", "starttls"])
        self.assertEqual(sorted(fish_complete("smtpauth probe sm")), ["smtp://", "smtps://"])
        self.assertEqual(sorted(fish_complete("smtpauth session po")), ["pop3://", "pop3s://"])


class ZshCompletion(unittest.TestCase):
    def test_parses_and_compinit_binds_it(self):
        subprocess.run(["zsh", "-n", completion("_smtpauth")], check=True, timeout=60)
        script = ("fpath=(%s $fpath); autoload -Uz compinit; compinit -u -D; "
                  "print -r -- $_comps[smtpauth]" % os.path.dirname(completion("_smtpauth")))
        proc = subprocess.run(["zsh", "-f", "-c", script], capture_output=True, timeout=60,
                              env=env(), check=False)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.decode().strip(), "_smtpauth")


if __name__ == "__main__":
    unittest.main()

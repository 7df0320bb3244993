"""man/smtpauth.1: `mandoc -Tlint` finds nothing, and every subcommand and every long
option that the program's own --help lists is documented in the page."""

import os
import re
import subprocess
import unittest

import clitest

# mandoc adds this note when the system has no mandoc.db (Debian uses man-db); it is about
# the machine, not the page.
ENVIRONMENT_NOTE = re.compile(r"outdated mandoc\.db")


def man_page_path():
    return os.path.join(clitest.source_dir(), "man", "smtpauth.1")


def help_text(*command):
    r = clitest.run(list(command) + ["--help"])
    if r.returncode != 0:
        raise AssertionError("%s --help failed: %r" % (" ".join(command), r.stderr))
    return r.stdout.decode()


def subcommands():
    """Names in the 'Subcommands:' section of `smtpauth --help` (CLI11 layout)."""
    names, inside = [], False
    for line in help_text().splitlines():
        if re.match(r"^\S.*:$", line):
            inside = line.lower().startswith("subcommands")
            continue
        m = re.match(r"^  ([a-z][a-z0-9-]*)\b", line)
        if inside and m:
            names.append(m.group(1))
    return names


def long_options(help_output):
    """Long option names from the first column of a CLI11 options list, without --help."""
    found = []
    for line in help_output.splitlines():
        m = re.match(r"^  (-\S+)", line)
        if not m:
            continue
        for name in m.group(1).split(","):
            if name.startswith("--") and name != "--help" and name not in found:
                found.append(name)
    return found


class ManPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(man_page_path(), encoding="utf-8") as f:
            cls.source = f.read()

    def test_mandoc_lint_is_clean(self):
        r = subprocess.run(["mandoc", "-Tlint", man_page_path()], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60, check=False)
        messages = [line for line in (r.stdout + r.stderr).decode().splitlines()
                    if line.strip() and not ENVIRONMENT_NOTE.search(line)]
        self.assertEqual(messages, [], "mandoc -Tlint reports problems")
        self.assertEqual(r.returncode, 0)

    def test_lint_check_can_fail(self):
        # The check above must see warnings when there are some: lint a broken copy.
        broken = self.source.replace(".Sh NAME", ".Sh NAME\n.Xx bogus", 1)
        r = subprocess.run(["mandoc", "-Tlint"], input=broken.encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60, check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"Xx", r.stdout + r.stderr)

    def test_required_sections(self):
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "GEN-AUTH COMPATIBILITY",
                        "SECRETS", "JSON OUTPUT", "ENVIRONMENT", "EXIT STATUS", "EXAMPLES",
                        "SEE ALSO"]:
            self.assertIn("\n.Sh " + section + "\n", self.source)

    def test_every_subcommand_is_documented(self):
        names = subcommands()
        self.assertIn("gen", names)
        for name in names:
            with self.subTest(subcommand=name):
                self.assertIn("\n.Ss smtpauth " + name + " ", self.source)
                self.assertRegex(self.source, r"\n\.Cm %s\n" % re.escape(name))

    def test_every_long_option_is_documented(self):
        checked = 0
        for name in [None] + subcommands():
            output = help_text() if name is None else help_text(name)
            for option in long_options(output):
                with self.subTest(command=name, option=option):
                    # In mdoc an option is written ".Fl -name" (or "Fl -name" inside a line).
                    pattern = r"\bFl %s(?![\w-])" % re.escape(option[1:])
                    self.assertRegex(self.source, pattern)
                    checked += 1
        self.assertGreater(checked, 15)

    def test_exit_status_table_matches_the_program(self):
        # src/error.cpp is the one table; every code and kind name in it is in the page.
        with open(os.path.join(clitest.source_dir(), "src", "error.cpp")) as f:
            table = re.findall(r"\{ErrorKind::\w+, (\d+), \"([a-z-]+)\"\}", f.read())
        self.assertGreater(len(table), 10)
        for code, kind in table:
            with self.subTest(kind=kind):
                self.assertRegex(self.source, r"\n\.It %s Ta %s Ta " % (code, re.escape(kind)))


if __name__ == "__main__":
    unittest.main()

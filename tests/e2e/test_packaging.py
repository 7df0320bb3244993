"""Packaging: `cmake --install` puts the program, man page, completions, library, headers,
CMake package and pkg-config file in their places; a tiny program builds against the
installed library with find_package(smtpauth) and with pkg-config and runs; `cpack -G DEB`
builds the .debs (contents, Depends from the shared libraries, gen-auth through
update-alternatives, no /usr/bin/gen-auth of our own).

The build tree is the one that holds SMTPAUTH_BINARY. Every step runs with a timeout.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

import clitest

TINY_PROGRAM = r"""
// Links the installed smtpauth library: a PLAIN message and the registry's size.
#include <iostream>
#include <string>
#include "smtpauth/codec.hpp"
#include "smtpauth/sasl/registry.hpp"

int main() {
    std::string plain("\0alice\0s3cret", 13);
    std::cout << smtpauth::codec::base64_encode(plain) << ' '
              << (smtpauth::sasl::find_mechanism("scram-sha-256") != nullptr) << '\n';
}
"""
EXPECTED_OUTPUT = "AGFsaWNlAHMzY3JldA== 1\n"

TINY_CMAKE = """
cmake_minimum_required(VERSION 3.25)
project(tiny LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(smtpauth 0.1 CONFIG REQUIRED)
add_executable(tiny main.cpp)
target_link_libraries(tiny PRIVATE smtpauth::smtpauth)
"""


def build_dir():
    return os.path.dirname(clitest.binary())


def sh(test, cmd, timeout=300, env=None, cwd=None):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                          env=env, cwd=cwd, check=False)
    test.assertEqual(proc.returncode, 0, "%s\n%s" % (" ".join(cmd), proc.stdout.decode()))
    return proc.stdout.decode()


class InstallTree(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="smtpauth-install-")
        cls.prefix = os.path.join(cls.tmp.name, "prefix")
        subprocess.run(["cmake", "--install", build_dir(), "--prefix", cls.prefix],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300,
                       check=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, *parts):
        return os.path.join(self.prefix, *parts)

    def test_files_in_their_places(self):
        for rel in ["bin/smtpauth", "share/man/man1/smtpauth.1",
                    "share/bash-completion/completions/smtpauth",
                    "share/zsh/site-functions/_smtpauth",
                    "share/fish/vendor_completions.d/smtpauth.fish",
                    "lib/libsmtpauth.a", "include/smtpauth/codec.hpp",
                    "lib/cmake/smtpauth/smtpauthConfig.cmake",
                    "lib/cmake/smtpauth/smtpauthConfigVersion.cmake",
                    "lib/pkgconfig/smtpauth.pc"]:
            with self.subTest(file=rel):
                self.assertTrue(os.path.isfile(self.path(rel)), rel)
        # A plain install also gives the old name.
        self.assertEqual(os.readlink(self.path("bin", "gen-auth")), "smtpauth")

    def test_installed_program_runs(self):
        out = sh(self, [self.path("bin", "smtpauth"), "gen", "PLAIN", "alice",
                        "--password-env", "P"], env=dict(os.environ, P="s3cret"))
        self.assertEqual(out, "AGFsaWNlAHMzY3JldA==\n")

    def test_tiny_program_with_find_package(self):
        src = os.path.join(self.tmp.name, "tiny-cmake")
        os.makedirs(src)
        with open(os.path.join(src, "CMakeLists.txt"), "w") as f:
            f.write(TINY_CMAKE)
        with open(os.path.join(src, "main.cpp"), "w") as f:
            f.write(TINY_PROGRAM)
        bdir = os.path.join(src, "build")
        sh(self, ["cmake", "-S", src, "-B", bdir, "-DCMAKE_PREFIX_PATH=" + self.prefix])
        sh(self, ["cmake", "--build", bdir])
        self.assertEqual(sh(self, [os.path.join(bdir, "tiny")]), EXPECTED_OUTPUT)

    def test_tiny_program_with_pkg_config(self):
        src = os.path.join(self.tmp.name, "tiny-pc")
        os.makedirs(src)
        main = os.path.join(src, "main.cpp")
        with open(main, "w") as f:
            f.write(TINY_PROGRAM)
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(self.prefix, "lib", "pkgconfig"))
        flags = sh(self, ["pkg-config", "--cflags", "--libs", "smtpauth"], env=env).split()
        self.assertIn("-lsmtpauth", flags)
        exe = os.path.join(src, "tiny")
        sh(self, ["c++", "-std=c++20", main, "-o", exe] + flags)
        self.assertEqual(sh(self, [exe]), EXPECTED_OUTPUT)

    def test_completion_files_parse_and_bash_completes(self):
        sh(self, ["zsh", "-n", self.path("share/zsh/site-functions/_smtpauth")])
        sh(self, ["fish", "-n", self.path("share/fish/vendor_completions.d/smtpauth.fish")])
        sh(self, ["bash", "-n", self.path("share/bash-completion/completions/smtpauth")])


class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if shutil.which("dpkg-deb") is None or shutil.which("cpack") is None:
            raise unittest.SkipTest("dpkg-deb/cpack not installed")
        cls.tmp = tempfile.TemporaryDirectory(prefix="smtpauth-deb-")
        proc = subprocess.run(["cpack", "-G", "DEB", "-B", cls.tmp.name, "--config",
                               os.path.join(build_dir(), "CPackConfig.cmake")],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600,
                              check=False)
        cls.cpack_output = proc.stdout.decode()
        cls.cpack_status = proc.returncode
        cls.debs = {name.split("_")[0]: os.path.join(cls.tmp.name, name)
                    for name in os.listdir(cls.tmp.name) if name.endswith(".deb")}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_cpack_built_both_packages(self):
        self.assertEqual(self.cpack_status, 0, self.cpack_output)
        self.assertEqual(sorted(self.debs), ["libsmtpauth-dev", "smtpauth"], self.cpack_output)

    def contents(self, package):
        return sh(self, ["dpkg-deb", "-c", self.debs[package]])

    def test_program_package_contents(self):
        listing = self.contents("smtpauth")
        for path in ["./usr/bin/smtpauth", "./usr/share/man/man1/smtpauth.1",
                     "./usr/share/bash-completion/completions/smtpauth",
                     "./usr/share/zsh/vendor-completions/_smtpauth",
                     "./usr/share/fish/vendor_completions.d/smtpauth.fish"]:
            self.assertIn(path, listing)
        # sasl2-bin owns /usr/bin/gen-auth: the name comes from update-alternatives instead.
        self.assertNotIn("gen-auth", listing)
        self.assertNotIn("libsmtpauth.a", listing)

    def test_program_package_depends_from_shared_libraries(self):
        info = sh(self, ["dpkg-deb", "-I", self.debs["smtpauth"]])
        depends = [line for line in info.splitlines() if line.strip().startswith("Depends:")]
        self.assertEqual(len(depends), 1, info)
        self.assertIn("libc6", depends[0])
        self.assertIn("libssl3", depends[0])
        self.assertIn("Package: smtpauth", info)

    def test_gen_auth_alternative_scripts(self):
        postinst = sh(self, ["dpkg-deb", "-I", self.debs["smtpauth"], "postinst"])
        self.assertIn("update-alternatives --install /usr/bin/gen-auth gen-auth "
                      "/usr/bin/smtpauth", postinst)
        prerm = sh(self, ["dpkg-deb", "-I", self.debs["smtpauth"], "prerm"])
        self.assertIn("update-alternatives --remove gen-auth /usr/bin/smtpauth", prerm)

    def test_dev_package(self):
        listing = self.contents("libsmtpauth-dev")
        self.assertRegex(listing, r"\./usr/lib/(\S+/)?libsmtpauth\.a")
        self.assertIn("/include/smtpauth/codec.hpp", listing)
        self.assertRegex(listing, r"cmake/smtpauth/smtpauthConfig\.cmake")
        self.assertRegex(listing, r"pkgconfig/smtpauth\.pc")
        info = sh(self, ["dpkg-deb", "-I", self.debs["libsmtpauth-dev"]])
        self.assertIn("libssl-dev", info)


if __name__ == "__main__":
    unittest.main()

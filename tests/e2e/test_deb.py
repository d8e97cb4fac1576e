"""The Debian package (debian/).

Always: the packaging's files agree with the tree (changelog and
configure.ac versions, Build-Depends and configure's libraries, the data
directory in the rules, the drop-in and the maintainer scripts), and the
maintainer scripts do what they should when run with stand-ins for
adduser, getent and chown, under DPKG_ROOT (a temporary directory).

With WEBCRON_TEST_DEB=1 (the CI's "debian package" stage sets it; it takes
a minute or more): builds the package with dpkg-buildpackage from a copy
of the source tree, checks its fields and contents with dpkg-deb, runs
lintian (no E: line), and installs, upgrades, removes and purges it in a
scratch root with dpkg --root (maintainer scripts run chrootless, with
the same stand-ins first on PATH, so nothing outside the scratch root is
touched: no user is made, no service started).
"""
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

SRCDIR = os.environ.get("WEBCRON_SRCDIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEBIAN = os.path.join(SRCDIR, "debian")
HEAVY = os.environ.get("WEBCRON_TEST_DEB") == "1"
HEAVY_SKIP = ("the package build is not run in every make check: set WEBCRON_TEST_DEB=1 "
              "(the CI's \"debian package\" stage, contrib/dev deb, does)")
DATA_DIR = "/var/lib/webcron"


def note(text):
    """A TAP comment: shown in the test's log, never a result."""
    for line in text.splitlines():
        sys.stdout.write("# %s\n" % line)
    sys.stdout.flush()


def read(path):
    with open(path) as f:
        return f.read()


def run(args, **kw):
    kw.setdefault("timeout", 120)
    kw.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run(args, capture_output=True, text=True, **kw)


def configure_version():
    m = re.search(r"AC_INIT\(\[webcron\],\s*\[([^\]]+)\]", read(os.path.join(SRCDIR, "configure.ac")))
    if m is None:
        raise AssertionError("no version in configure.ac's AC_INIT")
    return m.group(1)


def changelog_version():
    m = re.match(r"webcron \(([^)]+)\) ", read(os.path.join(DEBIAN, "changelog")))
    if m is None:
        raise AssertionError("debian/changelog does not start with a webcron entry")
    return m.group(1)


# Stand-ins for the commands of the maintainer scripts that would act on
# this machine rather than on DPKG_ROOT: each logs its arguments. getent
# finds no user (so adduser is called), dpkg-statoverride no override.
STUBS = {
    "adduser": 0, "getent": 2, "chown": 0, "dpkg-statoverride": 1,
    "systemctl": 0, "deb-systemd-invoke": 0,
}


def make_stubs(tmp):
    bindir = os.path.join(tmp, "stubs")
    os.makedirs(bindir)
    calls = os.path.join(tmp, "calls.log")
    for name, rc in STUBS.items():
        path = os.path.join(bindir, name)
        with open(path, "w") as f:
            f.write('#!/bin/sh\necho "%s $*" >> "%s"\nexit %d\n' % (name, calls, rc))
        os.chmod(path, 0o755)
    return bindir, calls


def calls_of(calls):
    return read(calls).splitlines() if os.path.exists(calls) else []


class Sources(unittest.TestCase):
    """The files under debian/ against the rest of the tree."""

    def setUp(self):
        if not os.path.isdir(DEBIAN):
            self.skipTest("no debian/ directory in %s" % SRCDIR)

    def test_changelog_version_is_configure_version(self):
        self.assertRegex(changelog_version(), r"^%s-[0-9]+$" % re.escape(configure_version()))

    def test_build_depends(self):
        control = read(os.path.join(DEBIAN, "control"))
        bd = re.search(r"^Build-Depends:(.*(?:\n[ \t].*)*)", control, re.M).group(1)
        names = {d.strip().split()[0] for d in bd.split(",") if d.strip()}
        self.assertIn("debhelper-compat (= 13)", re.sub(r"\s+", " ", bd))
        # every library configure insists on, by the package it names
        needed = re.findall(r"^\s*WC_NEED\(\[\w+\], \[[^\]]+\], \[([a-z0-9.+-]+)\]\)",
                            read(os.path.join(SRCDIR, "configure.ac")), re.M)
        self.assertGreaterEqual(len(needed), 7, "WC_NEED lines of configure.ac")
        for pkg in needed + ["pkg-config", "python3"]:
            self.assertIn(pkg, names, "Build-Depends")
        self.assertFalse(os.path.exists(os.path.join(DEBIAN, "compat")),
                         "debian/compat and debhelper-compat together are an error")

    def test_rules(self):
        rules = read(os.path.join(DEBIAN, "rules"))
        self.assertTrue(os.stat(os.path.join(DEBIAN, "rules")).st_mode & stat.S_IXUSR,
                        "debian/rules is executable")
        self.assertRegex(rules, r"(?m)^%:\n\tdh \$@")
        # the package build runs the unit tests only, and none with nocheck
        self.assertIn("override_dh_auto_test:", rules)
        self.assertIn("filter nocheck,$(DEB_BUILD_OPTIONS)", rules)
        self.assertIn("TESTS=$$(unit_tests)", rules)
        self.assertIn("unit_tests =", read(os.path.join(SRCDIR, "Makefile.am")))
        self.assertIn("data_dir = %s" % DATA_DIR, rules)

    def test_data_dir_is_the_units_state_directory(self):
        dropin = read(os.path.join(DEBIAN, "webcrond-debian.conf"))
        self.assertRegex(dropin, r"(?m)^StateDirectory=$")       # resets the unit's list
        self.assertRegex(dropin, r"(?m)^StateDirectory=%s$" % os.path.basename(DATA_DIR))
        self.assertRegex(dropin, r"(?m)^StateDirectoryMode=0750$")
        # the line of the sample that debian/rules rewrites is there
        self.assertRegex(read(os.path.join(SRCDIR, "etc", "webcrond.conf.sample")),
                         r"(?m)^data_dir = /var/lib/webcrond$")
        for script in ("webcron.postinst", "webcron.postrm"):
            self.assertIn('"${DPKG_ROOT:-}%s"' % DATA_DIR, read(os.path.join(DEBIAN, script)))

    def test_maintainer_scripts_parse(self):
        for script in ("webcron.postinst", "webcron.postrm"):
            path = os.path.join(DEBIAN, script)
            text = read(path)
            self.assertTrue(text.startswith("#!/bin/sh\n"), script)
            self.assertIn("\n#DEBHELPER#\n", text, script)
            self.assertIn("\nset -e\n", text, script)
            res = run(["sh", "-n", path])
            self.assertEqual(res.returncode, 0, "%s: %s" % (script, res.stderr))


class MaintainerScripts(unittest.TestCase):
    """debian/webcron.postinst and .postrm run as they are (#DEBHELPER# is a
    comment until dh fills it in) under DPKG_ROOT with stand-ins."""

    def setUp(self):
        if not os.path.isdir(DEBIAN):
            self.skipTest("no debian/ directory in %s" % SRCDIR)
        self.tmp = tempfile.mkdtemp(prefix="webcron-deb-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.root = os.path.join(self.tmp, "root")
        os.makedirs(self.root)
        self.stubs, self.calls = make_stubs(self.tmp)
        self.data = self.root + DATA_DIR

    def script(self, name, *args):
        env = dict(os.environ, DPKG_ROOT=self.root,
                   PATH=self.stubs + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"))
        res = run(["sh", os.path.join(DEBIAN, "webcron." + name)] + list(args), env=env)
        self.assertEqual(res.returncode, 0, "%s %s: %s%s" % (name, args, res.stdout, res.stderr))
        return res

    def test_configure_makes_user_and_data_dir(self):
        self.script("postinst", "configure", "")
        calls = calls_of(self.calls)
        self.assertIn("getent passwd webcron", calls)
        adduser = [c for c in calls if c.startswith("adduser ")]
        self.assertEqual(len(adduser), 1, calls)
        for arg in ("--system", "--group", "--home %s" % DATA_DIR, "--shell /usr/sbin/nologin"):
            self.assertIn(arg, adduser[0])
        self.assertTrue(adduser[0].endswith(" webcron"), adduser[0])
        self.assertIn("chown webcron:webcron %s" % self.data, calls)
        self.assertEqual(stat.S_IMODE(os.stat(self.data).st_mode), 0o750)

    def test_statoverride_wins(self):
        with open(os.path.join(self.stubs, "dpkg-statoverride"), "w") as f:
            f.write("#!/bin/sh\necho 'root webcron 0770 %s'\nexit 0\n" % DATA_DIR)
        self.script("postinst", "configure", "0.1.0-1")
        self.assertFalse([c for c in calls_of(self.calls) if c.startswith("chown")])
        self.assertTrue(os.path.isdir(self.data))

    def test_other_actions_change_nothing(self):
        self.script("postinst", "abort-upgrade", "0.1.0-1")
        self.assertFalse(os.path.exists(self.data))
        self.assertFalse([c for c in calls_of(self.calls) if c.startswith("adduser")])

    def test_remove_keeps_data_purge_removes_it_saying_so(self):
        os.makedirs(self.data)
        with open(os.path.join(self.data, "data.mdb"), "w") as f:
            f.write("x")
        for action in ("remove", "upgrade", "disappear"):
            res = self.script("postrm", action)
            self.assertTrue(os.path.exists(os.path.join(self.data, "data.mdb")), action)
            self.assertNotIn("removing", res.stdout, action)
        res = self.script("postrm", "purge")
        self.assertIn("removing %s" % self.data, res.stdout)
        self.assertIn("keeping the webcron system user", res.stdout)
        self.assertFalse(os.path.exists(self.data))
        # a second purge (no data left) still succeeds
        self.script("postrm", "purge")


def copy_source(dest):
    """The source tree without builds: git's files when it is a clone,
    else the directory minus build products (a dist tree is read-only
    under distcheck: the copy is made writable)."""
    if os.path.exists(os.path.join(SRCDIR, ".git")) and shutil.which("git"):
        res = run(["git", "-C", SRCDIR, "ls-files", "-co", "--exclude-standard", "-z"])
        if res.returncode == 0 and res.stdout:
            for rel in res.stdout.split("\0"):
                if not rel or not os.path.isfile(os.path.join(SRCDIR, rel)):
                    continue
                os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
                shutil.copy2(os.path.join(SRCDIR, rel), os.path.join(dest, rel))
            return
    ignore = shutil.ignore_patterns(".git", "_build", "build", "build-*", "run", "autom4te.cache",
                                    "__pycache__", "*.o", "*.log", "*.trs")
    shutil.copytree(SRCDIR, dest, ignore=ignore, symlinks=True)
    for top, dirs, files in os.walk(dest):
        for name in dirs + files:
            path = os.path.join(top, name)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode | stat.S_IWUSR)


BUILD_TOOLS = ("dpkg-buildpackage", "dh", "dpkg-deb", "fakeroot")


@unittest.skipUnless(HEAVY, HEAVY_SKIP)
@unittest.skipUnless(os.path.isdir(DEBIAN), "no debian/ directory in the source tree")
@unittest.skipUnless(all(shutil.which(t) for t in BUILD_TOOLS),
                     "%s missing: apt-get install debhelper dpkg-dev fakeroot" % ", ".join(
                         t for t in BUILD_TOOLS if not shutil.which(t)))
class Package(unittest.TestCase):
    """The built .deb (built once for the class; a failed build fails
    each test with its output)."""

    @classmethod
    def setUpClass(cls):
        cls.build_error = None
        cls.tmp = tempfile.mkdtemp(prefix="webcron-deb-")
        try:
            cls.build()
        except AssertionError as e:
            cls.build_error = str(e)

    @classmethod
    def build(cls):
        src = os.path.join(cls.tmp, "webcron")
        copy_source(src)
        # the unit tests run in make check: nocheck keeps this build short
        env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2")
        res = run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env, timeout=1200)
        if res.returncode != 0:
            raise AssertionError("dpkg-buildpackage failed (%d):\n%s" % (
                res.returncode, (res.stdout + res.stderr)[-6000:]))
        arch = run(["dpkg", "--print-architecture"]).stdout.strip()
        cls.version = changelog_version()
        cls.deb = os.path.join(cls.tmp, "webcron_%s_%s.deb" % (cls.version, arch))
        if not os.path.exists(cls.deb):
            raise AssertionError("no %s after the build: %s" % (cls.deb, os.listdir(cls.tmp)))
        cls.unpacked = os.path.join(cls.tmp, "unpacked")
        for args in (["-x", cls.deb, cls.unpacked], ["-e", cls.deb, os.path.join(cls.unpacked, "DEBIAN")]):
            res = run(["dpkg-deb"] + args)
            if res.returncode != 0:
                raise AssertionError("dpkg-deb %s: %s" % (args, res.stderr))

    def setUp(self):
        if self.build_error:
            self.fail(self.build_error)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "tmp", None):
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def field(self, name):
        res = run(["dpkg-deb", "-f", self.deb, name])
        self.assertEqual(res.returncode, 0, res.stderr)
        return res.stdout.strip()

    def file(self, path):
        return read(os.path.join(self.unpacked, path.lstrip("/")))

    def test_fields(self):
        self.assertEqual(self.field("Package"), "webcron")
        self.assertEqual(self.field("Version"), self.version)
        depends = self.field("Depends")
        for dep in ("adduser", "libevent-2.1-7", "liblmdb0", "libcurl4", "libyajl2", "libinih1", "libssl3",
                    "libjemalloc2"):
            self.assertIn(dep, depends)
        info = run(["dpkg-deb", "-I", self.deb]).stdout
        for script in ("postinst", "prerm", "postrm", "conffiles"):
            self.assertRegex(info, r"\b%s\b" % script)

    def test_contents(self):
        res = run(["dpkg-deb", "-c", self.deb])
        self.assertEqual(res.returncode, 0, res.stderr)
        listing = {}
        for line in res.stdout.splitlines():
            parts = line.split()
            listing[parts[5].lstrip(".")] = (parts[0], parts[1])
        for path in ("/usr/sbin/webcrond", "/usr/sbin/webcronctl"):
            self.assertEqual(listing.get(path, ("",))[0], "-rwxr-xr-x", path)
        for path in ("/etc/webcrond.conf", "/etc/webcrond.conf.sample",
                     "/lib/systemd/system/webcrond.service",
                     "/lib/systemd/system/webcrond.service.d/debian.conf",
                     "/usr/share/man/man8/webcrond.8.gz", "/usr/share/man/man8/webcronctl.8.gz",
                     "/usr/share/man/man5/webcrond.conf.5.gz",
                     "/usr/share/doc/webcron/copyright", "/usr/share/doc/webcron/README.Debian",
                     "/usr/share/doc/webcron/OPERATIONS.md.gz",
                     "/usr/share/doc/webcron/examples/nginx.conf",
                     "/usr/share/doc/webcron/examples/webcron.rules.yml"):
            self.assertIn(path, listing)
            self.assertEqual(listing[path][1], "root/root", path)
        # the database is made by postinst, not shipped: dpkg would own it
        self.assertNotIn(DATA_DIR + "/", listing)

    def test_conffiles(self):
        conffiles = self.file("DEBIAN/conffiles").split()
        self.assertIn("/etc/webcrond.conf", conffiles)

    def test_config_uses_the_package_data_dir_and_is_valid(self):
        conf = self.file("/etc/webcrond.conf")
        self.assertRegex(conf, r"(?m)^data_dir = %s$" % DATA_DIR)
        self.assertNotRegex(conf, r"(?m)^data_dir = /var/lib/webcrond$")
        path = os.path.join(self.unpacked, "etc", "webcrond.conf")
        res = run([os.path.join(self.unpacked, "usr", "sbin", "webcrond"), "-n", "-f", path])
        self.assertEqual(res.returncode, 0, "webcrond -n: %s%s" % (res.stdout, res.stderr))

    def test_unit(self):
        unit = self.file("/lib/systemd/system/webcrond.service")
        for line in ("ExecStart=/usr/sbin/webcrond -d -f /etc/webcrond.conf",
                     "ExecStartPre=/usr/sbin/webcrond -n -f /etc/webcrond.conf",
                     "User=webcron", "NoNewPrivileges=yes", "ProtectSystem=strict",
                     "CapabilityBoundingSet=", "WantedBy=multi-user.target"):
            self.assertRegex(unit, r"(?m)^%s$" % re.escape(line))
        self.assertNotIn("@sbindir@", unit)
        # dh_installsystemd enables and starts it, and prerm stops it
        self.assertIn("deb-systemd-helper enable 'webcrond.service'", self.file("DEBIAN/postinst"))
        self.assertIn("deb-systemd-invoke stop 'webcrond.service'", self.file("DEBIAN/prerm"))

    def test_lintian_has_no_error(self):
        if shutil.which("lintian") is None:
            self.skipTest("lintian is missing: apt-get install lintian")
        res = run(["lintian", "--allow-root", self.deb], timeout=600)
        note(res.stdout)
        errors = [l for l in res.stdout.splitlines() if l.startswith("E:")]
        self.assertEqual(errors, [], res.stdout + res.stderr)
        self.assertNotIn("error", res.stderr.lower().replace("running with root", ""), res.stderr)

    def test_install_upgrade_remove_purge_in_a_scratch_root(self):
        if os.geteuid() != 0:
            self.skipTest("dpkg --root sets files' owners: needs root")
        tmp = tempfile.mkdtemp(prefix="webcron-dpkg-", dir=self.tmp)
        root = os.path.join(tmp, "root")
        admin = os.path.join(root, "var", "lib", "dpkg")
        for d in ("info", "updates", "triggers"):
            os.makedirs(os.path.join(admin, d))
        for f in ("status", "available"):
            open(os.path.join(admin, f), "w").close()
        stubs, calls = make_stubs(tmp)
        env = dict(os.environ, PATH=stubs + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"))
        env.pop("DPKG_ROOT", None)

        def dpkg(*args):
            res = run(["dpkg", "--root=" + root, "--force-not-root", "--force-script-chrootless",
                       "--force-depends", "--log=" + os.path.join(tmp, "dpkg.log")] + list(args),
                      env=env)
            self.assertEqual(res.returncode, 0, "dpkg %s: %s%s" % (args, res.stdout, res.stderr))
            return res

        conf = os.path.join(root, "etc", "webcrond.conf")
        data = root + DATA_DIR
        dpkg("-i", self.deb)
        self.assertTrue(os.access(os.path.join(root, "usr", "sbin", "webcrond"), os.X_OK))
        self.assertEqual(stat.S_IMODE(os.stat(data).st_mode), 0o750)
        self.assertTrue([c for c in calls_of(calls) if c.startswith("adduser --quiet --system")])
        self.assertIn("chown webcron:webcron %s" % data, calls_of(calls))
        # enabled (deb-systemd-helper works under DPKG_ROOT)
        self.assertTrue(os.path.islink(os.path.join(
            root, "etc", "systemd", "system", "multi-user.target.wants", "webcrond.service")))

        # a local edit of the conffile survives an upgrade
        with open(conf, "a") as f:
            f.write("; edited by the operator\n")
        with open(os.path.join(data, "data.mdb"), "w") as f:
            f.write("the database")
        newer = os.path.join(tmp, "newer.deb")
        tree = os.path.join(tmp, "tree")
        self.assertEqual(run(["dpkg-deb", "-R", self.deb, tree]).returncode, 0)
        control = os.path.join(tree, "DEBIAN", "control")
        text = read(control).replace("Version: %s\n" % self.version, "Version: %s+1\n" % self.version)
        with open(control, "w") as f:
            f.write(text)
        res = run(["dpkg-deb", "--root-owner-group", "-b", tree, newer])
        self.assertEqual(res.returncode, 0, res.stderr)
        dpkg("-i", newer)
        self.assertIn("; edited by the operator", read(conf))
        self.assertIn("%s+1" % self.version, read(os.path.join(admin, "status")))

        # remove: binaries gone, data and config kept
        dpkg("-r", "webcron")
        self.assertFalse(os.path.exists(os.path.join(root, "usr", "sbin", "webcrond")))
        self.assertTrue(os.path.exists(os.path.join(data, "data.mdb")))
        self.assertTrue(os.path.exists(conf))

        # purge: says what it removes, then removes it
        res = dpkg("-P", "webcron")
        self.assertIn("removing %s" % data, res.stdout)
        self.assertFalse(os.path.exists(data))
        self.assertFalse(os.path.exists(conf))
        self.assertFalse(os.path.exists(os.path.join(
            root, "etc", "systemd", "system", "multi-user.target.wants", "webcrond.service")))


if __name__ == "__main__":
    unittest.main()

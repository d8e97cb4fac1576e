"""Packaging and daemon conventions: the sample config against the config
table, the man pages, the systemd unit, the nginx example (checked with
`nginx -t` and run in front of a real webcrond when nginx is installed),
and dropping root (when the suite runs as root)."""
import http.client
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import unittest

from webcron import BUILDDIR, WEBCROND, WEBCRONCTL, Daemon, ini, wait_until

SRCDIR = os.environ.get("WEBCRON_SRCDIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SAMPLE = os.path.join(SRCDIR, "etc", "webcrond.conf.sample")
NGINX_CONF = os.path.join(SRCDIR, "contrib", "nginx.conf")
UNIT = os.path.join(BUILDDIR, "contrib", "webcrond.service")
MAN_PAGES = ("webcrond.8", "webcrond.conf.5", "webcronctl.8")


def note(text):
    """A TAP comment: shown in the test's log, never a result."""
    for line in text.splitlines():
        sys.stdout.write("# %s\n" % line)
    sys.stdout.flush()


def read(path):
    with open(path) as f:
        return f.read()


def table_keys():
    """{section: {name: default}} of config_keys[] in src/conf/config.c."""
    pattern = re.compile(r'^\s*\{\s*"([^"]+)",\s*"([^"]+)",\s*CONFIG_[A-Z0-9]+,\s*[CT]\(\w+\),'
                         r'\s*[^,]+,\s*[^,]+,\s*"([^"]*)",\s*[01]\s*,', re.M)
    keys = {}
    for section, name, default in pattern.findall(read(os.path.join(SRCDIR, "src", "conf", "config.c"))):
        keys.setdefault(section, {})[name] = default
    return keys


def sample_keys(text):
    """{section: {name: (value, line number, help line)}} of the sample
    config: the keys set in [section]s, and in a commented [task.NAME]
    section its commented ;key = value lines. Task sections are "task.*"."""
    keys, section, prev = {}, None, ""
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        m = re.match(r"^;?\s*\[([a-z0-9_.*-]+)\]\s*(;.*)?$", s)
        if m:
            section = "task.*" if m.group(1).startswith("task.") else m.group(1)
            keys.setdefault(section, {})
            prev = s
            continue
        m = re.match(r"^(;?)\s*([a-z0-9_]+)\s*=\s*(.*)$", s)
        if m and section and (not m.group(1) or section == "task.*"):
            name = m.group(2)
            if name in keys[section]:
                raise AssertionError("sample line %d: [%s] %s is set twice" % (n, section, name))
            value = re.sub(r"\s+;.*$", "", m.group(3)).strip()
            keys[section][name] = (value, n, prev)
        if s:
            prev = s
    return keys


def default_config_path():
    """The config path compiled into webcrond, from its usage text."""
    res = run([WEBCROND, "-x"])
    m = re.search(r"default (/\S+/webcrond\.conf)\)", res.stderr)
    if m is None:
        raise AssertionError("no default config path in webcrond's usage: " + res.stderr)
    return m.group(1)


def run(args, **kw):
    kw.setdefault("timeout", 30)
    return subprocess.run(args, capture_output=True, text=True, **kw)


class SampleConfig(unittest.TestCase):
    def test_table_is_parsed(self):
        keys = table_keys()
        # a regex that stopped matching would make the comparisons vacuous
        self.assertEqual(set(keys), {"server", "api", "jobs", "limits", "cluster", "task.*"})
        src = read(os.path.join(SRCDIR, "src", "conf", "config.c"))
        body = src.split("config_keys[] = {", 1)[1].split("\n};", 1)[0]
        entries = re.findall(r'(?m)^\s*\{ "', body)
        self.assertEqual(sum(len(v) for v in keys.values()), len(entries))
        self.assertEqual(keys["server"]["data_dir"], "/var/lib/webcrond")

    def test_sample_lists_exactly_the_table_keys(self):
        table, sample = table_keys(), sample_keys(read(SAMPLE))
        self.assertEqual(sorted(sample), sorted(table), "sections")
        for section in table:
            missing = sorted(set(table[section]) - set(sample[section]))
            extra = sorted(set(sample[section]) - set(table[section]))
            self.assertEqual(missing, [], "[%s] keys of the table missing from the sample" % section)
            self.assertEqual(extra, [], "[%s] keys of the sample unknown to the table" % section)

    def test_sample_gives_each_default_and_a_help_line(self):
        table, sample = table_keys(), sample_keys(read(SAMPLE))
        for section, keys in table.items():
            for name, default in keys.items():
                self.assertIn(name, sample.get(section, {}), "[%s] %s" % (section, name))
                value, line, prev = sample[section][name]
                if section != "task.*":   # the task class is an example
                    self.assertEqual(value, default, "sample line %d: [%s] %s" % (line, section, name))
                # the line above is a comment that is neither a key nor a section
                self.assertRegex(prev, r"^;\s*[^\s\[]", "sample line %d: [%s] %s has no help line" % (
                    line, section, name))
                self.assertNotRegex(prev, r"^;\s*[a-z0-9_]+\s*=", "sample line %d: [%s] %s has no "
                                    "help line" % (line, section, name))

    def test_sample_is_a_valid_config(self):
        # data_dir (/var/lib/webcrond) need not exist for -n
        res = run([WEBCROND, "-n", "-f", SAMPLE])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("configuration OK", res.stdout)
        if not os.path.exists("/var/lib/webcrond"):
            note("-n passed with data_dir /var/lib/webcrond absent")

    def test_sample_task_class_uncommented_is_valid(self):
        text = re.sub(r"(?m)^;(\[task\.|exec =|timeout =|user =)", r"\1", read(SAMPLE))
        self.assertIn("\n[task.backup]\n", text)
        with tempfile.TemporaryDirectory(prefix="webcron-pkg-") as tmp:
            conf = os.path.join(tmp, "webcrond.conf")
            with open(conf, "w") as f:
                f.write(text)
            res = run([WEBCROND, "-n", "-f", conf])
            self.assertEqual(res.returncode, 0, res.stderr)

    def test_check_needs_no_data_dir(self):
        with tempfile.TemporaryDirectory(prefix="webcron-pkg-") as tmp:
            conf = os.path.join(tmp, "webcrond.conf")
            data = os.path.join(tmp, "no", "such", "dir")
            with open(conf, "w") as f:
                f.write(ini({"server": {"data_dir": data}}))
            res = run([WEBCROND, "-n", "-f", conf])
            self.assertEqual(res.returncode, 0, res.stderr)
            self.assertFalse(os.path.exists(os.path.join(tmp, "no")))
            with open(conf, "a") as f:
                f.write("idle_timeout = 0\n")
            res = run([WEBCROND, "-n", "-f", conf])
            self.assertEqual(res.returncode, 1)
            self.assertIn("idle_timeout", res.stderr)


class ManPages(unittest.TestCase):
    def page(self, name, built=False):
        return read(os.path.join(BUILDDIR, "man", name) if built else
                    os.path.join(SRCDIR, "man", name + ".in"))

    def test_paths_are_filled_in_at_make_time(self):
        conf = default_config_path()
        for name in MAN_PAGES:
            text = self.page(name, built=True)
            self.assertNotRegex(text, r"@[a-zA-Z_]+@", name)
            # (\: is a break point in a path: it prints nothing)
            self.assertIn(conf, text.replace("\\:", ""), name)

    def test_every_config_key_is_documented(self):
        text = self.page("webcrond.conf.5")
        for section, keys in table_keys().items():
            heading = "TASK CLASS SECTIONS" if section == "task.*" else section.upper() + " SECTION"
            self.assertIn(".Sh " + heading, text)
            part = text.split(".Sh " + heading, 1)[1].split("\n.Sh ", 1)[0]
            for name in keys:
                self.assertRegex(part, r"(?m)^\.It Cm %s\b" % re.escape(name),
                                 "[%s] %s is not in webcrond.conf(5)" % (section, name))

    def test_every_flag_and_command_is_documented(self):
        text = self.page("webcrond.8")
        for flag in "dfnOvV":
            self.assertRegex(text, r"(?m)^\.It Fl %s\b" % flag)
        for sig in ("SIGTERM", "SIGINT", "SIGHUP"):
            self.assertIn(sig, text)
        for section in ("FILES", "EXIT STATUS", "SEE ALSO", "SIGNALS"):
            self.assertIn(".Sh " + section, text)
        ctl = self.page("webcronctl.8")
        src = read(os.path.join(SRCDIR, "src", "ctl", "webcronctl.c"))
        commands = re.findall(r'\{\s*"([a-z]+)",\s*(?:"([a-z]+)"|NULL),\s*ctl_\w+,', src)
        self.assertGreaterEqual(len(commands), 9)
        for word1, word2 in commands:
            self.assertRegex(ctl, r"(?m)^\.It Cm %s%s\b" % (word1, " " + word2 if word2 else ""),
                             "webcronctl %s %s is not in webcronctl(8)" % (word1, word2))
        for cmd in ("export", "import"):
            self.assertRegex(ctl, r"(?m)^\.It Cm %s Ar" % cmd)

    def render_without_warnings(self, mandir):
        groff = shutil.which("groff")
        if groff is None:
            note("groff is not installed: the pages were not rendered")
            return
        for name in MAN_PAGES:
            res = run([groff, "-mandoc", "-Tutf8", "-ww", "-z", os.path.join(mandir, name)])
            self.assertEqual(res.returncode, 0, res.stderr)
            self.assertEqual(res.stderr, "", name)

    def test_pages_render_without_warnings(self):
        self.render_without_warnings(os.path.join(BUILDDIR, "man"))

    def test_pages_with_long_paths_render_without_warnings(self):
        """The pages made by this build's Makefile rules, but in a scratch
        directory and for a prefix far longer than a line (make distcheck's
        can be): the filled-in paths must leave groff places to break."""
        make = shutil.which("make")
        if make is None or shutil.which("groff") is None:
            note("make or groff is not installed: long paths were not rendered")
            return
        long = "/" + "a-rather-long-directory-name/" * 6
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        with tempfile.TemporaryDirectory(prefix="webcron-man-") as tmp:
            # -o Makefile: the build's Makefile is used as it is, never remade
            res = run([make, "-s", "-f", os.path.abspath(os.path.join(BUILDDIR, "Makefile")),
                       "-C", tmp, "-o", "Makefile", "srcdir=" + os.path.abspath(SRCDIR),
                       "sbindir=" + long + "sbin", "sysconfdir=" + long + "etc",
                       "localstatedir=" + long + "var"] + ["man/" + n for n in MAN_PAGES],
                      env=env, timeout=120)
            self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
            text = read(os.path.join(tmp, "man", "webcrond.8")).replace("\\:", "")
            self.assertIn(long + "etc/webcrond.conf", text)
            self.assertIn(long + "sbin/webcrond", text)
            self.render_without_warnings(os.path.join(tmp, "man"))


class SystemdUnit(unittest.TestCase):
    def unit(self):
        return read(UNIT)

    def directives(self):
        out = {}
        for line in self.unit().splitlines():
            m = re.match(r"^([A-Za-z]+)=(.*)$", line)
            if m:
                out.setdefault(m.group(1), []).append(m.group(2))
        return out

    def test_required_lines(self):
        d = self.directives()
        conf = default_config_path()
        self.assertNotRegex(self.unit(), r"@[a-zA-Z_]+@")
        want = {
            "Type": "simple", "User": "webcron", "Group": "webcron",
            "ExecReload": "/bin/kill -HUP $MAINPID", "Restart": "on-failure",
            "StateDirectory": "webcrond", "RuntimeDirectory": "webcrond",
            "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
            "PrivateTmp": "yes", "PrivateDevices": "yes", "ProtectKernelTunables": "yes",
            "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes",
            "ProtectControlGroups": "yes", "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
            "RestrictNamespaces": "yes", "LockPersonality": "yes",
            "MemoryDenyWriteExecute": "yes", "RestrictRealtime": "yes",
            "SystemCallArchitectures": "native", "SystemCallFilter": "@system-service",
            "LimitNOFILE": "1048576",
        }
        for key, value in want.items():
            self.assertEqual(d.get(key), [value], key)
        pre, start = d["ExecStartPre"][0].split(), d["ExecStart"][0].split()
        self.assertTrue(pre[0].startswith("/") and pre[0].endswith("/webcrond"), pre)
        self.assertEqual(pre[1:], ["-n", "-f", conf])
        self.assertEqual(start, [pre[0], "-d", "-f", conf])
        # a little over the default shutdown_grace
        grace = int(table_keys()["server"]["shutdown_grace"])
        self.assertTrue(grace < int(d["TimeoutStopSec"][0]) <= grace + 30, d["TimeoutStopSec"])

    def test_exec_start_pre_accepts_the_sample(self):
        pre = self.directives()["ExecStartPre"][0].split()
        res = run([WEBCROND] + pre[1:-1] + [SAMPLE])
        self.assertEqual(res.returncode, 0, res.stderr)

    def test_systemd_analyze_verify(self):
        tool = shutil.which("systemd-analyze")
        if tool is None:
            note("systemd-analyze is not installed: only the unit's lines were checked")
            return
        exe = self.directives()["ExecStart"][0].split()[0]
        conf = default_config_path()
        with tempfile.TemporaryDirectory(prefix="webcron-unit-") as tmp:
            # verify wants the programs to exist: point it at this build's
            unit = os.path.join(tmp, "webcrond.service")
            with open(unit, "w") as f:
                f.write(self.unit().replace(exe, os.path.abspath(WEBCROND)).replace(conf, SAMPLE))
            res = run([tool, "verify", "--man=no", unit])
            out = res.stdout + res.stderr
            if res.returncode != 0 and "webcrond.service" not in out:
                note("systemd-analyze verify cannot run here (%d): %s" % (res.returncode, out.strip()))
                note("only the unit's lines were checked")
                return
            # unknown keys and bad values are warnings that name the file
            self.assertEqual(res.returncode, 0, out)
            self.assertNotIn("webcrond.service", out)


def nginx_example():
    return read(NGINX_CONF)


def nginx_webcrond_lines():
    """The webcrond.conf lines given in the example's comment."""
    lines, inside = [], False
    for line in nginx_example().splitlines():
        if line.startswith("#   [server]"):
            inside = True
        if inside:
            if not line.startswith("#   "):
                break
            lines.append(line[4:])
    return lines


class NginxExample(unittest.TestCase):
    def test_required_directives(self):
        text = nginx_example()
        for pattern in (
                r"proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;",
                r"proxy_set_header Host \$host;",
                r"proxy_http_version 1\.1;",
                r"server unix:/run/webcrond/webcrond\.sock;",
                r"#\s*server 127\.0\.0\.1:\d+;",
                r"ssl_certificate \S+;", r"ssl_certificate_key \S+;",
                r"client_max_body_size 64k;", r"proxy_read_timeout \d+s;",
                r"location /api/ \{\s*proxy_pass http://webcrond;",
                r"location = /healthz \{\s*proxy_pass http://webcrond;",
                r"location = /metrics \{\s*allow 127\.0\.0\.1;[^}]*deny all;[^}]*proxy_pass http://webcrond;",
                r"location /cron/api/ \{\s*proxy_pass http://webcrond/api/;"):
            self.assertRegex(text, pattern)

    def test_matching_webcrond_lines_are_a_valid_config(self):
        lines = nginx_webcrond_lines()
        self.assertIn("listen = unix:/run/webcrond/webcrond.sock", lines)
        self.assertTrue(any(l.startswith("trusted_proxies = ") for l in lines), lines)
        with tempfile.TemporaryDirectory(prefix="webcron-pkg-") as tmp:
            conf = os.path.join(tmp, "webcrond.conf")
            with open(conf, "w") as f:
                f.write("\n".join(lines) + "\n")
            res = run([WEBCROND, "-n", "-f", conf])
            self.assertEqual(res.returncode, 0, res.stderr)

    def make_nginx(self, tmp, sock, port, port80):
        """The example in a minimal nginx.conf whose paths are all in TMP;
        returns the path of the main file."""
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        res = run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                   "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert])
        self.assertEqual(res.returncode, 0, res.stderr)
        text = nginx_example()
        text = text.replace("/run/webcrond/webcrond.sock", sock)
        text = re.sub(r"ssl_certificate \S+;", "ssl_certificate %s;" % cert, text)
        text = re.sub(r"ssl_certificate_key \S+;", "ssl_certificate_key %s;" % key, text)
        text = re.sub(r"listen 443 ssl;", "listen 127.0.0.1:%d ssl;" % port, text)
        text = re.sub(r"listen 80;", "listen 127.0.0.1:%d;" % port80, text)
        text = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", text)
        site = os.path.join(tmp, "webcron-site.conf")
        with open(site, "w") as f:
            f.write(text)
        main = os.path.join(tmp, "nginx.conf")
        with open(main, "w") as f:
            f.write("%s\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
                    "events { worker_connections 64; }\nhttp {\n"
                    "  access_log %s/access.log;\n"
                    "  client_body_temp_path %s/client_body;\n  proxy_temp_path %s/proxy;\n"
                    "  fastcgi_temp_path %s/fastcgi;\n  uwsgi_temp_path %s/uwsgi;\n"
                    "  scgi_temp_path %s/scgi;\n  include %s;\n}\n" % (
                        # workers must reach the socket a root webcrond made
                        "user root;" if os.geteuid() == 0 else "",
                        tmp, tmp, tmp, tmp, tmp, tmp, tmp, tmp, site))
        return main, cert

    def nginx_args(self, tmp, main):
        return [shutil.which("nginx"), "-p", tmp + "/", "-e", os.path.join(tmp, "error.log"),
                "-c", main]

    def test_nginx_t(self):
        if shutil.which("nginx") is None or shutil.which("openssl") is None:
            note("nginx (or openssl) is not installed: only the example's directives were "
                 "checked (contrib/dev installs both)")
            return
        with tempfile.TemporaryDirectory(prefix="webcron-nginx-") as tmp:
            # nginx -t binds the listen addresses: free ones, for non-root runs
            main, _ = self.make_nginx(tmp, os.path.join(tmp, "webcrond.sock"), free_port(),
                                      free_port())
            res = run(self.nginx_args(tmp, main) + ["-t"])
            self.assertEqual(res.returncode, 0, res.stderr)
            self.assertIn("test is successful", res.stderr)

    def test_behind_nginx(self):
        """nginx with the example in front of webcrond on a unix socket:
        the API, the prefix, /healthz, /metrics for 127.0.0.1 only, and the
        client address from X-Forwarded-For."""
        if shutil.which("nginx") is None or shutil.which("openssl") is None:
            note("nginx (or openssl) is not installed: not run")
            return
        tmp = tempfile.mkdtemp(prefix="webcron-nginx-")
        self.addCleanup(shutil.rmtree, tmp, True)
        d = Daemon()
        self.addCleanup(d.cleanup)
        sock = os.path.join(d.dir, "webcrond.sock")
        conf = {}
        for line in nginx_webcrond_lines():
            m = re.match(r"^([a-z_]+) = (.*)$", line)
            if m:
                conf[m.group(1)] = m.group(2)
        conf["listen"] = "127.0.0.1:0, unix:" + sock   # TCP for the port file
        d.update({"server": conf})
        _, token = d.add_user("admin", admin=True)
        d.start()
        port, port80 = free_port(), free_port()
        main, cert = self.make_nginx(tmp, sock, port, port80)
        nginx = subprocess.Popen(self.nginx_args(tmp, main) + ["-g", "daemon off;"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(stop_process, nginx)
        wait_until("nginx to listen", lambda: nginx.poll() is not None or connects(port))
        self.assertIsNone(nginx.poll(), nginx.stderr.read() if nginx.stderr else "")
        ctx = ssl.create_default_context(cafile=cert)

        def get(path, source="127.0.0.1", headers=None):
            c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30,
                                            source_address=(source, 0))
            try:
                c.request("GET", path, headers=headers or {})
                r = c.getresponse()
                return r.status, r.read().decode("utf-8", "replace")
            finally:
                c.close()

        self.assertEqual(get("/healthz"), (200, '{"status":"ok"}'))
        status, body = get("/api/server.time?token=" + token)
        self.assertEqual(status, 200)
        self.assertIn('"code":0', body)
        status, body = get("/cron/api/server.time?token=" + token)
        self.assertEqual(status, 200, body)
        self.assertIn('"code":0', body)
        self.assertEqual(get("/")[0], 404)
        status, body = get("/metrics")
        self.assertEqual(status, 200, body)
        self.assertIn("webcron_build_info", body)
        self.assertEqual(get("/metrics", source="127.0.0.2")[0], 403)
        # a client cannot choose its address: nginx appends the one it saw
        status, body = get("/api/account.get?token=" + token, source="127.0.0.2",
                           headers={"X-Forwarded-For": "203.0.113.9"})
        self.assertIn('"code":0', body)
        line = wait_until("the access log line", lambda: re.search(
            r"api GET account\.get code=0 .* client=(\S+)", d.log_text()))
        self.assertEqual(line.group(1), "127.0.0.2")
        # plain HTTP only redirects
        c = http.client.HTTPConnection("127.0.0.1", port80, timeout=30)
        c.request("GET", "/api/server.time")
        r = c.getresponse()
        self.assertEqual(r.status, 301)
        self.assertTrue(r.getheader("Location").startswith("https://"))
        c.close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def connects(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def stop_process(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stderr:
        proc.stderr.close()


def status_ids(pid):
    """The Uid, Gid, Groups and CapEff lines of /proc/PID/status."""
    out = {}
    for line in read("/proc/%d/status" % pid).splitlines():
        key, _, value = line.partition(":")
        if key in ("Uid", "Gid", "Groups", "CapEff", "CapPrm"):
            out[key] = value.split()
    return out


class Privileges(unittest.TestCase):
    """Started as root with `user`, webcrond binds, then drops to that user
    (setgroups, setresgid, setresuid) before it opens the store."""

    def setUp(self):
        self.nobody = pwd.getpwnam("nobody")

    def shared_dir(self):
        """A temp dir that nobody can reach, with a nobody-owned state/
        and bin/, a copy of webcrond and webcronctl that nobody may run:
        the build tree may lie where only root can enter (a clone in
        root's home or in a mode 0700 mktemp -d)."""
        base = tempfile.gettempdir()
        p = os.path.abspath(base)
        while True:
            if not os.stat(p).st_mode & 0o001:
                self.skipTest("%s is not searchable by others" % p)
            if p == "/":
                break
            p = os.path.dirname(p)
        d = tempfile.mkdtemp(prefix="webcron-priv-", dir=base)
        os.chmod(d, 0o755)
        state = os.path.join(d, "state")
        os.mkdir(state, 0o700)
        if os.geteuid() == 0:
            os.chown(state, self.nobody.pw_uid, self.nobody.pw_gid)
        bindir = os.path.join(d, "bin")
        os.mkdir(bindir, 0o755)
        os.chmod(bindir, 0o755)
        self.webcrond = os.path.join(bindir, "webcrond")
        self.webcronctl = os.path.join(bindir, "webcronctl")
        for src, dst in ((WEBCROND, self.webcrond), (WEBCRONCTL, self.webcronctl)):
            shutil.copyfile(src, dst)
            os.chmod(dst, 0o755)
        return d, state

    def daemon(self, **server):
        d, state = self.shared_dir()
        daemon = Daemon(tmpdir=d, webcrond=self.webcrond)
        self.addCleanup(daemon.cleanup)
        daemon.port_file = os.path.join(state, "port")
        daemon.update({"server": dict({"port_file": daemon.port_file,
                                       "data_dir": os.path.join(state, "data")}, **server)})
        os.chmod(daemon.conf, 0o644)
        return daemon, state

    def run_daemon(self, daemon, args, **kw):
        """Runs webcrond to its end (it is expected to refuse to start)."""
        res = run([self.webcrond, "-f", daemon.conf] + list(args), **kw)
        self.assertFalse(os.path.exists(daemon.port_file), "it started")
        return res

    def as_nobody(self):
        return dict(user=self.nobody.pw_uid, group=self.nobody.pw_gid, extra_groups=[])

    def test_root_with_user_drops_privileges_before_the_store(self):
        if os.geteuid() != 0:
            note("not root: the privilege drop is not tested (see test_non_root_ignores_user)")
            self.skipTest("needs root")
        low = privileged_port()
        daemon, state = self.daemon(user="nobody",
                                    listen="127.0.0.1:0" + (", 127.0.0.1:%d" % low if low else ""))
        daemon.start(args=("-d",))
        ids = status_ids(daemon.proc.pid)
        uid, gid = str(self.nobody.pw_uid), str(self.nobody.pw_gid)
        self.assertEqual(ids["Uid"], [uid] * 4)
        self.assertEqual(ids["Gid"], [gid] * 4)
        self.assertLessEqual(set(ids["Groups"]), {gid})
        self.assertEqual(int(ids["CapEff"][0], 16), 0)
        self.assertEqual(int(ids["CapPrm"][0], 16), 0)
        # the store was created after the drop, by nobody
        for name in ("data", "data/data.mdb", "data/lock.mdb"):
            self.assertEqual(os.stat(os.path.join(state, name)).st_uid, self.nobody.pw_uid, name)
        self.assertIn("running as nobody", daemon.log_text())
        # webcronctl as the daemon's user, while it runs
        res = run([self.webcronctl, "-f", daemon.conf, "user", "add", "admin", "--admin"],
                  **self.as_nobody())
        self.assertEqual(res.returncode, 0, res.stderr)
        token = res.stdout.strip().splitlines()[-1]
        r = daemon.call("server.time", token)
        self.assertEqual(r.code, 0, r)
        if low:
            # a port below 1024, bound as root before the drop
            c = http.client.HTTPConnection("127.0.0.1", low, timeout=30)
            c.request("GET", "/healthz")
            self.assertEqual(c.getresponse().status, 200)
            c.close()
        self.assertEqual(daemon.stop(), 0)

    def test_root_without_user_refuses_without_d(self):
        if os.geteuid() != 0:
            note("not root: the refusal of root is not tested")
            self.skipTest("needs root")
        daemon, state = self.daemon()
        res = self.run_daemon(daemon, [])
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertFalse(os.path.exists(os.path.join(state, "data")), "the store was opened")
        # without -d the reason goes to syslog only
        note("refused as root without user or -d (exit 1); stderr: %r" % res.stderr.strip())

    def test_bad_user_is_fatal(self):
        if os.geteuid() != 0:
            note("not root: [server] user is not used, so a bad one is not an error")
            self.skipTest("needs root")
        for user, why in (("nosuchuser-webcron", "no such user"), ("root", "is root")):
            daemon, state = self.daemon(user=user)
            res = self.run_daemon(daemon, ["-d"])
            self.assertEqual(res.returncode, 1, res.stderr)
            self.assertIn(why, res.stderr)
            self.assertIn("cannot drop privileges to " + user, res.stderr)
            self.assertFalse(os.path.exists(os.path.join(state, "data")), "the store was opened")

    def test_non_root_ignores_user(self):
        """Not started as root, webcrond runs as whoever started it and
        does not look `user` up (as under the systemd unit's User=)."""
        daemon, state = self.daemon(user="nosuchuser-webcron")
        kw = self.as_nobody() if os.geteuid() == 0 else {}
        expect = self.nobody.pw_uid if os.geteuid() == 0 else os.geteuid()
        daemon.log = open(daemon.log_path, "ab")
        daemon.proc = subprocess.Popen([self.webcrond, "-d", "-f", daemon.conf], stdout=daemon.log,
                                       stderr=subprocess.STDOUT, **kw)
        daemon.port = daemon.wait_port()
        self.assertEqual(status_ids(daemon.proc.pid)["Uid"], [str(expect)] * 4)
        r = daemon.request("GET", "/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(daemon.stop(), 0)


def privileged_port():
    """A free port below 1024 (root only), or None."""
    for port in range(1023, 900, -1):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    return None


if __name__ == "__main__":
    unittest.main()

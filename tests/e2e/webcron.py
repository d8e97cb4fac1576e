"""The end-to-end harness: a real webcrond on a free port with a fresh data
directory, and an HTTP client for its API.

Only loopback is ever contacted: the daemon listens on 127.0.0.1 (or ::1,
or a unix socket) and the client connects to exactly that address.
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

BUILDDIR = os.environ.get("WEBCRON_BUILDDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
WEBCROND = os.environ.get("WEBCROND", os.path.join(BUILDDIR, "webcrond"))
WEBCRONCTL = os.environ.get("WEBCRONCTL", os.path.join(BUILDDIR, "webcronctl"))
START_TIMEOUT = 15.0


class Reply:
    """One API answer: the HTTP status, the headers and the parsed body."""

    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            self.json = None

    @property
    def code(self):
        return self.json["code"]

    @property
    def data(self):
        return self.json["data"]

    def __repr__(self):
        return "<Reply %d %r>" % (self.status, self.raw[:300])


def ini(sections):
    """Writes {section: {key: value}} as an INI text."""
    out = []
    for section, keys in sections.items():
        out.append("[%s]" % section)
        for key, value in keys.items():
            out.append("%s = %s" % (key, value))
        out.append("")
    return "\n".join(out)


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", ": runtime error: ")


def sanitizer_report(text):
    """The first sanitizer report in TEXT (a build with --enable-asan
    writes them to stderr, which is the daemon's log here), or None."""
    for mark in SANITIZER_MARKS:
        at = text.find(mark)
        if at != -1:
            start = text.rfind("\n", 0, at) + 1
            return text[start:start + 4000]
    return None


class Daemon:
    """A webcrond process with its own config and data directory."""

    def __init__(self, config=None, tmpdir=None, webcrond=None):
        self.dir = tmpdir or tempfile.mkdtemp(prefix="webcron-e2e-")
        self.webcrond = webcrond or WEBCROND
        self.conf = os.path.join(self.dir, "webcrond.conf")
        self.port_file = os.path.join(self.dir, "port")
        self.log_path = os.path.join(self.dir, "webcrond.log")
        self.sections = {
            "server": {
                "listen": "127.0.0.1:0",
                "port_file": self.port_file,
                "data_dir": os.path.join(self.dir, "data"),
            },
        }
        self.update(config or {})
        self.proc = None
        self.port = None
        self.host = "127.0.0.1"
        self.unix_path = None
        self.conn = None

    def update(self, config):
        for section, keys in config.items():
            self.sections.setdefault(section, {}).update(keys)
        self.write_config()

    def write_config(self, text=None):
        with open(self.conf, "w") as f:
            f.write(text if text is not None else ini(self.sections))

    # -- webcronctl
    def ctl(self, *args, check=True, timeout=180):
        res = subprocess.run([WEBCRONCTL, "-f", self.conf] + [str(a) for a in args],
                             capture_output=True, text=True, timeout=timeout)
        if check and res.returncode != 0:
            raise AssertionError("webcronctl %s failed (%d): %s%s" % (
                " ".join(map(str, args)), res.returncode, res.stdout, res.stderr))
        return res

    def add_user(self, name, admin=False):
        """Creates an account with webcronctl; returns (id, token)."""
        res = self.ctl("user", "add", name, *(["--admin"] if admin else []))
        lines = res.stdout.strip().splitlines()
        token = lines[-1]
        account_id = int(lines[0].split()[1])
        return account_id, token

    # -- the process
    def start(self, args=("-d",)):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.webcrond, "-f", self.conf] + list(args),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.port = self.wait_port()
        self.conn = None
        return self

    def wait_port(self):
        """Waits for the port file the daemon writes once it answers."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("webcrond exited with %d before listening:\n%s" % (
                    self.proc.returncode, self.log_text()))
            try:
                with open(self.port_file) as f:
                    text = f.read()
                if text.endswith("\n"):
                    return int(text)
            except FileNotFoundError:
                pass
            time.sleep(0.01)
        raise AssertionError("webcrond did not write its port file in time:\n" + self.log_text())

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def kill(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stops the daemon; returns its exit status."""
        if self.conn:
            self.conn.close()
            self.conn = None
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("webcrond did not stop within %ss" % timeout)
        self.log.close()
        self.proc = None
        report = sanitizer_report(self.log_text())
        if report:
            raise AssertionError("webcrond's log holds a sanitizer report:\n" + report)
        return rc

    def cleanup(self):
        """Stops the daemon as an operator would (SIGTERM), so that a
        sanitizer build's leak check runs at its exit and stop() sees its
        report; one still busy after a few seconds (runs within their
        shutdown_grace) is killed. Then removes the directory."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
            self.stop(signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- HTTP
    def connect(self):
        if self.unix_path:
            conn = UnixHTTPConnection(self.unix_path)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        return conn

    def request(self, method, path, body=None, headers=None, conn=None):
        """One HTTP request on a kept-alive connection; returns a Reply."""
        own = conn is None
        for attempt in range(2):
            if own and self.conn is None:
                self.conn = self.connect()
            c = self.conn if own else conn
            try:
                c.request(method, path, body=body, headers=headers or {})
                r = c.getresponse()
                raw = r.read()
                reply = Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, raw)
                if own and r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return reply
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if not own or attempt == 1:
                    raise
                self.conn.close()
                self.conn = None

    def call(self, action, token=None, params=None, method="GET", json_body=None, form=None,
             headers=None, query=None):
        """Calls /api/<action>. PARAMS go into the query string (GET) or a
        form body (other methods) unless JSON_BODY or FORM is given."""
        params = dict(params or {})
        if token is not None:
            params.setdefault("token", token)
        hdrs = dict(headers or {})
        body = None
        qs = dict(query or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs.setdefault("Content-Type", "application/json")
            qs.update(params)
        elif form is not None:
            body = urllib.parse.urlencode(form, doseq=True).encode()
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
            qs.update(params)
        elif method == "GET":
            qs.update(params)
        else:
            body = urllib.parse.urlencode(params, doseq=True).encode()
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
        path = "/api/" + action
        if qs:
            path += "?" + urllib.parse.urlencode(qs, doseq=True)
        return self.request(method, path, body=body, headers=hdrs)


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(self.unix_path)


class Receiver:
    """A real HTTP server on a loopback address that records every request
    and answers as told: `respond(path, status, body, delay)`. A delay of
    None hangs until the receiver stops."""

    def __init__(self, host="127.0.0.1"):
        import http.server
        import threading

        self.requests = []
        self.cond = threading.Condition()
        self.rules = {}
        self.stopping = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?")[0]
                entry = {"method": self.command, "path": self.path, "headers": dict(self.headers),
                         "body": body, "time": time.time(), "peer": self.client_address[0]}
                with receiver.cond:
                    receiver.requests.append(entry)
                    receiver.cond.notify_all()
                status, rbody, delay, headers = receiver.rules.get(path, (200, b"ok", 0, {}))
                if delay is None:
                    receiver.stopping.wait()
                    return
                if delay:
                    receiver.stopping.wait(delay)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(rbody)))
                    self.end_headers()
                    self.wfile.write(rbody)
                except OSError:
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = handle_any

            def do_HEAD(self):
                self.handle_any()

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass    # a client that hangs up (a timeout) is not news

        self.server = Server((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.host = host
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/"):
        return "http://%s:%d%s" % (self.host, self.port, path)

    def respond(self, path, status=200, body=b"ok", delay=0, headers=None):
        self.rules[path] = (status, body, delay, headers or {})

    def hits(self, path=None):
        with self.cond:
            return [r for r in self.requests if path is None or r["path"].split("?")[0] == path]

    def wait(self, count, path=None, timeout=20):
        """Waits until COUNT requests (to PATH) have arrived; returns them."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [r for r in self.requests if path is None or r["path"].split("?")[0] == path]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("%d request(s) to %s arrived of %d expected" % (
                        len(got), path or "the receiver", count))
                self.cond.wait(left)

    def stop(self):
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


class Listener:
    """A bare TCP listener that only counts connections: for addresses that
    must never be connected to."""

    def __init__(self, host):
        import threading

        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.running = True
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
                self.accepted += 1
                conn.close()
            except OSError:
                pass

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()


class DaemonCase(unittest.TestCase):
    """One daemon per test (with CONFIG), started with an admin account."""
    config = {}

    def setUp(self):
        self.d = Daemon(self.config)
        self.admin_id, self.admin = self.d.add_user("admin", admin=True)
        self.d.start()

    def tearDown(self):
        self.d.cleanup()

    def user(self, name="user", **fields):
        """An account made through the API; returns (id, token)."""
        r = self.d.call("user.add", self.admin, dict(name=name, **fields))
        self.assertEqual(r.code, 0, r)
        return r.data["account"]["id"], r.data["token"]


def raw_exchange(port, data, timeout=30):
    """Sends DATA as it is on a new connection to 127.0.0.1:PORT and
    returns every byte the server sends until it closes. A server that
    closes before reading all of DATA (a reset on either side) ends the
    exchange: what arrived before is returned."""
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except ConnectionResetError:
            pass
    return answer


def wait_until(what, fn, timeout=20, interval=0.05):
    """Polls FN until it returns a true value (a condition, not a guess at
    how long something takes); returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)

#!/usr/bin/env python3
"""Load on webcrond's HTTP front door, with figures.

(a) many concurrent kept-alive clients, each making requests (cron.get,
    account.get) in a loop: every answer right, no connection refused or
    reset; requests/s and latency;
(b) idle and byte-at-a-time (slowloris) connections held open while a
    normal client makes sequential requests: each answer's latency; and,
    with a short idle_timeout, which of those connections the daemon
    closes, and when;
(c) the daemon's VmRSS (and open files) before, during and after (a) and (b);
(d) a flood from one token, rate-limited to 503 / code 50, while another
    token is served: the daemon's CPU per answer and the other client's
    latency.

Usage: python3 tests/load.py [--quick] [--clients 1000] [--seconds 10]
with WEBCROND / WEBCRONCTL in the environment as for the end-to-end tests
(default: build/ of the source tree). tests/e2e/test_load.py imports it.
Only 127.0.0.1 is contacted.
"""
import argparse
import errno
import http.client
import json
import os
import resource
import selectors
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("WEBCRON_BUILDDIR", os.path.join(HERE, "..", "build"))
sys.path.insert(0, os.path.join(HERE, "e2e"))

from webcron import Daemon, wait_until  # noqa: E402

FAST = {"api": {"rate_limit": 1000000, "rate_burst": 1000000}}
FLOOD_RATE = 10         # the flooding account's own rateLimit (and so its burst)


# ---- small helpers

def raise_nofile(need):
    """Raises the soft limit of open files (the daemon inherits it); returns
    the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard == resource.RLIM_INFINITY else min(hard, max(soft, need))
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_files(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of stat(5); fields[0] is field 3
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def ms(x):
    return "-" if x is None else "%.1f ms" % (x * 1000)


class Sampler(threading.Thread):
    """The daemon's VmRSS and open files every 0.1 s; keeps the peaks."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss = rss_kb(pid)
        self.peak_fds = open_files(pid)
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(0.1):
            try:
                self.peak_rss = max(self.peak_rss, rss_kb(self.pid))
                self.peak_fds = max(self.peak_fds, open_files(self.pid))
            except OSError:
                return

    def stop(self):
        self.stopping.set()
        self.join()


def parse_response(buf):
    """(status, headers, body, rest) when BUF holds a whole answer, else None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = buf[:end].decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    if len(buf) < end + 4 + n:
        return None
    return status, headers, buf[end + 4:end + 4 + n], buf[end + 4 + n:]


def request_bytes(path, extra=b""):
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + b"\r\n"


# ---- many clients on one selector

def drive(port, plans, seconds, mode="ok", answer_timeout=10.0):
    """Opens one kept-alive connection per plan and makes the plan's
    requests in turn until SECONDS have passed. A plan is a list of
    [path, expected data id or null]. MODE "ok" wants HTTP 200, code 0 and
    the id; "flood" also accepts 503 / code 50 with Retry-After. Returns
    counts, errors and latencies."""
    sel = selectors.DefaultSelector()
    res = {"answers": 0, "ok": 0, "limited": 0, "wrong": 0, "wrong_examples": [],
           "refused": 0, "reset": 0, "closed": 0, "timeouts": 0, "latencies": [],
           "connected": 0}
    conns = []
    t_start = time.monotonic()
    for i, plan in enumerate(plans):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        err = s.connect_ex(("127.0.0.1", port))
        if err not in (0, errno.EINPROGRESS):
            res["refused"] += 1
            s.close()
            continue
        c = {"sock": s, "plan": [(request_bytes(p), want) for p, want in plan], "next": 0,
             "buf": b"", "out": b"", "sent_at": None, "connecting": True}
        conns.append(c)
        sel.register(s, selectors.EVENT_WRITE, c)
    deadline = t_start + seconds
    live = len(conns)

    def finish(c, why=None):
        nonlocal live
        if why:
            res[why] += 1
        sel.unregister(c["sock"])
        c["sock"].close()
        c["sock"] = None
        live -= 1

    def send_next(c):
        req, want = c["plan"][c["next"] % len(c["plan"])]
        c["want"] = want
        c["out"] = req
        c["sent_at"] = time.monotonic()
        sel.modify(c["sock"], selectors.EVENT_WRITE, c)

    while live:
        now = time.monotonic()
        for key, events in sel.select(timeout=0.5):
            c = key.data
            s = c["sock"]
            if s is None:
                continue
            if c["connecting"]:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    finish(c, "refused" if err == errno.ECONNREFUSED else "reset")
                    continue
                c["connecting"] = False
                res["connected"] += 1
                send_next(c)
            if events & selectors.EVENT_WRITE and c["out"]:
                try:
                    n = s.send(c["out"])
                except (BrokenPipeError, ConnectionResetError):
                    finish(c, "reset")
                    continue
                c["out"] = c["out"][n:]
                if not c["out"]:
                    sel.modify(s, selectors.EVENT_READ, c)
                continue
            if events & selectors.EVENT_READ:
                try:
                    data = s.recv(65536)
                except ConnectionResetError:
                    finish(c, "reset")
                    continue
                if not data:
                    finish(c, "closed")
                    continue
                c["buf"] += data
                got = parse_response(c["buf"])
                if got is None:
                    continue
                status, headers, body, c["buf"] = got
                t = time.monotonic()
                res["answers"] += 1
                res["latencies"].append(t - c["sent_at"])
                verdict = judge(status, headers, body, c["want"], mode)
                res[verdict] += 1
                if verdict == "wrong" and len(res["wrong_examples"]) < 5:
                    res["wrong_examples"].append("%d %r" % (status, body[:200]))
                c["next"] += 1
                if t >= deadline or headers.get("connection", "").lower() == "close":
                    finish(c)
                else:
                    send_next(c)
        now = time.monotonic()
        if now > deadline:
            for key in list(sel.get_map().values()):
                c = key.data
                if c["sock"] is not None and now - (c["sent_at"] or t_start) > answer_timeout:
                    finish(c, "timeouts")
    res["seconds"] = time.monotonic() - t_start
    sel.close()
    return res


def judge(status, headers, body, want, mode):
    try:
        env = json.loads(body.decode())
    except ValueError:
        return "wrong"
    if status == 200 and env.get("code") == 0:
        if want is not None and env["data"].get("id") != want:
            return "wrong"
        return "ok"
    if mode == "flood" and status == 503 and env.get("code") == 50 and \
            headers.get("retry-after", "").isdigit() and int(headers["retry-after"]) >= 1:
        return "limited"
    return "wrong"


def drive_in_child(port, plans, seconds, mode="ok"):
    """drive() in a child Python process, so that the client has a core of
    its own rather than sharing this process's interpreter lock."""
    spec = json.dumps({"port": port, "plans": plans, "seconds": seconds, "mode": mode})
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    # the child reads all of its plan before it starts, so that several
    # children given their plans one after the other run at the same time
    proc.stdin.write(spec.encode())
    proc.stdin.close()
    return proc


def collect_child(proc):
    out = proc.stdout.read()
    proc.stdout.close()
    proc.wait(timeout=600)
    if proc.returncode != 0:
        raise AssertionError("load worker exited %d" % proc.returncode)
    return json.loads(out)


def merge(results):
    total = {}
    for r in results:
        for k, v in r.items():
            if isinstance(v, list):
                total.setdefault(k, []).extend(v)
            elif k == "seconds":
                total[k] = max(total.get(k, 0), v)
            else:
                total[k] = total.get(k, 0) + v
    return total


# ---- a normal client making sequential requests

class Sequential(threading.Thread):
    """One kept-alive connection making REQUESTS (paths) in turn until
    stopped; records every answer's code and latency."""

    def __init__(self, port, paths, pause=0.0):
        super().__init__(daemon=True)
        self.port = port
        self.paths = paths
        self.pause = pause
        self.latencies = []
        self.codes = {}
        self.errors = []
        self.stopping = threading.Event()

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        i = 0
        while not self.stopping.is_set():
            path = self.paths[i % len(self.paths)]
            i += 1
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                body = r.read()
            except (OSError, http.client.HTTPException) as e:
                self.errors.append(repr(e))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                continue
            self.latencies.append(time.perf_counter() - t0)
            try:
                code = json.loads(body.decode()).get("code")
            except ValueError:
                code = "unparsable"
            self.codes[code] = self.codes.get(code, 0) + 1
            if self.pause:
                self.stopping.wait(self.pause)
        conn.close()

    def stop(self):
        self.stopping.set()
        self.join()


# ---- idle and slow connections

def slow_stream(kind):
    """The bytes a slow connection of KIND sends, one at a time."""
    if kind == "headers":   # a request line and headers that never end
        head = b"GET /api/server.time HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        pad = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 20) for i in range(400))
        return head + pad
    if kind == "body":      # whole headers at once, then a body byte by byte
        return None
    return b""


class Holder(threading.Thread):
    """Holds connections open: GROUPS is a list of (kind, count, interval).
    kind "idle" sends nothing; "kept" makes one whole request, reads the
    answer and then says nothing; "headers" sends a request line and
    headers one byte at once and then every INTERVAL seconds, never
    finishing; "body" sends
    the headers of a POST with a 60000-byte body, then the body one byte
    every INTERVAL. Records when the daemon closes each connection."""

    def __init__(self, port, groups):
        super().__init__(daemon=True)
        self.port = port
        self.groups = groups
        self.conns = []
        self.sel = selectors.DefaultSelector()
        self.stopping = threading.Event()
        self.opened = threading.Event()
        self.lock = threading.Lock()
        self.open_errors = 0

    def open_all(self):
        for kind, count, interval in self.groups:
            for _ in range(count):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                try:
                    s.connect(("127.0.0.1", self.port))
                except OSError:
                    self.open_errors += 1
                    s.close()
                    continue
                now = time.monotonic()
                c = {"sock": s, "kind": kind, "interval": interval, "opened": now,
                     "closed": None, "last_send": None, "got": b"", "pos": 0,
                     "stream": slow_stream(kind)}
                if kind == "kept":
                    s.sendall(request_bytes("/api/server.time"))
                    buf = b""
                    while parse_response(buf) is None:
                        buf += s.recv(65536)
                    c["last_send"] = time.monotonic()
                elif kind == "body":
                    s.sendall(b"POST /api/server.time HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              b"Content-Type: application/x-www-form-urlencoded\r\n"
                              b"Content-Length: 60000\r\n\r\n")
                    c["last_send"] = now
                    c["stream"] = b"a" * 60000
                s.setblocking(False)
                # a header dribbler starts at once; a body one after its headers
                c["next"] = now + (interval if kind == "body" else 0)
                self.conns.append(c)
                self.sel.register(s, selectors.EVENT_READ, c)

    def run(self):
        self.open_all()
        self.opened.set()
        while not self.stopping.is_set():
            now = time.monotonic()
            due = [c for c in self.conns
                   if c["closed"] is None and c["interval"] and c["next"] <= now]
            for c in due:
                if c["pos"] >= len(c["stream"]):
                    continue
                try:
                    c["sock"].send(c["stream"][c["pos"]:c["pos"] + 1])
                    c["pos"] += 1
                    c["last_send"] = now
                except OSError:
                    self.closed(c, now)
                c["next"] += c["interval"]
            waits = [c["next"] - now for c in self.conns if c["closed"] is None and c["interval"]]
            timeout = max(0.0, min(waits + [0.1]))
            for key, _ in self.sel.select(timeout):
                c = key.data
                try:
                    data = c["sock"].recv(65536)
                except OSError:
                    data = b""
                if data:
                    c["got"] += data
                else:
                    self.closed(c, time.monotonic())

    def closed(self, c, when):
        with self.lock:
            if c["closed"] is None:
                c["closed"] = when
                self.sel.unregister(c["sock"])

    def counts(self):
        """{kind: (held, closed by the daemon)}"""
        out = {}
        with self.lock:
            for c in self.conns:
                key = "%s@%ss" % (c["kind"], c["interval"]) if c["interval"] else c["kind"]
                held, closed = out.get(key, (0, 0))
                out[key] = (held + 1, closed + (c["closed"] is not None))
        return out

    def report(self):
        """{kind: {held, closed, median seconds from open to close, median
        seconds from the last byte sent to the close, answers seen}}"""
        out = {}
        with self.lock:
            for c in self.conns:
                key = "%s@%ss" % (c["kind"], c["interval"]) if c["interval"] else c["kind"]
                r = out.setdefault(key, {"held": 0, "closed": 0, "open_to_close": [],
                                         "quiet_to_close": [], "answers": set()})
                r["held"] += 1
                if c["closed"] is not None:
                    r["closed"] += 1
                    r["open_to_close"].append(c["closed"] - c["opened"])
                    r["quiet_to_close"].append(c["closed"] - (c["last_send"] or c["opened"]))
                if c["got"]:
                    r["answers"].add(c["got"].split(b"\r\n", 1)[0].decode("latin-1"))
        for r in out.values():
            r["open_to_close"] = percentile(r["open_to_close"], 50)
            r["quiet_to_close"] = percentile(r["quiet_to_close"], 50)
            r["answers"] = sorted(r["answers"])
        return out

    def stop(self):
        self.stopping.set()
        self.join()
        for c in self.conns:
            c["sock"].close()
        self.sel.close()


# ---- the scenarios

class Setup:
    """A daemon with an admin, ACCOUNTS accounts of one job each, and the
    flooding account."""

    def __init__(self, config=None, accounts=10):
        self.d = Daemon(config or FAST)
        _, self.admin = self.d.add_user("admin", admin=True)
        self.d.start()
        self.pid = self.d.proc.pid
        self.base_fds = open_files(self.pid)    # before any client connects
        self.accounts = []
        for i in range(accounts):
            r = self.d.call("user.add", self.admin, {"name": "load%d" % i})
            assert r.code == 0, r
            acct_id, tok = r.data["account"]["id"], r.data["token"]
            r = self.d.call("cron.add", tok, {"url": "https://load.example/%d" % i,
                                              "expression": "0 0 1 1 *"})
            assert r.code == 0, r
            self.accounts.append((acct_id, tok, r.data["id"]))
        r = self.d.call("user.add", self.admin, {"name": "flood", "rateLimit": FLOOD_RATE})
        assert r.code == 0 and r.data["account"]["limits"]["rateLimit"] == FLOOD_RATE, r
        self.flood_token = r.data["token"]
        self.d.conn.close()
        self.d.conn = None

    def plan(self, i):
        acct_id, tok, job = self.accounts[i % len(self.accounts)]
        return [["/api/cron.get?token=%s&id=%d" % (tok, job), job],
                ["/api/account.get?token=%s" % tok, acct_id]]

    def settle(self):
        """Waits until the daemon has closed the connections of the clients
        that went away (its open files are back to where they were)."""
        wait_until("the daemon to close finished connections",
                   lambda: open_files(self.pid) <= self.base_fds, timeout=30)

    def stop(self):
        rc = self.d.stop()
        self.d.cleanup()
        return rc


def clients(setup, nclients, seconds, procs=1):
    """(a): NCLIENTS kept-alive connections making requests for SECONDS."""
    cpu0 = cpu_seconds(setup.pid)
    sampler = Sampler(setup.pid)
    sampler.start()
    per = [list(range(i, nclients, procs)) for i in range(procs)]
    children = [drive_in_child(setup.d.port, [setup.plan(i) for i in idx], seconds)
                for idx in per]
    res = merge([collect_child(p) for p in children])
    sampler.stop()
    cpu = cpu_seconds(setup.pid) - cpu0
    lat = res["latencies"]
    return {"clients": nclients, "connected": res["connected"], "answers": res["answers"],
            "ok": res["ok"], "wrong": res["wrong"], "wrong_examples": res["wrong_examples"],
            "refused": res["refused"], "reset": res["reset"], "closed": res["closed"],
            "timeouts": res["timeouts"], "seconds": res["seconds"],
            "rps": res["answers"] / res["seconds"], "p50": percentile(lat, 50),
            "p99": percentile(lat, 99), "max": max(lat) if lat else None,
            "peak_rss_kb": sampler.peak_rss, "peak_fds": sampler.peak_fds,
            "cpu_us_per_answer": cpu / max(1, res["answers"]) * 1e6}


def slow_hold(setup, idle, slow, seconds, interval=1.0):
    """(b): IDLE idle connections and SLOW slowloris ones (half dribbling
    headers, half a body, a byte every INTERVAL) held while a normal client
    makes sequential requests for SECONDS."""
    sampler = Sampler(setup.pid)
    sampler.start()
    holder = Holder(setup.d.port, [("idle", idle, None), ("headers", slow - slow // 2, interval),
                                   ("body", slow // 2, interval)])
    holder.start()
    holder.opened.wait(120)
    wait_until("the daemon to hold every connection",
               lambda: open_files(setup.pid) >= setup.base_fds + idle + slow - holder.open_errors,
               timeout=30)
    acct_id, tok, job = setup.accounts[0]
    normal = Sequential(setup.d.port, ["/api/account.get?token=%s" % tok,
                                       "/api/cron.get?token=%s&id=%d" % (tok, job)])
    normal.start()
    time.sleep(seconds)     # the length of the hold is the measurement
    normal.stop()
    counts = holder.counts()
    holder.stop()
    sampler.stop()
    lat = normal.latencies
    return {"idle": idle, "slow": slow, "open_errors": holder.open_errors,
            "held": counts, "requests": len(lat), "codes": normal.codes,
            "errors": normal.errors, "p50": percentile(lat, 50), "p99": percentile(lat, 99),
            "max": max(lat) if lat else None, "over_100ms": sum(1 for x in lat if x >= 0.1),
            "peak_rss_kb": sampler.peak_rss, "peak_fds": sampler.peak_fds}


def idle_timeout_closes(groups, idle_timeout, seconds, request_timeout=None):
    """(b2): a daemon with IDLE_TIMEOUT (and REQUEST_TIMEOUT when given);
    GROUPS of connections (Holder's) held for SECONDS; which did the daemon
    close, and when."""
    cfg = dict(FAST)
    cfg["server"] = {"idle_timeout": idle_timeout}
    if request_timeout is not None:
        cfg["server"]["request_timeout"] = request_timeout
    d = Daemon(cfg)
    d.start()
    pid = d.proc.pid
    try:
        holder = Holder(d.port, groups)
        holder.start()
        holder.opened.wait(120)
        # quiet ones go at idle_timeout; dribblers at request_timeout
        quiet_go = idle_timeout < seconds
        expect_closed = sum(n for kind, n, interval in groups
                            if (quiet_go if interval is None else
                                interval > idle_timeout or request_timeout is not None))
        try:
            wait_until("the daemon to close the quiet connections",
                       lambda: sum(c for _, c in holder.counts().values()) >= expect_closed,
                       timeout=seconds)
        except AssertionError:
            pass    # the report says which stayed open
        # the busy ones are watched for the whole of SECONDS from their opening
        rest = seconds - (time.monotonic() - min(c["opened"] for c in holder.conns))
        if rest > 0:
            time.sleep(rest)    # how long a dribbler lives is the measurement
        report = holder.report()
        fds = open_files(pid)
        holder.stop()
    finally:
        rc = d.stop()
        d.cleanup()
    return {"idle_timeout": idle_timeout, "request_timeout": request_timeout,
            "seconds": seconds, "report": report, "daemon_fds_at_end": fds, "exit": rc}


def flood(setup, conns, seconds):
    """(d): CONNS connections of the flooding token as fast as they can,
    while another token's client makes sequential requests."""
    plans = [[["/api/account.get?token=%s" % setup.flood_token, None]] for _ in range(conns)]
    acct_id, tok, job = setup.accounts[1]
    cpu0 = cpu_seconds(setup.pid)
    proc = drive_in_child(setup.d.port, plans, seconds, mode="flood")
    normal = Sequential(setup.d.port, ["/api/account.get?token=%s" % tok])
    normal.start()
    res = collect_child(proc)
    normal.stop()
    cpu = cpu_seconds(setup.pid) - cpu0
    answers = res["answers"] + len(normal.latencies)
    lat = normal.latencies
    return {"conns": conns, "seconds": res["seconds"], "answers": res["answers"],
            "limited": res["limited"], "allowed": res["ok"], "wrong": res["wrong"],
            "wrong_examples": res["wrong_examples"],
            "errors": res["refused"] + res["reset"] + res["closed"] + res["timeouts"],
            "rps": res["answers"] / res["seconds"],
            "cpu_us_per_answer": cpu / max(1, answers) * 1e6,
            "cpu_share": cpu / res["seconds"],
            "normal_requests": len(lat), "normal_codes": normal.codes,
            "normal_errors": normal.errors, "normal_p50": percentile(lat, 50),
            "normal_p99": percentile(lat, 99), "normal_max": max(lat) if lat else None}


def bad_token_flood(conns, seconds):
    """(d2): a daemon with the default rate limit, and CONNS connections
    with a wrong token: after the address's allowance, 503 without a token
    lookup. (Nobody else is served from that address meanwhile: it is
    refused, right tokens included, by design.)"""
    d = Daemon()
    d.start()
    plans = [[["/api/account.get?token=%s" % ("x" * 32), None]] for _ in range(conns)]
    cpu0 = cpu_seconds(d.proc.pid)
    try:
        res = collect_child(drive_in_child(d.port, plans, seconds, mode="flood"))
        cpu = cpu_seconds(d.proc.pid) - cpu0
    finally:
        d.stop()
        d.cleanup()
    return {"answers": res["answers"], "limited": res["limited"], "rps": res["answers"] /
            res["seconds"], "cpu_us_per_answer": cpu / max(1, res["answers"]) * 1e6,
            "other": res["wrong"] + res["ok"], "seconds": res["seconds"]}


def fd_exhaustion(nofile, conns, seconds):
    """(e): a daemon whose open-file limit is NOFILE, and CONNS idle
    connections (more than it can accept) held for SECONDS: its CPU, its
    log, whether a normal client is answered, and whether it recovers
    once they go."""
    import webcron
    d = Daemon({"server": {"idle_timeout": 3600}})
    _, tok = d.add_user("e")
    d.log = open(d.log_path, "ab")
    d.proc = subprocess.Popen(
        [webcron.WEBCROND, "-f", d.conf, "-d"], stdout=d.log, stderr=subprocess.STDOUT,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile)))
    out = {"nofile": nofile, "conns": conns, "seconds": seconds}
    socks = []
    try:
        d.port = d.wait_port()
        pid = d.proc.pid
        for _ in range(conns):
            socks.append(socket.create_connection(("127.0.0.1", d.port), timeout=5))
        wait_until("the daemon to reach its open-file limit",
                   lambda: open_files(pid) >= nofile - 1, timeout=30)
        log0, cpu0, t0 = os.path.getsize(d.log_path), cpu_seconds(pid), time.monotonic()
        probe = http.client.HTTPConnection("127.0.0.1", d.port, timeout=seconds)
        try:
            probe.request("GET", "/api/account.get?token=" + tok)
            probe.getresponse().read()
            out["served_while_full"] = time.monotonic() - t0
        except (OSError, http.client.HTTPException):
            out["served_while_full"] = None
        probe.close()
        rest = seconds - (time.monotonic() - t0)
        if rest > 0:
            time.sleep(rest)    # the CPU and log over this time are the measurement
        dt = time.monotonic() - t0
        out["cpu_share"] = (cpu_seconds(pid) - cpu0) / dt
        d.log.flush()
        with open(d.log_path, "rb") as f:
            f.seek(log0)
            grown = f.read()
        out["log_bytes_per_s"] = len(grown) / dt
        out["log_lines_per_s"] = grown.count(b"\n") / dt
        out["log_sample"] = grown[:200].decode("utf-8", "replace").splitlines()[:1]
        for s in socks:
            s.close()
        socks = []
        t1 = time.monotonic()
        r = wait_until("an answer once the connections are gone",
                       lambda: d.call("account.get", tok), timeout=30)
        out["served_after"] = (time.monotonic() - t1) if r.code == 0 else None
    finally:
        for s in socks:
            s.close()
        out["exit"] = d.stop()
        d.cleanup()
    return out


# ---- the full run

def main(argv=None, out=sys.stdout):
    ap = argparse.ArgumentParser(description="load figures of webcrond")
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--idle", type=int, default=500)
    ap.add_argument("--slow", type=int, default=500)
    ap.add_argument("--procs", type=int, default=2, help="client processes for (a)")
    ap.add_argument("--flood-conns", type=int, default=8)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        spec = json.load(sys.stdin)
        raise_nofile(len(spec["plans"]) + 64)
        json.dump(drive(spec["port"], spec["plans"], spec["seconds"], spec["mode"]), sys.stdout)
        return 0
    say = lambda s: (out.write(s + "\n"), out.flush())
    limit = raise_nofile(max(args.clients, args.idle + args.slow) + 256)
    say("load: open-file limit %d; %d cores" % (limit, os.cpu_count()))
    problems = []
    s = Setup()
    try:
        rss0 = rss_kb(s.pid)
        say("load: daemon pid %d, VmRSS at start %d kB, open files %d" % (
            s.pid, rss0, s.base_fds))

        a = clients(s, args.clients, args.seconds, args.procs)
        s.settle()
        rss_a = rss_kb(s.pid)
        say("(a) %d kept-alive clients for %.0fs: %d connected, %d answers, %.0f requests/s, "
            "latency p50 %s p99 %s max %s; wrong %d, refused %d, reset %d, closed %d, "
            "timeouts %d; daemon CPU %.0f us/answer" % (
                a["clients"], a["seconds"], a["connected"], a["answers"], a["rps"], ms(a["p50"]),
                ms(a["p99"]), ms(a["max"]), a["wrong"], a["refused"], a["reset"], a["closed"],
                a["timeouts"], a["cpu_us_per_answer"]))
        say("(c) VmRSS: start %d kB, peak during (a) %d kB (%d open files), after %d kB" % (
            rss0, a["peak_rss_kb"], a["peak_fds"], rss_a))
        if a["wrong"] or a["refused"] or a["reset"] or a["closed"] or a["timeouts"] or \
                a["connected"] != args.clients:
            problems.append("(a) not every client was answered right: %r" % a)
        a2 = clients(s, args.clients, args.seconds, args.procs)
        s.settle()
        rss_a2 = rss_kb(s.pid)
        say("(a) again: %.0f requests/s, p50 %s p99 %s, wrong %d, errors %d; (c) VmRSS peak "
            "%d kB, after %d kB" % (
                a2["rps"], ms(a2["p50"]), ms(a2["p99"]), a2["wrong"],
                a2["refused"] + a2["reset"] + a2["closed"] + a2["timeouts"],
                a2["peak_rss_kb"], rss_a2))
        if a2["wrong"] or a2["refused"] or a2["reset"] or a2["closed"] or a2["timeouts"]:
            problems.append("(a) again: not every client was answered right: %r" % a2)
        if rss_a2 > rss_a + 2048:
            problems.append("(c) VmRSS grew from %d to %d kB over a second (a)" % (rss_a, rss_a2))

        b = slow_hold(s, args.idle, args.slow, args.seconds)
        s.settle()
        rss_b = rss_kb(s.pid)
        say("(b) %d idle + %d slowloris connections (a byte a second: %s) held %.0fs: the "
            "normal client made %d requests, codes %r, p50 %s p99 %s max %s, %d at 100 ms "
            "or more" % (b["idle"], b["slow"], ", ".join(
                "%s %d held %d closed" % (k, h, c) for k, (h, c) in sorted(b["held"].items())),
                args.seconds, b["requests"], b["codes"], ms(b["p50"]), ms(b["p99"]),
                ms(b["max"]), b["over_100ms"]))
        say("(c) VmRSS: peak during (b) %d kB (%d open files), after %d kB" % (
            b["peak_rss_kb"], b["peak_fds"], rss_b))
        if b["over_100ms"] or b["errors"] or set(b["codes"]) != {0}:
            problems.append("(b) the normal client was not served within 100 ms: %r" % {
                k: v for k, v in b.items() if k != "held"})

        f = flood(s, args.flood_conns, args.seconds)
        s.settle()
        rss_d = rss_kb(s.pid)
        say("(d) flood of one token (rateLimit %d) on %d connections for %.0fs: %d answers, "
            "%.0f/s, %d 503/code 50, %d allowed, %d wrong, %d connection errors; daemon CPU "
            "%.1f us/answer (%.0f%% of a core); the other token: %d requests, codes %r, "
            "p50 %s p99 %s max %s" % (
                FLOOD_RATE, f["conns"], f["seconds"], f["answers"], f["rps"], f["limited"],
                f["allowed"], f["wrong"], f["errors"], f["cpu_us_per_answer"],
                f["cpu_share"] * 100, f["normal_requests"], f["normal_codes"], ms(f["normal_p50"]),
                ms(f["normal_p99"]), ms(f["normal_max"])))
        say("(c) VmRSS: after (d) %d kB" % rss_d)
        if f["wrong"] or f["errors"] or set(f["normal_codes"]) != {0} or \
                f["allowed"] > FLOOD_RATE * (f["seconds"] + 2):
            problems.append("(d) %r" % f)
        g = bad_token_flood(args.flood_conns, min(args.seconds, 5))
        say("(d) flood of a wrong token on %d connections for %.0fs: %d answers, %.0f/s, "
            "%d 503/code 50, %d other; daemon CPU %.1f us/answer" % (
                args.flood_conns, g["seconds"], g["answers"], g["rps"], g["limited"],
                g["other"], g["cpu_us_per_answer"]))
    finally:
        rc = s.stop()
    if rc != 0:
        problems.append("webcrond exited %r on SIGTERM" % rc)

    groups = [("idle", 100, None), ("kept", 100, None), ("headers", 100, 3.0),
              ("headers", 100, 1.0), ("headers", 100, 0.5), ("body", 100, 1.0)]
    t = idle_timeout_closes(groups, 2, max(20.0, args.seconds))
    say("(b) idle_timeout = %d, connections watched for %.0fs:" % (t["idle_timeout"],
                                                                    t["seconds"]))
    for kind, r in sorted(t["report"].items()):
        say("    %-14s %3d held, %3d closed by the daemon; median open->close %s, "
            "last byte->close %s; answers %r" % (
                kind, r["held"], r["closed"],
                "-" if r["open_to_close"] is None else "%.1fs" % r["open_to_close"],
                "-" if r["quiet_to_close"] is None else "%.1fs" % r["quiet_to_close"],
                r["answers"]))
    for kind in ("idle", "kept", "headers@3.0s"):
        r = t["report"][kind]
        if r["closed"] != r["held"]:
            problems.append("idle_timeout did not close every %s connection: %r" % (kind, r))
    groups = [("idle", 100, None), ("kept", 100, None), ("headers", 100, 1.0),
              ("headers", 100, 0.5), ("body", 100, 1.0)]
    t = idle_timeout_closes(groups, 60, 10.0, request_timeout=3)
    say("(b) idle_timeout = 60, request_timeout = 3, connections watched for %.0fs:" % (
        t["seconds"]))
    for kind, r in sorted(t["report"].items()):
        say("    %-14s %3d held, %3d closed by the daemon; median open->close %s; answers %r" % (
            kind, r["held"], r["closed"],
            "-" if r["open_to_close"] is None else "%.1fs" % r["open_to_close"], r["answers"]))
    for kind, r in t["report"].items():
        if kind in ("idle", "kept") and r["closed"]:
            problems.append("request_timeout closed a %s connection: %r" % (kind, r))
        if kind not in ("idle", "kept") and (r["closed"] != r["held"] or
                                             not 2.5 <= r["open_to_close"] <= 5.5):
            problems.append("request_timeout did not close every %s connection in time: %r" % (
                kind, r))
    e = fd_exhaustion(256, 400, 5)
    say("(e) open-file limit %d, %d idle connections held %.0fs: daemon CPU %.0f%% of a core, "
        "log %.0f lines/s (%.0f kB/s) %r; a normal client %s; after they went: %s" % (
            e["nofile"], e["conns"], e["seconds"], e["cpu_share"] * 100, e["log_lines_per_s"],
            e["log_bytes_per_s"] / 1024, e["log_sample"],
            "not answered" if e["served_while_full"] is None else
            "answered in %.1fs" % e["served_while_full"],
            "not answered" if e["served_after"] is None else
            "answered in %.2fs" % e["served_after"]))
    if e["cpu_share"] > 0.5 or e["log_lines_per_s"] > 100 or e["served_after"] is None:
        problems.append("(e) at its open-file limit the daemon spins or floods its log: %r" % e)
    for p in problems:
        say("problem: " + p)
    say("load: %s" % ("no problems" if not problems else "%d problems" % len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

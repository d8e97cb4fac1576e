"""Shards behind a real HAProxy: two webcrond shards (a and b), each with
its own data, and HAProxy with contrib/haproxy.cfg routing each /api/
request by its token's digest; the shards keep HAProxy's map themselves
([cluster] router). Loopback only. Skipped when haproxy is not installed
(contrib/dev test installs it)."""
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from webcron import Daemon, Receiver, wait_until  # noqa: E402

HAPROXY = shutil.which("haproxy") or (os.path.exists("/usr/sbin/haproxy") and "/usr/sbin/haproxy")
SRCDIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CFG = os.path.join(SRCDIR, "contrib", "haproxy.cfg")
ROUTE_WITHIN = 2.0      # seconds a new or rotated token may take to route


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin_socket(path, command):
    """One command on HAProxy's runtime API; returns its answer."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(path)
        s.sendall(command.encode() + b"\n")
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out.decode()
            out += chunk


class Front(Daemon):
    """HAProxy's frontend, called like a daemon."""

    def __init__(self, port):
        self.host, self.port, self.unix_path, self.conn = "127.0.0.1", port, None, None


@unittest.skipIf(not HAPROXY, "haproxy is not installed (apt-get install haproxy; "
                              "contrib/dev test installs it): the cluster is not tested")
class Cluster(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="webcron-cluster-")
        self.sock = os.path.join(self.dir, "haproxy.sock")
        self.map = os.path.join(self.dir, "tokens.map")
        open(self.map, "w").close()
        self.rx = Receiver()
        self.shards, self.tokens, self.ids = {}, {}, {}
        self.haproxy = None
        for name in ("a", "b"):
            os.mkdir(os.path.join(self.dir, name))
            d = Daemon({"server": {"name": name, "trusted_proxies": "127.0.0.1/32"},
                        "api": {"rate_limit": 100000, "rate_burst": 100000},
                        "jobs": {"allowed_targets": "127.0.0.1/32"},
                        "limits": {"min_interval": 1},
                        "cluster": {"router": self.sock, "router_map": self.map}},
                       tmpdir=os.path.join(self.dir, name))
            self.ids[name], self.tokens[name] = d.add_user("admin-" + name, admin=True)
            self.shards[name] = d.start()
        self.env = dict(os.environ, WEBCRON_HAPROXY_DIR=self.dir,
                        WEBCRON_HAPROXY_BIND="127.0.0.1:%d" % free_port(),
                        WEBCRON_SHARD_A="127.0.0.1:%d" % self.shards["a"].port,
                        WEBCRON_SHARD_B="127.0.0.1:%d" % self.shards["b"].port)
        self.haproxy_log = open(os.path.join(self.dir, "haproxy.log"), "wb")
        self.haproxy = subprocess.Popen([HAPROXY, "-db", "-f", CFG], env=self.env,
                                        stdout=self.haproxy_log, stderr=subprocess.STDOUT)
        port = int(self.env["WEBCRON_HAPROXY_BIND"].rsplit(":", 1)[1])
        wait_until("haproxy listening", lambda: self.listening(port), timeout=15)
        self.front = Front(port)
        # the shards found HAProxy (they retry each second) and pushed
        # their tokens
        for name in ("a", "b"):
            wait_until("shard %s's admin token routed" % name,
                       lambda: self.node(self.tokens[name]) == name, timeout=10)

    def tearDown(self):
        if getattr(self, "front", None) and self.front.conn:
            self.front.conn.close()
        for d in self.shards.values():
            d.cleanup()
        if self.haproxy:
            self.haproxy.terminate()
            try:
                self.haproxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.haproxy.kill()
                self.haproxy.wait()
        self.haproxy_log.close()
        self.rx.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def listening(self, port):
        if self.haproxy.poll() is not None:
            with open(os.path.join(self.dir, "haproxy.log"), "rb") as f:
                raise AssertionError("haproxy exited with %d:\n%s" % (
                    self.haproxy.returncode, f.read().decode("utf-8", "replace")))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    def node(self, token, **kw):
        """The node that answered server.info through HAProxy, or None when
        none knew the token."""
        r = self.front.call("server.info", token, **kw)
        if r.json is None or r.code != 0:
            return None
        return r.data["node"]

    def in_map(self, token):
        digest = hashlib.sha256(token.encode()).hexdigest()
        return digest in admin_socket(self.sock, "show map " + self.map)

    def routes_soon(self, token, name):
        """Polls until TOKEN reaches shard NAME; returns the seconds it took."""
        start = time.monotonic()
        wait_until("the token routed to shard " + name, lambda: self.node(token) == name,
                   timeout=ROUTE_WITHIN, interval=0.02)
        return time.monotonic() - start

    def test_haproxy_c_accepts_the_example(self):
        res = subprocess.run([HAPROXY, "-c", "-f", CFG], env=self.env, capture_output=True,
                             text=True, timeout=30)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)

    def test_every_transport_of_the_token_routes_to_its_shard(self):
        for name in ("a", "b"):
            t = self.tokens[name]
            self.assertEqual(self.node(t), name, "query")
            r = self.front.call("server.info", headers={"Authorization": "Bearer " + t})
            self.assertEqual(r.data["node"], name, "bearer")
            r = self.front.call("server.info", headers={"Authorization": "bearer  " + t})
            self.assertEqual(r.data["node"], name, "bearer, lower case, two spaces")
            r = self.front.call("server.info", method="POST", form={"token": t})
            self.assertEqual(r.data["node"], name, "form body")
            r = self.front.call("server.info", method="POST", json_body={"token": t})
            self.assertEqual(r.data["node"], name, "JSON body")
            r = self.front.request("POST", "/api/server.info", body=('{"token":"%s"}' % t).encode(),
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(r.data["node"], name, "JSON body labelled as a form (curl -d)")
            # another path and a write
            r = self.front.call("cron.add", method="POST", json_body={
                "token": t, "url": self.rx.url("/x"), "expression": "@manual"})
            self.assertEqual(r.code, 0, r)
            self.assertEqual(self.shards[name].call("cron.get", t, {"id": r.data["id"]}).code, 0)
        a, b = self.tokens["a"], self.tokens["b"]
        # several at once: webcrond's order (JSON body > form > query > Bearer)
        r = self.front.call("server.info", query={"token": a}, method="POST", json_body={"token": b})
        self.assertEqual(r.data["node"], "b", "JSON body over query")
        r = self.front.call("server.info", query={"token": a}, method="POST", form={"token": b})
        self.assertEqual(r.data["node"], "b", "form over query")
        r = self.front.call("server.info", a, headers={"Authorization": "Bearer " + b})
        self.assertEqual(r.data["node"], "a", "query over Bearer")
        r = self.front.call("server.info", method="POST", json_body={"name": "x"},
                            headers={"Authorization": "Bearer " + b})
        self.assertEqual(r.data["node"], "b", "Bearer when the body has no token")
        # an unknown token and none at all: the default shard answers
        self.assertEqual(self.front.call("server.info", "Z" * 32).code, 11)
        self.assertEqual(self.front.call("server.info").code, 10)
        self.assertEqual(self.front.request("GET", "/healthz").status, 200)

    def test_new_and_rotated_tokens_route_at_once(self):
        b = self.shards["b"]
        # user.add on shard b, through HAProxy
        r = self.front.call("user.add", self.tokens["b"], {"name": "u1"}, method="POST")
        self.assertEqual(r.code, 0, r)
        uid, t1 = r.data["account"]["id"], r.data["token"]
        self.routes_soon(t1, "b")
        # webcronctl user add on shard b (the daemon reads its change feed)
        uid2, t2 = b.add_user("u2")
        self.routes_soon(t2, "b")
        # account.token: the new token routes, the old one stops
        r = self.front.call("account.token", t1, method="POST")
        self.assertEqual(r.code, 0, r)
        t1b = r.data["token"]
        self.routes_soon(t1b, "b")
        wait_until("the old token gone from the map", lambda: not self.in_map(t1),
                   timeout=ROUTE_WITHIN, interval=0.02)
        self.assertEqual(self.front.call("server.info", t1).code, 11)
        # user.token (admin) and webcronctl user token
        r = self.front.call("user.token", self.tokens["b"], {"id": uid2}, method="POST")
        t2b = r.data["token"]
        self.routes_soon(t2b, "b")
        wait_until("the old token gone", lambda: not self.in_map(t2), timeout=ROUTE_WITHIN)
        t2c = b.ctl("user", "token", uid2).stdout.strip().splitlines()[-1]
        self.routes_soon(t2c, "b")
        wait_until("the old token gone", lambda: not self.in_map(t2b), timeout=ROUTE_WITHIN)
        self.assertIsNone(self.node(t2b))
        # user.delete: its token leaves the map
        r = self.front.call("user.delete", self.tokens["b"], {"id": uid2}, method="POST")
        self.assertEqual(r.code, 0, r)
        wait_until("a deleted account's token gone", lambda: not self.in_map(t2c),
                   timeout=ROUTE_WITHIN)
        # shard a's tokens were never touched
        self.assertEqual(self.node(self.tokens["a"]), "a")
        self.assertTrue(self.in_map(self.tokens["a"]))

    def test_api_keys_route_like_tokens(self):
        # a key made on shard b, through HAProxy, routes to b at once
        r = self.front.call("account.keyAdd", self.tokens["b"], {"name": "ci", "scopes": "read"},
                            method="POST")
        self.assertEqual(r.code, 0, r)
        key_id, key = r.data["key"]["id"], r.data["token"]
        self.routes_soon(key, "b")
        self.assertEqual(self.node(key, headers={"Authorization": "Bearer " + key}), "b")
        # refused by scope on the right shard, not unknown
        self.assertEqual(self.front.call("cron.add", key, {"url": "http://127.0.0.1:1/",
                                                           "expression": "@daily"}).code, 13)
        # deleted: out of the map
        r = self.front.call("account.keyDelete", self.tokens["b"], {"id": key_id}, method="POST")
        self.assertEqual(r.code, 0, r)
        wait_until("the deleted key gone from the map", lambda: not self.in_map(key),
                   timeout=ROUTE_WITHIN)
        self.assertIsNone(self.node(key))

    def test_a_token_another_shard_took_is_left_to_it(self):
        # an account moved from b to a keeps its token; a sets the digest
        # to itself (here by hand); deleting the account on b afterwards
        # must not delete a's route
        uid, t = self.shards["b"].add_user("moving")
        self.routes_soon(t, "b")
        digest = hashlib.sha256(t.encode()).hexdigest()
        self.assertEqual(admin_socket(self.sock, "set map %s %s a" % (self.map, digest)).strip(), "")
        self.shards["b"].ctl("user", "delete", uid)
        # b has dealt with it once a later change of b routes
        _, later = self.shards["b"].add_user("later")
        self.routes_soon(later, "b")
        self.assertTrue(self.in_map(t))
        self.assertIn('value="a"', admin_socket(self.sock, "get map %s %s" % (self.map, digest)))

    def test_haproxy_restarted_gets_the_tokens_again(self):
        self.haproxy.terminate()
        self.haproxy.wait(timeout=10)
        self.haproxy = subprocess.Popen([HAPROXY, "-db", "-f", CFG], env=self.env,
                                        stdout=self.haproxy_log, stderr=subprocess.STDOUT)
        wait_until("haproxy listening", lambda: self.listening(self.front.port), timeout=15)
        self.front.conn.close()
        self.front.conn = None
        # a fresh HAProxy has only the (empty) file: the shards see the
        # new process and push their tokens again
        wait_until("shard b's token routed again", lambda: self.node(self.tokens["b"]) == "b",
                   timeout=15)

    def test_a_shard_killed_leaves_the_other_running(self):
        tb = self.tokens["b"]
        r = self.front.call("cron.add", tb, method="POST", json_body={
            "url": self.rx.url("/b"), "expression": "* * * * * *"})
        self.assertEqual(r.code, 0, r)
        self.rx.wait(1, "/b")
        self.shards["a"].kill(signal.SIGKILL)
        self.shards["a"].proc.wait(timeout=10)
        seen = len(self.rx.hits("/b"))
        self.rx.wait(seen + 3, "/b", timeout=10)
        for _ in range(5):
            self.assertEqual(self.node(tb), "b")
        r = self.front.call("cron.list", tb)
        self.assertEqual(r.code, 0, r)
        # shard a's accounts get an error from HAProxy, not another's answer
        r = self.front.call("server.info", self.tokens["a"])
        self.assertGreaterEqual(r.status, 500, r)

    def test_a_killed_shard_restarted_catches_up_by_policy(self):
        ta = self.tokens["a"]
        ids = {}
        for policy in ("all", "none"):
            r = self.front.call("cron.add", ta, method="POST", json_body={
                "url": self.rx.url("/" + policy), "expression": "* * * * * *", "catchUp": policy})
            self.assertEqual(r.code, 0, r)
            ids[policy] = r.data["id"]
        self.rx.wait(2, "/all")
        self.shards["a"].kill(signal.SIGKILL)
        self.shards["a"].proc.wait(timeout=10)
        self.shards["a"].log.close()
        self.shards["a"].proc = None
        down = time.time()
        time.sleep(3)   # the outage: three seconds of instants with no shard to fire them
        # back on its port, where HAProxy looks for it
        self.shards["a"].update({"server": {"listen": "127.0.0.1:%d" % self.shards["a"].port}})
        self.shards["a"].start()
        wait_until("shard a routed again", lambda: self.node(ta) == "a", timeout=20)
        up = int(time.time())

        def instants(path):
            return sorted(int(h["headers"]["X-Webcron-Scheduled-Time"]) for h in self.rx.hits(path))
        # catchUp all: every instant of the outage fired, once; none: the
        # outage's instants are skipped and it goes on from the restart
        wait_until("every instant up to the restart", lambda: instants("/all") and
                   instants("/all")[-1] >= up + 1, timeout=15)
        got = instants("/all")
        self.assertEqual(got, list(range(got[0], got[-1] + 1)), "catchUp all: a gap or a repeat")
        none = instants("/none")
        self.assertEqual(len(none), len(set(none)), "catchUp none: a repeat")
        self.assertTrue([t for t in range(int(down) + 1, int(down) + 3) if t not in none],
                        "catchUp none ran the outage's instants: %s" % none)

    def test_a_dead_shard_restored_from_its_backup_elsewhere(self):
        # the steps of OPERATIONS.md "When a shard's machine dies": a
        # backup of a, a's machine lost, a new a started from the copy
        a = self.shards["a"]
        ta = self.tokens["a"]
        r = self.front.call("cron.add", ta, method="POST", json_body={
            "url": self.rx.url("/r"), "expression": "* * * * * *", "catchUp": "all"})
        self.assertEqual(r.code, 0, r)
        self.rx.wait(1, "/r")
        backup = os.path.join(self.dir, "backup-a")
        a.ctl("backup", backup)
        self.rx.wait(len(self.rx.hits("/r")) + 2, "/r")
        port = a.port
        a.kill(signal.SIGKILL)
        a.proc.wait(timeout=10)
        a.log.close()
        a.proc = None
        shutil.rmtree(a.sections["server"]["data_dir"])   # the machine and its disk are gone
        os.mkdir(os.path.join(self.dir, "a2"))
        new = Daemon({"server": {"name": "a", "trusted_proxies": "127.0.0.1/32",
                                 "listen": "127.0.0.1:%d" % port},
                      "api": {"rate_limit": 100000, "rate_burst": 100000},
                      "jobs": {"allowed_targets": "127.0.0.1/32"},
                      "limits": {"min_interval": 1},
                      "cluster": {"router": self.sock, "router_map": self.map}},
                     tmpdir=os.path.join(self.dir, "a2"))
        os.makedirs(new.sections["server"]["data_dir"])
        shutil.copy(os.path.join(backup, "data.mdb"), new.sections["server"]["data_dir"])
        self.shards["a"] = new.start()
        wait_until("the restored shard a routed", lambda: self.node(ta) == "a", timeout=20)
        self.assertEqual(new.ctl("check", check=False).returncode, 0)
        # its job fires again, and catches up from the backup's last fire
        up = int(time.time())
        wait_until("fires after the restore", lambda: any(
            int(h["headers"]["X-Webcron-Scheduled-Time"]) > up for h in self.rx.hits("/r")),
            timeout=15)
        times = sorted({int(h["headers"]["X-Webcron-Scheduled-Time"]) for h in self.rx.hits("/r")})
        self.assertEqual(times, list(range(times[0], times[-1] + 1)), "an instant was lost")

    def move(self, uid, timeout=30):
        """webcronctl move on shard a's config to shard b's; returns the
        process's result."""
        return self.shards["a"].ctl("move", uid, "--to", self.shards["b"].conf,
                                    "--timeout", timeout, check=False)

    def test_an_account_moves_with_nothing_missed_or_doubled(self):
        import threading

        uid, t = self.shards["a"].add_user("mover")
        self.routes_soon(t, "a")
        r = self.front.call("account.keyAdd", t, {"name": "ci", "scopes": "read"}, method="POST")
        self.assertEqual(r.code, 0, r)
        key = r.data["token"]
        self.routes_soon(key, "a")
        jobs = []
        for i in range(3):
            r = self.front.call("cron.add", t, method="POST", json_body={
                "url": self.rx.url("/m"), "expression": "* * * * * *", "catchUp": "all",
                "name": "every second %d" % i})
            self.assertEqual(r.code, 0, r)
            jobs.append(r.data["id"])
        self.rx.wait(6, "/m")
        # writes through HAProxy all along: each acknowledged one must be
        # on b afterwards; a 503 must say when to retry
        acked, refused, wrong, stop = [], [], [], threading.Event()

        def writer():
            front = Front(self.front.port)
            n = 0
            while not stop.is_set():
                n += 1
                name = "w%d" % n
                while not stop.is_set():
                    r = front.call("cron.add", method="POST", json_body={
                        "token": t, "url": self.rx.url("/never"), "expression": "@manual",
                        "name": name})
                    if r.code == 0:
                        acked.append(name)
                        time.sleep(0.1)   # within the account's 100 jobs
                        break
                    if r.status == 503 and r.code == 51 and r.headers.get("retry-after") == "1":
                        refused.append(name)
                        time.sleep(0.05)
                        continue
                    wrong.append(r)
                    break
            if front.conn:
                front.conn.close()
        th = threading.Thread(target=writer)
        th.start()
        try:
            time.sleep(1.5)
            res = self.move(uid)
            self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
            self.assertIn("deleted here: moved to b", res.stdout)
            time.sleep(1.5)
        finally:
            stop.set()
            th.join(timeout=30)
        self.assertEqual(wrong, [], "a write got a wrong answer during the move")
        self.assertTrue(acked, "no write was acknowledged")
        # the token and the key reach b, which holds the account; a does not
        self.assertEqual(self.node(t), "b")
        self.assertEqual(self.node(key, headers={"Authorization": "Bearer " + key}), "b")
        a_users = self.shards["a"].ctl("user", "list").stdout
        self.assertNotIn("mover", a_users)
        r = self.front.call("cron.list", t)
        self.assertEqual(r.code, 0, r)
        names = {j["name"] for j in r.data}
        missing = [n for n in acked if n not in names]
        self.assertEqual(missing, [], "acknowledged writes missing on b")
        # the fires: per job (by its name, the ids changed), every instant
        # once from the first to the last, across the move
        seen = len(self.rx.hits("/m"))
        self.rx.wait(seen + 6, "/m", timeout=15)
        by_name = {}
        id_name = {}
        for j in r.data:
            id_name[str(j["id"])] = j["name"]
        for i, jid in enumerate(jobs):
            id_name[str(jid)] = "every second %d" % i
        for h in self.rx.hits("/m"):
            name = id_name[h["headers"]["X-Webcron-Job"]]
            by_name.setdefault(name, []).append(int(h["headers"]["X-Webcron-Scheduled-Time"]))
        self.assertEqual(len(by_name), 3, by_name.keys())
        for name, times in by_name.items():
            times.sort()
            self.assertEqual(len(times), len(set(times)), "%s fired an instant twice: %s" % (
                name, times))
            self.assertEqual(times, list(range(times[0], times[-1] + 1)),
                             "%s missed an instant: %s" % (name, times))
        for name in ("a", "b"):
            res = self.shards[name].ctl("check", check=False)
            self.assertEqual(res.returncode, 0, "check on %s: %s%s" % (name, res.stdout, res.stderr))
        # b's history says where the account came from
        r = self.front.call("account.history", t)
        self.assertEqual(r.code, 0, r)
        moves = [e for e in r.data if e["action"] == "move"]
        self.assertEqual(len(moves), 1, r.data)
        self.assertEqual(moves[0]["actor"], "webcronctl")

    def test_a_handoff_cancelled_fires_again_with_its_catch_up(self):
        a = self.shards["a"]
        uid, t = a.add_user("stayer")
        self.routes_soon(t, "a")
        r = self.front.call("cron.add", t, method="POST", json_body={
            "url": self.rx.url("/c"), "expression": "* * * * * *", "catchUp": "all"})
        self.assertEqual(r.code, 0, r)
        self.rx.wait(2, "/c")
        doc = a.ctl("export", uid, "--handoff", "--to", "b")
        self.assertIn('"webcron-account"', doc.stdout)
        # moving: writes wait with 503 and Retry-After, reads answer, no fire
        r = self.front.call("cron.add", t, method="POST", json_body={
            "url": self.rx.url("/c"), "expression": "@manual"})
        self.assertEqual((r.status, r.code, r.headers.get("retry-after")), (503, 51, "1"), r)
        self.assertEqual(self.front.call("cron.list", t).code, 0)
        self.assertEqual(self.front.call("user.edit", self.tokens["a"], {"id": uid, "name": "x"},
                                         method="POST").code, 51)
        again = a.ctl("export", uid, "--handoff", check=False)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("moving already", again.stderr)
        time.sleep(2.5)
        a.ctl("handoff", "cancel", uid)
        actions = [e["action"] for e in self.front.call("account.history", t).data]
        self.assertEqual(actions[:2], ["handoff.cancel", "handoff"], actions)
        seen = len(self.rx.hits("/c"))
        self.rx.wait(seen + 3, "/c", timeout=15)
        times = sorted(int(h["headers"]["X-Webcron-Scheduled-Time"]) for h in self.rx.hits("/c"))
        self.assertEqual(times, list(range(times[0], times[-1] + 1)), "a gap or a repeat")
        r = self.front.call("cron.add", t, method="POST", json_body={
            "url": self.rx.url("/c"), "expression": "@manual"})
        self.assertEqual(r.code, 0, r)
        self.assertEqual(a.ctl("handoff", "cancel", uid, check=False).returncode, 1)


if __name__ == "__main__":
    unittest.main()

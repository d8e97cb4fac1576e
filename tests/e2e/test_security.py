"""Security end to end (docs/SECURITY.md maps each defence to these tests).

- Matrix: every route of api_routes[] (parsed from src/api/api.c, so a new
  action cannot be forgotten) against another account's ids (code 30 and
  nothing of theirs changes), admin-only routes (13), asUser from a plain
  token (13), no token (10), a wrong token (11), a suspended account (12).
- Tokens at rest: no token ever issued is in any file of the data
  directory, whose modes are 0700 and 0600.
- The destination policy: listeners on 127.0.0.2 and ::1 that no job URL,
  redirect, http task or notice may reach.
- Header injection, hostile bytes and sizes in every kind of parameter.
- A wrong-token flood from one address is slowed; other addresses are not.

Only loopback is contacted: the daemon, the receivers and the listeners are
on 127.0.0.0/8 and ::1, X-Forwarded-For addresses are header text, and the
only name in a URL is `localhost`, which curl answers itself.

Tests marked expectedFailure show a defect that is reported and not yet
fixed (each says which); they turn into "unexpected success" failures once
the daemon is fixed, and the mark must then go.
"""
import json
import os
import re
import socket
import stat
import time
import unittest

from webcron import Daemon, DaemonCase, Listener, Receiver, raw_exchange, wait_until

SRCDIR = os.environ.get("WEBCRON_SRCDIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

FAST = {"api": {"rate_limit": 100000, "rate_burst": 100000},
        "jobs": {"allowed_targets": "127.0.0.1/32"},
        "limits": {"min_interval": 1},
        "task.echo": {"exec": "/bin/cat"}}

MISSING = 987654321         # an id no object has
# The URL of jobs that are never run. Loopback and closed, so that even a
# run by mistake resolves no name and leaves the machine with no packet.
URL = "http://127.0.0.1:1/never-called"


def read_source(*path):
    with open(os.path.join(SRCDIR, *path)) as f:
        return f.read()


def parse_routes():
    """{"target.action": set of flags} from api_routes[] in src/api/api.c."""
    text = read_source("src", "api", "api.c")
    m = re.search(r"api_routes\[\]\s*=\s*\{(.*?)\{\s*NULL", text, re.S)
    assert m, "api_routes[] not found in src/api/api.c"
    routes = {}
    for target, action, flags in re.findall(
            r'\{\s*"(\w+)"\s*,\s*"(\w+)"\s*,\s*\w+\s*,\s*([\w\s|]+?)\s*(?:,\s*\w+\s*)?\}',
            m.group(1)):
        names = {f.strip() for f in flags.split("|")} - {"0"}
        routes["%s.%s" % (target, action)] = names
    assert len(routes) > 40, routes
    return routes


def header_define(name, path):
    m = re.search(r"#define\s+%s\s+\(?([0-9* ]+)\)?" % name, read_source(*path))
    assert m, "%s not found in %s" % (name, "/".join(path))
    return eval(m.group(1), {})    # digits, spaces and '*' only


def is_utf8(raw):
    try:
        raw.decode("utf-8", "strict")
    except UnicodeDecodeError:
        return False
    return True


def no_surrogates(s):
    return not any(0xD800 <= ord(ch) <= 0xDFFF for ch in s)


# Which parameters of each route name an object, what else makes the call
# valid, and what another account's id must give:
#   30       the same answer as a missing id (code 30, same field and message)
#   "empty"  a filter: success and nothing listed, as for a missing id
#   13       admin-only: refused before any id is looked at
# Ids are "job", "task", "group" or "account" objects; "self" fills the id
# of the caller's own job where the call also needs one. From docs/API.md.
ROUTES = {
    "cron.list":      ({"group": "group"}, {}, "empty"),
    "cron.get":       ({"id": "job"}, {}, 30),
    "cron.add":       ({"group": "group"}, {"url": URL, "expression": "0 0 1 1 *"}, 30),
    "cron.edit":      ({"id": "job"}, {"name": "taken"}, 30),
    "cron.delete":    ({"id": "job"}, {}, 30),
    "cron.enable":    ({"id": "job"}, {}, 30),
    "cron.disable":   ({"id": "job"}, {}, 30),
    "cron.toggle":    ({"id": "job"}, {}, 30),
    "cron.pause":     ({"id": "job"}, {"for": "60"}, 30),
    "cron.duplicate": ({"id": "job"}, {}, 30),
    "cron.next":      ({"id": "job"}, {}, 30),
    "cron.upcoming":  ({}, {}, None),
    "cron.validate":  ({}, {"expression": "0 0 1 1 *"}, None),
    "cron.presets":   ({}, {}, None),
    "cron.run":       ({"id": "job"}, {}, 30),
    "cron.log":       ({"id": "job"}, {"execution": "1"}, 30),
    "cron.logs":      ({"id": "job"}, {}, 30),
    "cron.failures":  ({"id": "job"}, {}, 30),
    "cron.history":   ({"id": "job"}, {}, 30),
    "task.list":      ({"job": "job"}, {}, 30),
    "task.get":       ({"id": "task"}, {}, 30),
    "task.add":       ({"job": "job"}, {"action": "echo", "payload": "x"}, 30),
    "task.edit":      ({"id": "task"}, {"payload": "taken"}, 30),
    "task.delete":    ({"id": "task"}, {}, 30),
    "group.list":     ({}, {}, None),
    "group.get":      ({"id": "group"}, {}, 30),
    "group.lookup":   ({}, {"name": "b-group"}, None),
    "group.add":      ({}, {"name": "a-new"}, None),
    "group.edit":     ({"id": "group"}, {"name": "taken"}, 30),
    "group.delete":   ({"id": "group"}, {}, 30),
    "group.vanish":   ({"id": "group"}, {}, 30),
    "group.empty":    ({"id": "group"}, {}, 30),
    "group.items":    ({"id": "group"}, {}, 30),
    "group.enable":   ({"id": "group"}, {}, 30),
    "group.disable":  ({"id": "group"}, {}, 30),
    "account.get":    ({}, {}, None),
    "account.edit":   ({}, {"name": "a-renamed"}, None),
    "account.secret": ({}, {"secret": "a-secret"}, None),
    "account.token":  ({}, {}, None),
    "account.keys":   ({}, {}, None),
    "account.keyAdd": ({"group": "group"}, {"name": "a-key", "scopes": "read"}, 30),
    "account.keyEdit": ({"id": "key"}, {"name": "taken"}, 30),
    "account.keyDelete": ({"id": "key"}, {}, 30),
    "account.history": ({}, {}, None),
    "server.time":    ({}, {}, None),
    "server.timezones": ({}, {}, None),
    "server.useragent": ({}, {}, None),
    "server.ip":      ({}, {}, None),
    "server.info":    ({}, {}, None),
    "user.list":      ({}, {}, 13),
    "user.get":       ({"id": "account"}, {}, 13),
    "user.add":       ({}, {"name": "intruder"}, 13),
    "user.edit":      ({"id": "account"}, {"status": 1}, 13),
    "user.delete":    ({"id": "account"}, {}, 13),
    "user.token":     ({"id": "account"}, {}, 13),
}

# Fields of a Job computed at each read (they move with the clock).
VOLATILE = ("nextRun", "points")


class SecCase(DaemonCase):
    """DaemonCase with a high rate limit and a task class."""
    config = FAST

    def ok(self, action, token, params=None, **kw):
        r = self.d.call(action, token, params, **kw)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json.get("code"), 0, (action, r))
        return r.data

    def assertEnvelope(self, r, code=None, field=None, http=None):
        """R is a well-formed error envelope (valid UTF-8 JSON)."""
        self.assertTrue(is_utf8(r.raw), r)
        self.assertIsNotNone(r.json, r)
        self.assertEqual(r.json["status"], "error", r)
        self.assertIsInstance(r.json["message"], str)
        self.assertTrue(r.json["message"])
        self.assertNotIn("data", r.json)
        if code is not None:
            self.assertEqual(r.json["code"], code, r)
        if field is not None:
            self.assertEqual(r.json.get("field"), field, r)
        if http is not None:
            self.assertEqual(r.status, http, r)

    def assertServing(self, token=None):
        """The daemon still answers, on a fresh connection."""
        if self.d.conn:
            self.d.conn.close()
        self.d.conn = None
        self.assertIsNone(self.d.proc.poll(), "webcrond died:\n" + self.d.log_text())
        self.assertEqual(self.ok("server.time", token or self.admin) > 0, True)

    def assertLogClean(self):
        """Stops the daemon (so its log is flushed) and checks that the log
        holds only printable ASCII lines: whatever a client sent was
        escaped."""
        self.assertEqual(self.d.stop(), 0)
        with open(self.d.log_path, "rb") as f:
            raw = f.read()
        self.assertTrue(raw)
        bad = sorted({b for b in raw if (b < 0x20 and b != 0x0a) or b > 0x7e})
        self.assertEqual(bad, [], "raw bytes in the log: %r" % [
            line for line in raw.split(b"\n") if any((c < 0x20 or c > 0x7e) for c in line)][:5])


# ---------------------------------------------------------------- the matrix

class Matrix(SecCase):
    """Account A (plain) against the objects of account B."""

    def setUp(self):
        super().setUp()
        self.rx = Receiver()
        self.rx.respond("/b", status=500)       # B's run fails: B has a failure log
        self.a_id, self.a = self.user("alice")
        self.b_id, self.b = self.user("bob")
        g = self.ok("group.add", self.b, {"name": "b-group"})
        j = self.ok("cron.add", self.b, json_body={
            "name": "b-job", "url": self.rx.url("/b"), "expression": "0 0 1 1 *",
            "group": g["id"], "tasks": [{"action": "echo", "payload": "b1"},
                                        {"action": "echo", "payload": "b2"}]}, method="POST")
        self.ok("cron.run", self.b, {"id": j["id"]})
        wait_until("B's run to be logged",
                   lambda: self.ok("cron.logs", self.b, {"id": j["id"]}))
        k = self.ok("account.keyAdd", self.b, {"name": "b-key", "scopes": "read"})
        self.foreign = {"job": j["id"], "task": j["tasks"][0]["id"], "group": g["id"],
                        "account": self.b_id, "key": k["key"]["id"]}
        self.missing = {k: MISSING for k in self.foreign}
        # A's own objects, for the calls that attach one to the other
        self.a_group = self.ok("group.add", self.a, {"name": "a-group"})
        self.a_job = self.ok("cron.add", self.a, json_body={
            "url": URL, "expression": "0 0 1 1 *", "tasks": [{"action": "echo"}]},
            method="POST")
        self.b_hits = len(self.rx.hits("/b"))
        self.before = self.snapshot(self.b)

    def tearDown(self):
        super().tearDown()
        self.rx.stop()

    def snapshot(self, token):
        """Everything an account can see of its own, through its own token."""
        jobs = self.ok("cron.list", token)
        for j in jobs:
            for k in VOLATILE:
                j.pop(k, None)
        return {
            "account": self.ok("account.get", token),
            "jobs": jobs,
            "groups": self.ok("group.list", token),
            "tasks": {j["id"]: self.ok("task.list", token, {"job": j["id"]}) for j in jobs},
            "logs": {j["id"]: self.ok("cron.logs", token, {"id": j["id"]}) for j in jobs},
            "failures": self.ok("cron.failures", token),
            "upcoming": self.ok("cron.upcoming", token),
            "keys": self.ok("account.keys", token),
            "history": self.ok("account.history", token, {"limit": 1000}),
        }

    def assertBUnchanged(self, context):
        self.assertEqual(self.snapshot(self.b), self.before, context)
        self.assertEqual(len(self.rx.hits("/b")), self.b_hits, context)
        self.assertEqual(self.ok("account.get", self.b)["id"], self.b_id)

    def fill(self, route, ids):
        idparams, extra, _ = ROUTES[route]
        params = dict(extra)
        for name, kind in idparams.items():
            params[name] = ids[kind]
        return params

    def call_a(self, route, params):
        r = self.d.call(route, self.a, params)
        if route == "account.token" and r.json and r.json.get("code") == 0:
            self.a = r.data["token"]        # A rotated its own token
        return r

    def test_table_covers_every_route_of_api_c(self):
        routes = parse_routes()
        self.assertEqual(sorted(set(routes) - set(ROUTES)), [],
                         "routes of src/api/api.c missing from ROUTES of this test")
        self.assertEqual(sorted(set(ROUTES) - set(routes)), [],
                         "ROUTES of this test names routes src/api/api.c does not have")
        for route, flags in routes.items():
            self.assertEqual("API_ADMIN" in flags, ROUTES[route][2] == 13, route)
        # docs/API.md lists every route too
        api_md = read_source("docs", "API.md")
        for route in routes:
            self.assertIn("`%s`" % route, api_md, route)

    def test_admin_only_routes_refuse_a_plain_token(self):
        routes = parse_routes()
        admin_only = [r for r, f in routes.items() if "API_ADMIN" in f]
        self.assertEqual(sorted(admin_only), ["user.add", "user.delete", "user.edit",
                                              "user.get", "user.list", "user.token"])
        for route in admin_only:
            for params in ({}, self.fill(route, self.foreign), self.fill(route, {
                    "account": self.a_id})):
                r = self.call_a(route, params)
                self.assertEnvelope(r, 13)
                self.assertIn("admin", r.json["message"])
            # an admin token is not refused: the 13 above is about the token
            r = self.d.call(route, self.admin, {})
            self.assertNotEqual(r.json["code"], 13, (route, r))
        self.assertBUnchanged("admin-only routes")
        self.assertEqual(len(self.ok("user.list", self.admin)), 3)
        self.assertEqual(self.ok("account.get", self.a)["admin"], False)

    def test_plain_routes_are_open_to_plain_tokens(self):
        for route, flags in parse_routes().items():
            if "API_ADMIN" in flags:
                continue
            r = self.call_a(route, {})
            self.assertNotIn(r.json["code"], (10, 11, 12, 13), (route, r))

    def test_foreign_ids_read_as_missing_and_change_nothing(self):
        checked = 0
        for route in sorted(parse_routes()):
            idparams, extra, expect = ROUTES[route]
            if not idparams:
                continue
            foreign = self.call_a(route, self.fill(route, self.foreign))
            missing = self.call_a(route, self.fill(route, self.missing))
            if expect == "empty":
                self.assertEqual((foreign.json["code"], foreign.data), (0, []), (route, foreign))
                self.assertEqual((missing.json["code"], missing.data), (0, []), (route, missing))
            else:
                self.assertEnvelope(foreign, expect)
                self.assertEnvelope(missing, expect)
                if expect == 30:
                    self.assertIn(foreign.json.get("field"), idparams, (route, foreign))
                    # foreign and missing cannot be told apart
                    self.assertEqual(foreign.json.get("field"), missing.json.get("field"), route)
                    self.assertEqual(re.sub(r"\d+", "N", foreign.json["message"]),
                                     re.sub(r"\d+", "N", missing.json["message"]), route)
                    self.assertEqual(foreign.status, missing.status, route)
            self.assertBUnchanged(route)
            checked += 1
        self.assertGreaterEqual(checked, 30)

    def test_own_objects_cannot_point_at_foreign_ones(self):
        a_job, a_task = self.a_job["id"], self.a_job["tasks"][0]["id"]
        # a job of A into B's group
        r = self.call_a("cron.edit", {"id": a_job, "group": self.foreign["group"]})
        self.assertEnvelope(r, 30, "group")
        r = self.d.call("cron.add", self.a, json_body={
            "url": URL, "expression": "0 0 1 1 *", "group": self.foreign["group"]}, method="POST")
        self.assertEnvelope(r, 30, "group")
        # a task of A moved to B's job: task.edit has no `job`, it stays
        r = self.call_a("task.edit", {"id": a_task, "job": self.foreign["job"], "payload": "m"})
        if r.json["code"] == 0:
            self.assertEqual(r.data["job"], a_job)
        else:
            self.assertEnvelope(r, 30)
        self.assertEqual([t["id"] for t in self.ok("task.list", self.a, {"job": a_job})],
                         [a_task])
        # B's group and job are not found by name, keyword, filter or id
        self.assertEqual(self.ok("group.lookup", self.a, {"name": "b-group"}), [])
        for keyword in (str(self.foreign["job"]), "b-job", "/b"):
            listed = [j["id"] for j in self.ok("cron.list", self.a, {"keyword": keyword})]
            self.assertNotIn(self.foreign["job"], listed, keyword)
        self.assertEqual(self.ok("cron.failures", self.a), [])
        self.assertEqual([g["id"] for g in self.ok("group.list", self.a)], [self.a_group["id"]])
        self.assertEqual([j["id"] for j in self.ok("cron.list", self.a)], [a_job])
        self.assertEqual(self.ok("account.get", self.a)["usage"]["jobs"], 1)
        self.assertBUnchanged("attaching")

    def test_every_route_without_ids_leaves_b_alone(self):
        for route in sorted(parse_routes()):
            idparams, extra, expect = ROUTES[route]
            if idparams:
                continue
            r = self.call_a(route, dict(extra))
            self.assertEqual(r.json["code"], 13 if expect == 13 else 0, (route, r))
            self.assertBUnchanged(route)
        self.assertEqual(self.ok("account.get", self.a)["name"], "a-renamed")

    def test_as_user_from_a_plain_token_is_13_everywhere(self):
        for route in sorted(parse_routes()):
            for target in (self.b_id, self.admin_id, self.a_id, MISSING):
                params = self.fill(route, self.foreign)
                params["asUser"] = target
                r = self.call_a(route, params)
                self.assertEnvelope(r, 13)
            self.assertBUnchanged(route)
        # the parameter is spelled right: an admin's asUser works
        self.assertEqual(self.ok("account.get", self.admin, {"asUser": self.b_id})["id"], self.b_id)
        self.assertEqual(self.ok("account.get", self.admin, {"as_user": self.b_id})["id"],
                         self.b_id)

    def test_no_token_is_10_and_a_wrong_token_11_everywhere(self):
        wrong = ("Z" * 32, self.b[:31] + ("a" if self.b[31] != "a" else "b"), self.b.lower()
                 if self.b.lower() != self.b else self.b.upper())
        for route in sorted(parse_routes()):
            params = self.fill(route, self.foreign)
            self.assertEnvelope(self.d.call(route, None, params), 10, "token")
            self.assertEnvelope(self.d.call(route, "", params), 10, "token")
            for tok in wrong:
                self.assertEnvelope(self.d.call(route, tok, params), 11, "token")
            self.assertEnvelope(self.d.call(route, None, params, headers={
                "Authorization": "Bearer " + wrong[0]}), 11, "token")
            self.assertEnvelope(self.d.call(route, None, params, headers={
                "Authorization": "Basic " + self.b}), 10, "token")
        self.assertBUnchanged("no and wrong tokens")

    def test_suspended_account_is_12_everywhere(self):
        self.ok("user.edit", self.admin, {"id": self.a_id, "status": 1})
        for route in sorted(parse_routes()):
            self.assertEnvelope(self.call_a(route, self.fill(route, self.foreign)), 12)
            self.assertEnvelope(self.call_a(route, {}), 12)
        self.assertBUnchanged("suspended")
        self.ok("user.edit", self.admin, {"id": self.a_id, "status": 0})
        self.assertEqual(self.ok("account.get", self.a)["id"], self.a_id)


# ------------------------------------------------------------ tokens at rest

class TokensAtRest(SecCase):
    def datadir(self):
        return self.d.sections["server"]["data_dir"]

    def files(self, top):
        out = []
        for root, dirs, names in os.walk(top):
            out.extend(os.path.join(root, n) for n in names)
        return out

    def blob(self, top):
        data = b""
        for path in self.files(top):
            with open(path, "rb") as f:
                data += f.read()
        self.assertGreater(len(data), 0)
        return data

    def test_no_token_ever_issued_is_on_disk(self):
        issued = [self.admin]
        ctl_id, ctl_tok = self.d.add_user("from-ctl")
        issued.append(ctl_tok)
        ids = {}
        for name in ("u1", "u2", "u3"):
            uid, tok = self.user(name)
            ids[name] = uid
            issued.append(tok)
        # account.token: the user rotates their own
        tok = issued[2]
        for _ in range(2):
            tok = self.ok("account.token", tok)["token"]
            issued.append(tok)
        # user.token: an admin rotates someone's
        issued.append(self.ok("user.token", self.admin, {"id": ids["u2"]})["token"])
        # webcronctl user token, while the daemon runs
        res = self.d.ctl("user", "token", ids["u3"])
        issued.append(res.stdout.strip().splitlines()[-1])
        self.assertEqual(self.d.call("account.get", issued[-1]).data["id"], ids["u3"])
        res = self.d.ctl("user", "token", ctl_id)
        issued.append(res.stdout.strip().splitlines()[-1])
        # objects that carry secrets, so the file is not just accounts
        self.ok("account.secret", issued[-1], {"secret": "the-account-secret"})
        self.ok("cron.add", issued[-1], json_body={"url": URL, "expression": "0 0 1 1 *",
                                                   "username": "u", "password": "job-password"},
                method="POST")
        for t in issued:
            self.assertRegex(t, r"^[A-Za-z0-9]{32}$")
        self.assertEqual(len(set(issued)), len(issued))
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        self.assertEqual(self.ok("account.get", issued[-1])["id"], ctl_id)
        self.assertEqual(self.d.call("account.get", issued[1]).json["code"], 11)
        self.assertEqual(self.d.stop(), 0)
        blob = self.blob(self.datadir())
        for t in issued:
            self.assertNotIn(t.encode(), blob)
            self.assertNotIn(t.lower().encode(), blob.lower())
        # nor in the log, nor anywhere else in the test's directory but the
        # config (which names no token) and webcronctl's own output
        for path in self.files(self.d.dir):
            with open(path, "rb") as f:
                data = f.read()
            for t in issued:
                self.assertNotIn(t.encode(), data, path)

    def test_data_dir_is_0700_and_its_files_0600(self):
        self.d.add_user("x")
        top = self.datadir()
        self.assertEqual(stat.S_IMODE(os.stat(top).st_mode), 0o700)
        names = sorted(os.listdir(top))
        self.assertIn("data.mdb", names)
        for path in self.files(top):
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600, path)
        self.assertEqual(os.stat(top).st_uid, os.getuid())

    def test_backup_is_readable_by_its_owner_only(self):
        """A backup holds secrets and job passwords: DEST/data.mdb is its
        owner's alone, whatever the umask or DEST's own mode (this was a
        bug: 0666 & ~umask)."""
        self.d.add_user("x")
        dest = os.path.join(self.d.dir, "backup")
        os.mkdir(dest, 0o755)
        old = os.umask(0o022)
        try:
            self.d.ctl("backup", dest)
        finally:
            os.umask(old)
        path = os.path.join(dest, "data.mdb")
        self.assertTrue(os.path.exists(path))
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode) & 0o077, 0)


class PrivilegeDrop(unittest.TestCase):
    """Started as root with `[server] user`, webcrond binds, then runs as
    that user with no supplementary group; without `user` it refuses to
    run as root unless told to (-d)."""

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")
        import pwd
        try:
            self.pw = pwd.getpwnam("nobody")
        except KeyError:
            self.skipTest("no user nobody")
        self.d = Daemon(FAST)

    def tearDown(self):
        self.d.cleanup()

    def test_runs_as_the_configured_user(self):
        run = os.path.join(self.d.dir, "run")
        os.mkdir(run, 0o700)
        os.chown(run, self.pw.pw_uid, self.pw.pw_gid)
        os.chmod(self.d.dir, 0o711)
        self.d.port_file = os.path.join(run, "port")
        self.d.update({"server": {"user": "nobody", "port_file": self.d.port_file,
                                  "data_dir": os.path.join(run, "data")}})
        self.d.start()
        with open("/proc/%d/status" % self.d.proc.pid) as f:
            status = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
        self.assertEqual(status["Uid"].split(), [str(self.pw.pw_uid)] * 4)
        self.assertEqual(status["Gid"].split(), [str(self.pw.pw_gid)] * 4)
        self.assertEqual(status["Groups"].split(), [str(self.pw.pw_gid)])
        self.assertEqual(status["CapEff"].strip(), "0" * 16)
        _, tok = self.d.add_user("x")
        self.assertEqual(self.d.call("account.get", tok).json["code"], 0)
        data = os.path.join(run, "data")
        self.assertEqual(stat.S_IMODE(os.stat(data).st_mode), 0o700)
        for name in os.listdir(data):
            st = os.stat(os.path.join(data, name))
            self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (self.pw.pw_uid, 0o600), name)
        self.assertEqual(self.d.stop(), 0)

    def test_refuses_root_without_user_unless_foreground(self):
        import subprocess
        from webcron import WEBCROND
        r = subprocess.run([WEBCROND, "-f", self.d.conf], capture_output=True, text=True,
                           timeout=30)
        # (without -d the reason goes to syslog)
        self.assertEqual(r.returncode, 1, r)
        self.assertFalse(os.path.exists(self.d.port_file))
        self.d.update({"server": {"user": "root"}})
        r = subprocess.run([WEBCROND, "-f", self.d.conf, "-d"], capture_output=True, text=True,
                           timeout=30)
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("unprivileged", r.stderr)


# ------------------------------------------------------ the destination policy

def have_ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6)
    except OSError:
        return False
    try:
        s.bind(("::1", 0))
        return True
    except OSError:
        return False
    finally:
        s.close()


def port_is_free(host, port):
    """Whether nothing listens on HOST:PORT (we can bind it ourselves)."""
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


class DestinationPolicy(SecCase):
    """allowed_targets = 127.0.0.1/32: a Receiver there is reached; the
    listeners on 127.0.0.2 and ::1 must see no connection at all."""

    def setUp(self):
        super().setUp()
        self.rx = Receiver()
        self.guards = []
        self.v4 = self.guard(Listener("127.0.0.2"))
        self.v6 = None
        if have_ipv6_loopback():
            # ::1:P with nothing on 127.0.0.1:P, so that `localhost:P`, which
            # curl answers with both, can only ever connect to our listener
            for _ in range(20):
                v6 = Listener("::1")
                if port_is_free("127.0.0.1", v6.port):
                    self.v6 = self.guard(v6)
                    break
                v6.stop()
        self.uid, self.tok = self.user("alice")

    def guard(self, g):
        self.guards.append(g)
        return g

    def tearDown(self):
        super().tearDown()
        self.rx.stop()
        for g in self.guards:
            g.stop()

    def refused_urls(self):
        """(label, url, the address the error names)."""
        p = self.v4.port
        urls = [
            ("dotted", "http://127.0.0.2:%d/x" % p, "127.0.0.2"),
            ("mapped", "http://[::ffff:127.0.0.2]:%d/x" % p, "127.0.0.2"),
            ("mapped-hex", "http://[::ffff:7f00:2]:%d/x" % p, "127.0.0.2"),
            ("decimal", "http://2130706434:%d/x" % p, "127.0.0.2"),
            ("hex", "http://0x7f000002:%d/x" % p, "127.0.0.2"),
            ("octal", "http://0177.0.0.2:%d/x" % p, "127.0.0.2"),
            ("short", "http://127.2:%d/x" % p, "127.0.0.2"),
        ]
        if self.v6:
            urls.append(("ipv6", "http://[::1]:%d/x" % self.v6.port, "::1"))
        return urls

    def add(self, **fields):
        params = {"expression": "@manual", "timeout": 5}
        params.update(fields)
        r = self.d.call("cron.add", self.tok, json_body=params, method="POST")
        # refusing a numeric private URL when it is saved would be fine too
        if r.json["code"] == 25:
            return None
        self.assertEqual(r.json["code"], 0, r)
        return r.data

    def run_and_log(self, job):
        self.ok("cron.run", self.tok, {"id": job["id"]})
        return wait_until("the run of job %d" % job["id"],
                          lambda: self.ok("cron.logs", self.tok, {"id": job["id"]}))[0]

    def assertNoConnection(self):
        self.assertEqual(self.v4.accepted, 0, "127.0.0.2 was connected to")
        if self.v6:
            self.assertEqual(self.v6.accepted, 0, "::1 was connected to")

    def test_the_allowed_receiver_is_reached(self):
        job = self.add(url=self.rx.url("/ok"))
        log = self.run_and_log(job)
        self.assertEqual((log["status"], log["ip"]), (0, "127.0.0.1"), log)
        self.assertEqual(len(self.rx.hits("/ok")), 1)

    def test_urls_of_refused_loopback_addresses(self):
        for label, url, addr in self.refused_urls():
            job = self.add(url=url, name=label)
            if job is None:
                continue
            log = self.run_and_log(job)
            self.assertEqual(log["status"], 5, (label, log))
            self.assertIn(addr, log["error"], (label, log))
            self.assertEqual(log["httpStatus"] in (None, 0), True, (label, log))
        self.assertNoConnection()

    def test_redirects_to_each(self):
        jobs = []
        for i, (label, url, addr) in enumerate(self.refused_urls()):
            self.rx.respond("/r%d" % i, status=302, headers={"Location": url})
            jobs.append((label, addr, self.add(url=self.rx.url("/r%d" % i), name=label)))
        # two allowed hops, then an inward one: every hop is checked
        self.rx.respond("/hop1", status=301, headers={"Location": self.rx.url("/hop2")})
        self.rx.respond("/hop2", status=307, headers={"Location": self.refused_urls()[0][1]})
        jobs.append(("two hops", "127.0.0.2", self.add(url=self.rx.url("/hop1"))))
        for label, addr, job in jobs:
            log = self.run_and_log(job)
            self.assertEqual(log["status"], 5, (label, log))
            self.assertIn(addr, log["error"], (label, log))
        for i in range(len(self.refused_urls())):
            self.assertEqual(len(self.rx.hits("/r%d" % i)), 1)
        self.assertEqual(len(self.rx.hits("/hop2")), 1)
        self.assertNoConnection()

    def test_localhost_never_reaches_ipv6_loopback(self):
        if not self.v6:
            self.skipTest("no ::1 on this machine")
        url = "http://localhost:%d/x" % self.v6.port
        self.rx.respond("/to-localhost", status=302, headers={"Location": url})
        for job in (self.add(url=url), self.add(url=self.rx.url("/to-localhost"))):
            log = self.run_and_log(job)
            # curl answers localhost with 127.0.0.1 (nothing listens there:
            # refused) and ::1 (the policy refuses it: no socket is made)
            self.assertIn(log["status"], (3, 5), log)
            self.assertNotEqual(log["ip"], "::1", log)
            self.assertNoConnection()
            if "::1" not in log["error"]:
                self.skipTest("curl did not answer localhost with ::1: %s" % log["error"])
            self.assertRegex(log["error"], r"refused: ::1 is a loopback address", log)
        self.assertEqual(len(self.rx.hits("/to-localhost")), 1)

    def test_http_tasks_to_refused_addresses(self):
        payloads = [url for _, url, _ in self.refused_urls()]
        payloads.append(json.dumps({"url": payloads[0], "method": "POST", "body": "x"}))
        self.rx.respond("/task-redirect", status=302, headers={"Location": payloads[0]})
        payloads.append(self.rx.url("/task-redirect"))
        for payload in payloads:
            r = self.d.call("cron.add", self.tok, json_body={
                "expression": "@manual", "timeout": 5,
                "tasks": [{"action": "http", "payload": payload}]}, method="POST")
            if r.json["code"] == 25:
                continue
            self.assertEqual(r.json["code"], 0, r)
            log = self.run_and_log(r.data)
            self.assertEqual(log["status"], 7, (payload, log))
            self.assertEqual(len(log["tasks"]), 1, log)
            self.assertEqual(log["tasks"][0]["status"], 5, (payload, log))
        self.assertEqual(len(self.rx.hits("/task-redirect")), 1)
        self.assertNoConnection()

    def test_notices_to_refused_addresses(self):
        self.rx.respond("/fail", status=500)
        targets = [url for _, url, _ in self.refused_urls() if "2130706434" in url or
                   "[::1]" in url or "127.0.0.2:" in url]
        self.assertGreaterEqual(len(targets), 2)
        sent = 0
        for target in targets:
            r = self.d.call("account.edit", self.tok, {"notifyUrl": target})
            if r.json["code"] == 25:      # refused when saved: fine too
                continue
            self.assertEqual(r.json["code"], 0, r)
            job = self.add(url=self.rx.url("/fail"), notify=1)
            self.assertEqual(self.run_and_log(job)["status"], 1)
            sent += 1
            # one warning per notice, at its first attempt: no retries
            wait_until("the refused notice to %s in the log" % target,
                       lambda: self.d.log_text().count("could not be delivered") >= sent)
        if sent:
            self.assertIn("destination refused", self.d.log_text())
            self.assertIn("after 1 attempt", self.d.log_text())
        self.assertNoConnection()


# ----------------------------------------------------------- header injection

class HeaderInjection(SecCase):
    def setUp(self):
        super().setUp()
        self.rx = Receiver()
        self.uid, self.tok = self.user("alice")

    def tearDown(self):
        super().tearDown()
        self.rx.stop()

    def add(self, token=None, **fields):
        params = {"url": self.rx.url("/h"), "expression": "@manual"}
        params.update(fields)
        return self.d.call("cron.add", token or self.tok, json_body=params, method="POST")

    def assertNothingStored(self, job=None):
        jobs = self.ok("cron.list", self.tok)
        if job is None:
            self.assertEqual(jobs, [])
        else:
            for j in jobs + [job]:
                for k in VOLATILE:
                    j.pop(k, None)
            self.assertEqual(jobs, [job])

    def fire(self, job, path):
        self.ok("cron.run", self.tok, {"id": job["id"]})
        return self.rx.wait(1, path)[0]

    def test_line_breaks_in_header_values(self):
        text = ["X-A: 1\rX-Evil: 2", "X-A: 1\r\r\nX-B: 2", "X-A: 1\x00X-Evil: 2",
                "X-A: 1\r\n\tfolded: continuation", "X-A: 1\r\n continued"]
        objects = [{"X-A": v} for v in ("1\r\nX-Evil: 2", "1\nX-Evil: 2", "1\rX-Evil: 2",
                                        "1\r", "\n", "1\r\n\r\nbody")]
        arrays = [["X-A: 1\r\nX-Evil: 2"], ["X-A: 1\nX-Evil: 2"], ["X-A: ok", "X-B: 1\r2"],
                  ["X-A: 1\r\n"]]
        j = self.add(httpHeaders="X-Keep: 1").data
        for value in text + objects + arrays:
            r = self.add(httpHeaders=value)
            self.assertEnvelope(r, 22, "httpHeaders")
            r = self.d.call("cron.edit", self.tok, json_body={"id": j["id"], "httpHeaders": value},
                            method="POST")
            self.assertEnvelope(r, 22, "httpHeaders")
        # form and query forms of the text
        r = self.d.call("cron.add", self.tok, form={"url": self.rx.url("/h"),
                                                     "expression": "@manual",
                                                     "httpHeaders": "X-A: 1\rX-Evil: 2"},
                        method="POST")
        self.assertEnvelope(r, 22, "httpHeaders")
        r = self.d.request("GET", "/api/cron.add?token=%s&url=%s&expression=@manual"
                           "&httpHeaders=X-A:%%201%%0DX-Evil:%%202" % (self.tok, self.rx.url("/h")))
        self.assertEnvelope(r, 22, "httpHeaders")
        self.assertNothingStored(self.ok("cron.get", self.tok, {"id": j["id"]}))
        self.assertEqual(self.ok("cron.get", self.tok, {"id": j["id"]})["httpHeaders"], "X-Keep: 1")

    def test_bad_header_names(self):
        names = ["Bad Name", "X-A:B", "X\x01A", "X\x7fA", "X-\u00e9", "(X)", "X/A", "X@A",
                 "X[A]", "\tX-A", " X-A", "X=A", "X\"A", ""]
        for name in names:
            self.assertEnvelope(self.add(httpHeaders={name: "v"}), 22, "httpHeaders")
            if "\x00" not in name and ":" not in name:
                self.assertEnvelope(self.add(httpHeaders=[name + ": v"]), 22, "httpHeaders")
        for line in ("no colon at all", ": no name", "  : v", "X A: v"):
            self.assertEnvelope(self.add(httpHeaders=line), 22, "httpHeaders")
        self.assertNothingStored()

    def test_transport_and_webcron_headers(self):
        names = ["Host", "Content-Length", "Transfer-Encoding", "Connection", "TE", "Upgrade",
                 "Trailer", "Proxy-Authorization", "X-Webcron-Job", "X-Webcron-Scheduled-Time",
                 "X-Webcron-Execution", "X-Webcron-Signature"]
        for name in names:
            for spelled in (name, name.lower(), name.upper()):
                for form in ("%s: x" % spelled, {spelled: "x"}, ["%s: x" % spelled],
                             "X-Ok: 1\n%s: x" % spelled):
                    self.assertEnvelope(self.add(httpHeaders=form), 22, "httpHeaders")
        self.assertNothingStored()

    def test_urls_with_line_breaks_and_spaces(self):
        base = self.rx.url("/h")
        bad = [base + " x", base + "\r\nX-Evil: 1", base + "\nX", base + "\r", base + "\t",
               base + "\x00", base + "\x7f", "http://127.0.0.1\r\n:%d/" % self.rx.port,
               " " + base]
        for url in bad:
            r = self.add(url=url)
            self.assertEnvelope(r, None, "url")
            self.assertIn(r.json["code"], (22, 25), (url, r))
            r = self.d.call("cron.add", self.tok, json_body={
                "expression": "@manual", "tasks": [{"action": "http", "payload": url}]},
                method="POST")
            self.assertEnvelope(r, None)
            self.assertIn(r.json["code"], (22, 25), (url, r))
            r = self.d.call("task.add", self.tok, json_body={"job": 1, "action": "http",
                                                             "payload": {"url": url}},
                            method="POST")
            self.assertIn(r.json["code"], (22, 25, 30), (url, r))
            r = self.d.call("account.edit", self.tok, json_body={"notifyUrl": url}, method="POST")
            self.assertEnvelope(r, None, "notifyUrl")
            self.assertIn(r.json["code"], (22, 25), (url, r))
        self.assertNothingStored()
        self.assertEqual(self.ok("account.get", self.tok)["notifyUrl"], "")

    def test_percent_encoded_line_breaks_stay_encoded(self):
        j = self.add(url=self.rx.url("/enc?a=%0D%0AX-Evil:%201"),
                     httpHeaders="X-Fine: %0D%0A").data
        got = self.fire(j, "/enc")
        self.assertEqual(got["path"], "/enc?a=%0D%0AX-Evil:%201")
        self.assertNotIn("X-Evil", got["headers"])
        self.assertEqual(got["headers"]["X-Fine"], "%0D%0A")

    def test_a_secret_cannot_be_a_line_break_in_a_header_by_itself(self):
        """A secret without line breaks reaches the header as it is."""
        self.ok("account.secret", self.tok, {"secret": "plain-secret"})
        j = self.add(httpHeaders="X-Secret: __secret__").data
        got = self.fire(j, "/h")
        self.assertEqual(got["headers"]["X-Secret"], "plain-secret")

    def test_a_secret_with_line_breaks_injects_no_header(self):
        """A secret with line breaks is refused (code 22); and header lines
        are split before __secret__ is expanded, so no secret can become a
        header of its own (this was a bug: Host and X-Webcron-Job could be
        injected)."""
        evil = "s\r\nX-Injected: 1\nHost: evil.example\nX-Webcron-Job: 999"
        r = self.d.call("account.secret", self.tok, {"secret": evil})
        if r.json["code"] != 0:
            self.assertEnvelope(r, 22, "secret")
            return
        j = self.add(httpHeaders="X-Secret: __secret__").data
        got = self.fire(j, "/h")
        self.assertNotIn("X-Injected", got["headers"])
        self.assertEqual(got["headers"]["Host"], "127.0.0.1:%d" % self.rx.port)
        self.assertEqual(got["headers"]["X-Webcron-Job"], str(j["id"]))

    def test_a_user_agent_with_line_breaks_is_refused(self):
        """userAgent with CR/LF is code 22 (this was a bug: it was sent as
        it was, injecting headers)."""
        r = self.add(userAgent="ua\r\nX-Injected: 1")
        if r.json["code"] == 0:
            got = self.fire(r.data, "/h")
            self.assertNotIn("X-Injected", got["headers"])
        self.assertEnvelope(r, 22, "userAgent")

    def test_http_task_headers_are_checked_like_job_headers(self):
        """An http task's payload headers are checked as a job's are: code
        22 for CR/LF, Host, X-Webcron-* (this was a bug: they reached the
        target)."""
        payload = {"url": self.rx.url("/t"), "headers": {"X-A": "1\r\nHost: evil.example"}}
        r = self.d.call("cron.add", self.tok, json_body={
            "expression": "@manual", "tasks": [{"action": "http", "payload": payload}]},
            method="POST")
        if r.json["code"] == 0:
            got = self.fire(r.data, "/t")
            self.assertEqual(got["headers"]["Host"], "127.0.0.1:%d" % self.rx.port)
        self.assertEnvelope(r, 22)

    def test_control_bytes_in_header_values_are_refused(self):
        """A header value holds visible characters, spaces and tabs only
        (RFC 9110): other control bytes are code 22; a tab is fine."""
        self.assertEnvelope(self.add(httpHeaders={"X-Ctl": "a\x01b"}), 22, "httpHeaders")
        self.assertEnvelope(self.add(httpHeaders="X-Del: a\x7fb"), 22, "httpHeaders")
        r = self.add(httpHeaders={"X-Tab": "a\tb"})
        self.assertEqual(r.json["code"], 0, r)
        got = self.fire(r.data, "/h")
        self.assertEqual(got["headers"]["X-Tab"], "a\tb")

    def test_odd_bytes_in_the_api_request_line(self):
        lines = [
            b"GET /api/server.time\x01\x1b[31m?token=%s HTTP/1.1\r\n",
            b"GET /api/server.time?token=%s\x00\x1b HTTP/1.1\r\n",
            b"G\x1bT /api/server.time?token=%s HTTP/1.1\r\n",
            b"GET /api/\xff\xfe.time?token=%s HTTP/1.1\r\n",
            b"GET /api/server.time?token=%s&x=\r\nX-Injected: 1 HTTP/1.1\r\n",
            b"GET /api/server.time?token=%s%%0D%%0AX-Injected:%%201 HTTP/1.1\r\n",
            b"GET /api/server.time?token=%s HTTP/1.1\rX-Evil: 1\r\n",
            b"GET /api/server.time?token=%s HTTP/9.9\r\n",
            b"GET /api/" + b"a" * 10000 + b"?token=%s HTTP/1.1\r\n",
            b"GET /api/server.time?token=%s HTTP/1.1\r\nX-Forwarded-For: \x1b[2J\r\n",
            b"GET /api/server.time?token=%s HTTP/1.1\r\nX-Long: " + b"x" * 10000 + b"\r\n",
        ]
        for line in lines:
            answer = raw_exchange(self.d.port, (line % self.tok.encode()) +
                                  b"Host: x\r\nConnection: close\r\n\r\n", timeout=10)
            head = answer.split(b"\r\n\r\n", 1)[0]
            self.assertNotIn(b"X-Injected", head, line)
            self.assertNotIn(b"X-Evil", head, line)
            if answer:
                self.assertRegex(answer, rb"^HTTP/1\.[01] [1-5]\d\d ", line)
        self.assertServing(self.tok)
        self.assertLogClean()

    def test_parameter_names_with_line_breaks(self):
        for name in ("na%0D%0Ame", "name%0D%0AX-Injected:%201", "%0Aname", "name%00", "%FFname"):
            r = self.d.request("GET", "/api/account.edit?token=%s&%s=zz" % (self.tok, name))
            self.assertTrue(is_utf8(r.raw), r)
            self.assertNotIn("x-injected", r.headers)
            self.assertIn(r.json["code"], (0, 22), r)
        r = self.d.call("account.edit", self.tok, json_body={"na\r\nme": "zz", "name\n": "zz"},
                        method="POST")
        self.assertIn(r.json["code"], (0, 22), r)
        self.assertEqual(self.ok("account.get", self.tok)["name"], "alice")
        self.assertLogClean()


# ------------------------------------------------------------- hostile input

class HostileInput(SecCase):
    def setUp(self):
        super().setUp()
        self.uid, self.tok = self.user("alice")
        self.group = self.ok("group.add", self.tok, {"name": "g"})
        self.job = self.ok("cron.add", self.tok, json_body={
            "url": URL, "expression": "0 0 1 1 *", "name": "keep",
            "tasks": [{"action": "echo", "payload": "p"}]}, method="POST")
        self.before = self.state()

    def state(self):
        jobs = self.ok("cron.list", self.tok)
        for j in jobs:
            for k in VOLATILE:
                j.pop(k, None)
        acct = self.ok("account.get", self.tok)
        return {"jobs": jobs, "groups": self.ok("group.list", self.tok), "account": acct,
                "users": len(self.ok("user.list", self.admin))}

    def assertUnchanged(self, context=""):
        self.assertEqual(self.state(), self.before, context)

    def assertNameRefused(self, enc):
        """cron.edit refuses the job's name ENC (percent-encoded) with code
        22 naming it, in the query string and in a form body alike."""
        r = self.d.request("GET", "/api/cron.edit?token=%s&id=%d&name=%s"
                           % (self.tok, self.job["id"], enc))
        self.assertEnvelope(r, 22, "name")
        r = self.post("cron.edit", ("id=%d&name=%s" % (self.job["id"], enc)).encode(),
                      "application/x-www-form-urlencoded")
        self.assertEnvelope(r, 22, "name")

    def post(self, action, body, ctype="application/json", token=None):
        return self.d.request("POST", "/api/%s?token=%s" % (action, token or self.tok),
                              body=body, headers={"Content-Type": ctype})

    def add_json(self, **fields):
        base = {"url": URL, "expression": "0 0 1 1 *"}
        base.update(fields)
        return base

    def test_invalid_utf8_in_every_kind_of_parameter(self):
        bad = [b"\xff", b"\xfe\xff", b"a\x80b", b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98",
               b"\xc3\x28", b"\xf8\x88\x80\x80\x80", b"\xfc\x84\x80\x80\x80\x80"]
        from urllib.parse import quote_from_bytes
        for raw in bad:
            enc = quote_from_bytes(raw)
            self.assertNameRefused(enc)
            # a JSON string, a JSON key, an array item, a nested value
            for body in (b'{"id":%d,"name":"' % self.job["id"] + raw + b'"}',
                         b'{"id":%d,"' % self.job["id"] + raw + b'":"x"}',
                         b'{"id":%d,"minute":["1","' % self.job["id"] + raw + b'"]}',
                         b'{"id":%d,"httpHeaders":{"X-A":"' % self.job["id"] + raw + b'"}}'):
                r = self.post("cron.edit", body)
                self.assertEnvelope(r, 22)
            # other fields and actions
            r = self.d.request("GET", "/api/group.add?token=%s&name=%s" % (self.tok, enc))
            self.assertEnvelope(r, 22, "name")
            r = self.d.request("GET", "/api/account.secret?token=%s&secret=%s" % (self.tok, enc))
            self.assertEnvelope(r, 22, "secret")
            r = self.d.request("GET", "/api/server.time?token=%s%s" % (self.tok, enc))
            self.assertEnvelope(r, 22, "token")
        self.assertUnchanged()
        self.assertServing(self.tok)
        self.assertLogClean()

    def test_overlong_and_surrogate_sequences_outside_json(self):
        for enc in ("%C0%80", "%C1%BF", "%E0%80%80", "%F0%80%80%80", "%ED%A0%80", "%ED%BF%BF",
                    "%F4%90%80%80", "%F5%80%80%80"):
            self.assertNameRefused(enc)
        self.assertUnchanged()

    def test_overlong_and_surrogate_sequences_in_json(self):
        """yajl checks only the shape of the UTF-8 it reads (it takes
        overlong forms, encoded surrogates and lead bytes F5-F7) and turns a
        lone low-surrogate escape (\\udc00) into the bytes of a surrogate:
        params.c checks every JSON string again, values and keys alike."""
        for raw in (b"\xc0\x80", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf5\x80\x80\x80",
                    b"\\udc00", b"\\udfff", b"\\udc00\\ud800"):
            r = self.post("cron.edit", b'{"id":%d,"name":"' % self.job["id"] + raw + b'"}')
            self.assertTrue(is_utf8(r.raw), r)
            self.assertEnvelope(r, 22, "name")
            r = self.post("cron.edit", b'{"id":%d,"httpHeaders":{"X-' % self.job["id"] + raw +
                          b'":"v"}}')
            self.assertTrue(is_utf8(r.raw), r)
            self.assertEnvelope(r, 22)
        self.assertUnchanged()

    def test_surrogate_escapes_in_json(self):
        # lone high surrogates (yajl writes "?"; yajl also pairs a high one
        # with whatever escape follows: valid UTF-8, if not the character)
        for esc in (b"\\ud800", b"x\\ud83d", b"\\ud800\\u0041", b"\\udbff\\ud800"):
            r = self.post("cron.edit", b'{"id":%d,"name":"' % self.job["id"] + esc + b'"}')
            self.assertTrue(is_utf8(r.raw), r)
            if r.json["code"] == 0:
                self.assertTrue(no_surrogates(r.data["name"]), r)
            else:
                self.assertEnvelope(r, 22)
        # a real pair is a real character
        r = self.post("cron.edit", b'{"id":%d,"name":"\\ud83d\\ude00"}' % self.job["id"])
        self.assertEqual(self.ok("cron.get", self.tok, {"id": self.job["id"]})["name"],
                         "\U0001F600", r)

    def test_nul_bytes(self):
        r = self.d.request("GET", "/api/cron.edit?token=%s&id=%d&name=a%%00b"
                           % (self.tok, self.job["id"]))
        self.assertEnvelope(r, 22, "name")
        r = self.post("cron.edit", b"id=%d&name=a%%00b" % self.job["id"],
                      "application/x-www-form-urlencoded")
        self.assertEnvelope(r, 22, "name")
        r = self.post("cron.edit", b'{"id":%d,"name":"a\\u0000b"}' % self.job["id"])
        self.assertEnvelope(r, 22, "name")
        r = self.post("cron.edit", b'{"id":%d,"postData":"\\u0000"}' % self.job["id"])
        self.assertEnvelope(r, 22, "postData")
        r = self.post("cron.edit", b'{"id":%d,"httpHeaders":{"X-A":"\\u0000"}}' % self.job["id"])
        self.assertEnvelope(r, 22)
        r = self.post("cron.edit", b'{"id":%d,"tasks":[{"action":"echo","payload":"a\\u0000"}]}'
                      % self.job["id"])
        self.assertEnvelope(r, 22)
        # a raw NUL in a JSON body is not JSON
        r = self.post("cron.edit", b'{"id":%d,"name":"a\x00b"}' % self.job["id"])
        self.assertEnvelope(r, 22)
        # a NUL in a name: the name is not one of ours, and is ignored
        r = self.post("cron.edit", b'{"id":%d,"na\\u0000me":"zz"}' % self.job["id"])
        self.assertIn(r.json["code"], (0, 22), r)
        if r.json["code"] == 0:
            # an edit that succeeds stamps updatedAt, even with no field
            # changed; it may have moved on by a second
            self.assertGreaterEqual(r.data["updatedAt"], self.before["jobs"][0]["updatedAt"])
            self.before["jobs"][0]["updatedAt"] = r.data["updatedAt"]
        self.assertUnchanged()
        self.assertLogClean()

    def test_deeply_nested_json(self):
        bodies = [
            b'{"name":' + b"[" * 10000 + b"]" * 10000 + b"}",
            b'{"name":' + b'{"a":' * 8000 + b"1" + b"}" * 8000 + b"}",
            b'{"tasks":' + b"[" * 10000 + b"]" * 10000 + b"}",
            b"[" * 30000 + b"]" * 30000,
            b'{"name":' + b"[" * 30000,
        ]
        for body in bodies:
            self.assertLessEqual(len(body), 64 * 1024)
            t0 = time.monotonic()
            r = self.post("cron.edit", body)
            self.assertLess(time.monotonic() - t0, 5)
            self.assertEnvelope(r, 22)
        # the limit is 32 levels: 31 inside a member is fine, 32 is not
        ok = b'{"x":' + b"[" * 31 + b"]" * 31 + b"}"
        self.assertEqual(self.post("account.get", ok).json["code"], 0)
        deep = b'{"x":' + b"[" * 32 + b"]" * 32 + b"}"
        self.assertEnvelope(self.post("account.get", deep), 22, "x")
        self.assertUnchanged()
        self.assertServing(self.tok)

    def test_too_many_parameters(self):
        limit = header_define("PARAMS_MAX", ("src", "api", "params.h"))
        # token + limit - 1 others: at the limit
        names = ["p%d" % i for i in range(limit - 1)]
        r = self.d.request("GET", "/api/account.get?token=%s&%s" % (
            self.tok, "&".join("%s=1" % n for n in names)))
        self.assertEqual(r.json["code"], 0, r)
        names = ["p%d" % i for i in range(limit)]
        r = self.d.request("GET", "/api/account.get?token=%s&%s" % (
            self.tok, "&".join("%s=1" % n for n in names)))
        self.assertEnvelope(r, 22)
        self.assertIn(str(limit), r.json["message"])
        r = self.post("account.edit", "&".join("%s=1" % n for n in names).encode(),
                      "application/x-www-form-urlencoded")
        self.assertEnvelope(r, 22)
        r = self.post("account.edit", json.dumps({n: 1 for n in names}).encode())
        self.assertEnvelope(r, 22)
        # one name repeated many times is one parameter (a list)
        body = "&".join(["minute=1"] * 7000).encode()
        self.assertLessEqual(len(body), 64 * 1024)
        r = self.post("cron.validate", body, "application/x-www-form-urlencoded")
        self.assertTrue(is_utf8(r.raw), r)
        self.assertIn(r.json["code"], (0, 22, 23), r)
        self.assertUnchanged()
        self.assertServing(self.tok)

    def test_huge_values_for_every_text_field(self):
        big = "x" * (60 * 1024)
        job_fields = {
            "name": big, "description": big, "url": "https://x.example/" + big,
            "httpMethod": big, "httpHeaders": "X-A: " + big, "username": big,
            "password": big, "userAgent": big, "pattern": big, "successCodes": "200," * 15000,
            "timezone": big, "expression": "0 " * 30000, "catchUp": big, "group": big,
            "status": big, "timeout": "9" * 60000, "startsAt": big, "minute": "1," * 30000,
        }
        accepted = {"postData": big}     # 64 KB is its limit
        for field, value in job_fields.items():
            for action, extra in (("cron.add", {}), ("cron.edit", {"id": self.job["id"]})):
                body = self.add_json(**{field: value}) if action == "cron.add" else dict(extra)
                body[field] = value
                raw = json.dumps(body).encode()
                self.assertLessEqual(len(raw), 64 * 1024, field)
                r = self.post(action, raw)
                self.assertEnvelope(r, None, field)
                self.assertIn(r.json["code"], (22, 23, 24, 25), (field, r))
        for field, value in accepted.items():
            r = self.post("cron.add", json.dumps(self.add_json(**{field: value})).encode())
            self.assertEqual(r.json["code"], 0, r)
            self.assertEqual(self.ok("cron.get", self.tok, {"id": r.data["id"]})[field], value)
            self.ok("cron.delete", self.tok, {"id": r.data["id"]})
        others = [
            ("task.add", {"job": self.job["id"], "action": "echo", "payload": big}, "payload"),
            ("task.add", {"job": self.job["id"], "action": big}, "action"),
            ("task.edit", {"id": self.job["tasks"][0]["id"], "payload": big}, "payload"),
            ("group.add", {"name": big}, "name"),
            ("group.edit", {"id": self.group["id"], "description": big}, "description"),
            ("group.lookup", {"name": big}, "name"),
            ("cron.list", {"keyword": big}, "keyword"),
            ("cron.validate", {"expression": "0 " * 30000}, "expression"),
            ("cron.pause", {"id": self.job["id"], "for": big}, "for"),
            ("cron.run", {"id": self.job["id"], "payload": big + big}, None),
            ("account.edit", {"name": big}, "name"),
            ("account.edit", {"email": big + "@x.example"}, "email"),
            ("account.edit", {"timezone": big}, "timezone"),
            ("account.edit", {"notifyUrl": "https://x.example/" + big}, "notifyUrl"),
            ("account.edit", {"notifyEmail": big + "@x.example"}, "notifyEmail"),
            ("account.secret", {"secret": big}, "secret"),
            ("user.add", {"name": big}, "name"),
        ]
        for action, params, field in others:
            token = self.admin if action.startswith("user.") else self.tok
            raw = json.dumps(params).encode()
            r = self.post(action, raw, token=token)
            if len(raw) > 64 * 1024:
                self.assertEnvelope(r, None, http=413)
                continue
            self.assertEnvelope(r, None, field)
            self.assertIn(r.json["code"], (22, 23, 24, 25), (action, field, r))
        # a 60 KB value in the query string: over the header limit
        r = self.d.request("GET", "/api/account.edit?token=%s&name=%s" % (self.tok, big))
        self.assertIn(r.status // 100, (4,), r)
        self.assertUnchanged()
        self.assertServing(self.tok)
        self.assertLogClean()

    def test_body_over_the_limit(self):
        limit = header_define("API_BODY_MAX", ("src", "api", "api.h"))
        body = json.dumps({"name": "x" * limit}).encode()
        r = self.post("account.edit", body)
        self.assertEnvelope(r, 22, http=413)
        self.assertUnchanged()
        self.assertServing(self.tok)


# ----------------------------------------------------------- the flood

class WrongTokenFlood(SecCase):
    """The default rate and burst (10 and 10), behind a trusted proxy on
    127.0.0.1, so that clients can differ by X-Forwarded-For (header text:
    nothing is sent to those addresses)."""
    config = {"server": {"trusted_proxies": "127.0.0.1/32"}}

    def flood(self, n, client):
        t0 = time.monotonic()
        replies = [self.d.call("account.get", "W" * 32, headers={"X-Forwarded-For": client})
                   for _ in range(n)]
        return replies, time.monotonic() - t0

    def test_a_flood_is_slowed_and_other_addresses_are_served(self):
        _, tok = self.user("victim")
        replies, took = self.flood(40, "198.51.100.7")
        wrong = [r for r in replies if r.status == 200]
        refused = [r for r in replies if r.status == 503]
        self.assertEqual(len(wrong) + len(refused), 40, replies)
        # at most the burst plus what the bucket gained meanwhile was judged
        self.assertLessEqual(len(wrong), 10 + int(took * 10) + 1, (len(wrong), took))
        self.assertTrue(all(r.json["code"] == 11 for r in wrong))
        for r in refused:
            self.assertEnvelope(r, 50, http=503)
            self.assertGreaterEqual(int(r.headers["retry-after"]), 1)
        # the flooding address learns nothing, even from a right token
        r = self.d.call("account.get", tok, headers={"X-Forwarded-For": "198.51.100.7"})
        self.assertEnvelope(r, 50, http=503)
        # other addresses, and the proxy's own requests, are served
        self.assertEqual(self.d.call("account.get", tok, headers={
            "X-Forwarded-For": "198.51.100.8"}).json["code"], 0)
        self.assertEqual(self.d.call("account.get", "W" * 32, headers={
            "X-Forwarded-For": "203.0.113.9"}).json["code"], 11)
        self.assertEqual(self.ok("account.get", tok)["name"], "victim")
        # and the flooder gets in again once its bucket refills
        wait_until("the bucket to refill", lambda: self.d.call(
            "account.get", tok, headers={"X-Forwarded-For": "198.51.100.7"}).status == 200,
            timeout=5)

    def test_ipv6_clients_count_per_64(self):
        _, tok = self.user("v6")
        replies, _ = self.flood(11, "2001:db8:1:2::1")
        self.assertEqual(replies[10].status, 503)
        # the same /64 is the same client; the next /64 is another
        r = self.d.call("account.get", tok, headers={"X-Forwarded-For": "2001:db8:1:2::ffff"})
        self.assertEqual(r.status, 503, r)
        r = self.d.call("account.get", tok, headers={"X-Forwarded-For": "2001:db8:1:3::1"})
        self.assertEqual(r.json["code"], 0, r)

    def test_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(self):
        self.d.update({"server": {"trusted_proxies": ""}})
        self.d.stop()
        self.d.start()
        _, tok = self.user("u")
        replies = [self.d.call("account.get", "W" * 32, headers={
            "X-Forwarded-For": "198.51.100.%d" % i}) for i in range(11)]
        self.assertEqual(replies[10].status, 503)
        r = self.d.call("account.get", tok, headers={"X-Forwarded-For": "198.51.100.200"})
        self.assertEqual(r.status, 503, r)


if __name__ == "__main__":
    unittest.main()

"""webcronctl export and import end to end: an account with its groups,
jobs, tasks and job state moves from one running daemon to another with
new ids and nothing lost; its token keeps working; a second import, a
damaged or hand-edited document and a full map create nothing."""
import base64
import copy
import hashlib
import hmac
import json
import os
import subprocess
import time
import unittest

from webcron import WEBCRONCTL, Daemon, Receiver, wait_until

SECRET = "move-me-secret"


def config(**extra):
    c = {"api": {"rate_limit": 100000, "rate_burst": 100000},
         "jobs": {"allowed_targets": "127.0.0.1/32"},
         "task.echo": {"exec": "/bin/cat"}}
    for section, keys in extra.items():
        c.setdefault(section, {}).update(keys)
    return c


def ok(daemon, action, token, params=None, **kw):
    r = daemon.call(action, token, params, **kw)
    if r.json is None or r.json.get("code") != 0:
        raise AssertionError("%s: %r" % (action, r))
    return r.data


def counts(daemon):
    """accounts, jobs, groups and logs from webcronctl stats."""
    out = daemon.ctl("stats").stdout.splitlines()
    return dict((k, int(v)) for k, v in (line.split() for line in out[:4]))


class TransferCase(unittest.TestCase):
    """Daemon A holds the account, built once per class; each test gets
    its own daemon B to import into."""

    @classmethod
    def setUpClass(cls):
        cls.rx = Receiver()
        cls.rx.respond("/fail", 500, b"broken")
        cls.a = Daemon(config())
        try:
            _, cls.a_admin = cls.a.add_user("admin-a", admin=True)
            cls.a.start()
            cls.build_account()
            cls.export_text = cls.a.ctl("export", cls.uid).stdout
            cls.export = json.loads(cls.export_text)
        except Exception:
            cls.a.cleanup()
            cls.rx.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.a.cleanup()
        cls.rx.stop()

    @classmethod
    def build_account(cls):
        a = cls.a
        r = ok(a, "user.add", cls.a_admin, json_body={
            "name": "mover", "email": "mover@example.org", "timezone": "Europe/Berlin",
            "limits": {"maxJobs": 50, "maxTasks": 5, "maxTimeout": 120, "minInterval": 30,
                       "maxConcurrent": 3, "rateLimit": 5000, "dailyExecutions": 1000,
                       "logRetention": 20}}, method="POST")
        cls.uid, cls.tok = r["account"]["id"], r["token"]
        tok = cls.tok
        ok(a, "account.edit", tok, {"notifyUrl": "https://hooks.example/notify",
                                     "notifyEmail": "alerts@example.org"})
        ok(a, "account.secret", tok, {"secret": SECRET})
        groups = [ok(a, "group.add", tok, {"name": "group %d" % i,
                                           "description": "the %d. group" % i})["id"]
                  for i in range(3)]
        now = int(time.time())
        # every schedule is at least half an hour away from now, so that
        # nothing fires on A while the test compares it with B
        m = (time.gmtime(now).tm_min + 30) % 60
        url = cls.rx.url

        def add(**fields):
            fields.setdefault("url", "https://jobs.example/hook")
            fields.setdefault("expression", "%d * * * *" % m)
            return ok(a, "cron.add", tok, json_body=fields, method="POST")["id"]

        add(name="full", description="every field set", group=groups[0], url=url("/full"),
            httpMethod="POST", httpHeaders="X-One: 1\nX-Two: two words",
            postData='{"job":"__cronjob__"}', username="user", password="p@ss word",
            userAgent="agent/1.0", timeout=60, expression="%d 2 * * 1-5" % m,
            timezone="America/New_York", startsAt=now + 3600, expiresAt=now + 30 * 86400,
            failureThreshold=3, notify=1, notifyEvery=2, pattern="ERROR", ignoreHttpStatus=True,
            successCodes="200-299,304", followRedirects=False, sslVerify=False, retries=2,
            retryDelay=10, single=False, instances=3, catchUp="all", startingDeadline=600)
        add(name="tasks only", group=groups[1], url="", expression="%d */2 * * *" % m,
            tasks=[{"action": "echo", "payload": "one", "continueOnFailure": True},
                   {"action": "http", "payload": "https://tasks.example/two", "timeOffset": 5},
                   {"action": "http", "payload": {"url": "https://tasks.example/three",
                                                  "method": "POST", "body": "b"},
                    "timeOffset": 900, "continueOnFailure": False}])
        add(name="url and a task", group=groups[1],
            tasks=[{"action": "echo", "payload": "after", "timeOffset": 1}])
        add(name="manual", expression="@manual")
        add(name="disabled", status=1, group=groups[2])
        paused = add(name="paused", expression="0 %d */3 * * *" % m)
        ok(a, "cron.pause", tok, {"id": paused, "for": "2 hours"})
        add(name="every", expression="@every 90m")
        # two rules, each with a window of its own
        ok(a, "cron.add", tok, json_body={
            "name": "rules", "url": "https://jobs.example/hook", "rules": [
                {"expression": "%d 9 * * MON" % m, "startsAt": now + 86400},
                {"expression": "%d 0 L * *" % m, "startsAt": now + 3600,
                 "expiresAt": now + 90 * 86400}]}, method="POST")
        cls.run_ok = add(name="runs fine", group=groups[2], url=url("/ok"), username="ann",
                         password="s3cret", httpHeaders="X-Moved: yes")
        run_fail = add(name="fails", url=url("/fail"))
        add(name="ungrouped plain", description="ü and ✓ survive")
        for job in (cls.run_ok, run_fail):
            ok(a, "cron.run", tok, {"id": job})
        for job in (cls.run_ok, run_fail):
            wait_until("the run of job %d" % job,
                       lambda: ok(a, "cron.get", tok, {"id": job})["lastStatus"] is not None
                       and not ok(a, "cron.get", tok, {"id": job})["isProcessing"])

    def setUp(self):
        self.b = Daemon(config(**self.b_config()))
        _, self.b_admin = self.b.add_user("admin-b", admin=True)
        self.b.start()
        # an account with a group and a job already there, so that B's ids
        # cannot happen to be A's
        other = ok(self.b, "user.add", self.b_admin, {"name": "other"})
        self.other_tok = other["token"]
        g = ok(self.b, "group.add", self.other_tok, {"name": "g"})
        ok(self.b, "cron.add", self.other_tok, json_body={
            "url": "https://x.example/", "group": g["id"], "expression": "0 4 * * *",
            "tasks": [{"action": "echo", "payload": "b's own"}]}, method="POST")
        self.path = os.path.join(self.b.dir, "account.json")
        self.write(self.export_text)

    def b_config(self):
        return {}

    def tearDown(self):
        self.b.cleanup()

    def write(self, text):
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)

    def import_(self, check=True):
        return self.b.ctl("import", self.path, check=check)

    def refused(self, doc, *words):
        """DOC (an object or text) is refused with a message that holds
        each of WORDS, and nothing is made."""
        before = counts(self.b)
        self.write(doc if isinstance(doc, str) else json.dumps(doc))
        r = self.import_(check=False)
        self.assertEqual(r.returncode, 1, (words, r))
        self.assertEqual(r.stdout, "", words)
        for w in words:
            self.assertIn(w, r.stderr)
        self.assertEqual(counts(self.b), before, words)
        self.assertEqual(self.b.ctl("check").returncode, 0, words)
        self.assertEqual(self.b.call("account.get", self.tok).code, 11, words)

    # -- mapping B's objects back into A's ids

    def listed(self, daemon, token):
        jobs = ok(daemon, "cron.list", token)
        groups = ok(daemon, "group.list", token)
        return jobs, groups

    def mapped(self, b_obj, job_map, group_map, task_map):
        o = copy.deepcopy(b_obj)
        o["id"] = job_map[o["id"]]
        if o.get("group") is not None:
            o["group"] = group_map[o["group"]]
        for t in o.get("tasks", []):
            t["id"] = task_map[t["id"]]
            t["job"] = job_map[t["job"]]
        return o

    def compare_everything(self, new_id):
        a_jobs, a_groups = self.listed(self.a, self.tok)
        b_jobs, b_groups = self.listed(self.b, self.tok)
        self.assertEqual(len(b_jobs), len(a_jobs))
        self.assertEqual(len(b_groups), 3)
        self.assertEqual(len(b_groups), len(a_groups))
        job_map = {b["id"]: a["id"] for a, b in zip(a_jobs, b_jobs)}
        group_map = {b["id"]: a["id"] for a, b in zip(a_groups, b_groups)}
        task_map = {}
        for a, b in zip(a_jobs, b_jobs):
            self.assertEqual(len(a["tasks"]), len(b["tasks"]))
            task_map.update({tb["id"]: ta["id"] for ta, tb in zip(a["tasks"], b["tasks"])})
        # B had objects of its own: every id is new
        for ids in (job_map, group_map, task_map):
            self.assertTrue(all(b != a for b, a in ids.items()), ids)

        # the account: everything but its id and today's executions
        acc_a = ok(self.a, "account.get", self.tok)
        acc_b = ok(self.b, "account.get", self.tok)
        self.assertEqual(acc_b["id"], new_id)
        self.assertEqual(acc_b["usage"]["executionsToday"], 0)   # a new day's count here
        for acc in (acc_a, acc_b):
            del acc["id"], acc["usage"]["executionsToday"]
        self.assertEqual(acc_b, acc_a)
        self.assertEqual(acc_b["usage"]["jobs"], len(a_jobs))
        self.assertTrue(acc_b["hasSecret"])

        # each job, its tasks and each group; nextRun and points may move
        # only if a fire time or an hour passed between the two answers
        for a_job, b_job in zip(a_jobs, b_jobs):
            for attempt in range(3):
                ja = ok(self.a, "cron.get", self.tok, {"id": a_job["id"]})
                jb = self.mapped(ok(self.b, "cron.get", self.tok, {"id": b_job["id"]}),
                                 job_map, group_map, task_map)
                if ja == jb:
                    break
            self.assertEqual(jb, ja)
            ta = ok(self.a, "task.list", self.tok, {"job": a_job["id"]})
            tb = ok(self.b, "task.list", self.tok, {"job": b_job["id"]})
            self.assertEqual(self.mapped({"id": b_job["id"], "tasks": tb}, job_map, group_map,
                                         task_map)["tasks"], ta)
        for a_g, b_g in zip(a_groups, b_groups):
            ga = ok(self.a, "group.get", self.tok, {"id": a_g["id"]})
            gb = ok(self.b, "group.get", self.tok, {"id": b_g["id"]})
            self.assertEqual(group_map[gb.pop("id")], ga.pop("id"))
            self.assertEqual(gb, ga)
        return a_jobs, b_jobs


class Transfer(TransferCase):
    def test_export_holds_every_field(self):
        doc = self.export
        self.assertEqual((doc["format"], doc["version"]), ("webcron-account", 1))
        acc = doc["account"]
        self.assertEqual(acc["secret"], SECRET)
        self.assertEqual(acc["limits"]["minInterval"], 30)
        self.assertEqual(acc["notifyUrl"], "https://hooks.example/notify")
        self.assertRegex(acc["tokenSha256"], "^[0-9a-f]{64}$")
        self.assertEqual(acc["tokenSha256"], hashlib.sha256(self.tok.encode()).hexdigest())
        self.assertEqual(len(doc["groups"]), 3)
        self.assertEqual(len(doc["jobs"]), 11)
        full = doc["jobs"][0]
        self.assertEqual(full["password"], "p@ss word")
        self.assertEqual(full["group"], doc["groups"][0]["id"])
        self.assertEqual(full["catchUp"], "all")
        self.assertEqual(full["timezone"], "America/New_York")
        runs = [j for j in doc["jobs"] if j["name"] == "runs fine"][0]
        self.assertEqual(runs["state"]["runs"], 1)
        self.assertEqual(runs["state"]["lastStatus"], 0)
        fails = [j for j in doc["jobs"] if j["name"] == "fails"][0]
        self.assertEqual((fails["state"]["fail"], fails["state"]["lastStatus"]), (1, 1))
        self.assertEqual([t["timeOffset"] for t in doc["jobs"][1]["tasks"]], [0, 5, 900])
        rules = [j for j in doc["jobs"] if j["name"] == "rules"][0]
        self.assertEqual([r["expression"] for r in rules["rules"]],
                         rules["expression"].split("; "))
        self.assertIsNone(rules["rules"][0]["expiresAt"])
        self.assertEqual(rules["rules"][1]["expiresAt"] - rules["rules"][1]["startsAt"],
                         90 * 86400 - 3600)
        self.assertNotIn("rules", full)     # no rule has bounds of its own
        self.assertEqual(json.loads(doc["jobs"][1]["tasks"][2]["payload"])["method"], "POST")

    def test_round_trip(self):
        before = counts(self.b)
        res = subprocess.run([WEBCRONCTL, "-f", self.b.conf, "import", "-"],
                             input=self.export_text, capture_output=True, text=True, timeout=60)
        self.assertEqual(res.returncode, 0, res)
        lines = res.stdout.strip().splitlines()
        new_id = int(lines[-1])
        self.assertEqual(lines[0], "account %d imported (11 jobs, 3 groups)" % new_id)
        self.assertNotIn("warning", res.stderr)     # B defines task.echo too
        self.assertNotEqual(new_id, self.uid)
        after = counts(self.b)
        self.assertEqual(after["accounts"], before["accounts"] + 1)
        self.assertEqual(after["jobs"], before["jobs"] + 11)
        self.assertEqual(after["groups"], before["groups"] + 3)
        self.assertEqual(after["logs"], before["logs"])     # logs do not move
        check = self.b.ctl("check")
        self.assertIn("0 faults", check.stdout)

        # the token from A works on B and everything reads the same
        a_jobs, b_jobs = self.compare_everything(new_id)

        # exporting it again from B gives the same document but the ids
        again = json.loads(self.b.ctl("export", new_id).stdout)
        self.assertEqual(self.without_ids(again), self.without_ids(self.export))

        # a running daemon schedules the imported jobs once restarted
        info = ok(self.b, "server.info", self.b_admin)
        self.assertEqual(info["scheduled"], 1)
        self.assertEqual(self.b.stop(), 0)
        self.b.start()
        due = sum(1 for j in b_jobs if j["nextRun"] is not None)
        self.assertEqual(ok(self.b, "server.info", self.b_admin)["scheduled"], 1 + due)

        # a run on B sends what the job sent on A: auth, headers, signature
        moved = b_jobs[[j["id"] for j in a_jobs].index(self.run_ok)]
        seen = len(self.rx.hits("/ok"))
        run = ok(self.b, "cron.run", self.tok, {"id": moved["id"]})
        hit = self.rx.wait(seen + 1, "/ok")[-1]
        self.assertEqual(hit["headers"]["Authorization"],
                         "Basic " + base64.b64encode(b"ann:s3cret").decode())
        self.assertEqual(hit["headers"]["X-Moved"], "yes")
        self.assertEqual(hit["headers"]["X-Webcron-Job"], str(moved["id"]))
        sig = dict(p.split("=", 1) for p in hit["headers"]["X-Webcron-Signature"].split(","))
        mac = hmac.new(SECRET.encode(), ("%s." % sig["t"]).encode() + hit["body"], hashlib.sha256)
        self.assertEqual(sig["v1"], mac.hexdigest())
        log = wait_until("the log of the run on B", lambda: ok(
            self.b, "cron.logs", self.tok, {"id": moved["id"]}))[0]
        self.assertEqual(log["id"], run["execution"])
        self.assertEqual(log["no"], 2)      # the run count carried on from A

    def without_ids(self, doc):
        doc = copy.deepcopy(doc)
        del doc["exportedAt"]
        place = {g["id"]: i for i, g in enumerate(doc["groups"])}
        for g in doc["groups"]:
            del g["id"]
        for j in doc["jobs"]:
            del j["id"]
            j["group"] = place.get(j["group"])
            for t in j["tasks"]:
                del t["id"]
        return doc

    def test_second_import_is_refused(self):
        self.import_()
        before = counts(self.b)
        r = self.import_(check=False)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("already in use on this server", r.stderr)
        self.assertIn("tokenSha256", r.stderr)
        self.assertEqual(counts(self.b), before)
        self.assertEqual(self.b.ctl("check").returncode, 0)

    def test_import_into_the_source_is_refused(self):
        before = counts(self.a)
        r = self.a.ctl("import", self.path, check=False)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("already in use", r.stderr)
        self.assertEqual(counts(self.a), before)

    def test_damaged_documents_create_nothing(self):
        doc = self.export
        tasks = [i for i, j in enumerate(doc["jobs"]) if j["tasks"]][0]

        def edit(fn):
            d = copy.deepcopy(doc)
            fn(d)
            return d

        cases = [
            (edit(lambda d: d["jobs"][3].update(expression="61 * * * *")),
             "jobs[3].expression: minute: 61 is out of range 0-59"),
            (edit(lambda d: d["jobs"][2].update(expression="0 0 30 2 *")), "jobs[2].expression"),
            (edit(lambda d: d["jobs"][5].update(timezone="Moon/Base")),
             'jobs[5].timezone: unknown time zone "Moon/Base"'),
            (edit(lambda d: d["account"].update(timezone="Mars/Olympus")), "account.timezone"),
            (edit(lambda d: d.update(version=2)), "version: 2 is not supported"),
            (edit(lambda d: d.update(format="webcron-backup")), "format:"),
            (edit(lambda d: d.pop("format")), "format: missing"),
            (self.export_text[:len(self.export_text) // 2], "not valid JSON"),
            ("", "empty"),
            ("[1, 2]", "not a JSON object"),
            ("[" * 100 + "]" * 100, "deeper"),
            (edit(lambda d: d["jobs"][0].update(pasword="x")), "jobs[0].pasword: unknown field"),
            (edit(lambda d: d["jobs"][0].pop("password")), "jobs[0].password: missing"),
            (edit(lambda d: d["jobs"][0].update(group=987654321)), "jobs[0].group"),
            (edit(lambda d: d["jobs"][0].update(httpHeaders="Host: evil.example")),
             "Host may not be set"),
            (edit(lambda d: d["jobs"][0].update(httpMethod="FETCH")), "jobs[0].httpMethod"),
            (edit(lambda d: d["jobs"][0].update(url="ftp://x.example/")), "jobs[0].url"),
            (edit(lambda d: d["jobs"][0].update(timeout=0)), "jobs[0].timeout"),
            (edit(lambda d: d["jobs"][0].update(status=7)), "jobs[0].status"),
            (edit(lambda d: d["jobs"][0].update(single="yes")), "jobs[0].single"),
            (edit(lambda d: d["jobs"][0].update(name="n" * 256)), "jobs[0].name"),
            (edit(lambda d: d["jobs"][0].update(expiresAt=d["jobs"][0]["startsAt"])),
             "jobs[0].expiresAt"),
            (edit(lambda d: d["jobs"][tasks]["tasks"][0].update(timeOffset=901)),
             "jobs[%d].tasks[0].timeOffset" % tasks),
            (edit(lambda d: d["jobs"][tasks]["tasks"][0].update(action="Bad Class")),
             "jobs[%d].tasks[0].action" % tasks),
            (edit(lambda d: d["jobs"][tasks]["tasks"][1].update(payload="ftp://x/")),
             "jobs[%d].tasks[1].payload" % tasks),
            (edit(lambda d: d["jobs"][-1]["state"].update(lastStatus=99)),
             "jobs[10].state.lastStatus"),
            (edit(lambda d: d["jobs"][-1].update(id=d["jobs"][0]["id"])), "the same id"),
            (edit(lambda d: d["groups"][1].update(name="")), "groups[1].name: must not be empty"),
            (edit(lambda d: d["account"]["limits"].update(maxJobs=-1)),
             "account.limits.maxJobs"),
            (edit(lambda d: d["account"].update(tokenSha256="xyz")), "account.tokenSha256"),
            (edit(lambda d: d["account"].update(email="not an address")), "account.email"),
        ]
        # (no subTest: tap.py reports a test, not its subtests)
        for text, words in cases:
            self.refused(text, words)
        # and the untouched document still goes in
        self.write(self.export_text)
        self.assertEqual(self.import_().returncode, 0)

    def test_import_refuses_what_the_api_refuses(self):
        """The import checks a field's contents with the API's own rules
        (rules.c): values the API refuses, and that an import used to let
        through, are refused by both, naming the field."""
        doc = self.export
        tasks = [i for i, j in enumerate(doc["jobs"]) if j["name"] == "tasks only"][0]
        obj = [k for k, t in enumerate(doc["jobs"][tasks]["tasks"])
               if t["payload"].startswith("{")][0]
        methods = "must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"
        url = "https://tasks.example/three"

        def job(**fields):
            d = copy.deepcopy(doc)
            d["jobs"][0].update(fields)
            return d

        def payload(**fields):
            d = copy.deepcopy(doc)
            t = d["jobs"][tasks]["tasks"][obj]
            p = json.loads(t["payload"])
            p.update(fields)
            t["payload"] = json.dumps(p)
            return d

        where = "jobs[%d].tasks[%d].payload" % (tasks, obj)
        cases = [
            # (document, its message, the same value through the API)
            (job(httpHeaders="X-Ctl: a\x01b"),
             "jobs[0].httpHeaders: the value of X-Ctl contains a control character",
             {"httpHeaders": "X-Ctl: a\x01b"}),
            (job(userAgent="agent\r/1.0"), "jobs[0].userAgent: must not contain control characters",
             {"userAgent": "agent\r/1.0"}),
            (job(username="ann\nX-Evil: 1"), "jobs[0].username: must not contain control characters",
             {"username": "ann\nX-Evil: 1"}),
            (job(password="pw\x1b[2J"), "jobs[0].password: must not contain control characters",
             {"password": "pw\x1b[2J"}),
            (payload(method="BREW"), "%s: method %s" % (where, methods),
             {"tasks": [{"action": "http", "payload": {"url": url, "method": "BREW"}}]}),
            (payload(headers="Host: x"), "%s: headers: Host may not be set by a job" % where,
             {"tasks": [{"action": "http", "payload": {"url": url, "headers": "Host: x"}}]}),
            (payload(headers={"X-A": "1\r\nX-Evil: 2"}),
             "%s: headers: the value of X-A contains a line break" % where,
             {"tasks": [{"action": "http", "payload": {"url": url,
                                                       "headers": {"X-A": "1\r\nX-Evil: 2"}}}]}),
        ]
        for d, message, api in cases:
            self.refused(d, message)
            body = {"url": "https://x.example/", "expression": "0 4 * * *"}
            body.update(api)
            r = self.b.call("cron.add", self.other_tok, json_body=body, method="POST")
            self.assertEqual(r.code, 22, (message, r))
        # the account's secret goes into headers through __secret__
        d = copy.deepcopy(doc)
        d["account"]["secret"] = "s\r\nX-Injected: 1"
        self.refused(d, "account.secret: must not contain control characters")
        r = self.b.call("account.secret", self.other_tok, {"secret": "s\r\nX-Injected: 1"})
        self.assertEqual(r.code, 22, r)
        # a method in any case is kept in its upper-case spelling, as the
        # API keeps it
        self.write(json.dumps(job(httpMethod="patch")))
        new_id = int(self.import_().stdout.strip().splitlines()[-1])
        self.assertEqual(json.loads(self.b.ctl("export", new_id).stdout)["jobs"][0]["httpMethod"],
                         "PATCH")

    def test_undefined_task_class_is_imported_with_a_warning(self):
        """A task class this server does not define is still imported (an
        operator may add it next), and the import says so, once per class."""
        doc = copy.deepcopy(self.export)
        echoes = [(i, k) for i, j in enumerate(doc["jobs"])
                  for k, t in enumerate(j["tasks"]) if t["action"] == "echo"]
        self.assertGreaterEqual(len(echoes), 2)
        for i, k in echoes:
            doc["jobs"][i]["tasks"][k]["action"] = "rsync"
        # this job's only step is then its task (no URL to call)
        doc["jobs"][echoes[-1][0]]["url"] = ""
        name = doc["jobs"][echoes[-1][0]]["name"]
        self.write(json.dumps(doc))
        res = self.import_()
        new_id = int(res.stdout.strip().splitlines()[-1])
        warnings = [l for l in res.stderr.splitlines() if "warning" in l]
        self.assertEqual(len(warnings), 1, res.stderr)
        self.assertIn('tasks of class "rsync"', warnings[0])
        self.assertIn("[task.rsync]", warnings[0])
        got = json.loads(self.b.ctl("export", new_id).stdout)
        self.assertEqual(sum(t["action"] == "rsync" for j in got["jobs"] for t in j["tasks"]),
                         len(echoes))
        # a run says why the task failed (the account's token works on B)
        job = [j for j in ok(self.b, "cron.list", self.tok) if j["name"] == name][0]
        ok(self.b, "cron.run", self.tok, {"id": job["id"]})
        log = wait_until("the run's log", lambda: (ok(self.b, "cron.logs", self.tok,
                                                      {"id": job["id"]}) or [None])[0])
        self.assertEqual(log["tasks"][0]["action"], "rsync")
        self.assertNotEqual(log["tasks"][0]["status"], 0, log)
        self.assertIn('the task class "rsync" is not in this server\'s config',
                      log["tasks"][0]["error"])

    def test_missing_account_and_bad_arguments(self):
        r = self.a.ctl("export", 999999, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertIn("account 999999 not found", r.stderr)
        r = self.a.ctl("export", "abc", check=False)
        self.assertEqual(r.returncode, 1)
        r = self.b.ctl("import", os.path.join(self.b.dir, "nothing-here.json"), check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("No such file", r.stderr)


class FullMap(TransferCase):
    """A document that does not fit: the write transaction fails part way
    through, and nothing of the account is left."""

    def b_config(self):
        return {"server": {"map_size": "1M"}}

    def test_full_map_creates_nothing(self):
        doc = copy.deepcopy(self.export)
        big = doc["jobs"][0]
        for i in range(40):
            j = copy.deepcopy(big)
            j["id"] = 1000000 + i
            j["postData"] = "x" * 60000
            doc["jobs"].append(j)
        before = counts(self.b)
        self.write(json.dumps(doc))
        r = self.import_(check=False)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("storage is full", r.stderr)
        self.assertEqual(counts(self.b), before)
        self.assertEqual(self.b.ctl("check").returncode, 0)
        self.assertEqual(self.b.call("account.get", self.tok).code, 11)
        # the document that fits still goes in afterwards
        self.write(self.export_text)
        self.assertEqual(self.import_().returncode, 0)
        self.assertEqual(self.b.ctl("check").returncode, 0)


if __name__ == "__main__":
    unittest.main()

"""Jobs, tasks and groups end to end: every action of cron (but
run/logs/failures), task and group, their errors and limits, isolation
between accounts, SetCronJob-style clients, and a randomized consistency
check against webcronctl check."""
import json
import random
import time
import unittest

from webcron import DaemonCase

FAST = {"api": {"rate_limit": 100000, "rate_burst": 100000},
        "task.echo": {"exec": "/bin/cat"}}
URL = "https://jobs.example/hook"


class JobCase(DaemonCase):
    """DaemonCase with an account, alice, whose token tok the calls use."""
    config = FAST

    def setUp(self):
        super().setUp()
        self.uid, self.tok = self.user("alice")

    def call(self, action, params=None, token=None, **kw):
        return self.d.call(action, token or self.tok, params, **kw)

    def ok(self, action, params=None, token=None, **kw):
        r = self.call(action, params, token, **kw)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json.get("code"), 0, r)
        return r.data

    def err(self, action, params, code, field=None, token=None, **kw):
        r = self.call(action, params, token, **kw)
        self.assertEqual(r.json["status"], "error", r)
        self.assertEqual(r.json["code"], code, r)
        if field is not None:
            self.assertEqual(r.json.get("field"), field, r)
        return r.json["message"]

    def add(self, **fields):
        params = {"url": URL, "expression": "0 * * * *"}
        params.update(fields)
        return self.ok("cron.add", json_body=params, method="POST")


class Cron(JobCase):
    def test_add_defaults_and_get(self):
        j = self.add(name="hourly")
        self.assertIsInstance(j["id"], int)
        expect = {"name": "hourly", "description": "", "group": None, "url": URL,
                  "httpMethod": "GET", "httpHeaders": "", "postData": "", "username": "",
                  "password": "", "hasPassword": False, "timeout": 30,
                  "expression": "0 * * * *", "timezone": "UTC", "startsAt": None,
                  "expiresAt": None, "status": 0, "fail": 0, "failureThreshold": 10,
                  "notify": 0, "notifyEvery": 1, "pattern": "", "ignoreHttpStatus": False,
                  "successCodes": "200-299", "followRedirects": True, "sslVerify": True,
                  "retries": 0, "retryDelay": 60, "single": True, "instances": 5,
                  "catchUp": "once", "startingDeadline": 3600, "tasks": [], "lastRun": None,
                  "lastStatus": None, "lastDuration": None, "isProcessing": False,
                  "pausedUntil": None, "points": 24}
        for k, v in expect.items():
            self.assertEqual(j[k], v, k)
        self.assertRegex(j["userAgent"], r"^webcron/")
        now = time.time()
        self.assertTrue(now < j["nextRun"] <= now + 3600)
        self.assertEqual(j["nextRun"] % 3600, 0)
        self.assertEqual(j["minute"], [0])
        self.assertEqual(self.ok("cron.get", {"id": j["id"]}), self.ok("cron.get", {"id": j["id"]}))
        g = self.ok("cron.get", {"id": j["id"]})
        self.assertEqual(g["name"], "hourly")
        self.assertEqual([x["id"] for x in self.ok("cron.list")], [j["id"]])
        self.assertEqual(self.ok("account.get")["usage"]["jobs"], 1)

    def test_setcronjob_fields(self):
        r = self.d.request("GET", "/api/cron.add?token=%s&url=%s&minute[]=0&minute[]=30&hour=2"
                           % (self.tok, URL))
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.data["expression"], "0,30 2 * * *")
        self.assertEqual(r.data["minute"], [0, 30])
        self.assertEqual(r.data["hour"], [2])
        j = self.ok("cron.add", {"url": URL, "minute": "5,35", "weekday": "1-5"})
        self.assertEqual(j["expression"], "5,35 * * * 1-5")
        j = self.ok("cron.add", json_body={"url": URL, "second": [10], "minute": [0],
                                           "hour": [9, 17], "weekday": [1, 3]}, method="POST")
        self.assertEqual(j["expression"], "10 0 9,17 * * 1,3")
        self.assertEqual(j["second"], [10])
        self.assertEqual(j["points"] in (0, 2), True)

    def test_aliases(self):
        j = self.ok("cron.add", {"url": URL, "cron_expression": "15 4 * * *", "is_active": "false"})
        self.assertEqual(j["expression"], "15 4 * * *")
        self.assertEqual(j["status"], 1)
        self.assertIsNone(j["nextRun"])
        j = self.ok("cron.edit", {"id": j["id"], "enabled": "true", "day_of_month": "1",
                                  "day_of_week": "mon", "minute": "0", "hour": "3"})
        self.assertEqual(j["expression"], "0 3 1 * 1")
        self.assertEqual(j["status"], 0)

    def test_schedule_errors(self):
        msg = self.err("cron.add", {"url": URL, "expression": "61 * * * *"}, 23, "expression")
        self.assertIn("minute: 61 is out of range 0-59", msg)
        msg = self.err("cron.add", {"url": URL, "minute": "0", "hour": "24"}, 23, "hour")
        self.assertIn("24", msg)
        msg = self.err("cron.add", {"url": URL, "expression": "0 0 30 2 *"}, 23, "expression")
        self.assertIn("never", msg)
        self.err("cron.add", {"url": URL, "expression": "* * *"}, 23, "expression")
        self.err("cron.add", {"url": URL, "expression": "0 * * * *", "minute": "1"}, 22,
                 "expression")
        self.err("cron.add", {"url": URL}, 21, "expression")
        msg = self.err("cron.add", {"url": URL, "minute": "0, 1 5", "hour": "9"}, 23, "minute")
        self.assertIn("blank inside a value", msg)
        grows = ",".join(["0/1"] * 200)     # 799 bytes, 999 once normalized: fits
        self.assertEqual(self.ok("cron.validate", {"expression": grows + " * * * *"})
                         ["expression"], ",".join(["0-59"] * 200) + " * * * *")
        grows = ",".join(["0/1"] * 250)     # 999 bytes, 1249 once normalized
        msg = self.err("cron.add", {"url": URL, "expression": grows + " * * * *"}, 23,
                       "expression")
        self.assertIn("longer than 1024 bytes once normalized", msg)
        self.err("cron.add", {"url": URL, "minute": grows}, 23, "minute")
        self.err("cron.add", {"url": URL, "expression": "0 * * * *", "timezone": "Moon/Base"},
                 24, "timezone")
        self.assertEqual(self.ok("cron.list"), [])

    def test_min_interval(self):
        msg = self.err("cron.add", {"url": URL, "expression": "*/10 * * * * *"}, 22, "expression")
        self.assertIn("minInterval", msg)
        self.ok("user.edit", {"id": self.uid, "minInterval": 5}, token=self.admin)
        j = self.ok("cron.add", {"url": URL, "expression": "*/10 * * * * *"})
        self.assertEqual(j["points"], 8640)

    def test_field_errors_leave_nothing_behind(self):
        cases = [
            ({"url": "ftp://x.example/"}, 25, "url"),
            ({"url": "https://x.example/" + "a" * 2048}, 25, "url"),
            ({"url": "http:///nohost"}, 25, "url"),
            ({"httpMethod": "FETCH"}, 22, "httpMethod"),
            ({"httpHeaders": "X-A: 1\nHost: evil.example"}, 22, "httpHeaders"),
            ({"httpHeaders": "Content-Length: 5"}, 22, "httpHeaders"),
            ({"httpHeaders": "X-A: 1\rX-B: 2"}, 22, "httpHeaders"),
            ({"httpHeaders": "no colon"}, 22, "httpHeaders"),
            ({"timeout": 901}, 22, "timeout"),
            ({"timeout": 0}, 22, "timeout"),
            ({"failureThreshold": 101}, 22, "failureThreshold"),
            ({"retries": 6}, 22, "retries"),
            ({"instances": 0}, 22, "instances"),
            ({"notify": 4}, 22, "notify"),
            ({"catchUp": "sometimes"}, 22, "catchUp"),
            ({"successCodes": "200-700"}, 22, "successCodes"),
            ({"status": 4}, 22, "status"),
            ({"single": "perhaps"}, 22, "single"),
            ({"startsAt": 2000, "expiresAt": 1000}, 22, "expiresAt"),
            ({"name": "n" * 256}, 22, "name"),
            ({"group": 999}, 30, "group"),
            ({"tasks": json.dumps([{"action": "nosuchclass"}])}, 22, "tasks"),
        ]
        for fields, code, field in cases:
            params = {"url": URL, "expression": "0 * * * *"}
            params.update(fields)
            self.err("cron.add", params, code, field)
        self.err("cron.add", {"expression": "0 * * * *"}, 21, "url")
        self.assertEqual(self.ok("cron.list"), [])
        self.assertEqual(self.ok("account.get")["usage"]["jobs"], 0)
        j = self.add(name="keep")
        for fields, code, field in cases:
            self.err("cron.edit", dict(fields, id=j["id"]), code, field)
        self.assertEqual(self.ok("cron.get", {"id": j["id"]}), j | {"updatedAt": j["updatedAt"],
                                                                    "nextRun": j["nextRun"]})

    def test_starts_and_expires_as_iso_dates(self):
        j = self.add(timezone="Europe/Paris", startsAt="2027-05-06",
                     expiresAt="2027-05-06T08:00:00+02:00")
        self.assertEqual(j["startsAt"], 1809554400)      # 2027-05-06T00:00 in Paris (UTC+2)
        self.assertEqual(j["expiresAt"], 1809583200)
        j = self.ok("cron.edit", {"id": j["id"], "expiresAt": "2027-05-07T06:00:00Z"})
        self.assertEqual(j["expiresAt"], 1809669600)
        # without a zone: the job's wall clock; the zone given with it counts
        j = self.add(timezone="America/New_York", startsAt="2027-01-02T09:30")
        self.assertEqual(j["startsAt"], 1798900200)      # 14:30 UTC (EST)
        # Unix seconds as before, given as a number or as text
        self.assertEqual(self.add(startsAt="1809554400")["startsAt"], 1809554400)
        self.assertEqual(self.add(startsAt=1809554400)["startsAt"], 1809554400)
        for bad in ("2027-13-01", "2027-02-30", "06/05/2027", "2027-05-06T25:00", "tomorrow",
                    "2027-05-06T08:00:00+0200x", "2300-01-01"):
            msg = self.err("cron.add", {"url": URL, "expression": "0 * * * *", "startsAt": bad},
                           22, "startsAt")
            self.assertIn("Unix seconds or ISO 8601", msg)
        self.err("cron.add", {"url": URL, "expression": "0 * * * *",
                              "startsAt": "2027-05-06", "expiresAt": "2027-05-05"}, 22, "expiresAt")

    def test_headers_forms(self):
        j = self.add(httpHeaders="X-One: 1\r\nX-Two:  two words ")
        self.assertEqual(j["httpHeaders"], "X-One: 1\nX-Two: two words")
        j = self.ok("cron.add", json_body={"url": URL, "expression": "0 * * * *",
                                           "httpHeaders": {"Authorization": "Bearer x"}},
                    method="POST")
        self.assertEqual(j["httpHeaders"], "Authorization: Bearer x")
        self.err("cron.add", {}, 22, "httpHeaders", json_body={
            "url": URL, "expression": "0 * * * *", "httpHeaders": {"X-A": "a\r\nX-Evil: 1"}},
            method="POST")

    def test_edit_keeps_absent_fields(self):
        j = self.add(name="a", postData='{"k":1}', httpMethod="post", username="u",
                     password="secret-pw", timeout=10, retries=2, pattern="ERR")
        self.assertEqual(j["httpMethod"], "POST")
        self.assertEqual(j["password"], "")
        self.assertTrue(j["hasPassword"])
        self.assertNotIn("secret-pw", json.dumps(self.ok("cron.list")))
        e = self.ok("cron.edit", {"id": j["id"], "name": "b"})
        for k in ("postData", "httpMethod", "username", "hasPassword", "timeout", "retries",
                  "pattern", "expression", "createdAt"):
            self.assertEqual(e[k], j[k], k)
        self.assertEqual(e["name"], "b")
        e = self.ok("cron.edit", {"id": j["id"], "expression": "30 6 * * 1-5",
                                  "timezone": "Europe/Paris", "password": ""})
        self.assertEqual(e["expression"], "30 6 * * 1-5")
        self.assertEqual(e["timezone"], "Europe/Paris")
        self.assertFalse(e["hasPassword"])

    def test_timezone_follows_account(self):
        self.ok("account.edit", {"timezone": "Asia/Kolkata"})
        j = self.add(expression="0 9 * * *")
        self.assertEqual(j["timezone"], "Asia/Kolkata")
        # 09:00 in Kolkata is 03:30 UTC
        self.assertEqual(j["nextRun"] % 86400, 3 * 3600 + 1800)

    def test_delete(self):
        j = self.add(tasks=[{"action": "echo", "payload": "x"}])
        task_id = j["tasks"][0]["id"]
        d = self.ok("cron.delete", {"id": j["id"]})
        self.assertIsNone(d["id"])
        self.assertEqual(d["url"], URL)
        self.err("cron.get", {"id": j["id"]}, 30, "id")
        self.err("task.get", {"id": task_id}, 30, "id")
        self.err("cron.delete", {"id": j["id"]}, 30)
        self.assertEqual(self.ok("account.get")["usage"]["jobs"], 0)
        self.assertEqual(self.d.ctl("check").returncode, 0)

    def test_enable_disable_toggle(self):
        j = self.add()
        self.assertEqual(self.ok("cron.disable", {"id": j["id"]})["status"], 1)
        self.assertIsNone(self.ok("cron.get", {"id": j["id"]})["nextRun"])
        self.assertEqual(self.ok("cron.enable", {"id": j["id"]})["status"], 0)
        self.assertEqual(self.ok("cron.toggle", {"id": j["id"]})["status"], 1)
        self.assertEqual(self.ok("cron.toggle", {"id": j["id"]})["status"], 0)
        self.assertIsNotNone(self.ok("cron.get", {"id": j["id"]})["nextRun"])

    def test_pause(self):
        j = self.add(expression="*/5 * * * *")
        now = int(time.time())
        p = self.ok("cron.pause", {"id": j["id"], "for": "2 hours"})
        self.assertTrue(now + 7200 <= p["pausedUntil"] <= now + 7205)
        self.assertGreaterEqual(p["nextRun"], p["pausedUntil"])
        self.assertEqual(self.ok("cron.pause", {"id": j["id"], "for": "90"})["pausedUntil"]
                         - int(time.time()) in range(85, 95), True)
        p = self.ok("cron.pause", {"id": j["id"], "for": "1 day"})
        self.assertGreaterEqual(p["pausedUntil"], now + 86400)
        self.assertIsNone(self.ok("cron.pause", {"id": j["id"], "for": "0"})["pausedUntil"])
        self.err("cron.pause", {"id": j["id"], "for": "soon"}, 22, "for")
        self.err("cron.pause", {"id": j["id"]}, 21, "for")

    def test_duplicate(self):
        j = self.add(name="orig", tasks=[{"action": "echo", "payload": "p"}])
        c = self.ok("cron.duplicate", {"id": j["id"]})
        self.assertNotEqual(c["id"], j["id"])
        self.assertEqual(c["name"], "Copy of orig")
        self.assertEqual(c["status"], 1)
        self.assertEqual(c["expression"], j["expression"])
        self.assertEqual(len(c["tasks"]), 1)
        self.assertNotEqual(c["tasks"][0]["id"], j["tasks"][0]["id"])
        self.assertEqual(c["tasks"][0]["job"], c["id"])
        long = self.add(name="é" * 127)  # 254 bytes
        copy = self.ok("cron.duplicate", {"id": long["id"]})["name"]
        self.assertTrue(copy.startswith("Copy of é"))
        self.assertLessEqual(len(copy.encode()), 255)

    def test_next_and_upcoming(self):
        j = self.add(expression="0 */6 * * *")
        times = self.ok("cron.next", {"id": j["id"], "count": 4})
        self.assertEqual(len(times), 4)
        self.assertTrue(all(t % 21600 == 0 for t in times))
        self.assertEqual(times, sorted(times))
        self.assertEqual(len(self.ok("cron.next", {"id": j["id"]})), 5)
        self.err("cron.next", {"id": j["id"], "count": 101}, 22, "count")
        k = self.add(expression="30 * * * *")
        self.add(expression="15 * * * *", status=1)
        up = self.ok("cron.upcoming", {"hours": 6})
        self.assertEqual([u["time"] for u in up], sorted(u["time"] for u in up))
        self.assertEqual({u["id"] for u in up}, {j["id"], k["id"]})
        self.assertTrue(all(u["time"] <= time.time() + 6 * 3600 for u in up))
        self.assertEqual(len([u for u in up if u["id"] == k["id"]]), 6)
        self.assertEqual(len(self.ok("cron.upcoming", {"hours": 6, "limit": 3})), 3)
        self.err("cron.upcoming", {"hours": 169}, 22, "hours")

    def test_get_with_next_runs_and_upcoming_expressions(self):
        j = self.add(expression="0 */6 * * *")
        self.assertNotIn("nextRuns", self.ok("cron.get", {"id": j["id"]}))
        g = self.ok("cron.get", {"id": j["id"], "nextRuns": "true"})
        self.assertEqual(g["nextRuns"], self.ok("cron.next", {"id": j["id"]}))
        self.assertEqual(g["nextRuns"][0], g["nextRun"])
        g = self.ok("cron.get", {"id": j["id"], "nextRuns": 50})
        self.assertEqual(g["nextRuns"], self.ok("cron.next", {"id": j["id"], "count": 50}))
        self.assertEqual(len(self.ok("cron.get", {"id": j["id"], "nextRuns": 2})["nextRuns"]), 2)
        self.assertNotIn("nextRuns", self.ok("cron.get", {"id": j["id"], "nextRuns": "false"}))
        self.ok("cron.get", json_body={"id": j["id"], "nextRuns": True}, method="POST")
        self.err("cron.get", {"id": j["id"], "nextRuns": 51}, 22, "nextRuns")
        self.err("cron.get", {"id": j["id"], "nextRuns": "many"}, 22, "nextRuns")
        # an inactive job has no next runs, as it has no nextRun
        self.ok("cron.disable", {"id": j["id"]})
        self.assertEqual(self.ok("cron.get", {"id": j["id"], "nextRuns": 3})["nextRuns"], [])
        self.ok("cron.enable", {"id": j["id"]})
        k = self.add(expression="30 * * * *")
        up = self.ok("cron.upcoming", {"hours": 6})
        exprs = {j["id"]: "0 */6 * * *", k["id"]: "30 * * * *"}
        self.assertTrue(up)
        self.assertTrue(all(u["expression"] == exprs[u["id"]] for u in up), up)

    def test_validate_and_presets(self):
        v = self.ok("cron.validate", {"expression": "30 2 * * *", "timezone": "America/New_York",
                                      "from": 1710043200, "count": 3})
        self.assertEqual(v["nextRuns"], [1710054000, 1710138600, 1710225000])
        self.assertEqual(v["expression"], "30 2 * * *")
        self.assertEqual(v["description"], "At 02:30")
        v = self.ok("cron.validate", {"minute": "*/15", "from": 0, "count": 2})
        self.assertEqual(v["nextRuns"], [900, 1800])
        self.assertIn("15 minutes", v["description"])
        self.err("cron.validate", {"expression": "0 0 30 2 *"}, 23)
        self.err("cron.validate", {"expression": "0 * * * *", "timezone": "No/Where"}, 24)
        self.err("cron.validate", {}, 21, "expression")
        presets = self.ok("cron.presets")
        self.assertGreater(len(presets), 5)
        for p in presets:
            self.assertEqual(set(p), {"name", "expression", "description"})
            self.assertEqual(self.ok("cron.validate", {"expression": p["expression"]})["expression"],
                             p["expression"])
        self.assertEqual(self.ok("cron.list"), [])

    def test_list_filters_and_paging(self):
        g = self.ok("group.add", {"name": "g"})
        ids = [self.add(name="job-" + "abcdefghij"[i], url=URL + "/" + "abcdefghij"[i],
                        group=g["id"] if i % 2 else 0, status=1 if i % 3 == 0 else 0)["id"]
               for i in range(10)]
        self.assertEqual([j["id"] for j in self.ok("cron.list")], ids)
        self.assertEqual([j["id"] for j in self.ok("cron.list", {"limit": 3, "page": 2})], ids[3:6])
        self.assertEqual([j["id"] for j in self.ok("cron.list", {"keyword": "JOB-h"})], [ids[7]])
        self.assertEqual([j["id"] for j in self.ok("cron.list", {"keyword": "hook/e"})], [ids[4]])
        self.assertEqual([j["id"] for j in self.ok("cron.list", {"keyword": str(ids[2])})],
                         [ids[2]])
        self.assertEqual([j["id"] for j in self.ok("cron.list", {"group": g["id"]})], ids[1::2])
        self.assertEqual([j["id"] for j in self.ok("cron.list", {"status": 1})], ids[0::3])
        self.assertEqual(self.ok("cron.list", {"page": 5}), [])

    def test_list_pages_and_cursor(self):
        g = self.ok("group.add", {"name": "pages"})
        ids = [self.add(name="p%d" % i, group=g["id"] if i % 3 else 0,
                        status=1 if i % 4 == 0 else 0)["id"] for i in range(14)]
        gone = (ids[2], ids[7])             # gaps in the ids
        for i in gone:
            self.ok("cron.delete", {"id": i})
            ids.remove(i)
        whole = [j["id"] for j in self.ok("cron.list")]
        self.assertEqual(whole, ids)
        grouped = [j["id"] for j in self.ok("cron.list", {"group": g["id"]})]
        disabled = [j["id"] for j in self.ok("cron.list", {"status": 1})]
        self.assertTrue(grouped and disabled)
        for limit in (1, 3, 4, 12, 13):
            for base, params in ((whole, {}), (grouped, {"group": g["id"]}),
                                 (disabled, {"status": 1})):
                pages = [j["id"] for page in range(1, len(base) // limit + 3)
                         for j in self.ok("cron.list", dict(params, limit=limit, page=page))]
                self.assertEqual(pages, base, (limit, params))
                # the cursor: each page starts after the last id of the one before
                got, after = [], 0
                while True:
                    page = self.ok("cron.list", dict(params, limit=limit, after=after))
                    if not page:
                        break
                    self.assertLessEqual(len(page), limit)
                    got += [j["id"] for j in page]
                    after = page[-1]["id"]
                self.assertEqual(got, base, (limit, params))
        # after and page together: pages of what follows the cursor
        self.assertEqual([j["id"] for j in self.ok("cron.list",
                                                   {"after": ids[3], "limit": 2, "page": 2})],
                         ids[6:8])
        # an id that is gone still places the cursor
        self.assertEqual([j["id"] for j in self.ok("cron.list", {"after": gone[0], "limit": 1})],
                         [i for i in ids if i > gone[0]][:1])
        self.assertEqual(self.ok("cron.list", {"after": ids[-1]}), [])
        self.assertEqual(self.ok("cron.list", {"after": 2 ** 63 - 1}), [])
        self.err("cron.list", {"after": -1}, 22, "after")

    def test_job_limit(self):
        self.ok("user.edit", {"id": self.uid, "maxJobs": 2}, token=self.admin)
        a = self.add()
        self.add()
        msg = self.err("cron.add", {"url": URL, "expression": "0 * * * *"}, 40)
        self.assertIn("maxJobs", msg)
        self.err("cron.duplicate", {"id": a["id"]}, 40)
        self.ok("cron.delete", {"id": a["id"]})
        self.add()

    def test_points(self):
        self.assertEqual(self.add(expression="*/15 * * * *")["points"], 96)
        self.assertEqual(self.add(expression="0 2 * * *")["points"], 1)
        self.ok("user.edit", {"id": self.uid, "minInterval": 1}, token=self.admin)
        self.assertEqual(self.add(expression="* * * * * *")["points"], 86400)

    def test_jobs_survive_restart(self):
        j = self.add(name="persist", tasks=[{"action": "echo", "payload": "z"}])
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        g = self.ok("cron.get", {"id": j["id"]})
        self.assertEqual(g["name"], "persist")
        self.assertEqual(g["tasks"], j["tasks"])

    def test_user_delete_removes_everything(self):
        grp = self.ok("group.add", {"name": "g"})
        for i in range(3):
            self.add(group=grp["id"], tasks=[{"action": "echo", "payload": str(i)}])
        self.ok("user.delete", {"id": self.uid}, token=self.admin)
        stats = self.d.ctl("stats").stdout
        self.assertIn("jobs 0", stats)
        self.assertIn("groups 0", stats)
        self.assertEqual(self.d.ctl("check").returncode, 0)

    def test_as_user(self):
        j = self.ok("cron.add", {"url": URL, "expression": "0 * * * *", "asUser": self.uid},
                    token=self.admin)
        self.assertEqual([x["id"] for x in self.ok("cron.list")], [j["id"]])
        self.assertEqual(self.ok("cron.list", token=self.admin), [])


class Rules(JobCase):
    """Each ';' rule with its own startsAt/expiresAt (the `rules` field)."""

    def windowed(self):
        now = int(time.time())
        day = now - now % 86400
        # rule 1: hourly, only from tomorrow on for two days; rule 2: at
        # minute 30, only until the end of today
        return day, [{"expression": "0 * * * *", "startsAt": day + 86400,
                      "expiresAt": day + 3 * 86400},
                     {"expression": "30 * * * *", "expiresAt": day + 86400 - 1}]

    def test_no_bounds_normalize_to_one_expression(self):
        j = self.add(expression="0 9 * * 1-5; 0 12 * * 0,6")
        self.assertEqual(j["expression"], "0 9 * * 1-5; 0 12 * * 0,6")
        self.assertEqual(j["rules"], [
            {"expression": "0 9 * * 1-5", "startsAt": None, "expiresAt": None},
            {"expression": "0 12 * * 0,6", "startsAt": None, "expiresAt": None}])
        k = self.ok("cron.add", json_body={"url": URL, "rules": [
            {"expression": "0 9 * * mon-fri"}, {"expression": "0 12 * * SUN,SAT",
                                                "startsAt": None}]}, method="POST")
        self.assertEqual(k["expression"], j["expression"])
        self.assertEqual(k["rules"], j["rules"])

    def test_add_get_and_next_runs_respect_each_window(self):
        day, rules = self.windowed()
        j = self.ok("cron.add", json_body={"url": URL, "rules": rules}, method="POST")
        self.assertEqual(j["expression"], "0 * * * *; 30 * * * *")
        self.assertEqual(j["rules"], [
            {"expression": "0 * * * *", "startsAt": day + 86400, "expiresAt": day + 3 * 86400},
            {"expression": "30 * * * *", "startsAt": None, "expiresAt": day + 86400 - 1}])
        g = self.ok("cron.get", {"id": j["id"]})
        self.assertEqual(g["rules"], j["rules"])
        times = self.ok("cron.next", {"id": j["id"], "count": 100})
        now = time.time()
        # minute 30 for the rest of today, then every hour for two days,
        # up to the first rule's expiresAt included; then nothing
        expect = [t for t in range(day + 1800, day + 86400, 3600) if t > now]
        expect += [day + 86400 + 3600 * k for k in range(49)]
        self.assertEqual(times, expect[:100])
        self.assertEqual(g["nextRun"], times[0])
        up = self.ok("cron.upcoming", {"hours": 48})
        self.assertTrue(all((u["time"] % 3600 == 1800) == (u["time"] < day + 86400) for u in up), up)
        last = self.ok("cron.get", {"id": j["id"], "nextRuns": 50})["nextRuns"]
        self.assertEqual(last, times[:50])
        # a form parameter carries the same JSON
        f = self.ok("cron.add", {"url": URL, "rules": json.dumps(rules)})
        self.assertEqual(f["rules"], j["rules"])

    def test_edit_replaces_and_expression_resets(self):
        day, rules = self.windowed()
        j = self.ok("cron.add", json_body={"url": URL, "rules": rules}, method="POST")
        e = self.ok("cron.edit", json_body={"id": j["id"], "rules": [
            {"expression": "15 * * * *", "startsAt": day + 2 * 86400}]}, method="POST")
        self.assertEqual(e["expression"], "15 * * * *")
        self.assertEqual(e["rules"], [{"expression": "15 * * * *", "startsAt": day + 2 * 86400,
                                       "expiresAt": None}])
        self.assertEqual(self.ok("cron.next", {"id": j["id"], "count": 1}), [day + 2 * 86400 + 900])
        # other fields leave the rules alone
        self.assertEqual(self.ok("cron.edit", {"id": j["id"], "name": "x"})["rules"], e["rules"])
        # a new expression has rules without bounds of their own
        x = self.ok("cron.edit", {"id": j["id"], "expression": "0 1 * * *; 0 2 * * *"})
        self.assertEqual([r["startsAt"] for r in x["rules"]], [None, None])

    def test_errors(self):
        self.err("cron.add", {"url": URL, "rules": "[]"}, 22, "rules")
        self.err("cron.add", {"url": URL, "rules": "[{\"startsAt\": 5}]"}, 21, "rules")
        self.err("cron.add", {"url": URL, "expression": "0 * * * *",
                              "rules": "[{\"expression\": \"0 * * * *\"}]"}, 22, "rules")
        self.err("cron.add", {"url": URL, "rules": "[{\"expression\": \"0 1 * * *;0 2 * * *\"}]"},
                 23, "rules")
        self.err("cron.add", {"url": URL, "rules": "[{\"expression\": \"61 * * * *\"}]"}, 23, "rules")
        self.err("cron.add", {"url": URL, "rules": json.dumps(
            [{"expression": "0 * * * *", "startsAt": 2000, "expiresAt": 1000}])}, 22, "rules")
        self.assertEqual(self.ok("cron.list"), [])

    def test_points_follow_each_window(self):
        now = int(time.time())
        day = now - now % 86400
        both = "*/15 * * * *; 0 12 * * *"
        first = self.add(expression=both)
        self.assertEqual(first["points"], 96)  # noon is one of them
        self.assertEqual(self.ok("cron.get", {"id": first["id"]})["points"], 96)
        j = self.ok("cron.add", json_body={"url": URL, "rules": [
            {"expression": "*/15 * * * *", "expiresAt": day + 6 * 3600},
            {"expression": "0 12 * * *"}]}, method="POST")
        self.assertEqual(j["expression"], both)
        self.assertEqual(j["points"], 26)   # 00:00-06:00 every 15 minutes, and noon
        self.assertEqual(self.ok("cron.get", {"id": j["id"]})["points"], 26)

    def test_rules_survive_restart(self):
        day, rules = self.windowed()
        j = self.ok("cron.add", json_body={"url": URL, "rules": rules}, method="POST")
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        g = self.ok("cron.get", {"id": j["id"]})
        self.assertEqual(g["rules"], j["rules"])
        self.assertEqual(g["nextRun"], j["nextRun"])


class Tasks(JobCase):
    def test_tasks_in_order(self):
        j = self.add()
        t1 = self.ok("task.add", {"job": j["id"], "action": "echo", "payload": "one"})
        self.assertEqual(t1["sequence"], 1)
        t2 = self.ok("task.add", {"job": j["id"], "action": "http",
                                  "payload": "https://tasks.example/two", "time_offset": 30,
                                  "continue_on_failure": "true"})
        self.assertEqual((t2["sequence"], t2["timeOffset"], t2["continueOnFailure"]), (2, 30, True))
        t0 = self.ok("task.add", {"job": j["id"], "action": "echo", "payload": "zero",
                                  "sequence": 1})
        order = lambda: [t["id"] for t in self.ok("task.list", {"job": j["id"]})]
        self.assertEqual(order(), [t0["id"], t1["id"], t2["id"]])
        self.assertEqual([t["sequence"] for t in self.ok("task.list", {"job": j["id"]})], [1, 2, 3])
        self.assertEqual(self.ok("task.get", {"id": t1["id"]})["payload"], "one")
        e = self.ok("task.edit", {"id": t0["id"], "sequence": 3, "payload": "last"})
        self.assertEqual((e["sequence"], e["payload"]), (3, "last"))
        self.assertEqual(order(), [t1["id"], t2["id"], t0["id"]])
        d = self.ok("task.delete", {"id": t2["id"]})
        self.assertIsNone(d["id"])
        self.assertEqual(order(), [t1["id"], t0["id"]])
        self.assertEqual([t["sequence"] for t in self.ok("task.list", {"job": j["id"]})], [1, 2])
        self.assertEqual([t["id"] for t in self.ok("cron.get", {"id": j["id"]})["tasks"]], order())
        self.err("task.get", {"id": t2["id"]}, 30)

    def test_task_errors(self):
        j = self.add()
        self.err("task.add", {"job": j["id"], "action": "nosuch"}, 22, "action")
        self.err("task.add", {"job": j["id"], "action": "http", "payload": "ftp://x/"}, 25)
        self.err("task.add", {"job": j["id"], "action": "http", "payload": '{"method":"GET"}'}, 22)
        self.err("task.add", {"job": j["id"], "action": "echo", "timeOffset": 901}, 22, "timeOffset")
        self.err("task.add", {"job": j["id"]}, 21, "action")
        self.err("task.add", {"job": 99999, "action": "echo"}, 30, "job")
        self.err("task.add", {"job": j["id"], "action": "echo", "sequence": 3}, 22, "sequence")
        self.err("task.add", {"job": j["id"], "action": "echo", "payload": "p" * 16385}, 22,
                 method="POST")
        self.assertEqual(self.ok("task.list", {"job": j["id"]}), [])

    def test_http_task_object_payload(self):
        j = self.add()
        t = self.ok("task.add", json_body={"job": j["id"], "action": "http",
                                           "payload": {"url": "https://t.example/", "method": "POST",
                                                       "body": "x"}}, method="POST")
        self.assertEqual(json.loads(t["payload"])["method"], "POST")

    def test_task_limit(self):
        self.ok("user.edit", {"id": self.uid, "maxTasks": 2}, token=self.admin)
        j = self.add()
        self.ok("task.add", {"job": j["id"], "action": "echo"})
        self.ok("task.add", {"job": j["id"], "action": "echo"})
        self.assertIn("maxTasks", self.err("task.add", {"job": j["id"], "action": "echo"}, 40))
        self.err("cron.add", {}, 40, "tasks", json_body={
            "url": URL, "expression": "0 * * * *",
            "tasks": [{"action": "echo"}] * 3}, method="POST")

    def test_tasks_array_replaces(self):
        j = self.add(tasks=[{"action": "echo", "payload": "a"}, {"action": "echo", "payload": "b",
                                                                 "timeOffset": 5}])
        self.assertEqual([(t["sequence"], t["payload"], t["timeOffset"]) for t in j["tasks"]],
                         [(1, "a", 0), (2, "b", 5)])
        e = self.ok("cron.edit", json_body={"id": j["id"], "tasks": [{"action": "echo",
                                                                      "payload": "c"}]},
                    method="POST")
        self.assertEqual([t["payload"] for t in e["tasks"]], ["c"])
        for old in j["tasks"]:
            self.err("task.get", {"id": old["id"]}, 30)
        self.assertEqual(self.d.ctl("check").returncode, 0)

    def test_job_of_only_tasks(self):
        j = self.ok("cron.add", json_body={"expression": "0 * * * *",
                                           "tasks": [{"action": "echo", "payload": "x"}]},
                    method="POST")
        self.assertEqual(j["url"], "")
        self.err("task.delete", {"id": j["tasks"][0]["id"]}, 22)


class Groups(JobCase):
    def test_group_actions(self):
        g = self.ok("group.add", {"name": "nightly", "description": "d"})
        self.assertEqual((g["name"], g["description"], g["jobCount"]), ("nightly", "d", 0))
        jobs = [self.add(group=g["id"])["id"] for _ in range(3)]
        other = self.add()["id"]
        self.assertEqual(self.ok("group.get", {"id": g["id"]})["jobCount"], 3)
        self.assertEqual([x["id"] for x in self.ok("group.items", {"id": g["id"]})], jobs)
        self.assertEqual([x["id"] for x in self.ok("group.lookup", {"name": "nightly"})], [g["id"]])
        self.assertEqual(self.ok("group.lookup", {"name": "night"}), [])
        e = self.ok("group.edit", {"id": g["id"], "name": "renamed"})
        self.assertEqual((e["name"], e["description"], e["jobCount"]), ("renamed", "d", 3))
        self.ok("group.disable", {"id": g["id"]})
        self.assertEqual({x["status"] for x in self.ok("group.items", {"id": g["id"]})}, {1})
        self.assertEqual(self.ok("cron.get", {"id": other})["status"], 0)
        self.ok("group.enable", {"id": g["id"]})
        self.assertEqual({x["status"] for x in self.ok("group.items", {"id": g["id"]})}, {0})
        self.assertEqual([x["id"] for x in self.ok("group.list")], [g["id"]])
        d = self.ok("group.delete", {"id": g["id"]})
        self.assertIsNone(d["id"])
        for jid in jobs:
            self.assertIsNone(self.ok("cron.get", {"id": jid})["group"])
        self.err("group.get", {"id": g["id"]}, 30)
        self.assertEqual(len(self.ok("cron.list")), 4)

    def test_vanish_and_empty(self):
        g1 = self.ok("group.add", {"name": "a"})
        g2 = self.ok("group.add", {"name": "b"})
        for g in (g1, g2):
            for _ in range(2):
                self.add(group=g["id"], tasks=[{"action": "echo"}])
        keep = self.add()["id"]
        e = self.ok("group.empty", {"id": g1["id"]})
        self.assertEqual((e["id"], e["jobCount"]), (g1["id"], 0))
        self.assertEqual(self.ok("group.get", {"id": g1["id"]})["jobCount"], 0)
        v = self.ok("group.vanish", {"id": g2["id"]})
        self.assertIsNone(v["id"])
        self.assertEqual([x["id"] for x in self.ok("cron.list")], [keep])
        self.assertEqual(self.ok("account.get")["usage"]["jobs"], 1)
        self.assertEqual(self.d.ctl("check").returncode, 0)

    def test_group_errors_and_limit(self):
        self.err("group.add", {}, 21, "name")
        self.err("group.add", {"name": ""}, 22, "name")
        self.ok("user.edit", {"id": self.uid, "maxJobs": 2}, token=self.admin)
        self.ok("group.add", {"name": "1"})
        self.ok("group.add", {"name": "2"})
        self.err("group.add", {"name": "3"}, 40)


class Isolation(JobCase):
    def test_other_accounts_ids_read_as_missing(self):
        bob_id, bob = self.user("bob")
        g = self.ok("group.add", {"name": "g"}, token=bob)
        j = self.ok("cron.add", json_body={"url": URL, "expression": "0 * * * *",
                                           "group": g["id"], "tasks": [{"action": "echo"}]},
                    token=bob, method="POST")
        t = j["tasks"][0]["id"]
        matrix = [
            ("cron.get", {"id": j["id"]}), ("cron.edit", {"id": j["id"], "name": "x"}),
            ("cron.delete", {"id": j["id"]}), ("cron.enable", {"id": j["id"]}),
            ("cron.disable", {"id": j["id"]}), ("cron.toggle", {"id": j["id"]}),
            ("cron.pause", {"id": j["id"], "for": "60"}), ("cron.duplicate", {"id": j["id"]}),
            ("cron.next", {"id": j["id"]}),
            ("task.list", {"job": j["id"]}), ("task.get", {"id": t}),
            ("task.add", {"job": j["id"], "action": "echo"}),
            ("task.edit", {"id": t, "payload": "x"}), ("task.delete", {"id": t}),
            ("group.get", {"id": g["id"]}), ("group.edit", {"id": g["id"], "name": "x"}),
            ("group.delete", {"id": g["id"]}), ("group.vanish", {"id": g["id"]}),
            ("group.empty", {"id": g["id"]}), ("group.items", {"id": g["id"]}),
            ("group.enable", {"id": g["id"]}), ("group.disable", {"id": g["id"]}),
            ("cron.add", {"url": URL, "expression": "0 * * * *", "group": g["id"]}),
        ]
        for action, params in matrix:
            mine = self.call(action, params)
            self.assertEqual(mine.json["code"], 30, (action, mine))
            missing = dict(params)
            for k in ("id", "job", "group"):
                if k in missing:
                    missing[k] = 987654
            self.assertEqual(self.call(action, missing).json["code"], 30, action)
        # bob's data is untouched, and alice lists none of it
        self.assertEqual(self.ok("cron.get", {"id": j["id"]}, token=bob), self.ok(
            "cron.get", {"id": j["id"]}, token=bob))
        after = self.ok("cron.get", {"id": j["id"]}, token=bob)
        self.assertEqual((after["name"], after["status"], after["group"], len(after["tasks"])),
                         (j["name"], 0, g["id"], 1))
        self.assertEqual(self.ok("cron.list", {"group": g["id"]}), [])
        self.assertEqual(self.ok("cron.list"), [])
        self.assertEqual(self.ok("group.list"), [])
        self.assertEqual(self.ok("group.lookup", {"name": "g"}), [])
        self.assertEqual(self.ok("cron.upcoming"), [])


class Compatibility(JobCase):
    """The ways SetCronJob clients call the API."""

    def test_setcronjob_style_client(self):
        # GET with query parameters, PHP arrays, lower-cased names
        r = self.d.request("GET", "/api/cron.add?token=%s&url=%s&minute[]=0&minute[]=15"
                           "&hour[]=8&httpmethod=POST&postdata=a%%3D1&notifyevery=3&name=php"
                           % (self.tok, URL))
        self.assertEqual(r.code, 0, r)
        j = r.data
        self.assertEqual((j["expression"], j["httpMethod"], j["postData"], j["notifyEvery"]),
                         ("0,15 8 * * *", "POST", "a=1", 3))
        # a JSON POST with the token in the body
        r = self.d.request("POST", "/api/cron.edit", body=json.dumps(
            {"token": self.tok, "id": j["id"], "name": "json"}),
            headers={"Content-Type": "application/json"})
        self.assertEqual(r.data["name"], "json")
        # form POST
        r = self.d.call("cron.edit", form={"token": self.tok, "id": j["id"], "timeout": "12"},
                        method="POST")
        self.assertEqual(r.data["timeout"], 12)
        # Authorization: Bearer
        r = self.d.call("cron.get", params={"id": j["id"]},
                        headers={"Authorization": "Bearer " + self.tok})
        self.assertEqual(r.data["name"], "json")
        # DELETE with a JSON body
        r = self.d.request("DELETE", "/api/cron.delete", body=json.dumps(
            {"token": self.tok, "id": j["id"]}), headers={"Content-Type": "application/json"})
        self.assertEqual(r.code, 0, r)
        self.assertIsNone(r.data["id"])
        # a comma list
        r = self.d.call("cron.add", self.tok, {"url": URL, "minute": "0,20,40", "hour": "*"})
        self.assertEqual(r.data["expression"], "0,20,40 * * * *")
        # cron-job.org's -1 for "every"
        r = self.d.call("cron.add", self.tok, json_body={"url": URL, "minute": [5], "hour": [-1]},
                        method="POST")
        self.assertEqual(r.data["expression"], "5 * * * *")


class Consistency(JobCase):
    """Random sequences of writes keep every view and every index in step."""

    def test_random_operations(self):
        rnd = random.Random(20261121)
        model = {}      # job id -> {"group": gid or None, "tasks": [task ids]}
        groups = set()
        for step in range(250):
            op = rnd.choice(["add", "add", "edit", "delete", "task_add", "task_move",
                             "task_delete", "group_add", "group_delete", "group_vanish",
                             "regroup", "duplicate"])
            jobs = sorted(model)
            if op == "add" or not jobs and op not in ("group_add",):
                g = rnd.choice(sorted(groups) + [None]) if groups else None
                n = rnd.randint(0, 3)
                j = self.ok("cron.add", json_body={
                    "url": URL, "expression": "%d * * * *" % rnd.randint(0, 59),
                    "group": g or 0, "tasks": [{"action": "echo", "payload": str(i)}
                                               for i in range(n)]}, method="POST")
                model[j["id"]] = {"group": g, "tasks": [t["id"] for t in j["tasks"]]}
            elif op == "edit":
                jid = rnd.choice(jobs)
                self.ok("cron.edit", {"id": jid, "name": "e%d" % step})
            elif op == "delete":
                jid = rnd.choice(jobs)
                self.ok("cron.delete", {"id": jid})
                del model[jid]
            elif op == "task_add":
                jid = rnd.choice(jobs)
                pos = rnd.randint(1, len(model[jid]["tasks"]) + 1)
                t = self.ok("task.add", {"job": jid, "action": "echo", "sequence": pos})
                model[jid]["tasks"].insert(pos - 1, t["id"])
            elif op == "task_move":
                jid = rnd.choice(jobs)
                ts = model[jid]["tasks"]
                if ts:
                    tid = rnd.choice(ts)
                    pos = rnd.randint(1, len(ts))
                    self.ok("task.edit", {"id": tid, "sequence": pos})
                    ts.remove(tid)
                    ts.insert(pos - 1, tid)
            elif op == "task_delete":
                jid = rnd.choice(jobs)
                ts = model[jid]["tasks"]
                if ts:
                    tid = rnd.choice(ts)
                    self.ok("task.delete", {"id": tid})
                    ts.remove(tid)
            elif op == "group_add":
                groups.add(self.ok("group.add", {"name": "g%d" % step})["id"])
            elif op in ("group_delete", "group_vanish") and groups:
                gid = rnd.choice(sorted(groups))
                self.ok("group." + op.split("_")[1], {"id": gid})
                groups.discard(gid)
                for jid in list(model):
                    if model[jid]["group"] == gid:
                        if op == "group_vanish":
                            del model[jid]
                        else:
                            model[jid]["group"] = None
            elif op == "regroup" and groups:
                jid = rnd.choice(jobs)
                g = rnd.choice(sorted(groups) + [None])
                self.ok("cron.edit", {"id": jid, "group": g or "null"})
                model[jid]["group"] = g
            elif op == "duplicate":
                jid = rnd.choice(jobs)
                c = self.ok("cron.duplicate", {"id": jid})
                model[c["id"]] = {"group": model[jid]["group"],
                                  "tasks": [t["id"] for t in c["tasks"]]}
            if step % 50 == 49:
                self.verify(model, groups)
        self.verify(model, groups)
        self.d.stop()
        self.d.start()
        self.verify(model, groups)

    def verify(self, model, groups):
        listed = self.ok("cron.list")
        self.assertEqual([j["id"] for j in listed], sorted(model))
        for j in listed:
            self.assertEqual(j["group"], model[j["id"]]["group"])
            self.assertEqual([t["id"] for t in j["tasks"]], model[j["id"]]["tasks"])
            self.assertEqual([t["id"] for t in self.ok("task.list", {"job": j["id"]})],
                             model[j["id"]]["tasks"])
        self.assertEqual({g["id"] for g in self.ok("group.list")}, groups)
        for gid in groups:
            members = sorted(jid for jid, m in model.items() if m["group"] == gid)
            self.assertEqual([j["id"] for j in self.ok("group.items", {"id": gid})], members)
            self.assertEqual(self.ok("group.get", {"id": gid})["jobCount"], len(members))
        self.assertEqual(self.ok("account.get")["usage"]["jobs"], len(model))
        r = self.d.ctl("check", check=False)
        self.assertEqual(r.returncode, 0, r.stdout)


if __name__ == "__main__":
    unittest.main()

"""The scheduler and executor end to end: jobs fire at their second against
real HTTP servers this test starts on loopback, and their logs, failures,
notices, retries, limits, tasks, overlap rules, restarts and shutdown
behave as SPEC section 4 says."""
import hashlib
import hmac
import json
import os
import re
import signal
import stat
import subprocess
import time
import unittest

from webcron import WEBCROND, Daemon, Listener, Receiver, wait_until

SECRET = "hook-secret"


def config(tmp=None, **extra):
    c = {"api": {"rate_limit": 100000, "rate_burst": 100000},
         "jobs": {"allowed_targets": "127.0.0.1/32"},
         "limits": {"min_interval": 1},
         "server": {"shutdown_grace": 2}}
    for section, keys in extra.items():
        c.setdefault(section, {}).update(keys)
    return c


def verify_signature(headers, body, secret=SECRET):
    sig = headers["X-Webcron-Signature"]
    parts = dict(p.split("=", 1) for p in sig.split(","))
    mac = hmac.new(secret.encode(), ("%s." % parts["t"]).encode() + body, hashlib.sha256)
    return hmac.compare_digest(parts["v1"], mac.hexdigest())


class ExecCase(unittest.TestCase):
    extra = {}

    def setUp(self):
        self.rx = Receiver()
        self.d = Daemon(config(**self.extra))
        self.setup_config()
        _, self.admin = self.d.add_user("admin", admin=True)
        self.d.start()
        r = self.d.call("user.add", self.admin, {"name": "alice"})
        self.uid, self.tok = r.data["account"]["id"], r.data["token"]

    def setup_config(self):
        pass

    def tearDown(self):
        self.d.cleanup()
        self.rx.stop()

    def ok(self, action, params=None, token=None, **kw):
        r = self.d.call(action, token or self.tok, params, **kw)
        self.assertEqual(r.json.get("code"), 0, r)
        return r.data

    def add(self, **fields):
        params = {"url": self.rx.url("/hit"), "expression": "* * * * * *"}
        params.update(fields)
        return self.ok("cron.add", json_body=params, method="POST")

    def logs(self, job, **kw):
        return self.ok("cron.logs", dict(id=job, **kw))

    def wait_logs(self, job, count, pred=lambda l: True, timeout=20):
        return wait_until("%d logs of job %d" % (count, job),
                          lambda: (lambda ls: ls if len(ls) >= count else None)(
                              [l for l in self.logs(job, limit=1000) if pred(l)]), timeout)


class Firing(ExecCase):
    def test_every_second_with_everything_the_receiver_needs(self):
        self.ok("account.secret", {"secret": SECRET})
        j = self.add(httpMethod="POST", postData='{"k":"__cronjob__"}', username="u",
                     password="p w", httpHeaders="X-Custom: yes", userAgent="test-agent/1")
        got = self.rx.wait(3, "/hit")
        times = [int(r["headers"]["X-Webcron-Scheduled-Time"]) for r in got]
        self.assertEqual(times[1] - times[0], 1)
        self.assertEqual(times[2] - times[1], 1)
        for r in got:
            h = r["headers"]
            self.assertEqual(r["method"], "POST")
            self.assertEqual(json.loads(r["body"]), {"k": str(j["id"])})
            self.assertEqual(h["Content-Type"], "application/json")
            self.assertEqual(h["X-Custom"], "yes")
            self.assertEqual(h["User-Agent"], "test-agent/1")
            self.assertEqual(h["Authorization"], "Basic dTpwIHc=")
            self.assertEqual(h["X-Webcron-Job"], str(j["id"]))
            self.assertTrue(verify_signature(h, r["body"]), h)
            # it arrives during its second
            self.assertEqual(int(r["time"]), int(h["X-Webcron-Scheduled-Time"]))
        logs = self.wait_logs(j["id"], 3)
        for l in logs:
            self.assertEqual((l["status"], l["httpStatus"], l["ip"], l["trigger"], l["attempt"]),
                             (0, 200, "127.0.0.1", "schedule", 1))
            self.assertIsInstance(l["jitter"], int)
            self.assertIn("200 OK", l["result"])
            self.assertEqual(l["jobId"], j["id"])
        executions = {r["headers"]["X-Webcron-Execution"] for r in got}
        self.assertEqual(len(executions), len(got))
        self.assertTrue({str(l["id"]) for l in logs} & executions)
        g = self.ok("cron.get", {"id": j["id"]})
        self.assertEqual(g["lastStatus"], 0)
        self.assertIsNotNone(g["lastRun"])
        self.assertGreater(g["nextRun"], g["lastRun"])

    def test_placeholders(self):
        self.ok("account.secret", {"secret": SECRET})
        j = self.add(url=self.rx.url("/p?t=__timestamp__&j=__cronjob__&e=__execution__"),
                     httpHeaders="X-Secret: __secret__")
        r = self.rx.wait(1, "/p")[0]
        q = dict(kv.split("=") for kv in r["path"].split("?")[1].split("&"))
        self.assertEqual(q["j"], str(j["id"]))
        self.assertEqual(q["e"], r["headers"]["X-Webcron-Execution"])
        self.assertLess(abs(int(q["t"]) - r["time"]), 5)
        self.assertEqual(r["headers"]["X-Secret"], SECRET)

    def test_hanging_target_times_out(self):
        self.rx.respond("/hang", delay=None)
        j = self.add(url=self.rx.url("/hang"), expression="@manual", timeout=1)
        self.ok("cron.run", {"id": j["id"]})
        log = self.wait_logs(j["id"], 1)[0]
        self.assertEqual(log["status"], 2)
        self.assertGreaterEqual(log["executionTime"], 1.0)
        self.assertTrue(log["error"])

    def test_pattern_marks_failure(self):
        self.rx.respond("/p", body=b"all good... ERROR: disk full")
        j = self.add(url=self.rx.url("/p"), expression="@manual", pattern="ERROR")
        self.ok("cron.run", {"id": j["id"]})
        self.assertEqual(self.wait_logs(j["id"], 1)[0]["status"], 4)

    def test_success_codes_and_ignore(self):
        self.rx.respond("/r", status=404)
        a = self.add(url=self.rx.url("/r"), expression="@manual")
        b = self.add(url=self.rx.url("/r"), expression="@manual", ignoreHttpStatus=True)
        c = self.add(url=self.rx.url("/r"), expression="@manual", successCodes="200-299,404")
        for j in (a, b, c):
            self.ok("cron.run", {"id": j["id"]})
        self.assertEqual(self.wait_logs(a["id"], 1)[0]["status"], 1)
        self.assertEqual(self.wait_logs(b["id"], 1)[0]["status"], 0)
        self.assertEqual(self.wait_logs(c["id"], 1)[0]["status"], 0)

    def test_connection_refused(self):
        j = self.add(url="http://127.0.0.1:1/x", expression="@manual")
        self.ok("cron.run", {"id": j["id"]})
        self.assertEqual(self.wait_logs(j["id"], 1)[0]["status"], 3)

    def test_poll_a_run_by_its_execution(self):
        self.rx.respond("/slow", delay=1.5)
        j = self.add(url=self.rx.url("/slow"), expression="@manual")
        r = self.ok("cron.run", {"id": j["id"]})
        self.rx.wait(1, "/slow")
        polled = self.ok("cron.log", {"id": j["id"], "execution": r["execution"]})
        self.assertEqual(polled, {"id": r["execution"], "jobId": j["id"], "running": True})
        log = wait_until("the run to finish", lambda: (lambda l: l if "status" in l else None)(
            self.ok("cron.log", {"id": j["id"], "execution": r["execution"]})))
        self.assertEqual((log["id"], log["jobId"], log["status"], log["trigger"]),
                         (r["execution"], j["id"], 0, "manual"))
        self.assertEqual(log, self.logs(j["id"])[0])
        r = self.d.call("cron.log", self.tok, {"id": j["id"], "execution": r["execution"] + 1000})
        self.assertEqual((r.json["code"], r.json["field"]), (30, "execution"))
        r = self.d.call("cron.log", self.tok, {"id": j["id"]})
        self.assertEqual((r.json["code"], r.json["field"]), (21, "execution"))

    def test_manual_run_and_payload(self):
        j = self.add(expression="@manual", httpMethod="PUT", postData="default")
        r = self.ok("cron.run", {"id": j["id"], "payload": "custom body"})
        self.assertLess(abs(r["time"] - time.time()), 5)
        got = self.rx.wait(1, "/hit")[0]
        self.assertEqual(got["body"], b"custom body")
        self.assertEqual(got["headers"]["X-Webcron-Execution"], str(r["execution"]))
        log = self.wait_logs(j["id"], 1)[0]
        self.assertEqual((log["id"], log["trigger"], log["no"]), (r["execution"], "manual", 1))
        # a disabled job runs too when asked
        self.ok("cron.disable", {"id": j["id"]})
        self.ok("cron.run", {"id": j["id"]})
        self.rx.wait(2, "/hit")


class Policy(ExecCase):
    def test_refused_destinations_get_no_packet(self):
        guard = Listener("127.0.0.2")
        try:
            direct = self.add(url="http://127.0.0.2:%d/x" % guard.port, expression="@manual")
            self.rx.respond("/redirect", status=302,
                            headers={"Location": "http://127.0.0.2:%d/y" % guard.port})
            redirect = self.add(url=self.rx.url("/redirect"), expression="@manual")
            decimal = self.add(url="http://2130706434:%d/z" % guard.port, expression="@manual")
            mapped = self.add(url="http://[::ffff:127.0.0.2]:%d/w" % guard.port, expression="@manual")
            for j in (direct, redirect, decimal, mapped):
                self.ok("cron.run", {"id": j["id"]})
            for j in (direct, redirect, decimal, mapped):
                log = self.wait_logs(j["id"], 1)[0]
                self.assertEqual(log["status"], 5, log)
                self.assertIn("127.0.0.2", log["error"])
            self.assertEqual(len(self.rx.hits("/redirect")), 1)
            self.assertEqual(guard.accepted, 0)
        finally:
            guard.stop()

    def test_allowed_target_is_reached(self):
        j = self.add(url="http://localhost:%d/local" % self.rx.port, expression="@manual")
        self.ok("cron.run", {"id": j["id"]})
        self.rx.wait(1, "/local")
        self.assertEqual(self.wait_logs(j["id"], 1)[0]["status"], 0)


class Failures(ExecCase):
    def setUp(self):
        super().setUp()
        self.notices = Receiver()
        self.ok("account.edit", {"notifyUrl": self.notices.url("/notify")})
        self.ok("account.secret", {"secret": SECRET})

    def tearDown(self):
        super().tearDown()
        self.notices.stop()

    def test_failures_count_notify_and_disable(self):
        self.rx.respond("/bad", status=500)
        j = self.add(url=self.rx.url("/bad"), failureThreshold=3, notify=1)
        notices = self.notices.wait(3, "/notify")
        events = [json.loads(n["body"])["event"] for n in notices[:3]]
        self.assertEqual(events, ["failure", "failure", "disabled"])
        for n in notices:
            self.assertTrue(verify_signature(n["headers"], n["body"]))
            body = json.loads(n["body"])
            self.assertEqual(body["job"]["id"], j["id"])
            self.assertEqual(body["execution"]["status"], 1)
        g = wait_until("the job to be disabled",
                       lambda: (lambda g: g if g["status"] == 4 else None)(
                           self.ok("cron.get", {"id": j["id"]})))
        self.assertEqual(g["fail"], 3)
        self.assertIsNone(g["nextRun"])
        fired = len(self.rx.hits("/bad"))
        self.assertEqual(fired, 3)
        failures = self.ok("cron.failures")
        self.assertEqual(len(failures), 3)
        self.assertTrue(all(f["status"] == 1 and f["httpStatus"] == 500 for f in failures))
        # fixed and re-enabled: the next success sends "recovered"
        self.rx.respond("/bad", status=200)
        self.ok("cron.edit", {"id": j["id"], "status": 0, "expression": "@manual"})
        self.assertEqual(self.ok("cron.get", {"id": j["id"]})["fail"], 0)
        self.ok("cron.run", {"id": j["id"]})
        n = self.notices.wait(4, "/notify")[3]
        self.assertEqual(json.loads(n["body"])["event"], "recovered")

    def test_a_notice_waiting_for_its_retry_survives_a_restart(self):
        self.rx.respond("/bad", status=500)
        self.notices.respond("/notify", status=503)
        j = self.add(url=self.rx.url("/bad"), expression="@manual", notify=1)
        self.ok("cron.run", {"id": j["id"]})
        first = self.notices.wait(1, "/notify")[0]
        nid = first["headers"]["X-Webcron-Notice"]
        wait_until("the first attempt to fail",
                   lambda: "notice %s: attempt 1 failed" % nid in self.d.log_text())
        # stopped while the notice waits 5 s for its first retry
        self.assertEqual(self.d.stop(), 0)
        self.assertIn("1 notice not delivered yet, kept for the next start", self.d.log_text())
        self.notices.respond("/notify", status=200)
        self.d.start()
        second = self.notices.wait(2, "/notify", timeout=30)[1]
        self.assertEqual(second["headers"]["X-Webcron-Notice"], nid)
        self.assertEqual(second["body"], first["body"])
        self.assertTrue(verify_signature(second["headers"], second["body"]))
        self.assertGreaterEqual(second["time"] - first["time"], 3.5)   # 5 s, in whole seconds
        # delivered (the receiver has it before the daemon has read the
        # answer: wait for the daemon to know): nothing left to resume at
        # the next start
        wait_until("the delivery to be taken in", lambda: re.search(
            r"(?m)^webcron_notices_pending 0$", self.d.request("GET", "/metrics").raw.decode()))
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        self.ok("cron.get", {"id": j["id"]})
        self.assertNotIn("kept for the next start", self.d.log_text().split("webcrond ready")[-1])
        self.assertEqual(len(self.notices.hits("/notify")), 2)

    def test_notice_by_mail(self):
        mailbox = os.path.join(self.d.dir, "mailbox")
        sendmail = os.path.join(self.d.dir, "sendmail")
        with open(sendmail, "w") as f:
            f.write("#!/bin/sh\n[ \"$1\" = -t ] || exit 9\ncat >> %s\n" % mailbox)
        os.chmod(sendmail, stat.S_IRWXU)
        self.d.update({"jobs": {"sendmail": sendmail + " -t"}})
        self.d.kill(signal.SIGHUP)
        wait_until("the new config", lambda: "applied" in self.d.log_text())
        self.ok("account.edit", {"notifyEmail": "ops@example.org", "notifyUrl": ""})
        self.rx.respond("/bad", status=500)
        j = self.add(url=self.rx.url("/bad"), expression="@manual", notify=1, name="nightly")
        self.ok("cron.run", {"id": j["id"]})
        mail = wait_until("the mail", lambda: os.path.exists(mailbox) and open(mailbox).read())
        self.assertIn("To: ops@example.org", mail)
        self.assertIn("Subject: [webcron] failure: job %d (nightly)" % j["id"], mail)
        self.assertIn("HTTP status: 500", mail)
        self.assertEqual(self.notices.hits("/notify"), [])

    def test_shutdown_with_notices_underway(self):
        """SIGTERM while a webhook notice waits to be retried and a mail
        notice's sendmail still runs: the daemon does not wait for them,
        exits 0 at once, says what it leaves, and frees all of it (a
        sanitizer build's leak check at exit is read by stop())."""
        marker = os.path.join(self.d.dir, "sendmail.pid")
        sendmail = os.path.join(self.d.dir, "sendmail")
        with open(sendmail, "w") as f:
            f.write("#!/bin/sh\ncat > /dev/null\necho $$ > %s.tmp\nmv %s.tmp %s\nexec sleep 30\n"
                    % (marker, marker, marker))
        os.chmod(sendmail, stat.S_IRWXU)
        self.d.update({"jobs": {"sendmail": sendmail}})
        self.d.kill(signal.SIGHUP)
        wait_until("the new config", lambda: "applied" in self.d.log_text())
        self.ok("account.edit", {"notifyEmail": "ops@example.org"})
        self.notices.respond("/notify", status=500)     # retried in 5 s
        self.rx.respond("/bad", status=500)
        j = self.add(url=self.rx.url("/bad"), expression="@manual", notify=1)
        self.ok("cron.run", {"id": j["id"]})
        self.notices.wait(1, "/notify")
        pid = int(wait_until("sendmail to start", lambda: os.path.exists(marker) and
                             open(marker).read().strip()))
        try:
            t0 = time.monotonic()
            self.assertEqual(self.d.stop(), 0)
            self.assertLess(time.monotonic() - t0, 4)
            log = self.d.log_text()
            self.assertIn("notify: 1 notice not delivered yet, kept for the next start", log)
            self.assertIn("task class sendmail: pid %d still runs at exit; it is left to finish"
                          % pid, log)
            os.kill(pid, 0)     # left running, as said
        finally:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def test_notify_every_nth(self):
        self.rx.respond("/bad", status=503)
        j = self.add(url=self.rx.url("/bad"), failureThreshold=0, notify=1, notifyEvery=2,
                     expression="@manual")
        for i in range(4):
            self.ok("cron.run", {"id": j["id"]})
            self.wait_logs(j["id"], i + 1)
        notices = self.notices.wait(2, "/notify")
        self.assertEqual([json.loads(n["body"])["execution"]["no"] for n in notices], [2, 4])

    def test_retries_double_their_delay(self):
        self.rx.respond("/bad", status=500)
        j = self.add(url=self.rx.url("/bad"), expression="@manual", retries=2, retryDelay=1)
        self.ok("cron.run", {"id": j["id"]})
        got = self.rx.wait(3, "/bad", timeout=30)
        self.assertGreaterEqual(got[1]["time"] - got[0]["time"], 0.95)
        self.assertGreaterEqual(got[2]["time"] - got[1]["time"], 1.95)
        logs = self.wait_logs(j["id"], 3)
        self.assertEqual([(l["attempt"], l["trigger"]) for l in logs],
                         [(3, "retry"), (2, "retry"), (1, "manual")])
        g = wait_until("fail to count", lambda: (lambda g: g if g["fail"] == 1 else None)(
            self.ok("cron.get", {"id": j["id"]})))
        self.assertEqual(g["fail"], 1)   # one failed execution, however many attempts


class Egress(ExecCase):
    """[jobs] egress_ipv4: each request of a job (its URL, its http tasks,
    its notices) connects from the same one of the listed addresses, the
    job's id modulo their number; the receiver sees that peer address."""
    EGRESS = ["127.0.0.2", "127.0.0.3"]
    extra = {"jobs": {"egress_ipv4": ", ".join(EGRESS)}}

    def expect(self, job):
        return self.EGRESS[job["id"] % len(self.EGRESS)]

    def test_each_job_connects_from_its_own_address(self):
        notices = Receiver()
        self.addCleanup(notices.stop)
        self.ok("account.edit", {"notifyUrl": notices.url("/notify")})
        self.rx.respond("/b", status=500)
        a = self.add(url=self.rx.url("/a"), expression="@manual", tasks=[
            {"action": "http", "payload": self.rx.url("/a-task")}])
        b = self.add(url=self.rx.url("/b"), expression="@manual", notify=1)
        self.assertNotEqual(self.expect(a), self.expect(b))
        for _ in range(2):
            self.ok("cron.run", {"id": a["id"]})
            self.ok("cron.run", {"id": b["id"]})
            self.wait_logs(a["id"], _ + 1)
            self.wait_logs(b["id"], _ + 1)
        self.rx.wait(2, "/a-task")
        for path, job in (("/a", a), ("/a-task", a), ("/b", b)):
            hits = self.rx.hits(path)
            self.assertEqual(len(hits), 2, path)
            self.assertEqual({h["peer"] for h in hits}, {self.expect(job)}, path)
        n = notices.wait(1, "/notify")
        self.assertEqual({h["peer"] for h in n}, {self.expect(b)})

    def test_reload_with_a_foreign_address_keeps_the_old_ones(self):
        self.d.update({"jobs": {"egress_ipv4": "192.0.2.10"}})
        self.d.kill(signal.SIGHUP)
        wait_until("the reload to be refused",
                   lambda: "egress_ipv4: 192.0.2.10 is not an address of this machine"
                   in self.d.log_text())
        a = self.add(url=self.rx.url("/a"), expression="@manual")
        self.ok("cron.run", {"id": a["id"]})
        self.assertEqual(self.rx.wait(1, "/a")[0]["peer"], self.expect(a))


class EgressRefused(unittest.TestCase):
    def test_an_address_not_of_this_machine_is_fatal(self):
        for key, addr in (("egress_ipv4", "192.0.2.10"), ("egress_ipv6", "2001:db8::10")):
            d = Daemon(config(jobs={key: "127.0.0.1, " + addr if key == "egress_ipv4"
                                    else addr}))
            self.addCleanup(d.cleanup)
            res = subprocess.run([WEBCROND, "-d", "-f", d.conf], capture_output=True,
                                 text=True, timeout=30)
            self.assertEqual(res.returncode, 1, res.stderr)
            self.assertIn("[jobs] %s: %s is not an address of this machine" % (key, addr),
                          res.stderr)
            self.assertFalse(os.path.exists(d.port_file), "it started")


class Tasks(ExecCase):
    def setup_config(self):
        script = os.path.join(self.d.dir, "echo-task")
        with open(script, "w") as f:
            f.write("#!/bin/sh\nprintf 'stdin=%s\\n' \"$(cat)\"\n"
                    "printf 'env=%s\\n' \"$WEBCRON_PAYLOAD\"\n"
                    "echo \"job=$WEBCRON_JOB execution=$WEBCRON_EXECUTION seq=$WEBCRON_TASK_SEQUENCE\"\n")
        os.chmod(script, stat.S_IRWXU)
        slow = os.path.join(self.d.dir, "slow-task")
        with open(slow, "w") as f:
            f.write("#!/bin/sh\necho started\nsleep 30\n")
        os.chmod(slow, stat.S_IRWXU)
        fail = os.path.join(self.d.dir, "fail-task")
        with open(fail, "w") as f:
            f.write("#!/bin/sh\necho oops >&2\nexit 3\n")
        os.chmod(fail, stat.S_IRWXU)
        self.d.update({"task.echo": {"exec": script}, "task.slow": {"exec": slow, "timeout": 1},
                       "task.fail": {"exec": fail}})

    def test_chain_in_order_with_offsets(self):
        self.rx.respond("/c", status=500)
        j = self.add(url=self.rx.url("/a"), expression="@manual", tasks=[
            {"action": "http", "payload": self.rx.url("/b"), "timeOffset": 1},
            {"action": "http", "payload": self.rx.url("/c"), "continueOnFailure": True},
            {"action": "http", "payload": json.dumps({"url": self.rx.url("/d"), "method": "POST",
                                                      "body": {"x": 1}})},
        ])
        self.ok("cron.run", {"id": j["id"]})
        got = self.rx.wait(4)
        self.assertEqual([r["path"] for r in got], ["/a", "/b", "/c", "/d"])
        # the receiver's clock stamps arrivals after parsing: 50 ms of slack
        self.assertGreaterEqual(got[1]["time"] - got[0]["time"], 0.95)
        self.assertEqual((got[3]["method"], json.loads(got[3]["body"])), ("POST", {"x": 1}))
        log = self.wait_logs(j["id"], 1)[0]
        self.assertEqual(log["status"], 7)
        # each step keeps its own reason (1: an HTTP status outside successCodes)
        self.assertEqual([(t["sequence"], t["status"]) for t in log["tasks"]], [(1, 0), (2, 1), (3, 0)])

    def test_failed_step_stops_the_chain(self):
        self.rx.respond("/c", status=500)
        j = self.add(url=self.rx.url("/a"), expression="@manual", tasks=[
            {"action": "http", "payload": self.rx.url("/c")},
            {"action": "http", "payload": self.rx.url("/never")}])
        self.ok("cron.run", {"id": j["id"]})
        log = self.wait_logs(j["id"], 1)[0]
        self.assertEqual(log["status"], 7)
        self.assertEqual(len(log["tasks"]), 1)
        self.assertEqual(self.rx.hits("/never"), [])
        # a failed URL request stops everything after it
        self.rx.respond("/a", status=500)
        self.ok("cron.run", {"id": j["id"]})
        log = self.wait_logs(j["id"], 2)[0]
        self.assertEqual((log["status"], log["tasks"]), (1, []))

    def test_task_class_gets_its_payload(self):
        j = self.ok("cron.add", json_body={"expression": "@manual", "tasks": [
            {"action": "echo", "payload": "hello __cronjob__"}]}, method="POST")
        r = self.ok("cron.run", {"id": j["id"]})
        log = self.wait_logs(j["id"], 1)[0]
        self.assertEqual(log["status"], 0, log)
        t = log["tasks"][0]
        self.assertEqual((t["action"], t["status"]), ("echo", 0))
        self.assertIn("stdin=hello %d\n" % j["id"], t["output"])
        self.assertIn("env=hello %d\n" % j["id"], t["output"])
        self.assertIn("job=%d execution=%d seq=1" % (j["id"], r["execution"]), t["output"])

    def test_task_class_timeout_and_failure(self):
        j = self.ok("cron.add", json_body={"expression": "@manual", "tasks": [
            {"action": "fail", "continueOnFailure": True}, {"action": "slow"}]}, method="POST")
        self.ok("cron.run", {"id": j["id"]})
        log = self.wait_logs(j["id"], 1, timeout=30)[0]
        self.assertEqual(log["status"], 7)
        fail, slow = log["tasks"]
        self.assertEqual(fail["status"], 7)
        self.assertIn("oops", fail["output"])
        self.assertIn("exit status 3", fail["error"])
        self.assertEqual(slow["status"], 2)
        self.assertIn("started", slow["output"])
        self.assertLess(slow["executionTime"], 10)


class Overlap(ExecCase):
    def test_overlapping_fires_are_skipped_and_run_is_31(self):
        self.rx.respond("/slow", delay=2.5)
        j = self.add(url=self.rx.url("/slow"))
        logs = self.wait_logs(j["id"], 2, lambda l: l["status"] == 6, timeout=30)
        self.assertTrue(all(l["error"] for l in logs))
        r = wait_until("a run in progress", lambda: (lambda r: r if r.json["code"] == 31 else None)(
            self.d.call("cron.run", self.tok, {"id": j["id"]})))
        self.assertEqual(r.json["code"], 31)
        self.assertTrue(self.ok("cron.get", {"id": j["id"]})["isProcessing"])
        # while one run lasts, no second request arrives
        starts = sorted(h["time"] for h in self.rx.hits("/slow"))
        self.assertTrue(all(b - a >= 2.4 for a, b in zip(starts, starts[1:])), starts)

    def test_instances_allow_overlap(self):
        self.rx.respond("/slow", delay=2.5)
        j = self.add(url=self.rx.url("/slow"), single=False, instances=3)
        self.rx.wait(3, "/slow")
        self.assertGreaterEqual(self.ok("server.info", token=self.admin)["executionsInFlight"], 2)


class Limits(ExecCase):
    def test_account_concurrency_queues_by_fire_time(self):
        self.ok("user.edit", {"id": self.uid, "maxConcurrent": 1}, token=self.admin)
        self.rx.respond("/slow", delay=1)
        a = self.add(url=self.rx.url("/slow"), expression="@manual")
        b = self.add(url=self.rx.url("/slow"), expression="@manual")
        self.ok("cron.run", {"id": a["id"]})
        self.ok("cron.run", {"id": b["id"]})
        got = self.rx.wait(2, "/slow")
        self.assertGreaterEqual(got[1]["time"] - got[0]["time"], 0.9)
        self.assertEqual(got[0]["headers"]["X-Webcron-Job"], str(a["id"]))

    def test_daily_limit(self):
        self.ok("user.edit", {"id": self.uid, "dailyExecutions": 2}, token=self.admin)
        j = self.add(expression="@manual")
        self.ok("cron.run", {"id": j["id"]})
        self.wait_logs(j["id"], 1)
        self.ok("cron.run", {"id": j["id"]})
        self.wait_logs(j["id"], 2)
        r = self.d.call("cron.run", self.tok, {"id": j["id"]})
        self.assertEqual(r.json["code"], 41, r)
        self.assertEqual(self.ok("cron.get", {"id": j["id"]})["status"], 3)
        self.assertEqual(self.ok("account.get")["usage"]["executionsToday"], 2)

    def test_expires_at(self):
        j = self.add(expiresAt=int(time.time()) + 2)
        g = wait_until("the job to expire", lambda: (lambda g: g if g["status"] == 2 else None)(
            self.ok("cron.get", {"id": j["id"]})))
        self.assertIsNone(g["nextRun"])
        n = len(self.rx.hits("/hit"))
        self.assertGreaterEqual(n, 1)
        self.assertLessEqual(n, 3)

    def test_log_retention(self):
        self.ok("user.edit", {"id": self.uid, "logRetention": 3}, token=self.admin)
        j = self.add()
        self.rx.wait(6, "/hit")
        logs = self.wait_logs(j["id"], 3)
        wait_until("older logs trimmed", lambda: len(self.logs(j["id"])) == 3 and
                   self.logs(j["id"])[0]["no"] >= 5)
        logs = self.logs(j["id"])
        self.assertEqual([l["no"] for l in logs], sorted((l["no"] for l in logs), reverse=True))
        self.assertEqual(logs[0]["no"] - logs[-1]["no"], 2)

    def test_logs_paging(self):
        j = self.add(expression="@manual")
        ids = [self.ok("cron.run", {"id": j["id"]})["execution"] for _ in range(1)]
        for _ in range(4):
            wait_until("the run to end", lambda: not self.ok("cron.get", {"id": j["id"]})["isProcessing"])
            ids.append(self.ok("cron.run", {"id": j["id"]})["execution"])
        self.wait_logs(j["id"], 5)
        page1 = self.logs(j["id"], limit=2)
        self.assertEqual([l["id"] for l in page1], ids[:-3:-1])
        page2 = self.logs(j["id"], limit=2, before=page1[-1]["id"])
        self.assertEqual([l["id"] for l in page2], ids[-3:-5:-1])
        self.assertEqual(self.logs(j["id"], status=1), [])


class Restart(ExecCase):
    extra = {"server": {"shutdown_grace": 1}}

    def test_kill_9_never_fires_an_instant_twice_and_catches_up_once(self):
        jobs = [self.add(url=self.rx.url("/busy"))["id"] for _ in range(20)]
        self.rx.wait(60, "/busy")
        self.d.stop(signal.SIGKILL)
        down = time.time()
        time.sleep(2.5)      # the daemon is down across fire times on purpose
        self.d.start()
        up = time.time()
        wait_until("fires after the restart",
                   lambda: len([h for h in self.rx.hits("/busy") if h["time"] > up + 1.5]) >= 40)
        seen = {}
        for h in self.rx.hits("/busy"):
            key = (h["headers"]["X-Webcron-Job"], h["headers"]["X-Webcron-Scheduled-Time"])
            seen[key] = seen.get(key, 0) + 1
        self.assertEqual([k for k, v in seen.items() if v > 1], [])
        for jid in jobs:
            logs = self.logs(jid, limit=1000)
            catchups = [l for l in logs if l["trigger"] == "catchup"]
            self.assertEqual(len(catchups), 1, (jid, catchups))
            self.assertTrue(down - 1 <= catchups[0]["time"] <= up, catchups[0])
        self.assertEqual(self.d.ctl("check").returncode, 0)

    def test_catch_up_none_and_all(self):
        none = self.add(url=self.rx.url("/none"), expression="*/2 * * * * *", catchUp="none")["id"]
        every = self.add(url=self.rx.url("/all"), expression="*/2 * * * * *", catchUp="all")["id"]
        self.rx.wait(2, "/all")
        self.assertEqual(self.d.stop(), 0)
        time.sleep(4.5)
        self.d.start()
        self.wait_logs(every, 1, lambda l: l["trigger"] == "catchup")
        wait_until("a scheduled fire after the restart",
                   lambda: [l for l in self.logs(none) if l["time"] > time.time() - 2])
        self.assertEqual([l for l in self.logs(none) if l["trigger"] == "catchup"], [])
        caught = [l for l in self.logs(every, limit=1000) if l["trigger"] == "catchup"]
        self.assertGreaterEqual(len(caught), 2)
        times = [l["time"] for l in caught]
        self.assertEqual(len(times), len(set(times)))

    def test_sigterm_cancels_runs_past_the_grace(self):
        self.rx.respond("/hang", delay=None)
        j = self.add(url=self.rx.url("/hang"), expression="@manual", timeout=60)
        self.ok("cron.run", {"id": j["id"]})
        self.rx.wait(1, "/hang")
        t0 = time.time()
        self.assertEqual(self.d.stop(), 0)
        self.assertLess(time.time() - t0, 10)
        self.d.start()
        log = self.logs(j["id"])[0]
        self.assertEqual(log["status"], 8)
        self.assertTrue(log["error"])


if __name__ == "__main__":
    unittest.main()


class CtlWhileRunning(ExecCase):
    """webcronctl changes the store under a running daemon: the daemon
    reschedules the accounts it touched within a second or so."""

    def hits_after(self, t):
        return [h for h in self.rx.hits("/hit") if h["time"] > t]

    def test_suspend_resume_delete_take_effect(self):
        self.add()
        self.rx.wait(2, "/hit")
        self.d.ctl("user", "suspend", self.uid)
        wait_until("the suspension to reach the scheduler",
                   lambda: "account %d was changed by webcronctl" % self.uid in self.d.log_text())
        quiet_from = time.time() + 1.2      # a fire recorded before the reload may still land
        time.sleep(3)
        self.assertEqual(self.hits_after(quiet_from), [])
        self.d.ctl("user", "resume", self.uid)
        resumed = time.time()
        wait_until("fires after the resume", lambda: len(self.hits_after(resumed)) >= 2)
        self.d.ctl("user", "delete", self.uid)
        wait_until("the deletion to reach the scheduler",
                   lambda: self.d.log_text().count("account %d was changed" % self.uid) >= 3)
        quiet_from = time.time() + 1.2
        time.sleep(3)
        self.assertEqual(self.hits_after(quiet_from), [])
        self.assertEqual(self.d.ctl("check").returncode, 0)

"""Failures say why: a run failed by a task carries the task's error up,
the mail notice gives the consecutive failures, a cron.run payload is not
labelled a form, and manual runs stay out of the fire-jitter histogram."""
import json
import os
import re
import signal
import stat
import unittest

import test_executor as te
from webcron import wait_until


class Reasons(te.ExecCase):
    def setup_config(self):
        fail = os.path.join(self.d.dir, "fail-task")
        with open(fail, "w") as f:
            f.write("#!/bin/sh\necho oops >&2\nexit 3\n")
        os.chmod(fail, stat.S_IRWXU)
        self.d.update({"task.fail": {"exec": fail}})

    def test_task_failure_error_reaches_the_run(self):
        j = self.add(url=self.rx.url("/a"), expression="@manual",
                     tasks=[{"action": "fail", "payload": "x"}])
        self.ok("cron.run", {"id": j["id"]})
        log = self.wait_logs(j["id"], 1)[0]
        self.assertEqual(log["status"], 7, log)
        self.assertRegex(log["error"], r"^task 1 \(fail\) failed", log)
        self.assertEqual(log["tasks"][0]["error"] in log["error"], True, log)
        failures = self.ok("cron.failures")
        self.assertEqual(failures[0]["error"], log["error"])

    def test_mail_gives_consecutive_failures(self):
        mailbox = os.path.join(self.d.dir, "mailbox")
        sendmail = os.path.join(self.d.dir, "sendmail")
        with open(sendmail, "w") as f:
            f.write("#!/bin/sh\ncat >> %s\n" % mailbox)
        os.chmod(sendmail, stat.S_IRWXU)
        self.d.update({"jobs": {"sendmail": sendmail}})
        self.d.kill(signal.SIGHUP)
        wait_until("the new config", lambda: "applied" in self.d.log_text())
        self.ok("account.edit", {"notifyEmail": "ops@example.org"})
        self.rx.respond("/bad", status=500)
        j = self.add(url=self.rx.url("/bad"), expression="@manual", notify=1)
        self.ok("cron.run", {"id": j["id"]})
        self.wait_logs(j["id"], 1)
        self.ok("cron.run", {"id": j["id"]})
        mail = wait_until("two mails", lambda: os.path.exists(mailbox) and
                          open(mailbox).read().count("Consecutive failures:") >= 2 and
                          open(mailbox).read())
        self.assertEqual(re.findall(r"Consecutive failures: (\S+)", mail), ["1", "2"])

    def test_run_payload_content_type(self):
        j = self.add(url=self.rx.url("/p"), expression="@manual", httpMethod="POST",
                     single=False)
        self.ok("cron.run", {"id": j["id"], "payload": "hello there"})
        self.ok("cron.run", {"id": j["id"], "payload": '{"a": 1}'})
        hits = self.rx.wait(2, "/p")
        types = sorted(h["headers"].get("Content-Type") for h in hits)
        self.assertEqual(types, ["application/json", "text/plain; charset=utf-8"])
        k = self.add(url=self.rx.url("/q"), expression="@manual", httpMethod="POST",
                     httpHeaders="Content-Type: application/xml")
        self.ok("cron.run", {"id": k["id"], "payload": "<a/>"})
        self.assertEqual(self.rx.wait(1, "/q")[0]["headers"].get("Content-Type"),
                         "application/xml")

    def test_manual_runs_stay_out_of_the_jitter_histogram(self):
        def jitter_count():
            r = self.d.request("GET", "/metrics")
            m = re.search(r"^webcron_execution_jitter_seconds_count (\S+)$",
                          r.raw.decode(), re.M)
            return float(m.group(1))
        j = self.add(expression="@manual", single=False)
        for _ in range(3):
            self.ok("cron.run", {"id": j["id"]})
        self.wait_logs(j["id"], 3)
        self.assertEqual(jitter_count(), 0)
        self.add(expression="* * * * * *")
        wait_until("a scheduled fire counted", lambda: jitter_count() >= 1)


if __name__ == "__main__":
    unittest.main()

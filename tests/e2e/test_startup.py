"""Start-up with many stored jobs: the API and /healthz answer at once,
/healthz says "loading" with the progress while the schedule loads in the
background and "ok" once it is done, and a job due while it loads fires
once. The load reads one job per loop turn here ([server] load_slice = 1)
so that it lasts long enough to be seen whatever the machine."""
import copy
import json
import os
import re
import time
import unittest

from webcron import WEBCROND, Daemon, Receiver, wait_until



def sanitized():
    """1 when webcrond is a sanitizer build (ASan runs it several times
    slower: the store is seeded with fewer jobs, still many loop turns)."""
    with open(WEBCROND, "rb") as f:
        return b"__asan_init" in f.read()


MANY = int(os.environ.get("WEBCRON_STARTUP_JOBS", "20000" if sanitized() else "100000"))


def at(t):
    return "@at " + time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Startup(unittest.TestCase):
    def setUp(self):
        self.rx = Receiver()
        # one job per loop turn: the load is quick enough otherwise to end
        # before the first request arrives, and this test must see it
        self.d = Daemon({"server": {"load_slice": 1},
                         "jobs": {"allowed_targets": "127.0.0.1/32"},
                         "limits": {"max_jobs": MANY + 10, "min_interval": 1}})

    def tearDown(self):
        self.d.cleanup()
        self.rx.stop()

    def doc(self, uid):
        return json.loads(self.d.ctl("export", uid).stdout)

    def import_doc(self, doc, name, jobs=None):
        """Imports DOC; JOBS: the text of its "jobs" array instead."""
        path = os.path.join(self.d.dir, name)
        t = time.monotonic()
        text = json.dumps(doc)
        if jobs is not None:
            text = text.replace('"jobs": []', '"jobs": [' + jobs + ']')
        with open(path, "w") as f:
            f.write(text)
        t1 = time.monotonic()
        self.d.ctl("import", path)
        os.write(1, ("# %s: written in %.1f s, imported in %.1f s\n" % (
            name, t1 - t, time.monotonic() - t1)).encode())

    def test_healthz_loading_then_ok_and_a_due_job_fires_once(self):
        # a job exported once, imported MANY times over (webcronctl import,
        # the quickest way in from here); then one more account whose only job is
        # due about now, read last by the load
        self.d.start()
        uid, tok = self.d.add_user("many")
        self.d.call("cron.add", tok, {"url": self.rx.url("/daily"), "expression": "0 3 * * *"},
                    method="POST")
        self.d.call("cron.add", tok, {"url": self.rx.url("/due"), "expression": "0 3 * * *"},
                    method="POST")
        base = self.doc(uid)
        self.d.stop()
        daily, due = base["jobs"]
        many = copy.deepcopy(base)
        many["account"]["name"] = "many2"
        many["account"]["tokenSha256"] = "%064x" % 1
        many["jobs"] = []
        daily["id"] = 999999999
        one = json.dumps(daily).replace("999999999", "%d")
        self.import_doc(many, "many.json", ",".join(one % (i + 1) for i in range(MANY)))
        last = copy.deepcopy(base)
        last["account"]["name"] = "last"
        last["account"]["tokenSha256"] = "%064x" % 2
        due["expression"] = at(int(time.time()) + 1)
        last["jobs"] = [due]
        self.import_doc(last, "last.json")

        t0 = time.monotonic()
        self.d.start()
        r = self.d.request("GET", "/healthz")
        first = time.monotonic() - t0
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["status"], "loading", r.json)
        self.assertEqual(r.json["total"], MANY + 3, r.json)
        self.assertGreater(r.json["loaded"], 0)
        self.assertLess(r.json["loaded"], r.json["total"])
        sys_note = "# first /healthz %.0f ms after the start: %s\n" % (first * 1000, r.json)
        os.write(1, sys_note.encode())
        # the API answers while it loads
        self.assertEqual(self.d.call("account.get", tok).json["code"], 0)
        seen = []

        def done():
            r = self.d.request("GET", "/healthz")
            seen.append(r.json)
            self.assertEqual(r.status, 200)
            return r.json == {"status": "ok"}
        wait_until("the load to end", done, timeout=120, interval=0.02)
        loading = [s["loaded"] for s in seen if s["status"] == "loading"]
        self.assertEqual(loading, sorted(loading))
        wait_until("the due job's fire", lambda: self.rx.hits("/due"), timeout=30)
        time.sleep(2)
        self.assertEqual(len(self.rx.hits("/due")), 1)
        self.assertEqual(self.rx.hits("/daily"), [])
        # every job loaded: the due one is scheduled, or (when its instant
        # passed before its slice was read) caught up
        m = re.search(r"sched: (\d+) jobs scheduled in [\d.]+ s, (\d+) missed fires",
                      self.d.log_text().split("webcrond ready")[-1])
        self.assertIsNotNone(m, self.d.log_text()[-2000:])
        self.assertIn((int(m.group(1)), int(m.group(2))), ((MANY + 3, 0), (MANY + 2, 1)))
        self.assertEqual(self.d.stop(), 0)


if __name__ == "__main__":
    unittest.main()

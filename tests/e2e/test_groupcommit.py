"""Group commit: concurrent writes are gathered into one synced commit,
each answered only after it; one failing write fails alone; reads are
answered while a commit syncs.

The timing tests slow the disk down: a small preloaded library makes
every fdatasync/fsync take SLOW seconds, so that "while a commit syncs"
is long enough to see from here, whatever the machine's disk."""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from webcron import Daemon, DaemonCase  # noqa: E402

URL = "https://example.com/hook"
SLOW = 0.4
FAST = {"api": {"rate_limit": 100000, "rate_burst": 100000}}

SLOW_SYNC_C = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static void slow(void)
{
	const char *ms = getenv("WEBCRON_TEST_SYNC_MS");
	struct timespec ts = { 0, 0 };
	long v = ms ? atol(ms) : 0;

	ts.tv_sec = v / 1000;
	ts.tv_nsec = (v % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

int fdatasync(int fd)
{
	static int (*real)(int);

	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	slow();
	return real(fd);
}

int fsync(int fd)
{
	static int (*real)(int);

	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	slow();
	return real(fd);
}
"""


def in_threads(n, fn):
    """Runs fn(i) for i in range(n) at once, one thread each; returns the
    results in order (an exception is a result too)."""
    out = [None] * n
    start = threading.Barrier(n)

    def one(i):
        try:
            start.wait()
            out[i] = fn(i)
        except Exception as e:  # noqa: BLE001 - reported by the caller
            out[i] = e
    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    return out


class Concurrent(DaemonCase):
    config = FAST
    def call_on(self, conn, action, params, token):
        return self.d.call(action, token, params, method="POST") if conn is None else \
            self.d.request("POST", "/api/" + action, body=self.form(dict(params, token=token)),
                           headers={"Content-Type": "application/x-www-form-urlencoded"},
                           conn=conn)

    @staticmethod
    def form(params):
        import urllib.parse
        return urllib.parse.urlencode(params).encode()

    def adds(self, token, threads, per_thread):
        def worker(i):
            conn = self.d.connect()
            replies = []
            try:
                for k in range(per_thread):
                    replies.append(self.call_on(conn, "cron.add", {
                        "url": URL + "/%d/%d" % (i, k), "expression": "@manual",
                        "name": "w%d-%d" % (i, k)}, token))
            finally:
                conn.close()
            return replies
        out = in_threads(threads, worker)
        for r in out:
            if isinstance(r, Exception):
                raise r
        return [r for rs in out for r in rs]

    def listed(self, token):
        r = self.d.call("cron.list", token, {"limit": 1000})
        self.assertEqual(r.code, 0, r)
        return {j["id"] for j in r.data}

    def test_200_concurrent_adds_all_commit_and_stay(self):
        uid, tok = self.user("many")
        self.assertEqual(self.d.call("user.edit", self.admin, {"id": uid, "maxJobs": 1000}).code, 0)
        replies = self.adds(tok, 20, 10)
        self.assertEqual(len(replies), 200)
        bad = [r for r in replies if r.code != 0]
        self.assertEqual(bad, [])
        ids = {r.data["id"] for r in replies}
        self.assertEqual(len(ids), 200)
        self.assertEqual(self.listed(tok), ids)
        # acknowledged means on disk: all of them after a restart
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        self.assertEqual(self.listed(tok), ids)
        r = self.d.call("account.get", tok)
        self.assertEqual(r.data["jobs"] if "jobs" in r.data else len(ids), len(ids))
        self.assertEqual(self.d.ctl("check").returncode, 0)

    def test_one_write_past_the_limit_fails_alone(self):
        # maxJobs is checked inside the write's transaction, against the
        # count the writes before it in the same batch left
        uid, tok = self.user("limited")
        self.assertEqual(self.d.call("user.edit", self.admin, {"id": uid, "maxJobs": 25}).code, 0)
        replies = self.adds(tok, 30, 1)
        ok = [r for r in replies if r.code == 0]
        refused = [r for r in replies if r.code != 0]
        self.assertEqual(len(ok), 25, replies)
        self.assertEqual([r.code for r in refused], [40] * 5)
        self.assertEqual(self.listed(tok), {r.data["id"] for r in ok})
        # bad requests mixed with good ones: the good ones commit
        for j in list(self.listed(tok))[:10]:
            self.assertEqual(self.d.call("cron.delete", tok, {"id": j}, method="POST").code, 0)

        def mixed(i):
            conn = self.d.connect()
            try:
                if i % 2:
                    return self.call_on(conn, "cron.edit", {"id": 999999, "name": "x"}, tok)
                return self.call_on(conn, "cron.add", {"url": URL, "expression": "@manual"}, tok)
            finally:
                conn.close()
        out = in_threads(20, mixed)
        self.assertEqual([r.code for r in out[1::2]], [30] * 10)
        self.assertEqual([r.code for r in out[0::2]], [0] * 10)
        self.assertEqual(len(self.listed(tok)), 25)
        self.assertEqual(self.d.ctl("check").returncode, 0)


class SlowDisk(unittest.TestCase):
    """With every sync taking SLOW seconds."""

    @classmethod
    def setUpClass(cls):
        cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
        if cc is None:
            raise unittest.SkipTest("no C compiler for the slow-sync library")
        cls.tmp = tempfile.mkdtemp(prefix="webcron-slowsync-")
        src = os.path.join(cls.tmp, "slowsync.c")
        cls.lib = os.path.join(cls.tmp, "slowsync.so")
        with open(src, "w") as f:
            f.write(SLOW_SYNC_C)
        res = subprocess.run([cc, "-shared", "-fPIC", "-o", cls.lib, src, "-ldl"],
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise unittest.SkipTest("cannot build the slow-sync library: " + res.stderr)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.d = Daemon(FAST)
        self.admin_id, self.admin = self.d.add_user("admin", admin=True)
        _, self.tok = self.d.add_user("u")
        saved = {k: os.environ.get(k) for k in ("LD_PRELOAD", "WEBCRON_TEST_SYNC_MS")}
        pre = self.lib
        if os.environ.get("LD_PRELOAD"):
            pre = os.environ["LD_PRELOAD"] + ":" + pre
        asan = self.asan_runtime()
        if asan:
            pre = asan + ":" + pre	# the sanitizer's runtime must come first
        os.environ["LD_PRELOAD"] = pre
        os.environ["WEBCRON_TEST_SYNC_MS"] = str(int(SLOW * 1000))
        try:
            self.d.start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def tearDown(self):
        self.d.cleanup()

    def asan_runtime(self):
        try:
            out = subprocess.run(["ldd", self.d.webcrond], capture_output=True, text=True).stdout
        except OSError:
            return None
        for line in out.splitlines():
            if "libasan" in line and "=>" in line:
                return line.split("=>")[1].split()[0]
        return None

    def add(self, conn, i):
        import urllib.parse
        body = urllib.parse.urlencode({"token": self.tok, "url": URL, "expression": "@manual",
                                       "name": "n%d" % i}).encode()
        return self.d.request("POST", "/api/cron.add", body=body, conn=conn,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})

    def test_sync_is_slow_here(self):
        # the premise of the tests below: one write takes a slow sync
        t0 = time.monotonic()
        r = self.add(None, 0)
        self.assertEqual(r.code, 0, r)
        self.assertGreaterEqual(time.monotonic() - t0, SLOW)

    def test_reads_are_answered_while_a_commit_syncs(self):
        self.assertEqual(self.add(None, 0).code, 0)
        job = self.d.call("cron.list", self.tok).data[0]["id"]
        result = {}

        def write():
            conn = self.d.connect()
            t0 = time.monotonic()
            result["write"] = self.add(conn, 1)
            result["write_s"] = time.monotonic() - t0
            conn.close()
        w = threading.Thread(target=write)
        w.start()
        time.sleep(SLOW / 4)	# the write is in its sync now
        reads = []
        conn = self.d.connect()
        while w.is_alive() and len(reads) < 50:
            t0 = time.monotonic()
            r = self.d.request("GET", "/api/cron.get?token=%s&id=%d" % (self.tok, job), conn=conn)
            reads.append((r.code, time.monotonic() - t0, w.is_alive()))
        conn.close()
        w.join(30)
        self.assertEqual(result["write"].code, 0, result["write"])
        self.assertGreaterEqual(result["write_s"], SLOW)
        during = [x for x in reads if x[2]]
        self.assertGreater(len(during), 0, reads)
        for code, secs, _ in during:
            self.assertEqual(code, 0)
            self.assertLess(secs, SLOW / 2, reads)

    def test_writes_during_a_sync_share_the_next_one(self):
        n = 24
        t0 = time.monotonic()

        def one(i):
            conn = self.d.connect()
            try:
                return self.add(conn, i)
            finally:
                conn.close()
        out = in_threads(n, one)
        took = time.monotonic() - t0
        for r in out:
            self.assertNotIsInstance(r, Exception)
            self.assertEqual(r.code, 0, r)
        self.assertEqual(len({r.data["id"] for r in out}), n)
        # one commit per write would take n syncs; batched, a few
        self.assertLess(took, n * SLOW / 3, "%d writes took %.2fs" % (n, took))
        self.assertEqual(len(self.d.call("cron.list", self.tok).data), n)


if __name__ == "__main__":
    unittest.main()

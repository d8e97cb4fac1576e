"""Load, short form of tests/load.py: a few hundred kept-alive clients all
answered right; a normal client answered within 100 ms while a few hundred
idle and byte-at-a-time connections are held; idle_timeout closing idle,
kept-alive and too-slow connections; request_timeout closing byte-at-a-time
ones; no spin at the open-file limit; a flood from one token answered 503 /
code 50 while another token is served."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import load  # noqa: E402


class Load(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        load.raise_nofile(1024)
        cls.s = load.Setup(accounts=5)

    @classmethod
    def tearDownClass(cls):
        rc = cls.s.stop()
        assert rc == 0, "webcrond exited %r on SIGTERM" % rc

    def test_kept_alive_clients_all_answered_right(self):
        a = load.clients(self.s, 200, 2)
        sys.stdout.write("# %d clients: %d answers, %.0f/s, p50 %s p99 %s\n" % (
            a["clients"], a["answers"], a["rps"], load.ms(a["p50"]), load.ms(a["p99"])))
        self.assertEqual(a["connected"], 200, a)
        self.assertEqual((a["wrong"], a["refused"], a["reset"], a["closed"], a["timeouts"]),
                         (0, 0, 0, 0, 0), a)
        self.assertEqual(a["ok"], a["answers"])
        self.assertGreaterEqual(a["answers"], 200)

    def test_normal_client_fast_during_slowloris(self):
        b = load.slow_hold(self.s, 150, 150, 3)
        sys.stdout.write("# %d requests during the hold: p50 %s p99 %s max %s\n" % (
            b["requests"], load.ms(b["p50"]), load.ms(b["p99"]), load.ms(b["max"])))
        self.assertEqual(b["open_errors"], 0)
        self.assertGreater(b["requests"], 0)
        self.assertEqual(b["errors"], [])
        self.assertEqual(set(b["codes"]), {0}, b["codes"])
        self.assertEqual(b["over_100ms"], 0, "max %s" % load.ms(b["max"]))
        # idle_timeout is 60 s: nothing was closed during the hold
        self.assertEqual({k: c for k, (h, c) in b["held"].items()},
                         {"idle": 0, "headers@1.0s": 0, "body@1.0s": 0})

    def test_idle_timeout_closes_quiet_connections(self):
        t = load.idle_timeout_closes([("idle", 20, None), ("kept", 20, None),
                                      ("headers", 20, 3.0)], 1, 4)
        for kind in ("idle", "kept", "headers@3.0s"):
            r = t["report"][kind]
            self.assertEqual(r["closed"], r["held"], (kind, r))
            self.assertTrue(0.8 <= r["quiet_to_close"] <= 2.5, (kind, r))
        self.assertEqual(t["exit"], 0)

    def test_request_timeout_closes_dribblers_not_idle_ones(self):
        t = load.idle_timeout_closes([("idle", 10, None), ("kept", 10, None),
                                      ("headers", 10, 0.5), ("body", 10, 0.5)], 60, 5, 2)
        for kind in ("idle", "kept"):
            self.assertEqual(t["report"][kind]["closed"], 0, (kind, t["report"][kind]))
        for kind in ("headers@0.5s", "body@0.5s"):
            r = t["report"][kind]
            self.assertEqual(r["closed"], r["held"], (kind, r))
            self.assertTrue(1.5 <= r["open_to_close"] <= 4.0, (kind, r))
        self.assertEqual(t["exit"], 0)

    def test_out_of_descriptors_no_spin_and_recovers(self):
        e = load.fd_exhaustion(64, 100, 2)
        sys.stdout.write("# at its open-file limit: %.0f%% of a core, %.0f log lines/s\n" % (
            e["cpu_share"] * 100, e["log_lines_per_s"]))
        self.assertLess(e["cpu_share"], 0.3, e)
        self.assertLess(e["log_lines_per_s"], 5, e)
        self.assertIsNotNone(e["served_after"], e)
        self.assertEqual(e["exit"], 0)

    def test_flood_of_one_token_and_another_served(self):
        f = load.flood(self.s, 4, 2)
        sys.stdout.write("# flood: %d answers (%.0f/s), %d 503, %.1f us CPU each; the other "
                         "token: %d requests, p99 %s\n" % (
                             f["answers"], f["rps"], f["limited"], f["cpu_us_per_answer"],
                             f["normal_requests"], load.ms(f["normal_p99"])))
        self.assertEqual((f["wrong"], f["errors"]), (0, 0), f["wrong_examples"])
        self.assertGreater(f["limited"], 0)
        self.assertLessEqual(f["allowed"], load.FLOOD_RATE * (f["seconds"] + 2))
        self.assertGreater(f["normal_requests"], 0)
        self.assertEqual(set(f["normal_codes"]), {0}, f["normal_codes"])
        self.assertEqual(f["normal_errors"], [])


if __name__ == "__main__":
    unittest.main()

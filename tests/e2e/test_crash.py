"""Crash safety, short form: tests/crash.py's run (writers, kill -9,
restart, read back against the model of acknowledged writes, webcronctl
check, no instant fired twice) with 3 rounds; and its checker, which must
tell a half-applied write from a whole one."""
import io
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import crash  # noqa: E402


class CrashRounds(unittest.TestCase):
    def test_three_rounds_of_kill_9_under_writers(self):
        out = io.StringIO()
        rc, run = crash.main(["--rounds", "3"], out=out)
        for line in out.getvalue().splitlines():
            sys.stdout.write("# " + line + "\n")
        self.assertEqual(run.faults, [], out.getvalue())
        self.assertEqual(rc, 0)
        self.assertGreater(run.acked, 0)
        self.assertEqual(run.lost, 3 * run.nwriters)
        self.assertGreater(run.fires, 0)
        self.assertEqual(run.dups, 0)


class Checker(unittest.TestCase):
    """The model comparison that the rounds rely on."""

    def state(self):
        job = {"name": "a", "description": "d", "timeout": 5, "postData": "p",
               "httpHeaders": "X-V: 1", "expression": "0 0 1 6 *", "status": 0, "group": 7,
               "tasks": [(11, "u1", 0), (12, "u2", 1)]}
        return {"jobs": {1: job}, "groups": {7: "g"}}

    def test_edit_is_whole_or_absent(self):
        before = self.state()
        op = {"kind": "edit", "params": {"id": 1, "name": "b", "timeout": 9}}
        after = crash.apply_op(before, op)
        self.assertTrue(crash.same_state(before, before))
        self.assertTrue(crash.same_state(after, after))
        half = crash.copy_state(before)
        half["jobs"][1]["name"] = "b"
        self.assertFalse(crash.same_state(half, before))
        self.assertFalse(crash.same_state(half, after))

    def test_add_with_tasks_must_be_whole(self):
        before = self.state()
        op = {"kind": "add", "params": {"name": "n", "description": "", "timeout": 1,
                                        "postData": "", "httpHeaders": "", "expression": "x",
                                        "status": 1, "group": None,
                                        "tasks": [{"payload": "t", "timeOffset": 0},
                                                  {"payload": "t2", "timeOffset": 1}]}}
        after = crash.apply_op(before, op)
        seen = crash.copy_state(before)
        seen["jobs"][2] = dict(after["jobs"]["?job"], tasks=[(13, "t", 0), (14, "t2", 1)])
        self.assertTrue(crash.same_state(seen, after))
        seen["jobs"][2]["tasks"].pop()
        self.assertFalse(crash.same_state(seen, after))
        self.assertFalse(crash.same_state(seen, before))
        # a new task cannot reuse an existing task's id
        seen["jobs"][2]["tasks"] = [(11, "t", 0), (14, "t2", 1)]
        self.assertFalse(crash.same_state(seen, after))

    def test_task_move_and_group_delete(self):
        before = self.state()
        move = crash.apply_op(before, {"kind": "task_move", "job": 1,
                                       "params": {"id": 12, "sequence": 1, "payload": "m"}})
        self.assertEqual(move["jobs"][1]["tasks"], [(12, "m", 1), (11, "u1", 0)])
        gone = crash.apply_op(before, {"kind": "group_delete", "params": {"id": 7}})
        self.assertEqual((gone["groups"], gone["jobs"][1]["group"]), ({}, None))
        half = crash.copy_state(before)
        del half["groups"][7]       # the group went, but its job still names it
        self.assertFalse(crash.same_state(half, before))
        self.assertFalse(crash.same_state(half, gone))


if __name__ == "__main__":
    unittest.main()

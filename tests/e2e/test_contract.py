"""The contract's codes and envelope where they were found wanting: URL
length is code 25, a task's bad action is blamed on `action`, every answer
(odd methods, huge bodies included) is the JSON envelope, scalars are not
taken from one-element arrays, and unknown parameters are named in
`warnings` or, with strictParams, refused."""
import email.utils
import json
import socket
import time
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


def split_answer(answer):
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return lines[0], headers, body


class Envelope(ContractCase):
    def test_date_header_is_http_date_of_now(self):
        # webcrond writes the Date header itself (made once a second): it
        # is an RFC 9110 IMF-fixdate in GMT, one per answer, of the
        # present second
        path = "/api/cron.list?token=" + self.tok
        for _ in range(2):
            before = int(time.time())
            answer = raw_exchange(self.d.port, ("GET %s HTTP/1.1\r\nHost: localhost\r\n"
                                                "Connection: close\r\n\r\n" % path).encode())
            after = int(time.time())
            text = answer.split(b"\r\n\r\n", 1)[0].decode()
            dates = [line.split(":", 1)[1].strip() for line in text.split("\r\n")[1:]
                     if line.lower().startswith("date:")]
            self.assertEqual(len(dates), 1, text)
            self.assertRegex(dates[0], r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d "
                             r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                             r"\d{4} \d\d:\d\d:\d\d GMT$")
            when = int(email.utils.parsedate_to_datetime(dates[0]).timestamp())
            self.assertTrue(before <= when <= after, (before, dates[0], after))

    def test_unsupported_methods_get_405_envelope(self):
        for method in ("TRACE", "BREW"):
            path = "/api/cron.list?token=" + self.tok
            answer = raw_exchange(self.d.port, ("%s %s HTTP/1.1\r\nHost: localhost\r\n"
                                                "Connection: close\r\n\r\n"
                                                % (method, path)).encode())
            status, headers, body = split_answer(answer)
            self.assertTrue(status.startswith("HTTP/1.1 405 "), (method, answer[:300]))
            self.assertEqual(headers.get("content-type"), "application/json", method)
            self.assertIn("GET", headers.get("allow", ""), method)
            self.assertIn("POST", headers.get("allow", ""), method)
            env = json.loads(body)
            self.assertEqual(env["status"], "error", method)
            self.assertIsInstance(env["code"], int)
        self.ok("cron.list")

    def test_connect_is_refused_at_once(self):
        # libevent would read a CONNECT's body until the connection closed
        # (a tunnel): refused at once instead, not left hanging (a socket
        # timeout fails the test)
        with socket.create_connection(("127.0.0.1", self.d.port), timeout=5) as s:
            s.sendall(b"CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n")
            answer = b""
            while not answer.endswith(b"}"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
        status, headers, body = split_answer(answer)
        self.assertTrue(status.startswith("HTTP/1.1 405 "), answer[:300])
        self.assertIn("GET", headers.get("allow", ""))
        self.assertEqual(json.loads(body)["code"], 22)
        self.ok("cron.list")

    def envelope_of(self, answer, http):
        status, headers, body = split_answer(answer)
        self.assertRegex(status, r"^HTTP/\d\.\d %d " % http, answer[:300])
        self.assertEqual(headers.get("content-type"), "application/json", answer[:300])
        self.assertEqual(headers.get("connection"), "close")
        env = json.loads(body)
        self.assertEqual((env["status"], env["code"]), ("error", 22))
        return env["message"]

    def test_body_over_the_hard_limit_gets_413_envelope(self):
        # refused by libevent from the Content-Length, before any body is
        # read (so none is sent here and the answer cannot be lost to a reset)
        head = ("POST /api/account.edit?token=%s HTTP/1.1\r\nHost: localhost\r\n"
                "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                % (self.tok, 64 * 1024 * 1024)).encode()
        message = self.envelope_of(raw_exchange(self.d.port, head), 413)
        self.assertIn("request body is larger than 65536 bytes", message)
        self.assertEqual(self.ok("account.get").data["name"], "alice")

    def test_malformed_requests_get_the_envelope(self):
        for raw in (b"GARBAGE\r\n\r\n",
                    b"GET /api/cron.list HTTP/1.1\r\nHost: localhost\r\nX: "
                    + b"a" * 9000 + b"\r\n\r\n",
                    b"GET /api/cron.list HTTP/1.1\r\nno colon here\r\n\r\n"):
            answer = raw_exchange(self.d.port, raw)
            self.assertIn("malformed HTTP request", self.envelope_of(answer, 400), raw[:40])
        answer = raw_exchange(self.d.port, b"POST /api/cron.list HTTP/1.1\r\nHost: localhost\r\n"
                              b"Expect: teapot\r\nContent-Length: 2\r\n\r\n{}")
        self.assertIn("100-continue", self.envelope_of(answer, 417))
        self.ok("cron.list")

    def test_body_over_256k_gets_413_envelope(self):
        body = json.dumps({"name": "x" * (300 * 1024)}).encode()
        head = ("POST /api/account.edit?token=%s HTTP/1.1\r\nHost: localhost\r\n"
                "Content-Type: application/json\r\nConnection: close\r\n"
                "Content-Length: %d\r\n\r\n"
                % (self.tok, len(body))).encode()
        status, headers, reply = split_answer(raw_exchange(self.d.port, head + body))
        self.assertTrue(status.startswith("HTTP/1.1 413 "), status)
        self.assertEqual(headers.get("content-type"), "application/json")
        env = json.loads(reply)
        self.assertEqual((env["status"], env["code"]), ("error", 22))
        self.assertEqual(self.ok("account.get").data["name"], "alice")

    def test_one_element_array_is_not_a_scalar(self):
        self.err("cron.add", None, 22, "retries", method="POST",
                 json_body={"url": URL, "expression": "0 * * * *", "retries": [1]})
        self.err("cron.list", None, 22, "limit", method="POST", json_body={"limit": [5]})
        # PHP's name[]=x alone still stands for x, and lists stay lists
        jid = self.ok("cron.add", json_body={"url": URL, "minute": [5]},
                      method="POST").data["id"]
        self.assertEqual(self.ok("cron.get", {"id": jid}).data["expression"], "5 * * * *")
        self.ok("cron.edit", {"id": jid, "retries[]": "2"})


class UnknownParams(ContractCase):
    def test_unknown_parameters_are_named_in_warnings(self):
        r = self.ok("cron.add", {"timzone": "Europe/Berlin"}, method="POST",
                    json_body={"url": URL, "expression": "0 * * * *"})
        self.assertEqual(r.json["warnings"], ["timzone"])
        self.assertEqual(r.data["timezone"], "UTC")
        # every known name, in any spelling, and the token: no warnings
        r = self.ok("cron.edit", {"id": r.data["id"], "http_method": "POST",
                                  "is_active": "true", "minute[]": "5"})
        self.assertNotIn("warnings", r.json)
        r = self.ok("cron.list", {"keyword": "x", "bogus": "1", "Other_One": "2"})
        self.assertEqual(sorted(r.json["warnings"]), ["Other_One", "bogus"])
        # a field of another action is not known to this one
        self.assertEqual(self.ok("server.time", {"url": URL}).json["warnings"], ["url"])
        # errors carry none
        r = self.call("cron.get", {"id": 999, "bogus": 1})
        self.assertNotIn("warnings", r.json)

    def test_account_strict_params_refuses_before_any_change(self):
        r = self.ok("account.edit", {"strictParams": "true"})
        self.assertTrue(r.data["strictParams"])
        msg = self.err("cron.add", {"timzone": "Europe/Berlin"}, 22, "timzone", method="POST",
                       json_body={"url": URL, "expression": "0 * * * *"})
        self.assertIn("timzone", msg)
        self.assertEqual(self.ok("cron.list").data, [])
        jid = self.add()["id"]
        self.err("cron.edit", {"id": jid, "name": "n", "colour": "red"}, 22, "colour")
        self.assertEqual(self.ok("cron.get", {"id": jid}).data["name"], "")
        self.err("task.add", {"job": jid, "action": "echo", "sequense": 1}, 22, "sequense")
        self.assertEqual(self.ok("task.list", {"job": jid}).data, [])
        self.err("cron.list", {"bogus": 1}, 22, "bogus")
        # it survives a restart, and an admin can turn it off
        self.d.stop()
        self.d.start()
        self.err("cron.list", {"bogus": 1}, 22, "bogus")
        r = self.d.call("user.edit", self.admin, {"id": self.uid, "strictParams": "false"})
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.ok("cron.list", {"bogus": 1}).json["warnings"], ["bogus"])
        # other accounts were never strict
        r = self.d.call("cron.list", self.admin, {"bogus": 1})
        self.assertEqual(r.json["warnings"], ["bogus"])


class ServerStrictParams(ContractCase):
    config = dict(FAST, api=dict(FAST["api"], strict_params="yes"))

    def test_server_strict_params(self):
        self.err("cron.add", {"timzone": "Europe/Berlin"}, 22, "timzone", method="POST",
                 json_body={"url": URL, "expression": "0 * * * *"})
        self.assertEqual(self.ok("cron.list").data, [])
        self.add(name="fine")
        self.err("account.edit", {"name": "x", "maxJobs": 5}, 22, "maxJobs")
        self.assertEqual(self.ok("account.get").data["name"], "alice")


if __name__ == "__main__":
    unittest.main()

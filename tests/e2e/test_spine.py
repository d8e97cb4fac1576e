"""The spine end to end: config, the envelope, auth, rate limits, the
store, signals. Every test talks to a real webcrond over HTTP."""
import json
import os
import signal
import socket
import subprocess
import time
import unittest

from webcron import WEBCROND, Daemon, DaemonCase, ini, raw_exchange


class SpineCase(DaemonCase):
    """DaemonCase with the envelope's error check."""

    def assertError(self, r, code, field=None, http=200):
        self.assertEqual(r.status, http, r)
        self.assertEqual(r.json["status"], "error", r)
        self.assertEqual(r.json["code"], code, r)
        self.assertIsInstance(r.json["message"], str)
        self.assertTrue(r.json["message"])
        if field is not None:
            self.assertEqual(r.json.get("field"), field, r)
        self.assertNotIn("data", r.json)


class Envelope(SpineCase):
    def test_success_envelope(self):
        r = self.d.call("server.time", self.admin)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "application/json")
        self.assertEqual(list(r.json.keys()), ["status", "code", "data"])
        self.assertEqual(r.json["status"], "success")
        self.assertEqual(r.json["code"], 0)
        self.assertIsInstance(r.data, int)
        self.assertLess(abs(r.data - time.time()), 5)

    def test_error_envelope(self):
        r = self.d.call("server.time", "x" * 32)
        self.assertError(r, 11, "token")
        self.assertEqual(r.json["message"], "Invalid API token, user not found.")
        self.assertEqual(r.headers["content-type"], "application/json")

    def test_missing_token(self):
        self.assertError(self.d.call("server.time"), 10, "token")

    def test_bearer_token(self):
        r = self.d.call("account.get", headers={"Authorization": "Bearer " + self.admin})
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.data["id"], self.admin_id)

    def test_every_method_reaches_the_action(self):
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            r = self.d.call("account.get", self.admin, method=method)
            self.assertEqual(r.code, 0, (method, r))
            self.assertEqual(r.data["name"], "admin")

    def test_json_body_with_token(self):
        r = self.d.call("account.edit", json_body={"token": self.admin, "name": "root"},
                        method="POST")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.data["name"], "root")

    def test_json_body_wins_over_query(self):
        r = self.d.call("account.edit", method="POST", query={"token": self.admin, "name": "q"},
                        json_body={"name": "j"})
        self.assertEqual(r.data["name"], "j")

    def test_json_body_with_form_content_type(self):
        # curl -d '{...}' labels JSON as a form
        r = self.d.request("POST", "/api/account.edit",
                           body=json.dumps({"token": self.admin, "notify_email": "a@b.example"}),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.data["notifyEmail"], "a@b.example")

    def test_names_fold_case_and_underscores(self):
        for name, value in (("notifyEmail", "x@y.example"), ("notify_email", "z@y.example"),
                            ("NOTIFYEMAIL", "w@y.example")):
            r = self.d.call("account.edit", self.admin, {name: value})
            self.assertEqual(r.data["notifyEmail"], value, name)

    def test_unknown_action(self):
        self.assertError(self.d.call("cron.nosuch", self.admin), 20)
        self.assertError(self.d.call("nosuch.list", self.admin), 20)
        self.assertError(self.d.call("servertime", self.admin), 20)

    def test_path_outside_api_is_404_envelope(self):
        for path in ("/index.html", "/apix/server.time", "/api"):  # "/": the dashboard (test_dashboard.py)
            r = self.d.request("GET", path)
            self.assertEqual(r.status, 404, path)
            self.assertEqual(r.json["status"], "error")
            self.assertEqual(r.json["code"], 20)

    def test_missing_required_parameter(self):
        self.assertError(self.d.call("user.add", self.admin, {}), 21, "name")
        self.assertError(self.d.call("user.get", self.admin, {}), 21, "id")

    def test_invalid_parameter_value(self):
        self.assertError(self.d.call("user.get", self.admin, {"id": "abc"}), 22, "id")
        self.assertError(self.d.call("account.edit", self.admin, {"email": "not-an-address"}),
                         22, "email")
        self.assertError(self.d.call("user.add", self.admin, {"name": "x", "admin": "maybe"}),
                         22, "admin")
        self.assertError(self.d.call("user.add", self.admin, {"name": "x", "maxJobs": "-1"}),
                         22, "maxJobs")
        self.assertError(self.d.call("account.edit", self.admin, {"name": "n" * 256}), 22, "name")

    def test_invalid_timezone_and_url(self):
        self.assertError(self.d.call("account.edit", self.admin, {"timezone": "Mars/Olympus"}),
                         24, "timezone")
        self.assertError(self.d.call("account.edit", self.admin, {"notifyUrl": "ftp://x.example/"}),
                         25, "notifyUrl")
        r = self.d.call("account.get", self.admin)
        self.assertEqual(r.data["timezone"], "UTC")
        self.assertEqual(r.data["notifyUrl"], "")

    def test_broken_json(self):
        r = self.d.request("POST", "/api/account.get?token=" + self.admin,
                           body=b'{"name": "x",', headers={"Content-Type": "application/json"})
        self.assertError(r, 22)
        self.assertIn("JSON", r.json["message"])
        r = self.d.request("POST", "/api/account.get?token=" + self.admin,
                           body=b'[1,2]', headers={"Content-Type": "application/json"})
        self.assertError(r, 22)
        deep = b'{"a":' + b'[' * 50000
        r = self.d.request("POST", "/api/account.get?token=" + self.admin, body=deep,
                           headers={"Content-Type": "application/json"})
        self.assertError(r, 22)
        self.assertEqual(self.d.call("account.get", self.admin).code, 0)

    def test_invalid_utf8(self):
        r = self.d.request("GET", "/api/account.edit?token=%s&name=%%ff%%fe" % self.admin)
        self.assertError(r, 22, "name")
        r = self.d.request("POST", "/api/account.edit?token=" + self.admin,
                           body=b'{"name":"\xff"}', headers={"Content-Type": "application/json"})
        self.assertError(r, 22)
        self.assertEqual(self.d.call("account.get", self.admin).data["name"], "admin")

    def test_body_over_limit_is_413(self):
        body = b"name=" + b"a" * (100 * 1024)
        r = self.d.request("POST", "/api/account.edit?token=" + self.admin, body=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 413)
        self.assertEqual(r.json["status"], "error")
        self.assertEqual(self.d.call("account.get", self.admin).data["name"], "admin")

    def test_huge_body_is_refused(self):
        """A 1 MB body: the daemon answers 413 from the Content-Length and
        closes without reading the rest, so the client either reads the 413
        or, when the close overtakes its sending, sees the connection
        reset (as with any server that refuses an upload early). Never a
        success, and the daemon goes on serving with nothing changed."""
        body = b"name=" + b"a" * (1024 * 1024)
        head = ("POST /api/account.edit?token=%s HTTP/1.1\r\nHost: localhost\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: %d\r\n\r\n" % (self.admin, len(body))).encode()
        answer = raw_exchange(self.d.port, head + body)
        if answer:
            self.assertTrue(answer.startswith(b"HTTP/1.1 413 "), answer[:200])
            self.assertIn(b'"status":"error","code":22', answer)
        self.assertEqual(self.d.call("account.get", self.admin).data["name"], "admin")


class Accounts(SpineCase):
    def test_account_get_fields(self):
        r = self.d.call("account.get", self.admin)
        a = r.data
        for key in ("id", "name", "email", "timezone", "status", "admin", "notifyUrl",
                    "notifyEmail", "limits", "usage", "createdAt"):
            self.assertIn(key, a)
        self.assertEqual(set(a["limits"]), {"maxJobs", "maxTasks", "maxTimeout", "minInterval",
                                            "maxConcurrent", "rateLimit", "dailyExecutions",
                                            "logRetention"})
        self.assertEqual(a["limits"]["maxJobs"], 100)
        self.assertEqual(a["usage"], {"jobs": 0, "executionsToday": 0})
        self.assertTrue(a["admin"])
        self.assertNotIn("secret", a)
        self.assertNotIn("token", a)

    def test_account_edit_keeps_absent_fields(self):
        self.d.call("account.edit", self.admin, {"name": "n1", "timezone": "Europe/Berlin",
                                                  "notifyUrl": "https://hooks.example/x"})
        r = self.d.call("account.edit", self.admin, {"notifyEmail": "ops@example.org"})
        self.assertEqual(r.data["name"], "n1")
        self.assertEqual(r.data["timezone"], "Europe/Berlin")
        self.assertEqual(r.data["notifyUrl"], "https://hooks.example/x")
        self.assertEqual(r.data["notifyEmail"], "ops@example.org")

    def test_user_cannot_raise_own_limits(self):
        uid, tok = self.user("u1")
        r = self.d.call("account.edit", tok, {"maxJobs": 100000, "admin": "true", "status": 0})
        self.assertEqual(r.code, 0)
        self.assertEqual(r.data["limits"]["maxJobs"], 100)
        self.assertFalse(r.data["admin"])

    def test_secret_is_never_returned(self):
        r = self.d.call("account.secret", self.admin, {"secret": "s3cr3t-value"})
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.data["hasSecret"])
        self.assertNotIn("s3cr3t-value", r.raw.decode())
        self.assertNotIn("s3cr3t-value", self.d.call("account.get", self.admin).raw.decode())
        self.assertError(self.d.call("account.secret", self.admin, {}), 21, "secret")

    def test_rotated_token_stops_working_at_once(self):
        uid, old = self.user("rot")
        r = self.d.call("account.token", old)
        self.assertEqual(r.code, 0, r)
        new = r.data["token"]
        self.assertRegex(new, r"^[A-Za-z0-9]{32}$")
        self.assertNotEqual(new, old)
        self.assertError(self.d.call("account.get", old), 11)
        self.assertEqual(self.d.call("account.get", new).data["id"], uid)

    def test_admin_rotates_a_users_token(self):
        uid, old = self.user("rot2")
        r = self.d.call("user.token", self.admin, {"id": uid})
        new = r.data["token"]
        self.assertError(self.d.call("account.get", old), 11)
        self.assertEqual(self.d.call("account.get", new).data["id"], uid)

    def test_user_actions_are_admin_only(self):
        uid, tok = self.user("plain")
        for action, params in (("user.list", {}), ("user.get", {"id": uid}),
                               ("user.add", {"name": "x"}), ("user.edit", {"id": uid}),
                               ("user.delete", {"id": self.admin_id}),
                               ("user.token", {"id": self.admin_id})):
            self.assertError(self.d.call(action, tok, params), 13)
        self.assertEqual(self.d.call("account.get", self.admin).code, 0)

    def test_user_add_list_get_edit_delete(self):
        r = self.d.call("user.add", self.admin, {"name": "carol", "email": "c@example.org",
                                                  "timezone": "Asia/Kolkata", "maxJobs": 5,
                                                  "rateLimit": 20})
        self.assertEqual(r.code, 0, r)
        acct, token = r.data["account"], r.data["token"]
        self.assertRegex(token, r"^[A-Za-z0-9]{32}$")
        self.assertEqual(acct["limits"]["maxJobs"], 5)
        self.assertEqual(acct["limits"]["rateLimit"], 20)
        self.assertEqual(acct["timezone"], "Asia/Kolkata")
        self.assertFalse(acct["admin"])
        ids = [a["id"] for a in self.d.call("user.list", self.admin).data]
        self.assertEqual(ids, [self.admin_id, acct["id"]])
        self.assertEqual(self.d.call("user.get", self.admin, {"id": acct["id"]}).data["email"],
                         "c@example.org")
        r = self.d.call("user.edit", self.admin, {"id": acct["id"], "status": 1,
                                                   "limits": json.dumps({"maxTasks": 3})},
                        )
        self.assertEqual(r.code, 22, r)  # limits as a string is not an object
        r = self.d.call("user.edit", json_body={"token": self.admin, "id": acct["id"],
                                                "status": 1, "limits": {"maxTasks": 3}},
                        method="POST")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.data["status"], 1)
        self.assertEqual(r.data["limits"]["maxTasks"], 3)
        self.assertEqual(r.data["limits"]["maxJobs"], 5)
        self.assertError(self.d.call("account.get", token), 12)
        r = self.d.call("user.delete", self.admin, {"id": acct["id"]})
        self.assertEqual(r.code, 0, r)
        self.assertIsNone(r.data["id"])
        self.assertEqual(r.data["name"], "carol")
        self.assertError(self.d.call("user.get", self.admin, {"id": acct["id"]}), 30)
        self.assertError(self.d.call("account.get", token), 11)

    def test_admin_cannot_delete_or_suspend_itself(self):
        self.assertError(self.d.call("user.delete", self.admin, {"id": self.admin_id}), 22, "id")
        self.assertError(self.d.call("user.edit", self.admin, {"id": self.admin_id, "status": 1}),
                         22, "status")
        self.assertEqual(self.d.call("account.get", self.admin).data["status"], 0)

    def test_missing_and_foreign_objects_read_alike(self):
        uid, tok = self.user("a")
        missing = self.d.call("user.get", self.admin, {"id": 99999})
        self.assertError(missing, 30, "id")
        self.assertError(self.d.call("account.get", self.admin, {"asUser": 99999}), 30)
        # a plain token cannot act for anyone else
        self.assertError(self.d.call("account.get", tok, {"asUser": self.admin_id}), 13)

    def test_as_user(self):
        uid, tok = self.user("target")
        r = self.d.call("account.edit", self.admin, {"asUser": uid, "name": "renamed"})
        self.assertEqual(r.data["id"], uid)
        self.assertEqual(self.d.call("account.get", tok).data["name"], "renamed")
        self.assertEqual(self.d.call("account.get", self.admin).data["name"], "admin")

    def test_server_target(self):
        uid, tok = self.user("s")
        self.assertIn("America/New_York", self.d.call("server.timezones", tok).data)
        self.assertIn("UTC", self.d.call("server.timezones", tok).data)
        self.assertRegex(self.d.call("server.useragent", tok).data, r"^webcron/\d+\.\d+")
        self.assertEqual(self.d.call("server.ip", tok).data, [])
        info = self.d.call("server.info", tok).data
        self.assertEqual(set(info), {"version", "node", "uptime"})
        # [server] name is not set: the host name
        self.assertEqual(info["node"], socket.gethostname())
        info = self.d.call("server.info", self.admin).data
        self.assertEqual(info["accounts"], 2)
        self.assertEqual(info["jobs"], 0)
        self.assertIn("executionsInFlight", info)


class ServerIp(SpineCase):
    # (addresses of this machine: webcrond binds its requests to them)
    config = {"jobs": {"egress_ipv4": "127.0.0.2, 127.0.0.3", "egress_ipv6": "::1",
                       "user_agent": "acme-cron %v"}}

    def test_ip_and_useragent_from_config(self):
        self.assertEqual(self.d.call("server.ip", self.admin).data,
                         [{"v4": "127.0.0.2", "v6": "::1"},
                          {"v4": "127.0.0.3", "v6": None}])
        self.assertRegex(self.d.call("server.useragent", self.admin).data, r"^acme-cron \d")


def burst(d, token, n, **kw):
    """N requests as fast as one kept-alive connection goes; returns the
    replies and the seconds they took."""
    t0 = time.monotonic()
    replies = [d.call("account.get", token, **kw) for _ in range(n)]
    return replies, time.monotonic() - t0


class RateLimit(SpineCase):
    def test_eleventh_request_in_a_second_is_503(self):
        uid, tok = self.user("busy")
        _, other = self.user("calm")
        replies, took = burst(self.d, tok, 11)
        self.assertTrue(all(r.code == 0 for r in replies[:10]), replies[:10])
        # At 10 per second, the bucket gains 1 request per 100 ms.
        self.assertLess(took, 0.1, "the burst was too slow to test the limit")
        r = replies[10]
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.json["code"], 50)
        self.assertEqual(r.json["status"], "error")
        self.assertGreaterEqual(int(r.headers["retry-after"]), 1)
        # another token is still served
        self.assertEqual(self.d.call("account.get", other).code, 0)

    def test_account_rate_override(self):
        uid, tok = self.user("slow", rateLimit=3)
        replies, took = burst(self.d, tok, 4)
        self.assertLess(took, 0.3)
        self.assertEqual([r.status for r in replies], [200, 200, 200, 503])
        uid, fast = self.user("fast", rateLimit=30)
        replies, took = burst(self.d, fast, 25)
        self.assertLess(took, 1 / 30 * 5)
        self.assertTrue(all(r.code == 0 for r in replies), replies)

    def test_bad_tokens_are_limited_per_address(self):
        replies, took = burst(self.d, "Z" * 32, 11)
        self.assertTrue(all(r.json["code"] == 11 for r in replies[:10]))
        self.assertEqual(replies[10].status, 503)
        # while the address is blocked, even a right token from it gets
        # 503, so a flood of guesses learns nothing
        r = self.d.call("account.get", self.admin)
        self.assertEqual(r.status, 503)
        self.assertEqual(r.json["code"], 50)


class TrustedProxies(SpineCase):
    config = {"server": {"trusted_proxies": "127.0.0.1/32"}}

    def test_forwarded_clients_are_limited_apart(self):
        flood = {"X-Forwarded-For": "198.51.100.7"}
        replies, _ = burst(self.d, "Z" * 32, 11, headers=flood)
        self.assertEqual(replies[10].status, 503)
        # a different client behind the same proxy is not blocked
        r = self.d.call("account.get", "Z" * 32, headers={"X-Forwarded-For": "198.51.100.8"})
        self.assertEqual(r.json["code"], 11)
        r = self.d.call("account.get", self.admin, headers={"Forwarded": 'for="[2001:db8::9]"'})
        self.assertEqual(r.code, 0)
        # the client is the right-most address that is not a trusted proxy
        r = self.d.call("account.get", "Z" * 32,
                        headers={"X-Forwarded-For": "198.51.100.7, 127.0.0.1"})
        self.assertEqual(r.status, 503)


class UntrustedProxies(SpineCase):
    def test_forwarded_for_is_ignored_from_untrusted_peers(self):
        replies, _ = burst(self.d, "Z" * 32, 11, headers={"X-Forwarded-For": "198.51.100.7"})
        self.assertEqual(replies[10].status, 503)
        r = self.d.call("account.get", "Z" * 32, headers={"X-Forwarded-For": "198.51.100.8"})
        self.assertEqual(r.status, 503)


class StrictStatus(SpineCase):
    config = {"api": {"strict_http_status": "yes"}}

    def test_error_codes_map_to_http_statuses(self):
        uid, tok = self.user("u")
        self.assertError(self.d.call("server.time"), 10, http=401)
        self.assertError(self.d.call("server.time", "Q" * 32), 11, http=401)
        self.assertError(self.d.call("user.list", tok), 13, http=403)
        self.assertError(self.d.call("no.such", tok), 20, http=404)
        self.assertError(self.d.call("user.get", self.admin), 21, http=400)
        self.assertError(self.d.call("user.get", self.admin, {"id": "x"}), 22, http=422)
        self.assertError(self.d.call("user.get", self.admin, {"id": 999}), 30, http=404)
        r = self.d.request("POST", "/api/account.get?token=" + tok, body=b"{",
                           headers={"Content-Type": "application/json"})
        self.assertError(r, 22, http=400)
        self.assertEqual(self.d.call("server.time", tok).status, 200)


class Storage(unittest.TestCase):
    def test_full_map_is_code_2_and_507_and_keeps_data(self):
        d = Daemon({"server": {"map_size": "256K"},
                    "api": {"rate_limit": 100000, "rate_burst": 100000}})
        try:
            _, admin = d.add_user("admin", admin=True)
            d.start()
            made = []
            big = "https://hooks.example/" + "x" * 2000
            full = None
            for i in range(500):
                r = d.call("user.add", admin, {"name": "user%d" % i, "notifyUrl": big})
                if r.status == 507:
                    full = r
                    break
                self.assertEqual(r.code, 0, r)
                made.append((r.data["account"]["id"], r.data["token"]))
            self.assertIsNotNone(full, "the map never filled up")
            self.assertEqual(full.json["code"], 2)
            self.assertGreater(len(made), 3)
            # everything acknowledged is there, and reads still work
            listed = {a["id"] for a in d.call("user.list", admin).data}
            for uid, tok in made:
                self.assertIn(uid, listed)
                self.assertEqual(d.call("account.get", tok).data["notifyUrl"], big)
            self.assertEqual(d.call("server.time", admin).code, 0)
            # and the server survives a restart with the data intact
            self.assertEqual(d.stop(), 0)
            d.start()
            self.assertEqual(len(d.call("user.list", admin).data), len(made) + 1)
        finally:
            d.cleanup()


class Lifecycle(unittest.TestCase):
    def setUp(self):
        self.d = Daemon()

    def tearDown(self):
        self.d.cleanup()

    def test_sigterm_exits_0(self):
        self.d.start()
        self.assertEqual(self.d.stop(signal.SIGTERM), 0)
        self.assertIn("stopped", self.d.log_text())

    def test_sigint_exits_0(self):
        self.d.start()
        self.assertEqual(self.d.stop(signal.SIGINT), 0)

    def test_accounts_survive_a_restart(self):
        uid, tok = self.d.add_user("keep", admin=True)
        self.d.start()
        self.d.call("account.edit", tok, {"name": "kept", "timezone": "Pacific/Apia"})
        r = self.d.call("user.add", tok, {"name": "second"})
        second = r.data["token"]
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        a = self.d.call("account.get", tok).data
        self.assertEqual((a["id"], a["name"], a["timezone"]), (uid, "kept", "Pacific/Apia"))
        self.assertEqual(self.d.call("account.get", second).data["name"], "second")

    def test_kill_9_loses_no_acknowledged_write(self):
        uid, tok = self.d.add_user("k", admin=True)
        self.d.start()
        tokens = [self.d.call("user.add", tok, {"name": "n%d" % i}).data["token"]
                  for i in range(5)]
        self.d.stop(signal.SIGKILL)
        self.d.start()
        for t in tokens:
            self.assertEqual(self.d.call("account.get", t).code, 0)
        self.assertEqual(self.d.ctl("check").returncode, 0)

    def test_sighup_with_broken_config_keeps_serving(self):
        uid, tok = self.d.add_user("h", admin=True)
        self.d.start()
        with open(self.d.conf) as f:
            good = f.read()
        self.d.write_config(good + "\n[api]\nrate_limit = many\n")
        self.d.kill(signal.SIGHUP)
        self.wait_log("keeping the configuration in use")
        self.assertEqual(self.d.call("server.time", tok).code, 0)
        self.assertEqual(self.d.call("account.get", tok).data["limits"]["rateLimit"], 10)
        # a good config is applied
        self.d.write_config(good + "\n[api]\nrate_limit = 50\n")
        self.d.kill(signal.SIGHUP)
        self.wait_log("applied")
        self.assertEqual(self.d.call("account.get", tok).data["limits"]["rateLimit"], 50)
        self.assertEqual(self.d.stop(), 0)

    def wait_log(self, text, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.d.log_text():
                return
            time.sleep(0.02)
        self.fail("%r never appeared in the log:\n%s" % (text, self.d.log_text()))

    def test_unix_socket_and_ipv6_listeners(self):
        sock = os.path.join(self.d.dir, "api.sock")
        self.d.update({"server": {"listen": "127.0.0.1:0, [::1]:0, unix:" + sock}})
        uid, tok = self.d.add_user("x")
        self.d.start()
        self.assertEqual(self.d.call("account.get", tok).data["id"], uid)
        self.d.conn = None
        self.d.unix_path = sock
        self.assertEqual(self.d.call("account.get", tok).data["id"], uid)
        self.assertEqual(self.d.stop(), 0)
        self.assertFalse(os.path.exists(sock))


class ConfigErrors(unittest.TestCase):
    def setUp(self):
        self.d = Daemon()

    def tearDown(self):
        self.d.cleanup()

    def run_daemon(self, *args):
        return subprocess.run([WEBCROND, "-f", self.d.conf] + list(args),
                              capture_output=True, text=True, timeout=30)

    def test_check_flag(self):
        r = self.run_daemon("-n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.d.write_config(ini(self.d.sections) + "\n[server]\nidle_timout = 5\n")
        r = self.run_daemon("-n")
        self.assertEqual(r.returncode, 1)

    def test_errors_name_file_line_and_key(self):
        cases = [
            ("[server]\nlisten = 127.0.0.1:0\nbogus = 1\n", ":3:", "bogus", "unknown key"),
            ("[server]\nidle_timeout = 0\n", ":2:", "idle_timeout", "out of range 1-3600"),
            ("[api]\nrate_limit = ten\n", ":2:", "rate_limit", "whole number"),
            ("[api]\nstrict_http_status = perhaps\n", ":2:", "strict_http_status", "yes or no"),
            ("[jobs]\ndefault_timezone = Mars/Base\n", ":2:", "default_timezone", "time zone"),
            ("[server]\ntrusted_proxies = 10.0.0.0/33\n", ":2:", "trusted_proxies", "10.0.0.0/33"),
            ("[server]\nlisten = nowhere\n", ":2:", "listen", "nowhere"),
            ("[nosuch]\nx = 1\n", ":1:", "nosuch", "unknown section"),
            ("[server]\nmap_size = lots\n", ":2:", "map_size", "size"),
            ("[server]\n\nidle_timeout = 5\nidle_timeout = 6\n", ":4:", "idle_timeout", "twice"),
            ("[task.backup]\ntimeout = 5\n", ":1:", "task.backup", "exec"),
            ("[server]\n[empty]\n", ":2:", "empty", "unknown section"),
            ("garbage line\n", ":1:", "", "syntax"),
        ]
        for text, line, key, why in cases:
            self.d.write_config(text)
            r = self.run_daemon("-d")
            self.assertEqual(r.returncode, 1, text)
            self.assertIn(self.d.conf + line, r.stderr, text)
            self.assertIn(key, r.stderr, text)
            self.assertIn(why, r.stderr, text)

    def test_version(self):
        r = subprocess.run([WEBCROND, "-V"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^webcrond \d+\.\d+\.\d+")


class Ctl(unittest.TestCase):
    def setUp(self):
        self.d = Daemon()

    def tearDown(self):
        self.d.cleanup()

    def test_user_add_prints_token_last_and_list_shows_it(self):
        r = self.d.ctl("user", "add", "ops", "--admin")
        token = r.stdout.strip().splitlines()[-1]
        self.assertRegex(token, r"^[A-Za-z0-9]{32}$")
        self.d.ctl("user", "add", "second")
        listing = self.d.ctl("user", "list").stdout
        self.assertIn("ops", listing)
        self.assertIn("second", listing)
        self.d.start()
        self.assertEqual(self.d.call("account.get", token).data["name"], "ops")
        # rotating while the daemon runs: the old token stops at once
        new = self.d.ctl("user", "token", "1").stdout.strip().splitlines()[-1]
        self.assertRegex(new, r"^[A-Za-z0-9]{32}$")
        self.assertEqual(self.d.call("account.get", token).json["code"], 11)
        self.assertEqual(self.d.call("account.get", new).data["name"], "ops")
        self.assertEqual(self.d.ctl("check").returncode, 0)

    def test_tokens_are_stored_only_as_digests(self):
        tokens = [self.d.add_user("u%d" % i)[1] for i in range(3)]
        blob = b""
        datadir = self.d.sections["server"]["data_dir"]
        for name in os.listdir(datadir):
            with open(os.path.join(datadir, name), "rb") as f:
                blob += f.read()
        self.assertGreater(len(blob), 0)
        for t in tokens:
            self.assertNotIn(t.encode(), blob)

    def test_backup_and_stats(self):
        self.d.add_user("b")
        dest = os.path.join(self.d.dir, "backup")
        self.d.ctl("backup", dest)
        self.assertTrue(os.path.getsize(os.path.join(dest, "data.mdb")) > 0)
        self.assertIn("accounts 1", self.d.ctl("stats").stdout)
        # the copy is a working data directory
        self.d.update({"server": {"data_dir": dest}})
        self.assertIn("b", self.d.ctl("user", "list").stdout)

    def test_user_digests_are_the_tokens_sha256(self):
        import hashlib
        ids = {}
        for name in ("a", "b", "c"):
            uid, tok = self.d.add_user(name)
            ids[uid] = tok
        out = self.d.ctl("user", "digests").stdout.split("\n")
        rows = {int(line.split()[1]): line.split()[0] for line in out if line.strip()}
        self.assertEqual(rows, {uid: hashlib.sha256(tok.encode()).hexdigest()
                                for uid, tok in ids.items()})

    def test_user_token_of_missing_account(self):
        r = self.d.ctl("user", "token", "42", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not found", r.stderr)


if __name__ == "__main__":
    unittest.main()

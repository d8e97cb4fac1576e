"""Operating webcrond: /metrics and /healthz, the HTTPS listener, the
access log, and that no token, password or secret ever reaches a log."""
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import time
import unittest

from webcron import Daemon, Receiver, wait_until

FAST = {"api": {"rate_limit": 100000, "rate_burst": 100000},
        "jobs": {"allowed_targets": "127.0.0.1/32"},
        "limits": {"min_interval": 1}}


def metric(text, name, **labels):
    """The value of one sample of a Prometheus text page."""
    want = ",".join('%s="%s"' % kv for kv in labels.items())
    pattern = r"^%s%s (\S+)$" % (re.escape(name), re.escape("{%s}" % want) if want else "")
    m = re.search(pattern, text, re.M)
    if m is None:
        raise AssertionError("no sample %s{%s} in the page" % (name, want))
    return float(m.group(1))


class Metrics(unittest.TestCase):
    def setUp(self):
        self.rx = Receiver()
        self.d = Daemon(FAST)
        _, self.token = self.d.add_user("ops", admin=True)
        self.d.start()

    def tearDown(self):
        self.d.cleanup()
        self.rx.stop()

    def scrape(self):
        r = self.d.request("GET", "/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["content-type"].startswith("text/plain; version=0.0.4"))
        return r.raw.decode()

    def test_metrics_count_what_happens(self):
        page = self.scrape()
        for line in page.splitlines():
            # every line is a comment or "name{labels} value"
            self.assertRegex(line, r'^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [-+0-9.eE]+|'
                                   r'\w+(\{[^}]*\})? \+Inf)$')
        self.assertEqual(metric(page, "webcron_accounts"), 1)
        info = self.d.call("server.info", self.token).data
        self.assertTrue(info["node"])
        self.assertEqual(metric(page, "webcron_build_info", version=info["version"],
                                node=info["node"]), 1)
        for _ in range(3):
            self.d.call("server.time", self.token)
        self.d.call("server.time", "X" * 32)
        self.d.call("nope.nothing", self.token)
        self.rx.respond("/bad", status=500)
        ok = self.d.call("cron.add", self.token, json_body={"url": self.rx.url("/ok"),
                                                            "expression": "@manual"},
                         method="POST").data
        bad = self.d.call("cron.add", self.token, json_body={"url": self.rx.url("/bad"),
                                                             "expression": "@manual"},
                          method="POST").data
        for j in (ok, bad):
            self.d.call("cron.run", self.token, {"id": j["id"]})
        wait_until("two executions", lambda: metric(self.scrape(), "webcron_executions_total",
                                                    status="1", reason="http_status") == 1)
        page = self.scrape()
        self.assertEqual(metric(page, "webcron_api_requests_total", action="server.time", code="0"), 3)
        self.assertEqual(metric(page, "webcron_api_requests_total", action="server.time", code="11"), 1)
        self.assertEqual(metric(page, "webcron_api_requests_total", action="unknown", code="20"), 1)
        self.assertEqual(metric(page, "webcron_api_requests_total", action="cron.run", code="0"), 2)
        self.assertEqual(metric(page, "webcron_executions_total", status="0", reason="success"), 1)
        # manual runs have no fire to be late for: not in the histogram
        self.assertEqual(metric(page, "webcron_execution_jitter_seconds_count"), 0)
        self.assertEqual(metric(page, "webcron_execution_jitter_seconds_bucket", le="+Inf"), 0)
        self.assertEqual(metric(page, "webcron_jobs"), 2)
        self.assertEqual(metric(page, "webcron_scheduled_jobs"), 0)   # both @manual
        self.assertGreater(metric(page, "webcron_store_map_used_bytes"), 0)
        self.assertEqual(metric(page, "webcron_store_map_size_bytes"), 1 << 30)
        self.assertEqual(metric(page, "webcron_executions_in_flight"), 0)
        # the two adds were written in one or two synced commits
        self.assertEqual(metric(page, "webcron_store_batched_writes_total"), 2)
        self.assertIn(metric(page, "webcron_store_write_batches_total"), (1, 2))

    def test_rate_limited_requests_are_counted(self):
        r = self.d.call("user.add", self.token, {"name": "slow", "rateLimit": 2})
        slow = r.data["token"]
        codes = [self.d.call("server.time", slow).json["code"] for _ in range(4)]
        self.assertIn(50, codes)
        self.assertEqual(metric(self.scrape(), "webcron_api_rate_limited_total"), codes.count(50))

    def test_healthz(self):
        r = self.d.request("GET", "/healthz")
        self.assertEqual((r.status, r.json), (200, {"status": "ok"}))


class MetricsAllow(unittest.TestCase):
    def test_only_allowed_addresses_read_metrics(self):
        d = Daemon({"server": {"metrics_allow": "10.0.0.0/8"}})
        try:
            d.start()
            r = d.request("GET", "/metrics")
            self.assertEqual(r.status, 403)
            self.assertEqual(r.json["code"], 13)
            self.assertNotIn(b"webcron_", r.raw)
            # the API and /healthz are not affected
            self.assertEqual(d.request("GET", "/healthz").status, 200)
        finally:
            d.cleanup()

    def test_forwarded_client_is_checked_behind_a_trusted_proxy(self):
        d = Daemon({"server": {"trusted_proxies": "127.0.0.1/32",
                               "metrics_allow": "127.0.0.1/32, 192.0.2.10/32"}})
        try:
            d.start()
            self.assertEqual(d.request("GET", "/metrics",
                                       headers={"X-Forwarded-For": "198.51.100.1"}).status, 403)
            self.assertEqual(d.request("GET", "/metrics",
                                       headers={"X-Forwarded-For": "192.0.2.10"}).status, 200)
        finally:
            d.cleanup()


@unittest.skipUnless(shutil.which("openssl"), "the openssl command is not installed")
class Https(unittest.TestCase):
    def test_https_listener(self):
        d = Daemon()
        try:
            cert = os.path.join(d.dir, "cert.pem")
            key = os.path.join(d.dir, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                           check=True, capture_output=True)
            d.update({"server": {"tls_cert": cert, "tls_key": key}})
            _, token = d.add_user("tls")
            d.start()
            ctx = ssl.create_default_context(cafile=cert)
            conn = http.client.HTTPSConnection("127.0.0.1", d.port, context=ctx, timeout=10)
            conn.request("GET", "/api/server.time?token=" + token)
            r = conn.getresponse()
            body = json.loads(r.read())
            self.assertEqual((r.status, body["status"], body["code"]), (200, "success", 0))
            self.assertIn(conn.sock.version(), ("TLSv1.2", "TLSv1.3"))
            conn.close()
            # a plain HTTP request to the TLS port gets no API answer
            plain = http.client.HTTPConnection("127.0.0.1", d.port, timeout=5)
            with self.assertRaises((http.client.HTTPException, ConnectionError, OSError)):
                plain.request("GET", "/api/server.time?token=" + token)
                resp = plain.getresponse()
                if resp.status == 200:
                    self.fail("plain HTTP was answered on the TLS port")
                raise http.client.HTTPException("refused")
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()

    def test_bad_certificate_stops_the_start(self):
        d = Daemon()
        try:
            bogus = os.path.join(d.dir, "bogus.pem")
            with open(bogus, "w") as f:
                f.write("not a certificate\n")
            d.update({"server": {"tls_cert": bogus, "tls_key": bogus}})
            with self.assertRaises(AssertionError):
                d.start()
            self.assertIn("tls_cert", d.log_text())
        finally:
            d.cleanup()


class Logs(unittest.TestCase):
    def test_access_log_line(self):
        d = Daemon()
        try:
            _, token = d.add_user("log")
            d.start()
            d.call("account.get", token, headers={"User-Agent": "x"})
            d.call("cron.get", token, {"id": "nope"})
            d.stop()
            log = d.log_text()
            self.assertRegex(log, r"api GET account\.get code=0 http=200 [0-9.]+ms client=127\.0\.0\.1")
            self.assertRegex(log, r"api GET cron\.get code=22 http=200 [0-9.]+ms client=127\.0\.0\.1")
        finally:
            d.cleanup()

    def test_no_token_password_or_secret_in_any_log(self):
        rx = Receiver()
        d = Daemon(dict(FAST, **{"task.echo": {"exec": "/bin/cat"}}))
        try:
            admin_id, admin = d.add_user("admin", admin=True)
            d.start(args=("-d", "-v", "-v"))    # the most verbose the daemon gets
            secret = "S3cr3t-of-the-account-9f2e"
            password = "Pa55word-of-the-job-71c3"
            header_secret = "Bearer-header-secret-55aa"
            r = d.call("user.add", admin, {"name": "u"})
            user_token = r.data["token"]
            d.call("account.secret", user_token, {"secret": secret})
            j = d.call("cron.add", user_token, json_body={
                "url": rx.url("/s?k=__secret__"), "expression": "@manual", "username": "u",
                "password": password, "httpHeaders": "Authorization: " + header_secret,
                "tasks": [{"action": "echo", "payload": "__secret__"}]}, method="POST").data
            d.call("cron.run", user_token, {"id": j["id"]})
            rx.wait(1, "/s")
            wait_until("the run's log", lambda: d.call("cron.logs", user_token,
                                                      {"id": j["id"]}).data)
            # wrong tokens, tokens in bodies and headers, a rotated token
            d.call("server.time", user_token[:-1] + "Z")
            d.request("POST", "/api/account.get", body=json.dumps({"token": user_token}))
            d.call("account.get", headers={"Authorization": "Bearer " + user_token})
            new = d.call("account.token", user_token).data["token"]
            d.call("user.token", admin, {"id": r.data["account"]["id"]})
            self.assertEqual(d.stop(), 0)
            log = d.log_text()
            self.assertIn("api POST account.get", log)
            for s in (admin, user_token, user_token[:-1] + "Z", new, secret, password, header_secret):
                self.assertNotIn(s, log)
        finally:
            d.cleanup()
            rx.stop()


if __name__ == "__main__":
    unittest.main()

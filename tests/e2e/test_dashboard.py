"""The dashboard as the daemon serves it, without a browser (tests/browser
drives it in chromium): the pages, the versioned assets, gzip, the
headers, HEAD, and [server] dashboard = no."""
import gzip
import json
import re
import unittest

from webcron import DaemonCase

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


class Served(DaemonCase):
    def assertSafe(self, r):
        self.assertEqual(r.headers.get("content-security-policy"), CSP, r)
        self.assertEqual(r.headers.get("x-content-type-options"), "nosniff")
        self.assertEqual(r.headers.get("referrer-policy"), "no-referrer")
        self.assertEqual(r.headers.get("x-frame-options"), "DENY")

    def assets(self):
        r = self.d.request("GET", "/")
        m = re.search(r'src="/assets/([0-9a-f]+)/js/app\.js"', r.raw.decode())
        self.assertTrue(m, r.raw[:500])
        return m.group(1)

    def test_index_and_screens(self):
        for path in ("/", "/overview", "/jobs", "/jobs/", "/jobs/new", "/jobs/42", "/jobs/42/edit",
                     "/failures", "/upcoming", "/groups", "/account", "/users", "/users/3/history",
                     "/signin"):
            r = self.d.request("GET", path)
            self.assertEqual(r.status, 200, path)
            self.assertSafe(r)
            self.assertEqual(r.headers["cache-control"], "no-cache", path)
            self.assertTrue(r.headers["content-type"].startswith("text/html"), path)
            self.assertIn(b"<title>webcron</title>", r.raw)

    def test_unknown_paths_keep_the_json_404(self):
        for path in ("/nope", "/jobs/abc", "/jobs/1/2", "/users/x/history", "/api", "/index.html"):
            r = self.d.request("GET", path)
            self.assertEqual(r.status, 404, path)
            self.assertEqual(r.json["code"], 20, path)

    def test_assets_are_versioned_and_gzipped(self):
        h = self.assets()
        plain = self.d.request("GET", "/assets/%s/js/app.js" % h)
        self.assertEqual(plain.status, 200)
        self.assertSafe(plain)
        self.assertEqual(plain.headers["cache-control"], "public, max-age=31536000, immutable")
        self.assertTrue(plain.headers["content-type"].startswith("text/javascript"))
        self.assertNotIn("content-encoding", plain.headers)
        self.assertEqual(plain.headers["vary"], "Accept-Encoding")
        gz = self.d.request("GET", "/assets/%s/js/app.js" % h, headers={"Accept-Encoding": "br, gzip;q=0.5"})
        self.assertEqual(gz.headers["content-encoding"], "gzip")
        self.assertEqual(gzip.decompress(gz.raw), plain.raw)
        refused = self.d.request("GET", "/assets/%s/js/app.js" % h, headers={"Accept-Encoding": "gzip;q=0"})
        self.assertNotIn("content-encoding", refused.headers)
        css = self.d.request("GET", "/assets/%s/app.css" % h)
        self.assertTrue(css.headers["content-type"].startswith("text/css"))
        for bad in ("/assets/0/js/app.js", "/assets/%s/nope.js" % h, "/assets/%s/index.html" % h,
                    "/assets/%s/../app.css" % h):
            self.assertEqual(self.d.request("GET", bad).status, 404, bad)

    def test_head_and_revalidation(self):
        r = self.d.request("HEAD", "/jobs")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.raw, b"")
        etag = self.d.request("GET", "/").headers["etag"]
        again = self.d.request("GET", "/", headers={"If-None-Match": etag})
        self.assertEqual(again.status, 304)

    def test_other_methods_are_not_the_dashboards(self):
        r = self.d.request("POST", "/", body=b"x=1",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json["code"], 20)


class TurnedOff(DaemonCase):
    config = {"server": {"dashboard": "no"}}

    def test_root_is_the_json_404(self):
        for path in ("/", "/jobs", "/assets/x/app.css"):
            r = self.d.request("GET", path)
            self.assertEqual(r.status, 404, path)
            self.assertEqual(r.json["code"], 20)
            self.assertNotIn("content-security-policy", r.headers)
        self.assertEqual(self.d.call("server.time", self.admin).code, 0)


if __name__ == "__main__":
    unittest.main()

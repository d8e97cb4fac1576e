"""API keys with scopes (docs/API.md "Keys"), end to end.

- Every route of api_routes[] (parsed from src/api/api.c, with the scope
  it names) with a key of each scope: allowed, or refused with code 13 and
  a message naming the scope, and then nothing of the account changed;
  /metrics counts the refusals by scope.
- A key limited to a group, a key limited to addresses (X-Forwarded-For
  from loopback, a trusted proxy), expired, revoked and narrowed keys
  (refused at once), the key's token through every transport, key
  management for the account's token alone, the last use (address and
  time, without a write per request), and a key after webcronctl export
  and import, and webcronctl check.
"""
import json
import os
import re
import time
import unittest

from webcron import DaemonCase, Receiver, wait_until
from test_security import FAST, ROUTES, URL, read_source

SCOPES = ("read", "write", "run", "admin")
CONFIG = dict(FAST, server={"trusted_proxies": "127.0.0.1/32"})


def route_scopes():
    """{"target.action": (flags, scope)} from api_routes[] in src/api/api.c."""
    text = read_source("src", "api", "api.c")
    m = re.search(r"api_routes\[\]\s*=\s*\{(.*?)\{\s*NULL", text, re.S)
    assert m, "api_routes[] not found in src/api/api.c"
    routes = {}
    for target, action, flags, scope in re.findall(
            r'\{\s*"(\w+)"\s*,\s*"(\w+)"\s*,\s*\w+\s*,\s*([\w\s|]+?)\s*,\s*(\w+)\s*\}', m.group(1)):
        routes["%s.%s" % (target, action)] = (
            {f.strip() for f in flags.split("|")} - {"0"},
            {"SCOPE_READ": "read", "SCOPE_WRITE": "write", "SCOPE_RUN": "run",
             "SCOPE_ADMIN": "admin", "SCOPE_TOKEN": "token"}[scope])
    assert len(routes) > 40, routes
    return routes


class KeyCase(DaemonCase):
    config = CONFIG

    def ok(self, action, token, params=None, **kw):
        r = self.d.call(action, token, params, **kw)
        self.assertEqual((r.status, r.code), (200, 0), (action, params, r))
        return r.data

    def refused(self, r, code=13, *words):
        self.assertEqual(r.code, code, r)
        for w in words:
            self.assertIn(w, r.json["message"], r)

    def key(self, token, **params):
        params.setdefault("name", "k")
        d = self.ok("account.keyAdd", token, params, method="POST")
        self.assertRegex(d["token"], r"^[A-Za-z0-9]{32}$")
        return d["key"], d["token"]

    def snapshot(self, token):
        jobs = self.ok("cron.list", token)
        for j in jobs:
            j.pop("nextRun", None)
            j.pop("points", None)
        keys = self.ok("account.keys", token)
        for k in keys:
            k.pop("lastUsedAt")
            k.pop("lastUsedFrom")
        return {"account": self.ok("account.get", token), "jobs": jobs,
                "groups": self.ok("group.list", token),
                "tasks": {j["id"]: self.ok("task.list", token, {"job": j["id"]}) for j in jobs},
                "logs": {j["id"]: self.ok("cron.logs", token, {"id": j["id"]}) for j in jobs},
                "keys": keys, "users": self.ok("user.list", self.admin)}

    def metric(self, scope):
        r = self.d.request("GET", "/metrics")
        m = re.search(r'^webcron_api_permission_denied_total\{scope="%s"\} (\d+)$' % scope,
                      r.raw.decode(), re.M)
        self.assertIsNotNone(m, scope)
        return int(m.group(1))


class Matrix(KeyCase):
    def setUp(self):
        super().setUp()
        # the admin account: every scope may be given to its keys
        t = self.admin
        self.group = self.ok("group.add", t, {"name": "g"}, method="POST")
        self.job = self.ok("cron.add", t, json_body={
            "url": URL, "expression": "0 0 1 1 *", "group": self.group["id"],
            "tasks": [{"action": "echo", "payload": "x"}]}, method="POST")
        self.victim, _ = self.key(t, name="victim", scopes="read")
        self.other_id, _ = self.user("other")
        self.ids = {"job": self.job["id"], "task": self.job["tasks"][0]["id"],
                    "group": self.group["id"], "account": self.other_id,
                    "key": self.victim["id"]}
        self.keys = {s: self.key(t, name=s, scopes=s)[1] for s in SCOPES}

    def fill(self, route):
        idparams, extra, _ = ROUTES[route]
        params = dict(extra)
        for name, kind in idparams.items():
            params[name] = self.ids[kind]
        return params

    def test_every_action_with_every_scope(self):
        routes = route_scopes()
        self.assertEqual(sorted(set(routes) - set(ROUTES)), [])
        expect = {"token": 0, "read": 0, "write": 0, "run": 0, "admin": 0}
        for route, (flags, needs) in sorted(routes.items()):
            if needs == "token":
                self.assertIn(route, ("account.secret", "account.token", "account.keys",
                                      "account.keyAdd", "account.keyEdit", "account.keyDelete"))
            for scope, token in self.keys.items():
                with self.subTest(route=route, scope=scope):
                    if scope == needs:
                        # allowed: whatever the handler says of empty
                        # parameters, it is not a refusal of the key
                        r = self.d.call(route, token, {})
                        self.assertNotIn(r.code, (10, 11, 12, 13), (route, scope, r))
                        continue
                    before = self.snapshot(self.admin)
                    r = self.d.call(route, token, self.fill(route), method="POST")
                    self.refused(r, 13, "permission denied",
                                 "account's token" if needs == "token" else '"%s"' % needs)
                    self.assertEqual(self.snapshot(self.admin), before, (route, scope))
                    expect[needs] += 1
        for scope, n in expect.items():
            self.assertEqual(self.metric(scope), n, scope)
        self.assertGreater(expect["write"], 20)

    def test_a_key_of_every_scope_is_not_the_token(self):
        every, tok = self.key(self.admin, name="all", scopes=["read", "write", "run", "admin"])
        self.assertEqual(every["scopes"], list(SCOPES))
        for route in ("account.keyAdd", "account.keys", "account.token", "account.secret"):
            self.refused(self.d.call(route, tok, {"name": "x", "scopes": "read"}), 13,
                         "account's token")
        # the token itself keeps every power
        self.ok("account.keys", self.admin)
        self.ok("user.list", self.admin)
        # asUser needs the admin scope
        self.refused(self.d.call("cron.list", self.keys["read"], {"asUser": self.other_id}),
                     13, "admin")
        self.assertEqual(self.ok("cron.list", tok, {"asUser": self.other_id}), [])

    def test_admin_scope_is_for_admin_accounts(self):
        uid, t = self.user("plain")
        r = self.d.call("account.keyAdd", t, {"name": "x", "scopes": "read,admin"})
        self.refused(r, 13, "admin")
        self.assertEqual(self.ok("account.keys", t), [])
        for bad in ({"name": "x"}, {"name": "x", "scopes": "read,fly"},
                    {"name": "x", "scopes": "read", "allow": "10.0.0.0/33"},
                    {"name": "x", "scopes": "read", "expiresAt": 5},
                    {"name": "", "scopes": "read"}):
            r = self.d.call("account.keyAdd", t, bad)
            self.assertIn(r.code, (21, 22), (bad, r))
        self.assertEqual(self.ok("account.keys", t), [])


class Limits(KeyCase):
    def test_group_limited_key(self):
        t = self.admin
        g1 = self.ok("group.add", t, {"name": "one"})
        g2 = self.ok("group.add", t, {"name": "two"})
        j1 = self.ok("cron.add", t, json_body={"url": URL, "expression": "0 0 1 1 *",
                                               "group": g1["id"],
                                               "tasks": [{"action": "echo"}]}, method="POST")
        j2 = self.ok("cron.add", t, json_body={"url": URL, "expression": "0 0 1 1 *",
                                               "group": g2["id"],
                                               "tasks": [{"action": "echo"}]}, method="POST")
        j3 = self.ok("cron.add", t, {"url": URL, "expression": "0 0 1 1 *"})
        k, kt = self.key(t, scopes="read,write,run", group=g1["id"])
        self.assertEqual(k["group"], g1["id"])
        self.ok("cron.get", kt, {"id": j1["id"]})
        before = self.snapshot(t)
        for action, params in (
                ("cron.get", {"id": j2["id"]}), ("cron.get", {"id": j3["id"]}),
                ("cron.edit", {"id": j2["id"], "name": "x"}),
                ("cron.edit", {"id": j1["id"], "group": g2["id"]}),
                ("cron.delete", {"id": j2["id"]}), ("cron.run", {"id": j2["id"]}),
                ("cron.add", {"url": URL, "expression": "0 0 1 1 *"}),
                ("cron.add", {"url": URL, "expression": "0 0 1 1 *", "group": g2["id"]}),
                ("cron.list", {"group": g2["id"]}), ("cron.failures", {}),
                ("task.list", {"job": j2["id"]}), ("task.get", {"id": j2["tasks"][0]["id"]}),
                ("task.add", {"job": j2["id"], "action": "echo"}),
                ("group.get", {"id": g2["id"]}), ("group.vanish", {"id": g2["id"]}),
                ("group.items", {"id": g2["id"]}), ("group.add", {"name": "three"}),
                ("account.edit", {"name": "x"})):
            r = self.d.call(action, kt, params, method="POST")
            self.refused(r, 13, "group %d" % g1["id"])
        self.assertEqual(self.snapshot(t), before)
        self.assertEqual([j["id"] for j in self.ok("cron.list", kt)], [j1["id"]])
        self.assertEqual([g["id"] for g in self.ok("group.list", kt)], [g1["id"]])
        self.assertEqual(self.ok("cron.upcoming", kt), [])
        self.ok("cron.edit", kt, {"id": j1["id"], "name": "renamed"})
        j4 = self.ok("cron.add", kt, {"url": URL, "expression": "0 0 1 1 *", "group": g1["id"]})
        self.assertEqual(j4["group"], g1["id"])
        self.ok("task.list", kt, {"job": j1["id"]})
        self.ok("group.items", kt, {"id": g1["id"]})
        self.ok("cron.failures", kt, {"id": j1["id"]})
        # a group key cannot hold the admin scope
        r = self.d.call("account.keyAdd", t, {"name": "x", "scopes": "admin", "group": g1["id"]})
        self.assertEqual(r.code, 22, r)
        self.assertEqual(self.metric("read") + self.metric("write") + self.metric("run"), 18)

    def test_address_limited_key(self):
        k, kt = self.key(self.admin, scopes="read", allow="10.1.0.0/16, 2001:db8::/32")
        self.assertEqual(k["allow"], ["10.1.0.0/16", "2001:db8::/32"])

        def via(addr):
            return self.d.call("account.get", kt, headers={"X-Forwarded-For": addr})
        self.assertEqual(via("10.1.2.3").code, 0)
        self.assertEqual(via("2001:db8::7").code, 0)
        self.refused(via("10.2.0.1"), 13, "10.2.0.1")
        self.refused(self.d.call("account.get", kt), 13, "127.0.0.1")
        self.assertEqual(self.metric("read"), 2)
        # the last use: 2001:db8::7, now, seen at once without a write
        k = self.ok("account.keys", self.admin)[0]
        self.assertEqual(k["lastUsedFrom"], "2001:db8::7")
        self.assertLessEqual(abs(k["lastUsedAt"] - time.time()), 5)
        # the allow-list changed: at once
        self.ok("account.keyEdit", self.admin, {"id": k["id"], "allow": "10.2.0.0/16"})
        self.refused(via("10.1.2.3"), 13, "10.1.2.3")
        self.assertEqual(via("10.2.0.1").code, 0)
        self.ok("account.keyEdit", self.admin, {"id": k["id"], "allow": ""})
        self.assertEqual(self.d.call("account.get", kt).code, 0)

    def test_expired_revoked_and_narrowed_keys_are_refused_at_once(self):
        t = self.admin
        k, kt = self.key(t, scopes="read,write", expiresAt=int(time.time()) + 2)
        self.assertEqual(self.d.call("cron.list", kt).code, 0)
        wait_until("the key expired", lambda: self.d.call("cron.list", kt).code == 11,
                   timeout=10, interval=0.2)
        self.assertIn("expired", self.d.call("cron.list", kt).json["message"])
        # given a new life
        self.ok("account.keyEdit", t, {"id": k["id"], "expiresAt": 0})
        self.assertEqual(self.d.call("cron.list", kt).code, 0)
        self.assertEqual(self.d.call("account.keyEdit", t, {"id": k["id"], "expiresAt": 10}).code, 22)
        # narrowed: write goes at once
        self.ok("cron.add", kt, {"url": URL, "expression": "0 0 1 1 *"})
        self.ok("account.keyEdit", t, {"id": k["id"], "scopes": "read"})
        self.refused(self.d.call("cron.add", kt, {"url": URL, "expression": "0 0 1 1 *"}),
                     13, '"write"')
        # revoked
        gone = self.ok("account.keyDelete", t, {"id": k["id"]})
        self.assertIsNone(gone["id"])
        self.refused(self.d.call("cron.list", kt), 11)
        self.assertEqual(self.ok("account.keys", t), [])
        self.assertEqual(self.d.call("account.keyDelete", t, {"id": k["id"]}).code, 30)

    def test_every_transport_of_a_key(self):
        _, kt = self.key(self.admin, scopes="read")
        self.assertEqual(self.d.call("account.get", None, {"token": kt}).code, 0)
        self.assertEqual(self.d.call("account.get", None,
                                     headers={"Authorization": "Bearer " + kt}).code, 0)
        self.assertEqual(self.d.call("account.get", None, method="POST",
                                     form={"token": kt}).code, 0)
        self.assertEqual(self.d.call("account.get", None, method="POST",
                                     json_body={"token": kt}).code, 0)
        self.assertEqual(self.d.call("account.get", kt).data["id"], self.admin_id)

    def test_a_deleted_account_takes_its_keys(self):
        uid, t = self.user("leaving")
        _, kt = self.key(t, scopes="read")
        self.ok("user.delete", self.admin, {"id": uid})
        self.assertEqual(self.d.call("account.get", kt).code, 11)
        self.assertEqual(self.d.ctl("check").returncode, 0)


class Transfer(KeyCase):
    def test_keys_travel_with_export_and_import(self):
        uid, t = self.user("mover")
        g = self.ok("group.add", t, {"name": "g"})
        k, kt = self.key(t, name="ci", scopes="read,run", group=g["id"], allow="127.0.0.0/8",
                         expiresAt=int(time.time()) + 3600)
        self.ok("account.get", kt)
        check = self.d.ctl("check").stdout
        self.assertIn("1 keys: 0 faults", check)
        text = self.d.ctl("export", uid).stdout
        doc = json.loads(text)
        self.assertEqual(len(doc["keys"]), 1)
        self.assertNotIn(kt, text)
        # importing where the key is in use is refused
        path = os.path.join(self.d.dir, "mover.json")
        with open(path, "w") as f:
            f.write(text)
        # the account leaves this server; its document comes back
        self.ok("user.delete", self.admin, {"id": uid})
        self.assertEqual(self.d.call("account.get", kt).code, 11)
        self.d.ctl("import", path)
        r = self.d.call("account.get", kt)
        self.assertEqual(r.code, 0, r)
        new_id = r.data["id"]
        self.assertNotEqual(new_id, uid)
        keys = self.ok("account.keys", self.d.call("user.token", self.admin,
                                                   {"id": new_id}).data["token"])
        self.assertEqual(len(keys), 1)
        self.assertEqual((keys[0]["name"], keys[0]["scopes"], keys[0]["allow"],
                          keys[0]["expiresAt"]), ("ci", ["read", "run"], ["127.0.0.0/8"],
                                                  k["expiresAt"]))
        groups = self.ok("group.list", kt)
        self.assertEqual(len(groups), 1)
        self.assertEqual(keys[0]["group"], groups[0]["id"])
        self.refused(self.d.call("cron.add", kt, {"url": URL, "expression": "0 0 1 1 *",
                                                  "group": groups[0]["id"]}), 13, '"write"')
        r = self.d.ctl("import", path, check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(self.d.ctl("check").returncode, 0)
        # digests: the key's too, for HAProxy's map
        digests = self.d.ctl("user", "digests").stdout
        import hashlib
        self.assertIn(hashlib.sha256(kt.encode()).hexdigest(), digests)


if __name__ == "__main__":
    unittest.main()

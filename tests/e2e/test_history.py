"""The history of changes: every write through the API or webcronctl
records an event (who, from where, the action, the object, the fields
changed with old and new values, secrets only as changed) in the same
transaction as the write; cron.history and account.history page them
newest first; history_max trims them; webcronctl check verifies them."""
import json
import os
import unittest

from webcron import DaemonCase

SECRETS = ("pw-Sekrit-1", "pw-Sekrit-2", "post-Sekrit-3", "payload-Sekrit-4",
           "payload-Sekrit-5", "acct-Sekrit-6")


def config(**extra):
    c = {"api": {"rate_limit": 100000, "rate_burst": 100000},
         "jobs": {"allowed_targets": "127.0.0.1/32"},
         "task.echo": {"exec": "/bin/cat"}}
    for section, keys in extra.items():
        c.setdefault(section, {}).update(keys)
    return c


class HistoryCase(DaemonCase):
    config = config()

    def ok(self, action, token, params=None, **kw):
        r = self.d.call(action, token, params, **kw)
        self.assertEqual(r.code, 0, "%s: %r" % (action, r))
        return r.data

    def changes(self, event):
        return dict((c["field"], c) for c in event["changes"])

    def history(self, token, **params):
        return self.ok("account.history", token, params)

    def test_each_kind_of_write(self):
        uid, tok = self.user("alice")
        job = self.ok("cron.add", tok, {"name": "first", "url": "http://127.0.0.1:9/x",
                                        "expression": "*/5 * * * *", "password": SECRETS[0],
                                        "postData": SECRETS[2]}, method="POST")
        jid = job["id"]
        ev = self.ok("cron.history", tok, {"id": jid})
        self.assertEqual(len(ev), 1)
        e = ev[0]
        self.assertEqual((e["action"], e["object"], e["objectId"], e["account"]),
                         ("cron.add", "job", jid, uid))
        self.assertEqual(e["actor"], "api")
        self.assertEqual(e["by"], uid)
        self.assertEqual(e["key"], "token")
        self.assertEqual(e["client"], "127.0.0.1")
        ch = self.changes(e)
        self.assertEqual(ch["name"], {"field": "name", "old": None, "new": "first"})
        self.assertEqual(ch["password"], {"field": "password", "changed": True})
        self.assertEqual(ch["postData"], {"field": "postData", "changed": True})

        self.ok("cron.edit", tok, {"id": jid, "name": "second", "timeout": 12,
                                   "password": SECRETS[1]}, method="POST")
        e = self.ok("cron.history", tok, {"id": jid})[0]
        self.assertEqual(e["action"], "cron.edit")
        ch = self.changes(e)
        self.assertEqual(ch["name"], {"field": "name", "old": "first", "new": "second"})
        self.assertEqual(ch["timeout"], {"field": "timeout", "old": 30, "new": 12})
        self.assertEqual(ch["password"], {"field": "password", "changed": True})
        self.assertNotIn("url", ch)

        self.ok("cron.disable", tok, {"id": jid}, method="POST")
        self.ok("cron.enable", tok, {"id": jid}, method="POST")
        ev = self.ok("cron.history", tok, {"id": jid})
        self.assertEqual([x["action"] for x in ev[:2]], ["cron.enable", "cron.disable"])
        self.assertEqual(self.changes(ev[1])["status"], {"field": "status", "old": 0, "new": 1})
        self.assertEqual(self.changes(ev[0])["status"], {"field": "status", "old": 1, "new": 0})

        task = self.ok("task.add", tok, {"job": jid, "action": "echo",
                                         "payload": SECRETS[3]}, method="POST")
        e = self.ok("cron.history", tok, {"id": jid})[0]
        self.assertEqual(e["action"], "task.add")
        ch = self.changes(e)
        self.assertEqual(ch["tasks.%d.action" % task["id"]]["new"], "echo")
        self.assertEqual(ch["tasks.%d.payload" % task["id"]], {"field": "tasks.%d.payload" % task["id"],
                                                               "changed": True})
        self.ok("task.edit", tok, {"id": task["id"], "payload": SECRETS[4]}, method="POST")
        self.ok("task.delete", tok, {"id": task["id"]}, method="POST")
        e = self.ok("cron.history", tok, {"id": jid})[0]
        self.assertEqual(e["action"], "task.delete")
        self.assertIsNone(self.changes(e)["tasks.%d.action" % task["id"]]["new"])

        group = self.ok("group.add", tok, {"name": "g1"}, method="POST")
        gid = group["id"]
        self.ok("cron.edit", tok, {"id": jid, "group": gid}, method="POST")
        self.ok("group.edit", tok, {"id": gid, "name": "g2"}, method="POST")
        self.ok("group.disable", tok, {"id": gid}, method="POST")
        gev = self.history(tok, object="group", objectId=gid)
        self.assertEqual([x["action"] for x in gev], ["group.disable", "group.edit", "group.add"])
        self.assertEqual(self.changes(gev[1])["name"], {"field": "name", "old": "g1", "new": "g2"})
        e = self.ok("cron.history", tok, {"id": jid})[0]
        self.assertEqual(e["action"], "group.disable")
        self.assertEqual(self.changes(e)["status"]["new"], 1)

        self.ok("account.edit", tok, {"name": "Alice B"}, method="POST")
        self.ok("account.secret", tok, {"secret": SECRETS[5]}, method="POST")
        self.ok("account.token", tok, method="POST")
        tok = None
        ev = self.history(self.admin, asUser=uid, object="account")
        self.assertEqual([x["action"] for x in ev[:3]],
                         ["account.token", "account.secret", "account.edit"])
        self.assertEqual(self.changes(ev[0])["token"], {"field": "token", "changed": True})
        self.assertEqual(self.changes(ev[1])["secret"], {"field": "secret", "changed": True})
        self.assertEqual(self.changes(ev[2])["name"],
                         {"field": "name", "old": "alice", "new": "Alice B"})

        self.ok("cron.delete", self.admin, {"id": jid, "asUser": uid}, method="POST")
        e = self.ok("cron.history", self.admin, {"id": jid, "asUser": uid})[0]
        self.assertEqual(e["action"], "cron.delete")
        self.assertEqual(e["by"], self.admin_id)
        self.assertEqual(e["account"], uid)
        self.assertIsNone(self.changes(e)["name"]["new"])

        # no secret anywhere in any answer
        everything = json.dumps(self.history(self.admin, asUser=uid, limit=1000))
        everything += json.dumps(self.ok("cron.history", self.admin, {"id": jid, "asUser": uid}))
        for s in SECRETS:
            self.assertNotIn(s, everything)
        # nor in the store's files as history (the job's own record may hold them)
        self.assertEqual(self.d.ctl("check").returncode, 0)

    def test_user_writes_and_admin_only(self):
        uid, tok = self.user("bob")
        self.ok("user.edit", self.admin, {"id": uid, "maxJobs": 7}, method="POST")
        ev = self.history(tok)
        self.assertEqual([x["action"] for x in ev], ["user.edit", "user.add"])
        self.assertEqual(self.changes(ev[0])["limits.maxJobs"]["new"], 7)
        self.assertEqual(ev[0]["by"], self.admin_id)
        # another account's history: asUser is for admins
        other, otok = self.user("carol")
        r = self.d.call("account.history", otok, {"asUser": uid})
        self.assertEqual(r.code, 13)
        r = self.d.call("cron.history", otok, {"id": 1})
        self.assertEqual(r.code, 30)

    def test_failed_write_leaves_no_event(self):
        uid, tok = self.user("dave", maxJobs=1)
        self.ok("cron.add", tok, {"url": "http://127.0.0.1:9/", "expression": "* * * * *"},
                method="POST")
        before = self.history(tok)
        r = self.d.call("cron.add", tok, {"url": "http://127.0.0.1:9/", "expression": "* * * * *"},
                        method="POST")
        self.assertEqual(r.code, 40)
        r = self.d.call("cron.edit", tok, {"id": before[0]["objectId"], "timeout": 0},
                        method="POST")
        self.assertEqual(r.code, 22)
        self.assertEqual(self.history(tok), before)

    def test_paging_and_filters(self):
        uid, tok = self.user("erin")
        ids = []
        for i in range(7):
            ids.append(self.ok("cron.add", tok, {"name": "j%d" % i, "url": "http://127.0.0.1:9/",
                                                 "expression": "* * * * *"}, method="POST")["id"])
        self.ok("cron.edit", tok, {"id": ids[0], "name": "renamed"}, method="POST")
        everything = self.history(tok)
        self.assertEqual(len(everything), 9)
        evids = [e["id"] for e in everything]
        self.assertEqual(evids, sorted(evids, reverse=True))
        page1 = self.history(tok, limit=4)
        page2 = self.history(tok, limit=4, before=page1[-1]["id"])
        page3 = self.history(tok, limit=4, before=page2[-1]["id"])
        self.assertEqual(page1 + page2 + page3, everything)
        self.assertEqual(len(self.history(tok, action="cron.add")), 7)
        self.assertEqual(len(self.history(tok, action="cron")), 8)
        self.assertEqual([e["action"] for e in self.history(tok, object="job", objectId=ids[0])],
                         ["cron.edit", "cron.add"])
        self.assertEqual(len(self.history(tok, object="account")), 1)
        r = self.d.call("account.history", tok, {"object": "nope"})
        self.assertEqual(r.code, 22)
        jp = self.ok("cron.history", tok, {"id": ids[0], "limit": 1})
        self.assertEqual(jp[0]["action"], "cron.edit")
        jp2 = self.ok("cron.history", tok, {"id": ids[0], "limit": 1, "before": jp[0]["id"]})
        self.assertEqual(jp2[0]["action"], "cron.add")


class TrimCase(DaemonCase):
    config = config(api={"history_max": 5, "history_days": 90})

    def test_history_max(self):
        r = self.d.call("user.add", self.admin, {"name": "frank"})
        uid, tok = r.data["account"]["id"], r.data["token"]
        jid = self.d.call("cron.add", tok, {"url": "http://127.0.0.1:9/", "expression": "* * * * *"},
                          method="POST").data["id"]
        for i in range(10):
            self.assertEqual(self.d.call("cron.edit", tok, {"id": jid, "name": "n%d" % i},
                                         method="POST").code, 0)
        ev = self.d.call("account.history", tok).data
        self.assertEqual(len(ev), 5)
        self.assertEqual(self.changes_name(ev[0]), "n9")
        self.assertEqual(len(self.d.call("cron.history", tok, {"id": jid}).data), 5)
        res = self.d.ctl("check")
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)

    @staticmethod
    def changes_name(e):
        return [c for c in e["changes"] if c["field"] == "name"][0]["new"]


class CtlCase(DaemonCase):
    config = config()

    def test_webcronctl_writes_are_recorded(self):
        import pwd
        me = pwd.getpwuid(os.getuid()).pw_name
        uid = int(self.d.ctl("user", "add", "gina").stdout.split()[1])
        self.d.ctl("user", "suspend", uid)
        self.d.ctl("user", "resume", uid)
        self.d.ctl("user", "token", uid)
        ev = self.d.call("account.history", self.admin, {"asUser": uid}).data
        self.assertEqual([e["action"] for e in ev],
                         ["user.token", "user.resume", "user.suspend", "user.add"])
        for e in ev:
            self.assertEqual((e["actor"], e["user"], e["by"], e["client"], e["key"]),
                             ("webcronctl", me, None, None, None))
        self.assertEqual([c for c in ev[2]["changes"] if c["field"] == "status"][0],
                         {"field": "status", "old": 0, "new": 1})
        self.assertEqual([c for c in ev[0]["changes"] if c["field"] == "token"][0],
                         {"field": "token", "changed": True})
        # import: the new account's history starts with it
        tok = self.d.call("user.token", self.admin, {"id": uid}, method="POST").data["token"]
        self.d.call("cron.add", tok, {"url": "http://127.0.0.1:9/", "expression": "* * * * *"},
                    method="POST")
        doc = os.path.join(self.d.dir, "export.json")
        with open(doc, "w") as f:
            f.write(self.d.ctl("export", uid).stdout)
        self.d.ctl("user", "delete", uid)
        new = int(self.d.ctl("import", doc).stdout.split()[-1])
        ev = self.d.call("account.history", self.admin, {"asUser": new}).data
        self.assertEqual([(e["action"], e["actor"]) for e in ev], [("import", "webcronctl")])
        res = self.d.ctl("check")
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)


if __name__ == "__main__":
    unittest.main()

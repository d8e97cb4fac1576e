#!/usr/bin/env python3
"""Crash safety of webcrond: writers, kill -9, restart, check.

Each round, N writer threads (each with its own account and kept-alive
connection) add, edit and delete jobs, add and move tasks, and add and
delete groups, while a few every-second jobs fire at a receiver on
127.0.0.1. After a random 0.2-2 s the daemon gets SIGKILL; it is started
again on the same data directory and every account is read back through
the API and compared with a model of what the daemon acknowledged:

- every write that answered success is there, exactly;
- the one write per writer whose answer never came (lost in flight) is
  either wholly there or wholly absent: the account equals the model
  before it or the model after it, never a mix;
- tasks are dense (1..n), and cron.get, cron.list, task.list and task.get
  agree; group.get's jobCount and account.get's usage agree with the jobs;
- `webcronctl check` exits 0;
- across all rounds no (job, scheduled time) arrives twice at the receiver,
  and jobs fire again after each restart.

Usage: python3 tests/crash.py [--rounds 20] [--writers 4] [--seed S]
with WEBCROND / WEBCRONCTL in the environment as for the end-to-end tests
(default: build/webcrond and build/webcronctl of the source tree). Prints
a line per round and a summary; exits 1 on any violation. Only loopback is
contacted.
"""
import argparse
import http.client
import json
import os
import random
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("WEBCRON_BUILDDIR", os.path.join(HERE, "..", "build"))
sys.path.insert(0, os.path.join(HERE, "e2e"))

from webcron import Daemon, Receiver, wait_until  # noqa: E402

CONFIG = {
    "api": {"rate_limit": 1000000, "rate_burst": 1000000},
    "jobs": {"allowed_targets": "127.0.0.1/32"},
    "limits": {"min_interval": 1},
    # batches of 8 jobs: the restarted daemon loads its jobs on the
    # reader thread (a store of one batch is loaded before it listens),
    # while the writers write again
    "server": {"shutdown_grace": 1, "load_slice": 8},
}
FIRE_JOBS = 5
MAX_JOBS = 25           # per writer; the account allows 100
MAX_TASKS = 8           # per job; the account allows 20
MAX_GROUPS = 5
# Writers' jobs must not fire during the run: a month that is not this one
# and not the next (a run never spans two months).
QUIET_MONTH = (time.gmtime().tm_mon + 5) % 12 + 1
JOB_FIELDS = ("name", "description", "timeout", "postData", "httpHeaders", "expression",
              "status", "group")


class Fault(Exception):
    pass


def new_id(x):
    """A placeholder for an id the daemon chose but never told us."""
    return isinstance(x, str) and x.startswith("?")


# ---- the model of one account: {"jobs": {id: job}, "groups": {id: name}},
# job = {field: value, ..., "tasks": [(task id, payload, timeOffset)]}

def copy_state(s):
    return {"jobs": {k: dict(v, tasks=list(v["tasks"])) for k, v in s["jobs"].items()},
            "groups": dict(s["groups"])}


def job_record(j):
    rec = {f: j[f] for f in JOB_FIELDS}
    rec["tasks"] = [(t["id"], t["payload"], t["timeOffset"])
                    for t in sorted(j["tasks"], key=lambda t: t["sequence"])]
    return rec


def apply_op(state, op):
    """The model after OP (placeholders for ids the answer would have told)."""
    s = copy_state(state)
    kind, p = op["kind"], op["params"]
    if kind == "add":
        rec = {f: p[f] for f in JOB_FIELDS}
        rec["tasks"] = [("?task%d" % i, t["payload"], t["timeOffset"])
                        for i, t in enumerate(p["tasks"])]
        s["jobs"]["?job"] = rec
    elif kind == "edit":
        s["jobs"][p["id"]].update({f: p[f] for f in JOB_FIELDS if f in p})
    elif kind == "delete":
        del s["jobs"][p["id"]]
    elif kind == "task_add":
        s["jobs"][p["job"]]["tasks"].insert(p["sequence"] - 1,
                                            ("?task", p["payload"], p["timeOffset"]))
    elif kind == "task_move":
        tasks = s["jobs"][op["job"]]["tasks"]
        i = [t[0] for t in tasks].index(p["id"])
        tid, payload, offset = tasks.pop(i)
        tasks.insert(p["sequence"] - 1, (tid, p.get("payload", payload), offset))
    elif kind == "task_delete":
        tasks = s["jobs"][op["job"]]["tasks"]
        tasks[:] = [t for t in tasks if t[0] != p["id"]]
    elif kind == "group_add":
        s["groups"]["?group"] = p["name"]
    elif kind == "group_delete":
        del s["groups"][p["id"]]
        for j in s["jobs"].values():
            if j["group"] == p["id"]:
                j["group"] = None
    return s


def same_state(obs, exp):
    """True when OBS (read back) is EXP, where a placeholder id in EXP
    stands for one id that EXP does not otherwise hold."""
    known_tasks = {t[0] for j in exp["jobs"].values() for t in j["tasks"] if not new_id(t[0])}

    def same_tasks(a, b):
        if len(a) != len(b):
            return False
        for (ida, pa, oa), (idb, pb, ob) in zip(a, b):
            if (pa, oa) != (pb, ob):
                return False
            if new_id(idb) and ida in known_tasks or not new_id(idb) and ida != idb:
                return False
        return True

    def same_job(a, b):
        return all(a[f] == b[f] for f in JOB_FIELDS) and same_tasks(a["tasks"], b["tasks"])

    for what, same in (("groups", lambda a, b: a == b), ("jobs", same_job)):
        o, e = obs[what], exp[what]
        fixed = [k for k in e if not new_id(k)]
        fresh = [k for k in e if new_id(k)]
        extra = [k for k in o if k not in e]
        if any(k not in o or not same(o[k], e[k]) for k in fixed):
            return False
        if len(extra) != len(fresh) or any(not same(o[x], e[f]) for x, f in zip(extra, fresh)):
            return False
    return True


def state_diff(obs, model):
    """What differs between the account read back and the model, in words."""
    out = []
    for gid in sorted(set(obs["groups"]) | set(model["groups"]), key=str):
        a, b = obs["groups"].get(gid), model["groups"].get(gid)
        if a != b:
            out.append("group %s: read back %r, model %r" % (gid, a, b))
    for jid in sorted(set(obs["jobs"]) | set(model["jobs"]), key=str):
        a, b = obs["jobs"].get(jid), model["jobs"].get(jid)
        if a is None or b is None:
            out.append("job %s: %s" % (jid, "missing" if a is None else "not in the model: %r" % a))
            continue
        for f in JOB_FIELDS + ("tasks",):
            if a[f] != b[f]:
                out.append("job %s %s: read back %r, model %r" % (jid, f, a[f], b[f]))
    return out


# ---- HTTP: one kept-alive connection per writer

class Conn:
    def __init__(self, port, token):
        self.port = port
        self.token = token
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, action, params):
        """Returns the parsed envelope; raises OSError or HTTPException when
        the connection dies before the answer is complete."""
        body = json.dumps(dict(params, token=self.token)).encode()
        self.c.request("POST", "/api/" + action, body=body,
                       headers={"Content-Type": "application/json"})
        r = self.c.getresponse()
        raw = r.read()
        return r.status, json.loads(raw.decode())

    def close(self):
        self.c.close()


class Writer(threading.Thread):
    """Random writes to one account until the daemon dies under it."""

    def __init__(self, run, idx, account):
        super().__init__(daemon=True)
        self.run_ = run
        self.idx = idx
        self.acct = account
        self.rnd = random.Random(run.rnd.random())
        self.acked = []         # ops answered with success
        self.pending = None     # the op whose answer never came
        self.faults = []

    def version(self):
        self.acct["v"] += 1
        return self.acct["v"]

    def job_fields(self, v, subset=None):
        fields = {"name": "w%d-v%d" % (self.idx, v), "description": "d%d" % v,
                  "timeout": 1 + v % 60, "postData": "p%d" % v, "httpHeaders": "X-V: %d" % v,
                  "expression": "%d %d %d %d *" % (v % 60, v % 24, 1 + v % 28, QUIET_MONTH),
                  "status": self.rnd.choice((0, 0, 1)),
                  "group": self.rnd.choice([None] + sorted(self.acct["state"]["groups"]))}
        if subset:
            fields = {k: fields[k] for k in subset}
        return fields

    def choose(self):
        st = self.acct["state"]
        jobs, groups = sorted(st["jobs"]), sorted(st["groups"])
        rnd = self.rnd
        weights = {"add": 3 if len(jobs) < MAX_JOBS else 0, "edit": 3 if jobs else 0,
                   "delete": (2 if len(jobs) > 10 else 1) if jobs else 0,
                   "task_add": 2 if jobs else 0, "task_move": 3 if jobs else 0,
                   "task_delete": 1 if jobs else 0,
                   "group_add": 1 if len(groups) < MAX_GROUPS else 0,
                   "group_delete": 1 if groups else 0}
        kind = rnd.choices(list(weights), list(weights.values()))[0]
        v = self.version()
        url = self.run_.rx.url("/never/%d/%d" % (self.idx, v))
        if kind == "add":
            p = self.job_fields(v)
            p["url"] = url
            p["tasks"] = [{"action": "http", "payload": url + "/t%d" % i, "timeOffset": i}
                          for i in range(rnd.randint(0, 2))]
            return {"kind": kind, "action": "cron.add", "params": p}
        if kind == "edit":
            subset = rnd.sample(JOB_FIELDS, rnd.randint(2, len(JOB_FIELDS)))
            p = self.job_fields(v, subset)
            p["id"] = rnd.choice(jobs)
            return {"kind": kind, "action": "cron.edit", "params": p}
        if kind == "delete":
            return {"kind": kind, "action": "cron.delete", "params": {"id": rnd.choice(jobs)}}
        if kind in ("task_add", "task_move", "task_delete"):
            jid = rnd.choice(jobs)
            tasks = st["jobs"][jid]["tasks"]
            if kind == "task_add" or not tasks:
                if len(tasks) >= MAX_TASKS:
                    return self.choose()
                return {"kind": "task_add", "action": "task.add", "job": jid, "params": {
                    "job": jid, "action": "http", "payload": url, "timeOffset": v % 900,
                    "sequence": rnd.randint(1, len(tasks) + 1)}}
            tid = rnd.choice(tasks)[0]
            if kind == "task_delete":
                return {"kind": kind, "action": "task.delete", "job": jid, "params": {"id": tid}}
            p = {"id": tid, "sequence": rnd.randint(1, len(tasks))}
            if rnd.random() < 0.5:
                p["payload"] = url + "/moved"
            return {"kind": kind, "action": "task.edit", "job": jid, "params": p}
        if kind == "group_add":
            return {"kind": kind, "action": "group.add",
                    "params": {"name": "g%d-%d" % (self.idx, v)}}
        return {"kind": kind, "action": "group.delete", "params": {"id": rnd.choice(groups)}}

    def check_answer(self, op, data):
        """The answer to an acknowledged op says what was asked; returns
        the ids it tells (new job, task or group)."""
        kind, p = op["kind"], op["params"]
        if kind == "add":
            rec = job_record(data)
            want = apply_op({"jobs": {}, "groups": {}}, op)["jobs"]["?job"]
            if not same_state({"jobs": {data["id"]: rec}, "groups": {}},
                              {"jobs": {"?job": want}, "groups": {}}):
                raise Fault("cron.add answered %r for %r" % (rec, p))
        elif kind == "edit":
            want = apply_op(self.acct["state"], op)["jobs"][p["id"]]
            if job_record(data) != want:
                raise Fault("cron.edit answered %r, expected %r" % (job_record(data), want))
        elif kind in ("delete", "task_delete", "group_delete"):
            if data["id"] is not None:
                raise Fault("%s answered id %r, expected null" % (op["action"], data["id"]))
        elif kind in ("task_add", "task_move"):
            if data["sequence"] != p["sequence"]:
                raise Fault("%s answered sequence %r, expected %r" % (
                    op["action"], data["sequence"], p["sequence"]))

    def learn(self, op, data):
        """The model after an acknowledged op, with the ids the answer told."""
        st = apply_op(self.acct["state"], op)
        kind = op["kind"]
        if kind == "add":
            rec = st["jobs"].pop("?job")
            rec["tasks"] = [(t["id"], t["payload"], t["timeOffset"]) for t in data["tasks"]]
            st["jobs"][data["id"]] = rec
        elif kind == "task_add":
            tasks = st["jobs"][op["job"]]["tasks"]
            i = [t[0] for t in tasks].index("?task")
            tasks[i] = (data["id"],) + tasks[i][1:]
        elif kind == "group_add":
            st["groups"][data["id"]] = st["groups"].pop("?group")
        self.acct["state"] = st

    def run(self):
        conn = Conn(self.run_.d.port, self.acct["token"])
        try:
            self.write_until_dead(conn)
        except Exception as e:     # a bug of this script or a strange answer
            self.faults.append("writer %d stopped: %r" % (self.idx, e))
        finally:
            conn.close()

    def write_until_dead(self, conn):
        while True:
            op = self.choose()
            op["sent"] = time.monotonic()
            try:
                status, env = conn.call(op["action"], op["params"])
            except (OSError, http.client.HTTPException, ValueError) as e:
                op["error"] = repr(e)
                self.pending = op
                self.run_.journal(self.idx, op, None)
                return
            self.run_.journal(self.idx, op, env)
            if status != 200 or env.get("code") != 0:
                self.faults.append("writer %d: %s %s answered HTTP %d %r" % (
                    self.idx, op["action"], json.dumps(op["params"]), status, env))
                continue
            try:
                self.check_answer(op, env["data"])
            except Fault as e:
                self.faults.append("writer %d: %s" % (self.idx, e))
                continue
            self.learn(op, env["data"])
            self.acked.append(op)


# ---- reading an account back

def read_back(d, token, before):
    """The account as the API shows it, checking that its views agree.
    Returns (state, problems)."""
    problems = []

    def ok(action, params):
        r = d.call(action, token, params)
        if r.status != 200 or r.json is None or r.json.get("code") != 0:
            raise Fault("%s %r answered %r" % (action, params, r))
        return r.data

    listed = ok("cron.list", {"limit": 1000})
    jobs = {}
    for j in listed:
        rec = job_record(j)
        jobs[j["id"]] = rec
        got = ok("cron.get", {"id": j["id"]})
        if job_record(got) != rec:
            problems.append("job %d: cron.get %r differs from cron.list %r" % (
                j["id"], job_record(got), rec))
        seqs = [t["sequence"] for t in sorted(got["tasks"], key=lambda t: t["sequence"])]
        if seqs != list(range(1, len(seqs) + 1)):
            problems.append("job %d: task sequences %r are not dense" % (j["id"], seqs))
        tl = ok("task.list", {"job": j["id"]})
        if [(t["id"], t["sequence"]) for t in tl] != [
                (t[0], i + 1) for i, t in enumerate(rec["tasks"])]:
            problems.append("job %d: task.list %r differs from the job's tasks %r" % (
                j["id"], [(t["id"], t["sequence"]) for t in tl], rec["tasks"]))
        for t in tl:
            tg = ok("task.get", {"id": t["id"]})
            if (tg["job"], tg["sequence"], tg["payload"], tg["timeOffset"]) != (
                    j["id"], t["sequence"], t["payload"], t["timeOffset"]):
                problems.append("task %d: task.get %r differs from task.list %r" % (
                    t["id"], tg, t))
    groups = {g["id"]: g["name"] for g in ok("group.list", {})}
    for gid in groups:
        count = ok("group.get", {"id": gid})["jobCount"]
        members = sum(1 for j in jobs.values() if j["group"] == gid)
        if count != members:
            problems.append("group %d: jobCount %d, but %d jobs are in it" % (gid, count, members))
    usage = ok("account.get", {})["usage"]["jobs"]
    if usage != len(jobs):
        problems.append("account.get usage.jobs %d, but %d jobs are listed" % (usage, len(jobs)))
    # whatever is gone is wholly gone: jobs, and tasks (of gone jobs too)
    for jid in before["jobs"]:
        if jid not in jobs and d.call("cron.get", token, {"id": jid}).json.get("code") != 30:
            problems.append("job %d: not listed, but cron.get finds it" % jid)
    listed_tasks = {t[0] for j in jobs.values() for t in j["tasks"]}
    for jid, j in before["jobs"].items():
        for t in j["tasks"]:
            if t[0] not in listed_tasks and \
                    d.call("task.get", token, {"id": t[0]}).json.get("code") != 30:
                problems.append("task %d (of job %d) is in no job's list, but task.get "
                                "finds it" % (t[0], jid))
    return {"jobs": jobs, "groups": groups}, problems


# ---- the run

class CrashRun:
    def __init__(self, rounds, writers, seed, out=sys.stdout, keep=False):
        self.rounds = rounds
        self.nwriters = writers
        self.seed = seed
        self.rnd = random.Random(seed)
        self.out = out
        self.keep = keep
        self.faults = []
        self.acked = 0
        self.lost = 0
        self.lost_applied = 0
        self.lock = threading.Lock()
        self.d = None
        self.rx = None
        self.journal_file = None

    def say(self, text):
        self.out.write(text + "\n")
        self.out.flush()

    def journal(self, writer, op, env):
        line = json.dumps({"round": self.round, "writer": writer, "action": op["action"],
                           "params": op["params"], "error": op.get("error"),
                           "answer": env}, default=str)
        with self.lock:
            self.journal_file.write(line + "\n")

    def fault(self, text):
        self.faults.append("round %d: %s" % (self.round, text))
        self.say("  FAULT " + text)

    def setup(self):
        self.rx = Receiver()
        self.d = Daemon(CONFIG)
        self.journal_file = open(os.path.join(self.d.dir, "journal.jsonl"), "w")
        _, admin = self.d.add_user("admin", admin=True)
        self.d.start()
        self.accounts = []
        for i in range(self.nwriters):
            r = self.d.call("user.add", admin, {"name": "writer%d" % i})
            assert r.code == 0, r
            self.accounts.append({"token": r.data["token"], "v": 0,
                                  "state": {"jobs": {}, "groups": {}}})
        r = self.d.call("user.add", admin, {"name": "fires"})
        assert r.code == 0, r
        self.fire_token = r.data["token"]
        for _ in range(FIRE_JOBS):
            r = self.d.call("cron.add", self.fire_token, {
                "url": self.rx.url("/fire"), "expression": "* * * * * *", "timeout": 5})
            assert r.code == 0, r
        self.rx.wait(FIRE_JOBS, "/fire")

    def one_round(self):
        t0 = time.monotonic()
        writers = [Writer(self, i, a) for i, a in enumerate(self.accounts)]
        for w in writers:
            w.start()
        delay = self.rnd.uniform(0.2, 2.0)
        time.sleep(delay)       # the moment of the crash is the random variable here
        self.d.stop(signal.SIGKILL)
        for w in writers:
            w.join(60)
            if w.is_alive():
                raise Fault("writer %d did not notice the daemon's death" % w.idx)
        self.d.start()
        restarted = time.time()
        acked = lost = applied = 0
        kinds = {}
        for w, acct in zip(writers, self.accounts):
            for f in w.faults:
                self.fault(f)
            acked += len(w.acked)
            for op in w.acked:
                kinds[op["kind"]] = kinds.get(op["kind"], 0) + 1
            model = acct["state"]
            obs, problems = read_back(self.d, acct["token"], model)
            for p in problems:
                self.fault("writer %d: %s" % (w.idx, p))
            if same_state(obs, model):
                pass
            elif w.pending and same_state(obs, apply_op(model, w.pending)):
                applied += 1
            else:
                self.fault("writer %d: the account is neither the acknowledged model nor "
                           "the model after the lost write %s %s:\n      %s" % (
                               w.idx, w.pending and w.pending["action"],
                               w.pending and json.dumps(w.pending["params"]),
                               "\n      ".join(state_diff(obs, model))))
            if w.pending:
                lost += 1
            # go on from what is there (with the ids a lost add was given),
            # so that one fault is reported once
            acct["state"] = obs
        check = self.d.ctl("check", check=False)
        if check.returncode != 0:
            self.fault("webcronctl check exited %d: %s%s" % (
                check.returncode, check.stdout, check.stderr))
        # the scheduler works again: a fire planned after the restart arrives
        try:
            wait_until("a fire after the restart", lambda: any(
                int(h["headers"]["X-Webcron-Scheduled-Time"]) > restarted
                for h in self.rx.hits("/fire")), timeout=15)
        except AssertionError as e:
            self.fault(str(e))
        self.acked += acked
        self.lost += lost
        self.lost_applied += applied
        self.say("round %d: killed after %.2fs; %d acknowledged writes (%s) checked; "
                 "%d lost in flight (%d applied, %d absent); %d fires so far; %.1fs" % (
                     self.round, delay, acked,
                     ", ".join("%s %d" % kv for kv in sorted(kinds.items())), lost, applied,
                     lost - applied, len(self.rx.hits("/fire")), time.monotonic() - t0))
        self.done += 1

    def duplicates(self):
        seen = {}
        for h in self.rx.hits("/fire"):
            key = (h["headers"]["X-Webcron-Job"], h["headers"]["X-Webcron-Scheduled-Time"])
            seen[key] = seen.get(key, 0) + 1
        return sorted(k for k, n in seen.items() if n > 1)

    def run(self):
        self.round = self.done = 0
        try:
            self.setup()
            self.say("crash: seed %s, %d writers, %d every-second jobs, data in %s" % (
                self.seed, self.nwriters, FIRE_JOBS, self.d.dir))
            for self.round in range(1, self.rounds + 1):
                self.one_round()
            self.round = self.rounds
            rc = self.d.stop()
            if rc != 0:
                self.fault("webcrond exited %r on SIGTERM" % rc)
        except (Fault, AssertionError) as e:
            self.fault(str(e))
        finally:
            if self.journal_file:
                self.journal_file.close()
        dups = self.duplicates() if self.rx else []
        for k in dups[:20]:
            self.faults.append("duplicate fire: job %s scheduled at %s" % k)
        self.fires = len(self.rx.hits("/fire")) if self.rx else 0
        self.dups = len(dups)
        self.say("crash: %d rounds, %d acknowledged writes checked, %d lost-in-flight "
                 "(unacknowledged), %d fires, %d duplicate fires, %d faults" % (
                     self.done, self.acked, self.lost, self.fires, self.dups,
                     len(self.faults)))
        if self.rx:
            self.rx.stop()
        if self.d:
            if self.faults or self.keep:
                if self.d.proc is not None:
                    self.d.stop(signal.SIGKILL)
                self.say("crash: kept %s (config, data, webcrond.log, journal.jsonl)" % self.d.dir)
            else:
                self.d.cleanup()
        return 1 if self.faults else 0


def main(argv=None, out=sys.stdout):
    ap = argparse.ArgumentParser(description="kill -9 webcrond under concurrent writers")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--seed", default=None, help="for a repeatable sequence of choices")
    ap.add_argument("--keep", action="store_true", help="keep the data directory")
    args = ap.parse_args(argv)
    seed = args.seed if args.seed is not None else "%d" % time.time_ns()
    run = CrashRun(args.rounds, args.writers, seed, out, args.keep)
    rc = run.run()
    for f in run.faults:
        out.write("fault: %s\n" % f)
    return rc, run


if __name__ == "__main__":
    sys.exit(main()[0])

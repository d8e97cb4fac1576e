"""The OpenAPI document (docs/openapi.json) checked against the code.

- The committed file is exactly what `webcrond -O` prints, and what
  GET /api/openapi.json serves without a token.
- Every route of api_routes[] (read from src/api/api.c, not from the
  document) is a documented path, and every code of enum api_code (read
  from src/api/call.h) is in the Error schema.
- A real webcrond is called on every route with valid parameters, and
  each answer is validated against that route's response schema: by a
  small JSON Schema validator below (always), and by ajv through
  tests/openapi/validate.mjs when node and its packages are there (`npm ci`
  in tests/openapi; contrib/dev test does it). The same script validates
  the document itself with swagger-parser.
- The validator is shown to fail when the document and an answer disagree.
"""
import copy
import json
import os
import re
import time
import shutil
import subprocess
import tempfile
import unittest

from webcron import WEBCROND, DaemonCase, Receiver, wait_until

SRCDIR = os.path.abspath(os.environ.get("WEBCRON_SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")))
DOC_PATH = os.path.join(SRCDIR, "docs", "openapi.json")
NODE_DIR = os.path.join(SRCDIR, "tests", "openapi")
REGENERATE = "regenerate it: build/webcrond -O > docs/openapi.json"


def load_doc():
    with open(DOC_PATH, encoding="utf-8") as f:
        return json.load(f)


def route_table():
    """[(target, action, flags)] of api_routes[] in src/api/api.c."""
    with open(os.path.join(SRCDIR, "src", "api", "api.c"), encoding="utf-8") as f:
        text = f.read()
    table = text[text.index("api_routes[] = {"):]
    table = table[:table.index("{ NULL")]
    rows = re.findall(r'\{\s*"(\w+)",\s*"(\w+)",\s*\w+,\s*([^}]*?)\s*\}', table)
    if not rows:
        raise AssertionError("no rows found in api_routes[] of src/api/api.c")
    return rows


def api_codes():
    """The codes of enum api_code in src/api/call.h."""
    with open(os.path.join(SRCDIR, "src", "api", "call.h"), encoding="utf-8") as f:
        text = f.read()
    return sorted(int(n) for n in re.findall(r"\bAPI_[A-Z_]+\s*=\s*(\d+)", text))


def answer_name(action):
    """"cron.get" -> "CronGetAnswer", as openapi.c names the responses."""
    target, act = action.split(".")
    return target[0].upper() + target[1:] + act[0].upper() + act[1:] + "Answer"


# ---- a small JSON Schema (2020-12) validator: the keywords the document uses

ANNOTATIONS = {"description", "default", "title", "example", "examples", "deprecated",
               "readOnly", "writeOnly", "format"}


class SchemaError(Exception):
    pass


def resolve(root, ref):
    if not ref.startswith("#/"):
        raise SchemaError("only local $ref: %s" % ref)
    node = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def type_ok(t, v):
    if t == "null":
        return v is None
    if t == "boolean":
        return isinstance(v, bool)
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool) or (
            isinstance(v, float) and v.is_integer())
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "string":
        return isinstance(v, str)
    if t == "array":
        return isinstance(v, list)
    if t == "object":
        return isinstance(v, dict)
    raise SchemaError("unknown type %r" % t)


def validate(schema, value, root, where="$"):
    """The faults of VALUE against SCHEMA (a list of strings; [] = valid).
    A keyword this validator does not know is an error, so that nothing
    in the document goes unchecked without anyone noticing."""
    if schema is True:
        return []
    if schema is False:
        return ["%s: not allowed" % where]
    faults = []
    for key, arg in schema.items():
        if key in ANNOTATIONS or key.startswith("x-"):
            continue
        if key == "$ref":
            faults += validate(resolve(root, arg), value, root, where)
        elif key == "type":
            types = arg if isinstance(arg, list) else [arg]
            if not any(type_ok(t, value) for t in types):
                faults.append("%s: %r is not of type %s" % (where, value, arg))
        elif key == "enum":
            if not any(value == e and type(value) is type(e) for e in arg):
                faults.append("%s: %r is not one of %r" % (where, value, arg))
        elif key == "const":
            if not (value == arg and type(value) is type(arg)):
                faults.append("%s: %r is not %r" % (where, value, arg))
        elif key in ("minimum", "maximum"):
            if type_ok("number", value) and (value < arg if key == "minimum" else value > arg):
                faults.append("%s: %r is out of %s %r" % (where, value, key, arg))
        elif key in ("minLength", "maxLength"):
            if isinstance(value, str) and (len(value) < arg if key == "minLength" else len(value) > arg):
                faults.append("%s: length %d is out of %s %r" % (where, len(value), key, arg))
        elif key == "pattern":
            if isinstance(value, str) and not re.search(arg, value):
                faults.append("%s: %r does not match %s" % (where, value, arg))
        elif key == "required":
            if isinstance(value, dict):
                faults += ["%s: %s is missing" % (where, k) for k in arg if k not in value]
        elif key == "properties":
            if isinstance(value, dict):
                for k, sub in arg.items():
                    if k in value:
                        faults += validate(sub, value[k], root, "%s.%s" % (where, k))
        elif key == "additionalProperties":
            if isinstance(value, dict):
                known = schema.get("properties", {})
                for k in value:
                    if k not in known:
                        faults += validate(arg, value[k], root, "%s.%s" % (where, k)) \
                            if arg is not False else ["%s: %s is not in the document" % (where, k)]
        elif key == "items":
            if isinstance(value, list):
                for i, v in enumerate(value):
                    faults += validate(arg, v, root, "%s[%d]" % (where, i))
        elif key == "allOf":
            for sub in arg:
                faults += validate(sub, value, root, where)
        elif key == "anyOf":
            if all(validate(sub, value, root, where) for sub in arg):
                faults.append("%s: matches none of anyOf" % where)
        elif key == "oneOf":
            results = [validate(sub, value, root, where) for sub in arg]
            n = sum(1 for r in results if not r)
            if n != 1:
                faults.append("%s: matches %d of oneOf (%s)" % (
                    where, n, "; ".join(f for r in results for f in r[:3])))
        else:
            raise SchemaError("%s: keyword %r is not known to this validator" % (where, key))
    return faults


def answer_schema(doc, action):
    return doc["components"]["responses"][answer_name(action)]["content"]["application/json"]["schema"]


def node_ready():
    """None when validate.mjs can run, else why not."""
    if shutil.which("node") is None:
        return "no node (install nodejs)"
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@apidevtools", "swagger-parser")):
        return "no swagger-parser (run npm ci in tests/openapi)"
    return None


def run_node(doc_path, answers=None):
    """Runs validate.mjs; returns (exit status, output)."""
    args = ["node", os.path.join(NODE_DIR, "validate.mjs"), doc_path]
    tmp = None
    if answers is not None:
        fd, tmp = tempfile.mkstemp(suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(answers, f)
        args.append(tmp)
    try:
        p = subprocess.run(args, cwd=NODE_DIR, capture_output=True, text=True, timeout=120)
    finally:
        if tmp:
            os.unlink(tmp)
    return p.returncode, p.stdout + p.stderr


def walk(node, path="#"):
    """Every (path, dict) of the document."""
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from walk(v, path + "/" + k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, "%s/%d" % (path, i))


class Document(unittest.TestCase):
    def test_committed_file_is_what_the_daemon_prints(self):
        p = subprocess.run([WEBCROND, "-O"], capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(DOC_PATH, "rb") as f:
            committed = f.read()
        self.assertTrue(committed == p.stdout, "docs/openapi.json is not what webcrond -O prints: " + REGENERATE)
        json.loads(p.stdout)

    def test_every_route_is_documented(self):
        doc = load_doc()
        routes = route_table()
        want = {"/api/%s.%s" % (t, a) for t, a, _ in routes}
        self.assertEqual(set(doc["paths"]), want, "the paths are not the route table: " + REGENERATE)
        for path, item in doc["paths"].items():
            self.assertEqual(set(item), {"get", "post"}, path)
            for method, op in item.items():
                self.assertIn("200", op["responses"], (path, method))
        for t, a, flags in routes:
            op = doc["paths"]["/api/%s.%s" % (t, a)]["get"]
            self.assertEqual("API_ADMIN" in flags, "Admin tokens only" in op.get("description", ""),
                             (t, a, flags))
        marked = [p for p, node in walk(doc) if node.get("x-webcron-undocumented")]
        self.assertEqual(marked, [], "routes or fields that src/api/openapi.c does not describe")

    def test_every_error_code_is_documented(self):
        doc = load_doc()
        codes = doc["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
        self.assertEqual(sorted(codes), [c for c in api_codes() if c != 0])

    def test_security_schemes(self):
        doc = load_doc()
        schemes = doc["components"]["securitySchemes"]
        self.assertEqual(schemes["bearer"], dict(schemes["bearer"], type="http", scheme="bearer"))
        self.assertEqual((schemes["token"]["type"], schemes["token"]["in"], schemes["token"]["name"]),
                         ("apiKey", "query", "token"))
        self.assertIn("token", doc["components"]["schemas"]["CronAddParams"]["properties"])

    def test_document_passes_swagger_parser(self):
        why = node_ready()
        if why:
            self.skipTest("OpenAPI validator: " + why)
        rc, out = run_node(DOC_PATH)
        self.assertEqual(rc, 0, out)
        self.assertIn("valid OpenAPI 3.1", out)

    def test_validators_fail_on_a_broken_document(self):
        """swagger-parser and the route check both notice a broken document."""
        doc = load_doc()
        bad = copy.deepcopy(doc)
        bad["paths"]["/api/cron.list"]["get"]["parameters"][1]["in"] = "body"
        bad["components"]["schemas"]["Job"]["properties"]["group"] = {"$ref": "#/components/schemas/Nope"}
        why = node_ready()
        if why:
            self.skipTest("OpenAPI validator: " + why)
        fd, path = tempfile.mkstemp(suffix=".json")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(bad, f)
            rc, out = run_node(path)
        finally:
            os.unlink(path)
        self.assertEqual(rc, 1, out)


class Answers(DaemonCase):
    config = {"api": {"rate_limit": 100000, "rate_burst": 100000},
              "jobs": {"allowed_targets": "127.0.0.1/32"},
              "limits": {"min_interval": 1}}

    def setUp(self):
        super().setUp()
        self.rx = Receiver()
        self.doc = load_doc()

    def tearDown(self):
        self.rx.stop()
        super().tearDown()

    def check(self, action, r, doc=None):
        """R's envelope against ACTION's schema; returns the faults."""
        return validate(answer_schema(doc or self.doc, action), r.json, doc or self.doc)

    def plan(self):
        """Calls every route with valid parameters: [(action, params, answer)]."""
        done = []
        uid, tok = self.user("alice", email="alice@example.org")

        def call(action, params=None, token=None, post=False):
            token = token or tok
            if post:
                r = self.d.call(action, token, method="POST", json_body=dict(params or {}))
            else:
                r = self.d.call(action, token, params)
            self.assertEqual(r.status, 200, (action, r))
            self.assertEqual(r.json.get("code"), 0, (action, params, r))
            done.append((action, params, r))
            return r.data

        url = self.rx.url("/hit")
        call("server.time")
        call("server.timezones")
        call("server.useragent")
        call("server.ip")
        call("server.info")
        call("server.info", token=self.admin)
        call("account.get")
        call("account.edit", {"timezone": "Europe/Berlin", "notify_url": self.rx.url("/n")}, post=True)
        call("account.secret", {"secret": "s3cret"}, post=True)
        g = call("group.add", {"name": "nightly", "description": "d"}, post=True)
        call("group.edit", {"id": g["id"], "description": "every night"}, post=True)
        call("group.get", {"id": g["id"]})
        call("group.list")
        call("group.lookup", {"name": "nightly"})
        job = call("cron.add", {"url": url, "minute": [0, 30], "hour": "2", "group": g["id"],
                                "name": "backup", "httpHeaders": {"X-A": "1"}, "password": "p",
                                "tasks": [{"action": "http", "payload": url, "timeOffset": 0}]},
                   post=True)
        fast = call("cron.add", {"url": url, "cron_expression": "* * * * * *", "startsAt": None,
                                 "catchUp": "none", "postData": "{}", "httpMethod": "POST"},
                    post=True)
        call("cron.add", {"url": url, "expression": "@manual", "is_active": False}, post=True)
        call("cron.edit", {"id": job["id"], "description": "nightly backup", "retries": 1},
             post=True)
        call("cron.get", {"id": job["id"]})
        call("cron.get", {"id": job["id"], "nextRuns": 3})
        call("cron.list")
        call("cron.list", {"keyword": "backup", "limit": 10})
        call("cron.list", {"after": job["id"], "limit": 10})
        call("cron.next", {"id": job["id"], "count": 3})
        call("cron.upcoming", {"hours": 48})
        call("cron.validate", {"expression": "0 2 * * 1-5", "timezone": "Europe/Berlin"})
        call("cron.presets")
        call("cron.disable", {"id": job["id"]}, post=True)
        call("cron.enable", {"id": job["id"]}, post=True)
        call("cron.toggle", {"id": job["id"]}, post=True)
        call("cron.pause", {"id": job["id"], "for": "2 hours"}, post=True)
        call("cron.duplicate", {"id": job["id"]}, post=True)
        t = call("task.add", {"job": job["id"], "action": "http",
                              "payload": {"url": url, "method": "POST", "body": "x"},
                              "timeOffset": 5, "continueOnFailure": True}, post=True)
        call("task.edit", {"id": t["id"], "sequence": 1}, post=True)
        call("task.get", {"id": t["id"]})
        call("task.list", {"job": job["id"]})
        self.rx.respond("/fail", status=500, body=b"no")
        call("cron.edit", {"id": fast["id"], "url": self.rx.url("/fail")}, post=True)
        run = call("cron.run", {"id": job["id"], "payload": "body"}, post=True)
        wait_until("the manual run's log", lambda: any(
            l["id"] == run["execution"] for l in self.d.call("cron.logs", tok, {"id": job["id"]}).data))
        wait_until("a failed run", lambda: self.d.call("cron.failures", tok).data)
        call("cron.logs", {"id": job["id"]})
        call("cron.log", {"id": job["id"], "execution": run["execution"]})
        call("cron.logs", {"id": fast["id"], "limit": 5})
        call("cron.failures")
        call("cron.failures", {"id": fast["id"]})
        call("group.items", {"id": g["id"]})
        call("group.disable", {"id": g["id"]}, post=True)
        call("group.enable", {"id": g["id"]}, post=True)
        call("task.delete", {"id": t["id"]}, post=True)
        call("cron.delete", {"id": fast["id"]}, post=True)
        call("group.empty", {"id": g["id"]}, post=True)
        call("group.delete", {"id": g["id"]}, post=True)
        g2 = call("group.add", {"name": "gone"}, post=True)
        call("cron.add", {"url": url, "expression": "@daily", "group": g2["id"]}, post=True)
        call("group.vanish", {"id": g2["id"]}, post=True)
        key = call("account.keyAdd", {"name": "ci", "scopes": ["read", "run"], "allow": ["127.0.0.1"],
                                      "expiresAt": int(time.time()) + 3600}, post=True)
        call("account.keys")
        call("account.keyEdit", {"id": key["key"]["id"], "scopes": "read", "allow": None,
                                 "expiresAt": None}, post=True)
        call("server.time", token=key["token"])
        call("account.keyDelete", {"id": key["key"]["id"]}, post=True)
        call("cron.history", {"id": job["id"]})
        call("cron.history", {"id": fast["id"], "limit": 2})
        call("account.history")
        call("account.history", {"object": "group", "action": "group", "limit": 3}, post=True)
        call("account.token", post=True)
        admin = self.admin
        call("user.list", token=admin)
        call("user.get", {"id": uid}, token=admin)
        bob = call("user.add", {"name": "bob", "maxJobs": 5, "limits": {"maxTasks": 3}},
                   token=admin, post=True)
        call("user.edit", {"id": bob["account"]["id"], "status": 1, "dailyExecutions": 10},
             token=admin, post=True)
        call("user.token", {"id": bob["account"]["id"]}, token=admin, post=True)
        call("user.delete", {"id": bob["account"]["id"]}, token=admin, post=True)
        call("cron.list", {"asUser": uid}, token=admin)
        return done

    def test_every_route_answers_as_documented(self):
        calls = self.plan()
        called = {a for a, _, _ in calls}
        routes = {"%s.%s" % (t, a) for t, a, _ in route_table()}
        self.assertEqual(routes - called, set(), "routes that this test does not call")
        faults = []
        for action, params, r in calls:
            faults += ["%s %s: %s" % (action, params, f) for f in self.check(action, r)]
        self.assertEqual(faults, [])
        # errors follow the Error schema
        errors = [("cron.get", self.d.call("cron.get", self.admin, {"id": 999999})),
                  ("cron.get", self.d.call("cron.get", self.admin, {"id": "x"})),
                  ("cron.get", self.d.call("cron.get", self.admin)),
                  ("user.list", self.d.call("user.list", self.user("eve")[1])),
                  ("server.time", self.d.call("server.time", "x" * 32)),
                  ("server.time", self.d.call("server.time"))]
        for action, r in errors:
            self.assertEqual(r.json["status"], "error", r)
            self.assertEqual(self.check(action, r), [], r)
            calls.append((action, None, r))
        why = node_ready()
        if why:
            print("# ajv skipped: " + why)
            return
        rc, out = run_node(DOC_PATH, [{"response": answer_name(a), "answer": r.json}
                                      for a, _, r in calls])
        self.assertEqual(rc, 0, out)
        self.assertIn("ajv: %d answers checked" % len(calls), out)

    def test_disagreement_is_caught(self):
        """Both validators fail when the document and an answer disagree."""
        _, tok = self.user("carol")
        r = self.d.call("cron.add", tok, method="POST",
                        json_body={"url": self.rx.url("/"), "expression": "@daily"})
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.check("cron.add", r), [])
        cases = []
        # a field of the answer that the document does not have
        doc = copy.deepcopy(self.doc)
        del doc["components"]["schemas"]["Job"]["properties"]["points"]
        cases.append((doc, r.json))
        # a field of the document that the answer lacks
        answer = copy.deepcopy(r.json)
        del answer["data"]["nextRun"]
        cases.append((self.doc, answer))
        # a type that differs
        answer = copy.deepcopy(r.json)
        answer["data"]["timeout"] = "30"
        cases.append((self.doc, answer))
        # data of another shape
        answer = copy.deepcopy(r.json)
        answer["data"] = [answer["data"]]
        cases.append((self.doc, answer))
        for doc, answer in cases:
            self.assertNotEqual(validate(answer_schema(doc, "cron.add"), answer, doc), [], answer)
        why = node_ready()
        if why:
            self.skipTest("ajv: " + why)
        for doc, answer in cases:
            fd, path = tempfile.mkstemp(suffix=".json")
            try:
                with os.fdopen(fd, "w") as f:
                    json.dump(doc, f)
                rc, out = run_node(path, [{"response": "CronAddAnswer", "answer": answer}])
            finally:
                os.unlink(path)
            self.assertEqual(rc, 1, out)
            self.assertIn("ajv: CronAddAnswer", out)

    def test_documented_bounds_are_the_code_bounds(self):
        """Each integer query parameter of a read-only action: its documented
        maximum passes the check and one more is code 22 naming it."""
        _, tok = self.user("dave")
        job = self.d.call("cron.add", tok, method="POST",
                          json_body={"url": self.rx.url("/"), "expression": "@daily"}).data
        group = self.d.call("group.add", tok, {"name": "g"}).data
        task = self.d.call("task.add", tok, {"job": job["id"], "action": "http",
                                             "payload": self.rx.url("/")}).data
        ids = {"cron": job["id"], "group": group["id"], "task": task["id"]}
        checked = 0
        for path, item in self.doc["paths"].items():
            op = item["get"]
            if "Changes the store" in op.get("description", "") or "Admin" in op.get("description", ""):
                continue
            action = path[len("/api/"):]
            base = {"id": ids.get(action.split(".")[0]), "job": job["id"]}
            params = [p for p in op["parameters"] if "name" in p]
            if any(base.get(p["name"]) is None for p in params if p.get("required")):
                continue
            required = {p["name"]: base[p["name"]] for p in params if p.get("required")}
            for p in params:
                s = p["schema"]
                if s.get("type") != "integer" or s.get("maximum", 2 ** 53) >= 2 ** 31 or p.get("required"):
                    continue
                ok = self.d.call(action, tok, dict(required, **{p["name"]: s["maximum"]}))
                self.assertNotEqual(ok.json.get("field"), p["name"], (action, p["name"], ok))
                over = self.d.call(action, tok, dict(required, **{p["name"]: s["maximum"] + 1}))
                self.assertEqual((over.json["code"], over.json.get("field")), (22, p["name"]),
                                 (action, p["name"], s, over))
                if "minimum" in s:
                    under = self.d.call(action, tok, dict(required, **{p["name"]: s["minimum"] - 1}))
                    self.assertEqual((under.json["code"], under.json.get("field")), (22, p["name"]),
                                     (action, p["name"], s, under))
                checked += 1
        self.assertGreater(checked, 10)

    def test_documented_aliases_work(self):
        _, tok = self.user("erin")
        props = self.doc["components"]["schemas"]["CronAddParams"]["properties"]
        aliases = {name: p["description"][len("alias of "):] for name, p in props.items()
                   if p.get("description", "").startswith("alias of ")}
        self.assertEqual(set(aliases), {"day_of_month", "day_of_week", "cron_expression"})
        values = {"day": "5", "weekday": "1", "expression": "0 2 * * *"}
        for alias, name in aliases.items():
            a = self.d.call("cron.validate", tok, {alias: values[name]})
            b = self.d.call("cron.validate", tok, {name: values[name]})
            self.assertEqual(a.json, b.json, alias)
            self.assertEqual(a.code, 0, a)
        for alias in ("is_active", "enabled"):
            self.assertIn(alias, props)
            r = self.d.call("cron.add", tok, method="POST", json_body={
                "url": self.rx.url("/"), "expression": "@daily", alias: False})
            self.assertEqual(r.data["status"], 1, (alias, r))

    def test_served_without_a_token(self):
        r = self.d.request("GET", "/api/openapi.json")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "application/json")
        with open(DOC_PATH, "rb") as f:
            self.assertEqual(r.raw, f.read(), REGENERATE)


if __name__ == "__main__":
    unittest.main()

"""The Prometheus alerting rules (contrib/prometheus/webcron.rules.yml):
promtool checks them and runs their unit tests (webcron.rules.test.yml),
and every metric name they use is one docs/OPERATIONS.md lists and one a
real webcrond's /metrics serves."""
import os
import re
import shutil
import subprocess
import unittest

from webcron import Daemon

SRCDIR = os.environ.get("WEBCRON_SRCDIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RULES_DIR = os.path.join(SRCDIR, "contrib", "prometheus")
RULES = os.path.join(RULES_DIR, "webcron.rules.yml")
RULES_TEST = os.path.join(RULES_DIR, "webcron.rules.test.yml")
OPERATIONS = os.path.join(SRCDIR, "docs", "OPERATIONS.md")
PROMTOOL = shutil.which("promtool")
NO_PROMTOOL = "promtool is not installed (apt-get install prometheus; contrib/dev test does)"
# series Prometheus makes itself for each target, not webcrond's
SYNTHETIC = {"up"}


def read(path):
    with open(path) as f:
        return f.read()


def exprs(text):
    """The expr: values of a rules file (one line, or a | block)."""
    out = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)expr:\s*(.*)$", lines[i])
        i += 1
        if not m:
            continue
        if m.group(2).strip() not in ("|", ">", "|-", ">-"):
            out.append(m.group(2))
            continue
        block = []
        while i < len(lines) and (not lines[i].strip() or
                                  len(lines[i]) - len(lines[i].lstrip()) > len(m.group(1))):
            block.append(lines[i].strip())
            i += 1
        out.append(" ".join(block))
    return out


def metric_names(expr):
    """Metric names in a PromQL expression: identifiers that are neither
    functions, keywords, label names (inside {} or by (...)) nor strings."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        rest = expr[m.end():].lstrip()
        if rest.startswith("("):        # a function
            continue
        if m.group(0) in ("and", "or", "unless", "bool", "offset"):
            continue
        names.add(m.group(0))
    return names


def documented_names():
    """The metric names of OPERATIONS.md's table (`name{labels}` cells)."""
    names = set()
    for line in read(OPERATIONS).splitlines():
        if line.startswith("| `webcron_"):
            names.update(re.findall(r"`(webcron_[a-z_]+)", line.split("|")[1]))
    return names


def base_name(name):
    """A histogram's series name without _bucket, _sum or _count."""
    return re.sub(r"_(bucket|sum|count)$", "", name)


class RuleFiles(unittest.TestCase):
    def test_names_used_are_documented(self):
        used = set().union(*map(metric_names, exprs(read(RULES))))
        # a parser that found nothing would make this vacuous
        self.assertGreaterEqual(len(used), 7, used)
        self.assertTrue(SYNTHETIC & used, "WebcronDown uses up: %s" % sorted(used))
        documented = documented_names()
        self.assertIn("webcron_execution_jitter_seconds", documented)
        for name in sorted(used - SYNTHETIC):
            self.assertTrue(name in documented or base_name(name) in documented,
                            "%s is not in docs/OPERATIONS.md's table" % name)

    def test_every_alert_has_a_unit_test(self):
        alerts = re.findall(r"(?m)^\s*- alert:\s*(\w+)\s*$", read(RULES))
        tested = set(re.findall(r"(?m)^\s*alertname:\s*(\w+)\s*$", read(RULES_TEST)))
        self.assertGreaterEqual(len(alerts), 7)
        self.assertEqual(len(alerts), len(set(alerts)), "alert names are unique")
        self.assertEqual(sorted(set(alerts) - tested), [], "alerts without a test")
        self.assertEqual(sorted(tested - set(alerts)), [], "tests of no alert")
        # each alert is tested both firing and not firing
        body = read(RULES_TEST)
        for alert in alerts:
            cases = re.findall(r"alertname: %s\n\s*exp_alerts:(.*)" % alert, body)
            self.assertIn(" []", cases, "%s: no case where it does not fire" % alert)
            self.assertIn("", cases, "%s: no case where it fires" % alert)

    @unittest.skipUnless(PROMTOOL, NO_PROMTOOL)
    def test_promtool_check_rules(self):
        res = subprocess.run([PROMTOOL, "check", "rules", RULES], capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertIn("SUCCESS", res.stdout + res.stderr)

    @unittest.skipUnless(PROMTOOL, NO_PROMTOOL)
    def test_promtool_test_rules(self):
        # rule_files in the test file are relative to it
        res = subprocess.run([PROMTOOL, "test", "rules", os.path.basename(RULES_TEST)],
                             cwd=RULES_DIR, capture_output=True, text=True, timeout=120)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertIn("SUCCESS", res.stdout + res.stderr)


class AgainstADaemon(unittest.TestCase):
    def setUp(self):
        self.d = Daemon()
        self.d.start()

    def tearDown(self):
        self.d.cleanup()

    def test_every_name_used_is_served(self):
        r = self.d.request("GET", "/metrics")
        self.assertEqual(r.status, 200, r)
        page = r.raw.decode()
        served = set(re.findall(r"(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? ", page))
        self.assertIn("webcron_uptime_seconds", served)
        used = set().union(*map(metric_names, exprs(read(RULES)))) - SYNTHETIC
        self.assertGreaterEqual(len(used), 7, used)
        for name in sorted(used):
            self.assertIn(name, served, "a rule uses %s, which /metrics does not serve" % name)

    @unittest.skipUnless(PROMTOOL, NO_PROMTOOL)
    def test_promtool_parses_the_page(self):
        r = self.d.request("GET", "/metrics")
        self.assertEqual(r.status, 200, r)
        res = subprocess.run([PROMTOOL, "check", "metrics"], input=r.raw, capture_output=True,
                             timeout=60)
        # 0: it parses and has no lint finding (names, units, HELP, TYPE)
        self.assertEqual(res.returncode, 0, (res.stdout + res.stderr).decode())

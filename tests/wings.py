#!/usr/bin/env python3
"""The rules between the wings of src/, checked.

    tests/wings.py [--builddir DIR]      prints each fault; exit 1 if any

Two views of the same rule, "calls go down the wings, never up, and no
two files call each other":

- includes: every #include "wing/file.h" of src/ must name a wing that
  the including file's wing may use (WINGS below, as in src/*/README and
  docs/ARCHITECTURE.md);
- calls: from the objects of libwebcron.a in the build directory (nm),
  which file defines each function another file calls. A call from a
  wing to one it may not use is a fault, and so is any circle of files
  that call each other (a strongly connected set of more than one file).

The unittest cases at the end run both for `make check` (tests/wings.py
is one of its tests); the call check is skipped, saying so, when no
build directory with the objects is found.
"""
import os
import re
import subprocess
import sys
import unittest

SRCDIR = os.environ.get("WEBCRON_SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BUILDDIR = os.environ.get("WEBCRON_BUILDDIR", os.path.join(SRCDIR, "build"))

# wing: the wings it may use besides itself. main.c is the wing "main".
WINGS = {
    "util": (),
    "engine": ("util",),
    "conf": ("util", "engine"),
    "store": ("util", "engine", "conf"),
    "api": ("util", "engine", "conf", "store"),
    "exec": ("util", "engine", "conf", "store"),
    "daemon": ("util", "engine", "conf", "store", "api", "exec"),
    "ctl": ("util", "engine", "conf", "store"),
    "main": ("util", "conf", "daemon"),
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def wing_of(path):
    """The wing of a path relative to src/ ("store/job.c" -> "store")."""
    if "/" not in path:
        return "main"
    return path.split("/", 1)[0]


def sources():
    """Paths relative to src/ of every .c and .h file."""
    top = os.path.join(SRCDIR, "src")
    out = []
    for root, _dirs, files in os.walk(top):
        for f in files:
            if f.endswith((".c", ".h")):
                out.append(os.path.relpath(os.path.join(root, f), top))
    return sorted(out)


def include_faults():
    faults = []
    known = set(sources())
    for path in known:
        with open(os.path.join(SRCDIR, "src", path), encoding="utf-8") as f:
            text = f.read()
        wing = wing_of(path)
        for inc in INCLUDE.findall(text):
            if inc not in known:
                faults.append("%s: #include \"%s\": no such file in src/ (name its wing)" % (path, inc))
                continue
            to = wing_of(inc)
            if to != wing and to not in WINGS[wing]:
                faults.append("%s: #include \"%s\": %s may not use %s" % (path, inc, wing, to))
    return faults


def objects(builddir):
    """{path relative to src/ without .c: object file} of libwebcron.a."""
    out = {}
    top = os.path.join(builddir, "src")
    if not os.path.isdir(top):
        return out
    for root, _dirs, files in os.walk(top):
        for f in files:
            m = re.match(r"(?:libwebcron_a-)?(.+)\.o$", f)
            if m:
                rel = os.path.relpath(os.path.join(root, m.group(1)), top)
                # an object whose source is gone (a file moved) is stale
                if os.path.exists(os.path.join(SRCDIR, "src", rel + ".c")):
                    out[rel] = os.path.join(root, f)
    return out


def nm(obj, defined):
    flags = ["--defined-only", "--extern-only"] if defined else ["--undefined-only"]
    text = subprocess.run(["nm", "-P"] + flags + [obj], check=True,
                          capture_output=True, text=True).stdout
    return {line.split()[0] for line in text.splitlines() if line.strip()}


def call_graph(objs):
    """{file: set of files whose functions it calls}, from nm."""
    owner = {}
    for name, obj in objs.items():
        for sym in nm(obj, True):
            owner[sym] = name
    graph = {}
    for name, obj in objs.items():
        graph[name] = {owner[s] for s in nm(obj, False) if s in owner and owner[s] != name}
    return graph


def circles(graph):
    """Strongly connected sets of more than one file (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def call_faults(builddir):
    objs = objects(builddir)
    if not objs:
        return None
    graph = call_graph(objs)
    faults = []
    for f, callees in sorted(graph.items()):
        for g in sorted(callees):
            a, b = wing_of(f), wing_of(g)
            if a != b and b not in WINGS[a]:
                faults.append("%s calls %s: %s may not use %s" % (f, g, a, b))
    for comp in circles(graph):
        faults.append("files that call each other: " + " <-> ".join(comp))
    return faults


class Wings(unittest.TestCase):
    def test_includes_follow_the_wings(self):
        faults = include_faults()
        self.assertEqual(faults, [], "\n" + "\n".join(faults))

    def test_every_file_is_in_a_known_wing(self):
        for path in sources():
            self.assertIn(wing_of(path), WINGS, path)

    def test_calls_go_down_and_no_files_call_each_other(self):
        faults = call_faults(BUILDDIR)
        if faults is None:
            self.skipTest("no objects of libwebcron.a under %s/src: build first" % BUILDDIR)
        self.assertEqual(faults, [], "\n" + "\n".join(faults))

    def test_the_check_sees_a_circle_and_an_upward_call(self):
        # the checker itself, on a made-up graph: a check that cannot fail
        # would pass a tree with circles
        graph = {"store/a": {"store/b"}, "store/b": {"store/a"}, "util/c": set()}
        self.assertEqual(circles(graph), [["store/a", "store/b"]])
        self.assertEqual(circles({"x/a": {"x/b"}, "x/b": set()}), [])
        self.assertNotIn("daemon", WINGS["exec"])


def main():
    builddir = BUILDDIR
    if len(sys.argv) == 3 and sys.argv[1] == "--builddir":
        builddir = sys.argv[2]
    faults = include_faults()
    calls = call_faults(builddir)
    if calls is None:
        print("wings: no objects under %s/src; calls not checked" % builddir)
        calls = []
    for f in faults + calls:
        print(f)
    print("wings: %d include faults, %d call faults" % (len(faults), len(calls)))
    return 1 if faults or calls else 0


if __name__ == "__main__":
    sys.exit(main())

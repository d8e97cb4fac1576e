#!/usr/bin/env python3
"""Runs one unittest module and reports each test in TAP, for automake.

Usage: tap.py tests/e2e/test_x.py
"""
import importlib.util
import os
import sys
import time
import traceback
import unittest


class TapResult(unittest.TestResult):
    def __init__(self, out):
        super().__init__()
        self.out = out
        self.n = 0
        self.started = 0.0
        self.subfailures = {}
        self.reported = set()

    def startTest(self, test):
        super().startTest(test)
        self.started = time.monotonic()

    def _line(self, ok, test, extra=""):
        self.reported.add(test.id())
        self.n += 1
        secs = time.monotonic() - self.started
        self.out.write("%s %d - %s%s (%.2fs)\n" % ("ok" if ok else "not ok", self.n,
                                                 test.id().split(".", 1)[-1], extra, secs))
        self.out.flush()

    def _diag(self, err):
        text = "".join(traceback.format_exception(*err))
        for line in text.rstrip().splitlines():
            self.out.write("# " + line + "\n")

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(False, test)
        self._diag(err)

    def addError(self, test, err):
        super().addError(test, err)
        self._line(False, test)
        self._diag(err)

    def addSubTest(self, test, subtest, err):
        # a failed subtest fails its test: reported once, at the end of it
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.subfailures.setdefault(test.id(), []).append((subtest, err))

    def stopTest(self, test):
        failed = self.subfailures.pop(test.id(), None)
        if failed and test.id() not in self.reported:
            self._line(False, test, " (%d subtest%s failed)" % (len(failed), "s" * (len(failed) > 1)))
            for subtest, err in failed:
                self.out.write("# in %s\n" % subtest.id())
                self._diag(err)
        super().stopTest(test)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(True, test, " # SKIP " + reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._line(True, test, " # TODO expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._line(False, test, " (unexpected success)")


def main():
    path = sys.argv[1]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    sys.stdout.write("1..%d\n" % suite.countTestCases())
    sys.stdout.flush()
    result = TapResult(sys.stdout)
    suite.run(result)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())

"""pytest plugin that runs the hidden tests against one student's sandbox.

Hidden tests are ordinary pytest functions:

    @pytest.mark.exercise("linear_backward", weight=2)
    def test_weight_gradient(student, rng):
        \"\"\"dL_dW matches finite differences of the loss\"\"\"   # the student sees this line
        ...draw inputs with rng, call student.linear_backward(...), expect(close(...))

The plugin provides the `student` and `rng` fixtures and records one
`CheckResult` per test. A test's failure is classified by its exception:
a failed check or a failure of the student's code is the student's; any
other exception is a bug in the grader, recorded as `error` for regrade.
"""
from __future__ import annotations

import difflib
import re
import traceback
import zlib
from typing import Optional

import numpy as np
import pytest

from autograder.checks.compare import CheckFailed
from autograder.config import Limits
from autograder.dependencies import credit_dependents
from autograder.notebook import defined_functions, stubs_used_by
from autograder.result import CheckResult
from autograder.sandbox.proxy import MissingFunction, NotAttempted, Student, StudentFailure

RENAME_HINT = re.compile(r" Did you rename it to `([^`]+)`\?")

EXERCISE_MARKER = ("exercise(name, weight=1, timeout=None): the hidden check belongs to exercise "
                   "`name` (a function of the lab) with this weight; `timeout` overrides the "
                   "per-call time limit in seconds")


class GradingPlugin:
    def __init__(self, sandbox, seed: int, limits: Limits, exercises: Optional[set] = None):
        self.sandbox, self.seed, self.limits = sandbox, seed, limits
        self.exercises = exercises
        self.outcomes: list = []
        self.items: list = []             # the pytest item behind each outcome (for re-runs)
        self.collected: dict = {}         # exercise -> number of hidden checks found
        self.internal_errors: list = []   # tracebacks for the instructor's log, never the student
        self.shared: set = set()          # (exercise, docstring) of parametrized checks: named with their id

    # --- configuration and selection --------------------------------------
    def pytest_configure(self, config):
        config.addinivalue_line("markers", EXERCISE_MARKER)

    def pytest_collection_modifyitems(self, config, items):
        seen = set()
        for item in items:
            name = _exercise(item)[0]
            self.collected[name] = self.collected.get(name, 0) + 1
            key = (name, _docstring(item))
            if key in seen:
                self.shared.add(key)
            seen.add(key)
        if self.exercises is None:
            return
        keep = [item for item in items if _exercise(item)[0] in self.exercises]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep

    # --- fixtures ----------------------------------------------------------
    @pytest.fixture
    def student(self, request) -> Student:
        timeout = _exercise(request.node)[2] or self.limits.call_timeout
        return Student(self.sandbox, timeout)

    @pytest.fixture
    def rng(self, request) -> np.random.Generator:
        """Per-test generator: the run's secret seed and the test's id, so a
        regrade with the same seed draws the same inputs in any order."""
        return self.rng_for(request.node.nodeid)

    def rng_for(self, nodeid: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(nodeid.encode())])

    # --- results -------------------------------------------------------------
    # (pytest registers only methods named pytest_*: `specname` names the hook)
    @pytest.hookimpl(tryfirst=True, specname="pytest_runtest_makereport")
    def pytest_runtest_makereport_quickly(self, item, call):
        """A failure's report, without the traceback pytest would format for a
        terminal (~90 ms a failure, more than the check itself): nobody reads
        it. The student reads the CheckResult below; a grader bug's traceback
        goes to `internal_errors`. Skips and passes get pytest's own report."""
        excinfo = call.excinfo
        if excinfo is None or isinstance(excinfo.value, pytest.skip.Exception):
            return None
        return pytest.TestReport(item.nodeid, item.location, {k: 1 for k in item.keywords}, "failed",
                                 f"{excinfo.typename}: {excinfo.value}"[:200], call.when,
                                 duration=call.duration, start=call.start, stop=call.stop,
                                 user_properties=item.user_properties)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or (report.when == "setup" and report.failed):
            self.outcomes.append(self._classify(item, call.excinfo))
            self.items.append(item)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtestloop(self, session):
        yield
        if self.sandbox is not None and self.outcomes:
            credit_dependents(self)   # a mistake costs once: autograder/dependencies.py

    def _classify(self, item, excinfo) -> CheckResult:
        exercise, weight, _ = _exercise(item)
        check = _docstring(item)
        callspec = getattr(item, "callspec", None)
        if (exercise, check) in self.shared and callspec is not None and callspec.id:
            check = f"{check} [{callspec.id}]"        # one docstring, several parameters
        base = dict(exercise=exercise, check=check, weight=weight)
        if excinfo is None:
            return CheckResult(status="passed", **base)
        error = excinfo.value
        if isinstance(error, CheckFailed):
            mistake = error.verdict.mistake
            return CheckResult(status="failed", message=error.verdict.message,
                                mistake=f"{mistake.name}; {mistake.advice}" if mistake else "",
                                mistake_key=mistake.key if mistake else "", **base)
        if isinstance(error, NotAttempted):   # this exercise's stub, or one it builds on
            return CheckResult(status="not_attempted", message=self._not_attempted(item, exercise, error), **base)
        if isinstance(error, MissingFunction):
            return CheckResult(status="failed", message=self._rename_hint(error.message), **base)
        if isinstance(error, StudentFailure):
            return CheckResult(status="failed", message=error.message, **base)
        self.internal_errors.append(f"{item.nodeid}\n{''.join(traceback.format_exception(error))}")
        return CheckResult(status="error", message=f"internal grader error ({type(error).__name__}) in "
                                                    "this check: not your fault, flagged for regrade", **base)

    # --- wording that needs the notebook's source ----------------------------
    def _cells(self) -> list:
        return list(getattr(self.sandbox, "cells", None) or [])

    def _not_attempted(self, item, exercise: str, error: NotAttempted) -> str:
        """"could not be checked: it uses `D`, ..." when the NotImplementedError
        came from another function the exercise calls (found in the notebook's
        source), the stub's own message otherwise."""
        stubs = [error.function] if error.function != exercise else stubs_used_by(self._cells(), exercise)
        if not stubs:
            return error.message
        params = getattr(getattr(item, "callspec", None), "params", {})
        words = [str(v) for v in params.values() if isinstance(v, str)]
        stubs = [s for s in stubs if any(w in s for w in words)] or stubs   # the one this check runs
        if len(stubs) == 1:
            return f"could not be checked: it uses `{stubs[0]}`, which still raises NotImplementedError"
        return ("could not be checked: it uses " + ", ".join(f"`{s}`" for s in stubs[:-1])
                + f" and `{stubs[-1]}`, which still raise NotImplementedError")

    def _rename_hint(self, message: str) -> str:
        """A "did you rename it?" hint never names another exercise of the lab."""
        match = RENAME_HINT.search(message)
        if match is None or match.group(1) not in self.collected:
            return message
        function = message[1:message.index("`", 1)] if message.startswith("`") else ""
        others = [n for n in defined_functions(self._cells()) if n not in self.collected]
        hint = difflib.get_close_matches(function, others, n=1) if function else []
        return message.replace(match.group(0), f" Did you rename it to `{hint[0]}`?" if hint else "")


def _docstring(item) -> str:
    return ((getattr(item, "function", None) and item.function.__doc__) or item.name).strip().splitlines()[0]


def _exercise(item) -> tuple:
    """(name, weight, timeout) from the item's exercise marker."""
    marker = item.get_closest_marker("exercise")
    if marker is None or not marker.args:
        return "", 1.0, None
    return (marker.args[0], float(marker.kwargs.get("weight", 1.0)), marker.kwargs.get("timeout"))

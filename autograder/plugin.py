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

import traceback
import zlib
from typing import Optional

import numpy as np
import pytest

from autograder.checks.compare import CheckFailed
from autograder.config import Limits
from autograder.dependencies import credit_dependents
from autograder.result import CheckResult
from autograder.sandbox.proxy import NotAttempted, Student, StudentFailure

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

    # --- configuration and selection --------------------------------------
    def pytest_configure(self, config):
        config.addinivalue_line("markers", EXERCISE_MARKER)

    def pytest_collection_modifyitems(self, config, items):
        for item in items:
            name = _exercise(item)[0]
            self.collected[name] = self.collected.get(name, 0) + 1
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
        check = (item.function.__doc__ or item.name).strip().splitlines()[0]
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
            message = error.message if error.function == exercise else (
                f"could not be checked: it uses `{error.function}`, which still raises NotImplementedError")
            return CheckResult(status="not_attempted", message=message, **base)
        if isinstance(error, StudentFailure):
            return CheckResult(status="failed", message=error.message, **base)
        self.internal_errors.append(f"{item.nodeid}\n{''.join(traceback.format_exception(error))}")
        return CheckResult(status="error", message=f"internal grader error ({type(error).__name__}) in "
                                                    "this check: not your fault, flagged for regrade", **base)


def _exercise(item) -> tuple:
    """(name, weight, timeout) from the item's exercise marker."""
    marker = item.get_closest_marker("exercise")
    if marker is None or not marker.args:
        return "", 1.0, None
    return (marker.args[0], float(marker.kwargs.get("weight", 1.0)), marker.kwargs.get("timeout"))

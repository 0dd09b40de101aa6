"""Grade one submission: the pipeline, in a trusted process.

    parse notebook -> run it in the sandbox -> hidden tests -> score

`grade(request)` is the executor seam: a pure top-level function of a
self-contained `GradeRequest` (the notebook's bytes, the course's points, the
seed and limits) returning a `Graded`, runnable in any process or on any
machine that has this package. Every stage that can fail because of the
submission ends in a result with a defined score and a message for the
student; only grader bugs raise.
"""
from __future__ import annotations

import base64
import os
import threading
from dataclasses import asdict, dataclass, replace
from typing import Optional

import pytest

from autograder.config import Limits, Settings
from autograder.feedback import notebook_problems
from autograder.labs import LABS, Course, Lab
from autograder.notebook import NotebookError, parse_submission
from autograder.plugin import GradingPlugin
from autograder.result import Result, unscored
from autograder.sandbox.layers import IsolationRefused
from autograder.sandbox.runner import Sandbox
from autograder.scoring import score_lab

NO_ASSIGNMENT = ("could not tell which assignment this notebook is: "
                 "name it after the assignment, e.g. lab-1.4.1-manual-backpropagation.ipynb")
# pytest.main is not thread-safe (it captures file descriptors 1 and 2 and
# imports test modules): an executor that runs several gradings in threads of
# one process (a Dask worker with --nthreads > 1) runs their hidden tests in turn.
PYTEST_LOCK = threading.Lock()
CRASHED = "the grader failed on this submission (not your fault); flagged for regrade"


@dataclass(frozen=True)
class GradeRequest:
    """Everything one grading job needs; plain data, so it can travel."""
    student: str
    assignment: Optional[str]          # None: detect it from the notebook
    notebook_name: str                 # the file's name ("" when none was submitted)
    notebook: Optional[bytes]          # the submission; None when there is none
    problem: str                       # why it cannot be graded (from discovery), or ""
    seed: int
    course: Course
    limits: Limits = Limits()
    digest: str = ""                   # sha256 of `notebook`, recorded in the result
    # A secret of this job, drawn by the process that hands it to a worker: the
    # worker's answer must carry it back (see `execute.read_answer`), so an
    # answer written into the worker's pipe by anything else is refused. It
    # travels only on the worker's stdin, never in argv, the environment or a file.
    nonce: str = ""

    def to_json(self) -> dict:
        return {"student": self.student, "assignment": self.assignment, "notebook_name": self.notebook_name,
                "notebook": None if self.notebook is None else base64.b64encode(self.notebook).decode(),
                "problem": self.problem, "seed": self.seed, "course": self.course.to_json(),
                "limits": asdict(self.limits), "digest": self.digest, "nonce": self.nonce}

    @classmethod
    def from_json(cls, data: dict) -> "GradeRequest":
        notebook = data["notebook"]
        return cls(student=data["student"], assignment=data["assignment"], notebook_name=data["notebook_name"],
                   notebook=None if notebook is None else base64.b64decode(notebook),
                   problem=data["problem"], seed=int(data["seed"]), course=Course.from_json(data["course"]),
                   limits=replace(Limits(), **data["limits"]), digest=data["digest"],
                   nonce=str(data.get("nonce", "")))


@dataclass(frozen=True)
class Graded:
    """A request's outcome: the result, and grader tracebacks for the instructor's log only."""
    result: Result
    internal_errors: tuple = ()


def crashed(request: GradeRequest) -> Result:
    """The grader failed on this request: every exercise `error`, flagged for regrade."""
    assignment = request.assignment if request.assignment in request.course.points else "unknown"
    return unscored(request.student, assignment, request.seed, request.course.points.get(assignment, {}),
                    "error", CRASHED).with_digest(request.digest)


class GraderError(Exception):
    """The grader itself could not do its job (not the student's fault)."""


def run_hidden_tests(lab: Lab, sandbox: Sandbox, seed: int, settings: Settings,
                     exercises: Optional[set] = None) -> GradingPlugin:
    """Run the lab's hidden pytest tests against the sandbox; the plugin holds the outcomes."""
    plugin = GradingPlugin(sandbox, seed, settings.limits, exercises)
    with PYTEST_LOCK:
        code = pytest.main(_pytest_args(lab), plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise GraderError(f"the hidden tests of {lab.id} could not run (pytest exit code {int(code)})")
    return plugin


def hidden_exercises(lab: Lab) -> dict:
    """{exercise: number of hidden checks}, as pytest collects them (nothing runs)."""
    plugin = GradingPlugin(None, 0, Settings().limits, exercises=set())   # deselects everything
    with PYTEST_LOCK:
        code = pytest.main(_pytest_args(lab) + ["--collect-only"], plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise GraderError(f"the hidden tests of {lab.id} could not be collected (pytest exit code {int(code)})")
    return plugin.collected


def _pytest_args(lab: Lab) -> list:
    return [str(lab.hidden_tests),
            "-c", os.devnull,                   # not the project's pytest settings
            "--rootdir", str(lab.hidden_tests.parent),
            "--disable-plugin-autoload",        # only the plugins the hidden tests need, not whatever
            "-p", "_hypothesis_pytestplugin",   # else is installed (xdist, anyio: 0.4 s of imports)
            "-p", "no:cacheprovider",           # write nothing
            "-p", "no:terminal",                # the outcomes are the plugin's, not the terminal's
            "-p", "no:unraisableexception",     # its gc.collect() costs 0.2 s per run, and it
                                                # only reports, never changes, an outcome
            "-W", "ignore::pytest.PytestAssertRewriteWarning"]


def grade(request: GradeRequest) -> Graded:
    """Grade one submission (see the module docstring)."""
    course, seed = request.course, request.seed
    submission, problem = None, request.problem
    if not problem and request.notebook is None:
        problem = "no notebook was submitted for this assignment"
    if not problem:
        try:
            submission = parse_submission(request.notebook)
        except NotebookError as exc:
            problem = str(exc)
    assignment = request.assignment or course.detect_assignment(
        request.notebook_name, submission.grade_ids if submission else set())
    if assignment not in LABS or assignment not in course.points:
        reason = problem or NO_ASSIGNMENT
        if assignment in LABS:
            reason = f"the course folder has no source notebook for {assignment}: it cannot be graded"
        return Graded(Result(request.student, "unknown", seed, errors=(reason,), submission_sha256=request.digest))
    lab, points = LABS[assignment], course.points[assignment]

    def zero(status: str, reason: str, errors: tuple) -> Graded:
        return Graded(unscored(request.student, assignment, seed, points, status, reason, errors,
                               course.manual.get(assignment, 0.0)).with_digest(request.digest))

    if problem:
        return zero("failed", problem, (problem,))
    errors = list(submission.problems)
    looks_like = course.detect_assignment("", submission.grade_ids)
    if request.assignment and looks_like not in (None, assignment):
        errors.append(f"this notebook looks like {looks_like} (its cells carry that lab's "
                      f"exercise ids) but was submitted as {assignment}: graded as {assignment}")
    settings = Settings(limits=request.limits)
    try:
        sandbox = Sandbox(submission.cells, settings.limits, submission.labels)
    except IsolationRefused as exc:   # the requested --isolation is not available where this runs
        return zero("error", f"not graded: {exc}", (str(exc),))
    with sandbox:
        execution = sandbox.run_notebook()
        errors.extend(notebook_problems(execution.issues, submission.cells, submission.labels))
        if not lab.hidden_tests.is_file():
            return zero("error", "this lab has no hidden tests yet: flagged for regrade", tuple(errors))
        plugin = run_hidden_tests(lab, sandbox, seed, settings)
    return Graded(Result(request.student, assignment, seed, score_lab(points, plugin.outcomes), tuple(errors),
                         course.manual.get(assignment, 0.0), request.digest,
                         isolation=sandbox.isolation.mode, isolation_layers=sandbox.isolation.layers,
                         notebook=request.notebook_name),
                  tuple(plugin.internal_errors))

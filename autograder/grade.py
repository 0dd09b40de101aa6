"""Grade one submission: the pipeline, in the trusted process.

    load notebook -> run it in the sandbox -> hidden tests -> score

Every stage that can fail because of the submission ends in a result with a
defined score and a message for the student; only grader bugs raise.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import pytest

from autograder.config import Settings
from autograder.discover import Job
from autograder.labs import LABS, Lab, detect_assignment
from autograder.notebook import NotebookError, exercise_points, load_submission, manual_points
from autograder.plugin import GradingPlugin
from autograder.sandbox.runner import Sandbox
from autograder.scoring import score_lab, zero_lab


class GraderError(Exception):
    """The grader itself could not do its job (not the student's fault)."""


def run_hidden_tests(lab: Lab, sandbox: Sandbox, seed: int, settings: Settings,
                     exercises: Optional[set] = None) -> GradingPlugin:
    """Run the lab's hidden pytest tests against the sandbox; the plugin holds the outcomes."""
    plugin = GradingPlugin(sandbox, seed, settings.limits, exercises)
    code = pytest.main(_pytest_args(lab), plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise GraderError(f"the hidden tests of {lab.id} could not run (pytest exit code {int(code)})")
    return plugin


def hidden_exercises(lab: Lab) -> dict:
    """{exercise: number of hidden checks}, as pytest collects them (nothing runs)."""
    plugin = GradingPlugin(None, 0, Settings().limits, exercises=set())   # deselects everything
    code = pytest.main(_pytest_args(lab) + ["--collect-only"], plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise GraderError(f"the hidden tests of {lab.id} could not be collected (pytest exit code {int(code)})")
    return plugin.collected


def _pytest_args(lab: Lab) -> list:
    return [str(lab.hidden_tests),
            "-c", os.devnull,                   # not the project's pytest settings
            "--rootdir", str(lab.hidden_tests.parent),
            "-p", "no:cacheprovider",           # write nothing
            "-p", "no:terminal",                # the outcomes are the plugin's, not the terminal's
            "-p", "no:unraisableexception",     # its gc.collect() costs 0.2 s per run, and it
                                                # only reports, never changes, an outcome
            "-W", "ignore::pytest.PytestAssertRewriteWarning"]


def grade(job: Job, seed: int, settings: Settings, course: Path) -> tuple:
    """(result dict, internal error log lines) for one job."""
    result = {"student": job.student, "assignment": job.assignment, "score": 0.0, "max_score": 0.0,
              "seed": seed, "exercises": {}, "errors": []}
    submission, problem = None, job.problem
    if not problem:
        try:
            submission = load_submission(str(job.notebook))
        except NotebookError as exc:
            problem = str(exc)
    assignment = job.assignment or detect_assignment(
        job.notebook.name if job.notebook else "", submission.grade_ids if submission else set())
    if assignment not in LABS:
        result["assignment"] = "unknown"
        result["errors"].append(problem or "could not tell which assignment this notebook is: "
                                           "name it after the assignment, e.g. lab-1.4.1-manual-backpropagation.ipynb")
        return result, []
    lab = LABS[assignment]
    source = lab.source_notebook(course)
    points = exercise_points(str(source))
    result.update(assignment=assignment, pending_manual=manual_points(str(source)))
    if problem:
        result["errors"].append(problem)
        result["exercises"], result["score"], result["max_score"] = zero_lab(points, "failed", problem)
        return result, []
    result["errors"].extend(submission.problems)
    looks_like = detect_assignment("", submission.grade_ids)
    if job.assignment and looks_like not in (None, assignment):
        result["errors"].append(f"this notebook looks like {looks_like} (its cells carry that lab's "
                                f"exercise ids) but was submitted as {assignment}: graded as {assignment}")
    with Sandbox(submission.cells, settings.limits, submission.labels) as sandbox:
        execution = sandbox.run_notebook()
        result["errors"].extend(f"{submission.labels[i.cell]}: {i.message}"
                                if isinstance(i.cell, int) and 0 <= i.cell < len(submission.labels)
                                else i.message for i in execution.issues)
        if not lab.hidden_tests.is_file():
            result["exercises"], _, result["max_score"] = zero_lab(
                points, "error", "this lab has no hidden tests yet: flagged for regrade")
            return result, []
        plugin = run_hidden_tests(lab, sandbox, seed, settings)
    result["exercises"], result["score"], result["max_score"] = score_lab(points, plugin.outcomes)
    return result, plugin.internal_errors

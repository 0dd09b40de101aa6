"""`Result`s -> Gradescope's `results.json` (its autograder specification:
https://gradescope-autograders.readthedocs.io/en/latest/specs/).

One Gradescope test per exercise: its score and points, "passed" only at full
marks, and the feedback lines as markdown, always visible (they name the
known mistakes and never show hidden inputs or expected values). Where the
instructor asks (`check_visibility`), every hidden check is added as a test of
its own, without points, with the visibility chosen (e.g. `after_published`).
The top-level `score` is the lab's total, so those detail tests never change
it. Student text (exception messages, the student's own line) is escaped for
markdown; every number is a finite float.
"""
from __future__ import annotations

import json
import math

from autograder.escape import literal_md
from autograder.feedback import points
from autograder.result import Result

# Gradescope's visibility settings, most private first.
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")

def _finite(value: float) -> float:
    """Gradescope's JSON parser takes no NaN or infinity: such a value is a grader bug, scored 0."""
    value = float(value)
    return value if math.isfinite(value) else 0.0


def exercise_test(exercise, assignment: str) -> dict:
    """The Gradescope test of one exercise."""
    lines = [f"**{literal_md(points(exercise.score))} / {literal_md(points(exercise.max_score))}**, "
             f"{literal_md(exercise.status.replace('_', ' '))}"]
    lines += [f"- {literal_md(line)}" for line in exercise.feedback]
    tags = [exercise.status] + sorted({c.mistake_key for c in exercise.checks if c.mistake_key})
    return {"name": exercise.name, "score": _finite(exercise.score), "max_score": _finite(exercise.max_score),
            "status": "passed" if exercise.status == "passed" else "failed",
            "output": "\n".join(lines), "output_format": "md", "visibility": "visible",
            "tags": tags, "extra_data": {"assignment": assignment, "status": exercise.status}}


def check_test(check, visibility: str) -> dict:
    """One hidden check as a test without points: what was checked, and what was wrong."""
    lines = [literal_md(check.check)]
    if check.message:
        lines.append(f"- {literal_md(check.message)}")
    if check.mistake:
        lines.append(f"- Known mistake: {literal_md(check.mistake)}")
    return {"name": f"{check.exercise}: {check.check}",
            "status": "passed" if check.status == "passed" else "failed",
            "output": "\n".join(lines), "output_format": "md", "visibility": visibility,
            "tags": [check.exercise, check.status] + ([check.mistake_key] if check.mistake_key else [])}


def results_json(results: list, check_visibility: str = "", execution_time: float = None) -> dict:
    """One results.json for a submission's results (usually one lab).
    `check_visibility`: one of VISIBILITIES to add every hidden check as a test, "" to leave them out."""
    if check_visibility and check_visibility not in VISIBILITIES:
        raise ValueError(f"check visibility must be one of {', '.join(VISIBILITIES)}, not {check_visibility!r}")
    tests, notes = [], []
    for result in results:
        tests += [exercise_test(e, result.assignment) for e in result.exercises]
        if check_visibility:
            tests += [check_test(c, check_visibility) for e in result.exercises for c in e.checks]
        notes += [f"- {literal_md(e)}" for e in result.errors]
        if result.pending_manual:
            notes.append(f"- {literal_md(f'{result.pending_manual:g} more points are graded by hand.')}")
    score = _finite(sum(r.score for r in results))
    max_score = _finite(sum(r.max_score for r in results))
    labs = ", ".join(sorted({r.assignment for r in results})) or "nothing"
    summary = [f"{literal_md(labs)}: **{literal_md(points(score))} / {literal_md(points(max_score))}**"]
    if notes:
        summary += ["", "Notebook:"] + notes
    seeds = sorted({r.seed for r in results})
    summary += ["", f"_Graded with seed {', '.join(map(str, seeds))}; a regrade with it draws the same inputs._"]
    data = {"score": score, "output": "\n".join(summary), "output_format": "md", "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"max_score": max_score, "assignments": sorted({r.assignment for r in results})}}
    if execution_time is not None:
        data["execution_time"] = max(0, int(round(_finite(execution_time))))
    return data


def failure_json(reason: str, execution_time: float = None) -> dict:
    """The results.json of a submission that could not be graded: score 0, and why."""
    data = {"score": 0.0, "output_format": "md", "visibility": "visible", "stdout_visibility": "hidden",
            "output": f"**Your submission could not be graded.**\n\n{literal_md(reason)}", "tests": []}
    if execution_time is not None:
        data["execution_time"] = max(0, int(round(_finite(execution_time))))
    return data


def dumps(data: dict) -> str:
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def render(result: Result, options: dict = None) -> str:
    """The per-result file of `autograder grade --format gradescope`
    (`options["gradescope_checks"]`: the visibility of per-check detail, "" for none)."""
    return dumps(results_json([result], (options or {}).get("gradescope_checks", "")))

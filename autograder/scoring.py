"""Check results -> each exercise's score and status.

An exercise scores points x (weight of passed checks / weight of all its
checks). Status: `passed` (all checks), `partial` (some), `failed` (none),
`not_attempted` (every check met the NotImplementedError stub), `error` (a
check hit a grader bug: not the student's fault, flagged for regrade; the
score counts only the checks that ran). The lab total is `Result.score`.
"""
from __future__ import annotations

from autograder.feedback import exercise_feedback
from autograder.result import ExerciseResult

NO_CHECKS = "no hidden checks ran for this exercise (grader configuration): flagged for regrade"


def score_exercise(name: str, points: float, checks: list, exercises=()) -> ExerciseResult:
    mine = tuple(c for c in checks if c.exercise == name)
    if not mine:
        return ExerciseResult(name, 0.0, points, "error", (NO_CHECKS,))
    total = sum(c.weight for c in mine)
    passed = sum(c.weight for c in mine if c.status == "passed")
    statuses = {c.status for c in mine}
    if "error" in statuses:
        status = "error"
    elif statuses == {"not_attempted"}:
        status = "not_attempted"
    elif statuses == {"passed"}:
        status = "passed"
    else:
        status = "partial" if passed else "failed"
    return ExerciseResult(name, round(points * passed / total, 4), points, status,
                          tuple(exercise_feedback(name, status, mine, exercises)), mine)


def score_lab(points: dict, checks: list) -> tuple:
    """Every exercise's ExerciseResult, in the notebook's order."""
    return tuple(score_exercise(name, p, checks, tuple(points)) for name, p in points.items())

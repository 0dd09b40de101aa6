"""Check outcomes -> each exercise's score and status, and the lab total.

An exercise scores points x (weight of passed checks / weight of all its
checks). Status: `passed` (all checks), `partial` (some), `failed` (none),
`not_attempted` (every check met the NotImplementedError stub), `error` (a
check hit a grader bug: not the student's fault, flagged for regrade; the
score counts only the checks that ran).
"""
from __future__ import annotations

from autograder.feedback import exercise_feedback


def score_exercise(name: str, points: float, outcomes: list) -> dict:
    mine = [o for o in outcomes if o.exercise == name]
    if not mine:
        return {"score": 0.0, "max_score": points, "status": "error",
                "feedback": ["no hidden checks ran for this exercise (grader configuration): "
                             "flagged for regrade"]}
    total = sum(o.weight for o in mine)
    passed = sum(o.weight for o in mine if o.status == "passed")
    statuses = {o.status for o in mine}
    if "error" in statuses:
        status = "error"
    elif statuses == {"not_attempted"}:
        status = "not_attempted"
    elif statuses == {"passed"}:
        status = "passed"
    else:
        status = "partial" if passed else "failed"
    return {"score": round(points * passed / total, 4), "max_score": points,
            "status": status, "feedback": exercise_feedback(name, status, mine)}


def score_lab(points: dict, outcomes: list) -> tuple:
    """(exercises dict, total score, max score) in the notebook's order."""
    exercises = {name: score_exercise(name, p, outcomes) for name, p in points.items()}
    score = round(sum(e["score"] for e in exercises.values()), 4)
    return exercises, score, float(sum(points.values()))


def zero_lab(points: dict, status: str, reason: str) -> tuple:
    """Every exercise scored 0 with the same reason (unreadable notebook, no tests...)."""
    exercises = {name: {"score": 0.0, "max_score": p, "status": status, "feedback": [reason]}
                 for name, p in points.items()}
    return exercises, 0.0, float(sum(points.values()))

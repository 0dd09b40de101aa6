"""The result model: the only place the result schema is defined.

A grading run produces one `Result` per student and assignment; each holds an
`ExerciseResult` per exercise, and each of those the `CheckResult` of every
hidden check that ran. They are frozen: writers (JSON, CSV, markdown, the
score table, ...) read them and build nothing of their own.

`to_json` gives the SPEC's JSON object (plus a few added fields);
`from_json` reads one back, rejecting anything that does not fit, and
`autograder/result.schema.json` publishes the same format for outsiders
(tests/test_result_schema.py keeps the two in step).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

SCHEMA_PATH = Path(__file__).with_name("result.schema.json")

# What an exercise's and a check's status may be (SPEC section 3), in the
# order a reader cares about them.
EXERCISE_STATUSES = ("passed", "partial", "failed", "not_attempted", "error")
CHECK_STATUSES = ("passed", "failed", "not_attempted", "error")


@dataclass(frozen=True)
class CheckResult:
    """One hidden check's outcome, in words a student may read."""
    exercise: str          # the function it checks
    check: str             # what was checked (the hidden test's docstring)
    weight: float
    status: str            # one of CHECK_STATUSES
    message: str = ""      # what was wrong
    mistake: str = ""      # the known mistake's name and advice, when recognised
    mistake_key: str = ""  # its catalogue key
    # Passed only when re-run with the grader's references in place of these
    # exercises of the student's, judged wrong by their own checks: the check is
    # credited, since their mistake costs their own points (autograder/dependencies.py).
    with_references: tuple = ()

    def to_json(self) -> dict:
        return {"exercise": self.exercise, "check": self.check, "weight": self.weight,
                "status": self.status, "message": self.message, "mistake": self.mistake,
                "mistake_key": self.mistake_key, "with_references": list(self.with_references)}

    @classmethod
    def from_json(cls, data: dict) -> "CheckResult":
        return cls(exercise=_str(data, "exercise"), check=_str(data, "check"),
                   weight=_number(data, "weight"), status=_choice(data, "status", CHECK_STATUSES),
                   message=_str(data, "message"), mistake=_str(data, "mistake"),
                   mistake_key=_str(data, "mistake_key"),
                   with_references=tuple(_strings(data, "with_references")))


@dataclass(frozen=True)
class ExerciseResult:
    """One exercise: its score, status, the feedback lines and the checks behind them."""
    name: str
    score: float
    max_score: float
    status: str                        # one of EXERCISE_STATUSES
    feedback: tuple = ()               # sentences for the student
    checks: tuple = ()                 # CheckResult of every hidden check that ran

    def to_json(self) -> dict:
        return {"score": self.score, "max_score": self.max_score, "status": self.status,
                "feedback": list(self.feedback), "checks": [c.to_json() for c in self.checks]}

    @classmethod
    def from_json(cls, name: str, data: dict) -> "ExerciseResult":
        return cls(name=name, score=_number(data, "score"), max_score=_number(data, "max_score"),
                   status=_choice(data, "status", EXERCISE_STATUSES),
                   feedback=tuple(_strings(data, "feedback")),
                   checks=tuple(CheckResult.from_json(c) for c in _list(data, "checks")))


@dataclass(frozen=True)
class Result:
    """One student's grading of one assignment."""
    student: str
    assignment: str                    # a lab id, or "unknown"
    seed: int
    exercises: tuple = ()              # ExerciseResult, in the notebook's order
    errors: tuple = ()                 # notebook-level problems, for the student
    pending_manual: float = 0.0        # points of manually graded answers still to come
    submission_sha256: str = ""        # of the graded notebook ("" when there was none)
    isolation: str = ""                # the sandbox's mode ("strict", "partial", "none"; "" = no child ran)
    isolation_layers: tuple = ()       # the layers that mode applied, e.g. ("mount-namespace", "landlock")
    notebook: str = ""                 # the graded notebook's file name ("" when none was graded)

    @property
    def score(self) -> float:
        return round(sum(e.score for e in self.exercises), 4)

    @property
    def max_score(self) -> float:
        return float(sum(e.max_score for e in self.exercises))

    def exercise(self, name: str) -> ExerciseResult:
        return next(e for e in self.exercises if e.name == name)

    def with_digest(self, digest: str) -> "Result":
        return replace(self, submission_sha256=digest)

    def with_notebook(self, name: str) -> "Result":
        return replace(self, notebook=name)

    def to_json(self) -> dict:
        return {"student": self.student, "assignment": self.assignment,
                "score": self.score, "max_score": self.max_score, "seed": self.seed,
                "exercises": {e.name: e.to_json() for e in self.exercises},
                "errors": list(self.errors), "pending_manual": self.pending_manual,
                "submission_sha256": self.submission_sha256, "notebook": self.notebook,
                "isolation": {"mode": self.isolation, "layers": list(self.isolation_layers)}}

    @classmethod
    def from_json(cls, data: dict) -> "Result":
        """Rebuild a result; raises ValueError for anything that is not one."""
        if type(data) is not dict:
            raise ValueError("a result is a JSON object")
        exercises = data.get("exercises")
        if type(exercises) is not dict:
            raise ValueError("'exercises' must be an object")
        seed = data.get("seed")
        if type(seed) is not int:
            raise ValueError("'seed' must be an integer")
        isolation = data.get("isolation", {})
        result = cls(student=_str(data, "student"), assignment=_str(data, "assignment"), seed=seed,
                     exercises=tuple(ExerciseResult.from_json(str(k), v) for k, v in exercises.items()),
                     errors=tuple(_strings(data, "errors")),
                     pending_manual=_number(data, "pending_manual"),
                     submission_sha256=_str(data, "submission_sha256"),
                     isolation=_str(isolation, "mode"), isolation_layers=tuple(_strings(isolation, "layers")),
                     notebook=_str(data, "notebook"))
        if not math.isclose(result.score, _number(data, "score"), abs_tol=1e-6):
            raise ValueError("'score' is not the sum of the exercises' scores")
        return result

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, allow_nan=False) + "\n"


def unscored(student: str, assignment: str, seed: int, points: dict, status: str, reason: str,
             errors: tuple = None, pending_manual: float = 0.0) -> Result:
    """Every exercise zero with this status and reason: the one constructor for a
    submission that could not be graded (unreadable notebook, a crashed worker,
    a lab without hidden tests). `points` is {exercise: points}."""
    exercises = tuple(ExerciseResult(name, 0.0, float(p), status, (reason,)) for name, p in points.items())
    return Result(student, assignment, seed, exercises, (reason,) if errors is None else tuple(errors),
                  pending_manual)


def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate(data: dict) -> None:
    """Raise jsonschema.ValidationError unless `data` follows the published schema."""
    import jsonschema   # only the test suite validates every result it produces
    jsonschema.validate(data, schema())


# --- strict readers for from_json: a wrong type is a ValueError, never a default ---

def _field(data: dict, key: str, default):
    if type(data) is not dict:
        raise ValueError(f"expected an object holding {key!r}")
    return data.get(key, default)


def _str(data: dict, key: str) -> str:
    value = _field(data, key, "")
    if type(value) is not str:
        raise ValueError(f"{key!r} must be a string")
    return value


def _number(data: dict, key: str) -> float:
    value = _field(data, key, 0.0)
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ValueError(f"{key!r} must be a finite number")
    return float(value)


def _list(data: dict, key: str) -> list:
    value = _field(data, key, [])
    if type(value) is not list:
        raise ValueError(f"{key!r} must be a list")
    return value


def _strings(data: dict, key: str) -> list:
    values = _list(data, key)
    if any(type(v) is not str for v in values):
        raise ValueError(f"{key!r} must be a list of strings")
    return values


def _choice(data: dict, key: str, allowed: tuple) -> str:
    value = _str(data, key)
    if value not in allowed:
        raise ValueError(f"{key!r} must be one of {', '.join(allowed)}")
    return value

"""What an adversarial case is and the exact result it must get.

Every case is graded as lab 1.4.1; an exercise a case does not name in `lost`
must get full marks.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

import pytest

from autograder.labs import LABS, default_course
from autograder.notebook import exercise_points
from autograder.sandbox import isolation

COURSE = default_course()
BACKPROP = "lab-1.4.1-manual-backpropagation"
POINTS = exercise_points(str(LABS[BACKPROP].source_notebook(COURSE)))
MAX_SCORE = sum(POINTS.values())
ISOLATED = isolation.available()          # root on Linux: the child is jailed
# ... and in a v1 memory and pids cgroup, where the machine has them
CGROUPS = ISOLATED and all(os.path.isdir(os.path.join(isolation.CGROUP_V1, c)) for c in ("memory", "pids"))


@dataclass(frozen=True)
class Case:
    id: str
    cells: tuple = ()                              # hostile cells appended to the trimmed solution
    lost: dict = field(default_factory=dict)       # exercise -> its exact score (short of full marks)
    status: dict = field(default_factory=dict)     # exercise -> its status, when not "failed"
    feedback: dict = field(default_factory=dict)   # exercise -> a substring of its feedback
    errors: tuple = ()                             # substrings, each in some line of result["errors"]
    isolated: bool = False                         # attacks the host: graded only in the root jail
    xfail: str = ""                                # a known engine weakness (xfail, strict)
    build: Callable = None                         # bad inputs: build(submitted, case_id, root) -> PATH args
    student: str = ""                              # the result's student id, when not the case id
    everything_lost: str = ""                      # the whole notebook is rejected with this message

    def expected(self, exercise: str) -> tuple:
        """(score, status) this case must get on an exercise."""
        if self.everything_lost:
            return 0.0, "failed"
        if exercise in self.lost:
            return self.lost[exercise], self.status.get(exercise, "failed")
        return POINTS[exercise], "passed"


def check_result(case: Case, result: dict) -> None:
    """The exact outcome: every exercise's score and status, the messages."""
    assert result["assignment"] == BACKPROP and result["max_score"] == MAX_SCORE
    got = {name: (ex["score"], ex["status"]) for name, ex in result["exercises"].items()}
    want = {name: case.expected(name) for name in POINTS}
    assert got == want, {n: (got.get(n), want.get(n), result["exercises"].get(n, {}).get("feedback"))
                         for n in set(got) | set(want) if got.get(n) != want.get(n)}
    assert result["score"] == pytest.approx(sum(score for score, _ in want.values()))
    for name, text in case.feedback.items():
        assert text in " ".join(result["exercises"][name]["feedback"]), result["exercises"][name]["feedback"]
    if case.everything_lost:
        assert any(case.everything_lost in line for line in result["errors"]), result["errors"]
        for exercise in result["exercises"].values():
            assert any(case.everything_lost in line for line in exercise["feedback"]), exercise["feedback"]
    for text in case.errors:
        assert any(text in line for line in result["errors"]), result["errors"]


def case_param(case: Case):
    """The case as a pytest parameter: skipped outside the jail if it attacks the
    host, a strict xfail if it documents a known weakness."""
    marks = []
    if case.isolated and not ISOLATED:
        marks.append(pytest.mark.skip(reason="attacks the host: graded only inside the root jail (see README)"))
    if case.xfail:
        marks.append(pytest.mark.xfail(strict=True, reason=case.xfail))
    return pytest.param(case, id=case.id, marks=marks)

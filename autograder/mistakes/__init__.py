"""Catalogue of known mistakes: each builds its wrong answer from the inputs.

Diagnosis is data, not an if-chain: a hidden test asks `wrong_answers` for
every catalogued mistake of one output, and `checks.compare` names the one a
failing answer reproduces. Each lab has a module here (`backprop.py`, ...)
with a `MISTAKES` list; every entry has a golden wrong implementation in
`tests/banks/` that must trigger it.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np


@dataclass(frozen=True)
class Mistake:
    key: str                            # stable id, used by tests/banks
    name: str                           # shown to the student: what the mistake is
    advice: str                         # shown to the student: what to do instead
    exercise: str = ""                  # the function it concerns
    output: str = ""                    # which returned value it changes ("" = the only one)
    build: Optional[Callable] = None    # same inputs as the exercise -> the wrong answer

    def __repr__(self) -> str:
        return f"Mistake({self.key!r})"


def wrong_answers(catalogue: list, exercise: str, output: str, *inputs) -> list:
    """(mistake, wrong answer) for every buildable mistake of this output."""
    pairs = []
    for mistake in catalogue:
        if mistake.exercise != exercise or mistake.output != output or mistake.build is None:
            continue
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                pairs.append((mistake, mistake.build(*inputs)))
            except (ArithmeticError, ValueError, IndexError):
                continue   # this mistake cannot even be formed for these inputs
    return pairs


def by_key(catalogue: list) -> dict:
    return {m.key: m for m in catalogue}

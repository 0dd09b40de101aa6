"""Catalogue of known mistakes: every known mistake is one keyword-only `Mistake`.

Each lab has a module here (`backprop.py`, ...) whose `MISTAKES` is a
`Catalogue`. An entry is recognised in one of three ways:

- `build`: the mistake produces a wrong VALUE, built here from the exercise's
  inputs; a failing answer that reproduces it is named by it;
- `symptom`: it shows in the answer's behaviour on the check's inputs (NaN
  where p = 0, -inf in the tails, a non-zero bias): `symptom(answer, *inputs)`
  says whether this answer shows it;
- `observed_by`: it shows in no answer, only in what one check observes (the
  child's report of mutated inputs or warnings, two calls that differ, time,
  memory, a figure's axes, random initial values); that check names it with
  `MISTAKES.named(key, exercise)`.

A hidden test hands `MISTAKES.known(exercise, *inputs)` to a check of
`checks.compare`, which names the mistake with one rule for every lab (see
`compare.diagnose`). Every entry has a golden wrong implementation in
`tests/banks/` that must trigger it.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Optional, Union

import numpy as np


@dataclass(frozen=True, kw_only=True)
class Mistake:
    key: str                            # stable id, used by tests/banks; unique per exercise
    name: str                           # shown to the student: what the mistake is
    advice: str                         # shown to the student: what to do instead
    exercise: str = ""                  # the function it concerns ("" = any function of the lab)
    output: str = ""                    # which returned value it changes ("" = the only one, or all)
    # same inputs as the exercise -> the wrong answer; a tuple of such when the
    # mistake has several forms (rank r + 1 or r - 1)
    build: Union[Callable, tuple, None] = None
    symptom: Optional[Callable] = None  # (answer, *the exercise's inputs) -> True when the answer shows it
    observed_by: str = ""               # the check that names a mistake no answer shows

    def __repr__(self) -> str:
        return f"Mistake({self.key!r}, exercise={self.exercise!r})"

    @property
    def builds(self) -> tuple:
        """Every way to build this mistake's wrong answer (none for a behaviour)."""
        if self.build is None:
            return ()
        return self.build if isinstance(self.build, tuple) else (self.build,)


@dataclass(frozen=True)
class Symptom:
    """A mistake's symptom bound to one check's inputs, for `compare.diagnose`."""
    predicate: Callable
    inputs: tuple

    def shows(self, answer) -> bool:
        with np.errstate(all="ignore"):
            return bool(self.predicate(answer, *self.inputs))


class Catalogue:
    """One lab's known mistakes, in the order diagnosis prefers them on a tie."""

    def __init__(self, mistakes):
        self.mistakes = tuple(mistakes)
        seen = set()
        for mistake in self.mistakes:
            pair = (mistake.exercise, mistake.key)
            if pair in seen:
                raise ValueError(f"two mistakes {mistake.key!r} for exercise {mistake.exercise!r}: "
                                 "give one entry several builds instead (build=(one, other))")
            seen.add(pair)

    def __iter__(self):
        return iter(self.mistakes)

    def __len__(self) -> int:
        return len(self.mistakes)

    def named(self, key: str, exercise: str = "") -> Mistake:
        """The entry `key` of this exercise, else the lab-wide one (exercise "")."""
        for wanted in (exercise, ""):
            for mistake in self.mistakes:
                if mistake.key == key and mistake.exercise == wanted:
                    return mistake
        raise KeyError(f"no mistake {key!r} for exercise {exercise!r}")

    def known(self, exercise: str, *inputs, output: str = "", part: Optional[int] = None) -> list:
        """(mistake, evidence) for every mistake of this output that these inputs can show:
        evidence is a wrong answer built from the inputs, or the mistake's `Symptom`.
        `part` picks one item of built answers that are tuples (the check judges that item)."""
        pairs = []
        for mistake in self.mistakes:
            if mistake.exercise != exercise or mistake.output != output:
                continue
            for build in mistake.builds:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        wrong = build(*inputs)
                    except (ArithmeticError, ValueError, IndexError):
                        continue   # this form of the mistake cannot even be built for these inputs
                pairs.append((mistake, wrong if part is None else wrong[part]))
            if mistake.symptom is not None:
                pairs.append((mistake, Symptom(mistake.symptom, inputs)))
        return pairs


def by_key(catalogue) -> dict:
    """key -> one mistake with that key: for the SET of keys (a key may repeat across exercises)."""
    return {m.key: m for m in catalogue}


# ## predicates for symptoms: strict about types, so that any returned value is safe

def nonfinite(answer) -> bool:
    """A float, or a float array, with a NaN or an infinity in it."""
    if type(answer) is float:
        return not np.isfinite(answer)
    return type(answer) is np.ndarray and answer.dtype.kind == "f" and not bool(np.all(np.isfinite(answer)))


def has_nan(answer) -> bool:
    """A float, or a float array, with a NaN in it."""
    if type(answer) is float:
        return bool(np.isnan(answer))
    return type(answer) is np.ndarray and answer.dtype.kind == "f" and bool(np.isnan(answer).any())


def saturated(p) -> bool:
    """Some probability is exactly 0 or 1 (log(p) or log(1 - p) is -inf without clipping)."""
    p = np.asarray(p, dtype=float)
    return bool(np.any((p == 0) | (p == 1)))

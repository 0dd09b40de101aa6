"""Judge one returned value: kind, shape, dtype kind, finiteness, closeness.

Every check returns a `Verdict`; hidden tests pass it to `expect`, which
raises `CheckFailed` for the plugin to turn into feedback. Messages say what
was wrong and how large the error was, never the expected values.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from autograder.config import Tolerances
from autograder.mistakes import Mistake, Symptom

TOLERANCES = Tolerances()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str = ""
    error: Optional[float] = None
    tolerance: Optional[float] = None
    mistake: Optional[Mistake] = None


PASS = Verdict(True)


class CheckFailed(Exception):
    """Raised by `expect` for a failed verdict; carries it to the plugin."""

    def __init__(self, verdict: Verdict):
        super().__init__(verdict.message)
        self.verdict = verdict


def expect(verdict: Verdict) -> None:
    if not verdict.ok:
        raise CheckFailed(verdict)


def fail(message: str, mistake: Optional[Mistake] = None) -> Verdict:
    return Verdict(False, message, mistake=mistake)


def relative_error(a, b, floor_fraction: float = TOLERANCES.floor_fraction,
                   absolute_floor: float = TOLERANCES.absolute_floor, scale: Optional[float] = None) -> float:
    """max |a - b| / max(|a| + |b|, floor), the floor scaled to the arrays' magnitude.

    `scale` is the quantity's natural size where the exact answer may be (near) zero: log K
    for an entropy over K classes, the inputs' scale for a gradient. The floor is then at
    least `scale`, so an error of 5e-9 nats on an exact 0 is judged as 5e-9 / log K, not 1."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    size = np.abs(a) + np.abs(b)
    if size.size == 0:
        return 0.0
    floor = max(floor_fraction * float(size.max()), absolute_floor, float(scale or 0.0))
    return float(np.max(np.abs(a - b) / np.maximum(size, floor)))


def describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}" if not hasattr(value, "type_name") else f"a {value.type_name}"


# ## form: the ONE place that decides what counts as a number, an array, a tuple ------------
#
# Lenient on form, strict on value. A number is a Python int or float, a numpy scalar (it
# arrives as a Python number: the transport unwraps it) or a 0-d real array; a bool is not a
# number. Where the answer is an exact integer (a rank, a count), an int or a number with an
# integral value is accepted. An array is a real (float, int, unsigned) numpy ndarray of the
# expected shape; a tuple is a tuple or a list. Hidden tests ask these functions, never type().

def as_number(value, *, integer: bool = False):
    """`value` as a Python float (an int where `integer` and the value is whole), or None when
    it is not a number by the rule above (or, with `integer`, not a whole number)."""
    if type(value) is np.ndarray and value.shape == () and value.dtype.kind in "fiu":
        value = value.item()
    if type(value) not in (float, int):
        return None
    if integer:
        if type(value) is int:
            return value
        return int(value) if np.isfinite(value) and value == int(value) else None
    return as_float(value)


def number(value, what: str, *, integer: bool = False) -> tuple:
    """(Verdict, the number or None): the verdict says what `value` should have been."""
    got = as_number(value, integer=integer)
    if got is not None:
        return PASS, got
    if integer and as_number(value) is not None:
        return fail(f"{what} should be a whole number; got {value!r}"), None
    return fail(f"{what} should be {'an int' if integer else 'a number'}; got {describe(value)}"), None


def is_array(value, shape: Optional[tuple] = None) -> bool:
    """A real numpy array (of this shape): the predicate behind `array_like`."""
    return (type(value) is np.ndarray and value.dtype.kind in "fiu" and value.dtype.fields is None
            and (shape is None or value.shape == tuple(shape)))


def is_sequence(value, count: Optional[int] = None) -> bool:
    """A tuple or a list (of `count` items): the predicate behind `returns_tuple`."""
    return type(value) in (tuple, list) and (count is None or len(value) == count)


def array_like(value, what: str, shape: Optional[tuple] = None) -> Verdict:
    """A real ndarray of the given shape with finite entries (a number where the shape is ())."""
    if shape is not None and tuple(shape) == () and type(value) is not np.ndarray:
        verdict, got = number(value, what)
        if not verdict.ok:
            return verdict
        return PASS if np.isfinite(got) else fail(f"{what} is {got}, not a finite number")
    if type(value) is not np.ndarray:
        return fail(f"{what} should be a numpy array; got {describe(value)}")
    if not is_array(value):
        return fail(f"{what} has dtype {value.dtype}; expected real floating point (float64)")
    if shape is not None and value.shape != tuple(shape):
        return fail(f"{what} has shape {value.shape}; expected {tuple(shape)}")
    bad = int(np.count_nonzero(~np.isfinite(value))) if value.dtype.kind == "f" else 0
    if bad:
        return fail(f"{what} contains {bad} NaN or infinite entries")
    return PASS


def close(got, want, what: str, tol: float = TOLERANCES.exact,
          mistakes: Sequence = (), scale: Optional[float] = None) -> Verdict:
    """`got` is a float array shaped like `want` and within `tol` relative error.

    `mistakes` are the known mistakes of these inputs (`Catalogue.known`); a
    failing answer that shows one is reported by that mistake's name (`diagnose`).
    `scale` is the quantity's natural size (see `relative_error`), for answers that may be 0.
    """
    want = np.asarray(want, dtype=float)
    verdict = array_like(got, what, want.shape)
    if verdict.ok:
        error = relative_error(got, want, scale=scale)
        if error <= tol:
            return PASS
        verdict = Verdict(False, f"{what}: {error_message(got, want, error, scale)} (tolerance {tol:.0e})",
                          error, tol)
    return diagnose(got, verdict, mistakes, tol)


def close_scalar(got, want: float, what: str, tol: float = TOLERANCES.exact,
                 mistakes: Sequence = (), scale: Optional[float] = None) -> Verdict:
    """`got` is a number (see `as_number`) close to `want`; `scale` as for `close`."""
    verdict, value = number(got, what)
    if not verdict.ok:
        return diagnose(got, verdict, mistakes, tol)
    if not np.isfinite(value):
        return diagnose(value, fail(f"{what} is {value}, not a finite number"), mistakes, tol)
    error = relative_error(value, want, scale=scale)
    if error <= tol:
        return PASS
    return diagnose(value, Verdict(False, f"{what}: {error_message(value, want, error, scale)} "
                                          f"(tolerance {tol:.0e})", error, tol), mistakes, tol)


def error_message(got, want, error: float, scale: Optional[float]) -> str:
    """The size of an error as it is: relative, and also absolute where the answer is (near) 0."""
    if scale is None:
        return f"max relative error {error:.1e}" if np.ndim(want) else f"relative error {error:.1e}"
    absolute = float(np.max(np.abs(np.asarray(got, dtype=float) - np.asarray(want, dtype=float)), initial=0.0))
    return f"max error {absolute:.1e} (relative to a natural scale of {scale:.2g}: {error:.1e})"


def diagnose(got, verdict: Verdict, mistakes: Sequence, tol: float) -> Verdict:
    """Name the known mistake a failing answer shows, by one rule for every lab: the
    NEAREST wrong answer it reproduces (smallest relative error among those within
    `tol`, or TOLERANCES.match when that is larger; the earlier entry on a tie), else
    the first mistake whose symptom it shows. Nearest, not first: two mistakes can give
    nearly the same answer (AdamW as L2 and no decay at all, on a first step at the
    default weight decay), and the one the student made is the closer.

    `mistakes` are (Mistake, evidence) pairs from `Catalogue.known`: evidence is a
    wrong answer built from the same inputs, or a `Symptom`."""
    limit = max(tol, TOLERANCES.match)
    reproduced = [(distance(got, wrong), k) for k, (_, wrong) in enumerate(mistakes)
                  if not isinstance(wrong, Symptom)]
    matching = [pair for pair in reproduced if pair[0] <= limit]
    if matching:
        named = mistakes[min(matching)[1]][0]
    else:
        named = next((m for m, wrong in mistakes if isinstance(wrong, Symptom) and wrong.shows(got)), None)
    if named is None:
        return verdict
    return Verdict(False, verdict.message, verdict.error, verdict.tolerance, named)


def distance(got, wrong) -> float:
    """Relative error of `got` from a wrong answer on their finite entries; inf unless both are
    real arrays (or numbers) of one shape with the same NaN and infinite entries."""
    if isinstance(got, (float, int)) and not isinstance(got, bool):
        got = np.asarray(as_float(got))
    if type(got) is not np.ndarray or got.dtype.kind not in "fiu":
        return np.inf
    wrong = np.asarray(wrong, dtype=float)
    if got.shape != wrong.shape:
        return np.inf
    finite = np.isfinite(wrong)
    if not (np.array_equal(np.isfinite(got), finite)
            and np.array_equal(got[~finite], wrong[~finite], equal_nan=True)):
        return np.inf
    return relative_error(got[finite], wrong[finite])


def as_float(number) -> float:
    """A Python number as a float; an int too large for one (the child may send any int) is +-inf."""
    try:
        return float(number)
    except OverflowError:
        return float("inf") if number > 0 else float("-inf")


def returns_tuple(value, count: int, what: str, noun: str = "") -> Verdict:
    """`value` is a tuple (or list) of `count` items, e.g. (dL_dW, dL_dx, dL_db)."""
    if not is_sequence(value):
        return fail(f"{what} should return {noun or f'a tuple of {count} values'}; got {describe(value)}")
    if len(value) != count:
        return fail(f"{what} should return {count} values; got {len(value)}")
    return PASS


def returns_dict(value, keys: tuple, what: str) -> Verdict:
    """`value` is a dict with exactly these keys."""
    if type(value) is not dict:
        return fail(f"{what} should return a dict with keys {', '.join(keys)}; got {describe(value)}")
    missing = [k for k in keys if k not in value]
    if missing:
        return fail(f"{what} is missing the keys {', '.join(map(str, missing))}")
    return PASS


def no_warnings(warnings: list, what: str, mistake=None) -> Verdict:
    """The call emitted no warnings (e.g. overflow in exp)."""
    if warnings:
        return fail(f"{what} emitted a warning: {warnings[0]}", mistake)
    return PASS


def inputs_unchanged(mutated: int, what: str, mistake=None) -> Verdict:
    if mutated:
        return fail(f"{what} modified {mutated} of its input arrays in place", mistake)
    return PASS

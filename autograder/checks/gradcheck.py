"""Numerical gradient checks in float64, run by the trusted grader.

The grader differentiates its own reference loss numerically and compares the
student's analytic gradient with it, so any correct formulation passes.

- Small arrays (<= FULL_CHECK_MAX entries): every entry, by central differences.
- Larger arrays: a directional check. For K random unit directions u, the
  directional derivative of f along u must equal <gradient, u>. That costs
  O(K) evaluations of f whatever the size, and any error in the gradient
  shows up in a random projection with probability 1.

Both use Richardson-extrapolated central differences,
    D(h) = (f(x + h u) - f(x - h u)) / 2h,    D = (4 D(h) - D(2h)) / 3,
whose truncation error is O(h^4), so h can be large enough (STEP, relative to
the scale of x) that float64 cancellation stays near 1e-12 of |f|.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from autograder.checks.compare import PASS, TOLERANCES, Verdict, array_like, diagnose, relative_error

FULL_CHECK_MAX = 256    # entries checked one by one below this size
DIRECTIONS = 8          # random directions for larger arrays
STEP = 1e-4             # h relative to max(1, max |x|)


def _step(x: np.ndarray) -> float:
    return STEP * max(1.0, float(np.max(np.abs(x))) if x.size else 1.0)


def directional_derivative(f: Callable, x: np.ndarray, u: np.ndarray, h: float) -> float:
    """Richardson-extrapolated central difference of f at x along u."""
    d1 = (f(x + h * u) - f(x - h * u)) / (2 * h)
    d2 = (f(x + 2 * h * u) - f(x - 2 * h * u)) / (4 * h)
    return float((4 * d1 - d2) / 3)


def numerical_gradient(f: Callable, x: np.ndarray) -> np.ndarray:
    """Full numerical gradient of scalar f at x (x is not modified)."""
    x = np.asarray(x, dtype=float)
    h = _step(x)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[index] = 1.0
        grad[index] = directional_derivative(f, x, e, h)
    return grad


def check_gradient(f: Callable, x: np.ndarray, analytic, what: str, rng: np.random.Generator,
                   tol: float = TOLERANCES.gradient, mistakes=()) -> Verdict:
    """The student's `analytic` gradient of f at x agrees with finite differences."""
    x = np.asarray(x, dtype=float)
    verdict = array_like(analytic, what, x.shape)
    if not verdict.ok:
        return diagnose(analytic, verdict, mistakes, tol)
    if x.size <= FULL_CHECK_MAX:
        numeric = numerical_gradient(f, x)
        error = relative_error(analytic, numeric)
        method = "every entry"
    else:
        directions = rng.standard_normal((DIRECTIONS,) + x.shape)
        directions /= np.sqrt((directions ** 2).sum(axis=tuple(range(1, directions.ndim)), keepdims=True))
        h = _step(x)
        numeric = np.array([directional_derivative(f, x, u, h) for u in directions])
        projected = np.array([float(np.sum(analytic * u)) for u in directions])
        error = relative_error(projected, numeric)
        method = f"{DIRECTIONS} random directions"
    if error <= tol:
        return PASS
    return diagnose(analytic, Verdict(
        False, f"{what} disagrees with finite differences ({method}): max relative error "
               f"{error:.1e} (tolerance {tol:.0e})", error, tol), mistakes, tol)

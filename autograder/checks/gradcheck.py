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
the scale of x) that float64 cancellation stays small.

The error model. The rounding noise of f itself is not always near 1e-16 |f|:
a loss evaluated in probability space (BCE of a sigmoid output near 1, where
1 - p keeps only a few significant digits) carries noise of eps |f'(p)|, and
the difference quotient divides it by h. So each check measures the noise
level sigma_f of f around x (Moré & Wild's ECnoise: high-order differences of
f at NOISE_POINTS points spaced h apart along random directions, where the
smooth part of f contributes ~h^k f^(k), nothing), and each numerical
derivative is known to within NOISE_SIGMAS * 1.5 sigma_f / h (1.5 sigma_f / h
bounds the noise of D). That uncertainty is subtracted from each entry's
error before it is judged against the tolerance, capped at NOISE_CAP of the
tolerance at the array's largest entries: it can excuse round-off on small
entries, never a wrong gradient.
"""
from __future__ import annotations

from math import factorial
from typing import Callable

import numpy as np

from autograder.checks.compare import PASS, TOLERANCES, Verdict, array_like, diagnose

FULL_CHECK_MAX = 256    # entries checked one by one below this size
DIRECTIONS = 8          # random directions for larger arrays
STEP = 1e-4             # h relative to max(1, max |x|)
NOISE_POINTS = 9        # f evaluated at x + (k - 4) h u, k = 0..8, per noise direction
NOISE_DIRECTIONS = 2    # random directions along which the noise of f is measured
NOISE_ORDERS = (4, 5, 6)  # difference orders whose noise estimates are combined (the largest is kept)
NOISE_SIGMAS = 8.0      # the finite-difference uncertainty is this many standard deviations of its noise
NOISE_CAP = 0.1         # ... and at most this fraction of tol x the array's largest |a| + |b|


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


def noise_level(f: Callable, x: np.ndarray, h: float, rng: np.random.Generator) -> float:
    """The standard deviation of f's rounding noise near x (ECnoise): for noise of
    variance s^2, the k-th difference has variance s^2 (2k)! / (k!)^2."""
    x = np.asarray(x, dtype=float)
    estimates = [0.0]
    for _ in range(NOISE_DIRECTIONS):
        u = rng.standard_normal(x.shape)
        u /= max(float(np.sqrt(np.sum(u ** 2))), 1e-300)
        values = np.array([float(f(x + (k - NOISE_POINTS // 2) * h * u)) for k in range(NOISE_POINTS)])
        if not np.all(np.isfinite(values)):
            continue
        for order in NOISE_ORDERS:
            differences = np.diff(values, n=order)
            gamma = factorial(order) ** 2 / factorial(2 * order)
            estimates.append(float(np.sqrt(gamma * np.mean(differences ** 2))))
    return max(estimates)


def judged_error(analytic, numeric, uncertainty: float) -> float:
    """max over entries of (|a - n| - uncertainty)+ / max(|a| + |n|, floor), the
    floor as in compare.relative_error, the uncertainty capped (NOISE_CAP)."""
    a, n = np.asarray(analytic, dtype=float), np.asarray(numeric, dtype=float)
    scale = np.abs(a) + np.abs(n)
    if scale.size == 0:
        return 0.0
    top = float(scale.max())
    floor = max(TOLERANCES.floor_fraction * top, TOLERANCES.absolute_floor)
    allowed = min(uncertainty, NOISE_CAP * TOLERANCES.gradient * top)
    return float(np.max(np.maximum(np.abs(a - n) - allowed, 0.0) / np.maximum(scale, floor)))


def check_gradient(f: Callable, x: np.ndarray, analytic, what: str, rng: np.random.Generator,
                   tol: float = TOLERANCES.gradient, mistakes=()) -> Verdict:
    """The student's `analytic` gradient of f at x agrees with finite differences."""
    x = np.asarray(x, dtype=float)
    verdict = array_like(analytic, what, x.shape)
    if not verdict.ok:
        return diagnose(analytic, verdict, mistakes, tol)
    h = _step(x)
    if x.size <= FULL_CHECK_MAX:
        numeric = numerical_gradient(f, x)
        compared = analytic
        method = "every entry"
    else:
        directions = rng.standard_normal((DIRECTIONS,) + x.shape)
        directions /= np.sqrt((directions ** 2).sum(axis=tuple(range(1, directions.ndim)), keepdims=True))
        numeric = np.array([directional_derivative(f, x, u, h) for u in directions])
        compared = np.array([float(np.sum(analytic * u)) for u in directions])
        method = f"{DIRECTIONS} random directions"
    uncertainty = NOISE_SIGMAS * 1.5 * noise_level(f, x, h, rng) / h
    error = judged_error(compared, numeric, uncertainty)
    if error <= tol:
        return PASS
    return diagnose(analytic, Verdict(
        False, f"{what} disagrees with finite differences ({method}): max relative error "
               f"{error:.1e} (tolerance {tol:.0e})", error, tol), mistakes, tol)

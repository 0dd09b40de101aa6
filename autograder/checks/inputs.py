"""Seeded input generators for hidden tests: draw sizes, then data of that size.

Every generator takes the test's `rng` first and keyword-only options after.
Sizes are drawn distinct so that a transposed or mis-summed answer cannot
have the right shape by accident (non-square matrices, batch != width).
"""
from __future__ import annotations

import numpy as np


def distinct_sizes(rng: np.random.Generator, count: int, *, low: int = 2, high: int = 9) -> tuple:
    """`count` different integers in [low, high]."""
    if high - low + 1 < count:
        raise ValueError(f"cannot draw {count} distinct sizes from [{low}, {high}]")
    return tuple(int(n) for n in rng.choice(np.arange(low, high + 1), size=count, replace=False))


def normal(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return scale * rng.standard_normal(shape)


def away_from_zero(rng: np.random.Generator, *shape: int, margin: float = 0.05, scale: float = 1.0) -> np.ndarray:
    """Normal draws with |value| >= margin: finite differences never straddle a kink at 0."""
    values = normal(rng, *shape, scale=scale)
    return np.where(np.abs(values) < margin, np.copysign(margin, values) + values, values)


def one_hot(rng: np.random.Generator, classes: int, batch: int) -> np.ndarray:
    """(classes, batch) one-hot columns (column samples)."""
    labels = rng.integers(0, classes, size=batch)
    out = np.zeros((classes, batch))
    out[labels, np.arange(batch)] = 1.0
    return out


def probabilities(rng: np.random.Generator, *shape: int, low: float = 0.05, high: float = 0.95) -> np.ndarray:
    return rng.uniform(low, high, size=shape)


def binary_labels(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """0/1 floats with both values present (when there are at least two entries)."""
    labels = rng.integers(0, 2, size=shape).astype(float)
    if labels.size >= 2:
        flat = labels.reshape(-1)
        flat[0], flat[1] = 0.0, 1.0
        rng.shuffle(flat)
    return labels


def orthonormal(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """(rows, cols) with orthonormal columns (cols <= rows), uniformly oriented."""
    if cols > rows:
        raise ValueError(f"cannot draw {cols} orthonormal columns of length {rows}")
    q, r = np.linalg.qr(rng.standard_normal((rows, cols)))
    return q * np.copysign(1.0, np.diag(r))


def symmetric(rng: np.random.Generator, eigenvalues) -> np.ndarray:
    """Q diag(eigenvalues) Q^T with a random rotation Q: the spectrum is chosen, the eigenbasis is not."""
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    q = orthonormal(rng, eigenvalues.size, eigenvalues.size)
    a = (q * eigenvalues) @ q.T
    return (a + a.T) / 2          # exactly symmetric, not just to round-off


def distributions(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Probability distributions along the last axis (Dirichlet(1) rows, no zeros)."""
    return rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])


def counts(rng: np.random.Generator, *shape: int, high: int = 20) -> np.ndarray:
    """Non-negative integer counts in [0, high] along the last axis, every row with a positive total."""
    c = rng.integers(0, high + 1, size=shape)
    c[..., 0] += c.sum(axis=-1) == 0
    return c


def spectrum(rng: np.random.Generator, k: int, *, top: tuple = (2.0, 20.0),
             ratio: tuple = (0.5, 0.95)) -> np.ndarray:
    """k singular values, largest first: the first in `top`, each next one its
    predecessor times a factor drawn from `ratio` (so no two are close)."""
    if not 0 < ratio[0] <= ratio[1] < 1:
        raise ValueError(f"ratio must lie in (0, 1) so that the values decrease strictly; got {ratio}")
    factors = np.concatenate([[rng.uniform(*top)], rng.uniform(*ratio, size=k - 1)])
    return np.cumprod(factors)


def with_spectrum(rng: np.random.Generator, S, rows: int, cols: int) -> np.ndarray:
    """(rows, cols) matrix U diag(S) V^T with random orthonormal U, V: its singular values are S."""
    S = np.asarray(S, dtype=float)
    if S.size > min(rows, cols):
        raise ValueError(f"a ({rows}, {cols}) matrix has at most {min(rows, cols)} singular values, not {S.size}")
    return (orthonormal(rng, rows, S.size) * S) @ orthonormal(rng, cols, S.size).T


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

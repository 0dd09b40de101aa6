"""Assertions shared by the tests of the reference implementations."""
import warnings

import numpy as np

TOL = 1e-12   # float64 round-off between two exact formulations


def close(a, b, tol=TOL):
    """Same shape, and max |a - b| within tol of max(1, max |b|)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    assert np.max(np.abs(a - b), initial=0.0) <= tol * scale, (a, b)


def no_warnings(fn, *args):
    """Call fn with every numpy/Python warning turned into an error (underflow is benign)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="raise", over="raise", invalid="raise"):
            return fn(*args)

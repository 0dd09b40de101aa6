"""Cost of the directional gradient check against a full element-by-element check.

Both run in this process on the same function (a tanh layer contracted with
fixed upstream gradients), so the ratio is meaningful on a noisy machine.
The full check is timed on the sizes where it finishes in seconds and
extrapolated by its evaluation count beyond that.

    python benchmarks/gradcheck_cost.py      (or: make bench)
"""
import time

import numpy as np

from autograder.checks import gradcheck


def layer(rows, cols, batch=32, seed=0):
    rng = np.random.default_rng(seed)
    X, G = rng.standard_normal((cols, batch)), rng.standard_normal((rows, batch))
    calls = [0]

    def f(W):
        calls[0] += 1
        return float(np.sum(G * np.tanh(W @ X / np.sqrt(cols))))

    def grad(W):
        return (G * (1 - np.tanh(W @ X / np.sqrt(cols)) ** 2)) @ X.T / np.sqrt(cols)
    return f, grad, rng.standard_normal((rows, cols)), calls


def timed(check):
    start = time.perf_counter()
    verdict = check()
    return time.perf_counter() - start, verdict


def main():
    print(f"{'size':>11} {'entries':>9} {'directional':>20} {'full (every entry)':>26} {'ratio':>8}")
    for rows, cols in [(20, 30), (60, 80), (1000, 1000)]:
        f, grad, W, calls = layer(rows, cols)
        rng = np.random.default_rng(1)
        calls[0] = 0
        seconds_dir, verdict = timed(lambda: gradcheck.check_gradient(f, W, grad(W), "g", rng))
        evals_dir = calls[0]
        assert verdict.ok, verdict.message
        calls[0] = 0
        if W.size <= 5000:
            seconds_full, _ = timed(lambda: gradcheck.numerical_gradient(f, W))
            evals_full, note = calls[0], ""
        else:   # extrapolate: 4 evaluations per entry at the measured cost of one
            per_eval = seconds_dir / evals_dir
            evals_full, seconds_full, note = 4 * W.size, 4 * W.size * per_eval, " (extrapolated)"
        print(f"{rows:>5}x{cols:<5} {W.size:>9} {evals_dir:>6} evals {seconds_dir:>7.3f} s "
              f"{evals_full:>9} evals {seconds_full:>8.2f} s{note:15} {seconds_full / seconds_dir:>8.0f}x")
    print(f"\ndirectional check: {gradcheck.DIRECTIONS} random directions x 4 evaluations "
          "(Richardson-extrapolated central differences), independent of size;")
    print(f"arrays of <= {gradcheck.FULL_CHECK_MAX} entries are checked entry by entry instead.")


if __name__ == "__main__":
    main()

"""Hidden checks for lab 1.4.4: SVD, Eckart-Young, choosing a rank, LoRA.

One test per property; its docstring is the sentence the student reads.
Matrices are non-square with a chosen spectrum, W = U diag(S) V^T, so every
right answer is known exactly: consecutive singular values differ by at least
5% (inputs.spectrum), and rank targets sit BOUNDARY away from an error or
energy of the spectrum (the notebook promises never closer than 1e-9, and the
reference forgives round-off up to ref.TOL = 1e-12).

Over 300 lines: ten exercises, each with its input helper beside its checks.
"""
import time

import numpy as np
import pytest

from autograder.checks import inputs
from autograder.checks.compare import (
    PASS, TOLERANCES, Verdict, array_like, as_float, as_number, close, close_scalar, describe, diagnose, expect, fail,
    inputs_unchanged, number, returns_tuple)
from autograder.checks.gradcheck import check_gradient
from autograder.mistakes import Symptom
from autograder.mistakes.lora import MISTAKES
from autograder.references import lora as ref
from autograder.sandbox.proxy import StudentFailure, TimedOut
from autograder.sandbox.transport import SeededGenerator

# Relative distance of a target from the error or energy of a rank: a million
# times float64 round-off on the computed spectrum (~1e-15 here), a million
# times ref.TOL, and 1000 times the 1e-9 the notebook promises.
BOUNDARY = 1e-6
# find_optimal_rank's time budget: this multiple of the reference's time in the
# grader (one SVD of the singular values only), but never under SPEED_FLOOR
# seconds (transport of a 768 x 768 array, a full SVD with U and V, a loaded
# machine: at load 19 on 2 cores one honest call took over 5 s). A loop of
# SVDs over the 300-500 candidate ranks below the answer takes a minute or more
# even on an idle machine. The cap keeps a hung call from eating the
# submission's time budget.
SLOWDOWN, SPEED_FLOOR, SPEED_CAP = 20.0, 12.0, 30.0
# init_lora: A's root-mean-square entry may be up to this times 1/sqrt(d_in)
# (N(0, 1/d_in) gives 1, PEFT's uniform 0.58, Kaiming normal 1.41).
A_SCALE = 2.0


def relative_errors(S):
    """e_r for r = 0..k from exact singular values (tail sums from the smallest up)."""
    tail = np.append(np.cumsum(np.asarray(S)[::-1] ** 2)[::-1], 0.0)
    return np.sqrt(tail / tail[0])


def energies(S):
    """E_r for r = 0..k."""
    kept = np.concatenate([[0.0], np.cumsum(np.asarray(S) ** 2)])
    return kept / kept[-1]


def spectral_matrix(rng, *, tall=None, low=4, high=12, ratio=(0.5, 0.95)):
    """A non-square (m, n) matrix with min(m, n) chosen, well separated singular values."""
    m, n = sorted(inputs.distinct_sizes(rng, 2, low=low, high=high), reverse=True)
    if tall is False or (tall is None and rng.random() < 0.5):
        m, n = n, m
    S = inputs.spectrum(rng, min(m, n), ratio=ratio)
    return inputs.with_spectrum(rng, S, m, n), S


def rank_verdict(got, want, what, mistakes=()):
    """`got` is the int `want`; messages say which way it is wrong, not the right rank."""
    verdict, got = number(got, f"{what} (a rank)", integer=True)
    if not verdict.ok:
        return diagnose(got, verdict, mistakes, 0.0)
    if got == want:
        return PASS
    side = "a smaller rank already reaches the target" if got > want else "that rank does not reach the target yet"
    return diagnose(got, fail(f"{what} returned {got}, but {side}"), mistakes, 0.0)


def rank_cases(call, exercise, cases, what):
    """Call the student on every case; one verdict for all of them. A known
    mistake is named only when it explains every answer (its wrong ranks
    across the cases, as one vector, equal the student's)."""
    gots = [call(*case) for case in cases]
    gots = [as_number(g, integer=True) if as_number(g, integer=True) is not None else g for g in gots]
    for got, case in zip(gots, cases):
        verdict = rank_verdict(got, getattr(ref, exercise)(*case), what(case))
        if not verdict.ok:
            break
    else:
        return PASS
    per_case = [MISTAKES.known(exercise, *case) for case in cases]
    forms = [[id(m) for m, _ in pairs] for pairs in per_case]   # one per build of each mistake, in order
    if not (all(as_number(g, integer=True) is not None for g in gots) and all(f == forms[0] for f in forms)):
        return verdict
    vectors = [(m, np.array([pairs[k][1] for pairs in per_case], dtype=float)) for k, (m, _) in enumerate(per_case[0])]
    return diagnose(np.array([as_float(g) for g in gots]), verdict, vectors, 0.0)


def telling_cases(rng, exercise, draw, attempts=100):
    """Cases from `draw(rng)` on which the reference and every known mistake
    of `exercise` give different answers (redrawn until they do): with a few
    ranks, two mistakes can coincide on a flat spectrum, and the check would
    then name the wrong one, or miss one, under some seeds."""
    for _ in range(attempts):
        cases = draw(rng)
        per_case = [MISTAKES.known(exercise, *case) for case in cases]
        answers = [tuple(getattr(ref, exercise)(*case) for case in cases)]
        answers += [tuple(wrong for _, wrong in column) for column in zip(*per_case)
                    if not any(isinstance(wrong, Symptom) for _, wrong in column)]
        if len(set(answers)) == len(answers):
            break
    return cases


def near_zero(got, shape, what, atol):
    """An array of this shape whose entries are all within `atol` of 0 (round-off)."""
    verdict = array_like(got, what, shape)
    if verdict.ok and np.max(np.abs(got), initial=0.0) > atol:
        return fail(f"{what} has entries as large as {np.max(np.abs(got)):.1e}; expected zeros")
    return verdict


# ## low_rank_approx --------------------------------------------------------

@pytest.mark.exercise("low_rank_approx", weight=2)
@pytest.mark.parametrize("tall", [True, False], ids=["tall", "wide"])
def test_low_rank_approx_truncated_svd(student, rng, tall):
    """low_rank_approx(W, r) of a non-square W (tall and wide) is U[:, :r] diag(S[:r]) Vt[:r, :], with W's shape"""
    W, S = spectral_matrix(rng, tall=tall)
    r = int(rng.integers(1, S.size))
    expect(close(student.low_rank_approx(W, r), ref.low_rank_approx(W, r), f"low_rank_approx(W, {r})",
                 mistakes=MISTAKES.known("low_rank_approx", W, r)))


@pytest.mark.exercise("low_rank_approx", weight=2)
def test_low_rank_approx_eckart_young(student, rng):
    """your W_r has rank r and ||W - W_r||_F = sqrt(sum of S[r:]**2), the Eckart-Young optimum"""
    W, S = spectral_matrix(rng)
    r = int(rng.integers(1, S.size))
    got = student.low_rank_approx(W, r)
    what = f"low_rank_approx(W, {r})"
    verdict = array_like(got, what, W.shape)
    if verdict.ok:
        rank = int(np.sum(np.linalg.svd(got, compute_uv=False) > 1e-9 * S[0]))
        if rank != r:
            verdict = fail(f"{what} has rank {rank} (counting singular values above 1e-9 of the largest)")
    if verdict.ok:
        verdict = close_scalar(float(np.linalg.norm(W - got)), float(np.sqrt(np.sum(S[r:] ** 2))),
                               f"||W - W_r||_F for r = {r}, compared with sqrt(sum of S[r:]**2)")
    expect(verdict if verdict.ok else
           diagnose(got, verdict, MISTAKES.known("low_rank_approx", W, r), TOLERANCES.exact))


@pytest.mark.exercise("low_rank_approx", weight=1)
def test_low_rank_approx_extremes(student, rng):
    """low_rank_approx(W, 0) is the zero matrix and low_rank_approx(W, min(m, n)) gives W back"""
    W, S = spectral_matrix(rng)
    expect(near_zero(student.low_rank_approx(W, 0), W.shape, "low_rank_approx(W, 0)", atol=1e-12 * S[0]))
    expect(close(student.low_rank_approx(W, S.size), W, "low_rank_approx(W, min(m, n))",
                 mistakes=MISTAKES.known("low_rank_approx", W, S.size)))


@pytest.mark.exercise("low_rank_approx", weight=1)
def test_low_rank_approx_leaves_w(student, rng):
    """low_rank_approx leaves W unchanged"""
    W, S = spectral_matrix(rng)
    student.low_rank_approx(W, 1)
    expect(inputs_unchanged(student.last_call.mutated_inputs, "low_rank_approx"))


# ## relative_approx_error ------------------------------------------------------

def with_upstream_hint(verdict, student, W, r):
    """A failed relative_approx_error may only inherit a wrong low_rank_approx
    (the notebook asks for the definition, ||W - W_r||_F / ||W||_F): say so."""
    if verdict.ok or verdict.mistake is not None:
        return verdict
    try:
        upstream = close(student.low_rank_approx(W, r), ref.low_rank_approx(W, r), "W_r").ok
    except StudentFailure:
        upstream = False
    if upstream:
        return verdict
    return Verdict(False, f"{verdict.message}; your low_rank_approx(W, {r}) is wrong for this W too: if "
                          "relative_approx_error uses it, fix low_rank_approx first", verdict.error, verdict.tolerance)


@pytest.mark.exercise("relative_approx_error", weight=2)
def test_relative_approx_error_value(student, rng):
    """relative_approx_error(W, r) is ||W - W_r||_F / ||W||_F for a non-square W"""
    W, S = spectral_matrix(rng)
    r = int(rng.integers(1, S.size))
    verdict = close_scalar(student.relative_approx_error(W, r), relative_errors(S)[r],
                           f"relative_approx_error(W, {r})", mistakes=MISTAKES.known("relative_approx_error", W, r))
    expect(with_upstream_hint(verdict, student, W, r))


@pytest.mark.exercise("relative_approx_error", weight=1)
def test_relative_approx_error_extremes(student, rng):
    """relative_approx_error is 1 at r = 0 and 0 (to round-off) at r = min(m, n)"""
    W, S = spectral_matrix(rng)
    verdict = close_scalar(student.relative_approx_error(W, 0), 1.0, "relative_approx_error(W, 0)",
                           mistakes=MISTAKES.known("relative_approx_error", W, 0))
    expect(with_upstream_hint(verdict, student, W, 0))
    got = student.relative_approx_error(W, S.size)
    value = as_number(got)
    if value is None or abs(value) > 1e-10:   # round-off of ||W - W||_F / ||W||_F: ~1e-15
        expect(with_upstream_hint(close_scalar(got, 0.0, "relative_approx_error(W, min(m, n))"),
                                  student, W, S.size))


# ## energy_rank -----------------------------------------------------------------

def energy_cases(rng):
    """(S, threshold) just below and just above the energy E_r of each rank 0 < r < k."""
    S = inputs.spectrum(rng, int(rng.integers(4, 9)), ratio=(0.6, 0.95))
    E = energies(S)
    return [(S, float(E[r] * (1 + side * BOUNDARY))) for r in range(1, S.size) for side in (-1, 1)]


@pytest.mark.exercise("energy_rank", weight=3)
def test_energy_rank_boundaries(student, rng):
    """energy_rank(S, threshold) is exact at boundaries: thresholds just below and just above the energy of each rank"""
    cases = telling_cases(rng, "energy_rank", energy_cases)
    expect(rank_cases(student.energy_rank, "energy_rank", cases,
                      lambda case: "energy_rank(S, t) with t 1e-6 (relative) away from the energy of a rank"))


@pytest.mark.exercise("energy_rank", weight=1)
def test_energy_rank_zero_threshold(student, rng):
    """energy_rank(S, 0.0) is 0: a threshold of 0 needs no singular value"""
    S = inputs.spectrum(rng, int(rng.integers(4, 9)))
    expect(rank_verdict(student.energy_rank(S, 0.0), 0, "energy_rank(S, 0.0)",
                        MISTAKES.known("energy_rank", S, 0.0)))


# ## find_optimal_rank -----------------------------------------------------------------

def boundary_cases(rng):
    """(W, target) just above the error e_r of each rank (answer r) and just below it (answer r + 1)."""
    W, S = spectral_matrix(rng, ratio=(0.6, 0.95))
    e, k = relative_errors(S), S.size
    return ([(W, float(e[r] * (1 + BOUNDARY))) for r in range(1, k)]
            + [(W, float(e[r] * (1 - BOUNDARY))) for r in range(0, k - 1)])


@pytest.mark.exercise("find_optimal_rank", weight=3)
def test_find_optimal_rank_boundaries(student, rng):
    """find_optimal_rank(W, target) is exact at boundaries: targets just above and just below the error of each rank"""
    cases = telling_cases(rng, "find_optimal_rank", boundary_cases)
    expect(rank_cases(student.find_optimal_rank, "find_optimal_rank", cases,
                      lambda case: "find_optimal_rank(W, t) with t 1e-6 (relative) away from the error of a rank"))


@pytest.mark.exercise("find_optimal_rank", weight=1)
def test_find_optimal_rank_extremes(student, rng):
    """find_optimal_rank is 0 for a target just above 100% error, and min(m, n) for a target below e_(k-1)"""
    W, S = spectral_matrix(rng, ratio=(0.6, 0.95))
    e, k = relative_errors(S), S.size
    cases = [(W, 1.0 + BOUNDARY), (W, float(e[k - 1] * (1 - BOUNDARY)))]
    expect(rank_cases(student.find_optimal_rank, "find_optimal_rank", cases,
                      lambda case: "find_optimal_rank(W, t) with t just above 1 (100% error)" if case[1] > 1
                      else "find_optimal_rank(W, t) with t that only the full rank min(m, n) meets"))


@pytest.mark.exercise("find_optimal_rank", weight=2)
def test_find_optimal_rank_fast(student, rng):
    """find_optimal_rank on a 768 x 768 matrix costs about one SVD (well under a second), not one per candidate rank"""
    W = inputs.normal(rng, 768, 768)    # any 768 x 768 matrix: the answer comes from its own spectrum
    start = time.perf_counter()
    S = np.linalg.svd(W, compute_uv=False)   # the reference's whole cost (the rest is O(k))
    reference = time.perf_counter() - start
    answer = int(rng.integers(300, 500))
    e = relative_errors(S)
    target = float(np.sqrt(e[answer - 1] * e[answer]))    # midway (geometrically) between e_(answer-1) and e_answer
    budget = min(max(SLOWDOWN * reference, SPEED_FLOOR), SPEED_CAP)
    try:
        got = student.with_timeout(budget).find_optimal_rank(W, target)
    except TimedOut:
        expect(fail(f"find_optimal_rank on a 768 x 768 matrix did not return within {budget:.0f} s "
                    f"(one SVD of its singular values took {reference:.2f} s here)",
                    MISTAKES.named("svd_in_loop", "find_optimal_rank")))
    what = "find_optimal_rank on a 768 x 768 matrix"
    if not rank_verdict(got, answer, what).ok:   # the known mistakes cost an SVD each: only for a wrong answer
        expect(rank_verdict(got, answer, what, MISTAKES.known("find_optimal_rank", W, target)))


# ## parameter counts -------------------------------------------------------------------

def layer_sizes(rng):
    """(d_in, d_out, r) of a non-square layer, r well below both."""
    d_in, d_out = (int(d) for d in rng.choice(np.arange(64, 4097, 64), size=2, replace=False))
    return d_in, d_out, int(rng.integers(1, 65))


def count_verdict(got, want, what, mistakes=()):
    """`got` is the pair of ints `want`, (full, lora)."""
    verdict = returns_tuple(got, 2, what)
    if verdict.ok and any(as_number(v, integer=True) is None for v in got):
        verdict = fail(f"{what} should return two ints; got {describe(got[0])} and {describe(got[1])}")
    if not verdict.ok:
        return verdict
    got = tuple(as_number(v, integer=True) for v in got)
    if got == tuple(want):
        return verdict
    wrong = [name for name, g, w in zip(("full", "lora"), got, want) if g != w]
    counts = "the full count is" if wrong == ["full"] else "the lora count is" if wrong == ["lora"] else "both counts are"
    return diagnose(np.array([as_float(g) for g in got]), fail(f"{what} returned ({got[0]}, {got[1]}): {counts} wrong"),
                    mistakes, 0.0)


@pytest.mark.exercise("lora_param_counts", weight=2)
def test_lora_param_counts_non_square(student, rng):
    """lora_param_counts(d_in, d_out, r) is (d_in * d_out, r * (d_in + d_out)) for a non-square layer"""
    d_in, d_out, r = layer_sizes(rng)
    expect(count_verdict(student.lora_param_counts(d_in, d_out, r), ref.lora_param_counts(d_in, d_out, r),
                         f"lora_param_counts({d_in}, {d_out}, {r})",
                         MISTAKES.known("lora_param_counts", d_in, d_out, r)))


@pytest.mark.exercise("lora_param_counts", weight=1)
def test_lora_param_counts_table(student, rng):
    """lora_param_counts reproduces the quick reference's table (square layers d = 768, 4096, 8192 at r = 16)"""
    for d in (768, 4096, 8192):
        expect(count_verdict(student.lora_param_counts(d, d, 16), ref.lora_param_counts(d, d, 16),
                             f"lora_param_counts({d}, {d}, 16)", MISTAKES.known("lora_param_counts", d, d, 16)))


@pytest.mark.exercise("lora_savings_percent", weight=2)
def test_lora_savings_percent_non_square(student, rng):
    """lora_savings_percent(d_in, d_out, r) is 100 * (1 - lora / full) for a non-square layer"""
    d_in, d_out, r = layer_sizes(rng)
    expect(close_scalar(student.lora_savings_percent(d_in, d_out, r), ref.lora_savings_percent(d_in, d_out, r),
                        f"lora_savings_percent({d_in}, {d_out}, {r})",
                        mistakes=MISTAKES.known("lora_savings_percent", d_in, d_out, r)))


@pytest.mark.exercise("lora_savings_percent", weight=1)
def test_lora_savings_percent_table(student, rng):
    """lora_savings_percent reproduces the quick reference's table (d = 768, 4096, 8192 at r = 16), in percent"""
    for d in (768, 4096, 8192):
        expect(close_scalar(student.lora_savings_percent(d, d, 16), ref.lora_savings_percent(d, d, 16),
                            f"lora_savings_percent({d}, {d}, 16)",
                            mistakes=MISTAKES.known("lora_savings_percent", d, d, 16)))


# ## init_lora ------------------------------------------------------------------------------

def init_sizes(rng):
    """d_in large enough that A's scale is measured on hundreds of entries; all three sizes distinct."""
    d_in = int(rng.integers(120, 400))
    d_out = int(rng.choice([d for d in range(40, 300) if d != d_in]))
    return d_in, d_out, int(rng.integers(2, 9))


def seed_of(rng):
    return int(rng.integers(0, 2 ** 63))


def initialised(student, d_in, d_out, r, seed):
    """(B, A) from the student's init_lora, with the shapes checked."""
    out = student.init_lora(d_in, d_out, r, SeededGenerator(seed))
    expect(returns_tuple(out, 2, "init_lora"))
    expect(array_like(out[0], f"B from init_lora(d_in={d_in}, d_out={d_out}, r={r})", (d_out, r)))
    expect(array_like(out[1], f"A from init_lora(d_in={d_in}, d_out={d_out}, r={r})", (r, d_in)))
    return out


@pytest.mark.exercise("init_lora", weight=1)
def test_init_lora_shapes(student, rng):
    """init_lora returns (B, A) with B of shape (d_out, r) and A of shape (r, d_in)"""
    initialised(student, *init_sizes(rng), seed_of(rng))


@pytest.mark.exercise("init_lora", weight=2)
def test_init_lora_b_zero(student, rng):
    """B is all zeros at initialisation, as in the LoRA paper"""
    B, _ = initialised(student, *init_sizes(rng), seed_of(rng))
    if np.any(B):
        expect(fail(f"B has {np.count_nonzero(B)} non-zero entries out of {B.size}",
                    MISTAKES.named("random_b_init", "init_lora")))


@pytest.mark.exercise("init_lora", weight=1)
def test_init_lora_merged_is_w(student, rng):
    """at initialisation the adapted weight W + (alpha / r) B A equals the pretrained W"""
    d_in, d_out, r = init_sizes(rng)
    B, A = initialised(student, d_in, d_out, r, seed_of(rng))
    W = inputs.normal(rng, d_out, d_in)
    alpha = float(2 * r)
    verdict = close(ref.merge_lora(W, B, A, alpha, r), W, "W + (alpha / r) B A at initialisation")
    expect(verdict if verdict.ok else fail(verdict.message, MISTAKES.named("random_b_init", "init_lora")))


@pytest.mark.exercise("init_lora", weight=2)
def test_init_lora_a_random(student, rng):
    """A is random and drawn from rng: the same seed gives the same A, another seed a different A"""
    sizes, seed = init_sizes(rng), seed_of(rng)
    _, A = initialised(student, *sizes, seed)
    if not np.any(A):
        expect(fail("A is all zeros", MISTAKES.named("zero_a_init", "init_lora")))
    _, again = initialised(student, *sizes, seed)
    if not np.array_equal(A, again):
        expect(fail("two calls with generators of the same seed gave different A: draw A from the rng argument "
                    "(rng.standard_normal, rng.uniform), not from np.random"))
    _, other = initialised(student, *sizes, seed + 1)
    if np.array_equal(A, other):
        expect(fail("generators of different seeds gave the same A: A must be random, drawn from rng"))


@pytest.mark.exercise("init_lora", weight=1)
def test_init_lora_a_scale(student, rng):
    """A's entries have a standard deviation of order 1/sqrt(d_in) or smaller (not zero)"""
    d_in, d_out, r = init_sizes(rng)
    _, A = initialised(student, d_in, d_out, r, seed_of(rng))
    rms = float(np.sqrt(np.mean(A ** 2)))
    if rms == 0:
        expect(fail("A is all zeros", MISTAKES.named("zero_a_init", "init_lora")))
    if rms > A_SCALE / np.sqrt(d_in):
        expect(fail(f"for d_in = {d_in}, A's entries have root-mean-square {rms:.3g} = {rms * np.sqrt(d_in):.3g} / "
                    f"sqrt(d_in): too large (about 1 / sqrt(d_in) is right, {A_SCALE:g} / sqrt(d_in) the most accepted)",
                    MISTAKES.named("a_init_not_scaled", "init_lora")))


# ## lora_forward ------------------------------------------------------------------------------

def lora_inputs(rng):
    """x, W, B (non-zero), A, alpha, r, G with distinct sizes and alpha / r far from 1."""
    d_in, d_out, batch, r = inputs.distinct_sizes(rng, 4)
    alpha = float(r * rng.choice([1.5, 2.5, 4.5]))   # alpha / r is never 1, r / alpha or the batch size
    return dict(x=inputs.normal(rng, d_in, batch), W=inputs.normal(rng, d_out, d_in),
                B=inputs.normal(rng, d_out, r), A=inputs.normal(rng, r, d_in), alpha=alpha, r=r,
                G=inputs.normal(rng, d_out, batch))


@pytest.mark.exercise("lora_forward", weight=2)
def test_lora_forward_value(student, rng):
    """lora_forward(x, W, B, A, alpha, r) is W x + (alpha / r) B (A x), shape (d_out, batch)"""
    p = lora_inputs(rng)
    args = (p["x"], p["W"], p["B"], p["A"], p["alpha"], p["r"])
    expect(close(student.lora_forward(*args), ref.lora_forward(*args), "y",
                 mistakes=MISTAKES.known("lora_forward", *args)))


@pytest.mark.exercise("lora_forward", weight=2)
def test_lora_forward_no_full_product(student, rng):
    """lora_forward goes through the rank-r bottleneck B (A x): it never forms the (d_out, d_in) matrix B A"""
    d_in, d_out, r, batch = 1000, 800, 4, 3
    args = (inputs.normal(rng, d_in, batch), inputs.normal(rng, d_out, d_in), inputs.normal(rng, d_out, r),
            inputs.normal(rng, r, d_in), 8.0, r)
    tracing = student.tracing_memory()
    expect(close(tracing.lora_forward(*args), ref.lora_forward(*args), "y for a 1000 -> 800 layer",
                 mistakes=MISTAKES.known("lora_forward", *args)))
    peak, full = tracing.last_call.peak_bytes, d_out * d_in * 8
    if peak > full / 2:   # the bottleneck needs ~d_out * batch floats: tens of KB
        expect(fail(f"lora_forward allocated {peak / 2 ** 20:.1f} MiB during one call for d_in = {d_in}, "
                    f"d_out = {d_out}, r = {r}, batch = {batch}: as much as a (d_out, d_in) matrix "
                    f"({full / 2 ** 20:.1f} MiB), where B @ (A @ x) needs a few KiB",
                    MISTAKES.named("lora_full_product_in_forward", "lora_forward")))


# ## lora_backward ------------------------------------------------------------------------------

def backward_part(student, rng, index):
    p = lora_inputs(rng)
    out = student.lora_backward(p["G"], p["x"], p["B"], p["A"], p["alpha"], p["r"])
    expect(returns_tuple(out, 2, "lora_backward"))
    return out[index], p


@pytest.mark.exercise("lora_backward", weight=2)
def test_lora_backward_b(student, rng):
    """dL_dB matches finite differences of L = sum(dL_dy * lora_forward(x, W, B, A, alpha, r)) and has B's shape"""
    dB, p = backward_part(student, rng, 0)
    x, W, A, alpha, r, G = p["x"], p["W"], p["A"], p["alpha"], p["r"], p["G"]
    loss = lambda B_: float(np.sum(G * ref.lora_forward(x, W, B_, A, alpha, r)))   # noqa: E731
    expect(check_gradient(loss, p["B"], dB, "dL_dB", rng,
                          mistakes=MISTAKES.known("lora_backward", G, x, p["B"], A, alpha, r, part=0)))


@pytest.mark.exercise("lora_backward", weight=2)
def test_lora_backward_a(student, rng):
    """dL_dA matches finite differences of L = sum(dL_dy * lora_forward(x, W, B, A, alpha, r)) and has A's shape"""
    dA, p = backward_part(student, rng, 1)
    x, W, B, alpha, r, G = p["x"], p["W"], p["B"], p["alpha"], p["r"], p["G"]
    loss = lambda A_: float(np.sum(G * ref.lora_forward(x, W, B, A_, alpha, r)))   # noqa: E731
    expect(check_gradient(loss, p["A"], dA, "dL_dA", rng,
                          mistakes=MISTAKES.known("lora_backward", G, x, B, p["A"], alpha, r, part=1)))


# ## merge_lora ---------------------------------------------------------------------------------

@pytest.mark.exercise("merge_lora", weight=2)
def test_merge_lora_value(student, rng):
    """merge_lora(W, B, A, alpha, r) is W + (alpha / r) B A, with W's shape"""
    p = lora_inputs(rng)
    args = (p["W"], p["B"], p["A"], p["alpha"], p["r"])
    expect(close(student.merge_lora(*args), ref.merge_lora(*args), "the merged weight",
                 mistakes=MISTAKES.known("merge_lora", *args)))


@pytest.mark.exercise("merge_lora", weight=1)
def test_merge_lora_leaves_w(student, rng):
    """merge_lora leaves W, B and A unchanged (it returns a new array)"""
    p = lora_inputs(rng)
    student.merge_lora(p["W"], p["B"], p["A"], p["alpha"], p["r"])
    expect(inputs_unchanged(student.last_call.mutated_inputs, "merge_lora",
                            MISTAKES.named("mutates_input", "merge_lora")))

"""Hidden checks for lab 1.4.5: probability distributions.

One test per property; its docstring is the sentence the student reads.
Distributions and samples run along the LAST axis and leading axes
broadcast, so value checks use batched, non-square inputs drawn from the
run's secret seed (`rng`). The properties the lab states (KL >= 0 and 0 iff
P == Q, H(P, Q) = H(P) + KL(P || Q), MLE = sample statistics, finite
log-densities far in the tails, large logits, 0 log 0 = 0, inf where
q = 0 < p) are also checked with hypothesis under a fixed, derandomised
profile (`PROFILE`), so a regrade draws the same examples.

A module over ~300 lines: eleven exercises, each with its properties and the
strategies that feed them, kept together so the file reads as the spec.
"""
import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.checks import inputs
from autograder.checks.compare import (
    PASS, TOLERANCES, CheckFailed, Verdict, array_like, close, close_scalar, diagnose, expect, fail,
    inputs_unchanged, is_array, number, relative_error, returns_tuple)
from autograder.mistakes.probability import MISTAKES
from autograder.references import probability as ref
from autograder.sandbox.proxy import StudentFailure

TOL = TOLERANCES
# KL = H(P, Q) - H(P) is a correct formulation, but the difference of two
# entropies of order 1 loses ~1e-15 nats to cancellation; KL values below
# this many nats are judged against it (1e-15 / 1e-6 = 1e-9 < TOL.exact).
NATS_FLOOR = 1e-6

# Hypothesis profile of every property check. derandomize + no database: the
# same examples in every run and nothing written. No deadline: a call crosses
# into the sandbox. 25 examples: each is one call (~1 ms). One failure is
# reported as itself (report_multiple_bugs=False), never as an ExceptionGroup
# the plugin would count as a grader error; no shrinking: the example judged
# is the first failing one drawn, a typical input on which the known-mistake
# diagnosis is unambiguous, not a shrunk degenerate one (and no extra calls).
PROFILE = settings(derandomize=True, database=None, deadline=None, max_examples=25,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
                   report_multiple_bugs=False, phases=[Phase.explicit, Phase.generate])


def property_check(**strategies):
    """`@given(**strategies)` under PROFILE. A failing example surfaces as the
    student's own CheckFailed / StudentFailure, even when hypothesis wraps it
    (FlakyFailure: the student's function failed once and passed on replay)."""
    def decorate(test):
        run = PROFILE(given(**strategies)(test))

        @functools.wraps(run)
        def check(*args, **kwargs):
            try:
                return run(*args, **kwargs)
            except BaseExceptionGroup as group:
                found = _student_error(group)
                if found is None:
                    raise
                raise found from None
        return check
    return decorate


def _student_error(group):
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            error = _student_error(error)
        if isinstance(error, (CheckFailed, StudentFailure)):
            return error
    return None


# ## judging helpers ------------------------------------------------------------

def close_value(got, want, what, tol=TOL.exact, mistakes=(), scale=None):
    """`close` for array answers, `close_scalar` when the answer is one number (1-D input);
    `scale` is the quantity's natural size where the answer may be 0 (see compare.relative_error)."""
    if np.ndim(want) == 0:
        return close_scalar(got, float(want), what, tol, mistakes, scale=scale)
    return close(got, want, what, tol, mistakes, scale=scale)


def entropy_scale(p):
    """An entropy over K classes lies in [0, log K]: its natural scale, for answers that are exactly 0."""
    return float(np.log(max(np.shape(p)[-1], 2)))


def as_numbers(got, want, what):
    """(Verdict, got as a float array): a number where `want` is one, else an array of its shape."""
    want = np.asarray(want)
    if want.ndim == 0:
        verdict, value = number(got, what)
        return verdict, (np.asarray(value) if verdict.ok else None)
    if not is_array(got):
        return array_like(got, what, want.shape), None
    if got.shape != want.shape:
        return fail(f"{what} has shape {got.shape}; expected {want.shape}"), None
    return PASS, got.astype(float)


def close_nats(got, want, what, floor=TOL.absolute_floor, mistakes=()):
    """Entropy-like values that may be +inf (where q = 0 < p): the inf entries
    must be +inf, the others finite and within TOL.exact, entries below
    `floor` nats judged against the floor."""
    want = np.asarray(want, dtype=float)
    verdict, values = as_numbers(got, want, what)
    if verdict.ok:
        verdict = _nats_verdict(values, want, what, floor)
    return PASS if verdict.ok else diagnose(got, verdict, mistakes, TOL.exact)


def _nats_verdict(got, want, what, floor):
    nan = int(np.count_nonzero(np.isnan(got)))
    if nan:
        return fail(f"{what} has {entries(nan)} that are NaN")
    negative = int(np.count_nonzero(np.isneginf(got)))
    if negative:
        return fail(f"{what} is -inf in {entries(negative)}; it is never below 0 (+inf where q = 0 < p)")
    missing = int(np.count_nonzero(np.isposinf(want) & ~np.isposinf(got)))
    if missing:
        return fail(f"{what} is finite in {entries(missing)} where some q = 0 < p; it should be +inf there")
    extra = int(np.count_nonzero(np.isinf(got) & ~np.isposinf(want)))
    if extra:
        return fail(f"{what} is infinite in {entries(extra)} where it should be finite")
    finite = np.isfinite(want)
    error = relative_error(got[finite], want[finite], absolute_floor=floor)
    if error <= TOL.exact:
        return PASS
    return Verdict(False, f"{what}: max relative error {error:.1e} (tolerance {TOL.exact:.0e})", error, TOL.exact)


def entries(n):
    return f"{n} entry" if n == 1 else f"{n} entries"


# ## strategies (hypothesis) --------------------------------------------------------

FINITE = dict(allow_nan=False, allow_infinity=False, allow_subnormal=False)
leading_shapes = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4)   # () = one 1-D input
batch_shapes = hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4)
classes = st.integers(2, 6)


@st.composite
def samples(draw, n_min=2):
    """(..., n) samples of one variable, every row spread (never all equal)."""
    shape = draw(leading_shapes) + (draw(st.integers(n_min, 12)),)
    z = draw(hnp.arrays(np.float64, shape, elements=st.floats(-2, 2, **FINITE))).copy()
    z[..., 0] = z[..., 1] + 1.0
    return draw(st.floats(-5, 5, **FINITE)) + draw(st.floats(0.5, 4, **FINITE)) * z


@st.composite
def distributions(draw, shape, zeros=False):
    """Rows (last axis) summing to 1; with zeros, exact 0 entries (one column always 0)."""
    element = st.floats(0.05, 1.0, **FINITE)
    if zeros:
        element = st.just(0.0) | element
    w = draw(hnp.arrays(np.float64, shape, elements=element)).copy()
    k = shape[-1]
    positive = draw(st.integers(0, k - 1))
    w[..., positive] += 0.5
    if zeros:
        w[..., (positive + 1 + draw(st.integers(0, k - 2))) % k] = 0.0
    return w / w.sum(axis=-1, keepdims=True)


@st.composite
def shapes_of(draw, leading=leading_shapes):
    return draw(leading) + (draw(classes),)


@st.composite
def p_with_zeros_q_zero_there(draw):
    """P with zeros; Q positive except some zeros where P is 0 too (0 log 0 terms, finite answer)."""
    shape = draw(shapes_of())
    p, q = draw(distributions(shape, zeros=True)), draw(distributions(shape))
    both = (p == 0) & draw(hnp.arrays(bool, shape))
    both[..., np.all(p == 0, axis=tuple(range(p.ndim - 1)))] = True   # p's all-zero column
    q = np.where(both, 0.0, q)
    return p, q / q.sum(axis=-1, keepdims=True)


@st.composite
def q_zero_where_p_positive(draw):
    """P positive; Q = 0 at one class in some rows (at least the first): those rows are +inf."""
    shape = draw(shapes_of(batch_shapes))
    p, q = draw(distributions(shape)), draw(distributions(shape)).copy()
    rows = draw(hnp.arrays(bool, shape[:-1]))
    rows.flat[0] = True
    q[rows, draw(st.integers(0, shape[-1] - 1))] = 0.0
    return p, q / q.sum(axis=-1, keepdims=True)


@st.composite
def p_and_q(draw, zeros_in_p=st.booleans()):
    shape = draw(shapes_of())
    return draw(distributions(shape, zeros=draw(zeros_in_p))), draw(distributions(shape))


@st.composite
def large_logits(draw):
    """Logits of spread ~6 shifted, per row, by +-1e3..1e4: exp overflows (or underflows) without the max."""
    shape = draw(shapes_of())
    base = draw(hnp.arrays(np.float64, shape, elements=st.floats(-3, 3, **FINITE)))
    shift = draw(hnp.arrays(np.float64, shape[:-1] + (1,), elements=st.floats(1e3, 1e4, **FINITE)))
    sign = np.where(draw(hnp.arrays(bool, shape[:-1] + (1,))), -1.0, 1.0)
    return base + sign * shift


@st.composite
def far_apart_logits(draw):
    """One logit per row 1e3..1e4 above the others: their probabilities underflow to 0."""
    shape = draw(shapes_of())
    base = draw(hnp.arrays(np.float64, shape, elements=st.floats(-3, 3, **FINITE)))
    gap = draw(hnp.arrays(np.float64, shape[:-1] + (1,), elements=st.floats(1e3, 1e4, **FINITE)))
    top = np.arange(shape[-1]) == draw(st.integers(0, shape[-1] - 1))
    return base - gap * ~top


# ## rng inputs -----------------------------------------------------------------

def sigmas(rng, *shape):
    """Standard deviations clearly != 1 (in [0.4, 0.8] or [1.5, 3]): sigma and sigma^2 differ."""
    return np.where(rng.random(shape) < 0.5, rng.uniform(0.4, 0.8, shape), rng.uniform(1.5, 3.0, shape))


def gaussian_inputs(rng):
    rows, cols = inputs.distinct_sizes(rng, 2)
    return inputs.normal(rng, rows, cols, scale=2.0), inputs.normal(rng, cols), sigmas(rng, rows, 1)


def batch_3d(rng):
    """(a, b, K) with distinct sizes: a sum over a wrong axis cannot have the right shape or values."""
    return inputs.distinct_sizes(rng, 3)


# ## gaussian_pdf -----------------------------------------------------------------

@pytest.mark.exercise("gaussian_pdf", weight=2)
def test_gaussian_pdf_values(student, rng):
    """gaussian_pdf(x, mu, sigma) is exp(-(x-mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi)), broadcasting x, mu, sigma"""
    x, mu, sigma = gaussian_inputs(rng)
    expect(close(student.gaussian_pdf(x, mu, sigma), ref.gaussian_pdf(x, mu, sigma), "the density",
                 mistakes=MISTAKES.known("gaussian_pdf", x, mu, sigma)))


@pytest.mark.exercise("gaussian_pdf")
def test_gaussian_pdf_scalars(student, rng):
    """gaussian_pdf of plain numbers is a number"""
    x, mu, sigma = float(rng.normal()), float(rng.normal()), float(rng.uniform(1.5, 3.0))
    expect(close_scalar(student.gaussian_pdf(x, mu, sigma), ref.gaussian_pdf(x, mu, sigma), "the density",
                        mistakes=MISTAKES.known("gaussian_pdf", x, mu, sigma)))


# ## gaussian_log_pdf -------------------------------------------------------------

@pytest.mark.exercise("gaussian_log_pdf", weight=2)
def test_gaussian_log_pdf_values(student, rng):
    """gaussian_log_pdf is -(x-mu)^2 / (2 sigma^2) - log(sigma sqrt(2 pi)) (natural log), broadcasting"""
    x, mu, sigma = gaussian_inputs(rng)
    expect(close(student.gaussian_log_pdf(x, mu, sigma), ref.gaussian_log_pdf(x, mu, sigma), "the log-density",
                 mistakes=MISTAKES.known("gaussian_log_pdf", x, mu, sigma)))


@pytest.mark.exercise("gaussian_log_pdf", weight=2)
@property_check(mu=st.floats(-10, 10, **FINITE), sigma=st.floats(0.1, 10, **FINITE),
                distance=hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(40, 1e4, **FINITE)),
                below=st.booleans())
def test_gaussian_log_pdf_tails(student, mu, sigma, distance, below):
    """gaussian_log_pdf is finite and exact 40 to 1e4 sigmas from the mean, where the pdf underflows to 0"""
    x = mu + (-1.0 if below else 1.0) * distance * sigma
    got = student.gaussian_log_pdf(x, mu, sigma)
    expect(close(got, ref.gaussian_log_pdf(x, mu, sigma), "the log-density far in the tails",
                 mistakes=MISTAKES.known("gaussian_log_pdf", x, mu, sigma)))


# ## gaussian_mle -------------------------------------------------------------------

def mle_verdict(out, x):
    """(mu, var) of samples along the last axis, each judged with its known mistakes."""
    verdict = returns_tuple(out, 2, "gaussian_mle")
    if verdict.ok:
        mu, var = ref.gaussian_mle(x)
        verdict = close_value(out[0], mu, "mu", mistakes=MISTAKES.known("gaussian_mle", x, output="mu"))
    if verdict.ok:
        verdict = close_value(out[1], var, "var", mistakes=MISTAKES.known("gaussian_mle", x, output="var"))
    return verdict


@pytest.mark.exercise("gaussian_mle", weight=2)
@property_check(x=samples())
def test_gaussian_mle_sample_statistics(student, x):
    """gaussian_mle gives the sample mean and variance (dividing by n, ddof=0) along the last axis; numbers for 1-D x"""
    expect(mle_verdict(student.gaussian_mle(x), x))


@pytest.mark.exercise("gaussian_mle")
def test_gaussian_mle_batched(student, rng):
    """gaussian_mle of batched samples (..., n) gives one (mu, var) per leading index"""
    a, b, n = batch_3d(rng)
    x = inputs.normal(rng, a, b, n, scale=2.0) + 1.0
    expect(mle_verdict(student.gaussian_mle(x), x))


@pytest.mark.exercise("gaussian_mle")
def test_gaussian_mle_leaves_x(student, rng):
    """gaussian_mle leaves x unchanged"""
    student.gaussian_mle(inputs.normal(rng, 3, 7))
    expect(inputs_unchanged(student.last_call.mutated_inputs, "gaussian_mle"))


# ## gaussian_nll ---------------------------------------------------------------------

@st.composite
def predictions_and_targets(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    values = hnp.arrays(np.float64, shape, elements=st.floats(-10, 10, **FINITE))
    return draw(values), draw(values)


@pytest.mark.exercise("gaussian_nll", weight=2)
# sigma >= 0.5 keeps log(sigma sqrt(2 pi)) > 0: the mean NLL never cancels to ~0
@property_check(data=predictions_and_targets(), sigma=st.floats(0.5, 20, **FINITE))
def test_gaussian_nll_is_scaled_mse(student, data, sigma):
    """gaussian_nll = mean((y_true - y_pred)^2) / (2 sigma^2) + log(sigma sqrt(2 pi)), a mean over all elements"""
    y_pred, y_true = data
    expect(close_scalar(student.gaussian_nll(y_pred, y_true, sigma), ref.gaussian_nll(y_pred, y_true, sigma),
                        "the mean NLL", mistakes=MISTAKES.known("gaussian_nll", y_pred, y_true, sigma)))


@pytest.mark.exercise("gaussian_nll")
def test_gaussian_nll_default_sigma(student, rng):
    """gaussian_nll with the default sigma = 1 on a non-square batch"""
    shape = inputs.distinct_sizes(rng, 2)
    y_pred, y_true = inputs.normal(rng, *shape), inputs.normal(rng, *shape)
    expect(close_scalar(student.gaussian_nll(y_pred, y_true), ref.gaussian_nll(y_pred, y_true), "the mean NLL",
                        mistakes=MISTAKES.known("gaussian_nll", y_pred, y_true)))


# ## bernoulli_mle ---------------------------------------------------------------------

@pytest.mark.exercise("bernoulli_mle", weight=2)
def test_bernoulli_mle_batched(student, rng):
    """bernoulli_mle gives the fraction of ones along the last axis, one estimate per row"""
    rows, n = inputs.distinct_sizes(rng, 2, low=3, high=12)
    flips = inputs.binary_labels(rng, rows, n)
    expect(close(student.bernoulli_mle(flips), ref.bernoulli_mle(flips), "the estimates",
                 mistakes=MISTAKES.known("bernoulli_mle", flips)))


@pytest.mark.exercise("bernoulli_mle")
@property_check(flips=st.tuples(leading_shapes, st.integers(1, 20)).flatmap(
    lambda s: hnp.arrays(np.int64, s[0] + (s[1],), elements=st.integers(0, 1))))
def test_bernoulli_mle_fraction_of_ones(student, flips):
    """bernoulli_mle of integer 0/1 flips is the fraction of ones (a number for 1-D flips)"""
    expect(close_value(student.bernoulli_mle(flips), ref.bernoulli_mle(flips), "the estimate",
                       mistakes=MISTAKES.known("bernoulli_mle", flips)))


# ## binary_cross_entropy ------------------------------------------------------------------

@pytest.mark.exercise("binary_cross_entropy", weight=2)
def test_bce_values(student, rng):
    """binary_cross_entropy is -mean(y log p + (1 - y) log(1 - p)) in nats"""
    shape = inputs.distinct_sizes(rng, 2)
    p, y = inputs.probabilities(rng, *shape), inputs.binary_labels(rng, *shape)
    expect(close_scalar(student.binary_cross_entropy(p, y), ref.binary_cross_entropy(p, y), "the loss",
                        mistakes=MISTAKES.known("binary_cross_entropy", p, y)))


def saturated_predictions(rng):
    """p exactly 0 or 1 (right and wrong) beside ordinary predictions."""
    shape = inputs.distinct_sizes(rng, 2)
    p, y = inputs.probabilities(rng, *shape), inputs.binary_labels(rng, *shape)
    p.flat[:4] = [0.0, 1.0, 0.0, 1.0]
    y.flat[:4] = [1.0, 0.0, 0.0, 1.0]
    return p, y


@pytest.mark.exercise("binary_cross_entropy", weight=2)
def test_bce_clipped(student, rng):
    """binary_cross_entropy clips p to [eps, 1 - eps]: finite and exact when some p are exactly 0 or 1"""
    p, y = saturated_predictions(rng)
    got = student.binary_cross_entropy(p, y)
    expect(close_scalar(got, ref.binary_cross_entropy(p, y), "the loss with p in {0, 1}",
                        mistakes=MISTAKES.known("binary_cross_entropy", p, y)))


@pytest.mark.exercise("binary_cross_entropy")
def test_bce_uses_eps(student, rng):
    """binary_cross_entropy clips with its eps argument (eps=1e-3)"""
    p, y = saturated_predictions(rng)
    got = student.binary_cross_entropy(p, y, eps=1e-3)
    expect(close_scalar(got, ref.binary_cross_entropy(p, y, 1e-3), "the loss with eps=1e-3",
                        mistakes=MISTAKES.known("binary_cross_entropy", p, y, 1e-3)))


@pytest.mark.exercise("binary_cross_entropy")
def test_bce_leaves_p(student, rng):
    """binary_cross_entropy leaves p and y_true unchanged (clip into a new array)"""
    student.binary_cross_entropy(*saturated_predictions(rng))
    expect(inputs_unchanged(student.last_call.mutated_inputs, "binary_cross_entropy"))


# ## log_softmax ----------------------------------------------------------------------------

@pytest.mark.exercise("log_softmax", weight=2)
def test_log_softmax_batched(student, rng):
    """log_softmax(z) normalises along the last axis of batched, non-square logits"""
    z = inputs.normal(rng, *batch_3d(rng), scale=3.0)
    expect(close(student.log_softmax(z), ref.log_softmax(z), "log_softmax(z)",
                 mistakes=MISTAKES.known("log_softmax", z)))


@pytest.mark.exercise("log_softmax")
def test_log_softmax_axis(student, rng):
    """log_softmax(z, axis=0) normalises along axis 0"""
    z = inputs.normal(rng, *inputs.distinct_sizes(rng, 2), scale=3.0)
    expect(close(student.log_softmax(z, axis=0), ref.log_softmax(z, axis=0), "log_softmax(z, axis=0)"))


@pytest.mark.exercise("log_softmax", weight=2)
@property_check(z=large_logits())
def test_log_softmax_large_logits(student, z):
    """log_softmax is finite and exact for logits around +-1e3 to 1e4"""
    got = student.log_softmax(z)
    expect(close(got, ref.log_softmax(z), "log_softmax(z) for large logits", mistakes=MISTAKES.known("log_softmax", z)))


@pytest.mark.exercise("log_softmax")
@property_check(z=far_apart_logits())
def test_log_softmax_far_apart(student, z):
    """log_softmax stays finite (about -1e3 to -1e4) for logits far below the row's max"""
    got = student.log_softmax(z)
    expect(close(got, ref.log_softmax(z), "log_softmax(z) for far-apart logits",
                 mistakes=MISTAKES.known("log_softmax", z)))


@pytest.mark.exercise("log_softmax")
def test_log_softmax_leaves_z(student, rng):
    """log_softmax leaves z unchanged"""
    student.log_softmax(inputs.normal(rng, 3, 5))
    expect(inputs_unchanged(student.last_call.mutated_inputs, "log_softmax"))


# ## entropy --------------------------------------------------------------------------------------

@pytest.mark.exercise("entropy", weight=2)
def test_entropy_batched(student, rng):
    """entropy(p) is -sum p log p in nats over the last axis, one value per leading index"""
    p = inputs.distributions(rng, *batch_3d(rng))
    expect(close(student.entropy(p), ref.entropy(p), "H(P)", mistakes=MISTAKES.known("entropy", p)))


@pytest.mark.exercise("entropy", weight=2)
@property_check(p=shapes_of().flatmap(lambda s: distributions(s, zeros=True)))
def test_entropy_zeros(student, p):
    """entropy treats 0 log 0 as 0: finite and exact for distributions with zero entries"""
    got = student.entropy(p)
    expect(close_value(got, ref.entropy(p), "H(P) with zeros in P", mistakes=MISTAKES.known("entropy", p),
                       scale=entropy_scale(p)))


# ## cross_entropy ----------------------------------------------------------------------------------

@pytest.mark.exercise("cross_entropy", weight=2)
def test_cross_entropy_batched(student, rng):
    """cross_entropy(p, q) is -sum p log q in nats over the last axis (expectation over the first argument)"""
    shape = batch_3d(rng)
    p, q = inputs.distributions(rng, *shape), inputs.distributions(rng, *shape)
    expect(close_nats(student.cross_entropy(p, q), ref.cross_entropy(p, q), "H(P, Q)",
                      mistakes=MISTAKES.known("cross_entropy", p, q)))


@pytest.mark.exercise("cross_entropy", weight=2)
@property_check(pq=p_with_zeros_q_zero_there())
def test_cross_entropy_zeros(student, pq):
    """cross_entropy: terms with p = 0 are 0, even where q = 0 too"""
    p, q = pq
    got = student.cross_entropy(p, q)
    expect(close_nats(got, ref.cross_entropy(p, q), "H(P, Q) with zeros in P",
                      mistakes=MISTAKES.known("cross_entropy", p, q)))


@pytest.mark.exercise("cross_entropy")
@property_check(pq=q_zero_where_p_positive())
def test_cross_entropy_inf(student, pq):
    """cross_entropy is +inf for the distributions where q = 0 < p, finite for the others"""
    p, q = pq
    expect(close_nats(student.cross_entropy(p, q), ref.cross_entropy(p, q), "H(P, Q) with q = 0 < p",
                      mistakes=MISTAKES.known("cross_entropy", p, q)))


def broadcast_pair(rng):
    """p of shape (a, 1, K) against q of shape (1, b, K): the answer has shape (a, b)."""
    a, b, k = batch_3d(rng)
    return inputs.distributions(rng, a, 1, k), inputs.distributions(rng, 1, b, k)


@pytest.mark.exercise("cross_entropy")
def test_cross_entropy_broadcasts(student, rng):
    """cross_entropy broadcasts p of shape (a, 1, K) against q of shape (1, b, K) to (a, b)"""
    p, q = broadcast_pair(rng)
    expect(close_nats(student.cross_entropy(p, q), ref.cross_entropy(p, q), "H(P, Q) broadcast",
                      mistakes=MISTAKES.known("cross_entropy", p, q)))


# ## kl_divergence ------------------------------------------------------------------------------------

@pytest.mark.exercise("kl_divergence", weight=2)
def test_kl_batched(student, rng):
    """kl_divergence(p, q) is sum p log(p / q) in nats over the last axis, the expectation over p"""
    shape = batch_3d(rng)
    p, q = inputs.distributions(rng, *shape), inputs.distributions(rng, *shape)
    expect(close_nats(student.kl_divergence(p, q), ref.kl_divergence(p, q), "KL(P || Q)", NATS_FLOOR,
                      MISTAKES.known("kl_divergence", p, q)))


@pytest.mark.exercise("kl_divergence", weight=2)
@property_check(pq=p_and_q())
def test_kl_nonnegative_zero_iff_equal(student, pq):
    """KL(P || P) = 0, and KL(P || Q) >= 0, positive when P != Q"""
    p, q = pq
    same = student.kl_divergence(p, p)
    # |KL(P || P)| <= TOL.exact * 1e-4 = 1e-12 nats: H(P, P) - H(P) rounds to ~1e-15, a wrong formula to >> 1e-12
    expect(close_nats(same, np.zeros(p.shape[:-1]), "KL(P || P)", floor=1e-4,
                      mistakes=MISTAKES.known("kl_divergence", p, p)))
    got, want = student.kl_divergence(p, q), ref.kl_divergence(p, q)
    verdict, values = as_numbers(got, want, "KL(P || Q)")
    expect(verdict)
    known = MISTAKES.known("kl_divergence", p, q)
    negative = int(np.count_nonzero(~(values >= -TOL.exact * NATS_FLOOR)))   # NaN counts too
    if negative:
        expect(diagnose(got, fail(f"KL(P || Q) is negative (or NaN) for {negative} of {values.size} "
                                  "pairs of distributions; it is never below 0"), known, TOL.exact))
    if np.any((want > NATS_FLOOR) & ~(values > 0)):
        expect(fail("KL(P || Q) is not positive for some distributions P != Q"))


@pytest.mark.exercise("kl_divergence")
@property_check(pq=p_and_q())
def test_kl_is_cross_entropy_minus_entropy(student, pq):
    """KL(P || Q) = H(P, Q) - H(P), for P with or without zero entries"""
    p, q = pq
    got = student.kl_divergence(p, q)
    expect(close_nats(got, ref.cross_entropy(p, q) - ref.entropy(p), "KL(P || Q)", NATS_FLOOR,
                      MISTAKES.known("kl_divergence", p, q)))


@pytest.mark.exercise("kl_divergence")
@property_check(pq=p_with_zeros_q_zero_there())
def test_kl_zeros(student, pq):
    """kl_divergence: terms with p = 0 are 0, even where q = 0 too"""
    p, q = pq
    got = student.kl_divergence(p, q)
    expect(close_nats(got, ref.kl_divergence(p, q), "KL(P || Q) with zeros in P", NATS_FLOOR,
                      MISTAKES.known("kl_divergence", p, q)))


@pytest.mark.exercise("kl_divergence")
@property_check(pq=q_zero_where_p_positive())
def test_kl_inf(student, pq):
    """kl_divergence is +inf for the distributions where q = 0 < p, finite for the others"""
    p, q = pq
    expect(close_nats(student.kl_divergence(p, q), ref.kl_divergence(p, q), "KL(P || Q) with q = 0 < p",
                      NATS_FLOOR, MISTAKES.known("kl_divergence", p, q)))


@pytest.mark.exercise("kl_divergence")
def test_kl_broadcasts(student, rng):
    """kl_divergence broadcasts p of shape (a, 1, K) against q of shape (1, b, K) to (a, b)"""
    p, q = broadcast_pair(rng)
    expect(close_nats(student.kl_divergence(p, q), ref.kl_divergence(p, q), "KL(P || Q) broadcast",
                      NATS_FLOOR, MISTAKES.known("kl_divergence", p, q)))


# ## categorical_mle ---------------------------------------------------------------------------------

@pytest.mark.exercise("categorical_mle", weight=2)
def test_categorical_mle_batched(student, rng):
    """categorical_mle divides each row of counts (last axis) by its total"""
    counts = inputs.counts(rng, *batch_3d(rng))
    expect(close(student.categorical_mle(counts), ref.categorical_mle(counts), "categorical_mle(counts)",
                 mistakes=MISTAKES.known("categorical_mle", counts)))


@pytest.mark.exercise("categorical_mle")
@property_check(counts=shapes_of().flatmap(lambda s: st.tuples(
    hnp.arrays(np.int64, s, elements=st.integers(0, 20)), st.integers(0, s[-1] - 1))))
def test_categorical_mle_frequencies(student, counts):
    """categorical_mle of integer counts (with zero classes) is counts / row total, each row summing to 1"""
    counts, positive = counts
    counts = counts.copy()
    counts[..., positive] += 1   # every row has a positive total
    expect(close(student.categorical_mle(counts), ref.categorical_mle(counts), "categorical_mle(counts)",
                 mistakes=MISTAKES.known("categorical_mle", counts)))

"""The lab 1.4.5 references against independent oracles: scalar `math` loops,
closed forms, quadrature, finite differences and the defining optimisation
problems (an MLE must beat every nearby parameter)."""
import math

import numpy as np
import pytest

from autograder.references import probability as ref
from tests.reference_checks import close, no_warnings


@pytest.fixture
def rng():
    return np.random.default_rng(1405)


def random_simplex(rng, shape):
    """Random distributions along the last axis, all entries > 0."""
    w = rng.random(shape) + 0.05
    return w / w.sum(axis=-1, keepdims=True)


# ## Gaussian density

def test_gaussian_pdf_matches_math_loop_and_broadcasts(rng):
    x, mu, sigma = rng.normal(size=(3, 5)), rng.normal(size=5), rng.uniform(0.3, 3, size=5)
    got = ref.gaussian_pdf(x, mu, sigma)
    want = [[math.exp(-(x[i, j] - mu[j]) ** 2 / (2 * sigma[j] ** 2)) / math.sqrt(2 * math.pi * sigma[j] ** 2)
             for j in range(5)] for i in range(3)]
    close(got, want)
    assert ref.gaussian_pdf(0.0, 0.0, 1.0) == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-15)


def test_gaussian_pdf_integrates_to_one():
    x = np.linspace(-12, 18, 200001)
    density = ref.gaussian_pdf(x, 3.0, 1.7)
    integral = np.sum((density[1:] + density[:-1]) / 2 * np.diff(x))
    assert integral == pytest.approx(1.0, abs=1e-9)


def test_gaussian_log_pdf_is_log_of_pdf_and_finite_in_tails(rng):
    x, mu, sigma = rng.normal(size=(4, 6)), rng.normal(size=6), rng.uniform(0.3, 3, size=6)
    close(ref.gaussian_log_pdf(x, mu, sigma), np.log(ref.gaussian_pdf(x, mu, sigma)))
    far = np.array([-1e4, 60.0, 1e4])
    got = no_warnings(ref.gaussian_log_pdf, far, 0.0, 1.0)
    assert np.all(np.isfinite(got))
    close(got, -far**2 / 2 - 0.5 * math.log(2 * math.pi))
    assert np.all(ref.gaussian_pdf(far, 0.0, 1.0) == 0.0)  # why the direct form matters


# ## Maximum likelihood

def test_gaussian_mle_is_sample_mean_and_ddof0_variance(rng):
    x = rng.normal(2.0, 3.0, size=(3, 7))
    mu, var = ref.gaussian_mle(x)
    assert mu.shape == var.shape == (3,)
    for i in range(3):
        m = math.fsum(x[i]) / 7
        close(mu[i], m)
        close(var[i], math.fsum((v - m) ** 2 for v in x[i]) / 7)


def test_gaussian_mle_is_a_stationary_maximum_of_the_likelihood(rng):
    x = rng.normal(-1.0, 0.5, size=11)
    mu, var = ref.gaussian_mle(x)

    def loglik(m, v):
        return np.sum(ref.gaussian_log_pdf(x, m, np.sqrt(v)))

    h = 1e-6
    assert (loglik(mu + h, var) - loglik(mu - h, var)) / (2 * h) == pytest.approx(0, abs=1e-6)
    assert (loglik(mu, var + h) - loglik(mu, var - h)) / (2 * h) == pytest.approx(0, abs=1e-5)
    for dm, dv in [(0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01), (0, x.var(ddof=1) - var)]:
        assert loglik(mu + dm, var + dv) < loglik(mu, var)


def test_gaussian_nll_is_mse_over_two_sigma_squared_plus_log_normaliser(rng):
    y_pred, y_true = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    for sigma in [0.3, 1.0, 2.5]:
        mse = np.mean((y_pred - y_true) ** 2)
        close(ref.gaussian_nll(y_pred, y_true, sigma), mse / (2 * sigma**2) + math.log(sigma * math.sqrt(2 * math.pi)))
    assert ref.gaussian_nll(y_pred, y_true) == ref.gaussian_nll(y_pred, y_true, 1.0)


def test_gaussian_nll_gradient_is_scaled_residual(rng):
    y_pred, y_true, sigma = rng.normal(size=5), rng.normal(size=5), 1.3
    h, grad = 1e-6, np.zeros(5)
    for i in range(5):
        e = np.zeros(5)
        e[i] = h
        grad[i] = (ref.gaussian_nll(y_pred + e, y_true, sigma) - ref.gaussian_nll(y_pred - e, y_true, sigma)) / (2 * h)
    close(grad, (y_pred - y_true) / (sigma**2 * 5), tol=1e-8)


def test_bernoulli_mle_is_fraction_of_ones_and_maximises_likelihood(rng):
    flips = (rng.random((2, 50)) < [[0.3], [0.8]]).astype(float)
    p = ref.bernoulli_mle(flips)
    close(p, [np.count_nonzero(f) / 50 for f in flips])
    grid = np.linspace(0.01, 0.99, 99)
    for f, ph in zip(flips, p):
        k, n = f.sum(), f.size

        def loglik(q):
            return k * np.log(q) + (n - k) * np.log(1 - q)

        assert np.all(loglik(grid) <= loglik(ph) + 1e-12)


def test_binary_cross_entropy_matches_math_loop_and_clips(rng):
    p, y = rng.uniform(0.01, 0.99, size=(3, 4)), rng.integers(0, 2, size=(3, 4)).astype(float)
    want = -math.fsum(yi * math.log(pi) + (1 - yi) * math.log(1 - pi) for pi, yi in zip(p.ravel(), y.ravel())) / 12
    close(ref.binary_cross_entropy(p, y), want)
    # Confident and wrong: clipped at eps, so about -log(1e-12), finite and warning-free
    # (1 - (1 - 1e-12) is 1e-12 only to ~1e-4 relative in float64).
    got = no_warnings(ref.binary_cross_entropy, np.array([0.0, 1.0]), np.array([1.0, 0.0]))
    assert got == pytest.approx(-math.log(1e-12), rel=1e-5)
    assert ref.binary_cross_entropy(np.array([0.0, 1.0]), np.array([0.0, 1.0])) < 1e-11


# ## Categorical distribution and softmax

def test_log_softmax_matches_log_of_softmax_and_normalises(rng):
    z = rng.normal(size=(3, 5))
    soft = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    close(ref.log_softmax(z), np.log(soft))
    close(ref.log_softmax(z, axis=0), np.log(np.exp(z) / np.exp(z).sum(axis=0, keepdims=True)))
    close(np.exp(ref.log_softmax(z)).sum(axis=-1), np.ones(3))
    close(ref.log_softmax(z + 123.0), ref.log_softmax(z), tol=1e-12)


def test_log_softmax_is_stable_for_large_logits():
    z = np.array([[1e4, 1e4 - 1.0, -1e4], [0.0, 0.0, 0.0]])
    got = no_warnings(ref.log_softmax, z)
    lse = math.log(1 + math.exp(-1.0))
    close(got[0], [-lse, -1 - lse, -2e4 - lse])
    close(got[1], [-math.log(3)] * 3)


def test_categorical_mle_normalises_along_last_axis_and_maximises_likelihood(rng):
    counts = rng.integers(1, 20, size=(2, 3, 4))
    p = ref.categorical_mle(counts)
    assert p.dtype == np.float64
    close(p.sum(axis=-1), np.ones((2, 3)))
    close(p[1, 2], counts[1, 2] / counts[1, 2].sum())
    c = counts[0, 0]
    for q in random_simplex(rng, (50, 4)):
        assert np.sum(c * np.log(q)) <= np.sum(c * np.log(p[0, 0])) + 1e-12


# ## Entropy, cross-entropy, KL

def h_loop(p, q):
    """-sum p log q for one distribution, by the definition (0 log anything = 0)."""
    total = 0.0
    for pi, qi in zip(p, q):
        if pi > 0:
            total -= pi * math.log(qi) if qi > 0 else -math.inf
    return total


def test_entropy_closed_forms_and_zeros():
    close(ref.entropy(np.full(8, 1 / 8)), math.log(8))
    assert ref.entropy(np.array([0.0, 1.0, 0.0])) == 0.0
    got = no_warnings(ref.entropy, np.array([[0.5, 0.0, 0.5], [0.25, 0.25, 0.5]]))
    close(got, [math.log(2), 1.5 * math.log(2)])


def test_entropy_cross_entropy_kl_match_definition_loops(rng):
    p, q = random_simplex(rng, (4, 6)), random_simplex(rng, (4, 6))
    p[0, :2] = 0.0  # zeros in P
    p[0] /= p[0].sum()
    close(ref.entropy(p), [h_loop(r, r) for r in p])
    close(ref.cross_entropy(p, q), [h_loop(a, b) for a, b in zip(p, q)])
    close(ref.kl_divergence(p, q), [h_loop(a, b) - h_loop(a, a) for a, b in zip(p, q)])


def test_cross_entropy_identity_and_kl_properties(rng):
    p, q = random_simplex(rng, (3, 2, 5)), random_simplex(rng, (3, 2, 5))
    close(ref.cross_entropy(p, q), ref.entropy(p) + ref.kl_divergence(p, q))
    assert np.all(ref.kl_divergence(p, q) > 0)
    assert np.all(ref.kl_divergence(p, p) == 0.0)
    assert not np.allclose(ref.kl_divergence(p, q), ref.kl_divergence(q, p))  # asymmetric
    close(ref.kl_divergence(p[0, 0], q), ref.kl_divergence(np.broadcast_to(p[0, 0], q.shape), q))


def test_inf_where_q_is_zero_and_p_positive_without_warnings():
    p = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]])
    q = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
    ce = no_warnings(ref.cross_entropy, p, q)
    kl = no_warnings(ref.kl_divergence, p, q)
    close(ce[0], math.log(2))
    assert kl[0] == 0.0
    assert ce[1] == math.inf and kl[1] == math.inf


def test_cross_entropy_is_mean_categorical_nll(rng):
    labels, z = rng.integers(0, 4, size=30), rng.normal(size=4)
    nll = -np.mean(ref.log_softmax(z)[labels])
    empirical = ref.categorical_mle(np.bincount(labels, minlength=4))
    close(ref.cross_entropy(empirical, np.exp(ref.log_softmax(z))), nll)


def test_references_do_not_modify_inputs(rng):
    p, q = random_simplex(rng, (2, 3)), random_simplex(rng, (2, 3))
    p[0, 0] = 0.0
    x, z = rng.normal(size=(2, 3)), 1e4 * rng.normal(size=(2, 3))
    saved = [a.copy() for a in (p, q, x, z)]
    for fn, args in [(ref.gaussian_pdf, (x, 0.5, 2.0)), (ref.gaussian_log_pdf, (x, 0.5, 2.0)),
                     (ref.gaussian_mle, (x,)), (ref.gaussian_nll, (x, q)), (ref.bernoulli_mle, (q,)),
                     (ref.binary_cross_entropy, (p, q)), (ref.log_softmax, (z,)), (ref.entropy, (p,)),
                     (ref.cross_entropy, (p, q)), (ref.kl_divergence, (p, q)), (ref.categorical_mle, (q,))]:
        fn(*args)
    for a, b in zip((p, q, x, z), saved):
        assert np.array_equal(a, b)

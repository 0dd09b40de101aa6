"""The lab 1.4.1 references against independent oracles: scalar `math` loops,
complex-step derivatives (exact to round-off, no cancellation), central
differences of the losses, closed forms at saturated inputs, and the XOR task
itself (every seed must reach 100%)."""
import math
import time

import numpy as np
import pytest

from autograder.references import backprop as ref
from tests.reference_checks import close, no_warnings

FD_TOL = 1e-7  # central differences with eps 1e-6 on O(1) functions


@pytest.fixture
def rng():
    return np.random.default_rng(1441)


def complex_step(f, x, h=1e-30):
    """Elementwise derivative of an elementwise analytic f: Im f(x + ih) / h, exact to round-off."""
    return np.imag(f(x + 1j * h)) / h


def central(loss, x, eps=1e-6):
    """Entry-by-entry central differences, written independently of ref.numerical_gradient."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        grad[i] = (loss(x + e) - loss(x - e)) / (2 * eps)
    return grad


def linear_inputs(rng, d_in=5, d_out=3, batch=7):
    return (rng.standard_normal((d_out, d_in)), rng.standard_normal((d_in, batch)),
            rng.standard_normal((d_out, 1)), rng.standard_normal((d_out, batch)))


# ## numerical_gradient, relative_error, derivative_sin_x2

def test_numerical_gradient_matches_exact(rng):
    w, x = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    f = lambda v: float(np.sum(w * np.sin(v)) + 0.5 * np.sum(v**2))   # noqa: E731
    close(ref.numerical_gradient(f, x), w * np.cos(x) + x, tol=1e-9)


def test_numerical_gradient_is_central(rng):
    """On a cubic, central differences are exact up to eps^2: 3x^2 + eps^2."""
    x = rng.standard_normal(6)
    got = ref.numerical_gradient(lambda v: float(np.sum(v**3)), x, eps=1e-2)
    close(got, 3 * x**2 + 1e-4, tol=1e-10)


def test_numerical_gradient_leaves_x_and_accepts_ints(rng):
    x = rng.standard_normal((2, 5))
    before = x.copy()
    ref.numerical_gradient(lambda v: float(np.sum(v**2)), x)
    assert np.array_equal(x, before)
    xi = np.array([[1, 2], [3, 4]])
    close(ref.numerical_gradient(lambda v: float(np.sum(v**2)), xi), 2.0 * xi, tol=1e-9)
    assert xi.dtype.kind == "i" and np.array_equal(xi, [[1, 2], [3, 4]])


def test_relative_error_against_scalar_loop(rng):
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    b[1, 1] = a[1, 1] = 0.0
    want = max(abs(p - q) / max(abs(p) + abs(q), 1e-12) for p, q in zip(a.ravel(), b.ravel()))
    assert ref.relative_error(a, b) == pytest.approx(want, rel=1e-14)
    assert ref.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert ref.relative_error(2.0 * a, a) == pytest.approx(1 / 3)   # a gradient off by 2


def test_derivative_sin_x2_is_the_complex_step_derivative(rng):
    x = 1.5 * rng.standard_normal((3, 5))
    close(ref.derivative_sin_x2(x), complex_step(lambda v: np.sin(v**2), x))
    close(ref.derivative_sin_x2(np.array([0.0, math.sqrt(math.pi)])), [0.0, -2 * math.sqrt(math.pi)])


def test_product_and_quotient_rules_are_complex_step_derivatives(rng):
    x = 2 * rng.standard_normal((4, 3))
    close(ref.derivative_product(x), complex_step(lambda v: v**3 * np.exp(v), x))
    close(ref.derivative_quotient(x), complex_step(lambda v: np.sin(v) / (1 + v**2), x))
    # closed forms: x^2 e^x (3 + x) vanishes at 0 and -3; the quotient's derivative at 0 is cos(0) = 1
    close(ref.derivative_product(np.array([0.0, -3.0, 1.0])), [0.0, 0.0, 4 * math.e])
    close(ref.derivative_quotient(np.array([0.0])), [1.0])


# ## linear layer

def test_linear_forward_against_loops(rng):
    W, x, b, _ = linear_inputs(rng)
    want = np.array([[sum(W[i, k] * x[k, j] for k in range(5)) + b[i, 0] for j in range(7)] for i in range(3)])
    close(ref.linear_forward(W, x, b), want)


def test_linear_backward_against_finite_differences(rng):
    W, x, b, dz = linear_inputs(rng)
    dW, dx, db = ref.linear_backward(dz, W, x)
    assert (dW.shape, dx.shape, db.shape) == (W.shape, x.shape, (3, 1))
    loss = lambda W_, x_, b_: float(np.sum(dz * (W_ @ x_ + b_)))   # noqa: E731
    close(dW, central(lambda v: loss(v, x, b), W), tol=FD_TOL)
    close(dx, central(lambda v: loss(W, v, b), x), tol=FD_TOL)
    close(db, central(lambda v: loss(W, x, v), b), tol=FD_TOL)


def test_bias_gradient_sums_the_batch_axis(rng):
    """Column samples: axis 1 is the batch, so the quick reference's axis=0 is wrong here."""
    W, x, _, dz = linear_inputs(rng)
    db = ref.linear_backward(dz, W, x)[2]
    close(db[:, 0], [sum(dz[i]) for i in range(3)])


# ## activations

def test_relu_and_its_backward(rng):
    x = np.array([[-2.0, -0.0, 0.0, 3.0]])
    dy = np.array([[1.0, 2.0, 3.0, 4.0]])
    close(ref.relu(x), [[0.0, 0.0, 0.0, 3.0]])
    close(ref.relu_backward(dy, x), [[0.0, 0.0, 0.0, 4.0]])   # derivative 0 at x == 0
    xs = rng.standard_normal((3, 4))
    close(ref.relu_backward(np.ones_like(xs), xs), complex_step(lambda v: np.where(v.real > 0, v, 0), xs))


def test_sigmoid_against_math(rng):
    x = np.concatenate([6 * rng.standard_normal(20), [-30.0, -700.0, 30.0, 0.0]])
    want = [1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v)) for v in x]
    got = ref.sigmoid(x)
    assert np.allclose(got, want, rtol=1e-14, atol=0)   # relative: tiny values stay exact


def test_sigmoid_is_warning_free_up_to_1e4():
    x = np.array([[-1e4, -800.0, 0.0, 800.0, 1e4]])
    close(no_warnings(ref.sigmoid, x), [[0.0, 0.0, 0.5, 1.0, 1.0]])


def test_sigmoid_and_tanh_backward_are_complex_step_derivatives(rng):
    x, dy = 2 * rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    close(ref.sigmoid_backward(dy, x), dy * complex_step(lambda v: 1 / (1 + np.exp(-v)), x))
    close(ref.tanh_backward(dy, x), dy * complex_step(np.tanh, x))


def test_softmax_against_math_columns(rng):
    z = 3 * rng.standard_normal((4, 6))
    want = np.array([[math.exp(z[k, j]) / sum(math.exp(v) for v in z[:, j]) for j in range(6)] for k in range(4)])
    close(ref.softmax(z), want)
    close(ref.softmax(z, axis=1), ref.softmax(z.T).T)


def test_softmax_is_stable_for_logits_up_to_1e4(rng):
    z = rng.standard_normal((4, 3)) + np.array([[1e4], [0.0], [-1e4], [5e3]])
    p = no_warnings(ref.softmax, z)
    close(p.sum(axis=0), np.ones(3))
    close(p, [[1.0] * 3, [0.0] * 3, [0.0] * 3, [0.0] * 3])


def softmax_jacobian(p_col):
    """d p_i / d z_j = p_i (delta_ij - p_j), entry by entry from the quotient rule."""
    K = len(p_col)
    return np.array([[p_col[i] * ((i == j) - p_col[j]) for j in range(K)] for i in range(K)])


def test_softmax_backward_is_the_jacobian_transpose_times_the_upstream_gradient(rng):
    z, dp = 2 * rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
    p = ref.softmax(z)
    want = np.stack([softmax_jacobian(p[:, j]).T @ dp[:, j] for j in range(6)], axis=1)
    close(ref.softmax_backward(dp, p), want)
    close(ref.softmax_backward(dp, p), central(lambda v: float(np.sum(dp * ref.softmax(v))), z), tol=FD_TOL)
    close(ref.softmax_backward(dp, p).sum(axis=0), np.zeros(6))      # 1^T J = 0: shifts of z change nothing


def test_softmax_backward_along_rows(rng):
    z, dp = 2 * rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    p = ref.softmax(z, axis=1)
    close(ref.softmax_backward(dp, p, axis=1), ref.softmax_backward(dp.T, p.T).T)
    close(ref.softmax_backward(dp, p, axis=1),
          central(lambda v: float(np.sum(dp * ref.softmax(v, axis=1))), z), tol=FD_TOL)


def test_softmax_backward_of_cross_entropy_is_p_minus_y_over_batch(rng):
    z, y = 2 * rng.standard_normal((4, 6)), one_hot(rng, 4, 6)
    p = ref.softmax(z)
    close(ref.softmax_backward(-y / (p * 6), p), (p - y) / 6)


# ## losses

def one_hot(rng, classes, batch):
    y = np.zeros((classes, batch))
    y[rng.integers(0, classes, batch), np.arange(batch)] = 1.0
    return y


def test_softmax_cross_entropy_value_and_gradient(rng):
    z, y = 2 * rng.standard_normal((4, 6)), one_hot(rng, 4, 6)
    loss, grad = ref.softmax_cross_entropy(z, y)
    want = np.mean([-math.log(ref.softmax(z)[np.argmax(y[:, j]), j]) for j in range(6)])
    assert loss == pytest.approx(want, rel=1e-13)
    close(grad, central(lambda v: ref.softmax_cross_entropy(v, y)[0], z), tol=FD_TOL)
    close(grad, (ref.softmax(z) - y) / 6)


def test_softmax_cross_entropy_saturated_is_exact():
    """Logits 1000 apart: the wrong class costs exactly 1000, the right one ~0, no log(0)."""
    z = np.array([[1000.0, 1000.0], [0.0, 0.0]])
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    loss, grad = no_warnings(ref.softmax_cross_entropy, z, y)
    assert loss == pytest.approx(500.0, rel=1e-14)
    close(grad, [[0.5, 0.0], [-0.5, 0.0]])


def test_mse_value_and_gradient(rng):
    p, y = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    assert ref.mse_loss(p, y) == pytest.approx(sum((a - b) ** 2 for a, b in zip(p.ravel(), y.ravel())) / 15)
    close(ref.mse_grad(p, y), central(lambda v: ref.mse_loss(v, y), p), tol=FD_TOL)


def test_bce_value_and_gradient(rng):
    p, y = rng.uniform(0.05, 0.95, (2, 5)), rng.integers(0, 2, (2, 5)).astype(float)
    want = -sum(math.log(q) if t else math.log(1 - q) for q, t in zip(p.ravel(), y.ravel())) / 10
    assert ref.bce_loss(p, y) == pytest.approx(want, rel=1e-13)
    close(ref.bce_grad(p, y), central(lambda v: ref.bce_loss(v, y), p), tol=FD_TOL)


def test_bce_clips_at_0_and_1():
    """p = 0 and p = 1 become lo = 1e-12 and hi = 1 - 1e-12 (note 1 - hi is not exactly 1e-12 in float64)."""
    p, y = np.array([[0.0, 1.0, 0.0, 1.0]]), np.array([[0.0, 1.0, 1.0, 0.0]])
    lo, hi = 1e-12, 1 - 1e-12
    loss = no_warnings(ref.bce_loss, p, y)
    want = -(math.log(1 - lo) + math.log(hi) + math.log(lo) + math.log(1 - hi)) / 4
    assert loss == pytest.approx(want, rel=1e-14)
    grad = no_warnings(ref.bce_grad, p, y)
    want = [(q - t) / (q * (1 - q)) / 4 for q, t in zip([lo, hi, lo, hi], y.ravel())]
    assert np.allclose(grad.ravel(), want, rtol=1e-14, atol=0)
    assert grad[0, 2] < 0 < grad[0, 3]          # pushes p towards the label


def test_bce_with_logits_against_math_and_finite_differences(rng):
    z, y = 3 * rng.standard_normal((2, 5)), rng.integers(0, 2, (2, 5)).astype(float)
    loss, grad = ref.bce_with_logits(z, y)
    s = [1 / (1 + math.exp(-v)) for v in z.ravel()]
    want = -sum(math.log(q) if t else math.log(1 - q) for q, t in zip(s, y.ravel())) / 10
    assert loss == pytest.approx(want, rel=1e-13)
    assert loss == pytest.approx(ref.bce_loss(ref.sigmoid(z), y), rel=1e-13)   # unclipped range: the same loss
    close(grad, central(lambda v: ref.bce_with_logits(v, y)[0], z), tol=FD_TOL)
    close(grad, (np.array(s).reshape(2, 5) - y) / 10)


def test_bce_with_logits_is_exact_and_warning_free_up_to_1e4():
    """A logit z on the wrong side costs |z| + log(1 + e^-|z|); on the right side log(1 + e^-|z|)."""
    z = np.array([[-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4], [1e4, 800.0, 40.0, 0.0, -40.0, -800.0, -1e4]])
    y = np.array([[1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]])
    loss, grad = no_warnings(ref.bce_with_logits, z, y)
    wrong_side = [1e4, 800.0, 40.0, 40.0, 800.0, 1e4]
    want = (sum(wrong_side) + 2 * math.log(2) + 2 * math.log1p(math.exp(-40.0))
            + 2 * math.log1p(math.exp(-800.0))) / 14
    assert loss == pytest.approx(want, rel=1e-15)
    close(grad, (ref.sigmoid(z) - y) / 14)
    assert ref.bce_loss(ref.sigmoid(z), y) < loss / 10         # clipping p would cap every term at 27.6


# ## the MLP

def mlp_inputs(rng, hidden=5, features=3, batch=7):
    params = {"W1": rng.standard_normal((hidden, features)), "b1": rng.standard_normal((hidden, 1)),
              "W2": rng.standard_normal((1, hidden)), "b2": rng.standard_normal((1, 1))}
    return params, rng.standard_normal((features, batch)), rng.integers(0, 2, (1, batch)).astype(float)


def test_mlp_forward_against_per_sample_loops(rng):
    params, x, _ = mlp_inputs(rng)
    y_hat = ref.mlp_forward(params, x)[0]
    for j in range(x.shape[1]):
        h = [math.tanh(sum(params["W1"][i, k] * x[k, j] for k in range(3)) + params["b1"][i, 0]) for i in range(5)]
        z = sum(params["W2"][0, i] * h[i] for i in range(5)) + params["b2"][0, 0]
        assert y_hat[0, j] == pytest.approx(1 / (1 + math.exp(-z)), rel=1e-13)


@pytest.mark.parametrize("key", ["W1", "b1", "W2", "b2"])
def test_mlp_backward_against_finite_differences(rng, key):
    params, x, y = mlp_inputs(rng)
    before = {k: v.copy() for k, v in params.items()}
    grads = ref.mlp_backward(params, ref.mlp_forward(params, x)[1], y)
    loss = lambda v: ref.bce_loss(ref.mlp_forward({**params, key: v}, x)[0], y)   # noqa: E731
    close(grads[key], central(loss, params[key]), tol=FD_TOL)
    assert all(np.array_equal(params[k], before[k]) for k in params)


def test_train_xor_learns_xor_for_seeds_0_to_20_in_time():
    for seed in range(21):
        start = time.perf_counter()
        params = ref.train_xor(seed)
        assert time.perf_counter() - start < 2.0
        assert {k: v.shape for k, v in params.items()} == {"W1": (8, 2), "b1": (8, 1), "W2": (1, 8), "b2": (1, 1)}
        y_hat = ref.mlp_forward(params, ref.XOR_X)[0]
        assert np.array_equal(y_hat > 0.5, ref.XOR_Y > 0.5), (seed, y_hat)
        assert np.max(np.abs(y_hat - ref.XOR_Y)) < 0.05      # a clear margin, not a lucky 0.5


def test_references_leave_inputs_unchanged(rng):
    W, x, b, dz = linear_inputs(rng)
    z, y = rng.standard_normal((4, 3)), one_hot(rng, 4, 3)
    p = rng.uniform(0, 1, (4, 3))
    arrays = [W, x, b, dz, z, y, p]
    copies = [a.copy() for a in arrays]
    ref.linear_forward(W, x, b), ref.linear_backward(dz, W, x), ref.relu(z), ref.relu_backward(y, z)
    ref.sigmoid(z), ref.sigmoid_backward(y, z), ref.tanh_backward(y, z), ref.softmax(z)
    ref.softmax_cross_entropy(z, y), ref.mse_loss(p, y), ref.mse_grad(p, y), ref.bce_loss(p, y), ref.bce_grad(p, y)
    ref.derivative_product(z), ref.derivative_quotient(z), ref.bce_with_logits(z, y)
    ref.softmax_backward(y, ref.softmax(z))
    assert all(np.array_equal(a, c) for a, c in zip(arrays, copies))

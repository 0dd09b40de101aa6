"""Hidden checks for lab 1.4.1: manual backpropagation (column samples).

One test per property; its docstring is the sentence the student reads.
Inputs are drawn from the run's secret seed with distinct sizes, so that
transposed or mis-summed answers cannot have the right shape by accident.
"""
import numpy as np
import pytest

from autograder.checks import inputs
from autograder.checks.compare import (
    PASS, close, close_scalar, expect, fail, inputs_unchanged, is_array, is_sequence, no_warnings, returns_dict,
    returns_tuple)
from autograder.checks.gradcheck import check_gradient
from autograder.mistakes import nonfinite
from autograder.mistakes.backprop import MISTAKES
from autograder.references import backprop as ref


def array_function(weights, shape):
    """A smooth scalar function of an array, and its exact gradient."""
    def f(x):
        x = np.asarray(x, dtype=float)
        if x.shape != shape:
            raise ValueError(f"expects an array of shape {shape}, got {x.shape}")
        return float(np.sum(weights * np.sin(x)) + 0.5 * np.sum(x ** 2))
    return f, lambda x: weights * np.cos(x) + x


# ## numerical_gradient ----------------------------------------------------

@pytest.mark.exercise("numerical_gradient", weight=2)
def test_numerical_gradient_matches_exact(student, rng):
    """numerical_gradient of a smooth function of a non-square matrix matches its exact gradient"""
    rows, cols = inputs.distinct_sizes(rng, 2)
    x = inputs.normal(rng, rows, cols)
    f, grad = array_function(inputs.normal(rng, rows, cols), x.shape)
    got = student.numerical_gradient(f, x)
    expect(close(got, grad(x), "the numerical gradient", tol=1e-6,
                 mistakes=MISTAKES.known("numerical_gradient", f, x)))


@pytest.mark.exercise("numerical_gradient", weight=1)
def test_numerical_gradient_uses_eps(student, rng):
    """numerical_gradient uses its eps argument (central differences with that step)"""
    x = inputs.normal(rng, inputs.distinct_sizes(rng, 1)[0])
    f = lambda v: float(np.sum(np.asarray(v, dtype=float) ** 3))   # noqa: E731
    got = student.numerical_gradient(f, x, eps=1e-2)
    expect(close(got, ref.numerical_gradient(f, x, eps=1e-2), "the gradient with eps=1e-2", tol=1e-7,
                 mistakes=MISTAKES.known("numerical_gradient", f, x, 1e-2)))


@pytest.mark.exercise("numerical_gradient", weight=1)
def test_numerical_gradient_leaves_x_unchanged(student, rng):
    """numerical_gradient leaves x unchanged"""
    x = inputs.normal(rng, 3, 4)
    f, _ = array_function(inputs.normal(rng, 3, 4), x.shape)
    student.numerical_gradient(f, x)
    expect(inputs_unchanged(student.last_call.mutated_inputs, "numerical_gradient",
                            MISTAKES.named("mutates_input", "numerical_gradient")))


# ## relative_error --------------------------------------------------------

@pytest.mark.exercise("relative_error", weight=2)
def test_relative_error_value(student, rng):
    """relative_error is the max over entries of |a-b| / max(|a|+|b|, 1e-12)"""
    a = inputs.normal(rng, 4, 3)
    b = a + inputs.normal(rng, 4, 3, scale=1e-3) * (rng.random((4, 3)) < 0.5)
    b[0, 0] = a[0, 0] * 1.5     # one clearly bad entry, as in a gradient check
    got = student.relative_error(a, b)
    expect(close_scalar(got, ref.relative_error(a, b), "relative_error(a, b)",
                        mistakes=MISTAKES.known("relative_error", a, b)))


@pytest.mark.exercise("relative_error", weight=1)
def test_relative_error_zero_arrays(student, rng):
    """relative_error of two identical all-zero arrays is 0 (no division by zero)"""
    got = student.relative_error(np.zeros((2, 3)), np.zeros((2, 3)))
    expect(close_scalar(got, 0.0, "relative_error(0, 0)"))


# ## derivative_sin_x2 -----------------------------------------------------

@pytest.mark.exercise("derivative_sin_x2")
def test_derivative_sin_x2(student, rng):
    """derivative_sin_x2 is d/dx sin(x^2), elementwise"""
    x = inputs.normal(rng, *inputs.distinct_sizes(rng, 2), scale=1.5)
    expect(close(student.derivative_sin_x2(x), ref.derivative_sin_x2(x), "d/dx sin(x^2)",
                 mistakes=MISTAKES.known("derivative_sin_x2", x)))


# ## derivative_product, derivative_quotient (issue 15) -----------------------

@pytest.mark.exercise("derivative_product")
def test_derivative_product(student, rng):
    """derivative_product is d/dx [x^3 e^x], elementwise"""
    x = inputs.normal(rng, *inputs.distinct_sizes(rng, 2), scale=1.5)
    expect(close(student.derivative_product(x), ref.derivative_product(x), "d/dx [x^3 e^x]",
                 mistakes=MISTAKES.known("derivative_product", x)))


@pytest.mark.exercise("derivative_quotient")
def test_derivative_quotient(student, rng):
    """derivative_quotient is d/dx [sin(x) / (1 + x^2)], elementwise"""
    x = inputs.away_from_zero(rng, *inputs.distinct_sizes(rng, 2), scale=2.0)
    expect(close(student.derivative_quotient(x), ref.derivative_quotient(x), "d/dx [sin(x) / (1 + x^2)]",
                 mistakes=MISTAKES.known("derivative_quotient", x)))


# ## linear layer ----------------------------------------------------------

def linear_inputs(rng):
    d_in, d_out, batch = inputs.distinct_sizes(rng, 3)
    return (inputs.normal(rng, d_out, d_in), inputs.normal(rng, d_in, batch),
            inputs.normal(rng, d_out, 1), inputs.normal(rng, d_out, batch))


@pytest.mark.exercise("linear_forward")
def test_linear_forward(student, rng):
    """linear_forward is W @ x + b, shape (d_out, batch)"""
    W, x, b, _ = linear_inputs(rng)
    expect(close(student.linear_forward(W, x, b), ref.linear_forward(W, x, b), "z",
                 mistakes=MISTAKES.known("linear_forward", W, x, b)))


def linear_backward_part(student, rng, index, name):
    W, x, b, dz = linear_inputs(rng)
    out = student.linear_backward(dz, W, x)
    if is_sequence(out, 2):
        expect(fail("linear_backward returned 2 values; it should return (dL_dW, dL_dx, dL_db)",
                    MISTAKES.named("bias_grad_missing", "linear_backward")))
    expect(returns_tuple(out, 3, "linear_backward"))
    return out[index], (W, x, b, dz)


@pytest.mark.exercise("linear_backward", weight=2)
def test_linear_backward_weight(student, rng):
    """dL_dW matches finite differences of L = sum(dL_dz * (W @ x + b)) and has W's shape"""
    dW, (W, x, b, dz) = linear_backward_part(student, rng, 0, "dL_dW")
    loss = lambda W_: float(np.sum(dz * ref.linear_forward(W_, x, b)))   # noqa: E731
    expect(check_gradient(loss, W, dW, "dL_dW", rng,
                          mistakes=MISTAKES.known("linear_backward", dz, W, x, output="dL_dW")))


@pytest.mark.exercise("linear_backward", weight=1)
def test_linear_backward_input(student, rng):
    """dL_dx matches finite differences and has x's shape"""
    dx, (W, x, b, dz) = linear_backward_part(student, rng, 1, "dL_dx")
    loss = lambda x_: float(np.sum(dz * ref.linear_forward(W, x_, b)))   # noqa: E731
    expect(check_gradient(loss, x, dx, "dL_dx", rng,
                          mistakes=MISTAKES.known("linear_backward", dz, W, x, output="dL_dx")))


@pytest.mark.exercise("linear_backward", weight=2)
def test_linear_backward_bias(student, rng):
    """dL_db sums dL_dz over the batch, with b's shape (d_out, 1)"""
    db, (W, x, b, dz) = linear_backward_part(student, rng, 2, "dL_db")
    loss = lambda b_: float(np.sum(dz * ref.linear_forward(W, x, b_)))   # noqa: E731
    expect(check_gradient(loss, b, db, "dL_db", rng,
                          mistakes=MISTAKES.known("linear_backward", dz, W, x, output="dL_db")))


# ## activations ------------------------------------------------------------

@pytest.mark.exercise("relu")
def test_relu(student, rng):
    """relu is max(0, x) elementwise, including exact zeros"""
    x = inputs.normal(rng, *inputs.distinct_sizes(rng, 2))
    x[0, 0] = 0.0
    expect(close(student.relu(x), ref.relu(x), "relu(x)"))


@pytest.mark.exercise("relu_backward", weight=2)
def test_relu_backward_gradient(student, rng):
    """relu_backward matches finite differences away from 0"""
    shape = inputs.distinct_sizes(rng, 2)
    x, dy = inputs.away_from_zero(rng, *shape), inputs.normal(rng, *shape)
    loss = lambda x_: float(np.sum(dy * ref.relu(x_)))   # noqa: E731
    expect(check_gradient(loss, x, student.relu_backward(dy, x), "dL_dx", rng,
                          mistakes=MISTAKES.known("relu_backward", dy, x)))


@pytest.mark.exercise("relu_backward", weight=1)
def test_relu_backward_at_zero(student, rng):
    """relu_backward takes the derivative at x == 0 (and below) as 0"""
    x = np.array([[0.0, -1.0, 2.0], [0.0, 0.5, -0.0]])
    dy = inputs.normal(rng, 2, 3)
    expect(close(student.relu_backward(dy, x), ref.relu_backward(dy, x), "dL_dx at x == 0",
                 mistakes=MISTAKES.known("relu_backward", dy, x)))


@pytest.mark.exercise("relu_backward", weight=1)
def test_relu_backward_leaves_inputs(student, rng):
    """relu_backward leaves dL_dy and x unchanged"""
    x, dy = inputs.normal(rng, 3, 4), inputs.normal(rng, 3, 4)
    student.relu_backward(dy, x)
    expect(inputs_unchanged(student.last_call.mutated_inputs, "relu_backward", MISTAKES.named("mutates_params")))


@pytest.mark.exercise("sigmoid")
def test_sigmoid_values(student, rng):
    """sigmoid is 1 / (1 + exp(-x)) elementwise"""
    x = inputs.normal(rng, *inputs.distinct_sizes(rng, 2), scale=3)
    expect(close(student.sigmoid(x), ref.sigmoid(x), "sigmoid(x)"))


@pytest.mark.exercise("sigmoid")
def test_sigmoid_stable(student, rng):
    """sigmoid is finite, exact and warning-free for |x| up to 1e4"""
    x = np.array([[-1e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1e4]])
    got = student.sigmoid(x)
    expect(no_warnings(student.last_call.warnings, "sigmoid(x) for |x| up to 1e4",
                       MISTAKES.named("sigmoid_overflow", "sigmoid")))
    expect(close(got, ref.sigmoid(x), "sigmoid(x) for |x| up to 1e4"))


@pytest.mark.exercise("sigmoid_backward", weight=2)
def test_sigmoid_backward(student, rng):
    """sigmoid_backward matches finite differences of sum(dL_dy * sigmoid(x))"""
    shape = inputs.distinct_sizes(rng, 2)
    x, dy = inputs.normal(rng, *shape, scale=2), inputs.normal(rng, *shape)
    loss = lambda x_: float(np.sum(dy * ref.sigmoid(x_)))   # noqa: E731
    expect(check_gradient(loss, x, student.sigmoid_backward(dy, x), "dL_dx", rng,
                          mistakes=MISTAKES.known("sigmoid_backward", dy, x)))


@pytest.mark.exercise("tanh_backward")
def test_tanh_backward(student, rng):
    """tanh_backward matches finite differences of sum(dL_dy * tanh(x))"""
    shape = inputs.distinct_sizes(rng, 2)
    x, dy = inputs.normal(rng, *shape), inputs.normal(rng, *shape)
    loss = lambda x_: float(np.sum(dy * np.tanh(x_)))   # noqa: E731
    expect(check_gradient(loss, x, student.tanh_backward(dy, x), "dL_dx", rng,
                          mistakes=MISTAKES.known("tanh_backward", dy, x)))


@pytest.mark.exercise("softmax", weight=2)
def test_softmax_columns(student, rng):
    """softmax(z) normalises each column (classes on axis 0)"""
    z = inputs.normal(rng, *inputs.distinct_sizes(rng, 2), scale=3)
    expect(close(student.softmax(z), ref.softmax(z), "softmax(z)", mistakes=MISTAKES.known("softmax", z)))


@pytest.mark.exercise("softmax")
def test_softmax_axis(student, rng):
    """softmax(z, axis=1) normalises each row"""
    z = inputs.normal(rng, *inputs.distinct_sizes(rng, 2), scale=3)
    expect(close(student.softmax(z, axis=1), ref.softmax(z, axis=1), "softmax(z, axis=1)"))


@pytest.mark.exercise("softmax", weight=2)
def test_softmax_stable(student, rng):
    """softmax is finite and exact for logits up to 1e4"""
    z = inputs.normal(rng, 4, 3) + np.array([[1e4], [0.0], [-1e4], [5e3]])
    expect(close(student.softmax(z), ref.softmax(z), "softmax(z) for logits up to 1e4",
                 mistakes=MISTAKES.known("softmax", z)))


@pytest.mark.exercise("softmax")
def test_softmax_leaves_z(student, rng):
    """softmax leaves z unchanged"""
    z = inputs.normal(rng, 3, 5)
    student.softmax(z)
    expect(inputs_unchanged(student.last_call.mutated_inputs, "softmax", MISTAKES.named("mutates_params")))


# ## softmax_backward (issue 15): judged by finite differences of sum(dL_dp * softmax(z))

def softmax_backward_verdict(student, rng, shape, axis):
    z, dy = inputs.normal(rng, *shape, scale=2), inputs.normal(rng, *shape)
    p = ref.softmax(z, axis=axis)
    loss = lambda z_: float(np.sum(dy * ref.softmax(z_, axis=axis)))   # noqa: E731
    got = student.softmax_backward(dy, p, axis=axis) if axis != 0 else student.softmax_backward(dy, p)
    return check_gradient(loss, z, got, "dL_dz", rng,
                          mistakes=MISTAKES.known("softmax_backward", dy, p, axis))


@pytest.mark.exercise("softmax_backward", weight=2)
def test_softmax_backward_columns(student, rng):
    """softmax_backward(dL_dp, p) matches finite differences of sum(dL_dp * softmax(z)), classes on axis 0"""
    expect(softmax_backward_verdict(student, rng, inputs.distinct_sizes(rng, 2, low=3), 0))


@pytest.mark.exercise("softmax_backward")
def test_softmax_backward_axis(student, rng):
    """softmax_backward(dL_dp, p, axis=1) is the same product for classes on axis 1"""
    expect(softmax_backward_verdict(student, rng, inputs.distinct_sizes(rng, 2, low=3), 1))


@pytest.mark.exercise("softmax_backward")
def test_softmax_backward_leaves_inputs(student, rng):
    """softmax_backward leaves dL_dp and p unchanged"""
    z, dy = inputs.normal(rng, 4, 3), inputs.normal(rng, 4, 3)
    student.softmax_backward(dy, ref.softmax(z))
    expect(inputs_unchanged(student.last_call.mutated_inputs, "softmax_backward", MISTAKES.named("mutates_params")))


# ## losses ------------------------------------------------------------------

def ce_inputs(rng, scale=2.0):
    classes, batch = inputs.distinct_sizes(rng, 2, low=3)
    return inputs.normal(rng, classes, batch, scale=scale), inputs.one_hot(rng, classes, batch)


@pytest.mark.exercise("softmax_cross_entropy", weight=1)
def test_softmax_cross_entropy_loss(student, rng):
    """the loss is the mean over the batch of -sum_k y_k log softmax(z)_k"""
    z, y = ce_inputs(rng)
    out = student.softmax_cross_entropy(z, y)
    expect(returns_tuple(out, 2, "softmax_cross_entropy"))
    expect(close_scalar(out[0], ref.softmax_cross_entropy(z, y)[0], "the loss",
                        mistakes=MISTAKES.known("softmax_cross_entropy", z, y, output="loss")))


@pytest.mark.exercise("softmax_cross_entropy", weight=2)
def test_softmax_cross_entropy_gradient(student, rng):
    """dL_dlogits matches finite differences of the mean loss: (p - y) / batch"""
    z, y = ce_inputs(rng)
    out = student.softmax_cross_entropy(z, y)
    expect(returns_tuple(out, 2, "softmax_cross_entropy"))
    loss = lambda z_: ref.softmax_cross_entropy(z_, y)[0]   # noqa: E731
    expect(check_gradient(loss, z, out[1], "dL_dlogits", rng,
                          mistakes=MISTAKES.known("softmax_cross_entropy", z, y, output="dL_dlogits")))


@pytest.mark.exercise("softmax_cross_entropy", weight=1)
def test_softmax_cross_entropy_saturated(student, rng):
    """the loss stays finite when some probabilities underflow to 0 (logits far apart)"""
    z, y = ce_inputs(rng)
    z = z + 1e3 * y          # the true class dominates: every other p underflows to 0
    out = student.softmax_cross_entropy(z, y)
    expect(returns_tuple(out, 2, "softmax_cross_entropy"))
    verdict = close_scalar(out[0], ref.softmax_cross_entropy(z, y)[0], "the loss with saturated logits", tol=1e-6,
                           mistakes=MISTAKES.known("softmax_cross_entropy", z, y, output="loss"))
    if not verdict.ok and nonfinite(out[0]) and nonfinite(out[1]):
        # p itself is NaN (inf / inf), not just 0: the root cause is the softmax, not the log
        verdict = fail(f"{verdict.message}; the gradient is NaN or inf too",
                       MISTAKES.named("ce_softmax_overflow", "softmax_cross_entropy"))
    expect(verdict)


@pytest.mark.exercise("mse_loss")
def test_mse_loss(student, rng):
    """mse_loss is the mean of (y_pred - y_true)^2 over all elements"""
    shape = inputs.distinct_sizes(rng, 2)
    p, y = inputs.normal(rng, *shape), inputs.normal(rng, *shape)
    expect(close_scalar(student.mse_loss(p, y), ref.mse_loss(p, y), "mse_loss",
                        mistakes=MISTAKES.known("mse_loss", p, y)))


@pytest.mark.exercise("mse_grad")
def test_mse_grad(student, rng):
    """mse_grad matches finite differences of mse_loss: 2 (y_pred - y_true) / size"""
    shape = inputs.distinct_sizes(rng, 2)
    p, y = inputs.normal(rng, *shape), inputs.normal(rng, *shape)
    loss = lambda p_: ref.mse_loss(p_, y)   # noqa: E731
    expect(check_gradient(loss, p, student.mse_grad(p, y), "dL_dy_pred", rng,
                          mistakes=MISTAKES.known("mse_grad", p, y)))


def bce_inputs(rng):
    shape = inputs.distinct_sizes(rng, 2)
    return inputs.probabilities(rng, *shape), inputs.binary_labels(rng, *shape)


@pytest.mark.exercise("bce_loss")
def test_bce_loss(student, rng):
    """bce_loss is -mean(y log p + (1 - y) log(1 - p))"""
    p, y = bce_inputs(rng)
    expect(close_scalar(student.bce_loss(p, y), ref.bce_loss(p, y), "bce_loss",
                        mistakes=MISTAKES.known("bce_loss", p, y)))


@pytest.mark.exercise("bce_loss")
def test_bce_loss_clipped(student, rng):
    """bce_loss clips p to [1e-12, 1 - 1e-12]: finite for p exactly 0 or 1"""
    p = np.array([[0.0, 1.0, 0.0, 1.0, 0.3]])
    y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0]])
    expect(close_scalar(student.bce_loss(p, y), ref.bce_loss(p, y), "bce_loss with p in {0, 1}",
                        mistakes=MISTAKES.known("bce_loss", p, y)))


@pytest.mark.exercise("bce_grad", weight=2)
def test_bce_grad(student, rng):
    """bce_grad matches finite differences of the mean BCE loss"""
    p, y = bce_inputs(rng)
    loss = lambda p_: ref.bce_loss(p_, y)   # noqa: E731
    expect(check_gradient(loss, p, student.bce_grad(p, y), "dL_dp", rng,
                          mistakes=MISTAKES.known("bce_grad", p, y)))


@pytest.mark.exercise("bce_grad")
def test_bce_grad_clipped(student, rng):
    """bce_grad is finite at p exactly 0 or 1 (evaluated at the clipped p)"""
    p = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.25]])
    y = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    expect(close(student.bce_grad(p, y), ref.bce_grad(p, y), "bce_grad at p in {0, 1}",
                 mistakes=MISTAKES.known("bce_grad", p, y)))


# ## bce_with_logits (issue 15) -------------------------------------------------

def bce_logits_inputs(rng, scale=3.0):
    shape = inputs.distinct_sizes(rng, 2)
    return inputs.normal(rng, *shape, scale=scale), inputs.binary_labels(rng, *shape)


def bce_logits_saturated(rng):
    """Logits up to 1e4 on both sides, every one of them with both labels: the loss is of order 1e3."""
    z = np.array([-1e4, -800.0, -40.0, -3.0, 0.0, 3.0, 40.0, 800.0, 1e4])
    z = np.concatenate([z, z]) * rng.uniform(0.5, 1.0, size=18)
    return z.reshape(2, 9), np.repeat([[1.0], [0.0]], 9, axis=1)


@pytest.mark.exercise("bce_with_logits", weight=1)
def test_bce_with_logits_loss(student, rng):
    """the loss is the mean BCE of sigmoid(z), -mean(y log sigmoid(z) + (1 - y) log(1 - sigmoid(z)))"""
    z, y = bce_logits_inputs(rng)
    out = student.bce_with_logits(z, y)
    expect(returns_tuple(out, 2, "bce_with_logits"))
    expect(close_scalar(out[0], ref.bce_with_logits(z, y)[0], "the loss",
                        mistakes=MISTAKES.known("bce_with_logits", z, y, output="loss")))


@pytest.mark.exercise("bce_with_logits", weight=2)
def test_bce_with_logits_stable(student, rng):
    """the loss is finite and exact for logits up to 1e4 (no clipping)"""
    z, y = bce_logits_saturated(rng)
    out = student.bce_with_logits(z, y)
    expect(returns_tuple(out, 2, "bce_with_logits"))
    expect(close_scalar(out[0], ref.bce_with_logits(z, y)[0], "the loss for |z| up to 1e4",
                        mistakes=MISTAKES.known("bce_with_logits", z, y, output="loss")))


@pytest.mark.exercise("bce_with_logits", weight=2)
def test_bce_with_logits_gradient(student, rng):
    """dL_dz matches finite differences of the mean loss: (sigmoid(z) - y) / size"""
    z, y = bce_logits_inputs(rng)
    out = student.bce_with_logits(z, y)
    expect(returns_tuple(out, 2, "bce_with_logits"))
    loss = lambda z_: ref.bce_with_logits(z_, y)[0]   # noqa: E731
    expect(check_gradient(loss, z, out[1], "dL_dz", rng,
                          mistakes=MISTAKES.known("bce_with_logits", z, y, output="dL_dz")))


@pytest.mark.exercise("bce_with_logits", weight=1)
def test_bce_with_logits_gradient_stable(student, rng):
    """dL_dz is finite and exact for logits up to 1e4"""
    z, y = bce_logits_saturated(rng)
    out = student.bce_with_logits(z, y)
    expect(returns_tuple(out, 2, "bce_with_logits"))
    expect(close(out[1], ref.bce_with_logits(z, y)[1], "dL_dz for |z| up to 1e4",
                 mistakes=MISTAKES.known("bce_with_logits", z, y, output="dL_dz")))


@pytest.mark.exercise("bce_with_logits", weight=1)
def test_bce_with_logits_leaves_inputs(student, rng):
    """bce_with_logits leaves z and y_true unchanged"""
    z, y = bce_logits_inputs(rng)
    student.bce_with_logits(z, y)
    expect(inputs_unchanged(student.last_call.mutated_inputs, "bce_with_logits", MISTAKES.named("mutates_params")))


# ## the MLP -------------------------------------------------------------------

def mlp_inputs(rng):
    hidden, features, batch = inputs.distinct_sizes(rng, 3)
    params = {"W1": inputs.normal(rng, hidden, features), "b1": inputs.normal(rng, hidden, 1, scale=0.5),
              "W2": inputs.normal(rng, 1, hidden), "b2": inputs.normal(rng, 1, 1, scale=0.5)}
    return params, inputs.normal(rng, features, batch), inputs.binary_labels(rng, 1, batch)


@pytest.mark.exercise("mlp_forward")
def test_mlp_forward(student, rng):
    """mlp_forward returns (y_hat, cache) with y_hat = sigmoid(W2 tanh(W1 x + b1) + b2), shape (1, batch)"""
    params, x, _ = mlp_inputs(rng)
    out = student.mlp_forward(params, x)
    expect(returns_tuple(out, 2, "mlp_forward"))
    expect(close(out[0], ref.mlp_forward(params, x)[0], "y_hat", mistakes=MISTAKES.known("mlp_forward", params, x)))


@pytest.mark.exercise("mlp_backward")
@pytest.mark.parametrize("key", ["W1", "b1", "W2", "b2"])
def test_mlp_backward(student, rng, key):
    """mlp_backward's gradient (from your mlp_forward's cache) matches finite differences of the mean BCE loss"""
    params, x, y = mlp_inputs(rng)
    forward = student.mlp_forward(params, x)
    expect(returns_tuple(forward, 2, "mlp_forward (used by this check)"))
    grads = student.mlp_backward(params, forward[1], y)
    if type(grads) is dict and {"W1", "W2"} <= set(grads) and key in ("b1", "b2") and key not in grads:
        expect(fail(f"mlp_backward returned no gradient for {key}", MISTAKES.named("bias_grad_missing", "mlp_backward")))
    expect(returns_dict(grads, ("W1", "b1", "W2", "b2"), "mlp_backward"))

    def loss(value):
        return ref.bce_loss(ref.mlp_forward({**params, key: value}, x)[0], y)
    expect(check_gradient(loss, params[key], grads[key], f"the gradient for {key}", rng,
                          mistakes=MISTAKES.known("mlp_backward", params, x, y, key)))


@pytest.mark.exercise("mlp_backward")
def test_mlp_backward_leaves_inputs(student, rng):
    """mlp_backward leaves params and y_true unchanged"""
    params, x, y = mlp_inputs(rng)
    forward = student.mlp_forward(params, x)
    expect(returns_tuple(forward, 2, "mlp_forward (used by this check)"))
    student.mlp_backward(params, forward[1], y)
    expect(inputs_unchanged(student.last_call.mutated_inputs, "mlp_backward", MISTAKES.named("mutates_params")))


# ## training -------------------------------------------------------------------

def xor_verdict(params, what):
    verdict = returns_dict(params, ("W1", "b1", "W2", "b2"), what)
    if not verdict.ok:
        return verdict
    W1 = params["W1"]
    if not is_array(W1) or W1.ndim != 2 or W1.shape[1] != 2:
        return fail(f"{what}: W1 should have shape (H, 2)")
    hidden = W1.shape[0]
    for key, shape in (("b1", (hidden, 1)), ("W2", (1, hidden)), ("b2", (1, 1))):
        value = params[key]
        if not is_array(value, shape) or not np.all(np.isfinite(value)):
            return fail(f"{what}: {key} should be a finite array of shape {shape}")
    predictions = ref.mlp_forward(params, ref.XOR_X)[0] > 0.5
    wrong = int(np.sum(predictions != (ref.XOR_Y > 0.5)))
    if wrong:
        return fail(f"{what} classifies {4 - wrong} of the 4 XOR points correctly "
                    f"({100 * (4 - wrong) // 4}%), judged by the reference forward pass")
    return PASS


@pytest.mark.exercise("train_xor", weight=2, timeout=60)
def test_train_xor_seed_0(student, rng):
    """train_xor(seed=0) returns parameters that classify all four XOR points"""
    expect(xor_verdict(student.train_xor(seed=0), "train_xor(seed=0)"))


@pytest.mark.exercise("train_xor", weight=1, timeout=60)
def test_train_xor_other_seed(student, rng):
    """train_xor learns XOR from another seed too"""
    seed = int(rng.integers(1, 1000))
    expect(xor_verdict(student.train_xor(seed=seed), "train_xor with another seed"))

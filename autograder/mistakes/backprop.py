"""Known mistakes of lab 1.4.1 (manual backpropagation), column samples:
x is (d_in, batch), z = W @ x + b, b is (d_out, 1).

mlp_backward's builds take (params, x, y_true, key): the check judges one
gradient, grads[key], from the reference forward pass's cache.
"""
import numpy as np

from autograder.mistakes import Catalogue, Mistake, nonfinite, saturated
from autograder.references import backprop as ref


def _forward_difference(f, x, eps=1e-5):
    """(f(x + eps e_i) - f(x)) / eps for every entry i."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (f(x + step) - f(x)) / eps
    return grad


def _exp_overflows(z, axis=0):
    """exp of the raw logits sums to inf (or underflows to 0) along some slice of `axis`."""
    total = np.sum(np.exp(np.asarray(z, dtype=float)), axis=axis)
    return bool(np.any(~np.isfinite(total) | (total == 0)))


def _mlp_grad(params, x, y, key):
    return ref.mlp_backward(params, ref.mlp_forward(params, x)[1], y)[key]


def _transposed(grad):
    """grad.T, for a gradient whose transpose has another shape."""
    if grad.ndim != 2 or grad.shape[0] == grad.shape[1]:
        raise ValueError("the transpose has the same shape")
    return grad.T


def _softmax_vjp(dy, p, axis=0):
    """p * (dy - sum(dy * p)) along axis, for mistakes that change what goes in."""
    return p * (dy - np.sum(dy * p, axis=axis, keepdims=True))


def _same_values(got, wanted) -> bool:
    """`got` holds exactly the entries of `wanted`, whatever its shape (a wrong sum reshaped)."""
    return (type(got) is np.ndarray and got.dtype.kind in "fiu" and got.size == np.size(wanted)
            and bool(np.allclose(got.ravel(), np.ravel(wanted), rtol=1e-9, atol=1e-12)))


def _mlp_without_bias(*keys):
    """mlp_forward's y_hat with these biases left out (set to 0)."""
    return lambda params, x: ref.mlp_forward({**params, **{k: 0.0 * params[k] for k in keys}}, x)[0]


def _mlp_bias_grad_zero(params, x, y, key):
    if key not in ("b1", "b2"):
        raise ValueError("only the bias gradients")
    return np.zeros_like(params[key])


def _large_logits(z):
    """Some logit is large enough that sigmoid(z) rounds to exactly 0 or 1 (|z| > ~37 in float64)."""
    return bool(np.any(np.abs(np.asarray(z, dtype=float)) > 40))


MISTAKES = Catalogue([
    # --- numerical_gradient, relative_error, derivative_sin_x2 ------------
    Mistake(key="forward_difference", name="forward differences (f(x+eps) - f(x)) / eps",
            advice="use central differences (f(x+eps) - f(x-eps)) / (2 eps): their error is O(eps^2), not O(eps)",
            exercise="numerical_gradient", build=_forward_difference),
    Mistake(key="mutates_input", name="the function modifies its input array",
            advice="work on a copy (x = x.astype(float, copy=True)) or restore every entry you change",
            exercise="numerical_gradient", observed_by="inputs_unchanged: the child's report of mutated inputs"),
    Mistake(key="absolute_error", name="absolute error instead of relative error",
            advice="divide |a - b| by max(|a| + |b|, 1e-12) elementwise before taking the max",
            exercise="relative_error", build=lambda a, b: np.max(np.abs(a - b))),
    Mistake(key="mean_not_max", name="mean of the elementwise errors instead of their maximum",
            advice="the check must catch a single bad entry: take the max", exercise="relative_error",
            build=lambda a, b: np.mean(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12))),
    Mistake(key="missing_chain_factor", name="chain rule missing the inner derivative 2x",
            advice="d/dx sin(x^2) = cos(x^2) * 2x", exercise="derivative_sin_x2", build=lambda x: np.cos(x ** 2)),
    # --- derivative_product, derivative_quotient (issue 15) ------------------
    Mistake(key="product_rule_missing_term", name="product rule missing a term",
            advice="d/dx [f g] = f' g + f g': with f = x^3, g = e^x both 3x^2 e^x and x^3 e^x appear",
            exercise="derivative_product",
            build=(lambda x: 3 * x ** 2 * np.exp(x), lambda x: x ** 3 * np.exp(x))),
    Mistake(key="product_rule_sign", name="product rule with a minus sign (f' g - f g', the quotient rule's form)",
            advice="the product rule adds its two terms: f' g + f g'", exercise="derivative_product",
            build=(lambda x: (3 * x ** 2 - x ** 3) * np.exp(x), lambda x: (x ** 3 - 3 * x ** 2) * np.exp(x))),
    Mistake(key="power_rule_wrong", name="power rule wrong: d/dx x^3 is 3x^2",
            advice="d/dx x^n = n x^(n-1): bring the exponent down as a factor and lower it by one",
            exercise="derivative_product",
            build=(lambda x: (x ** 2 + x ** 3) * np.exp(x), lambda x: 4 * x ** 3 * np.exp(x))),
    Mistake(key="quotient_rule_sign", name="quotient rule with the wrong sign",
            advice="d/dx [f / g] = (f' g - f g') / g^2: the derivative of the numerator comes first, then minus",
            exercise="derivative_quotient",
            build=(lambda x: (np.sin(x) * 2 * x - np.cos(x) * (1 + x ** 2)) / (1 + x ** 2) ** 2,
                   lambda x: (np.cos(x) * (1 + x ** 2) + np.sin(x) * 2 * x) / (1 + x ** 2) ** 2)),
    Mistake(key="quotient_rule_not_squared", name="quotient rule without the squared denominator",
            advice="divide by g^2 = (1 + x^2)^2, not by g", exercise="derivative_quotient",
            build=lambda x: (np.cos(x) * (1 + x ** 2) - np.sin(x) * 2 * x) / (1 + x ** 2)),
    Mistake(key="quotient_of_derivatives", name="derivative of a quotient taken as the quotient of the derivatives",
            advice="(f / g)' is not f' / g': use (f' g - f g') / g^2", exercise="derivative_quotient",
            build=lambda x: np.cos(x) / (2 * x)),
    # --- linear layer -----------------------------------------------------
    Mistake(key="linear_forward_missing_bias", name="bias missing in the forward pass (W @ x without + b)",
            advice="z = W @ x + b: b (d_out, 1) broadcasts over the batch", exercise="linear_forward",
            build=lambda W, x, b: W @ x),
    Mistake(key="bias_sum_wrong_axis", name="bias gradient summed over the features instead of the batch",
            advice="with column samples (x is (d_in, batch)) the batch is axis 1: dL_db = "
            "dL_dz.sum(axis=1, keepdims=True); "
            "the quick reference's axis=0 is for batch-first data",
            exercise="linear_backward", output="dL_db", build=lambda dz, W, x: dz.sum(axis=0),
            # the same wrong sum reshaped to a column ((batch, 1)) or a row is still the wrong axis
            symptom=lambda got, dz, W, x: _same_values(got, dz.sum(axis=0))),
    Mistake(key="bias_grad_zero", name="bias gradient missing: it is all zeros",
            advice="b gets a gradient like W: dL_db = dL_dz.sum(axis=1, keepdims=True)",
            exercise="linear_backward", output="dL_db", build=lambda dz, W, x: np.zeros((W.shape[0], 1))),
    Mistake(key="bias_grad_missing", name="bias gradient missing: linear_backward returns no dL_db",
            advice="return the three gradients (dL_dW, dL_dx, dL_db), dL_db = dL_dz.sum(axis=1, keepdims=True)",
            exercise="linear_backward", observed_by="linear_backward_part: a tuple of two values"),
    Mistake(key="bias_sum_wrong_axis_keepdims", name="bias gradient summed over the features instead of the batch",
            advice="with column samples the batch is axis 1: dL_db = dL_dz.sum(axis=1, keepdims=True)",
            exercise="linear_backward", output="dL_db", build=lambda dz, W, x: dz.sum(axis=0, keepdims=True)),
    Mistake(key="bias_not_summed", name="bias gradient not summed over the batch",
            advice="b is shared by every sample, so its gradient sums dL_dz over the batch: "
            "dz.sum(axis=1, keepdims=True)",
            exercise="linear_backward", output="dL_db", build=lambda dz, W, x: dz.copy()),
    Mistake(key="bias_flattened", name="bias gradient has lost its column shape",
            advice="keep the shape of b, (d_out, 1): sum with keepdims=True",
            exercise="linear_backward", output="dL_db", build=lambda dz, W, x: dz.sum(axis=1)),
    Mistake(key="bias_mean_over_batch", name="gradient off by the batch size (mean instead of sum)",
            advice="dL_dz already carries the loss's 1/batch; the layer itself only sums",
            exercise="linear_backward", output="dL_db", build=lambda dz, W, x: dz.mean(axis=1, keepdims=True)),
    Mistake(key="weight_grad_transposed", name="transposed weight gradient",
            advice="dL_dW must have W's shape (d_out, d_in): dL_dz @ x.T", exercise="linear_backward", output="dL_dW",
            build=lambda dz, W, x: x @ dz.T),
    Mistake(key="weight_grad_over_batch", name="gradient off by the batch size",
            advice="the layer does not divide by the batch: dL_dW = dL_dz @ x.T", exercise="linear_backward",
            output="dL_dW",
            build=lambda dz, W, x: dz @ x.T / x.shape[1]),
    Mistake(key="weight_grad_sign", name="sign error", advice="no minus sign: dL_dW = dL_dz @ x.T",
            exercise="linear_backward", output="dL_dW",
            build=lambda dz, W, x: -(dz @ x.T)),
    Mistake(key="input_grad_sign", name="sign error", advice="dL_dx = W.T @ dL_dz", exercise="linear_backward",
            output="dL_dx",
            build=lambda dz, W, x: -(W.T @ dz)),
    # --- activations --------------------------------------------------------
    Mistake(key="relu_grad_at_zero", name="ReLU derivative wrong at x == 0",
            advice="use the mask x > 0 (strictly): the derivative at 0 is taken as 0", exercise="relu_backward",
            build=lambda dy, x: dy * (x >= 0)),
    Mistake(key="relu_grad_mask_of_upstream", name="ReLU mask taken from the upstream gradient instead of x",
            advice="the mask is x > 0, applied to dL_dy", exercise="relu_backward", build=lambda dy, x: dy * (dy > 0)),
    Mistake(key="relu_grad_mask_only", name="ReLU derivative not multiplied by the upstream gradient",
            advice="chain rule: dL_dx = dL_dy * (x > 0)", exercise="relu_backward",
            build=lambda dy, x: (x > 0).astype(float)),
    Mistake(key="sigmoid_overflow", name="sigmoid overflow: exp(-x) overflows for large negative x",
            advice="use a stable form, e.g. exp(-|x|) and np.where on the sign of x", exercise="sigmoid",
            observed_by="no_warnings: the child's report of the call's warnings"),
    Mistake(key="sigmoid_grad_of_output", name="sigmoid derivative applied to x as if it were sigma(x)",
            advice="dL_dx = dL_dy * s * (1 - s) with s = sigmoid(x)", exercise="sigmoid_backward",
            build=lambda dy, x: dy * x * (1 - x)),
    Mistake(key="sigmoid_grad_no_upstream", name="derivative not multiplied by the upstream gradient",
            advice="chain rule: dL_dx = dL_dy * s * (1 - s)", exercise="sigmoid_backward",
            build=lambda dy, x: ref.sigmoid(x) * (1 - ref.sigmoid(x))),
    Mistake(key="tanh_grad_of_output", name="tanh derivative applied to x as if it were tanh(x)",
            advice="dL_dx = dL_dy * (1 - tanh(x)**2)", exercise="tanh_backward", build=lambda dy, x: dy * (1 - x ** 2)),
    Mistake(key="tanh_grad_not_squared", name="tanh derivative missing the square",
            advice="d tanh(x)/dx = 1 - tanh(x)**2", exercise="tanh_backward",
            build=lambda dy, x: dy * (1 - np.tanh(x))),
    Mistake(key="softmax_overflow", name="softmax overflow: no max subtraction",
            advice="subtract z.max(axis=axis, keepdims=True) before exp; softmax does not change", exercise="softmax",
            symptom=lambda p, z, axis=0: nonfinite(p) and _exp_overflows(z, axis)),
    Mistake(key="softmax_wrong_axis", name="softmax normalised over the wrong axis",
            advice="classes are on axis 0 (column samples): each column must sum to 1", exercise="softmax",
            build=lambda z, axis=0: ref.softmax(z, axis=1 - axis)),
    # --- softmax_backward (issue 15): the check calls known(..., dL_dp, p, axis)
    Mistake(key="softmax_backward_diagonal_only",
            name="softmax backward as p * dL_dp: only the diag(p) part of the Jacobian diag(p) - p p^T",
            advice="every p_k depends on every logit: dL_dz = p * (dL_dp - sum(dL_dp * p, axis, keepdims=True))",
            exercise="softmax_backward", build=lambda dy, p, axis=0: p * dy),
    Mistake(key="softmax_backward_elementwise",
            name="softmax treated as elementwise: dL_dp * p (1 - p) keeps only the Jacobian's diagonal",
            advice="softmax couples its outputs, unlike the sigmoid: the off-diagonal terms -p_i p_j give "
            "dL_dz = p * (dL_dp - sum(dL_dp * p, axis, keepdims=True))",
            exercise="softmax_backward", build=lambda dy, p, axis=0: dy * p * (1 - p)),
    Mistake(key="softmax_backward_wrong_axis", name="softmax backward summed over the wrong axis",
            advice="sum dL_dp * p along the classes, the axis softmax normalised (axis 0 for column samples), "
            "with keepdims=True", exercise="softmax_backward",
            build=lambda dy, p, axis=0: _softmax_vjp(dy, p, 1 - axis)),
    Mistake(key="softmax_backward_sign", name="sign error",
            advice="dL_dz = p * (dL_dp - sum(dL_dp * p)): the upstream gradient minus its p-weighted mean",
            exercise="softmax_backward", build=lambda dy, p, axis=0: -_softmax_vjp(dy, p, axis)),
    Mistake(key="softmax_backward_resoftmaxed", name="softmax applied again to p",
            advice="the function receives the probabilities p = softmax(z), not the logits: use p as it is",
            exercise="softmax_backward",
            build=lambda dy, p, axis=0: _softmax_vjp(dy, ref.softmax(p, axis), axis)),
    # --- losses -------------------------------------------------------------
    Mistake(key="ce_sum_not_mean", name="loss summed over the batch instead of averaged",
            advice="loss = mean over the batch of -sum_k y log p", exercise="softmax_cross_entropy", output="loss",
            build=lambda z, y: ref.softmax_cross_entropy(z, y)[0] * z.shape[1]),
    Mistake(key="ce_grad_missing_batch", name="gradient off by the batch size (loss and grads inconsistent)",
            advice="the loss averages over the batch, so dL_dlogits = (p - y) / batch",
            exercise="softmax_cross_entropy",
            output="dL_dlogits", build=lambda z, y: ref.softmax(z) - y),
    Mistake(key="ce_grad_sign", name="sign error", advice="dL_dlogits = (p - y) / batch",
            exercise="softmax_cross_entropy",
            output="dL_dlogits", build=lambda z, y: (y - ref.softmax(z)) / z.shape[1]),
    Mistake(key="ce_missing_minus", name="sign error: the minus sign of the cross-entropy is missing",
            advice="loss = -mean over the batch of sum_k y log p: log p <= 0, so the loss is >= 0",
            exercise="softmax_cross_entropy", output="loss", build=lambda z, y: -ref.softmax_cross_entropy(z, y)[0]),
    Mistake(key="ce_softmax_overflow", name="softmax overflow (no max subtraction): exp of large logits is inf, "
            "so p and the loss are NaN",
            advice="subtract z.max(axis=0, keepdims=True) before exp (softmax does not change), or compute "
            "log p = z - max - log(sum(exp(z - max))); clipping p cannot help, p itself is NaN",
            exercise="softmax_cross_entropy",
            observed_by="test_softmax_cross_entropy_saturated: the loss and the gradient are NaN or inf"),
    Mistake(key="ce_log_zero", name="log(0) in cross-entropy: probabilities that underflow to 0 give NaN or inf",
            advice="compute log-probabilities stably (z - max - log sum exp) or clip p before the log",
            exercise="softmax_cross_entropy", output="loss",
            symptom=lambda loss, z, y: nonfinite(loss) and bool(np.any(ref.softmax(z) == 0))),
    Mistake(key="mse_sum_not_mean", name="sum instead of mean", advice="MSE averages over all elements",
            exercise="mse_loss", build=lambda p, y: np.sum((p - y) ** 2)),
    Mistake(key="mse_loss_sign", name="sign error: the loss is negative",
            advice="MSE = mean((y_pred - y_true)^2) is never negative", exercise="mse_loss",
            build=lambda p, y: -ref.mse_loss(p, y)),
    Mistake(key="mse_grad_over_batch", name="gradient off by the batch size: divided by one axis, "
            "not by the number of elements",
            advice="mse_loss averages over ALL elements, so divide by y_pred.size, not y.shape[0] or the batch",
            exercise="mse_grad", build=(lambda p, y: 2 * (p - y) / p.shape[0], lambda p, y: 2 * (p - y) / p.shape[-1])),
    Mistake(key="mse_grad_missing_size", name="gradient off by the number of elements (loss and grads inconsistent)",
            advice="d/dp mean((p - y)^2) = 2 (p - y) / size", exercise="mse_grad", build=lambda p, y: 2 * (p - y)),
    Mistake(key="mse_grad_missing_two", name="gradient missing the factor 2", advice="d/dp (p - y)^2 = 2 (p - y)",
            exercise="mse_grad", build=lambda p, y: (p - y) / p.size),
    Mistake(key="mse_grad_sign", name="sign error",
            advice="the gradient points from the target to the prediction: 2 (p - y) / size",
            exercise="mse_grad", build=lambda p, y: 2 * (y - p) / p.size),
    Mistake(key="bce_no_clip", name="log(0) in cross-entropy (no clipping)",
            advice="clip p to [1e-12, 1 - 1e-12] before taking logs", exercise="bce_loss",
            symptom=lambda loss, p, y: nonfinite(loss) and saturated(p)),
    Mistake(key="bce_sum_not_mean", name="sum instead of mean", advice="BCE averages over all elements",
            exercise="bce_loss",
            build=lambda p, y: ref.bce_loss(p, y) * p.size),
    Mistake(key="bce_missing_minus", name="missing minus sign: the loss is negative",
            advice="BCE = -mean(y log p + (1 - y) log(1 - p))", exercise="bce_loss",
            build=lambda p, y: -ref.bce_loss(p, y)),
    Mistake(key="bce_grad_missing_size", name="gradient off by the number of elements (loss and grads inconsistent)",
            advice="the loss is a mean, so divide by p.size (the quick reference's formula omits it)",
            exercise="bce_grad", build=lambda p, y: ref.bce_grad(p, y) * p.size),
    Mistake(key="bce_grad_over_batch", name="gradient off by the batch size: divided by one axis, "
            "not by the number of elements",
            advice="the loss averages over ALL elements, so divide by p.size, not y.shape[0] or the batch",
            exercise="bce_grad", build=(lambda p, y: ref.bce_grad(p, y) * p.size / p.shape[0],
                                        lambda p, y: ref.bce_grad(p, y) * p.size / p.shape[-1])),
    Mistake(key="bce_grad_sign", name="sign error", advice="dL_dp = (p - y) / (p (1 - p)) / size", exercise="bce_grad",
            build=lambda p, y: -ref.bce_grad(p, y)),
    Mistake(key="bce_grad_no_clip", name="gradient not evaluated at the clipped p (inf or NaN at p = 0 or 1)",
            advice="clip p to [1e-12, 1 - 1e-12] first, as the loss does", exercise="bce_grad",
            symptom=lambda grad, p, y: nonfinite(grad) and saturated(p)),
    # --- bce_with_logits (issue 15) ------------------------------------------
    Mistake(key="bce_logits_log_sigmoid",
            name="BCE on logits as log(sigmoid(z)): overflow or log(0) for large |z|",
            advice="sigmoid(z) rounds to exactly 0 or 1 beyond |z| ~ 37, so log gives -inf (and exp(-z) overflows); "
            "use -log sigmoid(z) = softplus(-z) and -log(1 - sigmoid(z)) = softplus(z), with "
            "softplus(u) = np.logaddexp(0, u) = max(u, 0) + log1p(exp(-|u|))",
            exercise="bce_with_logits", output="loss",
            symptom=lambda loss, z, y: nonfinite(loss) and _large_logits(z)),
    Mistake(key="bce_logits_clipped", name="BCE on logits through clipped probabilities: capped at 27.6 per element",
            advice="clipping sigmoid(z) to [1e-12, 1 - 1e-12] makes the loss wrong for |z| above ~28; compute it "
            "from z with softplus (np.logaddexp(0, z)), no clipping", exercise="bce_with_logits", output="loss",
            build=lambda z, y: ref.bce_loss(ref.sigmoid(z), y)),
    Mistake(key="bce_logits_sum_not_mean", name="sum instead of mean", advice="the loss averages over all elements",
            exercise="bce_with_logits", output="loss", build=lambda z, y: ref.bce_with_logits(z, y)[0] * np.size(z)),
    Mistake(key="bce_logits_missing_minus", name="missing minus sign: the loss is negative",
            advice="BCE = -mean(y log p + (1 - y) log(1 - p)) is never negative",
            exercise="bce_with_logits", output="loss", build=lambda z, y: -ref.bce_with_logits(z, y)[0]),
    Mistake(key="bce_logits_grad_missing_size",
            name="gradient off by the number of elements (loss and grads inconsistent)",
            advice="the loss is a mean, so dL_dz = (sigmoid(z) - y) / z.size", exercise="bce_with_logits",
            output="dL_dz", build=lambda z, y: ref.sigmoid(z) - y),
    Mistake(key="bce_logits_grad_sign", name="sign error", advice="dL_dz = (sigmoid(z) - y) / size",
            exercise="bce_with_logits", output="dL_dz", build=lambda z, y: (y - ref.sigmoid(z)) / np.size(z)),
    Mistake(key="bce_logits_grad_wrt_p", name="gradient with respect to p = sigmoid(z), not the logit z",
            advice="chain through the sigmoid: (p - y) / (p (1 - p)) times p (1 - p) leaves (p - y) / size",
            exercise="bce_with_logits", output="dL_dz",
            build=lambda z, y: (ref.sigmoid(z) - y) / (ref.sigmoid(z) * (1 - ref.sigmoid(z))) / np.size(z)),
    Mistake(key="bce_logits_grad_overflow", name="sigmoid overflow in the gradient (NaN or inf for large |z|)",
            advice="compute sigmoid(z) stably (exp(-|z|) and np.where on the sign of z), e.g. with your sigmoid",
            exercise="bce_with_logits", output="dL_dz",
            symptom=lambda grad, z, y: nonfinite(grad) and _large_logits(z)),
    # --- MLP ----------------------------------------------------------------
    Mistake(key="mlp_forward_missing_bias", name="bias missing in the forward pass (W @ x without + b)",
            advice="each layer adds its bias: z1 = W1 @ x + b1, z2 = W2 @ h + b2", exercise="mlp_forward",
            build=(_mlp_without_bias("b1", "b2"), _mlp_without_bias("b1"), _mlp_without_bias("b2"))),
    Mistake(key="bias_grad_zero", name="bias gradient missing: it is all zeros",
            advice="dL_db = dL_dz.sum(axis=1, keepdims=True) for each layer", exercise="mlp_backward",
            build=_mlp_bias_grad_zero),
    Mistake(key="bias_grad_missing", name="bias gradient missing: no dL_db1 / dL_db2 in the returned dict",
            advice="return the gradients of every parameter: {'W1', 'b1', 'W2', 'b2'}",
            exercise="mlp_backward", observed_by="test_mlp_backward: a dict without the bias keys"),
    Mistake(key="mlp_grad_missing_batch", name="gradient off by the batch size (loss and grads inconsistent)",
            advice="the loss is the mean BCE over the batch: the output gradient carries 1/batch",
            exercise="mlp_backward", build=lambda params, x, y, key: _mlp_grad(params, x, y, key) * x.shape[1]),
    Mistake(key="weight_grad_transposed", name="transposed weight gradient",
            advice="each gradient has the shape of its parameter: dL_dW2 = dL_dz2 @ h.T, dL_dW1 = dL_dz1 @ x.T",
            exercise="mlp_backward", build=lambda params, x, y, key: _transposed(_mlp_grad(params, x, y, key))),
    Mistake(key="mutates_params", name="the function modifies its inputs",
            advice="never write into params, x or the upstream gradient: build new arrays",
            observed_by="inputs_unchanged: the child's report of mutated inputs"),
])

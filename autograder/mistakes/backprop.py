"""Known mistakes of lab 1.4.1 (manual backpropagation), column samples:
x is (d_in, batch), z = W @ x + b, b is (d_out, 1)."""
import numpy as np

from autograder.mistakes import Mistake
from autograder.references import backprop as ref


def _sigmoid_naive(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax_unshifted(z, axis=0):
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


MISTAKES = [
    # --- numerical_gradient, relative_error, derivative_sin_x2 ------------
    Mistake("forward_difference", "forward differences (f(x+eps) - f(x)) / eps",
            "use central differences (f(x+eps) - f(x-eps)) / (2 eps): their error is O(eps^2), not O(eps)",
            "numerical_gradient"),
    Mistake("mutates_input", "the function modifies its input array",
            "work on a copy (x = x.astype(float, copy=True)) or restore every entry you change",
            "numerical_gradient"),
    Mistake("absolute_error", "absolute error instead of relative error",
            "divide |a - b| by max(|a| + |b|, 1e-12) elementwise before taking the max",
            "relative_error", "", lambda a, b: np.max(np.abs(a - b))),
    Mistake("mean_not_max", "mean of the elementwise errors instead of their maximum",
            "the check must catch a single bad entry: take the max", "relative_error", "",
            lambda a, b: np.mean(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12))),
    Mistake("missing_chain_factor", "chain rule missing the inner derivative 2x",
            "d/dx sin(x^2) = cos(x^2) * 2x", "derivative_sin_x2", "", lambda x: np.cos(x ** 2)),
    # --- linear layer -----------------------------------------------------
    Mistake("bias_sum_wrong_axis", "bias gradient summed over the features instead of the batch",
            "with column samples (x is (d_in, batch)) the batch is axis 1: dL_db = dL_dz.sum(axis=1, keepdims=True); "
            "the quick reference's axis=0 is for batch-first data",
            "linear_backward", "dL_db", lambda dz, W, x: dz.sum(axis=0)),
    Mistake("bias_sum_wrong_axis_keepdims", "bias gradient summed over the features instead of the batch",
            "with column samples the batch is axis 1: dL_db = dL_dz.sum(axis=1, keepdims=True)",
            "linear_backward", "dL_db", lambda dz, W, x: dz.sum(axis=0, keepdims=True)),
    Mistake("bias_not_summed", "bias gradient not summed over the batch",
            "b is shared by every sample, so its gradient sums dL_dz over the batch: dz.sum(axis=1, keepdims=True)",
            "linear_backward", "dL_db", lambda dz, W, x: dz.copy()),
    Mistake("bias_flattened", "bias gradient has lost its column shape",
            "keep the shape of b, (d_out, 1): sum with keepdims=True",
            "linear_backward", "dL_db", lambda dz, W, x: dz.sum(axis=1)),
    Mistake("bias_mean_over_batch", "gradient off by the batch size (mean instead of sum)",
            "dL_dz already carries the loss's 1/batch; the layer itself only sums",
            "linear_backward", "dL_db", lambda dz, W, x: dz.mean(axis=1, keepdims=True)),
    Mistake("weight_grad_transposed", "transposed weight gradient",
            "dL_dW must have W's shape (d_out, d_in): dL_dz @ x.T", "linear_backward", "dL_dW",
            lambda dz, W, x: x @ dz.T),
    Mistake("weight_grad_over_batch", "gradient off by the batch size",
            "the layer does not divide by the batch: dL_dW = dL_dz @ x.T", "linear_backward", "dL_dW",
            lambda dz, W, x: dz @ x.T / x.shape[1]),
    Mistake("weight_grad_sign", "sign error", "no minus sign: dL_dW = dL_dz @ x.T", "linear_backward", "dL_dW",
            lambda dz, W, x: -(dz @ x.T)),
    Mistake("input_grad_sign", "sign error", "dL_dx = W.T @ dL_dz", "linear_backward", "dL_dx",
            lambda dz, W, x: -(W.T @ dz)),
    # --- activations --------------------------------------------------------
    Mistake("relu_grad_at_zero", "ReLU derivative wrong at x == 0",
            "use the mask x > 0 (strictly): the derivative at 0 is taken as 0", "relu_backward", "",
            lambda dy, x: dy * (x >= 0)),
    Mistake("relu_grad_mask_of_upstream", "ReLU mask taken from the upstream gradient instead of x",
            "the mask is x > 0, applied to dL_dy", "relu_backward", "", lambda dy, x: dy * (dy > 0)),
    Mistake("relu_grad_mask_only", "ReLU derivative not multiplied by the upstream gradient",
            "chain rule: dL_dx = dL_dy * (x > 0)", "relu_backward", "", lambda dy, x: (x > 0).astype(float)),
    Mistake("sigmoid_overflow", "sigmoid overflow: exp(-x) overflows for large negative x",
            "use a stable form, e.g. exp(-|x|) and np.where on the sign of x", "sigmoid"),
    Mistake("sigmoid_grad_of_output", "sigmoid derivative applied to x as if it were sigma(x)",
            "dL_dx = dL_dy * s * (1 - s) with s = sigmoid(x)", "sigmoid_backward", "",
            lambda dy, x: dy * x * (1 - x)),
    Mistake("sigmoid_grad_no_upstream", "derivative not multiplied by the upstream gradient",
            "chain rule: dL_dx = dL_dy * s * (1 - s)", "sigmoid_backward", "",
            lambda dy, x: ref.sigmoid(x) * (1 - ref.sigmoid(x))),
    Mistake("tanh_grad_of_output", "tanh derivative applied to x as if it were tanh(x)",
            "dL_dx = dL_dy * (1 - tanh(x)**2)", "tanh_backward", "", lambda dy, x: dy * (1 - x ** 2)),
    Mistake("tanh_grad_not_squared", "tanh derivative missing the square",
            "d tanh(x)/dx = 1 - tanh(x)**2", "tanh_backward", "", lambda dy, x: dy * (1 - np.tanh(x))),
    Mistake("softmax_overflow", "softmax overflow: no max subtraction",
            "subtract z.max(axis=axis, keepdims=True) before exp; softmax does not change", "softmax"),
    Mistake("softmax_wrong_axis", "softmax normalised over the wrong axis",
            "classes are on axis 0 (column samples): each column must sum to 1", "softmax", "",
            lambda z, axis=0: ref.softmax(z, axis=1 - axis)),
    # --- losses -------------------------------------------------------------
    Mistake("ce_sum_not_mean", "loss summed over the batch instead of averaged",
            "loss = mean over the batch of -sum_k y log p", "softmax_cross_entropy", "loss",
            lambda z, y: ref.softmax_cross_entropy(z, y)[0] * z.shape[1]),
    Mistake("ce_grad_missing_batch", "gradient off by the batch size (loss and grads inconsistent)",
            "the loss averages over the batch, so dL_dlogits = (p - y) / batch", "softmax_cross_entropy",
            "dL_dlogits", lambda z, y: ref.softmax(z) - y),
    Mistake("ce_grad_sign", "sign error", "dL_dlogits = (p - y) / batch", "softmax_cross_entropy",
            "dL_dlogits", lambda z, y: (y - ref.softmax(z)) / z.shape[1]),
    Mistake("ce_log_zero", "log(0) in cross-entropy: probabilities that underflow to 0 give NaN or inf",
            "compute log-probabilities stably (z - max - log sum exp) or clip p before the log",
            "softmax_cross_entropy", "loss"),
    Mistake("mse_sum_not_mean", "sum instead of mean", "MSE averages over all elements",
            "mse_loss", "", lambda p, y: np.sum((p - y) ** 2)),
    Mistake("mse_grad_missing_size", "gradient off by the number of elements (loss and grads inconsistent)",
            "d/dp mean((p - y)^2) = 2 (p - y) / size", "mse_grad", "", lambda p, y: 2 * (p - y)),
    Mistake("mse_grad_missing_two", "gradient missing the factor 2", "d/dp (p - y)^2 = 2 (p - y)",
            "mse_grad", "", lambda p, y: (p - y) / p.size),
    Mistake("mse_grad_sign", "sign error", "the gradient points from the target to the prediction: 2 (p - y) / size",
            "mse_grad", "", lambda p, y: 2 * (y - p) / p.size),
    Mistake("bce_no_clip", "log(0) in cross-entropy (no clipping)",
            "clip p to [1e-12, 1 - 1e-12] before taking logs", "bce_loss"),
    Mistake("bce_sum_not_mean", "sum instead of mean", "BCE averages over all elements", "bce_loss", "",
            lambda p, y: ref.bce_loss(p, y) * p.size),
    Mistake("bce_missing_minus", "missing minus sign: the loss is negative",
            "BCE = -mean(y log p + (1 - y) log(1 - p))", "bce_loss", "", lambda p, y: -ref.bce_loss(p, y)),
    Mistake("bce_grad_missing_size", "gradient off by the number of elements (loss and grads inconsistent)",
            "the loss is a mean, so divide by p.size (the quick reference's formula omits it)",
            "bce_grad", "", lambda p, y: ref.bce_grad(p, y) * p.size),
    Mistake("bce_grad_sign", "sign error", "dL_dp = (p - y) / (p (1 - p)) / size", "bce_grad", "",
            lambda p, y: -ref.bce_grad(p, y)),
    Mistake("bce_grad_no_clip", "gradient not evaluated at the clipped p (inf or NaN at p = 0 or 1)",
            "clip p to [1e-12, 1 - 1e-12] first, as the loss does", "bce_grad"),
    # --- MLP ----------------------------------------------------------------
    Mistake("mlp_grad_missing_batch", "gradient off by the batch size (loss and grads inconsistent)",
            "the loss is the mean BCE over the batch: the output gradient carries 1/batch", "mlp_backward"),
    Mistake("mutates_params", "the function modifies its inputs",
            "never write into params, x or the upstream gradient: build new arrays", ""),
]

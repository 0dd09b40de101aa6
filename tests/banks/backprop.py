"""Lab 1.4.1 (manual backpropagation): implementations the hidden tests must judge.

Column samples throughout: x is (d_in, batch), b is (d_out, 1). WRONG variants
must lose points, naming their mistake when it has a key (keys are those of
autograder/mistakes/backprop.py); RIGHT variants are other correct
formulations that must keep full marks. Each variant runs beside the reference
solutions of the lab's other functions, so the mlp_backward variants read the
reference cache (x, h, y_hat) and the train_xor variants call the reference
mlp_forward / mlp_backward.

Some mistakes only show on the inputs the contract singles out: exact zeros
(`relu_grad_at_zero`), |x| up to 1e4 (`sigmoid_overflow`: the naive
1 / (1 + exp(-x)) returns the right values but warns about overflow),
logits 1e4 apart (`softmax_overflow`), logits 1e3 apart (`ce_log_zero`) and
p exactly 0 or 1 (`bce_no_clip`, `bce_grad_no_clip`).
"""
import numpy as np

from tests.banks import Bank

bank = Bank()


# # WRONG: each variant must lose points, naming its mistake when it has a key


# ## numerical_gradient

@bank.wrong("forward_difference")
def numerical_gradient(f, x, eps=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    f0 = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - f0) / eps
        x[i] = old
    return grad


@bank.wrong("mutates_input")
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += eps
        f_plus = f(x)
        x[i] -= 2 * eps
        f_minus = f(x)          # x[i] is never put back
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


@bank.wrong()
def numerical_gradient(f, x, eps=1e-5):
    # divides by eps instead of 2 eps: twice the gradient
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (f(x + step) - f(x - step)) / eps
    return grad


@bank.wrong()
def numerical_gradient(f, x, eps=1e-5):
    # ignores its eps argument
    h = 1e-5
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


# ## relative_error

@bank.wrong("absolute_error")
def relative_error(a, b):
    return float(np.max(np.abs(a - b)))


@bank.wrong("mean_not_max")
def relative_error(a, b):
    return float(np.mean(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))


@bank.wrong()
def relative_error(a, b):
    # no floor in the denominator: 0 / 0 = nan for two zero entries
    return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))


@bank.wrong()
def relative_error(a, b):
    # max(|a|, |b|) instead of |a| + |b|
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-12)))


# ## derivative_sin_x2

@bank.wrong("missing_chain_factor")
def derivative_sin_x2(x):
    return np.cos(x ** 2)


@bank.wrong()
def derivative_sin_x2(x):
    # inner and outer functions swapped
    return 2 * x * np.cos(x)


# ## derivative_product, derivative_quotient (issue 15)

@bank.wrong("product_rule_missing_term")
def derivative_product(x):
    return 3 * x ** 2 * np.exp(x)                        # f' g only


@bank.wrong("product_rule_missing_term")
def derivative_product(x):
    return x ** 3 * np.exp(x)                            # f g' only (e^x is its own derivative)


@bank.wrong("product_rule_sign")
def derivative_product(x):
    return 3 * x ** 2 * np.exp(x) - x ** 3 * np.exp(x)


@bank.wrong("power_rule_wrong")
def derivative_product(x):
    return (x ** 2 + x ** 3) * np.exp(x)                 # d/dx x^3 taken as x^2


@bank.wrong()
def derivative_product(x):
    return 3 * x ** 2 * np.exp(x - 1)                    # d/dx e^x taken as x e^(x-1), a power rule


@bank.wrong("quotient_rule_sign")
def derivative_quotient(x):
    g = 1 + x ** 2
    return (np.sin(x) * 2 * x - np.cos(x) * g) / g ** 2  # f g' - f' g


@bank.wrong("quotient_rule_sign")
def derivative_quotient(x):
    g = 1 + x ** 2
    return (np.cos(x) * g + np.sin(x) * 2 * x) / g ** 2  # plus, as in the product rule


@bank.wrong("quotient_rule_not_squared")
def derivative_quotient(x):
    g = 1 + x ** 2
    return (np.cos(x) * g - np.sin(x) * 2 * x) / g


@bank.wrong("quotient_of_derivatives")
def derivative_quotient(x):
    return np.cos(x) / (2 * x)


@bank.wrong()
def derivative_quotient(x):
    g = 1 + x ** 2
    return (-np.sin(x) * g - np.sin(x) * 2 * x) / g ** 2  # d/dx sin(x) taken as -sin(x)


# ## linear_forward

@bank.wrong("linear_forward_missing_bias")
def linear_forward(W, x, b):
    return W @ x            # bias forgotten


@bank.wrong()
def linear_forward(W, x, b):
    return x.T @ W.T + b.T  # batch-first result, (batch, d_out)


# ## linear_backward

@bank.wrong("bias_sum_wrong_axis")
def linear_backward(dL_dz, W, x):
    return dL_dz @ x.T, W.T @ dL_dz, dL_dz.sum(axis=0)   # the quick reference's axis


@bank.wrong("bias_sum_wrong_axis_keepdims")
def linear_backward(dL_dz, W, x):
    return dL_dz @ x.T, W.T @ dL_dz, np.sum(dL_dz, axis=0, keepdims=True)


@bank.wrong("bias_not_summed")
def linear_backward(dL_dz, W, x):
    dL_db = dL_dz.copy()    # one bias gradient per sample
    return dL_dz @ x.T, W.T @ dL_dz, dL_db


@bank.wrong("bias_flattened")
def linear_backward(dL_dz, W, x):
    return dL_dz @ x.T, W.T @ dL_dz, dL_dz.sum(axis=1)


@bank.wrong("bias_mean_over_batch")
def linear_backward(dL_dz, W, x):
    return dL_dz @ x.T, W.T @ dL_dz, dL_dz.mean(axis=1, keepdims=True)


@bank.wrong("weight_grad_transposed")
def linear_backward(dL_dz, W, x):
    return x @ dL_dz.T, W.T @ dL_dz, dL_dz.sum(axis=1, keepdims=True)


@bank.wrong("weight_grad_over_batch")
def linear_backward(dL_dz, W, x):
    batch = x.shape[1]
    return dL_dz @ x.T / batch, W.T @ dL_dz, dL_dz.sum(axis=1, keepdims=True)


@bank.wrong("weight_grad_sign")
def linear_backward(dL_dz, W, x):
    return -dL_dz @ x.T, W.T @ dL_dz, dL_dz.sum(axis=1, keepdims=True)


@bank.wrong("input_grad_sign")
def linear_backward(dL_dz, W, x):
    return dL_dz @ x.T, -W.T @ dL_dz, dL_dz.sum(axis=1, keepdims=True)


@bank.wrong("bias_sum_wrong_axis")
def linear_backward(dL_dz, W, x):
    return dL_dz @ x.T, W.T @ dL_dz, np.sum(dL_dz, axis=0).reshape(-1, 1)   # a column, of the wrong sum


@bank.wrong("bias_grad_zero")
def linear_backward(dL_dz, W, x):
    return dL_dz @ x.T, W.T @ dL_dz, np.zeros((W.shape[0], 1))


@bank.wrong("bias_grad_missing")
def linear_backward(dL_dz, W, x):
    return dL_dz @ x.T, W.T @ dL_dz


@bank.wrong()
def linear_backward(dL_dz, W, x):
    # dL_dx in batch-first layout, (batch, d_in)
    return dL_dz @ x.T, dL_dz.T @ W, dL_dz.sum(axis=1, keepdims=True)


# ## relu

@bank.wrong()
def relu(x):
    return np.abs(x)


@bank.wrong()
def relu(x):
    return np.maximum(x, 0.01 * x)   # leaky ReLU


# ## relu_backward

@bank.wrong("relu_grad_at_zero")
def relu_backward(dL_dy, x):
    return dL_dy * (x >= 0)


@bank.wrong("relu_grad_mask_of_upstream")
def relu_backward(dL_dy, x):
    return dL_dy * (dL_dy > 0)


@bank.wrong("relu_grad_mask_only")
def relu_backward(dL_dy, x):
    return (x > 0).astype(float)


@bank.wrong("mutates_params")
def relu_backward(dL_dy, x):
    dL_dy[x <= 0] = 0.0     # right values, but written into the caller's array
    return dL_dy


# ## sigmoid

@bank.wrong("sigmoid_overflow")
def sigmoid(x):
    return 1 / (1 + np.exp(-x))      # exp(1e4) overflows: the value 0 is right, the warning is not


@bank.wrong("sigmoid_overflow")
def sigmoid(x):
    e = np.exp(x)
    return e / (1 + e)               # inf / inf = nan at x = 1e4


@bank.wrong()
def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, e / (1 + e), 1 / (1 + e))   # branches swapped: sigmoid(-x)


# ## sigmoid_backward

@bank.wrong("sigmoid_grad_of_output")
def sigmoid_backward(dL_dy, x):
    return dL_dy * x * (1 - x)


@bank.wrong("sigmoid_grad_no_upstream")
def sigmoid_backward(dL_dy, x):
    s = sigmoid(x)
    return s * (1 - s)


@bank.wrong()
def sigmoid_backward(dL_dy, x):
    s = sigmoid(x)
    return dL_dy * s * (1 + s)


# ## tanh_backward

@bank.wrong("tanh_grad_of_output")
def tanh_backward(dL_dy, x):
    return dL_dy * (1 - x ** 2)


@bank.wrong("tanh_grad_not_squared")
def tanh_backward(dL_dy, x):
    return dL_dy * (1 - np.tanh(x))


@bank.wrong()
def tanh_backward(dL_dy, x):
    return dL_dy * (np.tanh(x) ** 2 - 1)    # sign error


# ## softmax

@bank.wrong("softmax_overflow")
def softmax(z, axis=0):
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


@bank.wrong("softmax_wrong_axis")
def softmax(z, axis=0):
    # batch-first habit: normalises each row, whatever axis asks for
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@bank.wrong("mutates_params")
def softmax(z, axis=0):
    z -= z.max(axis=axis, keepdims=True)    # shifts the caller's array in place
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


@bank.wrong()
def softmax(z, axis=0):
    e = np.exp(z - z.max())
    return e / e.sum()      # normalised over the whole array


# ## softmax_backward (issue 15)

@bank.wrong("softmax_backward_diagonal_only")
def softmax_backward(dL_dp, p, axis=0):
    return p * dL_dp


@bank.wrong("softmax_backward_elementwise")
def softmax_backward(dL_dp, p, axis=0):
    return dL_dp * p * (1 - p)                           # as if softmax were a sigmoid


@bank.wrong("softmax_backward_wrong_axis")
def softmax_backward(dL_dp, p, axis=0):
    return p * (dL_dp - np.sum(dL_dp * p, axis=1, keepdims=True))   # batch-first habit


@bank.wrong("softmax_backward_sign")
def softmax_backward(dL_dp, p, axis=0):
    return p * (np.sum(dL_dp * p, axis=axis, keepdims=True) - dL_dp)


@bank.wrong("softmax_backward_resoftmaxed")
def softmax_backward(dL_dp, p, axis=0):
    s = softmax(p, axis=axis)                            # p is already softmax(z)
    return s * (dL_dp - np.sum(dL_dp * s, axis=axis, keepdims=True))


@bank.wrong("mutates_params")
def softmax_backward(dL_dp, p, axis=0):
    dL_dp -= np.sum(dL_dp * p, axis=axis, keepdims=True)   # right values, written into the caller's array
    return p * dL_dp


@bank.wrong()
def softmax_backward(dL_dp, p, axis=0):
    return p * (dL_dp - np.sum(dL_dp * p))               # one sum over the whole batch


@bank.wrong()
def softmax_backward(dL_dp, p, axis=0):
    return p * (dL_dp - np.sum(dL_dp * p, axis=axis))    # no keepdims: right for axis=0 only, by broadcasting


# ## softmax_cross_entropy

@bank.wrong("ce_sum_not_mean")
def softmax_cross_entropy(logits, y_true):
    shifted = logits - logits.max(axis=0, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    return float(-np.sum(y_true * log_p)), np.exp(log_p) - y_true


@bank.wrong("ce_grad_missing_batch")
def softmax_cross_entropy(logits, y_true):
    shifted = logits - logits.max(axis=0, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    loss = -np.sum(y_true * log_p) / logits.shape[1]
    return float(loss), np.exp(log_p) - y_true       # the quick reference's gradient


@bank.wrong("ce_grad_sign")
def softmax_cross_entropy(logits, y_true):
    batch = logits.shape[1]
    shifted = logits - logits.max(axis=0, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    return float(-np.sum(y_true * log_p) / batch), (y_true - np.exp(log_p)) / batch


@bank.wrong("ce_missing_minus")
def softmax_cross_entropy(logits, y_true):
    batch = logits.shape[1]
    shifted = logits - logits.max(axis=0, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    return float(np.sum(y_true * log_p) / batch), (np.exp(log_p) - y_true) / batch   # the minus dropped


@bank.wrong("ce_softmax_overflow")
def softmax_cross_entropy(logits, y_true):
    batch = logits.shape[1]
    e = np.exp(logits)                               # no max subtraction: exp(1000) = inf, inf / inf = nan
    p = np.clip(e / e.sum(axis=0, keepdims=True), 1e-12, 1.0)
    return float(-np.sum(y_true * np.log(p)) / batch), (p - y_true) / batch


@bank.wrong("ce_log_zero")
def softmax_cross_entropy(logits, y_true):
    batch = logits.shape[1]
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    p = e / e.sum(axis=0, keepdims=True)
    loss = -np.sum(y_true * np.log(p)) / batch       # p underflows to 0: 0 * log(0) = nan
    return float(loss), (p - y_true) / batch


@bank.wrong()
def softmax_cross_entropy(logits, y_true):
    # softmax over the batch axis instead of the classes
    batch = logits.shape[1]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return float(-np.sum(y_true * np.log(p)) / batch), (p - y_true) / batch


# ## mse_loss

@bank.wrong("mse_loss_sign")
def mse_loss(y_pred, y_true):
    return float(-np.mean((y_pred - y_true) ** 2))


@bank.wrong("mse_sum_not_mean")
def mse_loss(y_pred, y_true):
    return float(np.sum((y_pred - y_true) ** 2))


@bank.wrong()
def mse_loss(y_pred, y_true):
    return float(np.mean((y_pred - y_true) ** 2) / 2)   # the "half MSE" convention


@bank.wrong()
def mse_loss(y_pred, y_true):
    return float(np.mean(np.abs(y_pred - y_true)))


# ## mse_grad

@bank.wrong("mse_grad_missing_size")
def mse_grad(y_pred, y_true):
    return 2 * (y_pred - y_true)


@bank.wrong("mse_grad_missing_two")
def mse_grad(y_pred, y_true):
    return (y_pred - y_true) / y_pred.size


@bank.wrong("mse_grad_sign")
def mse_grad(y_pred, y_true):
    return 2 * (y_true - y_pred) / y_pred.size


@bank.wrong("mse_grad_over_batch")
def mse_grad(y_pred, y_true):
    return 2 * (y_pred - y_true) / y_pred.shape[-1]   # divides by the batch, not the size


@bank.wrong("mse_grad_over_batch")
def mse_grad(y_pred, y_true):
    return 2 * (y_pred - y_true) / y_true.shape[0]    # divides by one axis, not the size


# ## bce_loss

@bank.wrong("bce_no_clip")
def bce_loss(p, y_true):
    return float(-np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))


@bank.wrong("bce_sum_not_mean")
def bce_loss(p, y_true):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.sum(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))


@bank.wrong("bce_missing_minus")
def bce_loss(p, y_true):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))


# ## bce_grad

@bank.wrong("bce_grad_missing_size")
def bce_grad(p, y_true):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return (p - y_true) / (p * (1 - p))              # the quick reference's formula: no 1/n


@bank.wrong("bce_grad_sign")
def bce_grad(p, y_true):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return (y_true - p) / (p * (1 - p)) / p.size


@bank.wrong("bce_grad_no_clip")
def bce_grad(p, y_true):
    return (p - y_true) / (p * (1 - p)) / p.size


@bank.wrong()
def bce_grad(p, y_true):
    return (p - y_true) / p.size     # the gradient w.r.t. the logit, not w.r.t. p


@bank.wrong("bce_grad_over_batch")
def bce_grad(p, y_true):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return (p - y_true) / (p * (1 - p)) / y_true.shape[0]   # one axis, not the number of elements


# ## bce_with_logits (issue 15)

@bank.wrong("bce_logits_log_sigmoid")
def bce_with_logits(z, y_true):
    p = sigmoid(z)                                       # exactly 0 or 1 for large |z|: log(0)
    loss = -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
    return float(loss), (p - y_true) / z.size


@bank.wrong("bce_logits_log_sigmoid")
def bce_with_logits(z, y_true):
    loss = np.mean(np.log(1 + np.exp(z)) - y_true * z)   # softplus without the max: exp(1e4) = inf
    return float(loss), (sigmoid(z) - y_true) / z.size


@bank.wrong("bce_logits_clipped")
def bce_with_logits(z, y_true):
    p = np.clip(sigmoid(z), 1e-12, 1 - 1e-12)
    loss = -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
    return float(loss), (sigmoid(z) - y_true) / z.size


@bank.wrong("bce_logits_sum_not_mean")
def bce_with_logits(z, y_true):
    loss = np.sum(np.logaddexp(0.0, z) - y_true * z)
    return float(loss), (sigmoid(z) - y_true) / z.size


@bank.wrong("bce_logits_missing_minus")
def bce_with_logits(z, y_true):
    loss = np.mean(y_true * z - np.logaddexp(0.0, z))
    return float(loss), (sigmoid(z) - y_true) / z.size


@bank.wrong("bce_logits_grad_missing_size")
def bce_with_logits(z, y_true):
    return float(np.mean(np.logaddexp(0.0, z) - y_true * z)), sigmoid(z) - y_true


@bank.wrong("bce_logits_grad_sign")
def bce_with_logits(z, y_true):
    return float(np.mean(np.logaddexp(0.0, z) - y_true * z)), (y_true - sigmoid(z)) / z.size


@bank.wrong("bce_logits_grad_wrt_p")
def bce_with_logits(z, y_true):
    p = sigmoid(z)
    return float(np.mean(np.logaddexp(0.0, z) - y_true * z)), (p - y_true) / (p * (1 - p)) / z.size


@bank.wrong("bce_logits_grad_overflow")
def bce_with_logits(z, y_true):
    e = np.exp(z)
    return float(np.mean(np.logaddexp(0.0, z) - y_true * z)), (e / (1 + e) - y_true) / z.size   # inf / inf


@bank.right()
def bce_with_logits(z, y_true):
    # np.where evaluates both branches, so exp(-z) overflows (a RuntimeWarning) where z is very negative, but the
    # values kept are exact: SPEC asks bce_with_logits to be finite and exact, not warning-free (sigmoid's row does)
    softplus = np.where(z > 0, z + np.log1p(np.exp(-z)), np.log1p(np.exp(z)))
    return float(np.mean(softplus - y_true * z)), (sigmoid(z) - y_true) / z.size


@bank.wrong("mutates_params")
def bce_with_logits(z, y_true):
    loss = float(np.mean(np.logaddexp(0.0, z) - y_true * z))
    z -= y_true                                          # reuses z's memory for the gradient
    return loss, (sigmoid(z + y_true) - y_true) / z.size


@bank.wrong()
def bce_with_logits(z, y_true):
    loss = float(np.mean(np.logaddexp(0.0, z) - y_true * z))
    return loss, (sigmoid(z) - y_true) / z.shape[1]      # divides by the batch, not the number of elements


# ## mlp_forward

@bank.wrong()
def mlp_forward(params, x):
    h = np.maximum(params["W1"] @ x + params["b1"], 0.0)       # ReLU hidden layer, not tanh
    y_hat = sigmoid(params["W2"] @ h + params["b2"])
    return y_hat, (x, h, y_hat)


@bank.wrong()
def mlp_forward(params, x):
    h = sigmoid(params["W1"] @ x + params["b1"])               # sigmoid hidden layer, not tanh
    y_hat = sigmoid(params["W2"] @ h + params["b2"])
    return y_hat, (x, h, y_hat)


@bank.wrong("mlp_forward_missing_bias")
def mlp_forward(params, x):
    h = np.tanh(params["W1"] @ x + params["b1"])
    y_hat = sigmoid(params["W2"] @ h)                          # b2 forgotten
    return y_hat, (x, h, y_hat)


# ## mlp_backward (the reference cache is (x, h, y_hat))

@bank.wrong("mlp_grad_missing_batch")
def mlp_backward(params, cache, y_true):
    x, h, y_hat = cache
    dz2 = y_hat - y_true                                       # no 1/batch for the mean loss
    dz1 = (params["W2"].T @ dz2) * (1 - h ** 2)
    return {"W1": dz1 @ x.T, "b1": dz1.sum(axis=1, keepdims=True),
            "W2": dz2 @ h.T, "b2": dz2.sum(axis=1, keepdims=True)}


@bank.wrong("bias_grad_zero")
def mlp_backward(params, cache, y_true):
    x, h, y_hat = cache
    dz2 = (y_hat - y_true) / y_hat.shape[1]
    dz1 = (params["W2"].T @ dz2) * (1 - h ** 2)
    return {"W1": dz1 @ x.T, "b1": np.zeros_like(params["b1"]), "W2": dz2 @ h.T, "b2": np.zeros((1, 1))}


@bank.wrong("bias_grad_missing")
def mlp_backward(params, cache, y_true):
    x, h, y_hat = cache
    dz2 = (y_hat - y_true) / y_hat.shape[1]
    dz1 = (params["W2"].T @ dz2) * (1 - h ** 2)
    return {"W1": dz1 @ x.T, "W2": dz2 @ h.T}                  # no bias gradients at all


@bank.wrong("weight_grad_transposed")
def mlp_backward(params, cache, y_true):
    x, h, y_hat = cache
    dz2 = (y_hat - y_true) / y_hat.shape[1]
    dz1 = (params["W2"].T @ dz2) * (1 - h ** 2)
    return {"W1": x @ dz1.T, "b1": dz1.sum(axis=1, keepdims=True),
            "W2": h @ dz2.T, "b2": dz2.sum(axis=1, keepdims=True)}


@bank.wrong("mutates_params")
def mlp_backward(params, cache, y_true):
    x, h, y_hat = cache
    dz2 = y_hat                      # an alias, not a copy: the next lines rewrite the cache
    dz2 -= y_true
    dz2 /= y_hat.shape[1]
    dz1 = (params["W2"].T @ dz2) * (1 - h ** 2)
    return {"W1": dz1 @ x.T, "b1": dz1.sum(axis=1, keepdims=True),
            "W2": dz2 @ h.T, "b2": dz2.sum(axis=1, keepdims=True)}


@bank.wrong()
def mlp_backward(params, cache, y_true):
    x, h, y_hat = cache
    dz2 = (y_hat - y_true) / y_hat.shape[1]
    dz1 = (params["W2"].T @ dz2) * (1 - np.tanh(h) ** 2)      # tanh' taken at h = tanh(z1), not at z1
    return {"W1": dz1 @ x.T, "b1": dz1.sum(axis=1, keepdims=True),
            "W2": dz2 @ h.T, "b2": dz2.sum(axis=1, keepdims=True)}


@bank.wrong()
def mlp_backward(params, cache, y_true):
    x, h, y_hat = cache
    dz2 = (y_hat - y_true) / y_hat.shape[1]
    dz1 = (params["W2"].T @ dz2) * (1 - h ** 2)
    return {"W1": dz1 @ x.T, "b1": dz1.sum(axis=0, keepdims=True),   # biases summed over the features
            "W2": dz2 @ h.T, "b2": dz2.sum(axis=0, keepdims=True)}


# ## train_xor (reference mlp_forward / mlp_backward in the namespace)

@bank.wrong()
def train_xor(seed=0):
    # the original recipe: 2 hidden units stall at 50-75% from some seeds (seed 0 among them)
    rng = np.random.default_rng(seed)
    x = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    y = np.array([[0.0, 1.0, 1.0, 0.0]])
    params = {"W1": rng.standard_normal((2, 2)), "b1": np.zeros((2, 1)),
              "W2": rng.standard_normal((1, 2)), "b2": np.zeros((1, 1))}
    for _ in range(2000):
        grads = mlp_backward(params, mlp_forward(params, x)[1], y)
        params = {k: params[k] - 1.0 * grads[k] for k in params}
    return params


@bank.wrong()
def train_xor(seed=0):
    # gradient ascent: the sign of the update is wrong
    rng = np.random.default_rng(seed)
    x = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    y = np.array([[0.0, 1.0, 1.0, 0.0]])
    params = {"W1": rng.standard_normal((8, 2)), "b1": np.zeros((8, 1)),
              "W2": rng.standard_normal((1, 8)), "b2": np.zeros((1, 1))}
    for _ in range(1000):
        grads = mlp_backward(params, mlp_forward(params, x)[1], y)
        params = {k: params[k] + 1.0 * grads[k] for k in params}
    return params


@bank.wrong()
def train_xor(seed=0):
    # zero initialisation: every hidden unit stays identical (and here, silent)
    x = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    y = np.array([[0.0, 1.0, 1.0, 0.0]])
    params = {"W1": np.zeros((8, 2)), "b1": np.zeros((8, 1)), "W2": np.zeros((1, 8)), "b2": np.zeros((1, 1))}
    for _ in range(1000):
        grads = mlp_backward(params, mlp_forward(params, x)[1], y)
        params = {k: params[k] - 1.0 * grads[k] for k in params}
    return params


# # RIGHT: other correct formulations, each must keep full marks


@bank.right()
def numerical_gradient(f, x, eps=1e-5):
    # one basis direction at a time, on fresh arrays: x is only ever read
    x = np.asarray(x, dtype=float)
    grad = np.empty(x.size)
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        grad[k] = (f(x + e) - f(x - e)) / (2 * eps)
    return grad.reshape(x.shape)


@bank.right()
def relative_error(a, b):
    worst = 0.0
    for p, q in zip(np.ravel(a), np.ravel(b)):
        worst = max(worst, abs(p - q) / max(abs(p) + abs(q), 1e-12))
    return float(worst)


@bank.right()
def derivative_sin_x2(x):
    return 2 * x * np.sin(x ** 2 + np.pi / 2)    # cos(u) = sin(u + pi/2)


@bank.right()
def derivative_product(x):
    return x ** 2 * (3 + x) * np.exp(x)                  # factored


@bank.right()
def derivative_product(x):
    # expanded, f g' + f' g
    return np.exp(x) * x ** 3 + 3 * np.exp(x) * np.square(x)


@bank.right()
def derivative_quotient(x):
    g = 1 + x ** 2
    return np.cos(x) / g - 2 * x * np.sin(x) / g ** 2    # product rule on sin(x) * g^-1


@bank.right()
def derivative_quotient(x):
    # chain rule twice: d/dx g^-1 = -g^-2 2x
    x = np.asarray(x, dtype=float)
    return np.cos(x) * (1 + x * x) ** -1.0 + np.sin(x) * (-(1 + x * x) ** -2.0 * 2 * x)


@bank.right()
def linear_forward(W, x, b):
    return np.einsum("ik,kj->ij", W, x) + b


@bank.right()
def linear_backward(dL_dz, W, x):
    ones = np.ones((x.shape[1], 1))
    return (np.einsum("ij,kj->ik", dL_dz, x), np.einsum("ik,ij->kj", W, dL_dz), dL_dz @ ones)


@bank.right()
def relu(x):
    return np.where(x > 0, x, 0.0)


@bank.right()
def relu_backward(dL_dy, x):
    return np.where(x > 0, dL_dy, 0.0)


@bank.right()
def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))    # 1 / (1 + e^-x) = exp(-log(1 + e^-x))


@bank.right()
def sigmoid(x):
    return 0.5 * (1 + np.tanh(x / 2))


@bank.right()
def sigmoid_backward(dL_dy, x):
    # sigma'(x) = sigma(x) sigma(-x)
    return dL_dy * np.exp(-np.logaddexp(0.0, -x)) * np.exp(-np.logaddexp(0.0, x))


@bank.right()
def tanh_backward(dL_dy, x):
    return dL_dy / np.cosh(x) ** 2           # sech^2


@bank.right()
def softmax(z, axis=0):
    m = np.max(z, axis=axis, keepdims=True)
    log_norm = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
    return np.exp(z - log_norm)


def _column_softmax(v):
    """Softmax of one 1-D slice."""
    e = np.exp(v - v.max())
    return e / e.sum()


@bank.right(uses=[_column_softmax])
def softmax(z, axis=0):
    return np.apply_along_axis(_column_softmax, axis, np.asarray(z, dtype=float))


@bank.right()
def softmax_backward(dL_dp, p, axis=0):
    # the explicit Jacobian diag(p) - p p^T of every slice, then J^T dL_dp, with einsum
    pm = np.moveaxis(p, axis, -1)
    gm = np.moveaxis(dL_dp, axis, -1)
    K = pm.shape[-1]
    J = np.einsum("...i,ij->...ij", pm, np.eye(K)) - np.einsum("...i,...j->...ij", pm, pm)
    return np.moveaxis(np.einsum("...ij,...i->...j", J, gm), -1, axis)


@bank.right()
def softmax_backward(dL_dp, p, axis=0):
    # one slice at a time: J is symmetric, so J^T g = J g
    out = np.empty_like(p, dtype=float)
    for idx in np.ndindex(*np.delete(p.shape, axis)):
        where = list(idx)
        where.insert(axis, slice(None))
        pc, gc = p[tuple(where)], dL_dp[tuple(where)]
        out[tuple(where)] = (np.diag(pc) - np.outer(pc, pc)) @ gc
    return out


@bank.right()
def softmax_backward(dL_dp, p, axis=0):
    weighted = dL_dp * p
    return weighted - p * weighted.sum(axis=axis, keepdims=True)


@bank.right()
def softmax_cross_entropy(logits, y_true):
    # per column: loss = logsumexp(z) - z[true class]
    K, batch = logits.shape
    loss, grad = 0.0, np.empty((K, batch))
    for j in range(batch):
        z = logits[:, j]
        m = z.max()
        lse = m + np.log(np.exp(z - m).sum())
        loss += lse * y_true[:, j].sum() - y_true[:, j] @ z
        grad[:, j] = np.exp(z - lse) * y_true[:, j].sum() - y_true[:, j]
    return float(loss / batch), grad / batch


@bank.right()
def mse_loss(y_pred, y_true):
    d = np.ravel(y_pred - y_true)
    return float(d @ d / d.size)


@bank.right()
def mse_grad(y_pred, y_true):
    return (y_pred - y_true) * (2.0 / np.size(y_true))


@bank.right()
def bce_loss(p, y_true):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(np.mean(-y_true * np.log(p) - (1 - y_true) * np.log1p(-p)))


@bank.right()
def bce_grad(p, y_true):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return (-y_true / p + (1 - y_true) / (1 - p)) / np.size(p)


@bank.right()
def bce_with_logits(z, y_true):
    # softplus(z) - y z, softplus by np.logaddexp; the loss as a numpy float64
    return np.mean(np.logaddexp(0.0, z) - y_true * z), (sigmoid(z) - y_true) / np.size(z)


@bank.right()
def bce_with_logits(z, y_true):
    # TensorFlow's form: max(z, 0) - z y + log(1 + exp(-|z|)); the loss as a Python float
    loss = np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z)))
    s = np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))
    return float(loss.mean()), (s - y_true) / z.size


@bank.right()
def bce_with_logits(z, y_true):
    # -log sigmoid(z) = softplus(-z), -log(1 - sigmoid(z)) = softplus(z); the loss as a 0-d array
    per_element = y_true * np.logaddexp(0.0, -z) + (1 - y_true) * np.logaddexp(0.0, z)
    dL_dz = (np.exp(-np.logaddexp(0.0, -z)) - y_true) / per_element.size
    return np.asarray(per_element.mean()), dL_dz


@bank.right()
def mlp_forward(params, x):
    # one sample at a time; tanh(u) = 2 sigmoid(2u) - 1
    batch = x.shape[1]
    h = np.empty((params["W1"].shape[0], batch))
    y_hat = np.empty((1, batch))
    for j in range(batch):
        u = params["W1"] @ x[:, j] + params["b1"][:, 0]
        h[:, j] = 2 / (1 + np.exp(-2 * u)) - 1
        v = params["W2"][0] @ h[:, j] + params["b2"][0, 0]
        y_hat[0, j] = 1 / (1 + np.exp(-v)) if v >= 0 else np.exp(v) / (1 + np.exp(v))
    return y_hat, (x, h, y_hat)


@bank.right()
def mlp_backward(params, cache, y_true):
    # chain each piece separately: BCE'(p), then sigmoid', then the layers
    x, h, y_hat = cache
    dL_dp = bce_grad(y_hat, y_true)
    dz2 = dL_dp * y_hat * (1 - y_hat)
    dW2, dh, db2 = linear_backward(dz2, params["W2"], h)
    dz1 = dh * (1 - h) * (1 + h)
    dW1, _, db1 = linear_backward(dz1, params["W1"], x)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


@bank.right()
def train_xor(seed=0):
    # another recipe: 16 units, Xavier-scaled init, small random biases, momentum 0.9
    rng = np.random.default_rng(seed)
    x = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    y = np.array([[0.0, 1.0, 1.0, 0.0]])
    hidden = 16
    params = {"W1": rng.normal(0, np.sqrt(2 / (2 + hidden)), (hidden, 2)), "b1": rng.normal(0, 0.1, (hidden, 1)),
              "W2": rng.normal(0, np.sqrt(2 / (hidden + 1)), (1, hidden)), "b2": np.zeros((1, 1))}
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    for _ in range(600):
        grads = mlp_backward(params, mlp_forward(params, x)[1], y)
        for k in params:
            velocity[k] = 0.9 * velocity[k] + grads[k]
            params[k] = params[k] - 0.3 * velocity[k]
    return params


# ## forms: lenient on form, strict on value (checks.compare.number) -----------------

@bank.right()
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.array(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))   # a 0-d array


@bank.right()
def mse_loss(y_pred, y_true):
    return np.mean((y_pred - y_true) ** 2)                      # a numpy scalar


@bank.right()
def bce_loss(p, y_true):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.asarray(-np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))   # a 0-d array


WRONG, RIGHT = bank.WRONG, bank.RIGHT

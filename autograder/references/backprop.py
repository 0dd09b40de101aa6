"""Reference answers for lab-1.4.1-manual-backpropagation.

Column samples: x is (d_in, batch), classes/features on axis 0, samples on
axis 1; z = W @ x + b with b of shape (d_out, 1), so a bias gradient sums over
axis 1. Losses take the prediction first and are means; their gradients carry
the 1/n. Every function returns new float64 values and never modifies its inputs.
"""
import numpy as np

CLIP = 1e-12  # BCE clips p to [CLIP, 1 - CLIP]


def numerical_gradient(f, x, eps=1e-5):
    """Central differences (f(x+eps e_i) - f(x-eps e_i)) / 2eps of scalar f, on a float64 copy of x."""
    x = np.array(x, dtype=float)          # a copy: the caller's x is never touched
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f(x)
        x[i] = old - eps
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """max |a - b| / max(|a| + |b|, 1e-12), elementwise then the max."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))


def derivative_sin_x2(x):
    """d/dx sin(x^2) = cos(x^2) * 2x (chain rule)."""
    return np.cos(x**2) * 2 * x


def derivative_product(x):
    """d/dx [x^3 e^x] = 3x^2 e^x + x^3 e^x (product rule f'g + fg')."""
    return (3 * x**2 + x**3) * np.exp(x)


def derivative_quotient(x):
    """d/dx [sin(x) / (1 + x^2)] = (cos(x) (1 + x^2) - sin(x) 2x) / (1 + x^2)^2 (quotient rule)."""
    g = 1 + x**2
    return (np.cos(x) * g - np.sin(x) * 2 * x) / g**2


def linear_forward(W, x, b):
    """z = W @ x + b; W (d_out, d_in), x (d_in, batch), b (d_out, 1)."""
    return W @ x + b


def linear_backward(dL_dz, W, x):
    """(dL_dW, dL_dx, dL_db) = (dz x^T, W^T dz, dz summed over the batch axis 1 -> (d_out, 1))."""
    return dL_dz @ x.T, W.T @ dL_dz, dL_dz.sum(axis=1, keepdims=True)


def relu(x):
    """max(0, x)."""
    return np.maximum(x, 0.0)


def relu_backward(dL_dy, x):
    """dL_dy * 1[x > 0]: derivative 0 at and below 0."""
    return dL_dy * (x > 0)


def sigmoid(x):
    """1 / (1 + exp(-x)), via exp(-|x|) so that nothing overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_backward(dL_dy, x):
    """dL_dy * s (1 - s), s = sigmoid(x)."""
    s = sigmoid(x)
    return dL_dy * s * (1 - s)


def tanh_backward(dL_dy, x):
    """dL_dy * (1 - tanh(x)^2)."""
    return dL_dy * (1 - np.tanh(x) ** 2)


def softmax(z, axis=0):
    """exp(z - max) / sum exp(z - max) along axis: the shift cancels and exp never overflows."""
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_backward(dL_dp, p, axis=0):
    """J^T dL_dp for each slice along axis, J = diag(p) - p p^T: p * (dL_dp - sum(dL_dp * p))."""
    return p * (dL_dp - np.sum(dL_dp * p, axis=axis, keepdims=True))


def softmax_cross_entropy(logits, y_true):
    """(mean over the batch of -sum_k y log softmax(z), (softmax(z) - y) / batch); logits (K, batch)."""
    batch = logits.shape[1]
    shifted = logits - np.max(logits, axis=0, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))   # never log(0)
    loss = -np.sum(y_true * log_p) / batch
    return float(loss), (np.exp(log_p) - y_true) / batch


def mse_loss(y_pred, y_true):
    """mean((y_pred - y_true)^2) over all elements."""
    return float(np.mean((y_pred - y_true) ** 2))


def mse_grad(y_pred, y_true):
    """2 (y_pred - y_true) / size."""
    return 2 * (y_pred - y_true) / np.size(y_pred)


def bce_loss(p, y_true):
    """-mean(y log p + (1 - y) log(1 - p)), p clipped to [1e-12, 1 - 1e-12]."""
    p = np.clip(p, CLIP, 1 - CLIP)
    return float(-np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))


def bce_grad(p, y_true):
    """(p - y) / (p (1 - p)) / size at the clipped p (the 1/size comes from the mean)."""
    p = np.clip(p, CLIP, 1 - CLIP)
    return (p - y_true) / (p * (1 - p)) / np.size(p)


def bce_with_logits(z, y_true):
    """(mean BCE of sigmoid(z), (sigmoid(z) - y) / size) with -log sigmoid(z) = softplus(-z) and
    -log(1 - sigmoid(z)) = softplus(z), softplus(u) = logaddexp(0, u): exact for any float z, no clipping."""
    loss = np.mean(y_true * np.logaddexp(0.0, -z) + (1 - y_true) * np.logaddexp(0.0, z))
    return float(loss), (sigmoid(z) - y_true) / np.size(z)


def mlp_forward(params, x):
    """y_hat = sigmoid(W2 tanh(W1 x + b1) + b2), shape (1, batch); cache = (x, h, y_hat)."""
    h = np.tanh(linear_forward(params["W1"], x, params["b1"]))
    y_hat = sigmoid(linear_forward(params["W2"], h, params["b2"]))
    return y_hat, (x, h, y_hat)


def mlp_backward(params, cache, y_true):
    """Gradients of the mean BCE; sigmoid + BCE combine to dL/dz2 = (y_hat - y) / batch."""
    x, h, y_hat = cache
    dz2 = (y_hat - y_true) / y_hat.shape[1]
    dW2, dh, db2 = linear_backward(dz2, params["W2"], h)
    dz1 = dh * (1 - h**2)                                  # tanh' = 1 - tanh^2, from the cached h
    dW1, _, db1 = linear_backward(dz1, params["W1"], x)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


XOR_X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])   # the four inputs as columns
XOR_Y = np.array([[0.0, 1.0, 1.0, 0.0]])


def train_xor(seed=0):
    """Full-batch gradient descent on mean BCE: 8 tanh units, N(0, 1) weights, zero biases, lr 1, 1000 steps."""
    rng = np.random.default_rng(seed)
    hidden = 8        # 2 units can stall at 50-75% on XOR; 8 learn it from every seed tried (0..999)
    params = {"W1": rng.standard_normal((hidden, 2)), "b1": np.zeros((hidden, 1)),
              "W2": rng.standard_normal((1, hidden)), "b2": np.zeros((1, 1))}
    for _ in range(1000):
        grads = mlp_backward(params, mlp_forward(params, XOR_X)[1], XOR_Y)
        params = {k: params[k] - 1.0 * grads[k] for k in params}
    return params

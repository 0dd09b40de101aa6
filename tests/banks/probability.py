"""Lab 1.4.5 (probability distributions): implementations the hidden tests must judge.

WRONG variants must lose points, naming their mistake when it has a key; RIGHT
variants are other correct formulations that must keep full marks. Some
mistakes only show on the inputs the contract singles out: far tails
(`log_of_underflowed_pdf`), exact 0/1 predictions (`bce_no_clip`), large
logits (`softmax_overflow`, `log_of_underflowed_softmax`), zeros in P
(`*_zero_log_zero_nan`), q = 0 < p (`ce_q_clipped`), batched inputs
(`*_wrong_axis`, `categorical_normalised_over_all`), sigma != 1
(`nll_sigma_as_variance`). Keys are unique within the lab's catalogue.
"""
import numpy as np

from tests.banks import Bank

bank = Bank()


# # WRONG: each variant must lose points, naming its mistake when it has a key


# ## gaussian_pdf

@bank.wrong("pdf_sigma_as_variance")
def gaussian_pdf(x, mu, sigma):
    return np.exp(-(x - mu) ** 2 / (2 * sigma)) / np.sqrt(2 * np.pi * sigma)


@bank.wrong("pdf_missing_normaliser")
def gaussian_pdf(x, mu, sigma):
    return np.exp(-(x - mu) ** 2 / (2 * sigma ** 2))


@bank.wrong("pdf_missing_minus")
def gaussian_pdf(x, mu, sigma):
    return np.exp((x - mu) ** 2 / (2 * sigma ** 2)) / (sigma * np.sqrt(2 * np.pi))


# ## gaussian_log_pdf

@bank.wrong("log_of_underflowed_pdf")
def gaussian_log_pdf(x, mu, sigma):
    return np.log(gaussian_pdf(x, mu, sigma))


@bank.wrong("log_pdf_bits_not_nats")
def gaussian_log_pdf(x, mu, sigma):
    z = (x - mu) / sigma
    return -0.5 * z ** 2 / np.log(2) - np.log2(sigma * np.sqrt(2 * np.pi))


@bank.wrong("log_pdf_missing_normaliser")
def gaussian_log_pdf(x, mu, sigma):
    return -(x - mu) ** 2 / (2 * sigma ** 2)


@bank.wrong("log_pdf_missing_minus")
def gaussian_log_pdf(x, mu, sigma):
    return (x - mu) ** 2 / (2 * sigma ** 2) + np.log(sigma * np.sqrt(2 * np.pi))


# ## gaussian_mle

@bank.wrong("variance_ddof1")
def gaussian_mle(x):
    return np.mean(x, axis=-1), np.var(x, axis=-1, ddof=1)


@bank.wrong("std_instead_of_variance")
def gaussian_mle(x):
    return np.mean(x, axis=-1), np.std(x, axis=-1)


@bank.wrong("gaussian_mle_wrong_axis")
def gaussian_mle(x):
    return np.mean(x, axis=0), np.var(x, axis=0)


# ## gaussian_nll

@bank.wrong("nll_sum_not_mean")
def gaussian_nll(y_pred, y_true, sigma=1.0):
    n = np.size(y_true)
    return np.sum((y_true - y_pred) ** 2) / (2 * sigma ** 2) + n * np.log(sigma * np.sqrt(2 * np.pi))


@bank.wrong("nll_missing_normaliser")
def gaussian_nll(y_pred, y_true, sigma=1.0):
    return np.mean((y_true - y_pred) ** 2) / (2 * sigma ** 2)


@bank.wrong("nll_missing_minus")
def gaussian_nll(y_pred, y_true, sigma=1.0):
    return np.mean(gaussian_log_pdf(y_true, y_pred, sigma))


@bank.wrong("nll_sigma_as_variance")
def gaussian_nll(y_pred, y_true, sigma=1.0):
    return np.mean((y_true - y_pred) ** 2) / (2 * sigma) + 0.5 * np.log(2 * np.pi * sigma)


# ## bernoulli_mle

@bank.wrong("bernoulli_sum_not_mean")
def bernoulli_mle(flips):
    return np.sum(flips, axis=-1).astype(float)


@bank.wrong("bernoulli_laplace_smoothing")
def bernoulli_mle(flips):
    return (np.sum(flips, axis=-1) + 1) / (np.shape(flips)[-1] + 2)


@bank.wrong("bernoulli_wrong_axis")
def bernoulli_mle(flips):
    return np.mean(flips)


# ## binary_cross_entropy

@bank.wrong("bce_no_clip")
def binary_cross_entropy(p, y_true, eps=1e-12):
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


@bank.wrong("bce_sum_not_mean")
def binary_cross_entropy(p, y_true, eps=1e-12):
    p = np.clip(p, eps, 1 - eps)
    return -np.sum(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


@bank.wrong("bce_missing_minus")
def binary_cross_entropy(p, y_true, eps=1e-12):
    p = np.clip(p, eps, 1 - eps)
    return np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


@bank.wrong("bce_bits_not_nats")
def binary_cross_entropy(p, y_true, eps=1e-12):
    p = np.clip(p, eps, 1 - eps)
    return -np.mean(y_true * np.log2(p) + (1 - y_true) * np.log2(1 - p))


# ## log_softmax

@bank.wrong("softmax_overflow")
def log_softmax(z, axis=-1):
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


@bank.wrong("log_of_underflowed_softmax")
def log_softmax(z, axis=-1):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return np.log(e / np.sum(e, axis=axis, keepdims=True))


@bank.wrong("log_softmax_wrong_axis")
def log_softmax(z, axis=-1):
    shifted = z - np.max(z, axis=0, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))


@bank.wrong()
def log_softmax(z, axis=-1):
    # keepdims forgotten: broadcasts wrongly, or fails, on batched logits
    shifted = z - np.max(z, axis=axis)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis))


# ## entropy

@bank.wrong("entropy_zero_log_zero_nan")
def entropy(p):
    return -np.sum(p * np.log(p), axis=-1)


@bank.wrong("entropy_bits_not_nats")
def entropy(p):
    logs = np.log2(np.where(p > 0, p, 1.0))
    return -np.sum(p * logs, axis=-1)


@bank.wrong("entropy_missing_minus")
def entropy(p):
    logs = np.log(np.where(p > 0, p, 1.0))
    return np.sum(p * logs, axis=-1)


@bank.wrong("entropy_wrong_axis")
def entropy(p):
    logs = np.log(np.where(p > 0, p, 1.0))
    return -np.sum(p * logs, axis=0)


# ## cross_entropy

@bank.wrong("ce_arguments_swapped")
def cross_entropy(p, q):
    with np.errstate(divide="ignore"):
        logs = np.log(np.where(q > 0, p, 1.0))
    return -np.sum(q * logs, axis=-1)


@bank.wrong("ce_q_clipped")
def cross_entropy(p, q):
    return -np.sum(p * np.log(np.clip(q, 1e-12, 1.0)), axis=-1)


@bank.wrong("ce_zero_log_zero_nan")
def cross_entropy(p, q):
    return -np.sum(p * np.log(q), axis=-1)


@bank.wrong("ce_missing_minus")
def cross_entropy(p, q):
    with np.errstate(divide="ignore"):
        logs = np.log(np.where(p > 0, q, 1.0))
    return np.sum(p * logs, axis=-1)                   # the minus sign dropped


@bank.wrong("ce_bits_not_nats")
def cross_entropy(p, q):
    with np.errstate(divide="ignore"):
        logs = np.log2(np.where(p > 0, q, 1.0))
    return -np.sum(p * logs, axis=-1)


# ## kl_divergence

@bank.wrong("kl_arguments_swapped")
def kl_divergence(p, q):
    return cross_entropy(q, p) - entropy(q)


@bank.wrong("kl_bits_not_nats")
def kl_divergence(p, q):
    return (cross_entropy(p, q) - entropy(p)) / np.log(2)


@bank.wrong("kl_missing_minus")
def kl_divergence(p, q):
    return entropy(p) - cross_entropy(p, q)


@bank.wrong("kl_zero_log_zero_nan")
def kl_divergence(p, q):
    return np.sum(p * np.log(p / q), axis=-1)


# ## categorical_mle

@bank.wrong("categorical_normalised_over_all")
def categorical_mle(counts):
    return counts / np.sum(counts)


@bank.wrong("categorical_wrong_axis")
def categorical_mle(counts):
    return counts / np.sum(counts, axis=0, keepdims=True)


@bank.wrong("categorical_softmax_of_counts")
def categorical_mle(counts):
    e = np.exp(counts - np.max(counts, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


# # RIGHT: other correct formulations, each must keep full marks


@bank.right()
def gaussian_pdf(x, mu, sigma):
    z = (x - mu) / sigma
    return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi * sigma ** 2)


@bank.right()
def gaussian_log_pdf(x, mu, sigma):
    z = (x - mu) / sigma
    return -0.5 * (z * z + np.log(2 * np.pi * sigma ** 2))


@bank.right()
def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    mu = x.sum(axis=-1) / n
    var = ((x - mu[..., None]) ** 2).sum(axis=-1) / n
    return mu, var


@bank.right()
def gaussian_nll(y_pred, y_true, sigma=1.0):
    mse = np.mean((np.asarray(y_pred) - y_true) ** 2)
    return mse / (2 * sigma ** 2) + np.log(sigma) + 0.5 * np.log(2 * np.pi)


@bank.right()
def bernoulli_mle(flips):
    flips = np.asarray(flips)
    return np.count_nonzero(flips, axis=-1) / flips.shape[-1]


@bank.right()
def binary_cross_entropy(p, y_true, eps=1e-12):
    p = np.minimum(np.maximum(p, eps), 1 - eps)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log1p(-p))


@bank.right()
def log_softmax(z, axis=-1):
    return z - np.logaddexp.reduce(z, axis=axis, keepdims=True)


@bank.right()
def entropy(p):
    p = np.asarray(p, dtype=float)
    logs = np.log(p, out=np.zeros_like(p), where=p > 0)
    return -np.einsum("...k,...k->...", p, logs)


@bank.right()
def cross_entropy(p, q):
    # H(P, Q) = H(P) + KL(P || Q), with the lab's own entropy and KL
    return entropy(p) + kl_divergence(p, q)


@bank.right()
def kl_divergence(p, q):
    p, q = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(q, dtype=float))
    terms = np.zeros(p.shape)
    keep = p > 0
    with np.errstate(divide="ignore"):
        terms[keep] = p[keep] * np.log(p[keep] / q[keep])
    return terms.sum(axis=-1)


@bank.right()
def categorical_mle(counts):
    return np.apply_along_axis(lambda c: c / c.sum(), -1, np.asarray(counts, dtype=float))


# ## forms: lenient on form, strict on value (checks.compare.number) -----------------

@bank.right()
def gaussian_nll(y_pred, y_true, sigma=1.0):
    # a Python float
    return float(np.mean((y_true - y_pred) ** 2) / (2 * sigma ** 2) + np.log(sigma * np.sqrt(2 * np.pi)))


@bank.right()
def binary_cross_entropy(p, y_true, eps=1e-12):
    p = np.clip(p, eps, 1 - eps)
    return np.array(-np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))   # a 0-d array


@bank.right()
def entropy(p):
    # 0-d array for one distribution; p clipped to [1e-10, 1 - 1e-10]: ~5e-9 nats off where H = 0
    q = np.clip(p, 1e-10, 1 - 1e-10)
    return np.asarray(-np.sum(q * np.log(q), axis=-1))


WRONG, RIGHT = bank.WRONG, bank.RIGHT

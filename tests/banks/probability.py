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
from tests.banks import Variant

WRONG = [
    # ## gaussian_pdf
    Variant("gaussian_pdf", "pdf_sigma_as_variance", '''
import numpy as np

def gaussian_pdf(x, mu, sigma):
    return np.exp(-(x - mu) ** 2 / (2 * sigma)) / np.sqrt(2 * np.pi * sigma)
'''),
    Variant("gaussian_pdf", "pdf_missing_normaliser", '''
import numpy as np

def gaussian_pdf(x, mu, sigma):
    return np.exp(-(x - mu) ** 2 / (2 * sigma ** 2))
'''),
    Variant("gaussian_pdf", "pdf_missing_minus", '''
import numpy as np

def gaussian_pdf(x, mu, sigma):
    return np.exp((x - mu) ** 2 / (2 * sigma ** 2)) / (sigma * np.sqrt(2 * np.pi))
'''),

    # ## gaussian_log_pdf
    Variant("gaussian_log_pdf", "log_of_underflowed_pdf", '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    return np.log(gaussian_pdf(x, mu, sigma))
'''),
    Variant("gaussian_log_pdf", "log_pdf_bits_not_nats", '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    z = (x - mu) / sigma
    return -0.5 * z ** 2 / np.log(2) - np.log2(sigma * np.sqrt(2 * np.pi))
'''),
    Variant("gaussian_log_pdf", "log_pdf_missing_normaliser", '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    return -(x - mu) ** 2 / (2 * sigma ** 2)
'''),
    Variant("gaussian_log_pdf", "log_pdf_missing_minus", '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    return (x - mu) ** 2 / (2 * sigma ** 2) + np.log(sigma * np.sqrt(2 * np.pi))
'''),

    # ## gaussian_mle
    Variant("gaussian_mle", "variance_ddof1", '''
import numpy as np

def gaussian_mle(x):
    return np.mean(x, axis=-1), np.var(x, axis=-1, ddof=1)
'''),
    Variant("gaussian_mle", "std_instead_of_variance", '''
import numpy as np

def gaussian_mle(x):
    return np.mean(x, axis=-1), np.std(x, axis=-1)
'''),
    Variant("gaussian_mle", "gaussian_mle_wrong_axis", '''
import numpy as np

def gaussian_mle(x):
    return np.mean(x, axis=0), np.var(x, axis=0)
'''),

    # ## gaussian_nll
    Variant("gaussian_nll", "nll_sum_not_mean", '''
import numpy as np

def gaussian_nll(y_pred, y_true, sigma=1.0):
    n = np.size(y_true)
    return np.sum((y_true - y_pred) ** 2) / (2 * sigma ** 2) + n * np.log(sigma * np.sqrt(2 * np.pi))
'''),
    Variant("gaussian_nll", "nll_missing_normaliser", '''
import numpy as np

def gaussian_nll(y_pred, y_true, sigma=1.0):
    return np.mean((y_true - y_pred) ** 2) / (2 * sigma ** 2)
'''),
    Variant("gaussian_nll", "nll_missing_minus", '''
import numpy as np

def gaussian_nll(y_pred, y_true, sigma=1.0):
    return np.mean(gaussian_log_pdf(y_true, y_pred, sigma))
'''),
    Variant("gaussian_nll", "nll_sigma_as_variance", '''
import numpy as np

def gaussian_nll(y_pred, y_true, sigma=1.0):
    return np.mean((y_true - y_pred) ** 2) / (2 * sigma) + 0.5 * np.log(2 * np.pi * sigma)
'''),

    # ## bernoulli_mle
    Variant("bernoulli_mle", "bernoulli_sum_not_mean", '''
import numpy as np

def bernoulli_mle(flips):
    return np.sum(flips, axis=-1).astype(float)
'''),
    Variant("bernoulli_mle", "bernoulli_laplace_smoothing", '''
import numpy as np

def bernoulli_mle(flips):
    return (np.sum(flips, axis=-1) + 1) / (np.shape(flips)[-1] + 2)
'''),
    Variant("bernoulli_mle", "bernoulli_wrong_axis", '''
import numpy as np

def bernoulli_mle(flips):
    return np.mean(flips)
'''),

    # ## binary_cross_entropy
    Variant("binary_cross_entropy", "bce_no_clip", '''
import numpy as np

def binary_cross_entropy(p, y_true, eps=1e-12):
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
'''),
    Variant("binary_cross_entropy", "bce_sum_not_mean", '''
import numpy as np

def binary_cross_entropy(p, y_true, eps=1e-12):
    p = np.clip(p, eps, 1 - eps)
    return -np.sum(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
'''),
    Variant("binary_cross_entropy", "bce_missing_minus", '''
import numpy as np

def binary_cross_entropy(p, y_true, eps=1e-12):
    p = np.clip(p, eps, 1 - eps)
    return np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
'''),
    Variant("binary_cross_entropy", "bce_bits_not_nats", '''
import numpy as np

def binary_cross_entropy(p, y_true, eps=1e-12):
    p = np.clip(p, eps, 1 - eps)
    return -np.mean(y_true * np.log2(p) + (1 - y_true) * np.log2(1 - p))
'''),

    # ## log_softmax
    Variant("log_softmax", "softmax_overflow", '''
import numpy as np

def log_softmax(z, axis=-1):
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
'''),
    Variant("log_softmax", "log_of_underflowed_softmax", '''
import numpy as np

def log_softmax(z, axis=-1):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return np.log(e / np.sum(e, axis=axis, keepdims=True))
'''),
    Variant("log_softmax", "log_softmax_wrong_axis", '''
import numpy as np

def log_softmax(z, axis=-1):
    shifted = z - np.max(z, axis=0, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))
'''),
    Variant("log_softmax", None, '''
import numpy as np

def log_softmax(z, axis=-1):
    # keepdims forgotten: broadcasts wrongly, or fails, on batched logits
    shifted = z - np.max(z, axis=axis)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis))
'''),

    # ## entropy
    Variant("entropy", "entropy_zero_log_zero_nan", '''
import numpy as np

def entropy(p):
    return -np.sum(p * np.log(p), axis=-1)
'''),
    Variant("entropy", "entropy_bits_not_nats", '''
import numpy as np

def entropy(p):
    logs = np.log2(np.where(p > 0, p, 1.0))
    return -np.sum(p * logs, axis=-1)
'''),
    Variant("entropy", "entropy_missing_minus", '''
import numpy as np

def entropy(p):
    logs = np.log(np.where(p > 0, p, 1.0))
    return np.sum(p * logs, axis=-1)
'''),
    Variant("entropy", "entropy_wrong_axis", '''
import numpy as np

def entropy(p):
    logs = np.log(np.where(p > 0, p, 1.0))
    return -np.sum(p * logs, axis=0)
'''),

    # ## cross_entropy
    Variant("cross_entropy", "ce_arguments_swapped", '''
import numpy as np

def cross_entropy(p, q):
    with np.errstate(divide="ignore"):
        logs = np.log(np.where(q > 0, p, 1.0))
    return -np.sum(q * logs, axis=-1)
'''),
    Variant("cross_entropy", "ce_q_clipped", '''
import numpy as np

def cross_entropy(p, q):
    return -np.sum(p * np.log(np.clip(q, 1e-12, 1.0)), axis=-1)
'''),
    Variant("cross_entropy", "ce_zero_log_zero_nan", '''
import numpy as np

def cross_entropy(p, q):
    return -np.sum(p * np.log(q), axis=-1)
'''),
    Variant("cross_entropy", "ce_bits_not_nats", '''
import numpy as np

def cross_entropy(p, q):
    with np.errstate(divide="ignore"):
        logs = np.log2(np.where(p > 0, q, 1.0))
    return -np.sum(p * logs, axis=-1)
'''),

    # ## kl_divergence
    Variant("kl_divergence", "kl_arguments_swapped", '''
import numpy as np

def kl_divergence(p, q):
    return cross_entropy(q, p) - entropy(q)
'''),
    Variant("kl_divergence", "kl_bits_not_nats", '''
import numpy as np

def kl_divergence(p, q):
    return (cross_entropy(p, q) - entropy(p)) / np.log(2)
'''),
    Variant("kl_divergence", "kl_missing_minus", '''
import numpy as np

def kl_divergence(p, q):
    return entropy(p) - cross_entropy(p, q)
'''),
    Variant("kl_divergence", "kl_zero_log_zero_nan", '''
import numpy as np

def kl_divergence(p, q):
    return np.sum(p * np.log(p / q), axis=-1)
'''),

    # ## categorical_mle
    Variant("categorical_mle", "categorical_normalised_over_all", '''
import numpy as np

def categorical_mle(counts):
    return counts / np.sum(counts)
'''),
    Variant("categorical_mle", "categorical_wrong_axis", '''
import numpy as np

def categorical_mle(counts):
    return counts / np.sum(counts, axis=0, keepdims=True)
'''),
    Variant("categorical_mle", "categorical_softmax_of_counts", '''
import numpy as np

def categorical_mle(counts):
    e = np.exp(counts - np.max(counts, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
'''),
]

RIGHT = [
    Variant("gaussian_pdf", None, '''
import numpy as np

def gaussian_pdf(x, mu, sigma):
    z = (x - mu) / sigma
    return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi * sigma ** 2)
'''),
    Variant("gaussian_log_pdf", None, '''
import numpy as np

def gaussian_log_pdf(x, mu, sigma):
    z = (x - mu) / sigma
    return -0.5 * (z * z + np.log(2 * np.pi * sigma ** 2))
'''),
    Variant("gaussian_mle", None, '''
import numpy as np

def gaussian_mle(x):
    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    mu = x.sum(axis=-1) / n
    var = ((x - mu[..., None]) ** 2).sum(axis=-1) / n
    return mu, var
'''),
    Variant("gaussian_nll", None, '''
import numpy as np

def gaussian_nll(y_pred, y_true, sigma=1.0):
    mse = np.mean((np.asarray(y_pred) - y_true) ** 2)
    return mse / (2 * sigma ** 2) + np.log(sigma) + 0.5 * np.log(2 * np.pi)
'''),
    Variant("bernoulli_mle", None, '''
import numpy as np

def bernoulli_mle(flips):
    flips = np.asarray(flips)
    return np.count_nonzero(flips, axis=-1) / flips.shape[-1]
'''),
    Variant("binary_cross_entropy", None, '''
import numpy as np

def binary_cross_entropy(p, y_true, eps=1e-12):
    p = np.minimum(np.maximum(p, eps), 1 - eps)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log1p(-p))
'''),
    Variant("log_softmax", None, '''
import numpy as np

def log_softmax(z, axis=-1):
    return z - np.logaddexp.reduce(z, axis=axis, keepdims=True)
'''),
    Variant("entropy", None, '''
import numpy as np

def entropy(p):
    p = np.asarray(p, dtype=float)
    logs = np.log(p, out=np.zeros_like(p), where=p > 0)
    return -np.einsum("...k,...k->...", p, logs)
'''),
    Variant("cross_entropy", None, '''
import numpy as np

def cross_entropy(p, q):
    # H(P, Q) = H(P) + KL(P || Q), with the lab's own entropy and KL
    return entropy(p) + kl_divergence(p, q)
'''),
    Variant("kl_divergence", None, '''
import numpy as np

def kl_divergence(p, q):
    p, q = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(q, dtype=float))
    terms = np.zeros(p.shape)
    keep = p > 0
    with np.errstate(divide="ignore"):
        terms[keep] = p[keep] * np.log(p[keep] / q[keep])
    return terms.sum(axis=-1)
'''),
    Variant("categorical_mle", None, '''
import numpy as np

def categorical_mle(counts):
    return np.apply_along_axis(lambda c: c / c.sum(), -1, np.asarray(counts, dtype=float))
'''),
]

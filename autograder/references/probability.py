"""Reference answers for lab 1.4.5 (probability distributions).

Conventions (SPEC section 4): float64; distributions, and samples of one
variable, run along the LAST axis and leading axes broadcast; logarithms are
natural (nats); 0 log 0 = 0; cross-entropy and KL are +inf where q = 0 < p.
"""
import numpy as np

LOG_2PI = np.log(2 * np.pi)


def _xlogy(x, y):
    """x * log(y), elementwise, with 0 where x == 0 (even if y == 0) and -inf where y == 0 < x."""
    with np.errstate(divide="ignore"):
        return x * np.log(np.where(x > 0, y, 1.0))


def gaussian_pdf(x, mu, sigma):
    """N(x; mu, sigma^2) = exp(-(x-mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi))."""
    return np.exp(-((x - mu) ** 2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))


def gaussian_log_pdf(x, mu, sigma):
    """log N(x; mu, sigma^2), computed directly so it stays finite far in the tails."""
    return -((x - mu) ** 2) / (2 * sigma**2) - np.log(sigma) - 0.5 * LOG_2PI


def gaussian_mle(x):
    """(mu, var) maximising the likelihood of the samples along the last axis; var has ddof=0."""
    return np.mean(x, axis=-1), np.var(x, axis=-1)


def gaussian_nll(y_pred, y_true, sigma=1.0):
    """Mean NLL of y_true under N(y_pred, sigma^2) = mean((y-mu)^2)/(2 sigma^2) + log(sigma sqrt(2 pi))."""
    return np.mean(-gaussian_log_pdf(y_true, y_pred, sigma))


def bernoulli_mle(flips):
    """Fraction of ones along the last axis: the p maximising the Bernoulli likelihood."""
    return np.mean(flips, axis=-1)


def binary_cross_entropy(p, y_true, eps=1e-12):
    """Mean Bernoulli NLL -[y log p + (1-y) log(1-p)], p clipped to [eps, 1-eps]."""
    p = np.clip(p, eps, 1 - eps)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


def log_softmax(z, axis=-1):
    """z - logsumexp(z) along axis, with the max subtracted first so large logits cannot overflow."""
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def entropy(p):
    """H(P) = -sum p log p over the last axis, in nats, with 0 log 0 = 0."""
    return -np.sum(_xlogy(p, p), axis=-1)


def cross_entropy(p, q):
    """H(P, Q) = -sum p log q over the last axis; terms with p = 0 are 0; +inf where q = 0 < p."""
    return -np.sum(_xlogy(p, q), axis=-1)


def kl_divergence(p, q):
    """KL(P || Q) = sum p (log p - log q) over the last axis; 0 iff P == Q; +inf where q = 0 < p."""
    return np.sum(_xlogy(p, p) - _xlogy(p, q), axis=-1)


def categorical_mle(counts):
    """Class frequencies counts / counts.sum() along the last axis."""
    return counts / np.sum(counts, axis=-1, keepdims=True)

"""Known mistakes of lab 1.4.5 (probability distributions).

Distributions and samples run along the LAST axis; logs are natural (nats).
Each `build` takes the exercise's inputs and returns the wrong answer;
entries without one (overflow, NaN from 0 log 0, ...) are raised explicitly
by the hidden tests when their symptom shows.
"""
import numpy as np

from autograder.mistakes import Mistake
from autograder.references import probability as ref

LN2 = np.log(2)


def _mean_sq(y_pred, y_true):
    return np.mean((np.asarray(y_true, dtype=float) - y_pred) ** 2)


MISTAKES = [
    # --- Gaussian density ----------------------------------------------------
    Mistake("pdf_sigma_as_variance", "sigma used as the variance",
            "sigma is the standard deviation: the exponent divides by 2 sigma^2 and the "
            "normaliser is sigma sqrt(2 pi)", "gaussian_pdf", "",
            lambda x, mu, s: np.exp(-(x - mu) ** 2 / (2 * s)) / np.sqrt(2 * np.pi * s)),
    Mistake("pdf_missing_normaliser", "density missing its normalising constant 1 / (sigma sqrt(2 pi))",
            "without it the curve does not integrate to 1", "gaussian_pdf", "",
            lambda x, mu, s: np.exp(-(x - mu) ** 2 / (2 * s ** 2))),
    Mistake("pdf_missing_minus", "missing minus sign in the exponent",
            "the density decays away from mu: exp(-(x - mu)^2 / (2 sigma^2))", "gaussian_pdf", "",
            lambda x, mu, s: np.exp((x - mu) ** 2 / (2 * s ** 2)) / (s * np.sqrt(2 * np.pi))),
    Mistake("log_of_underflowed_pdf", "log of an underflowed pdf: log(gaussian_pdf(...)) is -inf far in the tails",
            "compute the log-density directly: -(x - mu)^2 / (2 sigma^2) - log(sigma sqrt(2 pi))",
            "gaussian_log_pdf", "", lambda x, mu, s: np.log(ref.gaussian_pdf(x, mu, s))),
    Mistake("log_pdf_bits_not_nats", "log base 2 (bits) instead of the natural log (nats)",
            "use np.log everywhere: the lab measures in nats", "gaussian_log_pdf", "",
            lambda x, mu, s: ref.gaussian_log_pdf(x, mu, s) / LN2),
    Mistake("log_pdf_missing_normaliser", "log-density missing the normaliser term -log(sigma sqrt(2 pi))",
            "log N(x; mu, sigma^2) = -(x - mu)^2 / (2 sigma^2) - log(sigma sqrt(2 pi))", "gaussian_log_pdf", "",
            lambda x, mu, s: -(x - mu) ** 2 / (2 * s ** 2)),
    Mistake("log_pdf_missing_minus", "missing minus sign: that is the negative log-density",
            "log N(x; mu, sigma^2) = -(x - mu)^2 / (2 sigma^2) - log(sigma sqrt(2 pi)), at most its peak value",
            "gaussian_log_pdf", "", lambda x, mu, s: -ref.gaussian_log_pdf(x, mu, s)),
    # --- maximum likelihood --------------------------------------------------
    Mistake("variance_ddof1", "variance with ddof=1 (the unbiased estimate), not the MLE",
            "the maximum-likelihood variance divides by n: np.var(x, axis=-1) with the default ddof=0",
            "gaussian_mle", "var", lambda x: np.var(x, axis=-1, ddof=1)),
    Mistake("std_instead_of_variance", "standard deviation returned instead of the variance",
            "return the variance, mean((x - mu)^2), not its square root", "gaussian_mle", "var",
            lambda x: np.std(x, axis=-1)),
    Mistake("gaussian_mle_wrong_axis", "statistics taken over the wrong axis",
            "samples lie along the last axis: reduce with axis=-1, one estimate per leading index",
            "gaussian_mle", "mu", lambda x: np.mean(x, axis=0)),
    Mistake("nll_sum_not_mean", "sum instead of mean",
            "gaussian_nll is the mean over all elements of -log N(y_true; y_pred, sigma^2)", "gaussian_nll", "",
            lambda y_pred, y_true, sigma=1.0: ref.gaussian_nll(y_pred, y_true, sigma) * np.size(y_true)),
    Mistake("nll_missing_normaliser", "NLL missing the constant log(sigma sqrt(2 pi))",
            "the NLL is mse / (2 sigma^2) + log(sigma sqrt(2 pi)); the constant matters once sigma is learned",
            "gaussian_nll", "", lambda y_pred, y_true, sigma=1.0: _mean_sq(y_pred, y_true) / (2 * sigma ** 2)),
    Mistake("nll_missing_minus", "missing minus sign: that is the mean log-likelihood, not its negative",
            "negate the log-density: NLL = mean(-log N(y_true; y_pred, sigma^2))", "gaussian_nll", "",
            lambda y_pred, y_true, sigma=1.0: -ref.gaussian_nll(y_pred, y_true, sigma)),
    Mistake("nll_sigma_as_variance", "sigma used as the variance",
            "sigma is the standard deviation: mse / (2 sigma^2) + log(sigma sqrt(2 pi))", "gaussian_nll", "",
            lambda y_pred, y_true, sigma=1.0:
            _mean_sq(y_pred, y_true) / (2 * sigma) + 0.5 * np.log(2 * np.pi * sigma)),
    Mistake("bernoulli_sum_not_mean", "sum instead of mean: the count of ones, not their fraction",
            "p = (number of ones) / (number of trials) = np.mean(flips, axis=-1)", "bernoulli_mle", "",
            lambda flips: np.sum(flips, axis=-1)),
    Mistake("bernoulli_laplace_smoothing", "Laplace smoothing (k + 1) / (n + 2): a prior, not the MLE",
            "the maximum-likelihood estimate is k / n, the plain fraction of ones", "bernoulli_mle", "",
            lambda flips: (np.sum(flips, axis=-1) + 1) / (np.shape(flips)[-1] + 2)),
    Mistake("bernoulli_wrong_axis", "averaged over every flip instead of along the last axis",
            "trials lie along the last axis: np.mean(flips, axis=-1) gives one estimate per row",
            "bernoulli_mle", "", lambda flips: np.mean(flips)),
    # --- binary cross-entropy ----------------------------------------------------
    Mistake("bce_no_clip", "no clipping in BCE: log(0) gives inf or NaN when p is exactly 0 or 1",
            "clip p to [eps, 1 - eps] with np.clip (a new array) before taking logs", "binary_cross_entropy"),
    Mistake("bce_sum_not_mean", "sum instead of mean", "BCE averages over all elements: -np.mean(...)",
            "binary_cross_entropy", "", lambda p, y, eps=1e-12: ref.binary_cross_entropy(p, y, eps) * np.size(p)),
    Mistake("bce_missing_minus", "missing minus sign: the loss is negative",
            "BCE = -mean(y log p + (1 - y) log(1 - p)), never below 0", "binary_cross_entropy", "",
            lambda p, y, eps=1e-12: -ref.binary_cross_entropy(p, y, eps)),
    Mistake("bce_bits_not_nats", "log base 2 (bits) instead of the natural log (nats)",
            "use np.log: the lab measures losses in nats", "binary_cross_entropy", "",
            lambda p, y, eps=1e-12: ref.binary_cross_entropy(p, y, eps) / LN2),
    # --- log-softmax --------------------------------------------------------------
    Mistake("softmax_overflow", "softmax overflow (no max subtraction): exp of large logits is inf",
            "subtract z.max(axis=axis, keepdims=True) first; log_softmax does not change", "log_softmax"),
    Mistake("log_of_underflowed_softmax", "log of an underflowed softmax: log(0) = -inf for logits far below the max",
            "do not take the log of the probabilities: return shifted - log(sum(exp(shifted))) "
            "with shifted = z - max", "log_softmax"),
    Mistake("log_softmax_wrong_axis", "normalised over the wrong axis",
            "use the axis argument (default -1, the last axis) for the max, the sum and keepdims=True",
            "log_softmax", "", lambda z, axis=-1: ref.log_softmax(z, axis=0)),
    # --- entropy, cross-entropy, KL --------------------------------------------------
    Mistake("entropy_zero_log_zero_nan", "0 log 0 gives NaN: zeros in p are not handled",
            "take 0 log 0 = 0, e.g. log(np.where(p > 0, p, 1.0))", "entropy"),
    Mistake("entropy_bits_not_nats", "log base 2 (bits) instead of the natural log (nats)",
            "use np.log: the uniform distribution over K outcomes has entropy log K nats", "entropy", "",
            lambda p: ref.entropy(p) / LN2),
    Mistake("entropy_missing_minus", "missing minus sign: the entropy is negative",
            "H(P) = -sum p log p, never below 0", "entropy", "", lambda p: -ref.entropy(p)),
    Mistake("entropy_wrong_axis", "summed over the wrong axis",
            "distributions lie along the last axis: sum with axis=-1", "entropy", "",
            lambda p: ref.entropy(np.moveaxis(p, 0, -1))),
    Mistake("ce_arguments_swapped", "cross-entropy arguments swapped: computed H(Q, P)",
            "H(P, Q) = -sum p log q: the expectation is over p, the log is of q", "cross_entropy", "",
            lambda p, q: ref.cross_entropy(q, p)),
    Mistake("ce_q_clipped", "q clipped before the log: finite where q = 0 < p",
            "where q = 0 < p the cross-entropy is +inf; do not clip q (only terms with p = 0 are 0)",
            "cross_entropy", "", lambda p, q: -np.sum(p * np.log(np.clip(q, 1e-12, 1.0)), axis=-1)),
    Mistake("ce_zero_log_zero_nan", "0 log 0 gives NaN: terms with p = 0 (and q = 0) are not handled",
            "terms with p = 0 contribute 0: take log(np.where(p > 0, q, 1.0))", "cross_entropy"),
    Mistake("ce_bits_not_nats", "log base 2 (bits) instead of the natural log (nats)",
            "use np.log: the lab measures in nats", "cross_entropy", "", lambda p, q: ref.cross_entropy(p, q) / LN2),
    Mistake("kl_arguments_swapped", "KL arguments swapped: computed KL(Q || P)",
            "KL(P || Q) = sum p log(p / q): the expectation is over the first argument p", "kl_divergence", "",
            lambda p, q: ref.kl_divergence(q, p)),
    Mistake("kl_bits_not_nats", "log base 2 (bits) instead of the natural log (nats)",
            "use np.log: the lab measures in nats", "kl_divergence", "", lambda p, q: ref.kl_divergence(p, q) / LN2),
    Mistake("kl_missing_minus", "missing minus sign: computed H(P) - H(P, Q) = -KL",
            "KL(P || Q) = H(P, Q) - H(P) = sum p log(p / q), never below 0", "kl_divergence", "",
            lambda p, q: -ref.kl_divergence(p, q)),
    Mistake("kl_zero_log_zero_nan", "0 log 0 gives NaN: zeros in p are not handled",
            "terms with p = 0 contribute 0: mask them (np.where(p > 0, ..., 0)) before the log", "kl_divergence"),
    # --- categorical MLE -------------------------------------------------------------
    Mistake("categorical_normalised_over_all", "normalised by the grand total instead of each row's total",
            "counts / counts.sum(axis=-1, keepdims=True): every distribution (last axis) sums to 1",
            "categorical_mle", "", lambda c: c / np.sum(c)),
    Mistake("categorical_wrong_axis", "normalised over the wrong axis",
            "classes lie along the last axis: divide by counts.sum(axis=-1, keepdims=True)", "categorical_mle", "",
            lambda c: c / np.sum(c, axis=0, keepdims=True)),
    Mistake("categorical_softmax_of_counts", "softmax of the counts instead of their frequencies",
            "the MLE is counts / total, not exp(counts) / sum(exp(counts))", "categorical_mle", "",
            lambda c: np.exp(c - np.max(c, axis=-1, keepdims=True))
            / np.sum(np.exp(c - np.max(c, axis=-1, keepdims=True)), axis=-1, keepdims=True)),
]

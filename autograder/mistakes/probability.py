"""Known mistakes of lab 1.4.5 (probability distributions).

Distributions and samples run along the LAST axis; logs are natural (nats).
Each `build` takes the exercise's inputs and returns the wrong answer; the
behavioural mistakes (overflow, NaN from 0 log 0, -inf in the tails, ...)
state their `symptom` on the same inputs instead.
"""
import numpy as np

from autograder.mistakes import Catalogue, Mistake, has_nan, nonfinite, saturated
from autograder.references import probability as ref

LN2 = np.log(2)


def _exp_overflows(z, axis=-1):
    """exp of the raw logits sums to inf (or underflows to 0) along some slice of `axis`."""
    total = np.sum(np.exp(np.asarray(z, dtype=float)), axis=axis)
    return bool(np.any(~np.isfinite(total) | (total == 0)))


def _has_zero(p):
    return bool(np.any(np.asarray(p, dtype=float) == 0))


def _mean_sq(y_pred, y_true):
    return np.mean((np.asarray(y_true, dtype=float) - y_pred) ** 2)


MISTAKES = Catalogue([
    # --- Gaussian density ----------------------------------------------------
    Mistake(key="pdf_sigma_as_variance", name="sigma used as the variance",
            advice="sigma is the standard deviation: the exponent divides by 2 sigma^2 and the "
            "normaliser is sigma sqrt(2 pi)", exercise="gaussian_pdf",
            build=lambda x, mu, s: np.exp(-(x - mu) ** 2 / (2 * s)) / np.sqrt(2 * np.pi * s)),
    Mistake(key="pdf_missing_normaliser", name="density missing its normalising constant 1 / (sigma sqrt(2 pi))",
            advice="without it the curve does not integrate to 1", exercise="gaussian_pdf",
            build=lambda x, mu, s: np.exp(-(x - mu) ** 2 / (2 * s ** 2))),
    Mistake(key="pdf_missing_minus", name="missing minus sign in the exponent",
            advice="the density decays away from mu: exp(-(x - mu)^2 / (2 sigma^2))", exercise="gaussian_pdf",
            build=lambda x, mu, s: np.exp((x - mu) ** 2 / (2 * s ** 2)) / (s * np.sqrt(2 * np.pi))),
    Mistake(key="log_of_underflowed_pdf",
            name="log of an underflowed pdf: log(gaussian_pdf(...)) is -inf far in the tails",
            advice="compute the log-density directly: -(x - mu)^2 / (2 sigma^2) - log(sigma sqrt(2 pi))",
            exercise="gaussian_log_pdf", build=lambda x, mu, s: np.log(ref.gaussian_pdf(x, mu, s)),
            symptom=lambda got, x, mu, s: nonfinite(got) and _has_zero(ref.gaussian_pdf(x, mu, s))),
    Mistake(key="log_pdf_bits_not_nats", name="log base 2 (bits) instead of the natural log (nats)",
            advice="use np.log everywhere: the lab measures in nats", exercise="gaussian_log_pdf",
            build=lambda x, mu, s: ref.gaussian_log_pdf(x, mu, s) / LN2),
    Mistake(key="log_pdf_missing_normaliser", name="log-density missing the normaliser term -log(sigma sqrt(2 pi))",
            advice="log N(x; mu, sigma^2) = -(x - mu)^2 / (2 sigma^2) - log(sigma sqrt(2 pi))",
            exercise="gaussian_log_pdf",
            build=lambda x, mu, s: -(x - mu) ** 2 / (2 * s ** 2)),
    Mistake(key="log_pdf_missing_minus", name="missing minus sign: that is the negative log-density",
            advice="log N(x; mu, sigma^2) = -(x - mu)^2 / (2 sigma^2) - log(sigma sqrt(2 pi)), at most its peak value",
            exercise="gaussian_log_pdf", build=lambda x, mu, s: -ref.gaussian_log_pdf(x, mu, s)),
    # --- maximum likelihood --------------------------------------------------
    Mistake(key="variance_ddof1", name="variance with ddof=1 (the unbiased estimate), not the MLE",
            advice="the maximum-likelihood variance divides by n: np.var(x, axis=-1) with the default ddof=0",
            exercise="gaussian_mle", output="var", build=lambda x: np.var(x, axis=-1, ddof=1)),
    Mistake(key="std_instead_of_variance", name="standard deviation returned instead of the variance",
            advice="return the variance, mean((x - mu)^2), not its square root", exercise="gaussian_mle", output="var",
            build=lambda x: np.std(x, axis=-1)),
    Mistake(key="gaussian_mle_wrong_axis", name="statistics taken over the wrong axis",
            advice="samples lie along the last axis: reduce with axis=-1, one estimate per leading index",
            exercise="gaussian_mle", output="mu", build=lambda x: np.mean(x, axis=0)),
    Mistake(key="nll_sum_not_mean", name="sum instead of mean",
            advice="gaussian_nll is the mean over all elements of -log N(y_true; y_pred, sigma^2)",
            exercise="gaussian_nll",
            build=lambda y_pred, y_true, sigma=1.0: ref.gaussian_nll(y_pred, y_true, sigma) * np.size(y_true)),
    Mistake(key="nll_missing_normaliser", name="NLL missing the constant log(sigma sqrt(2 pi))",
            advice="the NLL is mse / (2 sigma^2) + log(sigma sqrt(2 pi)); the constant matters once sigma is learned",
            exercise="gaussian_nll",
            build=lambda y_pred, y_true, sigma=1.0: _mean_sq(y_pred, y_true) / (2 * sigma ** 2)),
    Mistake(key="nll_missing_minus", name="missing minus sign: that is the mean log-likelihood, not its negative",
            advice="negate the log-density: NLL = mean(-log N(y_true; y_pred, sigma^2))", exercise="gaussian_nll",
            build=lambda y_pred, y_true, sigma=1.0: -ref.gaussian_nll(y_pred, y_true, sigma)),
    Mistake(key="nll_sigma_as_variance", name="sigma used as the variance",
            advice="sigma is the standard deviation: mse / (2 sigma^2) + log(sigma sqrt(2 pi))",
            exercise="gaussian_nll",
            build=lambda y_pred, y_true, sigma=1.0:
            _mean_sq(y_pred, y_true) / (2 * sigma) + 0.5 * np.log(2 * np.pi * sigma)),
    Mistake(key="bernoulli_sum_not_mean", name="sum instead of mean: the count of ones, not their fraction",
            advice="p = (number of ones) / (number of trials) = np.mean(flips, axis=-1)", exercise="bernoulli_mle",
            build=lambda flips: np.sum(flips, axis=-1)),
    Mistake(key="bernoulli_laplace_smoothing", name="Laplace smoothing (k + 1) / (n + 2): a prior, not the MLE",
            advice="the maximum-likelihood estimate is k / n, the plain fraction of ones", exercise="bernoulli_mle",
            build=lambda flips: (np.sum(flips, axis=-1) + 1) / (np.shape(flips)[-1] + 2)),
    Mistake(key="bernoulli_wrong_axis", name="averaged over every flip instead of along the last axis",
            advice="trials lie along the last axis: np.mean(flips, axis=-1) gives one estimate per row",
            exercise="bernoulli_mle", build=lambda flips: np.mean(flips)),
    # --- binary cross-entropy ----------------------------------------------------
    Mistake(key="bce_no_clip", name="no clipping in BCE: log(0) gives inf or NaN when p is exactly 0 or 1",
            advice="clip p to [eps, 1 - eps] with np.clip (a new array) before taking logs",
            exercise="binary_cross_entropy", symptom=lambda loss, p, y, eps=1e-12: nonfinite(loss) and saturated(p)),
    Mistake(key="bce_sum_not_mean", name="sum instead of mean", advice="BCE averages over all elements: -np.mean(...)",
            exercise="binary_cross_entropy",
            build=lambda p, y, eps=1e-12: ref.binary_cross_entropy(p, y, eps) * np.size(p)),
    Mistake(key="bce_missing_minus", name="missing minus sign: the loss is negative",
            advice="BCE = -mean(y log p + (1 - y) log(1 - p)), never below 0", exercise="binary_cross_entropy",
            build=lambda p, y, eps=1e-12: -ref.binary_cross_entropy(p, y, eps)),
    Mistake(key="bce_bits_not_nats", name="log base 2 (bits) instead of the natural log (nats)",
            advice="use np.log: the lab measures losses in nats", exercise="binary_cross_entropy",
            build=lambda p, y, eps=1e-12: ref.binary_cross_entropy(p, y, eps) / LN2),
    # --- log-softmax --------------------------------------------------------------
    Mistake(key="softmax_overflow", name="softmax overflow (no max subtraction): exp of large logits is inf",
            advice="subtract z.max(axis=axis, keepdims=True) first; log_softmax does not change",
            exercise="log_softmax", symptom=lambda got, z, axis=-1: nonfinite(got) and _exp_overflows(z, axis)),
    Mistake(key="log_of_underflowed_softmax",
            name="log of an underflowed softmax: log(0) = -inf for logits far below the max",
            advice="do not take the log of the probabilities: return shifted - log(sum(exp(shifted))) "
            "with shifted = z - max", exercise="log_softmax",
            symptom=lambda got, z, axis=-1: nonfinite(got) and _has_zero(np.exp(ref.log_softmax(z, axis)))),
    Mistake(key="log_softmax_wrong_axis", name="normalised over the wrong axis",
            advice="use the axis argument (default -1, the last axis) for the max, the sum and keepdims=True",
            exercise="log_softmax", build=lambda z, axis=-1: ref.log_softmax(z, axis=0)),
    # --- entropy, cross-entropy, KL --------------------------------------------------
    Mistake(key="entropy_zero_log_zero_nan", name="0 log 0 gives NaN: zeros in p are not handled",
            advice="take 0 log 0 = 0, e.g. log(np.where(p > 0, p, 1.0))", exercise="entropy",
            symptom=lambda got, p: has_nan(got) and _has_zero(p)),
    Mistake(key="entropy_bits_not_nats", name="log base 2 (bits) instead of the natural log (nats)",
            advice="use np.log: the uniform distribution over K outcomes has entropy log K nats", exercise="entropy",
            build=lambda p: ref.entropy(p) / LN2),
    Mistake(key="entropy_missing_minus", name="missing minus sign: the entropy is negative",
            advice="H(P) = -sum p log p, never below 0", exercise="entropy", build=lambda p: -ref.entropy(p)),
    Mistake(key="entropy_wrong_axis", name="summed over the wrong axis",
            advice="distributions lie along the last axis: sum with axis=-1", exercise="entropy",
            build=lambda p: ref.entropy(np.moveaxis(p, 0, -1))),
    Mistake(key="ce_arguments_swapped", name="cross-entropy arguments swapped: computed H(Q, P)",
            advice="H(P, Q) = -sum p log q: the expectation is over p, the log is of q", exercise="cross_entropy",
            build=lambda p, q: ref.cross_entropy(q, p)),
    Mistake(key="ce_q_clipped", name="q clipped before the log: finite where q = 0 < p",
            advice="where q = 0 < p the cross-entropy is +inf; do not clip q (only terms with p = 0 are 0)",
            exercise="cross_entropy", build=lambda p, q: -np.sum(p * np.log(np.clip(q, 1e-12, 1.0)), axis=-1)),
    Mistake(key="ce_zero_log_zero_nan", name="0 log 0 gives NaN: terms with p = 0 (and q = 0) are not handled",
            advice="terms with p = 0 contribute 0: take log(np.where(p > 0, q, 1.0))", exercise="cross_entropy",
            symptom=lambda got, p, q: has_nan(got) and _has_zero(p)),
    Mistake(key="ce_missing_minus", name="missing minus sign: the cross-entropy is negative",
            advice="H(P, Q) = -sum p log q: log q <= 0, so H(P, Q) >= 0", exercise="cross_entropy",
            build=lambda p, q: -ref.cross_entropy(p, q)),
    Mistake(key="ce_bits_not_nats", name="log base 2 (bits) instead of the natural log (nats)",
            advice="use np.log: the lab measures in nats", exercise="cross_entropy",
            build=lambda p, q: ref.cross_entropy(p, q) / LN2),
    Mistake(key="kl_arguments_swapped", name="KL arguments swapped: computed KL(Q || P)",
            advice="KL(P || Q) = sum p log(p / q): the expectation is over the first argument p",
            exercise="kl_divergence",
            build=lambda p, q: ref.kl_divergence(q, p)),
    Mistake(key="kl_bits_not_nats", name="log base 2 (bits) instead of the natural log (nats)",
            advice="use np.log: the lab measures in nats", exercise="kl_divergence",
            build=lambda p, q: ref.kl_divergence(p, q) / LN2),
    Mistake(key="kl_missing_minus", name="missing minus sign: computed H(P) - H(P, Q) = -KL",
            advice="KL(P || Q) = H(P, Q) - H(P) = sum p log(p / q), never below 0", exercise="kl_divergence",
            build=lambda p, q: -ref.kl_divergence(p, q)),
    Mistake(key="kl_zero_log_zero_nan", name="0 log 0 gives NaN: zeros in p are not handled",
            advice="terms with p = 0 contribute 0: mask them (np.where(p > 0, ..., 0)) before the log",
            exercise="kl_divergence", symptom=lambda got, p, q: has_nan(got) and _has_zero(p)),
    # --- categorical MLE -------------------------------------------------------------
    Mistake(key="categorical_normalised_over_all", name="normalised by the grand total instead of each row's total",
            advice="counts / counts.sum(axis=-1, keepdims=True): every distribution (last axis) sums to 1",
            exercise="categorical_mle", build=lambda c: c / np.sum(c)),
    Mistake(key="categorical_wrong_axis", name="normalised over the wrong axis",
            advice="classes lie along the last axis: divide by counts.sum(axis=-1, keepdims=True)",
            exercise="categorical_mle",
            build=lambda c: c / np.sum(c, axis=0, keepdims=True)),
    Mistake(key="categorical_softmax_of_counts", name="softmax of the counts instead of their frequencies",
            advice="the MLE is counts / total, not exp(counts) / sum(exp(counts))", exercise="categorical_mle",
            build=lambda c: np.exp(c - np.max(c, axis=-1, keepdims=True))
            / np.sum(np.exp(c - np.max(c, axis=-1, keepdims=True)), axis=-1, keepdims=True)),
])

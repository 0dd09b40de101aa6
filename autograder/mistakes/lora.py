"""Known mistakes of lab 1.4.4 (SVD for LoRA): W (d_out, d_in), x (d_in, batch),
LoRA update (alpha / r) B A with B (d_out, r) and A (r, d_in).

A key may appear under several exercises (e.g. `off_by_one_rank`): one entry
per exercise, each with advice for that function, and several builds when the
mistake has several forms (rank r + 1 or r - 1). Rank answers are ints, so
their wrong answers are built exactly. lora_backward's builds return the whole
wrong (dL_dB, dL_dA); its checks pick one part. The rest (timing, memory,
initialisation, mutation) are `observed_by` the check that sees them.
"""
import numpy as np

from autograder.mistakes import Catalogue, Mistake
from autograder.references import lora as ref


def _svd(W):
    return np.linalg.svd(W, full_matrices=False)


def _rank(r):
    """r itself, for a wrong answer that only exists for r >= 0 (Catalogue.known skips the ValueError)."""
    if r < 0:
        raise ValueError("no such rank")
    return r


def _truncate(W, r):
    """U[:, :r] diag(S[:r]) Vt[:r]: the right answer for rank r (used with a wrong r)."""
    U, S, Vt = _svd(W)
    r = _rank(r)
    return U[:, :r] @ np.diag(S[:r]) @ Vt[:r, :]


def _smallest(W, r):
    """The r smallest singular triplets: U[:, -r:] diag(S[-r:]) Vt[-r:] (all of W for r = 0, as -0 is 0)."""
    U, S, Vt = _svd(W)
    return U[:, -r:] @ np.diag(S[-r:]) @ Vt[-r:, :]


def _tail_error(W, r, power=2):
    """(sum S[r:]**p / sum S**p) ** (1/p): the relative error with squares (p=2) or plain values (p=1)."""
    S = np.linalg.svd(W, compute_uv=False)
    r = _rank(r)
    return (np.sum(S[r:] ** power) / np.sum(S ** power)) ** (1 / power)


def _first_reaching(values, target, tol=ref.TOL):
    """Smallest index whose value is <= target (values decreasing, last one 0)."""
    return int(np.argmax(np.asarray(values) <= target + tol))


def _find_rank_unsquared(W, target_error=0.01):
    S = np.linalg.svd(W, compute_uv=False)
    tail = np.append(np.cumsum(S[::-1])[::-1], 0.0)
    return _first_reaching(tail / tail[0], target_error)


def _find_rank_energy_vs_error(W, target_error=0.01):
    """Energy 1 - e_r^2 compared with 1 - target: i.e. e_r^2 <= target."""
    S = np.linalg.svd(W, compute_uv=False)
    tail = np.append(np.cumsum(S[::-1] ** 2)[::-1], 0.0)
    return _first_reaching(tail / tail[0], target_error)


def _energy_rank_unsquared(S, threshold=0.95):
    kept = np.concatenate([[0.0], np.cumsum(S)]) / np.sum(S)
    return int(np.argmax(kept >= threshold - ref.TOL))


def _counts(full, lora):
    return np.array([full, lora], dtype=float)


def _savings(full, lora):
    return 100.0 * (1.0 - lora / full)


def _scaled(G, x, B, A, alpha, r, scale):
    """(dL_dB, dL_dA) with the factor `scale` in place of alpha / r."""
    return scale * G @ (A @ x).T, scale * B.T @ G @ x.T


SLICING = dict(name="wrong SVD factor slicing",
               advice="np.linalg.svd returns U, S, Vt with Vt = V^T: keep the first r columns of U (U[:, :r]) and "
               "the first r rows of Vt (Vt[:r, :]); U[:r] takes rows of U and Vt[:, :r] takes columns of V^T")
OFF_BY_ONE = "off-by-one rank"
UNSQUARED = "singular values used instead of their squares"
SQUARES = ("the Frobenius norm and the energy add up squares: ||W - W_r||_F^2 = sum of S[r:]**2 "
           "and ||W||_F^2 = sum of S**2")
NON_SQUARE = dict(name="parameter count for a square layer (d^2 and 2 d r) used for a non-square one",
                  advice="W is (d_out, d_in): full = d_in * d_out, and LoRA trains B (d_out, r) plus A (r, d_in), "
                  "r * (d_in + d_out) numbers")
NO_SCALE = "missing alpha / r scaling"
# the square-layer counts (full, lora) a non-square layer (d_in, d_out, r) is mistaken for
SQUARE_COUNTS = (lambda d_in, d_out, r: (d_in * d_in, 2 * d_in * r),
                 lambda d_in, d_out, r: (d_out * d_out, 2 * d_out * r),
                 lambda d_in, d_out, r: (d_in * d_out, 2 * d_in * r),
                 lambda d_in, d_out, r: (d_in * d_out, 2 * d_out * r))
MUTATION = "inputs_unchanged: the child's report of mutated inputs"

MISTAKES = Catalogue([
    # --- low_rank_approx ----------------------------------------------------
    Mistake(key="svd_wrong_factor_slicing", **SLICING, exercise="low_rank_approx",
            build=(lambda W, r: _svd(W)[0][:, :r] @ np.diag(_svd(W)[1][:r]) @ _svd(W)[2][:, :r].T,
                   lambda W, r: _svd(W)[0][:r].T @ np.diag(_svd(W)[1][:r]) @ _svd(W)[2][:r])),
    Mistake(key="off_by_one_rank", name=OFF_BY_ONE,
            advice="rank r keeps exactly r singular values: S[:r], U[:, :r] and Vt[:r, :] (0-based slices stop "
            "before r)", exercise="low_rank_approx",
            build=(lambda W, r: _truncate(W, r + 1), lambda W, r: _truncate(W, r - 1))),
    Mistake(key="smallest_singular_values_kept", name="the r smallest singular values kept instead of the r largest",
            advice="numpy sorts S largest first, so the best rank-r approximation keeps the first r: S[:r], "
            "U[:, :r], Vt[:r, :]", exercise="low_rank_approx", build=_smallest),
    # --- relative_approx_error ----------------------------------------------
    Mistake(key="singular_values_not_squared", name=UNSQUARED,
            advice=SQUARES + ", so e_r = sqrt(sum S[r:]**2 / sum S**2)",
            exercise="relative_approx_error", build=lambda W, r: _tail_error(W, r, power=1)),
    Mistake(key="off_by_one_rank", name=OFF_BY_ONE,
            advice="the error of rank r comes from the singular values it drops, S[r:] (0-based)",
            exercise="relative_approx_error",
            build=(lambda W, r: _tail_error(W, r + 1), lambda W, r: _tail_error(W, r - 1))),
    Mistake(key="absolute_not_relative_error", name="absolute error ||W - W_r||_F instead of the relative error",
            advice="divide by ||W||_F: the relative error does not depend on the scale of W and lies in [0, 1]",
            exercise="relative_approx_error",
            build=lambda W, r: float(np.linalg.norm(W - ref.low_rank_approx(W, r)))),
    # --- energy_rank ----------------------------------------------------------
    Mistake(key="singular_values_not_squared", name=UNSQUARED,
            advice=SQUARES + ": the kept energy of rank r is sum(S[:r]**2) / sum(S**2)",
            exercise="energy_rank", build=_energy_rank_unsquared),
    Mistake(key="off_by_one_rank", name=OFF_BY_ONE,
            advice="r counts singular values, it is not an index: prepend a 0 to the cumulative sum (rank 0 keeps "
            "nothing), then the index of the first fraction that reaches the threshold is the rank",
            exercise="energy_rank", build=(lambda S, threshold=0.95: ref.energy_rank(S, threshold) + 1,
                                           lambda S, threshold=0.95: ref.energy_rank(S, threshold) - 1)),
    # --- find_optimal_rank ------------------------------------------------------
    Mistake(key="singular_values_not_squared", name=UNSQUARED,
            advice=SQUARES + ", so e_r = sqrt(tail[r] / tail[0]) with tail[r] = sum(S[r:]**2)",
            exercise="find_optimal_rank", build=_find_rank_unsquared),
    Mistake(key="energy_compared_with_error", name="an error target compared with an energy fraction",
            advice="kept energy is 1 - e_r**2, not 1 - e_r: compare the relative error sqrt(tail[r] / tail[0]) "
            "with target_error, or the energy with 1 - target_error**2",
            exercise="find_optimal_rank", build=_find_rank_energy_vs_error),
    Mistake(key="off_by_one_rank", name=OFF_BY_ONE,
            advice="build the errors e_0, ..., e_k for r = 0..k (append e_k = 0 after the reversed cumulative "
            "sum): then the index of the first error <= target is the rank itself, with no +1",
            exercise="find_optimal_rank",
            build=(lambda W, target_error=0.01: ref.find_optimal_rank(W, target_error) + 1,
                   lambda W, target_error=0.01: ref.find_optimal_rank(W, target_error) - 1)),
    Mistake(key="svd_in_loop", name="a loop over candidate ranks that recomputes an SVD (or W_r) for each r",
            advice="compute the singular values once (np.linalg.svd(W, compute_uv=False)); Eckart-Young gives "
            "every e_r from them: a reversed cumulative sum of S**2 is the tail for all r at once",
            exercise="find_optimal_rank", observed_by="the time budget of a 768 x 768 call"),
    # --- parameter counts ---------------------------------------------------------
    Mistake(key="non_square_param_count", **NON_SQUARE, exercise="lora_param_counts",
            build=tuple(lambda d_in, d_out, r, counts=counts: _counts(*counts(d_in, d_out, r))
                        for counts in SQUARE_COUNTS)),
    Mistake(key="counts_product_not_factors", name="LoRA count of the product B A instead of the factors B and A",
            advice="only B (d_out, r) and A (r, d_in) are trained: r * (d_in + d_out) numbers, far fewer than W's",
            exercise="lora_param_counts", build=lambda d_in, d_out, r: _counts(d_in * d_out, r * d_in * d_out)),
    Mistake(key="non_square_param_count", **NON_SQUARE, exercise="lora_savings_percent",
            build=tuple(lambda d_in, d_out, r, counts=counts: _savings(*counts(d_in, d_out, r))
                        for counts in SQUARE_COUNTS)),
    Mistake(key="savings_as_fraction", name="savings returned as a fraction, not a percentage",
            advice="multiply by 100: 100 * (1 - lora / full), e.g. 95.83 rather than 0.9583",
            exercise="lora_savings_percent",
            build=lambda d_in, d_out, r: _savings(d_in * d_out, r * (d_in + d_out)) / 100),
    Mistake(key="savings_kept_not_saved", name="the percentage LoRA keeps instead of the percentage it saves",
            advice="savings = 100 * (1 - lora / full); 100 * lora / full is what remains trainable",
            exercise="lora_savings_percent",
            build=lambda d_in, d_out, r: 100.0 * r * (d_in + d_out) / (d_in * d_out)),
    # --- init_lora -------------------------------------------------------------------
    Mistake(key="random_b_init", name="LoRA B initialised non-zero",
            advice="B must start at zeros (np.zeros((d_out, r))), so that W + (alpha / r) B A equals the pretrained "
            "W before training; only A is random (the quick reference's random B is a slip)", exercise="init_lora",
            observed_by="the initial B drawn from a seeded generator"),
    Mistake(key="zero_a_init", name="LoRA A initialised to zero as well as B",
            advice="with A = B = 0 both gradients are zero and training never starts: draw A at random from rng",
            exercise="init_lora", observed_by="the initial A drawn from a seeded generator"),
    Mistake(key="a_init_not_scaled", name="LoRA A drawn at the wrong scale",
            advice="entries of A should have standard deviation about 1 / sqrt(d_in) (or smaller): "
            "rng.standard_normal((r, d_in)) / np.sqrt(d_in)", exercise="init_lora",
            observed_by="the initial A drawn from a seeded generator"),
    # --- forward, backward, merge ------------------------------------------------------
    Mistake(key="missing_alpha_over_r", name=NO_SCALE,
            advice="the update is (alpha / r) B A: y = W x + (alpha / r) * (B @ (A @ x))", exercise="lora_forward",
            build=lambda x, W, B, A, alpha, r: W @ x + B @ (A @ x)),
    Mistake(key="alpha_over_r_inverted", name="scale r / alpha instead of alpha / r",
            advice="the LoRA update is multiplied by alpha / r", exercise="lora_forward",
            build=lambda x, W, B, A, alpha, r: W @ x + (r / alpha) * (B @ (A @ x))),
    Mistake(key="lora_full_product_in_forward", name="B @ A formed as a (d_out, d_in) matrix inside lora_forward",
            advice="the values are right, but this is the d_out x d_in cost LoRA exists to avoid: go through the "
            "rank-r bottleneck, W @ x + (alpha / r) * (B @ (A @ x)); mind that (alpha / r) * B @ A @ x is "
            "evaluated left to right and forms B @ A", exercise="lora_forward",
            observed_by="the child's report of the call's peak memory"),
    Mistake(key="transposed_lora_grads", name="transposed LoRA gradient",
            advice="each gradient has the shape of its parameter: dL_dB = s dL_dy (A x)^T is (d_out, r) and "
            "dL_dA = s B^T dL_dy x^T is (r, d_in), with s = alpha / r", exercise="lora_backward",
            build=lambda G, x, B, A, alpha, r: ((alpha / r) * (A @ x) @ G.T, (alpha / r) * x @ G.T @ B)),
    Mistake(key="missing_alpha_over_r", name=NO_SCALE,
            advice="y depends on B and A through (alpha / r) B A, so the factor s = alpha / r appears in both "
            "gradients: dL_dB = s G (A x)^T, dL_dA = s B^T G x^T", exercise="lora_backward",
            build=lambda G, x, B, A, alpha, r: _scaled(G, x, B, A, alpha, r, 1.0)),
    Mistake(key="lora_grad_over_batch", name="gradient divided by the batch size",
            advice="dL_dy already carries any 1/batch of the loss: the matrix products sum over the batch, "
            "nothing more to divide", exercise="lora_backward",
            build=lambda G, x, B, A, alpha, r: _scaled(G, x, B, A, alpha, r, alpha / r / x.shape[1])),
    Mistake(key="missing_alpha_over_r", name=NO_SCALE,
            advice="merge the update you trained: W + (alpha / r) * (B @ A); without the factor the deployed model "
            "differs from the trained one", exercise="merge_lora", build=lambda W, B, A, alpha, r: W + B @ A),
    Mistake(key="merge_scales_pretrained", name="alpha / r applied to the pretrained weight too",
            advice="only the update is scaled: W + (alpha / r) * (B @ A)", exercise="merge_lora",
            build=lambda W, B, A, alpha, r: (alpha / r) * (W + B @ A)),
    Mistake(key="mutates_input", name="the function modifies its input W in place",
            advice="W += ... writes into the caller's array (the frozen pretrained weight): return W + ... instead, "
            "a new array", exercise="merge_lora", observed_by=MUTATION),
])

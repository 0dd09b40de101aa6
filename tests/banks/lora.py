"""Bank for lab-1.4.4-svd-for-lora: wrong implementations (named mistakes where
one applies) and alternative correct ones, one group per exercise."""
import numpy as np

from tests.banks import Bank

bank = Bank()


# # WRONG: each variant must lose points, naming its mistake when it has a key


# ## low_rank_approx

@bank.wrong("svd_wrong_factor_slicing")
def low_rank_approx(W, r):
    U, S, Vt = np.linalg.svd(W, full_matrices=False)
    return U[:, :r] @ np.diag(S[:r]) @ Vt[:, :r].T   # treats Vt as if it were V


@bank.wrong("svd_wrong_factor_slicing")
def low_rank_approx(W, r):
    U, S, Vt = np.linalg.svd(W, full_matrices=False)
    return U[:r].T @ np.diag(S[:r]) @ Vt[:r]          # rows of U instead of columns


@bank.wrong("off_by_one_rank")
def low_rank_approx(W, r):
    U, S, Vt = np.linalg.svd(W, full_matrices=False)
    return U[:, :r + 1] @ np.diag(S[:r + 1]) @ Vt[:r + 1, :]


@bank.wrong("smallest_singular_values_kept")
def low_rank_approx(W, r):
    U, S, Vt = np.linalg.svd(W, full_matrices=False)
    return U[:, -r:] @ np.diag(S[-r:]) @ Vt[-r:, :]   # keeps the smallest singular values


# ## relative_approx_error

@bank.wrong("singular_values_not_squared")
def relative_approx_error(W, r):
    S = np.linalg.svd(W, compute_uv=False)
    return np.sum(S[r:]) / np.sum(S)


@bank.wrong("off_by_one_rank")
def relative_approx_error(W, r):
    S = np.linalg.svd(W, compute_uv=False)
    return np.sqrt(np.sum(S[r + 1:] ** 2) / np.sum(S ** 2))


@bank.wrong("absolute_not_relative_error")
def relative_approx_error(W, r):
    U, S, Vt = np.linalg.svd(W, full_matrices=False)
    W_r = U[:, :r] @ np.diag(S[:r]) @ Vt[:r]
    return np.linalg.norm(W - W_r)                    # absolute, not relative


# ## energy_rank

@bank.wrong("singular_values_not_squared")
def energy_rank(S, threshold=0.95):
    energy = np.cumsum(S) / np.sum(S)
    return int(np.argmax(energy >= threshold)) + 1


@bank.wrong("off_by_one_rank")
def energy_rank(S, threshold=0.95):
    energy = np.cumsum(S ** 2) / np.sum(S ** 2)
    return int(np.argmax(energy >= threshold))         # index, not count: r - 1


@bank.wrong("off_by_one_rank")
def energy_rank(S, threshold=0.95):
    energy = np.concatenate([[0.0], np.cumsum(S ** 2)]) / np.sum(S ** 2)
    return int(np.argmax(energy >= threshold)) + 1     # already counts from r = 0: r + 1


# ## find_optimal_rank

@bank.wrong("off_by_one_rank")
def find_optimal_rank(W, target_error=0.01):
    S = np.linalg.svd(W, compute_uv=False)
    tail = np.append(np.cumsum(S[::-1] ** 2)[::-1], 0.0)
    err = np.sqrt(tail / tail[0])
    return int(np.argmax(err <= target_error)) + 1     # index plus one: r + 1


@bank.wrong("singular_values_not_squared")
def find_optimal_rank(W, target_error=0.01):
    S = np.linalg.svd(W, compute_uv=False)
    tail = np.append(np.cumsum(S[::-1])[::-1], 0.0)
    return int(np.argmax(tail / tail[0] <= target_error))


@bank.wrong("svd_in_loop")
def find_optimal_rank(W, target_error=0.01):
    for r in range(min(W.shape) + 1):                  # right answers, one SVD per candidate
        U, S, Vt = np.linalg.svd(W, full_matrices=False)
        W_r = U[:, :r] @ np.diag(S[:r]) @ Vt[:r]
        if np.linalg.norm(W - W_r) / np.linalg.norm(W) <= target_error + 1e-12:
            return r


@bank.wrong("energy_compared_with_error")
def find_optimal_rank(W, target_error=0.01):
    S = np.linalg.svd(W, compute_uv=False)
    kept = np.cumsum(S ** 2) / np.sum(S ** 2)
    return int(np.argmax(kept >= 1 - target_error)) + 1   # compares energy with 1 - error


# ## lora_param_counts

@bank.wrong("non_square_param_count")
def lora_param_counts(d_in, d_out, r):
    return d_in * d_in, 2 * d_in * r                   # the square-matrix formula d^2, 2dr


@bank.wrong("non_square_param_count")
def lora_param_counts(d_in, d_out, r):
    return d_in * d_out, 2 * d_out * r


@bank.wrong("counts_product_not_factors")
def lora_param_counts(d_in, d_out, r):
    return d_in * d_out, r * d_in * d_out              # counts B @ A, not B and A


# ## lora_savings_percent

@bank.wrong("non_square_param_count")
def lora_savings_percent(d_in, d_out, r):
    return 100 * (1 - 2 * d_in * r / (d_in * d_in))


@bank.wrong("savings_as_fraction")
def lora_savings_percent(d_in, d_out, r):
    return 1 - r * (d_in + d_out) / (d_in * d_out)     # a fraction, not a percentage


@bank.wrong("savings_kept_not_saved")
def lora_savings_percent(d_in, d_out, r):
    return 100 * r * (d_in + d_out) / (d_in * d_out)   # what LoRA keeps, not what it saves


# ## init_lora

@bank.wrong("random_b_init")
def init_lora(d_in, d_out, r, rng):
    B = rng.standard_normal((d_out, r)) * 0.01          # the quick reference's slip
    A = rng.standard_normal((r, d_in)) / np.sqrt(d_in)
    return B, A


@bank.wrong("zero_a_init")
def init_lora(d_in, d_out, r, rng):
    return np.zeros((d_out, r)), np.zeros((r, d_in))   # both zero: no gradient ever reaches A or B


@bank.wrong("a_init_not_scaled")
def init_lora(d_in, d_out, r, rng):
    return np.zeros((d_out, r)), rng.standard_normal((r, d_in)) * 10.0


@bank.wrong()
def init_lora(d_in, d_out, r, rng):
    return np.zeros((r, d_out)), rng.standard_normal((d_in, r)) / np.sqrt(d_in)   # transposed shapes


# ## lora_forward

@bank.wrong("missing_alpha_over_r")
def lora_forward(x, W, B, A, alpha, r):
    return W @ x + B @ (A @ x)


@bank.wrong("lora_full_product_in_forward")
def lora_forward(x, W, B, A, alpha, r):
    delta_W = (alpha / r) * (B @ A)                     # right values, but a (d_out, d_in) matrix per call
    return (W + delta_W) @ x


@bank.wrong("alpha_over_r_inverted")
def lora_forward(x, W, B, A, alpha, r):
    return W @ x + (r / alpha) * (B @ (A @ x))         # inverted scale


# ## lora_backward

@bank.wrong("transposed_lora_grads")
def lora_backward(dL_dy, x, B, A, alpha, r):
    s = alpha / r
    return s * (A @ x) @ dL_dy.T, s * x @ dL_dy.T @ B   # (r, d_out) and (d_in, r)


@bank.wrong("missing_alpha_over_r")
def lora_backward(dL_dy, x, B, A, alpha, r):
    return dL_dy @ (A @ x).T, B.T @ dL_dy @ x.T


@bank.wrong("missing_alpha_over_r")
def lora_backward(dL_dy, x, B, A, alpha, r):
    s = alpha / r
    return s * dL_dy @ (A @ x).T, B.T @ dL_dy @ x.T     # scale on dL_dB only


@bank.wrong("lora_grad_over_batch")
def lora_backward(dL_dy, x, B, A, alpha, r):
    s = alpha / r
    n = x.shape[1]                                     # averages over the batch a second time
    return s * dL_dy @ (A @ x).T / n, s * B.T @ dL_dy @ x.T / n


# ## merge_lora

@bank.wrong("missing_alpha_over_r")
def merge_lora(W, B, A, alpha, r):
    return W + B @ A


@bank.wrong("merge_scales_pretrained")
def merge_lora(W, B, A, alpha, r):
    return (W + B @ A) * (alpha / r)                   # scales the pretrained weight too


@bank.wrong("mutates_input")
def merge_lora(W, B, A, alpha, r):
    W += (alpha / r) * (B @ A)                         # right values, but overwrites the caller's W
    return W


# # RIGHT: other correct formulations, each must keep full marks


@bank.right()
def low_rank_approx(W, r):
    U, S, Vt = np.linalg.svd(W)                        # full SVD, then a sum of r rank-one terms
    W_r = np.zeros(W.shape)
    for i in range(r):
        W_r += S[i] * np.outer(U[:, i], Vt[i])
    return W_r


@bank.right()
def relative_approx_error(W, r):
    S = np.linalg.svd(W, compute_uv=False)             # Eckart-Young: the tail of the spectrum
    return float(np.sqrt(np.sum(S[r:] ** 2) / np.sum(S ** 2)))


@bank.right()
def energy_rank(S, threshold=0.95):
    total = np.sum(np.square(S))
    kept = 0.0
    for r, s in enumerate(S):
        if kept >= (threshold - 1e-12) * total:
            return r
        kept += s * s
    return len(S)


@bank.right()
def find_optimal_rank(W, target_error=0.01):
    S = np.linalg.svd(W, compute_uv=False)             # one SVD, then walk the tail down
    total = np.sum(S ** 2)
    for r in range(len(S) + 1):
        if np.sqrt(np.sum(S[r:] ** 2) / total) <= target_error + 1e-12:
            return r


@bank.right()
def lora_param_counts(d_in, d_out, r):
    B, A = np.empty((d_out, r)), np.empty((r, d_in))
    return int(np.prod((d_out, d_in))), B.size + A.size


@bank.right()
def lora_savings_percent(d_in, d_out, r):
    full, lora = d_in * d_out, d_out * r + r * d_in
    return 100.0 * (full - lora) / full


@bank.right()
def init_lora(d_in, d_out, r, rng):
    bound = 1.0 / np.sqrt(d_in)                        # Kaiming-uniform-like, as in PEFT
    return np.zeros((d_out, r)), rng.uniform(-bound, bound, size=(r, d_in))


@bank.right()
def lora_forward(x, W, B, A, alpha, r):
    h = np.einsum("ri,ib->rb", A, x)                   # the r-dimensional bottleneck
    return np.einsum("oi,ib->ob", W, x) + np.einsum("or,rb->ob", (alpha / r) * B, h)


@bank.right()
def lora_backward(dL_dy, x, B, A, alpha, r):
    dL_dDelta = (alpha / r) * dL_dy @ x.T              # gradient of the full update, then chain to B and A
    return dL_dDelta @ A.T, B.T @ dL_dDelta


@bank.right()
def merge_lora(W, B, A, alpha, r):
    return W + B @ ((alpha / r) * A)


# ## forms: lenient on form, strict on value (checks.compare.number) -----------------

@bank.right()
def relative_approx_error(W, r):
    S = np.linalg.svd(W, compute_uv=False)
    return np.sqrt(np.sum(S[r:] ** 2)) / np.linalg.norm(S)    # a numpy scalar


@bank.right()
def relative_approx_error(W, r):
    S = np.linalg.svd(W, compute_uv=False)
    return np.array(np.sqrt(np.sum(S[r:] ** 2) / np.sum(S ** 2)))   # a 0-d array


@bank.right()
def energy_rank(S, threshold=0.95):
    energy = np.cumsum(np.concatenate([[0.0], np.asarray(S, dtype=float) ** 2]))
    return np.argmax(energy >= (threshold - 1e-12) * energy[-1])   # a numpy int


@bank.right()
def find_optimal_rank(W, target_error=0.01):
    S = np.linalg.svd(W, compute_uv=False)
    tail = np.sqrt(np.append(np.cumsum(S[::-1] ** 2)[::-1], 0.0) / np.sum(S ** 2))
    return np.array(np.argmax(tail <= target_error + 1e-12))   # a 0-d integer array


@bank.right()
def lora_param_counts(d_in, d_out, r):
    d_in, d_out, r = np.int64(d_in), np.int64(d_out), np.int64(r)
    return d_in * d_out, r * (d_in + d_out)                    # numpy ints


@bank.right()
def lora_savings_percent(d_in, d_out, r):
    return np.array(100.0 - 100.0 * r * (d_in + d_out) / (d_in * d_out))   # a 0-d array


WRONG, RIGHT = bank.WRONG, bank.RIGHT

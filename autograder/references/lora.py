"""Reference answers for lab-1.4.4-svd-for-lora (SVD, Eckart-Young, LoRA).

LoRA as in Hu et al. (2021): the adapted weight is W + (alpha / r) B A with
B (d_out, r) zero at initialisation and A (r, d_in) random. x is (d_in, batch).

Rank searches count a target as reached when it is missed by round-off only:
the relative error (a fraction of ||W||_F) by at most TOL, the energy fraction
by at most TOL. Hidden tests keep their boundaries further away than that.
"""
import numpy as np

TOL = 1e-12  # round-off allowance on a relative error / energy fraction in [0, 1]


def low_rank_approx(W, r):
    """Best rank-r approximation (Eckart-Young): U_r diag(S_r) Vt_r."""
    U, S, Vt = np.linalg.svd(W, full_matrices=False)
    return (U[:, :r] * S[:r]) @ Vt[:r, :]


def relative_approx_error(W, r):
    """||W - W_r||_F / ||W||_F."""
    return float(np.linalg.norm(W - low_rank_approx(W, r)) / np.linalg.norm(W))


def energy_rank(S, threshold=0.95):
    """Smallest r with sum(S[:r]**2) >= threshold * sum(S**2)."""
    energy = np.concatenate([[0.0], np.cumsum(np.asarray(S, dtype=float) ** 2)])
    return int(np.argmax(energy / energy[-1] >= threshold - TOL))


def find_optimal_rank(W, target_error=0.01):
    """Smallest r with relative_approx_error(W, r) <= target, from one SVD."""
    S = np.linalg.svd(W, compute_uv=False)
    tail = np.append(np.cumsum(S[::-1] ** 2)[::-1], 0.0)  # tail[r] = sum(S[r:]**2)
    return int(np.argmax(np.sqrt(tail / tail[0]) <= target_error + TOL))


def lora_param_counts(d_in, d_out, r):
    """(full, lora) = (d_in * d_out, r * (d_in + d_out)) trainable parameters."""
    return d_in * d_out, r * (d_in + d_out)


def lora_savings_percent(d_in, d_out, r):
    """Percentage of trainable parameters LoRA saves: 100 * (1 - lora / full)."""
    full, lora = lora_param_counts(d_in, d_out, r)
    return 100.0 * (1.0 - lora / full)


def init_lora(d_in, d_out, r, rng):
    """(B, A): B zeros (d_out, r); A Gaussian (r, d_in) with std 1/sqrt(d_in)."""
    A = rng.standard_normal((r, d_in)) / np.sqrt(d_in)
    return np.zeros((d_out, r)), A


def lora_forward(x, W, B, A, alpha, r):
    """y = W x + (alpha / r) B (A x), never forming the (d_out, d_in) B A."""
    return W @ x + (alpha / r) * (B @ (A @ x))


def lora_backward(dL_dy, x, B, A, alpha, r):
    """(dL_dB, dL_dA) for y = lora_forward(x, W, B, A, alpha, r)."""
    s = alpha / r
    dL_dB = s * dL_dy @ (A @ x).T
    dL_dA = s * (B.T @ dL_dy) @ x.T
    return dL_dB, dL_dA


def merge_lora(W, B, A, alpha, r):
    """W + (alpha / r) B A: one matrix, no extra cost at inference."""
    return W + (alpha / r) * (B @ A)

"""Reference answers for lab-1.4.3-loss-landscape-visualization.

Parameters are flat float64 vectors except in `filter_normalize`, which works on
lists of per-layer arrays. Nothing here uses pyplot: `plot_landscape` builds a
bare `Figure`, so the grader never holds open figures.
"""
import numpy as np
from matplotlib.figure import Figure


def loss_grid(loss_fn, center, d1, d2, alphas, betas):
    """grid[i, j] = loss_fn(center + alphas[j] * d1 + betas[i] * d2), shape (len(betas), len(alphas))."""
    center, d1, d2 = (np.asarray(v, dtype=float) for v in (center, d1, d2))
    return np.array([[loss_fn(center + a * d1 + b * d2) for a in alphas] for b in betas], dtype=float)


def filter_normalize(direction, weights):
    """Li et al. 2018: each row of a >=2-D direction gets the norm of its weight row; 1-D parts are zeroed."""
    out = []
    for d, w in zip(direction, weights):
        d, w = np.asarray(d, dtype=float), np.asarray(w, dtype=float)
        if d.ndim < 2:
            out.append(np.zeros_like(d))
            continue
        d_norm = np.linalg.norm(d.reshape(len(d), -1), axis=1)
        w_norm = np.linalg.norm(w.reshape(len(w), -1), axis=1)
        scale = w_norm / np.where(d_norm > 0, d_norm, 1.0)      # a zero row stays zero
        out.append(d * scale.reshape((-1,) + (1,) * (d.ndim - 1)))
    return out


def pca_directions(trajectory):
    """Top two principal axes of the mean-centred (T, P) trajectory and their variance ratios."""
    X = np.asarray(trajectory, dtype=float)
    _, S, Vt = np.linalg.svd(X - X.mean(axis=0), full_matrices=False)
    var = S**2
    return Vt[0].copy(), Vt[1].copy(), var[:2] / var.sum()


def project_trajectory(trajectory, center, d1, d2):
    """(T, 2) coordinates of trajectory - center along the orthonormal d1, d2."""
    X = np.asarray(trajectory, dtype=float) - np.asarray(center, dtype=float)
    return np.stack([X @ np.asarray(d1, dtype=float), X @ np.asarray(d2, dtype=float)], axis=1)


def numerical_hessian(f, p, eps=1e-4):
    """Central differences H_ij = [f(++) - f(+-) - f(-+) + f(--)] / (4 eps^2), symmetrised."""
    p = np.asarray(p, dtype=float)
    E = eps * np.eye(p.size)
    H = np.array([[f(p + ei + ej) - f(p + ei - ej) - f(p - ei + ej) + f(p - ei - ej) for ej in E]
                  for ei in E], dtype=float) / (4 * eps**2)
    return (H + H.T) / 2


def classify_critical_point(f, p):
    """Hessian eigenvalues all > 0: "minimum"; all < 0: "maximum"; of both signs: "saddle"."""
    lam = np.linalg.eigvalsh(numerical_hessian(f, p))
    return "minimum" if lam.min() > 0 else "maximum" if lam.max() < 0 else "saddle"


def max_stable_lr(H):
    """2 / lambda_max: gradient descent on 0.5 x^T H x converges exactly for 0 < lr < this."""
    return 2.0 / np.linalg.eigvalsh(np.asarray(H, dtype=float))[-1]


def plot_landscape(grid, alphas, betas, trajectory_2d=None):
    """Contour plot of grid (rows = betas on y, columns = alphas on x), with the projected path if given."""
    fig = Figure(figsize=(6, 5))
    ax = fig.add_subplot()
    cs = ax.contour(alphas, betas, grid, levels=20)
    ax.clabel(cs, fontsize=7)
    if trajectory_2d is not None:
        path = np.asarray(trajectory_2d, dtype=float)
        ax.plot(path[:, 0], path[:, 1], ".-", color="crimson", label="trajectory")
        ax.legend()
    ax.set_xlabel(r"$\alpha$ (direction 1)")
    ax.set_ylabel(r"$\beta$ (direction 2)")
    ax.set_title("Loss landscape")
    return fig

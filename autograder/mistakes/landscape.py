"""Known mistakes of lab 1.4.3 (loss landscape visualization).

Each `build` takes the exercise's inputs and returns the wrong answer the
mistake produces; the hidden tests compare a failing answer with it. Entries
without `build` are not a value (an asymmetric matrix, a swapped plot, a
bias left non-zero) and are raised explicitly by the test that sees them.
"""
import numpy as np

from autograder.mistakes import Mistake
from autograder.references import landscape as ref


def _whole_tensor(d, w):
    d, w = np.asarray(d, dtype=float), np.asarray(w, dtype=float)
    return d * np.linalg.norm(w) / np.linalg.norm(d)


def _pca_uncentred(trajectory):
    _, S, Vt = np.linalg.svd(np.asarray(trajectory, dtype=float), full_matrices=False)
    return Vt[0], Vt[1], S[:2] ** 2 / np.sum(S ** 2)


def _forward_hessian(f, p, eps=1e-4):
    p = np.asarray(p, dtype=float)
    E, f0 = eps * np.eye(p.size), f(p)
    return np.array([[f(p + ei + ej) - f(p + ei) - f(p + ej) + f0 for ej in E] for ei in E]) / eps ** 2


def _by_determinant(f, p):
    return "minimum" if np.linalg.det(ref.numerical_hessian(f, p)) > 0 else "saddle"


def _by_trace(f, p):
    return "minimum" if np.trace(ref.numerical_hessian(f, p)) > 0 else "maximum"


def _eigenvalues(H):
    return np.linalg.eigvalsh(np.asarray(H, dtype=float))


MISTAKES = [
    # --- loss_grid ------------------------------------------------------------
    Mistake("transposed_grid", "transposed grid: rows follow alphas and columns follow betas",
            "the grid is (len(betas), len(alphas)) with grid[i, j] = loss_fn(center + alphas[j] d1 + betas[i] d2): "
            "rows are betas (the y axis), columns are alphas (the x axis), as np.meshgrid(alphas, betas) lays them out",
            "loss_grid", "", lambda loss_fn, center, d1, d2, alphas, betas:
                ref.loss_grid(loss_fn, center, d1, d2, alphas, betas).T),
    # --- filter_normalize -----------------------------------------------------
    Mistake("whole_tensor_normalization", "whole-tensor instead of per-row (filter-wise) normalisation",
            "scale each row (filter) of the direction separately: row i gets the norm of weights row i, "
            "with norms over all axes but the first",
            "filter_normalize", "layer", _whole_tensor),
    Mistake("biases_not_zeroed", "biases (1-D arrays) not zeroed",
            "Li et al. set the direction's 1-D parts (biases) to zero instead of normalising them: "
            "return np.zeros_like(d) for them",
            "filter_normalize"),
    # --- pca_directions -------------------------------------------------------
    # build returns the whole (d1, d2, explained_ratio); tests pick the component they check
    Mistake("pca_not_centred", "PCA of the raw trajectory, without subtracting its mean",
            "subtract the mean row (trajectory - trajectory.mean(axis=0)) before the SVD; otherwise the first "
            "direction points from the origin of weight space to the trajectory instead of along it",
            "pca_directions", "", _pca_uncentred),
    # --- project_trajectory ---------------------------------------------------
    Mistake("projection_origin_mean", "projection origin at the trajectory's mean instead of the centre",
            "subtract `center` (the point the surface is computed around), not the mean: otherwise the path "
            "is drawn shifted against the surface",
            "project_trajectory", "", lambda traj, center, d1, d2:
                ref.project_trajectory(traj, np.mean(traj, axis=0), d1, d2)),
    Mistake("projection_origin_start", "projection origin at the trajectory's first point instead of the centre",
            "subtract `center` (the point the surface is computed around), not the starting point",
            "project_trajectory", "", lambda traj, center, d1, d2: ref.project_trajectory(traj, traj[0], d1, d2)),
    # --- numerical_hessian ----------------------------------------------------
    Mistake("forward_difference_hessian", "forward-difference Hessian (error O(eps) instead of O(eps^2))",
            "use the central four-point stencil [f(p+ei+ej) - f(p+ei-ej) - f(p-ei+ej) + f(p-ei-ej)] / (4 eps^2)",
            "numerical_hessian", "", _forward_hessian),
    Mistake("hessian_not_symmetrised", "the Hessian is not symmetric",
            "fill both triangles and return (H + H.T) / 2: the true Hessian is symmetric, "
            "and eigvalsh assumes it",
            "numerical_hessian"),
    # --- classify_critical_point ----------------------------------------------
    Mistake("classify_by_determinant", "classified by the sign of det(H)",
            "det(H) > 0 also holds for a maximum in 2-D and for saddles with an even number of negative "
            "eigenvalues: look at the signs of all eigenvalues (np.linalg.eigvalsh)",
            "classify_critical_point", "", _by_determinant),
    Mistake("classify_by_trace", "classified by the sign of the trace of H",
            "the trace is the sum of the eigenvalues and cannot see a saddle: all eigenvalues > 0 is a minimum, "
            "all < 0 a maximum, mixed signs a saddle",
            "classify_critical_point", "", _by_trace),
    # --- max_stable_lr --------------------------------------------------------
    Mistake("one_over_lambda", "1/lambda_max instead of 2/lambda_max",
            "gradient descent on 0.5 x^T H x multiplies the top eigencomponent by (1 - lr lambda_max) each step, "
            "which shrinks as long as |1 - lr lambda_max| < 1, i.e. up to lr = 2/lambda_max",
            "max_stable_lr", "", lambda H: 1.0 / _eigenvalues(H)[-1]),
    Mistake("lambda_min_instead_of_max", "the smallest eigenvalue instead of the largest",
            "the stiffest direction (largest eigenvalue) is the first to diverge: 2 / lambda_max",
            "max_stable_lr", "", lambda H: 2.0 / _eigenvalues(H)[0]),
    # --- plot_landscape -------------------------------------------------------
    Mistake("plot_swapped_axes", "the plot's axes are swapped: betas on x, alphas on y",
            "draw ax.contour(alphas, betas, grid): grid rows are betas (y) and columns alphas (x); "
            "plot the path as x = trajectory_2d[:, 0], y = trajectory_2d[:, 1]",
            "plot_landscape"),
]

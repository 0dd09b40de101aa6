"""Known mistakes of lab 1.4.3 (loss landscape visualization).

Each `build` takes the exercise's inputs and returns the wrong answer the
mistake produces; the hidden tests compare a failing answer with it. A bias
left non-zero and an asymmetric Hessian are symptoms of the answer; swapped
plot axes are seen only in the figure's description (`observed_by`).
"""
import numpy as np

from autograder.mistakes import Catalogue, Mistake
from autograder.references import landscape as ref


def _whole_tensor(d, w):
    """One norm for the whole layer; a mistake of matrices and filters (biases are zeroed, not scaled)."""
    d, w = np.asarray(d, dtype=float), np.asarray(w, dtype=float)
    if d.ndim < 2:
        raise ValueError("a 1-D layer has no rows to normalise")
    return d * np.linalg.norm(w) / np.linalg.norm(d)


def _nonzero_bias(got, d):
    """A finite answer for a 1-D (bias) layer with non-zero entries."""
    return (np.ndim(d) == 1 and type(got) is np.ndarray and got.dtype.kind in "fiu" and got.shape == np.shape(d)
            and bool(np.all(np.isfinite(got))) and bool(np.any(got != 0)))


def _asymmetric(H):
    """A real square matrix that is not exactly symmetric."""
    return (type(H) is np.ndarray and H.dtype.kind in "fiu" and H.ndim == 2 and H.shape[0] == H.shape[1]
            and not np.array_equal(H, H.T))


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


MISTAKES = Catalogue([
    # --- loss_grid ------------------------------------------------------------
    Mistake(key="transposed_grid", name="transposed grid: rows follow alphas and columns follow betas",
            advice="the grid is (len(betas), len(alphas)) with grid[i, j] = loss_fn(center + "
            "alphas[j] d1 + betas[i] d2): "
            "rows are betas (the y axis), columns are alphas (the x axis), as np.meshgrid(alphas, betas) lays them out",
            exercise="loss_grid", build=lambda loss_fn, center, d1, d2, alphas, betas:
                ref.loss_grid(loss_fn, center, d1, d2, alphas, betas).T),
    # --- filter_normalize -----------------------------------------------------
    Mistake(key="whole_tensor_normalization", name="whole-tensor instead of per-row (filter-wise) normalisation",
            advice="scale each row (filter) of the direction separately: row i gets the norm of weights row i, "
            "with norms over all axes but the first",
            exercise="filter_normalize", output="layer", build=_whole_tensor),
    Mistake(key="biases_not_zeroed", name="biases (1-D arrays) not zeroed",
            advice="Li et al. set the direction's 1-D parts (biases) to zero instead of normalising them: "
            "return np.zeros_like(d) for them",
            exercise="filter_normalize", output="layer", symptom=lambda got, d, w: _nonzero_bias(got, d)),
    # --- pca_directions -------------------------------------------------------
    # build returns the whole (d1, d2, explained_ratio); tests pick the component they check
    Mistake(key="pca_not_centred", name="PCA of the raw trajectory, without subtracting its mean",
            advice="subtract the mean row (trajectory - trajectory.mean(axis=0)) before the SVD; otherwise the first "
            "direction points from the origin of weight space to the trajectory instead of along it",
            exercise="pca_directions", build=_pca_uncentred),
    # --- project_trajectory ---------------------------------------------------
    Mistake(key="projection_origin_mean", name="projection origin at the trajectory's mean instead of the centre",
            advice="subtract `center` (the point the surface is computed around), not the mean: otherwise the path "
            "is drawn shifted against the surface",
            exercise="project_trajectory", build=lambda traj, center, d1, d2:
                ref.project_trajectory(traj, np.mean(traj, axis=0), d1, d2)),
    Mistake(key="projection_origin_start",
            name="projection origin at the trajectory's first point instead of the centre",
            advice="subtract `center` (the point the surface is computed around), not the starting point",
            exercise="project_trajectory",
            build=lambda traj, center, d1, d2: ref.project_trajectory(traj, traj[0], d1, d2)),
    # --- numerical_hessian ----------------------------------------------------
    Mistake(key="forward_difference_hessian", name="forward-difference Hessian (error O(eps) instead of O(eps^2))",
            advice="use the central four-point stencil [f(p+ei+ej) - f(p+ei-ej) - f(p-ei+ej) + f(p-ei-ej)] / (4 eps^2)",
            exercise="numerical_hessian", build=_forward_hessian),
    Mistake(key="hessian_not_symmetrised", name="the Hessian is not symmetric",
            advice="fill both triangles and return (H + H.T) / 2: the true Hessian is symmetric, "
            "and eigvalsh assumes it",
            exercise="numerical_hessian", symptom=lambda H, f, p, eps=1e-4: _asymmetric(H)),
    # --- classify_critical_point ----------------------------------------------
    Mistake(key="classify_by_determinant", name="classified by the sign of det(H)",
            advice="det(H) > 0 also holds for a maximum in 2-D and for saddles with an even number of negative "
            "eigenvalues: look at the signs of all eigenvalues (np.linalg.eigvalsh)",
            exercise="classify_critical_point", build=_by_determinant),
    Mistake(key="classify_by_trace", name="classified by the sign of the trace of H",
            advice="the trace is the sum of the eigenvalues and cannot see a saddle: all eigenvalues > 0 is a minimum, "
            "all < 0 a maximum, mixed signs a saddle",
            exercise="classify_critical_point", build=_by_trace),
    # --- max_stable_lr --------------------------------------------------------
    Mistake(key="one_over_lambda", name="1/lambda_max instead of 2/lambda_max",
            advice="gradient descent on 0.5 x^T H x multiplies the top eigencomponent by (1 - lr "
            "lambda_max) each step, "
            "which shrinks as long as |1 - lr lambda_max| < 1, i.e. up to lr = 2/lambda_max",
            exercise="max_stable_lr", build=lambda H: 1.0 / _eigenvalues(H)[-1]),
    Mistake(key="lambda_min_instead_of_max", name="the smallest eigenvalue instead of the largest",
            advice="the stiffest direction (largest eigenvalue) is the first to diverge: 2 / lambda_max",
            exercise="max_stable_lr", build=lambda H: 2.0 / _eigenvalues(H)[0]),
    # --- plot_landscape -------------------------------------------------------
    Mistake(key="plot_swapped_axes", name="the plot's axes are swapped: betas on x, alphas on y",
            advice="draw ax.contour(alphas, betas, grid): grid rows are betas (y) and columns alphas (x); "
            "plot the path as x = trajectory_2d[:, 0], y = trajectory_2d[:, 1]",
            exercise="plot_landscape", observed_by="the figure's description: contour extent, line coordinates"),
])

"""Bank for lab-1.4.3-loss-landscape-visualization (reference module `landscape`).

WRONG variants must lose points (and be named when `mistake` is a key); RIGHT
variants are other correct formulations that must keep full marks. Numerical
Hessians are judged against exact Hessians: a central-difference answer is
good to ~1e-7 relative with eps=1e-4, a forward-difference one is off by ~1e-4
on a function with O(1) third derivatives, so a 1e-5 tolerance separates them.
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from tests.banks import Bank

bank = Bank()


# # WRONG: each variant must lose points, naming its mistake when it has a key


# ---- loss_grid ---------------------------------------------------------

@bank.wrong("transposed_grid")
def loss_grid(loss_fn, center, d1, d2, alphas, betas):
    grid = np.zeros((len(alphas), len(betas)))
    for i, a in enumerate(alphas):
        for j, b in enumerate(betas):
            grid[i, j] = loss_fn(center + a * d1 + b * d2)
    return grid


@bank.wrong("transposed_grid")
def loss_grid(loss_fn, center, d1, d2, alphas, betas):
    A, B = np.meshgrid(alphas, betas, indexing="ij")    # (len(alphas), len(betas)): [j, i]
    return np.vectorize(lambda a, b: loss_fn(center + a * d1 + b * d2))(A, B)


@bank.wrong()
def loss_grid(loss_fn, center, d1, d2, alphas, betas):
    # forgets the centre: the plane passes through the origin of weight space
    return np.array([[loss_fn(a * d1 + b * d2) for a in alphas] for b in betas])


@bank.wrong()
def loss_grid(loss_fn, center, d1, d2, alphas, betas):
    # directions swapped: alphas move along d2, betas along d1
    return np.array([[loss_fn(center + a * d2 + b * d1) for a in alphas] for b in betas])


# ---- filter_normalize --------------------------------------------------

@bank.wrong("whole_tensor_normalization")
def filter_normalize(direction, weights):
    out = []
    for d, w in zip(direction, weights):
        if d.ndim == 1:
            out.append(np.zeros_like(d))
        else:
            out.append(d * np.linalg.norm(w) / np.linalg.norm(d))
    return out


@bank.wrong("biases_not_zeroed")
def filter_normalize(direction, weights):
    out = []
    for d, w in zip(direction, weights):
        if d.ndim == 1:   # a bias vector treated as one filter
            out.append(d * np.linalg.norm(w) / np.linalg.norm(d))
            continue
        d2, w2 = d.reshape(len(d), -1), w.reshape(len(w), -1)
        dn = np.linalg.norm(d2, axis=1)
        scale = np.linalg.norm(w2, axis=1) / np.where(dn > 0, dn, 1.0)
        out.append((d2 * scale[:, None]).reshape(d.shape))
    return out


@bank.wrong("biases_not_zeroed")
def filter_normalize(direction, weights):
    out = []
    for d, w in zip(direction, weights):
        if d.ndim == 1:   # left as drawn
            out.append(d.copy())
            continue
        d2, w2 = d.reshape(len(d), -1), w.reshape(len(w), -1)
        dn = np.linalg.norm(d2, axis=1)
        scale = np.linalg.norm(w2, axis=1) / np.where(dn > 0, dn, 1.0)
        out.append((d2 * scale[:, None]).reshape(d.shape))
    return out


@bank.wrong()
def filter_normalize(direction, weights):
    # normalises columns (axis 0) instead of rows
    out = []
    for d, w in zip(direction, weights):
        if d.ndim == 1:
            out.append(np.zeros_like(d))
            continue
        axes = (0,) + tuple(range(2, d.ndim))
        dn = np.sqrt(np.sum(d**2, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w**2, axis=axes, keepdims=True))
        out.append(d * wn / dn)
    return out


@bank.wrong()
def filter_normalize(direction, weights):
    # no guard: a zero direction row becomes 0/0 = nan
    out = []
    for d, w in zip(direction, weights):
        if d.ndim == 1:
            out.append(np.zeros_like(d))
            continue
        axes = tuple(range(1, d.ndim))
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append(d / np.sqrt(np.sum(d**2, axis=axes, keepdims=True)) * np.sqrt(np.sum(w**2, axis=axes, keepdims=True)))
    return out


@bank.wrong()
def filter_normalize(direction, weights):
    # scales by the weight row norm but never divides by the direction row norm
    out = []
    for d, w in zip(direction, weights):
        if d.ndim == 1:
            out.append(np.zeros_like(d))
            continue
        axes = tuple(range(1, d.ndim))
        out.append(d * np.sqrt(np.sum(w**2, axis=axes, keepdims=True)))
    return out


# ---- pca_directions ----------------------------------------------------

@bank.wrong("pca_not_centred")
def pca_directions(trajectory):
    _, S, Vt = np.linalg.svd(trajectory, full_matrices=False)
    var = S**2
    return Vt[0], Vt[1], var[:2] / var.sum()


@bank.wrong()
def pca_directions(trajectory):
    # explained ratio from singular values instead of variances (S, not S**2)
    X = trajectory - trajectory.mean(axis=0)
    _, S, Vt = np.linalg.svd(X, full_matrices=False)
    return Vt[0], Vt[1], S[:2] / S.sum()


@bank.wrong()
def pca_directions(trajectory):
    # eigh sorts eigenvalues ascending: these are the two SMALLEST components
    X = trajectory - trajectory.mean(axis=0)
    lam, V = np.linalg.eigh(X.T @ X)
    return V[:, 0], V[:, 1], lam[:2] / lam.sum()


# ---- project_trajectory ------------------------------------------------

@bank.wrong("projection_origin_mean")
def project_trajectory(trajectory, center, d1, d2):
    X = trajectory - trajectory.mean(axis=0)
    return np.column_stack([X @ d1, X @ d2])


@bank.wrong("projection_origin_start")
def project_trajectory(trajectory, center, d1, d2):
    X = trajectory - trajectory[0]
    return np.column_stack([X @ d1, X @ d2])


@bank.wrong()
def project_trajectory(trajectory, center, d1, d2):
    # no origin at all: coordinates of the raw weights
    return np.column_stack([trajectory @ d1, trajectory @ d2])


@bank.wrong()
def project_trajectory(trajectory, center, d1, d2):
    # (2, T) instead of (T, 2)
    X = trajectory - center
    return np.array([X @ d1, X @ d2])


# ---- numerical_hessian -------------------------------------------------

@bank.wrong("forward_difference_hessian")
def numerical_hessian(f, p, eps=1e-4):
    n = len(p)
    H = np.zeros((n, n))
    f0 = f(p)
    for i in range(n):
        ei = np.zeros(n); ei[i] = eps
        for j in range(n):
            ej = np.zeros(n); ej[j] = eps
            H[i, j] = (f(p + ei + ej) - f(p + ei) - f(p + ej) + f0) / eps**2
    return H


def _grad(f, p, eps):
    """Central-difference gradient of f at p."""
    g = np.zeros(len(p))
    for i in range(len(p)):
        e = np.zeros(len(p)); e[i] = eps
        g[i] = (f(p + e) - f(p - e)) / (2 * eps)
    return g


@bank.wrong("hessian_not_symmetrised", uses=[_grad])
def numerical_hessian(f, p, eps=1e-4):
    # column j = forward difference of a central-difference gradient; never symmetrised
    n = len(p)
    g0 = _grad(f, p, eps)
    H = np.zeros((n, n))
    for j in range(n):
        e = np.zeros(n); e[j] = eps
        H[:, j] = (_grad(f, p + e, eps) - g0) / eps
    return H


@bank.wrong("hessian_not_symmetrised")
def numerical_hessian(f, p, eps=1e-4):
    # computes the upper triangle only ("the Hessian is symmetric") and never mirrors it
    n = len(p)
    I = eps * np.eye(n)
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            H[i, j] = (f(p + I[i] + I[j]) - f(p + I[i] - I[j]) - f(p - I[i] + I[j]) + f(p - I[i] - I[j])) / (4 * eps**2)
    return H


@bank.wrong()
def numerical_hessian(f, p, eps=1e-4):
    # four-point stencil divided by eps**2 instead of 4 eps**2
    n = len(p)
    I = eps * np.eye(n)
    H = np.array([[f(p + I[i] + I[j]) - f(p + I[i] - I[j]) - f(p - I[i] + I[j]) + f(p - I[i] - I[j])
                   for j in range(n)] for i in range(n)]) / eps**2
    return (H + H.T) / 2


# ---- classify_critical_point ------------------------------------------

def _hessian(f, p, eps=1e-4):
    """Four-point central-difference Hessian of f at p."""
    I = eps * np.eye(len(p))
    H = np.array([[f(p + a + b) - f(p + a - b) - f(p - a + b) + f(p - a - b) for b in I] for a in I])
    return H / (4 * eps**2)


@bank.wrong("classify_by_determinant", uses=[_hessian])
def classify_critical_point(f, p):
    # the 2-D textbook test without its trace check: det > 0 "means" a minimum
    return "minimum" if np.linalg.det(_hessian(f, p)) > 0 else "saddle"


@bank.wrong("classify_by_trace", uses=[_hessian])
def classify_critical_point(f, p):
    t = np.trace(_hessian(f, p))
    return "minimum" if t > 0 else "maximum"


@bank.wrong(uses=[_hessian])
def classify_critical_point(f, p):
    # labels swapped: "curving up everywhere" read as a maximum
    lam = np.linalg.eigvalsh(_hessian(f, p))
    if np.all(lam > 0):
        return "maximum"
    if np.all(lam < 0):
        return "minimum"
    return "saddle"


# ---- max_stable_lr -----------------------------------------------------

@bank.wrong("one_over_lambda")
def max_stable_lr(H):
    return 1.0 / np.linalg.eigvalsh(H).max()


@bank.wrong("lambda_min_instead_of_max")
def max_stable_lr(H):
    return 2.0 / np.linalg.eigvalsh(H).min()


@bank.wrong()
def max_stable_lr(H):
    # largest diagonal entry, not the largest eigenvalue
    return 2.0 / np.max(np.diag(H))


# ---- plot_landscape ----------------------------------------------------

@bank.wrong("plot_swapped_axes")
def plot_landscape(grid, alphas, betas, trajectory_2d=None):
    fig, ax = plt.subplots()
    ax.contour(betas, alphas, grid.T, levels=20)
    if trajectory_2d is not None:
        ax.plot(trajectory_2d[:, 1], trajectory_2d[:, 0], "r.-")
    ax.set_xlabel("beta")
    ax.set_ylabel("alpha")
    return fig


@bank.wrong()
def plot_landscape(grid, alphas, betas, trajectory_2d=None):
    # forgets the path
    fig, ax = plt.subplots()
    ax.contour(alphas, betas, grid, levels=20)
    ax.set_xlabel("alpha")
    ax.set_ylabel("beta")
    return fig


@bank.wrong()
def plot_landscape(grid, alphas, betas, trajectory_2d=None):
    # an image, not a contour set, and no axis labels
    fig, ax = plt.subplots()
    ax.imshow(grid, origin="lower", extent=(alphas[0], alphas[-1], betas[0], betas[-1]), aspect="auto")
    if trajectory_2d is not None:
        ax.plot(trajectory_2d[:, 0], trajectory_2d[:, 1], "r.-")
    return fig


@bank.wrong()
def plot_landscape(grid, alphas, betas, trajectory_2d=None):
    # path drawn as scattered points (no line), axes unlabelled
    fig, ax = plt.subplots()
    ax.contour(alphas, betas, grid)
    if trajectory_2d is not None:
        ax.scatter(trajectory_2d[:, 0], trajectory_2d[:, 1])
    return fig


# # RIGHT: other correct formulations, each must keep full marks


@bank.right()
def loss_grid(loss_fn, center, d1, d2, alphas, betas):
    A, B = np.meshgrid(alphas, betas)            # both (len(betas), len(alphas))
    grid = np.empty(A.shape)
    for idx in np.ndindex(A.shape):
        grid[idx] = loss_fn(center + A[idx] * d1 + B[idx] * d2)
    return grid


@bank.right()
def filter_normalize(direction, weights):
    out = []
    for d, w in zip(direction, weights):
        if d.ndim <= 1:
            out.append(0.0 * d)
            continue
        new = np.zeros(d.shape)
        for k in range(d.shape[0]):              # one filter at a time
            dn = np.sqrt(np.sum(d[k] ** 2))
            if dn > 0:
                new[k] = d[k] * (np.sqrt(np.sum(w[k] ** 2)) / dn)
        out.append(new)
    return out


@bank.right()
def filter_normalize(direction, weights):
    out = []
    for d, w in zip(direction, weights):
        if np.ndim(d) < 2:
            out.append(np.zeros(np.shape(d)))
            continue
        axes = tuple(range(1, d.ndim))
        dn = np.sqrt(np.sum(d**2, axis=axes, keepdims=True))
        wn = np.sqrt(np.sum(w**2, axis=axes, keepdims=True))
        out.append(np.divide(d * wn, dn, out=np.zeros(d.shape), where=dn > 0))
    return out


@bank.right()
def pca_directions(trajectory):
    C = np.cov(trajectory, rowvar=False)          # P x P covariance (centres for us)
    lam, V = np.linalg.eigh(C)
    order = np.argsort(lam)[::-1]
    lam, V = lam[order], V[:, order]
    return V[:, 0], V[:, 1], lam[:2] / np.trace(C)


@bank.right()
def pca_directions(trajectory):
    # Gram-matrix (T x T) route: eigenvectors of X X^T mapped back through X^T
    X = trajectory - trajectory.mean(axis=0)
    lam, U = np.linalg.eigh(X @ X.T)
    lam, U = lam[::-1], U[:, ::-1]
    d1, d2 = X.T @ U[:, 0], X.T @ U[:, 1]
    return d1 / np.linalg.norm(d1), d2 / np.linalg.norm(d2), lam[:2] / np.sum(X**2)


@bank.right()
def project_trajectory(trajectory, center, d1, d2):
    # least-squares coordinates in the plane; equal to dot products for orthonormal d1, d2
    D = np.stack([d1, d2], axis=1)
    coords, *_ = np.linalg.lstsq(D, (trajectory - center).T, rcond=None)
    return coords.T


@bank.right()
def project_trajectory(trajectory, center, d1, d2):
    return np.einsum("tp,kp->tk", trajectory, np.stack([d1, d2])) - np.array([center @ d1, center @ d2])


@bank.right()
def numerical_hessian(f, p, eps=1e-4):
    # three-point second differences on the diagonal, four-point stencil off it
    n = len(p)
    I = eps * np.eye(n)
    f0 = f(p)
    H = np.zeros((n, n))
    for i in range(n):
        H[i, i] = (f(p + I[i]) - 2 * f0 + f(p - I[i])) / eps**2
        for j in range(i + 1, n):
            H[i, j] = H[j, i] = (f(p + I[i] + I[j]) - f(p + I[i] - I[j])
                                 - f(p - I[i] + I[j]) + f(p - I[i] - I[j])) / (4 * eps**2)
    return H


@bank.right(uses=[_grad])
def numerical_hessian(f, p, eps=1e-4):
    # central differences of a central-difference gradient, then symmetrised
    n = len(p)
    H = np.zeros((n, n))
    for j in range(n):
        e = np.zeros(n); e[j] = eps
        H[:, j] = (_grad(f, p + e, eps) - _grad(f, p - e, eps)) / (2 * eps)
    return 0.5 * (H + H.T)


def _positive_definite(A):
    """Whether A has a Cholesky factor."""
    try:
        np.linalg.cholesky(A)
        return True
    except np.linalg.LinAlgError:
        return False


@bank.right(uses=[_hessian, _positive_definite])
def classify_critical_point(f, p):
    H = _hessian(f, p)
    H = (H + H.T) / 2
    if _positive_definite(H):
        return "minimum"
    if _positive_definite(-H):
        return "maximum"
    return "saddle"


@bank.right()
def max_stable_lr(H):
    # for a symmetric positive definite matrix the spectral norm is lambda_max
    return 2.0 / np.linalg.norm(H, 2)


@bank.right()
def max_stable_lr(H):
    return 2.0 / np.max(np.linalg.eigvals(H).real)


@bank.right()
def plot_landscape(grid, alphas, betas, trajectory_2d=None):
    # filled contours with a colour bar (a second axes in the figure)
    fig, ax = plt.subplots(figsize=(6, 5))
    A, B = np.meshgrid(alphas, betas)
    cs = ax.contourf(A, B, grid, levels=30, cmap="viridis")
    fig.colorbar(cs, ax=ax, label="loss")
    if trajectory_2d is not None:
        ax.plot(trajectory_2d[:, 0], trajectory_2d[:, 1], "w-o", markersize=3)
        ax.plot(trajectory_2d[-1, 0], trajectory_2d[-1, 1], "r*", markersize=12)
    ax.set_xlabel("alpha")
    ax.set_ylabel("beta")
    ax.set_title("loss surface")
    return fig


@bank.right()
def plot_landscape(grid, alphas, betas, trajectory_2d=None):
    fig = Figure()
    ax = fig.add_subplot(1, 1, 1)
    ax.contour(alphas, betas, grid, levels=15, colors="k")
    if trajectory_2d is not None:
        ax.plot(*np.asarray(trajectory_2d).T, color="tab:orange")
    ax.set(xlabel="direction 1", ylabel="direction 2")
    return fig


# ## forms: lenient on form, strict on value (checks.compare.number) -----------------

@bank.right()
def max_stable_lr(H):
    return np.asarray(2.0 / np.max(np.linalg.eigvalsh(H)))    # a 0-d array


@bank.right()
def max_stable_lr(H):
    return float(2.0 / np.linalg.eigvalsh(H)[-1])              # a Python float


WRONG, RIGHT = bank.WRONG, bank.RIGHT

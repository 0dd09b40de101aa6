"""Hidden checks for lab 1.4.3: loss landscape visualization.

One test per property; its docstring is the sentence the student reads.
Grids are non-square (len(alphas) != len(betas)) so that a transposed grid or
swapped plot axes cannot pass by accident. Functions handed to the student
(loss_fn, f) live in this trusted process: the student's code calls back into
them, and they reject arguments of the wrong shape with a clear message.

The file is long because the lab has eight exercises and their inputs are
built here (trajectories with chosen singular values, functions with known
Hessians and critical points); each section is self-contained.
"""
import numpy as np
import pytest

from autograder.checks import inputs
from autograder.checks.compare import (
    PASS, TOLERANCES, Verdict, array_like, close, close_scalar, diagnose, expect, fail,
    inputs_unchanged, number, relative_error, returns_tuple)
from autograder.mistakes.landscape import MISTAKES
from autograder.references import landscape as ref

# Numerical Hessians are judged against the EXACT Hessian, by max |H - exact| / max |exact|.
# On the test functions below (O(1) second and third derivatives, f(p) of order 1) central
# differences with eps = 1e-4 are within 3e-8 of it over 1000 random draws, whichever stencil
# (four-point, three-point diagonal, differences of a central gradient); forward differences
# are never better than 9e-6. 1e-6 sits between the two with a margin of 30 and 9.
HESSIAN_TOL = 1e-6
# (H + H^T) / 2 is symmetric to the last bit; an unsymmetrised four-point stencil is off by
# summation-order round-off (~1e-9 of max |H|), a one-sided or one-triangle one by far more.
SYMMETRY_TOL = 1e-10
# max_stable_lr is run, not only compared: gradient descent at 0.99x must shrink |x| by this
# factor and at 1.01x grow it by this factor within GD_STEPS steps. Condition numbers are at
# most 100, so the slowest contraction at 0.99x is 0.9802 per step: ~700 steps suffice.
GD_FACTOR = 1e6
GD_STEPS = 5000
KINDS = ("minimum", "maximum", "saddle")


def vector_function(size, g, name):
    """g as a function of one (size,) float vector, rejecting anything else."""
    def f(x):
        x = np.asarray(x, dtype=float)
        if x.shape != (size,):
            raise ValueError(f"{name} expects one parameter vector of shape ({size},), got shape {x.shape}")
        return float(g(x))
    return f


# ## loss_grid -----------------------------------------------------------------

def plane_inputs(rng):
    """A smooth loss on P parameters, a centre, two directions and a non-square grid of coordinates."""
    size = int(rng.integers(3, 7))
    w, u = inputs.normal(rng, size), inputs.normal(rng, size)
    loss_fn = vector_function(size, lambda x: np.sum(w * np.sin(x)) + 0.5 * (u @ x) ** 2 + x[0], "loss_fn")
    n_alpha, n_beta = inputs.distinct_sizes(rng, 2, low=3, high=8)
    alphas = np.linspace(-rng.uniform(0.5, 2.0), rng.uniform(0.5, 2.0), n_alpha)
    betas = np.linspace(-rng.uniform(0.2, 1.0), rng.uniform(1.0, 3.0), n_beta)
    return loss_fn, inputs.normal(rng, size), inputs.normal(rng, size), inputs.normal(rng, size), alphas, betas


@pytest.mark.exercise("loss_grid", weight=3)
def test_loss_grid_orientation(student, rng):
    """on a non-square grid: shape (len(betas), len(alphas)), grid[i, j] = loss_fn(center + alphas[j] d1 + betas[i] d2)"""
    args = plane_inputs(rng)
    expect(close(student.loss_grid(*args), ref.loss_grid(*args), "the grid",
                 mistakes=MISTAKES.known("loss_grid", *args)))


@pytest.mark.exercise("loss_grid", weight=1)
def test_loss_grid_leaves_inputs(student, rng):
    """loss_grid leaves center, d1, d2, alphas and betas unchanged"""
    student.loss_grid(*plane_inputs(rng))
    expect(inputs_unchanged(student.last_call.mutated_inputs, "loss_grid"))


# ## filter_normalize ----------------------------------------------------------

def layer(rng, *shape):
    """(direction, weights) of one layer; weight rows of very different norms, so that per-row
    and whole-tensor normalisation differ."""
    row_scale = rng.uniform(0.2, 3.0, size=(shape[0],) + (1,) * (len(shape) - 1)) if len(shape) > 1 else 1.0
    return inputs.normal(rng, *shape), inputs.normal(rng, *shape) * row_scale


def normalized_layers(student, layers):
    direction, weights = [d for d, _ in layers], [w for _, w in layers]
    out = student.filter_normalize(direction, weights)
    expect(returns_tuple(out, len(direction), "filter_normalize",
                         noun=f"a list with one array per layer ({len(direction)})"))
    return out, ref.filter_normalize(direction, weights)


def layer_close(got, want, layers, k, what):
    return close(got[k], want[k], what, mistakes=MISTAKES.known("filter_normalize", *layers[k], output="layer"))


@pytest.mark.exercise("filter_normalize", weight=2)
def test_filter_normalize_rows(student, rng):
    """each row of a 2-D direction is rescaled to the norm of the matching weight row"""
    r1, c1, r2, c2 = inputs.distinct_sizes(rng, 4)
    layers = [layer(rng, r1, c1), layer(rng, r1), layer(rng, r2, c2), layer(rng, r2)]
    got, want = normalized_layers(student, layers)
    for k in (0, 2):
        expect(layer_close(got, want, layers, k, f"the {layers[k][0].shape} matrix layer"))


@pytest.mark.exercise("filter_normalize", weight=1)
def test_filter_normalize_filters(student, rng):
    """each filter of a 4-D (convolution) direction gets the norm of its weight filter (norm over all other axes)"""
    out_ch, in_ch = inputs.distinct_sizes(rng, 2, low=2, high=5)
    layers = [layer(rng, out_ch, in_ch, 3, 2), layer(rng, out_ch)]
    got, want = normalized_layers(student, layers)
    expect(layer_close(got, want, layers, 0, "the 4-D convolution layer"))


@pytest.mark.exercise("filter_normalize", weight=1)
def test_filter_normalize_biases_zeroed(student, rng):
    """1-D parts of the direction (biases) are set to zero"""
    r1, c1, r2, c2 = inputs.distinct_sizes(rng, 4)
    layers = [layer(rng, r1, c1), layer(rng, r1), layer(rng, r2, c2), layer(rng, r2)]
    got, want = normalized_layers(student, layers)
    for k in (1, 3):
        expect(layer_close(got, want, layers, k, f"the bias layer of length {len(want[k])}"))


@pytest.mark.exercise("filter_normalize", weight=1)
def test_filter_normalize_zero_row(student, rng):
    """an all-zero direction row stays zero (no 0/0 = nan); the other rows are still normalised"""
    rows, cols = inputs.distinct_sizes(rng, 2, low=3)
    d, w = layer(rng, rows, cols)
    d[int(rng.integers(rows))] = 0.0
    layers = [(d, w), layer(rng, rows)]
    got, want = normalized_layers(student, layers)
    expect(layer_close(got, want, layers, 0, "a matrix layer with a zero direction row"))


@pytest.mark.exercise("filter_normalize", weight=1)
def test_filter_normalize_leaves_inputs(student, rng):
    """filter_normalize leaves the direction and the weights unchanged"""
    rows, cols = inputs.distinct_sizes(rng, 2)
    normalized_layers(student, [layer(rng, rows, cols), layer(rng, rows), layer(rng, 2, 3, 2, 2)])
    expect(inputs_unchanged(student.last_call.mutated_inputs, "filter_normalize"))


# ## pca_directions ------------------------------------------------------------

def trajectory(rng, *, offset=20.0):
    """(T, P) path far from the origin whose centred rows have chosen, well-separated singular
    values, so that its top two principal directions are unambiguous."""
    size = int(rng.integers(4, 9))
    steps = int(rng.integers(12, 30))
    s1 = rng.uniform(3.0, 5.0)
    s2 = s1 * rng.uniform(0.3, 0.5)
    singular = np.concatenate([[s1, s2], np.sort(s2 * rng.uniform(0.05, 0.3, size - 2))[::-1]])
    coords = rng.standard_normal((steps, size))
    coords, _ = np.linalg.qr(coords - coords.mean(axis=0))      # orthonormal, zero-mean columns
    basis = inputs.orthonormal(rng, size, size)
    start = offset * inputs.orthonormal(rng, size, 1)[:, 0]
    return start + (coords * singular) @ basis.T


def pca_output(student, traj):
    out = student.pca_directions(traj)
    expect(returns_tuple(out, 3, "pca_directions"))
    return out


def direction_up_to_sign(got, want, what, known):
    """`got` is a unit vector equal to +-`want`; `known` are (mistake, wrong direction) pairs."""
    verdict = array_like(got, what, want.shape)
    if not verdict.ok:
        return verdict
    norm = float(np.linalg.norm(got))
    if abs(norm - 1.0) > 1e-8:
        return fail(f"{what} should have unit norm; its norm is {norm:.4g}")
    sign = 1.0 if got @ want >= 0 else -1.0
    aligned = sign * got
    return close(aligned, want, f"{what} (either sign)",
                 mistakes=[(m, wrong * (1.0 if wrong @ aligned >= 0 else -1.0)) for m, wrong in known])


def pca_mistakes(traj, index):
    return MISTAKES.known("pca_directions", traj, part=index)


@pytest.mark.exercise("pca_directions", weight=2)
def test_pca_first_direction(student, rng):
    """d1 is the unit-norm top principal direction of the mean-centred trajectory (either sign)"""
    traj = trajectory(rng)
    got = pca_output(student, traj)
    expect(direction_up_to_sign(got[0], ref.pca_directions(traj)[0], "d1", pca_mistakes(traj, 0)))


@pytest.mark.exercise("pca_directions", weight=1)
def test_pca_second_direction(student, rng):
    """d2 is the unit-norm second principal direction of the mean-centred trajectory (either sign)"""
    traj = trajectory(rng)
    got = pca_output(student, traj)
    expect(direction_up_to_sign(got[1], ref.pca_directions(traj)[1], "d2", pca_mistakes(traj, 1)))


@pytest.mark.exercise("pca_directions", weight=1)
def test_pca_explained_ratio(student, rng):
    """explained_ratio holds the two variance ratios sigma_k^2 / sum_j sigma_j^2 of the centred trajectory"""
    traj = trajectory(rng)
    got = pca_output(student, traj)
    expect(close(got[2], ref.pca_directions(traj)[2], "explained_ratio", mistakes=pca_mistakes(traj, 2)))


@pytest.mark.exercise("pca_directions", weight=1)
def test_pca_leaves_trajectory(student, rng):
    """pca_directions leaves the trajectory unchanged (no in-place centring)"""
    pca_output(student, trajectory(rng))
    expect(inputs_unchanged(student.last_call.mutated_inputs, "pca_directions"))


# ## project_trajectory --------------------------------------------------------

def projection_inputs(rng):
    traj = trajectory(rng, offset=10.0)
    basis = inputs.orthonormal(rng, traj.shape[1], 2)
    return traj, basis[:, 0].copy(), basis[:, 1].copy()


@pytest.mark.exercise("project_trajectory", weight=2)
def test_project_trajectory_final_point(student, rng):
    """with center = the final point, the coordinates are (theta_t - center) . d1 and . d2, shape (T, 2)"""
    traj, d1, d2 = projection_inputs(rng)
    args = (traj, traj[-1].copy(), d1, d2)
    expect(close(student.project_trajectory(*args), ref.project_trajectory(*args), "the projected path",
                 mistakes=MISTAKES.known("project_trajectory", *args)))


@pytest.mark.exercise("project_trajectory", weight=1)
def test_project_trajectory_any_center(student, rng):
    """the origin of the coordinates is the given center, also when it is not a point of the path"""
    traj, d1, d2 = projection_inputs(rng)
    args = (traj, traj.mean(axis=0) + inputs.normal(rng, traj.shape[1]), d1, d2)
    expect(close(student.project_trajectory(*args), ref.project_trajectory(*args), "the projected path",
                 mistakes=MISTAKES.known("project_trajectory", *args)))


@pytest.mark.exercise("project_trajectory", weight=1)
def test_project_trajectory_leaves_inputs(student, rng):
    """project_trajectory leaves trajectory, center, d1 and d2 unchanged"""
    traj, d1, d2 = projection_inputs(rng)
    student.project_trajectory(traj, traj[-1].copy(), d1, d2)
    expect(inputs_unchanged(student.last_call.mutated_inputs, "project_trajectory"))


# ## numerical_hessian ---------------------------------------------------------

def curved_function(rng, p):
    """A smooth f of p.size parameters with O(1) second and third derivatives at p, and its exact Hessian."""
    size = p.size
    A, U = inputs.normal(rng, size, size) / np.sqrt(size), inputs.normal(rng, size, size) / np.sqrt(size)
    w, phase = inputs.normal(rng, size, scale=0.5), rng.uniform(0.0, 2 * np.pi, size)
    v = rng.choice([-1.0, 1.0], size) * rng.uniform(1.0, 2.0, size)
    S = inputs.symmetric(rng, rng.choice([-1.0, 1.0], size) * rng.uniform(0.5, 2.0, size))

    def g(x):
        y = x - p
        return w @ (np.sin(A @ y + phase) - np.sin(phase)) + v @ (U @ y) ** 3 / 6 + 0.5 * y @ S @ y
    exact = -(A.T * (w * np.sin(phase))) @ A + S           # the cubic term has no curvature at p
    return vector_function(size, g, "f"), exact


def hessian_close(got, exact, what, mistakes=()):
    """max |got - exact| / max |exact| within HESSIAN_TOL."""
    verdict = array_like(got, what, exact.shape)
    if verdict.ok:
        error = float(np.max(np.abs(got - exact)) / np.max(np.abs(exact)))
        if error <= HESSIAN_TOL:
            return PASS
        verdict = Verdict(False, f"{what}: max error {error:.1e} relative to its largest entry "
                                 f"(tolerance {HESSIAN_TOL:.0e})", error, HESSIAN_TOL)
    return diagnose(got, verdict, mistakes, HESSIAN_TOL)


@pytest.mark.exercise("numerical_hessian", weight=2)
def test_numerical_hessian_accurate(student, rng):
    """numerical_hessian(f, p) matches the exact Hessian of a smooth function to central-difference accuracy"""
    p = inputs.normal(rng, int(rng.integers(3, 7)))
    f, exact = curved_function(rng, p)
    expect(hessian_close(student.numerical_hessian(f, p), exact, "the Hessian",
                         mistakes=MISTAKES.known("numerical_hessian", f, p)))


@pytest.mark.exercise("numerical_hessian", weight=1)
def test_numerical_hessian_symmetric(student, rng):
    """numerical_hessian returns an exactly symmetric (P, P) matrix"""
    p = inputs.normal(rng, int(rng.integers(3, 6)))
    f, exact = curved_function(rng, p)
    H = student.numerical_hessian(f, p)
    expect(array_like(H, "the Hessian", exact.shape))
    asymmetry = float(np.max(np.abs(H - H.T)) / max(float(np.max(np.abs(H))), 1e-300))
    if asymmetry > SYMMETRY_TOL:
        expect(diagnose(H, fail(f"the Hessian is not symmetric: max |H - H^T| is {asymmetry:.1e} of its largest "
                                f"entry (tolerance {SYMMETRY_TOL:.0e})"),
                        MISTAKES.known("numerical_hessian", f, p), SYMMETRY_TOL))


@pytest.mark.exercise("numerical_hessian", weight=1)
def test_numerical_hessian_leaves_p(student, rng):
    """numerical_hessian leaves p unchanged"""
    p = inputs.normal(rng, 3)
    f, _ = curved_function(rng, p)
    student.numerical_hessian(f, p)
    expect(inputs_unchanged(student.last_call.mutated_inputs, "numerical_hessian"))


# ## classify_critical_point ---------------------------------------------------

def critical_point(rng, eigenvalues):
    """f with a non-degenerate critical point c whose Hessian has these eigenvalues (plus cubic terms)."""
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    size = eigenvalues.size
    c = inputs.normal(rng, size)
    H = inputs.symmetric(rng, eigenvalues)
    U, v = inputs.normal(rng, size, size) / np.sqrt(size), inputs.normal(rng, size, scale=0.5)
    level = rng.uniform(-1.0, 1.0)

    def g(x):
        y = x - c
        return level + 0.5 * y @ H @ y + v @ (U @ y) ** 3 / 6
    return vector_function(size, g, "f"), c


def type_name(value) -> str:
    """The type of a returned value, also for one that stayed in the student's process."""
    return getattr(value, "type_name", type(value).__name__)


def kind_verdict(got, want, what, known):
    if type(got) is not str:
        return fail(f"classify_critical_point should return one of the strings {', '.join(map(repr, KINDS))}; "
                    f"got a value of type {type_name(got)} (return a plain Python str)")
    if got not in KINDS:
        return fail(f"classify_critical_point returned {got!r}; expected one of {', '.join(map(repr, KINDS))}")
    if got == want:
        return PASS
    message = f"classify_critical_point returned {got!r} for {what}"
    named = [mistake for mistake, wrong in known if wrong != want and got == wrong]
    return fail(message, named[0] if named else None)


def classified(student, f, c, want, what):
    got = student.classify_critical_point(f, c)
    expect(kind_verdict(got, want, what, MISTAKES.known("classify_critical_point", f, c)))


@pytest.mark.exercise("classify_critical_point", weight=1)
def test_classify_minimum(student, rng):
    """a minimum (all Hessian eigenvalues > 0, in 2 to 5 dimensions) is classified as "minimum" """
    f, c = critical_point(rng, rng.uniform(0.3, 2.0, int(rng.integers(2, 6))))
    classified(student, f, c, "minimum", "a minimum")


@pytest.mark.exercise("classify_critical_point", weight=1)
def test_classify_maximum(student, rng):
    """a maximum (all eigenvalues < 0, odd dimension) is classified as "maximum" """
    f, c = critical_point(rng, -rng.uniform(0.3, 2.0, int(rng.choice([3, 5]))))
    classified(student, f, c, "maximum", "a maximum")


@pytest.mark.exercise("classify_critical_point", weight=1)
def test_classify_saddle_odd(student, rng):
    """a saddle with an odd number of negative eigenvalues and a negative trace is classified as "saddle" """
    size = int(rng.integers(2, 5))
    negative = 3 if size == 4 and rng.random() < 0.5 else 1
    f, c = critical_point(rng, np.concatenate([-rng.uniform(2.0, 3.0, negative),
                                               rng.uniform(0.3, 0.5, size - negative)]))
    classified(student, f, c, "saddle", "a saddle point")


@pytest.mark.exercise("classify_critical_point", weight=1)
def test_classify_saddle_even(student, rng):
    """a saddle with two negative eigenvalues (det(H) > 0) and a negative trace is classified as "saddle" """
    size = int(rng.integers(3, 6))
    f, c = critical_point(rng, np.concatenate([-rng.uniform(2.0, 3.0, 2),
                                               rng.uniform(0.3, 0.5, size - 2)]))
    classified(student, f, c, "saddle", "a saddle point")


# ## max_stable_lr -------------------------------------------------------------

def curvature(rng):
    """Random symmetric positive definite H, condition number between 10 and 100."""
    size = int(rng.integers(3, 8))
    top = rng.uniform(1.0, 20.0)
    condition = np.exp(rng.uniform(np.log(10.0), np.log(100.0)))
    inner = np.exp(rng.uniform(-np.log(condition), 0.0, size - 2))
    return inputs.symmetric(rng, top * np.concatenate([[1.0, 1.0 / condition], inner]))


def descent_growth(H, lr, x0):
    """|x_n| / |x_0| for gradient descent x <- x - lr H x, stopped once it is clearly decided."""
    x, start = x0.copy(), float(np.linalg.norm(x0))
    for _ in range(GD_STEPS):
        x = x - lr * (H @ x)
        ratio = float(np.linalg.norm(x)) / start
        if ratio < 1 / GD_FACTOR or ratio > GD_FACTOR:
            break
    return ratio


def learning_rate(student, H):
    verdict, got = number(student.max_stable_lr(H), "max_stable_lr(H)")
    expect(verdict)
    if not np.isfinite(got) or got <= 0:
        expect(fail(f"max_stable_lr should return a positive number; got {got!r}"))
    return float(got)


@pytest.mark.exercise("max_stable_lr", weight=2)
def test_max_stable_lr_is_the_edge(student, rng):
    """gradient descent on 0.5 x^T H x converges at 0.99 x max_stable_lr(H) and diverges at 1.01 x it"""
    H = curvature(rng)
    lr = learning_rate(student, H)
    _, Q = np.linalg.eigh(H)
    x0 = Q @ (rng.choice([-1.0, 1.0], len(H)) * rng.uniform(0.5, 1.0, len(H)))   # every eigencomponent present
    known = MISTAKES.known("max_stable_lr", H)
    with np.errstate(all="ignore"):
        below, above = descent_growth(H, 0.99 * lr, x0), descent_growth(H, 1.01 * lr, x0)
    if not below < 1 / GD_FACTOR:
        expect(diagnose(lr, fail("gradient descent diverges (or does not converge) at 0.99 x your learning rate: "
                                 "it is above the largest stable one"), known, TOLERANCES.exact))
    if not above > GD_FACTOR:
        expect(diagnose(lr, fail("gradient descent still converges at 1.01 x your learning rate: "
                                 "it is below the largest stable one"), known, TOLERANCES.exact))


@pytest.mark.exercise("max_stable_lr", weight=1)
def test_max_stable_lr_value(student, rng):
    """max_stable_lr(H) is 2 / lambda_max(H) for a symmetric positive definite H"""
    H = curvature(rng)
    expect(close_scalar(learning_rate(student, H), ref.max_stable_lr(H), "max_stable_lr(H)",
                        mistakes=MISTAKES.known("max_stable_lr", H)))


# ## plot_landscape ------------------------------------------------------------

def landscape_inputs(rng):
    """A smooth surface on a non-square grid; alphas and betas span different ranges; a path inside."""
    n_alpha, n_beta = inputs.distinct_sizes(rng, 2, low=5, high=12)
    alphas = np.linspace(-rng.uniform(1.5, 3.0), rng.uniform(1.0, 2.5), n_alpha)
    betas = np.linspace(-rng.uniform(0.2, 0.8), rng.uniform(0.3, 1.0), n_beta)
    A, B = np.meshgrid(alphas, betas)
    a0, b0 = rng.uniform(-0.5, 0.5), rng.uniform(-0.2, 0.2)
    grid = (A - a0) ** 2 + 4.0 * (B - b0) ** 2 + 0.5 * A * B + 0.3 * np.sin(2 * A)
    steps = int(rng.integers(4, 10))
    path = np.column_stack([np.linspace(alphas[-1] * 0.8, a0, steps), np.linspace(betas[0] * 0.8, b0, steps)])
    path += inputs.normal(rng, steps, 2, scale=0.05)
    return grid, alphas, betas, path


def contour_axes(student, fig):
    """The described axes that holds a contour set; fails with a message when there is none."""
    if fig is None:
        expect(fail("plot_landscape returned None: return the Figure "
                    "(e.g. `fig, ax = plt.subplots()` ... `return fig`)"))
    description = student.describe_figure(fig, "plot_landscape")
    if description is None:
        expect(fail(f"plot_landscape should return a matplotlib Figure (e.g. `fig` from "
                    f"`fig, ax = plt.subplots()`); got a value of type {type_name(fig)}"))
    axes = [ax for ax in description["axes"] if ax["contours"]]
    if not axes:
        images = any(ax["images"] for ax in description["axes"])
        expect(fail("the figure has no contour plot" + (" (it shows an image)" if images else "")
                    + ": draw the surface with ax.contour(alphas, betas, grid) or ax.contourf"))
    return axes[0]


@pytest.mark.exercise("plot_landscape", weight=2)
def test_plot_landscape_contour_extent(student, rng):
    """the Figure holds a contour plot with alphas on the x axis and betas on the y axis (non-square grid)"""
    grid, alphas, betas, path = landscape_inputs(rng)
    ax = contour_axes(student, student.plot_landscape(grid, alphas, betas, path))
    extent = np.asarray(ax["contours"][0]["extent"], dtype=float)
    right = [alphas.min(), betas.min(), alphas.max(), betas.max()]
    if not (np.all(np.isfinite(extent)) and relative_error(extent, right) <= TOLERANCES.exact):
        swapped = [betas.min(), alphas.min(), betas.max(), alphas.max()]
        expect(diagnose(extent, fail("the contour set does not span alphas along x and betas along y "
                                     "(pass them as X and Y: ax.contour(alphas, betas, grid))"),
                        [(MISTAKES.named("plot_swapped_axes", "plot_landscape"), swapped)], TOLERANCES.exact))


@pytest.mark.exercise("plot_landscape", weight=1)
def test_plot_landscape_path(student, rng):
    """trajectory_2d is drawn as a line on the contour plot: x = column 0 (alpha), y = column 1 (beta)"""
    grid, alphas, betas, path = landscape_inputs(rng)
    ax = contour_axes(student, student.plot_landscape(grid, alphas, betas, path))
    lines = [np.asarray(line, dtype=float) for line in ax["lines"]]

    def drawn(points):
        return any(line.shape == points.shape and relative_error(line, points) <= TOLERANCES.exact
                   for line in lines)
    if drawn(path):
        return
    if drawn(path[:, ::-1]):
        expect(fail("the path is drawn with its coordinates swapped (beta on x, alpha on y)",
                    MISTAKES.named("plot_swapped_axes", "plot_landscape")))
    scattered = " (points drawn with scatter are not a line)" if ax["other_collections"] else ""
    expect(fail("no line on the contour plot follows trajectory_2d" + scattered
                + ": draw it with ax.plot(trajectory_2d[:, 0], trajectory_2d[:, 1])"))


@pytest.mark.exercise("plot_landscape", weight=1)
def test_plot_landscape_without_path(student, rng):
    """without trajectory_2d (None, the default) plot_landscape still returns a Figure with the contour plot"""
    grid, alphas, betas, _ = landscape_inputs(rng)
    contour_axes(student, student.plot_landscape(grid, alphas, betas))


@pytest.mark.exercise("plot_landscape", weight=1)
def test_plot_landscape_labels(student, rng):
    """both axes of the contour plot are labelled (xlabel and ylabel)"""
    grid, alphas, betas, path = landscape_inputs(rng)
    ax = contour_axes(student, student.plot_landscape(grid, alphas, betas, path))
    missing = [name for name in ("xlabel", "ylabel") if not str(ax[name]).strip()]
    if missing:
        expect(fail(f"the contour plot has no {' and no '.join(missing)}: "
                    "name the axes, e.g. ax.set_xlabel('alpha (direction 1)')"))

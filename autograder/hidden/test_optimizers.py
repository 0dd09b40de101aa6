"""Hidden checks for lab 1.4.2: optimizers, Rosenbrock, the optimize driver, schedules.

Step functions are judged one step at a time. Over 25 steps on a trusted curved
loss (quartic plus a coupled quadratic), the grader computes the gradient at the
student's CURRENT parameters, calls the student's step and the reference step on
those same inputs, and compares the update (new_param - param, so the error is
relative to the size of the step) and every returned state array. One wrong step
cannot cascade, and the feedback names the first step that differs. Two arrays
of different shapes are stepped side by side, each with its own state and the
same t, so a step that counts calls itself (hidden state) shows up.

optimize is judged against the reference step loop; when it differs there but
reproduces the loop built from the student's OWN step functions (called one by
one from here), the fault is the step function's and is charged to that
exercise only. Likewise an adamw_step that is the decay followed by the
student's own (wrong) adam_step, and a warmup_cosine_schedule built on the
student's own (wrong) cosine_schedule: one mistake costs points once.

Aliasing cannot be seen across the process boundary (values arrive as copies),
so it is judged by behaviour: the trajectory of the student's optimize holds
every row the student's code produced, and rows that alias one array updated in
place are a named mistake. In-place mutation of inputs and state kept between
calls (same inputs twice, same result) have their own checks.

Over 300 lines: eleven exercises, and the helpers that judge a step, a
trajectory and a schedule belong beside the checks that use them.
"""
import inspect

import numpy as np
import pytest

from autograder.checks import inputs
from autograder.checks.compare import (
    PASS, TOLERANCES, CheckFailed, Verdict, close, close_scalar, expect, fail, inputs_unchanged, is_array,
    is_sequence, number, relative_error, returns_tuple)
from autograder.checks.gradcheck import check_gradient
from autograder.mistakes.optimizers import MISTAKES
from autograder.references import optimizers as ref
from autograder.sandbox.proxy import StudentFailure

TOL = TOLERANCES.exact    # every answer here is a closed formula: only round-off separates correct forms

NAMES = tuple(ref.STEPS)         # sgd, momentum, nesterov, rmsprop, adam, adamw
STEPS = 25                       # steps per sequence (the issue asks for at least 20)

# Far from the defaults, so that a forgotten keyword or a swapped beta shows; AdamW's
# large lr * weight_decay makes "decay after the step" differ by lr^2 wd |update|.
UNUSUAL = {"sgd": dict(lr=0.05), "momentum": dict(lr=0.03, beta=0.7), "nesterov": dict(lr=0.03, beta=0.6),
           "rmsprop": dict(lr=0.05, beta=0.6, eps=1e-4),
           "adam": dict(lr=0.1, beta1=0.6, beta2=0.8, eps=1e-5),
           "adamw": dict(lr=0.2, beta1=0.7, beta2=0.9, eps=1e-6, weight_decay=0.5)}
# Gradients of this size make sqrt(v) comparable to the default eps = 1e-8: where eps sits matters.
TINY = 1e-8

# optimize: hyperparameters per optimizer (scaled by a random factor per run) and the budget.
DRIVE = {"sgd": dict(lr=0.04), "momentum": dict(lr=0.02, beta=0.8), "nesterov": dict(lr=0.02, beta=0.7),
         "rmsprop": dict(lr=0.03, beta=0.8, eps=1e-6), "adam": dict(lr=0.05, beta1=0.8, beta2=0.95, eps=1e-7),
         "adamw": dict(lr=0.05, beta1=0.85, beta2=0.99, eps=1e-8, weight_decay=0.2)}
# Convergence budget, measured on the reference (tests/test_references_optimizers.py): Adam at
# lr 0.002 from (-1, 1) enters the 1e-3 ball around (1, 1) at step ~4180 and stays inside
# (<= 7e-4) through 20 000 steps; 5000 steps leave ~20% slack. ~1.2 s of callbacks.
CONVERGE_LR, CONVERGE_STEPS, CONVERGE_TOL = 0.002, 5000, 1e-3


def by_step(weights: dict) -> list:
    """pytest params, one per optimizer, each marked with its step function's exercise."""
    return [pytest.param(name, marks=pytest.mark.exercise(f"{name}_step", weight=w), id=name)
            for name, w in weights.items()]


class CurvedLoss:
    """L(q) = scale (sum(c q^4) / 4 + q^T A q / 2), q = all arrays flattened and concatenated:
    curvature that grows away from 0, coupled across entries and arrays (A is SPD)."""

    def __init__(self, rng, shapes, scale=1.0):
        self.shapes = [tuple(s) for s in shapes]
        n = sum(int(np.prod(s)) for s in self.shapes)
        self.c, self.scale = rng.uniform(0.1, 0.5, n), scale
        self.A = inputs.symmetric(rng, rng.uniform(0.5, 3.0, n))

    def grads(self, params) -> list:
        q = np.concatenate([np.asarray(p, dtype=float).ravel() for p in params])
        g = self.scale * (self.c * q**3 + self.A @ q)
        out, start = [], 0
        for shape in self.shapes:
            size = int(np.prod(shape))
            out.append(g[start:start + size].reshape(shape))
            start += size
        return out


def callback(grad, dim):
    """The grad_fn handed to the student's optimize: validates what the student passes."""
    def grad_fn(x):
        x = np.asarray(x, dtype=float)
        if x.shape != (dim,):
            raise ValueError(f"grad_fn expects an array of shape ({dim},), got shape {x.shape}")
        return grad(x)
    return grad_fn


# ## step functions: helpers ---------------------------------------------------

def call_step(student, name, args, hparams) -> list:
    """[new_param, *new_state] from the student's step."""
    out = getattr(student, f"{name}_step")(*args, **hparams)
    if ref.STEPS[name].state:
        expect(returns_tuple(out, 1 + len(ref.STEPS[name].state), f"{name}_step"))
    return ref.STEPS[name].outputs(out)


def judge_step(student, name, args, got, hparams, where):
    """The student's outputs for one step against the reference's from the same inputs."""
    step = ref.STEPS[name]
    want = step.outputs(step.function(*args, **hparams))
    wrong = [(m, step.outputs(w)) for m, w in MISTAKES.known(f"{name}_step", args, hparams)]
    verdicts = [close_update(got[0], want[0], args[0], where, [(m, w[0]) for m, w in wrong])]
    for k, state_name in enumerate(step.state, start=1):
        verdicts.append(close(got[k], want[k], f"{where}: the returned {state_name}",
                              mistakes=[(m, w[k]) for m, w in wrong]))
    failed = next((v for v in verdicts if not v.ok), None)
    if failed and name == "adamw" and same_step(args[0], got, own_adamw(student, args, hparams)):
        return   # decay, then YOUR adam_step, faithfully: adam_step's own checks charge its mistake
    if failed and name == "adamw" and same_step(args[0], got, own_adamw(student, args, hparams, l2=True)):
        # L2 decay on top of YOUR (wrong) adam_step: two mistakes; name the one in adamw_step
        failed = Verdict(False, failed.message, failed.error, failed.tolerance,
                         MISTAKES.named("adamw_as_l2", "adamw_step"))
    if failed:
        expect(failed)


ADAMW_DEFAULTS = {k: p.default for k, p in inspect.signature(ref.adamw_step).parameters.items()
                  if p.default is not inspect.Parameter.empty}


def own_adamw(student, args, hparams, l2=False):
    """AdamW as the contract builds it (or, with `l2`, as L2 decay added to the gradient), on
    the student's own adam_step; None if that fails."""
    param, grad, m, v, t = args
    h = {**ADAMW_DEFAULTS, **hparams}
    decay = h.pop("weight_decay")
    try:
        if l2:
            out = student.adam_step(param, grad + decay * param, m, v, t, **h)
        else:
            out = student.adam_step(param * (1 - h["lr"] * decay), grad, m, v, t, **h)
    except StudentFailure:
        return None
    return list(out) if is_sequence(out) else None


def same_step(param, got, own) -> bool:
    """`got` and `own` are the same step's outputs (updates compared, as everywhere here)."""
    if own is None or len(own) != len(got):
        return False
    for k, (a, b) in enumerate(zip(got, own)):
        if not (is_array(a, param.shape) and is_array(b, param.shape)):
            return False
        with np.errstate(all="ignore"):
            a, b = (a - param, b - param) if k == 0 else (a, b)
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))) or relative_error(a, b) > TOL:
            return False
    return True


def close_update(got, want, param, where, mistakes):
    """Compare new_param - param: the error is measured against the size of the step."""
    if is_array(got, param.shape):
        with np.errstate(all="ignore"):
            update, wrong = got - param, [(m, w - param) for m, w in mistakes]
        return close(update, want - param, f"{where}: the update new_param - param", mistakes=wrong)
    return close(got, want, f"{where}: the new param", mistakes=mistakes)


def run_steps(student, name, rng, shapes, hparams, scale=1.0):
    """STEPS steps on a curved loss, two arrays side by side with their own state, same t."""
    loss = CurvedLoss(rng, shapes, scale)
    params = [inputs.normal(rng, *s) for s in shapes]
    states = [[np.zeros(s) for _ in ref.STEPS[name].state] for s in shapes]
    for t in range(1, STEPS + 1):
        grads = loss.grads(params)
        for k in range(len(params)):
            args = ref.STEPS[name].arguments(params[k], grads[k], states[k], t)
            got = call_step(student, name, args, hparams)
            judge_step(student, name, args, got, hparams, f"step {t}, array {k + 1} of {len(params)}")
            params[k], states[k] = got[0], got[1:]


def two_shapes(rng, three_d=False) -> list:
    a, b, c = inputs.distinct_sizes(rng, 3, low=2, high=5)
    return [(a, b, c), (b, a)] if three_d else [(a, b), (c,)]


# ## step functions: checks ----------------------------------------------------------

@pytest.mark.parametrize("name", by_step({n: 3 for n in NAMES}))
def test_step_default_hyperparameters(student, rng, name):
    """each of 25 steps on a curved loss matches the reference update and state from the same inputs (default hyperparameters; two arrays of different shapes, each with its own state)"""
    run_steps(student, name, rng, two_shapes(rng), {})


@pytest.mark.parametrize("name", by_step({n: 2 for n in NAMES}))
def test_step_other_hyperparameters(student, rng, name):
    """each of 25 steps matches the reference with other hyperparameters passed by keyword (larger lr, other betas and eps, large weight decay)"""
    run_steps(student, name, rng, two_shapes(rng, three_d=True), UNUSUAL[name])


@pytest.mark.parametrize("name", by_step({"rmsprop": 2, "adam": 2, "adamw": 2}))
def test_step_tiny_gradients(student, rng, name):
    """each of 25 steps matches the reference when gradients are tiny (~1e-8), where eps must sit outside the square root"""
    run_steps(student, name, rng, two_shapes(rng), {}, scale=TINY)


@pytest.mark.parametrize("name", by_step({n: 1 for n in NAMES}))
def test_step_leaves_inputs_unchanged(student, rng, name):
    """the step leaves param, grad and the state arrays it is given unchanged"""
    shape = inputs.distinct_sizes(rng, 2)
    state = [np.abs(inputs.normal(rng, *shape)) for _ in ref.STEPS[name].state]   # a mid-run state (sq, v >= 0)
    args = ref.STEPS[name].arguments(inputs.normal(rng, *shape), inputs.normal(rng, *shape), state, 3)
    getattr(student, f"{name}_step")(*args)
    expect(inputs_unchanged(student.last_call.mutated_inputs, f"{name}_step", MISTAKES.named("mutates_input")))


@pytest.mark.parametrize("name", by_step({n: 1 for n in NAMES}))
def test_step_keeps_no_hidden_state(student, rng, name):
    """two calls with the same inputs (zero state, t = 1) return the same result: no state is kept between calls"""
    shape = inputs.distinct_sizes(rng, 2)
    args = ref.STEPS[name].arguments(inputs.normal(rng, *shape), inputs.normal(rng, *shape),
                                     [np.zeros(shape) for _ in ref.STEPS[name].state], 1)
    step = getattr(student, f"{name}_step")
    expect(same_result(step(*args), step(*args), f"{name}_step"))


def same_result(first, second, what):
    """Both calls returned the same arrays (malformed answers are left to the value checks)."""
    first, second = (list(v) if is_sequence(v) else [v] for v in (first, second))
    if not all(is_array(a) for a in first):
        return PASS
    if len(first) == len(second) and all(
            is_array(b, a.shape) and np.array_equal(a, b, equal_nan=True)
            for a, b in zip(first, second)):
        return PASS
    return fail(f"{what} returned a different result the second time it was called with the same inputs",
                MISTAKES.named("hidden_state"))


# ## rosenbrock, rosenbrock_grad --------------------------------------------------------

def rosenbrock_points(rng, count=5):
    return [rng.uniform(-2.0, 2.0, size=2) for _ in range(count)]


@pytest.mark.exercise("rosenbrock", weight=2)
def test_rosenbrock_values(student, rng):
    """rosenbrock(p) is (1 - x)^2 + 100 (y - x^2)^2 at random points"""
    for p in rosenbrock_points(rng):
        expect(close_scalar(student.rosenbrock(p), ref.rosenbrock(p), "rosenbrock(p)",
                            mistakes=MISTAKES.known("rosenbrock", p, 1.0, 100.0)))


@pytest.mark.exercise("rosenbrock", weight=1)
def test_rosenbrock_a_b(student, rng):
    """rosenbrock(p, a, b) uses its a and b: (a - x)^2 + b (y - x^2)^2"""
    for p in rosenbrock_points(rng, 3):
        a, b = rng.uniform(0.5, 2.0), rng.uniform(2.0, 50.0)
        expect(close_scalar(student.rosenbrock(p, a, b), ref.rosenbrock(p, a, b), "rosenbrock(p, a, b)",
                            mistakes=MISTAKES.known("rosenbrock", p, a, b)))


@pytest.mark.exercise("rosenbrock_grad", weight=2)
def test_rosenbrock_grad(student, rng):
    """rosenbrock_grad(p) matches finite differences of the Rosenbrock function at random points"""
    for p in rosenbrock_points(rng, 4):
        expect(check_gradient(ref.rosenbrock, p, student.rosenbrock_grad(p), "rosenbrock_grad(p)", rng,
                              mistakes=MISTAKES.known("rosenbrock_grad", p, 1.0, 100.0)))


@pytest.mark.exercise("rosenbrock_grad", weight=1)
def test_rosenbrock_grad_a_b(student, rng):
    """rosenbrock_grad(p, a, b) matches finite differences with other a and b"""
    for p in rosenbrock_points(rng, 3):
        a, b = rng.uniform(0.5, 2.0), rng.uniform(2.0, 50.0)
        expect(check_gradient(lambda q: ref.rosenbrock(q, a, b), p, student.rosenbrock_grad(p, a, b),
                              "rosenbrock_grad(p, a, b)", rng,
                              mistakes=MISTAKES.known("rosenbrock_grad", p, a, b)))


# ## optimize -----------------------------------------------------------------------------

def own_trajectory(student, name, grad, x0, n_steps, hparams):
    """The step loop run here with the student's own step function; None if it cannot run."""
    step = ref.STEPS[name]
    x, state, path = x0.copy(), [np.zeros_like(x0) for _ in step.state], [x0.copy()]
    try:
        for t in range(1, n_steps + 1):
            out = getattr(student, f"{name}_step")(*step.arguments(x, grad(x), state, t), **hparams)
            out = step.outputs(out) if is_sequence(out) or not step.state else []
            if len(out) != 1 + len(step.state) or not all(is_array(a, x0.shape) for a in out):
                return None
            x, state = out[0].astype(float), out[1:]
            path.append(x)
    except StudentFailure:
        return None
    return np.stack(path)


def follows_own_steps(got, own) -> bool:
    return own is not None and is_array(got, own.shape) and relative_error(got, own) <= TOL


@pytest.mark.exercise("optimize", weight=1)
@pytest.mark.parametrize("name", NAMES)
def test_optimize_trajectory(student, rng, name):
    """optimize(name, grad_fn, x0, n_steps, **hparams) returns the (n_steps + 1, dim) path of the step loop: x0 first, state carried, t = 1, 2, ... (judged with your own step function if that one is wrong)"""
    dim, n_steps = int(rng.integers(3, 7)), int(rng.integers(25, 41))
    loss = CurvedLoss(rng, [(dim,)])
    grad = lambda x: loss.grads([x])[0]   # noqa: E731
    x0 = inputs.normal(rng, dim)
    hparams = {k: v * rng.uniform(0.7, 1.3) if k == "lr" else v for k, v in DRIVE[name].items()}
    got = student.optimize(name, callback(grad, dim), x0, n_steps, **hparams)
    verdict = close(got, ref.optimize(name, grad, x0, n_steps, **hparams), f"the {name!r} trajectory",
                    mistakes=MISTAKES.known("optimize", name, grad, x0, n_steps, hparams))
    if not verdict.ok and follows_own_steps(got, own_trajectory(student, name, grad, x0, n_steps, hparams)):
        return   # a faithful loop over a wrong step: the step's own checks charge it
    expect(verdict)


@pytest.mark.exercise("optimize", weight=1)
def test_optimize_leaves_x0_unchanged(student, rng):
    """optimize leaves x0 unchanged"""
    dim = int(rng.integers(3, 7))
    loss = CurvedLoss(rng, [(dim,)])
    student.optimize("momentum", callback(lambda x: loss.grads([x])[0], dim), inputs.normal(rng, dim), 5)
    expect(inputs_unchanged(student.last_call.mutated_inputs, "optimize", MISTAKES.named("mutates_input")))


@pytest.mark.exercise("optimize", weight=1)
def test_optimize_keeps_no_hidden_state(student, rng):
    """two runs of optimize with the same arguments return the same trajectory"""
    dim = int(rng.integers(3, 7))
    loss = CurvedLoss(rng, [(dim,)])
    grad_fn, x0 = callback(lambda x: loss.grads([x])[0], dim), inputs.normal(rng, dim)
    first = student.optimize("adam", grad_fn, x0, 10, lr=0.05)
    expect(same_result(first, student.optimize("adam", grad_fn, x0, 10, lr=0.05), "optimize"))


@pytest.mark.exercise("optimize", weight=2, timeout=60)
def test_optimize_adam_converges_on_rosenbrock(student, rng):
    """optimize('adam', rosenbrock_grad, (-1, 1), 5000, lr=0.002) ends within 1e-3 of the minimum (1, 1)"""
    x0 = np.array([-1.0, 1.0])
    grad_fn = callback(ref.rosenbrock_grad, 2)
    got = student.optimize("adam", grad_fn, x0, CONVERGE_STEPS, lr=CONVERGE_LR)
    if not is_array(got, (CONVERGE_STEPS + 1, 2)):
        expect(close(got, np.zeros((CONVERGE_STEPS + 1, 2)), "the trajectory"))   # reports its kind or shape
    finite = bool(np.all(np.isfinite(got[-1])))
    distance = float(np.linalg.norm(got[-1] - 1.0)) if finite else np.inf
    if distance <= CONVERGE_TOL:
        return
    own = own_trajectory(student, "adam", ref.rosenbrock_grad, x0, CONVERGE_STEPS, {"lr": CONVERGE_LR})
    if follows_own_steps(got, own):
        return   # your loop is right; adam_step's checks say what is wrong with the step
    where = f"is {distance:.1e} from the minimum (1, 1)" if finite else "is NaN or infinite"
    expect(fail(f"after {CONVERGE_STEPS} steps the end point {where} (tolerance {CONVERGE_TOL:.0e}); "
                "the reference Adam gets within it in about 4200 steps"))


# ## schedules ------------------------------------------------------------------------------

def schedule_values(student_fn, what, steps, *args) -> np.ndarray:
    """The student's rate at each step, as one array (one comparison: the floor is scaled
    to lr_max, so round-off near lr_min never fails a correct answer)."""
    values = []
    for s in steps:
        verdict, got = number(student_fn(int(s), *args), f"{what} (its return value)")
        expect(verdict)
        values.append(float(got))
    return np.array(values)


def reference_values(schedule, steps, *args) -> np.ndarray:
    return np.array([schedule(int(s), *args) for s in steps])


def cosine_setting(rng):
    total = int(rng.integers(20, 201))
    lr_max = float(rng.uniform(0.05, 0.5))
    return total, lr_max, float(lr_max * rng.uniform(0.02, 0.3))


@pytest.mark.exercise("cosine_schedule", weight=2)
def test_cosine_schedule_over_the_schedule(student, rng):
    """cosine_schedule(step, total_steps, lr_max, lr_min) is lr_min + (lr_max - lr_min)(1 + cos(pi step / total_steps)) / 2 from step 0 to total_steps"""
    total, hi, lo = cosine_setting(rng)
    steps = np.concatenate([[0, 1, total // 4, total // 2, total - 1, total], rng.integers(0, total + 1, 6)])
    got = schedule_values(student.cosine_schedule, "cosine_schedule", steps, total, hi, lo)
    expect(close(got, reference_values(ref.cosine_schedule, steps, total, hi, lo), "the rates",
                 mistakes=MISTAKES.known("cosine_schedule", steps, total, hi, lo)))


@pytest.mark.exercise("cosine_schedule", weight=1)
def test_cosine_schedule_default_lr_min(student, rng):
    """cosine_schedule(step, total_steps, lr_max) decays to lr_min = 0 by default"""
    total, hi, _ = cosine_setting(rng)
    steps = np.concatenate([[0, total // 3, total - 1, total], rng.integers(0, total + 1, 4)])
    got = schedule_values(student.cosine_schedule, "cosine_schedule", steps, total, hi)
    expect(close(got, reference_values(ref.cosine_schedule, steps, total, hi), "the rates with lr_min = 0",
                 mistakes=MISTAKES.known("cosine_schedule", steps, total, hi)))


@pytest.mark.exercise("cosine_schedule", weight=1)
def test_cosine_schedule_after_the_end(student, rng):
    """cosine_schedule stays at lr_min after total_steps"""
    total, hi, lo = cosine_setting(rng)
    steps = np.concatenate([[0, total, total + 1, 2 * total], total + rng.integers(2, 3 * total, 4)])
    got = schedule_values(student.cosine_schedule, "cosine_schedule", steps, total, hi, lo)
    expect(close(got, reference_values(ref.cosine_schedule, steps, total, hi, lo), "the rates after total_steps",
                 mistakes=MISTAKES.known("cosine_schedule", steps, total, hi, lo)))


def warmup_setting(rng):
    warmup = int(rng.integers(3, 31))
    total = warmup + int(rng.integers(20, 151))       # never warmup == total (a zero-length cosine)
    lr_max = float(rng.uniform(0.05, 0.5))            # not 1: a ramp to 1 must not pass
    return total, warmup, lr_max, float(lr_max * rng.uniform(0.02, 0.3))


def judge_warmup(student, steps, total, warmup, hi, lo, what):
    got = schedule_values(student.warmup_cosine_schedule, "warmup_cosine_schedule", steps, total, warmup, hi, lo)
    verdict = close(got, reference_values(ref.warmup_cosine_schedule, steps, total, warmup, hi, lo), what,
                    mistakes=MISTAKES.known("warmup_cosine_schedule", steps, total, warmup, hi, lo))
    if not verdict.ok and follows_own_cosine(student, got, steps, total, warmup, hi, lo):
        return   # a right warmup over a wrong cosine_schedule: that exercise's checks charge it
    expect(verdict)


def follows_own_cosine(student, got, steps, total, warmup, hi, lo) -> bool:
    """The student's warmup equals the ramp followed by the student's OWN cosine_schedule."""
    try:
        own = np.array([hi * s / warmup if s < warmup else
                        schedule_values(student.cosine_schedule, "cosine_schedule", [s - warmup],
                                        total - warmup, hi, lo)[0] for s in steps])
    except (StudentFailure, CheckFailed):
        return False
    return relative_error(got, own) <= TOL


@pytest.mark.exercise("warmup_cosine_schedule", weight=1)
def test_warmup_ramp(student, rng):
    """during warmup the rate is lr_max * step / warmup_steps: 0 at step 0, lr_max at step == warmup_steps"""
    total, warmup, hi, lo = warmup_setting(rng)
    steps = np.concatenate([[0, 1, warmup // 2, warmup - 1, warmup], rng.integers(0, warmup, 3)])
    judge_warmup(student, steps, total, warmup, hi, lo, "the rates during warmup")


@pytest.mark.exercise("warmup_cosine_schedule", weight=2)
def test_warmup_then_cosine(student, rng):
    """after warmup the rate follows the cosine over the remaining total_steps - warmup_steps steps, lr_min from total_steps on"""
    total, warmup, hi, lo = warmup_setting(rng)
    steps = np.concatenate([[warmup, warmup + 1, (warmup + total) // 2, total - 1, total, total + 5],
                            rng.integers(warmup, total + 1, 5)])
    judge_warmup(student, steps, total, warmup, hi, lo, "the rates after warmup")


@pytest.mark.exercise("warmup_cosine_schedule", weight=1)
def test_warmup_zero_is_plain_cosine(student, rng):
    """with warmup_steps = 0 the schedule is the plain cosine (no division by zero)"""
    total, _, hi, lo = warmup_setting(rng)
    steps = np.concatenate([[0, 1, total // 2, total], rng.integers(0, total + 1, 4)])
    judge_warmup(student, steps, total, 0, hi, lo, "the rates with warmup_steps = 0")

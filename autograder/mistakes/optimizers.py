"""Known mistakes of lab 1.4.2 (optimizers, Rosenbrock, the driver, schedules).

Each entry builds its wrong answer from the inputs the hidden test used:
- a step function's mistake: `build(args, hparams)` with args = (param, grad,
  *state[, t]) -> the wrong (new_param, *new_state), or the wrong new_param for sgd;
- optimize's: `build(name, grad_fn, x0, n_steps, hparams)` -> the wrong trajectory;
- a schedule's: `build(steps, *schedule_args)` -> the wrong rates at those steps;
- Rosenbrock's: `build(p, a, b)`.
Mistakes that are behaviours, not values (mutation, hidden state), are
`observed_by` the check that sees them. (Over 300 lines because the lab has
eleven exercises and ~50 mistakes; the small builders above the list keep each
entry one readable line of data.)
"""
import numpy as np

from autograder.mistakes import Catalogue, Mistake
from autograder.references import optimizers as ref


def _step(wrong):
    """A step mistake's build from a function with the step's own signature."""
    return lambda args, hparams: wrong(*args, **hparams)


def _adam_parts(grad, m, v, beta1, beta2):
    return beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad**2


def _adam_with(t_used):
    """Adam whose bias correction uses t_used(t) instead of t."""
    def step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        m, v = _adam_parts(grad, m, v, beta1, beta2)
        s = t_used(t)
        return param - lr * (m / (1 - beta1**s)) / (np.sqrt(v / (1 - beta2**s)) + eps), m, v
    return step


def _adam_no_correction(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = _adam_parts(grad, m, v, beta1, beta2)
    return param - lr * m / (np.sqrt(v) + eps), m, v


def _adam_betas_swapped(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    return ref.adam_step(param, grad, m, v, t, lr, beta2, beta1, eps)


def _adam_eps_inside(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = _adam_parts(grad, m, v, beta1, beta2)
    return param - lr * (m / (1 - beta1**t)) / np.sqrt(v / (1 - beta2**t) + eps), m, v


def _adam_sign(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    new, m, v = ref.adam_step(param, grad, m, v, t, lr, beta1, beta2, eps)
    return 2 * param - new, m, v


def _adam_corrected_state(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = _adam_parts(grad, m, v, beta1, beta2)
    m, v = m / (1 - beta1**t), v / (1 - beta2**t)
    return param - lr * m / (np.sqrt(v) + eps), m, v


def _adamw(decay, adam=ref.adam_step):
    """AdamW variants: decay(param, grad, lr, wd) -> (param before Adam, grad for Adam, after)."""
    def step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
        before, g, after = decay(param, grad, lr, weight_decay)
        new, m, v = adam(before, g, m, v, t, lr, beta1, beta2, eps)
        return new * after, m, v
    return step


def _rmsprop(average, root=np.sqrt, sign=1.0):
    """RMSprop variants: average(sq, grad, beta) -> new sq; root(sq, eps) -> the denominator."""
    def step(param, grad, sq, lr=0.01, beta=0.9, eps=1e-8):
        sq = average(sq, grad, beta)
        return param - sign * lr * grad / root(sq, eps), sq
    return step


# eps values students hard-code in place of the eps argument
HARD_CODED_EPS = (1e-8, 1e-7, 1e-6, 1e-10, 1e-5)


def _momentum(velocity_of, move):
    """Momentum variants: velocity_of(v, g, lr, beta) -> returned velocity;
    move(p, g, v_old, v_new, lr, beta) -> new param."""
    def step(param, grad, velocity, lr=0.01, beta=0.9):
        new = velocity_of(velocity, grad, lr, beta)
        return move(param, grad, velocity, new, lr, beta), new
    return step


_HEAVY_BALL = lambda v, g, lr, b: b * v + g                                  # noqa: E731
_NESTEROV_MOVE = lambda p, g, v0, v, lr, b: p - lr * (g + b * v)            # noqa: E731


# --- optimize: the step loop with one thing wrong ------------------------------

def _drive(name, grad_fn, x0, n_steps, hparams, *, first_t=1, advance_t=True, carry_state=True,
           forward=True, move=True, keep_x0=True, alias_rows=False):
    step = ref.STEPS[name]
    x = np.array(x0, dtype=float)
    start = x.copy()
    state = [np.zeros_like(x) for _ in step.state]
    path = [x] if keep_x0 else []
    t = first_t
    for _ in range(n_steps):
        if not carry_state:
            state = [np.zeros_like(x) for _ in step.state]
        here = x if move else start
        out = step.function(*step.arguments(here, grad_fn(here), state, t), **(hparams if forward else {}))
        new, *state = step.outputs(out)
        x = new
        path.append(new)
        t += 1 if advance_t else 0
    path = np.stack(path) if path else np.zeros((0, start.size))
    return np.tile(path[-1], (len(path), 1)) if alias_rows else path


def _optimize(**change):
    return lambda name, grad_fn, x0, n_steps, hparams: _drive(name, grad_fn, x0, n_steps, hparams, **change)


# --- schedules -------------------------------------------------------------------

def _cosine(step, total, lr_max, lr_min=0.0, *, shift=0, span=0, clamp=True, use_min=True):
    lo = lr_min if use_min else 0.0
    progress = (step + shift) / (total + span)
    if clamp:
        if progress >= 1:
            return lo
    return lo + (lr_max - lo) * (1 + np.cos(np.pi * progress)) / 2


def _warmup(step, total, warmup, lr_max, lr_min=0.0, *, ramp_shift=0, peak=None, cosine_shift=True,
            cosine=True, clamp=True):
    if step < warmup:
        return (lr_max if peak is None else peak) * (step + ramp_shift) / warmup
    if not cosine:
        return lr_max if step <= total else lr_min
    if not clamp:
        return _cosine(step - warmup, total - warmup, lr_max, lr_min, clamp=False)
    if cosine_shift:
        return ref.cosine_schedule(step - warmup, total - warmup, lr_max, lr_min)
    return ref.cosine_schedule(step, total, lr_max, lr_min)


def _at_steps(schedule, **change):
    return lambda steps, *args: np.array([schedule(int(s), *args, **change) for s in steps], dtype=float)


MISTAKES = Catalogue([
    # --- every function ---------------------------------------------------------
    Mistake(key="mutates_input", name="the function modifies an input array in place",
            advice="the caller keeps its arrays: build new ones (param - lr * grad, beta * velocity + grad) "
            "instead of -=, *= or += on param, grad or the state you were given",
            observed_by="inputs_unchanged: the child's report of mutated inputs"),
    Mistake(key="hidden_state", name="the function keeps state between calls (a global counter, cache or "
            "mutable default argument)",
            advice="everything a step needs comes in through its arguments (the state arrays and t) and goes out "
            "through its return value; two calls with the same inputs must give the same result",
            observed_by="two calls with the same inputs"),
    # --- sgd_step ------------------------------------------------------------------
    Mistake(key="sgd_sign_error", name="sign error: the step climbs the loss",
            advice="move against the gradient: param - lr * grad", exercise="sgd_step",
            build=_step(lambda param, grad, lr=0.01: param + lr * grad)),
    # --- momentum_step ----------------------------------------------------------------
    Mistake(key="momentum_as_ema", name="momentum as an EMA: velocity = beta * velocity + (1 - beta) * grad",
            advice="torch.optim.SGD's velocity is a running sum, velocity = beta * velocity + grad, which grows "
            "to grad / (1 - beta) for a constant gradient", exercise="momentum_step",
            build=_step(_momentum(lambda v, g, lr, b: b * v + (1 - b) * g, lambda p, g, v0, v, lr, b: p - lr * v))),
    Mistake(key="velocity_not_carried", name="the velocity is not carried: the old velocity is returned",
            advice="return the NEW velocity (beta * velocity + grad), so the next step builds on it",
            exercise="momentum_step",
            build=_step(lambda param, grad, velocity, lr=0.01, beta=0.9:
                  (param - lr * (beta * velocity + grad), velocity))),
    Mistake(key="velocity_is_grad", name="the velocity forgets its history: velocity = grad (plain SGD)",
            advice="accumulate: velocity = beta * velocity + grad", exercise="momentum_step",
            build=_step(_momentum(lambda v, g, lr, b: g, lambda p, g, v0, v, lr, b: p - lr * v))),
    Mistake(key="momentum_sign_error", name="sign error: the step climbs the loss",
            advice="param - lr * velocity, with velocity = beta * velocity + grad", exercise="momentum_step",
            build=_step(_momentum(_HEAVY_BALL, lambda p, g, v0, v, lr, b: p + lr * v))),
    Mistake(key="momentum_velocity_in_lr_units", name="the velocity carries the learning rate "
            "(velocity = beta * velocity + lr * grad)",
            advice="the path is the same at a constant lr, but the returned velocity is not the contract's (nor "
            "torch.optim.SGD's) and the two differ once lr changes: velocity = beta * velocity + grad, "
            "then param - lr * velocity", exercise="momentum_step",
            build=_step(_momentum(lambda v, g, lr, b: b * v + lr * g, lambda p, g, v0, v, lr, b: p - v))),
    Mistake(key="stale_velocity", name="the step uses the velocity from before this gradient",
            advice="update the velocity first (beta * velocity + grad), then move by -lr times the NEW velocity",
            exercise="momentum_step",
            build=_step(_momentum(_HEAVY_BALL, lambda p, g, v0, v, lr, b: p - lr * v0))),
    # --- nesterov_step ----------------------------------------------------------------
    Mistake(key="nesterov_as_momentum", name="the Nesterov step is plain momentum (the step is the new velocity, "
            "or equivalently grad + beta times the OLD velocity)",
            advice="PyTorch's Nesterov form looks ahead with the NEW velocity: velocity = beta * velocity + grad, "
            "then param - lr * (grad + beta * velocity)", exercise="nesterov_step",
            build=_step(_momentum(_HEAVY_BALL, lambda p, g, v0, v, lr, b: p - lr * v))),
    Mistake(key="nesterov_velocity_as_ema", name="momentum as an EMA: velocity = beta * velocity + (1 - beta) * grad",
            advice="the velocity is a running sum, velocity = beta * velocity + grad, as in torch.optim.SGD",
            exercise="nesterov_step", build=_step(_momentum(lambda v, g, lr, b: b * v + (1 - b) * g, _NESTEROV_MOVE))),
    Mistake(key="nesterov_sign_error", name="sign error: the step climbs the loss",
            advice="param - lr * (grad + beta * velocity)", exercise="nesterov_step",
            build=_step(_momentum(_HEAVY_BALL, lambda p, g, v0, v, lr, b: p + lr * (g + b * v)))),
    Mistake(key="nesterov_velocity_in_lr_units", name="Sutskever's form of Nesterov momentum: the velocity carries "
            "-lr (velocity = beta * velocity - lr * grad)",
            advice="the path agrees at a constant lr, but the contract keeps PyTorch's velocity: "
            "velocity = beta * velocity + grad, then param - lr * (grad + beta * velocity)",
            exercise="nesterov_step",
            build=_step(_momentum(lambda v, g, lr, b: b * v - lr * g,
                            lambda p, g, v0, v, lr, b: p - b * v0 + (1 + b) * v))),
    # --- rmsprop_step ---------------------------------------------------------------
    Mistake(key="rmsprop_eps_inside_sqrt", name="eps inside the square root: sqrt(sq + eps)",
            advice="eps goes outside: grad / (sqrt(sq) + eps); the two differ most when gradients are tiny",
            exercise="rmsprop_step",
            build=_step(_rmsprop(lambda s, g, b: b * s + (1 - b) * g**2, lambda s, eps: np.sqrt(s + eps)))),
    Mistake(key="rmsprop_eps_ignored", name="the eps argument is ignored (a hard-coded constant is used instead)",
            advice="use the eps you are given: grad / (sqrt(sq) + eps)", exercise="rmsprop_step",
            build=tuple(_step(_rmsprop(lambda s, g, b: b * s + (1 - b) * g**2, lambda s, eps, c=c: np.sqrt(s) + c))
                        for c in HARD_CODED_EPS)),
    Mistake(key="ema_weights_swapped",
            name="the running average's weights are swapped: (1 - beta) * sq + beta * grad**2",
            advice="keep most of the history: sq = beta * sq + (1 - beta) * grad**2", exercise="rmsprop_step",
            build=_step(_rmsprop(lambda s, g, b: (1 - b) * s + b * g**2, lambda s, eps: np.sqrt(s) + eps))),
    Mistake(key="rmsprop_as_adagrad", name="the squared gradients are summed, never forgotten (that is Adagrad)",
            advice="decay the history: sq = beta * sq + (1 - beta) * grad**2", exercise="rmsprop_step",
            build=_step(_rmsprop(lambda s, g, b: s + g**2, lambda s, eps: np.sqrt(s) + eps))),
    Mistake(key="rmsprop_sign_error", name="sign error: the step climbs the loss",
            advice="param - lr * grad / (sqrt(sq) + eps)", exercise="rmsprop_step",
            build=_step(_rmsprop(lambda s, g, b: b * s + (1 - b) * g**2, lambda s, eps: np.sqrt(s) + eps, -1.0))),
    # --- adam_step ---------------------------------------------------------------------
    Mistake(key="bias_correction_missing", name="Adam bias correction missing",
            advice="divide m by (1 - beta1**t) and v by (1 - beta2**t) before the step; without it the first "
            "steps are far too large (m and v start at zero)", exercise="adam_step", build=_step(_adam_no_correction)),
    Mistake(key="t_off_by_one", name="the bias correction uses t + 1: one step ahead",
            advice="t is already the number of this step (1 on the first step): use beta1**t and beta2**t",
            exercise="adam_step", build=_step(_adam_with(lambda t: t + 1))),
    Mistake(key="t_starts_at_zero", name="the bias correction counts steps from 0: 1 - beta**0 = 0 divides by zero "
            "on the first step", advice="t starts at 1: use 1 - beta1**t and 1 - beta2**t with the t you are given",
            exercise="adam_step", build=_step(_adam_with(lambda t: t - 1))),
    Mistake(key="betas_swapped", name="beta1 and beta2 swapped",
            advice="beta1 (0.9) decays the first moment m, beta2 (0.999) the second moment v, in the averages and "
            "in the bias corrections", exercise="adam_step", build=_step(_adam_betas_swapped)),
    Mistake(key="adam_eps_inside_sqrt", name="eps inside the square root: sqrt(v_hat + eps)",
            advice="eps goes outside: m_hat / (sqrt(v_hat) + eps), as in torch.optim.Adam; the two differ most "
            "when gradients are tiny", exercise="adam_step", build=_step(_adam_eps_inside)),
    Mistake(key="adam_sign_error", name="sign error: the step climbs the loss",
            advice="param - lr * m_hat / (sqrt(v_hat) + eps)", exercise="adam_step", build=_step(_adam_sign)),
    Mistake(key="bias_corrected_state_returned", name="the bias-corrected m_hat and v_hat are returned as the state",
            advice="return the raw averages m and v; correct them into m_hat and v_hat only for the step itself",
            exercise="adam_step", build=_step(_adam_corrected_state)),
    # --- adamw_step ----------------------------------------------------------------------
    Mistake(key="adamw_as_l2", name="AdamW decay applied to the gradient (L2 regularisation) instead of decoupled",
            advice="decoupled decay does not touch grad, m or v: multiply param by (1 - lr * weight_decay), then "
            "take the plain Adam step", exercise="adamw_step",
            build=_step(_adamw(lambda p, g, lr, wd: (p, g + wd * p, 1.0)))),
    Mistake(key="decay_after_step", name="AdamW decay applied after the Adam step",
            advice="decay first, as torch.optim.AdamW: param * (1 - lr * weight_decay), then the Adam step on the "
            "decayed param", exercise="adamw_step",
            build=_step(_adamw(lambda p, g, lr, wd: (p, g, 1 - lr * wd)))),
    Mistake(key="decay_without_lr", name="the weight decay is not scaled by the learning rate",
            advice="multiply param by (1 - lr * weight_decay), not (1 - weight_decay)", exercise="adamw_step",
            build=_step(_adamw(lambda p, g, lr, wd: (p * (1 - wd), g, 1.0)))),
    Mistake(key="weight_decay_missing", name="weight decay missing: this is plain Adam",
            advice="multiply param by (1 - lr * weight_decay) before the Adam step", exercise="adamw_step",
            build=_step(_adamw(lambda p, g, lr, wd: (p, g, 1.0)))),
    Mistake(key="adamw_bias_correction_missing", name="Adam bias correction missing",
            advice="divide m by (1 - beta1**t) and v by (1 - beta2**t) before the step", exercise="adamw_step",
            build=_step(_adamw(lambda p, g, lr, wd: (p * (1 - lr * wd), g, 1.0), _adam_no_correction))),
    # --- rosenbrock, rosenbrock_grad ----------------------------------------------------
    Mistake(key="rosenbrock_missing_square", name="x instead of x^2 in the valley term",
            advice="f = (a - x)^2 + b (y - x^2)^2", exercise="rosenbrock",
            build=lambda p, a, b: (a - p[0]) ** 2 + b * (p[1] - p[0]) ** 2),
    Mistake(key="rosenbrock_sign_error", name="sign error: the loss is negative",
            advice="(a - x)^2 + b (y - x^2)^2 is a sum of squares, never below 0", exercise="rosenbrock",
            build=lambda p, a, b: -ref.rosenbrock(p, a, b)),
    Mistake(key="rosenbrock_a_b_swapped", name="a and b swapped",
            advice="a sets the minimum (a, a^2), b the steepness of the valley: (a - x)^2 + b (y - x^2)^2",
            exercise="rosenbrock", build=lambda p, a, b: ref.rosenbrock(p, b, a)),
    Mistake(key="partial_x_inner_derivative_missing", name="df/dx misses the inner derivative of (y - x^2)",
            advice="chain rule: d/dx b (y - x^2)^2 = 2 b (y - x^2) (-2x), so df/dx = -2 (a - x) - 4 b x (y - x^2)",
            exercise="rosenbrock_grad",
            build=lambda p, a, b: np.array([-2 * (a - p[0]) + 2 * b * (p[1] - p[0] ** 2), 2 * b * (p[1] - p[0] ** 2)])),
    Mistake(key="partial_x_inner_sign_lost", name="df/dx lost the minus sign of the inner derivative -2x",
            advice="df/dx = -2 (a - x) - 4 b x (y - x^2)", exercise="rosenbrock_grad",
            build=lambda p, a, b: np.array([-2 * (a - p[0]) + 4 * b * p[0] * (p[1] - p[0] ** 2),
                                      2 * b * (p[1] - p[0] ** 2)])),
    Mistake(key="partial_y_missing_b", name="df/dy misses the factor b", advice="df/dy = 2 b (y - x^2)",
            exercise="rosenbrock_grad",
            build=lambda p, a, b: ref.rosenbrock_grad(p, a, b) * np.array([1.0, 1.0 / b])),
    Mistake(key="rosenbrock_grad_sign_error", name="sign error: this is minus the gradient",
            advice="the gradient points uphill: [-2 (a - x) - 4 b x (y - x^2), 2 b (y - x^2)]",
            exercise="rosenbrock_grad",
            build=lambda p, a, b: -ref.rosenbrock_grad(p, a, b)),
    # --- optimize -------------------------------------------------------------------------
    Mistake(key="optimize_t_starts_at_zero",
            name="the step counter starts at 0: Adam's bias correction divides by zero",
            advice="pass t = 1 on the first step, 2 on the second, ... (for t in range(1, n_steps + 1))",
            exercise="optimize",
            build=_optimize(first_t=0)),
    Mistake(key="t_not_advanced", name="the step counter t is never advanced",
            advice="increase t by one every step, so Adam's bias correction fades out as it should",
            exercise="optimize",
            build=_optimize(advance_t=False)),
    Mistake(key="state_not_carried", name="the optimizer state is reset every step",
            advice="create the state arrays (zeros) once before the loop and keep what each step returns",
            exercise="optimize", build=_optimize(carry_state=False)),
    Mistake(key="trajectory_without_x0", name="the trajectory is missing its first row x0",
            advice="return n_steps + 1 rows: x0 first, then the point after each step", exercise="optimize",
            build=_optimize(keep_x0=False)),
    Mistake(key="hparams_not_forwarded", name="the hyperparameters (**hparams) are not passed to the step function",
            advice="call the step with **hparams, so lr, beta, ... reach it", exercise="optimize",
            build=_optimize(forward=False)),
    Mistake(key="position_not_updated", name="the position is never updated: every step starts from x0",
            advice="assign the step's new param back to x (x, state = step(x, grad_fn(x), state, ...))",
            exercise="optimize", build=_optimize(move=False)),
    Mistake(key="trajectory_rows_alias",
            name="every row of the trajectory is the same array, changed in place by later "
            "steps",
            advice="append a new array per step: update with x = ... (not x[:] = ... or x -= ...) or append x.copy()",
            exercise="optimize", build=_optimize(alias_rows=True)),
    # --- schedules --------------------------------------------------------------------------
    Mistake(key="cosine_step_plus_one", name="the schedule is off by one step (it counts steps from 1)",
            advice="step 0 is the first step and gives lr_max: use step / total_steps", exercise="cosine_schedule",
            build=_at_steps(_cosine, shift=1)),
    Mistake(key="cosine_total_minus_one", name="the schedule is off by one step (it divides by total_steps - 1)",
            advice="use step / total_steps: lr_min is reached exactly at step == total_steps",
            exercise="cosine_schedule",
            build=_at_steps(_cosine, span=-1)),
    Mistake(key="no_clamp_after_end", name="the rate rises again after total_steps",
            advice="for step >= total_steps return lr_min", exercise="cosine_schedule",
            build=_at_steps(_cosine, clamp=False)),
    Mistake(key="lr_min_ignored", name="lr_min is ignored (the schedule decays to 0)",
            advice="lr_min + (lr_max - lr_min) * (1 + cos(pi * step / total_steps)) / 2", exercise="cosine_schedule",
            build=_at_steps(_cosine, use_min=False)),
    Mistake(key="warmup_without_cosine", name="no cosine decay after the warmup (the rate stays at lr_max)",
            advice="after warmup_steps, anneal with cosine_schedule(step - warmup_steps, total_steps - warmup_steps, "
            "lr_max, lr_min)", exercise="warmup_cosine_schedule", build=_at_steps(_warmup, cosine=False)),
    Mistake(key="warmup_step_plus_one", name="the warmup is off by one step (it counts steps from 1)",
            advice="the warmup starts at 0 on step 0: lr_max * step / warmup_steps", exercise="warmup_cosine_schedule",
            build=_at_steps(_warmup, ramp_shift=1)),
    Mistake(key="cosine_not_shifted", name="the cosine starts at step 0 instead of at the end of the warmup",
            advice="shift and shorten the cosine: cosine_schedule(step - warmup_steps, total_steps - "
            "warmup_steps, ...)",
            exercise="warmup_cosine_schedule", build=_at_steps(_warmup, cosine_shift=False)),
    Mistake(key="no_clamp_after_end", name="the rate rises again after total_steps",
            advice="for step >= total_steps return lr_min (cosine_schedule's clamp, after the warmup too)",
            exercise="warmup_cosine_schedule", build=_at_steps(_warmup, clamp=False)),
    Mistake(key="warmup_ignores_lr_max", name="the warmup ramps to 1 instead of to lr_max",
            advice="lr_max * step / warmup_steps", exercise="warmup_cosine_schedule",
            build=_at_steps(_warmup, peak=1.0)),
])

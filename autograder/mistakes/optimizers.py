"""Known mistakes of lab 1.4.2 (optimizers, Rosenbrock, the driver, schedules).

Each entry builds its wrong answer from the inputs the hidden test used:
- a step function's mistake: `build(args, hparams)` with args = (param, grad,
  *state[, t]) -> the wrong (new_param, *new_state), or the wrong new_param for sgd;
- optimize's: `build(name, grad_fn, x0, n_steps, hparams)` -> the wrong trajectory;
- a schedule's: `build(steps, *schedule_args)` -> the wrong rates at those steps;
- Rosenbrock's: `build(p, a, b)`.
Mistakes that are behaviours, not values (mutation, hidden state) have no build
and are raised explicitly by the hidden tests. (Over 300 lines because the lab has
eleven exercises and ~50 mistakes; the small builders above the list keep each
entry one readable line of data.)
"""
import numpy as np

from autograder.mistakes import Mistake
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


def _momentum(velocity_of, move, nesterov=False):
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
    step, n_state = ref.STEPS[name]
    x = np.array(x0, dtype=float)
    start = x.copy()
    state = [np.zeros_like(x) for _ in range(n_state)]
    path = [x] if keep_x0 else []
    t = first_t
    for _ in range(n_steps):
        if not carry_state:
            state = [np.zeros_like(x) for _ in range(n_state)]
        here = x if move else start
        counter = (t,) if name in ("adam", "adamw") else ()
        out = step(here, grad_fn(here), *state, *counter, **(hparams if forward else {}))
        new, *state = out if n_state else (out,)
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
            cosine=True):
    if step < warmup:
        return (lr_max if peak is None else peak) * (step + ramp_shift) / warmup
    if not cosine:
        return lr_max if step <= total else lr_min
    if cosine_shift:
        return ref.cosine_schedule(step - warmup, total - warmup, lr_max, lr_min)
    return ref.cosine_schedule(step, total, lr_max, lr_min)


def _at_steps(schedule, **change):
    return lambda steps, *args: np.array([schedule(int(s), *args, **change) for s in steps], dtype=float)


MISTAKES = [
    # --- every function ---------------------------------------------------------
    Mistake("mutates_input", "the function modifies an input array in place",
            "the caller keeps its arrays: build new ones (param - lr * grad, beta * velocity + grad) "
            "instead of -=, *= or += on param, grad or the state you were given", ""),
    Mistake("hidden_state", "the function keeps state between calls (a global counter, cache or "
            "mutable default argument)",
            "everything a step needs comes in through its arguments (the state arrays and t) and goes out "
            "through its return value; two calls with the same inputs must give the same result", ""),
    # --- sgd_step ------------------------------------------------------------------
    Mistake("sgd_sign_error", "sign error: the step climbs the loss",
            "move against the gradient: param - lr * grad", "sgd_step", "",
            _step(lambda param, grad, lr=0.01: param + lr * grad)),
    # --- momentum_step ----------------------------------------------------------------
    Mistake("momentum_as_ema", "momentum as an EMA: velocity = beta * velocity + (1 - beta) * grad",
            "torch.optim.SGD's velocity is a running sum, velocity = beta * velocity + grad, which grows "
            "to grad / (1 - beta) for a constant gradient", "momentum_step", "",
            _step(_momentum(lambda v, g, lr, b: b * v + (1 - b) * g, lambda p, g, v0, v, lr, b: p - lr * v))),
    Mistake("velocity_not_carried", "the velocity is not carried: the old velocity is returned",
            "return the NEW velocity (beta * velocity + grad), so the next step builds on it",
            "momentum_step", "",
            _step(lambda param, grad, velocity, lr=0.01, beta=0.9:
                  (param - lr * (beta * velocity + grad), velocity))),
    Mistake("velocity_is_grad", "the velocity forgets its history: velocity = grad (plain SGD)",
            "accumulate: velocity = beta * velocity + grad", "momentum_step", "",
            _step(_momentum(lambda v, g, lr, b: g, lambda p, g, v0, v, lr, b: p - lr * v))),
    Mistake("momentum_sign_error", "sign error: the step climbs the loss",
            "param - lr * velocity, with velocity = beta * velocity + grad", "momentum_step", "",
            _step(_momentum(_HEAVY_BALL, lambda p, g, v0, v, lr, b: p + lr * v))),
    Mistake("momentum_velocity_in_lr_units", "the velocity carries the learning rate "
            "(velocity = beta * velocity + lr * grad)",
            "the path is the same at a constant lr, but the returned velocity is not the contract's (nor "
            "torch.optim.SGD's) and the two differ once lr changes: velocity = beta * velocity + grad, "
            "then param - lr * velocity", "momentum_step", "",
            _step(_momentum(lambda v, g, lr, b: b * v + lr * g, lambda p, g, v0, v, lr, b: p - v))),
    Mistake("stale_velocity", "the step uses the velocity from before this gradient",
            "update the velocity first (beta * velocity + grad), then move by -lr times the NEW velocity",
            "momentum_step", "",
            _step(_momentum(_HEAVY_BALL, lambda p, g, v0, v, lr, b: p - lr * v0))),
    # --- nesterov_step ----------------------------------------------------------------
    Mistake("nesterov_as_momentum", "the Nesterov step is plain momentum (the step is the new velocity, "
            "or equivalently grad + beta times the OLD velocity)",
            "PyTorch's Nesterov form looks ahead with the NEW velocity: velocity = beta * velocity + grad, "
            "then param - lr * (grad + beta * velocity)", "nesterov_step", "",
            _step(_momentum(_HEAVY_BALL, lambda p, g, v0, v, lr, b: p - lr * v))),
    Mistake("nesterov_velocity_as_ema", "momentum as an EMA: velocity = beta * velocity + (1 - beta) * grad",
            "the velocity is a running sum, velocity = beta * velocity + grad, as in torch.optim.SGD",
            "nesterov_step", "", _step(_momentum(lambda v, g, lr, b: b * v + (1 - b) * g, _NESTEROV_MOVE))),
    Mistake("nesterov_sign_error", "sign error: the step climbs the loss",
            "param - lr * (grad + beta * velocity)", "nesterov_step", "",
            _step(_momentum(_HEAVY_BALL, lambda p, g, v0, v, lr, b: p + lr * (g + b * v)))),
    Mistake("nesterov_velocity_in_lr_units", "Sutskever's form of Nesterov momentum: the velocity carries "
            "-lr (velocity = beta * velocity - lr * grad)",
            "the path agrees at a constant lr, but the contract keeps PyTorch's velocity: "
            "velocity = beta * velocity + grad, then param - lr * (grad + beta * velocity)",
            "nesterov_step", "",
            _step(_momentum(lambda v, g, lr, b: b * v - lr * g,
                            lambda p, g, v0, v, lr, b: p - b * v0 + (1 + b) * v))),
    # --- rmsprop_step ---------------------------------------------------------------
    Mistake("rmsprop_eps_inside_sqrt", "eps inside the square root: sqrt(sq + eps)",
            "eps goes outside: grad / (sqrt(sq) + eps); the two differ most when gradients are tiny",
            "rmsprop_step", "",
            _step(_rmsprop(lambda s, g, b: b * s + (1 - b) * g**2, lambda s, eps: np.sqrt(s + eps)))),
    Mistake("ema_weights_swapped", "the running average's weights are swapped: (1 - beta) * sq + beta * grad**2",
            "keep most of the history: sq = beta * sq + (1 - beta) * grad**2", "rmsprop_step", "",
            _step(_rmsprop(lambda s, g, b: (1 - b) * s + b * g**2, lambda s, eps: np.sqrt(s) + eps))),
    Mistake("rmsprop_as_adagrad", "the squared gradients are summed, never forgotten (that is Adagrad)",
            "decay the history: sq = beta * sq + (1 - beta) * grad**2", "rmsprop_step", "",
            _step(_rmsprop(lambda s, g, b: s + g**2, lambda s, eps: np.sqrt(s) + eps))),
    Mistake("rmsprop_sign_error", "sign error: the step climbs the loss",
            "param - lr * grad / (sqrt(sq) + eps)", "rmsprop_step", "",
            _step(_rmsprop(lambda s, g, b: b * s + (1 - b) * g**2, lambda s, eps: np.sqrt(s) + eps, -1.0))),
    # --- adam_step ---------------------------------------------------------------------
    Mistake("bias_correction_missing", "Adam bias correction missing",
            "divide m by (1 - beta1**t) and v by (1 - beta2**t) before the step; without it the first "
            "steps are far too large (m and v start at zero)", "adam_step", "", _step(_adam_no_correction)),
    Mistake("t_off_by_one", "the bias correction uses t + 1: one step ahead",
            "t is already the number of this step (1 on the first step): use beta1**t and beta2**t",
            "adam_step", "", _step(_adam_with(lambda t: t + 1))),
    Mistake("t_starts_at_zero", "the bias correction counts steps from 0: 1 - beta**0 = 0 divides by zero "
            "on the first step", "t starts at 1: use 1 - beta1**t and 1 - beta2**t with the t you are given",
            "adam_step", "", _step(_adam_with(lambda t: t - 1))),
    Mistake("betas_swapped", "beta1 and beta2 swapped",
            "beta1 (0.9) decays the first moment m, beta2 (0.999) the second moment v, in the averages and "
            "in the bias corrections", "adam_step", "", _step(_adam_betas_swapped)),
    Mistake("adam_eps_inside_sqrt", "eps inside the square root: sqrt(v_hat + eps)",
            "eps goes outside: m_hat / (sqrt(v_hat) + eps), as in torch.optim.Adam; the two differ most "
            "when gradients are tiny", "adam_step", "", _step(_adam_eps_inside)),
    Mistake("adam_sign_error", "sign error: the step climbs the loss",
            "param - lr * m_hat / (sqrt(v_hat) + eps)", "adam_step", "", _step(_adam_sign)),
    Mistake("bias_corrected_state_returned", "the bias-corrected m_hat and v_hat are returned as the state",
            "return the raw averages m and v; correct them into m_hat and v_hat only for the step itself",
            "adam_step", "", _step(_adam_corrected_state)),
    # --- adamw_step ----------------------------------------------------------------------
    Mistake("adamw_as_l2", "AdamW decay applied to the gradient (L2 regularisation) instead of decoupled",
            "decoupled decay does not touch grad, m or v: multiply param by (1 - lr * weight_decay), then "
            "take the plain Adam step", "adamw_step", "",
            _step(_adamw(lambda p, g, lr, wd: (p, g + wd * p, 1.0)))),
    Mistake("decay_after_step", "AdamW decay applied after the Adam step",
            "decay first, as torch.optim.AdamW: param * (1 - lr * weight_decay), then the Adam step on the "
            "decayed param", "adamw_step", "",
            _step(_adamw(lambda p, g, lr, wd: (p, g, 1 - lr * wd)))),
    Mistake("decay_without_lr", "the weight decay is not scaled by the learning rate",
            "multiply param by (1 - lr * weight_decay), not (1 - weight_decay)", "adamw_step", "",
            _step(_adamw(lambda p, g, lr, wd: (p * (1 - wd), g, 1.0)))),
    Mistake("weight_decay_missing", "weight decay missing: this is plain Adam",
            "multiply param by (1 - lr * weight_decay) before the Adam step", "adamw_step", "",
            _step(_adamw(lambda p, g, lr, wd: (p, g, 1.0)))),
    Mistake("adamw_bias_correction_missing", "Adam bias correction missing",
            "divide m by (1 - beta1**t) and v by (1 - beta2**t) before the step", "adamw_step", "",
            _step(_adamw(lambda p, g, lr, wd: (p * (1 - lr * wd), g, 1.0), _adam_no_correction))),
    # --- rosenbrock, rosenbrock_grad ----------------------------------------------------
    Mistake("rosenbrock_missing_square", "x instead of x^2 in the valley term",
            "f = (a - x)^2 + b (y - x^2)^2", "rosenbrock", "",
            lambda p, a, b: (a - p[0]) ** 2 + b * (p[1] - p[0]) ** 2),
    Mistake("rosenbrock_a_b_swapped", "a and b swapped",
            "a sets the minimum (a, a^2), b the steepness of the valley: (a - x)^2 + b (y - x^2)^2",
            "rosenbrock", "", lambda p, a, b: ref.rosenbrock(p, b, a)),
    Mistake("partial_x_inner_derivative_missing", "df/dx misses the inner derivative of (y - x^2)",
            "chain rule: d/dx b (y - x^2)^2 = 2 b (y - x^2) (-2x), so df/dx = -2 (a - x) - 4 b x (y - x^2)",
            "rosenbrock_grad", "",
            lambda p, a, b: np.array([-2 * (a - p[0]) + 2 * b * (p[1] - p[0] ** 2), 2 * b * (p[1] - p[0] ** 2)])),
    Mistake("partial_x_inner_sign_lost", "df/dx lost the minus sign of the inner derivative -2x",
            "df/dx = -2 (a - x) - 4 b x (y - x^2)", "rosenbrock_grad", "",
            lambda p, a, b: np.array([-2 * (a - p[0]) + 4 * b * p[0] * (p[1] - p[0] ** 2),
                                      2 * b * (p[1] - p[0] ** 2)])),
    Mistake("partial_y_missing_b", "df/dy misses the factor b", "df/dy = 2 b (y - x^2)", "rosenbrock_grad", "",
            lambda p, a, b: ref.rosenbrock_grad(p, a, b) * np.array([1.0, 1.0 / b])),
    Mistake("rosenbrock_grad_sign_error", "sign error: this is minus the gradient",
            "the gradient points uphill: [-2 (a - x) - 4 b x (y - x^2), 2 b (y - x^2)]", "rosenbrock_grad", "",
            lambda p, a, b: -ref.rosenbrock_grad(p, a, b)),
    # --- optimize -------------------------------------------------------------------------
    Mistake("optimize_t_starts_at_zero", "the step counter starts at 0: Adam's bias correction divides by zero",
            "pass t = 1 on the first step, 2 on the second, ... (for t in range(1, n_steps + 1))", "optimize", "",
            _optimize(first_t=0)),
    Mistake("t_not_advanced", "the step counter t is never advanced",
            "increase t by one every step, so Adam's bias correction fades out as it should", "optimize", "",
            _optimize(advance_t=False)),
    Mistake("state_not_carried", "the optimizer state is reset every step",
            "create the state arrays (zeros) once before the loop and keep what each step returns",
            "optimize", "", _optimize(carry_state=False)),
    Mistake("trajectory_without_x0", "the trajectory is missing its first row x0",
            "return n_steps + 1 rows: x0 first, then the point after each step", "optimize", "",
            _optimize(keep_x0=False)),
    Mistake("hparams_not_forwarded", "the hyperparameters (**hparams) are not passed to the step function",
            "call the step with **hparams, so lr, beta, ... reach it", "optimize", "", _optimize(forward=False)),
    Mistake("position_not_updated", "the position is never updated: every step starts from x0",
            "assign the step's new param back to x (x, state = step(x, grad_fn(x), state, ...))",
            "optimize", "", _optimize(move=False)),
    Mistake("trajectory_rows_alias", "every row of the trajectory is the same array, changed in place by later "
            "steps",
            "append a new array per step: update with x = ... (not x[:] = ... or x -= ...) or append x.copy()",
            "optimize", "", _optimize(alias_rows=True)),
    # --- schedules --------------------------------------------------------------------------
    Mistake("cosine_step_plus_one", "the schedule is off by one step (it counts steps from 1)",
            "step 0 is the first step and gives lr_max: use step / total_steps", "cosine_schedule", "",
            _at_steps(_cosine, shift=1)),
    Mistake("cosine_total_minus_one", "the schedule is off by one step (it divides by total_steps - 1)",
            "use step / total_steps: lr_min is reached exactly at step == total_steps", "cosine_schedule", "",
            _at_steps(_cosine, span=-1)),
    Mistake("no_clamp_after_end", "the rate rises again after total_steps",
            "for step >= total_steps return lr_min", "cosine_schedule", "", _at_steps(_cosine, clamp=False)),
    Mistake("lr_min_ignored", "lr_min is ignored (the schedule decays to 0)",
            "lr_min + (lr_max - lr_min) * (1 + cos(pi * step / total_steps)) / 2", "cosine_schedule", "",
            _at_steps(_cosine, use_min=False)),
    Mistake("warmup_without_cosine", "no cosine decay after the warmup (the rate stays at lr_max)",
            "after warmup_steps, anneal with cosine_schedule(step - warmup_steps, total_steps - warmup_steps, "
            "lr_max, lr_min)", "warmup_cosine_schedule", "", _at_steps(_warmup, cosine=False)),
    Mistake("warmup_step_plus_one", "the warmup is off by one step (it counts steps from 1)",
            "the warmup starts at 0 on step 0: lr_max * step / warmup_steps", "warmup_cosine_schedule", "",
            _at_steps(_warmup, ramp_shift=1)),
    Mistake("cosine_not_shifted", "the cosine starts at step 0 instead of at the end of the warmup",
            "shift and shorten the cosine: cosine_schedule(step - warmup_steps, total_steps - warmup_steps, ...)",
            "warmup_cosine_schedule", "", _at_steps(_warmup, cosine_shift=False)),
    Mistake("warmup_ignores_lr_max", "the warmup ramps to 1 instead of to lr_max",
            "lr_max * step / warmup_steps", "warmup_cosine_schedule", "", _at_steps(_warmup, peak=1.0)),
]

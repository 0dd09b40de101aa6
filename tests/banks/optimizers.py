"""Bank for lab-1.4.2-optimizer-implementation: wrong implementations (named
mistakes where one applies) and alternative correct ones, one group per exercise.

Every variant is run with the reference solutions of the lab's other functions,
so an `optimize` variant calls the reference step functions by name."""
import math

import numpy as np

from tests.banks import Bank

bank = Bank()


# # WRONG: each variant must lose points, naming its mistake when it has a key


# ## sgd_step

@bank.wrong("sgd_sign_error")
def sgd_step(param, grad, lr=0.01):
    return param + lr * grad                    # climbs the loss


@bank.wrong("mutates_input")
def sgd_step(param, grad, lr=0.01):
    param -= lr * grad                          # updates the caller's array in place
    return param


@bank.wrong()
def sgd_step(param, grad, lr=0.01):
    return param - grad                         # learning rate forgotten


# ## momentum_step

@bank.wrong("momentum_as_ema")
def momentum_step(param, grad, velocity, lr=0.01, beta=0.9):
    velocity = beta * velocity + (1 - beta) * grad
    return param - lr * velocity, velocity


@bank.wrong("velocity_not_carried")
def momentum_step(param, grad, velocity, lr=0.01, beta=0.9):
    new_velocity = beta * velocity + grad
    return param - lr * new_velocity, velocity  # hands back the old velocity (zeros forever)


@bank.wrong("velocity_is_grad")
def momentum_step(param, grad, velocity, lr=0.01, beta=0.9):
    velocity = grad                             # history dropped: plain SGD
    return param - lr * velocity, velocity


@bank.wrong("momentum_sign_error")
def momentum_step(param, grad, velocity, lr=0.01, beta=0.9):
    velocity = beta * velocity + grad
    return param + lr * velocity, velocity


@bank.wrong("momentum_velocity_in_lr_units")
def momentum_step(param, grad, velocity, lr=0.01, beta=0.9):
    velocity = beta * velocity + lr * grad      # same path at constant lr, different velocity
    return param - velocity, velocity


@bank.wrong("stale_velocity")
def momentum_step(param, grad, velocity, lr=0.01, beta=0.9):
    param = param - lr * velocity               # steps with the velocity before this gradient
    velocity = beta * velocity + grad
    return param, velocity


@bank.wrong("mutates_input")
def momentum_step(param, grad, velocity, lr=0.01, beta=0.9):
    velocity *= beta                            # mutates the caller's state
    velocity += grad
    return param - lr * velocity, velocity


# ## nesterov_step

@bank.wrong("nesterov_as_momentum")
def nesterov_step(param, grad, velocity, lr=0.01, beta=0.9):
    velocity = beta * velocity + grad
    return param - lr * velocity, velocity
# grad + beta * v_old IS the new velocity: this "look-ahead" is plain momentum, the same
# function as the variant above, so it carries the same key.


@bank.wrong("nesterov_as_momentum")
def nesterov_step(param, grad, velocity, lr=0.01, beta=0.9):
    step = grad + beta * velocity               # look-ahead built from the previous velocity
    velocity = beta * velocity + grad
    return param - lr * step, velocity


@bank.wrong("nesterov_velocity_as_ema")
def nesterov_step(param, grad, velocity, lr=0.01, beta=0.9):
    velocity = beta * velocity + (1 - beta) * grad
    return param - lr * (grad + beta * velocity), velocity


@bank.wrong("nesterov_sign_error")
def nesterov_step(param, grad, velocity, lr=0.01, beta=0.9):
    velocity = beta * velocity + grad
    return param + lr * (grad + beta * velocity), velocity


@bank.wrong("nesterov_velocity_in_lr_units")
def nesterov_step(param, grad, velocity, lr=0.01, beta=0.9):
    # Sutskever's form on the look-ahead point: same path, velocity is -lr times torch's
    new_velocity = beta * velocity - lr * grad
    return param - beta * velocity + (1 + beta) * new_velocity, new_velocity


# ## adam_step

@bank.wrong("bias_correction_missing")
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    return param - lr * m / (np.sqrt(v) + eps), m, v


@bank.wrong("t_off_by_one")
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    t = t + 1                                   # "t counts finished steps": one too many
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@bank.wrong("t_starts_at_zero")
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** (t - 1))          # 0-based count: divides by zero on step 1
    v_hat = v / (1 - beta2 ** (t - 1))
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@bank.wrong("betas_swapped")
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta2 * m + (1 - beta2) * grad
    v = beta1 * v + (1 - beta1) * grad ** 2
    m_hat = m / (1 - beta2 ** t)
    v_hat = v / (1 - beta1 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@bank.wrong("adam_eps_inside_sqrt")
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return param - lr * m_hat / np.sqrt(v_hat + eps), m, v


@bank.wrong("adam_sign_error")
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return param + lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@bank.wrong("mutates_input")
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m *= beta1                                  # torch-style in-place updates on the caller's arrays
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


_calls = 0                                      # adam's own call counter, shared by every run


@bank.wrong("hidden_state", uses=["_calls"])
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    global _calls
    _calls += 1                                 # counts its own calls instead of using t
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** _calls)
    v_hat = v / (1 - beta2 ** _calls)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@bank.wrong("bias_corrected_state_returned")
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = (beta1 * m + (1 - beta1) * grad) / (1 - beta1 ** t)   # corrected values stored as state
    v = (beta2 * v + (1 - beta2) * grad ** 2) / (1 - beta2 ** t)
    return param - lr * m / (np.sqrt(v) + eps), m, v


# ## rmsprop_step

@bank.wrong("rmsprop_eps_inside_sqrt")
def rmsprop_step(param, grad, sq, lr=0.01, beta=0.9, eps=1e-8):
    sq = beta * sq + (1 - beta) * grad ** 2
    return param - lr * grad / np.sqrt(sq + eps), sq


@bank.wrong("rmsprop_eps_ignored")
def rmsprop_step(param, grad, sq, lr=0.01, beta=0.9, eps=1e-8):
    sq = beta * sq + (1 - beta) * grad ** 2
    return param - lr * grad / (np.sqrt(sq) + 1e-7), sq     # eps hard-coded, the argument ignored (issue 12)


@bank.wrong("ema_weights_swapped")
def rmsprop_step(param, grad, sq, lr=0.01, beta=0.9, eps=1e-8):
    sq = (1 - beta) * sq + beta * grad ** 2
    return param - lr * grad / (np.sqrt(sq) + eps), sq


@bank.wrong("rmsprop_as_adagrad")
def rmsprop_step(param, grad, sq, lr=0.01, beta=0.9, eps=1e-8):
    sq = sq + grad ** 2                         # never forgets: Adagrad
    return param - lr * grad / (np.sqrt(sq) + eps), sq


@bank.wrong("rmsprop_sign_error")
def rmsprop_step(param, grad, sq, lr=0.01, beta=0.9, eps=1e-8):
    sq = beta * sq + (1 - beta) * grad ** 2
    return param + lr * grad / (np.sqrt(sq) + eps), sq


@bank.wrong()
def rmsprop_step(param, grad, sq, lr=0.01, beta=0.9, eps=1e-8):
    sq = beta * sq + (1 - beta) * grad ** 2
    return param - lr * grad / (sq + eps), sq   # square root forgotten


# ## adamw_step

@bank.wrong("adamw_as_l2")
def adamw_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    grad = grad + weight_decay * param          # L2 penalty: rescaled by Adam like any gradient
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """A student's adam_step with its own mistake (t + 1 in the bias correction), for AdamW on top of it."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    return param - lr * (m / (1 - beta1 ** (t + 1))) / (np.sqrt(v / (1 - beta2 ** (t + 1))) + eps), m, v


@bank.wrong("adamw_as_l2", uses=[adam_step])
def adamw_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    # L2 decay on top of a wrong adam_step (issue 12): the mistake named is adamw_step's own
    return adam_step(param, grad + weight_decay * param, m, v, t, lr, beta1, beta2, eps)


@bank.wrong("decay_after_step")
def adamw_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    param = param - lr * m_hat / (np.sqrt(v_hat) + eps)
    return param * (1 - lr * weight_decay), m, v


@bank.wrong("decay_without_lr")
def adamw_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    param = param * (1 - weight_decay)          # decay not scaled by the learning rate
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@bank.wrong("weight_decay_missing")
def adamw_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@bank.wrong("adamw_bias_correction_missing")
def adamw_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    param = param * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    return param - lr * m / (np.sqrt(v) + eps), m, v


# ## rosenbrock

@bank.wrong("rosenbrock_sign_error")
def rosenbrock(p, a=1.0, b=100.0):
    x, y = p
    return -((a - x) ** 2 + b * (y - x ** 2) ** 2)


@bank.wrong("rosenbrock_missing_square")
def rosenbrock(p, a=1.0, b=100.0):
    x, y = p
    return (a - x) ** 2 + b * (y - x) ** 2      # x, not x^2, inside the valley term


@bank.wrong("rosenbrock_a_b_swapped")
def rosenbrock(p, a=1.0, b=100.0):
    x, y = p
    return (b - x) ** 2 + a * (y - x ** 2) ** 2


@bank.wrong()
def rosenbrock(p, a=1.0, b=100.0):
    x, y = p
    return (a - y) ** 2 + b * (x - y ** 2) ** 2  # x and y exchanged


# ## rosenbrock_grad

@bank.wrong("partial_x_inner_derivative_missing")
def rosenbrock_grad(p, a=1.0, b=100.0):
    x, y = p
    dx = -2 * (a - x) + 2 * b * (y - x ** 2)   # inner derivative -2x of (y - x^2) forgotten
    dy = 2 * b * (y - x ** 2)
    return np.array([dx, dy])


@bank.wrong("partial_x_inner_sign_lost")
def rosenbrock_grad(p, a=1.0, b=100.0):
    x, y = p
    dx = -2 * (a - x) + 4 * b * x * (y - x ** 2)   # sign of the inner derivative lost
    dy = 2 * b * (y - x ** 2)
    return np.array([dx, dy])


@bank.wrong("partial_y_missing_b")
def rosenbrock_grad(p, a=1.0, b=100.0):
    x, y = p
    dx = -2 * (a - x) - 4 * b * x * (y - x ** 2)
    dy = 2 * (y - x ** 2)                       # factor b dropped
    return np.array([dx, dy])


@bank.wrong("rosenbrock_grad_sign_error")
def rosenbrock_grad(p, a=1.0, b=100.0):
    x, y = p
    return np.array([2 * (a - x) + 4 * b * x * (y - x ** 2), -2 * b * (y - x ** 2)])


# ## optimize
# The wrong `optimize` variants share one dispatch, `_update`, shipped with each of
# them, so that each differs from a right loop only where its mistake is.

def _update(name, x, g, m, v, t, hparams):
    """One step of optimizer `name` from x with gradient g: the new (x, m, v).

    Momentum and Nesterov carry their velocity in m, RMSprop its average in v,
    Adam and AdamW both moments and the step counter t."""
    if name == "sgd":
        return sgd_step(x, g, **hparams), m, v
    if name == "momentum":
        return (*momentum_step(x, g, m, **hparams), v)
    if name == "nesterov":
        return (*nesterov_step(x, g, m, **hparams), v)
    if name == "rmsprop":
        x, v = rmsprop_step(x, g, v, **hparams)
        return x, m, v
    if name == "adam":
        return adam_step(x, g, m, v, t, **hparams)
    if name == "adamw":
        return adamw_step(x, g, m, v, t, **hparams)
    raise ValueError(f"unknown optimizer {name!r}")


@bank.wrong("optimize_t_starts_at_zero", uses=[_update])
def optimize(name, grad_fn, x0, n_steps, **hparams):
    x = np.array(x0, dtype=float)
    m, v = np.zeros_like(x), np.zeros_like(x)
    path = [x]
    for t in range(n_steps):                    # t = 0 on the first step
        x, m, v = _update(name, x, grad_fn(x), m, v, t, hparams)
        path.append(x)
    return np.array(path)


@bank.wrong("t_not_advanced", uses=[_update])
def optimize(name, grad_fn, x0, n_steps, **hparams):
    x = np.array(x0, dtype=float)
    m, v = np.zeros_like(x), np.zeros_like(x)
    t = 1                                       # never incremented
    path = [x]
    for _ in range(n_steps):
        x, m, v = _update(name, x, grad_fn(x), m, v, t, hparams)
        path.append(x)
    return np.array(path)


@bank.wrong("state_not_carried", uses=[_update])
def optimize(name, grad_fn, x0, n_steps, **hparams):
    x = np.array(x0, dtype=float)
    path = [x]
    for t in range(1, n_steps + 1):
        m, v = np.zeros_like(x), np.zeros_like(x)   # state reset every step
        x, m, v = _update(name, x, grad_fn(x), m, v, t, hparams)
        path.append(x)
    return np.array(path)


@bank.wrong("trajectory_without_x0", uses=[_update])
def optimize(name, grad_fn, x0, n_steps, **hparams):
    x = np.array(x0, dtype=float)
    m, v = np.zeros_like(x), np.zeros_like(x)
    path = []                                   # row 0 should be x0
    for t in range(1, n_steps + 1):
        x, m, v = _update(name, x, grad_fn(x), m, v, t, hparams)
        path.append(x)
    return np.array(path)


@bank.wrong("hparams_not_forwarded", uses=[_update])
def optimize(name, grad_fn, x0, n_steps, **hparams):
    x = np.array(x0, dtype=float)
    m, v = np.zeros_like(x), np.zeros_like(x)
    path = [x]
    for t in range(1, n_steps + 1):
        x, m, v = _update(name, x, grad_fn(x), m, v, t, {})   # defaults used whatever the caller asked
        path.append(x)
    return np.array(path)


@bank.wrong("position_not_updated", uses=[_update])
def optimize(name, grad_fn, x0, n_steps, **hparams):
    x = np.array(x0, dtype=float)
    m, v = np.zeros_like(x), np.zeros_like(x)
    path = np.zeros((n_steps + 1, x.size))
    path[0] = x
    for t in range(1, n_steps + 1):
        path[t], m, v = _update(name, x, grad_fn(x), m, v, t, hparams)
    return path                                 # x never reassigned: every row is one step from x0


@bank.wrong("trajectory_rows_alias", uses=[_update])
def optimize(name, grad_fn, x0, n_steps, **hparams):
    x = np.array(x0, dtype=float)
    m, v = np.zeros_like(x), np.zeros_like(x)
    path = [x]
    for t in range(1, n_steps + 1):
        new, m, v = _update(name, x, grad_fn(x), m, v, t, hparams)
        x[:] = new                              # in place: every row of path is this one array
        path.append(x)
    return np.array(path)


_t = 0                                          # a global step counter, never reset between runs


@bank.wrong("hidden_state", uses=[_update, "_t"])
def optimize(name, grad_fn, x0, n_steps, **hparams):
    global _t
    x = np.array(x0, dtype=float)
    m, v = np.zeros_like(x), np.zeros_like(x)
    path = [x]
    for _ in range(n_steps):
        _t += 1
        x, m, v = _update(name, x, grad_fn(x), m, v, _t, hparams)
        path.append(x)
    return np.array(path)


# ## cosine_schedule

@bank.wrong("cosine_step_plus_one")
def cosine_schedule(step, total_steps, lr_max, lr_min=0.0):
    progress = min((step + 1) / total_steps, 1.0)   # counts steps from 1
    return lr_min + (lr_max - lr_min) * (1 + np.cos(np.pi * progress)) / 2


@bank.wrong("cosine_total_minus_one")
def cosine_schedule(step, total_steps, lr_max, lr_min=0.0):
    progress = min(step / (total_steps - 1), 1.0)   # reaches lr_min one step early
    return lr_min + (lr_max - lr_min) * (1 + np.cos(np.pi * progress)) / 2


@bank.wrong("no_clamp_after_end")
def cosine_schedule(step, total_steps, lr_max, lr_min=0.0):
    return lr_min + (lr_max - lr_min) * (1 + np.cos(np.pi * step / total_steps)) / 2


@bank.wrong("lr_min_ignored")
def cosine_schedule(step, total_steps, lr_max, lr_min=0.0):
    step = min(step, total_steps)
    return lr_max * (1 + np.cos(np.pi * step / total_steps)) / 2


@bank.wrong()
def cosine_schedule(step, total_steps, lr_max, lr_min=0.0):
    step = min(step, total_steps)
    return lr_min + (lr_max - lr_min) * np.cos(np.pi * step / total_steps)   # (1 + cos)/2 forgotten


# ## warmup_cosine_schedule

@bank.wrong("no_clamp_after_end")
def warmup_cosine_schedule(step, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if step < warmup_steps:
        return lr_max * step / warmup_steps
    progress = (step - warmup_steps) / (total_steps - warmup_steps)   # no clamp: rises again after the end
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * progress))


@bank.wrong("warmup_without_cosine")
def warmup_cosine_schedule(step, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if step < warmup_steps:
        return lr_max * step / warmup_steps
    return lr_max if step <= total_steps else lr_min   # flat after warmup


@bank.wrong("warmup_step_plus_one")
def warmup_cosine_schedule(step, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if step < warmup_steps:
        return lr_max * (step + 1) / warmup_steps       # starts above zero
    return cosine_schedule(step - warmup_steps, total_steps - warmup_steps, lr_max, lr_min)


@bank.wrong("cosine_not_shifted")
def warmup_cosine_schedule(step, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if step < warmup_steps:
        return lr_max * step / warmup_steps
    return cosine_schedule(step, total_steps, lr_max, lr_min)   # cosine clock started at 0


@bank.wrong("warmup_ignores_lr_max")
def warmup_cosine_schedule(step, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if step < warmup_steps:
        return step / warmup_steps                       # ramps to 1, not to lr_max
    return cosine_schedule(step - warmup_steps, total_steps - warmup_steps, lr_max, lr_min)


# # RIGHT: other correct formulations, each must keep full marks


@bank.right()
def sgd_step(param, grad, lr=0.01):
    new = param.copy()                          # in place on a private copy
    new -= lr * grad
    return new


@bank.right()
def sgd_step(param, grad, lr=0.01):
    return np.add(param, np.multiply(-lr, grad), dtype=np.float64)


@bank.right()
def momentum_step(param, grad, velocity, lr=0.01, beta=0.9):
    # unrolled: p - lr beta v - lr g, with the new velocity computed separately
    new_param = param - lr * beta * velocity - lr * grad
    return new_param, beta * velocity + grad


@bank.right()
def momentum_step(param, grad, velocity, lr=0.01, beta=0.9):
    v = np.array(velocity, dtype=float)         # private copy, then in place
    v *= beta
    v += grad
    p = np.array(param, dtype=float)
    p -= lr * v
    return p, v


@bank.right()
def nesterov_step(param, grad, velocity, lr=0.01, beta=0.9):
    # expanded: p - lr ((1 + beta) g + beta^2 v_old)
    new_param = param - lr * ((1 + beta) * grad + beta ** 2 * velocity)
    return new_param, beta * velocity + grad


@bank.right()
def nesterov_step(param, grad, velocity, lr=0.01, beta=0.9):
    v = beta * velocity + grad
    lookahead_grad = grad + beta * v            # torch: grad.add(buf, alpha=momentum)
    return param + (-lr) * lookahead_grad, v


@bank.right()
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    # torch.optim.Adam's arrangement: p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)
    m = m + (1 - beta1) * (grad - m)            # lerp
    v = beta2 * v + (1 - beta2) * grad * grad
    bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t
    denom = np.sqrt(v) / np.sqrt(bc2) + eps
    return param - (lr / bc1) * m / denom, m, v


@bank.right()
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m_new = np.empty_like(m)
    v_new = np.empty_like(v)
    p_new = np.empty_like(param)
    for i in np.ndindex(param.shape):           # one scalar at a time
        m_new[i] = beta1 * m[i] + (1 - beta1) * grad[i]
        v_new[i] = beta2 * v[i] + (1 - beta2) * grad[i] ** 2
        m_hat = m_new[i] / (1 - beta1 ** t)
        v_hat = v_new[i] / (1 - beta2 ** t)
        p_new[i] = param[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
    return p_new, m_new, v_new


@bank.right()
def rmsprop_step(param, grad, sq, lr=0.01, beta=0.9, eps=1e-8):
    sq = sq + (1 - beta) * (grad * grad - sq)   # lerp form of the same average
    rms = np.sqrt(sq)
    return param - lr * grad / (rms + eps), sq


@bank.right()
def rmsprop_step(param, grad, sq, lr=0.01, beta=0.9, eps=1e-8):
    new_sq = np.multiply(beta, sq) + np.multiply(1 - beta, np.square(grad))
    scale = lr / (np.sqrt(new_sq) + eps)        # per-coordinate learning rate
    return param - scale * grad, new_sq


@bank.right()
def adamw_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    # Loshchilov & Hutter's form: p - lr (wd p + adam direction), decay on the old p
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    direction = (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return param - lr * (weight_decay * param + direction), m, v


@bank.right()
def adamw_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    decayed = param * (1 - lr * weight_decay)   # torch.optim.AdamW: decay first, then Adam
    return adam_step(decayed, grad, m, v, t, lr, beta1, beta2, eps)


@bank.right()
def rosenbrock(p, a=1.0, b=100.0):
    # the n-dimensional Rosenbrock sum, here with n = 2
    return float(np.sum(b * (p[1:] - p[:-1] ** 2) ** 2 + (a - p[:-1]) ** 2))


@bank.right()
def rosenbrock_grad(p, a=1.0, b=100.0):
    # chain rule on the two residuals r1 = a - x, r2 = y - x^2: grad = 2 r1 dr1 + 2 b r2 dr2
    x, y = p
    r1, r2 = a - x, y - x * x
    return 2 * r1 * np.array([-1.0, 0.0]) + 2 * b * r2 * np.array([-2 * x, 1.0])


@bank.right(uses=[_update])
def optimize(name, grad_fn, x0, n_steps, **hparams):
    x = np.array(x0, dtype=float)
    path = np.empty((n_steps + 1,) + x.shape)   # preallocated; the if-chain is `_update`
    path[0] = x
    m, v = np.zeros_like(x), np.zeros_like(x)
    for t in range(1, n_steps + 1):
        x, m, v = _update(name, x, grad_fn(x), m, v, t, hparams)
        path[t] = x
    return path


@bank.right()
def optimize(name, grad_fn, x0, n_steps, **hparams):
    # table of closures, each keeping its own state
    x = np.asarray(x0, dtype=float).copy()
    state = {"v": np.zeros_like(x), "m": np.zeros_like(x), "t": 0}
    def adam_like(step):
        def run(x, g):
            state["t"] += 1
            x, state["m"], state["v"] = step(x, g, state["m"], state["v"], state["t"], **hparams)
            return x
        return run
    def one_state(step):
        def run(x, g):
            x, state["v"] = step(x, g, state["v"], **hparams)
            return x
        return run
    update = {"sgd": lambda x, g: sgd_step(x, g, **hparams),
              "momentum": one_state(momentum_step), "nesterov": one_state(nesterov_step),
              "rmsprop": one_state(rmsprop_step),
              "adam": adam_like(adam_step), "adamw": adam_like(adamw_step)}[name]
    path = [x]
    for _ in range(n_steps):
        x = update(x, grad_fn(x))
        path.append(x)
    return np.vstack(path)


@bank.right()
def cosine_schedule(step, total_steps, lr_max, lr_min=0.0):
    # (1 + cos x) / 2 == cos(x / 2)^2
    if step > total_steps:
        return lr_min
    return lr_min + (lr_max - lr_min) * math.cos(math.pi * step / (2 * total_steps)) ** 2


@bank.right()
def warmup_cosine_schedule(step, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if step < warmup_steps:
        return lr_max * step / warmup_steps
    if step >= total_steps:
        return lr_min
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * progress))


# ## forms: lenient on form, strict on value (checks.compare.number) -----------------

@bank.right()
def rosenbrock(p, a=1.0, b=100.0):
    x, y = p
    return np.float64((a - x) ** 2 + b * (y - x ** 2) ** 2)    # a numpy scalar


@bank.right()
def rosenbrock(p, a=1.0, b=100.0):
    x, y = p
    return np.array((a - x) ** 2 + b * (y - x ** 2) ** 2)      # a 0-d array


@bank.right()
def cosine_schedule(step, total_steps, lr_max, lr_min=0.0):
    # a 0-d array; lr_min itself (an int if the caller passed one) after the end
    if step >= total_steps:
        return lr_min
    return np.array(lr_min + (lr_max - lr_min) * (1 + np.cos(np.pi * step / total_steps)) / 2)


@bank.right()
def warmup_cosine_schedule(step, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if step < warmup_steps:
        return np.float64(lr_max) * step / warmup_steps         # a numpy scalar
    progress = min(step - warmup_steps, total_steps - warmup_steps) / (total_steps - warmup_steps)
    return np.asarray(lr_min + (lr_max - lr_min) * (1 + np.cos(np.pi * progress)) / 2)


WRONG, RIGHT = bank.WRONG, bank.RIGHT

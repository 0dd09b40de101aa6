"""Reference answers for lab-1.4.2-optimizer-implementation (optimizers, schedules).

Each step follows torch.optim's single-tensor arithmetic in float64 (SGD with
momentum and nesterov, RMSprop with centered=False and alpha=beta, Adam, AdamW).
State arrays start at zeros; the step counter t starts at 1. Steps return new
arrays and never modify their inputs. `STEPS` is the one table of the six
steps (function, state names, whether it takes t) that the mistakes and the
hidden tests read too.
"""
from typing import Callable, NamedTuple

import numpy as np


def sgd_step(param, grad, lr=0.01):
    """p - lr g."""
    return param - lr * grad


def momentum_step(param, grad, velocity, lr=0.01, beta=0.9):
    """v = beta v + g (a running sum, not an average); p - lr v."""
    velocity = beta * velocity + grad
    return param - lr * velocity, velocity


def nesterov_step(param, grad, velocity, lr=0.01, beta=0.9):
    """torch's nesterov: v = beta v + g; p - lr (g + beta v)."""
    velocity = beta * velocity + grad
    return param - lr * (grad + beta * velocity), velocity


def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam with bias correction; t = 1 on the first step."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def rmsprop_step(param, grad, sq, lr=0.01, beta=0.9, eps=1e-8):
    """sq = beta sq + (1 - beta) g^2; p - lr g / (sqrt(sq) + eps)."""
    sq = beta * sq + (1 - beta) * grad**2
    return param - lr * grad / (np.sqrt(sq) + eps), sq


def adamw_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8,
               weight_decay=0.01):
    """Decoupled decay first, p (1 - lr wd), then the Adam step on the decayed p."""
    param = param * (1 - lr * weight_decay)
    return adam_step(param, grad, m, v, t, lr, beta1, beta2, eps)


def rosenbrock(p, a=1.0, b=100.0):
    """(a - x)^2 + b (y - x^2)^2; minimum 0 at (a, a^2)."""
    x, y = p
    return float((a - x) ** 2 + b * (y - x**2) ** 2)


def rosenbrock_grad(p, a=1.0, b=100.0):
    """[-2 (a - x) - 4 b x (y - x^2), 2 b (y - x^2)]."""
    x, y = p
    return np.array([-2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)], dtype=float)


class Step(NamedTuple):
    """One optimizer step of the contract: step(param, grad, *state[, t], **hparams)."""
    function: Callable
    state: tuple      # names of the state arrays it takes and returns after param, in order
    counted: bool     # takes the step number t (1 on the first step) after the state

    def arguments(self, param, grad, state, t) -> tuple:
        """The positional arguments of one step: (param, grad, *state), then t if counted."""
        return (param, grad, *state) + ((t,) if self.counted else ())

    def outputs(self, out) -> list:
        """[new_param, *new_state] from what a step returned (sgd returns new_param alone)."""
        return list(out) if self.state else [out]


STEPS = {"sgd": Step(sgd_step, (), False), "momentum": Step(momentum_step, ("velocity",), False),
         "nesterov": Step(nesterov_step, ("velocity",), False), "rmsprop": Step(rmsprop_step, ("sq",), False),
         "adam": Step(adam_step, ("m", "v"), True), "adamw": Step(adamw_step, ("m", "v"), True)}


def optimize(name, grad_fn, x0, n_steps, **hparams):
    """(n_steps + 1, dim) trajectory from x0: zero state, t = 1, 2, ... for Adam/AdamW."""
    step = STEPS[name]
    x = np.array(x0, dtype=float)
    state = [np.zeros_like(x) for _ in step.state]
    path = [x]
    for t in range(1, n_steps + 1):
        x, *state = step.outputs(step.function(*step.arguments(x, grad_fn(x), state, t), **hparams))
        path.append(x)
    return np.stack(path)


def cosine_schedule(step, total_steps, lr_max, lr_min=0.0):
    """lr_min + (lr_max - lr_min)(1 + cos(pi step / total_steps)) / 2, lr_min after the end."""
    if step >= total_steps:
        return float(lr_min)
    return float(lr_min + (lr_max - lr_min) * (1 + np.cos(np.pi * step / total_steps)) / 2)


def warmup_cosine_schedule(step, total_steps, warmup_steps, lr_max, lr_min=0.0):
    """Linear warmup lr_max step / warmup_steps, then cosine over the remaining steps."""
    if step < warmup_steps:
        return float(lr_max * step / warmup_steps)
    return cosine_schedule(step - warmup_steps, total_steps - warmup_steps, lr_max, lr_min)

"""The lab-1.4.2 reference optimizers agree with torch.optim itself (the oracle the
contract names): SGD with momentum and with nesterov, RMSprop, Adam and AdamW, in
float64, over hundreds of steps on a curved loss, with two parameter tensors of
different shapes (each with its own optimizer state) in one optimizer, at the
contract's default hyperparameters, at unusual ones and with tiny gradients; and a
whole Adam run on Rosenbrock (torch's autograd and optimizer against ref.optimize).
Relative differences are measured as the grader measures them
(checks.compare.relative_error: the floor is 1e-3 of the array's scale).

torch is a test-only extra (`pip install -e '.[torch]'`, pinned in pyproject.toml);
CI installs it, so this file really runs there. The checks take ~2 s; importing
torch and its first optimizer step take most of the rest.
"""
import numpy as np
import pytest

from autograder.checks.compare import relative_error
from autograder.references import optimizers as ref

torch = pytest.importorskip("torch")

STEPS = 300
RTOL = 1e-12          # float64 round-off of the updates, accumulated over STEPS steps (measured <= 4e-13)
SHAPES = [(3, 4), (5,)]


def torch_optimizer(name, params, h):
    """torch.optim's optimizer for our (name, hyperparameters); single-tensor code path."""
    if name in ("momentum", "nesterov"):
        return torch.optim.SGD(params, lr=h["lr"], momentum=h["beta"], nesterov=name == "nesterov",
                               foreach=False)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=h["lr"], alpha=h["beta"], eps=h["eps"], foreach=False)
    if name == "adam":
        return torch.optim.Adam(params, lr=h["lr"], betas=(h["beta1"], h["beta2"]), eps=h["eps"], foreach=False)
    return torch.optim.AdamW(params, lr=h["lr"], betas=(h["beta1"], h["beta2"]), eps=h["eps"],
                             weight_decay=h["weight_decay"], foreach=False)


DEFAULTS = {   # the contract's defaults (SPEC section 4), spelled out for torch
    "momentum": dict(lr=0.01, beta=0.9),
    "nesterov": dict(lr=0.01, beta=0.9),
    "rmsprop": dict(lr=0.01, beta=0.9, eps=1e-8),
    "adam": dict(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8),
    "adamw": dict(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01),
}
UNUSUAL = {    # large steps, other betas, large eps and a large weight decay
    "momentum": dict(lr=0.05, beta=0.99),
    "nesterov": dict(lr=0.05, beta=0.5),
    "rmsprop": dict(lr=0.1, beta=0.5, eps=1e-3),
    "adam": dict(lr=0.1, beta1=0.5, beta2=0.9, eps=1e-6),
    "adamw": dict(lr=0.1, beta1=0.8, beta2=0.95, eps=1e-8, weight_decay=0.5),
}


class Curved:
    """L = scale (sum(c q^4) / 4 + q^T A q / 2 + sum(sin q)) over both tensors, q their
    concatenation: curved, coupled across tensors, not symmetric about 0."""

    def __init__(self, rng, scale=1.0):
        n = sum(int(np.prod(s)) for s in SHAPES)
        basis, _ = np.linalg.qr(rng.standard_normal((n, n)))
        self.A = (basis * rng.uniform(0.5, 5.0, n)) @ basis.T
        self.A = (self.A + self.A.T) / 2
        self.c, self.scale = rng.uniform(0.1, 1.0, n), scale

    def grads(self, arrays):
        q = np.concatenate([a.ravel() for a in arrays])
        g = self.scale * (self.c * q**3 + self.A @ q + np.cos(q))
        split = np.cumsum([int(np.prod(s)) for s in SHAPES])[:-1]
        return [part.reshape(s) for part, s in zip(np.split(g, split), SHAPES)]


def run_both(name, h, loss, start, steps=STEPS):
    """torch's optimizer on the two tensors at once, the reference step on each array with
    its own state and the shared t. Each step both get the same gradient (the loss's at the
    reference's current parameters), so float64 round-off in the gradient cannot be amplified
    by the dynamics (constant-lr Adam circles its minimum): what is compared is the update."""
    tensors = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in start]
    optimizer = torch_optimizer(name, tensors, h)
    step = ref.STEPS[name]
    arrays = [p.copy() for p in start]
    states = [[np.zeros_like(p) for _ in step.state] for p in start]
    worst = 0.0
    for t in range(1, steps + 1):
        grads = loss.grads(arrays)
        for tensor, g in zip(tensors, grads):
            tensor.grad = torch.from_numpy(g.copy())
        optimizer.step()
        for k, g in enumerate(grads):
            arrays[k], *states[k] = step.outputs(step.function(*step.arguments(arrays[k], g, states[k], t), **h))
        for a, tensor in zip(arrays, tensors):
            expected = tensor.detach().numpy()
            worst = max(worst, relative_error(a, expected))
    assert np.all(np.isfinite(arrays[0])) and np.all(np.isfinite(arrays[1]))
    assert worst <= RTOL, f"{name} {h}: max relative difference {worst:.1e} over {steps} steps"
    return arrays


@pytest.mark.parametrize("hparams", [DEFAULTS, UNUSUAL], ids=["default", "unusual"])
@pytest.mark.parametrize("name", list(DEFAULTS))
def test_reference_step_matches_torch_optim(name, hparams):
    rng = np.random.default_rng(14_2)
    loss = Curved(rng)
    start = [rng.standard_normal(s) for s in SHAPES]
    final = run_both(name, hparams[name], loss, start)
    assert max(np.abs(f - s).max() for f, s in zip(final, start)) > 1e-2   # the parameters really moved


@pytest.mark.parametrize("name", ["rmsprop", "adam", "adamw"])
def test_tiny_gradients_match_torch_optim(name):
    """|g| ~ 1e-9: sqrt(v) is comparable to eps, so eps must sit where torch puts it."""
    rng = np.random.default_rng(1_422)
    run_both(name, DEFAULTS[name], Curved(rng, scale=1e-9), [rng.standard_normal(s) for s in SHAPES], steps=100)


def test_optimize_adam_on_rosenbrock_matches_torch():
    """The convergence check's run (Adam, lr 0.002, from (-1, 1)) is torch's run too."""
    steps = 2000
    x = torch.tensor([-1.0, 1.0], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([x], lr=0.002, foreach=False)
    path = [x.detach().numpy().copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        ((1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2).backward()
        optimizer.step()
        path.append(x.detach().numpy().copy())
    ours = ref.optimize("adam", ref.rosenbrock_grad, np.array([-1.0, 1.0]), steps, lr=0.002)
    np.testing.assert_allclose(ours, np.array(path), rtol=RTOL, atol=RTOL)

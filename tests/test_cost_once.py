"""A mistake costs once (issue 12, autograder/dependencies.py).

For every exercise whose code builds on another exercise of its lab, a bank
case holds a wrong D, a right E that calls it and a wrong E that calls it:

- right E on wrong D keeps E's points, said in E's feedback and recorded in
  `CheckResult.with_references`, while D loses its own;
- wrong E on wrong D still loses E's points;
- wrong E on right D is never re-run on references (nothing is credited);
- a callback kept past its call fails in the child, even with the child's
  own expiry patched away (the parent refuses it), and gains nothing.

Each case grades only E and D, in the lab's shared child (tests/conftest.py),
through the same plugin as real grading.
"""
import ast
import json
from dataclasses import dataclass

import numpy as np
import pytest

from autograder import dependencies
from autograder.config import Limits, Settings
from autograder.grade import run_hidden_tests
from autograder.labs import LABS, default_course
from autograder.notebook import exercise_points
from autograder.sandbox.proxy import RaisedError, Student
from autograder.sandbox.runner import Sandbox
from autograder.scoring import score_exercise
from tests.conftest import LAB_BY_MODULE, reference_source

SEED = 20261202


@dataclass(frozen=True)
class Case:
    module: str
    exercise: str        # E, which builds on
    builds_on: str       # D
    wrong_d: str         # a wrong D
    right_e: str         # a right E that calls D
    wrong_e: str         # a wrong E that calls D (its own mistake)
    called: bool = True  # E's code calls D (else: E's check passes it D's output)


MLP_BACKWARD = '''
def mlp_backward(params, cache, y_true):
    x, h, y_hat = cache
    dz2 = (y_hat - y_true) / y_hat.shape[1]{BUG}
    dW2, dh, db2 = linear_backward(dz2, params["W2"], h)
    dz1 = tanh_backward(dh, np.arctanh(np.clip(h, -1 + 1e-15, 1 - 1e-15)))
    dW1, _, db1 = linear_backward(dz1, params["W1"], x)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
'''
MLP_FORWARD = '''
def mlp_forward(params, x):
    h = {HIDDEN}(linear_forward(params["W1"], x, params["b1"]))
    y_hat = sigmoid(linear_forward(params["W2"], h, params["b2"]))
    return y_hat, (x, h, y_hat)
'''
TRAIN_XOR = '''
def train_xor(seed=0):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.standard_normal((8, 2)), "b1": np.zeros((8, 1)),
              "W2": rng.standard_normal((1, 8)), "b2": np.zeros((1, 1))}
    X, Y = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]]), np.array([[0.0, 1.0, 1.0, 0.0]])
    for _ in range({STEPS}):
        y_hat, cache = mlp_forward(params, X)
        grads = mlp_backward(params, cache, Y)
        params = {k: params[k] - 1.0 * grads[k] for k in params}
    return params
'''
SOFTMAX_CE = '''
def softmax_cross_entropy(logits, y_true):
    batch = logits.shape[1]
    p = softmax(logits, axis=0)
    loss = -np.sum(y_true * np.log(np.where(y_true > 0, p, 1.0))) / batch
    return float(loss){BUG}, (p - y_true) / batch
'''
OPTIMIZE = '''
def optimize(name, grad_fn, x0, n_steps, **hparams):
    x = np.array(x0, dtype=float)
    m, v = np.zeros_like(x), np.zeros_like(x)
    path = [x]
    for t in range(1, n_steps + 1):
        g = grad_fn(x)
        if name == "sgd":
            x = sgd_step(x, g, **hparams)
        elif name == "momentum":
            x, m = momentum_step(x, g, m, **hparams)
        elif name == "nesterov":
            x, m = nesterov_step(x, g, m, **hparams)
        elif name == "rmsprop":
            x, m = rmsprop_step(x, g, m, **hparams)
        elif name == "adam":
            x, m, v = adam_step(x, g, m, v, {T}, **hparams)
        else:
            x, m, v = adamw_step(x, g, m, v, {T}, **hparams)
        path.append(x)
    return np.stack(path)
'''
ADAMW = '''
def adamw_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    return adam_step(param * (1 - {DECAY}), grad, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
'''
WARMUP = '''
def warmup_cosine_schedule(step, total_steps, warmup_steps, lr_max, lr_min=0.0):
    if step < warmup_steps:
        return lr_max * {RAMP} / warmup_steps
    return cosine_schedule(step - warmup_steps, total_steps - warmup_steps, lr_max, lr_min)
'''
CLASSIFY = '''
def classify_critical_point(f, p):
    lam = np.linalg.eigvalsh(numerical_hessian(f, p))
    if {TEST}:
        return "minimum"
    return "maximum" if lam.max() < 0 else "saddle"
'''

CASES = [
    Case("backprop", "mlp_backward", "linear_backward",
         wrong_d="def linear_backward(dL_dz, W, x):\n"
                 "    return dL_dz @ x.T, W.T @ dL_dz, dL_dz.sum(axis=0, keepdims=True)\n",
         right_e=MLP_BACKWARD.replace("{BUG}", ""), wrong_e=MLP_BACKWARD.replace("{BUG}", " * y_hat.shape[1]")),
    Case("backprop", "mlp_backward", "tanh_backward",
         wrong_d="def tanh_backward(dL_dy, x):\n    return dL_dy * (1 - np.tanh(x))\n",
         right_e=MLP_BACKWARD.replace("{BUG}", ""), wrong_e=MLP_BACKWARD.replace("{BUG}", " * 2")),
    Case("backprop", "mlp_backward", "mlp_forward",     # the check gives mlp_backward the student's cache
         wrong_d="def mlp_forward(params, x):\n"
                 "    h = np.tanh(params['W1'] @ x + params['b1'])\n"
                 "    y_hat = 1 / (1 + np.exp(-(params['W2'] @ h)))\n"
                 "    return y_hat, (x, h, y_hat)\n",
         right_e=MLP_BACKWARD.replace("{BUG}", ""), wrong_e=MLP_BACKWARD.replace("{BUG}", " * 2"), called=False),
    Case("backprop", "mlp_forward", "linear_forward",
         wrong_d="def linear_forward(W, x, b):\n    return W @ x\n",
         right_e=MLP_FORWARD.replace("{HIDDEN}", "np.tanh"),
         wrong_e=MLP_FORWARD.replace("{HIDDEN}", "relu")),
    Case("backprop", "train_xor", "mlp_backward",
         wrong_d="def mlp_backward(params, cache, y_true):\n"
                 "    x, h, y_hat = cache\n"
                 "    return {k: -np.ones_like(v) for k, v in params.items()}\n",
         right_e=TRAIN_XOR.replace("{STEPS}", "1000"), wrong_e=TRAIN_XOR.replace("{STEPS}", "2")),
    Case("backprop", "softmax_cross_entropy", "softmax",
         wrong_d="def softmax(z, axis=0):\n    e = np.exp(z - np.max(z))\n    return e / np.sum(e, axis=1 - axis, "
                 "keepdims=True)\n",
         right_e=SOFTMAX_CE.replace("{BUG}", ""), wrong_e=SOFTMAX_CE.replace("{BUG}", " * batch")),
    Case("backprop", "sigmoid_backward", "sigmoid",
         wrong_d="def sigmoid(x):\n    return np.tanh(x)\n",
         right_e="def sigmoid_backward(dL_dy, x):\n    s = sigmoid(x)\n    return dL_dy * s * (1 - s)\n",
         wrong_e="def sigmoid_backward(dL_dy, x):\n    s = sigmoid(x)\n    return dL_dy * s\n"),
    Case("backprop", "bce_with_logits", "sigmoid",
         wrong_d="def sigmoid(x):\n    return 1 / (1 + np.exp(x))\n",
         right_e="def bce_with_logits(z, y_true):\n"
                 "    loss = np.mean(y_true * np.logaddexp(0.0, -z) + (1 - y_true) * np.logaddexp(0.0, z))\n"
                 "    return float(loss), (sigmoid(z) - y_true) / np.size(z)\n",
         wrong_e="def bce_with_logits(z, y_true):\n"
                 "    loss = np.mean(y_true * np.logaddexp(0.0, -z) + (1 - y_true) * np.logaddexp(0.0, z))\n"
                 "    return float(loss), (sigmoid(z) - y_true) / z.shape[-1]\n"),
    Case("optimizers", "optimize", "momentum_step",
         wrong_d="def momentum_step(param, grad, velocity, lr=0.01, beta=0.9):\n"
                 "    velocity = beta * velocity + (1 - beta) * grad\n    return param - lr * velocity, velocity\n",
         right_e=OPTIMIZE.replace("{T}", "t"), wrong_e=OPTIMIZE.replace("{T}", "t + 1")),
    Case("optimizers", "adamw_step", "adam_step",
         wrong_d="def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):\n"
                 "    m = beta1 * m + (1 - beta1) * grad\n    v = beta2 * v + (1 - beta2) * grad ** 2\n"
                 "    return param - lr * m / (np.sqrt(v) + eps), m, v\n",
         right_e=ADAMW.replace("{DECAY}", "lr * weight_decay"), wrong_e=ADAMW.replace("{DECAY}", "weight_decay")),
    Case("optimizers", "warmup_cosine_schedule", "cosine_schedule",
         wrong_d="def cosine_schedule(step, total_steps, lr_max, lr_min=0.0):\n"
                 "    return lr_min + (lr_max - lr_min) * (1 + np.cos(np.pi * step / total_steps)) / 2\n",
         right_e=WARMUP.replace("{RAMP}", "step"), wrong_e=WARMUP.replace("{RAMP}", "(step + 1)")),
    Case("landscape", "classify_critical_point", "numerical_hessian",
         wrong_d="def numerical_hessian(f, p, eps=1e-4):\n"
                 "    p = np.asarray(p, dtype=float)\n    E = eps * np.eye(p.size)\n"
                 "    return -np.array([[f(p + a + b) - f(p + a - b) - f(p - a + b) + f(p - a - b) for b in E]\n"
                 "                      for a in E]) / (4 * eps ** 2)\n",
         right_e=CLASSIFY.replace("{TEST}", "lam.min() > 0"), wrong_e=CLASSIFY.replace("{TEST}", "lam.max() > 0")),
    Case("lora", "relative_approx_error", "low_rank_approx",
         wrong_d="def low_rank_approx(W, r):\n    U, S, Vt = np.linalg.svd(W, full_matrices=False)\n"
                 "    return (U[:, :r + 1] * S[:r + 1]) @ Vt[:r + 1, :]\n",
         right_e="def relative_approx_error(W, r):\n"
                 "    return float(np.linalg.norm(W - low_rank_approx(W, r)) / np.linalg.norm(W))\n",
         wrong_e="def relative_approx_error(W, r):\n"
                 "    return float(np.linalg.norm(W - low_rank_approx(W, r)))\n"),
    Case("lora", "lora_savings_percent", "lora_param_counts",
         wrong_d="def lora_param_counts(d_in, d_out, r):\n    return d_in * d_out, r * d_in\n",
         right_e="def lora_savings_percent(d_in, d_out, r):\n"
                 "    full, lora = lora_param_counts(d_in, d_out, r)\n    return 100.0 * (1 - lora / full)\n",
         wrong_e="def lora_savings_percent(d_in, d_out, r):\n"
                 "    full, lora = lora_param_counts(d_in, d_out, r)\n    return 100.0 * lora / full\n"),
    Case("probability", "gaussian_nll", "gaussian_log_pdf",
         wrong_d="def gaussian_log_pdf(x, mu, sigma):\n"
                 "    return -(x - mu) ** 2 / (2 * sigma ** 2) - 0.5 * np.log(2 * np.pi)\n",
         right_e="def gaussian_nll(y_pred, y_true, sigma=1.0):\n"
                 "    return float(np.mean(-gaussian_log_pdf(y_true, y_pred, sigma)))\n",
         wrong_e="def gaussian_nll(y_pred, y_true, sigma=1.0):\n"
                 "    return float(np.sum(-gaussian_log_pdf(y_true, y_pred, sigma)))\n"),
    Case("probability", "kl_divergence", "cross_entropy",
         wrong_d="def cross_entropy(p, q):\n"
                 "    with np.errstate(divide='ignore', invalid='ignore'):\n"
                 "        return -np.sum(np.where(p > 0, p * np.log2(q), 0.0), axis=-1)\n",
         right_e="def kl_divergence(p, q):\n    return cross_entropy(p, q) - entropy(p)\n",
         wrong_e="def kl_divergence(p, q):\n    return entropy(p) - cross_entropy(p, q)\n"),
]
IDS = [f"{c.exercise}-on-{c.builds_on}" for c in CASES]


def grade(lab_sandbox, case, *cells):
    sandbox = lab_sandbox(case.module)
    sandbox.rerun([reference_source(case.module), *cells])
    plugin = run_hidden_tests(LAB_BY_MODULE[case.module], sandbox, SEED, Settings(),
                              exercises={case.exercise, case.builds_on})
    assert not plugin.internal_errors, plugin.internal_errors
    return ({name: score_exercise(name, 1.0, plugin.outcomes) for name in (case.exercise, case.builds_on)},
            plugin.outcomes)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_right_exercise_on_a_wrong_one_keeps_its_points(lab_sandbox, case):
    results, outcomes = grade(lab_sandbox, case, case.wrong_d, case.right_e)
    mine, theirs = results[case.exercise], results[case.builds_on]
    assert theirs.score < 1.0, f"the bank's wrong {case.builds_on} kept full marks"
    assert mine.status == "passed", mine.feedback
    credited = [c for c in outcomes if c.with_references]
    assert all(c.exercise == case.exercise and c.status == "passed" for c in credited)
    assert all(c.with_references == (case.builds_on,) for c in credited)
    words = "calls your" if case.called else "output of your"
    said = f"is right, but {'it' if case.called else 'this check gives it the'}"
    if credited:   # (a check of E that does not use D passes on its own)
        assert any(f"`{case.exercise}` {said}" in line and f"{words} `{case.builds_on}`, which is wrong "
                   f"(see `{case.builds_on}`)" in line for line in mine.feedback), mine.feedback
    else:          # lab 1.4.2's checks already judge a loop or a decay by the student's own step
        assert case.module == "optimizers", "no check was credited: the case proves nothing"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_wrong_exercise_on_a_wrong_one_still_loses_its_points(lab_sandbox, case):
    results, outcomes = grade(lab_sandbox, case, case.wrong_d, case.wrong_e)
    assert results[case.builds_on].score < 1.0
    assert results[case.exercise].score < 1.0, results[case.exercise].feedback
    # (a check that E's own mistake does not touch may be credited: that is the point)
    if case.called and case.exercise != "optimize":   # the feedback names both mistakes (optimize's wrong
        said = f"also calls your `{case.builds_on}`, which is wrong"        # t breaks only the Adam checks)
        assert any(said in c.message and "has a mistake of its own" in c.message for c in outcomes
                   if c.exercise == case.exercise and c.status != "passed"), [c.message for c in outcomes]


# (stand_ins() is empty without a wrong D, see below: a few cases suffice)
NEVER = [c for c in CASES if (c.exercise, c.builds_on) in {("mlp_backward", "linear_backward"),
                                                          ("softmax_cross_entropy", "softmax"),
                                                          ("relative_approx_error", "low_rank_approx")}]


@pytest.mark.parametrize("case", NEVER, ids=[f"{c.exercise}-on-{c.builds_on}" for c in NEVER])
def test_wrong_exercise_on_a_right_one_is_never_credited(lab_sandbox, case):
    results, outcomes = grade(lab_sandbox, case, case.wrong_e)
    assert results[case.builds_on].status == "passed"
    assert results[case.exercise].score < 1.0
    assert not any(c.with_references for c in outcomes)


# --- the table covers the course's own code --------------------------------------------

def calls_in(source: str, names: list) -> dict:
    """{exercise: exercises its body uses}, through helpers that are not exercises."""
    tree = ast.parse(source)
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}

    def uses(name, seen):
        found = set()
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Name) and node.id != name and node.id in functions and node.id not in seen:
                seen.add(node.id)
                found |= {node.id} if node.id in names else uses(node.id, seen)
        return found
    return {name: used for name in names if name in functions and (used := uses(name, {name}))}


@pytest.mark.parametrize("lab", list(LABS.values()), ids=lambda lab: lab.module)
def test_every_call_of_the_solutions_and_references_is_in_the_table(lab):
    course = default_course()
    names = list(exercise_points(lab.source_notebook(course)))
    notebook = json.loads((course / "solutions" / lab.id / f"{lab.id}.ipynb").read_text())
    solution = "\n".join(line for cell in notebook["cells"] if cell["cell_type"] == "code"
                         for line in "".join(cell["source"]).splitlines() if not line.lstrip().startswith(("%", "!")))
    for found in (calls_in(solution, names), calls_in(reference_source(lab.module), names)):
        for exercise, used in found.items():
            assert used <= dependencies.builds_on(lab.module, exercise), (exercise, used)


def test_every_exercise_of_the_table_has_a_bank_case():
    covered = {(c.module, c.exercise) for c in CASES}
    table = {(module, exercise) for module, calls in dependencies.CALLS.items() for exercise in calls}
    assert table == covered, table ^ covered


def test_only_wrong_exercises_stand_in_and_a_cache_is_never_split():
    assert dependencies.stand_ins("backprop", "train_xor", {"linear_backward"}) == {"linear_backward"}
    assert dependencies.stand_ins("backprop", "train_xor", {"mlp_forward"}) == {"mlp_forward", "mlp_backward"}
    assert dependencies.stand_ins("backprop", "mlp_backward", {"mlp_forward"}) == {"mlp_forward"}
    assert dependencies.stand_ins("backprop", "mlp_backward", {"relu", "softmax"}) == set()
    assert dependencies.stand_ins("optimizers", "optimize", set()) == set()


def test_the_credit_says_what_is_wrong_with_what_it_calls():
    message = dependencies.credit_message
    assert message("train_xor", ["bce_loss"], [], {"bce_loss": "missing"}) == (
        "your `train_xor` is right, but it calls your `bce_loss`, which is not defined in your notebook "
        "(see `bce_loss`)")
    assert message("optimize", ["adam_step", "sgd_step"], [], {"adam_step": "not_attempted",
                                                              "sgd_step": "not_attempted"}) == (
        "your `optimize` is right, but it calls your `adam_step` and `sgd_step`, which still raise "
        "NotImplementedError (see `adam_step`, `sgd_step`)")
    assert message("mlp_backward", ["linear_backward"], ["mlp_forward"], {"linear_backward": "failed",
                                                                          "mlp_forward": "missing"}) == (
        "your `mlp_backward` is right, but it calls your `linear_backward` and this check gives it the output "
        "of your `mlp_forward`, which are wrong (see `linear_backward`, `mlp_forward`)")
    missing = dependencies.CheckResult("mlp_backward", "c", 1.0, "failed", f"`mlp_backward` {dependencies.MISSING}.")
    assert not dependencies.rerunnable(missing)   # nothing to re-run when the exercise itself is missing


# --- a callback kept for later ----------------------------------------------------------

KEEPER = '''
_kept = []

def keep_it(x):
    _kept.append(linear_backward)          # the grader's stand-in, during this call
    return x

def use_it(x):
    return _kept[-1](x, x, x)              # ... used in a later call

def use_it_patched(x):
    _kept[-1]._expired = False             # the child's own check patched away: the parent still refuses
    return _kept[-1](x, x, x)
'''


@pytest.fixture(scope="module")
def keeper():
    with Sandbox([KEEPER], Limits()) as sandbox:
        sandbox.run_notebook()
        yield Student(sandbox, 10.0)


def test_a_stand_in_works_during_its_call(keeper):
    used = {}

    def stand_in(*args):
        used["args"] = len(args)
        return 1.0
    assert keeper.binding({"linear_backward": stand_in}).keep_it(2.0) == 2.0
    with pytest.raises(RaisedError, match="one call only"):
        keeper.use_it(np.ones((2, 2)))
    with pytest.raises(RaisedError, match="one call only"):
        keeper.use_it_patched(np.ones((2, 2)))
    assert "args" not in used      # the grader's function never ran for the kept handle


KEEPING_CE = '''
_kept, _errors = [], []

def softmax_cross_entropy(logits, y_true):
    if type(softmax).__name__ == "RemoteCallable" and not _kept:
        _kept.append(softmax)              # keep the grader's softmax for the next calls
    try:
        p = (_kept[0] if _kept else softmax)(logits, axis=0)
    except Exception as exc:
        _errors.append(str(exc))
        raise
    batch = logits.shape[1]
    loss = -np.sum(y_true * np.log(np.where(y_true > 0, p, 1.0))) / batch
    return float(loss), (p - y_true) / batch

def kept_errors():
    return list(_errors)
'''


def test_a_check_that_uses_a_kept_callback_gains_nothing(lab_sandbox):
    case = next(c for c in CASES if c.exercise == "softmax_cross_entropy")
    honest, _ = grade(lab_sandbox, case, case.wrong_d, case.right_e)
    keeping, _ = grade(lab_sandbox, case, case.wrong_d, KEEPING_CE)
    assert keeping["softmax_cross_entropy"].score < honest["softmax_cross_entropy"].score
    errors = Student(lab_sandbox(case.module), 10.0).kept_errors()
    assert errors and all("one call only" in e for e in errors), errors   # it failed in the child

"""A mistake costs once: checks of an exercise re-run on the grader's references
of the wrong exercises it builds on.

The notebooks build exercises on earlier ones (`mlp_backward` calls
`linear_backward`, `optimize` the step functions, ...). Without care one bug in
`linear_backward` also costs `mlp_backward` and `train_xor`. So, once every
hidden check has run (`GradingPlugin.pytest_runtestloop`):

- an exercise D is *judged wrong* when one of its own checks failed or met its
  NotImplementedError stub (the first run's outcomes: a credit below never
  makes D right);
- a failed check of exercise E whose code may call such a D (`CALLS`, taken from
  the solution notebooks and the references, plus what students commonly
  call; `tests/test_cost_once.py` proves it covers both) is run again, drawing
  the same inputs, with every wrong D that E builds on bound, in the
  student's namespace and for the length of each call only, to a grader
  callback that answers with the reference (`Student.binding`,
  `messages.FROM_PARENT["call"].bind`). The reference never crosses to the
  child as code: the child holds a `RemoteCallable` whose id the parent
  answers during that call only, and which expires in the child when it ends;
- if the check then passes and a stand-in was really called (the parent
  answered it), the check is credited: status `passed`, the stand-ins named in
  `CheckResult.with_references`, and the message "your `E` is right, but it
  calls your `D`, which is wrong (see `D`)"; if it still fails, the loss
  stands and its message adds that E calls the wrong D but has a mistake of
  its own.

A right D is never replaced, so a wrong E on a right D loses its points as
before, and a wrong E on a wrong D still fails its re-run.
"""
from __future__ import annotations

import importlib
import inspect
import traceback
from collections import Counter
from dataclasses import replace

from autograder.checks.compare import CheckFailed
from autograder.result import CheckResult
from autograder.sandbox.proxy import Student, StudentFailure

# lab module -> {exercise: the lab's other exercises its code may call}. From the
# solution notebooks and the references (tests/test_cost_once.py checks this
# table holds every such call), plus calls students commonly write and what
# the hidden checks of the exercise use of the student's (the cache of
# `mlp_forward` in `mlp_backward`'s checks). Closed transitively below.
CALLS = {
    "backprop": {
        "sigmoid_backward": {"sigmoid"},
        "softmax_cross_entropy": {"softmax"},
        "bce_with_logits": {"sigmoid"},
        "mlp_forward": {"linear_forward", "sigmoid"},
        "mlp_backward": {"linear_backward", "tanh_backward", "mlp_forward"},
        "train_xor": {"mlp_forward", "mlp_backward", "bce_loss"},
    },
    "optimizers": {
        "adamw_step": {"adam_step"},
        "optimize": {"sgd_step", "momentum_step", "nesterov_step", "rmsprop_step", "adam_step", "adamw_step"},
        "warmup_cosine_schedule": {"cosine_schedule"},
    },
    "landscape": {
        "classify_critical_point": {"numerical_hessian"},
    },
    "lora": {
        "relative_approx_error": {"low_rank_approx"},
        "lora_savings_percent": {"lora_param_counts"},
    },
    "probability": {
        "gaussian_nll": {"gaussian_log_pdf"},
        "kl_divergence": {"cross_entropy", "entropy"},
    },
}

# Exercises that share a private format (the student's own `cache`): a
# reference stands in for one of them only together with the other's.
COUPLED = {"backprop": ({"mlp_forward", "mlp_backward"},)}

WRONG = ("failed", "not_attempted")   # a check status that judges its exercise wrong
MISSING = "is not defined in your notebook"   # proxy.MissingFunction's message
STATES = {"failed": ("which is wrong", "which are wrong"),
          "missing": ("which is not defined in your notebook", "which are not defined in your notebook"),
          "not_attempted": ("which still raises NotImplementedError", "which still raise NotImplementedError")}


def builds_on(module: str, exercise: str) -> set:
    """Every exercise `exercise` may call, directly or through others."""
    calls, seen, todo = CALLS.get(module, {}), set(), [exercise]
    while todo:
        for callee in calls.get(todo.pop(), ()):
            if callee not in seen and callee != exercise:
                seen.add(callee)
                todo.append(callee)
    return seen


def stand_ins(module: str, exercise: str, wrong: set) -> set:
    """The wrong exercises a re-run of `exercise`'s check replaces by references."""
    chosen = builds_on(module, exercise) & wrong
    for group in COUPLED.get(module, ()):
        if chosen & group and exercise not in group:
            chosen |= group
    return {name for name in chosen if callable(getattr(_references(module), name, None))}


def judged_wrong(outcomes: list) -> dict:
    """{exercise: 'failed' | 'missing' | 'not_attempted'} for exercises that lost a check of their own."""
    lost: dict = {}
    for check in outcomes:
        if check.status in WRONG:
            lost.setdefault(check.exercise, []).append(check)
    wrong = {}
    for exercise, checks in lost.items():
        if all(c.status == "not_attempted" for c in checks):
            wrong[exercise] = "not_attempted"
        elif all(MISSING in c.message for c in checks):
            wrong[exercise] = "missing"
        else:
            wrong[exercise] = "failed"
    return wrong


def rerunnable(check: CheckResult) -> bool:
    """A check lost to the student's code: failed (the exercise itself defined),
    or blocked by a stub it uses."""
    if check.status == "failed":
        return not check.message.startswith((f"`{check.exercise}` {MISSING}", f"`{check.exercise}` is a "))
    return check.status == "not_attempted" and check.message.startswith("could not be checked")


def credit_dependents(plugin) -> None:
    """Re-run the plugin's failed checks that build on wrong exercises; credit those that then pass."""
    wrong = judged_wrong(plugin.outcomes)
    for index, (item, check) in enumerate(zip(plugin.items, plugin.outcomes)):
        if not rerunnable(check):
            continue
        module = _lab_module(item)
        names = stand_ins(module, check.exercise, set(wrong))
        if not names:
            continue
        try:
            credited = rerun(plugin, item, check, module, names, wrong)
        except Exception as exc:   # a grader bug in the re-run: the first outcome stands
            plugin.internal_errors.append(f"{item.nodeid} (re-run on references)\n"
                                          f"{''.join(traceback.format_exception(exc))}")
            continue
        if credited is not None:
            plugin.outcomes[index] = credited


class _CountingStudent(Student):
    """Counts the calls a check makes itself of the exercises given stand-ins."""

    def __init__(self, sandbox, timeout, bind, direct: Counter):
        super().__init__(sandbox, timeout, bind=bind)
        self._direct = direct

    def call(self, name: str, *args, **kwargs):
        if name in self._bind:
            self._direct[name] += 1
        return super().call(name, *args, **kwargs)


def rerun(plugin, item, check: CheckResult, module: str, names: set, wrong: dict):
    """The check credited if it passes with references for `names`, else None."""
    answered, direct = Counter(), Counter()
    references = _references(module)

    def stand_in(name):
        function = getattr(references, name)

        def answer(*args, **kwargs):   # runs here, in the trusted process, on the child's plain values
            answered[name] += 1
            return function(*args, **kwargs)
        return answer

    marker = item.get_closest_marker("exercise")
    timeout = (marker.kwargs.get("timeout") if marker else None) or plugin.limits.call_timeout
    student = _CountingStudent(plugin.sandbox, timeout, {n: stand_in(n) for n in sorted(names)}, direct)
    params = dict(getattr(getattr(item, "callspec", None), "params", {}))
    arguments = {}
    for name in inspect.signature(item.obj).parameters:
        if name == "student":
            arguments[name] = student
        elif name == "rng":
            arguments[name] = plugin.rng_for(item.nodeid)   # the same inputs as the first run
        elif name in params:
            arguments[name] = params[name]
        else:
            return None   # a fixture this re-run cannot rebuild
    passed = True
    try:
        item.obj(**arguments)
    except (CheckFailed, StudentFailure):
        passed = False
    except Exception as exc:
        if not _student_failures_only(exc):   # e.g. hypothesis reporting several failing examples
            raise
        passed = False
    # Named: the wrong ones (a right one may stand in beside a wrong one, see COUPLED).
    called = sorted(n for n in names if n in wrong and answered[n] > direct[n])     # by the exercise's code
    fed = sorted(n for n in names if n in wrong and answered[n] and n not in called)  # by the check
    if not passed:   # E is wrong on its own: the loss stands, and the feedback says both
        if not called:
            return None
        return replace(check, message=f"{check.message}; {own_mistake_message(check.exercise, called, wrong)}"
                       if check.message else own_mistake_message(check.exercise, called, wrong))
    if not called and not fed:
        return None
    return replace(check, status="passed", message=credit_message(check.exercise, called, fed, wrong),
                   mistake="", mistake_key="", with_references=tuple(called + fed))


def credit_message(exercise: str, called: list, fed: list, wrong: dict) -> str:
    parts = []
    if called:
        parts.append(f"it calls your {_names(called)}")
    if fed:
        parts.append(f"this check gives it the output of your {_names(fed)}")
    everything = called + fed
    states = {wrong.get(n, "failed") for n in everything}
    state = STATES[states.pop() if len(states) == 1 else "failed"][len(everything) > 1]
    see = ", ".join(f"`{n}`" for n in everything)
    return f"your `{exercise}` is right, but {' and '.join(parts)}, {state} (see {see})"


def own_mistake_message(exercise: str, called: list, wrong: dict) -> str:
    states = {wrong.get(n, "failed") for n in called}
    state = STATES[states.pop() if len(states) == 1 else "failed"][len(called) > 1]
    return (f"`{exercise}` also calls your {_names(called)}, {state} (see {', '.join(f'`{n}`' for n in called)}), "
            f"but with the grader's version in its place this check still fails: `{exercise}` has a mistake "
            "of its own")


def _names(names: list) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _student_failures_only(exc: BaseException) -> bool:
    group = getattr(exc, "exceptions", None)
    return bool(group) and all(isinstance(e, (CheckFailed, StudentFailure)) or _student_failures_only(e)
                               for e in group)


def _lab_module(item) -> str:
    """hidden/test_<module>.py -> <module>."""
    stem = item.path.stem if hasattr(item, "path") else ""
    return stem[len("test_"):] if stem.startswith("test_") else stem


def _references(module: str):
    try:
        return importlib.import_module(f"autograder.references.{module}")
    except ModuleNotFoundError:
        return None

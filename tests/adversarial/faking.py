"""Hostile cases that fake results: patch what judges them, forge what the
child reports, guess the seed, change answers between calls.

Student code runs only in the child; the hidden tests, references and
comparisons live in the trusted worker, so none of this gains a point. Each
cell function's body is a notebook cell (`notebooks.cell`), run after the
solution's own cells (`np` and the solution's functions are defined).
"""
from tests.adversarial.notebooks import cell
from tests.adversarial.schema import Case


def patch_numpy_and_builtins():
    """Make numpy's, numpy.testing's and the builtins' comparisons agree with anything.

    `builtins.min` is left alone: the child's own channel uses it, and patching
    it only crashes the student's own process, every call: no gain, all lost.
    """
    import builtins
    import numpy as np
    import numpy.testing
    np.allclose = lambda *a, **k: True
    np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
    np.array_equal = np.array_equiv = lambda *a, **k: True
    for _name in ("assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_equal",
                  "assert_almost_equal", "assert_array_less"):
        setattr(np.testing, _name, lambda *a, **k: None)
    try:
        np.ndarray.__eq__ = lambda self, other: True
    except TypeError:
        pass
    builtins.abs = lambda x: 0 * x
    builtins.max = builtins.round = lambda *a, **k: 0
    builtins.all = lambda *a, **k: True
    builtins.any = lambda *a, **k: False
    builtins.print = lambda *a, **k: None
    builtins.AssertionError = type("AssertionError", (Exception,), {})

    def relu(x):
        return x + 1.0


def patch_pytest_and_plant_config():
    """Disarm pytest's checks in the child and plant pytest and Python config wherever it can write."""
    import os, tempfile
    import pytest, _pytest.outcomes
    pytest.approx = lambda *a, **k: type("Anything", (), {"__eq__": lambda s, o: True})()
    pytest.fail = _pytest.outcomes.fail = lambda *a, **k: None
    _PLANTED = {
        "conftest.py": "import pytest\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
                       "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n",
        "pytest.ini": "[pytest]\naddopts = -p no:python\n",
        "sitecustomize.py": "import builtins\n", "usercustomize.py": "",
    }
    _folders = {os.getcwd(), tempfile.gettempdir()} | ({"/tmp"} if os.getuid() >= 200000 else set())
    for _folder in _folders:
        for _name, _text in _PLANTED.items():
            try:
                with open(os.path.join(_folder, _name), "w") as _f:
                    _f.write(_text)
            except OSError:
                pass

    def relu(x):
        pytest.skip("a skipped check does not count against me")


def patch_the_grader_in_the_child():
    """Replace the child's request loop and encoder to answer "passed" verdicts."""
    import gc, sys
    import autograder.sandbox.transport as transport
    _child = next(o for o in gc.get_objects() if type(o).__name__ == "Child" and hasattr(o, "channel"))

    # 1. the request loop: answer for relu without running it
    _real_call = _child.call

    def _fake_call(request):
        if request.get("name") == "relu":
            return {"op": "return", "value": True, "status": "passed", "score": 1.0,
                    "mutated_inputs": 0, "peak_bytes": 0, "warnings": []}
        return _real_call(request)

    _child.call = _fake_call

    def relu(x):
        return x + 1.0

    # 2. the encoder, in every grader module that holds it: turn mse_grad's answer into a "passed" verdict
    _real_encode = transport.encode

    class Verdict:
        pass

    def _fake_encode(value, on_other, depth=0):
        if isinstance(value, Verdict):
            return {"$dict": [["status", "passed"], ["score", 1.0], ["ok", True]]}
        return _real_encode(value, on_other, depth)

    for _module in [m for n, m in list(sys.modules.items()) if n.startswith("autograder")]:
        if getattr(_module, "encode", None) is _real_encode:
            _module.encode = _fake_encode

    def mse_grad(y_pred, y_true):
        return Verdict()


# What the child reports about itself (here: "no input was modified") is
# forgeable, as the README's security model says. The first case shows the
# check working; the second that a forger gains exactly that self-reported
# check and never a value check.

def mutating_function_caught():
    """A right numerical_gradient that zeroes the caller's array."""
    def numerical_gradient(f, x, eps=1e-5):
        caller_x = x
        x = np.array(x, dtype=float)
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + eps
            f_plus = f(x)
            x[i] = old - eps
            f_minus = f(x)
            x[i] = old
            grad[i] = (f_plus - f_minus) / (2 * eps)
        caller_x[...] = 0      # writes into the caller's array
        return grad


def forged_self_report_gains_no_value_check():
    """Fool the child's "inputs unchanged" test, then mutate and answer wrongly."""
    np.array_equal = lambda *a, **k: True      # the child's "inputs unchanged" test now always says yes

    def numerical_gradient(f, x, eps=1e-5):
        x[...] = 0                             # modifies the caller's array...
        return np.ones_like(x, dtype=float)    # ...and returns a wrong gradient


def print_forged_results():
    """Print a forged result and score line for the control student to every stream."""
    import json, os, sys
    _fake = json.dumps({"result": {"student": "@CONTROL@", "assignment": "@LAB@", "score": 0.0, "max_score": 35.0,
                                   "seed": 1, "exercises": {}, "errors": ["@MARKER@-forged"]}, "internal_errors": []})
    _line = "autograder: @MARKER@-forged / @LAB@: 35/35"
    for _stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        print(_fake, file=_stream)
        print(_line, file=_stream)
    for _fd in (1, 2):
        os.write(_fd, (_fake + "\n" + _line + "\n").encode())


# At exit, or when collected: print the forgery again, write it into the results, hang.
FAKE_OUTPUT_AT_EXIT = """
import atexit, os, signal, sys, threading, time

def _on_exit():
    sys.__stdout__.write(_fake + "\\n")
    for folder in ([@OUT@] if os.getuid() >= 200000 else []) + [os.getcwd()]:   # the host only from the jail
        try:
            with open(os.path.join(folder, "@MARKER@-atexit.json"), "w") as f:
                f.write(_fake)
        except OSError:
            pass
    time.sleep(3600)                       # and never let the interpreter finish

atexit.register(_on_exit)
sys.excepthook = threading.excepthook = lambda *a: None
signal.signal(signal.SIGTERM, lambda *a: None)

class _OnCollect:
    def __del__(self):
        _on_exit()

_keep = _OnCollect()

def relu(x):
    print("relu: 1/1 passed")
    print(_fake)
    os.write(1, _fake.encode())
    return x + 1.0
"""


def seed_and_call_count_games():
    """Search for the seed behind the inputs; answer right only on even calls."""
    import time, zlib

    def _seed_found(x):
        wanted = x.ravel()[1]
        nodeid = "test_backprop.py::test_relu"
        now = int(time.time())
        for seed in list(range(3000)) + list(range(now - 600, now + 1)):
            for rng in (np.random.default_rng(seed), np.random.default_rng([seed, zlib.crc32(nodeid.encode())])):
                if np.any(np.abs(rng.standard_normal(64) - wanted) < 1e-12):
                    return True
        return False

    def relu(x):
        return np.maximum(x, 0.0) if _seed_found(x) else x + 1.0

    _calls = {"n": 0}

    def mse_loss(y_pred, y_true):
        _calls["n"] += 1
        right = float(np.mean((y_pred - y_true) ** 2))
        return right if _calls["n"] % 2 == 0 else 2 * right + 1     # right only on even calls


# Each call is judged on what the namespace holds then.

def relu_that_replaces_itself():
    """A right relu that replaces itself by the unattempted stub when called."""
    def relu(x):
        global relu

        def relu(x):
            raise NotImplementedError()
        return np.maximum(x, 0.0)


def softmax_cross_entropy_that_replaces_itself():
    """The solution's softmax_cross_entropy, right once, then replaced by a stub."""
    _sce_right = softmax_cross_entropy

    def softmax_cross_entropy(logits, y_true):
        global softmax_cross_entropy

        def softmax_cross_entropy(logits, y_true):
            raise NotImplementedError()
        return _sce_right(logits, y_true)       # right once, at the first hidden check only


CASES = [
    Case("patch-numpy-and-builtins", (cell(patch_numpy_and_builtins),),
         lost={"relu": 0.0}, feedback={"relu": "max relative error"}),
    Case("patch-pytest-and-plant-config", (cell(patch_pytest_and_plant_config),),
         lost={"relu": 0.0}, feedback={"relu": "raised Skipped"}),
    Case("patch-the-grader-in-the-child", (cell(patch_the_grader_in_the_child),),
         lost={"relu": 0.0, "mse_grad": 0.0},
         feedback={"relu": "should be a numpy array; got a bool", "mse_grad": "should be a numpy array; got a dict"}),
    Case("mutating-function-caught", (cell(mutating_function_caught),),
         lost={"numerical_gradient": 2.25}, status={"numerical_gradient": "partial"},
         feedback={"numerical_gradient": "modified 1 of its input arrays in place"}),
    Case("forged-self-report-gains-no-value-check", (cell(forged_self_report_gains_no_value_check),),
         lost={"numerical_gradient": 0.75}, status={"numerical_gradient": "partial"},
         feedback={"numerical_gradient": "max relative error"}),
    Case("fake-output-and-atexit", (cell(print_forged_results), FAKE_OUTPUT_AT_EXIT),
         lost={"relu": 0.0}, feedback={"relu": "max relative error"}),
    Case("seed-and-call-count-games", (cell(seed_and_call_count_games),),
         lost={"relu": 0.0, "mse_loss": 0.0}, feedback={"relu": "max relative error", "mse_loss": "relative error"}),
    Case("redefined-during-grading",
         (cell(relu_that_replaces_itself),
          "relu(np.array([1.0, -1.0]))   # a visible check: Run All leaves the stub behind",
          cell(softmax_cross_entropy_that_replaces_itself)),
         lost={"relu": 0.0, "softmax_cross_entropy": 0.75},
         status={"relu": "not_attempted", "softmax_cross_entropy": "partial"},
         feedback={"relu": "not attempted", "softmax_cross_entropy": "NotImplementedError"}),
]

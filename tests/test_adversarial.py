"""Adversarial and bad-input banks (issue 7): hostile or broken submissions,
graded by the CLI exactly as CI runs it, each with its exact expected outcome.

A hostile submission is the committed complete solution of lab 1.4.1 (its
demo-only and visible test cells dropped, to keep the batch fast) with cells
appended that cheat on, sabotage or attack some exercises. Its expectation
names the exercises that must not get full credit, with their exact score and
status; every other exercise must still get full marks. A bad-input submission is a
damaged, mislabelled or oddly named notebook or folder; it must get a clear
message in its own result and a defined score.

Both banks are graded in ONE batch (`--jobs 2`, 5-second cell and call
limits) together with an honest control student, who must get full marks;
host-side tests then check that nothing but the grader's results changed
(files, processes, network, the CLI's output).

Cases marked `isolated` attack the host (files, network, signals, the
repository): they are only meaningful, and only safe, inside the jail the
grader builds as root, as in CI. Without root they are not graded and their
tests skip; the README's security model says what a non-root run does not defend.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
import pytest

from autograder.config import Limits
from autograder.discover import safe_name
from autograder.labs import LABS, default_course
from autograder.notebook import exercise_points
from autograder.sandbox import isolation
from autograder.sandbox.proxy import Student, StudentFailure
from autograder.sandbox.runner import Sandbox

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("adversarial")]

COURSE = default_course()
BACKPROP = "lab-1.4.1-manual-backpropagation"
OPTIMIZERS = "lab-1.4.2-optimizer-implementation"
EXAMPLES = COURSE / "examples" / "submitted"
SOLUTION = EXAMPLES / "complete" / BACKPROP / f"{BACKPROP}.ipynb"
POINTS = exercise_points(str(LABS[BACKPROP].source_notebook(COURSE)))
MAX_SCORE = sum(POINTS.values())
ISOLATED = isolation.available()          # root on Linux: the child is jailed
# ... and in a v1 memory and pids cgroup, where the machine has them
CGROUPS = ISOLATED and all(os.path.isdir(os.path.join(isolation.CGROUP_V1, c)) for c in ("memory", "pids"))
CONTROL = "control"
LIMIT = 5                                 # --cell-timeout and --call-timeout, seconds
# What the repository must still hold, byte for byte, after the batch.
GUARDED = ("autograder/hidden", "autograder/references", "autograder/checks", "source", "solutions")


# --- notebooks ------------------------------------------------------------------------

def solution(trim: bool = True, visible_tests: bool = True):
    """The complete solution; `trim` drops the demo-only cells (plots: ~1.7 s a
    run), `visible_tests=False` also the visible test cells (~0.4 s)."""
    nb = nbformat.read(SOLUTION, as_version=4)
    if trim:
        nb.cells = [c for c in nb.cells if not grade_id(c).startswith("demo-")
                    and (visible_tests or not c.metadata.get("nbgrader", {}).get("grade"))]
    return nb


def grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def cell_of(nb, wanted: str):
    return next(c for c in nb.cells if grade_id(c) == wanted)


def write_notebook(nb, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def submission_path(submitted: Path, student: str) -> Path:
    return submitted / student / BACKPROP / f"{BACKPROP}.ipynb"


def fill(source: str, context: dict) -> str:
    """Hostile cells name the host's paths, port and markers through @TOKENS@:
    the attacker is handed everything about the grader's machine but its data."""
    for token, value in context.items():
        source = source.replace(f"@{token}@", value)
    return source


# --- expectations ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    id: str
    cells: tuple = ()                              # hostile cells appended to the trimmed solution
    lost: dict = field(default_factory=dict)       # exercise -> its exact score (short of full marks)
    status: dict = field(default_factory=dict)     # exercise -> its status, when not "failed"
    feedback: dict = field(default_factory=dict)   # exercise -> a substring of its feedback
    errors: tuple = ()                             # substrings, each in some line of result["errors"]
    isolated: bool = False                         # attacks the host: graded only in the root jail
    xfail: str = ""                                # a known engine weakness (xfail, strict)
    build: Callable = None                         # bad inputs: build(submitted, case_id, root) -> PATH args
    student: str = ""                              # the result's student id, when not the case id
    everything_lost: str = ""                      # the whole notebook is rejected with this message

    def expected(self, exercise: str) -> tuple:
        """(score, status) this case must get on an exercise."""
        if self.everything_lost:
            return 0.0, "failed"
        if exercise in self.lost:
            return self.lost[exercise], self.status.get(exercise, "failed")
        return POINTS[exercise], "passed"


def check_result(case: Case, result: dict) -> None:
    """The exact outcome: every exercise's score and status, the messages."""
    assert result["assignment"] == BACKPROP and result["max_score"] == MAX_SCORE
    got = {name: (ex["score"], ex["status"]) for name, ex in result["exercises"].items()}
    want = {name: case.expected(name) for name in POINTS}
    assert got == want, {n: (got.get(n), want.get(n), result["exercises"].get(n, {}).get("feedback"))
                         for n in set(got) | set(want) if got.get(n) != want.get(n)}
    assert result["score"] == pytest.approx(sum(score for score, _ in want.values()))
    for name, text in case.feedback.items():
        assert text in " ".join(result["exercises"][name]["feedback"]), result["exercises"][name]["feedback"]
    if case.everything_lost:
        assert any(case.everything_lost in line for line in result["errors"]), result["errors"]
        for exercise in result["exercises"].values():
            assert any(case.everything_lost in line for line in exercise["feedback"]), exercise["feedback"]
    for text in case.errors:
        assert any(text in line for line in result["errors"]), result["errors"]


# --- the adversarial bank ------------------------------------------------------------------------

HOSTILE = [
    # -- monkeypatching, in the child: only plain values come back --------------------------------
    # (`builtins.min` is left alone: the child's own channel uses it, and patching
    # it only crashes the student's own process, every call: no gain, all lost.)
    Case("patch-numpy-and-builtins", ("""
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
""",), lost={"relu": 0.0}, feedback={"relu": "max relative error"}),

    Case("patch-pytest-and-plant-config", ("""
import os, tempfile
import pytest, _pytest.outcomes
pytest.approx = lambda *a, **k: type("Anything", (), {"__eq__": lambda s, o: True})()
pytest.fail = _pytest.outcomes.fail = lambda *a, **k: None
_PLANTED = {
    "conftest.py": "import pytest\\n@pytest.hookimpl(hookwrapper=True)\\ndef pytest_runtest_makereport(item, call):\\n"
                   "    outcome = yield\\n    outcome.get_result().outcome = 'passed'\\n",
    "pytest.ini": "[pytest]\\naddopts = -p no:python\\n",
    "sitecustomize.py": "import builtins\\n", "usercustomize.py": "",
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
""",), lost={"relu": 0.0}, feedback={"relu": "raised Skipped"}),

    Case("patch-the-grader-in-the-child", ("""
import gc
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

# 2. the encoder: turn mse_grad's answer into a "passed" verdict
_globals = type(_child).call.__globals__
_real_encode = _globals["encode"]

class Verdict:
    pass

def _fake_encode(value, on_other, depth=0):
    if isinstance(value, Verdict):
        return {"$dict": [["status", "passed"], ["score", 1.0], ["ok", True]]}
    return _real_encode(value, on_other, depth)

_globals["encode"] = transport.encode = _fake_encode

def mse_grad(y_pred, y_true):
    return Verdict()
""",), lost={"relu": 0.0, "mse_grad": 0.0},
        feedback={"relu": "should be a numpy array; got a bool", "mse_grad": "should be a numpy array; got a dict"}),

    # What the child reports about itself (here: "no input was modified") is
    # forgeable, as the README's security model says. The first case shows the
    # check working; the second that a forger gains exactly that self-reported
    # check and never a value check.
    Case("mutating-function-caught", ("""
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
""",), lost={"numerical_gradient": 2.25}, status={"numerical_gradient": "partial"},
        feedback={"numerical_gradient": "modified 1 of its input arrays in place"}),

    Case("forged-self-report-gains-no-value-check", ("""
np.array_equal = lambda *a, **k: True      # the child's "inputs unchanged" test now always says yes

def numerical_gradient(f, x, eps=1e-5):
    x[...] = 0                             # modifies the caller's array...
    return np.ones_like(x, dtype=float)    # ...and returns a wrong gradient
""",), lost={"numerical_gradient": 0.75}, status={"numerical_gradient": "partial"},
        feedback={"numerical_gradient": "max relative error"}),

    # -- exits ------------------------------------------------------------------------------------
    Case("exits", ("import sys\nsys.exit(0)", "raise SystemExit('bye')", "exit()\nquit()",
                   "import os\nos._exit(0)", """
import os, sys

def relu(x):
    sys.exit(0)

def derivative_sin_x2(x):
    os._exit(0)
"""), lost={"relu": 0.0, "derivative_sin_x2": 0.0},
        feedback={"relu": "raised SystemExit", "derivative_sin_x2": "ended your notebook's Python process"},
        errors=("SystemExit", "ended the Python process")),

    # -- signals to the grader ----------------------------------------------------------------------
    Case("signal-the-parent", ("""
import os, signal
_delivered = []

def _signal_everyone():
    if os.getuid() < 200000:               # only ever inside the jail
        return
    parent = os.getppid()
    try:
        group = os.getpgid(parent)
    except OSError:
        group = parent
    for sig in (signal.SIGTERM, signal.SIGKILL, signal.SIGSTOP):
        for kill, target in ((os.kill, parent), (os.killpg, group), (os.kill, 1)):
            try:
                kill(target, sig)
                _delivered.append((target, sig))
            except OSError:
                pass
    try:
        os.kill(-1, signal.SIGKILL)        # every process this uid may signal (not this one)
    except OSError:
        pass

_signal_everyone()

def relu(x):
    _signal_everyone()
    return np.maximum(x, 0.0) if _delivered else x + 1.0
""",), lost={"relu": 0.0}, isolated=True),

    # -- answers that are not plain values ----------------------------------------------------------
    Case("value-tricks", ("""
class AlwaysEqual(np.ndarray):             # an array that equals everything
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __ne__(self, other):
        return np.zeros(np.shape(other), dtype=bool)

class Anything:                            # equal to everything, zero distance from everything
    def __eq__(self, other):
        return True
    __le__ = __ge__ = __lt__ = __gt__ = __eq__

    def __ne__(self, other):
        return False

    def __float__(self):
        return 0.0

    def __abs__(self):
        return 0.0

    def __sub__(self, other):
        return 0.0
    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __sub__

    def __hash__(self):
        return 0

class ArrayLike:                           # becomes whatever array numpy asks it for
    __array_priority__ = 1000
    dtype = np.dtype(float)

    def __init__(self, x):
        self.shape = np.shape(x)

    def __array__(self, dtype=None, copy=None):
        return np.zeros(self.shape)

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, index):
        return 0.0

    def __eq__(self, other):
        return True

class Float(float):                        # a float that equals everything
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __lt__(self, other):
        return True
    __le__ = __gt__ = __ge__ = __lt__

    def __abs__(self):
        return Float(0.0)

    def __sub__(self, other):
        return Float(0.0)
    __rsub__ = __sub__

    def __hash__(self):
        return 0

def mse_loss(y_pred, y_true):
    return Anything()

def derivative_sin_x2(x):
    return ArrayLike(x)

def relative_error(a, b):
    return Float(12345.0)

def relu(x):
    return np.zeros_like(x).view(AlwaysEqual) - 1.0
""",), lost={"mse_loss": 0.0, "derivative_sin_x2": 0.0, "relative_error": 0.0, "relu": 0.0},
        feedback={"relu": "ndarray subclass", "mse_loss": "should be a number; got a Anything",
                  "derivative_sin_x2": "should be a numpy array; got a ArrayLike",
                  "relative_error": "should be a number; got a Float"}),

    Case("nan-and-inf", ("""
def relative_error(a, b):
    return float("nan")

def mse_loss(y_pred, y_true):
    return float("inf")

def mse_grad(y_pred, y_true):
    return np.full(np.shape(y_pred), np.nan)

def derivative_sin_x2(x):
    return np.full(np.shape(x), -np.inf)
""",), lost={"relative_error": 0.0, "mse_loss": 0.0, "mse_grad": 0.0, "derivative_sin_x2": 0.0},
        feedback={"relative_error": "not a finite number", "mse_loss": "not a finite number",
                  "mse_grad": "NaN or infinite", "derivative_sin_x2": "NaN or infinite"}),

    Case("mutate-returned-input-later", ("""
import threading, time

def mse_grad(y_pred, y_true):
    def later():
        time.sleep(0.3)
        y_pred[...] = 2 * (y_pred - y_true) / y_pred.size   # the right answer, after the value was sent
    threading.Thread(target=later, daemon=True).start()
    return y_pred
""",), lost={"mse_grad": 0.0}, feedback={"mse_grad": "relative error"}),

    Case("pickle-payload", ("""
import os, pickle

class Payload:
    def __reduce__(self):
        return (os.system, ("touch @MARKER_FILE@",))

def relu(x):
    return Payload()

def mse_grad(y_pred, y_true):
    return pickle.dumps(Payload())

def mse_loss(y_pred, y_true):
    return pickle.dumps(Payload(), protocol=0).decode("latin-1")
""",), lost={"relu": 0.0, "mse_grad": 0.0, "mse_loss": 0.0},
        feedback={"relu": "got a Payload", "mse_grad": "got a bytes", "mse_loss": "got a str"}),

    Case("wire-format-lookalikes-and-recursion", ("""
import base64, json

def _tagged(a):
    return {"$nd": [a.dtype.str, list(a.shape), base64.b64encode(a.tobytes()).decode()]}

def mse_grad(y_pred, y_true):
    return _tagged(2 * (y_pred - y_true) / y_pred.size)     # the right array, dressed as a wire tag

def relu(x):
    return json.dumps({"op": "return", "value": _tagged(np.maximum(x, 0.0))})

def relative_error(a, b):
    loop = [0.0]
    loop.append(loop)
    return loop

def derivative_sin_x2(x):
    deep = np.cos(x ** 2) * 2 * x
    for _ in range(100000):
        deep = [deep]
    return deep
""",), lost={"mse_grad": 0.0, "relu": 0.0, "relative_error": 0.0, "derivative_sin_x2": 0.0},
        feedback={"mse_grad": "should be a numpy array; got a dict", "relu": "should be a numpy array; got a str",
                  "relative_error": "should be a number; got a list",
                  "derivative_sin_x2": "should be a numpy array; got a list"}),

    # -- output ----------------------------------------------------------------------------------------
    Case("fake-output-and-atexit", ("""
import json, os, sys
_fake = json.dumps({"result": {"student": "@CONTROL@", "assignment": "@LAB@", "score": 0.0, "max_score": 35.0,
                               "seed": 1, "exercises": {}, "errors": ["@MARKER@-forged"]}, "internal_errors": []})
_line = "autograder: @MARKER@-forged / @LAB@: 35/35"
for _stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
    print(_fake, file=_stream)
    print(_line, file=_stream)
for _fd in (1, 2):
    os.write(_fd, (_fake + "\\n" + _line + "\\n").encode())
""", """
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
"""), lost={"relu": 0.0}, feedback={"relu": "max relative error"}),

    Case("huge-outputs-and-values", ("""
import sys
print("x" * 20_000_000)     # 20 MB: far past any pipe or display buffer, yet quick on a loaded machine
sys.stderr.write("y" * 20_000_000)
""", """
"z" * 20_000_000            # displayed by IPython
""", """
def relu(x):
    print("w" * 20_000_000)
    return np.maximum(x, 0.0)                # right, whatever it prints

def mse_grad(y_pred, y_true):
    return np.zeros((1250, 1000, 2))         # 20 MB crosses the channel, with the wrong shape
"""), lost={"mse_grad": 0.0}, feedback={"mse_grad": "has shape (1250, 1000, 2)"}),

    # -- the host's files ---------------------------------------------------------------------------------
    Case("write-files-everywhere", ("""
import os
_wrote = []
_FOLDERS = [@OUT@, @OUT@ + "/@CONTROL@", @SUBMITTED@, @SUBMITTED@ + "/@CONTROL@/@LAB@",
            @REPO@, @REPO@ + "/source/@LAB@", @REPO@ + "/autograder", @REPO@ + "/autograder/hidden",
            @REPO@ + "/solutions/@LAB@"]
for _folder in _FOLDERS:
    for _name in ("@MARKER@.json", "@MARKER@.ipynb", "test_@MARKER@.py"):
        try:
            with open(os.path.join(_folder, _name), "w") as _f:
                _f.write("{}")
            _wrote.append(_folder)
        except OSError:
            pass
    try:
        os.symlink("/etc/passwd", os.path.join(_folder, "@MARKER@-link"))
        _wrote.append(_folder)
    except OSError:
        pass
for _path in (@REPO@ + "/autograder/hidden/test_backprop.py", @CONTROL_NB@,
              @OUT@ + "/@CONTROL@/@LAB@.json", @REPO@ + "/source/@LAB@/@LAB@.ipynb"):
    try:
        with open(_path, "a") as _f:
            _f.write("@MARKER@")
        _wrote.append(_path)
    except OSError:
        pass
for _name, _target in (("results", @OUT@), ("hidden", @REPO@ + "/autograder/hidden"), ("up", "..")):
    try:
        os.symlink(_target, _name)       # links in its own folder, should the grader follow them
    except OSError:
        pass

def relu(x):
    return np.maximum(x, 0.0) if _wrote else x + 1.0
""",), lost={"relu": 0.0}, isolated=True),

    Case("disk-fill", ("""
import os, tempfile
_folders = {os.getcwd(), tempfile.gettempdir()} | ({"/tmp"} if os.getuid() >= 200000 else set())
for _folder in _folders:
    for _i in range(40):                         # bounded: 320 MiB per folder at most
        try:
            with open(os.path.join(_folder, f"@MARKER@-fill-{_i}"), "wb") as _f:
                _f.write(b"\\0" * (8 << 20))
        except OSError:
            break
try:
    with open("@MARKER@-too-big", "wb") as _f:   # one file over RLIMIT_FSIZE
        _f.write(b"\\0" * (100 << 20))
except OSError:
    pass
""",)),

    # -- reading what the child must not see ------------------------------------------------------------
    # Each function is right only if its snooping found something.
    Case("read-secrets-disk-modules-proc", ("""
import glob, importlib, os, sys, time
_SECRETS = [@REPO@ + "/autograder/hidden/test_backprop.py", @REPO@ + "/autograder/references/backprop.py",
            @REPO@ + "/solutions/@LAB@/@LAB@.ipynb", @REPO@ + "/source/@LAB@/@LAB@.ipynb",
            "autograder/hidden/test_backprop.py", "../autograder/hidden/test_backprop.py",
            os.path.expanduser("~/autograder/hidden/test_backprop.py")]
_on_disk = []
for _path in _SECRETS:
    try:
        with open(_path) as _f:
            _on_disk.append(_f.read(100))
    except OSError:
        pass
import autograder
for _sub in ("hidden", "references", "checks", "mistakes"):
    _on_disk += glob.glob(os.path.join(os.path.dirname(autograder.__file__), _sub, "*.py"))
_stop = time.monotonic() + 3
for _root, _dirs, _files in os.walk("/"):       # whatever the jail shows, for 3 s
    if time.monotonic() > _stop:
        break
    _dirs[:] = [d for d in _dirs if d not in ("proc", "sys")]
    _on_disk += [os.path.join(_root, f) for f in _files
                 if f in ("test_backprop.py", "@LAB@.ipynb") or (f == "backprop.py" and "references" in _root)]

def _in_modules():
    hits = []
    for name in ("autograder.references.backprop", "autograder.hidden.test_backprop", "autograder.checks.compare",
                 "autograder.mistakes.backprop", "autograder.grade"):
        try:
            importlib.import_module(name)
            hits.append(name)
        except Exception:
            pass
    return hits + [n for n in list(sys.modules)
                   if n.startswith(("autograder.references", "autograder.hidden", "autograder.checks"))]

def _in_proc_or_environment():
    hits = []
    parent = os.getppid()
    for path in (f"/proc/{parent}/cmdline", f"/proc/{parent}/environ", f"/proc/{parent}/mem",
                 f"/proc/{parent}/fd/0", f"/proc/{parent}/cwd/grades.csv", "/proc/1/environ"):
        try:
            with open(path, "rb") as f:
                hits.append(f.read(64))
        except OSError:
            pass
    return hits + [k for k in os.environ if "SEED" in k.upper() or "AUTOGRADER" in k.upper()]

def mse_grad(y_pred, y_true):
    return 2 * (y_pred - y_true) / y_pred.size if _on_disk else np.zeros_like(y_pred)

def mse_loss(y_pred, y_true):
    right = float(np.mean((y_pred - y_true) ** 2))
    return right if _in_modules() else right + 1.0

def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    right = float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))
    return right if _in_proc_or_environment() else right + 1.0
""",), lost={"mse_grad": 0.0, "mse_loss": 0.0, "relative_error": 0.0}, isolated=True),

    Case("read-grader-memory-gc-and-frames", ("""
import gc, inspect, types

def derivative_sin_x2(x):
    for o in gc.get_objects():                    # a reference implementation, anywhere in memory?
        try:
            if isinstance(o, types.FunctionType) and o.__name__ == "derivative_sin_x2" and \\
                    (o.__module__ or "").startswith(("autograder.references", "autograder.hidden")):
                return o(x)
        except Exception:
            pass
    for frame in inspect.stack()[1:]:             # an expected answer in the caller's frames?
        for value in frame.frame.f_locals.values():
            if isinstance(value, np.ndarray) and value.shape == x.shape and value is not x:
                return value
    return np.zeros_like(x)
""",), lost={"derivative_sin_x2": 0.0}),

    Case("seed-and-call-count-games", ("""
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
""",), lost={"relu": 0.0, "mse_loss": 0.0}, feedback={"relu": "max relative error", "mse_loss": "relative error"}),

    Case("import-and-call-the-grader", ("""
_imported = []
try:
    import autograder.cli, autograder.grade, autograder.worker
    _imported.append(autograder.cli)
    autograder.cli.main(["grade", @CONTROL_NB@, "--out", @OUT@, "--force", "--seed", "1"])
except BaseException as _error:
    _problem = repr(_error)

def relu(x):
    return np.maximum(x, 0.0) if _imported else x + 1.0
""",), lost={"relu": 0.0}, isolated=True),

    Case("network", ("""
import socket

def _network():
    hits = []
    for family, address in ((socket.AF_INET, ("127.0.0.1", @PORT@)), (socket.AF_INET, ("127.0.0.1", 22)),
                            (socket.AF_INET, ("1.1.1.1", 53)), (socket.AF_INET6, ("::1", @PORT@))):
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.settimeout(1)
                s.connect(address)
                s.sendall(b"@MARKER@")
                hits.append(address)
        except OSError:
            pass
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect("\\0@MARKER@")
            hits.append("unix")
    except OSError:
        pass
    try:
        socket.getaddrinfo("example.com", 80)
        hits.append("dns")
    except OSError:
        pass
    return hits

def relu(x):
    return np.maximum(x, 0.0) if _network() else x + 1.0
""",), lost={"relu": 0.0}, isolated=True),

    # -- time, processes, memory, threads ---------------------------------------------------------------
    Case("loop-and-sleep", ("while True:\n    pass", """
import time

def derivative_sin_x2(x):
    time.sleep(10 ** 6)
"""), lost={"derivative_sin_x2": 0.0}, feedback={"derivative_sin_x2": "did not return within 5 s"},
        errors=("stopped after 5 s",)),

    Case("interrupt-ignored", ("""
import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    pass
""", """
import signal

def mse_loss(y_pred, y_true):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pass
"""), lost={"mse_loss": 0.0}, feedback={"mse_loss": "did not return within 5 s"},
        errors=("ignored the interrupt",)),

    Case("fork-bomb", ("""
import os

def _fork_sleepers(count):
    children = 0
    for _ in range(count):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                os.execv("/bin/sleep", ["@MARKER@-fork-bomb", "600"])
            finally:
                os._exit(0)
        children += 1
    return children

_forked = _fork_sleepers(200)

def relu(x):
    _fork_sleepers(200)
    return x + 1.0
""",), lost={"relu": 0.0}),

    Case("fork-and-leave-the-session", ("""
import os
for _ in range(3):
    _pid = os.fork()
    if _pid == 0:
        try:
            os.setsid()                     # a new session: out of the child's process group
            if os.fork() == 0:              # and orphaned
                os.execv("/bin/sleep", ["@MARKER@-fork-and-leave-the-session", "600"])
        finally:
            os._exit(0)
    os.waitpid(_pid, 0)
""",)),

    Case("memory-bomb", ("_bomb = bytearray(30 * 2 ** 30)", """
def relu(x):
    hog = np.ones(30 * 2 ** 30 // 8)        # 30 GB
    return np.maximum(x, 0.0) + hog[:0].sum()
"""), lost={"relu": 0.0}, feedback={"relu": "MemoryError"}, errors=("MemoryError",)),

    Case("memory-bomb-gradual", ("""
def derivative_sin_x2(x):
    hogs = []
    while True:
        hogs.append(np.ones(2 ** 24))       # 128 MiB at a time, until MemoryError
""",), lost={"derivative_sin_x2": 0.0}, feedback={"derivative_sin_x2": "MemoryError"},
        xfail="in the child's memory cgroup every page fault costs 5-10x more (128 MiB of np.ones: 0.1-0.3 s "
              "instead of 0.02 s, hugepages or not, whatever the cap), so reaching RLIMIT_AS takes ~10 s instead "
              "of ~0.6 s: a memory bomb ends as a call timeout ('an infinite loop?') instead of a MemoryError"
              if CGROUPS else ""),

    Case("threads-and-channel-garbage", ("""
import os, threading, time

def _spin():
    while True:
        pass

def _scribble():
    while True:
        for fd in (0, 1, 2):
            try:
                os.write(fd, b"\\xff garbage \\x00")
            except OSError:
                pass
        time.sleep(0.01)

for _target in (_spin, _scribble):
    threading.Thread(target=_target, daemon=True).start()
""", """
import gc, os, threading, time
_channel_fd = next(o for o in gc.get_objects() if type(o).__name__ == "Channel").write_fd

def relu(x):
    def scribble():
        for fd in sorted(set(range(3, 11)) | {_channel_fd}):
            try:
                os.write(fd, b"\\xff" * 64)
            except OSError:
                pass
    thread = threading.Thread(target=scribble, daemon=True)
    thread.start()
    thread.join()
    time.sleep(0.2)
    return np.maximum(x, 0.0)      # right, but behind garbage on the channel
"""), lost={"relu": 0.0}),

    Case("callback-flood", ("""
def numerical_gradient(f, x, eps=1e-5):
    total = 0.0
    for _ in range(10 ** 6):
        total += f(x)
    return np.zeros_like(x, dtype=float) + total
""",), lost={"numerical_gradient": 0.0}, feedback={"numerical_gradient": "did not return within 5 s"}),

    Case("callback-garbage", ("""
def numerical_gradient(f, x, eps=1e-5):
    rejected = 0
    for bad in ("x", [[1, 2], [3]], {"a": 1}, None, (x, x), np.zeros((300, 300)), np.full(np.shape(x), np.nan),
                np.zeros(np.shape(x), dtype=complex), f, lambda v: v):
        try:
            f(bad)
        except Exception:
            rejected += 1
    for args in ((), (x, x, x)):
        try:
            f(*args)
        except Exception:
            rejected += 1
    return np.zeros(np.shape(x)) + rejected
""",), lost={"numerical_gradient": 0.75}, status={"numerical_gradient": "partial"},
        feedback={"numerical_gradient": "max relative error"}),

    # -- redefinitions: each call is judged on what the namespace holds then ------------------------------
    Case("redefined-during-grading", ("""
def relu(x):
    global relu

    def relu(x):
        raise NotImplementedError()
    return np.maximum(x, 0.0)
""", "relu(np.array([1.0, -1.0]))   # a visible check: Run All leaves the stub behind", """
_sce_right = softmax_cross_entropy

def softmax_cross_entropy(logits, y_true):
    global softmax_cross_entropy

    def softmax_cross_entropy(logits, y_true):
        raise NotImplementedError()
    return _sce_right(logits, y_true)       # right once, at the first hidden check only
"""), lost={"relu": 0.0, "softmax_cross_entropy": 0.75},
        status={"relu": "not_attempted", "softmax_cross_entropy": "partial"},
        feedback={"relu": "not attempted", "softmax_cross_entropy": "NotImplementedError"}),

    # -- a child that breaks the protocol itself ------------------------------------------------------------
    Case("forged-replies", ("""
import gc
_child = next(o for o in gc.get_objects() if type(o).__name__ == "Child" and hasattr(o, "channel"))
_real_call = _child.call
_FORGED = {
    "relu": {"op": "return", "value": {"$nd": ["<f8", [3, 3], "not base64!"]}},
    "derivative_sin_x2": {"op": "return", "value": {"$float": "1e999"}},
    "mse_loss": {"op": "return", "value": 1.0, "warnings": 7, "mutated_inputs": "many"},
}

def _forging_call(request):
    return _FORGED.get(request.get("name")) or _real_call(request)

_child.call = _forging_call
""",), lost={"relu": 0.0, "derivative_sin_x2": 0.0, "mse_loss": 0.0},
        feedback={"relu": "could not read", "derivative_sin_x2": "could not read", "mse_loss": "could not read"}),

    Case("forged-cell-message", ("""
import gc
_channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
_channel.send({"op": "cell_done", "index": 0, "error": "not a description"})
""",), errors=("malformed message",)),
]


# --- the bad-input bank ---------------------------------------------------------------------------------

def _edited(*edits: Callable, visible_tests: bool = True) -> Callable:
    """A bad input that is the trimmed solution with each `edit(nb)` applied."""
    def build(submitted: Path, student: str, root: Path) -> list:
        nb = solution(visible_tests=visible_tests)
        for edit in edits:
            edit(nb)
        write_notebook(nb, submission_path(submitted, student))
        return []
    return build


def _raw(data: Callable) -> Callable:
    """A bad input whose notebook file holds `data()` bytes."""
    def build(submitted: Path, student: str, root: Path) -> list:
        path = submission_path(submitted, student)
        path.parent.mkdir(parents=True)
        path.write_bytes(data())
        return []
    return build


def _replace_in(wanted: str, old: str, new: str) -> Callable:
    def edit(nb):
        cell = cell_of(nb, wanted)
        assert old in cell.source
        cell.source = cell.source.replace(old, new)
    return edit


def _drop(wanted: str) -> Callable:
    def edit(nb):
        nb.cells.remove(cell_of(nb, wanted))
    return edit


def _retype(wanted: str) -> Callable:
    def edit(nb):
        index = nb.cells.index(cell_of(nb, wanted))
        old = nb.cells[index]
        nb.cells[index] = nbformat.v4.new_markdown_cell(old.source, metadata=old.metadata)
    return edit


def _duplicate(nb):
    copies = []
    for cell in nb.cells:
        make = nbformat.v4.new_code_cell if cell.cell_type == "code" else nbformat.v4.new_markdown_cell
        copies += [cell, make(cell.source, metadata=cell.metadata)]     # a fresh cell id
    nb.cells = copies


def _reverse(nb):
    nb.cells = nb.cells[::-1]


def _v3() -> bytes:
    return nbformat.writes(nbformat.convert(solution(visible_tests=False), 3), version=3).encode()


def _non_utf8() -> bytes:
    data = nbformat.writes(solution()).encode()
    where = data.index(b"Lab 1.4.1")
    return data[:where] + b"\xff\xfe Lab \xe9" + data[where:]


def _wrong_lab(submitted: Path, student: str, root: Path) -> list:
    path = submission_path(submitted, student)
    path.parent.mkdir(parents=True)
    path.write_bytes((EXAMPLES / "complete" / OPTIMIZERS / f"{OPTIMIZERS}.ipynb").read_bytes())
    return []


def _huge(submitted: Path, student: str, root: Path) -> list:
    """200 MiB that cost no disk: a notebook's first bytes, then a sparse hole."""
    path = submission_path(submitted, student)
    path.parent.mkdir(parents=True)
    with open(path, "wb") as handle:
        handle.write(nbformat.writes(solution()).encode()[:1000])
        handle.truncate(200 << 20)
    return []


def _empty_assignment(submitted: Path, student: str, root: Path) -> list:
    (submitted / student / BACKPROP).mkdir(parents=True)
    return []


def _empty_student(submitted: Path, student: str, root: Path) -> list:
    (submitted / student).mkdir(parents=True)
    return []


def _two_notebooks(submitted: Path, student: str, root: Path) -> list:
    folder = submitted / student / BACKPROP
    for name in ("draft.ipynb", "final.ipynb"):
        write_notebook(solution(), folder / name)
    return []


def _markdown_only(nb):
    nb.cells = [c for c in nb.cells if c.cell_type == "markdown"]


def _symlink_to_solution(submitted: Path, student: str, root: Path) -> list:
    path = submission_path(submitted, student)
    path.parent.mkdir(parents=True)
    path.symlink_to(COURSE / "solutions" / BACKPROP / f"{BACKPROP}.ipynb")
    return []


def _odd_folder(name: str) -> Callable:
    def build(submitted: Path, student: str, root: Path) -> list:
        write_notebook(solution(visible_tests=False), submission_path(submitted, name))
        return []
    return build


def _lone_notebook(submitted: Path, student: str, root: Path) -> list:
    """Not in a submitted/ tree: its own PATH argument, its stem the student id."""
    return [write_notebook(solution(), root / "lone" / "a%2Fb.ipynb")]      # its test cells name the lab


NOT_DEFINED = "is not defined in your notebook"

BAD = [
    Case("truncated-json", build=_raw(lambda: SOLUTION.read_bytes()[:len(SOLUTION.read_bytes()) * 2 // 5]),
         everything_lost="not a readable Jupyter notebook"),
    Case("not-json", build=_raw(lambda: b"{ this is not JSON, \"cells\": [ "),
         everything_lost="not a readable Jupyter notebook"),
    Case("json-but-not-a-notebook", build=_raw(lambda: json.dumps({"cells": "nope", "nbformat": 4,
                                                                      "nbformat_minor": 5}).encode()),
         everything_lost="not a readable Jupyter notebook"),
    Case("non-utf8-bytes", build=_raw(_non_utf8), everything_lost="not UTF-8 text"),
    Case("200-mb-notebook", build=_huge, everything_lost="over the 50 MiB limit"),
    Case("markdown-only", build=_edited(_markdown_only), everything_lost="the notebook has no code cells"),
    Case("empty-assignment-folder", build=_empty_assignment,
         everything_lost="no notebook was submitted for this assignment"),
    Case("two-notebooks", build=_two_notebooks,
         everything_lost="2 notebooks were submitted and none is named"),
    Case("nbformat-v3", build=_raw(_v3)),
    Case("duplicated-cells", build=_edited(_duplicate, visible_tests=False)),
    # Reversed, the imports run last: every function still works at grading time
    # but train_xor, whose helper's cell failed on `np` before defining it.
    Case("reordered-cells", build=_edited(_reverse), lost={"train_xor": 0.0},
         feedback={"train_xor": "NameError: name 'init_mlp' is not defined"},
         errors=("NameError: name 'np' is not defined",)),
    Case("deleted-and-retyped-cells", build=_edited(_drop("mse-answer"), _retype("softmax-answer")),
         lost={"mse_loss": 0.0, "mse_grad": 0.0, "softmax": 0.0},
         feedback={"mse_loss": f"`mse_loss` {NOT_DEFINED}", "mse_grad": f"`mse_grad` {NOT_DEFINED}",
                   "softmax": f"`softmax` {NOT_DEFINED}"},
         errors=("NameError: name 'mse_loss' is not defined", "NameError: name 'softmax' is not defined")),
    Case("renamed-and-missing-functions",
         build=_edited(_replace_in("mse-answer", "def mse_grad(", "def mse_gradient("),
                       _replace_in("activations-answer", "def relu(x):", "def _unused(x):")),
         lost={"mse_grad": 0.0, "relu": 0.0},
         feedback={"mse_grad": "Did you rename it to `mse_gradient`?", "relu": f"`relu` {NOT_DEFINED}"}),
    Case("syntax-error", build=_edited(_replace_in("bce-answer", "def bce_grad(p, y_true):",
                                                   "def bce_grad(p, y_true:")),
         lost={"bce_loss": 0.0, "bce_grad": 0.0, "train_xor": 0.0}, errors=("SyntaxError",),
         feedback={"bce_grad": f"`bce_grad` {NOT_DEFINED}", "train_xor": "NameError: name 'bce_loss' is not defined"}),
    Case("wrong-assignment-folder", build=_wrong_lab, lost=dict.fromkeys(POINTS, 0.0),
         feedback={"relu": f"`relu` {NOT_DEFINED}"}, errors=(f"looks like {OPTIMIZERS}",)),
    Case("symlink-to-the-solutions", build=_symlink_to_solution, everything_lost="symbolic link"),
    Case("folder-with-space", build=_odd_folder("bob smith"), student="bob smith"),
    Case("folder-non-ascii", build=_odd_folder("ünï"), student="ünï"),
    Case("folder-leading-dots", build=_odd_folder("..weird"), student="..weird"),
    Case("lone-notebook-escaped-separator", build=_lone_notebook, student="a%2Fb"),
]
EMPTY_STUDENT = "empty-student-folder"      # a student folder with nothing in it

CASES = HOSTILE + BAD
assert len({c.id for c in CASES}) == len(CASES) and len(HOSTILE) >= 30
GRADED_HOSTILE = [c for c in HOSTILE if ISOLATED or not c.isolated]


def case_param(case: Case):
    marks = []
    if case.isolated and not ISOLATED:
        marks.append(pytest.mark.skip(reason="attacks the host: graded only inside the root jail (see README)"))
    if case.xfail:
        marks.append(pytest.mark.xfail(strict=True, reason=case.xfail))
    return pytest.param(case, id=case.id, marks=marks)


# --- the batch, and the host before and after --------------------------------------------------------------

def digest_tree(*relative: str) -> dict:
    digests = {}
    for rel in relative:
        for path in sorted((COURSE / rel).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digests[str(path.relative_to(COURSE))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def processes_named(marker: str) -> list:
    """(pid, command line) of live processes whose command line carries `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append((int(entry), cmdline))
    return found


def files_named(marker: str, root: Path) -> list:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", ".venv")]
        found += [os.path.join(dirpath, n) for n in filenames + dirnames if marker in n]
    return found


def listen(marker: str) -> tuple:
    """A TCP port and an abstract unix socket on the host that no child may reach."""
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    tcp.setblocking(False)
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind("\0" + marker)
    unix.listen(8)
    unix.setblocking(False)
    return tcp, unix


@dataclass
class Batch:
    root: Path
    out: Path
    done: subprocess.CompletedProcess
    seconds: float
    marker: str
    results: dict              # student id -> result
    before: dict
    after: dict
    listeners: tuple
    control_path: Path
    control_digest: str
    leftovers: dict            # case id -> processes it left alive after the batch

    def result(self, case: Case) -> dict:
        return self.results[case.student or case.id]


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    root = tmp_path_factory.mktemp("adversarial")
    submitted, out = root / "submitted", root / "out"
    marker = f"adv{secrets.token_hex(6)}"
    listeners = listen(marker)
    control_path = write_notebook(solution(trim=False), submission_path(submitted, CONTROL))
    context = {"OUT": repr(str(out)), "SUBMITTED": repr(str(submitted)), "REPO": repr(str(COURSE)),
               "CONTROL_NB": repr(str(control_path)), "CONTROL": CONTROL, "LAB": BACKPROP, "MARKER": marker,
               "MARKER_FILE": str(root / f"{marker}-pickle"), "PORT": str(listeners[0].getsockname()[1])}
    for case in GRADED_HOSTILE:
        nb = solution(visible_tests=False)
        nb.cells.extend(nbformat.v4.new_code_cell(fill(source, context)) for source in case.cells)
        write_notebook(nb, submission_path(submitted, case.id))
    paths = [submitted]
    for case in BAD:
        paths += case.build(submitted, case.id, root)
    _empty_student(submitted, EMPTY_STUDENT, root)
    before, control_digest = digest_tree(*GUARDED), hashlib.sha256(control_path.read_bytes()).hexdigest()

    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, paths), "--out", str(out),
                           "--jobs", "2", "--cell-timeout", str(LIMIT), "--call-timeout", str(LIMIT)],
                          capture_output=True, text=True, cwd=COURSE, timeout=1200)
    seconds = time.monotonic() - started

    leftovers = {case.id: processes_named(f"{marker}-{case.id}") for case in HOSTILE}
    for processes in leftovers.values():      # reported by a test; never left running
        for pid, _ in processes:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    results = {}
    for path in out.glob("*/*.json"):
        result = json.loads(path.read_text())
        results[result["student"]] = result
    yield Batch(root, out, done, seconds, marker, results, before, digest_tree(*GUARDED), listeners,
                control_path, control_digest, leftovers)
    for listener in listeners:
        listener.close()


# --- the batch as a whole ----------------------------------------------------------------------------------

def test_batch_ran_and_every_submission_has_a_result(batch):
    assert batch.done.returncode == 0, batch.done.stderr[-3000:]
    expected = {CONTROL, EMPTY_STUDENT} | {c.id for c in GRADED_HOSTILE} | {c.student or c.id for c in BAD}
    assert set(batch.results) == expected
    rows = list(csv.DictReader((batch.out / "grades.csv").open(encoding="utf-8")))
    assert sorted(r["student"] for r in rows) == sorted(batch.results)
    print(f"{len(batch.results)} submissions graded in {batch.seconds:.0f} s")


def test_honest_control_gets_full_marks(batch):
    control = batch.results[CONTROL]
    assert control["score"] == control["max_score"] == MAX_SCORE
    assert {e["status"] for e in control["exercises"].values()} == {"passed"}
    assert control["errors"] == []


# --- one test per case ------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", [case_param(c) for c in HOSTILE])
def test_hostile_submission_gains_nothing_and_costs_only_what_it_broke(batch, case):
    check_result(case, batch.result(case))


@pytest.mark.parametrize("case", [case_param(c) for c in BAD])
def test_bad_input_gets_a_clear_message_and_a_defined_score(batch, case):
    result = batch.result(case)
    check_result(case, result)
    folder = batch.out / safe_name(result["student"])
    assert folder.parent == batch.out and (folder / f"{BACKPROP}.json").is_file()


def test_empty_student_folder_gets_a_result_that_says_so(batch):
    result = batch.results[EMPTY_STUDENT]
    assert result["score"] == 0 and any("nothing was submitted" in line for line in result["errors"]), result


# --- the host after the batch --------------------------------------------------------------------------------

def test_repository_is_untouched(batch):
    assert batch.after == batch.before
    assert hashlib.sha256(batch.control_path.read_bytes()).hexdigest() == batch.control_digest


@pytest.mark.skipif(not ISOLATED, reason="the planting cases are graded only inside the root jail")
def test_no_planted_files_anywhere(batch):
    roots = [batch.root] + [COURSE / d for d in ("autograder", "source", "solutions", "release", "examples", "tests")]
    found = [p for root in roots for p in files_named(batch.marker, root)]
    found += [name for name in os.listdir("/tmp") if batch.marker in name]        # the host's /tmp
    assert found == []


def test_output_folder_holds_only_the_graders_files(batch):
    out = batch.out
    expected = {safe_name(s): r["assignment"] for s, r in batch.results.items()}
    assert {p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")} == set(expected)
    for folder, assignment in expected.items():
        names = sorted(p.name for p in (out / folder).iterdir())
        assert names == [f"{assignment}.feedback.md", f"{assignment}.json"], (folder, names)
        assert not any((out / folder / name).is_symlink() for name in names)
    assert {p.name for p in out.iterdir() if p.is_file()} <= {"grades.csv", ".autograder-run.json"}


def test_pickle_payloads_never_ran(batch):
    assert not (batch.root / f"{batch.marker}-pickle").exists()


@pytest.mark.skipif(not ISOLATED, reason="the network case is graded only inside the root jail")
def test_no_connection_reached_the_host(batch):
    for listener in batch.listeners:
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_forged_output_never_reaches_the_cli(batch):
    assert batch.marker not in batch.done.stdout + batch.done.stderr
    assert f"\n{CONTROL} " in batch.done.stdout        # the real score table


@pytest.mark.parametrize("case", ["fork-bomb", pytest.param("fork-and-leave-the-session", marks=pytest.mark.skipif(
    not ISOLATED, reason="without root there is no cgroup to find processes that left the session (README)"))])
def test_no_process_outlives_its_grading(batch, case):
    assert batch.leftovers[case] == []


# --- the trusted side's own memory ---------------------------------------------------------------------------

AMPLIFIER = """
import gc, os
_channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
_payload = b'{"op": "return", "value": [' + b'[],' * @ENTRIES@ + b'[]]}'

def amplify():
    os.write(_channel.write_fd, len(_payload).to_bytes(8, "big") + _payload)
"""


def peak_rss_mib() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def test_a_reply_cannot_make_the_grader_allocate_far_more_than_its_size():
    """A reply of a million empty JSON lists would become two million Python
    lists in the trusted worker (~45x its size, ~12 GB for one 256 MiB reply)."""
    entries = 1_000_000                                    # a 3 MB message
    with Sandbox([AMPLIFIER.replace("@ENTRIES@", str(entries))], Limits()) as sandbox:
        sandbox.run_notebook()
        try:
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")                            # restart the high-water mark from here
        except OSError:
            pytest.skip("cannot reset this process's peak memory")
        before = peak_rss_mib()
        with pytest.raises(StudentFailure):               # refused, as a fault of the child
            Student(sandbox, 60).amplify()
        grown = peak_rss_mib() - before
    assert grown < 20 * 3 * entries / 2 ** 20, f"{grown:.0f} MiB for a {3 * entries / 2 ** 20:.0f} MiB reply"

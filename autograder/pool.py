"""Warm trusted workers: start-up paid once per worker slot, a fresh fork per submission.

    with WarmPool() as pool:
        run_batch(requests, ThreadPoolExecutor(jobs), pool.grade, on_graded, window)

`python -m autograder.worker` pays, for every submission, an interpreter
start, the imports of numpy, pytest, nbformat, jinja2 and the grading
package, the host's isolation probe and the import of the lab's hidden test
modules. A warm worker (`python -m autograder.pool`, one per thread of the
executor) pays them once: it imports everything and probes the host at
start, collects a lab's hidden tests (importing their modules, running none)
before its first fork for that lab, and serves requests one at a time, each
in a `fork` of itself that grades exactly as `autograder.worker` does and exits.

Why this leaks nothing between submissions: the server never grades; it only
reads a request, forks and relays the fork's answer. Everything one grading
changes in the trusted process (pytest's module state and plugins, hypothesis
settings, numpy's error state and print options, threads, the hidden tests'
module globals, anything the child's replies lead the grader to do) lives in
the fork's copy of memory and is gone when it exits; the next fork starts from
the server's untouched state. The student's code runs, as before, in a new
sandboxed child (`sandbox.runner.Sandbox`), with the same jail, limits and
isolation record, forked by the server's zygote (`sandbox.zygote`) through a
session made for that fork alone. A fork that dies or hangs costs only
its own submission (an `error` result flagged for regrade, as a failed
`autograder.worker` does); a server that stops answering is killed with its
process group and replaced.

Framing on the server's stdin/stdout: one JSON document per line: the
request as `GradeRequest.to_json` (with its secret nonce), and back
{"exit": the fork's exit code, "answer": what it wrote, as `autograder.worker`
writes it, "log": the tail of its output}, judged by `execute.read_answer`
exactly as a fresh worker's answer is.
"""
from __future__ import annotations

import gc
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from typing import Optional

from autograder import execute, worker
from autograder.execute import worker_timeout
from autograder.grade import GradeRequest, Graded, crashed

# A server's own start-up (imports, probe, collection) before it is written off.
START_TIMEOUT = 120.0
CLOSE_TIMEOUT = 10.0   # a server's own exit once its stdin closes
STDERR_TAIL = 4000
_ANSWERS_FD: Optional[int] = None   # the server's answer stream (closed in its forks)


def hypothesis_directory() -> str:
    return os.path.join(tempfile.gettempdir(), "autograder-hypothesis")


# --- the server (trusted, long-lived) ------------------------------------------
def warm_up() -> list:
    """Import what grading imports and probe the host: the forks find it done.
    Returns what failed."""
    import autograder.notebook   # noqa: F401  (nbformat and its validator)
    import autograder.grade      # noqa: F401  (pytest, the plugin, the sandbox)
    from autograder.sandbox import layers, zygote
    problems = []
    try:
        layers.detect()
    except Exception as exc:   # the fork will meet (and report) it again
        problems.append(f"isolation probe: {exc!r}")
    try:
        zygote.own_zygote().session().close()   # its imports (started by main) done before the first fork
    except Exception as exc:     # each fork then starts its own
        problems.append(f"zygote: {exc!r}")
    return problems


_COLLECTED: set = set()   # labs whose hidden test modules this server has imported


def collect_for(line: str) -> None:
    """Before the first fork for a lab, collect its hidden tests here (their
    modules imported, nothing run, no student data involved), so that every
    later fork for that lab finds them imported. A request that does not name
    its lab, or a collection that fails, leaves it to the fork (as a fresh
    worker does it)."""
    from autograder.grade import hidden_exercises
    from autograder.labs import LABS
    try:
        lab = LABS.get(json.loads(line).get("assignment") or "")
        if lab is not None and lab.id not in _COLLECTED and lab.hidden_tests.is_file():
            _COLLECTED.add(lab.id)
            hidden_exercises(lab)
            gc.freeze()
    except Exception:
        pass


def serve(requests, answers) -> None:
    """Answer each request line of `requests` with one line on `answers`, each
    graded in a fork of this process."""
    global _ANSWERS_FD
    _ANSWERS_FD = answers.fileno()
    for line in requests:
        if not line.strip():
            continue
        collect_for(line)
        answers.write(json.dumps(grade_in_fork(line)) + "\n")
        answers.flush()


def grade_in_fork(line: str) -> dict:
    """{"exit": the fork's exit code, "answer": what it wrote, "log": the tail of its output}."""
    from autograder.sandbox import zygote
    answer_r, answer_w = os.pipe()
    log = tempfile.TemporaryFile()
    try:
        session = zygote.own_zygote().session()   # the fork's own: if it dies mid-request, only it is lost
    except Exception:
        session = None                            # the fork starts a zygote of its own
    pid = os.fork()
    if pid == 0:   # the fork: grade exactly as autograder.worker does, then exit
        code = 70
        try:
            if session is not None:
                zygote.adopt(session)
            os.close(answer_r)
            if _ANSWERS_FD is not None:
                os.close(_ANSWERS_FD)                # only the server answers
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)                      # the next requests are not the fork's to read
            os.dup2(log.fileno(), 1)                 # pytest and friends print: not into the answer
            os.dup2(log.fileno(), 2)
            sys.stdin = open(os.devnull)
            with os.fdopen(answer_w, "w") as out:
                json.dump(answer_line(line), out)
            code = 0
        except BaseException:
            import traceback
            traceback.print_exc()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    os.close(answer_w)
    if session is not None:
        session.close()
    chunks = []
    with os.fdopen(answer_r, "rb") as answer:
        while True:
            chunk = answer.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    try:
        log.seek(0, os.SEEK_END)
        log.seek(max(0, log.tell() - STDERR_TAIL))
        tail = log.read().decode("utf-8", "replace")
    finally:
        log.close()
    return {"exit": os.waitstatus_to_exitcode(status), "answer": b"".join(chunks).decode("utf-8", "replace"),
            "log": tail}


def answer_line(line: str) -> dict:
    """What `python -m autograder.worker` computes and writes for this request:
    the worker's own steps (its memory bound, MemoryError as the student's
    error result, the answer carrying the nonce)."""
    request = GradeRequest.from_json(json.loads(line))
    worker.bound_memory(request.limits.worker_memory)
    return worker.answer(request, worker.grade_bounded(request))


def main() -> int:
    from autograder.sandbox import zygote
    zygote.own_zygote()               # first: the children's imports run beside the server's own
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = hypothesis_directory()
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)                     # anything printed while warming up goes to stderr
    problems = warm_up()
    gc.freeze()                       # the forks share the warm heap instead of copying it as gc touches it
    answers.write(json.dumps({"ready": True, "problems": problems}) + "\n")
    answers.flush()
    serve(sys.stdin, answers)
    return 0


# --- the client (one per executor thread) --------------------------------------
class WarmWorker:
    """One server process and the pipe to it; used by one thread at a time."""

    def __init__(self):
        self.process: Optional[subprocess.Popen] = None
        self.stderr = tempfile.TemporaryFile()

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "autograder.pool"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.stderr, text=True, bufsize=1,
                                        start_new_session=True, env=execute.worker_environment())
        ready = self._read_line(time.monotonic() + START_TIMEOUT)
        if ready is None or not json.loads(ready).get("ready"):
            self.stop()
            raise RuntimeError(f"a warm worker did not start: {ready!r}\n{self._stderr_tail()}")

    def grade(self, request: GradeRequest) -> Graded:
        request = replace(request, nonce=execute.new_nonce())   # as execute.grade_in_worker sends it
        try:
            if self.process is None or self.process.poll() is not None:
                self.start()
            self.process.stdin.write(json.dumps(request.to_json()) + "\n")
            self.process.stdin.flush()
            line = self._read_line(time.monotonic() + worker_timeout(request.limits))
        except (OSError, RuntimeError, ValueError) as exc:
            self.stop()
            return Graded(crashed(request), (f"warm worker failed: {exc!r}\n{self._stderr_tail()}",))
        if line is None:
            self.stop()
            return Graded(crashed(request), (f"warm worker timed out or died\n{self._stderr_tail()}",))
        try:
            reply = json.loads(line)
            code, text, log = int(reply["exit"]), str(reply["answer"]), str(reply["log"])
        except (ValueError, KeyError, TypeError) as exc:
            self.stop()
            return Graded(crashed(request), (f"warm worker failed: {exc!r}",))
        return execute.read_answer(request, text, code, log)

    def _read_line(self, deadline: float) -> Optional[str]:
        stream = self.process.stdout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([stream], [], [], left)
            if ready:
                line = stream.readline()
                return line if line.endswith("\n") else None   # "" or a torn line: the server died

    def _stderr_tail(self) -> str:
        try:
            self.stderr.seek(0, os.SEEK_END)
            self.stderr.seek(max(0, self.stderr.tell() - STDERR_TAIL))
            return self.stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)   # the server and a fork still grading
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.process = None

    def close(self) -> None:
        """Let the server end on its own (it waits for its zygote, so the CPU time of
        every child it forked is counted in this process tree), then stop it."""
        if self.process is not None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=CLOSE_TIMEOUT)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.stop()
        self.stderr.close()


class WarmPool:
    """A warm worker per thread that calls `grade` (an executor's threads are
    its worker slots); `close` stops them all."""

    def __init__(self):
        self._local = threading.local()
        self._workers: list = []
        self._lock = threading.Lock()

    def grade(self, request: GradeRequest) -> Graded:
        slot = getattr(self._local, "worker", None)
        if slot is None:
            slot = self._local.worker = WarmWorker()
            with self._lock:
                self._workers.append(slot)
        return slot.grade(request)

    def close(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        for slot in workers:
            slot.close()

    def __enter__(self) -> "WarmPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


if __name__ == "__main__":
    sys.exit(main())

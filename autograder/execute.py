"""Run grading requests on any `concurrent.futures.Executor`; only the caller writes.

    run_batch(requests, executor, grade_fn, on_graded, window)

`grade_fn` is a top-level function GradeRequest -> Graded that the executor
runs. The CLI's local default is a warm worker per slot (`autograder/pool.py`:
each request graded in a fresh fork of it); `grade_in_worker` (`--workers
fresh`) gives each request a fresh trusted worker process (`python -m
autograder.worker`). Either starts the sandboxed child. An executor whose jobs already run in processes
of their own (e.g. Dask's `Client.get_executor()`) can run `grade.grade`
itself. Either way each outcome comes back to the calling thread, which
alone writes results, as they complete.
"""
from __future__ import annotations

import hmac
import json
import os
import secrets
import subprocess
import sys
import traceback
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import replace
from typing import Callable, Iterable

from autograder.config import ONE_BLAS_THREAD, Limits
from autograder.grade import GradeRequest, Graded, crashed
from autograder.result import Result

# A worker gets its child's whole budget plus time for its own start-up and checks.
WORKER_GRACE = 300.0


def grade_in_worker(request: GradeRequest) -> Graded:
    """Grade `request` in a fresh `python -m autograder.worker`; a worker that
    fails, exits uncleanly or answers with something that is not this job's
    result (see `read_answer`) gives that student an `error` result flagged
    for regrade, with the reason in the instructor's log."""
    request = replace(request, nonce=new_nonce())   # on the worker's stdin only
    try:
        done = subprocess.run([sys.executable, "-m", "autograder.worker"], input=json.dumps(request.to_json()),
                              capture_output=True, text=True, timeout=worker_timeout(request.limits),
                              env=worker_environment())
    except subprocess.TimeoutExpired as exc:
        return Graded(crashed(request), (f"worker timed out: {exc!r}\n{str(exc.stderr or '')[-4000:]}",))
    return read_answer(request, done.stdout, done.returncode, done.stderr)


def worker_environment() -> dict:
    """A trusted worker's environment: this process's, with one BLAS thread
    (`config.ONE_BLAS_THREAD`) unless the instructor chose a number."""
    return {**ONE_BLAS_THREAD, **os.environ}


def new_nonce() -> str:
    return secrets.token_hex(16)


def read_answer(request: GradeRequest, text: str, exit_code: int, log: str = "") -> Graded:
    """The worker's answer `text` to `request`, trusted only if the worker
    exited with 0 and the answer is one JSON object carrying the request's
    nonce and a result for its student, assignment and seed. Anything else
    (a forged answer written into the worker's pipe, a worker killed after
    writing, an answer for another job) is that student's `error` result."""
    def refused(why: str) -> Graded:
        return Graded(crashed(request), (f"worker answer refused: {why}\n{log[-4000:]}",))

    if exit_code != 0:
        return refused(f"the worker exited with {exit_code}")
    try:
        answer = json.loads(text)
        if type(answer) is not dict:
            return refused("not a JSON object")
        if not request.nonce or not hmac.compare_digest(str(answer.get("nonce", "")), request.nonce):
            return refused("it does not carry this job's nonce")
        result = Result.from_json(answer["result"])
        errors = tuple(str(e) for e in answer["internal_errors"])
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        return refused(repr(exc))
    if not is_for(request, result):
        return refused(f"it is for {result.student!r}, {result.assignment!r}, seed {result.seed}")
    return Graded(result, errors)


def is_for(request: GradeRequest, result: Result) -> bool:
    """Whether `result` can be `request`'s: its student, seed and notebook,
    and its assignment (or "unknown", for a notebook that could not be placed)."""
    assignments = (request.assignment,) if request.assignment else tuple(request.course.points)
    return (result.student == request.student and result.assignment in (*assignments, "unknown")
            and result.seed == request.seed and result.submission_sha256 in ("", request.digest))


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask, e.g. a container's cpuset)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def worker_timeout(limits: Limits) -> float:
    return limits.submission_timeout + WORKER_GRACE


def run_batch(requests: Iterable[GradeRequest], executor: Executor, grade_fn: Callable,
              on_graded: Callable[[GradeRequest, Graded], None], window: int) -> None:
    """Grade every request, at most `window` in flight (each holds a notebook's
    bytes), and call `on_graded(request, graded)` here as each completes. A job
    the executor loses (a worker that died, a lost connection) or an answer for
    another student gives that student an `error` result, never a lost one."""
    pending: dict = {}
    todo = iter(requests)

    def top_up() -> None:
        while len(pending) < window:
            request = next(todo, None)
            if request is None:
                return
            pending[executor.submit(grade_fn, request)] = request

    top_up()
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            request = pending.pop(future)
            try:
                graded = future.result()
            except Exception as exc:
                graded = Graded(crashed(request), ("".join(traceback.format_exception(exc)),))
            if not is_for(request, graded.result):
                graded = Graded(crashed(request), (f"the answer was for {graded.result.student!r}, "
                                                   f"{graded.result.assignment!r}, seed {graded.result.seed}",))
            on_graded(request, graded)
        top_up()

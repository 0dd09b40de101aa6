"""One grading request in its own trusted process: `python -m autograder.worker`.

Reads a `GradeRequest` as JSON on stdin and writes its `Graded` outcome as
JSON on stdout. A fresh process per request keeps one submission's grading
(pytest's module state, a grader bug, memory) from touching another's; the
parent reads the answer back with `execute.read_answer`, which refuses an
answer without the request's secret nonce, for another student or assignment,
or from a worker that did not exit cleanly, and is the only one that writes results.

The worker bounds its own address space first (`Limits.worker_memory`): what
the child's replies make it allocate ends in a MemoryError, which is this
student's `error` result (flagged for regrade), never the host's memory.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import traceback

from autograder.config import GiB
from autograder.grade import GradeRequest, Graded, crashed, grade


def bound_memory(limit: int) -> None:
    """RLIMIT_AS of this process: `limit`, or what it maps already plus 1 GiB
    if that is more (a host with many cores gives numpy's BLAS a buffer and a
    stack per core at import); never above a bound it already has."""
    if limit <= 0:
        return
    limit = max(limit, mapped_bytes() + GiB)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft == resource.RLIM_INFINITY or soft > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def mapped_bytes() -> int:
    """This process's address space now (VmSize), 0 where /proc cannot tell."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def grade_bounded(request: GradeRequest) -> Graded:
    """`grade`, with running out of memory as this student's `error` result."""
    try:
        return grade(request)
    except MemoryError:
        return Graded(crashed(request), ("the trusted worker ran out of memory (Limits.worker_memory) grading "
                                         "this submission:\n" + traceback.format_exc()[-4000:],))


def answer(request: GradeRequest, graded: Graded) -> dict:
    """The worker's answer to `request`, carrying its nonce back."""
    return {"nonce": request.nonce, "result": graded.result.to_json(),
            "internal_errors": list(graded.internal_errors)}


def main() -> int:
    request = GradeRequest.from_json(json.load(sys.stdin))
    bound_memory(request.limits.worker_memory)
    # hypothesis keeps a cache of examples; grading writes nothing outside its results
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(tempfile.gettempdir(), "autograder-hypothesis")
    # pytest and friends print to stdout: keep it free for the one answer.
    answer_fd = os.dup(1)
    os.dup2(2, 1)
    graded = grade_bounded(request)
    with os.fdopen(answer_fd, "w") as out:
        json.dump(answer(request, graded), out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""One grading job in its own trusted process: `python -m autograder.worker`.

Reads a job as JSON on stdin and writes {"result": ..., "internal_errors": [...]}
as JSON on stdout. A fresh process per job keeps one submission's grading
(pytest's module state, a grader bug, memory) from touching another's; the
CLI runs `--jobs` of them at once and is the only one that writes results.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from dataclasses import replace

from autograder.config import Limits, Settings
from autograder.discover import Job
from autograder.grade import grade


def main() -> int:
    request = json.load(sys.stdin)
    # hypothesis keeps a cache of examples; grading writes nothing outside its results
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(tempfile.gettempdir(), "autograder-hypothesis")
    job = Job(request["student"], request["assignment"],
              Path(request["notebook"]) if request["notebook"] else None, request["problem"])
    # pytest and friends print to stdout: keep it free for the one answer.
    answer_fd = os.dup(1)
    os.dup2(2, 1)
    settings = Settings(limits=replace(Limits(), **request.get("limits", {})))
    result, internal = grade(job, int(request["seed"]), settings, Path(request["course"]))
    with os.fdopen(answer_fd, "w") as answer:
        json.dump({"result": result, "internal_errors": internal}, answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())

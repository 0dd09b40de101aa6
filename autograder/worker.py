"""One grading request in its own trusted process: `python -m autograder.worker`.

Reads a `GradeRequest` as JSON on stdin and writes its `Graded` outcome as
JSON on stdout. A fresh process per request keeps one submission's grading
(pytest's module state, a grader bug, memory) from touching another's; the
parent reads the answer back with `Result.from_json`, rejecting anything that
is not a result, and is the only one that writes results.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile

from autograder.grade import GradeRequest, grade


def main() -> int:
    request = GradeRequest.from_json(json.load(sys.stdin))
    # hypothesis keeps a cache of examples; grading writes nothing outside its results
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(tempfile.gettempdir(), "autograder-hypothesis")
    # pytest and friends print to stdout: keep it free for the one answer.
    answer_fd = os.dup(1)
    os.dup2(2, 1)
    graded = grade(request)
    with os.fdopen(answer_fd, "w") as answer:
        json.dump({"result": graded.result.to_json(), "internal_errors": list(graded.internal_errors)}, answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`Result` -> the JSON that GitHub Classroom's reporter reads
(classroom-resources/autograding-grading-reporter), as the classroom graders
produce it: `{version, status, max_score, tests: [{name, status, score, message, ...}]}`,
handed over base64-encoded in a step output the reporter finds in the env
variable `<STEP_ID>_RESULTS`.

The reporter adds up `tests[].score` and the `max_score`s into `Points X/Y`,
and Classroom records whole points. So points are rounded here, explicitly:

- `max_score` is the lab's points, rounded to the nearest whole point;
- the lab's score is rounded *down* to a whole point (a student is never
  shown a point they did not earn; the exact score is in every message);
- that whole total is shared out over the exercises by largest remainder:
  each gets its score rounded down, and the points left over go, one each, to
  the exercises with the largest fractional parts (ties: notebook order).
  So the tests always add up to exactly the rounded-down lab score.

`python -m autograder.classroom LAB --out DIR` prints one step's output line
(`result=<base64>`): the result graded into DIR, or, when there is none
(grading failed), an `error` result worth 0 of the lab's points.
"""
from __future__ import annotations

import argparse
import base64
import json
import math
import re
import sys
from pathlib import Path

from autograder.feedback import points
from autograder.result import Result

REPORTER_VERSION = 1                 # the version the classroom graders write
SLACK = 1e-9                         # float round-off never costs a whole point (29.999999999 -> 30)

# Control characters (ANSI colour codes included) would be interpreted by the
# Actions log the reporter prints messages to; newlines and tabs are kept.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: str) -> str:
    """Student text made safe for the Actions log (no terminal escapes)."""
    return _CONTROL.sub("?", text)


def whole_points(scores: list) -> list:
    """Whole points per exercise adding up to floor(sum(scores)), by largest remainder."""
    total = math.floor(sum(scores) + SLACK)
    floors = [math.floor(s + SLACK) for s in scores]
    order = sorted(range(len(scores)), key=lambda i: -(scores[i] - floors[i]))
    shares = list(floors)
    for i in order[:max(0, total - sum(floors))]:
        shares[i] += 1
    return shares


def _status(result: Result) -> str:
    statuses = {e.status for e in result.exercises}
    if result.exercises and statuses == {"passed"}:
        return "pass"
    if not result.exercises or statuses == {"error"}:
        return "error"
    return "fail"


def reporter_json(result: Result) -> dict:
    """The reporter's JSON for one lab's result."""
    shares = whole_points([e.score for e in result.exercises])
    notes = "".join(f"\n{plain(e)}" for e in result.errors)
    tests = []
    for exercise, share in zip(result.exercises, shares):
        lines = [f"{points(exercise.score)}/{points(exercise.max_score)} points "
                 f"({exercise.status.replace('_', ' ')}; {share} whole points counted)"]
        lines += [plain(line) for line in exercise.feedback]
        tests.append({"name": exercise.name, "status": "pass" if exercise.status == "passed" else "fail",
                      "score": share, "message": "\n".join(lines), "test_code": "", "filename": "",
                      "line_no": 0, "duration": 0})
    if not tests:   # nothing could be graded: one failing test says why
        tests.append({"name": result.assignment, "status": "error", "score": 0,
                      "message": "could not be graded" + (notes or ""), "test_code": "", "filename": "",
                      "line_no": 0, "duration": 0})
    return {"version": REPORTER_VERSION, "status": _status(result),
            "max_score": int(round(result.max_score)),
            "message": f"{result.assignment}: {points(result.score)}/{points(result.max_score)} points, "
                       f"counted as {sum(shares)} (rounded down to whole points){notes}",
            "tests": tests}


def render(result: Result, options: dict = None) -> str:
    """The readable JSON (`--format github-classroom`)."""
    return json.dumps(reporter_json(result), indent=2, allow_nan=False) + "\n"


def encode(result: Result, options: dict = None) -> str:
    """The reporter's input: the JSON, base64-encoded, one line."""
    text = json.dumps(reporter_json(result), allow_nan=False, separators=(",", ":"))
    return base64.b64encode(text.encode("utf-8")).decode("ascii") + "\n"


def step_result(lab: str, out: Path, max_points: float) -> Result:
    """The result graded into `out` for `lab` (one student), or an error result."""
    from autograder.result import unscored
    for path in sorted(out.glob(f"*/{lab}.json")):
        try:
            return Result.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return unscored("student", lab, 0, {lab: max_points}, "error",
                    "grading produced no result (see the grading step's log): flagged for regrade")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.classroom",
                                     description="print a GitHub Classroom step output: result=<base64>")
    parser.add_argument("lab", help="the assignment id, e.g. lab-1.4.1-manual-backpropagation")
    parser.add_argument("--out", type=Path, required=True, help="the folder `autograder grade --out` wrote")
    parser.add_argument("--course", type=Path, default=None, help="course folder (for the lab's points)")
    args = parser.parse_args(argv)
    from autograder.labs import Course, default_course
    course = Course.load((args.course or default_course()).resolve())
    max_points = sum(course.points.get(args.lab, {}).values())
    print(f"result={encode(step_result(args.lab, args.out, max_points)).strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

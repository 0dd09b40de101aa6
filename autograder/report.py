"""The only module that writes grading output. Every writer takes `Result`s
and nothing else:

- `RESULT_FILES`: per student and assignment, `DIR/<student>/<assignment><suffix>`;
- `RUN_FILES`: per results folder, `DIR/<name>` from every result in it;
- `FORMATS`: files for other tools, written beside each result on `--format NAME`;
- `score_table`: the plain-text table the CLI prints.

A new output format is one function and one entry in one of the three tables.
Every file is written to a temporary name beside its destination and renamed
into place, so a reader (or a crash) never sees half a result.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

from autograder import classroom, gradescope
from autograder.discover import safe_name
from autograder.feedback import points, render_markdown
from autograder.html import render_html
from autograder.result import Result, validate

RUN_STATE = ".autograder-run.json"   # the run's seed, and whether it finished
PENDING = "*"                        # score table: the lab has manually graded points still to come


def grades_csv(results: list) -> str:
    """One row per student and assignment."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "assignment", "score", "max_score", "statuses", "errors", "seed",
                     "pending_manual", "notebook"])
    for r in results:
        statuses: dict = {}
        for ex in r.exercises:
            statuses[ex.status] = statuses.get(ex.status, 0) + 1
        writer.writerow([r.student, r.assignment, f"{r.score:g}", f"{r.max_score:g}",
                         " ".join(f"{k}={v}" for k, v in sorted(statuses.items())), len(r.errors), r.seed,
                         f"{r.pending_manual:g}", r.notebook])
    return buffer.getvalue()


# suffix -> Result -> text. The JSON comes last: its presence means "done".
RESULT_FILES = {
    ".feedback.md": render_markdown,
    ".feedback.html": render_html,
    ".json": Result.dumps,
}

# file name -> [Result] -> text
RUN_FILES = {
    "grades.csv": grades_csv,
}

# `--format NAME` -> {suffix: (Result, options) -> text}: files for other tools,
# written beside each result of the run (the files above are always written).
# `options` holds the command line's format settings, e.g. "gradescope_checks".
FORMATS = {
    "gradescope": {".gradescope.json": gradescope.render},
    "github-classroom": {".classroom.json": classroom.render, ".classroom.b64": classroom.encode},
}


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def result_path(out: Path, student: str, assignment: str) -> Path:
    return out / safe_name(student) / f"{assignment}.json"


def write_result(out: Path, result: Result, internal_errors: tuple = ()) -> Path:
    """Every per-result file; grader tracebacks go to DIR/.grader-errors/, for the instructor only."""
    if os.environ.get("AUTOGRADER_VALIDATE_RESULTS"):   # set by the test suite
        validate(result.to_json())
    path = result_path(out, result.student, result.assignment)
    if internal_errors:
        log = out / ".grader-errors" / f"{safe_name(result.student)}-{result.assignment}.log"
        atomic_write(log, "\n\n".join(internal_errors))
    for suffix, render in RESULT_FILES.items():
        atomic_write(path.with_suffix(suffix), render(result))
    return path


def write_format_files(out: Path, results: list, formats: list, options: dict) -> None:
    """The `--format` files of every result (graded now or up to date)."""
    for result in results:
        path = result_path(out, result.student, result.assignment)
        for name in formats:
            for suffix, render in FORMATS[name].items():
                atomic_write(path.with_suffix(suffix), render(result, options))


def read_results(out: Path) -> list:
    """Every complete result under `out`, sorted by student then assignment."""
    results = []
    for path in sorted(out.glob("*/*.json")):
        try:
            results.append(Result.from_json(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            continue
    return sorted(results, key=lambda r: (r.student, r.assignment))


def write_run_files(out: Path, results: list) -> None:
    for name, render in RUN_FILES.items():
        atomic_write(out / name, render(results))


def score_table(results: list) -> str:
    """A plain-text table: one row per student, one column per assignment;
    a lab with manually graded points still to come is marked with `PENDING`."""
    assignments = sorted({r.assignment for r in results})
    students = sorted({r.student for r in results})
    cells = {(r.student, r.assignment): f"{points(r.score)}/{points(r.max_score)}"
             + (PENDING if r.pending_manual else "") for r in results}
    short = [short_lab(a) for a in assignments]
    rows = [["student"] + short] + [[s] + [cells.get((s, a), "-") for a in assignments] for s in students]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    pending = sorted({(r.assignment, r.pending_manual) for r in results if r.pending_manual})
    if pending:
        lines.append(f"{PENDING} manually graded points pending: "
                     + ", ".join(f"{short_lab(a)} +{points(p)}" for a, p in pending))
    return "\n".join(lines)


def short_lab(assignment: str) -> str:
    return assignment.split("-")[1] if assignment.count("-") >= 2 else assignment


def read_run_state(out: Path) -> dict:
    """{"seed": int, "finished": bool} of the last run into `out`, or {}."""
    try:
        state = json.loads((out / RUN_STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) and type(state.get("seed")) is int else {}


def write_run_state(out: Path, seed: int, finished: bool) -> None:
    atomic_write(out / RUN_STATE, json.dumps({"seed": seed, "finished": finished}) + "\n")

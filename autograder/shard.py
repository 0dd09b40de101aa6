"""Split one grading run over a CI matrix and put it back together.

`autograder grade ... --shard i/N --seed S` grades a deterministic 1/N of the
jobs: a job's shard comes from a digest of its student, assignment and
notebook name, so every machine splits the same list the same way, whatever
the order of the paths. `autograder merge OUT DIR...` copies every shard's
result files into OUT and writes the run's files (grades.csv, ...) from all
of them: with the same seed, OUT is what one unsharded run would have written.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import sys
from pathlib import Path

from autograder import report

SHARD = re.compile(r"^(\d+)/(\d+)$")


def parse_shard(text: str) -> tuple:
    """'2/4' -> (2, 4), shards counted from 1; ValueError with the rule otherwise."""
    match = SHARD.match(text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ValueError(f"--shard takes i/N with 1 <= i <= N (e.g. 1/4), not {text!r}")
    return int(match.group(1)), int(match.group(2))


def in_shard(job, shard: tuple) -> bool:
    index, count = shard
    key = f"{job.student}\0{job.assignment or ''}\0{job.notebook.name if job.notebook else ''}"
    return int(hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest(), 16) % count == index - 1


def merge(out: Path, folders: list) -> int:
    """Copy each folder's results (every file of each student and assignment,
    and the instructor's grader-error logs) into `out`; a student and
    assignment graded in two folders with different results is refused."""
    out.mkdir(parents=True, exist_ok=True)
    seen: dict = {}    # (student, assignment) -> (result, the folder it came from)
    for folder in folders:
        for result in report.read_results(folder):
            key = (result.student, result.assignment)
            if key in seen and seen[key][0] != result:
                print(f"autograder: {result.student} / {result.assignment} was graded differently in "
                      f"{seen[key][1]} and {folder}: merge shards of one run (same --seed, same submissions)",
                      file=sys.stderr)
                return 1
            seen[key] = (result, folder)
            source = report.result_path(folder, result.student, result.assignment)
            for path in source.parent.glob(f"{result.assignment}.*"):
                _copy(path, out / path.relative_to(folder))
        for log in sorted((folder / ".grader-errors").glob("*.log")):
            _copy(log, out / ".grader-errors" / log.name)
    results = report.read_results(out)
    report.write_run_files(out, results)
    print(report.score_table(results))
    return 0


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)

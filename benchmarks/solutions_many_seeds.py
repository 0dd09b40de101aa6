"""Every lab's solution notebook graded under many seeds: a correct answer must
keep full marks whatever inputs the hidden tests draw (issue 12).

In-process and fast: one Sandbox per lab runs the solution's code cells once,
then the lab's hidden tests run against it once per seed. Seeds: the seed of
issue 12 first, then 63-bit seeds drawn from a fixed master seed, so a run is
reproducible. Prints, per lab, every seed that lost points with its failing
checks, then "lab: full marks under K/N seeds".

    .venv/bin/python benchmarks/solutions_many_seeds.py [--seeds N] [--labs ID ...]
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

from autograder.config import Limits, Settings
from autograder.grade import run_hidden_tests
from autograder.labs import LABS, Course, default_course
from autograder.notebook import parse_submission, read_notebook_bytes
from autograder.sandbox.runner import Sandbox
from autograder.scoring import score_lab

ISSUE_SEED = 3373870618209030947     # issue 12: the solution of lab 1.4.1 scored 34.2/35
MASTER_SEED = 20261201


def seeds(count: int) -> list:
    drawn = np.random.default_rng(MASTER_SEED).integers(0, 2 ** 63, size=max(count - 1, 0), dtype=np.int64)
    return [ISSUE_SEED] + [int(s) for s in drawn][:count - 1]


def grade_lab(lab, points, seed_list, out) -> int:
    notebook = default_course() / "solutions" / lab.id / f"{lab.id}.ipynb"
    submission = parse_submission(read_notebook_bytes(notebook))
    full = sum(points.values())
    kept = 0
    start = time.perf_counter()
    with Sandbox(submission.cells, Limits(), submission.labels) as sandbox:
        execution = sandbox.run_notebook()
        for issue in execution.issues:
            print(f"{lab.id}: notebook issue: {issue.message}", file=out, flush=True)
        loaded = time.perf_counter()
        for seed in seed_list:
            plugin = run_hidden_tests(lab, sandbox, seed, Settings())
            exercises = score_lab(points, plugin.outcomes)
            score = sum(e.score for e in exercises)
            if abs(score - full) < 1e-9 and not plugin.internal_errors:
                kept += 1
                continue
            print(f"{lab.id}: seed {seed}: {score:g}/{full:g}", file=out, flush=True)
            for e in exercises:
                for c in e.checks:
                    if c.status != "passed":
                        print(f"    {e.name} [{c.status}] {c.check}: {c.message}", file=out, flush=True)
            for err in plugin.internal_errors:
                print(f"    internal error: {str(err)[:500]}", file=out, flush=True)
    graded = time.perf_counter() - loaded
    print(f"{lab.id}: full marks under {kept}/{len(seed_list)} seeds (notebook {loaded - start:.1f} s, "
          f"{graded / max(len(seed_list), 1):.2f} s per seed)", file=out, flush=True)
    return kept


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--first", type=int, default=0, help="start at this index of the seed list (resume a run)")
    parser.add_argument("--labs", nargs="*", default=None, help="lab ids (default: every lab)")
    args = parser.parse_args(argv)
    course = Course.load(default_course())
    seed_list = seeds(args.seeds)[args.first:]
    print(f"$ python benchmarks/solutions_many_seeds.py --seeds {args.seeds} --first {args.first}"
          f"   (issue seed {ISSUE_SEED}, then seeds from master seed {MASTER_SEED})", flush=True)
    ok = True
    for lab in LABS.values():
        if args.labs and lab.id not in args.labs:
            continue
        if lab.id not in course.points or not lab.hidden_tests.is_file():
            print(f"{lab.id}: skipped (no source notebook or hidden tests)", flush=True)
            continue
        ok &= grade_lab(lab, course.points[lab.id], seed_list, sys.stdout) == len(seed_list)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""`autograder grade PATH... --out DIR [--jobs N]` and `autograder build`.

Exit codes: 0 when grading ran (whatever the scores), 1 when there was
nothing to grade or the grader could not run, 2 for a wrong command line.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder import report
from autograder.config import Limits
from autograder.discover import Job, discover
from autograder.labs import default_course

# A worker gets the child's whole budget plus time for its own start-up and checks.
WORKER_TIMEOUT = Limits().submission_timeout + 300


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade submissions")
    grade.add_argument("paths", nargs="+", metavar="PATH",
                       help="a notebook, or a folder (an nbgrader submitted/<student>/<assignment>/ tree)")
    grade.add_argument("--out", required=True, type=Path, help="folder for results")
    grade.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    grade.add_argument("--seed", type=int, help="seed of the hidden inputs (default: a fresh secret one; "
                                                "pass a result's seed to reproduce it)")
    grade.add_argument("--course", type=Path, default=None,
                       help="course folder with nbgrader_config.py and source/ (default: this repository)")
    grade.add_argument("--force", action="store_true",
                       help="regrade submissions whose result is already up to date")
    grade.add_argument("--cell-timeout", type=float, default=Limits.cell_timeout,
                       help="seconds a notebook cell may run before it is interrupted (default %(default)g)")
    grade.add_argument("--call-timeout", type=float, default=Limits.call_timeout,
                       help="seconds one call of a student function may take (default %(default)g)")
    build = commands.add_parser("build", help="generate release/ and solutions/ with nbgrader")
    build.add_argument("--check", action="store_true",
                       help="do not write: fail if the committed products differ from a fresh build")
    args = parser.parse_args(argv)
    if args.command == "build":
        from autograder.build import main as build_main
        return build_main(check=args.check)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    return grade_command(args)


def grade_command(args) -> int:
    jobs, warnings = discover(args.paths)
    for warning in warnings:
        print(f"autograder: {warning}", file=sys.stderr)
    if not jobs:
        print("autograder: nothing to grade", file=sys.stderr)
        return 1
    course = (args.course or default_course()).resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    seed = choose_seed(args.seed, report.read_run_state(args.out))
    report.write_run_state(args.out, seed, finished=False)
    limits = {"cell_timeout": args.cell_timeout, "call_timeout": args.call_timeout}

    def run(job: Job) -> dict:
        digest = _digest(job)
        if not args.force and _up_to_date(args.out, job, digest):
            print(f"autograder: {job.student} / {job.assignment}: up to date", file=sys.stderr)
            return {}
        result, internal = _run_worker(job, seed, course, limits)
        result["submission_sha256"] = digest
        report.write_result(args.out, result, internal)
        print(f"autograder: {result['student']} / {result['assignment']}: "
              f"{result['score']:g}/{result['max_score']:g}", file=sys.stderr)
        return result

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        graded = [r for r in pool.map(run, jobs) if r]
    everything = report.read_results(args.out)
    report.write_grades_csv(args.out, everything)
    report.write_run_state(args.out, seed, finished=True)
    print(report.score_table(graded or everything))
    return 0


def choose_seed(requested, previous: dict) -> int:
    """--seed if given; the seed of an interrupted run into the same folder, so
    that rerunning the command finishes it exactly as one run would have;
    otherwise a fresh secret one (63 bits: not worth searching for)."""
    if requested is not None:
        return requested
    if previous.get("finished") is False:
        print("autograder: resuming an interrupted run (same seed)", file=sys.stderr)
        return previous["seed"]
    return secrets.randbits(63)


def _run_worker(job: Job, seed: int, course: Path, limits: dict) -> tuple:
    request = json.dumps({"student": job.student, "assignment": job.assignment,
                          "notebook": str(job.notebook) if job.notebook else None,
                          "problem": job.problem, "seed": seed, "course": str(course), "limits": limits})
    try:
        done = subprocess.run([sys.executable, "-m", "autograder.worker"], input=request,
                              capture_output=True, text=True, timeout=WORKER_TIMEOUT)
        answer = json.loads(done.stdout)
        return answer["result"], answer["internal_errors"]
    except (subprocess.TimeoutExpired, ValueError, KeyError) as exc:
        detail = getattr(exc, "stderr", None) or (done.stderr if "done" in locals() else "")
        return _failed_result(job, seed, course), [f"worker failed: {exc!r}\n{str(detail)[-4000:]}"]


def _failed_result(job: Job, seed: int, course: Path) -> dict:
    """The grader crashed on this job: every exercise `error`, flagged for regrade."""
    from autograder.labs import LABS
    from autograder.notebook import exercise_points
    from autograder.scoring import zero_lab
    assignment = job.assignment if job.assignment in LABS else "unknown"
    points = exercise_points(str(LABS[assignment].source_notebook(course))) if assignment in LABS else {}
    reason = "the grader failed on this submission (not your fault); flagged for regrade"
    exercises, score, max_score = zero_lab(points, "error", reason)
    return {"student": job.student, "assignment": assignment, "score": score, "max_score": max_score,
            "seed": seed, "exercises": exercises, "errors": [reason]}


def _digest(job: Job) -> str:
    if job.notebook is None or not job.notebook.is_file():
        return ""
    with open(job.notebook, "rb") as handle:   # streamed: a submission may be huge
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _up_to_date(out: Path, job: Job, digest: str) -> bool:
    if not digest or not job.assignment:
        return False
    path = report.result_path(out, job.student, job.assignment)
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("submission_sha256") == digest
    except (OSError, ValueError, AttributeError):
        return False


if __name__ == "__main__":
    sys.exit(main())

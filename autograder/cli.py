"""`autograder grade PATH... --out DIR [--jobs N]` and `autograder build`.

Exit codes: 0 when grading ran (whatever the scores), 1 when there was
nothing to grade or the grader could not run, 2 for a wrong command line.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sys
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Callable

from autograder import report
from autograder.config import Limits
from autograder.discover import Job, discover
from autograder.execute import grade_in_worker, run_batch, usable_cores
from autograder.grade import GradeRequest, Graded, grade
from autograder.labs import Course, default_course
from autograder.notebook import NotebookError, read_notebook_bytes
from autograder.progress import progress_display
from autograder.result import Result
from autograder.sandbox import layers
from autograder.shard import in_shard, merge, parse_shard


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade submissions")
    grade.add_argument("paths", nargs="+", metavar="PATH",
                       help="a notebook, or a folder (an nbgrader submitted/<student>/<assignment>/ tree)")
    grade.add_argument("--out", required=True, type=Path, help="folder for results")
    grade.add_argument("--jobs", type=int, default=usable_cores(),
                       help="submissions graded at once (default: the usable cores, here %(default)s)")
    grade.add_argument("--seed", type=int, help="seed of the hidden inputs (default: a fresh secret one; "
                                                "pass a result's seed to reproduce it)")
    grade.add_argument("--course", type=Path, default=None,
                       help="course folder with nbgrader_config.py and source/ (default: this repository)")
    grade.add_argument("--student", default=None, metavar="ID",
                       help="student id of a lone notebook (default: its file stem; nbgrader trees take "
                            "it from the submitted/<student>/ folder)")
    grade.add_argument("--force", action="store_true",
                       help="regrade submissions whose result is already up to date")
    grade.add_argument("--gradebook", nargs="?", const="", default=None, metavar="URL",
                       help="also record every result in nbgrader's gradebook (default URL: the course's "
                            "db_url in nbgrader_config.py) and write nbgrader feedback/; "
                            "without a URL, put it after the PATHs")
    grade.add_argument("--cell-timeout", type=float, default=Limits.cell_timeout,
                       help="seconds a notebook cell may run before it is interrupted (default %(default)g)")
    grade.add_argument("--call-timeout", type=float, default=Limits.call_timeout,
                       help="seconds one call of a student function may take (default %(default)g)")
    grade.add_argument("--format", dest="formats", action="append", default=[], metavar="NAME[,NAME]",
                       help="also write each result for another tool: " + ", ".join(report.FORMATS)
                            + " (repeatable; the JSON, feedback and grades.csv are always written)")
    grade.add_argument("--gradescope-checks", default="", metavar="VISIBILITY",
                       choices=("",) + gradescope_visibilities(),
                       help="with --format gradescope: add every hidden check as a test of its own with this "
                            "Gradescope visibility (" + ", ".join(gradescope_visibilities()) + "; default: none)")
    grade.add_argument("--dask-scheduler", default=None, metavar="ADDRESS",
                       help="run the jobs on this Dask distributed cluster (e.g. tcp://host:8786; "
                            "needs the `dask` extra); results come back here and are written here")
    grade.add_argument("--isolation", default="auto", choices=("auto", "strict", "none"),
                       help="how the students' code is confined: auto (default: the strongest this host allows; "
                            "refuses where nothing can confine it), strict (refuse unless the full jail is "
                            "available) or none (no confinement: only for checking your own notebook)")
    grade.add_argument("--workers", default="warm", choices=("warm", "fresh"),
                       help="warm (default): each job slot keeps a trusted worker that has imported the grader "
                            "and collected the hidden tests once, and grades each submission in a fork of it; "
                            "fresh: a new worker process per submission (slower; the same sandboxed child)")
    grade.add_argument("--shard", default=None, metavar="i/N",
                       help="grade only the i-th of N deterministic parts of the jobs (needs --seed; "
                            "combine the parts with `autograder merge`)")
    check = commands.add_parser("validate", help="check a notebook before submitting it (no hidden tests)")
    check.add_argument("notebook", type=Path, metavar="NOTEBOOK", help="your lab notebook (.ipynb)")
    check.add_argument("--course", type=Path, default=None,
                       help="course folder holding release/ (default: this repository)")
    combine = commands.add_parser("merge", help="combine the results folders of `grade --shard` runs")
    combine.add_argument("out", type=Path, metavar="OUT", help="the combined results folder")
    combine.add_argument("dirs", type=Path, nargs="+", metavar="DIR", help="a shard's results folder")
    build = commands.add_parser("build", help="generate release/ and solutions/ with nbgrader")
    build.add_argument("--check", action="store_true",
                       help="do not write: fail if the committed products differ from a fresh build")
    class_report = commands.add_parser("report", help="HTML pages and a class report of a results folder")
    class_report.add_argument("dir", type=Path, metavar="DIR", help="a results folder (autograder grade --out DIR)")
    class_report.add_argument("--course", type=Path, default=None,
                              help="course folder whose notebooks name the exercises' sections "
                                   "(default: this repository)")
    bundle = commands.add_parser("gradescope-bundle", help="build Gradescope's autograder zip")
    bundle.add_argument("zip", type=Path, metavar="OUT.zip", help="the zip to write")
    bundle.add_argument("--assignment", default="", help="grade every submission as this lab "
                                                         "(default: tell from the notebook)")
    bundle.add_argument("--checks", default="", choices=("",) + gradescope_visibilities(), metavar="VISIBILITY",
                        help="visibility of per-check detail in results.json (default: none)")
    bundle.add_argument("--course", type=Path, default=None, help="course folder (default: this repository)")
    args = parser.parse_args(argv)
    if args.command == "gradescope-bundle":
        from autograder.gradescope_bundle import build_command
        return build_command(args)
    if args.command == "report":
        from autograder.classreport import report_command   # imports matplotlib: only when asked
        return report_command(args.dir, args.course)
    if args.command == "validate":
        from autograder.validate import validate_command
        return validate_command(args.notebook, (args.course or default_course()).resolve())
    if args.command == "merge":
        return merge(args.out, args.dirs)
    if args.command == "build":
        from autograder.build import main as build_main
        return build_main(check=args.check)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.shard is not None:
        if args.seed is None:
            parser.error("--shard needs --seed: every shard of a run must draw the same hidden inputs")
        try:
            args.shard = parse_shard(args.shard)
        except ValueError as exc:
            parser.error(str(exc))
    args.formats = [name.strip() for value in args.formats for name in value.split(",") if name.strip()]
    unknown = [name for name in args.formats if name not in report.FORMATS]
    if unknown:
        parser.error(f"unknown --format {', '.join(unknown)}: choose from {', '.join(report.FORMATS)}")
    if args.gradebook and "://" not in args.gradebook:
        parser.error(f"--gradebook takes a database URL (sqlite:///PATH.db), not {args.gradebook!r}; "
                     "to use the course's gradebook put --gradebook after the PATHs")
    return grade_command(args)


def grade_command(args, executor: Executor = None, grade_fn: Callable = None,
                  progress: Callable = None) -> int:
    """Grade `args.paths` into `args.out`. `executor` runs `grade_fn` on each
    request (default: `--jobs` threads, each with a warm worker that grades
    each submission in a fork of itself, see `pool`; with `--workers fresh` or
    another executor, `grade_in_worker`: a fresh worker process per request);
    `progress(done, total, result, note)` hears of every submission."""
    jobs, warnings = discover(args.paths, getattr(args, "student", None))
    notes = {(job.student, job.assignment): job.note for job in jobs if job.note}
    for warning in warnings:
        print(f"autograder: {warning}", file=sys.stderr)
    if getattr(args, "shard", None):
        jobs = [job for job in jobs if in_shard(job, args.shard)]
    if not jobs and getattr(args, "shard", None):
        print(f"autograder: shard {args.shard[0]}/{args.shard[1]} holds no jobs", file=sys.stderr)
        return 0
    if not jobs:
        print("autograder: nothing to grade", file=sys.stderr)
        return 1
    isolation = getattr(args, "isolation", "auto")
    try:
        chosen = layers.choose(isolation, layers.detect())
    except layers.IsolationRefused as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 1
    layers.protect_self()   # a child with this user's uid cannot read this process's memory
    print(f"autograder: {chosen.describe()}", file=sys.stderr)
    if chosen.mode == "none":
        print(f"autograder: {layers.NONE_WARNING}", file=sys.stderr)
    course = Course.load((args.course or default_course()).resolve())
    args.out.mkdir(parents=True, exist_ok=True)
    seed = choose_seed(args.seed, report.read_run_state(args.out))
    report.write_run_state(args.out, seed, finished=False)
    limits = replace(Limits(), cell_timeout=args.cell_timeout, call_timeout=args.call_timeout, isolation=isolation)
    progress = progress or progress_display()
    graded: list = []
    ran: list = []        # this run's results, graded or up to date
    count = {"done": 0}

    def tick(result: Result, note: str) -> None:
        count["done"] += 1
        ran.append(result)
        progress(count["done"], len(jobs), result, note)

    def requests():
        for job in jobs:
            request = make_request(job, seed, course, limits)
            previous = None if args.force else up_to_date(args.out, job, request.digest)
            if previous is not None:
                tick(previous, "up to date")
                continue
            yield request

    def write(request: GradeRequest, outcome: Graded) -> None:
        note = notes.get((request.student, request.assignment))
        if note and outcome.result.exercises and all(e.status == "not_attempted" for e in outcome.result.exercises):
            print(f"autograder: {request.student} / {request.assignment}: {note}", file=sys.stderr)
            outcome = replace(outcome, result=replace(outcome.result, errors=(note,) + outcome.result.errors))
        report.write_result(args.out, outcome.result, outcome.internal_errors)
        graded.append(outcome.result)
        tick(outcome.result, "graded")

    with ExitStack() as stack:
        if executor is None and getattr(args, "dask_scheduler", None):
            executor, grade_fn = stack.enter_context(dask_executor(args.dask_scheduler)), grade
        elif executor is None:
            executor = stack.enter_context(ThreadPoolExecutor(max_workers=args.jobs))
            if grade_fn is None and getattr(args, "workers", "warm") == "warm":
                from autograder.pool import WarmPool
                grade_fn = stack.enter_context(WarmPool()).grade   # closed once the executor's jobs are done
        grade_fn = grade_fn or grade_in_worker
        run_batch(requests(), executor, grade_fn, write, window=2 * args.jobs)
    everything = report.read_results(args.out)
    report.write_run_files(args.out, everything)
    report.write_format_files(args.out, everything, getattr(args, "formats", []),
                              {"gradescope_checks": getattr(args, "gradescope_checks", "")})
    report.write_run_state(args.out, seed, finished=True)
    print(report.score_table(graded or everything))
    if getattr(args, "gradebook", None) is not None:
        from autograder.gradebook import record_command   # imports nbgrader: only when asked
        return record_command((args.course or default_course()).resolve(), args.gradebook or None, ran)
    return 0


def gradescope_visibilities() -> tuple:
    from autograder.gradescope import VISIBILITIES
    return VISIBILITIES


@contextmanager
def dask_executor(address: str):
    """An executor on the Dask cluster at `address`: each job runs `grade.grade`
    in a worker process there (the request carries the notebook's bytes, so
    workers need no shared filesystem), with the same sandbox as locally."""
    from distributed import Client   # the `dask` extra: only when asked
    with Client(address) as client:
        yield client.get_executor()


def make_request(job: Job, seed: int, course: Course, limits: Limits) -> GradeRequest:
    """A self-contained request: the notebook's bytes are read here, once."""
    notebook, problem = None, job.problem
    if job.notebook is not None and not problem:
        try:
            notebook = read_notebook_bytes(job.notebook)
        except NotebookError as exc:
            problem = str(exc)
    digest = hashlib.sha256(notebook).hexdigest() if notebook is not None else ""
    return GradeRequest(job.student, job.assignment, job.notebook.name if job.notebook else "",
                        notebook, problem, seed, course, limits, digest)


def up_to_date(out: Path, job: Job, digest: str):
    """The result already written for this very notebook, or None."""
    if not digest or not job.assignment:
        return None
    try:
        previous = Result.from_json(json.loads(report.result_path(out, job.student, job.assignment)
                                               .read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None
    return previous if previous.submission_sha256 == digest else None


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


if __name__ == "__main__":
    sys.exit(main())

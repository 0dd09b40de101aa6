"""Results -> nbgrader's gradebook, feedback and autograded folders.

`autograder grade ... --gradebook [URL]` calls `record` after the results are
written. Everything goes through nbgrader's own API and folders, the way its
`autograde` converter (converters/autograde.py) and its `SaveAutoGrades` step
(preprocessors/saveautogrades.py) do it:

- the gradebook must already hold the assignment as `nbgrader
  generate_assignment` records it (grade cells named after the exercises,
  with their points); students and submissions are created or updated;
- each exercise's score becomes its grade cell's `Grade.auto_score`; a
  `manual_score` is never touched, and a grade that has one (or whose
  exercise hit a grader error) is flagged `needs_manual_grade` for review,
  as nbgrader flags a re-autograded cell;
- grade cells the grader does not score (lab 1.4.3's written answers) are left
  alone: nbgrader creates them needing a manual grade, formgrader shows them,
  and `nbgrader export` counts their manual score;
- the submitted notebook, sanitized by nbgrader's own pipeline (no cell is
  run), goes to `autograded/<student>/<assignment>/` for formgrader to show;
- the feedback page goes to `feedback/<student>/<assignment>/<notebook>.html`
  with the submission's timestamp.txt and submission_secret.txt, which is
  what `nbgrader release_feedback` distributes.

Problems (an assignment the gradebook does not know, a student id nbgrader
cannot use as a folder) are returned as sentences that say what to do; they
never stop the other results from being recorded.
"""
from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters.autograde import Autograde
from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader

from autograder.discover import safe_name
from autograder.html import render_html
from autograder.report import atomic_write
from autograder.result import Result

CONFIG_FILE = "nbgrader_config.py"

# nbgrader's own "sanitize" pipeline, the first of the two that `nbgrader
# autograde` runs: clear outputs, deduplicate ids, restore the kernelspec and
# the locked cells from the gradebook, check the metadata. The second
# (executing the notebook in the student's kernel) is what we replace. nbgrader's
# own default, not the course's setting: nbgrader_config.py replaces the latter
# with a step that refuses, so that plain `nbgrader autograde` cannot be run.
SANITIZE = Autograde.class_traits()["sanitize_preprocessors"].default()

# What nbgrader copies beside a feedback page: release_feedback reads both.
FEEDBACK_COMPANIONS = ("timestamp.txt", "submission_secret.txt")

# A score and a grade cell's points are "the same" up to float round-off.
POINTS_TOLERANCE = 1e-6


def course_directory(course: Path) -> CourseDirectory:
    """nbgrader's view of `course`: its nbgrader_config.py loaded by traitlets,
    as nbgrader's apps load it (db_url, course_id, folder names)."""
    config = PyFileConfigLoader(CONFIG_FILE, path=str(course)).load_config()
    coursedir = CourseDirectory(config=config)
    if "root" not in config.get("CourseDirectory", {}):
        coursedir.root = str(course)
    return coursedir


def record(results: list, coursedir: CourseDirectory, db_url: str | None = None) -> list:
    """Record every result in the gradebook at `db_url` (default: the course's),
    write its autograded notebook and feedback page; returns the problems."""
    problems = []
    with Gradebook(db_url or coursedir.db_url, coursedir.course_id) as gradebook:
        for result in results:
            problems += record_one(gradebook, coursedir, result, db_url or coursedir.db_url)
    return problems


def record_one(gradebook: Gradebook, coursedir: CourseDirectory, result: Result, db_url: str) -> list:
    try:
        assignment = gradebook.find_assignment(result.assignment)
    except MissingEntry:
        return [f"{result.student} / {result.assignment}: not in the gradebook; run "
                f"`nbgrader generate_assignment {result.assignment}` in {coursedir.root} first "
                "(it records the assignment's grade cells), then grade again with --gradebook"]
    problems = []
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, result.student, result.assignment))
    gradebook.update_or_create_student(result.student)
    timestamp = coursedir.get_existing_timestamp(str(submitted))
    # nbgrader builds the submission's notebooks and grades before adding it to
    # the session; autoflush mid-way only makes SQLAlchemy warn (its commit flushes).
    with gradebook.db.no_autoflush:
        gradebook.update_or_create_submission(result.assignment, result.student,
                                              **({"timestamp": timestamp} if timestamp else {}))
    exercises = {e.name: e for e in result.exercises}
    known = set()
    for notebook in assignment.notebooks:
        for cell in notebook.grade_cells:
            known.add(cell.name)
            if cell.name in exercises:
                problems += save_auto_grade(gradebook, result, notebook.name, cell, exercises[cell.name])
    unknown = sorted(set(exercises) - known)
    if unknown:
        problems.append(f"{result.student} / {result.assignment}: the gradebook has no grade cell for "
                        f"{', '.join(unknown)}; rerun `nbgrader generate_assignment {result.assignment} "
                        "--force` so it matches source/")
    if safe_name(result.student) != result.student:
        return problems + [f"{result.student!r} / {result.assignment}: recorded in the gradebook, but "
                           "this id cannot be an nbgrader folder name; no feedback or autograded copy"]
    for notebook in assignment.notebooks:
        problems += write_autograded(coursedir, result, notebook.name, submitted, db_url)
        write_feedback(coursedir, result, notebook.name, submitted)
    return problems


def save_auto_grade(gradebook: Gradebook, result: Result, notebook: str, cell, exercise) -> list:
    """One grade cell, as SaveAutoGrades._add_score does it: auto_score only."""
    grade = gradebook.find_grade(cell.name, notebook, result.assignment, result.student)
    grade.auto_score = exercise.score
    grade.needs_manual_grade = grade.manual_score is not None or exercise.status == "error"
    gradebook.db.commit()
    if not math.isclose(exercise.max_score, cell.max_score, abs_tol=POINTS_TOLERANCE):
        return [f"{result.student} / {result.assignment}: {cell.name} is worth {cell.max_score:g} in the "
                f"gradebook but {exercise.max_score:g} in source/; rerun `nbgrader generate_assignment "
                f"{result.assignment} --force`"]
    return []


def write_autograded(coursedir: CourseDirectory, result: Result, notebook: str, submitted: Path,
                     db_url: str) -> list:
    """The submitted notebook through nbgrader's sanitize pipeline into
    autograded/, so formgrader can show it (and its written answers) for
    manual grading. Nothing is executed. Skipped when the notebook is not in
    the course's submitted/ folder (graded from elsewhere)."""
    source = submitted / f"{notebook}.ipynb"
    if not source.is_file():
        return []
    try:
        nb = nbformat.read(source, as_version=nbformat.NO_CONVERT)
        resources = {"nbgrader": {"db_url": db_url, "assignment": result.assignment,
                                  "notebook": notebook, "student": result.student}}
        for step in SANITIZE:
            nb, resources = step(config=coursedir.config).preprocess(nb, resources)
    except Exception as exc:   # a student's notebook that nbgrader itself cannot read
        return [f"{result.student} / {result.assignment}: no autograded copy for formgrader ({exc})"]
    dest = Path(coursedir.format_path(coursedir.autograded_directory, result.student, result.assignment))
    atomic_write(dest / f"{notebook}.ipynb", nbformat.writes(nb))
    copy_companions(submitted, dest)
    return []


def write_feedback(coursedir: CourseDirectory, result: Result, notebook: str, submitted: Path) -> None:
    dest = Path(coursedir.format_path(coursedir.feedback_directory, result.student, result.assignment))
    atomic_write(dest / f"{notebook}.html", render_html(result, Path(coursedir.root)))
    copy_companions(submitted, dest)


def copy_companions(submitted: Path, dest: Path) -> None:
    for name in FEEDBACK_COMPANIONS:
        if (submitted / name).is_file():
            shutil.copyfile(submitted / name, dest / name)


def record_command(course: Path, db_url: str | None, results: list) -> int:
    """`--gradebook` at the end of `autograder grade`: record `results`, print
    what happened on stderr; 0 when every result was recorded, else 1."""
    from sqlalchemy.exc import SQLAlchemyError   # nbgrader's database layer

    coursedir = course_directory(course)
    url = db_url or coursedir.db_url
    try:
        problems = record(results, coursedir, url)
    except SQLAlchemyError as exc:
        print(f"autograder: gradebook: could not use {url}: {exc.__class__.__name__}: {exc.args[0] if exc.args else exc}. "
              "Check the URL (sqlite:///ABSOLUTE/PATH.db) and that its folder exists.", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"autograder: gradebook: {problem}", file=sys.stderr)
    print(f"autograder: gradebook: {len(results)} results sent to {url}, {len(problems)} problems; feedback in "
          f"{coursedir.format_path(coursedir.feedback_directory, '<student>', '<assignment>')}", file=sys.stderr)
    return 1 if problems else 0

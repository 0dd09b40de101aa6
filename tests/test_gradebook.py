"""Results in nbgrader's gradebook (autograder/gradebook.py) and a fresh course folder.

The gradebook is always one that `nbgrader generate_assignment` made, in a copy
of this repository's course folder without .nbgrader/ (as a fresh clone has it),
and it is read back only through nbgrader's own API and `nbgrader export`.
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder import gradebook, report
from autograder.cli import main
from autograder.labs import Course
from autograder.result import ExerciseResult, Result

REPO = Path(__file__).resolve().parents[1]
BACKPROP = "lab-1.4.1-manual-backpropagation"
LANDSCAPE = "lab-1.4.3-loss-landscape-visualization"
# lab 1.4.3's written answers: markdown grade cells that only formgrader scores
MANUAL_CELLS = ("landscape-interpretation-manual", "curvature-optimizers-manual")
MANUAL_GRADE = 1.5            # what the "instructor" gives one of them
# nbgrader shells out to alembic, which lives beside this interpreter.
# Every test but the command-line one needs a gradebook from generate_assignment
# (5 to 15 s on a shared machine).
pytestmark = pytest.mark.slow
ENV = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=ENV,
                          capture_output=True, text=True)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done


def fresh_course(dest: Path, *labs: str) -> Path:
    """nbgrader_config.py and source/ as a fresh clone has them (no .nbgrader/),
    then `nbgrader generate_assignment` for each lab."""
    dest.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", dest)
    shutil.copytree(REPO / "source", dest / "source")
    assert not (dest / ".nbgrader").exists()
    for lab in labs:
        nbgrader(dest, "generate_assignment", lab)
    return dest


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return fresh_course(tmp_path_factory.mktemp("generated") / "course", LANDSCAPE)


@pytest.fixture
def course(generated, tmp_path) -> Path:
    """A private copy of the generated course: each test gets its own gradebook."""
    return Path(shutil.copytree(generated, tmp_path / "course"))


def result_for(course: Path, student: str, fraction: float = 1.0, status: str = "passed",
               feedback: tuple = ()) -> Result:
    """A lab 1.4.3 result scoring `fraction` of every exercise's points."""
    points = Course.load(course).points[LANDSCAPE]
    exercises = tuple(ExerciseResult(name, fraction * p, p, status, feedback) for name, p in points.items())
    return Result(student, LANDSCAPE, seed=7, exercises=exercises)


def grades(course: Path, student: str) -> dict:
    """{grade cell: (auto_score, manual_score, needs_manual_grade, grade id)}, read through nbgrader."""
    with Gradebook(gradebook.course_directory(course).db_url, "module-1.4-math-for-dl") as gb:
        submission = gb.find_submission(LANDSCAPE, student)
        return {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade, g.id)
                for nb in submission.notebooks for g in nb.grades}


def set_manual_grade(course: Path, student: str, cell: str, score: float) -> None:
    """What an instructor does in formgrader, through nbgrader's API."""
    with Gradebook(gradebook.course_directory(course).db_url, "module-1.4-math-for-dl") as gb:
        grade = gb.find_grade(cell, LANDSCAPE, LANDSCAPE, student)
        grade.manual_score = score
        grade.needs_manual_grade = False
        gb.db.commit()


# ## The course folder

def test_generate_assignment_works_in_a_fresh_course_folder(generated):
    """nbgrader_config.py creates .nbgrader/ for the gradebook (the fixture ran nbgrader in a folder without it)."""
    assert (generated / ".nbgrader" / "gradebook.db").is_file()
    assert (generated / "release" / LANDSCAPE / f"{LANDSCAPE}.ipynb").is_file()


def test_the_course_directory_comes_from_nbgrader_config(course):
    coursedir = gradebook.course_directory(course)
    assert coursedir.db_url == "sqlite:///" + str(course / ".nbgrader" / "gradebook.db")
    assert coursedir.course_id == "module-1.4-math-for-dl"
    assert Path(coursedir.root) == course


def test_plain_nbgrader_autograde_refuses_and_says_what_to_run(course):
    shutil.copytree(REPO / "examples" / "submitted" / "complete" / LANDSCAPE, course / "submitted" / "gina" / LANDSCAPE)
    done = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", LANDSCAPE], cwd=course, env=ENV,
                          capture_output=True, text=True)
    assert done.returncode != 0
    assert "autograder grade submitted/ --out results/ --gradebook" in done.stdout + done.stderr


# ## Recording

def test_each_exercise_score_becomes_its_grade_cells_auto_score(course):
    result = result_for(course, "alice", fraction=0.5)
    assert gradebook.record([result], gradebook.course_directory(course)) == []
    recorded = grades(course, "alice")
    for ex in result.exercises:
        auto, manual, needs_review, _ = recorded[ex.name]
        assert (auto, manual, needs_review) == (pytest.approx(ex.score), None, False)
    for cell in MANUAL_CELLS:   # left for formgrader
        assert recorded[cell][:3] == (None, None, True)


def test_a_regrade_updates_in_place_and_keeps_manual_scores(course):
    coursedir = gradebook.course_directory(course)
    gradebook.record([result_for(course, "bob", fraction=0.25)], coursedir)
    set_manual_grade(course, "bob", MANUAL_CELLS[0], MANUAL_GRADE)
    set_manual_grade(course, "bob", "loss_grid", 0.5)    # an instructor's override of an autograded cell
    before = grades(course, "bob")

    gradebook.record([result_for(course, "bob", fraction=1.0)], coursedir)
    after = grades(course, "bob")
    assert {cell: g[3] for cell, g in after.items()} == {cell: g[3] for cell, g in before.items()}
    assert after[MANUAL_CELLS[0]][:3] == (None, MANUAL_GRADE, False)
    assert after["loss_grid"][:3] == (2.0, 0.5, True)     # new auto score, flagged for review
    assert after["filter_normalize"][:3] == (3.0, None, False)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        assert len(gb.find_assignment(LANDSCAPE).submissions) == 1


def test_a_grader_error_is_flagged_for_manual_review(course):
    gradebook.record([result_for(course, "carol", fraction=0.0, status="error")],
                     gradebook.course_directory(course))
    assert all(g[2] for g in grades(course, "carol").values())


def test_an_assignment_the_gradebook_lacks_is_reported_and_the_rest_recorded(course):
    missing = Result("dave", BACKPROP, seed=7)   # generate_assignment was not run for 1.4.1
    problems = gradebook.record([missing, result_for(course, "erin")], gradebook.course_directory(course))
    assert len(problems) == 1 and f"nbgrader generate_assignment {BACKPROP}" in problems[0]
    assert grades(course, "erin")["loss_grid"][0] == 2.0


# ## Feedback

def test_feedback_goes_where_nbgrader_puts_it_with_student_text_escaped(course):
    result = result_for(course, "frank", fraction=0.0, status="failed",
                        feedback=("ValueError: <script>alert(1)</script> & more",))
    submitted = course / "submitted" / "frank" / LANDSCAPE
    submitted.mkdir(parents=True)
    (submitted / "timestamp.txt").write_text("2026-01-05 10:00:00.000000 UTC")
    gradebook.record([result], gradebook.course_directory(course))
    page = course / "feedback" / "frank" / LANDSCAPE / f"{LANDSCAPE}.html"
    html = page.read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert (page.parent / "timestamp.txt").read_text().startswith("2026-01-05")


def test_an_id_that_is_no_folder_name_gets_no_feedback_folder(course):
    problems = gradebook.record([result_for(course, "../eve")], gradebook.course_directory(course))
    assert problems and "no feedback" in problems[0]
    assert not (course / "eve").exists() and not (course / "feedback").exists()


# ## Command line

def test_gradebook_without_a_url_must_not_swallow_a_path(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["grade", "--gradebook", "submitted", "more-submitted", "--out", str(tmp_path)])
    assert stop.value.code == 2
    assert "after the PATHs" in capsys.readouterr().err


@pytest.mark.slow
def test_grade_record_regrade_export(tmp_path):
    """The issue's acceptance test: fresh course folder, generate_assignment,
    `autograder grade --gradebook`, a manual grade, `--force` regrade,
    `nbgrader export` holding both."""
    course = fresh_course(tmp_path / "course", BACKPROP, LANDSCAPE)
    submitted = course / "submitted"
    for student, lab in (("complete", BACKPROP), ("mistakes", BACKPROP), ("complete", LANDSCAPE)):
        shutil.copytree(REPO / "examples" / "submitted" / student / lab, submitted / student / lab)
    # what `nbgrader submit` and `collect` leave beside a notebook; release_feedback needs both
    (submitted / "complete" / LANDSCAPE / "timestamp.txt").write_text("2026-01-05 10:00:00.000000 UTC")
    (submitted / "complete" / LANDSCAPE / "submission_secret.txt").write_text("secret-of-the-submission")
    grade = [sys.executable, "-m", "autograder.cli", "grade", str(submitted), "--out", str(tmp_path / "results"),
             "--jobs", "2", "--seed", "1", "--course", str(course), "--gradebook"]

    first = subprocess.run(grade, env=ENV, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    set_manual_grade(course, "complete", MANUAL_CELLS[0], MANUAL_GRADE)
    again = subprocess.run(grade + ["--force"], env=ENV, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr

    results = {(r.student, r.assignment): r for r in report.read_results(tmp_path / "results")}
    nbgrader(course, "export", "--to", str(tmp_path / "export.csv"))
    with open(tmp_path / "export.csv", newline="") as handle:
        exported = {(row["student_id"], row["assignment"]): row for row in csv.DictReader(handle)}
    for key, result in results.items():
        manual = MANUAL_GRADE if key == ("complete", LANDSCAPE) else 0.0
        assert float(exported[key]["score"]) == pytest.approx(result.score + manual), key
    assert results[("mistakes", BACKPROP)].score < results[("complete", BACKPROP)].score
    assert grades(course, "complete")[MANUAL_CELLS[0]][:3] == (None, MANUAL_GRADE, False)
    # formgrader shows the sanitized submission; release_feedback ships the page
    for student, lab in results:
        assert (course / "autograded" / student / lab / f"{lab}.ipynb").is_file()
        assert (course / "feedback" / student / lab / f"{lab}.html").is_file()
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    nbgrader(course, "release_feedback", LANDSCAPE, f"--Exchange.root={exchange}")
    assert len(list((exchange / "module-1.4-math-for-dl" / "feedback").glob("*.html"))) == 1


def test_a_database_that_cannot_be_opened_says_what_to_check(tmp_path, capsys):
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    url = f"sqlite:///{tmp_path}/no-such-folder/gradebook.db"
    assert gradebook.record_command(tmp_path, url, []) == 1
    assert "Check the URL" in capsys.readouterr().err

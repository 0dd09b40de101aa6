"""PATH arguments -> jobs; results written atomically; grades.csv and the table."""
import json

from autograder import report
from autograder.discover import discover, safe_name
from autograder.result import ExerciseResult, Result

LAB = "lab-1.4.1-manual-backpropagation"


def touch(path, text="{}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_nbgrader_tree_gives_student_and_assignment(tmp_path):
    touch(tmp_path / "submitted" / "alice" / LAB / f"{LAB}.ipynb")
    touch(tmp_path / "submitted" / "bob" / LAB / "renamed.ipynb")
    jobs, warnings = discover([tmp_path / "submitted"])
    assert [(j.student, j.assignment, j.notebook.name) for j in jobs] == [
        ("alice", LAB, f"{LAB}.ipynb"), ("bob", LAB, "renamed.ipynb")]
    assert not warnings


def test_the_same_tree_from_any_level(tmp_path):
    nb = touch(tmp_path / "submitted" / "alice" / LAB / f"{LAB}.ipynb")
    for path in (nb, nb.parent, nb.parent.parent):
        jobs, _ = discover([path])
        assert [(j.student, j.assignment) for j in jobs] == [("alice", LAB)]


def test_lone_notebook_student_is_its_stem(tmp_path):
    jobs, _ = discover([touch(tmp_path / "carol.ipynb")])
    assert (jobs[0].student, jobs[0].assignment) == ("carol", None)


def test_empty_assignment_folder_is_a_job_with_a_problem(tmp_path):
    (tmp_path / "submitted" / "dan" / LAB).mkdir(parents=True)
    jobs, _ = discover([tmp_path / "submitted"])
    assert jobs[0].notebook is None and "no notebook" in jobs[0].problem


def test_missing_path_and_empty_folder_warn(tmp_path):
    (tmp_path / "empty").mkdir()
    jobs, warnings = discover([tmp_path / "nope", tmp_path / "empty"])
    assert not jobs and len(warnings) == 2


def test_safe_names_cannot_escape_the_output_folder():
    for hostile in ("../../etc", "a/b", "..", "", "x\0y", "ünï cødé"):
        name = safe_name(hostile)
        assert name and "/" not in name and not name.startswith(".") and "\0" not in name


def result(student, score):
    return Result(student, LAB, 1, (ExerciseResult("relu", score, 10.0, "partial", ("x",)),))


def test_results_csv_and_table(tmp_path):
    report.write_result(tmp_path, result("bob", 2.5))
    report.write_result(tmp_path, result("../alice", 10.0))
    written = json.loads((tmp_path / safe_name("../alice") / f"{LAB}.json").read_text())
    assert written["student"] == "../alice"
    assert (tmp_path / "bob" / f"{LAB}.feedback.md").read_text().count("2.5 / 10") == 2
    results = report.read_results(tmp_path)
    report.write_run_files(tmp_path, results)
    csv_text = (tmp_path / "grades.csv").read_text()
    assert csv_text.splitlines()[1].startswith("../alice,lab-1.4.1-manual-backpropagation,10,10")
    assert "bob" in report.score_table(results)
    assert not list(tmp_path.rglob("*.tmp"))


def test_corrupt_result_files_are_ignored(tmp_path):
    touch(tmp_path / "eve" / f"{LAB}.json", "{not json")
    assert report.read_results(tmp_path) == []


def test_sanitised_ids_do_not_collide():
    assert safe_name("../alice") != safe_name("_alice") and safe_name("alice") == "alice"


def test_links_are_reported_not_followed(tmp_path):
    target = touch(tmp_path / "elsewhere" / f"{LAB}.ipynb")
    (tmp_path / "submitted" / "mallory" / LAB).mkdir(parents=True)
    (tmp_path / "submitted" / "mallory" / LAB / f"{LAB}.ipynb").symlink_to(target)
    (tmp_path / "submitted" / "trudy").mkdir()
    (tmp_path / "submitted" / "trudy" / LAB).symlink_to(target.parent)
    touch(tmp_path / "submitted" / "alice" / LAB / f"{LAB}.ipynb")
    jobs, _ = discover([tmp_path / "submitted"])
    by_student = {j.student: j for j in jobs}
    assert by_student["alice"].notebook is not None
    for student in ("mallory", "trudy"):
        assert by_student[student].notebook is None and "symbolic link" in by_student[student].problem


def test_a_student_folder_with_nothing_in_it_gets_a_result(tmp_path):
    touch(tmp_path / "submitted" / "alice" / LAB / f"{LAB}.ipynb")
    (tmp_path / "submitted" / "bob").mkdir()
    jobs, _ = discover([tmp_path / "submitted"])
    bob = next(j for j in jobs if j.student == "bob")
    assert bob.assignment is None and "nothing was submitted" in bob.problem
    jobs, _ = discover([tmp_path / "submitted" / "alice"])     # one student: siblings are not reported
    assert [j.student for j in jobs] == ["alice"]


def notebook(*sources):
    """A minimal notebook whose code cells are `sources`."""
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                       "cells": [{"cell_type": "code", "source": s, "metadata": {}, "outputs": [],
                                  "execution_count": None} for s in sources]})


STUB = "def relu(x):\n    raise NotImplementedError()\n"


def test_lone_notebook_takes_the_student_option(tmp_path):
    jobs, _ = discover([touch(tmp_path / "lab.ipynb")], student="carol")
    assert (jobs[0].student, jobs[0].notebook.name) == ("carol", "lab.ipynb")
    nb = touch(tmp_path / "submitted" / "alice" / LAB / f"{LAB}.ipynb")
    jobs, _ = discover([nb], student="carol")          # an nbgrader tree names its own student
    assert jobs[0].student == "alice"


def test_checkpoints_are_never_graded_and_a_lone_checkpoint_is_said(tmp_path):
    folder = tmp_path / "submitted" / "erin" / LAB
    copy = touch(folder / ".ipynb_checkpoints" / f"{LAB}-checkpoint.ipynb")
    jobs, _ = discover([tmp_path / "submitted"])
    assert jobs[0].notebook is None and "checkpoint copy" in jobs[0].problem and "never graded" in jobs[0].problem
    jobs, _ = discover([copy])
    assert jobs[0].notebook is None and "checkpoint" in jobs[0].problem
    lone = tmp_path / "lone"
    touch(lone / ".ipynb_checkpoints" / "work-checkpoint.ipynb")
    jobs, warnings = discover([lone])
    assert not jobs and "checkpoint" in warnings[0]
    touch(folder / f"{LAB}.ipynb")
    jobs, _ = discover([tmp_path / "submitted"])
    assert jobs[0].notebook.name == f"{LAB}.ipynb" and not jobs[0].problem


def test_the_named_notebook_is_graded_with_a_note_when_the_work_is_beside_it(tmp_path):
    folder = tmp_path / "submitted" / "fay" / LAB
    touch(folder / f"{LAB}.ipynb", notebook(STUB, STUB.replace("relu", "sigmoid")))
    touch(folder / "my copy.ipynb", notebook("def relu(x):\n    return x * (x > 0)\n", STUB.replace("relu", "sigmoid")))
    jobs, _ = discover([tmp_path / "submitted"])
    assert jobs[0].notebook.name == f"{LAB}.ipynb"
    assert "my copy.ipynb" in jobs[0].note and "nothing in it is attempted" in jobs[0].note
    touch(folder / "my copy.ipynb", notebook(STUB, STUB.replace("relu", "sigmoid")))   # both untouched: no note
    jobs, _ = discover([tmp_path / "submitted"])
    assert jobs[0].note == ""


def test_csv_and_table_show_pending_manual_points(tmp_path):
    results = [Result("ann", LAB, 1, (ExerciseResult("relu", 1.0, 2.0, "partial", ("x",)),), pending_manual=5.0,
                      notebook=f"{LAB}.ipynb"),
               Result("ben", "lab-1.4.2-optimizer-implementation", 1,
                      (ExerciseResult("sgd_step", 1.0, 1.0, "passed"),))]
    rows = report.grades_csv(results).splitlines()
    header = rows[0].split(",")
    assert header[-2:] == ["pending_manual", "notebook"]
    assert rows[1].split(",")[header.index("pending_manual")] == "5"
    assert rows[2].split(",")[header.index("pending_manual")] == "0"
    table = report.score_table(results)
    assert "1/2*" in table and "1/1*" not in table and "1.4.1 +5" in table


def test_the_cli_says_when_the_graded_notebook_is_untouched_and_work_is_beside_it(tmp_path, capsys):
    """The note reaches the result's errors (first) and the CLI's warnings once grading confirms that
    nothing was attempted (the grading itself is stubbed out: only the wiring is under test)."""
    import argparse
    from concurrent.futures import ThreadPoolExecutor

    from autograder import cli
    from autograder.config import Limits
    from autograder.grade import Graded
    from autograder.result import unscored

    folder = tmp_path / "submitted" / "gus" / LAB
    touch(folder / f"{LAB}.ipynb", notebook(STUB, STUB.replace("relu", "sigmoid")))
    touch(folder / "work.ipynb", notebook("def relu(x):\n    return x\n"))

    def untouched(request):
        points = request.course.points[request.assignment]
        return Graded(unscored(request.student, request.assignment, request.seed, points, "not_attempted",
                               "not attempted"))

    args = argparse.Namespace(paths=[tmp_path / "submitted"], out=tmp_path / "out", jobs=1, seed=7, course=None,
                              force=False, cell_timeout=Limits.cell_timeout, call_timeout=Limits.call_timeout,
                              student=None)
    with ThreadPoolExecutor(1) as pool:
        assert cli.grade_command(args, executor=pool, grade_fn=untouched, progress=lambda *a: None) == 0
    written = json.loads((tmp_path / "out" / "gus" / f"{LAB}.json").read_text())
    assert "work.ipynb beside it has work in it" in written["errors"][0]
    assert "work.ipynb beside it has work in it" in capsys.readouterr().err

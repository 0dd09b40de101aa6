"""Nothing lost: grader bugs are confined to one exercise, an interrupted batch
resumes to the same grades as an uninterrupted one, and concurrent runs on one
output folder do not corrupt each other."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from autograder import report
from autograder.config import Settings
from autograder.grade import run_hidden_tests
from autograder.labs import default_course
from autograder.sandbox.runner import Sandbox
from autograder.scoring import score_lab

COURSE = default_course()
LAB = "lab-1.4.1-manual-backpropagation"

BUGGY_TESTS = '''
import pytest
from autograder.checks.compare import close_scalar, expect

@pytest.mark.exercise("double")
def test_double(student):
    """double(2) is 4"""
    expect(close_scalar(student.double(2.0), 4.0, "double(2)"))

@pytest.mark.exercise("triple")
def test_triple_buggy_grader(student):
    """triple(2) is 6"""
    expect(close_scalar(student.triple(2.0), undefined_name, "triple(2)"))   # a bug in the grader
'''


def test_a_grader_bug_marks_only_its_exercise_error(tmp_path):
    tests = tmp_path / "test_buggy.py"
    tests.write_text(BUGGY_TESTS)
    lab = SimpleNamespace(id="lab-buggy", hidden_tests=tests)
    cells = ["def double(x):\n    return 2 * x\ndef triple(x):\n    return 3 * x"]
    with Sandbox(cells, Settings().limits) as sandbox:
        sandbox.run_notebook()
        plugin = run_hidden_tests(lab, sandbox, 1, Settings())
    double, triple = score_lab({"double": 1.0, "triple": 2.0}, plugin.outcomes)
    assert double.status == "passed" and double.score + triple.score == 1.0
    assert triple.status == "error"
    assert "not your fault, flagged for regrade" in triple.feedback[0]
    assert "undefined_name" not in json.dumps([double.to_json(), triple.to_json()])   # no grader code leaks
    assert "NameError" in plugin.internal_errors[0]                 # the instructor gets the traceback


def submissions(tmp_path, students=("complete", "mistakes", "untouched", "crash-at-import")):
    root = tmp_path / "submitted"
    for student in students:
        shutil.copytree(COURSE / "examples" / "submitted" / student / LAB, root / student / LAB)
    return root


def grade_command(root, out, *extra):
    return [sys.executable, "-m", "autograder", "grade", str(root), "--out", str(out), "--seed", "77", *extra]


def csv_rows(out):
    return (out / "grades.csv").read_text().splitlines()


@pytest.mark.slow
@pytest.mark.xdist_group("end-to-end")
def test_killed_batch_resumes_to_the_same_grades(tmp_path):
    root = submissions(tmp_path)
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    subprocess.run(grade_command(root, whole), check=True, capture_output=True, cwd=COURSE)

    batch = subprocess.Popen(grade_command(root, broken), cwd=COURSE, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(broken.glob("*/*.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(batch.pid, signal.SIGKILL)                        # kill -9 the whole batch mid-run
    batch.wait()
    finished_first = {p: p.stat().st_mtime_ns for p in broken.glob("*/*.json")}
    assert 0 < len(finished_first) < 4
    assert report.read_run_state(broken) == {"seed": 77, "finished": False}

    rerun = subprocess.run(grade_command(root, broken), capture_output=True, text=True, cwd=COURSE)
    assert rerun.returncode == 0, rerun.stderr
    assert "up to date" in rerun.stderr                         # finished results were not redone
    assert all(p.stat().st_mtime_ns == t for p, t in finished_first.items())
    assert csv_rows(broken) == csv_rows(whole)
    assert report.read_run_state(broken)["finished"] is True
    assert not list(broken.rglob("*.tmp"))


@pytest.mark.slow
@pytest.mark.xdist_group("end-to-end")
def test_two_runs_on_one_folder_do_not_corrupt_it(tmp_path):
    root = submissions(tmp_path, ("complete", "untouched"))
    out = tmp_path / "out"
    runs = [subprocess.Popen(grade_command(root, out, "--force"), cwd=COURSE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    assert all(run.wait() == 0 for run in runs)
    results = report.read_results(out)
    assert [(r.student, r.score) for r in results] == [("complete", 43.0), ("untouched", 0.0)]
    assert len(csv_rows(out)) == 3

"""The CLI on the bundled example submissions, as CI and instructors run it:
solutions score full marks, untouched releases score 0 as not attempted,
known mistakes are named, and a crashing or hostile notebook costs only its
own student the points it affects."""
import csv
import json
import subprocess
import sys

import nbformat
import pytest

from autograder.labs import LABS, default_course

COURSE = default_course()
EXAMPLES = COURSE / "examples" / "submitted"
GRADED = [lab for lab in LABS.values() if lab.hidden_tests.is_file() and lab.source_notebook(COURSE).is_file()]
BACKPROP = "lab-1.4.1-manual-backpropagation"
STATUSES = {"passed", "partial", "failed", "not_attempted", "error"}

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("end-to-end")]


def grade(*paths, out, extra=()):
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, paths), "--out", str(out),
                           "--jobs", "2", *extra], capture_output=True, text=True, cwd=COURSE)
    assert done.returncode == 0, done.stderr
    return done


def load(out, student, assignment):
    return json.loads((out / student / f"{assignment}.json").read_text())


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    done = grade(EXAMPLES, out=out, extra=("--seed", "424242"))
    return out, done.stdout


@pytest.mark.parametrize("lab", GRADED, ids=lambda lab: lab.id)
def test_solution_scores_full_marks(examples, lab):
    result = load(examples[0], "complete", lab.id)
    assert result["score"] == result["max_score"] > 0
    assert {e["status"] for e in result["exercises"].values()} == {"passed"}, result["exercises"]


@pytest.mark.parametrize("lab", GRADED, ids=lambda lab: lab.id)
def test_untouched_release_scores_zero_not_attempted(examples, lab):
    result = load(examples[0], "untouched", lab.id)
    assert result["score"] == 0
    for name, exercise in result["exercises"].items():
        assert exercise["status"] == "not_attempted", name
        assert exercise["feedback"] == [f"not attempted: `{name}` still raises NotImplementedError"] or \
            all("could not be checked" in f for f in exercise["feedback"]), exercise["feedback"]


def test_result_files_follow_the_spec(examples):
    out, table = examples
    result = load(out, "complete", BACKPROP)
    assert set(result) >= {"student", "assignment", "score", "max_score", "seed", "exercises", "errors"}
    assert result["seed"] == 424242 and result["student"] == "complete"
    for exercise in result["exercises"].values():
        assert set(exercise) == {"score", "max_score", "status", "feedback", "checks"}   # checks: added by issue 10
        assert exercise["status"] in STATUSES
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert {(r["student"], r["assignment"]) for r in rows} >= {("complete", BACKPROP), ("untouched", BACKPROP)}
    assert (out / "complete" / f"{BACKPROP}.feedback.md").is_file()
    assert "complete" in table and "untouched" in table


def test_known_mistakes_are_named(examples):
    result = load(examples[0], "mistakes", BACKPROP)
    exercises = result["exercises"]
    feedback = {name: " ".join(e["feedback"]).lower() for name, e in exercises.items()}   # names start sentences
    assert "summed over the features instead of the batch" in feedback["linear_backward"]
    assert exercises["linear_backward"]["status"] == "partial"
    assert "softmax overflow" in feedback["softmax"]
    assert "off by the number of elements" in feedback["bce_grad"]
    assert "relu derivative wrong at x == 0" in feedback["relu_backward"]
    assert exercises["train_xor"]["status"] == "not_attempted"
    assert exercises["linear_forward"]["status"] == "passed"
    assert 0 < result["score"] < result["max_score"]


def test_crash_at_import_is_explained_not_fatal(examples):
    result = load(examples[0], "crash-at-import", BACKPROP)
    assert any("ModuleNotFoundError" in e for e in result["errors"])
    assert 0 < result["score"] < result["max_score"]    # `W @ x + b` needs no numpy, `np.tanh` does
    assert result["exercises"]["linear_forward"]["status"] == "passed"
    for exercise in result["exercises"].values():
        if exercise["status"] != "passed":
            assert "NameError: name 'np' is not defined" in " ".join(exercise["feedback"])


def hostile_copy(tmp_path, student, extra_cells):
    nb = nbformat.read(EXAMPLES / "complete" / BACKPROP / f"{BACKPROP}.ipynb", as_version=4)
    nb.cells.extend(nbformat.v4.new_code_cell(source) for source in extra_cells)
    path = tmp_path / "submitted" / student / BACKPROP / f"{BACKPROP}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)


def test_infinite_loops_and_exits_cost_only_the_affected_points(tmp_path):
    hostile_copy(tmp_path, "looper", ["while True:\n    pass",
                                      "def relu(x):\n    while True:\n        pass"])
    hostile_copy(tmp_path, "quitter", ["import os\nos._exit(0)",
                                       "def derivative_sin_x2(x):\n    import os\n    os._exit(0)"])
    hostile_copy(tmp_path, "honest", [])
    out = tmp_path / "out"
    grade(tmp_path / "submitted", out=out, extra=("--cell-timeout", "3", "--call-timeout", "3"))
    honest, looper, quitter = (load(out, s, BACKPROP) for s in ("honest", "looper", "quitter"))
    assert honest["score"] == honest["max_score"]
    for result, broken in ((looper, "relu"), (quitter, "derivative_sin_x2")):
        lost = {n for n, e in result["exercises"].items() if e["status"] != "passed"}
        assert lost == {broken}, result["exercises"]
        assert result["score"] == result["max_score"] - result["exercises"][broken]["max_score"]
    assert any("stopped after 3 s" in e for e in looper["errors"])
    assert any("ended the Python process" in e for e in quitter["errors"])
    assert "did not return within 3 s" in " ".join(looper["exercises"]["relu"]["feedback"])

"""`autograder validate NOTEBOOK`: what a student sees before submitting."""
import subprocess
import sys

import nbformat
import pytest

from autograder.labs import default_course

COURSE = default_course()
LAB = "lab-1.4.1-manual-backpropagation"
EXAMPLES = COURSE / "examples" / "submitted"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("end-to-end")]


def validate(path):
    done = subprocess.run([sys.executable, "-m", "autograder", "validate", str(path)],
                          capture_output=True, text=True, cwd=COURSE)
    return done.returncode, done.stdout


def line_of(output: str, exercise: str) -> str:
    return next(line for line in output.splitlines() if line.split(":")[0].split()[-1:] == [exercise])


def test_a_solved_notebook_passes():
    code, out = validate(EXAMPLES / "complete" / LAB / f"{LAB}.ipynb")
    assert code == 0, out
    assert "FIX" not in out and line_of(out, "mlp_backward").strip().startswith("ok")


def test_the_release_notebook_is_not_attempted_anywhere():
    code, out = validate(COURSE / "release" / LAB / f"{LAB}.ipynb")
    assert code == 1
    assert "not attempted" in line_of(out, "relu") and "not attempted" in line_of(out, "train_xor")


def test_renamed_reshaped_failing_and_shell_escapes_are_each_said(tmp_path):
    nb = nbformat.read(EXAMPLES / "complete" / LAB / f"{LAB}.ipynb", as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "activations-answer":
            cell.source = cell.source.replace("def relu(x):", "def my_relu(x):")
        if grade_id == "mse-answer":
            cell.source = cell.source.replace("def mse_loss(y_pred, y_true):", "def mse_loss(y_true, y_pred):")
            cell.source = cell.source.replace("def mse_grad(y_pred, y_true):",
                                              "def mse_grad(y_pred, y_true):\n    return 0 * y_pred\n\n"
                                              "def _unused(y_pred, y_true):")
    nb.cells.insert(3, nbformat.v4.new_code_cell("!pip install torch\nraise ValueError('oops')"))
    path = tmp_path / f"{LAB}.ipynb"
    nbformat.write(nb, path)
    code, out = validate(path)
    assert code == 1
    assert "did you rename it to `my_relu`" in line_of(out, "relu")
    assert "should take `(y_pred, y_true)`" in line_of(out, "mse_loss")
    assert "visible test" in line_of(out, "mse_grad") and "AssertionError" in line_of(out, "mse_grad")
    assert "ValueError: oops" in out and "`!pip install torch`" in out
    assert line_of(out, "linear_backward").strip().startswith("ok")

"""Gradescope: results.json against a schema of Gradescope's specification,
`--format gradescope`, and the autograder zip run against a temporary
/autograder-like root (also as root without CAP_SYS_ADMIN, as Gradescope runs it)."""
from __future__ import annotations

import io
import json
import math
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from autograder import gradescope
from autograder.gradescope_bundle import build, pinned_requirements
from autograder.notebook import exercise_points
from autograder.result import CheckResult, ExerciseResult, Result

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "gradescope-results.schema.json").read_text())
LAB = "lab-1.4.1-manual-backpropagation"
MISTAKES = ROOT / "examples" / "submitted" / "mistakes" / LAB / f"{LAB}.ipynb"
VENV_BIN = Path(sys.executable).parent
GRADER_FAILED = "the grader failed on this submission"


def load_strict(text: str) -> dict:
    """JSON as Gradescope reads it: NaN and Infinity are refused."""
    def refuse(token):
        raise ValueError(f"{token} is not JSON Gradescope accepts")
    return json.loads(text, parse_constant=refuse)


def check(text: str) -> dict:
    data = load_strict(text)
    jsonschema.validate(data, SCHEMA)
    return data


def sample_result() -> Result:
    hostile = "[click](http://evil.example) <img src=x onerror=alert(1)> `code` **bold**"
    checks = (CheckResult("relu", "relu is 0 below 0", 1.0, "passed"),
              CheckResult("relu", "relu matches the reference", 2.0, "failed", f"raised ValueError: {hostile}",
                          "ReLU derivative wrong at 0: use x > 0", "relu_derivative"))
    return Result("alice", LAB, 7, (
        ExerciseResult("relu", 1.0 / 3.0, 1.0, "partial", (f"Relu matches the reference: {hostile}.",), checks),
        ExerciseResult("sigmoid", 2.0, 2.0, "passed"),
        ExerciseResult("softmax", 0.0, 3.0, "not_attempted", ("Not attempted.",))),
        errors=("cell 3: NameError: name 'np' is not defined",))


# ## The writer

def test_one_test_per_exercise_with_the_lab_total():
    data = check(gradescope.dumps(gradescope.results_json([sample_result()], execution_time=3.6)))
    assert [t["name"] for t in data["tests"]] == ["relu", "sigmoid", "softmax"]
    assert [t["status"] for t in data["tests"]] == ["failed", "passed", "failed"]
    assert data["score"] == sample_result().score
    assert data["execution_time"] == 4
    assert all(t["visibility"] == "visible" and t["output_format"] == "md" for t in data["tests"])
    assert "relu_derivative" in data["tests"][0]["tags"]


def test_check_detail_only_where_the_instructor_asks():
    plain = gradescope.results_json([sample_result()])
    detailed = check(gradescope.dumps(gradescope.results_json([sample_result()], "after_published")))
    extra = detailed["tests"][len(plain["tests"]):]
    assert len(extra) == 2 and all(t["visibility"] == "after_published" for t in extra)
    assert all("score" not in t for t in extra), "detail tests must not change the score"
    assert "ReLU derivative wrong" in extra[1]["output"]
    with pytest.raises(ValueError, match="visibility"):
        gradescope.results_json([sample_result()], "sometimes")


def test_student_text_is_escaped_for_markdown():
    """Rendered by a real markdown parser (mistune, nbconvert's), the student's text makes no markup."""
    import mistune
    output = gradescope.results_json([sample_result()])["tests"][0]["output"]
    html = mistune.html(output)
    for markup in ("<a ", "<img", "<code>", "<strong>bold"):
        assert markup not in html, html
    assert "[click](http://evil.example)" in html and "&lt;img src=x" in html


def test_only_finite_numbers():
    broken = Result("bob", LAB, 1, (ExerciseResult("relu", float("nan"), float("inf"), "error"),))
    data = check(gradescope.dumps(gradescope.results_json([broken])))
    assert all(math.isfinite(t["score"]) and math.isfinite(t["max_score"]) for t in data["tests"])


def test_a_failure_is_still_a_valid_results_json():
    data = check(gradescope.dumps(gradescope.failure_json("no notebook <here>", 1.0)))
    assert data["score"] == 0 and "could not be graded" in data["output"] and r"\<here\>" in data["output"]


def test_the_bundle_pins_every_runtime_dependency():
    pins = dict(line.split("==") for line in pinned_requirements())
    for name in ("numpy", "nbformat", "nbgrader", "pytest", "hypothesis", "jsonschema"):
        assert name in pins, name
    assert "pytest-xdist" not in pins, "test extras stay out of the bundle"


# ## End to end (slow: each grades a notebook)

def run_cli(*args, **kwargs):
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([str(VENV_BIN / "autograder"), *args], env=env, capture_output=True, text=True,
                          **kwargs)


@pytest.mark.slow
def test_grade_format_gradescope_and_classroom(tmp_path):
    out = tmp_path / "out"
    done = run_cli("grade", str(MISTAKES.parent.parent.parent), "--out", str(out), "--jobs", "1", "--seed", "1",
                   "--format", "gradescope", "--format", "github-classroom", "--gradescope-checks", "hidden")
    assert done.returncode == 0, done.stderr
    result = json.loads((out / "mistakes" / f"{LAB}.json").read_text())
    data = check((out / "mistakes" / f"{LAB}.gradescope.json").read_text())
    assert data["score"] == pytest.approx(result["score"])
    assert {t["name"] for t in data["tests"] if "score" in t} == set(result["exercises"])
    assert (out / "mistakes" / f"{LAB}.classroom.b64").is_file()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    build(path, ROOT, assignment=LAB, checks="after_published")
    return path


def gradescope_root(tmp_path: Path, bundle: Path, submission: Path = None) -> Path:
    """A fresh /autograder-like folder: source/ (the unpacked zip), submission/, results/."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):   # zipfile drops the mode bits; Gradescope keeps them
        info = zipfile.ZipFile(bundle).getinfo(name)
        assert (info.external_attr >> 16) & 0o111, f"{name} is not executable in the zip"
        (root / "source" / name).chmod(0o755)
    (root / "submission").mkdir()
    (root / "results").mkdir()
    if submission is not None:
        shutil.copy(submission, root / "submission" / "my-work.ipynb")    # students rename files
    return root


def run_autograder(root: Path, prefix: tuple = ()) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable,
           "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([*prefix, str(root / "source" / "run_autograder")], env=env, cwd=root,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_bundle_layout(bundle):
    names = zipfile.ZipFile(bundle).namelist()
    assert {"setup.sh", "run_autograder", "requirements.txt", "settings.json"} <= set(names)
    assert [n for n in names if n.startswith("wheel/") and n.endswith(".whl")]
    assert f"course/source/{LAB}/{LAB}.ipynb" in names
    wheel_name = next(n for n in names if n.endswith(".whl"))
    wheel = zipfile.ZipFile(io.BytesIO(zipfile.ZipFile(bundle).read(wheel_name)))
    assert "autograder/hidden/test_backprop.py" in wheel.namelist(), "the hidden tests ship in the package"
    assert subprocess.run(["bash", "-n", str(ROOT / "autograder" / "bundle" / "setup.sh")]).returncode == 0


@pytest.mark.slow
def test_run_autograder_grades_the_submission(tmp_path, bundle):
    root = gradescope_root(tmp_path, bundle, MISTAKES)
    done = run_autograder(root)
    assert done.returncode == 0, done.stdout + done.stderr
    data = check((root / "results" / "results.json").read_text())
    graded = [t for t in data["tests"] if "score" in t]
    assert len(graded) == len(exercise_points(ROOT / "source" / LAB / f"{LAB}.ipynb"))
    assert 0 < data["score"] < 43
    assert data["score"] == pytest.approx(sum(t["score"] for t in graded), abs=1e-3)
    assert any(t["visibility"] == "after_published" for t in data["tests"])
    assert not any(GRADER_FAILED in t.get("output", "") for t in data["tests"])


@pytest.mark.slow
def test_run_autograder_without_a_notebook_still_writes_results(tmp_path, bundle):
    root = gradescope_root(tmp_path, bundle)
    (root / "submission" / "answers.txt").write_text("I forgot the notebook")
    assert run_autograder(root).returncode == 0
    data = check((root / "results" / "results.json").read_text())
    assert data["score"] == 0 and "no .ipynb notebook" in data["output"]


@pytest.mark.slow
def test_run_autograder_when_the_grader_cannot_start(tmp_path, bundle):
    root = gradescope_root(tmp_path, bundle, MISTAKES)
    env_python = tmp_path / "no-python"
    done = subprocess.run([str(root / "source" / "run_autograder")], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": str(env_python)})
    assert done.returncode != 0
    data = check((root / "results" / "results.json").read_text())
    assert data["score"] == 0 and "could not be graded" in data["output"]


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv (util-linux) to drop CAP_SYS_ADMIN")
def test_run_autograder_as_root_without_cap_sys_admin(tmp_path, bundle):
    root = gradescope_root(tmp_path, bundle, MISTAKES)
    done = run_autograder(root, prefix=("setpriv", "--inh-caps=-sys_admin", "--bounding-set=-sys_admin"))
    data = check((root / "results" / "results.json").read_text())   # valid whatever happens
    assert done.returncode == 0, done.stdout + done.stderr
    outputs = [t.get("output", "") for t in data["tests"]]
    assert not any(GRADER_FAILED in o for o in outputs), "every exercise errored without CAP_SYS_ADMIN"
    assert 0 < data["score"] < 43

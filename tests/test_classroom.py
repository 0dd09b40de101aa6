"""GitHub Classroom: the reporter's JSON, its whole points, and the workflow
template's own shell steps run locally (only the install step substituted)."""
from __future__ import annotations

import base64
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, strategies as st

from autograder import classroom
from autograder.labs import LABS
from autograder.notebook import exercise_points
from autograder.result import ExerciseResult, Result

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "docs" / "github-classroom" / "classroom.yml"
VENV_BIN = Path(sys.executable).parent
INSTALL_STEP = "Install the grader"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"

# Exercise scores as the scoring gives them: points x a weighted fraction, 4 decimals.
scores = st.lists(st.floats(0, 10, allow_nan=False).map(lambda s: round(s, 4)), max_size=20)


def reporter_points(encoded: str) -> tuple:
    """What the reporter shows as `Points X/Y` for one runner: the sum of the
    tests' scores over max_score (its notify-classroom step)."""
    data = json.loads(base64.b64decode(encoded))
    return sum(t["score"] for t in data["tests"]), data["max_score"], data


# ## Whole points

@given(scores)
def test_whole_points_add_up_to_the_rounded_down_total(values):
    shares = classroom.whole_points(values)
    assert sum(shares) == math.floor(sum(values) + classroom.SLACK)
    assert all(type(s) is int and math.floor(v + classroom.SLACK) <= s <= math.floor(v) + 1
               for s, v in zip(shares, values))


def test_round_off_never_costs_a_point():
    assert classroom.whole_points([0.1] * 10) == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert classroom.whole_points([2.9999999999999996]) == [3]


def test_reporter_json_of_a_partial_result():
    result = Result("alice", "lab-1.4.4-svd-for-lora", 3, (
        ExerciseResult("low_rank_approx", 2.5, 3.0, "partial", ("Wrong factor \x1b[31mred\x1b[0m.",)),
        ExerciseResult("energy_rank", 1.75, 2.0, "partial"),
        ExerciseResult("merge_lora", 2.0, 2.0, "passed")))
    total, max_score, data = reporter_points(classroom.encode(result))
    assert (total, max_score) == (6, 7)                       # 6.25 rounded down
    assert data["version"] == 1 and data["status"] == "fail"
    assert [t["status"] for t in data["tests"]] == ["fail", "fail", "pass"]
    assert "\x1b" not in json.dumps(data) and "2.5/3 points" in data["tests"][0]["message"]


def test_a_lab_that_was_not_graded_is_an_error_worth_nothing(tmp_path):
    result = classroom.step_result("lab-1.4.2-optimizer-implementation", tmp_path, 21.0)
    total, max_score, data = reporter_points(classroom.encode(result))
    assert (total, max_score) == (0, 21) and data["tests"][0]["status"] == "fail"


# ## The workflow template

def load_workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def grading_steps(job: dict) -> list:
    return [s for s in job["steps"] if s.get("env", {}).get("LAB")]


def test_workflow_follows_the_classroom_conventions():
    workflow = load_workflow()
    assert workflow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    assert "push" in workflow["on"]
    (job,) = workflow["jobs"].values()
    steps = grading_steps(job)
    assert [s["env"]["LAB"] for s in steps] == list(LABS), "one step per lab"
    reporter = next(s for s in job["steps"] if s.get("uses") == REPORTER)
    runners = reporter["with"]["runners"].split(",")
    assert runners == [s["id"] for s in steps]
    for runner in runners:        # the reporter reads process.env[`${RUNNER.toUpperCase()}_RESULTS`]
        assert reporter["env"][f"{runner.upper()}_RESULTS"] == f"${{{{ steps.{runner}.outputs.result }}}}"
    assert sum(s.get("name") == INSTALL_STEP for s in job["steps"]) == 1


def test_the_hidden_tests_stay_out_of_the_student_repository():
    """The grader comes from the instructor's private repository, with a secret token."""
    (job,) = load_workflow()["jobs"].values()
    grader = next(s for s in job["steps"] if s.get("with", {}).get("path") == ".grader")
    assert grader["with"]["token"].startswith("${{ secrets.")


def student_repository(tmp_path: Path) -> Path:
    """A student's repository: lab 1.4.1 with known mistakes (partial credit),
    lab 1.4.4 solved, the other labs not submitted."""
    repo = tmp_path / "student-repo"
    for lab, notebook in (("lab-1.4.1-manual-backpropagation",
                           ROOT / "examples" / "submitted" / "mistakes" / "lab-1.4.1-manual-backpropagation"),
                          ("lab-1.4.4-svd-for-lora", ROOT / "solutions" / "lab-1.4.4-svd-for-lora")):
        (repo / lab).mkdir(parents=True)
        shutil.copy(notebook / f"{lab}.ipynb", repo / lab / f"{lab}.ipynb")
    return repo


def run_steps(job: dict, workspace: Path, runner_temp: Path) -> dict:
    """Run the job's `run:` steps as Actions would (bash, the step's env,
    a fresh $GITHUB_OUTPUT each); the install step is replaced by a link to
    this checkout, whose grader is installed already. Returns {step id: outputs}."""
    outputs = {}
    base_env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
                "GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(runner_temp), "CI": "true"}
    for number, step in enumerate(job["steps"]):
        if "run" not in step:
            continue
        script = step["run"]
        if step.get("name") == INSTALL_STEP:
            script = f'ln -s "{ROOT}" .grader'
        output_file = runner_temp / f"output-{number}"
        output_file.touch()
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=workspace,
                              env={**base_env, **step.get("env", {}), "GITHUB_OUTPUT": str(output_file)},
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"step {step.get('name')!r} failed:\n{done.stdout}\n{done.stderr}"
        lines = [line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line]
        outputs[step.get("id", number)] = dict(lines)
    return outputs


@pytest.mark.slow
def test_workflow_steps_produce_reporter_json_whose_points_match(tmp_path):
    (job,) = load_workflow()["jobs"].values()
    workspace, runner_temp = student_repository(tmp_path), tmp_path / "runner-temp"
    runner_temp.mkdir()
    outputs = run_steps(job, workspace, runner_temp)
    for step in grading_steps(job):
        lab = step["env"]["LAB"]
        total, max_score, data = reporter_points(outputs[step["id"]]["result"])
        assert max_score == round(sum(exercise_points(ROOT / "source" / lab / f"{lab}.ipynb").values()))
        graded = list((runner_temp / "autograder").glob(f"*/{lab}.json"))
        if not graded:                        # not in the repository: nothing earned
            assert total == 0 and data["status"] != "pass"
            continue
        result = Result.from_json(json.loads(graded[0].read_text()))
        assert total == math.floor(result.score + classroom.SLACK), lab
        assert len(data["tests"]) == len(result.exercises)
    solved = reporter_points(outputs["lab-1-4-4"]["result"])
    assert solved[0] == solved[1] and solved[2]["status"] == "pass"
    partial = json.loads((next((runner_temp / "autograder").glob("*/lab-1.4.1-manual-backpropagation.json"))
                          ).read_text())
    assert partial["score"] != int(partial["score"]), "the example should exercise fractional credit"

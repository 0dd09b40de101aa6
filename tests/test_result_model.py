"""The result model, its published JSON Schema, and the executor seam.

The suite validates every result the grader writes against the schema (see
tests/conftest.py); here the model and the schema are kept in step, a result
that drifts is caught, and grading through another executor gives the same
grades as the default pool of worker processes."""
import argparse
import json
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import jsonschema
import pytest

from autograder import cli, report
from autograder.config import Limits
from autograder.execute import run_batch
from autograder.grade import CRASHED, GradeRequest, Graded, grade
from autograder.labs import Course, default_course
from autograder.result import CheckResult, ExerciseResult, Result, schema, unscored, validate

COURSE = default_course()
LAB = "lab-1.4.1-manual-backpropagation"
SOLUTION = COURSE / "examples" / "submitted" / "complete" / LAB / f"{LAB}.ipynb"


def sample() -> Result:
    checks = (CheckResult("relu", "relu(x) is max(x, 0)", 2.0, "passed"),
              CheckResult("relu", "relu on a batch", 1.0, "passed", "your `relu` is right, but it calls your "
                          "`linear_forward`, which is wrong (see `linear_forward`)", with_references=("linear_forward",)),
              CheckResult("relu", "relu leaves x unchanged", 1.0, "failed", "relu modified 1 of its input arrays",
                          "mutates its input; copy first", "mutates_input"))
    return Result("alice", LAB, 2 ** 62, (ExerciseResult("relu", 1.3333, 2.0, "partial", ("x.",), checks),
                                          ExerciseResult("relu_backward", 0.0, 1.0, "not_attempted", ("y.",))),
                  ("cell 3: NameError",), 4.0, "ab" * 32, notebook=f"{LAB}.ipynb")


def test_results_round_trip_and_follow_the_schema():
    for result in (sample(), unscored("bob", LAB, 1, {"relu": 2.0}, "failed", "unreadable"),
                   Result("carol", "unknown", 0, errors=("no notebook",))):
        data = json.loads(result.dumps())
        validate(data)
        assert Result.from_json(data) == result


def test_the_schema_names_exactly_what_to_json_writes():
    data, published = sample().to_json(), schema()
    assert set(published["required"]) == set(published["properties"]) == set(data)
    exercise = published["$defs"]["exercise"]
    assert set(exercise["required"]) == set(exercise["properties"]) == set(data["exercises"]["relu"])
    check = published["$defs"]["check"]
    assert set(check["required"]) == set(check["properties"]) == set(data["exercises"]["relu"]["checks"][0])


@pytest.mark.parametrize("corrupt", [
    lambda d: d.update(score=d["score"] + 1),                         # not the sum of the exercises
    lambda d: d["exercises"]["relu"].update(status="great"),
    lambda d: d["exercises"]["relu"]["checks"][0].update(weight="2"),
    lambda d: d.update(seed=1.5),
    lambda d: d.update(errors=[1]),
    lambda d: d.update(exercises=[]),
])
def test_from_json_rejects_what_is_not_a_result(corrupt):
    data = sample().to_json()
    corrupt(data)
    with pytest.raises(ValueError):
        Result.from_json(data)


def test_writing_a_result_that_breaks_the_schema_fails_under_the_test_suite(tmp_path):
    bad = Result("dave", LAB, -1)                                      # a seed must be >= 0
    with pytest.raises(jsonschema.ValidationError):
        report.write_result(tmp_path, bad)
    assert not list(tmp_path.rglob("*.json"))


def request(student: str, notebook: Path = SOLUTION) -> GradeRequest:
    raw = notebook.read_bytes()
    return GradeRequest(student, LAB, notebook.name, raw, "", 7, Course.load(COURSE), Limits(), "")


def test_a_lost_job_or_an_answer_for_someone_else_is_an_error_result_never_a_lost_one():
    class Flaky(ThreadPoolExecutor):
        def submit(self, fn, req):
            if req.student == "lost":
                future = Future()
                future.set_exception(ConnectionError("worker lost"))
                return future
            return super().submit(fn, req)

    def fake_grade(req: GradeRequest) -> Graded:
        return Graded(unscored("someone-else" if req.student == "swapped" else req.student, LAB, req.seed,
                               req.course.points[LAB], "failed", "fake"))

    seen = {}
    with Flaky(2) as pool:
        run_batch((request(s) for s in ("ok", "lost", "swapped")), pool, fake_grade,
                  lambda req, graded: seen.update({req.student: graded}), window=2)
    assert set(seen) == {"ok", "lost", "swapped"}
    assert seen["ok"].result.exercises[0].feedback == ("fake",)
    for student in ("lost", "swapped"):
        result = seen[student].result
        assert result.student == student and {e.status for e in result.exercises} == {"error"}
        assert result.errors == (CRASHED,) and seen[student].internal_errors


@pytest.mark.slow
def test_any_executor_gives_the_grades_of_the_default_pool(tmp_path):
    """The seam: grade.grade run directly on a process pool (as a Dask worker
    would run it) writes the same grades as the default worker processes."""
    submitted = tmp_path / "submitted"
    for student in ("complete", "mistakes"):
        target = submitted / student / LAB / f"{LAB}.ipynb"
        target.parent.mkdir(parents=True)
        target.write_bytes((COURSE / "examples" / "submitted" / student / LAB / f"{LAB}.ipynb").read_bytes())

    def run(out: Path, **seam) -> list:
        args = argparse.Namespace(paths=[submitted], out=out, jobs=2, seed=99, course=None, force=False,
                                  cell_timeout=Limits.cell_timeout, call_timeout=Limits.call_timeout)
        heard = []
        assert cli.grade_command(args, progress=lambda done, total, r, note: heard.append((done, total)),
                                 **seam) == 0
        assert sorted(heard) == [(1, 2), (2, 2)]
        return (out / "grades.csv").read_text().splitlines()

    with ProcessPoolExecutor(2) as pool:
        other = run(tmp_path / "pool", executor=pool, grade_fn=grade)
    assert other == run(tmp_path / "default")
    assert other[1].startswith("complete,lab-1.4.1-manual-backpropagation,43,43")

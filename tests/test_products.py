"""release/ and solutions/ are exactly what nbgrader makes of source/, and the
release leaks no solution code or hidden-test text."""
import json
import subprocess
import sys

import pytest

from autograder.build import LEAK_MARKERS
from autograder.grade import hidden_exercises
from autograder.labs import LABS, default_course
from autograder.notebook import exercise_points

COURSE = default_course()
BUILT = [lab for lab in LABS.values() if lab.source_notebook(COURSE).is_file()]


@pytest.mark.slow
def test_committed_products_match_a_fresh_nbgrader_build():
    done = subprocess.run([sys.executable, "-m", "autograder", "build", "--check"],
                          cwd=COURSE, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("lab", BUILT, ids=lambda lab: lab.id)
def test_release_has_no_solutions_or_hidden_tests(lab):
    text = (COURSE / "release" / lab.id / f"{lab.id}.ipynb").read_text()
    assert not [m for m in LEAK_MARKERS if m in text]


@pytest.mark.parametrize("lab", BUILT, ids=lambda lab: lab.id)
def test_every_exercise_has_a_test_cell_with_points_and_a_hidden_block(lab):
    points = exercise_points(str(lab.source_notebook(COURSE)))
    assert points and all(p > 0 for p in points.values())
    cells = json.loads(lab.source_notebook(COURSE).read_text())["cells"]
    for cell in cells:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade") and cell["cell_type"] == "code":
            assert "### BEGIN HIDDEN TESTS" in "".join(cell["source"]), meta["grade_id"]


@pytest.mark.parametrize("lab", [lab for lab in BUILT if lab.hidden_tests.is_file()], ids=lambda lab: lab.id)
def test_every_exercise_has_hidden_checks_and_every_check_an_exercise(lab):
    collected = hidden_exercises(lab)
    assert set(collected) == set(exercise_points(str(lab.source_notebook(COURSE))))

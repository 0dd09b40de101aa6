"""The source notebooks as a student meets them: every exercise heading shows the
points its test cell carries, every lab asks a manually graded question (its model
answer and rubric only inside the solution block), and every visible assert says
what went wrong."""
import ast
import json
import re

import pytest

from autograder.labs import LABS, default_course
from autograder.notebook import exercise_points, manual_points

COURSE = default_course()
# Lab 1.4.1's headings and questions are another change's; these labs are checked here.
CHECKED = [lab for lab in LABS.values() if lab.source_notebook(COURSE).is_file()]
# "Exercise 3 (1 + 2 points): `f` and `g`" or "Exercise 3: `f(x)` (2 points)"
HEADING = re.compile(r"\(([\d.]+(?: \+ [\d.]+)*) points?\)")


def cells(lab):
    return json.loads(lab.source_notebook(COURSE).read_text())["cells"]


def text(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("lab", CHECKED, ids=lambda lab: lab.id)
def test_every_exercise_heading_shows_the_points_of_its_test_cell(lab):
    points = exercise_points(str(lab.source_notebook(COURSE)))
    shown = {}
    for cell in cells(lab):
        for line in text(cell).splitlines() if cell["cell_type"] == "markdown" else ():
            if not line.startswith("### Exercise"):
                continue
            names = [n for n in re.findall(r"`(\w+)", line) if n in points]
            values = [float(v) for group in HEADING.findall(line) for v in group.split(" + ")]
            assert len(names) == len(values), f"heading without points per exercise: {line!r}"
            shown.update(zip(names, values))
    assert shown == points


@pytest.mark.parametrize("lab", CHECKED, ids=lambda lab: lab.id)
def test_every_lab_has_a_manually_graded_question_with_its_rubric_in_the_solution(lab):
    assert manual_points(str(lab.source_notebook(COURSE))) > 0
    answers = [text(c) for c in cells(lab) if c["cell_type"] == "markdown"
               and c["metadata"].get("nbgrader", {}).get("grade")]
    for answer in answers:
        inside = answer.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
        assert "Model answer" in inside and "Rubric" in inside
    release = (COURSE / "release" / lab.id / f"{lab.id}.ipynb").read_text()
    assert "Model answer" not in release and "Rubric" not in release


@pytest.mark.parametrize("lab", CHECKED, ids=lambda lab: lab.id)
def test_every_visible_assert_carries_a_message(lab):
    bare = []
    for cell in cells(lab):
        meta = cell["metadata"].get("nbgrader", {})
        if cell["cell_type"] != "code" or not meta.get("grade"):
            continue
        visible = text(cell).split("### BEGIN HIDDEN TESTS")[0]
        bare += [f"{meta['grade_id']}: line {node.lineno}" for node in ast.walk(ast.parse(visible))
                 if isinstance(node, ast.Assert) and node.msg is None]
    assert not bare

"""`autograder validate NOTEBOOK`: the student's check before submitting.

Runs the notebook as grading does (the same sandbox, every cell top to
bottom, errors allowed) but no hidden test, then says per exercise whether
its function is defined with the signature of the release notebook, whether
it is attempted (no longer the NotImplementedError stub), and whether its
visible tests passed; and, for the notebook, which other cells raised and
which shell escapes grading will not run. Needs only the release notebooks
(the course folder's `release/`), never the hidden tests.

Exit code 1 when something will certainly lose points (a function missing,
renamed, with other parameters or not attempted; a visible test failing),
else 0.
"""
from __future__ import annotations

import ast
import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from IPython.core.inputtransformer2 import TransformerManager

from autograder.config import Limits
from autograder.labs import LABS, Course
from autograder.notebook import NotebookError, parse_submission, raises_not_implemented, read_notebook_bytes
from autograder.sandbox.runner import ChildFailure, Sandbox

# Lines IPython would hand to a shell or a package manager: grading runs none.
SHELL_ESCAPE = re.compile(r"^\s*(!|%(pip|conda|mamba|system|sx)\b|%%(bash|sh|script|system)\b)")


@dataclass
class Exercise:
    name: str
    problems: list = field(default_factory=list)    # certain losses of points
    notes: list = field(default_factory=list)       # worth a look


def validate(notebook: Path, course_folder: Path, limits: Limits = Limits()) -> tuple:
    """(lines of the report, exit code)."""
    try:
        submission = parse_submission(read_notebook_bytes(notebook))
    except NotebookError as exc:
        return [f"{notebook}: {exc}"], 1
    course = Course.load(course_folder)
    lab_id = course.detect_assignment(notebook.name, submission.grade_ids)
    if lab_id not in LABS or lab_id not in course.points:
        return [f"{notebook}: could not tell which lab this is: keep the name of the release notebook"], 1
    expected = signatures(release_cells(course_folder, lab_id))
    found = signatures(submission.cells)
    try:
        with Sandbox(submission.cells, limits, submission.labels) as sandbox:
            execution = sandbox.run_notebook()
    except ChildFailure as failure:
        return [f"{notebook}: the sandbox could not run this notebook ({failure.reason}): "
                "ask your instructor; grading would fail the same way"], 1
    exercises = {name: Exercise(name) for name in course.points[lab_id]}
    other_cells = []
    for issue in execution.issues:
        where = submission.labels[issue.cell] if isinstance(issue.cell, int) else "the notebook"
        test_of = submission.cell_ids[issue.cell] if isinstance(issue.cell, int) else None
        if test_of in exercises:
            exercises[test_of].problems.append(f"its visible test ({where}) failed: {issue.message}")
        else:
            other_cells.append(f"{where}: {issue.message}")
    not_exercises = sorted(set(found) - set(exercises))   # a rename hint never names another exercise
    for exercise in exercises.values():
        check_definition(exercise, expected.get(exercise.name), found.get(exercise.name), not_exercises)
    return report_lines(notebook, lab_id, exercises, other_cells, shell_escapes(submission)), \
        int(any(e.problems for e in exercises.values()))


def check_definition(exercise: Exercise, want, got, candidates: list) -> None:
    if got is None:
        hint = difflib.get_close_matches(exercise.name, candidates, n=1)
        exercise.problems.insert(0, f"`{exercise.name}` is not defined" +
                                 (f" (did you rename it to `{hint[0]}`?)" if hint else ""))
        return
    parameters, stub = got
    if want is not None and parameters != want[0]:
        exercise.problems.insert(0, f"`{exercise.name}({parameters})` should take `({want[0]})`")
    if stub:
        exercise.problems.insert(0, "not attempted: it still raises NotImplementedError")


def signatures(cells: list) -> dict:
    """{function: (its parameters as written, still the stub?)} of the last
    top-level definition of each name in these cells."""
    found = {}
    transform = TransformerManager().transform_cell   # magics and escapes -> Python, as IPython runs them
    for source in cells:
        try:
            tree = ast.parse(transform(source))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                found[node.name] = (ast.unparse(node.args), raises_not_implemented(node))
    return found


def release_cells(course_folder: Path, lab_id: str) -> list:
    """The code cells of the lab's release notebook (the stubs the student got)."""
    path = course_folder / "release" / lab_id / f"{lab_id}.ipynb"
    return parse_submission(path.read_bytes()).cells if path.is_file() else []


def shell_escapes(submission) -> list:
    return [f"{label}: `{line.strip()[:80]}`" for label, source in zip(submission.labels, submission.cells)
            for line in source.splitlines() if SHELL_ESCAPE.match(line)]


def report_lines(notebook: Path, lab_id: str, exercises: dict, other_cells: list, escapes: list) -> list:
    lines = [f"{notebook.name}: {lab_id}"]
    for exercise in exercises.values():
        if exercise.problems:
            lines.append(f"  FIX  {exercise.name}: " + "; ".join(exercise.problems))
        else:
            lines.append(f"  ok   {exercise.name}: defined, attempted, visible tests pass")
    if other_cells:
        lines.append("Other cells that raised (later cells may depend on them):")
        lines += [f"  {c}" for c in other_cells]
    if escapes:
        lines.append("Shell commands that grading will not run (install nothing from the notebook):")
        lines += [f"  {e}" for e in escapes]
    certain = sum(bool(e.problems) for e in exercises.values())
    lines.append(f"{certain} of {len(exercises)} exercises will lose points as they are." if certain
                 else "Every exercise is defined, attempted and passes its visible tests "
                      "(the hidden tests check more).")
    return lines


def validate_command(notebook: Path, course_folder: Path) -> int:
    lines, code = validate(notebook, course_folder)
    print("\n".join(lines))
    sys.stdout.flush()
    return code

"""How a submission is made: the trimmed solution, where it goes, its hostile cells.

A hostile cell is written either as a function whose body is the cell (`cell`),
real Python that the test process never calls, or, where it must name a host
path or port as a Python expression, as a template string. Every cell goes
through `fill` before it reaches the notebook.
"""
from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path
from typing import Callable

import nbformat

from tests.adversarial.schema import BACKPROP, COURSE

EXAMPLES = COURSE / "examples" / "submitted"
SOLUTION = EXAMPLES / "complete" / BACKPROP / f"{BACKPROP}.ipynb"


def solution(trim: bool = True, visible_tests: bool = True):
    """The complete solution; `trim` drops the demo-only cells (plots: ~1.7 s a
    run), `visible_tests=False` also the visible test cells (~0.4 s)."""
    nb = nbformat.read(SOLUTION, as_version=4)
    if trim:
        nb.cells = [c for c in nb.cells if not grade_id(c).startswith("demo-")
                    and (visible_tests or not c.metadata.get("nbgrader", {}).get("grade"))]
    return nb


def grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def cell_of(nb, wanted: str):
    return next(c for c in nb.cells if grade_id(c) == wanted)


def write_notebook(nb, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def submission_path(submitted: Path, student: str) -> Path:
    return submitted / student / BACKPROP / f"{BACKPROP}.ipynb"


def cell(body: Callable) -> str:
    """The cell that is `body`'s body after its docstring, dedented: it runs as
    the notebook's top-level code, beside the solution's names (`np`, ...)."""
    source = textwrap.dedent(inspect.getsource(body))
    statements = ast.parse(source).body[0].body
    if not (isinstance(statements[0], ast.Expr) and isinstance(statements[0].value, ast.Constant)
            and isinstance(statements[0].value.value, str)):
        raise ValueError(f"{body.__name__}: a cell function starts with its docstring, then the cell")
    return textwrap.dedent("".join(source.splitlines(keepends=True)[statements[0].end_lineno:]))


def fill(source: str, context: dict) -> str:
    """Hostile cells name the host's paths, port and markers through @TOKENS@:
    the attacker is handed everything about the grader's machine but its data."""
    for token, value in context.items():
        source = source.replace(f"@{token}@", value)
    return source

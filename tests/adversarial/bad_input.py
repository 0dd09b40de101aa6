"""The bad-input bank: damaged, mislabelled or oddly named notebooks and
folders. Each must get a clear message in its own result and a defined score.

A case's `build(submitted, student, root)` writes its submission, under
`submitted/` or elsewhere in `root`, and returns any extra PATH arguments for
the CLI.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import nbformat

from tests.adversarial.notebooks import EXAMPLES, SOLUTION, cell_of, solution, submission_path, write_notebook
from tests.adversarial.schema import BACKPROP, COURSE, POINTS, Case

OPTIMIZERS = "lab-1.4.2-optimizer-implementation"


def _edited(*edits: Callable, visible_tests: bool = True) -> Callable:
    """A bad input that is the trimmed solution with each `edit(nb)` applied."""
    def build(submitted: Path, student: str, root: Path) -> list:
        nb = solution(visible_tests=visible_tests)
        for edit in edits:
            edit(nb)
        write_notebook(nb, submission_path(submitted, student))
        return []
    return build


def _raw(data: Callable) -> Callable:
    """A bad input whose notebook file holds `data()` bytes."""
    def build(submitted: Path, student: str, root: Path) -> list:
        path = submission_path(submitted, student)
        path.parent.mkdir(parents=True)
        path.write_bytes(data())
        return []
    return build


def _replace_in(wanted: str, old: str, new: str) -> Callable:
    def edit(nb):
        cell = cell_of(nb, wanted)
        assert old in cell.source
        cell.source = cell.source.replace(old, new)
    return edit


def _drop(wanted: str) -> Callable:
    def edit(nb):
        nb.cells.remove(cell_of(nb, wanted))
    return edit


def _retype(wanted: str) -> Callable:
    def edit(nb):
        index = nb.cells.index(cell_of(nb, wanted))
        old = nb.cells[index]
        nb.cells[index] = nbformat.v4.new_markdown_cell(old.source, metadata=old.metadata)
    return edit


def _duplicate(nb):
    copies = []
    for cell in nb.cells:
        make = nbformat.v4.new_code_cell if cell.cell_type == "code" else nbformat.v4.new_markdown_cell
        copies += [cell, make(cell.source, metadata=cell.metadata)]     # a fresh cell id
    nb.cells = copies


def _reverse(nb):
    nb.cells = nb.cells[::-1]


def _v3() -> bytes:
    return nbformat.writes(nbformat.convert(solution(visible_tests=False), 3), version=3).encode()


def _non_utf8() -> bytes:
    data = nbformat.writes(solution()).encode()
    where = data.index(b"Lab 1.4.1")
    return data[:where] + b"\xff\xfe Lab \xe9" + data[where:]


def _wrong_lab(submitted: Path, student: str, root: Path) -> list:
    path = submission_path(submitted, student)
    path.parent.mkdir(parents=True)
    path.write_bytes((EXAMPLES / "complete" / OPTIMIZERS / f"{OPTIMIZERS}.ipynb").read_bytes())
    return []


def _huge(submitted: Path, student: str, root: Path) -> list:
    """200 MiB that cost no disk: a notebook's first bytes, then a sparse hole."""
    path = submission_path(submitted, student)
    path.parent.mkdir(parents=True)
    with open(path, "wb") as handle:
        handle.write(nbformat.writes(solution()).encode()[:1000])
        handle.truncate(200 << 20)
    return []


def _empty_assignment(submitted: Path, student: str, root: Path) -> list:
    (submitted / student / BACKPROP).mkdir(parents=True)
    return []




def _two_notebooks(submitted: Path, student: str, root: Path) -> list:
    folder = submitted / student / BACKPROP
    for name in ("draft.ipynb", "final.ipynb"):
        write_notebook(solution(), folder / name)
    return []


def _markdown_only(nb):
    nb.cells = [c for c in nb.cells if c.cell_type == "markdown"]


def _symlink_to_solution(submitted: Path, student: str, root: Path) -> list:
    path = submission_path(submitted, student)
    path.parent.mkdir(parents=True)
    path.symlink_to(COURSE / "solutions" / BACKPROP / f"{BACKPROP}.ipynb")
    return []


def _odd_folder(name: str) -> Callable:
    def build(submitted: Path, student: str, root: Path) -> list:
        write_notebook(solution(visible_tests=False), submission_path(submitted, name))
        return []
    return build


def _lone_notebook(submitted: Path, student: str, root: Path) -> list:
    """Not in a submitted/ tree: its own PATH argument, its stem the student id."""
    return [write_notebook(solution(), root / "lone" / "a%2Fb.ipynb")]      # its test cells name the lab


NOT_DEFINED = "is not defined in your notebook"

CASES = [
    Case("truncated-json", build=_raw(lambda: SOLUTION.read_bytes()[:len(SOLUTION.read_bytes()) * 2 // 5]),
         everything_lost="not a readable Jupyter notebook"),
    Case("not-json", build=_raw(lambda: b"{ this is not JSON, \"cells\": [ "),
         everything_lost="not a readable Jupyter notebook"),
    Case("json-but-not-a-notebook", build=_raw(lambda: json.dumps({"cells": "nope", "nbformat": 4,
                                                                      "nbformat_minor": 5}).encode()),
         everything_lost="not a readable Jupyter notebook"),
    Case("non-utf8-bytes", build=_raw(_non_utf8), everything_lost="not UTF-8 text"),
    Case("200-mb-notebook", build=_huge, everything_lost="over the 50 MiB limit"),
    Case("markdown-only", build=_edited(_markdown_only), everything_lost="the notebook has no code cells"),
    Case("empty-assignment-folder", build=_empty_assignment,
         everything_lost="no notebook was submitted for this assignment"),
    Case("two-notebooks", build=_two_notebooks,
         everything_lost="2 notebooks were submitted and none is named"),
    Case("nbformat-v3", build=_raw(_v3)),
    Case("duplicated-cells", build=_edited(_duplicate, visible_tests=False)),
    # Reversed, the imports run last: every function still works at grading time
    # but train_xor, whose helper's cell failed on `np` before defining it.
    Case("reordered-cells", build=_edited(_reverse), lost={"train_xor": 0.0},
         feedback={"train_xor": "NameError: name 'init_mlp' is not defined"},
         errors=("NameError: name 'np' is not defined",)),
    Case("deleted-and-retyped-cells", build=_edited(_drop("mse-answer"), _retype("softmax-answer")),
         lost={"mse_loss": 0.0, "mse_grad": 0.0, "softmax": 0.0},
         feedback={"mse_loss": f"`mse_loss` {NOT_DEFINED}", "mse_grad": f"`mse_grad` {NOT_DEFINED}",
                   "softmax": f"`softmax` {NOT_DEFINED}"},
         errors=("NameError: name 'mse_loss' is not defined", "NameError: name 'softmax' is not defined")),
    Case("renamed-and-missing-functions",
         build=_edited(_replace_in("mse-answer", "def mse_grad(", "def mse_gradient("),
                       _replace_in("activations-answer", "def relu(x):", "def _unused(x):")),
         lost={"mse_grad": 0.0, "relu": 0.0},
         feedback={"mse_grad": "Did you rename it to `mse_gradient`?", "relu": f"`relu` {NOT_DEFINED}"}),
    Case("syntax-error", build=_edited(_replace_in("bce-answer", "def bce_grad(p, y_true):",
                                                   "def bce_grad(p, y_true:")),
         lost={"bce_loss": 0.0, "bce_grad": 0.0}, errors=("SyntaxError",),   # train_xor keeps its points:
         feedback={"bce_grad": f"`bce_grad` {NOT_DEFINED}",                   # a mistake costs once (issue 12)
                   "train_xor": "is right, but it calls your `bce_loss`, which is not defined in your notebook"}),
    Case("wrong-assignment-folder", build=_wrong_lab, lost=dict.fromkeys(POINTS, 0.0),
         feedback={"relu": f"`relu` {NOT_DEFINED}"}, errors=(f"looks like {OPTIMIZERS}",)),
    Case("symlink-to-the-solutions", build=_symlink_to_solution, everything_lost="symbolic link"),
    Case("folder-with-space", build=_odd_folder("bob smith"), student="bob smith"),
    Case("folder-non-ascii", build=_odd_folder("ünï"), student="ünï"),
    Case("folder-leading-dots", build=_odd_folder("..weird"), student="..weird"),
    Case("lone-notebook-escaped-separator", build=_lone_notebook, student="a%2Fb"),
]

# Graded beside the cases, with a check of its own (test_batch.py).
EMPTY_STUDENT = "empty-student-folder"      # a student folder with nothing in it


def empty_student(submitted: Path, student: str, root: Path) -> list:
    (submitted / student).mkdir(parents=True)
    return []

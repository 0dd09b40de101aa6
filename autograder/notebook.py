"""Read notebooks with nbformat: a student's submission (untrusted) and the
instructor's source notebook (where the exercises' points live)."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

# jsonschema's optional IRI format checker imports rfc3987_syntax, which builds
# a grammar for ~1 s at import in every worker; the notebook schema uses no IRI
# format, so nbformat validates the same without it (jsonschema skips checkers
# whose module is missing).
sys.modules.setdefault("rfc3987_syntax", None)
import nbformat  # noqa: E402

# A lab notebook is well under 1 MiB; one with large plot outputs a few MiB.
# Anything past this is not a submission worth parsing (and could exhaust memory).
MAX_NOTEBOOK_BYTES = 50 * (1 << 20)


class NotebookError(Exception):
    """The submission cannot be graded at all; the message is for the student."""


@dataclass
class Submission:
    cells: list                     # code cell sources, in notebook order
    labels: list                    # "cell 7": each code cell's place in the notebook
    grade_ids: set = field(default_factory=set)
    problems: list = field(default_factory=list)   # student-facing notes (validation)
    cell_ids: list = field(default_factory=list)   # each code cell's nbgrader grade_id, or None


def read_notebook_bytes(path) -> bytes:
    """The submission's bytes, refusing a file too large to be a notebook
    before reading it; NotebookError with a clear reason."""
    try:
        size = os.path.getsize(path)
        if size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(too_large(size))
        with open(path, "rb") as handle:
            return handle.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as exc:
        raise NotebookError(f"the notebook could not be opened ({exc.strerror})") from None


def too_large(size: int) -> str:
    return (f"the notebook is {size / (1 << 20):.0f} MiB, over the "
            f"{MAX_NOTEBOOK_BYTES >> 20} MiB limit: clear large outputs and resubmit")


def parse_submission(raw: bytes) -> Submission:
    """Parse a submitted notebook's bytes; raise NotebookError with a clear reason."""
    if len(raw) > MAX_NOTEBOOK_BYTES:
        raise NotebookError(too_large(len(raw)))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"the notebook is not UTF-8 text (byte {exc.start}): "
                            "save it again from Jupyter") from None
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:   # nbformat raises JSON, validation and conversion errors alike
        raise NotebookError(f"the file is not a readable Jupyter notebook ({type(exc).__name__}): "
                            "it may be truncated or edited by hand; download it again from Jupyter") from None
    problems = []
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        problems.append(f"the notebook does not fully follow the notebook format "
                        f"({str(exc).splitlines()[0][:120]}); graded what could be read")
    cells, labels, grade_ids, cell_ids = [], [], set(), []
    for position, cell in enumerate(nb.get("cells", []), start=1):
        if not isinstance(cell, dict):
            continue
        grade_id = (cell.get("metadata") or {}).get("nbgrader", {}).get("grade_id")
        if isinstance(grade_id, str):
            grade_ids.add(grade_id)
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if isinstance(source, str):
            cells.append(source)
            labels.append(f"cell {position}")
            cell_ids.append(grade_id if isinstance(grade_id, str) else None)
    if not cells:
        raise NotebookError("the notebook has no code cells")
    return Submission(cells, labels, grade_ids, problems, cell_ids)


def exercise_points(source_notebook: str) -> dict:
    """{grade_id: points} of the autograded test cells, in notebook order."""
    nb = nbformat.read(source_notebook, as_version=4)
    points = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            points[meta["grade_id"]] = float(meta.get("points", 0))
    return points


def manual_points(source_notebook: str) -> float:
    """Points of manually graded answers (markdown answers with grade: true)."""
    nb = nbformat.read(source_notebook, as_version=4)
    return float(sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in nb.cells
                     if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")))

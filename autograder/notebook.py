"""Read notebooks with nbformat: a student's submission (untrusted) and the
instructor's source notebook (where the exercises' points live)."""
from __future__ import annotations

import ast
import functools
import os
import re
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


# Lines the grading shell does not run: shell escapes and the magics that run
# a shell (installing packages, shell scripts). Other magics run as in Jupyter.
SHELL_ESCAPE = re.compile(r"^\s*(!|%(pip|conda|mamba|system|sx|sc)\b|%%(bash|sh|script|system)\b)")
HEADING = re.compile(r"^\s*(#{1,6})\s+(.+?)\s*#*\s*$")
LABEL_TEXT = 48                     # characters of a first line or heading quoted in a cell's name


@dataclass
class Submission:
    cells: list                     # code cell sources, in notebook order
    labels: list                    # each code cell named as JupyterLab shows it (see `cell_label`)
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
    heading = ""
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict):
            continue
        metadata = cell.get("metadata")
        nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        if isinstance(grade_id, str):
            grade_ids.add(grade_id)
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            continue
        if cell.get("cell_type") == "markdown":
            heading = last_heading(source) or heading
        if cell.get("cell_type") != "code":
            continue
        cells.append(source)
        labels.append(cell_label(source, cell.get("execution_count"), heading))
        cell_ids.append(grade_id if isinstance(grade_id, str) else None)
    if not cells:
        raise NotebookError("the notebook has no code cells")
    escapes = shell_escapes(cells, labels)
    if escapes:
        problems.append(NOT_RUN + "; ".join(escapes))
    return Submission(cells, labels, grade_ids, problems, cell_ids)


NOT_RUN = ("not run while grading (shell commands and package installs; the grader has the "
           "course's packages, so install nothing from the notebook): ")


def _quote(text: str, limit: int = LABEL_TEXT) -> str:
    text = " ".join(text.replace("`", "'").split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def last_heading(markdown: str) -> str:
    """The last heading of a markdown cell (without its #s), or ""."""
    found = ""
    for line in markdown.splitlines():
        match = HEADING.match(line)
        if match:
            found = match.group(2).strip("*_ ")
    return found


def cell_label(source: str, execution_count, heading: str) -> str:
    """A code cell named the way JupyterLab shows it: its execution count when
    it was run ("cell [12]"), otherwise its first line; with the nearest
    markdown heading above it ("cell [12] under “The linear layer”")."""
    under = f" under “{_quote(heading.replace('`', ''), 64)}”" if heading else ""
    if type(execution_count) is int and execution_count > 0:
        return f"cell [{execution_count}]{under}"
    first = next((line for line in source.splitlines() if line.strip()), "")
    return f"the cell `{_quote(first)}`{under}" if first else f"an empty cell{under}"


def shell_escapes(cells: list, labels: list) -> list:
    """"cell [3]: `!pip install torch`" for every line the grading shell does not run."""
    return [f"{label}: `{_quote(line.strip())}`" for label, source in zip(labels, cells)
            for line in source.splitlines() if SHELL_ESCAPE.match(line)]


def defined_functions(cells: list) -> dict:
    """{name: raises NotImplementedError} of the functions the cells define at
    top level (the last definition wins, as when the notebook runs top to bottom)."""
    functions, _ = _top_level(tuple(cells))
    return {name: raises_not_implemented(node) for name, node in functions.items()}


def raises_not_implemented(function) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name) and target.id == "NotImplementedError":
                return True
    return False


def names_used(source: str) -> set:
    """Every identifier a cell mentions (a cell that cannot be parsed: its words)."""
    try:
        return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    except (SyntaxError, ValueError):
        return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source))


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


def _parsed(source: str):
    if source.lstrip().startswith("%%"):
        return None
    lines = ["" if re.match(r"^\s*[!%]", line) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return None


@functools.lru_cache(maxsize=4)
def _top_level(cells: tuple) -> tuple:
    """({function name: its last def}, {module-level name: [values assigned]})
    of the cells' top level, parsed once per notebook (the hidden tests ask
    about the same cells once per check). Callers only read the trees."""
    functions, values = {}, {}
    for source in cells:
        tree = _parsed(source)
        for node in tree.body if tree is not None else ():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions[node.name] = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        values.setdefault(target.id, []).append(node.value)
    return functions, values


def stubs_used_by(cells: list, name: str) -> list:
    """The functions `name` uses, directly or through other functions and
    module-level names (a dispatch dict of step functions), whose last
    definition still raises NotImplementedError; [] when `name` raises it
    itself or is not defined. Static: what running it would reach."""
    functions, values = _top_level(tuple(cells))
    if name not in functions or raises_not_implemented(functions[name]):
        return []
    seen, todo, stubs = {name}, [functions[name]], []
    while todo:
        for node in ast.walk(todo.pop()):
            if not isinstance(node, ast.Name) or node.id in seen:
                continue
            seen.add(node.id)
            if node.id in functions:
                if raises_not_implemented(functions[node.id]):
                    stubs.append(node.id)
                else:
                    todo.append(functions[node.id])
            todo.extend(values.get(node.id, ()))
    return sorted(stubs)

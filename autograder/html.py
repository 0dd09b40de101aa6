"""A `Result` -> one self-contained HTML feedback page for the student.

The page shows the total and a score bar per exercise, every hidden check
that ran (passed or failed, with its message), the known mistake and its
advice when one was recognised, and where in the notebook the exercise lives.
JupyterLab has no stable URL for a cell, so "where" is the heading of the
course notebook's section holding the exercise's test cell (whose grade_id is
the exercise's name), read from the source notebook when the page is written.

Templates are Jinja2 files in autograder/templates/, autoescaped: every piece
of student-controlled text (names, messages quoting the student's code) is
escaped. Styles are inline, and nothing is fetched: the page opens offline.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import jinja2
import markupsafe
import nbformat

from autograder.feedback import points, sentence
from autograder.labs import LABS, default_course
from autograder.result import Result

# Status -> what the student reads; the page's colours follow the same keys.
STATUS_LABELS = {"passed": "passed", "partial": "partial credit", "failed": "failed",
                 "not_attempted": "not attempted", "error": "grader error: flagged for regrade"}

# A notebook-problem list longer than this starts folded (a notebook whose
# import failed lists one NameError per later cell, which would bury the scores).
PROBLEMS_SHOWN_OPEN = 5

# `code` in a message: backticks around text with no backtick or line break.
CODE_SPAN = re.compile(r"`([^`\n]+)`")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The template environment (templates are package files, autoescape always on)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("autograder", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["code"] = code_spans
    env.filters["points"] = points
    env.filters["sentence"] = sentence
    env.filters["short_lab"] = short_lab
    return env


def short_lab(assignment: str) -> str:
    """"lab-1.4.1-manual-backpropagation" -> "1.4.1" (as in the CLI's score table)."""
    return assignment.split("-")[1] if assignment.count("-") >= 2 else assignment


def code_spans(text: str) -> markupsafe.Markup:
    """Escape `text`, then show its `backticked` spans as <code>. Escaping comes
    first, so nothing in the text can become markup."""
    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(CODE_SPAN.sub(r"<code>\1</code>", escaped))


def render_html(result: Result, course: Path | None = None) -> str:
    """The student's feedback page. `course` is the course folder whose source
    notebooks name the exercises' sections (default: this repository's)."""
    lab = LABS.get(result.assignment)
    where = {}
    if lab is not None:
        where = exercise_sections(lab.source_notebook(course or default_course()))
    exercises = [exercise_view(ex, *where.get(ex.name, ("", "")), said=set(result.errors))
                 for ex in result.exercises]
    return environment().get_template("feedback.html.j2").render(
        title=f"Feedback: {result.assignment}", result=result, exercises=exercises,
        total_percent=percent(result.score, result.max_score),
        problems_open=len(result.errors) <= PROBLEMS_SHOWN_OPEN)


def exercise_view(ex, part: str, heading: str, said: set = frozenset()) -> dict:
    """What the template shows of one ExerciseResult; `heading` is the nearest
    heading above its test cell, `part` the one above that ("" when none);
    notes already `said` in the notebook section are not repeated."""
    return {"name": ex.name, "anchor": anchor(ex.name), "heading": heading,
            "section": " > ".join(h for h in (part, heading) if h),
            "score": ex.score, "max_score": ex.max_score, "percent": percent(ex.score, ex.max_score),
            "status": ex.status, "status_label": STATUS_LABELS[ex.status],
            "checks": once_per_mistake([check_view(c) for c in ex.checks]),
            # checks say it all when there are any; an unscored exercise has only its reason
            "notes": [f for f in ex.feedback if f not in said] if not ex.checks else []}


def check_view(check) -> dict:
    name, _, advice = check.mistake.partition("; ")   # plugin.py writes "name; advice"
    return {"check": check.check, "status": check.status, "message": check.message,
            "mistake_name": name, "mistake_advice": advice}


def once_per_mistake(views: list) -> list:
    """A known mistake is shown under the first check that met it, not under every one."""
    seen = set()
    for view in views:
        if view["mistake_name"] in seen:
            view["mistake_name"] = view["mistake_advice"] = ""
        seen.add(view["mistake_name"])
    return views


def percent(score: float, max_score: float) -> float:
    """Share of the points, 0 to 100, for a bar's width (an exercise worth 0 is full)."""
    return 100.0 if max_score <= 0 else max(0.0, min(100.0, 100.0 * score / max_score))


def anchor(name: str) -> str:
    """An HTML id for an exercise (grade_ids are identifiers; anything else is dropped)."""
    return "ex-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def exercise_sections(source_notebook: Path) -> dict:
    """{grade_id: (part, heading)} for the autograded test cells of a course
    notebook; {} when there is none. Cached until the notebook changes."""
    try:
        stamp = source_notebook.stat().st_mtime_ns
    except OSError:
        return {}
    return dict(_sections(str(source_notebook), stamp))


@functools.lru_cache(maxsize=len(LABS))
def _sections(path: str, stamp: int) -> tuple:
    """The nearest heading above each graded cell and the one above it
    ("Part 2. The linear layer", "Exercise 4: ..."), "" where there is none."""
    nb = nbformat.read(path, as_version=4)
    headings: dict = {}          # level -> text of the latest heading at that level
    found = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                match = HEADING.match(line)
                if match:
                    level = len(match.group(1))
                    headings = {k: v for k, v in headings.items() if k < level}
                    headings[level] = match.group(2)
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and meta.get("grade_id"):
            levels = sorted(k for k in headings if k > 1)   # level 1 is the lab's title
            part, heading = ([""] + [headings[k] for k in levels])[-2:]
            found.append((meta["grade_id"], (part, heading)))
    return tuple(found)

"""Check results -> the sentences a student reads. No hidden inputs or expected values:
only what was checked, what was wrong (with the size of the error) and, when a
known mistake is recognised, its name and what to do instead.

Rules of the text (issue 12): identifiers keep their case; a known mistake is
stated once per exercise, a notebook-level problem once (in the notebook
section, not under every exercise); follow-on errors (NameErrors after a cell
stopped, NotImplementedError from unfinished stubs) are one line naming the
cause; every partly passed exercise lists which checks passed and which failed.
"""
from __future__ import annotations

import re

from autograder.escape import escape_md   # student text: one line of literal markdown
from autograder.notebook import defined_functions, names_used

# Words that start a check's or a message's text but are code, not English: a
# sentence never capitalises them (nor any word holding _ or a digit, nor one
# followed by "(", nor an exercise's name).
CODE_WORDS = frozenset("""eps lr np x y z p q w b dw db dx dy dz mu sigma theta alpha beta gamma lam
    logits params grads cache rng seed axis keepdims dtype ndarray float int tuple dict
    none true false nan inf sigmoid softmax relu tanh optimize df exp log sqrt abs max min""".split())
NAME_ERROR = re.compile(r"NameError: name '([A-Za-z_][A-Za-z0-9_]*)' is not defined")
LISTED = 3          # cells named in a collapsed line before "and N more"


def sentence(text: str, names=()) -> str:
    """Ending with a full stop; the first letter capitalised only when the first
    word is plain English (identifiers keep their case: `dL_db`, `relu`, `mse_grad`)."""
    text = text.strip()
    if not text:
        return text
    match = re.match(r"([A-Za-z]+)(.?)", text)
    if match and match.group(1).islower() and match.group(2) in (" ", ",", ":", ";", "") \
            and len(match.group(1)) > 1 and match.group(1).lower() not in CODE_WORDS \
            and match.group(1) not in names:
        text = text[:1].upper() + text[1:]
    return text.rstrip(".") + "."


def exercise_feedback(name: str, status: str, checks: tuple, exercises=()) -> list:
    """The lines under one exercise. `exercises` are the lab's exercise names
    (never capitalised, whatever starts a line)."""
    names = set(exercises) | {name}
    if status == "not_attempted":
        blocked = _unique(c.message for c in checks if c.message.startswith("could not be checked"))
        return blocked or [not_attempted(name)]
    passed = [c.check for c in checks if c.status == "passed"]
    lines = []
    if passed and len(passed) < len(checks):    # partial credit: which checks earned it
        lines.append(f"Passed {len(passed)} of {len(checks)} checks: " + "; ".join(passed) + ".")
    groups: dict = {}
    for check in checks:            # checks that failed the same way: one line
        if check.status != "passed":
            groups.setdefault(check.message or f"\0{check.check}", []).append(check)
    stated = set()
    for message, group in groups.items():
        if message.startswith("\0"):
            line = "Failed: " + sentence(group[0].check, names)
        elif len(group) == 1:
            line = "Failed: " + sentence(f"{group[0].check}: {message}", names)
        elif len(group) == len(checks):
            line = f"Every check ({len(group)}) failed this way: " + sentence(message, names)
        else:
            line = (f"Failed {len(group)} checks ({'; '.join(c.check for c in group)}) the same way: "
                    + sentence(message, names))
        for check in group:         # a known mistake once per exercise, where it first shows
            key = check.mistake_key or check.mistake
            if check.mistake and key not in stated:
                stated.add(key)
                line += f" Known mistake: {sentence(check.mistake, names)}"
        if line not in lines:
            lines.append(line)
    # checks credited on the grader's references of a wrong exercise it calls (autograder/dependencies.py)
    lines += [sentence(m, names) for m in _unique(c.message for c in checks if c.status == "passed"
                                                   and c.with_references)]
    return lines


def not_attempted(name: str) -> str:
    return f"not attempted: `{name}` still raises NotImplementedError"


def _unique(items) -> list:
    seen: list = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _cells(labels: list, cells: list) -> str:
    shown = [labels[c] for c in cells[:LISTED]]
    more = len(cells) - LISTED
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def notebook_problems(issues: list, cells: list, labels: list) -> list:
    """The notebook section's lines from the run's cell issues (`CellIssue`s:
    `.cell` an index into `cells`, `.message`). Follow-on errors collapse:
    NameErrors of one name into one line naming the cell that stopped before
    defining it, NotImplementedErrors into one line naming the unfinished
    exercises they ran."""
    lines: list = []                # str, or a ("name", x) / ("stub",) placeholder
    missing: dict = {}              # name -> cells whose NameError it is
    stubbed: list = []              # cells stopped by NotImplementedError
    stopped: list = []              # cells that failed for their own reason
    first_error: dict = {}          # name -> the first NameError's message
    for issue in issues:
        cell = issue.cell if isinstance(issue.cell, int) and 0 <= issue.cell < len(labels) else None
        if cell is None:
            lines.append(issue.message)
            continue
        match = NAME_ERROR.match(issue.message)
        if issue.message.startswith("NotImplementedError"):
            if not stubbed:
                lines.append(("stub",))
            stubbed.append(cell)
        elif match:
            if match.group(1) not in missing:
                lines.append(("name", match.group(1)))
                first_error[match.group(1)] = issue.message
            missing.setdefault(match.group(1), []).append(cell)
        else:
            lines.append(f"{labels[cell]}: {issue.message}")
            stopped.append(cell)
    stubs = {n for n, raises in defined_functions(cells).items() if raises}
    cause_of = {}                   # name -> the cell that stopped before defining it
    for name, where in missing.items():
        word = re.compile(rf"\b{re.escape(name)}\b")
        cause = next((c for c in stopped if c < where[0] and word.search(cells[c])), None)
        if cause is not None:
            cause_of[name] = cause
    out = []
    for line in lines:
        if isinstance(line, str):
            out.append(line)
        elif line[0] == "stub":
            used = sorted(stubs & set().union(*(names_used(cells[c]) for c in stubbed))) or sorted(stubs)
            what = (", ".join(f"`{n}`" for n in used[:6]) + (" and others" if len(used) > 6 else "")
                    + (", which you have not implemented yet" if len(used) > 1 else ", which is not implemented yet")
                    ) if used else "an exercise that still raises NotImplementedError"
            if len(stubbed) == 1:
                out.append(f"{labels[stubbed[0]]} stopped at NotImplementedError: it runs {what}")
            else:
                out.append(f"{len(stubbed)} cells stopped at NotImplementedError "
                           f"({_cells(labels, stubbed)}): they run {what}")
        else:
            name = line[1]
            where, cause = missing[name], cause_of.get(name)
            listed = f"in {labels[where[0]]}" if len(where) == 1 else f"in {len(where)} cells ({_cells(labels, where)})"
            if cause is not None:
                out.append(f"NameError: name '{name}' is not defined {listed}: a follow-on of the error in "
                           f"{labels[cause]}, which stopped before defining `{name}`")
            elif len(where) == 1:
                out.append(f"{labels[where[0]]}: {first_error[name]}")
            else:
                out.append(f"NameError: name '{name}' is not defined {listed}: define `{name}` in a cell "
                           "above the first of them")
    return out


def points(value: float) -> str:
    """A score for reading: at most two decimals (the JSON keeps the exact value)."""
    return f"{round(value, 2):g}"


def follow_on_exercises(result) -> dict:
    """{exercise: names} of the exercises whose every failed check is a
    NameError of a name the notebook section already explains."""
    explained = set()
    for line in result.errors:
        match = NAME_ERROR.match(line)
        if match and "a follow-on of the error" in line:
            explained.add(match.group(1))
    found = {}
    for ex in result.exercises:
        failed = [c for c in ex.checks if c.status != "passed"]
        names = [m.group(1) for m in (NAME_ERROR.search(c.message) for c in failed) if m]
        if failed and len(names) == len(failed) and set(names) <= explained:
            found[ex.name] = sorted(set(names))
    return found


def render_markdown(result) -> str:
    """The per-student feedback file, from a `Result`."""
    lines = [f"# Feedback: {result.assignment}", "",
             f"Student: {escape_md(result.student)}  "]
    if result.notebook:
        lines.append(f"Notebook graded: {escape_md(result.notebook)}  ")
    lines += [f"Score: **{points(result.score)} / {points(result.max_score)}**", ""]
    if result.pending_manual:
        lines += [f"Manually graded questions pending: {result.pending_manual:g} more points "
                  "after an instructor reviews them.", ""]
    follow_on = follow_on_exercises(result)
    if result.errors:
        lines += ["## Notebook", ""] + [f"- {escape_md(e)}" for e in result.errors]
        if follow_on:
            names = sorted({n for ns in follow_on.values() for n in ns})
            lines.append(f"- {', '.join(f'`{n}`' for n in follow_on)} lost points only to this NameError "
                         f"({', '.join(repr(n) for n in names)} not defined when the hidden tests called them): "
                         "once the cell above runs, they are graded as usual")
        lines.append("")
    lines += ["## Exercises", "", "| exercise | score | status |", "|---|---|---|"]
    for ex in result.exercises:
        lines.append(f"| `{ex.name}` | {points(ex.score)} / {points(ex.max_score)} | {ex.status.replace('_', ' ')} |")
    lines.append("")
    said = set(result.errors)       # a notebook-level problem is said once, above
    untouched = [ex.name for ex in result.exercises if ex.status == "not_attempted"
                 and list(ex.feedback) == [not_attempted(ex.name)]]
    if len(untouched) > 1:          # one line, not one section each
        lines += [f"Not attempted yet (still raising NotImplementedError): "
                  f"{', '.join(f'`{n}`' for n in untouched)}.", ""]
    for ex in result.exercises:
        notes = [f for f in ex.feedback if f not in said]
        if notes and ex.name not in follow_on and not (len(untouched) > 1 and ex.name in untouched):
            lines += [f"### `{ex.name}`", ""] + [f"- {escape_md(f)}" for f in notes] + [""]
    lines.append(f"_Graded with seed {result.seed}; a regrade with this seed draws the same inputs._")
    return "\n".join(lines) + "\n"

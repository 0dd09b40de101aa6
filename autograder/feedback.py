"""Check results -> the sentences a student reads. No hidden inputs or expected values:
only what was checked, what was wrong (with the size of the error) and, when a
known mistake is recognised, its name and what to do instead."""
from __future__ import annotations

from autograder.escape import escape_md   # student text: one line of literal markdown


def exercise_feedback(name: str, status: str, checks: tuple) -> list:
    if status == "not_attempted":
        blocked = sorted({c.message for c in checks if c.message.startswith("could not be checked")})
        return blocked or [f"not attempted: `{name}` still raises NotImplementedError"]
    lines = []
    for check in checks:
        if check.status == "passed":
            if check.with_references and sentence(check.message) not in lines:   # credited: dependencies.py
                lines.append(sentence(check.message))
            continue
        line = sentence(f"{check.check}: {check.message}" if check.message else check.check)
        if check.mistake:
            line += f" Known mistake: {sentence(check.mistake)}"
        if line not in lines:
            lines.append(line)
    return lines


def sentence(text: str) -> str:
    """Capitalised, ending with a full stop."""
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else text


def points(value: float) -> str:
    """A score for reading: at most two decimals (the JSON keeps the exact value)."""
    return f"{round(value, 2):g}"


def render_markdown(result) -> str:
    """The per-student feedback file, from a `Result`."""
    lines = [f"# Feedback: {result.assignment}", "",
             f"Student: {escape_md(result.student)}  ",
             f"Score: **{points(result.score)} / {points(result.max_score)}**", ""]
    if result.pending_manual:
        lines += [f"Manually graded questions pending: {result.pending_manual:g} more points "
                  "after an instructor reviews them.", ""]
    if result.errors:
        lines += ["## Notebook", ""] + [f"- {escape_md(e)}" for e in result.errors] + [""]
    lines += ["## Exercises", "", "| exercise | score | status |", "|---|---|---|"]
    for ex in result.exercises:
        lines.append(f"| `{ex.name}` | {points(ex.score)} / {points(ex.max_score)} | {ex.status.replace('_', ' ')} |")
    lines.append("")
    for ex in result.exercises:
        if ex.feedback:
            lines += [f"### `{ex.name}`", ""] + [f"- {escape_md(f)}" for f in ex.feedback] + [""]
    lines.append(f"_Graded with seed {result.seed}; a regrade with this seed draws the same inputs._")
    return "\n".join(lines) + "\n"

"""The one escaping function for student text written into markdown.

Student-controlled text (exception messages, the student's own line of code,
names from the submission) reaches `feedback.md` and Gradescope's markdown
output. `escape_md` makes it one line of literal text: line breaks become
spaces (a message cannot start a "Score:" line, a heading or a table row of
its own), the characters that could change the page's structure or point
elsewhere are backslash-escaped (table cells, headings, links and images,
HTML), and so is a leading list or quote marker. Emphasis and code spans are
left alone: they cannot leave the line, and escaping them would make every
identifier (`dL_db`, the grader's own `code` spans) unreadable in the raw file
students open. `literal_md` escapes those too, for markdown that is only ever
rendered (Gradescope's output). HTML pages escape with Jinja's autoescape
instead (`html.py`).
"""
from __future__ import annotations

import re

# The characters that start structural or outward-pointing markup: links and
# images ("[", "]"), HTML ("<", ">"), table cells ("|"), headings ("#") and the
# escape character itself. Each is shown literally once escaped.
_STRUCTURE = r"\\\[\]#|<>"
# Inline markup that stays on its line: emphasis, code spans, strikethrough, entities.
_INLINE = r"`*_{}!~&"
# Everything Python's str.splitlines() and markdown renderers treat as a line break.
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
# What makes a line a list item, a quote or a setext heading when it starts one.
_LEADING_MARKER = re.compile(r"^(\s*)([-+=*])")
_LEADING_NUMBER = re.compile(r"^(\s*\d+)([.)])")


def _escape(text, special: str) -> str:
    text = _LINE_BREAKS.sub(" ", str(text))
    text = re.sub(f"([{special}])", r"\\\1", text)
    text = _LEADING_NUMBER.sub(r"\1\\\2", text, count=1)
    return _LEADING_MARKER.sub(r"\1\\\2", text, count=1)


def escape_md(text: str) -> str:
    """Text shown on one line of markdown, with no links, images, HTML,
    headings, table rows or list items of its own."""
    return _escape(text, _STRUCTURE)


def literal_md(text: str) -> str:
    """`escape_md`, with emphasis and code spans shown literally too."""
    return _escape(text, _STRUCTURE + _INLINE)

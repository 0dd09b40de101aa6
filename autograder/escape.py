"""The one escaping function for student text written into markdown.

Student-controlled text (exception messages, the student's own line of code,
names from the submission) reaches `feedback.md` and Gradescope's markdown
output. `escape_md` makes it one line of literal text: line breaks become
spaces (a message cannot start a "Score:" line, a heading or a table row of
its own), every character that starts inline markup is backslash-escaped
(emphasis, code spans, links and images, HTML, table cells, headings,
strikethrough, entities), and so is a leading list or quote marker. HTML pages
escape with Jinja's autoescape instead (`html.py`).
"""
from __future__ import annotations

import re

# The characters that start markdown markup (emphasis, code, links and images,
# HTML, headings, tables, strikethrough, entities); each is shown literally once
# escaped. "(", "." and "-" are left alone inside a line: without "[" or a line
# start they are text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]#!|<>~&])")
# Everything Python's str.splitlines() and markdown renderers treat as a line break.
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
# What makes a line a list item, a quote or a setext heading when it starts one.
_LEADING_MARKER = re.compile(r"^(\s*)([-+=])")
_LEADING_NUMBER = re.compile(r"^(\s*\d+)([.)])")


def escape_md(text: str) -> str:
    """Plain text, shown as itself on one line of markdown (no links, images,
    HTML, code spans, headings, table rows or list items of its own)."""
    text = _LINE_BREAKS.sub(" ", str(text))
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _LEADING_NUMBER.sub(r"\1\\\2", text, count=1)
    return _LEADING_MARKER.sub(r"\1\\\2", text, count=1)

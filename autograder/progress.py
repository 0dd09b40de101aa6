"""Progress of a batch on stderr: a `progress(done, total, result, note)`
callback for `cli.grade_command`.

On a terminal, a tqdm bar (done/total, rate, time left) with the last graded
notebook beside it; results with a grader error (flagged for regrade) are
printed above the bar. Anywhere else (a CI log, a pipe, a file), plain lines:
one per notebook, as before, and every `SUMMARY_EVERY` seconds a summary line
with the same numbers as the bar, so a long log still says how far it got.
"""
from __future__ import annotations

import os
import sys
import time

from tqdm import tqdm

from autograder.feedback import points
from autograder.html import short_lab
from autograder.result import Result

# Seconds between summary lines in a log. A submission takes a few seconds
# per worker, so this is one summary per handful of notebooks, not per line.
SUMMARY_EVERY = 15.0
# What the bar and the summary lines show (tqdm's own fields).
BAR_FORMAT = "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]{postfix}"
SUMMARY_FORMAT = "{n_fmt}/{total_fmt} notebooks ({percentage:.0f}%) [{elapsed} elapsed, {remaining} left, {rate_fmt}]"
UNIT = "nb"


def notebook_line(result: Result, note: str) -> str:
    """The per-notebook line (tests and scripts grep these)."""
    if note == "up to date":
        return f"autograder: {result.student} / {result.assignment}: up to date"
    return f"autograder: {result.student} / {result.assignment}: {points(result.score)}/{points(result.max_score)}"


def flagged(result: Result) -> bool:
    return any(ex.status == "error" for ex in result.exercises)


class TerminalProgress:
    """A tqdm bar, opened when the batch starts (so the rate counts from
    there) and closed at the last notebook."""

    def __init__(self, stream):
        self.stream = stream
        self.bar = tqdm(total=None, file=stream, unit=UNIT, desc="grading",
                        bar_format=BAR_FORMAT, dynamic_ncols=True, leave=True)

    def __call__(self, done: int, total: int, result: Result, note: str) -> None:
        if self.bar is None:
            return
        self.bar.total = total          # known once discovery is done; tqdm reads it at each refresh
        if flagged(result):
            self.bar.write(notebook_line(result, note) + " (grader error: flagged for regrade)",
                           file=self.stream)
        self.bar.set_postfix_str(f"{result.student} / {short_lab(result.assignment)}", refresh=False)
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class LogProgress:
    """Plain lines: one per notebook, and a summary every `every` seconds
    (and at the end). `clock` is injectable so tests need not sleep."""

    def __init__(self, stream, every: float = SUMMARY_EVERY, clock=time.monotonic):
        self.stream, self.every, self.clock = stream, every, clock
        self.start = self.last = clock()    # the batch starts now: rates count from here

    def __call__(self, done: int, total: int, result: Result, note: str) -> None:
        now = self.clock()
        line = notebook_line(result, note)
        if flagged(result):
            line += " (grader error: flagged for regrade)"
        print(line, file=self.stream, flush=True)
        if done >= total or now - self.last >= self.every:
            self.last = now
            print("autograder: " + self.summary(done, total, now - self.start), file=self.stream, flush=True)

    @staticmethod
    def summary(done: int, total: int, elapsed: float) -> str:
        meter = tqdm.format_meter(done, total, elapsed, unit=UNIT, bar_format=SUMMARY_FORMAT)
        return " ".join(meter.split())   # tqdm pads the rate to a fixed width

    def close(self) -> None:
        pass


def progress_display(stream=None):
    """The progress callback that suits `stream` (default stderr): a bar on a
    terminal that has a width, lines elsewhere. Call it when the batch starts."""
    stream = stream or sys.stderr
    return TerminalProgress(stream) if terminal_width(stream) else LogProgress(stream)


def terminal_width(stream) -> int:
    """Columns of the terminal `stream` writes to; 0 when it is not one (or a
    pseudo-terminal nobody sized, where a bar would have no room)."""
    try:
        if not stream.isatty():
            return 0
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0

"""The batch progress display: a tqdm bar on a terminal, plain lines in a log."""
from __future__ import annotations

import argparse
import fcntl
import io
import os
import pty
import struct
import termios
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from autograder import cli
from autograder.config import Limits
from autograder.grade import Graded
from autograder.progress import LogProgress, TerminalProgress, progress_display
from autograder.result import ExerciseResult, Result

COURSE = Path(__file__).resolve().parents[1]
LAB = "lab-1.4.1-manual-backpropagation"


def result(student: str, status: str = "passed") -> Result:
    score = 2.0 if status == "passed" else 0.0
    return Result(student, LAB, seed=1, exercises=(ExerciseResult("relu", score, 2.0, status),))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    """A clock the test moves by hand."""
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def pseudo_terminal(columns: int):
    """The writing end of a pseudo-terminal `columns` wide (0: never sized)."""
    master, slave = pty.openpty()
    if columns:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    return os.fdopen(master, "rb"), os.fdopen(slave, "w")


def test_a_terminal_gets_a_bar_and_a_log_gets_lines():
    master, sized = pseudo_terminal(80)
    unsized = pseudo_terminal(0)
    try:
        assert isinstance(progress_display(sized), TerminalProgress)
        assert isinstance(progress_display(unsized[1]), LogProgress)   # no width: no room for a bar
        assert isinstance(progress_display(io.StringIO()), LogProgress)
    finally:
        for stream in (master, sized, *unsized):
            stream.close()


def test_log_lines_name_each_notebook_and_summarise_periodically():
    stream, clock = io.StringIO(), Clock()
    progress = LogProgress(stream, every=10.0, clock=clock)
    clock.now += 2.0                                   # the first notebook takes time too
    progress(1, 4, result("ann"), "graded")
    clock.now += 2.0
    progress(2, 4, result("bob"), "up to date")
    clock.now += 8.0                                   # 12 s since the batch started
    progress(3, 4, result("cy", "error"), "graded")
    clock.now += 1.0
    progress(4, 4, result("dee"), "graded")
    lines = stream.getvalue().splitlines()
    assert lines[0] == f"autograder: ann / {LAB}: 2/2"
    assert lines[1] == f"autograder: bob / {LAB}: up to date"          # tests/test_robustness.py greps this
    assert lines[2] == f"autograder: cy / {LAB}: 0/2 (grader error: flagged for regrade)"
    assert lines[3].startswith("autograder: 3/4 notebooks (75%) [00:12 elapsed")
    assert lines[4] == f"autograder: dee / {LAB}: 2/2"
    assert lines[5].startswith("autograder: 4/4 notebooks (100%) [00:13 elapsed, 00:00 left")
    assert len(lines) == 6                                # no summary before `every` seconds


def test_the_terminal_bar_counts_to_the_total_and_prints_flagged_results_above_it():
    stream = Terminal()
    progress = TerminalProgress(stream)
    progress(1, 3, result("ann"), "graded")
    progress(2, 3, result("bob", "error"), "graded")
    progress(3, 3, result("cy"), "up to date")
    text = stream.getvalue()
    assert progress.bar is None                          # closed at the last notebook
    final = text.replace("\r", "\n").splitlines()[-1]     # the bar as it was left
    assert "100%" in final and "3/3" in final and "nb" in final
    assert final.rstrip().endswith("cy / 1.4.1")               # the last notebook, beside the bar
    assert f"bob / {LAB}: 0/2 (grader error: flagged for regrade)" in text


def test_grading_without_a_terminal_keeps_the_per_notebook_lines(tmp_path, capsys):
    """cli.grade_command's default progress: in a log, 'up to date' lines on a rerun."""
    notebook = tmp_path / "submitted" / "ann" / LAB / f"{LAB}.ipynb"
    notebook.parent.mkdir(parents=True)
    notebook.write_bytes((COURSE / "release" / LAB / f"{LAB}.ipynb").read_bytes())
    args = argparse.Namespace(paths=[tmp_path / "submitted"], out=tmp_path / "out", jobs=1, seed=5, course=None,
                              force=False, cell_timeout=Limits.cell_timeout, call_timeout=Limits.call_timeout)

    def fake_grade(request):   # an answer for this very request (run_batch refuses any other)
        return Graded(replace(result(request.student), seed=request.seed).with_digest(request.digest))

    for _ in range(2):
        with ThreadPoolExecutor(1) as pool:
            assert cli.grade_command(args, executor=pool, grade_fn=fake_grade) == 0
    err = capsys.readouterr().err.splitlines()
    assert f"autograder: ann / {LAB}: 2/2" in err
    assert f"autograder: ann / {LAB}: up to date" in err
    assert sum(line.startswith("autograder: 1/1 notebooks (100%)") for line in err) == 2

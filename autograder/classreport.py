"""`autograder report DIR`: the class report of a results folder.

From the `Result`s in DIR (and nothing else) it computes, per exercise, the
score distribution, the statuses and the most common known mistakes; per
hidden check, the share of students who pass it; and the students whose
grading hit a grader error (flagged for regrade). It writes

- DIR/report/index.html: those numbers with matplotlib plots embedded as PNG
  (the page opens offline), linking to every student's feedback page;
- DIR/report/exercises.csv, checks.csv, mistakes.csv: the same numbers;
- DIR/<student>/<assignment>.feedback.html for every result, so a folder
  graded before the HTML pages existed gets them too.

`class_stats` is the only place the numbers are computed; the page and the
CSVs only format them.
"""
from __future__ import annotations

import base64
import csv
import io
import math
import statistics
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from matplotlib.figure import Figure

from autograder import report
from autograder.discover import safe_name
from autograder.html import environment, render_html
from autograder.result import EXERCISE_STATUSES, Result

REPORT_DIR = "report"
MISTAKES_SHOWN = 3          # per exercise on the page (the CSV has them all)
HARDEST_CHECKS_SHOWN = 10   # on the page (checks.csv has every check)
TOTAL_BINS = 10             # histogram of lab totals: tenths of the maximum
PLOT_DPI = 100              # 9-inch-wide figures -> 900 px, inside the page's 980 px column
PLOT_WIDTH = 9.0            # inches
ROW_HEIGHT = 0.32           # inches per exercise in the band chart
SCORE_TOLERANCE = 1e-6      # a score this close to the maximum is full marks (scores keep 4 decimals)

# Score bands of one exercise, best first, with the colours of the HTML pages.
BANDS = ("full marks", "half or more", "under half", "zero")
BAND_COLOURS = {"full marks": "#2e7d32", "half or more": "#8bc34a", "under half": "#e0a100", "zero": "#c62828"}


def band(score: float, max_score: float) -> str:
    if max_score <= 0 or math.isclose(score, max_score, abs_tol=SCORE_TOLERANCE):
        return "full marks"
    if score <= SCORE_TOLERANCE:
        return "zero"
    return "half or more" if score >= max_score / 2 else "under half"


@dataclass(frozen=True)
class MistakeCount:
    key: str          # catalogue key (the name when a result has no key)
    name: str         # the mistake's name, without its advice
    results: int      # how many results it was recognised in


@dataclass(frozen=True)
class ExerciseStats:
    assignment: str
    exercise: str
    max_score: float
    scores: tuple                 # one per result holding this exercise
    statuses: dict                # status -> count, every status in EXERCISE_STATUSES
    mistakes: tuple               # MistakeCount, most common first

    @property
    def results(self) -> int:
        return len(self.scores)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.scores) if self.scores else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.scores) if self.scores else 0.0

    @property
    def mean_percent(self) -> float:
        return 100.0 if self.max_score <= 0 else 100.0 * self.mean / self.max_score

    @property
    def bands(self) -> dict:
        counts = Counter(band(s, self.max_score) for s in self.scores)
        return {b: counts.get(b, 0) for b in BANDS}


@dataclass(frozen=True)
class CheckStats:
    """One hidden check across the class. A student passes it when every
    outcome of that check in their result passed; students for whom it
    was not attempted or hit a grader error are left out of the rate."""
    assignment: str
    exercise: str
    check: str
    passed: int
    failed: int

    @property
    def ran(self) -> int:
        return self.passed + self.failed

    @property
    def pass_rate(self) -> float:
        return self.passed / self.ran if self.ran else 1.0


@dataclass(frozen=True)
class Regrade:
    student: str
    assignment: str
    exercises: tuple              # names of the exercises in `error`


@dataclass(frozen=True)
class ClassStats:
    results: tuple                # every Result, by student then assignment
    exercises: tuple              # ExerciseStats, by assignment then notebook order
    checks: tuple                 # CheckStats, same order
    regrade: tuple                # Regrade

    @property
    def assignments(self) -> list:
        return sorted({r.assignment for r in self.results})

    def hardest(self, count: int = HARDEST_CHECKS_SHOWN) -> list:
        """The checks with the lowest pass rate (most failures first among equals)."""
        failing = [c for c in self.checks if c.failed]
        return sorted(failing, key=lambda c: (c.pass_rate, -c.failed))[:count]


def class_stats(results: list) -> ClassStats:
    results = sorted(results, key=lambda r: (r.student, r.assignment))
    exercises, checks = {}, {}       # insertion order = first seen = notebook order
    for r in sorted(results, key=lambda r: r.assignment):
        for ex in r.exercises:
            entry = exercises.setdefault((r.assignment, ex.name),
                                         {"max": ex.max_score, "scores": [], "statuses": Counter(),
                                          "mistakes": Counter(), "names": {}})
            entry["max"] = max(entry["max"], ex.max_score)
            entry["scores"].append(ex.score)
            entry["statuses"][ex.status] += 1
            seen, outcomes = set(), {}
            for c in ex.checks:
                if c.mistake:
                    key = c.mistake_key or c.mistake.partition("; ")[0]
                    entry["names"].setdefault(key, c.mistake.partition("; ")[0])
                    seen.add(key)
                outcomes.setdefault(c.check, []).append(c.status)
            entry["mistakes"].update(seen)          # once per result, however many checks matched
            for check, statuses in outcomes.items():
                counts = checks.setdefault((r.assignment, ex.name, check), Counter())
                if all(s == "passed" for s in statuses):
                    counts["passed"] += 1
                elif "failed" in statuses:
                    counts["failed"] += 1
    return ClassStats(
        results=tuple(results),
        exercises=tuple(
            ExerciseStats(assignment, name, e["max"], tuple(e["scores"]),
                          {s: e["statuses"].get(s, 0) for s in EXERCISE_STATUSES},
                          tuple(MistakeCount(k, e["names"][k], n)
                                for k, n in sorted(e["mistakes"].items(), key=lambda kv: (-kv[1], kv[0]))))
            for (assignment, name), e in exercises.items()),
        checks=tuple(CheckStats(a, ex, check, n["passed"], n["failed"]) for (a, ex, check), n in checks.items()),
        regrade=tuple(Regrade(r.student, r.assignment, tuple(ex.name for ex in r.exercises if ex.status == "error"))
                      for r in results if any(ex.status == "error" for ex in r.exercises)))


# --- CSVs: one row per exercise, per check, per (exercise, mistake) ---

def _csv(header: list, rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _number(value: float) -> str:
    return f"{round(value, 4):g}"


def exercises_csv(stats: ClassStats) -> str:
    return _csv(["assignment", "exercise", "results", "max_score", "mean_score", "median_score", "mean_percent",
                 *(b.replace(" ", "_") for b in BANDS), *EXERCISE_STATUSES, "top_mistake", "top_mistake_results"],
                ([e.assignment, e.exercise, e.results, _number(e.max_score), _number(e.mean), _number(e.median),
                  _number(e.mean_percent), *e.bands.values(), *e.statuses.values(),
                  e.mistakes[0].key if e.mistakes else "", e.mistakes[0].results if e.mistakes else 0]
                 for e in stats.exercises))


def checks_csv(stats: ClassStats) -> str:
    return _csv(["assignment", "exercise", "check", "passed", "failed", "pass_rate"],
                ([c.assignment, c.exercise, c.check, c.passed, c.failed, _number(c.pass_rate)]
                 for c in stats.checks))


def mistakes_csv(stats: ClassStats) -> str:
    return _csv(["assignment", "exercise", "mistake_key", "mistake", "results"],
                ([e.assignment, e.exercise, m.key, m.name, m.results] for e in stats.exercises for m in e.mistakes))


# --- plots: matplotlib Figures (no pyplot, no global state), embedded as PNG ---

def png_data_uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=PLOT_DPI, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def totals_plot(results: list, max_score: float) -> str:
    figure = Figure(figsize=(PLOT_WIDTH, 2.4))
    axes = figure.subplots()
    axes.hist([r.score for r in results], bins=TOTAL_BINS, range=(0, max(max_score, 1e-9)),
              color="#1a5fb4", edgecolor="white")
    axes.set_xlabel(f"total score (out of {max_score:g})")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    return png_data_uri(figure)


def bands_plot(exercises: list) -> str:
    """One horizontal bar per exercise, split into the students of each score band."""
    figure = Figure(figsize=(PLOT_WIDTH, 1.2 + ROW_HEIGHT * len(exercises)))
    axes = figure.subplots()
    names = [e.exercise for e in exercises]
    left = [0] * len(exercises)
    for b in BANDS:
        counts = [e.bands[b] for e in exercises]
        axes.barh(names, counts, left=left, color=BAND_COLOURS[b], label=b, height=0.7)
        left = [x + c for x, c in zip(left, counts)]
    axes.invert_yaxis()                     # notebook order, top to bottom
    axes.set_xlabel("students")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.legend(ncols=len(BANDS), loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, fontsize="small")
    axes.spines[["top", "right"]].set_visible(False)
    return png_data_uri(figure)


# --- the page ---

def feedback_link(student: str, assignment: str) -> str:
    """From DIR/report/index.html to DIR/<student>/<assignment>.feedback.html."""
    return f"../{quote(safe_name(student))}/{quote(assignment)}.feedback.html"


def class_page(stats: ClassStats) -> str:
    labs = []
    for assignment in stats.assignments:
        results = [r for r in stats.results if r.assignment == assignment]
        exercises = [e for e in stats.exercises if e.assignment == assignment]
        max_score = max(r.max_score for r in results)
        labs.append({"assignment": assignment, "results": len(results), "max_score": max_score,
                     "mean": statistics.fmean(r.score for r in results),
                     "totals_plot": totals_plot(results, max_score), "bands_plot": bands_plot(exercises),
                     "exercises": exercises})
    students = sorted({r.student for r in stats.results})
    cells = {(r.student, r.assignment): r for r in stats.results}
    return environment().get_template("class.html.j2").render(
        title="Class report", stats=stats, labs=labs, students=students, cells=cells,
        assignments=stats.assignments, hardest=stats.hardest(), mistakes_shown=MISTAKES_SHOWN,
        bands=BANDS, band_colours=BAND_COLOURS, link=feedback_link)


# DIR/<name> -> ClassStats -> text. Only report.atomic_write writes them.
CLASS_FILES = {
    f"{REPORT_DIR}/index.html": class_page,
    f"{REPORT_DIR}/exercises.csv": exercises_csv,
    f"{REPORT_DIR}/checks.csv": checks_csv,
    f"{REPORT_DIR}/mistakes.csv": mistakes_csv,
}


def report_command(out: Path, course: Path | None = None) -> int:
    """Write the class report and every student's page for the results in `out`."""
    results = report.read_results(out)
    if not results:
        print(f"autograder: no results in {out}: run `autograder grade ... --out {out}` first", file=sys.stderr)
        return 1
    for r in results:
        page = report.result_path(out, r.student, r.assignment).with_suffix(".feedback.html")
        report.atomic_write(page, render_html(r, course.resolve() if course else None))
    stats = class_stats(results)
    for name, render in CLASS_FILES.items():
        report.atomic_write(out / name, render(stats))
    print(f"autograder: class report: {out / REPORT_DIR / 'index.html'}", file=sys.stderr)
    print(f"autograder: {len(results)} feedback pages: {out}/<student>/<assignment>.feedback.html", file=sys.stderr)
    if stats.regrade:
        print(f"autograder: {len(stats.regrade)} result(s) flagged for regrade (see the class report)",
              file=sys.stderr)
    return 0

"""The HTML feedback page, the class report's numbers, CSVs and page, and
`autograder report`; with Chromium installed, both pages load in a real browser."""
from __future__ import annotations

import base64
import csv
import io
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograder import classreport, cli, report
from autograder.classreport import class_stats
from autograder.html import code_spans, exercise_sections, render_html
from autograder.labs import LABS
from autograder.result import CheckResult, ExerciseResult, Result

COURSE = Path(__file__).resolve().parents[1]
LAB = "lab-1.4.1-manual-backpropagation"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
BIAS = "bias gradient summed over the features; sum over axis=1"     # "name; advice", as plugin.py writes it


def check(exercise: str, status: str, text: str = "it works", mistake: str = "", key: str = "") -> CheckResult:
    return CheckResult(exercise, text, 1.0, status, "" if status == "passed" else "wrong", mistake, key)


def exercise(name: str, score: float, max_score: float, status: str, *checks) -> ExerciseResult:
    return ExerciseResult(name, score, max_score, status, (), tuple(checks))


def result(student: str, *exercises, assignment: str = LAB, errors: tuple = ()) -> Result:
    return Result(student, assignment, seed=7, exercises=tuple(exercises), errors=errors)


def class_results() -> list:
    """Three students on lab 1.4.1 (two exercises), one on lab 1.4.2."""
    return [
        result("ann",
               exercise("linear_backward", 4.0, 4.0, "passed", check("linear_backward", "passed", "db"),
                        check("linear_backward", "passed", "dW")),
               exercise("relu", 1.0, 1.0, "passed", check("relu", "passed"))),
        result("bob",
               exercise("linear_backward", 1.0, 4.0, "partial",
                        check("linear_backward", "failed", "db", BIAS, "bias_axis"),
                        check("linear_backward", "failed", "db", BIAS, "bias_axis"),   # one mistake, counted once
                        check("linear_backward", "passed", "dW")),
               exercise("relu", 0.0, 1.0, "not_attempted", check("relu", "not_attempted"))),
        result("cy",
               exercise("linear_backward", 3.0, 4.0, "partial",
                        check("linear_backward", "failed", "db", BIAS, "bias_axis"),
                        check("linear_backward", "passed", "dW")),
               exercise("relu", 0.0, 1.0, "error", check("relu", "error"))),
        result("ann", exercise("sgd_step", 1.0, 1.0, "passed"), assignment="lab-1.4.2-optimizer-implementation"),
    ]


class Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's parser sees them."""
    def __init__(self, text: str):
        super().__init__()
        self.tags = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def external_references(page: str) -> list:
    """src/href values that would need the network (data: URIs and anchors are fine)."""
    refs = [v for _, attrs in Tags(page).tags for k, v in attrs.items() if k in ("src", "href") and v]
    return [r for r in refs if "://" in r or r.startswith("//")]


# --- the student's page ---

def test_the_feedback_page_shows_scores_checks_mistakes_and_where_to_look():
    r = result("ann", exercise("linear_backward", 2.4, 4.0, "partial",
                               check("linear_backward", "passed", "dL_dW matches"),
                               check("linear_backward", "failed", "dL_db sums over the batch", BIAS, "bias_axis")))
    page = render_html(r)
    assert "2.4 / 4" in page and "partial credit" in page
    assert "dL_dW matches" in page and "dL_db sums over the batch" in page
    assert "Known mistake: Bias gradient summed over the features" in page and "Sum over axis=1." in page
    assert "Part 2. The linear layer &gt; Exercise 5" in page                  # the section of its test cell
    assert ("a", {"href": "#ex-linear_backward"}) in Tags(page).tags             # summary row -> its card
    assert any(attrs.get("id") == "ex-linear_backward" for _, attrs in Tags(page).tags)
    assert 'style="width: 60.0%"' in page                                      # the score bar
    assert external_references(page) == []


def test_student_text_is_escaped():
    r = result(HOSTILE, exercise("relu", 0.0, 1.0, "failed",
                                 CheckResult("relu", "relu is max(0, x)", 1.0, "failed", f"`{HOSTILE}` raised")),
               errors=(f"cell 3: {HOSTILE}",))
    page = render_html(r)
    tags = [tag for tag, _ in Tags(page).tags]
    assert "script" not in tags and "img" not in tags
    assert "&lt;script&gt;" in page


def test_backticks_become_code_only_after_escaping():
    assert code_spans("call `f(<b>)` & go") == "call <code>f(&lt;b&gt;)</code> &amp; go"


def test_every_graded_cell_of_every_lab_has_a_section():
    for lab in LABS.values():
        sections = exercise_sections(lab.source_notebook(COURSE))
        assert sections and all(heading for _, heading in sections.values()), lab.id


def test_a_result_of_an_unknown_assignment_still_renders():
    page = render_html(result("ann", exercise("f", 0.0, 0.0, "error"), assignment="unknown"))
    assert "grader error: flagged for regrade" in page


def test_the_html_page_is_written_before_the_json():
    suffixes = list(report.RESULT_FILES)
    assert suffixes.index(".feedback.html") < suffixes.index(".json") == len(suffixes) - 1


def test_templates_are_package_data():
    """A non-editable install ships what the pyproject's package-data pattern names."""
    pattern = "templates/*.html.j2"
    assert pattern in (COURSE / "pyproject.toml").read_text()
    package = COURSE / "autograder"
    assert sorted(p.relative_to(package) for p in (package / "templates").iterdir()) == \
        sorted(p.relative_to(package) for p in package.glob(pattern))


# --- the class report's numbers ---

def test_exercise_numbers():
    stats = class_stats(class_results())
    by_name = {(e.assignment, e.exercise): e for e in stats.exercises}
    lb = by_name[(LAB, "linear_backward")]
    assert lb.scores == (4.0, 1.0, 3.0) and lb.mean == pytest.approx(8 / 3) and lb.median == 3.0
    assert lb.mean_percent == pytest.approx(200 / 3)
    assert lb.bands == {"full marks": 1, "half or more": 1, "under half": 1, "zero": 0}
    assert lb.statuses == {"passed": 1, "partial": 2, "failed": 0, "not_attempted": 0, "error": 0}
    assert [(m.key, m.name, m.results) for m in lb.mistakes] == [
        ("bias_axis", "bias gradient summed over the features", 2)]
    relu = by_name[(LAB, "relu")]
    assert relu.statuses["not_attempted"] == 1 and relu.statuses["error"] == 1
    assert [e.exercise for e in stats.exercises if e.assignment == LAB] == ["linear_backward", "relu"]


def test_check_pass_rates_leave_out_not_attempted_and_errors():
    stats = class_stats(class_results())
    rates = {(c.exercise, c.check): (c.passed, c.failed) for c in stats.checks}
    assert rates[("linear_backward", "db")] == (1, 2)
    assert rates[("linear_backward", "dW")] == (3, 0)
    assert rates[("relu", "it works")] == (1, 0)                   # bob not attempted, cy grader error
    hardest = stats.hardest()
    assert [(c.check, round(c.pass_rate, 3)) for c in hardest] == [("db", 0.333)]   # only checks that fail


def test_grader_errors_are_flagged_for_regrade():
    stats = class_stats(class_results())
    assert [(g.student, g.assignment, g.exercises) for g in stats.regrade] == [("cy", LAB, ("relu",))]


def test_the_csvs_hold_the_same_numbers():
    stats = class_stats(class_results())
    rows = list(csv.DictReader(io.StringIO(classreport.exercises_csv(stats))))
    lb = next(row for row in rows if row["exercise"] == "linear_backward")
    assert (lb["results"], lb["mean_score"], lb["median_score"], lb["full_marks"], lb["partial"]) == \
        ("3", "2.6667", "3", "1", "2")
    assert (lb["top_mistake"], lb["top_mistake_results"]) == ("bias_axis", "2")
    checks = list(csv.DictReader(io.StringIO(classreport.checks_csv(stats))))
    assert {(c["check"], c["pass_rate"]) for c in checks if c["exercise"] == "linear_backward"} == \
        {("db", "0.3333"), ("dW", "1")}
    mistakes = list(csv.DictReader(io.StringIO(classreport.mistakes_csv(stats))))
    assert [(m["exercise"], m["mistake_key"], m["results"]) for m in mistakes] == [("linear_backward", "bias_axis", "2")]


def test_the_class_page_embeds_its_plots_and_links_every_student():
    results = class_results() + [result(HOSTILE, exercise("relu", 0.0, 1.0, "failed"))]
    page = classreport.class_page(class_stats(results))
    images = [attrs["src"] for tag, attrs in Tags(page).tags if tag == "img"]
    assert len(images) == 2 * 2                                       # two plots per lab
    for src in images:
        assert base64.b64decode(src.removeprefix("data:image/png;base64,"))[:8] == b"\x89PNG\r\n\x1a\n"
    links = {attrs["href"] for tag, attrs in Tags(page).tags if tag == "a"}
    assert f"../cy/{LAB}.feedback.html" in links
    assert "script" not in [tag for tag, _ in Tags(page).tags]
    assert "bias gradient summed over the features (2)" in page
    assert external_references(page) == []


def test_report_command_writes_the_pages_and_csvs(tmp_path, capsys):
    for r in class_results():
        report.write_result(tmp_path, r)
    (tmp_path / "cy" / f"{LAB}.feedback.html").unlink()          # a folder graded before the HTML pages
    assert cli.main(["report", str(tmp_path)]) == 0
    for name in ("index.html", "exercises.csv", "checks.csv", "mistakes.csv"):
        assert (tmp_path / "report" / name).stat().st_size > 0
    assert (tmp_path / "cy" / f"{LAB}.feedback.html").is_file()
    err = capsys.readouterr().err
    assert str(tmp_path / "report" / "index.html") in err and "1 result(s) flagged for regrade" in err


def test_report_command_on_a_folder_without_results_says_so(tmp_path, capsys):
    assert cli.main(["report", str(tmp_path)]) == 1
    assert "no results" in capsys.readouterr().err


# --- in a real browser ---

def chromium(*args, timeout: float = 120) -> subprocess.CompletedProcess:
    """Headless Chromium; its own sandbox cannot start as root (CI, containers)."""
    sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []
    return subprocess.run([CHROMIUM, "--headless", *sandbox, "--disable-gpu", "--hide-scrollbars", *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium; "
                                              "the Makefile's test target installs it as root)")
def test_the_pages_load_in_headless_chromium(tmp_path):
    for r in class_results():
        report.write_result(tmp_path, r)
    assert cli.main(["report", str(tmp_path)]) == 0
    student = tmp_path / "bob" / f"{LAB}.feedback.html"
    dom = chromium("--dump-dom", student.as_uri()).stdout
    assert "Known mistake: Bias gradient summed over the features" in dom and "1 / 4" in dom
    dom = chromium("--dump-dom", (tmp_path / "report" / "index.html").as_uri()).stdout
    assert "Class report" in dom and "data:image/png;base64," in dom
    shot = tmp_path / "shot.png"
    chromium("--window-size=1200,900", f"--screenshot={shot}", student.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

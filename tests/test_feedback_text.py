"""The feedback a student reads (issue 12, item 5): identifiers keep their case,
nothing is said twice, partial credit lists its checks, follow-on errors name
their cause, cells are named as JupyterLab shows them.

The example `mistakes` submission is graded once for the module."""
import re
from collections import Counter
from types import SimpleNamespace

import pytest

from autograder.cli import make_request
from autograder.config import Limits
from autograder.discover import discover
from autograder.feedback import exercise_feedback, notebook_problems, render_markdown, sentence
from autograder.grade import grade
from autograder.labs import Course, default_course
from autograder.notebook import cell_label, parse_submission, stubs_used_by
from autograder.plugin import GradingPlugin
from autograder.result import CheckResult, Result
from autograder.sandbox.proxy import NotAttempted

COURSE = default_course()
LAB = "lab-1.4.1-manual-backpropagation"


@pytest.fixture(scope="module")
def mistakes() -> Result:
    jobs, _ = discover([COURSE / "examples" / "submitted" / "mistakes" / LAB])
    return grade(make_request(jobs[0], 424242, Course.load(COURSE), Limits())).result


@pytest.fixture(scope="module")
def markdown(mistakes) -> str:
    """The feedback file as the student reads it (markdown's backslash escapes undone)."""
    return re.sub(r"\\(.)", r"\1", render_markdown(mistakes))


def test_identifiers_keep_their_case(mistakes, markdown):
    identifiers = {e.name for e in mistakes.exercises} | set(re.findall(r"\b[a-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b",
                                                                         markdown))
    for name in identifiers:
        capitalised = name[0].upper() + name[1:]
        assert not re.search(rf"\b{re.escape(capitalised)}\b", markdown), capitalised


def test_no_sentence_is_said_twice(markdown):
    bullets = [line[2:] for line in markdown.splitlines() if line.startswith("- ")]
    sentences = [s for line in bullets for s in re.split(r"(?<=[.)])\s+(?=[A-Z])", line) if len(s) > 12]
    repeated = [s for s, n in Counter(sentences).items() if n > 1]
    assert not repeated, repeated


def test_every_partial_exercise_lists_its_passed_and_failed_checks(mistakes, markdown):
    partial = [e for e in mistakes.exercises if e.status == "partial"]
    assert partial
    for ex in partial:
        section = markdown.split(f"### `{ex.name}`", 1)[1].split("###", 1)[0]
        passed = [c.check for c in ex.checks if c.status == "passed"]
        assert f"Passed {len(passed)} of {len(ex.checks)} checks: " in section, ex.name
        assert all(check in section for check in passed)
        assert "Failed" in section, ex.name


def test_the_graded_notebook_is_named(mistakes, markdown):
    assert mistakes.notebook == f"{LAB}.ipynb" and f"Notebook graded: {LAB}.ipynb" in markdown


def check(status, text, message="", mistake="", key=""):
    return CheckResult("mse_grad", text, 1.0, status, message, mistake, key)


def test_a_mistake_is_stated_once_and_same_failures_collapse():
    checks = (check("passed", "mse_grad is finite"),
              check("failed", "mse_grad matches finite differences", "max relative error 0.5",
                    "gradient off by the batch size; divide by y.size", "batch"),
              check("failed", "mse_grad on a row vector", "max relative error 0.7",
                    "gradient off by the batch size; divide by y.size", "batch"))
    lines = exercise_feedback("mse_grad", "partial", checks, ("mse_grad", "mse_loss"))
    assert lines[0] == "Passed 1 of 3 checks: mse_grad is finite."
    assert sum("Known mistake" in line for line in lines) == 1
    assert lines[1].startswith("Failed: mse_grad matches") and "Mse_grad" not in " ".join(lines)
    same = tuple(check("failed", f"check {i}", "`mse_grad` raised NameError: name 'np' is not defined")
                 for i in range(3))
    assert exercise_feedback("mse_grad", "failed", same) == [
        "Every check (3) failed this way: `mse_grad` raised NameError: name 'np' is not defined."]


def test_sentence_capitalises_english_only():
    assert sentence("the loss is a mean") == "The loss is a mean."
    for code in ("dL_db sums over the batch", "relu is max(0, x)", "softmax(z) sums to 1", "eps is used"):
        assert sentence(code, {"relu"})[0] == code[0]
    assert sentence("softmax overflow: no max subtraction") == "softmax overflow: no max subtraction."


def issue(cell, message):
    return SimpleNamespace(cell=cell, message=message)


def test_follow_on_errors_are_one_line_naming_their_cause():
    cells = ["import missing_module\nimport numpy as np", "x = np.zeros(3)", "y = np.ones(2)",
             "def relu(x):\n    raise NotImplementedError()", "relu(1)", "relu(2)"]
    labels = [f"cell [{i + 1}]" for i in range(len(cells))]
    lines = notebook_problems([issue(0, "ModuleNotFoundError: No module named 'missing_module'"),
                               issue(1, "NameError: name 'np' is not defined (line 1: `x = np.zeros(3)`)"),
                               issue(2, "NameError: name 'np' is not defined (line 1: `y = np.ones(2)`)"),
                               issue(4, "NotImplementedError (line 2: `raise NotImplementedError()`)"),
                               issue(5, "NotImplementedError (line 2: `raise NotImplementedError()`)")],
                              cells, labels)
    assert len(lines) == 3
    assert lines[1] == ("NameError: name 'np' is not defined in 2 cells (cell [2], cell [3]): a follow-on of "
                        "the error in cell [1], which stopped before defining `np`")
    assert lines[2].startswith("2 cells stopped at NotImplementedError (cell [5], cell [6]): they run `relu`")


def test_cells_are_named_as_jupyterlab_shows_them():
    assert cell_label("x = 1", 12, "Part 2. The linear layer") == "cell [12] under \u201cPart 2. The linear layer\u201d"
    assert cell_label("\ndef relu(x):\n    pass", None, "") == "the cell `def relu(x):`"
    raw = ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": ['
           '{"cell_type": "markdown", "metadata": {}, "source": "## Setup"},'
           '{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 3,'
           ' "source": "!pip install torch\\n%pip install jax\\nimport numpy as np"}]}')
    submission = parse_submission(raw.encode())
    assert submission.labels == ["cell [3] under \u201cSetup\u201d"]
    escapes = [p for p in submission.problems if p.startswith("not run while grading")]
    assert len(escapes) == 1 and "`!pip install torch`" in escapes[0] and "`%pip install jax`" in escapes[0]


def test_an_exercise_calling_an_unimplemented_one_could_not_be_checked():
    cells = ["def sgd_step(p, g, lr):\n    return p - lr * g",
             "def nesterov_step(p, g, v):\n    raise NotImplementedError()",
             "STEPS = {'sgd': sgd_step, 'nesterov': nesterov_step}\n"
             "def optimize(name, grad_fn, x0, n):\n    return STEPS[name](x0, grad_fn(x0), 0.1)"]
    assert stubs_used_by(cells, "optimize") == ["nesterov_step"]
    assert stubs_used_by(cells, "nesterov_step") == []
    plugin = GradingPlugin(SimpleNamespace(cells=cells), 0, Limits())
    item = SimpleNamespace(callspec=SimpleNamespace(params={"name": "nesterov"}))
    message = plugin._not_attempted(item, "optimize", NotAttempted("optimize", "`optimize` still raises"))
    assert message == "could not be checked: it uses `nesterov_step`, which still raises NotImplementedError"


def test_a_rename_hint_never_names_another_exercise():
    cells = ["def mse_gard(y, t):\n    return y - t", "def mse_loss(y, t):\n    return 0.0"]
    plugin = GradingPlugin(SimpleNamespace(cells=cells), 0, Limits())
    plugin.collected = {"mse_grad": 1, "mse_loss": 1}
    told = "`mse_grad` is not defined in your notebook. Did you rename it to `mse_loss`? Define it."
    assert plugin._rename_hint(told) == ("`mse_grad` is not defined in your notebook. Did you rename it "
                                         "to `mse_gard`? Define it.")

"""The message table (autograder/sandbox/messages.py): what the child builds fits
it, whatever else arrives is a ProtocolError, and a forged figure description
costs the forger its plot checks as `failed`, never a grader `error`."""
import json
import subprocess
import sys
from dataclasses import replace

import nbformat
import numpy as np
import pytest
from hypothesis import given, strategies as st

from autograder.config import Limits
from autograder.labs import default_course
from autograder.sandbox.messages import FROM_CHILD, FROM_PARENT, REPLIES, build, check
from autograder.sandbox.proxy import Student, UnreadableReply
from autograder.sandbox.runner import Sandbox
from autograder.sandbox.transport import ProtocolError, encode

COURSE = default_course()
LANDSCAPE = "lab-1.4.3-loss-landscape-visualization"
FAST = replace(Limits(), cell_timeout=5.0, call_timeout=5.0, interrupt_grace=1.0)


def keep(value):
    return {"$opaque": 1, "type": type(value).__name__}


def received(message):
    """`message` as the parent reads it, after a trip through JSON."""
    return check(json.loads(json.dumps(message)), tuple(FROM_CHILD))


def axes(**changes):
    """One described axes as the child sends it, with `changes` applied."""
    ax = {"xlabel": "alpha", "ylabel": "beta", "title": "", "xlim": [0.0, 1.0], "ylim": [0.0, 2.0],
          "contours": [{"filled": False, "levels": 7, "extent": [0.0, 0.0, 1.0, 2.0]}],
          "lines": [np.zeros((3, 2))], "images": 0, "other_collections": 0}
    return {**ax, **changes}


# --- the table ------------------------------------------------------------------------

def test_replies_are_exactly_the_childs_kinds():
    replies = {op for ops in REPLIES.values() for op in ops}
    assert replies == set(FROM_CHILD) and set(REPLIES) <= set(FROM_PARENT)
    assert not set(FROM_CHILD) & set(FROM_PARENT)


@pytest.mark.parametrize("op, fields", [
    ("cell", {"index": 3}),
    ("cell_done", {"index": 3, "error": None}),
    ("cell_done", {"index": 3, "error": {"type": "ZeroDivisionError", "message": "division by zero",
                                         "where": {"cell": 3, "line": 1, "code": "1 / 0"}}}),
    ("ran", {}),
    ("return", {"value": (np.arange(3.0), {"k": 1}), "warnings": ["RuntimeWarning: overflow"],
                "mutated_inputs": 0, "peak_bytes": 10}),
    ("raise", {"type": "SyntaxError", "message": "invalid syntax", "where": {"cell": None, "line": 2, "code": "x ="}}),
    ("missing", {"defined": ["double", "relu"]}),
    ("not_callable", {"type": "int"}),
    ("callback", {"id": 0, "args": [np.ones(2)], "kwargs": {"axis": 0}}),
    ("described", {"figure": None}),
    ("described", {"figure": {"axes": [axes()]}}),
])
def test_what_the_child_builds_the_parent_reads_back(op, fields):
    back = received(build(op, on_other=keep, **fields))
    assert back["op"] == op and set(back) == {"op", *fields}
    assert all(repr(back[name]) == repr(value) for name, value in fields.items())


def test_build_cuts_text_and_lists_to_the_caps():
    message = build("return", value=None, warnings=(f"warning {i}: " + "x" * 1000 for i in range(100)),
                    mutated_inputs=0, peak_bytes=0)
    assert len(message["warnings"]) == 5 and all(len(w) == 500 for w in message["warnings"])
    message = build("missing", defined=[f"f{i}" + "x" * 200 for i in range(1000)])
    assert len(message["defined"]) == 500 and all(len(n) == 100 for n in message["defined"])
    figure = build("described", on_other=keep, figure={"axes": [axes(title="t" * 1000)] * 40})
    assert len(received(figure)["figure"]["axes"]) == 32
    assert received(figure)["figure"]["axes"][0]["title"] == "t" * 200


def test_build_refuses_missing_or_unknown_fields():
    with pytest.raises(TypeError, match="grader bug"):
        build("cell", index=1, extra=2)
    with pytest.raises(TypeError, match="grader bug"):
        build("raise", type="E", message="")


def test_unknown_fields_are_dropped():
    assert received({"op": "cell", "index": 1, "status": "passed", "score": 1.0}) == {"op": "cell", "index": 1}


RETURN = {"op": "return", "value": 1.0, "warnings": [], "mutated_inputs": 0, "peak_bytes": 0}
ERROR = {"type": "E", "message": "m", "where": None}


@pytest.mark.parametrize("message", [
    {"op": "score", "value": 1.0},                                      # not a kind
    {"op": "exit"},                                                     # the parent's kind
    {"op": "cell"},                                                     # a field missing
    {"op": "cell", "index": "0"},
    {"op": "cell", "index": True},                                      # a bool is not an index
    {"op": "cell", "index": -1},
    {"op": "cell_done", "index": 0, "error": "not a description"},
    {"op": "cell_done", "index": 0, "error": {**ERROR, "where": {"cell": 0, "line": 1}}},
    {"op": "cell_done", "index": 0, "error": {**ERROR, "where": {"cell": 0, "line": 1, "code": 5}}},
    {"op": "cell_done", "index": 0, "error": {**ERROR, "message": "m" * 501}},   # over the cap
    {"op": "cell_done", "index": 0, "error": {**ERROR, "where": {"cell": -2, "line": 1, "code": "x"}}},
    {**RETURN, "warnings": 7},
    {**RETURN, "warnings": ["w"] * 6},
    {**RETURN, "mutated_inputs": "many"},
    {**RETURN, "peak_bytes": -1},
    {**RETURN, "value": {"$nd": ["<f8", [3, 3], "not base64!"]}},
    {**RETURN, "value": {"$float": "1e999"}},
    {**RETURN, "value": {"$callable": 0}},
    {"op": "raise", "type": "E" * 81, "message": "", "where": None},
    {"op": "missing", "defined": "relu"},
    {"op": "not_callable", "type": None},
    {"op": "callback", "id": 0, "args": {"$tuple": [1]}},              # args are a list
    {"op": "described"},
    {"op": "described", "figure": {"$dict": [["axes", [{"$dict": [["xlabel", "alpha"]]}]]]}},
])
def test_malformed_messages_are_protocol_errors(message):
    with pytest.raises(ProtocolError):
        received(message)


FORGED_FIGURES = {
    "no axes": {},
    "axes not a list": {"axes": {"xlabel": "alpha"}},
    "a field missing": {"axes": [{k: v for k, v in axes().items() if k != "contours"}]},
    "label not text": {"axes": [axes(xlabel=3)]},
    "label too long": {"axes": [axes(ylabel="b" * 201)]},
    "one limit": {"axes": [axes(xlim=[0.0])]},
    "limits as ints": {"axes": [axes(ylim=[0, 1])]},
    "extent of three": {"axes": [axes(contours=[{"filled": True, "levels": 3, "extent": [0.0, 0.0, 1.0]}])]},
    "levels negative": {"axes": [axes(contours=[{"filled": True, "levels": -3, "extent": [0.0] * 4}])]},
    "filled not bool": {"axes": [axes(contours=[{"filled": 1, "levels": 3, "extent": [0.0] * 4}])]},
    "line of three columns": {"axes": [axes(lines=[np.zeros((4, 3))])]},
    "line of ints": {"axes": [axes(lines=[np.zeros((4, 2), dtype=int)])]},
    "line as a list": {"axes": [axes(lines=[[[0.0, 1.0]]])]},
    "too many lines": {"axes": [axes(lines=[np.zeros((1, 2))] * 257)]},
    "too many axes": {"axes": [axes()] * 33},
    "images not a count": {"axes": [axes(images=[])]},
}


@pytest.mark.parametrize("figure", FORGED_FIGURES.values(), ids=FORGED_FIGURES)
def test_a_forged_figure_description_is_a_protocol_error(figure):
    with pytest.raises(ProtocolError):
        received({"op": "described", "figure": encode(figure, keep)})


FIELDS = st.sampled_from(["index", "error", "value", "warnings", "mutated_inputs", "peak_bytes", "type",
                          "message", "where", "defined", "id", "args", "figure", "axes", "cell", "line", "code"])
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(FIELDS | st.text(max_size=4),
                                                                               inner, max_size=4),
                    max_leaves=16)


@given(st.sampled_from(sorted(FROM_CHILD)), st.dictionaries(FIELDS, JSON, max_size=6))
def test_any_message_is_read_or_is_a_protocol_error(op, fields):
    try:
        received({**fields, "op": op})
    except ProtocolError:
        pass


# --- a child that forges its describe reply -------------------------------------------------

PLOT = ("import matplotlib.pyplot as plt\n"
        "def plot():\n    fig, ax = plt.subplots()\n    ax.contour([[0.0, 1.0], [1.0, 2.0]])\n    return fig")
FORGER = """
import gc
_child = next(o for o in gc.get_objects() if type(o).__name__ == "Child" and hasattr(o, "channel"))
_child.describe_handle = lambda request: {REPLY}
"""


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox([PLOT], FAST) as sb:
        sb.run_notebook()
        yield sb


@pytest.mark.parametrize("reply", [
    '{"op": "return", "value": {"$dict": [["axes", []]]}}',            # the old reply kind
    '{"op": "described", "figure": {"$dict": [["axes", 5]]}}',
    '{"op": "described", "figure": {"$dict": [["axes", [{"$dict": [["xlabel", "alpha"]]}]]]}}',
    '{"op": "raise", "type": "E"}',
    '{"op": "ran"}',
], ids=["old-kind", "axes-not-a-list", "axes-missing-fields", "raise-missing-fields", "out-of-step"])
def test_a_forged_describe_reply_is_the_students_failure(sandbox, reply):
    sandbox.rerun([PLOT, FORGER.replace("{REPLY}", reply)])
    student = Student(sandbox, FAST.call_timeout)
    with pytest.raises(UnreadableReply, match="could not read"):
        student.describe_figure(student.plot(), "plot")
    sandbox.rerun([PLOT])
    assert student.describe_figure(student.plot(), "plot")["axes"][0]["contours"]   # a new child answers


@pytest.mark.slow
@pytest.mark.xdist_group("end-to-end")
def test_grading_a_notebook_that_forges_its_figure_fails_only_plot_landscape(tmp_path):
    """The complete solution plus a cell that corrupts every figure description:
    plot_landscape's checks fail with a message; nothing is flagged for regrade."""
    forger = FORGER.replace("{REPLY}", '{"op": "described", "figure": '
                                       '{"$dict": [["axes", [{"$dict": [["xlabel", "alpha"]]}]]]}}')
    nb = nbformat.read(COURSE / "examples" / "submitted" / "complete" / LANDSCAPE / f"{LANDSCAPE}.ipynb",
                       as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(forger))
    path = tmp_path / "submitted" / "forger" / LANDSCAPE / f"{LANDSCAPE}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, str(path))
    out = tmp_path / "results"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "submitted"),
                           "--out", str(out)], capture_output=True, text=True, cwd=COURSE)
    assert done.returncode == 0, done.stderr
    result = json.loads((out / "forger" / f"{LANDSCAPE}.json").read_text())
    statuses = {name: exercise["status"] for name, exercise in result["exercises"].items()}
    assert statuses.pop("plot_landscape") == "failed" and set(statuses.values()) == {"passed"}, statuses
    feedback = result["exercises"]["plot_landscape"]["feedback"]
    assert feedback and all("could not read" in line for line in feedback), feedback
    assert result["errors"] == [] and not (out / ".grader-errors").exists()

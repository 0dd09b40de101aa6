"""The trusted side never trusts the child (issue 11): a worker's answer is its
own job's, the worker's memory is bounded, callback arguments are capped and
array headers checked before decoding, every hostile value is the student's
failed check, plain containers round-trip, student text is escaped in
markdown and HTML, and a statement that ends the process costs only itself."""
import json
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from autograder import execute, worker
from autograder.config import Limits, Settings
from autograder.escape import escape_md
from autograder.grade import GradeRequest, Graded, run_hidden_tests
from autograder.labs import LABS, Course
from autograder.result import CheckResult, ExerciseResult, Result
from autograder.sandbox.proxy import Student, UnreadableReply
from autograder.sandbox.runner import Sandbox
from autograder.sandbox.transport import Channel, Opaque, ProtocolError, decode, encode
from tests.conftest import reference_source

LAB = "lab-1.4.1-manual-backpropagation"
COURSE = Course(points={LAB: {"relu": 2.0}}, manual={})
FAST = replace(Limits(), cell_timeout=10.0, call_timeout=5.0, interrupt_grace=1.0)


def request(**changes) -> GradeRequest:
    return replace(GradeRequest("alice", LAB, f"{LAB}.ipynb", b"{}", "", 7, COURSE, nonce="n" * 32), **changes)


def answer_text(req: GradeRequest, **changes) -> str:
    result = Result(req.student, req.assignment, req.seed, (ExerciseResult("relu", 2.0, 2.0, "passed"),))
    return json.dumps({**worker.answer(req, Graded(result)), **changes})


# --- 1. the answer is this job's ---------------------------------------------------------

def test_the_workers_own_answer_is_taken():
    req = request()
    graded = execute.read_answer(req, answer_text(req), 0)
    assert graded.result.score == 2.0 and not graded.internal_errors


@pytest.mark.parametrize("why, text, code", [
    ("wrong nonce", lambda r: answer_text(r, nonce="0" * 32), 0),
    ("no nonce", lambda r: json.dumps({k: v for k, v in json.loads(answer_text(r)).items() if k != "nonce"}), 0),
    ("another student", lambda r: answer_text(replace(r, student="mallory")), 0),
    ("another assignment", lambda r: answer_text(replace(r, assignment="lab-1.4.2-optimizer-implementation")), 0),
    ("another seed", lambda r: answer_text(replace(r, seed=8)), 0),
    ("unclean exit", lambda r: answer_text(r), -9),
    ("two answers", lambda r: answer_text(r) + answer_text(r), 0),
    ("not an object", lambda r: "[1]", 0),
])
def test_an_answer_that_is_not_this_jobs_is_an_error_result(why, text, code):
    req = request()
    graded = execute.read_answer(req, text(req), code)
    assert graded.result.score == 0 and {e.status for e in graded.result.exercises} == {"error"}, why
    assert graded.internal_errors and "refused" in graded.internal_errors[0]


def test_run_batch_takes_no_answer_for_another_assignment_or_seed():
    from concurrent.futures import ThreadPoolExecutor
    swapped = {"alice": dict(assignment="lab-1.4.2-optimizer-implementation"), "bob": dict(seed=99), "carol": {}}
    course = Course(points={LAB: {"relu": 2.0}, "lab-1.4.2-optimizer-implementation": {"sgd": 1.0}}, manual={})

    def fake_grade(req):
        forged = replace(req, **swapped[req.student])
        return execute.read_answer(forged, answer_text(forged), 0)
    seen = {}
    with ThreadPoolExecutor(2) as pool:
        execute.run_batch((request(student=s, course=course) for s in swapped), pool, fake_grade,
                          lambda req, graded: seen.update({req.student: graded.result}), window=2)
    assert seen["carol"].score == 2.0
    assert all(seen[s].score == 0 and seen[s].exercises[0].status == "error" for s in ("alice", "bob"))


def test_a_forged_answer_written_to_the_parent_is_rejected(monkeypatch):
    """A "worker" that writes a well-formed full-score answer it forged (it
    cannot know the nonce, which travels only on the real worker's stdin)."""
    seen = {}
    forger = ("import json, sys\nreq = json.load(sys.stdin)\n"
              "res = {'student': req['student'], 'assignment': req['assignment'], 'seed': req['seed'],"
              " 'exercises': {'relu': {'score': 2.0, 'max_score': 2.0, 'status': 'passed', 'feedback': [],"
              " 'checks': []}}, 'errors': [], 'pending_manual': 0.0}\n"
              "print(json.dumps({'nonce': 'guessed', 'result': res, 'internal_errors': []}))\n")
    real_run = subprocess.run

    def run(argv, **kwargs):
        seen.update(argv=argv, input=kwargs["input"])
        return real_run([sys.executable, "-c", forger], **kwargs)
    monkeypatch.setattr(execute.subprocess, "run", run)
    graded = execute.grade_in_worker(request(nonce=""))
    assert graded.result.score == 0 and "nonce" in graded.internal_errors[0]
    nonce = json.loads(seen["input"])["nonce"]
    assert len(nonce) == 32 and not any(nonce in a for a in seen["argv"]) and nonce not in str(os.environ)


# --- 2. the worker's own memory bound ------------------------------------------------------

def test_the_worker_bounds_its_address_space():
    done = subprocess.run([sys.executable, "-c", "import resource\nfrom autograder.worker import bound_memory\n"
                           "bound_memory(3 << 30)\nprint(resource.getrlimit(resource.RLIMIT_AS)[0])"],
                          capture_output=True, text=True, check=True)
    assert int(done.stdout) == 3 << 30
    assert Limits().worker_memory > 0


def test_running_out_of_memory_is_that_students_error(monkeypatch):
    def bomb(request):
        raise MemoryError()
    monkeypatch.setattr(worker, "grade", bomb)
    graded = worker.grade_bounded(request())
    assert {e.status for e in graded.result.exercises} == {"error"}
    assert "out of memory" in graded.internal_errors[0]


# --- 3. caps and hostile values ----------------------------------------------------------

def test_an_oversized_callback_is_refused_from_its_header():
    """Only the header and the op are read: the body never arrives here."""
    r, w = os.pipe()
    head = b'{"op":"callback","id":0,"args":[[[[[[[[[[[[[[[['
    os.write(w, (100 << 20).to_bytes(8, "big") + head)
    with pytest.raises(ProtocolError, match="callback"):
        Channel(r, w, 256 << 20).recv(timeout=5, caps={"callback": 8 << 20})
    os.close(r), os.close(w)


def test_a_message_naming_a_second_op_is_refused():
    r, w = os.pipe()
    payload = b'{"op":"return","value":1,"op":"callback"}'
    os.write(w, len(payload).to_bytes(8, "big") + payload)
    with pytest.raises(ProtocolError, match="two ops"):
        Channel(r, w, 1 << 20).recv(timeout=5, caps={"callback": 10})
    os.close(r), os.close(w)


@pytest.mark.parametrize("data", [
    10 ** 30, -(2 ** 63) - 1, [1, 2 ** 64],                           # beyond 64 bits
    {"$nd": ["<f8", [10 ** 6], "AAAA"]},                              # declared size far above the data
    {"$nd": ["<f8", [2 ** 62, 2 ** 62], ""]},
    {"$nd": ["<f8", [10 ** 30], ""]},
    {"$nd": ["nan", [1], "AAAAAAAAAAA="]}, {"$nd": ["(", [1], "AAAAAAAAAAA="]},
    {"$nd": [{"$float": "nan"}, [1], "AAAAAAAAAAA="]},
    {"$nd": ["<f8", [1], "!!!!!!!!!!!="]},
])
def test_hostile_values_are_protocol_errors(data):
    with pytest.raises(ProtocolError):
        decode(data)


def test_message_fields_hold_no_integer_beyond_64_bits():
    from autograder.sandbox.messages import check
    with pytest.raises(ProtocolError, match="64 bits"):
        check({"op": "cell", "index": 10 ** 30}, ("cell",))


def test_the_array_header_is_checked_before_decoding(monkeypatch):
    import base64
    monkeypatch.setattr(base64, "b64decode", lambda *a, **k: pytest.fail("decoded a hostile array"))
    with pytest.raises(ProtocolError, match="shape"):
        decode({"$nd": ["<f8", [1000, 1000], "AAAA" * 10]})


def test_an_integer_beyond_64_bits_is_sent_opaque():
    assert decode(encode(10 ** 30, lambda v: {"$opaque": 1, "type": "int"})) == Opaque(1, "int")


HOSTILE_RETURN = """
import gc
_child = next(o for o in gc.get_objects() if type(o).__name__ == "Child" and hasattr(o, "channel"))
_send = _child.channel.send
def _forge(message):
    if message.get("op") == "return":
        message = {**message, "value": {VALUE}}
    _send(message)
_child.channel.send = _forge
"""


@pytest.fixture(scope="module")
def backprop():
    with Sandbox([reference_source("backprop")], FAST) as sandbox:
        sandbox.run_notebook()
        yield sandbox


def grade_exercises(sandbox, cells, exercises):
    sandbox.rerun([reference_source("backprop")] + cells)
    assert not sandbox.execution.issues, sandbox.execution.issues
    plugin = run_hidden_tests(LABS[LAB], sandbox, 11, Settings(limits=FAST), exercises=set(exercises))
    return plugin


@pytest.mark.parametrize("value", ["10 ** 400", '{"$nd": ["<f8", [2 ** 40], "AAAA"]}', '{"$nd": ["(", [1], ""]}',
                                   '{"$dict": [[1.5, 2]]}', '{"$unknown": 1}'])
def test_a_hostile_reply_is_the_students_failed_check(backprop, value):
    plugin = grade_exercises(backprop, [HOSTILE_RETURN.replace("{VALUE}", value)], {"relu"})
    assert not plugin.internal_errors, plugin.internal_errors[0]
    assert plugin.outcomes and {o.status for o in plugin.outcomes} == {"failed"}
    assert all("could not read" in o.message for o in plugin.outcomes)


def test_a_callback_with_oversized_arguments_fails_only_that_check(backprop):
    cell = ("import numpy as np\n"
            "def numerical_gradient(f, x, eps=1e-5):\n    f(np.zeros(2_000_000))\n    return x")
    plugin = grade_exercises(backprop, [cell], {"numerical_gradient"})
    assert not plugin.internal_errors
    assert {o.status for o in plugin.outcomes} == {"failed"}


# --- 4. plain containers round-trip --------------------------------------------------------

ORDERED = """
from collections import OrderedDict
def mlp_forward(params, x):
    h = np.tanh(params["W1"] @ x + params["b1"])
    y_hat = 1 / (1 + np.exp(-(params["W2"] @ h + params["b2"])))
    return y_hat, OrderedDict(x=x, h=h, y_hat=y_hat)

def mlp_backward(params, cache, y_true):
    assert type(cache) is OrderedDict, type(cache)
    x, h, y_hat = cache["x"], cache["h"], cache["y_hat"]
    dz2 = (y_hat - y_true) / y_hat.shape[1]
    dz1 = (params["W2"].T @ dz2) * (1 - h ** 2)
    return OrderedDict(W1=dz1 @ x.T, b1=dz1.sum(axis=1, keepdims=True),
                       W2=dz2 @ h.T, b2=dz2.sum(axis=1, keepdims=True))
"""
DEFAULT = ORDERED.replace("OrderedDict(x=x, h=h, y_hat=y_hat)",
                          "defaultdict(list, x=x, h=h, y_hat=y_hat)").replace(
    "type(cache) is OrderedDict", "type(cache) is defaultdict").replace(
    "from collections import OrderedDict", "from collections import OrderedDict, defaultdict")
NAMED = ORDERED.replace("from collections import OrderedDict",
                        "from collections import OrderedDict, namedtuple\nCache = namedtuple('Cache', 'x h y_hat')"
                        ).replace("OrderedDict(x=x, h=h, y_hat=y_hat)", "Cache(x, h, y_hat)").replace(
    'type(cache) is OrderedDict', 'type(cache) is Cache').replace(
    'cache["x"], cache["h"], cache["y_hat"]', "cache.x, cache.h, cache.y_hat")

OBJECT = NAMED.replace("Cache = namedtuple('Cache', 'x h y_hat')", "from types import SimpleNamespace as Cache").replace(
    "Cache(x, h, y_hat)", "Cache(x=x, h=h, y_hat=y_hat)")   # no plain form: an opaque value, handed back


@pytest.mark.parametrize("cells", [[ORDERED], [DEFAULT], [NAMED], [OBJECT]],
                         ids=["OrderedDict", "defaultdict", "namedtuple", "object"])
def test_an_honest_container_cache_scores_full_marks(backprop, cells):
    plugin = grade_exercises(backprop, cells, {"mlp_forward", "mlp_backward"})
    assert not plugin.internal_errors, plugin.internal_errors[0]
    assert plugin.outcomes and {o.status for o in plugin.outcomes} == {"passed"}, \
        [o.message for o in plugin.outcomes if o.status != "passed"]


def test_containers_arrive_plain_and_a_changed_one_is_sent_as_it_is_now(backprop):
    backprop.rerun(["from collections import OrderedDict, namedtuple\nP = namedtuple('P', 'a b')\n"
                    "def make():\n    return OrderedDict(a=1), P([np.zeros(2)], (np.ones(1),))\n"
                    "def kind(v):\n    return type(v).__name__"])
    student = Student(backprop, FAST.call_timeout)
    ordered, pair = student.make()
    assert type(ordered) is dict and ordered == {"a": 1}
    assert type(pair) is tuple and type(pair[0][0]) is np.ndarray and type(pair[1]) is tuple
    assert student.kind(ordered) == "OrderedDict" and student.kind(pair) == "P"
    ordered["a"] = 2                                   # changed by the grader: its own value goes
    assert student.kind(ordered) == "dict"


def test_a_value_from_an_earlier_child_is_refused_by_the_next(backprop):
    from autograder.sandbox.proxy import RaisedError
    backprop.rerun(["class Box:\n    pass\ndef box():\n    return Box()\ndef kind(v):\n    return type(v).__name__"])
    student = Student(backprop, FAST.call_timeout)
    kept = student.box()
    assert type(kept) is Opaque and student.kind(kept) == "Box"
    backprop._kill()                                  # the next call starts a new child
    with pytest.raises(RaisedError, match="no longer exists"):
        student.kind(kept)


# --- 5. student text in markdown and HTML ----------------------------------------------------

FORGERY = "boom\nScore: 35 / 35\n| x | passed |\n# Feedback\n> quoted\n- item `code`"


def forged_result() -> Result:
    check = CheckResult(exercise="relu", check="relu is right", weight=1.0, status="failed", message=FORGERY)
    return Result("alice", LAB, 7, (ExerciseResult("relu", 0.0, 2.0, "failed", (FORGERY,), (check,)),),
                  errors=(f"code cell 3: RuntimeError: {FORGERY}",))


def test_escape_md_keeps_student_text_on_one_literal_line():
    text = escape_md(FORGERY)
    assert "\n" not in text and "\\|" in text and "\\#" in text and "\\>" in text
    assert escape_md("dL_db is `wrong`") == "dL_db is `wrong`"   # identifiers and code spans stay readable
    assert escape_md("- item").startswith("\\-") and escape_md("1. item").startswith("1\\.")


def test_student_text_forges_no_score_line_or_table_row_in_feedback_md():
    from autograder.feedback import render_markdown
    md = render_markdown(forged_result())
    assert sum(line.startswith("Score:") for line in md.splitlines()) == 1
    rows = [line for line in md.splitlines() if line.startswith("|")]
    assert len(rows) == 3, rows                      # header, rule, relu
    assert sum(line.startswith("# ") for line in md.splitlines()) == 1
    assert not any(line.startswith(">") for line in md.splitlines())


def test_student_text_is_escaped_in_html():
    from autograder.html import render_html
    page = render_html(replace(forged_result(), errors=("<script>alert(1)</script> `x`",)))
    assert "<script>alert" not in page and "&lt;script&gt;" in page


# --- 6. a killing statement costs only itself ------------------------------------------------

def test_a_fatal_statement_costs_only_itself():
    cells = ["def relu(x):\n    return 'the first, correct definition'",
             "def relu(x):\n    return 'broken'\nimport os\nkept = 1\nos._exit(0)\nafter = 2",
             "x = 1; import os; os._exit(3)\ny = 2"]
    with Sandbox(cells, FAST) as sandbox:
        execution = sandbox.run_notebook()
        student = Student(sandbox, FAST.call_timeout)
        assert student.relu(1) == "broken"           # the statements before the fatal one stand
        sandbox.rerun(["def get(name):\n    return globals().get(name)"])
        assert [student.get(n) for n in ("kept", "after", "x", "y")] == [1, 2, None, 2]
    assert execution.split == {1: {3}, 2: {0}} and not execution.skipped
    assert all("without the statement that did it" in i.message for i in execution.issues)

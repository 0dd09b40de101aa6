"""The sandboxed child: Restart & Run All semantics, faults cost only what they touch."""
import time
from dataclasses import replace

import numpy as np
import pytest

from autograder.config import Limits
from autograder.sandbox.proxy import MissingFunction, NotAttempted, ProcessDied, RaisedError, Student, TimedOut
from autograder.sandbox.runner import ChildFailure, Sandbox
from autograder.sandbox.transport import Opaque

FAST = replace(Limits(), cell_timeout=5.0, call_timeout=2.0, interrupt_grace=1.0)

CELLS = [
    "%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt\n!pip install something\n"
    "plt.plot([1, 2]); plt.show()",
    "def double(x):\n    return 2 * x",
    "def stub(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()",
    "while True:\n    pass",                              # loops forever: interrupted, skipped
    "import os\nos._exit(0)",                            # ends the process: skipped on re-run
    "def twice_f(f, x):\n    return f(x) + f(x + 1)",
    "def index_error(x):\n    y = x[10]\n    return y",
    "def loop_forever():\n    while True:\n        pass",
    "def exit_process():\n    import os\n    os._exit(3)",
    "class Sneaky(np.ndarray):\n    def __eq__(self, other):\n        return True\n"
    "def subclass(x):\n    return x.view(Sneaky)",
    "def mutate(x):\n    x[0] = 5.0\n    return float(x.sum())",
    "def warn(x):\n    return np.exp(x)",
    "1 / 0",
    "memory_bomb = np.ones(10 ** 11)",
    "after = 'the notebook kept running'",
    "def get_after():\n    return after",
]


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(CELLS, FAST) as sb:
        sb.run_notebook()
        yield sb


@pytest.fixture
def student(sandbox):
    return Student(sandbox, FAST.call_timeout)


def issues_of(sandbox):
    return {i.cell: i.message for i in sandbox.execution.issues}


def test_magics_shell_escapes_and_plots_do_not_break_execution(sandbox):
    assert 0 not in issues_of(sandbox)


def test_infinite_loop_cell_is_interrupted_and_execution_goes_on(sandbox, student):
    assert "stopped after" in issues_of(sandbox)[3]
    assert student.get_after() == "the notebook kept running"


def test_os_exit_cell_is_recorded_and_only_its_fatal_statement_skipped(sandbox):
    assert "ended the Python process" in issues_of(sandbox)[4]
    assert 4 not in sandbox.execution.skipped and sandbox.execution.split == {4: {1}}   # `import os` stands


def test_cell_errors_name_the_line(sandbox):
    assert issues_of(sandbox)[12].startswith("ZeroDivisionError")
    assert "MemoryError" in issues_of(sandbox)[13]


def test_values_cross_as_plain_data(student):
    assert np.array_equal(student.double(np.arange(3.0)), [0.0, 2.0, 4.0])


def test_stub_is_not_attempted(student):
    with pytest.raises(NotAttempted):
        student.stub(1)


def test_missing_function_suggests_a_close_name(student):
    with pytest.raises(MissingFunction, match="Did you rename it to `double`"):
        student.doubel(1)


def test_student_exception_names_its_line(student):
    with pytest.raises(RaisedError, match=r"IndexError.*y = x\[10\]"):
        student.index_error(np.ones(3))


def test_callbacks_reach_the_grader(student):
    assert student.twice_f(lambda x: float(np.sum(x ** 2)), np.ones(2)) == 2.0 + 8.0


def test_hanging_call_times_out_and_the_child_survives(student):
    start = time.monotonic()
    with pytest.raises(TimedOut):
        student.loop_forever()
    assert time.monotonic() - start < FAST.call_timeout + FAST.interrupt_grace + 1
    assert student.double(1) == 2


def test_call_that_kills_the_process_costs_only_that_call(sandbox, student):
    with pytest.raises(ProcessDied):
        student.exit_process()
    assert student.double(21) == 42            # a new child ran the notebook again
    assert student.get_after() == "the notebook kept running"


def test_ndarray_subclass_is_not_a_plain_answer(student):
    value = student.subclass(np.ones(2))
    assert isinstance(value, Opaque) and "subclass" in value.type_name


def test_mutation_and_warnings_are_reported(student):
    assert student.mutate(np.ones(3)) == 7.0
    assert student.last_call.mutated_inputs == 1
    student.warn(np.array([1000.0]))
    assert student.last_call.warnings and "overflow" in student.last_call.warnings[0]


def test_returned_figures_are_described_as_plain_data(sandbox, student):
    sandbox.rerun(["import numpy as np\nimport matplotlib.pyplot as plt\n"
                   "def plot():\n    fig, ax = plt.subplots()\n"
                   "    cs = ax.contour(np.arange(3.0), np.arange(4.0), np.arange(12.0).reshape(4, 3))\n"
                   "    ax.plot([0, 1], [2, 3]); ax.set_xlabel('alpha')\n    return fig"])
    figure = student.plot()
    assert isinstance(figure, Opaque) and figure.type_name == "Figure"
    (axes,) = student.describe_figure(figure, "plot")["axes"]
    assert axes["xlabel"] == "alpha" and axes["contours"][0]["extent"] == [0.0, 0.0, 2.0, 3.0]
    assert np.array_equal(axes["lines"][0], [[0.0, 2.0], [1.0, 3.0]])
    assert student.describe_figure(np.ones(2), "plot") is None


def test_peak_memory_of_a_call_can_be_traced(sandbox, student):
    sandbox.rerun(["import numpy as np\ndef outer(a, b):\n    return (np.outer(a, b) @ np.ones(len(b))).sum()"])
    student.tracing_memory().outer(np.ones(1000), np.ones(1000))
    assert student.last_call.peak_bytes >= 1000 * 1000 * 8
    student.outer(np.ones(10), np.ones(10))
    assert student.last_call.peak_bytes == 0          # not traced unless asked


def test_seeded_generators_are_built_in_the_child(sandbox, student):
    from autograder.sandbox.transport import SeededGenerator
    sandbox.rerun(["def draw(rng, n):\n    return rng.standard_normal(n)"])
    first, again = student.draw(SeededGenerator(7), 3), student.draw(SeededGenerator(7), 3)
    assert np.array_equal(first, again) and np.array_equal(first, np.random.default_rng(7).standard_normal(3))


def test_a_child_that_dies_between_calls_is_restarted_for_the_next(sandbox, student):
    sandbox.rerun(["import os, threading, time\n"
                   "def arm():\n    threading.Thread(target=lambda: (time.sleep(0.3), os._exit(1))).start()\n"
                   "    return 'armed'",
                   "def ok():\n    return 1"])
    assert student.arm() == "armed"
    restarts = sandbox.restarts
    time.sleep(1.0)                      # the thread ends the process between two calls
    assert student.ok() == 1             # a new child ran the notebook (arm was not called again)
    assert sandbox.restarts == restarts + 1


def test_a_call_flooding_the_grader_with_callbacks_is_interrupted_cleanly():
    """The interrupt comes while a callback's message is on the wire, or while
    the child waits for its reply: it stops the call, never garbles the next
    one (it once cost the next exercise a check, 1 run in 3)."""
    cells = ["def flood(f, x):\n    total = 0.0\n    while True:\n        total += f(x)",
             "def ok():\n    return 1"]
    with Sandbox(cells, FAST) as sandbox:
        sandbox.run_notebook()
        interrupted = 0
        for _ in range(12):
            try:
                interrupted += sandbox.call("flood", (lambda v: float(v), 1.0), {}, timeout=0.2)["interrupted"]
            except ChildFailure:   # killed: the next call restarts the child
                pass
            assert sandbox.call("ok", (), {}, timeout=5)["value"] == 1
    assert interrupted >= 6, "the child should stop at the interrupt, not be killed and restarted"

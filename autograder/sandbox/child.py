"""The only code that runs inside the sandboxed child, beside the student's.

Forked for `runner.py` by the zygote (`zygote.py`), which has imported it
already, jailed in an empty directory with resource limits, as
`main(["child", READ_FD, WRITE_FD, MAX_BYTES])`. It serves four requests, each
answered with the replies `messages.REPLIES` lists:

    run        run the notebook's code cells (cell, cell_done ..., ran)
    call       call a student function (return, raise, missing or not_callable,
               after any callbacks to grader functions among its arguments)
    describe   describe a Figure kept here (described or raise)
    exit

Every message is built with `messages.build`, so it fits the table's caps.
Everything here is untrusted from the parent's point of view: student code
can patch any of it. The parent checks every message against the table.
"""
from __future__ import annotations

import ast
import contextlib
import inspect
import linecache
import re
import secrets
import select
import signal
import sys
import tracemalloc
import traceback
import warnings

import numpy as np

from autograder.sandbox.messages import build
from autograder.sandbox.transport import Channel, decode

CELL_FILE = re.compile(r"^<ipython-input-(\d+)-")


class RemoteCallable:
    """A function that lives in the grader: calling it asks the parent. It is
    valid only during the call that received it (the parent refuses stale ids
    too: this copy of the class is the student's to patch)."""

    def __init__(self, child: "Child", callable_id: int):
        self._child, self._id = child, callable_id
        self._expired = False

    def __call__(self, *args, **kwargs):
        if self._expired:
            raise RuntimeError("this function was provided by the grader for one call only; "
                               "it cannot be kept and used later")
        child = self._child
        request = build("callback", on_other=child.keep_passing_remotes, id=self._id,
                        args=list(args), kwargs=dict(kwargs))
        # The parent's interrupt may come at any point of this exchange. It
        # stops the call only where no message is half sent or half read:
        # otherwise the rest of it would garble the next message.
        with child.whole_messages():
            child.channel.send(request)
        select.select([child.channel.read_fd], [], [])   # an interrupt here leaves the reply unread
        with child.whole_messages():
            reply = child.channel.recv()
        if reply["op"] == "callback_return":
            return decode(reply["value"], self._child.remote, self._child.handle)
        raise ValueError(reply["message"])   # callback_raise: the grader's function refused these arguments

    def __repr__(self):
        return "<function provided by the grader>"


class Child:
    def __init__(self, channel: Channel):
        self.channel = channel
        self.shell = make_shell()
        self.handles: dict[int, object] = {}
        # Handles of this child start at a random number: one the parent kept
        # from an earlier child of the same notebook names nothing here.
        self.handle_base = secrets.randbelow(1 << 40) << 12
        self.cell_of_count: dict[int, int] = {}   # IPython execution count -> notebook cell index
        self.in_student_code = False
        self.in_message = False           # a callback's message is being sent or read
        self.interrupt_pending = False    # the interrupt came then: raised once it is whole
        self.remotes: list = []   # the RemoteCallables of the current call; expired when it ends

    # --- values that stay here -------------------------------------------
    def keep(self, value) -> dict:
        handle = self.handle_base + len(self.handles) + 1
        self.handles[handle] = value
        return {"$opaque": handle, "type": describe_type(value)}

    def keep_passing_remotes(self, value) -> dict:
        """`keep`, but a grader function handed back to the grader goes as its id."""
        if isinstance(value, RemoteCallable):
            return {"$callable": value._id}
        return self.keep(value)

    def handle(self, handle: int, _type_name: str):
        return self.handles[handle]

    def remote(self, callable_id: int) -> RemoteCallable:
        self.remotes.append(RemoteCallable(self, callable_id))
        return self.remotes[-1]

    # --- requests ---------------------------------------------------------
    def serve(self) -> None:
        signal.signal(signal.SIGINT, self._on_interrupt)
        while True:
            request = self.channel.recv()
            if request["op"] == "run":
                self.run_cells(request["cells"], set(request["skip"]),
                               {s["index"]: set(s["skip"]) for s in request["split"]})
            elif request["op"] == "call":
                self.channel.send(self.call_binding(request))
            elif request["op"] == "describe":
                self.channel.send(self.describe_handle(request))
            elif request["op"] == "exit":
                return

    def _on_interrupt(self, signum, frame):
        # The parent interrupts a cell or call that ran too long; outside
        # student code the signal is ignored so the protocol stays intact.
        if self.in_student_code and self.in_message:
            self.interrupt_pending = True
        elif self.in_student_code:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def whole_messages(self):
        """Defer the interrupt while a message is on the wire (see RemoteCallable)."""
        self.in_message = True
        try:
            yield
        finally:
            self.in_message = False
        if self.interrupt_pending:
            self.interrupt_pending = False
            raise KeyboardInterrupt

    def run_cells(self, cells: list, skip: set, split: dict) -> None:
        """Run the cells but `skip`; a cell in `split` (it ended the process in
        an earlier child) runs one top-level statement at a time, announcing
        each, without the statements numbered in `split[index]`."""
        for index, source in enumerate(cells):
            if index in skip:
                continue
            self.channel.send(build("cell", index=index))
            units = statements(self.shell, source) if index in split else [(None, source)]
            error = None
            for number, unit in units:
                if number is not None:
                    if number in split[index]:
                        continue
                    self.channel.send(build("statement", index=index, number=number))
                self.cell_of_count[self.shell.execution_count] = index
                self.in_student_code = True
                try:
                    result = self.shell.run_cell(unit, store_history=True)
                finally:
                    self.in_student_code = False
                error = result.error_before_exec or result.error_in_exec
                if error is not None:   # the cell stops at its first error, as in Jupyter
                    break
            close_figures()
            self.channel.send(build("cell_done", index=index,
                                    error=self.describe(error) if error is not None else None))
        self.channel.send(build("ran"))

    def call_binding(self, request: dict) -> dict:
        """`call` with the request's `bind` names (grader callbacks standing in for
        exercises, see autograder/dependencies.py) in the namespace for this call
        only; afterwards the names are restored and every callback of the call expires."""
        namespace, missing = self.shell.user_ns, object()
        try:
            bound = decode(request["bind"], self.remote, self.handle)
            saved = {name: namespace.get(name, missing) for name in bound}
            namespace.update(bound)
            try:
                return self.call(request)
            finally:
                for name, value in saved.items():
                    if value is missing:
                        namespace.pop(name, None)
                    else:
                        namespace[name] = value
        finally:
            for remote in self.remotes:
                remote._expired = True
            self.remotes = []

    def call(self, request: dict) -> dict:
        name = request["name"]
        function = self.shell.user_ns.get(name)
        if function is None or name.startswith("_"):
            return build("missing", defined=sorted(
                k for k, v in self.shell.user_ns.items()
                if inspect.isfunction(v) and v.__module__ == "__main__" and not k.startswith("_")))
        if not callable(function):
            return build("not_callable", type=type(function).__name__)
        try:
            args = decode(request["args"], self.remote, self.handle)
            kwargs = decode(request["kwargs"], self.remote, self.handle)
        except (KeyError, ValueError):   # a stale handle
            return build("raise", type="GraderError", where=None,
                         message="a value your code returned earlier no longer exists: your notebook's process "
                                 "was restarted since (a cell or call ended it)")
        inputs = list(arrays_in([args, kwargs]))
        before = [a.copy() for a in inputs]
        trace = request["trace_memory"]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if trace:   # numpy reports its array allocations to tracemalloc
                tracemalloc.start()
            self.in_student_code = True
            try:
                value = function(*args, **kwargs)
            except BaseException as exc:   # SystemExit and KeyboardInterrupt too
                self.in_student_code = False
                return build("raise", **self.describe(exc))
            finally:
                self.in_student_code = False
                peak = tracemalloc.get_traced_memory()[1] if trace else 0
                tracemalloc.stop()
        mutated = sum(not np.array_equal(a, b, equal_nan=True) for a, b in zip(inputs, before))
        try:
            return build("return", on_other=self.keep, value=value, mutated_inputs=int(mutated),
                         peak_bytes=int(peak), warnings=(f"{w.category.__name__}: {w.message}" for w in caught))
        except (RecursionError, ValueError, TypeError) as exc:
            return build("raise", type="UnsendableValue", message=str(exc), where=None)

    def describe_handle(self, request: dict) -> dict:
        """A plain description of an object kept here (a matplotlib Figure)."""
        value = self.handles.get(request["handle"])
        try:
            from matplotlib.figure import Figure
            return build("described", on_other=self.keep,
                         figure=describe_figure(value) if isinstance(value, Figure) else None)
        except Exception as exc:   # a figure broken enough that reading it fails
            return build("raise", type=type(exc).__name__, message=str(exc), where=None)

    def describe(self, exc: BaseException) -> dict:
        """Exception type, message and the student's own line where it happened."""
        where = None
        for frame in traceback.extract_tb(exc.__traceback__):
            match = CELL_FILE.match(frame.filename or "")
            if match and int(match.group(1)) in self.cell_of_count:
                line = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
                where = {"cell": self.cell_of_count[int(match.group(1))], "line": frame.lineno, "code": line}
        if isinstance(exc, SyntaxError) and where is None and exc.lineno:
            where = {"cell": None, "line": exc.lineno, "code": (exc.text or "").strip()}
        try:
            message = str(exc)
        except Exception:   # a student exception whose __str__ raises
            message = "(message unavailable)"
        return {"type": type(exc).__name__, "message": message, "where": where}


def statements(shell, source: str) -> list:
    """A cell's top-level statements as [(number, source)], each padded with
    comment lines so that its line numbers are the cell's; statements that
    share a line (`a = 1; os._exit(0)`) stay one. The whole cell as one
    statement when it does not parse (its SyntaxError is reported as usual)."""
    try:
        python = shell.transform_cell(source)   # magics and shell escapes become Python
        body = ast.parse(python).body
    except Exception:   # SyntaxError, or a transformer refusing the text
        return [(0, source)]
    lines = python.splitlines(keepends=True)
    spans: list = []
    for node in body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], node.end_lineno)
        else:
            spans.append([start, node.end_lineno])
    return [(number, "#\n" * (start - 1) + "".join(lines[start - 1:end]))
            for number, (start, end) in enumerate(spans)] or [(0, source)]


def make_shell():
    """An IPython shell that runs magics, but draws with Agg and runs no shell escapes."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class GradingShell(InteractiveShell):
        def enable_gui(self, gui=None):
            pass

        def enable_matplotlib(self, gui=None):
            return "agg", "agg"

        def system(self, cmd):
            print(f"(shell commands do not run during grading: !{cmd})")

        system_piped = system_raw = system

        def getoutput(self, cmd, split=True, depth=0):
            self.system(cmd)
            return []

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    return GradingShell.instance(config=config)


def describe_figure(fig) -> dict:
    """What a hidden test may check about a figure, as plain data (`messages.FIGURE`)."""
    from matplotlib.contour import ContourSet
    axes = []
    for ax in fig.axes:
        contours = [c for c in ax.collections if isinstance(c, ContourSet)]
        axes.append({
            "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(), "title": ax.get_title(),
            "xlim": [float(v) for v in ax.get_xlim()], "ylim": [float(v) for v in ax.get_ylim()],
            "contours": [{"filled": bool(c.filled), "levels": int(len(c.levels)),
                          "extent": [float(v) for v in (*getattr(c, "_mins", (np.nan, np.nan)),
                                                        *getattr(c, "_maxs", (np.nan, np.nan)))]}
                         for c in contours],
            "lines": [np.asarray(line.get_xydata(), dtype=float).reshape(-1, 2) for line in ax.lines],
            "images": len(ax.images),
            "other_collections": len(ax.collections) - len(contours),
        })
    return {"axes": axes}


def arrays_in(value):
    if type(value) is np.ndarray:
        yield value
    elif type(value) in (list, tuple):
        for v in value:
            yield from arrays_in(v)
    elif type(value) is dict:
        for v in value.values():
            yield from arrays_in(v)


def describe_type(value) -> str:
    kind = type(value)
    if isinstance(value, np.ndarray) and kind is not np.ndarray:
        return f"{kind.__name__} (an ndarray subclass)"
    if kind is np.ndarray:
        return f"ndarray of dtype {value.dtype}"
    return kind.__name__


def close_figures() -> None:
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def main(argv: list) -> None:
    read_fd, write_fd, max_bytes = (int(a) for a in argv[1:4])
    Child(Channel(read_fd, write_fd, max_bytes)).serve()


if __name__ == "__main__":
    main(sys.argv)

"""Start the resource-limited child, run the notebook in it, relay calls.

The child runs the notebook's code cells like "Restart & Run All" with errors
allowed. A cell that runs past `cell_timeout` is interrupted (SIGINT); one
that ignores the interrupt, or ends the process (`os._exit`, a crash), is
recorded and skipped: the child is killed, restarted, and the notebook run
again without it. Later calls that hang or kill the child cost only that
call: the next call restarts the child the same way.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Optional

from autograder.config import Limits
from autograder.sandbox import isolation, layers, zygote
from autograder.sandbox.cgroup import Cgroup
from autograder.sandbox.messages import REPLIES, GraderFunction, build, check
from autograder.sandbox.transport import (MAX_DEPTH, Channel, ChannelClosed, ChannelTimeout, Opaque, ProtocolError,
                                          SeededGenerator, encode, kept_in)


@dataclass
class CellIssue:
    """Something that went wrong in one notebook cell (student-facing text)."""
    cell: int
    message: str


@dataclass
class Execution:
    """What running the notebook did: problems per cell, cells given up on."""
    issues: list = field(default_factory=list)
    skipped: set = field(default_factory=set)
    # Cells that ended the process: they run statement by statement, without
    # the statements (numbered from 0) that ended it ({cell: {number, ...}}).
    split: dict = field(default_factory=dict)


class ChildFailure(Exception):
    """The child did not answer: `reason` is 'timeout', 'died' or 'protocol'."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


class Sandbox:
    """One student's notebook in a resource-limited child process.

    `isolation` is the mode and layers its child runs with (`layers.choose`
    for `limits.isolation` on this host); raises `layers.IsolationRefused`
    where that mode is not available."""

    def __init__(self, cells: list, limits: Limits, labels: Optional[list] = None):
        self.cells, self.limits = list(cells), limits
        self.isolation = layers.choose(limits.isolation, layers.detect())
        if self.isolation.has("undumpable-grader"):
            layers.protect_self()
        # How feedback names each cell, e.g. "cell 7" (its place in the notebook).
        self.labels = labels or [f"code cell {i + 1}" for i in range(len(self.cells))]
        self.execution = Execution()
        self.restarts = 0
        self.started = time.monotonic()
        self._process: Optional[zygote.ForkedChild] = None
        self._channel: Optional[Channel] = None
        self._workdir: Optional[str] = None
        self._cgroup: Optional[Cgroup] = None
        self._uid: Optional[tuple] = None   # (uid, gid, lock fd) of the child, for this sandbox's life
        self._callables_issued = 0          # ids of callbacks sent to the child: never reused
        self._generation = 0                # children started so far
        self._kept: OrderedDict = OrderedDict()   # id -> (value, handle, generation, snapshot)

    # --- lifecycle --------------------------------------------------------
    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run_notebook(self) -> Execution:
        """Run every code cell; afterwards the child holds the final namespace."""
        while True:
            self._spawn()
            outcome = self._run_cells()
            if outcome is None:
                return self.execution
            cell, message, statement = outcome
            self._record(CellIssue(cell, message))
            if message is not _DIED:   # a hang or a forged message: the whole cell goes
                self.execution.skipped.add(cell)
            elif statement is not None:   # only the statement that ended the process
                self.execution.split[cell].add(statement)
            elif cell in self.execution.split:   # it died before its first statement
                self.execution.skipped.add(cell)
            else:   # the next child finds the fatal statement
                self.execution.split[cell] = set()
            self._kill()
            if self.restarts >= self.limits.max_restarts:
                self._record(CellIssue(cell, f"the notebook was not run again after {self.restarts} restarts"))
                return self.execution
            self.restarts += 1

    def rerun(self, cells: list) -> Execution:
        """Run other cells in the same child (its namespace is kept): how the
        test banks swap one function at a time without paying a new start-up."""
        self.cells, self.labels = list(cells), [f"code cell {i + 1}" for i in range(len(cells))]
        self.execution = Execution()
        if self._process is None or self._process.poll() is not None:
            return self.run_notebook()
        outcome = self._run_cells()
        if outcome is not None:
            self._record(CellIssue(*outcome[:2]))
            self._kill()
        return self.execution

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            try:
                self._channel.send(build("exit"))
                self._process.wait(timeout=1)
            except (OSError, ProtocolError, subprocess.TimeoutExpired):
                pass
        self._kill()
        if self._uid is not None:
            os.close(self._uid[2])          # the uid is free for another sandbox
            self._uid = None

    # --- calls ------------------------------------------------------------
    def call(self, name: str, args: tuple, kwargs: dict, timeout: float, trace_memory: bool = False,
             bind: Optional[dict] = None) -> dict:
        """Call a student function; returns the child's checked reply (see
        `messages.FROM_CHILD`: return, raise, missing or not_callable).
        `bind` maps names of the student's namespace to grader functions that
        stand in for them during this call only (`autograder.dependencies`).
        Callbacks are answered only for this call's own functions: their ids
        are never reused, and a stale one is refused in the child.

        Raises ChildFailure when the call hung or killed the child; the child
        is then restarted (notebook re-run) before the next call.
        """
        if self._process is None or self._process.poll() is not None:
            if self.restarts >= self.limits.max_restarts:
                raise ChildFailure("died", "the notebook crashed the sandbox too often to go on")
            self.restarts += 1
            self._rerun_quietly()
        callables: dict = {}

        def register(value):
            if isinstance(value, SeededGenerator):
                return {"$rng": value.seed}
            if isinstance(value, (Opaque, _Kept)):   # the child's own object, handed back
                return {"$opaque": value.handle}
            if callable(value):
                self._callables_issued += 1
                callables[self._callables_issued] = value
                return {"$callable": self._callables_issued}
            raise TypeError(f"grader bug: cannot send {type(value).__name__} to the child")

        args, kwargs = self._handed_back(list(args)), self._handed_back(dict(kwargs))
        self._send(build("call", on_other=register, name=name, trace_memory=trace_memory,
                         args=args, kwargs=kwargs, bind=dict(bind or {})))
        deadline = time.monotonic() + min(timeout, self._budget_left())
        while True:
            reply = self._receive(deadline, REPLIES["call"])
            if reply["op"] != "callback":
                return reply
            self._answer_callback(reply, callables)

    def _remember_kept(self, data: Any, value: Any) -> None:
        """Note the containers of a returned value that the child kept (a
        dict or tuple subclass: an OrderedDict cache, a namedtuple), so that
        passing one back unchanged gives the student their own object."""
        for container, handle in kept_in(data, value, []):
            self._kept[id(container)] = (container, handle, self._generation, _snapshot(container))
            self._kept.move_to_end(id(container))
            while len(self._kept) > KEPT_VALUES:
                self._kept.popitem(last=False)

    def _handed_back(self, value: Any, depth: int = 0) -> Any:
        """`value` with every container the child kept, still unchanged and
        from the current child, replaced by a reference to the child's object."""
        entry = self._kept.get(id(value))
        if entry is not None and entry[0] is value and entry[2] == self._generation \
                and _snapshot(value) == entry[3]:
            return _Kept(entry[1])
        if depth >= MAX_DEPTH:
            return value
        if type(value) is list:
            return [self._handed_back(v, depth + 1) for v in value]
        if type(value) is tuple:
            return tuple(self._handed_back(v, depth + 1) for v in value)
        if type(value) is dict:
            return {k: self._handed_back(v, depth + 1) for k, v in value.items()}
        return value

    def describe(self, handle: int, timeout: float) -> dict:
        """The child's checked description of a Figure it kept: a `described`
        reply (its `figure` matches `messages.FIGURE`, or is None) or `raise`."""
        if self._process is None or self._process.poll() is not None:
            raise ChildFailure("died", "the object no longer exists")
        self._send(build("describe", handle=handle))
        return self._receive(time.monotonic() + timeout, REPLIES["describe"])

    def _rerun_quietly(self) -> None:
        """Re-run the notebook for a new child; its cells' messages were
        already recorded by the first run, so only new skips are kept."""
        first = self.execution
        self.execution = Execution(skipped=set(first.skipped), split=first.split)
        try:
            self.run_notebook()
        finally:
            first.skipped |= self.execution.skipped
            self.execution = first

    def _answer_callback(self, request: dict, callables: dict) -> None:
        index, kwargs = request["id"], request["kwargs"]
        if index not in callables:
            if 0 < index <= self._callables_issued:   # kept from an earlier call
                self._send(build("callback_raise", message="this function was provided by the grader for one "
                                                           "call only; it cannot be kept and used later"))
                return
            self._kill()
            raise ChildFailure("protocol", "callback to an unknown function")

        def resolve(value):   # a grader function handed back: this call's own only
            if isinstance(value, GraderFunction):
                if value.id not in callables:
                    raise ValueError("a function provided by the grader for another call cannot be used")
                return callables[value.id]
            return value

        try:
            if type(kwargs) is not dict or not all(type(k) is str for k in kwargs):
                raise ValueError("keyword arguments must be a dict with str keys")
            value = callables[index](*map(resolve, request["args"]), **{k: resolve(v) for k, v in kwargs.items()})
            reply = build("callback_return", on_other=_no_other, value=value)
        except Exception as exc:   # the grader's function rejected the student's arguments
            reply = build("callback_raise", message=str(exc))   # raised as ValueError there
        self._send(reply)

    # --- internals ----------------------------------------------------------
    def _send(self, message: dict) -> None:
        """Send to the child; a child that died in the meantime is a ChildFailure."""
        try:
            self._channel.send(message)
        except (OSError, ProtocolError) as exc:
            self._kill()
            raise ChildFailure("died", str(exc)) from None

    def _run_cells(self) -> Optional[tuple]:
        """Run the notebook in a fresh child. None when it finished, else
        (cell, message, statement) for the cell that hung or killed the child
        (statement: the number of the one running, when the cell was split)."""
        self._send(build("run", cells=self.cells, skip=sorted(self.execution.skipped),
                         split=[{"index": c, "skip": sorted(s)} for c, s in sorted(self.execution.split.items())]))
        current = statement = None
        while True:
            deadline = time.monotonic() + min(self.limits.cell_timeout, self._budget_left())
            try:
                message = self._receive(deadline, REPLIES["run"])
            except ChildFailure as failure:
                if current is None:
                    raise
                return current, _cell_failure_text(failure, self.limits), statement
            if message["op"] == "cell":
                current, statement = message["index"], None
            elif message["op"] == "statement":
                if message["index"] != current or current not in self.execution.split:
                    self._kill()
                    raise ChildFailure("protocol", "a statement of a cell that was not split")
                statement = message["number"]
            elif message["op"] == "cell_done" and message.get("interrupted"):
                self._record(CellIssue(message["index"], f"stopped after {self.limits.cell_timeout:.0f} s "
                                                         "(an infinite loop?); execution went on"))
                self.execution.skipped.add(message["index"])   # a re-run would hang on it again
            elif message["op"] == "cell_done" and message["error"]:
                self._record(CellIssue(message["index"], error_text(message["error"])))
            elif message["op"] == "ran":
                return None

    def _record(self, issue: CellIssue) -> None:
        if issue not in self.execution.issues:   # a re-run meets earlier cells' errors again
            self.execution.issues.append(issue)

    def _receive(self, deadline: float, expected: tuple) -> dict:
        """The next message before the deadline, one of the `expected` kinds,
        checked against the table (see `_checked`); on timeout interrupt, then kill."""
        try:
            return self._checked(self._channel.recv(timeout=max(0.0, deadline - time.monotonic()),
                                                    caps=self._caps()), expected)
        except ChannelTimeout:
            pass
        except ProtocolError as exc:
            self._kill()
            raise ChildFailure("died" if isinstance(exc, ChannelClosed) else "protocol", str(exc))
        if self._process.poll() is None:
            os.kill(self._process.pid, signal.SIGINT)
            grace = time.monotonic() + self.limits.interrupt_grace
            try:
                while True:
                    message = self._checked(self._channel.recv(timeout=max(0.0, grace - time.monotonic()),
                                                               caps=self._caps()), expected)
                    if message["op"] in ("raise", "cell_done"):   # what the interrupt stopped
                        message["interrupted"] = True
                        return message
                    if message["op"] != "callback":
                        break
                    # A callback asked for before the interrupt: left unanswered, as the
                    # child, interrupted while it waits, reads no reply (child.RemoteCallable).
            except (ChannelTimeout, ProtocolError):
                pass
        self._kill()
        raise ChildFailure("timeout", "no answer before the deadline")

    def _caps(self) -> dict:
        """Kinds bounded below `max_message` before they are read: a callback's
        arguments go to the grader's own functions, which take small inputs."""
        return {"callback": self.limits.max_callback}

    def _checked(self, message: dict, expected: tuple) -> dict:
        """The child's message as `messages.check` rebuilds it: the child is
        untrusted, so a forged, garbled or out-of-step message is a protocol
        failure of that child (it is killed), never an error in the grader."""
        try:
            checked = check(message, expected)
            if checked["op"] == "return":
                self._remember_kept(message["value"], checked["value"])
            return checked
        except ProtocolError as exc:
            self._kill()
            raise ChildFailure("protocol", f"malformed {message['op'][:40]!r} message: {exc}") from None

    def _budget_left(self) -> float:
        return max(0.0, self.limits.submission_timeout - (time.monotonic() - self.started))

    def _spawn(self) -> None:
        self._kill()
        self._generation += 1
        self._workdir = tempfile.mkdtemp(prefix="autograder-sandbox-")
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        limits, chosen = self.limits, self.isolation
        uid = gid = None
        if chosen.mode != "none":
            uid, gid = self._child_uid()
            if uid != os.geteuid():
                os.chown(self._workdir, uid, gid)   # the jail is built on it, as that uid
        if chosen.has("cgroup-v1") or chosen.has("cgroup-v2"):
            self._cgroup = Cgroup.create(limits.memory, limits.processes, limits.cpu_cores)
            if self._cgroup is None:
                raise RuntimeError("the child's cgroup could not be created, though the host allowed one")
        jailed = chosen.has("private-root")
        request = {"workdir": self._workdir, "mode": chosen.mode, "layers": list(chosen.layers),
                   "uid": uid, "gid": gid, "rlimits": _rlimits(limits), "max_message": limits.max_message,
                   "cgroup": self._cgroup and dataclasses.asdict(self._cgroup),
                   "env": zygote.child_environment(isolation.WORKDIR if jailed else self._workdir)}
        try:
            self._process = _fork_child(request, (to_child_r, from_child_w))
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self._channel = Channel(from_child_r, to_child_w, limits.max_message, limits.max_items)

    def _child_uid(self) -> tuple:
        """An allocated unused uid (root), else the grader's own."""
        if not self.isolation.has("unused-uid"):
            return os.geteuid(), os.getegid()
        if self._uid is None:
            uid, fd = isolation.allocate_uid()
            self._uid = (uid, uid, fd)
        return self._uid[0], self._uid[1]

    def _kill(self) -> None:
        if self._process is not None:
            try:
                os.killpg(self._process.pid, signal.SIGKILL)   # the whole group: forks too
            except (ProcessLookupError, PermissionError):
                pass
            self._process.wait()
            self._process = None
            if self._uid is not None and not self.isolation.has("pid-namespace"):
                isolation.kill_every_process_of(self._uid[0])   # left the session: its uid is its own
        if self._cgroup is not None:   # processes that left the session die here
            self._cgroup.destroy()
            self._cgroup = None
        if self._channel is not None:
            for fd in (self._channel.read_fd, self._channel.write_fd):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._channel = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None


# Containers the child kept that the parent remembers (the latest ones): a
# hidden test passes a cache back within a few calls of getting it.
KEPT_VALUES = 64


@dataclass(frozen=True)
class _Kept:
    """A reference to an object the current child kept (see `_handed_back`)."""
    handle: int


def _snapshot(value: Any) -> str:
    """What `value` would be on the wire: equal snapshots, an unchanged value."""
    def tag(other):
        if isinstance(other, Opaque):
            return {"$opaque": other.handle, "type": other.type_name}
        return {"$unsendable": repr(type(other))}
    return json.dumps(encode(value, tag), sort_keys=True, allow_nan=False)


def _no_other(value: Any) -> dict:
    raise TypeError(f"grader bug: a callback returned a {type(value).__name__}")


def _rlimits(limits: Limits) -> dict:
    """The child's rlimits (`isolation.apply_rlimits` sets them once its jail is built)."""
    return {"RLIMIT_CPU": limits.cpu_seconds, "RLIMIT_AS": limits.address_space,
            "RLIMIT_FSIZE": limits.file_size, "RLIMIT_NOFILE": limits.open_files,
            "RLIMIT_NPROC": limits.processes, "RLIMIT_CORE": 0}


def _fork_child(request: dict, fds: tuple) -> zygote.ForkedChild:
    """A child forked by this process's zygote; a zygote that died (killed, or
    its session broken) is replaced once."""
    for attempt in range(2):
        session = None
        try:
            session = zygote.session()
            return session.spawn(request, fds)
        except zygote.ZygoteGone:
            if session is not None:
                zygote.forget(session)
            if attempt:
                raise


def error_text(error: dict, labels: tuple = ()) -> str:
    """A checked error record (`messages.ERROR`) as the student reads it:
    "IndexError: ... (line 3: `y = x[10]`)", the line's cell named from
    `labels` when given ("code cell 7, line 3: ...")."""
    text = f"{error['type']}: {error['message']}".rstrip(": ")
    where = error["where"]
    if where is None or not where["code"]:
        return text
    cell = where["cell"]
    label = f"{labels[cell]}, " if cell is not None and cell < len(labels) else ""
    return f"{text} ({label}line {where['line']}: `{where['code']}`)"


# What a cell that ended the child's process is told: the cell's other
# statements stand (see Execution.split).
_DIED = ("ended the Python process (os._exit, sys.exit outside IPython, or a crash); "
         "the notebook was run again without the statement that did it")


def _cell_failure_text(failure: ChildFailure, limits: Limits) -> str:
    if failure.reason == "timeout":
        return (f"ran longer than {limits.cell_timeout:.0f} s and ignored the interrupt; "
                "the notebook was run again without this cell")
    if failure.reason == "protocol":
        return ("sent the grader a malformed message (was the grader's sandbox code modified?); "
                "the notebook was run again without this cell")
    return _DIED

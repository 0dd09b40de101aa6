"""`student.fn(...)` in the trusted process: a call into the sandbox.

A call returns the student's value, decoded as plain data, or raises a
`StudentFailure` whose message is written for the student. Hidden tests let
these propagate; the plugin turns them into feedback.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Optional

from autograder.sandbox.runner import ChildFailure, Sandbox, error_text
from autograder.sandbox.transport import Opaque


class StudentFailure(Exception):
    """A call into the student's code that produced no value."""

    def __init__(self, function: str, message: str):
        super().__init__(message)
        self.function, self.message = function, message


class NotAttempted(StudentFailure):
    """The function still raises NotImplementedError (the release stub)."""


class MissingFunction(StudentFailure):
    """The notebook does not define the function, or it is not callable."""


class RaisedError(StudentFailure):
    """The student's function raised an exception."""


class TimedOut(StudentFailure):
    """The call ran past its time limit."""


class ProcessDied(StudentFailure):
    """The call ended the student's process (os._exit, a crash, a memory bomb)."""


class UnreadableReply(StudentFailure):
    """The child answered with a message that breaks the wire table
    (`messages.py`): code in the notebook patched the grader's sandbox code,
    or wrote on its channel."""


UNREADABLE_HINT = "(was the grader's sandbox code modified from the notebook?)"


@dataclass
class CallRecord:
    """What the child said about the last call besides the value."""
    warnings: list = field(default_factory=list)
    mutated_inputs: int = 0
    peak_bytes: int = 0      # peak memory the call allocated, with `tracing_memory()`


class Student:
    """Attribute access gives the student's functions: `student.relu(x)`."""

    def __init__(self, sandbox: Sandbox, timeout: float, trace_memory: bool = False, bind: Optional[dict] = None):
        self._sandbox, self._timeout, self._trace_memory = sandbox, timeout, trace_memory
        self._bind = dict(bind or {})   # names bound to grader functions in every call (dependencies.py)
        self.last_call = CallRecord()

    def with_timeout(self, seconds: float) -> "Student":
        other = Student(self._sandbox, seconds, self._trace_memory, self._bind)
        other.last_call = self.last_call
        return other

    def tracing_memory(self) -> "Student":
        """Calls that also report their peak allocation in `last_call.peak_bytes`
        (e.g. to see a d_out x d_in matrix formed where LoRA needs none)."""
        other = Student(self._sandbox, self._timeout, True, self._bind)
        other.last_call = self.last_call
        return other

    def binding(self, functions: dict) -> "Student":
        """Calls during which each name in `functions` (exercises of the
        student's) is the grader's function instead: a callback into this
        process, valid for that call only (`autograder.dependencies`)."""
        return Student(self._sandbox, self._timeout, self._trace_memory, {**self._bind, **functions})

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    def describe_figure(self, value, what: str):
        """The structure of a Figure the student returned, as plain data of
        the shape `messages.FIGURE` gives (axes with labels, limits, contour
        sets, lines); None if `value` is not a Figure kept in the child."""
        if not isinstance(value, Opaque):
            return None
        try:
            reply = self._sandbox.describe(value.handle, self._timeout)
        except ChildFailure as failure:
            if failure.reason == "protocol":
                raise UnreadableReply(what, f"the figure returned by `{what}` came back as a description "
                                            f"the grader could not read {UNREADABLE_HINT}") from None
            raise ProcessDied(what, f"the figure returned by `{what}` could not be read") from None
        if reply["op"] == "raise":
            raise RaisedError(what, f"the figure returned by `{what}` could not be read: {error_text(reply)}")
        return reply["figure"]

    def call(self, name: str, *args, **kwargs):
        try:
            reply = self._sandbox.call(name, args, kwargs, self._timeout, self._trace_memory, bind=self._bind)
        except ChildFailure as failure:
            if failure.reason == "timeout":
                raise self._timed_out(name) from None
            if failure.reason == "protocol":
                raise UnreadableReply(name, f"calling `{name}` produced an answer the grader could not read "
                                            f"{UNREADABLE_HINT}") from None
            raise ProcessDied(name, f"calling `{name}` ended your notebook's Python process "
                                    "(os._exit, sys.exit, a crash or running out of memory)") from None
        op = reply["op"]
        if op == "return":
            self.last_call.warnings = reply["warnings"]
            self.last_call.mutated_inputs = reply["mutated_inputs"]
            self.last_call.peak_bytes = reply["peak_bytes"]
            return reply["value"]
        if op == "missing":
            defined = reply["defined"]
            hint = difflib.get_close_matches(name, defined, n=1)
            suggestion = f" Did you rename it to `{hint[0]}`?" if hint else ""
            raise MissingFunction(name, f"`{name}` is not defined in your notebook.{suggestion} "
                                        "Define it with exactly this name and run every cell.")
        if op == "not_callable":
            raise MissingFunction(name, f"`{name}` is a {reply['type']}, not a function "
                                        "(was the name reused for a variable later in the notebook?)")
        # op == "raise": the only reply left (`messages.REPLIES`)
        if reply.get("interrupted"):
            raise self._timed_out(name)
        if reply["type"] == "NotImplementedError":
            raise NotAttempted(name, f"`{name}` still raises NotImplementedError: not attempted")
        raise RaisedError(name, f"`{name}` raised {error_text(reply, self._sandbox.labels)}")

    def _timed_out(self, name: str) -> TimedOut:
        return TimedOut(name, f"`{name}` did not return within {self._timeout:g} s "
                              "(an infinite loop, or far too slow)")

"""Every message between the trusted grader and the child: one table, checked on receipt.

Each message is a JSON object `{"op": kind, field: value, ...}`. The tables
below give, for each kind, its fields with their types and caps (the model is
nbformat's JSON schema for notebooks: data, not code paths). Both sides build
their messages with `build`, which cuts text and lists to their caps; the
parent reads every message of the child through `check`, which refuses any
message that breaks the table, so a forged or garbled reply is that child's
protocol failure, never a crash in the grader. Fields marked `Value` carry a
value in `transport`'s format and, when the table gives one, a schema for the
decoded value (the figure description is one).

The parent trusts its own requests: the child reads them as built.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from autograder.sandbox.transport import MAX_INT, MIN_INT, ProtocolError, decode, encode


# --- field types --------------------------------------------------------------
# Each type checks a received value (`check`, raising ProtocolError and naming
# the field's path) and fits a value about to be sent (`fit`, cutting text and
# lists to their caps; `Value` also encodes).

class Text:
    """A string of at most `cap` characters (no cap when None)."""

    def __init__(self, cap: Optional[int] = None):
        self.cap = cap

    def check(self, value, path: str):
        if type(value) is not str:
            raise ProtocolError(f"{path}: expected a string, got {type(value).__name__}")
        if self.cap is not None and len(value) > self.cap:
            raise ProtocolError(f"{path}: over {self.cap} characters")
        return value

    def fit(self, value, on_other):
        return value[:self.cap]


class Int:
    """An integer (not a bool) of at most 64 bits, at least `minimum` when given."""

    def __init__(self, minimum: Optional[int] = None):
        self.minimum = minimum

    def check(self, value, path: str):
        if type(value) is not int:
            raise ProtocolError(f"{path}: expected an integer, got {type(value).__name__}")
        if not MIN_INT <= value <= MAX_INT:
            raise ProtocolError(f"{path}: an integer beyond 64 bits")
        if self.minimum is not None and value < self.minimum:
            raise ProtocolError(f"{path}: below {self.minimum}")
        return value

    def fit(self, value, on_other):
        return value


class Exactly:
    """A value of exactly this Python type (bool, float)."""

    def __init__(self, kind: type):
        self.kind = kind

    def check(self, value, path: str):
        if type(value) is not self.kind:
            raise ProtocolError(f"{path}: expected a {self.kind.__name__}, got {type(value).__name__}")
        return value

    def fit(self, value, on_other):
        return value


class Array:
    """A decoded ndarray of these dtype kinds whose shape matches `shape`
    (None stands for any length along that axis)."""

    def __init__(self, kinds: str, shape: tuple):
        self.kinds, self.shape = kinds, shape

    def check(self, value, path: str):
        if type(value) is not np.ndarray or value.dtype.kind not in self.kinds:
            raise ProtocolError(f"{path}: expected an array of kind {self.kinds!r}")
        if value.ndim != len(self.shape) or any(n not in (None, m) for n, m in zip(self.shape, value.shape)):
            raise ProtocolError(f"{path}: expected an array of shape {self.shape}, got {value.shape}")
        return value

    def fit(self, value, on_other):
        return value


class ListOf:
    """A list of items of one type: at most `cap` of them, or exactly `length`."""

    def __init__(self, item, cap: Optional[int] = None, length: Optional[int] = None):
        self.item, self.cap, self.length = item, cap, length

    def check(self, value, path: str):
        if type(value) is not list:
            raise ProtocolError(f"{path}: expected a list, got {type(value).__name__}")
        if self.cap is not None and len(value) > self.cap:
            raise ProtocolError(f"{path}: over {self.cap} items")
        if self.length is not None and len(value) != self.length:
            raise ProtocolError(f"{path}: expected {self.length} items, got {len(value)}")
        return [self.item.check(v, f"{path}[{i}]") for i, v in enumerate(value)]

    def fit(self, value, on_other):   # any iterable: the child passes generators
        return [self.item.fit(v, on_other) for v in itertools.islice(value, self.cap)]


class Record:
    """A dict with exactly these fields (received extra keys are dropped)."""

    def __init__(self, **fields):
        self.fields = fields

    def check(self, value, path: str):
        if type(value) is not dict:
            raise ProtocolError(f"{path}: expected an object, got {type(value).__name__}")
        missing = [name for name in self.fields if name not in value]
        if missing:
            raise ProtocolError(f"{path}: no field {missing[0]!r}")
        return {name: kind.check(value[name], f"{path}.{name}") for name, kind in self.fields.items()}

    def fit(self, value, on_other):
        if set(value) != set(self.fields):   # a bug in the sending side's code
            raise TypeError(f"grader bug: a message needs exactly the fields {sorted(self.fields)}, "
                            f"got {sorted(value)}")
        return {name: kind.fit(value[name], on_other) for name, kind in self.fields.items()}


class Nullable:
    """None, or a value of the inner type."""

    def __init__(self, inner):
        self.inner = inner

    def check(self, value, path: str):
        return None if value is None else self.inner.check(value, path)

    def fit(self, value, on_other):
        return None if value is None else self.inner.fit(value, on_other)


class Plain:
    """Any value `transport.decode` produces."""

    def check(self, value, path: str):
        return value

    def fit(self, value, on_other):
        return value


@dataclass(frozen=True)
class GraderFunction:
    """A grader function the child hands back in a callback's arguments
    (`{"$callable": id}`); the parent resolves the id, for the current call only."""
    id: int


class Value:
    """A value in `transport`'s format, decoded on receipt and checked
    against `schema`; before sending it is fitted to `schema`, then encoded.
    With `functions`, `{"$callable": id}` decodes to a `GraderFunction`."""

    def __init__(self, schema=Plain(), functions: bool = False):
        self.schema, self.functions = schema, functions

    def check(self, value, path: str):
        return self.schema.check(decode(value, GraderFunction if self.functions else None), path)

    def fit(self, value, on_other):
        return encode(self.schema.fit(value, on_other), on_other)


# --- the table ------------------------------------------------------------------

# Where an exception happened in the student's code (cell is None for a
# SyntaxError, whose cell the child cannot tell).
WHERE = Record(cell=Nullable(Int(0)), line=Nullable(Int()), code=Text(200))
ERROR = Record(type=Text(80), message=Text(500), where=Nullable(WHERE))

# What a hidden test may check about a matplotlib Figure (child.describe_figure).
CONTOUR = Record(filled=Exactly(bool), levels=Int(0), extent=ListOf(Exactly(float), length=4))
AXES = Record(xlabel=Text(200), ylabel=Text(200), title=Text(200),
              xlim=ListOf(Exactly(float), length=2), ylim=ListOf(Exactly(float), length=2),
              contours=ListOf(CONTOUR, cap=32), lines=ListOf(Array("f", (None, 2)), cap=256),
              images=Int(0), other_collections=Int(0))
FIGURE = Record(axes=ListOf(AXES, cap=32))

FROM_PARENT = {
    "run": Record(cells=ListOf(Text()), skip=ListOf(Int(0)),         # run the notebook's code cells;
                  # cells that ended the process run statement by statement, without these
                  split=ListOf(Record(index=Int(0), skip=ListOf(Int(0))))),
    # `bind`: {exercise name: a grader callback} bound in the student's namespace for this call only
    # (autograder/dependencies.py: a check re-run with references in place of wrong exercises)
    "call": Record(name=Text(), trace_memory=Exactly(bool), args=Value(), kwargs=Value(), bind=Value()),
    "describe": Record(handle=Int()),                                 # describe a kept Figure
    "callback_return": Record(value=Value()),                         # a grader function's answer
    "callback_raise": Record(message=Text(300)),                      # ... or its refusal
    "exit": Record(),
}

FROM_CHILD = {
    "cell": Record(index=Int(0)),                                     # this cell starts
    "statement": Record(index=Int(0), number=Int(0)),                 # ... its top-level statement (split)
    "cell_done": Record(index=Int(0), error=Nullable(ERROR)),
    "ran": Record(),                                                  # every cell ran
    "return": Record(value=Value(), warnings=ListOf(Text(500), cap=5),
                     mutated_inputs=Int(0), peak_bytes=Int(0)),
    "raise": ERROR,
    "missing": Record(defined=ListOf(Text(100), cap=500)),            # the functions it does define
    "not_callable": Record(type=Text(80)),
    "callback": Record(id=Int(0), args=Value(ListOf(Plain()), functions=True),   # call a grader function
                       kwargs=Value(Plain(), functions=True)),        # (a dict: the parent checks it)
    "described": Record(figure=Value(Nullable(FIGURE))),              # None: not a Figure
}

# What the child may send while the parent waits on each request.
REPLIES = {
    "run": ("cell", "statement", "cell_done", "ran"),
    "call": ("return", "raise", "missing", "not_callable", "callback"),
    "describe": ("described", "raise"),
}

KINDS = {**FROM_PARENT, **FROM_CHILD}


def build(op: str, on_other: Callable[[Any], dict] = None, **fields) -> dict:
    """A message of this kind, its text and lists cut to the table's caps and
    its values encoded (`on_other` tags what is not plain, see `transport.encode`)."""
    return {"op": op, **KINDS[op].fit(fields, on_other)}


def check(message: dict, expected: tuple) -> dict:
    """A received message rebuilt from the table: one of the `expected`
    kinds, every field present and typed, values decoded, unknown fields
    dropped. Anything else is a ProtocolError."""
    op = message["op"]
    if op not in expected:
        raise ProtocolError(f"unexpected {op[:40]!r}")
    return {"op": op, **KINDS[op].check(message, op)}

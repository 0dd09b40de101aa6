"""Wire format between the trusted grader and the sandboxed child.

With `messages.py`, which lists every message kind and its fields, the
only code that knows it. Both sides import it; the child's copy is
untrusted, so the parent decodes every message as hostile input: a malformed
value is a ProtocolError, whatever numpy or base64 would raise.

A message is a JSON object preceded by its byte length (8 bytes, big endian).
Values are JSON numbers, strings, booleans and null, plus tagged objects:

    {"$nd": [dtype, shape, base64]}   a numeric numpy array (kinds b, i, u, f, c)
    {"$tuple": [...]}                 a tuple (JSON lists are lists)
    {"$dict": [[key, value], ...]}    a dict with str or int keys
    {"$float": "nan" | "inf" | "-inf"} a non-finite float (JSON has none)
    {"$opaque": id, "type": name}     an object that stays in the child
    {"$dict" | "$tuple": ..., "$kept": id}  a dict or tuple subclass (OrderedDict, a
                                      namedtuple): its plain contents, the object kept in the child
    {"$callable": id}                 a parent function the child may call back
    {"$rng": seed}                    a numpy Generator the child builds from this seed

Nothing is ever pickled: decoding can only produce the plain types above,
`Opaque` and whatever the side's `on_callable` hook builds.
"""
from __future__ import annotations

import base64
import json
import math
import os
import select
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

HEADER_BYTES = 8
NUMERIC_KINDS = "biufc"   # bool, signed, unsigned, float, complex: no objects, strings, records
MAX_DEPTH = 32            # nesting deeper than this is not a plain value
MAX_DIMS = 32             # array dimensions (numpy 1.x's own limit)
MAX_DTYPE_CHARS = 8       # "<c16" is the longest numeric dtype string numpy gives
MIN_INT, MAX_INT = -2 ** 63, 2 ** 64 - 1   # the integers numpy holds (int64 and uint64)


OP_PREFIX_BYTES = 32      # b'{"op":"', the kind's name (at most 24 characters) and its quote


def _leading_op(head: bytes) -> str:
    """The op a message starts with (`{"op":"kind",...`), or a ProtocolError."""
    prefix = b'{"op":"'
    end = head.find(b'"', len(prefix))
    if not head.startswith(prefix) or end < 0:
        raise ProtocolError("message does not start with its op")
    return head[len(prefix):end].decode("ascii", "replace")


class ProtocolError(Exception):
    """The other side sent something that is not a valid message."""


class ChannelClosed(ProtocolError):
    """The other side closed its end (it exited or was killed)."""


class ChannelTimeout(Exception):
    """No complete message arrived before the deadline."""


@dataclass(frozen=True)
class Opaque:
    """A value the child could not send as plain data; only its type name crosses."""
    handle: int
    type_name: str

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"


@dataclass(frozen=True)
class SeededGenerator:
    """An argument that arrives in the child as `np.random.default_rng(seed)`
    (a Generator itself cannot cross: it is not plain data)."""
    seed: int


# --- values -----------------------------------------------------------------

def encode(value: Any, on_other: Callable[[Any], dict], depth: int = 0) -> Any:
    """Turn a value into JSON-ready data; `on_other` tags what is not plain."""
    if depth >= MAX_DEPTH:
        return on_other(value)
    kind = type(value)   # exact types only: subclasses may override __eq__ and friends
    if value is None or kind in (bool, str):
        return value
    if kind is int:   # beyond 64 bits numpy and float() fail on it: not a plain number here
        return value if MIN_INT <= value <= MAX_INT else on_other(value)
    if kind is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, np.generic) and value.dtype.kind in NUMERIC_KINDS:
        return encode(value.item(), on_other, depth + 1)
    if kind is np.str_:
        return str(value)
    if kind is np.ndarray and value.dtype.kind in NUMERIC_KINDS and value.dtype.fields is None:
        return {"$nd": [value.dtype.str, list(value.shape), base64.b64encode(value.tobytes()).decode()]}
    if kind is list:
        return [encode(v, on_other, depth + 1) for v in value]
    if kind is tuple:
        return {"$tuple": [encode(v, on_other, depth + 1) for v in value]}
    if kind is dict and all(type(k) in (str, int) for k in value):
        return {"$dict": [[k, encode(v, on_other, depth + 1)] for k, v in value.items()]}
    # A dict subclass (OrderedDict, defaultdict) or a tuple subclass (a
    # namedtuple) crosses as its plain contents, and the object itself stays
    # with the sender under the handle `on_other` gives it ("$kept"): the
    # other side reads a plain dict or tuple, and passing that value back
    # unchanged hands the sender its own object again (see `kept_in`).
    if isinstance(value, dict) and all(type(k) in (str, int) for k in dict.keys(value)):
        return _kept({"$dict": [[k, encode(v, on_other, depth + 1)] for k, v in dict.items(value)]},
                     on_other(value))
    if isinstance(value, tuple):
        return _kept({"$tuple": [encode(v, on_other, depth + 1) for v in tuple.__iter__(value)]},
                     on_other(value))
    return on_other(value)


def _kept(plain: dict, tag: Any) -> Any:
    if type(tag) is dict and type(tag.get("$opaque")) is int:
        return {**plain, "$kept": tag["$opaque"]}
    return tag


def kept_in(data: Any, value: Any, found: list, depth: int = 0) -> list:
    """The containers of a decoded `value` that the sender kept (`$kept`
    tags of the `data` it was decoded from), as (container, handle) pairs."""
    if depth > MAX_DEPTH:
        return found
    if type(data) is list and type(value) is list:
        pairs = zip(data, value)
    elif type(data) is dict and type(data.get("$tuple")) is list and type(value) is tuple:
        pairs = zip(data["$tuple"], value)
    elif type(data) is dict and type(data.get("$dict")) is list and type(value) is dict:
        pairs = [(p[1], value[p[0]]) for p in data["$dict"] if type(p) is list and len(p) == 2 and p[0] in value]
    else:
        return found
    for item_data, item in pairs:
        kept_in(item_data, item, found, depth + 1)
    if type(data) is dict and type(data.get("$kept")) is int:
        found.append((value, data["$kept"]))
    return found


def decode(data: Any,
           on_callable: Callable[[int], Any] = None,
           on_opaque: Callable[[int, str], Any] = None,
           depth: int = 0) -> Any:
    """Rebuild a value from untrusted JSON data, accepting only the tags above."""
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if data is None or type(data) in (bool, float, str):
        return data
    if type(data) is int:   # a JSON integer is unbounded: one beyond 64 bits breaks float() and numpy
        if not MIN_INT <= data <= MAX_INT:
            raise ProtocolError("an integer beyond 64 bits")
        return data
    if type(data) is list:
        return [decode(v, on_callable, on_opaque, depth + 1) for v in data]
    if type(data) is not dict or len(data) not in (1, 2):
        raise ProtocolError(f"unexpected {type(data).__name__} in value")
    if "$nd" in data:
        return _decode_array(data["$nd"])
    if "$tuple" in data and type(data["$tuple"]) is list:
        return tuple(decode(v, on_callable, on_opaque, depth + 1) for v in data["$tuple"])
    if "$dict" in data and type(data["$dict"]) is list:
        out = {}
        for pair in data["$dict"]:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) not in (str, int):
                raise ProtocolError("malformed dict entry")
            out[pair[0]] = decode(pair[1], on_callable, on_opaque, depth + 1)
        return out
    if "$float" in data and data["$float"] in ("nan", "inf", "-inf"):
        return float(data["$float"])
    if "$opaque" in data and type(data["$opaque"]) is int:
        type_name = str(data.get("type", "object"))[:80]
        return on_opaque(data["$opaque"], type_name) if on_opaque else Opaque(data["$opaque"], type_name)
    if "$callable" in data and type(data["$callable"]) is int and on_callable:
        return on_callable(data["$callable"])
    if "$rng" in data and type(data["$rng"]) is int and on_callable and 0 <= data["$rng"] < 2 ** 128:
        return np.random.default_rng(data["$rng"])   # only the child accepts callables and generators
    raise ProtocolError("unknown value tag")


def _decode_array(spec: Any) -> np.ndarray:
    if type(spec) is not list or len(spec) != 3:
        raise ProtocolError("malformed array")
    dtype_str, shape, b64 = spec
    if type(dtype_str) is not str or type(shape) is not list or type(b64) is not str:
        raise ProtocolError("malformed array")
    if len(dtype_str) > MAX_DTYPE_CHARS:   # before numpy parses it: "f8,f8,..." builds records
        raise ProtocolError("unknown array dtype")
    if len(shape) > MAX_DIMS or any(type(n) is not int or not 0 <= n <= MAX_INT for n in shape):
        raise ProtocolError("malformed array shape")
    try:   # numpy's and base64's parsers raise what they like (SyntaxError, binascii.Error, ...)
        dtype = np.dtype(dtype_str)
        if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
            raise ProtocolError("non-numeric array dtype")
        # The declared size is checked against the text before anything is
        # decoded or allocated: a hostile header cannot make the grader build
        # an array larger than the message that carried it.
        size = math.prod(shape) * dtype.itemsize
        if len(b64) != 4 * -(-size // 3):
            raise ProtocolError("array data does not match its shape")
        raw = base64.b64decode(b64, validate=True)
        if size != len(raw):
            raise ProtocolError("array data does not match its shape")
        return np.frombuffer(raw, dtype=dtype).reshape(tuple(shape)).copy()
    except ProtocolError:
        raise
    except Exception as exc:
        raise ProtocolError(f"unreadable array ({type(exc).__name__})") from None


# --- messages ---------------------------------------------------------------

class Channel:
    """Length-prefixed JSON messages over a pair of pipe file descriptors."""

    def __init__(self, read_fd: int, write_fd: int, max_bytes: int, max_items: int = 200_000):
        self.read_fd, self.write_fd, self.max_bytes, self.max_items = read_fd, write_fd, max_bytes, max_items
        # What arrived of a message a timeout cut short: the next recv goes on
        # from there. Never more than the message being read.
        self._partial = bytearray()

    def send(self, message: dict) -> None:
        payload = json.dumps(message, allow_nan=False, separators=(",", ":")).encode()
        if len(payload) > self.max_bytes:
            raise ProtocolError(f"message of {len(payload)} bytes is over the {self.max_bytes}-byte limit")
        view = memoryview(len(payload).to_bytes(HEADER_BYTES, "big") + payload)
        while view:
            view = view[os.write(self.write_fd, view):]

    def recv(self, timeout: Optional[float] = None, caps: Optional[dict] = None) -> dict:
        """The next message. `caps` ({op: bytes}) bounds some kinds below
        `max_bytes` before their body is read: the message must then start
        with its op, as `send` writes it (`{"op":"kind",`). A ChannelTimeout
        loses nothing: the next call reads the rest of the same message."""
        deadline = None if timeout is None else time.monotonic() + timeout
        self._fill(HEADER_BYTES, deadline)
        size = int.from_bytes(self._partial[:HEADER_BYTES], "big")
        if size > self.max_bytes:
            raise ProtocolError(f"message of {size} bytes is over the {self.max_bytes}-byte limit")
        op = None
        if caps:
            self._fill(HEADER_BYTES + min(size, OP_PREFIX_BYTES), deadline)
            op = _leading_op(bytes(self._partial[HEADER_BYTES:HEADER_BYTES + OP_PREFIX_BYTES]))
            if op in caps and size > caps[op]:
                raise ProtocolError(f"{op!r} message of {size} bytes is over its {caps[op]}-byte limit")
        self._fill(HEADER_BYTES + size, deadline)
        payload = bytes(memoryview(self._partial)[HEADER_BYTES:])   # one copy, however large
        self._partial = bytearray()
        # Counted before parsing: every value but the first follows a comma.
        if payload.count(b",") > self.max_items:
            raise ProtocolError(f"message holds over {self.max_items} values")
        try:
            message = json.loads(payload)
        except (ValueError, RecursionError) as exc:
            raise ProtocolError("message is not valid JSON") from exc
        if type(message) is not dict or type(message.get("op")) is not str:
            raise ProtocolError("message has no op")
        if op is not None and message["op"] != op:   # a second "op" key later in the object
            raise ProtocolError("message names two ops")
        return message

    def _fill(self, n: int, deadline: Optional[float]) -> None:
        """Read until `n` bytes of the current message have arrived (no further:
        the next message stays in the pipe, where `select` sees it)."""
        while len(self._partial) < n:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([self.read_fd], [], [], remaining)[0]:
                    raise ChannelTimeout()
            chunk = os.read(self.read_fd, min(n - len(self._partial), 1 << 20))
            if not chunk:
                raise ChannelClosed("the other side closed the channel")
            self._partial += chunk

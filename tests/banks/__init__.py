"""Banks of implementations that prove the hidden tests honest.

Each lab module here (`backprop.py`, `optimizers.py`, ...) writes its variants
as ordinary functions, each named after the exercise it implements:

    bank = Bank()

    @bank.wrong("sgd_sign_error")       # must lose points and name this mistake
    def sgd_step(param, grad, lr=0.01):
        return param + lr * grad

    @bank.right()                       # another correct formulation: full marks
    def sgd_step(param, grad, lr=0.01):
        return param - lr * grad

    WRONG, RIGHT = bank.WRONG, bank.RIGHT

The decorator records a `Variant` whose `code` is what the child runs, beside
the reference solutions of the lab (so names of the lab's other functions are
the references there, whatever the bank module defines under those names):
the bank module's own import lines, then the variant's helpers (`uses=`),
then the function's source without its decorator. Defining the same name
again further down is intended: each definition was recorded when it was made.
`tests/test_banks.py` grades every variant through the real engine.
"""
import ast
import functools
import inspect
import sys
import textwrap
from typing import Callable, NamedTuple, Optional, Sequence, Union


class Variant(NamedTuple):
    exercise: str            # the SPEC function name the variant implements
    mistake: Optional[str]   # key in autograder.mistakes, or None
    code: str                # self-contained source defining the function


Helper = Union[Callable, str]   # a helper function, or the name of a module-level variable


class Bank:
    """The WRONG and RIGHT variants of one lab, in the order they are defined."""

    def __init__(self):
        self.WRONG: list[Variant] = []
        self.RIGHT: list[Variant] = []

    def wrong(self, mistake: Optional[str] = None, *, uses: Sequence[Helper] = ()):
        """Record a wrong variant; `mistake` is the catalogue key it must be named by."""
        return functools.partial(self._record, self.WRONG, mistake, uses)

    def right(self, *, uses: Sequence[Helper] = ()):
        """Record a correct variant, which must keep full marks."""
        return functools.partial(self._record, self.RIGHT, None, uses)

    @staticmethod
    def _record(variants, mistake, uses, fn):
        parts = ["".join(_imports(fn.__module__)), *(_helper_source(fn, h) for h in uses), _source(fn)]
        variants.append(Variant(fn.__name__, mistake, "\n".join(parts)))
        return fn


def _source(fn) -> str:
    """fn's source, dedented, from its `def` line on (decorators dropped)."""
    source = textwrap.dedent(inspect.getsource(fn))
    def_line = ast.parse(source).body[0].lineno
    return "".join(source.splitlines(keepends=True)[def_line - 1:])


def _helper_source(fn, helper: Helper) -> str:
    """A helper function's source, or `name = value` for a module-level variable."""
    if isinstance(helper, str):
        return f"{helper} = {fn.__globals__[helper]!r}\n"
    return _source(helper)


@functools.cache
def _imports(module_name: str) -> tuple[str, ...]:
    """A bank module's module-level imports (but the import of `Bank`): every variant ships them."""
    tree = ast.parse(inspect.getsource(sys.modules[module_name]))
    return tuple(ast.unparse(node) + "\n" for node in tree.body
                 if isinstance(node, (ast.Import, ast.ImportFrom)) and getattr(node, "module", None) != __name__)

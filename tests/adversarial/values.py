"""Hostile cases whose answers are not plain values: objects equal to
everything, ndarray subclasses, NaN, pickles, wire-format lookalikes,
recursion, arrays changed after they were sent.

Only JSON numbers, strings and plain numeric arrays cross back from the child;
anything else is a wrong answer with a message. Each cell function's body is a
notebook cell (`notebooks.cell`), run after the solution's own cells.
"""
from tests.adversarial.notebooks import cell
from tests.adversarial.schema import Case


def value_tricks():
    """Answers that compare equal to, or subtract to zero from, anything."""
    class AlwaysEqual(np.ndarray):             # an array that equals everything
        def __eq__(self, other):
            return np.ones(np.shape(other), dtype=bool)

        def __ne__(self, other):
            return np.zeros(np.shape(other), dtype=bool)

    class Anything:                            # equal to everything, zero distance from everything
        def __eq__(self, other):
            return True
        __le__ = __ge__ = __lt__ = __gt__ = __eq__

        def __ne__(self, other):
            return False

        def __float__(self):
            return 0.0

        def __abs__(self):
            return 0.0

        def __sub__(self, other):
            return 0.0
        __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __sub__

        def __hash__(self):
            return 0

    class ArrayLike:                           # becomes whatever array numpy asks it for
        __array_priority__ = 1000
        dtype = np.dtype(float)

        def __init__(self, x):
            self.shape = np.shape(x)

        def __array__(self, dtype=None, copy=None):
            return np.zeros(self.shape)

        def __len__(self):
            return self.shape[0]

        def __getitem__(self, index):
            return 0.0

        def __eq__(self, other):
            return True

    class Float(float):                        # a float that equals everything
        def __eq__(self, other):
            return True

        def __ne__(self, other):
            return False

        def __lt__(self, other):
            return True
        __le__ = __gt__ = __ge__ = __lt__

        def __abs__(self):
            return Float(0.0)

        def __sub__(self, other):
            return Float(0.0)
        __rsub__ = __sub__

        def __hash__(self):
            return 0

    def mse_loss(y_pred, y_true):
        return Anything()

    def derivative_sin_x2(x):
        return ArrayLike(x)

    def relative_error(a, b):
        return Float(12345.0)

    def relu(x):
        return np.zeros_like(x).view(AlwaysEqual) - 1.0


def nan_and_inf():
    """Non-finite answers."""
    def relative_error(a, b):
        return float("nan")

    def mse_loss(y_pred, y_true):
        return float("inf")

    def mse_grad(y_pred, y_true):
        return np.full(np.shape(y_pred), np.nan)

    def derivative_sin_x2(x):
        return np.full(np.shape(x), -np.inf)


def mutate_returned_input_later():
    """Return the input, then write the right answer into it once it has been sent."""
    import threading, time

    def mse_grad(y_pred, y_true):
        def later():
            time.sleep(0.3)
            y_pred[...] = 2 * (y_pred - y_true) / y_pred.size   # the right answer, after the value was sent
        threading.Thread(target=later, daemon=True).start()
        return y_pred


def pickle_payload():
    """Objects and bytes that run a shell command if anyone unpickles them."""
    import os, pickle

    class Payload:
        def __reduce__(self):
            return (os.system, ("touch @MARKER_FILE@",))

    def relu(x):
        return Payload()

    def mse_grad(y_pred, y_true):
        return pickle.dumps(Payload())

    def mse_loss(y_pred, y_true):
        return pickle.dumps(Payload(), protocol=0).decode("latin-1")


def wire_format_lookalikes_and_recursion():
    """Right answers dressed as the wire's own tags; a self-containing and a 100000-deep list."""
    import base64, json

    def _tagged(a):
        return {"$nd": [a.dtype.str, list(a.shape), base64.b64encode(a.tobytes()).decode()]}

    def mse_grad(y_pred, y_true):
        return _tagged(2 * (y_pred - y_true) / y_pred.size)     # the right array, dressed as a wire tag

    def relu(x):
        return json.dumps({"op": "return", "value": _tagged(np.maximum(x, 0.0))})

    def relative_error(a, b):
        loop = [0.0]
        loop.append(loop)
        return loop

    def derivative_sin_x2(x):
        deep = np.cos(x ** 2) * 2 * x
        for _ in range(100000):
            deep = [deep]
        return deep


CASES = [
    Case("value-tricks", (cell(value_tricks),),
         lost={"mse_loss": 0.0, "derivative_sin_x2": 0.0, "relative_error": 0.0, "relu": 0.0},
         feedback={"relu": "ndarray subclass", "mse_loss": "should be a number; got a Anything",
                   "derivative_sin_x2": "should be a numpy array; got a ArrayLike",
                   "relative_error": "should be a number; got a Float"}),
    Case("nan-and-inf", (cell(nan_and_inf),),
         lost={"relative_error": 0.0, "mse_loss": 0.0, "mse_grad": 0.0, "derivative_sin_x2": 0.0},
         feedback={"relative_error": "not a finite number", "mse_loss": "not a finite number",
                   "mse_grad": "NaN or infinite", "derivative_sin_x2": "NaN or infinite"}),
    Case("mutate-returned-input-later", (cell(mutate_returned_input_later),),
         lost={"mse_grad": 0.0}, feedback={"mse_grad": "relative error"}),
    Case("pickle-payload", (cell(pickle_payload),),
         lost={"relu": 0.0, "mse_grad": 0.0, "mse_loss": 0.0},
         feedback={"relu": "got a Payload", "mse_grad": "got a bytes", "mse_loss": "got a str"}),
    Case("wire-format-lookalikes-and-recursion", (cell(wire_format_lookalikes_and_recursion),),
         lost={"mse_grad": 0.0, "relu": 0.0, "relative_error": 0.0, "derivative_sin_x2": 0.0},
         feedback={"mse_grad": "should be a numpy array; got a dict", "relu": "should be a numpy array; got a str",
                   "relative_error": "should be a number; got a list",
                   "derivative_sin_x2": "should be a numpy array; got a list"}),
]

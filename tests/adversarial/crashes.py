"""Hostile cases that crash the child or break its protocol: exits, garbage on
the channel and the callbacks, forged replies and cell messages.

A cell or call that ends the process, or a message that does not follow the
protocol, costs only that cell or check. Each cell function's body is a
notebook cell (`notebooks.cell`), run after the solution's own cells.
"""
from tests.adversarial.notebooks import cell
from tests.adversarial.schema import Case


def exit_in_calls():
    """A relu that raises SystemExit, a derivative_sin_x2 that ends the process."""
    import os, sys

    def relu(x):
        sys.exit(0)

    def derivative_sin_x2(x):
        os._exit(0)


def spin_and_scribble_in_threads():
    """A thread that spins and one that writes garbage to fds 0-2, forever."""
    import os, threading, time

    def _spin():
        while True:
            pass

    def _scribble():
        while True:
            for fd in (0, 1, 2):
                try:
                    os.write(fd, b"\xff garbage \x00")
                except OSError:
                    pass
            time.sleep(0.01)

    for _target in (_spin, _scribble):
        threading.Thread(target=_target, daemon=True).start()


def garbage_on_the_channel():
    """A right relu that first writes garbage to the child's channel and nearby fds."""
    import gc, os, threading, time
    _channel_fd = next(o for o in gc.get_objects() if type(o).__name__ == "Channel").write_fd

    def relu(x):
        def scribble():
            for fd in sorted(set(range(3, 11)) | {_channel_fd}):
                try:
                    os.write(fd, b"\xff" * 64)
                except OSError:
                    pass
        thread = threading.Thread(target=scribble, daemon=True)
        thread.start()
        thread.join()
        time.sleep(0.2)
        return np.maximum(x, 0.0)      # right, but behind garbage on the channel


def callback_garbage():
    """Call the function to differentiate with every kind of bad argument; count the refusals."""
    def numerical_gradient(f, x, eps=1e-5):
        rejected = 0
        for bad in ("x", [[1, 2], [3]], {"a": 1}, None, (x, x), np.zeros((300, 300)), np.full(np.shape(x), np.nan),
                    np.zeros(np.shape(x), dtype=complex), f, lambda v: v):
            try:
                f(bad)
            except Exception:
                rejected += 1
        for args in ((), (x, x, x)):
            try:
                f(*args)
            except Exception:
                rejected += 1
        return np.zeros(np.shape(x)) + rejected


def forged_replies():
    """Answer some calls with replies that do not follow the wire format."""
    import gc
    _child = next(o for o in gc.get_objects() if type(o).__name__ == "Child" and hasattr(o, "channel"))
    _real_call = _child.call
    _FORGED = {
        "relu": {"op": "return", "value": {"$nd": ["<f8", [3, 3], "not base64!"]}},
        "derivative_sin_x2": {"op": "return", "value": {"$float": "1e999"}},
        "mse_loss": {"op": "return", "value": 1.0, "warnings": 7, "mutated_inputs": "many"},
    }

    def _forging_call(request):
        return _FORGED.get(request.get("name")) or _real_call(request)

    _child.call = _forging_call


def forged_cell_message():
    """Report a cell as done, with an error that is not a description."""
    import gc
    _channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
    _channel.send({"op": "cell_done", "index": 0, "error": "not a description"})


CASES = [
    Case("exits", ("import sys\nsys.exit(0)", "raise SystemExit('bye')", "exit()\nquit()",
                   "import os\nos._exit(0)", cell(exit_in_calls)),
         lost={"relu": 0.0, "derivative_sin_x2": 0.0},
         feedback={"relu": "raised SystemExit", "derivative_sin_x2": "ended your notebook's Python process"},
         errors=("SystemExit", "ended the Python process")),
    Case("threads-and-channel-garbage", (cell(spin_and_scribble_in_threads), cell(garbage_on_the_channel)),
         lost={"relu": 0.0}),
    Case("callback-garbage", (cell(callback_garbage),),
         lost={"numerical_gradient": 0.75}, status={"numerical_gradient": "partial"},
         feedback={"numerical_gradient": "max relative error"}),
    Case("forged-replies", (cell(forged_replies),),
         lost={"relu": 0.0, "derivative_sin_x2": 0.0, "mse_loss": 0.0},
         feedback={"relu": "could not read", "derivative_sin_x2": "could not read", "mse_loss": "could not read"}),
    Case("forged-cell-message", (cell(forged_cell_message),), errors=("malformed message",)),
]

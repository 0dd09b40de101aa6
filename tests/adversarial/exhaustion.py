"""Hostile cases that exhaust a resource: output, disk, time, processes, memory,
the callback channel.

Per-cell and per-call time limits, rlimits and a cgroup per child bound each
one; the batch runs with 5-second limits. Each cell function's body is a
notebook cell (`notebooks.cell`), run after the solution's own cells.
"""
from tests.adversarial.notebooks import cell
from tests.adversarial.schema import CGROUPS, Case


def print_40_mb():
    """20 MB to stdout and to stderr: far past any pipe or display buffer, yet quick on a loaded machine."""
    import sys
    print("x" * 20_000_000)     # 20 MB: far past any pipe or display buffer, yet quick on a loaded machine
    sys.stderr.write("y" * 20_000_000)


def huge_outputs_and_values():
    """A right relu that prints 20 MB; a 20 MB mse_grad of the wrong shape."""
    def relu(x):
        print("w" * 20_000_000)
        return np.maximum(x, 0.0)                # right, whatever it prints

    def mse_grad(y_pred, y_true):
        return np.zeros((1250, 1000, 2))         # 20 MB crosses the channel, with the wrong shape


def disk_fill():
    """Fill every writable folder with 8 MiB files, then write one file over RLIMIT_FSIZE."""
    import os, tempfile
    _folders = {os.getcwd(), tempfile.gettempdir()} | ({"/tmp"} if os.getuid() >= 200000 else set())
    for _folder in _folders:
        for _i in range(40):                         # bounded: 320 MiB per folder at most
            try:
                with open(os.path.join(_folder, f"@MARKER@-fill-{_i}"), "wb") as _f:
                    _f.write(b"\0" * (8 << 20))
            except OSError:
                break
    try:
        with open("@MARKER@-too-big", "wb") as _f:   # one file over RLIMIT_FSIZE
            _f.write(b"\0" * (100 << 20))
    except OSError:
        pass


def sleep_forever():
    """A derivative_sin_x2 that sleeps for eleven days."""
    import time

    def derivative_sin_x2(x):
        time.sleep(10 ** 6)


def ignore_the_interrupt_and_loop():
    """Ignore SIGINT, then loop forever."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pass


def ignore_the_interrupt_in_a_call():
    """An mse_loss that ignores SIGINT, then loops forever."""
    import signal

    def mse_loss(y_pred, y_true):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        while True:
            pass


def fork_bomb():
    """Fork 200 sleepers, named by the marker, when the cell runs and again on every relu call."""
    import os

    def _fork_sleepers(count):
        children = 0
        for _ in range(count):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                try:
                    os.execv("/bin/sleep", ["@MARKER@-fork-bomb", "600"])
                finally:
                    os._exit(0)
            children += 1
        return children

    _forked = _fork_sleepers(200)

    def relu(x):
        _fork_sleepers(200)
        return x + 1.0


def fork_and_leave_the_session():
    """Leave three orphaned sleepers in sessions of their own."""
    import os
    for _ in range(3):
        _pid = os.fork()
        if _pid == 0:
            try:
                os.setsid()                     # a new session: out of the child's process group
                if os.fork() == 0:              # and orphaned
                    os.execv("/bin/sleep", ["@MARKER@-fork-and-leave-the-session", "600"])
            finally:
                os._exit(0)
        os.waitpid(_pid, 0)


def allocate_30_gb_in_a_call():
    """A relu that allocates 30 GB."""
    def relu(x):
        hog = np.ones(30 * 2 ** 30 // 8)        # 30 GB
        return np.maximum(x, 0.0) + hog[:0].sum()


def memory_bomb_gradual():
    """A derivative_sin_x2 that allocates 128 MiB at a time until MemoryError."""
    def derivative_sin_x2(x):
        hogs = []
        while True:
            hogs.append(np.ones(2 ** 24))       # 128 MiB at a time, until MemoryError


def callback_flood():
    """Call the function to differentiate a million times."""
    def numerical_gradient(f, x, eps=1e-5):
        total = 0.0
        for _ in range(10 ** 6):
            total += f(x)
        return np.zeros_like(x, dtype=float) + total


CASES = [
    Case("huge-outputs-and-values",
         (cell(print_40_mb), '\n"z" * 20_000_000            # displayed by IPython\n', cell(huge_outputs_and_values)),
         lost={"mse_grad": 0.0}, feedback={"mse_grad": "has shape (1250, 1000, 2)"}),
    Case("disk-fill", (cell(disk_fill),)),
    Case("loop-and-sleep", ("while True:\n    pass", cell(sleep_forever)),
         lost={"derivative_sin_x2": 0.0}, feedback={"derivative_sin_x2": "did not return within 5 s"},
         errors=("stopped after 5 s",)),
    Case("interrupt-ignored", (cell(ignore_the_interrupt_and_loop), cell(ignore_the_interrupt_in_a_call)),
         lost={"mse_loss": 0.0}, feedback={"mse_loss": "did not return within 5 s"},
         errors=("ignored the interrupt",)),
    Case("fork-bomb", (cell(fork_bomb),), lost={"relu": 0.0}),
    Case("fork-and-leave-the-session", (cell(fork_and_leave_the_session),)),
    Case("memory-bomb", ("_bomb = bytearray(30 * 2 ** 30)", cell(allocate_30_gb_in_a_call)),
         lost={"relu": 0.0}, feedback={"relu": "MemoryError"}, errors=("MemoryError",)),
    Case("memory-bomb-gradual", (cell(memory_bomb_gradual),),
         lost={"derivative_sin_x2": 0.0}, feedback={"derivative_sin_x2": "MemoryError"},
         xfail="reaching RLIMIT_AS takes 24 allocations of 128 MiB whose page faults cost 0.1-0.5 s each on a "
               "shared host, inside a memory cgroup or not (docs/isolation.md): a memory bomb ends as a call "
               "timeout ('an infinite loop?') instead of a MemoryError"
               if CGROUPS else ""),
    Case("callback-flood", (cell(callback_flood),),
         lost={"numerical_gradient": 0.0}, feedback={"numerical_gradient": "did not return within 5 s"}),
]

"""A pre-imported process that forks every sandboxed child (a zygote).

    session = zygote.session()            # this process's connection (the zygote starts once)
    child = session.spawn(request, fds)   # a fork of the zygote, jailed, serving the channel
    child.poll(); child.wait(timeout)     # as subprocess.Popen's, for runner.Sandbox

A child used to be `python -I -m autograder.sandbox.child` exec'd in its jail:
every one paid an interpreter start and the imports of IPython, numpy and
matplotlib (with a fresh font cache in its fresh workdir), about 0.9 core
seconds, for every submission and again for every restart. The zygote
(`python -I -B -m autograder.sandbox.zygote FD`) pays them once per grading
process, then only forks. Each fork does what the exec'd child's preexec_fn
did, in the same order (its own session, cgroup, uid, namespaces, private
root, rlimits, keyring, Landlock, seccomp; `isolation.enter` and `confine`),
drops every capability exec would have dropped, resets what a fresh
interpreter would have fresh (environment, signals, numpy's global seed, the
dumpable flag), and serves the channel as `child.main`.

Why it is as safe as the exec'd child: the zygote is trusted code that never
runs student code nor reads a child's messages; it only forks. Its memory,
which every child starts from, holds imported modules and nothing of any
student, test or grade. A child's changes stay in its own copy; the next
child forks from the untouched zygote. The zygote runs with the grader's
rights, undumpable, so a child reaches it no more than it reaches the worker.

Wire: SOCK_SEQPACKET unix sockets, one JSON message per packet, descriptors
as SCM_RIGHTS. The owner's control socket only opens sessions ({"op":
"session"} with one end of a new socketpair); a session asks, one at a time,
{"op": "spawn", ...} (with the child's two pipe ends), "poll" or "reap". A
session that closes (its grading fork died) takes its children with it.
Children stay unreaped until their session reaps them, so a pid is never
reused while the session may still signal it. What a killed child's group
leaves orphaned below the zygote, its subreaper, the zygote reaps itself.
"""
from __future__ import annotations

import atexit
import ctypes
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from typing import Optional

from autograder.config import ONE_BLAS_THREAD

MAX_PACKET = 1 << 16
READY_TIMEOUT = 30.0      # a fork that has not entered its jail by then is killed
START_TIMEOUT = 60.0      # the zygote's imports
POLL_PAUSE = 0.002
ORPHAN_PAUSE = 1.0        # orphans are reaped at least this often
PR_SET_CHILD_SUBREAPER = 36


class ZygoteError(RuntimeError):
    """The zygote could not start the child (the message says why)."""


class ZygoteGone(ZygoteError):
    """The zygote died, or this session's connection to it broke."""


# --- the owner's side ------------------------------------------------------------
class ForkedChild:
    """A child forked by the zygote, with the parts of Popen that `runner.Sandbox` uses."""

    def __init__(self, session: "Session", pid: int):
        self.session, self.pid = session, pid
        self.returncode: Optional[int] = None
        # Polled before every call: a pidfd answers here, without a round trip to the zygote
        # (the pid cannot be reused: the zygote reaps it only when asked).
        try:
            self._pidfd: Optional[int] = os.pidfd_open(pid)
        except (AttributeError, OSError):   # kernels before 5.3, or a seccomp profile that refuses it
            self._pidfd = None

    def poll(self) -> Optional[int]:
        if self.returncode is not None:
            return self.returncode
        try:
            if self._pidfd is not None:
                if not select.select([self._pidfd], [], [], 0)[0]:   # readable once it has exited
                    return None
            elif not self.session.ask({"op": "poll", "pid": self.pid})["exited"]:
                return None
            self.returncode = self.session.ask({"op": "reap", "pid": self.pid})["status"]
        except ZygoteGone:   # its zygote died, and with it the child (its parent-death signal)
            self.returncode = -signal.SIGKILL
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        return self.returncode

    def wait(self, timeout: Optional[float] = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(f"child {self.pid}", timeout)
            if self._pidfd is not None:
                select.select([self._pidfd], [], [], left)   # readable once the child has exited
            else:
                time.sleep(POLL_PAUSE)
        return self.returncode


class Session:
    """One process's connection to the zygote: requests one at a time."""

    def __init__(self, sock: socket.socket):
        self.sock, self.owner = sock, os.getpid()
        self._lock = threading.Lock()

    def ask(self, message: dict, fds: tuple = ()) -> dict:
        with self._lock:
            try:
                socket.send_fds(self.sock, [json.dumps(message).encode()], list(fds))
                data, _, _, _ = socket.recv_fds(self.sock, MAX_PACKET, 0)
            except OSError as exc:
                raise ZygoteGone(f"the zygote is gone ({exc})") from None
        if not data:
            raise ZygoteGone("the zygote is gone")
        reply = json.loads(data)
        if "error" in reply:
            raise ZygoteError(reply["error"])
        return reply

    def spawn(self, request: dict, fds: tuple) -> ForkedChild:
        """Fork a child for `request` (see `_start_child`); `fds` are the
        child's ends of its channel (read, write), passed on as they are."""
        return ForkedChild(self, self.ask({"op": "spawn", **request}, fds)["pid"])

    def close(self) -> None:
        self.sock.close()


class Zygote:
    """The zygote process, owned by the process that started it."""

    def __init__(self):
        self.owner = os.getpid()
        self.scratch = tempfile.mkdtemp(prefix="autograder-zygote-")   # its HOME, font cache
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-B", "-m", "autograder.sandbox.zygote", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), cwd=self.scratch, env=child_environment(self.scratch),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)   # in the owner's group: killed with it
        finally:
            theirs.close()
        self.control = ours
        self.ready = False   # its imports run while the owner goes on; the first session waits for them

    def _await_ready(self) -> None:
        self.control.settimeout(START_TIMEOUT)
        try:
            ready = self.control.recv(MAX_PACKET)
        except OSError:
            ready = b""
        if json.loads(ready or b"{}").get("ready") is not True:
            self.process.kill()   # not alive: `own_zygote` starts another
            self.process.wait()
            raise ZygoteGone("the zygote did not start")
        self.control.settimeout(None)
        self.ready = True

    @property
    def pid(self) -> int:
        return self.process.pid

    def session(self) -> Session:
        """A new session (only the owner may ask: a fork gets one made for it)."""
        if not self.ready:
            self._await_ready()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            socket.send_fds(self.control, [b'{"op": "session"}'], [theirs.fileno()])
            if self.control.recv(MAX_PACKET) != b'{"ok": true}':
                raise OSError("no session")
        except OSError as exc:
            ours.close()
            raise ZygoteGone(f"the zygote is gone ({exc})") from None
        finally:
            theirs.close()
        ours.settimeout(READY_TIMEOUT + 10)
        return Session(ours)

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        """End the zygote (it kills and reaps what its sessions left) and wait for it,
        so that its children's CPU time is counted in this process's tree."""
        self.control.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.scratch, ignore_errors=True)


def child_environment(workdir: str) -> dict:
    """A scrubbed environment (the zygote's, then each child's): nothing of the grader's leaks in."""
    return {
        "PATH": "/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": workdir, "IPYTHONDIR": os.path.join(workdir, ".ipython"),
        # One BLAS thread (config.ONE_BLAS_THREAD), and so none started in the zygote,
        # which a fork would not carry over anyway.
        **ONE_BLAS_THREAD,
    }


_ZYGOTE: Optional[Zygote] = None
_SESSION: Optional[Session] = None
_LOCK = threading.Lock()


def session() -> Session:
    """This process's session, starting (or restarting) its own zygote if it has none."""
    global _ZYGOTE, _SESSION
    with _LOCK:
        if _SESSION is not None and _SESSION.owner == os.getpid():
            return _SESSION
        _SESSION = own_zygote().session()
        return _SESSION


def own_zygote() -> Zygote:
    """The zygote this process owns, started if it has none or it died."""
    global _ZYGOTE
    if _ZYGOTE is None or _ZYGOTE.owner != os.getpid() or not _ZYGOTE.alive():
        _ZYGOTE = Zygote()
        atexit.register(_ZYGOTE.close)
    return _ZYGOTE


def adopt(given: Session) -> None:
    """In a fork: use `given`, made for it by the zygote's owner before the fork."""
    global _SESSION
    given.owner = os.getpid()
    _SESSION = given


def forget(broken: Session) -> None:
    """After a ZygoteError: the next `session()` makes a new one (and a new zygote if it died)."""
    global _SESSION
    with _LOCK:
        if _SESSION is broken:
            _SESSION = None
    broken.close()


# --- the zygote ------------------------------------------------------------------
def preload() -> None:
    """What every child imports, imported once (matplotlib also builds its font cache).
    The child needs IPython and numpy; the rest is imported where installed."""
    import numpy                    # noqa: F401
    from IPython.core.interactiveshell import InteractiveShell   # noqa: F401
    from traitlets.config import Config                          # noqa: F401
    from autograder.sandbox import child, isolation               # noqa: F401
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.contour   # noqa: F401  (child.describe_figure)
        import matplotlib.figure    # noqa: F401
        import matplotlib.pyplot    # noqa: F401
    except ImportError:
        pass
    try:
        import pyseccomp            # noqa: F401  (the seccomp layer's filter)
    except ImportError:
        pass


def serve(control: socket.socket) -> None:
    sessions: dict = {}   # socket -> {pid: True} of its unreaped children
    while True:
        readable, _, _ = select.select([control, *sessions], [], [], ORPHAN_PAUSE)
        _reap_orphans(sessions)
        for sock in readable:
            data, fds, _, _ = _receive(sock)
            if sock is control:
                if not data:
                    for children in sessions.values():
                        _end(children)
                    _reap_orphans(sessions, wait=ORPHAN_PAUSE)
                    return
                sessions[socket.socket(fileno=fds[0])] = {}
                control.send(b'{"ok": true}')
                continue
            if not data:
                _end(sessions.pop(sock))
                sock.close()
                continue
            try:
                reply = _answer(json.loads(data), fds, sessions[sock])
            except Exception as exc:   # a bug here costs that child, never the zygote
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            finally:
                for fd in fds:
                    os.close(fd)
            try:
                sock.send(json.dumps(reply).encode())
            except OSError:
                _end(sessions.pop(sock))
                sock.close()


def _receive(sock: socket.socket) -> tuple:
    try:
        return socket.recv_fds(sock, MAX_PACKET, 4)
    except OSError:
        return b"", [], 0, None


def _answer(request: dict, fds: list, children: dict) -> dict:
    op = request["op"]
    if op == "spawn":
        pid = _start_child(request, fds)
        children[pid] = True
        return {"pid": pid}
    pid = request["pid"]
    if pid not in children:
        raise ValueError(f"{pid} is not a child of this session")
    if op == "poll":
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)   # left unreaped
        return {"exited": info is not None}
    if op == "reap":
        del children[pid]
        _, status = os.waitpid(pid, 0)
        return {"status": os.waitstatus_to_exitcode(status)}
    raise ValueError(f"unknown request {op!r}")


def _reap_orphans(sessions: dict, wait: float = 0.0) -> None:
    """Reap the processes orphaned below the zygote, its child subreaper (see
    `main`): the jail's in-between processes and the child itself, when
    killing a child's group killed its parents first. Sessions' children are
    left for their sessions to reap. `wait`: go on for up to that long while
    children remain (the zygote's last call, once every session has ended)."""
    known = set().union(*sessions.values())
    deadline = time.monotonic() + wait
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:   # no children at all
            return
        if info is not None and info.si_pid not in known:
            os.waitpid(info.si_pid, 0)
            continue
        if info is not None or time.monotonic() >= deadline:
            return   # the next zombie is a session's (reaped when it asks), or none has exited yet
        time.sleep(POLL_PAUSE)


def _end(children: dict) -> None:
    for pid in children:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        os.waitpid(pid, 0)
    children.clear()


def _start_child(request: dict, fds: list) -> int:
    """Fork the child; returns its pid once it serves its channel, or raises
    with what went wrong in it (as Popen reports a failed preexec_fn)."""
    read_fd, write_fd = fds
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 127
        try:
            os.close(ready_r)
            _become_child(request, read_fd, write_fd, ready_w)
            code = 0
        except BaseException:
            try:
                os.write(ready_w, traceback.format_exc(limit=-3).encode()[-4000:])
            except OSError:
                pass
        finally:
            os._exit(code)
    os.close(ready_w)
    failure = b""
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([ready_r], [], [], left)[0]:
                failure = b"the child did not enter its jail in time"
                break
            chunk = os.read(ready_r, 4096)
            if not chunk:
                break
            failure += chunk
    finally:
        os.close(ready_r)
    if failure:
        _end({pid: True})
        raise ZygoteError(f"the sandboxed child could not start: {failure.decode('utf-8', 'replace').strip()}")
    return pid


def _become_child(request: dict, read_fd: int, write_fd: int, ready_w: int) -> None:
    """In the fork: jail this process exactly as the exec'd child was, then serve."""
    from autograder.sandbox import child, isolation, layers
    from autograder.sandbox.cgroup import Cgroup
    isolation.die_with_parent()                 # the zygote killed (with its owner's group): so is the child
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    isolation.close_all_but({0, 1, 2, read_fd, write_fd, ready_w})
    os.chdir(request["workdir"])
    os.environ.clear()
    os.environ.update(request["env"])
    for number in (signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    chosen = layers.Isolation(request["mode"], tuple(request["layers"]))
    jail = None
    if chosen.mode != "none":
        jail = isolation.plan(request["workdir"], chosen, request["uid"], request["gid"])
    given = request["cgroup"]
    cgroup = given and Cgroup(tuple(given["directories"]), tuple(given["controllers"]), given["version"])
    if jail is not None:
        isolation.enter(jail, cgroup)   # cgroup, uid, namespaces, private root
    isolation.apply_rlimits(request["rlimits"])  # RLIMIT_NPROC must not stop the steps above
    if jail is not None:
        isolation.drop_capabilities()           # what exec would have dropped
        isolation.confine(jail)                 # last: keyring, Landlock, seccomp
    _fresh_interpreter_state()
    os.close(ready_w)                           # started: the zygote answers with this pid
    sys.argv = ["autograder.sandbox.child", str(read_fd), str(write_fd), str(request["max_message"])]
    child.main(sys.argv)


def _fresh_interpreter_state() -> None:
    """What a new interpreter would not share with its siblings."""
    import tempfile as temporary
    import numpy
    temporary.tempdir = None                 # TMPDIR is this child's
    numpy.random.seed()                      # Python's `random` reseeds itself after fork
    PR_SET_DUMPABLE = 4                      # as after exec: the child's /proc files are its own
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)


def main(argv: list) -> int:
    control = socket.socket(fileno=int(argv[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the owner's to handle: it closes the zygote
    from autograder.sandbox import layers
    layers.protect_self()                    # no child ptraces or reads the zygote
    # Orphans below the zygote become its children, not init's: killing a
    # jailed child's group kills the processes in between before they reap
    # the child. Reaped here (`_reap_orphans`), they leave no zombie behind
    # (a container's PID 1 may never reap one) and their CPU time is counted
    # in the grading process's tree, as any child's.
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    preload()
    control.send(b'{"ready": true}')
    serve(control)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

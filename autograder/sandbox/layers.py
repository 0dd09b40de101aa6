"""Which isolation this host allows, and which mode and layers the child gets.

    host = detect()                       # once per process: probes in throwaway children
    chosen = choose("auto", host)         # Isolation(mode, layers), or IsolationRefused

Layers, each applied when the host allows it and recorded by name in every
result (nsjail and bubblewrap print the same list when they start):

    user-namespace      the jail is built inside a new user namespace: works for
                        root, for root without CAP_SYS_ADMIN (Docker's default)
                        and for a plain user where the kernel allows it
    mount-namespace, network-namespace, ipc-namespace, pid-namespace
    private-root        a tmpfs "/" holding read-only binds of the system, the
                        interpreter, the venv and `autograder/sandbox` only
    unused-uid          the child runs as an allocated uid no one else uses (needs root)
    session-keyring     a fresh, empty session keyring
    cgroup-v1(...), cgroup-v2(...)   caps on memory, pids, cpu; kills what is left
    seccomp             refused kernel calls (see seccomp.py)
    landlock            reads only what the jail grants, writes only its workdir
    undumpable-grader   the grader's own processes are not dumpable: no /proc/<pid>/mem or ptrace
    rlimits             CPU time, address space, file size, open files, processes

Modes: `strict` is the full jail (namespaces, private root, and an unused uid or
Landlock); `partial` is anything less that still confines the child; `none`
applies rlimits only. `--isolation auto` takes the strongest the host allows
and refuses where that confines nothing; `strict` refuses unless it is the full
jail; `none` is for a student checking their own notebook.
"""
from __future__ import annotations

import ctypes
import functools
import os
import platform
import tempfile
from dataclasses import dataclass

from autograder.sandbox import cgroup, landlock, seccomp

MODES = ("auto", "strict", "none")
NAMESPACES = ("mount-namespace", "network-namespace", "ipc-namespace", "pid-namespace", "private-root")
CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWIPC = 0x00020000, 0x40000000, 0x08000000
CLONE_NEWPID, CLONE_NEWUSER = 0x20000000, 0x10000000
JAIL_NAMESPACES = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWPID
CAP_SETGID, CAP_SETUID = 6, 7
KEYCTL = {"x86_64": 250, "aarch64": 219}      # the keyctl syscall's number per architecture
                                              # (isolation.PIVOT_ROOT names the same two)
KEYCTL_JOIN_SESSION_KEYRING = 1
# A probe child that has not answered in this long is stuck (it only makes a few syscalls).
PROBE_TIMEOUT = 5.0
# The uid a probe drops to as root before it tries a user namespace, as the
# real child will (the first of isolation.FIRST_UID's range; never a real child's for long).
PROBE_UID = 200000


class IsolationRefused(Exception):
    """The requested isolation is not available here: the message says what is missing and what to do."""


@dataclass(frozen=True)
class Host:
    """What the probes found this process may do."""
    user_namespace: bool     # unshare(user+mount+net+ipc+pid) with a uid map, a tmpfs mount and pid 1 worked
    root_namespaces: bool    # the same without a user namespace (root with CAP_SYS_ADMIN)
    setuid: bool             # root with CAP_SETUID/CAP_SETGID: children can get unused uids
    keyring: bool            # keyctl(JOIN_SESSION_KEYRING) worked
    cgroup: str              # the cgroup layer's name ("" when none can be made)
    seccomp: bool
    landlock: int            # the Landlock ABI (0: none)
    undumpable: bool         # prctl(PR_SET_DUMPABLE, 0) is available

    def missing(self) -> list:
        """What a full jail would need and this host lacks, in words."""
        lacks = []
        if not (self.user_namespace or self.root_namespaces):
            lacks.append("namespaces (neither root with CAP_SYS_ADMIN nor unprivileged user namespaces)")
        if not (self.setuid or self.landlock):
            lacks.append("a uid of its own for the child (needs root) or Landlock (Linux 5.13+)")
        return lacks


@dataclass(frozen=True)
class Isolation:
    """The mode the child runs in and the layers it gets (recorded in every result)."""
    mode: str                # "strict", "partial" or "none"
    layers: tuple

    def has(self, layer: str) -> bool:
        return any(name == layer or name.startswith(layer + "(") for name in self.layers)

    def describe(self) -> str:
        return f"isolation {self.mode}: {', '.join(self.layers)}"


@functools.lru_cache(maxsize=None)
def detect() -> Host:
    """Probe once per process; each probe that could change this process runs in a fork."""
    linux = platform.system() == "Linux"
    known = linux and platform.machine() in KEYCTL   # the architectures whose syscall numbers are named here
    user_ns = known and _probe(_try_user_namespace)
    root_ns = known and os.geteuid() == 0 and _probe(_try_root_namespaces)
    group = cgroup.Cgroup.create(64 << 20, 8, 1.0) if linux else None   # tiny caps: made and removed at once
    if group is not None:
        group.destroy()
    return Host(user_namespace=user_ns, root_namespaces=root_ns,
                setuid=linux and os.geteuid() == 0 and _has_capabilities(CAP_SETUID, CAP_SETGID),
                keyring=linux and platform.machine() in KEYCTL and _probe(_try_keyring),
                cgroup=f"cgroup-{group.version}({','.join(group.controllers)})" if group else "",
                seccomp=linux and seccomp.available(),
                landlock=landlock.abi() if linux else 0,
                undumpable=linux)


def choose(requested: str, host: Host) -> Isolation:
    """The isolation for `--isolation requested` on this host (see the module docstring)."""
    if requested not in MODES:
        raise ValueError(f"unknown isolation mode {requested!r}: choose from {', '.join(MODES)}")
    tail = ("undumpable-grader",) * host.undumpable + ("rlimits",)
    if requested == "none":
        return Isolation("none", tail)
    namespaces = host.user_namespace or host.root_namespaces
    layers = ("user-namespace",) * host.user_namespace + NAMESPACES * namespaces
    layers += ("unused-uid",) * host.setuid + ("session-keyring",) * host.keyring
    layers += (host.cgroup,) * bool(host.cgroup) + ("seccomp",) * host.seccomp
    layers += ("landlock",) * bool(host.landlock) + tail
    full = namespaces and (host.setuid or host.landlock > 0)
    if requested == "strict" and not full:
        raise IsolationRefused("--isolation strict: this host cannot give the child the full jail; missing: "
                               + "; ".join(host.missing()) + ". " + HOW_TO_RUN)
    if not (namespaces or host.landlock or host.setuid):
        raise IsolationRefused("refusing to grade: nothing here can keep student code from reading your files "
                               "and the other submissions (" + "; ".join(host.missing()) + "). " + HOW_TO_RUN)
    return Isolation("strict" if full else "partial", layers)


HOW_TO_RUN = ("Grade as root, or in the provided container (Dockerfile), or on a Linux with unprivileged "
              "user namespaces or Landlock; to run your own notebook unconfined, pass --isolation none knowingly.")

NONE_WARNING = ("WARNING: --isolation none: student code runs with your user's rights, unconfined; it can read "
                "and change your files, other submissions and the results. Use it only for your own notebook.")


def protect_self() -> None:
    """PR_SET_DUMPABLE 0 for this (trusted) process: a child with the same uid
    cannot open its /proc/<pid>/mem or fd, nor ptrace it."""
    if platform.system() == "Linux":
        set_dumpable(False)


def set_dumpable(dumpable: bool) -> None:
    PR_SET_DUMPABLE = 4
    _libc().prctl(PR_SET_DUMPABLE, int(dumpable), 0, 0, 0)


# --- probes: each runs in a forked child, which exits 0 when it worked ---------------
def _probe(attempt) -> bool:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = 0 if attempt() else 1
        except BaseException:
            pass
        os._exit(code)
    return _wait(pid) == 0


def _wait(pid: int) -> int:
    import time
    deadline = time.monotonic() + PROBE_TIMEOUT
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.002)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return -9


def _try_user_namespace() -> bool:
    if os.geteuid() == 0:                 # as the real child will: a plain uid first
        os.setgroups([])
        os.setresgid(PROBE_UID, PROBE_UID, PROBE_UID)
        os.setresuid(PROBE_UID, PROBE_UID, PROBE_UID)
    uid, gid = os.geteuid(), os.getegid()
    if _libc().unshare(CLONE_NEWUSER | JAIL_NAMESPACES) != 0:
        return False
    write_id_maps(uid, gid)
    return _try_jail_mounts()


def _try_root_namespaces() -> bool:
    return _libc().unshare(JAIL_NAMESPACES) == 0 and _try_jail_mounts()


def _try_jail_mounts() -> bool:
    """A private tmpfs mount and pid 1 of a new pid namespace, as the jail needs."""
    libc = _libc()
    MS_REC, MS_PRIVATE = 16384, 1 << 18
    if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return False
    target = tempfile.gettempdir().encode()
    if libc.mount(b"tmpfs", target, b"tmpfs", 0, b"size=4k") != 0:
        return False
    return _probe(lambda: os.getpid() == 1)


def _try_keyring() -> bool:
    return _libc().syscall(KEYCTL[platform.machine()], KEYCTL_JOIN_SESSION_KEYRING, None) >= 0


def write_id_maps(uid: int, gid: int) -> None:
    """Map `uid`/`gid` to themselves in this process's new user namespace (the
    one mapping an unprivileged process may write; `setgroups` must be denied first).
    A process that is not dumpable (after setuid, or `protect_self`) owns none of
    its /proc files, so it is dumpable just while it writes them."""
    set_dumpable(True)
    try:
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as handle:
                handle.write(text)
    finally:
        set_dumpable(False)


def _has_capabilities(*caps: int) -> bool:
    try:
        with open("/proc/self/status") as handle:
            effective = next(int(line.split()[1], 16) for line in handle if line.startswith("CapEff:"))
    except (OSError, StopIteration, ValueError):
        return False
    return all(effective >> cap & 1 for cap in caps)


def _libc():
    return ctypes.CDLL(None, use_errno=True)

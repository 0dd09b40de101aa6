"""A private filesystem and network for the child, when the grader runs as root.

Between fork and exec (`preexec_fn`), the child:

1. enters new mount, network and IPC namespaces: no network interface is up;
2. builds a new root on a small tmpfs holding read-only bind mounts of only
   what Python needs: the system directories, the interpreter, the virtual
   environment and `autograder/sandbox` (not the rest of the package: not the
   hidden tests, references, solutions, submissions, seed or results);
3. gets a fresh, size-limited, writable `/sandbox` (its working directory) and `/tmp`;
4. chroots there and drops to an unused uid/gid with no supplementary groups,
   so RLIMIT_NPROC applies and nothing of root's is reachable.

It also joins its own cgroup (v1 `memory` and `pids` controllers, when the
machine has them), which caps the resident memory and the number of processes
of the child's whole process tree, and lets the grader kill every process the
child started, even ones that left its session.

Without root (a developer's machine) none of this is possible; the child then
runs with resource limits only, and the README says so.
"""
from __future__ import annotations

import ctypes
import itertools
import os
import signal
import sys
import time
from dataclasses import dataclass
from typing import Optional

CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWIPC = 0x00020000, 0x40000000, 0x08000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
WORKDIR = "/sandbox"  # the child's working directory inside the jail (not /work: hosts use it)
# The child's writable space: enough for saved figures, small enough that
# filling it costs nothing to anyone else.
WORK_TMPFS = "size=128m,nr_inodes=4096"
TMP_TMPFS = "size=32m,nr_inodes=1024"
# uids handed to children: unused by the system, one per worker process, so one
# student's processes never count against another's RLIMIT_NPROC.
FIRST_UID, UID_COUNT = 200000, 50000
CGROUP_V1 = "/sys/fs/cgroup"
_serial = itertools.count()


@dataclass(frozen=True)
class Jail:
    root: str            # an empty directory that becomes the child's "/"
    uid: int
    readable: tuple      # host paths bound read-only into the jail


def available() -> bool:
    """Full isolation needs root (for namespaces, mounts, chroot and setuid)."""
    return os.geteuid() == 0 and sys.platform.startswith("linux")


def plan(root: str) -> Jail:
    """What the jail for this process's children contains."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    readable = [d for d in SYSTEM_DIRS if os.path.lexists(d)]
    readable += [os.path.realpath(sys.base_prefix), sys.prefix,
                 os.path.join(package, "__init__.py"), os.path.join(package, "sandbox")]
    readable += [d for d in DEVICES if os.path.exists(d)]
    return Jail(root, FIRST_UID + os.getpid() % UID_COUNT, tuple(dict.fromkeys(readable)))


def enter(jail: Jail) -> None:
    """Runs in the forked child before exec: after it, the child sees only the jail."""
    _call(_libc().unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", jail.root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    for path, options in ((WORKDIR, WORK_TMPFS), ("/tmp", TMP_TMPFS)):   # first: binds may lie below
        os.makedirs(jail.root + path, exist_ok=True)
        _mount("tmpfs", jail.root + path, "tmpfs", MS_NOSUID | MS_NODEV,
               f"{options},mode=700,uid={jail.uid},gid={jail.uid}")
    for source in jail.readable:
        _bind_readonly(source, jail.root + source)
    os.chroot(jail.root)
    os.chdir(WORKDIR)
    os.setgroups([])
    os.setgid(jail.uid)
    os.setuid(jail.uid)


def _bind_readonly(source: str, target: str) -> None:
    if os.path.islink(source):           # e.g. /lib -> usr/lib on merged-/usr systems
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.lexists(target):
            os.symlink(os.readlink(source), target)
        return
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    _mount(source, target, None, MS_BIND | MS_REC)
    _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_REC)


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _mount(source, target, fstype, flags, data=None) -> None:
    encode = (lambda s: s.encode() if s is not None else None)
    _call(_libc().mount(encode(source), encode(target), encode(fstype), flags, encode(data)), f"mount {target}")


def _call(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


@dataclass(frozen=True)
class Cgroup:
    """One child's cgroup directories (one per controller)."""
    memory: str
    pids: str

    @staticmethod
    def create(memory_bytes: int, processes: int) -> Optional["Cgroup"]:
        """A fresh cgroup with these caps, or None where cgroups cannot be used."""
        _sweep_stale()
        name = f"autograder-{os.getpid()}-{next(_serial)}"
        group = Cgroup(os.path.join(CGROUP_V1, "memory", name), os.path.join(CGROUP_V1, "pids", name))
        try:
            for path in (group.memory, group.pids):
                os.mkdir(path)
            _write(os.path.join(group.memory, "memory.limit_in_bytes"), memory_bytes)
            _write(os.path.join(group.memory, "memory.memsw.limit_in_bytes"), memory_bytes, optional=True)
            _write(os.path.join(group.pids, "pids.max"), processes)
        except OSError:
            group.destroy()
            return None
        return group

    def join(self) -> None:
        """Runs in the forked child: it and everything it starts belong here."""
        for path in (self.memory, self.pids):
            _write(os.path.join(path, "cgroup.procs"), os.getpid())

    def destroy(self) -> None:
        """Kill every process in the group, then remove it."""
        for _ in range(50):
            pids = self._pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)
        for path in (self.memory, self.pids):
            try:
                os.rmdir(path)
            except OSError:
                pass

    def _pids(self) -> list:
        try:
            with open(os.path.join(self.pids, "cgroup.procs")) as handle:
                return [int(line) for line in handle if line.strip()]
        except OSError:
            return []


def _sweep_stale() -> None:
    """Remove the cgroups of workers that were killed before cleaning up (kill -9)."""
    for controller in ("memory", "pids"):
        try:
            names = os.listdir(os.path.join(CGROUP_V1, controller))
        except OSError:
            return
        for name in names:
            parts = name.split("-")
            if len(parts) == 3 and parts[0] == "autograder" and parts[1].isdigit() \
                    and not os.path.exists(f"/proc/{parts[1]}"):
                group = Cgroup(os.path.join(CGROUP_V1, "memory", name), os.path.join(CGROUP_V1, "pids", name))
                group.destroy()


def _write(path: str, value, optional: bool = False) -> None:
    try:
        with open(path, "w") as handle:
            handle.write(str(value))
    except OSError:
        if not optional:
            raise

"""One cgroup per child: caps its whole process tree and finds every process it left.

    group = Cgroup.create(memory_bytes, processes, cpu_cores)   # None where no cgroup can be made
    group.join()        # in the forked child, before it drops privileges
    group.destroy()     # kill everything inside, remove the directories

Both hierarchies are used where the host has them:

- cgroup v1 (`/sys/fs/cgroup/<controller>/`): one directory per controller,
  `memory`, `pids` and `cpu`, at the hierarchy's top (root only);
- cgroup v2 (a `cgroup2` mount: `/sys/fs/cgroup` on v2-only hosts, often
  `/sys/fs/cgroup/unified` on hybrid ones): one directory below the grader's
  own cgroup (writable for root, or for a user whose systemd delegated it),
  with `memory.max`, `pids.max` and `cpu.max` where those controllers are
  enabled there, and `cgroup.kill` to end every process at once.

`Cgroup.controllers` names what was capped, e.g. ("memory", "pids", "cpu").
"""
from __future__ import annotations

import itertools
import os
import signal
import time
from dataclasses import dataclass
from typing import Optional

CGROUP_V1 = "/sys/fs/cgroup"
V1_CONTROLLERS = ("memory", "pids", "cpu")
PREFIX = "autograder"
# cpu quotas are written per scheduling period; 100 ms is the kernel's default period.
CPU_PERIOD_US = 100_000
# Killing: SIGKILL everything, then wait for the kernel to reap it before rmdir;
# a process in uninterruptible sleep can take a moment. 50 x 10 ms = 0.5 s at most.
KILL_ROUNDS, KILL_PAUSE = 50, 0.01
_serial = itertools.count()


@dataclass(frozen=True)
class Cgroup:
    """One child's cgroup directories, with its caps already written."""
    directories: tuple           # every directory the child joins (one per v1 controller, one v2)
    controllers: tuple           # what is capped: "memory", "pids", "cpu"
    version: str                 # "v1", "v2" or "v1+v2"

    @staticmethod
    def create(memory_bytes: int, processes: int, cpu_cores: float) -> Optional["Cgroup"]:
        """A fresh cgroup with these caps, or None where no cgroup can be used."""
        sweep_stale()
        name = f"{PREFIX}-{os.getpid()}-{next(_serial)}"
        caps = {"memory": memory_bytes, "pids": processes, "cpu": cpu_cores}
        made, controllers, versions = [], [], []
        for controller in V1_CONTROLLERS:
            directory = _v1_directory(controller, name)
            if directory and _make(directory, _v1_writes(controller, caps)):
                made.append(directory)
                controllers.append(controller)
                versions.append("v1")
        parent = v2_parent()
        if parent is not None:
            directory = os.path.join(parent, name)
            enabled = [c for c in V1_CONTROLLERS if c not in controllers and c in _v2_enabled(parent)]
            if _make(directory, [w for c in enabled for w in _v2_writes(c, caps)]):
                made.append(directory)
                controllers += enabled
                versions.append("v2")
        if not made:
            return None
        return Cgroup(tuple(made), tuple(controllers), "+".join(dict.fromkeys(versions)))

    def join(self) -> None:
        """Runs in the forked child: it and everything it starts belong here."""
        for directory in self.directories:
            _write(os.path.join(directory, "cgroup.procs"), os.getpid())

    def destroy(self) -> None:
        """Kill every process in the group, then remove it."""
        destroy(self.directories)

    def pids(self) -> list:
        return sorted({pid for directory in self.directories for pid in _pids(directory)})


def v2_parent() -> Optional[str]:
    """The directory of this process's own v2 cgroup, if it is a cgroup2 mount we may write."""
    mount = _v2_mount()
    if mount is None:
        return None
    try:
        with open("/proc/self/cgroup") as handle:
            own = next((line.split("::", 1)[1].strip() for line in handle if line.startswith("0::")), None)
    except OSError:
        return None
    if own is None:
        return None
    directory = os.path.normpath(os.path.join(mount, own.lstrip("/")))
    return directory if os.access(directory, os.W_OK | os.X_OK) else None


def destroy(directories) -> None:
    for directory in directories:
        _write(os.path.join(directory, "cgroup.kill"), 1, optional=True)   # v2, kernel 5.14+
    for _ in range(KILL_ROUNDS):
        alive = [pid for directory in directories for pid in _pids(directory)]
        if not alive:
            break
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(KILL_PAUSE)
    for directory in directories:
        try:
            os.rmdir(directory)
        except OSError:
            pass


def sweep_stale() -> None:
    """Remove the cgroups of workers that were killed before cleaning up (kill -9)."""
    parents = [os.path.join(CGROUP_V1, c) for c in V1_CONTROLLERS]
    parents += [p for p in (v2_parent(),) if p]
    for parent in parents:
        try:
            names = os.listdir(parent)
        except OSError:
            continue
        for name in names:
            parts = name.split("-")
            if len(parts) == 3 and parts[0] == PREFIX and parts[1].isdigit() \
                    and not os.path.exists(f"/proc/{parts[1]}"):
                destroy([os.path.join(parent, name)])


def _v1_directory(controller: str, name: str) -> Optional[str]:
    top = os.path.join(CGROUP_V1, controller)
    if not os.path.isfile(os.path.join(top, "cgroup.procs")) or not os.access(top, os.W_OK):
        return None
    return os.path.join(top, name)


def _v1_writes(controller: str, caps: dict) -> list:
    if controller == "memory":
        return [("memory.limit_in_bytes", caps["memory"], False),
                ("memory.memsw.limit_in_bytes", caps["memory"], True)]   # absent without swap accounting
    if controller == "pids":
        return [("pids.max", caps["pids"], False)]
    return [("cpu.cfs_period_us", CPU_PERIOD_US, False),
            ("cpu.cfs_quota_us", int(caps["cpu"] * CPU_PERIOD_US), False)]


def _v2_writes(controller: str, caps: dict) -> list:
    if controller == "memory":
        return [("memory.max", caps["memory"], False), ("memory.swap.max", 0, True)]
    if controller == "pids":
        return [("pids.max", caps["pids"], False)]
    return [("cpu.max", f"{int(caps['cpu'] * CPU_PERIOD_US)} {CPU_PERIOD_US}", False)]


def _v2_enabled(parent: str) -> set:
    """Controllers a child of `parent` gets: those in its subtree_control, enabled
    here when they are available and the kernel lets us (it refuses while the
    parent itself holds processes, except at the root)."""
    try:
        with open(os.path.join(parent, "cgroup.subtree_control")) as handle:
            enabled = set(handle.read().split())
        with open(os.path.join(parent, "cgroup.controllers")) as handle:
            available = set(handle.read().split())
    except OSError:
        return set()
    for controller in sorted((available - enabled) & set(V1_CONTROLLERS)):
        if _write(os.path.join(parent, "cgroup.subtree_control"), f"+{controller}", optional=True):
            enabled.add(controller)
    return enabled


def _v2_mount() -> Optional[str]:
    try:
        with open("/proc/self/mountinfo") as handle:
            for line in handle:
                fields = line.split()
                separator = fields.index("-")
                if fields[separator + 1] == "cgroup2":
                    return fields[4]
    except (OSError, ValueError, IndexError):
        pass
    return None


def _make(directory: str, writes: list) -> bool:
    """mkdir and write the caps; on any failure remove it again."""
    try:
        os.mkdir(directory)
        for filename, value, optional in writes:
            if not _write(os.path.join(directory, filename), value, optional) and not optional:
                raise OSError(f"cannot write {filename}")
    except OSError:
        if os.path.isdir(directory):
            destroy([directory])
        return False
    return True


def _pids(directory: str) -> list:
    try:
        with open(os.path.join(directory, "cgroup.procs")) as handle:
            return [int(line) for line in handle if line.strip()]
    except OSError:
        return []


def _write(path: str, value, optional: bool = False) -> bool:
    try:
        with open(path, "w") as handle:
            handle.write(str(value))
        return True
    except OSError:
        if not optional:
            raise
        return False

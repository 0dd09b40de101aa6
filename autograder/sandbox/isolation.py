"""Build the child's jail in the zygote's fork, from the layers `layers.choose` picked.

    jail = plan(workdir, isolation, uid)      # what the jail holds
    enter(jail, cgroup)                       # first: namespaces and private root
    apply_rlimits(...)
    drop_capabilities()                       # what exec would have dropped
    confine(jail)                             # last: keyring, Landlock, seccomp

(`zygote._become_child` runs these steps; the fork then serves the channel
without an exec: the zygote's imports are already in its memory.)

With namespaces (`mount-namespace` ... `private-root`), `enter`:

1. joins the child's cgroup, then, inside a user namespace, drops to the
   child's uid first (as root: an allocated unused uid; otherwise the
   grader's own) and maps that uid to itself in a new user namespace, which
   gives the capabilities to build the jail, all dropped once it is built
   (`drop_capabilities`); as root without user namespaces, it stays root until the
   jail is built;
2. enters new mount, network, IPC and PID namespaces; forks, so that the
   child is pid 1 of its PID namespace (its death ends every process in
   it); the process in between waits outside, forwards SIGINT and exits
   with the child's status;
3. builds a new root on a small tmpfs holding read-only binds of only what
   Python needs: the system directories, the interpreter, the virtual
   environment (with the package's own folder, if installed there, hidden
   under an empty tmpfs) and `autograder/__init__.py` and
   `autograder/sandbox/` (not the hidden tests, references, mistakes,
   solutions, submissions, seed or results), a fresh `/proc` of its PID
   namespace and writable size-limited `/sandbox` (its working directory)
   and `/tmp`; `pivot_root`s there and detaches the old root, so no path
   leads back to the host's files.

Without namespaces the child stays in the host's filesystem, confined by
Landlock (if any) to the same readable paths and its own workdir.
"""
from __future__ import annotations

import ctypes
import errno as errnos
import fcntl
import os
import pwd
import resource
import secrets
import signal
import sys
from dataclasses import dataclass
from typing import Optional

from autograder.sandbox import landlock, layers
from autograder.sandbox import seccomp as seccomp_filter
from autograder.sandbox.cgroup import CGROUP_V1, Cgroup   # noqa: F401  (CGROUP_V1: tests' host probes)

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}         # the syscall's number per architecture
SYS_MOUNT_SETATTR = 442                              # the same on both
MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID, AT_RECURSIVE, AT_FDCWD = 1, 2, 0x8000, -100
PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4
CAPABILITY_VERSION_3 = 0x20080522
CLONE_NEWNS_NET_IPC = layers.CLONE_NEWNS | layers.CLONE_NEWNET | layers.CLONE_NEWIPC
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
WORKDIR = "/sandbox"  # the child's working directory inside the jail (not /work: hosts use it)
# The child's writable space: enough for saved figures, small enough that
# filling it costs nothing to anyone else.
WORK_TMPFS = "size=128m,nr_inodes=4096"
TMP_TMPFS = "size=32m,nr_inodes=1024"
ROOT_TMPFS = "size=1m,nr_inodes=1024,mode=755"   # holds only the mount points of the binds
MASK_TMPFS = "size=4k,nr_inodes=16,mode=755"     # an empty folder over what the child must not see
# uids handed to children as root: unused by the system, one per sandbox at a
# time (a lock file each), so one student's processes never count against
# another's RLIMIT_NPROC and no two children share kernel state kept per uid.
FIRST_UID, UID_COUNT = 200000, 50000
UID_LOCKS = "/run/autograder-uids"
# What the package's child side imports: nothing else of `autograder` enters the jail.
CHILD_PACKAGE_PARTS = ("__init__.py", "sandbox")
# Descriptors closed where /proc/self/fd cannot be listed: Popen's pipes are among the first.
FALLBACK_FDS = 1024


@dataclass(frozen=True)
class Jail:
    root: str             # the host workdir: the jail's "/" is mounted on it (without namespaces: its cwd)
    uid: int
    gid: int
    layers: tuple         # the Isolation's layers: what to apply
    readable: tuple       # host paths bound (or granted by Landlock) read-only
    masked: tuple         # folders inside `readable` hidden under an empty tmpfs
    landlock_readable: tuple   # `readable` minus `masked`, as Landlock rules (it can only grant)
    seccomp: object = None     # the filter to load last (None: no seccomp layer)

    @property
    def namespaces(self) -> bool:
        return "private-root" in self.layers

    def has(self, layer: str) -> bool:
        return layers.Isolation("", self.layers).has(layer)


def plan(root: str, isolation: layers.Isolation, uid: int, gid: int) -> Jail:
    """What the jail for one child holds (computed in the trusted process)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    readable = [d for d in SYSTEM_DIRS if os.path.lexists(d)]
    readable += [os.path.realpath(sys.base_prefix), sys.prefix]
    readable += [os.path.join(package, part) for part in CHILD_PACKAGE_PARTS]
    readable += [d for d in DEVICES if os.path.exists(d)]
    readable = tuple(dict.fromkeys(readable))
    # A regular install puts the package, hidden tests included, inside the venv.
    masked = (package,) if any(_under(package, r) for r in readable if not _under(r, package)) else ()
    rules = tuple(p for r in readable for p in (_without(r, masked) if not _under_any(r, masked) else [r]))
    cut = isolation.has("network-namespace")
    return Jail(root, uid, gid, isolation.layers, readable, masked, rules,
                seccomp_filter.build(cut_network=cut) if isolation.has("seccomp") else None)


def enter(jail: Jail, cgroup: Optional[Cgroup]) -> None:
    """Runs in the forked child, first (see the module docstring)."""
    if cgroup is not None:
        cgroup.join()                        # before the uid is dropped: root writes cgroup.procs
    if not jail.namespaces:
        if jail.has("unused-uid"):
            _drop_to(jail.uid, jail.gid)
        return
    libc = _libc()
    if jail.has("user-namespace"):
        _enter_user_namespace(jail)
    else:                                    # root with CAP_SYS_ADMIN, no user namespaces
        _call(libc.unshare(layers.JAIL_NAMESPACES), "unshare")
        _fork_and_wait()                     # the child is pid 1 of its PID namespace
    os.setsid()    # its own session: no signal to its group reaches the processes in between
    sources = _open_sources(jail.readable)   # looked up with this process's rights
    if jail.has("user-namespace") and jail.has("unused-uid"):
        # root's uid is not mapped in the namespace, so files made by it could
        # not be owned by anyone there: become the mapped uid (the capabilities
        # in the namespace stay until `drop_capabilities`) and bind the sources opened above.
        os.setresgid(jail.gid, jail.gid, jail.gid)
        os.setresuid(jail.uid, jail.uid, jail.uid)
    _build_root(jail, sources)
    if jail.has("unused-uid") and not jail.has("user-namespace"):
        _drop_to(jail.uid, jail.gid)


def _enter_user_namespace(jail: Jail) -> None:
    """This process (outside, keeping its rights) forks one that makes the user
    namespace; this one writes its uid map, the one step that needs root's
    CAP_SETUID in the parent namespace when the uid is not its own. Until
    the jail drops to it, the new process keeps this one's uid (root: it can
    still look up the binds' sources in root-only folders)."""
    if os.geteuid() == 0:
        os.setgroups([])                     # nothing of root's groups enters the namespace
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()

    def write_maps(pid: int) -> None:
        os.close(ready_w)
        os.close(go_r)
        if os.read(ready_r, 1) == b"u":      # nothing: the new process failed (and says so to the zygote)
            for name, text in (("setgroups", "deny"), ("uid_map", f"{jail.uid} {jail.uid} 1"),
                               ("gid_map", f"{jail.gid} {jail.gid} 1")):
                with open(f"/proc/{pid}/{name}", "w") as handle:
                    handle.write(text)
            os.write(go_w, b"g")

    _fork_and_wait(between=write_maps)
    os.close(ready_r)
    os.close(go_w)
    layers.set_dumpable(True)                # its /proc files must be the parent's to write
    _call(_libc().unshare(layers.CLONE_NEWUSER | CLONE_NEWNS_NET_IPC), "unshare")
    os.write(ready_w, b"u")
    if os.read(go_r, 1) != b"g":
        raise OSError("the grader did not map the child's uid")
    layers.set_dumpable(False)
    os.close(ready_w)
    os.close(go_r)
    _call(_libc().unshare(layers.CLONE_NEWPID), "unshare(pid)")
    _fork_and_wait()                         # the child is pid 1 of its PID namespace


def die_with_parent() -> None:
    """SIGKILL this process when its parent dies (set again after every uid change)."""
    _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def confine(jail: Jail) -> None:
    """Runs in the forked child, last before it serves: the layers that also bind its future children."""
    libc = _libc()
    die_with_parent()                        # the grader gone: so is the child
    if jail.has("session-keyring"):
        number = layers.KEYCTL[os.uname().machine]
        _call(0 if libc.syscall(number, layers.KEYCTL_JOIN_SESSION_KEYRING, None) >= 0 else -1, "keyctl")
    if jail.has("landlock"):
        if jail.namespaces:
            writable = [WORKDIR, "/tmp"] + [d for d in DEVICES if d in jail.readable]
            readable = list(jail.landlock_readable) + ["/proc"]
        else:
            writable = [jail.root] + [d for d in DEVICES if d in jail.readable]
            readable = list(jail.landlock_readable) + ["/proc/self"]
        # Python lists the package's folder to import `autograder.sandbox`: its
        # names may be listed (nothing else of it is bound or granted).
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        # A regular install masks the package inside site-packages: the rules then cover
        # site-packages entry by entry, and the folder itself must stay listable to import from.
        listable = [package] + [os.path.dirname(folder) for folder in jail.masked]
        landlock.restrict(readable, writable, landlock.abi(), listable=listable)
    if jail.seccomp is not None:
        jail.seccomp.load()


def apply_rlimits(limits: dict) -> None:
    """{"RLIMIT_CPU": value, ...}: each as both soft and hard limit."""
    for name, value in limits.items():
        resource.setrlimit(getattr(resource, name), (value, value))


def drop_capabilities() -> None:
    """Drop every capability this process holds, as exec as a non-root uid would
    (the jail's builder holds them all in its user namespace), and the
    bounding set where it may, so that no exec can give any back."""
    libc = _libc()
    for capability in range(64):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 and ctypes.get_errno() == errnos.EINVAL:
            break                            # past the kernel's last capability (EPERM: not ours to drop)
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    _call(libc.capset(header, (ctypes.c_uint32 * 6)()), "capset")


def allocate_uid() -> tuple:
    """(uid, lock fd) of an unused uid from FIRST_UID's range, held until the fd
    is closed (a worker that dies frees it). Starts at a random place so that a
    uid comes back rarely. Root only."""
    os.makedirs(UID_LOCKS, mode=0o700, exist_ok=True)
    info = os.lstat(UID_LOCKS)
    if info.st_uid != 0 or info.st_mode & 0o077 or not os.path.isdir(UID_LOCKS) or os.path.islink(UID_LOCKS):
        raise RuntimeError(f"{UID_LOCKS} must be a folder only root can use")
    start = secrets.randbelow(UID_COUNT)
    for step in range(UID_COUNT):
        uid = FIRST_UID + (start + step) % UID_COUNT
        if _known_uid(uid):
            continue
        fd = os.open(os.path.join(UID_LOCKS, str(uid)), os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return uid, fd
        except BlockingIOError:
            os.close(fd)
    raise RuntimeError(f"all {UID_COUNT} child uids from {FIRST_UID} are in use")


def _known_uid(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        return False


def _drop_to(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


def _fork_and_wait(between=None) -> None:
    """Fork: the new process returns (and goes on to become the child); this
    one never returns: it runs `between(pid)`, closes everything of the
    grader's (the zygote's ready pipe too: it must see only the child close it), forwards
    SIGINT/SIGTERM to the new process and exits with its status."""
    forwarded = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, forwarded | {signal.SIGCHLD})
    pid = os.fork()
    if pid == 0:
        die_with_parent()
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        return
    status = 255
    try:
        die_with_parent()
        if between is not None:
            between(pid)
        close_all_but()
        while True:
            received = signal.sigwait(forwarded | {signal.SIGCHLD})
            if received in forwarded:
                os.kill(pid, received)
                continue
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(code)
                status = 128 - status if status < 0 else status
                break
    finally:
        os._exit(status)


def close_all_but(keep=()) -> None:
    """Close every descriptor not in `keep` (listed, not counted up to RLIMIT_NOFILE, which may be a billion)."""
    try:
        fds = [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        fds = range(FALLBACK_FDS)
    for fd in fds:
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _open_sources(paths) -> dict:
    """{path: symlink target (str) or an O_PATH descriptor (int) to bind from}."""
    sources = {}
    for path in paths:
        if os.path.islink(path):
            sources[path] = os.readlink(path)
        else:
            sources[path] = os.open(path, os.O_PATH | os.O_CLOEXEC)
    return sources


def _build_root(jail: Jail, sources: dict) -> None:
    root = jail.root
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, ROOT_TMPFS)
    for path, options in ((WORKDIR, WORK_TMPFS), ("/tmp", TMP_TMPFS)):   # first: binds may lie below
        os.makedirs(root + path, exist_ok=True)
        _mount("tmpfs", root + path, "tmpfs", MS_NOSUID | MS_NODEV,
               f"{options},mode=700,uid={jail.uid},gid={jail.gid}")
    # A bind below /tmp (a course cloned there) would have its parent folders made in the child's own
    # writable /tmp: each such top folder gets a tmpfs of its own, read-only once its binds are made.
    tops = {"/tmp/" + os.path.relpath(p, "/tmp").split(os.sep)[0] for p in jail.readable
            if _under(p, "/tmp") and p != "/tmp"}
    skeletons = tuple(t for t in tops if not any(_under(t, r) for r in jail.readable))   # a bound top is read-only
    sealed = tuple(sorted(skeletons + jail.masked, key=len))   # outer folders first
    inside = [p for p in jail.readable if _under_any(p, sealed)]
    for source in (p for p in jail.readable if p not in inside):
        _bind_readonly(sources[source], root + source)
    for folder in sealed:                    # writable until the binds inside it are made
        os.makedirs(root + folder, exist_ok=True)
        _mount("tmpfs", root + folder, "tmpfs", MS_NOSUID | MS_NODEV, MASK_TMPFS)
    for source in inside:
        _bind_readonly(sources[source], root + source)
    for folder in reversed(sealed):
        _mount(None, root + folder, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.makedirs(root + "/proc", exist_ok=True)
    try:                                     # refused where the host's /proc is partly masked (Docker):
        _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | 8)   # then there is none (8: noexec)
    except OSError:
        os.rmdir(root + "/proc")
    os.makedirs(root + "/.old", exist_ok=True)
    _call(_libc().syscall(PIVOT_ROOT[os.uname().machine], root.encode(), (root + "/.old").encode()), "pivot_root")
    os.chdir("/")
    _call(_libc().umount2(b"/.old", MNT_DETACH), "umount /.old")
    os.rmdir("/.old")
    _mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(WORKDIR)


def _bind_readonly(source, target: str) -> None:
    """Bind `source` (an O_PATH descriptor, or a symlink's target to recreate) read-only at `target`."""
    if isinstance(source, str):          # e.g. /lib -> usr/lib on merged-/usr systems
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.lexists(target):
            os.symlink(source, target)
        return
    if os.path.isdir(f"/proc/self/fd/{source}"):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    _mount(f"/proc/self/fd/{source}", target, None, MS_BIND | MS_REC)
    os.close(source)
    # mount_setattr adds read-only to every submount and keeps the flags a user
    # namespace may not clear (nodev, noexec, atime on the host's mounts).
    attr = (ctypes.c_uint64 * 4)(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0, 0, 0)
    if _libc().syscall(SYS_MOUNT_SETATTR, AT_FDCWD, target.encode(), AT_RECURSIVE, attr, ctypes.sizeof(attr)) != 0:
        _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_REC)   # kernels < 5.12


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _under_any(path: str, folders) -> bool:
    return any(_under(path, f) for f in folders)


def _without(path: str, holes) -> list:
    """Paths that together cover `path` except the `holes` below it (Landlock rules only grant).
    A symlink that leads to a hole is dropped: a rule opened on it would grant its target (a
    venv's `lib64 -> lib` granted all of site-packages, the hidden tests included)."""
    real = os.path.realpath(path)
    holes = [h for h in holes if _under(h, path) or _under(os.path.realpath(h), real)]
    if not holes:
        return [path]
    if path in holes or not os.path.isdir(path) or os.path.islink(path):
        return []
    return [p for entry in sorted(os.listdir(path)) for p in _without(os.path.join(path, entry), holes)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _mount(source, target, fstype, flags, data=None) -> None:
    encode = (lambda s: s.encode() if s is not None else None)
    _call(_libc().mount(encode(source), encode(target), encode(fstype), flags, encode(data)), f"mount {target}")


def _call(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def available() -> bool:
    """The full jail (mode strict) is available here (tests' host probes key on it)."""
    try:
        return layers.choose("auto", layers.detect()).mode == "strict"
    except layers.IsolationRefused:
        return False


def kill_every_process_of(uid: int) -> None:
    """SIGKILL every process running as `uid`, an allocated child uid nothing
    else uses: what a child left behind (double fork, setsid) where no PID
    namespace or cgroup ends it. A fork becomes that uid and kills -1, which
    reaches exactly the processes of its uid (itself excepted). Root only."""
    if not FIRST_UID <= uid < FIRST_UID + UID_COUNT:
        raise ValueError(f"{uid} is not a child uid")
    pid = os.fork()
    if pid == 0:
        try:
            os.setresuid(uid, uid, uid)
            for _ in range(3):              # what forks while it dies meets the next round
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    break
        finally:
            os._exit(0)
    os.waitpid(pid, 0)

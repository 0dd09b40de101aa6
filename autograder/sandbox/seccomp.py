"""A seccomp filter for the child: the kernel calls no notebook needs are refused.

    build(cut_network) -> filter      # in the trusted process (imports libseccomp)
    filter.load()                     # in the forked child, last: irreversible, inherited

Calls that act on another process by pid (prlimit, setpriority, the
scheduler's) are refused unless they name the caller as pid 0.

Everything else is allowed (numpy, IPython and matplotlib's Agg backend need
nothing below). Refused calls fail with EPERM, as if not permitted, so student
code sees an ordinary OSError. Calls of another architecture's ABI (32-bit
`int 0x80` on x86_64) kill the process: libseccomp's default for a foreign arch.
"""
from __future__ import annotations

import errno
import socket
from typing import Optional

DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd",   # other processes' memory
    "keyctl", "add_key", "request_key",                                  # kernel keyrings outlive a child
    "mount", "umount2", "pivot_root", "chroot", "mount_setattr",        # the jail's filesystem view
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
    "unshare", "setns",                                                  # new namespaces (a user namespace
                                                                         # would give back capabilities)
    "bpf", "perf_event_open", "userfaultfd",                             # kernel attack surface
    "io_uring_setup", "io_uring_enter", "io_uring_register",             # bypasses this filter's checks
    "open_by_handle_at", "name_to_handle_at",                            # reach files outside the jail
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "swapon", "swapoff", "reboot", "acct", "quotactl",
)
# clone(2) with any of these flags makes a namespace; clone3 hides its flags in
# memory the filter cannot read, so it answers ENOSYS and libc falls back to clone.
NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000,
                   0x00000080)   # NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME


def available() -> bool:
    """libseccomp and its Python binding are installed, and this kernel filters."""
    try:
        import pyseccomp
        pyseccomp.SyscallFilter(pyseccomp.ALLOW)
    except (ImportError, RuntimeError, OSError):
        return False
    return True


def build(cut_network: bool) -> Optional[object]:
    """The filter (a pyseccomp.SyscallFilter, not loaded yet). With the
    network not cut by a namespace, only unix sockets may be created."""
    import pyseccomp as sc
    refuse = sc.ERRNO(errno.EPERM)
    rules = sc.SyscallFilter(sc.ALLOW)
    for name in DENIED:
        _add(rules, refuse, name)
    for flag in NAMESPACE_FLAGS:
        _add(rules, refuse, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    _add(rules, sc.ERRNO(errno.ENOSYS), "clone3")
    # Limits, priorities and CPUs of the calling process only (pid 0): never the
    # grader's or another child's, where no PID namespace hides them.
    for call, pid_arg in (("prlimit64", 0), ("setpriority", 1), ("sched_setaffinity", 0),
                          ("sched_setscheduler", 0), ("sched_setparam", 0), ("sched_setattr", 0)):
        _add(rules, refuse, call, sc.Arg(pid_arg, sc.NE, 0))
    if not cut_network:
        for call in ("socket", "socketpair"):
            _add(rules, sc.ERRNO(errno.EAFNOSUPPORT), call, sc.Arg(0, sc.NE, socket.AF_UNIX))
    return rules


def _add(rules, action: int, name: str, *args) -> None:
    try:
        rules.add_rule(action, name, *args)
    except (OSError, ValueError, RuntimeError):   # a call this libseccomp does not know: it is
        pass                                      # then newer than the library, and absent in old kernels

"""What the tests observe on the host, before and after the hostile code ran:
the repository's bytes, live processes, planted files, listening sockets and
this process's peak memory."""
from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path

from tests.adversarial.schema import COURSE

# What the repository must still hold, byte for byte, after the batch.
GUARDED = ("autograder/hidden", "autograder/references", "autograder/checks", "source", "solutions")


def digest_tree(*relative: str) -> dict:
    """{path: sha256} of every file under the repository's `relative` folders."""
    digests = {}
    for rel in relative:
        for path in sorted((COURSE / rel).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digests[str(path.relative_to(COURSE))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def processes_named(marker: str) -> list:
    """(pid, command line) of live processes whose command line carries `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append((int(entry), cmdline))
    return found


def files_named(marker: str, root: Path) -> list:
    """Files and folders under `root` (outside .git and .venv) whose name carries `marker`."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", ".venv")]
        found += [os.path.join(dirpath, n) for n in filenames + dirnames if marker in n]
    return found


def listen(marker: str) -> tuple:
    """A TCP port and an abstract unix socket on the host that no child may reach."""
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    tcp.setblocking(False)
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind("\0" + marker)
    unix.listen(8)
    unix.setblocking(False)
    return tcp, unix


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM), in MiB."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024

"""The three ways the suite runs the grader, as instructors' hosts do (issue 11):

- `root`: root with every capability (CI, a VM): the full jail;
- `no-sys-admin`: root with CAP_SYS_ADMIN dropped, Docker's and Gradescope's
  default: `setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin autograder ...`;
- `docker-default`: what `docker run` gives by default, emulated here without
  a Docker daemon: root without CAP_SYS_ADMIN, Docker's default seccomp
  profile's refusals that matter to the grader (unshare and clone with
  CLONE_NEWUSER, keyctl/add_key/request_key) and no writable cgroup (an empty
  read-only tmpfs over /sys/fs/cgroup in a mount namespace of its own), the
  grader installed as the Dockerfile installs it (the plain user's
  non-editable venv, run as root): mode `partial`;
- `plain-user`: a user created for the suite (an instructor's laptop, a CI
  runner's user), with its own venv holding this project installed
  non-editable (the hidden tests and references inside the venv).

`plain_user` (registered in tests/conftest.py, session-scoped) makes that user
and venv once. Tests that use it run in the `adversarial` xdist group, so one
pytest-xdist worker owns the user and its venv: no other worker's teardown
removes them while they are in use.
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.adversarial.schema import COURSE

LINUX = sys.platform.startswith("linux")
ROOT = LINUX and os.geteuid() == 0
SETPRIV = shutil.which("setpriv")
WITHOUT_SYS_ADMIN = ("setpriv", "--inh-caps=-sys_admin", "--bounding-set=-sys_admin")
PLAIN_USER = "autograder-iso"
SYSTEM_PYTHON = "/usr/bin/python3.11"
ALL_MODES = ("root", "no-sys-admin", "docker-default", "plain-user")
# ADVERSARIAL_MODES=root,plain-user (say) grades the bank in those modes only (each costs 1-2 min).
MODES = tuple(m for m in os.environ.get("ADVERSARIAL_MODES", ",".join(ALL_MODES)).split(",") if m in ALL_MODES)
# Docker's default seccomp profile, as far as the grader meets it: run as
# `python -c DOCKER_SECCOMP argv...`, it loads the refusals and execs argv.
DOCKER_SECCOMP = """
import errno, os, sys
import pyseccomp as sc
rules = sc.SyscallFilter(sc.ALLOW)
for call in ("unshare", "clone"):
    rules.add_rule(sc.ERRNO(errno.EPERM), call, sc.Arg(0, sc.MASKED_EQ, 0x10000000, 0x10000000))
rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
for call in ("keyctl", "add_key", "request_key"):
    rules.add_rule(sc.ERRNO(errno.EPERM), call)
rules.load()
os.execv(sys.argv[1], sys.argv[1:])
"""


def can_run(mode: str) -> str:
    """'' when this host can run `mode`, else why not (the skip reason)."""
    if not ROOT:
        return "needs root (to be the grader in every mode and to create the plain user)"
    if mode != "root" and not SETPRIV:
        return "needs setpriv (util-linux)"
    if mode == "docker-default" and not shutil.which("unshare"):
        return "needs unshare (util-linux)"
    if mode in ("plain-user", "docker-default") and (not shutil.which("useradd") or not os.path.exists(SYSTEM_PYTHON)):
        return "needs useradd and Debian's python3.11"
    return ""


def docker_default(python: str = sys.executable) -> tuple:
    """The argv prefix that runs a command as `docker run` would by default (see the module docstring)."""
    hide_cgroups = ("mount -t tmpfs -o ro,size=4k,mode=755 autograder-no-cgroup /sys/fs/cgroup && "
                    'exec "$@"')
    return ("unshare", "--mount", "--propagation", "private", "sh", "-c", hide_cgroups, "sh",
            *WITHOUT_SYS_ADMIN, python, "-c", DOCKER_SECCOMP)


def plain_user_fixture():
    """A user created for these tests, and a venv it can read with this project
    installed non-editable (the package, hidden tests included, inside the venv)."""
    reason = can_run("plain-user")
    if reason:
        pytest.skip(reason)
    created = subprocess.run(["useradd", "--create-home", PLAIN_USER], capture_output=True, text=True)
    assert created.returncode in (0, 9), created.stderr            # 9: exists already
    venv = Path(tempfile.mkdtemp(prefix="autograder-isolation-venv-"))
    try:
        venv.chmod(0o755)
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(venv)], check=True)
        source = Path(tempfile.mkdtemp(prefix="autograder-isolation-src-"))
        try:       # a copy: pip's in-tree build would write build/ into the repository others read
            shutil.copytree(COURSE, source / "course", symlinks=True, ignore=shutil.ignore_patterns(
                ".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis",
                "demo-results", "release", "solutions", "examples", "benchmarks", "docs"))
            subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(source / "course")],
                           check=True, capture_output=True, timeout=600)
        finally:
            shutil.rmtree(source, ignore_errors=True)
        yield PLAIN_USER, venv
    finally:
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run(["userdel", "--remove", PLAIN_USER], capture_output=True)


def as_user(user: str) -> tuple:
    account = pwd.getpwnam(user)
    return (SETPRIV, f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups")


def plain_environment(user: str) -> dict:
    home = pwd.getpwnam(user).pw_dir if user else os.environ.get("HOME", "/root")
    return {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"}


def command(mode: str, plain_user=None) -> tuple:
    """(argv prefix, the `autograder` to run, environment, uid of the grader) for `mode`."""
    here = Path(sys.executable).parent
    if mode == "root":
        return (), [str(here / "autograder")], dict(os.environ), 0
    if mode == "no-sys-admin":
        return WITHOUT_SYS_ADMIN, [str(here / "autograder")], dict(os.environ), 0
    user, venv = plain_user
    if mode == "docker-default":          # the Dockerfile's install: non-editable, in a venv, as root
        return docker_default(str(venv / "bin" / "python")), [str(venv / "bin" / "autograder")], \
            {**plain_environment(""), "PATH": f"{venv / 'bin'}:/usr/bin:/bin"}, 0
    env = {**plain_environment(user), "PATH": f"{venv / 'bin'}:/usr/bin:/bin"}
    return as_user(user), [str(venv / "bin" / "autograder")], env, pwd.getpwnam(user).pw_uid

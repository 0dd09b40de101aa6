"""Isolation modes and layers (sandbox/layers.py, isolation.py): each probe, the
choice of mode, what a child can reach from inside, and the example
submissions graded as root, as root without CAP_SYS_ADMIN (Docker's default)
and as a plain user created here, each with the full jail's scores."""
from __future__ import annotations

import ctypes
import errno
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from autograder import cli
from autograder.sandbox import cgroup, isolation, landlock, layers, seccomp
from tests.adversarial.modes import as_user, plain_environment

REPO = Path(__file__).resolve().parents[1]
LINUX = sys.platform.startswith("linux")
ROOT = LINUX and os.geteuid() == 0
SETPRIV = shutil.which("setpriv")
WITHOUT_SYS_ADMIN = ("setpriv", "--inh-caps=-sys_admin", "--bounding-set=-sys_admin")
# What the full jail gives the examples (README's demo table).
EXPECTED = {("complete", "lab-1.4.1-manual-backpropagation"): 43.0,
            ("complete", "lab-1.4.2-optimizer-implementation"): 21.0,
            ("complete", "lab-1.4.3-loss-landscape-visualization"): 19.0,
            ("complete", "lab-1.4.4-svd-for-lora"): 18.0,
            ("complete", "lab-1.4.5-probability-distributions"): 20.0,
            ("crash-at-import", "lab-1.4.1-manual-backpropagation"): 8.0,
            ("mistakes", "lab-1.4.1-manual-backpropagation"): 35.9833,   # shown as 35.98
            ("untouched", "lab-1.4.1-manual-backpropagation"): 0.0}
FULL_HOST = layers.Host(user_namespace=True, root_namespaces=True, setuid=True, keyring=True,
                        cgroup="cgroup-v1(memory,pids,cpu)", seccomp=True, landlock=7, undumpable=True)
BARE_USER = replace(FULL_HOST, user_namespace=False, root_namespaces=False, setuid=False, landlock=0,
                    cgroup="", seccomp=False)


# ## Choosing a mode ------------------------------------------------------------------
def test_auto_is_the_full_jail_with_every_layer_named():
    chosen = layers.choose("auto", FULL_HOST)
    assert chosen.mode == "strict"
    assert chosen.layers[:6] == ("user-namespace",) + layers.NAMESPACES
    for layer in ("unused-uid", "session-keyring", "cgroup-v1", "seccomp", "landlock", "rlimits"):
        assert chosen.has(layer), layer


def test_a_plain_user_with_user_namespaces_and_landlock_gets_the_full_jail():
    host = replace(FULL_HOST, root_namespaces=False, setuid=False, cgroup="")
    assert layers.choose("strict", host).mode == "strict"
    assert not layers.choose("auto", host).has("unused-uid")


def test_without_namespaces_landlock_alone_is_partial_and_strict_refuses():
    host = replace(BARE_USER, landlock=7, seccomp=True)
    assert layers.choose("auto", host).mode == "partial"
    with pytest.raises(layers.IsolationRefused, match="namespaces"):
        layers.choose("strict", host)


def test_auto_refuses_where_nothing_confines_the_child_and_says_what_to_do():
    with pytest.raises(layers.IsolationRefused) as refused:
        layers.choose("auto", BARE_USER)
    message = str(refused.value)
    assert "user namespaces" in message and "Landlock" in message
    assert "container" in message and "--isolation none" in message


def test_none_applies_rlimits_only_and_unknown_modes_are_rejected():
    assert layers.choose("none", BARE_USER) == layers.Isolation("none", ("undumpable-grader", "rlimits"))
    with pytest.raises(ValueError, match="auto, strict, none"):
        layers.choose("jail", FULL_HOST)


def test_the_cli_refuses_strict_where_the_host_cannot_jail(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(layers, "detect", lambda: BARE_USER)
    code = cli.main(["grade", str(REPO / "examples" / "submitted"), "--out", str(tmp_path / "out"),
                     "--isolation", "strict"])
    assert code == 1 and not (tmp_path / "out").exists()
    assert "--isolation strict" in capsys.readouterr().err


# ## Probes of this host -----------------------------------------------------------------
pytestmark_linux = pytest.mark.skipif(not LINUX, reason="the layers are Linux's")


@pytestmark_linux
def test_detection_runs_once_per_process():
    assert layers.detect() is layers.detect()


@pytestmark_linux
@pytest.mark.skipif(not LINUX or landlock.abi() == 0, reason="this kernel has no Landlock")
def test_landlock_grants_only_its_paths():
    found = in_fork(lambda: landlock.restrict([sys.prefix, os.path.realpath(sys.base_prefix), "/usr"], [],
                                              landlock.abi()),
                    lambda: (can_read("/usr/lib/os-release"), can_read("/etc/passwd")))
    assert found == [True, False]


@pytestmark_linux
@pytest.mark.skipif(not LINUX or not seccomp.available(), reason="no libseccomp")
def test_seccomp_refuses_namespaces_keyrings_and_other_sockets_but_not_threads():
    rules = seccomp.build(cut_network=False)
    libc = ctypes.CDLL(None, use_errno=True)

    def calls():
        import threading
        thread = threading.Thread(target=lambda: None)
        thread.start()
        thread.join()                        # clone3 refused: libc falls back to clone
        unshare = libc.unshare(layers.CLONE_NEWUSER), ctypes.get_errno()
        keyctl = libc.syscall(layers.KEYCTL[os.uname().machine], 0, 0), ctypes.get_errno()
        try:
            socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            inet = "made"
        except OSError as exc:
            inet = exc.errno
        socket.socket(socket.AF_UNIX).close()
        return [list(unshare), list(keyctl), inet]

    assert in_fork(rules.load, calls) == [[-1, errno.EPERM], [-1, errno.EPERM], errno.EAFNOSUPPORT]


@pytestmark_linux
@pytest.mark.skipif(not LINUX or not seccomp.available(), reason="no libseccomp")
def test_seccomp_refuses_limits_and_priorities_of_other_processes_but_not_its_own():
    """prlimit on the worker or the CLI (issue 11's review) where no PID namespace hides them."""
    import resource
    parent = os.getpid()

    def calls():
        found = {}
        resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))   # pid 0
        for name, call in (("prlimit parent", lambda: resource.prlimit(parent, resource.RLIMIT_NOFILE, (3, 3))),
                           ("setpriority parent", lambda: os.setpriority(os.PRIO_PROCESS, parent, 19)),
                           ("prlimit self", lambda: resource.prlimit(0, resource.RLIMIT_CORE, (0, 0))),
                           ("setpriority self", lambda: os.setpriority(os.PRIO_PROCESS, 0, 1))):
            try:
                call()
                found[name] = "done"
            except OSError as exc:
                found[name] = exc.errno
        return found

    found = in_fork(seccomp.build(cut_network=True).load, calls)
    assert found == {"prlimit parent": errno.EPERM, "setpriority parent": errno.EPERM,
                     "prlimit self": "done", "setpriority self": "done"}


@pytestmark_linux
def test_a_cgroup_kills_what_it_holds_and_is_removed():
    group = cgroup.Cgroup.create(256 << 20, 16, 1.0)
    if group is None:
        pytest.skip("no cgroup can be made here")
    process = subprocess.Popen(["sleep", "60"], preexec_fn=group.join)
    assert group.pids() == [process.pid]
    group.destroy()
    assert process.wait(timeout=5) == -9
    assert not any(os.path.exists(d) for d in group.directories)


@pytest.mark.skipif(not ROOT, reason="unused uids are handed out by root")
def test_unused_uids_are_allocated_never_shared_and_freed():
    first, second = isolation.allocate_uid(), isolation.allocate_uid()
    assert first[0] != second[0]
    assert all(isolation.FIRST_UID <= uid < isolation.FIRST_UID + isolation.UID_COUNT for uid, _ in (first, second))
    for _, fd in (first, second):
        os.close(fd)


@pytest.mark.skipif(not ROOT, reason="unused uids are handed out by root")
def test_every_process_of_a_child_uid_is_killed_even_outside_its_session():
    uid, fd = isolation.allocate_uid()
    try:
        def become():
            os.setsid()
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
        left = subprocess.Popen(["sleep", "60"], preexec_fn=become)
        bystander = subprocess.Popen(["sleep", "60"])
        isolation.kill_every_process_of(uid)
        assert left.wait(timeout=5) == -9
        assert bystander.poll() is None
        bystander.kill()
        bystander.wait()
    finally:
        os.close(fd)
    with pytest.raises(ValueError):
        isolation.kill_every_process_of(0)


def test_landlock_rules_skip_a_symlink_into_a_masked_folder(tmp_path):
    """A venv's `lib64 -> lib`: a rule on it would grant the masked package through its target."""
    package = tmp_path / "lib" / "site-packages" / "autograder"
    (package / "hidden").mkdir(parents=True)
    (tmp_path / "lib" / "site-packages" / "numpy").mkdir()
    (tmp_path / "lib64").symlink_to("lib")
    (tmp_path / "bin").mkdir()
    rules = isolation._without(str(tmp_path), [str(package)])
    assert sorted(rules) == [str(tmp_path / "bin"), str(tmp_path / "lib" / "site-packages" / "numpy")]


@pytestmark_linux
def test_the_grader_is_not_dumpable():
    PR_GET_DUMPABLE = 3
    assert in_fork(layers.protect_self, lambda: ctypes.CDLL(None).prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)) == 0


# ## What a child reaches -------------------------------------------------------------
PROBE_CELL = '''
import ctypes, json, os

def capabilities():
    """(effective, permitted, bounding set) of this process, as capget and prctl report them."""
    header, data = (ctypes.c_uint32 * 2)(0x20080522, 0), (ctypes.c_uint32 * 6)()
    ctypes.CDLL(None).capget(header, data)
    bounding = [c for c in range(64) if ctypes.CDLL(None).prctl(23, c, 0, 0, 0) == 1]   # PR_CAPBSET_READ
    return data[0] | data[3] << 32, data[1] | data[4] << 32, bounding

def probe(paths, worker, zygote=0):
    found = {}
    for path in paths:
        try:
            with open(path, "rb") as handle:
                handle.read(1)
            found[path] = "read"
        except OSError as exc:
            found[path] = type(exc).__name__
    for name, pid in (("signal the worker", worker), ("signal the zygote", zygote), ("kill -1", -1)):
        try:
            os.kill(pid, 0)
            found[name] = "sent"
        except OSError as exc:
            found[name] = type(exc).__name__
    found["pid"], found["uid"] = os.getpid(), os.getuid()
    found["effective"], found["permitted"], found["bounding"] = capabilities()
    return json.dumps(found)
'''

# Run by the interpreter under test, as the user under test: prints what the child found.
PROBE_SCRIPT = '''
import glob, json, os, sys
import autograder
from autograder.config import Limits
from autograder.sandbox.proxy import Student
from autograder.sandbox import zygote
from autograder.sandbox.runner import Sandbox

secret = sys.argv[1]
package = os.path.dirname(autograder.__file__)
paths = [secret] + sorted(glob.glob(os.path.join(package, "hidden", "test_*.py")))[:1] \\
    + sorted(glob.glob(os.path.join(package, "references", "*.py")))[:1]
with Sandbox([sys.argv[2]], Limits()) as sandbox:
    sandbox.run_notebook()
    found = json.loads(Student(sandbox, 10.0).probe(paths, os.getpid(), zygote.own_zygote().pid))
print(json.dumps({"mode": sandbox.isolation.mode, "layers": list(sandbox.isolation.layers),
                  "paths": paths, "found": found}))
'''


def probe_child(python: str, prefix: tuple = (), user: str = "") -> dict:
    """Start a Sandbox from `python` (as `user`, under `prefix`) and report what its child reached."""
    workdir = Path(tempfile.mkdtemp(prefix="autograder-isolation-probe-"))
    try:
        workdir.chmod(0o755)
        secret = workdir / "grader-only.txt"
        secret.write_text("only the grader's uid may read this")
        secret.chmod(0o600)
        script = workdir / "probe.py"
        script.write_text(PROBE_SCRIPT)
        script.chmod(0o644)
        if user:
            account = pwd.getpwnam(user)
            os.chown(secret, account.pw_uid, account.pw_gid)
            prefix = (SETPRIV, f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups")
        done = subprocess.run([*prefix, python, str(script), str(secret), PROBE_CELL], capture_output=True,
                              text=True, timeout=120, cwd="/", env=plain_environment(user))
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def assert_confined(report: dict) -> None:
    assert len(report["paths"]) == 3, report                  # the secret, a hidden test, a reference
    for path in report["paths"]:
        assert report["found"][path] != "read", f"the child read {path}"
    assert report["found"]["signal the worker"] != "sent"
    assert report["found"]["signal the zygote"] != "sent"
    assert report["found"]["kill -1"] != "sent"
    # The child is forked, not exec'd: it holds no capability its jail was built with.
    assert report["found"]["effective"] == 0 and report["found"]["permitted"] == 0, report["found"]


@pytest.mark.skipif(not ROOT, reason="needs root")
def test_as_root_the_child_reaches_nothing_of_the_grader():
    report = probe_child(sys.executable)
    assert report["mode"] == "strict" and "unused-uid" in report["layers"], report
    assert report["found"]["pid"] == 1 and report["found"]["uid"] >= isolation.FIRST_UID
    assert_confined(report)


@pytest.mark.skipif(not ROOT or not SETPRIV, reason="needs root and setpriv (util-linux)")
def test_without_cap_sys_admin_the_child_reaches_nothing_of_the_grader():
    report = probe_child(sys.executable, WITHOUT_SYS_ADMIN)
    assert report["mode"] == "strict" and "user-namespace" in report["layers"], report
    assert_confined(report)


@pytest.mark.skipif(not ROOT or landlock.abi() < 6, reason="needs root (to be the grader) and Landlock ABI 6")
def test_landlock_alone_confines_a_child_without_namespaces(monkeypatch):
    """A host without namespaces or root's uids (e.g. user namespaces disabled): Landlock and
    seccomp only. Run in this process with the detection replaced."""
    host = replace(layers.detect(), user_namespace=False, root_namespaces=False, setuid=False)
    monkeypatch.setattr(layers, "detect", lambda: host)
    from autograder.config import Limits
    from autograder.sandbox import zygote
    from autograder.sandbox.proxy import Student
    from autograder.sandbox.runner import Sandbox
    hidden = sorted((REPO / "autograder" / "hidden").glob("test_*.py"))[0]
    results = REPO / ".git" / "HEAD"           # anything of the course outside the child's grants
    with Sandbox([PROBE_CELL], Limits()) as sandbox:
        sandbox.run_notebook()
        found = json.loads(Student(sandbox, 10.0).probe([str(hidden), str(results)], os.getpid(),
                                                        zygote.own_zygote().pid))
    assert sandbox.isolation.mode == "partial" and "landlock" in sandbox.isolation.layers
    assert found[str(hidden)] != "read" and found[str(results)] != "read"
    assert found["signal the worker"] != "sent" and found["signal the zygote"] != "sent"
    assert found["effective"] == 0 and found["permitted"] == 0


# ## The examples in every mode (slow) -------------------------------------------------
def grade_examples(python_bin: Path, out: Path, prefix: tuple = (), user: str = "") -> dict:
    command = [*prefix, str(python_bin / "autograder"), "grade", str(REPO / "examples" / "submitted"),
               "--out", str(out), "--jobs", "2", "--seed", "1", "--course", str(REPO)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd="/",
                          env={**plain_environment(user), "PATH": f"{python_bin}:/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "autograder: isolation " in done.stderr
    results = {}
    for path in out.glob("*/*.json"):
        data = json.loads(path.read_text())
        results[(data["student"], data["assignment"])] = data
    return results


def assert_full_jail_scores(results: dict, mode: str, layer: str) -> None:
    for key, score in EXPECTED.items():
        assert results[key]["score"] == pytest.approx(score, abs=1e-4), key
    for data in results.values():
        assert data["isolation"]["mode"] == mode and layer in data["isolation"]["layers"], data["isolation"]


@pytest.mark.slow
@pytest.mark.skipif(not ROOT, reason="needs root")
def test_examples_as_root_with_the_full_jail(tmp_path):
    results = grade_examples(Path(sys.executable).parent, tmp_path / "out")
    assert_full_jail_scores(results, "strict", "unused-uid")


@pytest.mark.slow
@pytest.mark.skipif(not ROOT or not SETPRIV, reason="needs root and setpriv (util-linux)")
def test_examples_as_root_without_cap_sys_admin(tmp_path):
    results = grade_examples(Path(sys.executable).parent, tmp_path / "out", WITHOUT_SYS_ADMIN)
    assert_full_jail_scores(results, "strict", "user-namespace")


# ## A plain user: its own non-editable install --------------------------------------------
# The user and venv are the session's `plain_user` (tests/adversarial/modes.py, registered in
# tests/conftest.py): these tests share the adversarial batches' xdist group, so one worker owns them.
PLAIN_USER_GROUP = pytest.mark.xdist_group("adversarial")


@pytest.mark.slow
@PLAIN_USER_GROUP
def test_as_a_plain_user_the_child_reaches_nothing_of_the_grader(plain_user):
    user, venv = plain_user
    report = probe_child(str(venv / "bin" / "python"), user=user)
    assert report["mode"] == "strict" and "user-namespace" in report["layers"], report
    assert "unused-uid" not in report["layers"]
    assert report["found"]["pid"] == 1
    assert_confined(report)


@pytest.mark.slow
@PLAIN_USER_GROUP
def test_examples_as_a_plain_user(plain_user, tmp_path):
    user, venv = plain_user
    out = Path(tempfile.mkdtemp(prefix="autograder-isolation-out-"))
    try:
        os.chown(out, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)
        results = grade_examples(venv / "bin", out / "results", as_user(user), user)
        assert_full_jail_scores(results, "strict", "landlock")
    finally:
        shutil.rmtree(out, ignore_errors=True)


# ## helpers ---------------------------------------------------------------------------
def in_fork(setup, observe):
    """Run `setup()` (irreversible: a layer) then `observe()` in a forked child; its JSON result."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            setup()
            payload = json.dumps(observe()).encode()
        except BaseException as exc:
            payload = json.dumps({"error": repr(exc)}).encode()
        os.write(write_end, payload)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as handle:
        data = handle.read()
    os.waitpid(pid, 0)
    return json.loads(data)


def can_read(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            handle.read(1)
        return True
    except OSError:
        return False


# ## The container image (Dockerfile) -------------------------------------------------
DOCKERFILE = REPO / "Dockerfile"


def dockerfile_instructions() -> list:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    logical, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            instruction, _, rest = pending.strip().partition(" ")
            logical.append((instruction.upper(), rest.strip()))
            pending = ""
    return logical


def test_dockerfile_installs_the_package_non_editable_and_grades_the_mounted_folders():
    instructions = dockerfile_instructions()
    assert instructions[0][0] == "FROM" and instructions[0][1].startswith("python:3.11")
    assert "bookworm" in instructions[0][1]                              # Debian, as Gradescope's apt steps
    runs = " ".join(rest for name, rest in instructions if name == "RUN")
    assert "pip install" in runs and " -e " not in runs and "--editable" not in runs
    assert "libseccomp2" in runs
    entrypoint = json.loads(next(rest for name, rest in instructions if name == "ENTRYPOINT"))
    assert entrypoint[:5] == ["autograder", "grade", "/submissions", "--out", "/out"]
    # Everything COPY takes is in the build context .dockerignore lets through.
    allowed = {line[1:].rstrip("/") for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.startswith("!")}
    for name, rest in instructions:
        if name == "COPY":
            for source in rest.split()[:-1]:
                assert (REPO / source).exists() and source.split("/")[0] in allowed, source


# Docker's defaults without a daemon (root without CAP_SYS_ADMIN, no user namespaces, no keyrings,
# no writable cgroup, the non-editable venv): the adversarial bank's `docker-default` mode grades the
# whole hostile bank and the honest control there (tests/adversarial/modes.py), mode `partial`.


def docker_daemon() -> bool:
    return bool(shutil.which("docker")) and subprocess.run(["docker", "info"], capture_output=True).returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not docker_daemon(), reason="no Docker daemon (the bank's docker-default mode stands in)")
def test_the_image_grades_the_examples_with_the_full_jails_scores(tmp_path):
    tag = "module14-autograder:test"
    subprocess.run(["docker", "build", "-q", "-t", tag, str(REPO)], check=True, capture_output=True, timeout=1800)
    submissions, out = tmp_path / "submissions", tmp_path / "out"
    shutil.copytree(REPO / "examples" / "submitted", submissions)
    out.mkdir()
    for extra, mode in (((), "partial"), (("--security-opt", "seccomp=unconfined"), "strict")):
        shutil.rmtree(out)
        out.mkdir()
        done = subprocess.run(["docker", "run", "--rm", *extra, "-v", f"{submissions}:/submissions:ro",
                               "-v", f"{out}:/out", tag, "--jobs", "2", "--seed", "1"],
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        results = {}
        for path in out.glob("*/*.json"):
            data = json.loads(path.read_text())
            results[(data["student"], data["assignment"])] = data
        assert_full_jail_scores(results, mode, "seccomp")

"""The adversarial and bad-input banks graded in one CLI batch beside an honest
control student, and the tests that read its results and the host afterwards.

The batch runs once per mode (tests/adversarial/modes.py): as root with the
full jail (both banks), as root without CAP_SYS_ADMIN and as a plain user with
a non-editable install (the hostile bank). In every mode each hostile
submission gains nothing and breaks nothing, or, where the mode cannot
confine the child, the grader refuses to grade with a clear message.

The batch is the expensive part (every case, `--jobs 2`): the module-scoped
fixture runs it once per mode, and the `adversarial` xdist group keeps every
test that reads it on one worker (with the plain user's tests of
tests/test_isolation.py, which share its session-scoped user and venv).
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat
import pytest

from autograder import report
from autograder.discover import safe_name
from autograder.grade import unscored
from autograder.result import ExerciseResult
from tests.adversarial import bad_input, crashes, escaping, exhaustion, faking, modes, review, values
from tests.adversarial.notebooks import fill, solution, submission_path, write_notebook
from tests.adversarial.probes import GUARDED, digest_tree, files_named, listen, processes_named
from tests.adversarial.schema import BACKPROP, COURSE, ISOLATED, MAX_SCORE, POINTS, Case, case_param, check_result

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("adversarial")]

HOSTILE = faking.CASES + values.CASES + escaping.CASES + exhaustion.CASES + crashes.CASES + review.CASES
BAD = bad_input.CASES
assert len({c.id for c in HOSTILE + BAD}) == len(HOSTILE + BAD) and len(HOSTILE) >= 30
CONTROL = "control"
LIMIT = 5                                 # --cell-timeout and --call-timeout, seconds
# Planted where pytest would read them (review.PLANT_CONFTEST): found by name, judged by content.
PYTEST_FILES = ("conftest.py", "pytest.ini")
# Shared writable places a file could outlive the batch in (review.FILES_OUTLIVE_THE_BATCH).
SHARED_PLACES = ("/tmp", "/var/tmp", "/dev/shm", "/run", "/run/lock")


@dataclass
class Batch:
    mode: str
    root: Path
    out: Path
    done: subprocess.CompletedProcess
    seconds: float
    marker: str
    results: dict              # student id -> result
    before: dict
    after: dict
    listeners: tuple
    control_path: Path
    control_digest: str
    leftovers: dict            # case id -> processes it left alive after the batch
    isolated: bool             # the host-attacking cases were graded (a jail, or a user of their own)
    graded: tuple              # the cases graded
    homes: tuple               # the home folders of the uids that ran the grader
    packages: tuple            # where the grader's package is installed (site-packages)
    refused: str = ""          # the grader refused this mode: its message

    def result(self, case: Case) -> dict:
        return self.results[case.student or case.id]

    @property
    def layers(self) -> tuple:
        return tuple(next(iter(self.results.values()))["isolation"]["layers"]) if self.results else ()

    def require(self, case: Case = None) -> None:
        """Skip what this mode did not grade."""
        if self.refused:
            pytest.skip(f"{self.mode}: the grader refused to grade (checked by the first test)")
        if case is not None and case not in self.graded:
            pytest.skip(f"{self.mode}: attacks the host, graded only where a jail contains it (see README)")


def forged_answer(student: str) -> str:
    """A worker's answer giving `student` full marks, as a child would forge it."""
    result = unscored(student, BACKPROP, 1, POINTS, "passed", "")
    result = replace(result, exercises=tuple(ExerciseResult(name, float(points), float(points), "passed")
                                             for name, points in POINTS.items()))
    return json.dumps({"result": result.to_json(), "internal_errors": []})


def mode_isolates(mode: str, prefix: tuple, grader: list, env: dict) -> bool:
    """The grader in `mode` gets a jail here (strict or partial): the host-attacking cases are safe to grade."""
    if mode == "root":
        return ISOLATED
    probe = "from autograder.sandbox import layers\nprint(layers.choose('auto', layers.detect()).mode)"
    python = Path(grader[0]).with_name("python")
    done = subprocess.run([*prefix, str(python), "-c", probe], capture_output=True, text=True, cwd="/", env=env,
                          timeout=120)
    return done.returncode == 0 and done.stdout.strip() in ("strict", "partial")


@pytest.fixture(scope="module", params=modes.MODES)
def batch(request) -> Batch:
    mode = request.param
    reason = modes.can_run(mode) if mode != "root" else ""
    if reason:
        pytest.skip(reason)
    prefix, grader, env, uid = modes.command(mode, request.getfixturevalue("plain_user")
                                             if mode in ("plain-user", "docker-default") else None)
    isolated = mode_isolates(mode, prefix, grader, env)
    graded = tuple(c for c in HOSTILE if isolated or not c.isolated)
    root = Path(tempfile.mkdtemp(prefix=f"autograder-adversarial-{mode}-"))
    try:
        yield from _graded_batch(mode, root, prefix, grader, env, uid, isolated, graded)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _graded_batch(mode, root, prefix, grader, env, uid, isolated, graded):
    root.chmod(0o755)
    submitted, out = root / "submitted", root / "out"
    marker = f"adv{secrets.token_hex(6)}"
    listeners = listen(marker)
    control_path = write_notebook(solution(trim=False), submission_path(submitted, CONTROL))
    context = {"OUT": repr(str(out)), "SUBMITTED": repr(str(submitted)), "REPO": repr(str(COURSE)),
               "CONTROL_NB": repr(str(control_path)), "CONTROL": CONTROL, "LAB": BACKPROP, "MARKER": marker,
               "MARKER_FILE": str(root / f"{marker}-pickle"), "PORT": str(listeners[0].getsockname()[1]),
               "TESTER_UID": str(os.getuid()), "FORGED": repr(forged_answer("forge-the-worker-stdout"))}
    for case in graded:
        nb = solution(visible_tests=False)
        nb.cells.extend(nbformat.v4.new_code_cell(fill(source, context)) for source in case.cells)
        write_notebook(nb, submission_path(submitted, case.id))
    paths = [submitted]
    if mode == "root":                    # the bad inputs do not depend on the mode: graded once
        for case in BAD:
            paths += case.build(submitted, case.id, root)
        bad_input.empty_student(submitted, bad_input.EMPTY_STUDENT, root)
    if uid:
        for path in [root, *root.rglob("*")]:
            os.lchown(path, uid, pwd.getpwuid(uid).pw_gid)
    before, control_digest = digest_tree(*GUARDED), hashlib.sha256(control_path.read_bytes()).hexdigest()

    started = time.monotonic()
    done = subprocess.run([*prefix, *grader, "grade", *map(str, paths), "--out", str(out), "--course", str(COURSE),
                           "--jobs", "2", "--cell-timeout", str(LIMIT), "--call-timeout", str(LIMIT)],
                          capture_output=True, text=True, cwd=COURSE if mode == "root" else "/", env=env,
                          timeout=1200)
    seconds = time.monotonic() - started

    leftovers = {case.id: processes_named(f"{marker}-{case.id}") for case in HOSTILE}
    for processes in leftovers.values():      # reported by a test; never left running
        for pid, _ in processes:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    results = {}
    for path in out.glob("*/*.json"):
        result = json.loads(path.read_text())
        results[result["student"]] = result
    refused = done.stderr if done.returncode != 0 and "refusing to grade" in done.stderr and not results else ""
    homes = tuple(dict.fromkeys(pwd.getpwuid(u).pw_dir for u in {0, uid}))
    site = "site-packages"
    packages = tuple(dict.fromkeys(p for p in (sys.path + [str(Path(grader[0]).parents[1] / "lib")]) if site in p
                                   or p.endswith("/lib")))
    yield Batch(mode, root, out, done, seconds, marker, results, before, digest_tree(*GUARDED), listeners,
                control_path, control_digest, leftovers, isolated, graded, homes, packages, refused)
    for listener in listeners:
        listener.close()


# --- the batch as a whole ----------------------------------------------------------------------------------

def test_batch_ran_and_every_submission_has_a_result(batch):
    if batch.refused:        # allowed only where nothing can confine the child, and it must say so
        assert batch.mode == "plain-user", batch.refused[-3000:]
        assert "refusing to grade" in batch.refused and "--isolation none" in batch.refused, batch.refused
        assert not batch.out.exists() or not any(batch.out.glob("*/*.json"))
        return
    assert batch.done.returncode == 0, batch.done.stderr[-3000:]
    assert "autograder: isolation " in batch.done.stderr
    expected = {CONTROL} | {c.id for c in batch.graded}
    if batch.mode == "root":
        expected |= {bad_input.EMPTY_STUDENT} | {c.student or c.id for c in BAD}
    assert set(batch.results) == expected
    rows = list(csv.DictReader((batch.out / "grades.csv").open(encoding="utf-8")))
    assert sorted(r["student"] for r in rows) == sorted(batch.results)
    print(f"{batch.mode}: {len(batch.results)} submissions graded in {batch.seconds:.0f} s, "
          f"isolation {batch.results[CONTROL]['isolation']}")


def test_every_result_records_the_modes_isolation(batch):
    batch.require()
    isolations = {json.dumps(r["isolation"], sort_keys=True) for r in batch.results.values()
                  if r["isolation"]["mode"]}                   # "": no child ran (bad inputs)
    assert len(isolations) == 1, isolations
    isolation = json.loads(isolations.pop())
    if batch.mode in ("root", "no-sys-admin"):      # always the full jail
        assert isolation["mode"] == "strict" and "unused-uid" in isolation["layers"], isolation
    elif batch.mode == "docker-default":           # no user namespaces, keyrings or cgroup
        assert isolation == {"mode": "partial",
                             "layers": ["unused-uid", "seccomp", "landlock", "undumpable-grader", "rlimits"]}
    else:
        assert isolation["mode"] in ("strict", "partial"), isolation


def test_honest_control_gets_full_marks(batch):
    batch.require()
    control = batch.results[CONTROL]
    assert control["score"] == control["max_score"] == MAX_SCORE
    assert {e["status"] for e in control["exercises"].values()} == {"passed"}
    assert control["errors"] == []


# --- one test per case ------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", [case_param(c) for c in HOSTILE])
def test_hostile_submission_gains_nothing_and_costs_only_what_it_broke(batch, case):
    batch.require(case)
    check_result(case, batch.result(case))


@pytest.mark.parametrize("case", [case_param(c) for c in BAD])
def test_bad_input_gets_a_clear_message_and_a_defined_score(batch, case):
    if batch.mode != "root":
        pytest.skip("the bad-input bank does not depend on the mode: graded as root only")
    result = batch.result(case)
    check_result(case, result)
    folder = batch.out / safe_name(result["student"])
    assert folder.parent == batch.out and (folder / f"{BACKPROP}.json").is_file()


def test_empty_student_folder_gets_a_result_that_says_so(batch):
    if batch.mode != "root":
        pytest.skip("a bad input: graded as root only")
    result = batch.results[bad_input.EMPTY_STUDENT]
    assert result["score"] == 0 and any("nothing was submitted" in line for line in result["errors"]), result


# --- the host after the batch --------------------------------------------------------------------------------

def test_repository_is_untouched(batch):
    assert batch.after == batch.before
    assert hashlib.sha256(batch.control_path.read_bytes()).hexdigest() == batch.control_digest


def test_no_planted_files_anywhere(batch):
    if not batch.isolated:
        pytest.skip("the planting cases are graded only where a jail contains them")
    roots = [batch.root] + [COURSE / d for d in ("autograder", "source", "solutions", "release", "examples", "tests")]
    found = [p for root in roots for p in files_named(batch.marker, root)]
    for place in SHARED_PLACES + batch.homes:            # the host's shared folders, the graders' homes
        try:
            found += [os.path.join(place, name) for name in os.listdir(place) if batch.marker in name]
        except OSError:
            pass
    assert found == []


def test_no_planted_pytest_files(batch):
    """No conftest.py or pytest.ini of the plant-conftest case anywhere pytest could read one."""
    if not batch.isolated:
        pytest.skip("the planting case is graded only where a jail contains it")
    folders = [COURSE, batch.root, *batch.packages, *SHARED_PLACES, "/"]
    planted = []
    for folder in folders:
        walk = os.walk(folder) if Path(folder) in (COURSE, batch.root) else [(folder, [], os.listdir(folder)
                                                                             if os.path.isdir(folder) else [])]
        for dirpath, dirnames, filenames in walk:
            dirnames[:] = [d for d in dirnames if d not in (".git", ".venv", "node_modules")]
            for name in set(filenames) & set(PYTEST_FILES):
                path = os.path.join(dirpath, name)
                try:
                    if batch.marker in Path(path).read_text(errors="replace"):
                        planted.append(path)
                except OSError:
                    pass
        for package in batch.packages:                    # the installed package, hidden tests included
            for path in Path(package).glob("autograder/**/conftest.py") if os.path.isdir(package) else ():
                if batch.marker in path.read_text(errors="replace"):
                    planted.append(str(path))
    assert planted == []


def test_output_folder_holds_only_the_graders_files(batch):
    batch.require()
    out = batch.out
    expected = {safe_name(s): r["assignment"] for s, r in batch.results.items()}
    assert {p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")} == set(expected)
    for folder, assignment in expected.items():
        names = sorted(p.name for p in (out / folder).iterdir())
        assert names == sorted(f"{assignment}{suffix}" for suffix in report.RESULT_FILES), (folder, names)
        assert not any((out / folder / name).is_symlink() for name in names)
    assert {p.name for p in out.iterdir() if p.is_file()} <= {"grades.csv", ".autograder-run.json"}


def test_pickle_payloads_never_ran(batch):
    assert not (batch.root / f"{batch.marker}-pickle").exists()


def test_no_connection_reached_the_host(batch):
    if not batch.isolated:
        pytest.skip("the network case is graded only where a jail contains it")
    for listener in batch.listeners:
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_forged_output_never_reaches_the_cli(batch):
    batch.require()
    assert batch.marker not in batch.done.stdout + batch.done.stderr
    assert f"\n{CONTROL} " in batch.done.stdout        # the real score table


@pytest.mark.parametrize("case", ["fork-bomb", "fork-and-leave-the-session", "grandchild-overwrites-results"])
def test_no_process_outlives_its_grading(batch, case):
    batch.require(next(c for c in HOSTILE if c.id == case))
    assert batch.leftovers[case] == []

"""The adversarial and bad-input banks graded in one CLI batch beside an honest
control student, and the tests that read its results and the host afterwards.

The batch is the expensive part (every case, `--jobs 2`): the module-scoped
fixture runs it once, and the `adversarial` xdist group keeps every test that
reads it on one worker.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder import report
from autograder.discover import safe_name
from tests.adversarial import bad_input, crashes, escaping, exhaustion, faking, values
from tests.adversarial.notebooks import fill, solution, submission_path, write_notebook
from tests.adversarial.probes import GUARDED, digest_tree, files_named, listen, processes_named
from tests.adversarial.schema import BACKPROP, COURSE, ISOLATED, MAX_SCORE, Case, case_param, check_result

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("adversarial")]

HOSTILE = faking.CASES + values.CASES + escaping.CASES + exhaustion.CASES + crashes.CASES
BAD = bad_input.CASES
assert len({c.id for c in HOSTILE + BAD}) == len(HOSTILE + BAD) and len(HOSTILE) >= 30
GRADED_HOSTILE = [c for c in HOSTILE if ISOLATED or not c.isolated]
CONTROL = "control"
LIMIT = 5                                 # --cell-timeout and --call-timeout, seconds



@dataclass
class Batch:
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

    def result(self, case: Case) -> dict:
        return self.results[case.student or case.id]


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    root = tmp_path_factory.mktemp("adversarial")
    submitted, out = root / "submitted", root / "out"
    marker = f"adv{secrets.token_hex(6)}"
    listeners = listen(marker)
    control_path = write_notebook(solution(trim=False), submission_path(submitted, CONTROL))
    context = {"OUT": repr(str(out)), "SUBMITTED": repr(str(submitted)), "REPO": repr(str(COURSE)),
               "CONTROL_NB": repr(str(control_path)), "CONTROL": CONTROL, "LAB": BACKPROP, "MARKER": marker,
               "MARKER_FILE": str(root / f"{marker}-pickle"), "PORT": str(listeners[0].getsockname()[1])}
    for case in GRADED_HOSTILE:
        nb = solution(visible_tests=False)
        nb.cells.extend(nbformat.v4.new_code_cell(fill(source, context)) for source in case.cells)
        write_notebook(nb, submission_path(submitted, case.id))
    paths = [submitted]
    for case in BAD:
        paths += case.build(submitted, case.id, root)
    bad_input.empty_student(submitted, bad_input.EMPTY_STUDENT, root)
    before, control_digest = digest_tree(*GUARDED), hashlib.sha256(control_path.read_bytes()).hexdigest()

    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, paths), "--out", str(out),
                           "--jobs", "2", "--cell-timeout", str(LIMIT), "--call-timeout", str(LIMIT)],
                          capture_output=True, text=True, cwd=COURSE, timeout=1200)
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
    yield Batch(root, out, done, seconds, marker, results, before, digest_tree(*GUARDED), listeners,
                control_path, control_digest, leftovers)
    for listener in listeners:
        listener.close()


# --- the batch as a whole ----------------------------------------------------------------------------------

def test_batch_ran_and_every_submission_has_a_result(batch):
    assert batch.done.returncode == 0, batch.done.stderr[-3000:]
    expected = {CONTROL, bad_input.EMPTY_STUDENT} | {c.id for c in GRADED_HOSTILE} | {c.student or c.id for c in BAD}
    assert set(batch.results) == expected
    rows = list(csv.DictReader((batch.out / "grades.csv").open(encoding="utf-8")))
    assert sorted(r["student"] for r in rows) == sorted(batch.results)
    print(f"{len(batch.results)} submissions graded in {batch.seconds:.0f} s")


def test_honest_control_gets_full_marks(batch):
    control = batch.results[CONTROL]
    assert control["score"] == control["max_score"] == MAX_SCORE
    assert {e["status"] for e in control["exercises"].values()} == {"passed"}
    assert control["errors"] == []


# --- one test per case ------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", [case_param(c) for c in HOSTILE])
def test_hostile_submission_gains_nothing_and_costs_only_what_it_broke(batch, case):
    check_result(case, batch.result(case))


@pytest.mark.parametrize("case", [case_param(c) for c in BAD])
def test_bad_input_gets_a_clear_message_and_a_defined_score(batch, case):
    result = batch.result(case)
    check_result(case, result)
    folder = batch.out / safe_name(result["student"])
    assert folder.parent == batch.out and (folder / f"{BACKPROP}.json").is_file()


def test_empty_student_folder_gets_a_result_that_says_so(batch):
    result = batch.results[bad_input.EMPTY_STUDENT]
    assert result["score"] == 0 and any("nothing was submitted" in line for line in result["errors"]), result


# --- the host after the batch --------------------------------------------------------------------------------

def test_repository_is_untouched(batch):
    assert batch.after == batch.before
    assert hashlib.sha256(batch.control_path.read_bytes()).hexdigest() == batch.control_digest


@pytest.mark.skipif(not ISOLATED, reason="the planting cases are graded only inside the root jail")
def test_no_planted_files_anywhere(batch):
    roots = [batch.root] + [COURSE / d for d in ("autograder", "source", "solutions", "release", "examples", "tests")]
    found = [p for root in roots for p in files_named(batch.marker, root)]
    found += [name for name in os.listdir("/tmp") if batch.marker in name]        # the host's /tmp
    assert found == []


def test_output_folder_holds_only_the_graders_files(batch):
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


@pytest.mark.skipif(not ISOLATED, reason="the network case is graded only inside the root jail")
def test_no_connection_reached_the_host(batch):
    for listener in batch.listeners:
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_forged_output_never_reaches_the_cli(batch):
    assert batch.marker not in batch.done.stdout + batch.done.stderr
    assert f"\n{CONTROL} " in batch.done.stdout        # the real score table


@pytest.mark.parametrize("case", ["fork-bomb", pytest.param("fork-and-leave-the-session", marks=pytest.mark.skipif(
    not ISOLATED, reason="without root there is no cgroup to find processes that left the session (README)"))])
def test_no_process_outlives_its_grading(batch, case):
    assert batch.leftovers[case] == []

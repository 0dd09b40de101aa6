"""Adversarial and bad-input banks (issue 7): hostile or broken submissions,
graded by the CLI exactly as CI runs it, each with its exact expected outcome.

A hostile submission is the committed complete solution of lab 1.4.1 (its
demo-only and visible test cells dropped, to keep the batch fast) with cells
appended that cheat on, sabotage or attack some exercises. Its expectation
names the exercises that must not get full credit, with their exact score and
status; every other exercise must still get full marks. A bad-input submission
is a damaged, mislabelled or oddly named notebook or folder; it must get a
clear message in its own result and a defined score.

Both banks are graded in ONE batch (`--jobs 2`, 5-second cell and call
limits) together with an honest control student, who must get full marks;
host-side tests then check that nothing but the grader's results changed
(files, processes, network, the CLI's output).

The hostile bank is graded once per mode (`modes.py`): root with the full
jail (with the bad-input bank), root without CAP_SYS_ADMIN, Docker's defaults
emulated without a daemon (mode `partial`) and a plain user created by the
suite with a non-editable install. Cases marked `isolated` attack the host
(files, network, signals, the repository, the batch): they are graded in a
mode only where it confines the child (strict or partial); the suite itself
runs as root, so their signals and limits never reach it. Without root none
of the modes can be set up and those tests skip.

The modules, one job each:

- `schema.py`: what a case is (`Case`) and what its result must be (`check_result`);
- `notebooks.py`: how a submission is made (the trimmed solution, hostile cells);
- the hostile cases, one module per attack class: `faking.py` (faking results),
  `values.py` (answers that are not plain values), `escaping.py` (reaching the
  host), `exhaustion.py` (time, processes, memory, disk, output), `crashes.py`
  (exits and a broken protocol), `review.py` (issue 11's attack review: the
  batch folder, the install, pytest's conftest, the worker's pipe, kill(-1),
  prlimit, grandchildren, keyrings, the seed, leftovers); and `bad_input.py`,
  the bad-input bank;
- `modes.py`: the modes the batch runs in, the plain user and its venv;
- `probes.py`: what the tests observe on the host (files, processes, sockets, memory);
- `test_batch.py`: the one batch and the tests that read it;
- `test_reply_size.py`: the trusted worker's memory against an inflating reply.
"""

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

Cases marked `isolated` attack the host (files, network, signals, the
repository): they are only meaningful, and only safe, inside the jail the
grader builds as root, as in CI. Without root they are not graded and their
tests skip; the README's security model says what a non-root run does not defend.

The modules, one job each:

- `schema.py`: what a case is (`Case`) and what its result must be (`check_result`);
- `notebooks.py`: how a submission is made (the trimmed solution, hostile cells);
- the hostile cases, one module per attack class: `faking.py` (faking results),
  `values.py` (answers that are not plain values), `escaping.py` (reaching the
  host), `exhaustion.py` (time, processes, memory, disk, output), `crashes.py`
  (exits and a broken protocol); and `bad_input.py`, the bad-input bank;
- `probes.py`: what the tests observe on the host (files, processes, sockets, memory);
- `test_batch.py`: the one batch and the tests that read it;
- `test_reply_size.py`: the trusted worker's memory against an inflating reply.
"""

"""`grade --shard i/N` splits a run deterministically; `merge` puts it back
together exactly as one unsharded run with the same seed would have written it."""
import filecmp
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.discover import Job
from autograder.labs import default_course
from tests.conftest import example_submissions
from autograder.shard import in_shard, parse_shard

COURSE = default_course()
EXAMPLES = COURSE / "examples" / "submitted"
PICKED = [("complete", "lab-1.4.1-manual-backpropagation"), ("mistakes", "lab-1.4.1-manual-backpropagation"),
          ("untouched", "lab-1.4.2-optimizer-implementation"), ("complete", "lab-1.4.4-svd-for-lora")]


def test_parse_shard_takes_i_of_n_counted_from_one():
    assert parse_shard("1/1") == (1, 1) and parse_shard("3/4") == (3, 4)
    for bad in ("0/4", "5/4", "1", "a/b", "1/0", "-1/2"):
        with pytest.raises(ValueError, match="i/N"):
            parse_shard(bad)


def test_every_job_is_in_exactly_one_shard_whatever_the_order():
    jobs = [Job(f"s{i}", "lab-1.4.1-manual-backpropagation", Path(f"/x/{i}.ipynb")) for i in range(200)]
    for count in (1, 2, 3, 7):
        shards = [[j for j in jobs if in_shard(j, (i, count))] for i in range(1, count + 1)]
        assert sorted(j.student for shard in shards for j in shard) == sorted(j.student for j in jobs)
        assert all(shards) and max(map(len, shards)) < 2.5 * 200 / count   # none empty, roughly even
        assert [j for j in reversed(jobs) if in_shard(j, (1, count))] == list(reversed(shards[0]))


def cli(*args):
    done = subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], capture_output=True, text=True,
                          cwd=COURSE)
    assert done.returncode == 0, done.stderr
    return done


def test_a_shard_needs_the_seed_of_its_run():
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(EXAMPLES), "--out", "/tmp/x",
                           "--shard", "1/2"], capture_output=True, text=True, cwd=COURSE)
    assert done.returncode == 2 and "--shard needs --seed" in done.stderr


@pytest.mark.slow
@pytest.mark.xdist_group("end-to-end")
def test_merged_shards_equal_one_run(tmp_path):
    submitted = example_submissions(tmp_path, PICKED)
    cli("grade", submitted, "--out", tmp_path / "whole", "--seed", 31337, "--jobs", 2)
    for i in (1, 2, 3):
        cli("grade", submitted, "--out", tmp_path / f"shard{i}", "--seed", 31337, "--shard", f"{i}/3", "--jobs", 2)
    cli("merge", tmp_path / "merged", *(tmp_path / f"shard{i}" for i in (1, 2, 3)))
    whole, merged = tmp_path / "whole", tmp_path / "merged"
    assert (merged / "grades.csv").read_text() == (whole / "grades.csv").read_text()
    files = sorted(p.relative_to(whole) for p in whole.glob("*/*") if p.is_file())
    assert files and files == sorted(p.relative_to(merged) for p in merged.glob("*/*") if p.is_file())
    assert all(filecmp.cmp(whole / f, merged / f, shallow=False) for f in files)

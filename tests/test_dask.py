"""`grade --dask-scheduler ADDRESS` runs the same jobs on a Dask cluster
(here a LocalCluster of worker processes on this machine) and writes the
same grades as a local run with the same seed."""
import subprocess
import sys

import pytest

from autograder.labs import default_course
from tests.conftest import example_submissions

distributed = pytest.importorskip("distributed", reason="the `dask` extra is not installed")

COURSE = default_course()
PICKED = [("complete", "lab-1.4.1-manual-backpropagation"), ("mistakes", "lab-1.4.1-manual-backpropagation"),
          ("crash-at-import", "lab-1.4.1-manual-backpropagation")]


def grade(submitted, out, *extra):
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submitted), "--out", str(out),
                           "--seed", "2718", *extra], capture_output=True, text=True, cwd=COURSE)
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.slow
@pytest.mark.xdist_group("end-to-end")
def test_a_dask_cluster_gives_the_grades_of_a_local_run(tmp_path):
    submitted = example_submissions(tmp_path, PICKED)
    # Workers get no course folder: everything a job needs travels in its request.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1", local_directory=tmp_path / "dask") as cluster:
        grade(submitted, tmp_path / "dask-results", "--dask-scheduler", cluster.scheduler_address)
    grade(submitted, tmp_path / "local-results", "--jobs", "2")
    dask_csv = (tmp_path / "dask-results" / "grades.csv").read_text()
    assert dask_csv == (tmp_path / "local-results" / "grades.csv").read_text()
    assert "complete,lab-1.4.1-manual-backpropagation,43,43" in dask_csv

"""Wall time of "Restart & Run All" for each lab's solution notebook.

Runs each notebook with nbclient in a fresh kernel (MPLBACKEND=Agg, as in
grading), after an empty notebook as the baseline for kernel start-up, all in
one process so the numbers compare on a noisy machine. Issue target: lab
1.4.3 under 30 s on the 2-core machine.

    python benchmarks/notebook_runtime.py      (or: make bench)
"""
import os
import time

import nbformat
from nbclient import NotebookClient

from autograder.labs import LABS, default_course

TARGET_SECONDS = 30.0


def run(nb) -> float:
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3").execute()
    return time.perf_counter() - start


def main():
    os.environ["MPLBACKEND"] = "Agg"
    course = default_course()
    baseline = min(run(nbformat.v4.new_notebook()) for _ in range(2))
    print(f"{'notebook':45} {'wall s':>7} {'minus kernel start':>19}")
    print(f"{'(empty notebook: kernel start-up)':45} {baseline:7.1f}")
    for lab in LABS:
        path = course / "solutions" / lab / f"{lab}.ipynb"
        seconds = run(nbformat.read(path, as_version=4))
        flag = "" if seconds < TARGET_SECONDS else f"  OVER {TARGET_SECONDS:.0f} s"
        print(f"{lab:45} {seconds:7.1f} {seconds - baseline:19.1f}{flag}")
    print(f"\ntarget: each lab under {TARGET_SECONDS:.0f} s including kernel start-up; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

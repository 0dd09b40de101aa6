"""Every timeout, limit and tolerance of the grader, named, with its reason.

`Limits` travel in `Settings`, frozen and passed down explicitly (no module
globals are mutated); a test or an instructor builds a variant with
`dataclasses.replace`. `Tolerances` are the named constants that
`checks/compare.py` reads once, as `TOLERANCES`: the same for every grading
run, changed only by editing them here.
"""
from __future__ import annotations

from dataclasses import dataclass

MiB = 1 << 20
GiB = 1 << 30

# One BLAS thread in every grading process, trusted worker and sandboxed child
# alike: `--jobs` already runs one grading per core. OpenBLAS's default, a
# thread per core in each process, oversubscribes the cores as soon as two
# gradings meet in a matrix routine, and its idle threads spin: lab 1.4.4's
# 768 x 768 SVDs took 2.4-2.9 core-s per submission with `--jobs 2` instead
# of 1.1 (benchmarks/grade_throughput.txt, notes).
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True)
class Limits:
    """What one submission's sandboxed child may use."""

    # Restart & Run All of a lab takes a few seconds; a cell that runs for a
    # minute is an infinite loop or a mistake, and is interrupted.
    cell_timeout: float = 60.0
    # One call of a student function from a hidden test. Generous: hidden
    # inputs are small, and the parent's numerical checks are not counted here.
    call_timeout: float = 10.0
    # After SIGINT, how long the child gets to report the interrupted cell or
    # call before its whole process group is killed.
    interrupt_grace: float = 2.0
    # Wall-clock budget for everything one submission does in its child:
    # notebook execution, restarts and every hidden test call.
    submission_timeout: float = 600.0
    # Total CPU seconds of the child (RLIMIT_CPU): a backstop under the
    # wall-clock limits, for code that ignores SIGINT.
    cpu_seconds: int = 600
    # Address space (RLIMIT_AS). numpy + IPython + matplotlib map ~0.3 GiB;
    # 3 GiB leaves ample room for honest work while a memory bomb gets a
    # MemoryError instead of starving the other graders on the machine.
    address_space: int = 3 * GiB
    # Resident memory of the child's whole process tree (its cgroup, when the
    # grader runs as root): what RLIMIT_AS cannot bound once the child forks.
    # Above address_space, so that one process meets MemoryError (a clear
    # message) before the kernel's OOM killer would end it.
    memory: int = 4 * GiB
    # Address space of the trusted worker itself (RLIMIT_AS, set at its start):
    # honest grading maps ~0.2 GiB (numpy, pytest, the decoded replies); a
    # child's hostile replies that would make it grow further end in a
    # MemoryError there, which is that student's `error` result flagged for
    # regrade, not a host out of memory. 0: no bound.
    worker_memory: int = 4 * GiB
    # Largest file the child may write (RLIMIT_FSIZE), e.g. a saved figure.
    file_size: int = 64 * MiB
    # Open files (RLIMIT_NOFILE) and processes (RLIMIT_NPROC, enforced for
    # non-root users only) stop descriptor and fork bombs.
    open_files: int = 256
    processes: int = 64
    # Largest message either side accepts: a 1000 x 1000 float64 array is
    # ~11 MiB in base64; anything much larger is an attack or a bug.
    max_message: int = 256 * MiB
    # Largest callback message (a student function calling a grader function
    # with its arguments): the grader's functions take the lab's small inputs,
    # so a few MiB is ample; the cap applies before the message is read.
    max_callback: int = 8 * MiB
    # Largest number of JSON values in one message. Arrays travel as single
    # base64 strings, so honest messages hold a few hundred values; a forged
    # one of millions of tiny lists would take gigabytes in the trusted
    # process to parse.
    max_items: int = 200_000
    # A notebook that kills or hangs its child this often is not retried further.
    max_restarts: int = 6
    # CPU time per wall-clock second for the child's whole process tree (its
    # cgroup's cpu quota): the child computes with one BLAS thread, so one core
    # is all honest work uses; a tree of busy forks cannot take the others'.
    cpu_cores: float = 1.0
    # `--isolation`: auto (the strongest the host allows; refuse where nothing
    # confines the child), strict (the full jail or refuse) or none (rlimits
    # only: a student checking their own notebook). See sandbox/layers.py.
    isolation: str = "auto"


@dataclass(frozen=True)
class Tolerances:
    """How close an answer must be. Relative errors use a floor scaled to the
    array's magnitude (see checks/compare.py), so round-off on near-zero
    entries never fails a correct answer."""

    # Analytic answer vs the reference's analytic answer: both are exact
    # formulas, so only float64 round-off separates correct formulations.
    exact: float = 1e-8
    # Analytic gradient vs central finite differences of the reference loss in
    # float64: truncation and cancellation error stay well below this.
    gradient: float = 1e-6
    # The floor of the relative error, as a fraction of the array's largest
    # |a| + |b|: an entry 1e-3 times smaller than the array's scale is judged
    # against that scale rather than against itself.
    floor_fraction: float = 1e-3
    # ... and never below this absolute value: hidden inputs are of order 1,
    # so entries under 1e-12 are round-off, not answers.
    absolute_floor: float = 1e-12
    # A failing answer reproduces a known mistake's wrong answer when it is
    # this close (or within the check's own tolerance, if larger): the
    # student's formula and the catalogue's differ by round-off, and rank or
    # count answers are judged with a tolerance of 0.
    match: float = 1e-6


@dataclass(frozen=True)
class Settings:
    """Everything one grading run needs besides its inputs."""
    limits: Limits = Limits()

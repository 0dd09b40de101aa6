"""Grading throughput: `autograder grade` against `nbgrader autograde` on one corpus, in one run.

    python benchmarks/grade_throughput.py                    # the recorded run (sizes 50..400, nbgrader on 200)
    python benchmarks/grade_throughput.py --quick            # a smoke run (sizes 10,20; nbgrader on 10)
    python benchmarks/grade_throughput.py --sizes 50,100 --compare 50 --jobs 2 --out /tmp/bench.txt

Not part of the test suite or CI. What it does, all on this machine in one run
so that the ratios compare (the absolute numbers move with the machine's load,
printed as os.getloadavg() beside each phase):

1. A reproducible corpus in a temporary folder, an nbgrader `submitted/` tree
   over the five labs, cycling five kinds of submission: `correct` (the
   solution), `partial` (the solution with one exercise function replaced,
   right after its answer cell, by one whose results are off by 10%),
   `crash` (a cell that ends the process with os._exit), `slow` (a cell that
   sleeps 1 s and loops for ~0.3 s) and `untouched` (the release notebook).
2. Where one submission's time goes: interpreter start, the trusted
   worker's imports and hidden-test collection, the zygote's start (the
   children's imports, once per worker), one sandboxed child forked by it,
   and the stages of one grading (core seconds, from wait4 rusage).
3. `autograder grade` (the CLI's own path: `--jobs` threads, each with a warm
   worker, see autograder/pool.py) on the first 50, 100, 200, 400 submissions:
   wall time, core time, notebooks/s, per-submission latency p50/p95 (from
   the executor's grade function) and peak RSS of the whole process tree
   (the sum over every descendant, sampled from /proc every 0.2 s); the
   same on `--workers fresh` for comparison.
4. `nbgrader autograde` on a scratch nbgrader course built from `source/`
   (generate_assignment, as autograder/build.py drives nbgrader) on the same
   first N submissions, and the ratio; then what a 4x ratio would leave per
   submission (job slots x nbgrader's wall / N / 4) beside what one grading
   takes in a warm process, per kind: the notebook's own run in the sandbox
   (the floor: every cell runs), the hidden tests, the whole grade().
5. Each lab's own "Restart & Run All" in a plain kernel (nbclient), and the
   grader's overhead per submission: the core time one more graded solution
   adds (grading 2N copies against N) minus the notebook's own core time (the
   kernel's start-up, measured on an empty notebook, taken out), beside the
   core per copy with the workers' start-up included, plus one student's CI
   check: `autograder grade` of a single notebook, wall, against the
   notebook's own wall in a fresh kernel.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.labs import LABS, Course, default_course  # noqa: E402

KINDS = ("correct", "partial", "crash", "slow", "untouched")
CHILDREN = 20   # sandboxed children forked to price one
PAGE = os.sysconf("SC_PAGE_SIZE")
PY = sys.executable

WRONG_CELL = '''_wrapped_{name} = {name}


def _off_by_ten_percent(value):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value * 1.1 + 0.01
    if isinstance(value, float):
        return value * 1.1 + 0.01
    if isinstance(value, (tuple, list)):
        return type(value)(_off_by_ten_percent(v) for v in value)
    if isinstance(value, dict):
        return {{k: _off_by_ten_percent(v) for k, v in value.items()}}
    return value


def {name}(*args, **kwargs):
    return _off_by_ten_percent(_wrapped_{name}(*args, **kwargs))
'''
CRASH_CELL = "import os\nos._exit(3)\n"
SLOW_CELL = "import time\ntime.sleep(1.0)\n_t = time.process_time()\nwhile time.process_time() - _t < 0.3:\n    pass\n"


# --- the corpus -----------------------------------------------------------------
def make_submission(lab: str, kind: str, index: int, course: Path, points: dict):
    if kind == "untouched":
        return nbformat.read(course / "release" / lab / f"{lab}.ipynb", as_version=4)
    nb = nbformat.read(course / "solutions" / lab / f"{lab}.ipynb", as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    if kind == "partial":
        defined = {name: i for name in points[lab] for i, c in enumerate(nb.cells)
                   if c.cell_type == "code" and f"def {name}(" in c.source}   # functions (not classes)
        names = sorted(defined, key=list(points[lab]).index)
        name = names[(index // len(LABS) // len(KINDS)) % len(names)]
        where = defined[name]
        nb.cells.insert(where + 1, nbformat.v4.new_code_cell(WRONG_CELL.format(name=name)))
    elif kind == "crash":
        nb.cells.insert(code[len(code) // 2], nbformat.v4.new_code_cell(CRASH_CELL))
    elif kind == "slow":
        nb.cells.insert(code[1], nbformat.v4.new_code_cell(SLOW_CELL))
    return nb


def make_corpus(root: Path, count: int, course: Path) -> list:
    """submitted/<student>/<lab>/<lab>.ipynb for `count` submissions; returns [(student, lab, kind)]."""
    points = Course.load(course).points
    labs = list(LABS)
    made = []
    for i in range(count):
        lab, kind = labs[i % len(labs)], KINDS[(i // len(labs)) % len(KINDS)]
        student = f"s{i:04d}-{kind}"
        path = root / "submitted" / student / lab / f"{lab}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(make_submission(lab, kind, i, course, points), str(path))
        made.append((student, lab, kind))
    return made


def subset(corpus_root: Path, corpus: list, count: int, into: Path) -> Path:
    """A submitted/ tree holding the first `count` submissions (hard links)."""
    for student, lab, _ in corpus[:count]:
        source = corpus_root / "submitted" / student / lab
        target = into / "submitted" / student / lab
        target.mkdir(parents=True, exist_ok=True)
        for f in source.iterdir():
            os.link(f, target / f.name)
    return into / "submitted"


# --- measuring a process tree ------------------------------------------------------
def tree_memory(root: int) -> tuple:
    """(RSS, PSS) in bytes summed over `root` and all its descendants now. RSS counts a page shared by
    forks (copy-on-write) once per process; PSS splits it among them: the tree's real footprint."""
    children: dict = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    rss = pss = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            pass
        todo.extend(children.get(pid, ()))
    return rss, pss


def measure(command: list, env: dict = None, cwd: Path = None, sample: float = 0.2) -> dict:
    """Run `command`; wall, core seconds of the whole tree (wait4), peak tree RSS, its output."""
    load = os.getloadavg()[0]
    out = tempfile.TemporaryFile()
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    peak = {"rss": 0, "pss": 0}
    stop = threading.Event()

    def sampler():
        while not stop.is_set():
            rss, pss = tree_memory(process.pid)
            peak["rss"], peak["pss"] = max(peak["rss"], rss), max(peak["pss"], pss)
            stop.wait(sample)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    thread.join()
    out.seek(0)
    text = out.read().decode("utf-8", "replace")
    return {"wall": wall, "core": usage.ru_utime + usage.ru_stime, "peak_tree_rss": peak["rss"], "peak_tree_pss": peak["pss"],
            "max_rss_one_process": usage.ru_maxrss * 1024, "code": process.returncode, "output": text,
            "load_before": load, "load_after": os.getloadavg()[0]}


# --- in a subprocess: the CLI's grading path, with per-submission latency ------------------
def run_grade(submitted: str, out: str, jobs: int, workers: str, seed: int, latencies: str) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from autograder import cli
    from autograder.execute import grade_in_worker
    from autograder.pool import WarmPool
    seen = []
    lock = threading.Lock()

    def timed(function):
        def grade_fn(request):
            start = time.perf_counter()
            graded = function(request)
            with lock:
                seen.append({"student": request.student, "seconds": time.perf_counter() - start,
                             "internal_errors": len(graded.internal_errors)})
            return graded
        return grade_fn

    args = argparse.Namespace(
        paths=[submitted], out=Path(out), jobs=jobs, seed=seed, course=None, force=True, gradebook=None,
        cell_timeout=cli.Limits.cell_timeout, call_timeout=cli.Limits.call_timeout, formats=[],
        gradescope_checks="", dask_scheduler=None, isolation="auto", shard=None, workers=workers)
    with ThreadPoolExecutor(max_workers=jobs) as executor:
        if workers == "warm":
            with WarmPool() as pool:
                code = cli.grade_command(args, executor=executor, grade_fn=timed(pool.grade),
                                         progress=lambda *a: None)
        else:
            code = cli.grade_command(args, executor=executor, grade_fn=timed(grade_in_worker),
                                     progress=lambda *a: None)
    Path(latencies).write_text(json.dumps(seen))
    return code


def run_own(path: str) -> int:
    """Restart & Run All of one notebook in a fresh plain kernel (nbclient), errors allowed."""
    from nbclient import NotebookClient
    os.environ["MPLBACKEND"] = "Agg"   # as in grading
    nb = nbformat.read(path, as_version=4) if path != "empty" else nbformat.v4.new_notebook()
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True).execute()
    print(json.dumps({"wall": time.perf_counter() - start}))
    return 0


# --- the phases -------------------------------------------------------------------
def grade_phase(submitted: Path, scratch: Path, jobs: int, workers: str, seed: int) -> dict:
    out, latencies = scratch / f"out-{workers}", scratch / f"latencies-{workers}.json"
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, PATH=os.path.dirname(PY) + os.pathsep + os.environ.get("PATH", ""))
    m = measure([PY, __file__, "_grade", str(submitted), str(out), str(jobs), workers, str(seed), str(latencies)],
                env=env, cwd=ROOT)
    if m["code"] != 0:
        raise RuntimeError(f"autograder grade failed:\n{m['output'][-3000:]}")
    seen = json.loads(latencies.read_text())
    seconds = sorted(s["seconds"] for s in seen)
    m.update(count=len(seen), p50=percentile(seconds, 50), p95=percentile(seconds, 95),
             internal_errors=sum(1 for s in seen if s["internal_errors"]),
             grades=(out / "grades.csv").read_text())
    return m


def mem(m: dict) -> str:
    return f"{m['peak_tree_pss'] / 2**20:.0f}/{m['peak_tree_rss'] / 2**20:.0f}"


def percentile(values: list, p: float) -> float:
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


NBGRADER_CONFIG = '''c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "bench"
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
c.ExecutePreprocessor.timeout = 60
c.Execute.timeout = 60
'''


def nbgrader_course(scratch: Path, course: Path) -> Path:
    """A scratch nbgrader course from source/: generate_assignment for each lab (as autograder/build.py does)."""
    root = scratch / "nbgrader-course"
    root.mkdir()
    (root / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(root=str(root)))
    shutil.copytree(course / "source", root / "source")
    from autograder.build import nbgrader
    for lab in LABS:
        nbgrader(root, "generate_assignment", lab)
    return root


def nbgrader_phase(root: Path, corpus_root: Path, corpus: list, count: int) -> dict:
    shutil.rmtree(root / "submitted", ignore_errors=True)
    shutil.rmtree(root / "autograded", ignore_errors=True)
    subset(corpus_root, corpus, count, root)
    env = dict(os.environ, PATH=os.path.dirname(PY) + os.pathsep + os.environ.get("PATH", ""), MPLBACKEND="Agg")
    script = ("import subprocess, sys\n"
              f"for lab in {list(LABS)!r}:\n"
              "    done = subprocess.run([sys.executable, '-m', 'nbgrader', 'autograde', lab, '--force',\n"
              f"                           '--CourseDirectory.root={root}'], capture_output=True, text=True)\n"
              "    print(lab, done.returncode, done.stderr[-2000:] if done.returncode else '')\n")
    m = measure([PY, "-c", script], env=env, cwd=root)
    m["count"] = sum(1 for p in (root / "autograded").glob("*/*/*.ipynb")) if (root / "autograded").exists() else 0
    return m


def core_of(command: list, cwd: Path = None) -> dict:
    m = measure(command, cwd=cwd)
    if m["code"] != 0:
        raise RuntimeError(f"{command} failed:\n{m['output'][-2000:]}")
    return m


def profile_phase(course: Path, scratch: Path) -> list:
    """Core seconds of the start-up steps a fresh worker and a fresh child pay, and of one grading's stages."""
    lab = "lab-1.4.1-manual-backpropagation"
    children = ("import sys; sys.path.insert(0, {root!r})\n"
                "from autograder.config import Limits\nfrom autograder.sandbox import zygote\n"
                "from autograder.sandbox.runner import Sandbox\nzygote.own_zygote()\n"
                "for _ in range({n}):\n"
                "    with Sandbox(['import numpy as np\\nimport matplotlib.pyplot as plt'], Limits()) as s:\n"
                "        s.run_notebook()\n")
    steps = [
        ("interpreter start (python -c pass)", [PY, "-c", "pass"]),
        ("fresh worker: + grader imports (autograder.worker, nbformat)",
         [PY, "-c", "import autograder.worker, autograder.notebook"]),
        ("warm worker start: + isolation probe, zygote, collect all 5 labs' hidden tests",
         [PY, "-c", "from autograder.pool import warm_up; warm_up(); from autograder.grade import hidden_exercises; "
                    "from autograder.labs import LABS; [hidden_exercises(lab) for lab in LABS.values()]"]),
        ("zygote start: python -I, IPython, numpy, matplotlib.pyplot (once per worker)",
         [PY, "-c", children.format(root=str(ROOT), n=0)]),
        (f"zygote + {CHILDREN} sandboxed children (fork, jail, shell, numpy + pyplot imports)",
         [PY, "-c", children.format(root=str(ROOT), n=CHILDREN)]),
    ]
    rows = []
    for name, command in steps:
        best = min((core_of(command, cwd=ROOT) for _ in range(3)), key=lambda m: m["core"])
        rows.append((name, best["core"], best["wall"]))
    (_, start, start_wall), (_, many, many_wall) = rows[-2:]
    rows.append(("  one sandboxed child, forked (the difference / children)", (many - start) / CHILDREN,
                 (many_wall - start_wall) / CHILDREN))
    stages = scratch / "stages.py"
    stages.write_text(STAGES.format(root=str(ROOT), lab=lab))
    m = core_of([PY, str(stages)], cwd=ROOT)
    rows.append(("one grading's stages (lab 1.4.1 solution, warm process, 2nd run)", None, None))
    rows.append(("  " + m["output"].strip().splitlines()[-1], None, None))
    return rows


STAGES = '''import sys, time
sys.path.insert(0, {root!r})
import autograder.grade as g
from autograder.sandbox import runner
from autograder.labs import default_course, Course
course = Course.load(default_course())
lab = {lab!r}
nb = (default_course() / "solutions" / lab / (lab + ".ipynb")).read_bytes()
marks = {{}}
def timed(owner, name, key):
    original = getattr(owner, name)
    def wrapper(*a, **k):
        s = time.perf_counter(); c = time.process_time()
        try:
            return original(*a, **k)
        finally:
            marks[key] = marks.get(key, 0) + time.perf_counter() - s
    setattr(owner, name, wrapper)
timed(runner.Sandbox, "run_notebook", "child start + notebook cells (wall)")
timed(g, "run_hidden_tests", "hidden tests (wall)")
timed(g, "parse_submission", "parse notebook (wall)")
request = g.GradeRequest("x", lab, lab + ".ipynb", nb, "", 1, course)
g.grade(request)
marks.clear()
s = time.perf_counter(); c = time.process_time()
g.grade(request)
marks["whole grade() (wall)"] = time.perf_counter() - s
marks["grader process's own core"] = time.process_time() - c
print("; ".join(f"{{k}} {{v:.2f}} s" for k, v in marks.items()))
'''


FLOOR = '''import json, sys, time
sys.path.insert(0, {root!r}); sys.path.insert(0, {here!r})
import nbformat
import autograder.grade as g
import grade_throughput as bench
from autograder.sandbox import runner
from autograder.labs import LABS, Course, default_course
course_dir = default_course()
course = Course.load(course_dir)
marks = {{}}
def timed(owner, name):
    original = getattr(owner, name)
    def wrapper(*a, **k):
        start = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            marks[name] = marks.get(name, 0) + time.perf_counter() - start
    setattr(owner, name, wrapper)
timed(runner.Sandbox, "run_notebook")
timed(g, "run_hidden_tests")
rows = []
for lab in LABS:
    for kind in bench.KINDS:
        nb = nbformat.writes(bench.make_submission(lab, kind, 0, course_dir, course.points)).encode()
        request = g.GradeRequest("x", lab, lab + ".ipynb", nb, "", 1, course)
        g.grade(request)                       # warm: this lab's tests imported
        marks.clear()
        start = time.perf_counter()
        g.grade(request)
        rows.append(dict(lab=lab, kind=kind, whole=time.perf_counter() - start, **marks))
print(json.dumps(rows))
'''


def floor_phase(scratch: Path) -> list:
    """Per kind (each lab once, in a warm process): the wall time of the notebook's own run in the
    sandbox (run_notebook: every cell, crashes recovered, the slow kind's sleep included), of the
    hidden tests and of the whole grade(). No grader can run the notebook for less than the first."""
    script = scratch / "floor.py"
    script.write_text(FLOOR.format(root=str(ROOT), here=str(Path(__file__).resolve().parent)))
    m = core_of([PY, str(script)], cwd=ROOT)
    return json.loads(m["output"].strip().splitlines()[-1])


def own_phase(course: Path, scratch: Path, jobs: int, copies: int, seed: int) -> list:
    """Per lab: the solution's own Restart & Run All (wall, and core minus an empty notebook's), the
    grader's core per graded copy (2 x `copies` graded, the workers' start-up included), the marginal
    core of one more submission (grading 2 x `copies` against `copies`: what each one adds once the
    workers are warm), the overhead (marginal minus own), and one notebook's `autograder grade` wall."""
    empty = min((core_of([PY, __file__, "_own", "empty"], cwd=ROOT) for _ in range(2)), key=lambda m: m["core"])
    rows = [("(empty notebook: kernel start)", empty["wall"], empty["core"], None, None, None, None, None)]
    env = dict(os.environ, PATH=os.path.dirname(PY) + os.pathsep + os.environ.get("PATH", ""))
    for lab in LABS:
        solution = course / "solutions" / lab / f"{lab}.ipynb"
        own = core_of([PY, __file__, "_own", str(solution)], cwd=ROOT)
        own_core = own["core"] - empty["core"]
        graded = {}
        for count in (copies, 2 * copies):
            tree = scratch / f"own-{lab}-{count}" / "submitted"
            for i in range(count):
                target = tree / f"copy{i}" / lab
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy(solution, target / f"{lab}.ipynb")
            graded[count] = grade_phase(tree, scratch / f"own-{lab}-{count}", jobs, "warm", seed)["core"]
        single_dir = scratch / f"single-{lab}"
        single_dir.mkdir()
        single_nb = single_dir / f"{lab}.ipynb"
        shutil.copy(solution, single_nb)
        single = measure([PY, "-m", "autograder.cli", "grade", str(single_nb),
                          "--out", str(single_dir / "out"), "--seed", str(seed), "--jobs", "1"], env=env, cwd=ROOT)
        per = graded[2 * copies] / (2 * copies)
        marginal = (graded[2 * copies] - graded[copies]) / copies
        rows.append((lab, own["wall"], own_core, per, marginal, marginal - own_core, single["wall"],
                     single["wall"] - own["wall"]))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,100,200,400", help="corpus sizes graded by autograder grade")
    parser.add_argument("--compare", type=int, default=200, help="submissions graded by both (0: skip nbgrader)")
    parser.add_argument("--fresh", type=int, default=50, help="submissions graded with --workers fresh (0: skip)")
    parser.add_argument("--copies", type=int, default=10,
                        help="solution copies per lab for the overhead figure (graded once, then twice as many)")
    parser.add_argument("--jobs", type=int, default=None, help="autograder --jobs (default: the usable cores)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--quick", action="store_true", help="sizes 10,20, nbgrader and fresh on 10, 2 copies")
    parser.add_argument("--skip", default="", help="phases to skip: profile,own")
    parser.add_argument("--out", type=Path, default=None, help="also write the report here")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.compare, args.fresh, args.copies = "10,20", 10, 10, 2
    from autograder.execute import usable_cores
    jobs = args.jobs or usable_cores()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    course = default_course()
    lines = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    say(f"# grade_throughput: {' '.join(sys.argv[1:]) or '(defaults)'}")
    say(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {usable_cores()} usable cores, "
        f"--jobs {jobs}; load average at start {os.getloadavg()[0]:.1f} (shared machine: compare ratios)")
    with tempfile.TemporaryDirectory(prefix="grade-throughput-") as tmp:
        scratch = Path(tmp)
        corpus_root = scratch / "corpus"
        corpus = make_corpus(corpus_root, max(sizes + [args.compare, args.fresh]), course)
        say(f"# corpus: {len(corpus)} submissions, labs cycling, kinds cycling every 5: {', '.join(KINDS)}")
        if "profile" not in args.skip:
            say("\n## Where a submission's start-up goes (core s = user+sys of the whole process tree, best of 3)")
            for name, core, wall in profile_phase(course, scratch):
                say(f"{name:78} {core:6.2f} core s {wall:6.2f} wall s" if core is not None else name)
        say("\n## autograder grade (warm workers, the default) at growing sizes")
        say(f"{'n':>5} {'wall s':>8} {'core s':>8} {'nb/s':>6} {'core s/nb':>9} {'p50 s':>6} {'p95 s':>6} "
            f"{'peak tree PSS/RSS MB':>20} {'grader errors':>13} {'load':>9}")
        warm = {}
        for size in sizes:
            tree = subset(corpus_root, corpus, size, scratch / f"size-{size}")
            m = warm[size] = grade_phase(tree, scratch / f"size-{size}", jobs, "warm", args.seed)
            say(f"{size:5} {m['wall']:8.1f} {m['core']:8.1f} {size / m['wall']:6.2f} {m['core'] / size:9.2f} "
                f"{m['p50']:6.2f} {m['p95']:6.2f} {mem(m):>20} {m['internal_errors']:13} "
                f"{m['load_before']:4.1f}-{m['load_after']:<4.1f}")
        if len(sizes) > 1:
            lo, hi = warm[sizes[0]], warm[sizes[-1]]
            say(f"scaling {sizes[0]} -> {sizes[-1]}: x{sizes[-1] / sizes[0]:.0f} submissions, wall x"
                f"{hi['wall'] / lo['wall']:.2f}, core x{hi['core'] / lo['core']:.2f}, peak tree RSS x"
                f"{hi['peak_tree_rss'] / lo['peak_tree_rss']:.2f}, PSS x{hi['peak_tree_pss'] / lo['peak_tree_pss']:.2f}")
        if args.compare:
            say(f"\n## nbgrader autograde on the same first {args.compare} (scratch course from source/)")
            root = nbgrader_course(scratch, course)
            nb = nbgrader_phase(root, corpus_root, corpus, args.compare)
            if args.compare in warm:
                ag = warm[args.compare]
            else:
                ag = grade_phase(subset(corpus_root, corpus, args.compare, scratch / "compare"),
                                 scratch / "compare", jobs, "warm", args.seed)
            say(f"{'':24} {'wall s':>8} {'core s':>8} {'nb/s':>6} {'peak tree PSS/RSS MB':>20} {'load':>9}")
            for name, m in ((f"nbgrader autograde", nb), (f"autograder grade -j{jobs}", ag)):
                say(f"{name:24} {m['wall']:8.1f} {m['core']:8.1f} {args.compare / m['wall']:6.2f} "
                    f"{mem(m):>20} {m['load_before']:4.1f}-{m['load_after']:<4.1f}")
            say(f"throughput ratio autograder/nbgrader: x{nb['wall'] / ag['wall']:.2f} (wall), "
                f"x{nb['core'] / ag['core']:.2f} per core second; nbgrader autograded {nb['count']} notebooks")
            if nb["code"] != 0 or nb["count"] < args.compare:
                say("nbgrader output tail: " + nb["output"][-1500:].replace("\n", " | "))
            budget = jobs * nb["wall"] / args.compare / 4
            say(f"\n## What x4 against nbgrader leaves: {jobs} job slots x {nb['wall']:.1f} s / {args.compare} / 4 "
                f"= {budget:.2f} slot-s per submission")
            say("(wall s of one grading in a warm process, per kind: each lab once; mean = the corpus's mix)")
            rows = floor_phase(scratch)
            say(f"{'kind':10} {'own run in the sandbox':>22} {'hidden tests':>12} {'whole grade()':>13}")
            for kind in KINDS + ("mean",):
                mine = [r for r in rows if r["kind"] == kind or kind == "mean"]
                own, tests, whole = (statistics.mean(r.get(k, 0.0) for r in mine)
                                     for k in ("run_notebook", "run_hidden_tests", "whole"))
                say(f"{kind:10} {own:22.2f} {tests:12.2f} {whole:13.2f}")
            say(f"the notebooks' own run alone takes {own / budget:.0%} of that budget; whole gradings "
                f"{whole / budget:.0%}")
        if "own" not in args.skip:
            say(f"\n## Each lab's own Restart & Run All (nbclient, plain kernel) and the grader's overhead")
            say(f"(per copy = grader core s per graded solution, {2 * args.copies} copies, warm workers' start-up "
                f"included; marginal = what one more solution adds: (core of {2 * args.copies} - core of "
                f"{args.copies}) / {args.copies}; overhead = marginal - the notebook's own core s without the "
                "kernel's start; CI = `autograder grade ONE.ipynb --jobs 1` wall - own wall)")
            say(f"{'lab':40} {'own wall':>8} {'own core':>8} {'per copy':>8} {'marginal':>8} {'overhead':>8} "
                f"{'CI wall':>7} {'CI-own':>6}")
            for lab, own_wall, own_core, per, marginal, over, ci, ci_over in own_phase(course, scratch, jobs,
                                                                                       args.copies, args.seed):
                if per is None:
                    say(f"{lab:40} {own_wall:8.2f} {own_core:8.2f}")
                else:
                    say(f"{lab:40} {own_wall:8.2f} {own_core:8.2f} {per:8.2f} {marginal:8.2f} {over:8.2f} "
                        f"{ci:7.2f} {ci_over:6.2f}")
        if args.fresh:
            tree = subset(corpus_root, corpus, args.fresh, scratch / "fresh")
            m = grade_phase(tree, scratch / "fresh", jobs, "fresh", args.seed)
            say(f"\n## --workers fresh (a new worker process per submission) on the first {args.fresh}")
            say(f"{args.fresh:5} {m['wall']:8.1f} {m['core']:8.1f} {args.fresh / m['wall']:6.2f} "
                f"{m['core'] / args.fresh:9.2f} {m['p50']:6.2f} {m['p95']:6.2f} {mem(m):>20} "
                f"{m['internal_errors']:13} {m['load_before']:4.1f}-{m['load_after']:<4.1f}")
            if args.fresh in warm:
                same = warm[args.fresh]["grades"] == m["grades"]
                say(f"warm vs fresh on the same {args.fresh}: core x{m['core'] / warm[args.fresh]['core']:.2f}, "
                    f"wall x{m['wall'] / warm[args.fresh]['wall']:.2f}; grades.csv identical: {same}")
        say(f"\n# load average at end {os.getloadavg()[0]:.1f}")
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_grade":
        sys.exit(run_grade(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], int(sys.argv[6]), sys.argv[7]))
    if len(sys.argv) > 1 and sys.argv[1] == "_own":
        sys.exit(run_own(sys.argv[2]))
    sys.exit(main())

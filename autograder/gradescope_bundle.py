"""Gradescope: build the autograder zip, and grade one submission inside it.

`autograder gradescope-bundle OUT.zip` writes, at the zip's root:

    setup.sh            installs the pinned requirements, then this package
    run_autograder      grades /autograder/submission (calls `run` below)
    requirements.txt    every runtime dependency, pinned to the version installed here
    wheel/*.whl         this package, hidden tests included
    course/source/<lab>/<lab>.ipynb
                        the release notebooks: each exercise's points, no solutions
    settings.json       the instructor's choices (assignment, per-check visibility)

`python -m autograder.gradescope_bundle --root R --source S` (what
`run_autograder` runs) grades the notebooks in R/submission with
`autograder grade --format gradescope` and writes R/results/results.json:
always, with score 0 and the reason when the submission cannot be graded.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from importlib import metadata
from pathlib import Path

from autograder import gradescope
from autograder.labs import LABS, PACKAGE, default_course

TEMPLATES = PACKAGE / "bundle"
DISTRIBUTION = "module14-autograder"
STUDENT = "student"                   # Gradescope's results need no name; the folder gets this one
EXECUTABLE = 0o755                    # setup.sh and run_autograder must be executable in the zip


# --- building the zip -------------------------------------------------------------------

def pinned_requirements(distribution: str = DISTRIBUTION) -> list:
    """`name==version` of every runtime dependency of `distribution`, as installed
    here (markers evaluated for this interpreter; extras left out)."""
    from packaging.requirements import Requirement   # pytest's dependency; needed only here
    pins, todo, seen = {}, [(distribution, ())], set()
    while todo:
        name, extras = todo.pop()
        key = (name.lower().replace("_", "-"), extras)
        if key in seen:
            continue
        seen.add(key)
        dist = metadata.distribution(name)
        if name != distribution:
            pins[dist.metadata["Name"].lower()] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            environment = [{"extra": e} for e in extras] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in environment):
                todo.append((req.name, tuple(sorted(req.extras))))
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def build_wheel(project: Path, into: Path) -> Path:
    """This package as a wheel, built with the installed setuptools from a clean copy
    of the checkout at `project` (a stale build/ folder there never leaks in)."""
    copy = into / "project"
    shutil.copytree(project / "autograder", copy / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(project / name, copy / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(into), str(copy)], check=True)
    return next(into.glob("*.whl"))


def build(zip_path: Path, course: Path, assignment: str = "", checks: str = "") -> Path:
    """Write the autograder zip; returns its path."""
    if assignment and assignment not in LABS:
        raise ValueError(f"unknown assignment {assignment!r}: one of {', '.join(LABS)}")
    if checks and checks not in gradescope.VISIBILITIES:
        raise ValueError(f"checks visibility must be one of {', '.join(gradescope.VISIBILITIES)}")
    project = PACKAGE.parent
    if not (project / "pyproject.toml").is_file():
        raise ValueError("build the bundle from a checkout of the course repository (pyproject.toml not found)")
    labs = [assignment] if assignment else list(LABS)
    notebooks = {lab: course / "release" / lab / f"{lab}.ipynb" for lab in labs}
    missing = [str(p) for p in notebooks.values() if not p.is_file()]
    if missing:
        raise ValueError(f"release notebooks missing (run `make release`): {', '.join(missing)}")
    with tempfile.TemporaryDirectory() as tmp:
        wheel = build_wheel(project, Path(tmp))
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name in ("setup.sh", "run_autograder"):
                info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
                info.external_attr = (EXECUTABLE | 0o100000) << 16      # a regular file, rwxr-xr-x
                info.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(info, (TEMPLATES / name).read_bytes())
            bundle.writestr("requirements.txt", "\n".join(pinned_requirements()) + "\n")
            bundle.write(wheel, f"wheel/{wheel.name}")
            for lab, path in notebooks.items():
                bundle.write(path, f"course/source/{lab}/{lab}.ipynb")
            bundle.writestr("settings.json", json.dumps({"assignment": assignment, "checks": checks}) + "\n")
    return zip_path


def build_command(args) -> int:
    """`autograder gradescope-bundle OUT.zip [--assignment LAB] [--checks VISIBILITY]`."""
    try:
        path = build(args.zip, (args.course or default_course()).resolve(), args.assignment, args.checks)
    except (ValueError, subprocess.CalledProcessError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 1
    print(f"autograder: wrote {path}: upload it as the assignment's autograder on Gradescope")
    return 0


# --- grading one submission on Gradescope ----------------------------------------------

class Ungradable(Exception):
    """The submission cannot be graded; the message is for the student."""


def stage(submission: Path, into: Path, assignment: str) -> list:
    """The paths to grade: the submission's notebooks, placed where `autograder grade`
    reads the right assignment (`submitted/<student>/<lab>/` when the bundle names one)."""
    notebooks = sorted(p for p in submission.rglob("*.ipynb")
                       if ".ipynb_checkpoints" not in p.parts and p.is_file() and not p.is_symlink())
    if not notebooks:
        raise Ungradable("no .ipynb notebook was found in your submission: upload the lab's notebook "
                         "(File > Download in JupyterLab).")
    if not assignment:
        folder = into / "notebooks"
        folder.mkdir(parents=True)
        return [shutil.copy(p, folder / p.name) for p in notebooks]
    named = [p for p in notebooks if p.name == f"{assignment}.ipynb"]
    if not named and len(notebooks) > 1:
        raise Ungradable(f"your submission holds {len(notebooks)} notebooks and none is named "
                         f"{assignment}.ipynb: upload only that lab's notebook.")
    folder = into / "submitted" / STUDENT / assignment
    folder.mkdir(parents=True)
    shutil.copy((named or notebooks)[0], folder / f"{assignment}.ipynb")
    return [folder]


def run(root: Path, source: Path) -> int:
    """Grade root/submission into root/results/results.json; never leaves without writing it."""
    from autograder import cli, report
    started = time.monotonic()
    results_file = root / "results" / "results.json"
    try:
        settings = json.loads((source / "settings.json").read_text(encoding="utf-8"))
        with tempfile.TemporaryDirectory(prefix="autograder-gradescope-") as tmp:
            paths = stage(root / "submission", Path(tmp) / "in", settings["assignment"])
            out = Path(tmp) / "out"
            code = cli.main(["grade", *map(str, paths), "--out", str(out), "--jobs", "1",
                             "--course", str(source / "course")])
            results = report.read_results(out)
            if not results:
                raise RuntimeError(f"`autograder grade` wrote no result (exit code {code})")
            data = gradescope.results_json(results, settings["checks"], time.monotonic() - started)
    except Ungradable as exc:
        data = gradescope.failure_json(str(exc), time.monotonic() - started)
    except Exception:                                    # a grader bug: the instructor sees it in stdout
        traceback.print_exc(file=sys.stdout)
        data = gradescope.failure_json("the grader failed on this submission (not your fault); "
                                       "your instructor can see why and regrade it.", time.monotonic() - started)
    report.atomic_write(results_file, gradescope.dumps(data))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope_bundle", description=run.__doc__)
    parser.add_argument("--root", type=Path, default=Path("/autograder"), help="Gradescope's /autograder")
    parser.add_argument("--source", type=Path, default=None, help="the unpacked zip (default ROOT/source)")
    args = parser.parse_args(argv)
    return run(args.root, args.source or args.root / "source")


if __name__ == "__main__":
    sys.exit(main())

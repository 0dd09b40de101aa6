"""Build the course products with nbgrader: `autograder build [--check]`.

For every `source/<id>/<id>.ipynb`, nbgrader's own generate_assignment and
generate_solution write `release/<id>/` and `solutions/<id>/`; the bundled
example submissions `examples/submitted/{complete,untouched}/<id>/` are the
solution and the release as a student would hand them in. The build runs in
a scratch copy of the course, so `--check` can compare a fresh build with
what is committed and fail on any drift.
"""
from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.labs import LABS, default_course

LEAK_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def products(course: Path, lab_id: str) -> dict:
    """{path relative to the course: path in `course`} of everything built for a lab."""
    nb = f"{lab_id}.ipynb"
    return {f"release/{lab_id}/{nb}": course / "release" / lab_id / nb,
            f"solutions/{lab_id}/{nb}": course / "solutions" / lab_id / nb,
            f"examples/submitted/complete/{lab_id}/{nb}": course / "solutions" / lab_id / nb,
            f"examples/submitted/untouched/{lab_id}/{nb}": course / "release" / lab_id / nb}


def nbgrader(scratch: Path, *args: str) -> None:
    # nbgrader shells out to alembic, which lives beside this interpreter.
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--force",
                           f"--CourseDirectory.root={scratch}"],
                          cwd=scratch, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def build_into(course: Path, scratch: Path) -> list:
    """Run nbgrader on a copy of `course` in `scratch`; returns the lab ids built."""
    shutil.copy(course / "nbgrader_config.py", scratch)
    shutil.copytree(course / "source", scratch / "source")
    (scratch / ".nbgrader").mkdir()
    built = [lab for lab in LABS if (scratch / "source" / lab / f"{lab}.ipynb").is_file()]
    for lab in built:
        nbgrader(scratch, "generate_assignment", lab)
        nbgrader(scratch, "generate_solution", lab)
    return built


def leaks(path: Path) -> list:
    text = path.read_text(encoding="utf-8")
    return [marker for marker in LEAK_MARKERS if marker in text]


def main(check: bool = False, course: Path | None = None) -> int:
    course = (course or default_course()).resolve()
    problems = []
    with tempfile.TemporaryDirectory(prefix="autograder-build-") as tmp:
        scratch = Path(tmp)
        for lab in build_into(course, scratch):
            for relative, fresh in products(scratch, lab).items():
                if relative.startswith("release/") and leaks(fresh):
                    problems.append(f"{relative} would contain {', '.join(leaks(fresh))}")
                committed = course / relative
                if check:
                    if not committed.is_file() or not filecmp.cmp(fresh, committed, shallow=False):
                        problems.append(f"{relative} differs from a fresh nbgrader build")
                else:
                    committed.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(fresh, committed)
                    print(f"wrote {relative}")
    for problem in problems:
        print(f"autograder build: {problem}", file=sys.stderr)
    if check and problems:
        print("autograder build: run `make release` and commit the result", file=sys.stderr)
    return 1 if problems else 0

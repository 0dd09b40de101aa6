"""PATH arguments -> grading jobs (student, assignment, notebook).

Accepted forms:
- an nbgrader tree `.../submitted/<student>/<assignment>/<notebook>.ipynb`,
  given as the notebook, any folder above it, or `submitted/` itself;
- a lone notebook: the student is its file stem, the assignment is found
  from its name or its nbgrader metadata when it is loaded.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from autograder.labs import LABS


@dataclass(frozen=True)
class Job:
    student: str
    assignment: Optional[str]       # None: detect from the notebook
    notebook: Optional[Path]        # None: the folder held no notebook
    problem: str = ""               # why the job cannot be graded, for the student


def safe_name(student: str) -> str:
    """A folder name for any student id (odd characters, separators, dots).
    An id that had to change gets a digest of the original, so two ids never
    share a folder ("../alice" and "_alice" stay apart)."""
    name = re.sub(r"[^A-Za-z0-9._@-]", "_", student).strip(".")[:80]
    if name == student and name:
        return name
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{name or 'student'}-{digest}"


def discover(paths: list) -> tuple:
    """(jobs, warnings). Jobs are unique per (student, assignment)."""
    jobs, warnings = [], []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            jobs.append(_job_for_file(path))
        elif path.is_dir():
            found = _jobs_in_folder(path)
            if not found:
                warnings.append(f"{raw}: no notebooks found")
            jobs.extend(found)
        else:
            warnings.append(f"{raw}: no such file or folder")
    unique, seen = [], set()
    for job in jobs:
        key = (job.student, job.assignment, str(job.notebook))
        if key not in seen:
            seen.add(key)
            unique.append(job)
    return unique, warnings


LINK_PROBLEM = ("the submission is a symbolic link, which is not graded (it could point at anything "
                "on the grading machine): submit the notebook file itself")


def _job_for_file(path: Path) -> Job:
    parts = path.absolute().parts
    student, assignment = (parts[-3], parts[-2]) if len(parts) >= 3 and parts[-2] in LABS else (path.stem, None)
    if path.is_symlink():
        return Job(student, assignment, None, LINK_PROBLEM)
    if path.suffix != ".ipynb":
        return Job(student, assignment, path, f"{path.name} is not a .ipynb notebook")
    return Job(student, assignment, path)


def _jobs_in_folder(folder: Path) -> list:
    """Walk without following links: a linked folder is reported, never entered."""
    if folder.name in LABS:                 # PATH is `<student>/<assignment>/` itself
        return [_pick_notebook(folder.absolute().parent.name, folder)]
    jobs, students, lone = [], set(), []
    for here, dirs, files in os.walk(folder):
        here = Path(here)
        dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints" and d not in LABS
                         and not (here / d).is_symlink())
        for name in sorted(os.listdir(here)):
            if name in LABS:
                students.add(here)
                linked = (here / name).is_symlink()
                jobs.append(Job(here.name, name, None, LINK_PROBLEM) if linked
                            else _pick_notebook(here.name, here / name))
        lone += [here / f for f in sorted(files) if f.endswith(".ipynb")]
    if not jobs:                            # a plain folder of lone notebooks
        return [_job_for_file(p) for p in lone]
    inside = {s.parent for s in students if s.parent == folder or folder in s.parent.parents}
    for parent in sorted(inside):           # student folders (within PATH) holding no assignment at all
        for other in sorted(parent.iterdir()):
            if other.is_dir() and other not in students and not other.name.startswith("."):
                jobs.append(Job(other.name, None, None, "nothing was submitted: this student's folder "
                                                        "holds no assignment folder"))
    return jobs


def _pick_notebook(student: str, assignment_dir: Path) -> Job:
    assignment = assignment_dir.name
    notebooks = sorted(p for p in assignment_dir.glob("*.ipynb"))
    named = assignment_dir / f"{assignment}.ipynb"
    chosen = named if named in notebooks else (notebooks[0] if len(notebooks) == 1 else None)
    if chosen is not None:
        return Job(student, assignment, None, LINK_PROBLEM) if chosen.is_symlink() else Job(student, assignment, chosen)
    if not notebooks:
        return Job(student, assignment, None, "no notebook was submitted for this assignment")
    return Job(student, assignment, None, f"{len(notebooks)} notebooks were submitted and none is named "
                                          f"{assignment}.ipynb: rename the one to grade")

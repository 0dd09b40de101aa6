"""PATH arguments -> grading jobs (student, assignment, notebook).

Accepted forms:
- an nbgrader tree `.../submitted/<student>/<assignment>/<notebook>.ipynb`,
  given as the notebook, any folder above it, or `submitted/` itself;
- a lone notebook: the student is its file stem, the assignment is found
  from its name or its nbgrader metadata when it is loaded.
"""
from __future__ import annotations

import hashlib
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


def _job_for_file(path: Path) -> Job:
    parts = path.resolve().parts
    if len(parts) >= 3 and parts[-2] in LABS:
        return Job(parts[-3], parts[-2], path)
    if path.suffix != ".ipynb":
        return Job(path.stem, None, path, f"{path.name} is not a .ipynb notebook")
    return Job(path.stem, None, path)


def _jobs_in_folder(folder: Path) -> list:
    jobs = []
    for assignment_dir in sorted(p for p in folder.rglob("*") if p.is_dir() and p.name in LABS):
        if ".ipynb_checkpoints" in assignment_dir.parts:
            continue
        jobs.append(_pick_notebook(assignment_dir.parent.name, assignment_dir))
    if folder.name in LABS and not jobs:   # PATH is `<student>/<assignment>/` itself
        jobs.append(_pick_notebook(folder.parent.name, folder))
    if not jobs:   # a plain folder of lone notebooks
        jobs = [_job_for_file(p) for p in sorted(folder.rglob("*.ipynb"))
                if ".ipynb_checkpoints" not in p.parts]
    return jobs


def _pick_notebook(student: str, assignment_dir: Path) -> Job:
    assignment = assignment_dir.name
    notebooks = sorted(p for p in assignment_dir.glob("*.ipynb"))
    named = assignment_dir / f"{assignment}.ipynb"
    if named in notebooks:
        return Job(student, assignment, named)
    if len(notebooks) == 1:
        return Job(student, assignment, notebooks[0])
    if not notebooks:
        return Job(student, assignment, None, "no notebook was submitted for this assignment")
    return Job(student, assignment, None, f"{len(notebooks)} notebooks were submitted and none is named "
                                          f"{assignment}.ipynb: rename the one to grade")

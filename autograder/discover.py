"""PATH arguments -> grading jobs (student, assignment, notebook).

Accepted forms:
- an nbgrader tree `.../submitted/<student>/<assignment>/<notebook>.ipynb`,
  given as the notebook, any folder above it, or `submitted/` itself;
- a lone notebook: the student is its file stem (or `--student ID`), the
  assignment is found from its name or its nbgrader metadata when it is loaded.

In an assignment folder holding several notebooks the one named after the
assignment is graded; when it looks untouched and another one beside it has
work in it, the job carries a `note` (said in the feedback and the CLI's
warnings if grading confirms that nothing was attempted). Jupyter's
`.ipynb_checkpoints` copies are never graded; a folder holding nothing else
gets a message saying so.
"""
from __future__ import annotations

import hashlib
import json
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
    note: str = ""                  # said if the graded notebook turns out untouched (see module doc)


def safe_name(student: str) -> str:
    """A folder name for any student id (odd characters, separators, dots).
    An id that had to change gets a digest of the original, so two ids never
    share a folder ("../alice" and "_alice" stay apart)."""
    name = re.sub(r"[^A-Za-z0-9._@-]", "_", student).strip(".")[:80]
    if name == student and name:
        return name
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{name or 'student'}-{digest}"


def discover(paths: list, student: Optional[str] = None) -> tuple:
    """(jobs, warnings). Jobs are unique per (student, assignment). `student`
    names the student of lone notebooks (instead of their file stem)."""
    jobs, warnings = [], []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            jobs.append(_job_for_file(path, student))
        elif path.is_dir():
            found = _jobs_in_folder(path, student)
            if not found:
                copies = checkpoint_copies(path)
                warnings.append(f"{raw}: {only_checkpoints(copies)}" if copies else f"{raw}: no notebooks found")
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


CHECKPOINTS = ".ipynb_checkpoints"


def checkpoint_copies(folder: Path) -> list:
    """Jupyter's autosaved copies in `folder/.ipynb_checkpoints` (never graded)."""
    where = folder / CHECKPOINTS
    if where.is_symlink() or not where.is_dir():
        return []
    return sorted(p for p in where.glob("*.ipynb") if not p.is_symlink())


def only_checkpoints(copies: list) -> str:
    names = ", ".join(f"{CHECKPOINTS}/{p.name}" for p in copies[:3])
    return (f"only Jupyter's checkpoint copy was found ({names}); checkpoints are never graded: "
            "submit the notebook itself (File > Save, then submit the .ipynb beside the checkpoint folder)")


def _job_for_file(path: Path, student: Optional[str] = None) -> Job:
    parts = path.absolute().parts
    lone = not (len(parts) >= 3 and parts[-2] in LABS)
    who, assignment = (student or path.stem, None) if lone else (parts[-3], parts[-2])
    if path.is_symlink():
        return Job(who, assignment, None, LINK_PROBLEM)
    if path.suffix != ".ipynb":
        return Job(who, assignment, path, f"{path.name} is not a .ipynb notebook")
    if path.parent.name == CHECKPOINTS:
        return Job(who, assignment, None, f"{path.name} is Jupyter's checkpoint copy, which is never graded: "
                                          "submit the notebook itself")
    return Job(who, assignment, path)


def _jobs_in_folder(folder: Path, student: Optional[str] = None) -> list:
    """Walk without following links: a linked folder is reported, never entered."""
    if folder.name in LABS:                 # PATH is `<student>/<assignment>/` itself
        return [_pick_notebook(folder.absolute().parent.name, folder)]
    jobs, students, lone = [], set(), []
    for here, dirs, files in os.walk(folder):
        here = Path(here)
        dirs[:] = sorted(d for d in dirs if d != CHECKPOINTS and d not in LABS
                         and not (here / d).is_symlink())
        for name in sorted(os.listdir(here)):
            if name in LABS:
                students.add(here)
                linked = (here / name).is_symlink()
                jobs.append(Job(here.name, name, None, LINK_PROBLEM) if linked
                            else _pick_notebook(here.name, here / name))
        lone += [here / f for f in sorted(files) if f.endswith(".ipynb")]
    if not jobs:                            # a plain folder of lone notebooks
        return [_job_for_file(p, student) for p in lone]
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
        if chosen.is_symlink():
            return Job(student, assignment, None, LINK_PROBLEM)
        return Job(student, assignment, chosen, note=untouched_note(chosen, [p for p in notebooks if p != chosen]))
    if not notebooks:
        copies = checkpoint_copies(assignment_dir)
        return Job(student, assignment, None, only_checkpoints(copies) if copies
                   else "no notebook was submitted for this assignment")
    return Job(student, assignment, None, f"{len(notebooks)} notebooks were submitted and none is named "
                                          f"{assignment}.ipynb: rename the one to grade")


def stub_count(path: Path) -> Optional[int]:
    """How many functions of the notebook still raise NotImplementedError
    (None: unreadable or too large to look at here)."""
    from autograder.notebook import MAX_NOTEBOOK_BYTES, defined_functions
    try:
        if path.is_symlink() or path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return None
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        sources = ["".join(c["source"]) if isinstance(c.get("source"), list) else c.get("source", "")
                   for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
        return sum(defined_functions([s for s in sources if isinstance(s, str)]).values())
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        return None


def untouched_note(chosen: Path, others: list) -> str:
    """A warning when `chosen` still has stubs and another notebook beside it has fewer."""
    if not others:
        return ""
    mine = stub_count(chosen)
    if not mine:
        return ""
    counts = {p: stub_count(p) for p in others}
    worked = [p for p in others if counts[p] is not None and counts[p] < mine]
    if not worked:
        return ""
    return (f"{chosen.name} was graded and nothing in it is attempted, but {worked[0].name} beside it has "
            f"work in it: if that is your work, save it as {chosen.name} (the notebook named after the "
            "assignment is the one graded) and resubmit")

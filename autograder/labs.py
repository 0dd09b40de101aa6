"""The five assignments (where their source notebook and hidden tests live)
and `Course`: what grading needs of a course folder, read once by the parent."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograder.notebook import exercise_points, manual_points

PACKAGE = Path(__file__).resolve().parent
HIDDEN = PACKAGE / "hidden"


@dataclass(frozen=True)
class Lab:
    id: str          # nbgrader assignment id: folder and notebook name
    module: str      # short name: hidden/test_<module>.py, references/<module>.py

    @property
    def hidden_tests(self) -> Path:
        return HIDDEN / f"test_{self.module}.py"

    def source_notebook(self, course: Path) -> Path:
        return course / "source" / self.id / f"{self.id}.ipynb"


LABS = {lab.id: lab for lab in (
    Lab("lab-1.4.1-manual-backpropagation", "backprop"),
    Lab("lab-1.4.2-optimizer-implementation", "optimizers"),
    Lab("lab-1.4.3-loss-landscape-visualization", "landscape"),
    Lab("lab-1.4.4-svd-for-lora", "lora"),
    Lab("lab-1.4.5-probability-distributions", "probability"),
)}


def default_course() -> Path:
    """The course folder (holding nbgrader_config.py): the repository around
    this package when installed in development mode, else the working directory."""
    for candidate in (PACKAGE.parent, Path.cwd()):
        if (candidate / "nbgrader_config.py").is_file():
            return candidate
    return Path.cwd()


@dataclass(frozen=True)
class Course:
    """Each lab's exercise points (from its source notebook's test cells) and
    manually graded points. Plain data: a grading request carries it, so a
    worker needs no access to the course folder."""
    points: dict      # lab id -> {exercise: points}, in notebook order
    manual: dict      # lab id -> points of manually graded answers

    @classmethod
    def load(cls, folder: Path) -> "Course":
        """The labs whose source notebook is in `folder`."""
        sources = {lab.id: lab.source_notebook(folder) for lab in LABS.values()}
        present = {lab_id: str(path) for lab_id, path in sources.items() if path.is_file()}
        return cls(points={lab_id: exercise_points(path) for lab_id, path in present.items()},
                   manual={lab_id: manual_points(path) for lab_id, path in present.items()})

    def to_json(self) -> dict:
        return {"points": self.points, "manual": self.manual}

    @classmethod
    def from_json(cls, data: dict) -> "Course":
        return cls(points=data["points"], manual=data["manual"])

    def detect_assignment(self, name: str, grade_ids: set) -> str | None:
        """The assignment of a lone notebook: by its file name, else by the
        nbgrader grade_ids its cells carry (the test cells are named after
        the lab's functions)."""
        for lab_id in LABS:
            if lab_id in name:
                return lab_id
        best, overlap = None, 0
        for lab_id, points in self.points.items():
            shared = len(grade_ids & set(points))
            if shared > overlap:
                best, overlap = lab_id, shared
        return best

"""nbgrader configuration for Module 1.4 (Mathematics for Deep Learning).

`make release` (python -m autograder.build) runs nbgrader's own
generate_assignment and generate_solution with this file; nothing else in the
project strips solutions.
"""
import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "module-1.4-math-for-dl"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.solution_directory = "solutions"
# The gradebook (generate_assignment records the grade cells there; `autograder
# grade --gradebook` the scores) lives in .nbgrader/, which git ignores. A fresh
# clone has no such folder and sqlite will not create it ("unable to open
# database file"), so loading this file creates it.
_gradebook_dir = os.path.join(c.CourseDirectory.root, ".nbgrader")
os.makedirs(_gradebook_dir, exist_ok=True)
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_gradebook_dir, "gradebook.db")

# Student stub for every `### BEGIN SOLUTION` block: raising NotImplementedError
# is how the autograder tells "not attempted" from "attempted and wrong".
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Solutions are not executed: the committed products must be byte-for-byte
# reproducible (the drift check regenerates and compares them), and the
# autograder's own tests already run every solution notebook end to end.
from nbgrader.preprocessors import ClearMarkScheme, ClearOutput, IncludeHeaderFooter, LockCells  # noqa: E402

c.GenerateSolution.preprocessors = [IncludeHeaderFooter, LockCells, ClearOutput, ClearMarkScheme]


# `nbgrader autograde` would execute the student's notebook in the student's own
# kernel and score only the visible asserts, all or nothing. These assignments
# are graded by `autograder grade ... --gradebook` instead (README,
# "Instructors"); refuse loudly rather than write misleading grades.
from nbgrader.preprocessors import NbGraderPreprocessor  # noqa: E402


class RefuseNbgraderAutograde(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        raise RuntimeError("do not use `nbgrader autograde` for this course: it runs only the visible "
                           "asserts in the student's kernel. Run `autograder grade submitted/ --out results/ "
                           "--gradebook` instead (see the README's instructor section).")


c.Autograde.sanitize_preprocessors = [RefuseNbgraderAutograde]

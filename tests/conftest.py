"""Shared fixtures: one sandboxed child per lab for the banks, reused across variants.

Every result the suite makes the grader write, in this process or in a CLI it
starts, is validated against the published JSON Schema (report.write_result
reads AUTOGRADER_VALIDATE_RESULTS): a result that drifts from the schema fails
the test that produced it."""
import importlib
import inspect
import os
import secrets
import shutil

import pytest

from autograder.config import ONE_BLAS_THREAD, Limits
from autograder.labs import LABS, default_course
from autograder.sandbox.runner import Sandbox
from tests.adversarial.modes import plain_user_fixture

LAB_BY_MODULE = {lab.module: lab for lab in LABS.values()}
LABS_COURSE = default_course()
os.environ["AUTOGRADER_VALIDATE_RESULTS"] = "1"
# Grading in the pytest-xdist workers (started after this, with this environment) uses one BLAS
# thread per process, as the CLI's workers do (autograder/config.py).
for name, value in ONE_BLAS_THREAD.items():
    os.environ.setdefault(name, value)
# The banks' seed (tests/test_banks.py): BANK_SEED from the environment, else a fresh one per run,
# drawn here in the controller so that every pytest-xdist worker inherits the same one.
os.environ["BANK_SEED"] = os.environ.get("BANK_SEED") or str(secrets.randbits(63))


def pytest_report_header(config):
    seed = os.environ["BANK_SEED"]
    return f"bank seed: {seed} (replay with BANK_SEED={seed})"


@pytest.fixture(scope="session")
def lab_sandbox():
    """lab module name -> a Sandbox whose child has the lab's references loaded."""
    sandboxes = {}

    def get(module: str) -> Sandbox:
        if module not in sandboxes:
            sandboxes[module] = Sandbox([reference_source(module)], Limits())
            sandboxes[module].run_notebook()
        return sandboxes[module]
    yield get
    for sandbox in sandboxes.values():
        sandbox.close()


# A user made for the suite and its venv with a non-editable install (tests/adversarial/modes.py).
plain_user = pytest.fixture(scope="session")(plain_user_fixture)


def example_submissions(root, picked):
    """An nbgrader `submitted/` tree under `root` holding the bundled example
    submissions named by (student, assignment) pairs."""
    examples = LABS_COURSE / "examples" / "submitted"
    for student, lab in picked:
        shutil.copytree(examples / student / lab, root / "submitted" / student / lab)
    return root / "submitted"


def reference_source(module: str) -> str:
    return inspect.getsource(importlib.import_module(f"autograder.references.{module}"))

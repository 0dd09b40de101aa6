"""Shared fixtures: one sandboxed child per lab for the banks, reused across variants."""
import importlib
import inspect

import pytest

from autograder.config import Limits
from autograder.labs import LABS
from autograder.sandbox.runner import Sandbox

LAB_BY_MODULE = {lab.module: lab for lab in LABS.values()}


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


def reference_source(module: str) -> str:
    return inspect.getsource(importlib.import_module(f"autograder.references.{module}"))

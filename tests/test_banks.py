"""Prove the hidden tests honest: every WRONG variant in tests/banks/ loses
points (naming its mistake when it has one), every RIGHT variant keeps full
marks. Each variant runs in the lab's child beside the reference solutions of
the lab's other functions, through the same pytest plugin as real grading."""
import importlib
import os
import secrets

import pytest

from autograder.config import Settings
from autograder.grade import run_hidden_tests
from autograder.mistakes import by_key
from autograder.scoring import score_exercise
from tests.conftest import LAB_BY_MODULE, reference_source

DEFAULT_SEED = 20261124       # the first seed of benchmarks/banks_many_seeds.py
# One fresh random seed per run (so a seed-dependent check shows up sooner or later), drawn by
# tests/conftest.py and printed in pytest's header and in every failure message; BANK_SEED=n replays.
SEED = int(os.environ["BANK_SEED"]) if os.environ.get("BANK_SEED") else secrets.randbits(63)
REPLAY = f"(bank seed {SEED}; replay with BANK_SEED={SEED})"


def banks():
    for module, lab in LAB_BY_MODULE.items():
        if not lab.hidden_tests.is_file():
            continue
        try:
            bank = importlib.import_module(f"tests.banks.{module}")
        except ModuleNotFoundError:
            continue
        for kind in ("WRONG", "RIGHT"):
            for index, variant in enumerate(getattr(bank, kind)):
                yield pytest.param(module, kind, variant, id=f"{module}-{kind}-{variant.exercise}-{index}",
                                   marks=pytest.mark.xdist_group(module))


def grade_variant(lab_sandbox, module, variant, seed=SEED):
    lab = LAB_BY_MODULE[module]
    sandbox = lab_sandbox(module)
    sandbox.rerun([reference_source(module), variant.code])
    plugin = run_hidden_tests(lab, sandbox, seed, Settings(), exercises={variant.exercise})
    assert not plugin.internal_errors, f"{plugin.internal_errors} {REPLAY}"
    return score_exercise(variant.exercise, 1.0, plugin.outcomes), plugin.outcomes


@pytest.mark.parametrize("module, kind, variant", list(banks()))
def test_variant(lab_sandbox, module, kind, variant):
    result, outcomes = grade_variant(lab_sandbox, module, variant)
    if kind == "RIGHT":
        assert result.status == "passed", f"{result.feedback} {REPLAY}"
        return
    assert result.score < 1.0, f"wrong implementation kept full marks {REPLAY}:\n{variant.code}"
    assert result.feedback, f"lost points without feedback {REPLAY}"
    if variant.mistake:
        named = {o.mistake_key for o in outcomes}
        assert variant.mistake in named, f"mistake {variant.mistake} not named {REPLAY}; feedback: {result.feedback}"


@pytest.mark.parametrize("module", [m for m, lab in LAB_BY_MODULE.items() if lab.hidden_tests.is_file()])
def test_every_catalogued_mistake_has_a_golden_wrong_variant(module):
    catalogue = importlib.import_module(f"autograder.mistakes.{module}").MISTAKES
    bank = importlib.import_module(f"tests.banks.{module}")
    triggered = {v.mistake for v in bank.WRONG}
    assert set(by_key(catalogue)) <= triggered, sorted(set(by_key(catalogue)) - triggered)

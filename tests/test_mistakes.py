"""The mistake catalogue is sound data, and one naming rule names its entries.

Every lab's `MISTAKES` holds each (exercise, key) once; every entry is
recognised one way: by the wrong answer it builds, by a symptom of the answer,
or, for a behaviour no answer shows, by the one hidden check that observes it.
`compare.diagnose` names the nearest reproduced wrong answer, then a symptom.
"""
import importlib
from pathlib import Path

import numpy as np
import pytest

from autograder.checks.compare import array_like, as_number, close, close_scalar, diagnose, fail, number
from autograder.mistakes import Catalogue, Mistake
from autograder.sandbox.transport import Opaque

LABS = ("backprop", "landscape", "lora", "optimizers", "probability")
HIDDEN = Path(__file__).resolve().parents[1] / "autograder" / "hidden"


def catalogue(lab):
    return importlib.import_module(f"autograder.mistakes.{lab}").MISTAKES


def entry(key, **fields):
    return Mistake(key=key, name=key.replace("_", " "), advice="do it right", **fields)


# ## the catalogues -----------------------------------------------------------

@pytest.mark.parametrize("lab", LABS)
def test_exercise_key_pairs_are_unique(lab):
    pairs = [(m.exercise, m.key) for m in catalogue(lab)]
    assert len(pairs) == len(set(pairs)), sorted(p for p in pairs if pairs.count(p) > 1)


@pytest.mark.parametrize("lab", LABS)
def test_every_entry_is_recognised_one_way(lab):
    """A build or a symptom (both may hold: a wrong value that also misbehaves), or else
    the check that observes it; never none, never a value and an observer."""
    for m in catalogue(lab):
        assert bool(m.builds or m.symptom) != bool(m.observed_by), m
        assert all(callable(build) for build in m.builds), m


@pytest.mark.parametrize("lab", LABS)
def test_observed_mistakes_are_named_by_their_hidden_check(lab):
    source = (HIDDEN / f"test_{lab}.py").read_text()
    for m in catalogue(lab):
        if m.observed_by:
            assert f'MISTAKES.named("{m.key}"' in source, f"{m} is observed by no check of test_{lab}.py"


@pytest.mark.parametrize("lab", LABS)
def test_exercises_are_functions_of_the_lab(lab):
    reference = importlib.import_module(f"autograder.references.{lab}")
    assert all(hasattr(reference, m.exercise) for m in catalogue(lab) if m.exercise)


def test_fields_are_keyword_only():
    with pytest.raises(TypeError):
        Mistake("a_key", "a name", "some advice")


def test_a_duplicate_pair_is_refused():
    with pytest.raises(ValueError, match="two mistakes 'twice' for exercise 'f'"):
        Catalogue([entry("twice", exercise="f"), entry("twice", exercise="f")])
    Catalogue([entry("twice", exercise="f"), entry("twice", exercise="g")])   # other exercises: fine


def test_named_prefers_the_exercise_then_the_lab_wide_entry():
    own, shared = entry("mutates", exercise="f"), entry("mutates")
    mistakes = Catalogue([shared, own])
    assert mistakes.named("mutates", "f") is own
    assert mistakes.named("mutates", "g") is shared
    with pytest.raises(KeyError):
        mistakes.named("unknown", "f")


def test_known_builds_every_form_and_skips_those_that_cannot_be_formed():
    def needs_positive(r):
        if r <= 0:
            raise ValueError("no such rank")
        return r - 1
    off_by_one = entry("off_by_one", exercise="rank", build=(lambda r: r + 1, needs_positive))
    other_output = entry("other", exercise="rank", output="second", build=lambda r: -r)
    mistakes = Catalogue([off_by_one, other_output])
    assert mistakes.known("rank", 3) == [(off_by_one, 4), (off_by_one, 2)]
    assert mistakes.known("rank", 0) == [(off_by_one, 1)]
    assert mistakes.known("rank", 3, output="second") == [(other_output, -3)]


def test_known_picks_a_part_of_tuple_answers():
    both = entry("both", exercise="grads", build=lambda x: (x + 1, x - 1))
    assert Catalogue([both]).known("grads", 1.0, part=1) == [(both, 0.0)]


# ## one naming rule --------------------------------------------------------------

def test_the_nearest_matching_wrong_answer_names_the_mistake():
    want = np.ones(4)
    far, near = entry("far"), entry("near")
    got = 2.0 * want + 1e-9
    named = close(got, want, "x", mistakes=[(far, 2.0 * want + 1e-7), (near, 2.0 * want)]).mistake
    assert named is near
    assert close(got, want, "x", mistakes=[(near, 2.0 * want), (far, 2.0 * want + 1e-7)]).mistake is near


def test_a_tie_goes_to_the_earlier_entry():
    first, second = entry("first"), entry("second")
    assert close(np.zeros(3), np.ones(3), "x", mistakes=[(first, np.zeros(3)), (second, np.zeros(3))]).mistake \
        is first


def test_a_symptom_names_only_when_no_wrong_answer_matches():
    overflow = entry("overflow", exercise="f", symptom=lambda got, z: bool(np.isnan(got).any()) and z > 700)
    sign = entry("sign", exercise="f", build=lambda z: -np.ones(2))
    mistakes = Catalogue([overflow, sign])
    nan = np.array([np.nan, 1.0])
    assert close(nan, np.ones(2), "y", mistakes=mistakes.known("f", 800.0)).mistake is overflow
    assert close(nan, np.ones(2), "y", mistakes=mistakes.known("f", 1.0)).mistake is None   # not its inputs
    assert close(-np.ones(2), np.ones(2), "y", mistakes=mistakes.known("f", 800.0)).mistake is sign


def test_infinities_must_agree_in_sign_to_match():
    got = np.array([np.inf, 1.0])
    assert close(got, np.zeros(2), "y", mistakes=[(entry("minus"), np.array([-np.inf, 1.0]))]).mistake is None
    assert close(got, np.zeros(2), "y", mistakes=[(entry("plus"), np.array([np.inf, 1.0]))]).mistake is not None


@pytest.mark.parametrize("lab", LABS)
@pytest.mark.parametrize("answer", [Opaque(1, "CustomArray"), "nan", [np.nan], None, np.array(["x"]), True,
                                    np.array([1 + 2j])], ids=repr)
def test_symptoms_judge_any_returned_value_without_crashing(lab, answer):
    """A student's answer reaches every symptom predicate: whatever it is, the answer is a
    failure (maybe named), never an exception in the grader."""
    for m in catalogue(lab):
        if m.symptom is not None:
            inputs = SYMPTOM_INPUTS[m.exercise]
            verdict = diagnose(answer, fail("wrong"), catalogue(lab).known(m.exercise, *inputs, output=m.output), 0.0)
            assert not verdict.ok


SYMPTOM_INPUTS = {
    "softmax": (np.array([[1e4, 0.0], [0.0, 1.0]]),),
    "softmax_cross_entropy": (np.array([[1e3, 0.0], [0.0, 0.0]]), np.eye(2)),
    "linear_backward": (np.ones((2, 3)), np.ones((2, 4)), np.ones((4, 3))),   # dL_dz, W, x
    "bce_loss": (np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])),
    "bce_grad": (np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])),
    "bce_with_logits": (np.array([[1e4, -1e4]]), np.array([[0.0, 1.0]])),
    "filter_normalize": (np.ones(3), np.ones(3)),
    "numerical_hessian": (lambda p: float(p @ p), np.ones(2)),
    "gaussian_log_pdf": (np.array([1e4]), 0.0, 1.0),
    "binary_cross_entropy": (np.array([0.0, 1.0]), np.array([1.0, 0.0])),
    "log_softmax": (np.array([[1e4, 0.0]]),),
    "entropy": (np.array([0.0, 1.0]),),
    "cross_entropy": (np.array([0.0, 1.0]), np.array([0.0, 1.0])),
    "kl_divergence": (np.array([0.0, 1.0]), np.array([0.5, 0.5])),
}


def test_an_int_too_large_for_a_float_is_a_wrong_answer():
    """The child may return any int; it is judged, never a crash in the grader."""
    huge = 10 ** 400
    verdict = close_scalar(huge, 1.0, "x", mistakes=[(entry("big"), 1e300)])
    assert not verdict.ok and verdict.mistake is None
    assert diagnose(-huge, fail("wrong"), [(entry("small"), 3.0)], 0.0).mistake is None


# ## form: one rule for "a number" (checks.compare.number) ---------------------------

@pytest.mark.parametrize("value", [0.5, 2, np.array(0.5), np.array(2), np.array(0.5, dtype=np.float32)], ids=repr)
def test_every_form_of_a_number_is_a_number(value):
    """A Python float or int, a numpy scalar (it arrives as one) or a 0-d real array is a number."""
    assert as_number(value) == float(np.asarray(value))
    assert close_scalar(value, float(np.asarray(value)), "x").ok
    assert array_like(value, "x", ()).ok


@pytest.mark.parametrize("value", [True, "0.5", None, [0.5], np.array([0.5]), np.array(["x"]), np.array(1 + 2j)],
                         ids=repr)
def test_what_is_not_a_number(value):
    assert as_number(value) is None
    assert not close_scalar(value, 0.5, "x").ok


def test_an_exact_integer_answer_may_come_in_any_whole_form():
    assert [as_number(v, integer=True) for v in (3, 3.0, np.array(3), np.array(3.0))] == [3, 3, 3, 3]
    verdict, got = number(3.5, "the rank", integer=True)
    assert not verdict.ok and got is None and "whole number" in verdict.message


def test_an_exact_zero_is_judged_on_its_natural_scale():
    """An entropy of 5e-9 nats where the exact answer is 0 (p clipped to [1e-10, 1 - 1e-10])
    keeps full marks on the scale log K, and a real error there states its size."""
    assert not close_scalar(5e-9, 0.0, "H").ok                       # the bare floor: relative error 1
    assert close_scalar(5e-9, 0.0, "H", scale=np.log(3)).ok
    verdict = close(np.array([0.1, 0.0]), np.zeros(2), "H", scale=np.log(3))
    assert not verdict.ok and "max error 1.0e-01" in verdict.message

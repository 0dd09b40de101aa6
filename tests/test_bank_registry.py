"""The banks ship what they mean to: every variant's code, run after the lab's
reference source as the child runs it, defines its exercise's function itself,
and every global name that function (or a helper it ships) reads is defined."""
import builtins
import dis
import importlib

import pytest

from tests.conftest import LAB_BY_MODULE, reference_source

VARIANT_FILE = "<variant>"


def variants():
    for module in LAB_BY_MODULE:
        bank = importlib.import_module(f"tests.banks.{module}")
        for kind in ("WRONG", "RIGHT"):
            for index, variant in enumerate(getattr(bank, kind)):
                yield pytest.param(module, variant, id=f"{module}-{kind}-{variant.exercise}-{index}")


def global_reads(code):
    """Names a code object (and the functions, lambdas and comprehensions inside it) reads as globals."""
    names = {i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            names |= global_reads(const)
    return names


@pytest.mark.parametrize("module, variant", list(variants()))
def test_variant_code_defines_its_exercise(module, variant):
    namespace = {}
    exec(compile(reference_source(module), f"<reference {module}>", "exec"), namespace)
    exec(compile(variant.code, VARIANT_FILE, "exec"), namespace)
    fn = namespace[variant.exercise]
    assert fn.__code__.co_filename == VARIANT_FILE, "the variant does not define its exercise's function"
    shipped = [v for v in namespace.values() if getattr(getattr(v, "__code__", None), "co_filename", None) == VARIANT_FILE]
    missing = set().union(*(global_reads(f.__code__) for f in shipped)) - set(namespace) - set(dir(builtins))
    assert not missing, f"names neither shipped nor in the reference: {sorted(missing)}\n{variant.code}"

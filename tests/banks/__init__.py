"""Banks of implementations that prove the hidden tests honest.

Each lab module here (`backprop.py`, `optimizers.py`, ...) lists `WRONG`
variants, which must lose points (naming their mistake when it has a key),
and `RIGHT` variants, alternative correct formulations that must keep full
marks. `tests/test_banks.py` grades every variant through the real engine.
"""
from typing import NamedTuple, Optional


class Variant(NamedTuple):
    exercise: str            # the SPEC function name the variant implements
    mistake: Optional[str]   # key in autograder.mistakes, or None
    code: str                # self-contained source defining the function

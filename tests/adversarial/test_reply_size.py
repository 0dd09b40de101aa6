"""The trusted side's own memory: a small reply from the child must not make
the worker allocate far more than its size."""
import pytest

from autograder.config import Limits
from autograder.sandbox.proxy import Student, StudentFailure
from autograder.sandbox.runner import Sandbox
from tests.adversarial.probes import peak_rss_mib

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("adversarial")]

AMPLIFIER = """
import gc, os
_channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
_payload = b'{"op": "return", "value": [' + b'[],' * @ENTRIES@ + b'[]]}'

def amplify():
    os.write(_channel.write_fd, len(_payload).to_bytes(8, "big") + _payload)
"""


def test_a_reply_cannot_make_the_grader_allocate_far_more_than_its_size():
    """A reply of a million empty JSON lists would become two million Python
    lists in the trusted worker (~45x its size, ~12 GB for one 256 MiB reply)."""
    entries = 1_000_000                                    # a 3 MB message
    with Sandbox([AMPLIFIER.replace("@ENTRIES@", str(entries))], Limits()) as sandbox:
        sandbox.run_notebook()
        try:
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")                            # restart the high-water mark from here
        except OSError:
            pytest.skip("cannot reset this process's peak memory")
        before = peak_rss_mib()
        with pytest.raises(StudentFailure):               # refused, as a fault of the child
            Student(sandbox, 60).amplify()
        grown = peak_rss_mib() - before
    assert grown < 20 * 3 * entries / 2 ** 20, f"{grown:.0f} MiB for a {3 * entries / 2 ** 20:.0f} MiB reply"

"""Every bank variant of every lab graded under many seeds: a hidden check must
judge its variants the same way whatever inputs it draws (issue 12, item 1).

The path is tests/test_banks.py's: one sandboxed child per lab with the lab's
references loaded, re-used across variants; each variant's code is re-run in
it beside the references before each seed (a variant's global counter starts
afresh), then the hidden tests of the variant's exercise run under that seed. A WRONG variant is judged as expected when it loses points and
(if it carries one) its mistake is named; a RIGHT variant when it keeps full
marks. Per variant the file records the fraction judged as expected and
whether the set of named mistakes was the same under every seed; a line
starting with "FAIL" or "UNSTABLE" lists the seeds that broke it.

Seeds: tests/test_banks.py's default seed first, then 63-bit seeds drawn from
a fixed master seed, so a run is reproducible. Rerun (about 25 min on one core):

    .venv/bin/python benchmarks/banks_many_seeds.py --seeds 20 > benchmarks/banks_many_seeds.txt

    --labs backprop optimizers      only these lab modules
    --master N                      another master seed (a fresh sample of seeds)
"""
import argparse
import importlib
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the repository's tests package

from autograder.config import Limits, Settings
from autograder.grade import run_hidden_tests
from autograder.sandbox.runner import ChildFailure, Sandbox
from autograder.scoring import score_exercise
from tests.conftest import LAB_BY_MODULE, reference_source
from tests.test_banks import DEFAULT_SEED

MASTER_SEED = 20261202


def seeds(count: int, master: int = MASTER_SEED) -> list:
    drawn = np.random.default_rng(master).integers(0, 2 ** 63, size=max(count - 1, 0), dtype=np.int64)
    return [DEFAULT_SEED] + [int(s) for s in drawn][:count - 1]


def judge(kind, variant, result, outcomes):
    """(judged as expected, the mistakes named) for one grading of one variant."""
    named = frozenset(o.mistake_key for o in outcomes if o.mistake_key)
    if kind == "RIGHT":
        return result.status == "passed", named
    expected = result.score < 1.0 and bool(result.feedback) and (not variant.mistake or variant.mistake in named)
    return expected, named


def fresh_sandbox(module, old=None) -> Sandbox:
    if old is not None:
        old.close()
    sandbox = Sandbox([reference_source(module)], Limits())
    sandbox.run_notebook()
    return sandbox


def grade_once(lab, module, sandbox, variant, seed):
    sandbox.rerun([reference_source(module), variant.code])   # fresh globals, as in the tests
    return run_hidden_tests(lab, sandbox, seed, Settings(), exercises={variant.exercise})


def grade_module(module, seed_list, out, first=0, count=None) -> tuple:
    lab = LAB_BY_MODULE[module]
    bank = importlib.import_module(f"tests.banks.{module}")
    ok = total = 0
    start = time.perf_counter()
    sandbox = fresh_sandbox(module)
    try:
        for kind in ("WRONG", "RIGHT"):
            for index, variant in enumerate(getattr(bank, kind)):
                total += 1
                if total <= first or (count is not None and total > first + count):
                    continue
                good, names, failed = 0, set(), []
                for seed in seed_list:
                    try:
                        plugin = grade_once(lab, module, sandbox, variant, seed)
                    except ChildFailure as error:   # a loaded machine: the child missed a deadline; once more
                        print(f"         (seed {seed}: the child failed ({error}); new child, graded again)",
                              file=out, flush=True)
                        sandbox = fresh_sandbox(module, sandbox)
                        plugin = grade_once(lab, module, sandbox, variant, seed)
                    result = score_exercise(variant.exercise, 1.0, plugin.outcomes)
                    expected, named = judge(kind, variant, result, plugin.outcomes)
                    expected &= not plugin.internal_errors
                    good += expected
                    names.add(named)
                    if not expected:
                        failed.append((seed, result.score, sorted(named),
                                       plugin.internal_errors[:1] or [result.feedback[:1]]))
                stable = len(names) == 1
                ok += good == len(seed_list) and stable
                tag = "ok" if good == len(seed_list) and stable else ("FAIL" if failed else "UNSTABLE")
                shown = "; ".join(sorted(",".join(sorted(n)) or "-" for n in names))
                print(f"{tag:8} {module}-{kind}-{variant.exercise}-{index} [{variant.mistake or '-'}]: "
                      f"{100 * good / len(seed_list):.0f}% ({good}/{len(seed_list)}), "
                      f"named {'the same' if stable else 'DIFFERENT'}: {shown}", file=out, flush=True)
                for seed, score, named, detail in failed:
                    print(f"         seed {seed}: score {score:.2f}, named {named or '-'}: {str(detail)[:300]}",
                          file=out, flush=True)
    finally:
        sandbox.close()
    total = min(total - min(first, total), count if count is not None else total)
    print(f"{module}: {ok}/{total} variants judged as expected under every one of {len(seed_list)} seeds "
          f"with the same mistakes named ({time.perf_counter() - start:.0f} s)", file=out, flush=True)
    return ok, total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--master", type=int, default=MASTER_SEED)
    parser.add_argument("--labs", nargs="*", default=None, help="lab modules (default: every lab)")
    parser.add_argument("--first", type=int, default=0, help="skip this many variants of each lab (resume a run)")
    parser.add_argument("--count", type=int, default=None, help="grade at most this many variants of each lab")
    args = parser.parse_args(argv)
    seed_list = seeds(args.seeds, args.master)
    labs = " ".join(["--labs", *args.labs]) if args.labs else ""
    resume = (f" --first {args.first}" if args.first else "") + (f" --count {args.count}" if args.count else "")
    print(f"$ python benchmarks/banks_many_seeds.py --seeds {args.seeds} --master {args.master} {labs}{resume}".rstrip(),
          flush=True)
    print(f"seeds: {seed_list}", flush=True)
    ok = total = 0
    for module, lab in LAB_BY_MODULE.items():
        if (args.labs and module not in args.labs) or not lab.hidden_tests.is_file():
            continue
        k, n = grade_module(module, seed_list, sys.stdout, args.first, args.count)
        ok, total = ok + k, total + n
    print(f"TOTAL: {ok}/{total} variants ({100 * ok / max(total, 1):.0f}%) judged as expected under every seed, "
          f"the same mistakes named under every seed", flush=True)
    return 0 if ok == total else 1


if __name__ == "__main__":
    sys.exit(main())

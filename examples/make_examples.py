"""Write the hand-made example submissions of lab 1.4.1 from its solution notebook.

    python examples/make_examples.py      (run by `make release`)

- `mistakes`: a plausible student: most functions right, four with known
  mistakes of SPEC section 5, the training functions left as stubs.
- `crash-at-import`: the whole notebook, but its first import cell fails, so
  `np` is never defined and every function raises NameError when called.

`complete` and `untouched` are copies of solutions/ and release/ written by
`autograder build`.
"""
import re
from pathlib import Path

import nbformat

LAB = "lab-1.4.1-manual-backpropagation"
ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / LAB / f"{LAB}.ipynb"
BLOCK = re.compile(r"( *)### BEGIN SOLUTION\n(.*?)\1### END SOLUTION\n?", re.S)
STUB = "# YOUR CODE HERE\nraise NotImplementedError()\n"

WRONG = {   # function -> body a student might write
    "linear_backward": "return dL_dz @ x.T, W.T @ dL_dz, dL_dz.sum(axis=0, keepdims=True)\n",
    "relu_backward": "return dL_dy * (x >= 0)\n",
    "softmax": "e = np.exp(z)\nreturn e / np.sum(e, axis=axis, keepdims=True)\n",
    "bce_grad": "p = np.clip(p, 1e-12, 1 - 1e-12)\nreturn (p - y_true) / (p * (1 - p))\n",
}
NOT_ATTEMPTED = {"train_mlp", "train_xor"}


def fill(source: str) -> str:
    """Replace each solution block by what the example student wrote."""
    def body(match):
        indent = match.group(1)
        function = re.findall(r"def (\w+)\(", source[:match.start()])[-1]
        text = WRONG.get(function) or (STUB if function in NOT_ATTEMPTED else None)
        if text is None:
            return match.group(2)
        return "".join(indent + line + "\n" for line in text.splitlines())
    return BLOCK.sub(body, source)


def write(student: str, nb) -> None:
    path = ROOT / "examples" / "submitted" / student / LAB / f"{LAB}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> None:
    nb = nbformat.read(SOLUTION, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = fill(cell.source) if "### BEGIN SOLUTION" in cell.source else cell.source
            cell.source = re.sub(r"\n?### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", "\n", cell.source, flags=re.S)
    write("mistakes", nb)
    crashing = nbformat.read(SOLUTION, as_version=4)
    first_import = next(c for c in crashing.cells if c.cell_type == "code" and "import numpy" in c.source)
    first_import.source = "import numpy_helpers_from_my_laptop  # not installed where grading runs\n" + first_import.source
    write("crash-at-import", crashing)


if __name__ == "__main__":
    main()

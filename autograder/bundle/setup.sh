#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# It installs this grader (hidden tests included: they ship inside the package)
# with the exact dependency versions it was tested with, in its own venv.
#
# Settings (environment variables; Gradescope's defaults in brackets):
#   AUTOGRADER_ROOT  the autograder folder               [/autograder]
#   AUTOGRADER_VENV  where the virtual environment goes  [$AUTOGRADER_ROOT/venv]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${AUTOGRADER_ROOT:-/autograder}"
VENV="${AUTOGRADER_VENV:-$ROOT/venv}"

# The grader needs Python 3.11 or newer (Gradescope's Ubuntu 22.04 image has 3.10).
find_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null &&
           "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"; return 0
        fi
    done
    return 1
}
if ! PYTHON="$(find_python)"; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3.11 python3.11-venv
    PYTHON="$(find_python)"
fi

# The child's seccomp filter loads the system's libseccomp, as the repository's Dockerfile installs it.
if ! ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2'; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libseccomp2
fi

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --no-cache-dir --upgrade pip
"$VENV/bin/python" -m pip install --quiet --no-cache-dir -r "$HERE/requirements.txt"
"$VENV/bin/python" -m pip install --quiet --no-cache-dir --no-deps "$HERE"/wheel/*.whl
"$VENV/bin/python" -c 'import autograder.gradescope_bundle' # fail the build now, not at the first submission

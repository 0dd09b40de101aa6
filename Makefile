# Two entry points (see README): `make demo` and `make test`.
# Both build their own virtual environment in .venv from pyproject.toml.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
# nbgrader shells out to alembic: the venv's bin/ must be on PATH.
export PATH := $(BIN):$(PATH)

.PHONY: setup demo test release check-release bench clean browser screenshots

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# torch (CPU, pinned) only cross-checks the reference optimizers in the tests.
$(VENV)/.installed-torch: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,torch]'
	touch $@

setup: $(VENV)/.installed

## Build release/ and solutions/ from source/ with nbgrader.
release: setup
	$(BIN)/autograder build
	$(BIN)/python examples/make_examples.py

## Fail if release/ or solutions/ differ from what nbgrader makes of source/.
check-release: setup
	$(BIN)/autograder build --check

## Build the release, grade the bundled example submissions, print the score table.
demo: release
	rm -rf demo-results
	$(BIN)/autograder grade examples/submitted --out demo-results --jobs 2
	$(BIN)/autograder report demo-results
	@echo "Results, feedback files and grades.csv are in demo-results/"
	@echo "HTML pages: demo-results/report/index.html (class report) and"
	@echo "            demo-results/<student>/<assignment>.feedback.html, e.g."
	@echo "            demo-results/mistakes/lab-1.4.1-manual-backpropagation.feedback.html"

## Headless Chromium (Debian's package) for the browser test and the screenshots:
## installed when running as root (CI, containers); elsewhere that test is skipped.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" -ne 0 ] && \
	  echo "chromium not installed (not root): the browser test will be skipped"; } || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## Regenerate docs/screenshots/ (the example pages in headless Chromium).
screenshots: setup browser
	docs/make_screenshots.sh

## The project's own test suite (the README's test command; CI runs it).
test: setup $(VENV)/.installed-torch browser
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: setup
	$(BIN)/python benchmarks/gradcheck_cost.py | tee benchmarks/gradcheck_cost.txt
	$(BIN)/python benchmarks/notebook_runtime.py | tee benchmarks/notebook_runtime.txt

clean:
	rm -rf $(VENV) demo-results .pytest_cache

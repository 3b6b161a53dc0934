# The README's two commands. Both create the venv when it is missing and install the
# project with pinned versions (constraints.txt, per Python version where one pin cannot
# serve them all).
#
# PYTHON picks the interpreter (default python3); any other gets a venv of its own, named
# after its version, so `PYTHON=python3.10 make test` works in .venv-3.10 beside .venv.
# scripts/find_python.sh finds pyenv's installed versions even when pyenv has not selected them.
PYTHON ?= python3
ifeq ($(origin VENV),undefined)
  ifeq ($(PYTHON),python3)
    VENV := .venv
  else
    VENV := .venv-$(shell scripts/find_python.sh --version $(PYTHON) 2>/dev/null || echo missing)
  endif
endif
PY := $(VENV)/bin/python
STAMP := $(VENV)/.agentos-installed
CHECKED := sdk reference_server contract_tests stubs tests scripts

.PHONY: demo test test-sdk-stubs install

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || { python=$$(scripts/find_python.sh $(PYTHON)) && echo "$(VENV): $$python" && "$$python" -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24,<27"
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py

# A fixed, printed Hypothesis seed so any failure can be replayed: HYPOTHESIS_SEED=N make test
HYPOTHESIS_SEED ?= 20261122

# Test processes (pytest-xdist), one file per process at a time: 2 fits the 2-core CI machine and
# halves the wall time (14 min serially). PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= 2

test: $(STAMP)
	$(PY) scripts/unasync.py --check
	$(VENV)/bin/ruff check $(CHECKED)
	$(VENV)/bin/mypy $(CHECKED)
	@echo "hypothesis seed: $(HYPOTHESIS_SEED)"
	$(VENV)/bin/pytest --hypothesis-seed=$(HYPOTHESIS_SEED) -n $(PYTEST_WORKERS) --dist loadfile

# The SDK and stubs tests alone: what CI runs on the oldest and newest supported Pythons
# (PYTHON=python3.10 make test-sdk-stubs) beside the full `make test` on one.
test-sdk-stubs: $(STAMP)
	@echo "hypothesis seed: $(HYPOTHESIS_SEED)"
	$(VENV)/bin/pytest --hypothesis-seed=$(HYPOTHESIS_SEED) tests/sdk tests/stubs

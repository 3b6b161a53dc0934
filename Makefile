# The README's two commands. Both create .venv with `python3 -m venv` when it is
# missing and install the project with pinned versions (constraints.txt).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.agentos-installed
CHECKED := sdk reference_server contract_tests stubs tests scripts

.PHONY: demo test install

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24,<27"
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py

# A fixed, printed Hypothesis seed so any failure can be replayed: HYPOTHESIS_SEED=N make test
HYPOTHESIS_SEED ?= 20261122

test: $(STAMP)
	$(PY) scripts/unasync.py --check
	$(VENV)/bin/ruff check $(CHECKED)
	$(VENV)/bin/mypy $(CHECKED)
	@echo "hypothesis seed: $(HYPOTHESIS_SEED)"
	$(VENV)/bin/pytest --hypothesis-seed=$(HYPOTHESIS_SEED)

# The newcomer's two commands: `make dev` runs the whole platform locally, `make test` runs the suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/.venv-tools/bin:$(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: install dev test fuzz load lint build bench clean

install:
	@bash scripts/bootstrap.sh

dev: install
	@$(PY) -m switchboard_local

test: install
	@$(VENV)/bin/ruff check .
	@$(PY) -m pytest -q -p no:cacheprovider -n 2 --dist loadfile $(PYTEST_ARGS)

# The whole schemathesis run (make test runs a few cases per operation): at least 10,000 cases, printed.
fuzz: install
	@SWITCHBOARD_FUZZ_EXAMPLES=$${SWITCHBOARD_FUZZ_EXAMPLES:-130} $(PY) -m pytest -q -p no:cacheprovider -s \
		tests/integration/test_fuzz_api.py

# A bounded load test on loopback: N calls at once plus API traffic at R req/s (CALLS=, RATE=, SECONDS=).
load: install
	@$(PY) bench/load.py --calls $${CALLS:-5} --rate $${RATE:-5} --seconds $${SECONDS:-20}

lint: install
	@$(VENV)/bin/ruff check .
	@.venv-tools/bin/cfn-lint template.yaml

build: install
	@.venv-tools/bin/sam build

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

project: install
	@$(PY) -m switchboard.cli create-project $(NAME)

clean:
	rm -rf .aws-sam .pytest_cache

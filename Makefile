# Stepwise: `make demo` and `make test` are the two set-up commands; both install what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ENV ?= dev
PYTEST_WORKERS ?= 2
PY_STAMP := $(VENV)/.installed
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
NODE_STAMP := node_modules/.installed
BENCH_STAMP := $(VENV)/.bench-installed
PY_REQUIREMENTS := requirements.txt requirements-dev.txt lambdas/requirements.txt $(wildcard lambdas/*/requirements.txt)

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup demo test lint format snapshots docs synth diff deploy bootstrap bench clean

setup: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): $(PY_REQUIREMENTS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing the Python dependencies into $(VENV)/ (requirements-dev.txt; a few minutes the first time)"
	$(PY) -m pip install --progress-bar off --requirement requirements-dev.txt 2> >(grep -v "is ignored: it is neither" >&2)
	@touch $@

# checkov lives in its own venv: its pins conflict with the project's (see requirements-checkov.txt).
$(CHECKOV_STAMP): requirements-checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	@echo "installing checkov into $(CHECKOV_VENV)/ (requirements-checkov.txt)"
	$(CHECKOV_VENV)/bin/python -m pip install --progress-bar off --requirement requirements-checkov.txt 2> >(grep -v "is ignored: it is neither" >&2)
	@touch $@

# `make bench` only: the peer library the RAG chunk step is measured against.
$(BENCH_STAMP): requirements-bench.txt $(PY_STAMP)
	@echo "installing the benchmark dependencies into $(VENV)/ (requirements-bench.txt)"
	$(PY) -m pip install --progress-bar off --requirement requirements-bench.txt 2> >(grep -v "is ignored: it is neither" >&2)
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@echo "installing the CDK CLI into node_modules/ (package-lock.json)"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

demo: setup
	$(PY) -m scripts.demo --env $(ENV)

# make test ARGS="-k orders": any pytest arguments narrow the run.
test: setup $(CHECKOV_STAMP) lint
	$(PY) -m pytest -n $(PYTEST_WORKERS) -q $(ARGS)

lint: $(PY_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(PY_STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# The Mermaid diagrams of docs/ and README.md and docs/failure-handling.md, from the synthesized stacks.
docs: $(PY_STAMP)
	$(PY) -m scripts.diagrams --write
	$(PY) -m tests.resilience.failure_doc --write

snapshots: $(PY_STAMP)
	$(PY) -m pytest tests/stacks/test_snapshots.py -q --snapshot-update

# ENVIRONMENTS_FILE=FILE: read the environments from FILE (shaped like cdk.json's context.environments).
ENVIRONMENTS_CONTEXT = $(if $(ENVIRONMENTS_FILE),-c environmentsFile=$(ENVIRONMENTS_FILE))

synth: setup
	npx cdk synth -c env=$(ENV) $(ENVIRONMENTS_CONTEXT)

diff: setup
	npx cdk diff --all -c env=$(ENV) $(ENVIRONMENTS_CONTEXT)

bootstrap: setup
	npx cdk bootstrap -c env=$(ENV)

# make deploy ENV=prod [STACKS="Orders Rag"] [ENVIRONMENTS_FILE=FILE] [CDK_ARGS="--profile ops"]:
# refuses (exit 2) before the CDK CLI runs when a non-sandbox environment holds placeholder settings.
deploy: setup
	$(PY) -m scripts.deploy --env "$(ENV)" --stacks "$(STACKS)" \
		$(if $(ENVIRONMENTS_FILE),--environments-file "$(ENVIRONMENTS_FILE)") -- $(CDK_ARGS)

bench: setup $(BENCH_STAMP)
	$(PY) -m bench

clean:
	rm -rf cdk.out .pytest_cache
	find . -name __pycache__ -not -path "./.venv/*" -not -path "./node_modules/*" -prune -exec rm -rf {} +

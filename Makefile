# Stepwise: `make demo` and `make test` are the two set-up commands; both install what they need.
SHELL := /bin/bash
# The Python minor of the Lambda runtime (stacks/common/task_function.py RUNTIME): tests, localrun and the
# demo run on it. Found on PATH first, then among pyenv's versions; `make PYTHON=/path/to/python3.13` overrides.
PYTHON_MINOR := 3.13
PYENV_ROOT ?= $(HOME)/.pyenv
IS_PYTHON_MINOR = -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(PYTHON_MINOR)".split("."))))'
# The first candidate that runs as $(PYTHON_MINOR) (a pyenv shim on PATH may not, when pyenv selects another version).
ifndef PYTHON
PYTHON := $(shell for candidate in $$(command -v python$(PYTHON_MINOR)) $(PYENV_ROOT)/versions/$(PYTHON_MINOR).*/bin/python$(PYTHON_MINOR); do \
	"$$candidate" $(IS_PYTHON_MINOR) 2>/dev/null && { echo "$$candidate"; break; }; done)
endif
# checkov's own venv may use any Python 3 (its lock is resolved for that one's minor).
CHECKOV_PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ENV ?= dev
PYTEST_WORKERS ?= 2
VENV_PYTHON_STAMP := $(VENV)/.python-$(PYTHON_MINOR)
PY_STAMP := $(VENV)/.installed
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
NODE_STAMP := node_modules/.installed
BENCH_STAMP := $(VENV)/.bench-installed
# Hashed locks (`make lock`): the dev venv's for this machine (linux x86_64), the layers' for Lambda
# (manylinux arm64); each lists the hashes of every file of a release, so both platforms verify.
DEV_LOCK := requirements-dev.lock
LAYER_LOCKS := lambdas/requirements.lock $(patsubst %.txt,%.lock,$(wildcard lambdas/*/requirements.txt))
LAYER_PLATFORM := aarch64-manylinux_2_28
# Shipped by Lambda's Python runtime: the shared layer leaves them out.
RUNTIME_PACKAGES := boto3 botocore s3transfer jmespath python-dateutil six urllib3
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version
PIP_INSTALL = $(PY) -m pip install --progress-bar off --require-hashes

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup demo test lint format snapshots docs synth diff deploy bootstrap bench clean lock

setup: $(PY_STAMP) $(NODE_STAMP)

# The venv is (re)built on $(PYTHON_MINOR): one on another minor (an older checkout's) is replaced.
$(VENV_PYTHON_STAMP):
	@if [ -z "$(PYTHON)" ] || ! "$(PYTHON)" $(IS_PYTHON_MINOR) 2>/dev/null; then echo "Stepwise needs Python $(PYTHON_MINOR) (the Lambda runtime's): install it (e.g. pyenv install $(PYTHON_MINOR)) so python$(PYTHON_MINOR) is on PATH, or run make PYTHON=/path/to/python$(PYTHON_MINOR)" >&2; exit 1; fi
	@if [ -e $(VENV) ]; then echo "$(VENV) was not built on Python $(PYTHON_MINOR) by this Makefile: rebuilding it"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	@touch $@

$(PY_STAMP): $(VENV_PYTHON_STAMP) $(DEV_LOCK)
	@echo "installing the Python dependencies into $(VENV)/ ($(DEV_LOCK); a few minutes the first time)"
	$(PIP_INSTALL) --requirement $(DEV_LOCK) 2> >(grep -v "is ignored: it is neither" >&2)
	@touch $@

# checkov lives in its own venv: its pins conflict with the project's (see requirements-checkov.txt).
$(CHECKOV_STAMP): requirements-checkov.lock
	@test -x $(CHECKOV_VENV)/bin/python || $(CHECKOV_PYTHON) -m venv $(CHECKOV_VENV)
	@echo "installing checkov into $(CHECKOV_VENV)/ (requirements-checkov.lock)"
	$(CHECKOV_VENV)/bin/python -m pip install --progress-bar off --require-hashes --requirement requirements-checkov.lock 2> >(grep -v "is ignored: it is neither" >&2)
	@touch $@

# Run after changing any requirements*.txt (or to take new transitive versions); commit the locks.
lock: $(PY_STAMP)
	$(UV_COMPILE) $(PYTHON_MINOR) --python-platform x86_64-manylinux_2_28 requirements-dev.txt -o $(DEV_LOCK)
	$(UV_COMPILE) $(PYTHON_MINOR) --python-platform x86_64-manylinux_2_28 requirements-dev.txt requirements-bench.txt -o requirements-bench.lock
	$(UV_COMPILE) $$($(CHECKOV_PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])') --python-platform x86_64-manylinux_2_28 requirements-checkov.txt -o requirements-checkov.lock
	$(UV_COMPILE) $(PYTHON_MINOR) --python-platform $(LAYER_PLATFORM) $(addprefix --no-emit-package ,$(RUNTIME_PACKAGES)) lambdas/requirements.txt -o lambdas/requirements.lock
	for layer in lambdas/*/requirements.txt; do \
		$(UV_COMPILE) $(PYTHON_MINOR) --python-platform $(LAYER_PLATFORM) $$layer -o $${layer%.txt}.lock || exit 1; \
	done

# `make bench` only: the peer library the RAG chunk step is measured against.
$(BENCH_STAMP): requirements-bench.lock $(PY_STAMP)
	@echo "installing the benchmark dependencies into $(VENV)/ (requirements-bench.lock)"
	$(PIP_INSTALL) --requirement requirements-bench.lock 2> >(grep -v "is ignored: it is neither" >&2)
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

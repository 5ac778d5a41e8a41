# opsdesk: every target sets itself up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .tools/sam
SAM := $(SAM_VENV)/bin/sam
# sam build needs the Lambda runtime's interpreter; pyenv here holds 3.13.
SAM_PYENV ?= 3.11.7:3.13.0

.PHONY: help venv run slack test lint typecheck validate unit integration build bench reliability clean

help:
	@echo "make run        start the whole system locally (http://127.0.0.1:3000)"
	@echo "make test       lint, typecheck, validate the template, run every test"
	@echo "make slack CMD='/incident declare Database down'   send a signed slash command to the local stack"
	@echo "make build      sam build (hash-based .pyc)    make bench    measure speed and cost"

$(VENV)/.installed: requirements-dev.txt layers/deps/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

$(SAM_VENV)/.installed:
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install -q --upgrade pip
	$(SAM_VENV)/bin/python -m pip install -q aws-sam-cli==1.170.0
	touch $@

run: venv
	$(PY) -m devstack

slack: venv
	$(PY) -m devstack.send "$(CMD)"

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv
	$(VENV)/bin/mypy shared/opsdesk functions devstack

validate: $(SAM_VENV)/.installed
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --region eu-west-2

unit: venv
	$(PY) -m pytest tests/unit -q

integration: venv
	$(PY) -m pytest tests/integration -q

test: venv lint typecheck validate
	$(PY) -m pytest -q

build: $(SAM_VENV)/.installed
	SAM_CLI_TELEMETRY=0 PYENV_VERSION=$(SAM_PYENV) $(SAM) build
	$(PY) -m compileall -q -f --invalidation-mode unchecked-hash .aws-sam/build

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache

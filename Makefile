# opsdesk: every target sets itself up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAM := .tools/sam/bin/sam
CHECKOV := .tools/checkov/bin/checkov
# sam build needs the Lambda runtime's interpreter; pyenv here holds 3.13.
SAM_PYENV ?= 3.11.7:3.13.0
LAMBDA_PYTHON ?= python3.13
export SAM_CLI_TELEMETRY := 0

.PHONY: help venv tools browser run slack test lint typecheck validate checkov unit integration e2e \
        reliability build bench secrets clean

help:
	@echo "make run        start the whole system locally: http://127.0.0.1:3000"
	@echo "make test       lint, typecheck, validate the template, checkov, every test"
	@echo "make slack CMD='/incident declare Database down'   send a signed slash command to the local stack"
	@echo "make reliability   the adversarial suite at full fuzz budget, with its report table"
	@echo "make build      sam build with hash-based .pyc      make bench   speed and cost figures"
	@echo "make secrets    put the Slack, Jira and PagerDuty credentials into Parameter Store (after the deploy)"

# The app and its tests: one venv, pinned.
$(VENV)/.installed: requirements-dev.txt layers/deps/requirements.txt layers/chart/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# SAM CLI and checkov pin their own versions of shared libraries: each gets a venv of its own.
define tool_venv
	test -x .tools/$(1)/bin/python || $(PYTHON) -m venv .tools/$(1)
	.tools/$(1)/bin/python -m pip install -q --upgrade pip
	.tools/$(1)/bin/python -m pip install -q "$(2)"
	touch $@
endef

.tools/sam/.installed: requirements-tools.txt
	$(call tool_venv,sam,$(shell grep -E '^aws-sam-cli==' requirements-tools.txt))

.tools/checkov/.installed: requirements-tools.txt
	$(call tool_venv,checkov,$(shell grep -E '^checkov==' requirements-tools.txt))

tools: .tools/sam/.installed .tools/checkov/.installed

# Debian's Chromium for the browser tests (nothing downloads a browser of its own), and an emoji
# font so screenshots show Slack's emoji rather than empty boxes.
browser:
	@(command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi 'Noto Color Emoji') || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null)

run: venv
	$(PY) -m devstack

slack: venv
	$(PY) -m devstack.send "$(CMD)"

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv
	$(VENV)/bin/mypy shared/opsdesk functions devstack

validate: .tools/sam/.installed
	$(SAM) validate --lint --region eu-west-2

checkov: .tools/checkov/.installed
	$(CHECKOV) -f template.yaml --framework cloudformation --compact --quiet

unit: venv
	$(PY) -m pytest tests/unit -q

integration: venv
	$(PY) -m pytest tests/integration -q

e2e: venv browser
	$(PY) -m pytest tests/e2e -q

test: venv tools browser lint typecheck validate build
	$(PY) -m pytest -q

reliability: venv tools
	OPSDESK_FUZZ_EXAMPLES=1000 $(PY) -m pytest tests/reliability -q -p no:cacheprovider

build: .tools/sam/.installed
	PYENV_VERSION=$(SAM_PYENV) $(SAM) build
	# Ship only what runs: drop the parts of dependencies opsdesk never imports (layers/*/prune.txt).
	$(PYTHON) scripts/prune_layer.py .aws-sam/build/DepsLayer/python
	$(PYTHON) scripts/prune_layer.py .aws-sam/build/ChartLayer/python layers/chart/prune.txt
	# SAM zips stamp files 1980-01-01, so timestamp .pyc never validate on Lambda: hash-based ones do,
	# compiled by the runtime's own Python (a .pyc is only read by the version that wrote it).
	PYENV_VERSION=$(SAM_PYENV) $(LAMBDA_PYTHON) -m compileall -q -f --invalidation-mode unchecked-hash .aws-sam/build

bench: venv .tools/sam/.installed
	$(PY) -m bench

# Credentials into Parameter Store (/<stack>/<name> SecureStrings), merged with what is there; never printed.
secrets: venv
	$(PY) scripts/put_secrets.py $(ARGS)

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache test-artifacts

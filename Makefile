# The two commands of the README: `make run` and `make test`. Every install step is here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_RUNTIME_PACKAGE_CACHE_ROOT := $(CURDIR)/.local/jsii-cache

.PHONY: run test lint unit stack browser bench synth deploy clean axe

$(VENV)/.installed: pyproject.toml
	@command -v node >/dev/null || { echo "Node.js 20+ is needed (CDK synthesis runs on node)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[pdf,infra,local,dev]'
	touch $@

## run: the whole e-Service on this machine (moto in-process, no AWS account)
run: $(VENV)/.installed
	$(PY) -m local

## test: lint, format check, type-check, unit and CDK tests, then a local cell of two agencies (a process of its own: moto is
## process-wide), then the local-stack and browser tests
test: $(VENV)/.installed browsers axe
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -q -p no:cacheprovider tests/unit tests/pdf tests/infra -n 2
	$(PY) -m pytest -q -p no:cacheprovider tests/cell
	$(PY) -m pytest -q -p no:cacheprovider tests/stack tests/e2e

# Debian's Chromium and its driver for the browser tests (root on CI and dev machines here).
browsers:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v pdftoppm >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver openssl poppler-utils >/dev/null; }

# axe-core for the accessibility checks of the browser tests (from the npm registry, pinned)
AXE := .local/node/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE):
	npm install --silent --no-audit --no-fund --prefix .local/node axe-core@4.11.1

bench: $(VENV)/.installed
	$(PY) bench/run.py

synth: $(VENV)/.installed
	$(PY) -c "from infra.app import build_app, new_app; build_app(new_app(outdir='cdk.out')).synth()"

## deploy: one tenant's stacks (its edge firewall in us-east-1 first) to the AWS account of your credentials (TENANT=klongnoy)
deploy: $(VENV)/.installed
	npx --yes aws-cdk@2 deploy --all -c tenant=$${TENANT:-klongnoy}

clean:
	rm -rf .local cdk.out .pytest_cache .mypy_cache .ruff_cache

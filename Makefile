# Front door. `make test` works on a fresh machine with only Python >= 3.10 and make:
# it installs uv into .tools/ when uv is not on PATH, syncs the workspace from uv.lock,
# then runs lint, the type check and every package's tests.
SHELL := /bin/bash
PYTHON ?= python3
export UV_PYTHON_DOWNLOADS ?= never
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
ARGS ?=
PYTEST_ARGS ?=

.PHONY: test lint format typecheck sync bench check-generated pytest

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/python -m pip install --quiet --disable-pip-version-check uv

sync: $(UV)
	$(UV) sync --locked --all-packages --all-extras

lint: sync
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .

format: sync
	$(UV) run --no-sync ruff format .
	$(UV) run --no-sync ruff check --fix .

typecheck: sync
	$(UV) run --no-sync mypy

check-generated: sync
	$(UV) run --no-sync python tools/check_generated.py

pytest: sync
	$(UV) run --no-sync pytest $(PYTEST_ARGS)

test: lint typecheck check-generated pytest

bench: sync
	$(UV) run --no-sync python bench/run.py $(ARGS)

# The two commands a fresh clone needs: `make check` (the offline main job) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The policy pack's own venv, which `pulumi up --policy-pack policies` runs it in.
POLICY_STAMP := policies/.venv/.installed

.PHONY: check test lint bench e2e clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@echo "creating $(VENV) and installing the pinned dependencies (about a minute)..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@# -qq: setuptools' editable-install chatter is not for the user; errors still show.
	$(BIN)/python -m pip install -qq --no-deps -e .
	@touch $(STAMP)

# The synth server's bytecode of the program's provider modules, shaped by its import hook
# (tierup/synth/deferred_annotations.py, lazy_provider.py): built again when the hook changes,
# which makes the bytecode built before it stale (its header hashes the hook's code).
BYTECODE_STAMP := $(VENV)/.provider-bytecode
$(BYTECODE_STAMP): $(STAMP) tierup/synth/deferred_annotations.py tierup/synth/lazy_provider.py
	$(BIN)/python -m tierup.synth.deferred_annotations .
	@touch $(BYTECODE_STAMP)

check: $(BYTECODE_STAMP)
	$(BIN)/tierup check

# In parallel (pytest-xdist); the cache tests start a PostgreSQL server from Debian's binaries,
# which .ci/run installs where they are missing.
test: $(BYTECODE_STAMP)
	$(BIN)/python -m pytest -n auto

# mypy twice: the policy pack's __main__.py and the program's are both the module __main__, which
# one run refuses (pyproject.toml lists the rest).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy policies/__main__.py
	@if command -v actionlint >/dev/null 2>&1; then actionlint; else echo "actionlint not installed: workflows checked by tests/test_workflows.py only"; fi

bench: $(BYTECODE_STAMP)
	$(BIN)/python bench/bench_check.py

# A real deploy: a throwaway v1.0 copy of dev, `pulumi up` with the policy pack, the app probed,
# then destroyed (tierup/e2e.py). Says "skipped" without the Pulumi CLI or AWS credentials.
# Pass options with E2E_ARGS, e.g. make e2e E2E_ARGS="--db-health-path /db/health".
e2e: $(STAMP)
	@if command -v pulumi >/dev/null 2>&1; then $(MAKE) --no-print-directory $(POLICY_STAMP); fi
	$(BIN)/tierup e2e $(E2E_ARGS)

$(POLICY_STAMP): policies/requirements.txt
	@test -x policies/.venv/bin/python || $(PYTHON) -m venv policies/.venv || python3 -m venv policies/.venv
	policies/.venv/bin/python -m pip install --quiet -r policies/requirements.txt
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

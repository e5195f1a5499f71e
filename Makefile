# Two commands do the whole set-up on a fresh machine with Python 3.11+ and make:
#   make run    refresh every source in sources.toml and publish feeds into public/
#   make test   run the test suite (offline)
# uv is bootstrapped into .tools/ when it is not on PATH; dependencies come from uv.lock
# into the project-local .venv/.

PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv

.PHONY: run sample test lint check setup clean bench bench-quick

run: .venv/.synced
	.venv/bin/convene refresh $(ARGS)

sample: .venv/.synced
	.venv/bin/convene refresh --sources examples/sample-sources.toml $(ARGS)

test: .venv/.synced tests/js/node_modules/.installed
	.venv/bin/pytest $(ARGS)

# Independent checkers the tests use: ical.js, and playwright-core with axe-core driving
# Debian's Chromium (installed by .ci/run in CI; the browser tests say how elsewhere).
tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund
	touch $@

lint: .venv/.synced
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

check: lint test

# The benchmark suite (BENCHMARKS.md): its peers, splink and reader, are in the bench group.
bench: .venv/.synced-bench
	.venv/bin/python bench/run_all.py $(ARGS)

bench-quick: .venv/.synced-bench
	.venv/bin/python bench/run_all.py --quick $(ARGS)

setup: .venv/.synced

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python $(PYTHON)
	touch $@

.venv/.synced-bench: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --group bench --python $(PYTHON)
	touch $@ .venv/.synced

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache tests/js/node_modules

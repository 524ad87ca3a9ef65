# The two entry points: `make run` (load every real list, serve UI + API) and `make test`.
# Both create .venv on first use; later runs reuse it unless pyproject.toml or constraints.txt changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint typecheck layers venv clean docs screenshots

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==25.3"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/accomplice load all
	$(BIN)/accomplice serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

test: $(STAMP) lint typecheck layers
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

docs: $(STAMP)
	$(BIN)/python scripts/gen_cli_docs.py > docs/cli.md
	$(BIN)/python scripts/gen_exposure_docs.py --write

# The browser tests save their screenshots under build/screenshots (a test run never touches docs/); this runs
# them and copies the pictures a reviewer sees into docs/screenshots.
BROWSER_TESTS := tests/test_browser.py tests/test_browser_auth.py tests/test_browser_exposure.py \
	tests/test_browser_jobs.py tests/test_browser_search.py tests/test_monitor_browser.py
screenshots: $(STAMP)
	rm -rf build/screenshots
	$(BIN)/pytest -n 0 $(BROWSER_TESTS)
	mkdir -p docs/screenshots
	cp build/screenshots/*.png docs/screenshots/

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# The hiring team's entry points. `make demo` and `make test` work on a fresh machine:
# they install the Docker engine if needed, start it, and build the grader's images.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GRADER := $(BIN)/grader
OUT ?= grade-out

.PHONY: install docker browser ci-tools images demo test test-fast lint clean

$(BIN)/grader: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/grader

docker:
	bash scripts/setup-docker.sh

browser:
	bash scripts/setup-browser.sh

ci-tools:
	bash scripts/setup-ci-tools.sh

images: install docker
	$(GRADER) images build --allow-bootstrap

demo: images
	$(GRADER) grade hidden_tests/reference --out $(OUT)/reference --format terminal,json,markdown,html
	$(GRADER) grade exercise --out $(OUT)/starter --format terminal,json,markdown,html --audience both
	$(GRADER) compare $(OUT)/reference/results.json $(OUT)/starter/results.json

test: images browser ci-tools
	GRADER_REQUIRE_DOCKER=1 $(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not slow and not docker"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache

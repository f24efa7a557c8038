# The two commands of the README: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?= -n auto

.PHONY: setup demo test lint typecheck bench clean constraints pin-images

$(BIN)/exchange: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $@

setup: $(BIN)/exchange

demo: setup
	$(BIN)/exchange demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest $(PYTEST_ARGS)

bench: setup
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# The image installs exactly these versions (Dockerfile): regenerate after changing dependencies.
constraints: setup
	$(BIN)/python .ci/constraints.py > constraints.txt

# Base images are pinned by digest; this resolves each tag's current digest again. It needs Docker
# (buildx) and the registry, so it runs where Docker runs, never in CI or the test suite.
IMAGES := apache/kafka:3.9.1 postgres:16.15 python:3.11.14-slim
pin-images:
	@for image in $(IMAGES); do \
		digest=$$(docker buildx imagetools inspect "$$image" | awk '/^Digest:/ {print $$2; exit}'); \
		case "$$digest" in sha256:*) ;; *) echo "no digest for $$image" >&2; exit 1;; esac; \
		sed -i -E "s#$$image@sha256:[0-9a-f]{64}#$$image@$$digest#" docker-compose.yml Dockerfile; \
		echo "$$image@$$digest"; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache dist build

# One entry point per task. Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install tools run e2e test test-unit test-db test-stack test-cluster lint format bench bench-topology images lock clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check "uv>=0.4"
	@$(BIN)/uv pip sync -q --python $(BIN)/python requirements.lock
	@$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

# helm, kubectl and the control plane of the cluster tier (built with Go once, then cached), and
# the Go modules whose CRDs it installs (CloudNativePG, its Barman Cloud plugin).
tools: install
	$(BIN)/python -m tests.tooling.control_plane
	$(BIN)/python -m tests.tooling.cnpg

run: install
	$(BIN)/wabiz up $(ARGS)

test: install tools
	$(BIN)/python -m pytest e2e --collect-only -q
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# Pure: no server, no subprocess (tests/unit/conftest.py refuses the database and S3 fixtures).
test-unit: install
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

test-db: install
	$(BIN)/python -m pytest -m db $(PYTEST_ARGS)

test-stack: install
	$(BIN)/python -m pytest -m stack $(PYTEST_ARGS)

test-cluster: install tools
	$(BIN)/python -m pytest -m cluster $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The kind end-to-end suite: needs docker, kind, helm and kubectl (stops with a clear message
# otherwise). E2E_KEEP_CLUSTER=1 keeps the cluster for debugging.
e2e: install
	bash e2e/run.sh $(PYTEST_ARGS)

# Not part of `make test`: several minutes of load on this machine (bench/README.md).
bench: install
	$(BIN)/python -m bench.run $(ARGS)

# The control for the shard sweep: plain HTTP sends split over 1 and 8 processes (~2.5 minutes).
bench-topology: install
	$(BIN)/python -m bench.topology $(ARGS)

# Container images (needs a Docker engine). PYTHON_IMAGE replaces the python:3.11-slim base,
# for a registry mirror or a locally built image.
IMAGE_TAG ?= dev
PYTHON_IMAGE ?=
IMAGE_ARGS = $(if $(PYTHON_IMAGE),--build-arg PYTHON_IMAGE=$(PYTHON_IMAGE))
images:
	@command -v docker >/dev/null || { echo "make images: docker is not installed"; exit 1; }
	docker build $(IMAGE_ARGS) -f images/services.Dockerfile -t wabiz:$(IMAGE_TAG) .
	docker build $(IMAGE_ARGS) -f images/operator.Dockerfile -t wabiz-operator:$(IMAGE_TAG) .

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock:
	$(BIN)/uv pip compile -q pyproject.toml --extra dev -o requirements.lock --python-version 3.11

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# lambdasim: `make run` (the headline comparison) and `make test` (every test,
# notebooks included) set everything up on first use: uv is bootstrapped into
# .tools/ with the machine's Python, then the locked environment into .venv/.
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
RUN := $(UV) run --locked --no-sync
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test lab app bench env clean

# Byte-compiled first: where PYTHONDONTWRITEBYTECODE is set, every process (this one and each worker's
# server) would otherwise compile lambdasim again: importing it takes 1.3 s of CPU, 0.5 s from .pyc files.
run: .venv/.synced
	$(RUN) python -m compileall -q lambdasim
	$(RUN) lambdasim compare data/scenarios/default.yaml --plots out/

test: .venv/.synced
	$(RUN) pytest --nbmake tests notebooks

lab: .venv/.synced
	$(RUN) jupyter lab notebooks/

app: .venv/.synced
	$(RUN) lambdasim app data/scenarios/default.yaml

bench: .venv/.synced
	$(RUN) python benchmarks/bench_lambda.py

env: .venv/.synced

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: the packages' .pyc written once here, so no process compiles pandas & co. again when
# PYTHONDONTWRITEBYTECODE is set (import pandas: 3.2 s of CPU without them, 0.8 s with them)
.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --compile-bytecode
	touch $@

clean:
	rm -rf .venv $(TOOLS) out

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

run: .venv/.synced
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

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked
	touch $@

clean:
	rm -rf .venv $(TOOLS) out

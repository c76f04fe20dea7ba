# The two README commands: `make demo` (set up, then the main job on real
# data) and `make test` (set up, then the test suite). Set-up is idempotent.
VENV_PYTHON := .venv/bin/python
FAMILIES := classification detection fastgan singan

.PHONY: setup demo test benchmark-quick benchmark $(addprefix demo-,$(FAMILIES))

setup:
	bash tools/setup_env.sh

demo: setup
	bash tools/demo/run_all.sh

$(addprefix demo-,$(FAMILIES)): demo-%: setup
	bash tools/demo/run_$*.sh

test: setup
	$(VENV_PYTHON) -m pytest

benchmark-quick: setup
	$(VENV_PYTHON) tools/benchmarks/run_benchmarks.py --quick

benchmark: setup
	$(VENV_PYTHON) tools/benchmarks/run_benchmarks.py

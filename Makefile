# make demo : set up (or reuse) the environment, then train+test every tiny config and print the table
# make test : set up (or reuse) the environment, then run the test suite
PYTHON_VENV := .venv/bin/python
# test workers (pytest-xdist), one per core by default; TEST_WORKERS=0 runs in one process
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 1)

.PHONY: env demo test
env:
	@bash tools/setup_env.sh >/dev/null

demo: env
	$(PYTHON_VENV) tools/demo.py

test: env
	$(PYTHON_VENV) -m pytest -n $(TEST_WORKERS) --dist worksteal tests

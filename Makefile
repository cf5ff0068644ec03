# make demo : set up (or reuse) the environment, then train+test every tiny config and print the table
# make test : set up (or reuse) the environment, then run the test suite
PYTHON_VENV := .venv/bin/python
# test workers (pytest-xdist), one per core up to 8 (each may train a tiny model); TEST_WORKERS=0
# runs in one process
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 8 ] && n=8; echo $$n)

.PHONY: env demo test
env:
	@bash tools/setup_env.sh >/dev/null

demo: env
	$(PYTHON_VENV) tools/demo.py

test: env
	$(PYTHON_VENV) -m pytest -n $(TEST_WORKERS) --dist worksteal tests

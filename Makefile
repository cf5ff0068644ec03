# make demo : set up (or reuse) the environment, then train+test every tiny config and print the table
# make test : set up (or reuse) the environment, then run the test suite
PYTHON_VENV := .venv/bin/python

.PHONY: env demo test
env:
	@bash tools/setup_env.sh >/dev/null

demo: env
	$(PYTHON_VENV) tools/demo.py

test: env
	$(PYTHON_VENV) -m pytest tests

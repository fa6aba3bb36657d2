# The two commands: `make demo` and `make test`. Each creates or reuses .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# nbgrader shells out to alembic: the venv's bin/ must be on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export MPLBACKEND := Agg

.PHONY: test test-gradescope demo build install release benchmark clean

# Installs the dependencies declared in pyproject.toml (not the project itself:
# an installed copy of solutions/ would be one more place a submission could read).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python >= 3.11 is needed (nbgrader 0.9.6)") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print("\n".join(p["dependencies"] + p["optional-dependencies"]["dev"]))' > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements.txt
	touch $@

install: $(VENV)/.installed

# One file per worker (--dist loadfile): a file's tests share its scratch course or cohort.
# Files go out in collection order, the heaviest first (tests/conftest.py: HEAVIEST_FIRST).
# One worker per core: a third worker on two cores ran faster only until JupyterLab, starved,
# lost a kernel in the browser test. --durations: the slowest tests, in every run's log.
WORKERS ?= auto
test: install
	$(PY) -m pytest -n $(WORKERS) --dist loadfile --no-loadscope-reorder --durations=15

# The Gradescope export in a fresh Debian root (mmdebstrap, chroot; needs root and, once, the network):
# setup.sh then run_autograder, compared with the batch grader. docs/lms-and-gradescope.md.
test-gradescope: install
	$(PY) -m pytest tests/test_gradescope_root.py --gradescope-root -v -s

demo: install
	$(PY) -m autograder grade examples/submissions --out demo-out

build: install
	$(PY) -m autograder build

release: install
	$(PY) -m autograder release --out student-bundle

# The peers (otter-grader, a conventional nbgrader course) each get a clean environment of their
# own, outside the repository, made by the benchmark itself (benchmarks/peer_envs.py).
benchmark: $(VENV)/.installed
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) demo-out student-bundle .pytest_cache

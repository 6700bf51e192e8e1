# Two commands matter on a fresh Debian/Ubuntu machine: `make demo` and `make test`.
# Each creates .venv if missing and installs what it needs.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
XVFB_RUN := xvfb-run -a -s "-screen 0 1600x1000x24"
DEMO_DIR ?= .demo
# phy is a reference only (test oracle + benchmarks): installed without its Qt deps.
PHY_REF := phy==2.1.0
# x11-utils: xdpyinfo, which phygui asks for the screen size (phygui/screen.py).
APT_PACKAGES := xvfb xauth xdotool x11-utils libgl1 libgl1-mesa-dri libglx-mesa0 libegl1

.PHONY: demo test test-realdata docs bench lint typecheck apt-deps clean help

help:
	@echo "make demo   run phygui on a generated demo dataset"
	@echo "make test   run the whole test suite (installs what it needs)"
	@echo "make docs   build the documentation site into site/ (mkdocs build --strict)"
	@echo "make bench  run the benchmarks against phy/phylib (big data, slow)"
	@echo "make test-realdata  sort a small recording with Kilosort 4 (once) and run the realdata tests"

$(PY):
	@$(PYTHON) -m venv $(VENV) || { \
	  echo "error: '$(PYTHON) -m venv' failed; install python3-venv (apt-get install python3-venv)"; exit 1; }
	$(PIP) install --upgrade pip

$(VENV)/.installed-base: pyproject.toml | $(PY)
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PIP) install -e '.[test]'
	$(PIP) install --no-deps $(PHY_REF)
	@touch $@

$(VENV)/.installed-docs: pyproject.toml | $(PY)
	$(PIP) install -e '.[docs]'
	@touch $@

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PIP) install -e '.[test,bench]'
	$(PIP) install --no-deps $(PHY_REF)
	@touch $@

# GUI tests need an X server (Xvfb) and Mesa's software OpenGL.
apt-deps:
	@missing=""; \
	command -v xvfb-run >/dev/null || missing="yes"; \
	command -v xdotool >/dev/null || missing="yes"; \
	command -v xdpyinfo >/dev/null || missing="yes"; \
	ldconfig -p 2>/dev/null | grep -q 'libGL.so.1' || missing="yes"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "installing $(APT_PACKAGES)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	  else \
	    echo "GUI tests need: sudo apt-get install $(APT_PACKAGES)"; \
	  fi; \
	fi

lint: $(VENV)/.installed-test
	$(VENV)/bin/lint-imports

# mypy settings live in pyproject.toml ([tool.mypy]: strict on phycore).
TYPECHECK_PACKAGES ?= phycore phygui
typecheck: $(VENV)/.installed-test
	$(VENV)/bin/mypy $(TYPECHECK_PACKAGES)

# The keymap, event and example pages are generated from the code at build time, and
# --strict fails on any warning (broken link, bad docstring), so CI builds the site too.
docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site
	@echo "documentation built: site/index.html"

test: apt-deps $(VENV)/.installed-test docs
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy $(TYPECHECK_PACKAGES)
	@if command -v xvfb-run >/dev/null; then \
	  timeout 1700 $(XVFB_RUN) $(PY) -m pytest $(PYTEST_ARGS); \
	else \
	  echo "xvfb-run not found: GUI tests will be skipped"; \
	  timeout 1700 $(PY) -m pytest $(PYTEST_ARGS); \
	fi

# Real sorter outputs for the `realdata` tests (deselected by `make test`): Kilosort 4 runs on
# the CPU in its own venv (the `realdata` extra pulls torch), once; the folder is cached in
# .realdata/ (gitignored, never committed); the tests then read it from the main venv.
REALDATA_VENV ?= .venv-realdata
REALDATA_PY := $(REALDATA_VENV)/bin/python

$(REALDATA_VENV)/.installed: pyproject.toml
	@test -x $(REALDATA_PY) || $(PYTHON) -m venv $(REALDATA_VENV)
	$(REALDATA_PY) -m pip --disable-pip-version-check -q install -e '.[realdata]'
	@touch $@

test-realdata: apt-deps $(VENV)/.installed-test $(REALDATA_VENV)/.installed
	$(REALDATA_PY) tests/realdata/make_ks4.py
	PHYCORE_REALDATA_REQUIRED=1 $(XVFB_RUN) $(PY) -m pytest -m realdata $(PYTEST_ARGS)

demo: $(VENV)/.installed-base
	$(VENV)/bin/phygui --demo --demo-dir $(DEMO_DIR)

# Each benchmark also writes its results as JSON (--json) into BENCH_OUT; summary.py runs
# the GUI scenarios the loop does not (--actions --split, --idle-floor) and ends with the
# table of issue #18's targets (BENCH_OUT/summary.md, the frame log gui_frame_log.csv).
BENCH_OUT ?= .bench-data/summary
bench: $(VENV)/.installed-bench
	@rm -rf $(BENCH_OUT) && mkdir -p $(BENCH_OUT)
	@for b in benchmarks/bench_*.py; do n=$$(basename $$b .py); echo "== $$b"; \
	  if grep -q -e '--json' -e add_json_arg $$b; then $(PY) $$b --json $(BENCH_OUT)/$${n#bench_}.json || exit 1; \
	  else $(PY) $$b || exit 1; fi; done
	$(PY) benchmarks/summary.py --reuse --out $(BENCH_OUT)

clean:
	rm -rf $(VENV) $(DEMO_DIR) site .pytest_cache .hypothesis

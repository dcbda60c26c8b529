# Aegis: `make demo` and `make test` are the two commands a fresh machine needs (README).
# Each part of the project adds its own test target in mk/<part>.mk (TEST_TARGETS += ...).
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

CARGO ?= cargo
VENV_PY := $(CURDIR)/.venv/bin/python
export CARGO_TERM_COLOR ?= never

TEST_TARGETS := test-rust
include $(sort $(wildcard mk/*.mk))

.PHONY: help deps deps-python lint fmt-check clippy test test-rust demo fuzz-smoke

help:
	@echo "make demo        end-to-end sovereign attestation flow on a software TPM"
	@echo "make test        every test in every language (installs what it needs)"
	@echo "make install     libaegis (.a, .so), aegis.h and aegis.pc under PREFIX (/usr/local), DESTDIR honoured"
	@echo "make fuzz-smoke  run each fuzz target for 30 s"
	@echo "make bench       benchmarks (criterion + peer comparison)"

deps:
	@scripts/deps.sh all

deps-python:
	@scripts/deps.sh python

fmt-check:
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path bindings/python/Cargo.toml --all -- --check

# AWS_LC_FEATURES: aegis-core's third crypto provider (aws-lc-rs, not default) and the CLI's
# `--provider aws-lc`; linted and tested in a second build beside the default one.
AWS_LC_FEATURES := -p aegis-core -p aegis-cli --features aegis-core/aws-lc,aegis-cli/aws-lc

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy $(AWS_LC_FEATURES) --all-targets -- -D warnings
	$(CARGO) clippy --manifest-path bindings/python/Cargo.toml --all-targets -- -D warnings

lint: errors-check fmt-check clippy

test-rust:
	$(CARGO) test --workspace
	$(CARGO) test $(AWS_LC_FEATURES)

# The SPIRE binaries e2e-spire needs are built (once per machine) in the background meanwhile.
test: deps
	@scripts/spire.sh start
	@set -e; for t in lint $(TEST_TARGETS); do \
	  echo "== $$t"; s=$$(date +%s); $(MAKE) --no-print-directory $$t; \
	  echo "== $$t: passed in $$(( $$(date +%s) - s )) s"; done
	@echo "make test: all suites passed ($(TEST_TARGETS))"

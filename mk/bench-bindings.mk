# Binding overhead and memory (issue 4, item 4; issue "core shape", item 10): benchmarks, not
# tests (not in TEST_TARGETS).
#
#   make bench-bindings     verify_quote in Rust, Python and Go, one sample at a time from each
#                           (resident sample servers, paired differences: Python - Rust <= 5 us,
#                           Go - Rust <= 3 us, and Go binding - direct cgo <= 1 us: VerifyQuote
#                           against aegis_quote_verify called straight through cgo from the same
#                           Go test binary, issue "core shape" item 10), then one million calls
#                           per language without RSS growth (benches/bindings_overhead.py)
#   BENCH_BINDINGS_ARGS="--samples 20 --no-memory"   passes options to the script
#
# Go links target/release/libaegis.a (go-staticlib, mk/go.mk). The Python side uses the wheel
# installed in .venv; it is built (python-wheel, mk/python.mk) only when `import aegis` fails.
# Python is compared with the Rust example built against the wheel's own vendored OpenSSL
# (taken from bindings/python/target), Go with it built against the system OpenSSL.

BENCH_BINDINGS_ARGS ?=

.PHONY: bench-bindings

bench: bench-bindings

bench-bindings: go-staticlib
	@$(VENV_PY) -c 'import aegis' 2>/dev/null || $(MAKE) --no-print-directory python-wheel
	$(VENV_PY) benches/bindings_overhead.py $(BENCH_BINDINGS_ARGS)

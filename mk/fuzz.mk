# Fuzzing and benchmarks (issue 2). Not in TEST_TARGETS: .ci/run calls `make fuzz-smoke` itself.
#
#   make fuzz-smoke            every fuzz target for FUZZ_SECONDS (30) seconds, seeded from testdata/,
#                              FUZZ_JOBS (the number of cores) at a time
#   make fuzz-run T=spki       one target, until stopped (or FUZZ_SECONDS=N)
#   make bench                 criterion benches + the cross-peer comparison (benches/compare_peers.py)

CARGO_FUZZ_VERSION := 0.13.2
FUZZ_SECONDS ?= 30
FUZZ_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
FUZZ_TARGETS := tpm_public tpms_attest tpmt_signature tpml_pcr_selection pcr_file pcr_json \
                keylime_quote spki verify_quote geofence_policy ear_jwt ear_cwt \
                evidence_bundle proof_token
# cargo-fuzz needs -Z flags: the nightly toolchain when rustup has one, else the stable compiler
# with RUSTC_BOOTSTRAP=1.
FUZZ_NIGHTLY = $(shell rustup run nightly rustc --version >/dev/null 2>&1 && echo yes)
FUZZ_CARGO = $(if $(FUZZ_NIGHTLY),cargo +nightly,RUSTC_BOOTSTRAP=1 $(CARGO)) fuzz
FUZZ_PY = $(shell command -v python3 || echo $(VENV_PY))
FUZZ_LOGS := $(CURDIR)/target/fuzz-logs
FUZZ_BIN = $(CURDIR)/fuzz/target/$(shell rustc -vV | sed -n 's/^host: //p')/release

.PHONY: fuzz-tools fuzz-seeds fuzz-build fuzz-smoke fuzz-run bench bench-criterion bench-peers

fuzz-tools:
	@if [ "$$($(CARGO) fuzz --version 2>/dev/null)" != "cargo-fuzz $(CARGO_FUZZ_VERSION)" ]; then \
	  echo "== installing cargo-fuzz $(CARGO_FUZZ_VERSION)"; \
	  $(CARGO) install cargo-fuzz --version $(CARGO_FUZZ_VERSION) --locked; \
	fi

# Seeds come from testdata/ at run time; fuzz/corpus/ is gitignored.
fuzz-seeds:
	@$(FUZZ_PY) fuzz/seed_corpus.py testdata fuzz/corpus

fuzz-build: fuzz-tools
	cd fuzz && $(FUZZ_CARGO) build

# The binaries are run directly (not `cargo fuzz run`), so nothing is rebuilt between targets.
# The targets run FUZZ_JOBS at a time (one per core by default), each target's output kept
# together; every target runs even when one fails.
fuzz-smoke: fuzz-build fuzz-seeds
	@mkdir -p $(FUZZ_LOGS); \
	$(MAKE) --no-print-directory -k -j$(FUZZ_JOBS) --output-sync=target $(addprefix fuzz-one-,$(FUZZ_TARGETS)) \
	  || { echo "fuzz-smoke: FAILED (the targets above that printed their log; inputs in fuzz/artifacts/)"; exit 1; }
	@echo "fuzz-smoke: $(words $(FUZZ_TARGETS)) targets ran $(FUZZ_SECONDS) s each without a crash ($(FUZZ_JOBS) at a time)"

fuzz-one-%:
	@mkdir -p fuzz/artifacts/$*; \
	if (cd fuzz && $(FUZZ_BIN)/$* -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	      -print_final_stats=1 -artifact_prefix=artifacts/$*/ corpus/$*) > $(FUZZ_LOGS)/$*.log 2>&1; then \
	  echo "== fuzz $* ($(FUZZ_SECONDS) s): $$(grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)" $(FUZZ_LOGS)/$*.log | tr -s ' \n' ' ')"; \
	else \
	  echo "== fuzz $* ($(FUZZ_SECONDS) s): FAILED"; tail -n 60 $(FUZZ_LOGS)/$*.log; exit 1; \
	fi

fuzz-run: fuzz-build fuzz-seeds
	cd fuzz && $(FUZZ_CARGO) run $(T) corpus/$(T) -- $(if $(filter-out 30,$(FUZZ_SECONDS)),-max_total_time=$(FUZZ_SECONDS))

bench: bench-criterion bench-peers

bench-criterion:
	$(CARGO) bench -p aegis-core --bench verify

bench-peers: deps-python
	$(VENV_PY) benches/compare_peers.py

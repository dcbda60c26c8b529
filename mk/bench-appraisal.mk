# The attestation-result path (issue 11, item 9): a benchmark, not a test (not in TEST_TARGETS).
#
#   make bench-appraisal   criterion bench aegis-core/benches/appraise.rs (full appraisal of the
#                          swtpm bundle vectors with an ES256 EAR, and its signature operations
#                          alone), then prints appraisals per second per core and the ratio
#                          appraisal / signature operations (target <= 1.3x; throughput target
#                          8,500 per second per core); then the same measured interleaved in one
#                          process (examples/appraise_ratio.rs: appraisal and signature rounds
#                          alternated, robust to the machine's speed changing between criterion's
#                          groups), for OpenSSL and aws-lc-rs alike (aegis-core's aws-lc
#                          feature). benches/appraisal_summary.py prints both measurements and
#                          decides on OpenSSL's interleaved figures (exit 1 when the ratio target
#                          is missed), reporting aws-lc-rs's beside them

.PHONY: bench-appraisal

bench: bench-appraisal

APPRAISE_RATIO_ROUNDS ?= 30
APPRAISE_RATIO_JSON ?= $(or $(CARGO_TARGET_DIR),target)/appraise-ratio.json

bench-appraisal:
	$(CARGO) bench -p aegis-core --bench appraise
	$(CARGO) run --release -q -p aegis-core --features native,aws-lc --example appraise_ratio -- \
		$(APPRAISE_RATIO_ROUNDS) $(APPRAISE_RATIO_JSON)
	@python3 benches/appraisal_summary.py $(APPRAISE_RATIO_JSON)

# Proof tokens (issue 12, item 10): a benchmark, not a test (not in TEST_TARGETS). One run, the
# figures side by side (benches/tokens_summary.py reads criterion's medians and times the Python
# peers itself):
#
#   make bench-tokens   criterion bench aegis-core/benches/proof.rs (group `tokens`: DPoR
#                       verification with a warm MemoryReplayCache and the EAR residency check,
#                       a bare ES256 verification of the same token, the same with the EAR
#                       verified per request against two bare verifies, josekit as a peer; 1 and
#                       2 threads) and aegis-core/benches/svid.rs (group `svid`: SVID claim
#                       extraction), then aegis-replay-redis/benches/replay.rs (group `replay`:
#                       one MemoryReplayCache and one RedisReplayCache check, against a
#                       redis-server the bench starts on loopback and stops by pid), then the
#                       summary: ratios with PASS/MISS against 1.15x, PyJWT and jwcrypto (timed in
#                       .venv, scripts/deps.sh python) and josekit as ratios to Aegis, the
#                       per-proof cost of the Redis cache and SVID extractions per second
#
# Load-independent figure (instruction counts; the machine is shared, wall times move), which the
# summary also prints (BENCH_TOKENS_CALLGRIND=0 skips it):
#   cargo build --release -p aegis-core --example proof_profile
#   valgrind --tool=callgrind --toggle-collect='*proof_profile::one*' \
#       target/release/examples/proof_profile dpor 200     (and: bare 200, dpor-ear, bare2)

.PHONY: bench-tokens

bench: bench-tokens

bench-tokens:
	nice -n 10 $(CARGO) bench -p aegis-core --bench proof --bench svid
	nice -n 10 $(CARGO) bench -p aegis-replay-redis --bench replay
	nice -n 10 $(CARGO) build -q --release -p aegis-core --example proof_profile
	@$(if $(wildcard $(VENV_PY)),$(VENV_PY),python3) benches/tokens_summary.py

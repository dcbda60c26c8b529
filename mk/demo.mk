# make demo: the end-to-end sovereign attestation flow on a freshly manufactured swtpm
# (EK/AK enrolment with credential activation and EK certificate check, App Key certification,
# location evidence in PCR 15, quote, verification of everything, summary).
# make test-backend: aegis-agent's tss backend suite on swtpm (needs --features tss).

TEST_TARGETS += test-backend test-demo

.PHONY: demo demo-software test-backend test-demo bench-backend

demo:
	@scripts/deps.sh tpm
	@scripts/deps.sh native
	@set -euo pipefail; \
	dir=$$(mktemp -d "$${TMPDIR:-/tmp}/aegis-demo.XXXXXX"); \
	trap 'scripts/swtpm.sh stop "$$dir" >/dev/null 2>&1 || true; rm -rf "$$dir"' EXIT; \
	scripts/swtpm.sh start "$$dir" >/dev/null; \
	echo "swtpm running: $$(cat "$$dir/tcti") (state in $$dir, removed afterwards)"; \
	mkdir -p target/demo; rm -f target/demo/location-events.log; \
	$(CARGO) run -q -p aegis-cli --features tss -- demo --tcti "$$(cat "$$dir/tcti")" \
	  --ek-root "$$dir/ca/swtpm-localca-rootca-cert.pem" --ek-intermediate "$$dir/ca/issuercert.pem" \
	  --event-log target/demo/location-events.log --policy examples/policies/demo-geofence.json \
	  --out target/demo $(DEMO_ARGS) > target/demo/report.json; \
	echo "JSON report: target/demo/report.json"

# The same flow without a TPM, on the INSECURE software backend (its EK is refused).
demo-software:
	@scripts/deps.sh native
	$(CARGO) run -q -p aegis-cli --features tss -- demo --software $(DEMO_ARGS)

test-backend:
	@scripts/deps.sh tpm
	@scripts/deps.sh native
	$(CARGO) test -p aegis-agent --features tss --test backend_swtpm
	# make lint builds without the tss feature; the demo and the TPM signers need it.
	$(CARGO) clippy -p aegis-cli -p aegis-agent --features tss --all-targets -- -D warnings

# make demo as a test: every step of the flow (EK to SVID and gateway) must pass.
test-demo: demo
	@python3 -c 'import json,sys; r=json.load(open("target/demo/report.json")); bad=[s["step"] for s in r["steps"] if not s["ok"]]; sys.exit("test-demo: failed steps: "+", ".join(bad) if bad or not r["all_checks_passed"] else 0)'
	@echo "test-demo: every step of make demo passed"

# Per-operation latency on swtpm (criterion; not a timed test).
bench-backend:
	@scripts/deps.sh tpm
	@scripts/deps.sh native
	$(CARGO) bench -p aegis-agent --features tss --bench backend_swtpm

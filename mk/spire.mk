# SPIRE end to end (issue 13).
#
#   make spire-bins     spire-server and spire-agent v1.13.3 in the user's cache folder
#                       (${XDG_CACHE_HOME:-~/.cache}/aegis/spire/v1.13.3), built by scripts/spire.sh
#                       only when missing (Go >= 1.25.3; ~6 min warm, ~11 cold); `make test`
#                       starts that build in the background first (scripts/spire.sh start), so
#                       that it overlaps the suites before e2e-spire, which waits for it
#   make spire-lib      libaegis with the agent-side TPM functions (cargo feature "tss",
#                       aegis_tpm_*) installed into SPIRE_PREFIX (target/spire/prefix) with its
#                       aegis.pc, for Go programs built with -tags aegis_tpm
#   make test-go-tpm    the Go binding's TPM surface (bindings/go/tpm.go) and the agent
#                       NodeAttestor (examples/spire-agent-nodeattestor, against the server
#                       plugin in process) on fresh swtpms
#   make e2e-spire      swtpm, spire-server and spire-agent on loopback: the agent attests with the
#                       Aegis node attestors, a workload fetches its X.509-SVID through the Workload
#                       API (examples/spire-agent-nodeattestor/e2e.sh); timings in
#                       target/spire/e2e.json. Skips loudly when SPIRE cannot be built here;
#                       AEGIS_REQUIRE_SPIRE=1 makes that a failure.

TEST_TARGETS += test-go-tpm e2e-spire

SPIRE_PREFIX := $(abspath target/spire/prefix)
# The dev profile: its dependencies (tss-esapi) are the ones test-backend builds already.
SPIRE_LIB_DIR := target/debug

.PHONY: spire-bins spire-lib test-go-tpm e2e-spire

spire-bins:
	@scripts/spire.sh bins

spire-lib:
	@scripts/deps.sh tpm
	@scripts/deps.sh native
	$(CARGO) build -p aegis-ffi --features tss
	@set -e; lib=$(SPIRE_PREFIX)/lib; so=libaegis.so.$(AEGIS_VERSION_MAJOR); \
	mkdir -p "$$lib/pkgconfig" $(SPIRE_PREFIX)/include; \
	cp -f $(SPIRE_LIB_DIR)/libaegis.so "$$lib/$$so.tmp" && mv -f "$$lib/$$so.tmp" "$$lib/$$so"; \
	ln -sfn "$$so" "$$lib/libaegis.so"; \
	cp -f include/aegis.h $(SPIRE_PREFIX)/include/aegis.h; \
	printf 'prefix=%s\nlibdir=$${prefix}/lib\nincludedir=$${prefix}/include\n\nName: aegis\nDescription: Aegis C ABI with the agent-side TPM functions (feature tss)\nVersion: %s\nCflags: -I$${includedir} -DAEGIS_FEATURE_TSS\nLibs: -L$${libdir} -laegis\n' \
	  '$(SPIRE_PREFIX)' '$(AEGIS_VERSION)' > "$$lib/pkgconfig/aegis.pc"

# As test-go does: pkg-config finds SPIRE_PREFIX's aegis.pc, the binaries get an rpath to it, and
# the library's digest goes into CGO_CFLAGS so that the Go cache relinks a rebuilt library.
SPIRE_GO_ENV = PKG_CONFIG_PATH=$(SPIRE_PREFIX)/lib/pkgconfig \
	CGO_LDFLAGS="-Wl,-rpath,$(SPIRE_PREFIX)/lib" \
	CGO_CFLAGS="-g -O2 -DAEGIS_LIB_SHA256=$$(cat $(SPIRE_PREFIX)/lib/libaegis.so.* $(SPIRE_PREFIX)/include/aegis.h | sha256sum | cut -c1-16)"

# `make lint` builds aegis-ffi without the feature: its agent.rs is linted here.
test-go-tpm: spire-lib
	$(CARGO) clippy -p aegis-ffi --features tss --all-targets -- -D warnings
	cd bindings/go && $(SPIRE_GO_ENV) $(GO) vet -tags aegis_tpm ./...
	cd bindings/go && $(SPIRE_GO_ENV) $(GO) test -count=1 -tags aegis_tpm -run 'TestTPM' .
	@cd examples/spire-agent-nodeattestor && unformatted=$$(gofmt -l .) && \
	  { [ -z "$$unformatted" ] || { echo "gofmt -l lists:"; echo "$$unformatted"; exit 1; }; }
	cd examples/spire-agent-nodeattestor && $(SPIRE_GO_ENV) $(GO) vet -tags aegis_tpm ./...
	cd examples/spire-agent-nodeattestor && $(SPIRE_GO_ENV) $(GO) test -count=1 -tags aegis_tpm ./...

SPIRE_BUILD := $(abspath target/spire/bin)

e2e-spire: spire-lib
	@scripts/deps.sh redis
	@set -e; rc=0; bins=$$(scripts/spire.sh bins) || rc=$$?; \
	if [ $$rc -eq 3 ]; then \
	  echo "e2e-spire: SKIPPED, NOT RUN: SPIRE cannot be built here (scripts/spire.sh said why above)"; \
	  if [ "$${AEGIS_REQUIRE_SPIRE:-}" = 1 ]; then echo "e2e-spire: AEGIS_REQUIRE_SPIRE=1: failing"; exit 1; fi; \
	  exit 0; \
	fi; \
	[ $$rc -eq 0 ] || exit $$rc; \
	mkdir -p $(SPIRE_BUILD); \
	(cd examples/spire-nodeattestor && $(SPIRE_GO_ENV) $(GO) build -o $(SPIRE_BUILD)/aegis-nodeattestor ./cmd/aegis-nodeattestor \
	  && $(SPIRE_GO_ENV) $(GO) build -o $(SPIRE_BUILD)/aegis-credentialcomposer ./cmd/aegis-credentialcomposer); \
	$(CARGO) build -q -p aegis-cli --features tss && cp -f $(SPIRE_LIB_DIR)/aegis $(SPIRE_BUILD)/aegis; \
	(cd examples/spire-agent-nodeattestor && $(SPIRE_GO_ENV) $(GO) build -tags aegis_tpm -o $(SPIRE_BUILD)/aegis-agent-nodeattestor ./cmd/aegis-agent-nodeattestor \
	  && $(GO) build -o $(SPIRE_BUILD)/e2e-fetch-svid ./cmd/e2e-fetch-svid); \
	E2E_OUT=$(abspath target/spire/e2e.json) examples/spire-agent-nodeattestor/e2e.sh "$$bins" $(SPIRE_BUILD)

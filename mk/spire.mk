# SPIRE end to end (issue 13).
#
#   make spire-bins     spire-server and spire-agent v1.13.3 in the user's cache folder
#                       (${XDG_CACHE_HOME:-~/.cache}/aegis/spire/v1.13.3), built by scripts/spire.sh
#                       only when missing (Go >= 1.25.3; ~6 min warm, ~11 cold)
#   make spire-lib      libaegis with the agent-side TPM functions (cargo feature "tss",
#                       aegis_tpm_*) installed into SPIRE_PREFIX (target/spire/prefix) with its
#                       aegis.pc, for Go programs built with -tags aegis_tpm
#   make test-go-tpm    the Go binding's TPM surface (bindings/go/tpm.go) and the agent
#                       NodeAttestor (examples/spire-agent-nodeattestor, against the server
#                       plugin in process) on fresh swtpms

TEST_TARGETS += test-go-tpm

SPIRE_PREFIX := $(abspath target/spire/prefix)
# The dev profile: its dependencies (tss-esapi) are the ones test-backend builds already.
SPIRE_LIB_DIR := target/debug

.PHONY: spire-bins spire-lib test-go-tpm

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

test-go-tpm: spire-lib
	cd bindings/go && $(SPIRE_GO_ENV) $(GO) vet -tags aegis_tpm ./...
	cd bindings/go && $(SPIRE_GO_ENV) $(GO) test -count=1 -tags aegis_tpm -run 'TestTPM' .
	@cd examples/spire-agent-nodeattestor && unformatted=$$(gofmt -l .) && \
	  { [ -z "$$unformatted" ] || { echo "gofmt -l lists:"; echo "$$unformatted"; exit 1; }; }
	cd examples/spire-agent-nodeattestor && $(SPIRE_GO_ENV) $(GO) vet -tags aegis_tpm ./...
	cd examples/spire-agent-nodeattestor && $(SPIRE_GO_ENV) $(GO) test -count=1 -tags aegis_tpm ./...

# Go: the binding (bindings/go, cgo over libaegis found with pkg-config) and the SPIRE NodeAttestor
# example (examples/spire-nodeattestor). Modules come from the Go module proxy at test time.
#
# The binding finds the C library as any user's build does (`#cgo pkg-config: aegis`,
# bindings/go/cgo.go): `make install` into GO_PREFIX (target/go-prefix), PKG_CONFIG_PATH set to
# its lib/pkgconfig. aegis.pc links the shared library libaegis.so.0, so the Go test binaries get
# an rpath to GO_PREFIX/lib through CGO_LDFLAGS (bindings/go/README.md, "Building").
TEST_TARGETS += test-go

GO ?= go
GO_MODULES := bindings/go examples/spire-nodeattestor
GO_PREFIX := $(abspath target/go-prefix)

.PHONY: test-go go-lib go-staticlib

# PKG_CONFIG_PATH as make found it. The cargo build under go-lib runs with it, not with the one
# exported below for Go: openssl-sys rebuilds whenever PKG_CONFIG_PATH changes.
GO_ENV_PKG_CONFIG_PATH := $(PKG_CONFIG_PATH)

# The release library installed into GO_PREFIX (a fresh install each time: cheap, and never stale).
go-lib:
	@$(if $(GO_ENV_PKG_CONFIG_PATH),PKG_CONFIG_PATH='$(GO_ENV_PKG_CONFIG_PATH)',env -u PKG_CONFIG_PATH) \
	  $(MAKE) --no-print-directory install PREFIX=$(GO_PREFIX) DESTDIR= >/dev/null
	@echo "go-lib: Aegis $(AEGIS_VERSION) installed into $(GO_PREFIX)"

# The old name (mk/bench-bindings.mk depends on it; benches/bindings_overhead.py also reads
# target/release/libaegis.a, which the install builds).
go-staticlib: go-lib

# For every Go build run by make (test-go here, bench-bindings' `go test -c`): pkg-config finds
# GO_PREFIX's aegis.pc first; the binaries find libaegis.so.0 through their rpath. The Go build
# cache does not hash the library or the header that pkg-config points at: their digest goes into
# CGO_CFLAGS (which the cache does hash), so that a rebuilt library relinks every test binary.
test-go bench-bindings: export PKG_CONFIG_PATH := $(GO_PREFIX)/lib/pkgconfig$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH))
test-go bench-bindings: export CGO_LDFLAGS := -Wl,-rpath,$(GO_PREFIX)/lib $(CGO_LDFLAGS)

test-go: go-lib
	@command -v $(GO) >/dev/null 2>&1 || { echo "test-go: '$(GO)' not found: install Go 1.23 or newer (Debian: golang-go)"; exit 2; }
	@command -v pkg-config >/dev/null 2>&1 || { echo "test-go: pkg-config not found (Debian: pkg-config)"; exit 2; }
	@set -e; \
	export CGO_CFLAGS="-g -O2 -DAEGIS_LIB_SHA256=$$(cat $(GO_PREFIX)/lib/libaegis.so.* $(GO_PREFIX)/include/aegis.h | sha256sum | cut -c1-16)"; \
	for m in $(GO_MODULES); do \
	  echo "== go: $$m: gofmt, vet, test, test with GOGC=1 GODEBUG=cgocheck=1"; \
	  unformatted=$$(cd $$m && gofmt -l .); \
	  if [ -n "$$unformatted" ]; then echo "gofmt -l lists:"; echo "$$unformatted"; exit 1; fi; \
	  (cd $$m && $(GO) vet ./...); \
	  (cd $$m && $(GO) test -count=1 ./...); \
	  (cd $$m && GOGC=1 GODEBUG=cgocheck=1 $(GO) test -count=1 ./...); \
	done; \
	echo "== go: bindings/go: test -race (handles, finalizers, shared keys and policies)"; \
	(cd bindings/go && $(GO) test -race -count=1 ./...)

# Go: the binding (bindings/go, cgo over the aegis-ffi staticlib) and the SPIRE NodeAttestor
# example (examples/spire-nodeattestor). Modules come from the Go module proxy at test time.
TEST_TARGETS += test-go

GO ?= go
GO_MODULES := bindings/go examples/spire-nodeattestor
AEGIS_STATICLIB := target/release/libaegis.a

.PHONY: test-go go-staticlib

# cgo links target/release/libaegis.a (bindings/go/cgo.go) but the Go build cache does not hash
# files named in #cgo LDFLAGS; the archive's digest goes into CGO_CFLAGS (which the cache does
# hash) so that a rebuilt library relinks every Go test binary.
go-staticlib:
	$(CARGO) build -p aegis-ffi --release

test-go: go-staticlib
	@command -v $(GO) >/dev/null 2>&1 || { echo "test-go: '$(GO)' not found: install Go 1.23 or newer (Debian: golang-go)"; exit 2; }
	@set -e; \
	export CGO_CFLAGS="-g -O2 -DAEGIS_STATICLIB_SHA256=$$(sha256sum $(AEGIS_STATICLIB) | cut -c1-16)"; \
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

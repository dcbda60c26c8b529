# Peers: other people's verifiers on the same vectors (TESTING.md). EAR: PyJWT, cbor2 and pycose
# check the tokens `aegis ear sign` makes (tests/peers/test_ear_peers.py). keylime's checkquote must
# reach the verdict testdata/manifest.json records for it (differences are explained there).
TEST_TARGETS += test-peers

.PHONY: test-peers
test-peers: deps-python
	$(CARGO) build -q -p aegis-cli
	$(VENV_PY) -m pytest tests/peers -q -W error -p no:cacheprovider

# veraison/ear v1.1.3 (Go module) as an EAR peer: it verifies a Veraison-dialect JWT that
# `aegis ear sign` made, and Aegis verifies one it signed (tests/peers/veraison-ear, its own
# go.mod; modules from the Go module proxy). go-jose v4 verifies the DPoR, DPoG and WPT tokens
# `aegis token` mints for ES256, ES384 and PS256 keys (tests/peers/go-jose-proof, its own go.mod).
TEST_TARGETS += test-peers-go

.PHONY: test-peers-go
test-peers-go:
	$(CARGO) build -q -p aegis-cli
	cd tests/peers/veraison-ear && AEGIS_BIN=$(CURDIR)/target/debug/aegis $(GO) test -count=1 ./...
	cd tests/peers/go-jose-proof && AEGIS_BIN=$(CURDIR)/target/debug/aegis $(GO) test -count=1 ./...

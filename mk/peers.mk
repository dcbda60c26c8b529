# Peers: other people's verifiers on the same vectors (TESTING.md). EAR: PyJWT, cbor2 and pycose
# check the tokens `aegis ear sign` makes (tests/peers/test_ear_peers.py). keylime's checkquote must
# reach the verdict testdata/manifest.json records for it (differences are explained there).
TEST_TARGETS += test-peers

.PHONY: test-peers
test-peers: deps-python
	$(CARGO) build -q -p aegis-cli
	$(VENV_PY) -m pytest tests/peers -q -W error -p no:cacheprovider

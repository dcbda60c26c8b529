# Peers: other people's verifiers on the same vectors (TESTING.md). keylime's checkquote must
# reach the verdict testdata/manifest.json records for it (differences are explained there).
TEST_TARGETS += test-peers

.PHONY: test-peers
test-peers: deps-python
	$(VENV_PY) -m pytest tests/peers -q -W error -p no:cacheprovider

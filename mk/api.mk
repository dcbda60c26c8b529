# The API table (bindings/API.md): every name of every row exists in its surface (Rust pub items
# of aegis-core/src, C include/aegis.h, Python bindings/python/python/aegis/_aegis.pyi, Go
# bindings/go/*.go) and no row has a gap. Static: builds nothing, imports nothing (python3 only),
# so it runs before any wheel or library exists; `make header-check` keeps include/aegis.h in
# step with aegis-ffi.
TEST_TARGETS += test-api-table

.PHONY: test-api-table

test-api-table:
	python3 tests/api_table.py

# Python binding (bindings/python): build the wheel `aegis` with maturin, install it into .venv,
# check the committed stubs against the native module (mypy stubtest), type-check the package,
# and run pytest with warnings as errors over testdata/manifest.json and keylime's own tests.
TEST_TARGETS += test-python

PY_DIR := bindings/python
PY_WHEELS := $(CURDIR)/$(PY_DIR)/target/wheels
# release: the tests run the wheel as shipped (vendored OpenSSL, LTO).
PY_PROFILE ?= release

.PHONY: test-python python-wheel

python-wheel: deps-python
	rm -rf $(PY_WHEELS)
	cd $(PY_DIR) && VIRTUAL_ENV=$(CURDIR)/.venv $(VENV_PY) -m maturin build --locked \
	  --profile $(PY_PROFILE) --interpreter $(VENV_PY) --out $(PY_WHEELS)
	$(VENV_PY) -m pip install -q --no-deps --force-reinstall $(PY_WHEELS)/aegis-*.whl

test-python: python-wheel
	@# The wheel must not need a system OpenSSL: no libssl/libcrypto among its dependencies.
	@so=$$($(VENV_PY) -c 'import aegis._aegis as m; print(m.__file__)'); \
	  if ldd "$$so" | grep -E 'lib(ssl|crypto)\.so'; then echo "test-python: $$so links a system OpenSSL" >&2; exit 1; fi
	cd $(CURDIR) && $(VENV_PY) -m mypy.stubtest aegis._aegis
	$(VENV_PY) -m mypy --strict --config-file $(PY_DIR)/pyproject.toml $(PY_DIR)/python/aegis $(PY_DIR)/tests
	$(VENV_PY) -m pytest -W error -q -p no:cacheprovider $(PY_DIR)/tests

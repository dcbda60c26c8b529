# Python binding (bindings/python): build the wheel `aegis` with maturin, install it into .venv,
# check its platform tag with auditwheel, check the committed stubs against the installed package
# (mypy stubtest: aegis, aegis._aegis, aegis.keylime), type-check the sources and tests
# (mypy --strict), and run pytest with warnings as errors over testdata/manifest.json and
# keylime's own tests; tests/test_wheel.py also installs the wheel offline into a fresh venv and
# walks the manifest there (AEGIS_WHEEL, AEGIS_REQUIRE_WHEEL=1: it may not skip).
TEST_TARGETS += test-python

PY_DIR := bindings/python
PY_WHEELS := $(CURDIR)/$(PY_DIR)/target/wheels
# release: the tests run the wheel as shipped (vendored OpenSSL, LTO). Not --locked: aegis-core's
# dependencies change in the root workspace, and cargo adds them to bindings/python/Cargo.lock
# without moving the versions already pinned there.
PY_PROFILE ?= release
PY_MYPY := MYPY_CACHE_DIR=$(CURDIR)/$(PY_DIR)/target/mypy-cache $(VENV_PY) -m

.PHONY: test-python python-wheel

python-wheel: deps-python
	rm -rf $(PY_WHEELS)
	cd $(PY_DIR) && VIRTUAL_ENV=$(CURDIR)/.venv $(VENV_PY) -m maturin build \
	  --profile $(PY_PROFILE) --interpreter $(VENV_PY) --out $(PY_WHEELS)
	$(VENV_PY) -m pip install -q --no-deps --force-reinstall $(PY_WHEELS)/aegis-*.whl

test-python: python-wheel
	@# The wheel must not need a system OpenSSL: no libssl/libcrypto among its dependencies.
	@so=$$($(VENV_PY) -c 'import aegis._aegis as m; print(m.__file__)'); \
	  if ldd "$$so" | grep -E 'lib(ssl|crypto)\.so'; then echo "test-python: $$so links a system OpenSSL" >&2; exit 1; fi
	@# The tag maturin gave the wheel is the one auditwheel finds it consistent with.
	@whl=$$(ls $(PY_WHEELS)/aegis-*.whl); tag=$${whl##*-}; tag=$${tag%.whl}; \
	  $(VENV_PY) -m auditwheel show "$$whl" > $(PY_DIR)/target/auditwheel.txt; \
	  grep -q "platform tag: \"$$tag\"" $(PY_DIR)/target/auditwheel.txt \
	  || { cat $(PY_DIR)/target/auditwheel.txt; echo "test-python: $$whl: auditwheel disagrees with its tag $$tag" >&2; exit 1; }
	$(PY_MYPY) mypy.stubtest aegis
	$(PY_MYPY) mypy --strict --config-file $(PY_DIR)/pyproject.toml $(PY_DIR)/python/aegis $(PY_DIR)/tests
	AEGIS_WHEEL=$$(ls $(PY_WHEELS)/aegis-*.whl) AEGIS_REQUIRE_WHEEL=1 \
	  $(VENV_PY) -m pytest -W error -q -p no:cacheprovider $(PY_DIR)/tests

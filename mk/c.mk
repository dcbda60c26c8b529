# C ABI (aegis-ffi, include/aegis.h): header regeneration check, C tests (test_abi, test_manifest,
# test_sign, test_token, test_svid) under AddressSanitizer/UBSan and valgrind, the exported-symbol check,
# examples/verify_quote.c.
# Build products go under target/c (never into the tree).

# Pinned cbindgen: `make cbindgen` installs exactly this version when another (or none) is found.
CBINDGEN_VERSION := 0.29.4
CBINDGEN ?= $(or $(shell command -v cbindgen 2>/dev/null),$(or $(CARGO_HOME),$(HOME)/.cargo)/bin/cbindgen)

C_OUT := target/c
C_LIBDIR := $(C_OUT)/lib
C_TESTDATA ?= testdata
# What the Rust staticlib needs from the system (OpenSSL is linked dynamically by openssl-sys).
C_SYSLIBS := -lssl -lcrypto -lpthread -ldl -lm -lrt -lutil
C_STD := -std=c99 -Wall -Wextra -Wpedantic -Werror -g -Iinclude -Itests/c
C_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
C_TEST_SRCS := tests/c/json.c tests/c/util.c
# No suppressions: every leak is a failure.
VALGRIND := valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect
C_LSAN := LSAN_OPTIONS=fast_unwind_on_malloc=0
C_EXAMPLE_VECTOR := quote-rsa2048-rsassa-sha256

TEST_TARGETS += test-c

.PHONY: cbindgen c-tools header header-check ffi-lib test-c test-c-asan test-c-valgrind-bins test-c-example

# gcc, g++ and valgrind from the distribution when missing (Debian/Ubuntu, as root or via sudo).
c-tools:
	@missing=""; for t in gcc g++ valgrind; do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
		echo "c-tools: installing$$missing"; \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && $$sudo apt-get install -y -qq $$missing; \
	fi

cbindgen:
	@found="$$($(CBINDGEN) --version 2>/dev/null || true)"; \
	if [ "$$found" != "cbindgen $(CBINDGEN_VERSION)" ]; then \
		echo "cbindgen: found '$${found:-none}', installing cbindgen $(CBINDGEN_VERSION) (cargo install --locked)"; \
		$(CARGO) install cbindgen --version $(CBINDGEN_VERSION) --locked; \
	fi

# The version, from Cargo.toml only (the workspace's `version`), e.g. 0.1.0 or 0.2.0-rc.1: read
# once per make run, only when a target uses it.
AEGIS_VERSION = $(eval AEGIS_VERSION := $$(shell $(CARGO) pkgid -p aegis-ffi --offline 2>/dev/null | sed 's/.*[#@]//'))$(AEGIS_VERSION)
AEGIS_VERSION_CORE = $(firstword $(subst -, ,$(subst +, ,$(AEGIS_VERSION))))
AEGIS_VERSION_MAJOR = $(word 1,$(subst ., ,$(AEGIS_VERSION_CORE)))
AEGIS_VERSION_MINOR = $(word 2,$(subst ., ,$(AEGIS_VERSION_CORE)))
AEGIS_VERSION_PATCH = $(word 3,$(subst ., ,$(AEGIS_VERSION_CORE)))

# Regenerates include/aegis.h from aegis-ffi/src.
header: cbindgen
	$(CBINDGEN) --quiet --config aegis-ffi/cbindgen.toml --crate aegis-ffi --output include/aegis.h aegis-ffi

# Fails when regenerating changes include/aegis.h, or when the header does not compile cleanly
# as C99 and as C++ (with and without the test-only part).
header-check: cbindgen
	$(CBINDGEN) --quiet --config aegis-ffi/cbindgen.toml --crate aegis-ffi --output $(C_OUT)/aegis.h aegis-ffi
	@diff -u include/aegis.h $(C_OUT)/aegis.h || \
		{ echo "include/aegis.h is stale: run 'make header' and commit it"; exit 1; }
	@printf '#include "aegis.h"\nint main(void) { return aegis_status_str(AEGIS_OK) == 0; }\n' \
		> $(C_OUT)/header_check.c
	gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -Iinclude -c $(C_OUT)/header_check.c -o $(C_OUT)/header_check_c.o
	gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -DAEGIS_TESTING -Iinclude -c $(C_OUT)/header_check.c -o $(C_OUT)/header_check_ct.o
	g++ -x c++ -Wall -Wextra -Wpedantic -Werror -Iinclude -c $(C_OUT)/header_check.c -o $(C_OUT)/header_check_cpp.o
	g++ -x c++ -Wall -Wextra -Wpedantic -Werror -DAEGIS_TESTING -Iinclude -c $(C_OUT)/header_check.c -o $(C_OUT)/header_check_cppt.o
	@echo "header-check: include/aegis.h is up to date and compiles as C99 and C++"

# The staticlib and cdylib with the test-only export (feature "testing"), copied out of
# target/debug at once so that other builds cannot swap them.
ffi-lib:
	$(CARGO) build -p aegis-ffi --features testing
	@mkdir -p $(C_LIBDIR)
	cp target/debug/libaegis.a target/debug/libaegis.so $(C_LIBDIR)/
	@# Programs linked with -laegis need the SONAME (aegis-ffi/build.rs) at run time.
	ln -sfn libaegis.so $(C_LIBDIR)/libaegis.so.$(AEGIS_VERSION_MAJOR)

C_TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 1)

test-c: c-tools header-check ffi-lib
	tests/c/check_exports.sh $(C_LIBDIR)/libaegis.so $(C_LIBDIR)/libaegis.a
	$(MAKE) --no-print-directory -j$(C_TEST_JOBS) --output-sync=target \
	  $(addprefix test-c-valgrind-,sign manifest) test-c-asan $(addprefix test-c-valgrind-,abi token svid) test-c-example
	@echo "test-c: all C checks passed"

# test-c's parts, run side by side (one per core, longest first) after the library is built.
test-c-asan:
	@echo "== C tests under AddressSanitizer + UBSan (static link)"
	gcc $(C_STD) $(C_SAN) -DAEGIS_TESTING tests/c/test_abi.c $(C_TEST_SRCS) $(C_LIBDIR)/libaegis.a $(C_SYSLIBS) -o $(C_OUT)/test_abi_asan
	gcc $(C_STD) $(C_SAN) tests/c/test_manifest.c $(C_TEST_SRCS) $(C_LIBDIR)/libaegis.a $(C_SYSLIBS) -o $(C_OUT)/test_manifest_asan
	gcc $(C_STD) $(C_SAN) tests/c/test_sign.c $(C_TEST_SRCS) $(C_LIBDIR)/libaegis.a $(C_SYSLIBS) -o $(C_OUT)/test_sign_asan
	gcc $(C_STD) $(C_SAN) tests/c/test_token.c $(C_LIBDIR)/libaegis.a $(C_SYSLIBS) -o $(C_OUT)/test_token_asan
	gcc $(C_STD) $(C_SAN) tests/c/test_svid.c $(C_TEST_SRCS) $(C_LIBDIR)/libaegis.a $(C_SYSLIBS) -o $(C_OUT)/test_svid_asan
	RUST_BACKTRACE=0 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(C_OUT)/test_abi_asan $(C_TESTDATA)
	$(C_LSAN) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(C_OUT)/test_manifest_asan $(C_TESTDATA)
	$(C_LSAN) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(C_OUT)/test_sign_asan $(C_TESTDATA)
	$(C_LSAN) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(C_OUT)/test_token_asan
	$(C_LSAN) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(C_OUT)/test_svid_asan $(C_TESTDATA)

test-c-valgrind-bins:
	@echo "== C tests under valgrind (no sanitizers, cdylib)"
	gcc $(C_STD) -DAEGIS_TESTING tests/c/test_abi.c $(C_TEST_SRCS) -L$(C_LIBDIR) -laegis -Wl,-rpath,$(abspath $(C_LIBDIR)) -o $(C_OUT)/test_abi
	gcc $(C_STD) tests/c/test_manifest.c $(C_TEST_SRCS) -L$(C_LIBDIR) -laegis -Wl,-rpath,$(abspath $(C_LIBDIR)) -o $(C_OUT)/test_manifest
	gcc $(C_STD) tests/c/test_sign.c $(C_TEST_SRCS) -L$(C_LIBDIR) -laegis -Wl,-rpath,$(abspath $(C_LIBDIR)) -o $(C_OUT)/test_sign
	gcc $(C_STD) -pthread tests/c/test_token.c -L$(C_LIBDIR) -laegis -Wl,-rpath,$(abspath $(C_LIBDIR)) -o $(C_OUT)/test_token
	gcc $(C_STD) tests/c/test_svid.c $(C_TEST_SRCS) -L$(C_LIBDIR) -laegis -Wl,-rpath,$(abspath $(C_LIBDIR)) -o $(C_OUT)/test_svid

# One program per job: test_sign (RSA key generation) takes ~100 s under valgrind, the rest ~140.
test-c-valgrind-%: test-c-valgrind-bins
	RUST_BACKTRACE=0 $(VALGRIND) $(C_OUT)/test_$* $(if $(filter token,$*),,$(C_TESTDATA))

test-c-example:
	@echo "== examples/verify_quote.c on $(C_EXAMPLE_VECTOR)"
	gcc $(C_STD) examples/verify_quote.c $(C_LIBDIR)/libaegis.a $(C_SYSLIBS) -o $(C_OUT)/verify_quote
	v=$(C_TESTDATA)/$(C_EXAMPLE_VECTOR); $(C_OUT)/verify_quote $$v/ak.pub $$v/quote.attest $$v/quote.sig \
		$$v/pcrs.bin $$(python3 -c 'import json,sys; print(next(x["nonce"] for x in json.load(open("$(C_TESTDATA)/manifest.json"))["vectors"] if x["id"]=="$(C_EXAMPLE_VECTOR)"))') \
		sha256:0,1,15
	@# A bad argument is a usage error: exit status 2, as the example's comment says.
	v=$(C_TESTDATA)/$(C_EXAMPLE_VECTOR); rc=0; $(C_OUT)/verify_quote $$v/ak.pub $$v/quote.attest $$v/quote.sig \
		$$v/pcrs.bin 00 sha256:0,x >/dev/null 2>&1 || rc=$$?; \
	test $$rc = 2 || { echo "verify_quote with a bad PCR list exited $$rc, not 2"; exit 1; }

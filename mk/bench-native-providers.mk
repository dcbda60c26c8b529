# Native crypto provider candidates (issue 11, item 9): the signature operations of one appraisal
# in OpenSSL (as aegis-core's native provider calls it), aws-lc-rs and ring, on the same keys and
# inputs, and the projected appraisals per second per core. A benchmark, not a test (not in
# TEST_TARGETS). benches/native-providers is its own Cargo project (not a workspace member); its
# build goes to target/native-providers. The first build compiles aws-lc-sys from source (a C
# compiler; about 6 minutes on the shared 2-core machine). Figures and conclusions: its README.md.
#
#   make bench-native-providers
#   BENCH_ROUNDS=400 BENCH_SAMPLE_MS=3 BENCH_OTHER_US=10 make bench-native-providers
#   NATIVE_PROVIDERS_FEATURES=vendored-openssl make bench-native-providers   (OpenSSL from source)

NATIVE_PROVIDERS_FEATURES ?=

.PHONY: bench-native-providers

bench-native-providers:
	cd benches/native-providers && CARGO_TARGET_DIR=$(CURDIR)/target/native-providers \
		nice -n 10 $(CARGO) bench --locked --features "$(NATIVE_PROVIDERS_FEATURES)" --bench signatures

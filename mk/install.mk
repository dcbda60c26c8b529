# Installing the C library the way C libraries are installed (issue 10):
#
#   make install [PREFIX=/usr/local] [DESTDIR=] [LIBDIR=$(PREFIX)/lib] [INCLUDEDIR=$(PREFIX)/include]
#
# puts a release build of aegis-ffi under $(DESTDIR)$(PREFIX):
#   lib/libaegis.a
#   lib/libaegis.so.X.Y.Z, lib/libaegis.so.X -> libaegis.so.X.Y.Z (the SONAME, aegis-ffi/build.rs),
#   lib/libaegis.so -> libaegis.so.X (what -laegis finds at link time)
#   include/aegis.h
#   lib/pkgconfig/aegis.pc          cc prog.c $(pkg-config --cflags --libs aegis): libaegis.so;
#                                   --static adds what libaegis.a needs (Libs.private)
#   lib/pkgconfig/aegis-static.pc   cc prog.c $(pkg-config --cflags --libs aegis-static): names
#                                   libaegis.a itself, since with both in lib/ the linker takes
#                                   libaegis.so for -laegis even under pkg-config --static
# The .pc files name $(PREFIX), not $(DESTDIR) (a staging directory for packagers). The version
# comes from Cargo.toml (AEGIS_VERSION, mk/c.mk).
#
#   make test-install   installs into a temporary prefix, then builds and runs examples/verify_quote.c
#                       (shared and static, through pkg-config) and a Go program using a copy of
#                       bindings/go outside this repository after `go mod vendor`
#                       (tests/install/check_install.sh); part of `make test`.
#   make package-check  `cargo package` of aegis-core and aegis-agent (the crates.io crates), offline
#                       from the registry cache, each verified by building it from its packaged
#                       files; and the root README's Rust example is aegis-core/README.md's (which
#                       is compiled as a doctest); part of `make test`.

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DESTDIR ?=
INSTALL ?= install

# What the Rust staticlib needs from the system besides itself (rustc --print native-static-libs
# for aegis-ffi, without -lc). OpenSSL is named with -l rather than Requires.private: libssl so that
# building against the shared library does not need libssl's own .pc file (libssl-dev).
AEGIS_STATIC_LIBS := -lssl -lcrypto -lgcc_s -lutil -lrt -lpthread -ldl -lm

AEGIS_DESCRIPTION := Verify TPM 2.0 evidence (quotes, certifications, EK certificates): the C ABI of Aegis
AEGIS_URL := https://github.com/aegis-attest/aegis
AEGIS_RELEASE_DIR := target/release
# The .pc files' libdir and includedir, relative to ${prefix} when they are under it.
PC_LIBDIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))

TEST_TARGETS += test-install package-check

.PHONY: install ffi-release test-install package-check

ffi-release:
	$(CARGO) build -p aegis-ffi --release

# The release build, then the files; no build happens as root after this line.
install: ffi-release
	@test -n "$(AEGIS_VERSION_PATCH)" || { echo "install: cannot read the version of aegis-ffi (cargo pkgid)"; exit 1; }
	@set -e; \
	lib="$(DESTDIR)$(LIBDIR)"; inc="$(DESTDIR)$(INCLUDEDIR)"; so=libaegis.so.$(AEGIS_VERSION_CORE); \
	$(INSTALL) -d "$$lib" "$$lib/pkgconfig" "$$inc"; \
	$(INSTALL) -m 644 $(AEGIS_RELEASE_DIR)/libaegis.a "$$lib/libaegis.a"; \
	$(INSTALL) -m 755 $(AEGIS_RELEASE_DIR)/libaegis.so "$$lib/$$so"; \
	ln -sfn "$$so" "$$lib/libaegis.so.$(AEGIS_VERSION_MAJOR)"; \
	ln -sfn "libaegis.so.$(AEGIS_VERSION_MAJOR)" "$$lib/libaegis.so"; \
	$(INSTALL) -m 644 include/aegis.h "$$inc/aegis.h"; \
	pc_head() { \
	  printf 'prefix=%s\nlibdir=%s\nincludedir=%s\n\n' '$(PREFIX)' '$(PC_LIBDIR)' '$(PC_INCLUDEDIR)'; \
	  printf 'Name: %s\nDescription: %s\nURL: %s\nVersion: %s\nCflags: -I$${includedir}\n' \
	    "$$1" '$(AEGIS_DESCRIPTION)'"$$2" '$(AEGIS_URL)' '$(AEGIS_VERSION)'; \
	}; \
	{ pc_head aegis ""; \
	  printf 'Libs: -L$${libdir} -laegis\nLibs.private: %s\n' '$(AEGIS_STATIC_LIBS)'; \
	} > "$$lib/pkgconfig/aegis.pc"; \
	{ pc_head aegis-static " (static library)"; \
	  printf 'Libs: $${libdir}/libaegis.a %s\n' '$(AEGIS_STATIC_LIBS)'; \
	} > "$$lib/pkgconfig/aegis-static.pc"; \
	chmod 644 "$$lib/pkgconfig/aegis.pc" "$$lib/pkgconfig/aegis-static.pc"; \
	echo "installed Aegis $(AEGIS_VERSION) into $(DESTDIR)$(PREFIX) (lib: $$lib, include: $$inc)"

test-install: c-tools
	@command -v pkg-config >/dev/null || { echo "test-install: pkg-config not found (Debian: pkg-config)"; exit 2; }
	tests/install/check_install.sh

# --allow-dirty: `make test` runs on work in progress too; the files packaged are what is on disk.
# The "ignoring test/bench/example" warnings are expected: those targets read ../testdata and are
# left out of the packages (the include lists in their Cargo.toml).
# cargo unpacks the aegis-core it just packaged into $CARGO_HOME/registry/src/<hash of this
# checkout's path>/ and, when that folder exists from an earlier run (a persistent cargo cache, same
# version), builds aegis-agent against the stale copy; remove our own crates' unpacked copies first.
package-check:
	rm -rf "$(or $(CARGO_HOME),$(HOME)/.cargo)"/registry/src/-*/aegis-core-* \
	  "$(or $(CARGO_HOME),$(HOME)/.cargo)"/registry/src/-*/aegis-agent-*
	$(CARGO) package -p aegis-core -p aegis-agent --offline --allow-dirty
	@readme_rust() { awk '/^```rust/ { f = 1; next } /^```/ { if (f) exit } f' "$$1"; }; \
	diff -u <(readme_rust aegis-core/README.md) <(readme_rust README.md) \
	  || { echo "package-check: README.md's Rust example differs from aegis-core/README.md's (the doctest)"; exit 1; }
	@echo "package-check: aegis-core and aegis-agent package and build from their packaged files"

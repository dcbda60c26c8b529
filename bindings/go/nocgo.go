//go:build !cgo

package aegis

// This package calls the Aegis C library (libaegis) through cgo: it cannot be built without cgo.
// Build with CGO_ENABLED=1 and a C compiler, with libaegis installed where pkg-config finds it
// (`make install`, then PKG_CONFIG_PATH=PREFIX/lib/pkgconfig for a prefix pkg-config does not
// search): see README.md. The undefined name below makes `CGO_ENABLED=0 go build` fail with a
// message that says so, instead of a package without its functions.
var _ = aegis_requires_cgo_and_libaegis_found_by_pkg_config_aegis_see_README

package aegis

// The package's compile and link flags (its only #cgo directives but verify.go's noescape and
// nocallback annotations of public aegis_* functions). The other files' preambles only #include
// "aegis.h", as wasmtime-go does: the binding holds no C code of its own.
//
// The C library is found with pkg-config, like any C library: `make install` (PREFIX=/usr/local
// by default) installs libaegis and aegis.pc; for another prefix set PKG_CONFIG_PATH to
// PREFIX/lib/pkgconfig. So the package builds wherever it is copied (go mod vendor, the module
// cache) and needs no path into this repository. aegis.pc links the shared library
// (libaegis.so.0): a program needs it at run time (an rpath through CGO_LDFLAGS, or
// LD_LIBRARY_PATH when PREFIX/lib is not searched), and libssl/libcrypto (Debian: libssl3), which
// libaegis links dynamically. See README.md ("Building") and nocgo.go (CGO_ENABLED=0).

/*
#cgo pkg-config: aegis
#include <stdlib.h>
#include "aegis.h"
*/
import "C"

import "unsafe"

// cbytes returns a C view of b for the duration of one C call: NULL for an empty slice (the C ABI
// accepts NULL when the length is 0). b holds no Go pointers, so passing it is allowed by the cgo
// rules; the caller keeps b alive with runtime.KeepAlive after the call.
func cbytes(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// gobytes copies a borrowed C view (ptr, len) into Go memory.
func gobytes(p *C.uint8_t, n C.size_t) []byte {
	if p == nil || n == 0 {
		return []byte{}
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(n))
}

// check turns a C status and its optional aegis_error into a Go error (nil on AEGIS_OK), and
// frees the aegis_error.
func check(status C.aegis_status, cerr *C.aegis_error) error {
	if status == C.AEGIS_OK {
		if cerr != nil {
			C.aegis_error_free(cerr)
		}
		return nil
	}
	if cerr == nil {
		return newError(uint32(status), "", C.GoString(C.aegis_status_str(status)))
	}
	defer C.aegis_error_free(cerr)
	code := uint32(C.aegis_error_code(cerr))
	name := C.GoString(C.aegis_error_name(cerr))
	msg := C.GoString(C.aegis_error_message(cerr))
	return newError(code, name, msg)
}

// statusMessage is aegis_status_str: the static message of a code.
func statusMessage(code uint32) string {
	return C.GoString(C.aegis_status_str(C.aegis_status(code)))
}

// Version is the version of the linked Aegis library.
func Version() string {
	return C.GoString(C.aegis_version())
}

package aegis

// The package's compile and link flags (its only #cgo directives but verify.go's noescape and
// nocallback annotations of public aegis_* functions). The other files' preambles only #include
// "aegis.h", as wasmtime-go does: the binding holds no C code of its own.
//
// The Rust staticlib is linked statically from the workspace's target directory, relative to this
// file, so `go build` needs no installed library and no environment variables; build it first
// with `cargo build -p aegis-ffi --release` (mk/go.mk does). The native crypto provider links
// OpenSSL (libssl, libcrypto) dynamically, as the Rust crate does.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libaegis.a -lssl -lcrypto -ldl -lm -lpthread
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

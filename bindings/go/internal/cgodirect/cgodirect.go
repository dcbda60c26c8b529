// Package cgodirect is the baseline the Go binding's cost is measured against
// (benches/bindings_overhead.py, "Go binding - direct cgo"): aegis_quote_verify called straight
// through cgo, with no Go wrapper, from the same test binary as the binding and on the binding's
// own handles. Internal: only the binding's benchmarks use it.
//
// Its flags are cgo.go's (pkg-config aegis: the same header and library), and it annotates
// aegis_quote_verify as verify.go does, so that the two differ only by the binding's Go code.
package cgodirect

/*
#cgo pkg-config: aegis
#cgo noescape aegis_quote_verify
#cgo nocallback aegis_quote_verify
#cgo nocallback aegis_verified_quote_free
#cgo nocallback aegis_error_free
#include "aegis.h"
*/
import "C"

import "unsafe"

// VerifyQuote is one aegis_quote_verify with the arguments the binding's VerifyQuote passes (ak,
// pcrs and policy are the binding's C handles, policy may be nil), then aegis_verified_quote_free
// or aegis_error_free: what a cgo caller does at the least per quote. It returns the
// aegis_status. The caller keeps the handles' owners alive.
func VerifyQuote(ak, pcrs, policy unsafe.Pointer, attest, sig, nonce []byte) uint32 {
	var vq *C.aegis_verified_quote
	var cerr *C.aegis_error
	status := C.aegis_quote_verify((*C.aegis_ak)(ak), data(attest), C.size_t(len(attest)), data(sig),
		C.size_t(len(sig)), (*C.aegis_pcrs)(pcrs), data(nonce), C.size_t(len(nonce)),
		(*C.aegis_quote_policy)(policy), &vq, &cerr)
	if status == C.AEGIS_OK {
		C.aegis_verified_quote_free(vq)
	} else {
		C.aegis_error_free(cerr)
	}
	return uint32(status)
}

// data is b's first byte for C (the length says how many follow; cgo keeps b alive during the
// call).
func data(b []byte) *C.uint8_t {
	return (*C.uint8_t)(unsafe.SliceData(b))
}

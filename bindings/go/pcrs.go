package aegis

// #include "aegis.h"
import "C"

import "runtime"

// PCRValues are PCR values supplied with a quote (C aegis_pcrs): unverified until VerifyQuote
// checks them against the signed selection and pcrDigest.
//
// Immutable, may be shared between goroutines; Close is idempotent, a finalizer is the backstop.
type PCRValues struct {
	p *C.aegis_pcrs
}

func (v *PCRValues) ptr() *C.aegis_pcrs {
	if v == nil {
		return nil
	}
	return v.p
}

// Close frees the values. Calling it again, or on nil, does nothing.
func (v *PCRValues) Close() {
	if v == nil || v.p == nil {
		return
	}
	C.aegis_pcrs_free(v.p)
	v.p = nil
	runtime.SetFinalizer(v, nil)
}

// ParsePCRs reads PCR values as a tpm2-tools PCR file (`tpm2_quote -o`) or as the JSON form
// ({"sha256": {"15": "<hex>"}}), told apart by content.
func ParsePCRs(data []byte) (*PCRValues, error) {
	buf, n := cbytes(data)
	var out *C.aegis_pcrs
	var cerr *C.aegis_error
	status := C.aegis_pcrs_parse(buf, n, &out, &cerr)
	runtime.KeepAlive(data)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	v := &PCRValues{p: out}
	runtime.SetFinalizer(v, (*PCRValues).Close)
	return v, nil
}

package aegis

import "unsafe"

// StatusMessage exposes aegis_status_str to the tests (test files cannot use cgo).
var StatusMessage = statusMessage

// LimitInlineRecords makes VerifyQuote offer C only n bytes for the PCR records (at most
// inlineRecords), so that larger selections take the second read, until restore is called.
func LimitInlineRecords(n int) (restore func()) {
	inlineLimit = min(n, inlineRecords)
	return func() { inlineLimit = inlineRecords }
}

// QuoteHandles are the C handles of ak, pcrs and policy (NULL for a nil policy), for the direct
// cgo baseline of the overhead benchmark (internal/cgodirect); the caller keeps the Go values
// alive while it uses them.
func QuoteHandles(ak *AttestationKey, pcrs *PCRValues, policy *QuotePolicy) (akp, pcrsp, policyp unsafe.Pointer) {
	return unsafe.Pointer(ak.ptr()), unsafe.Pointer(pcrs.ptr()), unsafe.Pointer(policy.ptr())
}

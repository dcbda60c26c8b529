package aegis

// This file's preamble declares aegisGoNetworkVerify, the //export below, so that its address
// can be handed to C: cgo allows only declarations in the preamble of a file with //export, and
// the declaration must sit in the file that names C.aegisGoNetworkVerify. It is the binding's
// only declaration of its own (STYLE.md: the cgo preamble in one file, cgo.go); no C is defined.

/*
#include <stdlib.h>
#include "aegis.h"
extern aegis_status aegisGoNetworkVerify(void *userdata, uint8_t *query, size_t n,
	aegis_network_verdict *verdict, uint64_t *located_at);
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/cgo"
	"time"
	"unsafe"
)

// NetworkVerdict is a network's answer to a location verification (CAMARA Device Location
// Verification verificationResult; C aegis_network_verdict).
type NetworkVerdict uint32

// The verdicts (C AEGIS_NETWORK_VERDICT_*).
const (
	// NetworkVerdictTrue: the device is in the area.
	NetworkVerdictTrue NetworkVerdict = C.AEGIS_NETWORK_VERDICT_TRUE
	// NetworkVerdictFalse: it is not.
	NetworkVerdictFalse NetworkVerdict = C.AEGIS_NETWORK_VERDICT_FALSE
	// NetworkVerdictPartial: the network's area and the circle only overlap (not verified).
	NetworkVerdictPartial NetworkVerdict = C.AEGIS_NETWORK_VERDICT_PARTIAL
	// NetworkVerdictUnknown: the network cannot tell.
	NetworkVerdictUnknown NetworkVerdict = C.AEGIS_NETWORK_VERDICT_UNKNOWN
)

// NetworkQuery is what the gateway asks the network: is the device (its sensor id and the
// identifiers the claims give, "" when absent) within RadiusM metres of the point?
type NetworkQuery struct {
	SensorID  string  `json:"sensor_id"`
	IMEI      string  `json:"imei,omitempty"`
	IMSI      string  `json:"imsi,omitempty"`
	MSISDN    string  `json:"msisdn,omitempty"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	RadiusM   uint32  `json:"radius_m"`
}

// NetworkVerifyFunc calls the operator's Device Location Verification: the verdict and when the
// network located the device. An error (or a panic) makes the network unavailable and the
// gateway deny (ErrGatewayNetworkVerifierUnavailable).
type NetworkVerifyFunc func(NetworkQuery) (NetworkVerdict, time.Time, error)

// NetworkVerifier is a network location verifier for GatewayCheck (C aegis_network_verifier):
// the caller's function behind a cache. A NetworkVerdictTrue or NetworkVerdictFalse answer is
// reused for the same query for the cache TTL of the decision time; the function may be called
// from any goroutine calling GatewayCheck, concurrently.
//
// May be shared between goroutines; Close is idempotent (and must not run during a GatewayCheck
// using the verifier), a finalizer is the backstop.
type NetworkVerifier struct {
	p *C.aegis_network_verifier
	h cgo.Handle
	// userdata: C memory holding h, handed to C (a Go pointer may not be kept by C).
	userdata *C.uintptr_t
}

func (v *NetworkVerifier) ptr() *C.aegis_network_verifier {
	if v == nil {
		return nil
	}
	return v.p
}

// NewNetworkVerifier makes a verifier calling verify, with answers cached for cacheTTL (15
// minutes is the PoC's; 0 disables the cache; whole seconds) (C aegis_network_verifier_new).
func NewNetworkVerifier(verify NetworkVerifyFunc, cacheTTL time.Duration) (*NetworkVerifier, error) {
	if verify == nil {
		return nil, check(C.AEGIS_NULL_POINTER, nil)
	}
	if cacheTTL < 0 {
		return nil, check(C.AEGIS_INVALID_ARGUMENT, nil)
	}
	h := cgo.NewHandle(verify)
	userdata := (*C.uintptr_t)(C.malloc(C.size_t(unsafe.Sizeof(C.uintptr_t(0)))))
	*userdata = C.uintptr_t(h)
	var out *C.aegis_network_verifier
	callback := C.aegis_network_verifier_callback(C.aegisGoNetworkVerify)
	status := C.aegis_network_verifier_new(callback, unsafe.Pointer(userdata), C.uint64_t(cacheTTL/time.Second), &out)
	if err := check(status, nil); err != nil {
		C.free(unsafe.Pointer(userdata))
		h.Delete()
		return nil, err
	}
	v := &NetworkVerifier{p: out, h: h, userdata: userdata}
	runtime.SetFinalizer(v, (*NetworkVerifier).Close)
	return v, nil
}

// Close frees the verifier; its function is no longer called. Calling it again, or on nil, does
// nothing.
func (v *NetworkVerifier) Close() {
	if v == nil || v.p == nil {
		return
	}
	C.aegis_network_verifier_free(v.p)
	v.p = nil
	v.h.Delete()
	C.free(unsafe.Pointer(v.userdata))
	v.userdata = nil
	runtime.SetFinalizer(v, nil)
}

// aegisGoNetworkVerify is the C callback of every NetworkVerifier: userdata holds the handle of
// its NetworkVerifyFunc. An error, a panic or a verdict out of range answers
// AEGIS_GATEWAY_NETWORK_VERIFIER_UNAVAILABLE (a panic never unwinds into C).
//
//export aegisGoNetworkVerify
func aegisGoNetworkVerify(userdata unsafe.Pointer, query *C.uint8_t, n C.size_t, verdict *C.aegis_network_verdict, locatedAt *C.uint64_t) (status C.aegis_status) {
	status = C.AEGIS_GATEWAY_NETWORK_VERIFIER_UNAVAILABLE
	defer func() {
		if recover() != nil {
			status = C.AEGIS_GATEWAY_NETWORK_VERIFIER_UNAVAILABLE
		}
	}()
	verify, ok := cgo.Handle(*(*C.uintptr_t)(userdata)).Value().(NetworkVerifyFunc)
	if !ok {
		return status
	}
	var q NetworkQuery
	if err := json.Unmarshal(gobytes(query, n), &q); err != nil {
		return status
	}
	v, at, err := verify(q)
	if err != nil || at.Unix() < 0 {
		return status
	}
	*verdict = C.aegis_network_verdict(v)
	*locatedAt = C.uint64_t(at.Unix())
	return C.AEGIS_OK
}

// String is the verdict's CAMARA name: "true", "false", "partial" or "unknown".
func (v NetworkVerdict) String() string {
	switch v {
	case NetworkVerdictTrue:
		return "true"
	case NetworkVerdictFalse:
		return "false"
	case NetworkVerdictPartial:
		return "partial"
	case NetworkVerdictUnknown:
		return "unknown"
	}
	return fmt.Sprintf("NetworkVerdict(%d)", uint32(v))
}

package aegis

// #include "aegis.h"
import "C"

import (
	"encoding/json"
	"runtime"
	"time"
)

// The X.509-SVID extensions' OIDs (FORMATS.md): AttestedClaims, and CMW (id-pe-cmw).
// Their values are aegis.h's AEGIS_OID_ATTESTED_CLAIMS and AEGIS_OID_CMW.
const (
	OIDAttestedClaims = "1.3.6.1.4.1.55744.1.1"
	OIDCMW            = "1.3.6.1.5.5.7.1.35"
)

// Extension is one X.509 extension for a SPIRE CredentialComposer: its OID, its DER extnValue
// and its critical flag (always false for Aegis's extensions).
type Extension struct {
	OID      string
	Value    []byte
	Critical bool
}

// AttestedClaimsExtension makes the AttestedClaims extension (a DER UTF8String) for one JSON
// object (the grc.* claims, docs/gateway.md; at most 32 KiB, no duplicate members) (C
// aegis_attested_claims_extension_make).
func AttestedClaimsExtension(claimsJSON []byte) (Extension, error) {
	b, n := cbytes(claimsJSON)
	var out *C.aegis_bytes
	var cerr *C.aegis_error
	status := C.aegis_attested_claims_extension_make(b, n, &out, &cerr)
	runtime.KeepAlive(claimsJSON)
	if err := check(status, cerr); err != nil {
		return Extension{}, err
	}
	return Extension{OID: OIDAttestedClaims, Value: takeBytes(out)}, nil
}

// CMWExtension makes the CMW extension carrying a signed EAR (a JWT when cwt is false, else a
// CWT), labelled with dialect's profile (C aegis_cmw_extension_make).
func CMWExtension(token []byte, cwt bool, dialect EARDialect) (Extension, error) {
	b, n := cbytes(token)
	form := C.aegis_ear_form(C.AEGIS_EAR_FORM_JWT)
	if cwt {
		form = C.AEGIS_EAR_FORM_CWT
	}
	var out *C.aegis_bytes
	var cerr *C.aegis_error
	status := C.aegis_cmw_extension_make(b, n, form, C.aegis_ear_dialect(dialect), &out, &cerr)
	runtime.KeepAlive(token)
	if err := check(status, cerr); err != nil {
		return Extension{}, err
	}
	return Extension{OID: OIDCMW, Value: takeBytes(out)}, nil
}

// SVIDEAR is the EAR an SVID carries in its CMW extension, not verified (VerifyEAR does).
type SVIDEAR struct {
	Choice    string `json:"choice"`
	Format    string `json:"format"`
	MediaType string `json:"media_type"`
	// Token is a JWT's text; TokenBase64 a CWT's bytes in base64.
	Token       string `json:"token,omitempty"`
	TokenBase64 string `json:"token_base64,omitempty"`
}

// VerifiedSVID is an X.509-SVID that passed VerifySVID.
type VerifiedSVID struct {
	SPIFFEID    string `json:"spiffe_id"`
	TrustDomain string `json:"trust_domain"`
	Path        string `json:"path"`
	PathLen     int    `json:"path_len"`
	// AttestedClaims is the leaf's AttestedClaims JSON object, nil when absent.
	AttestedClaims json.RawMessage `json:"attested_claims"`
	// EAR is the leaf's CMW-wrapped EAR, nil when absent.
	EAR *SVIDEAR `json:"ear"`
}

// VerifySVID verifies the X.509-SVID chain chainPEM (leaf first) against the trust bundle
// bundlePEM at now, per the SPIFFE X509-SVID specification; trustDomain ("" for any the bundle
// signs for) restricts the leaf's trust domain (C aegis_svid_verify). A failed check is its
// *Error (ErrSvidExpired, ErrSvidUntrusted, ...).
func VerifySVID(chainPEM, bundlePEM []byte, trustDomain string, now time.Time) (*VerifiedSVID, error) {
	cb, cn := cbytes(chainPEM)
	bb, bn := cbytes(bundlePEM)
	tdb := []byte(trustDomain)
	tb, tn := cbytes(tdb)
	var out *C.aegis_string
	var cerr *C.aegis_error
	status := C.aegis_svid_verify(cb, cn, bb, bn, tb, tn, unixSeconds(now), &out, &cerr)
	runtime.KeepAlive(chainPEM)
	runtime.KeepAlive(bundlePEM)
	runtime.KeepAlive(tdb)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	var v VerifiedSVID
	if err := json.Unmarshal([]byte(takeString(out)), &v); err != nil {
		return nil, err
	}
	if string(v.AttestedClaims) == "null" {
		v.AttestedClaims = nil
	}
	return &v, nil
}

// GatewayReason is one check of a GatewayDecision (docs/gateway.md): its name, "passed",
// "skipped" or "denied", what it found, and for a denial the error's code and name.
type GatewayReason struct {
	Check   string `json:"check"`
	Outcome string `json:"outcome"`
	Message string `json:"message"`
	Code    int    `json:"code,omitempty"`
	Name    string `json:"name,omitempty"`
}

// GatewayDecision is a gateway's decision on a client's SVID chain: allowed or not, every
// reason, and the headers to forward.
type GatewayDecision struct {
	Verdict string            `json:"verdict"`
	Reasons []GatewayReason   `json:"reasons"`
	Headers map[string]string `json:"headers"`
	// Allowed is Verdict == "allow".
	Allowed bool `json:"-"`
}

// GatewayCheck decides on a client's X.509-SVID chain (PEM, leaf first) as a gateway would:
// the chain verified against bundlePEM, its attested claims and CMW-wrapped EAR checked against
// the verifier's earKey and the gateway policy policyJSON at now (C aegis_gateway_check). A
// mobile reading is accepted only when network verifies it (nil: none, a mobile reading is
// denied with ErrGatewayNetworkVerifierMissing); network's function is called on this goroutine
// unless its cache answers. A denial is a decision, not an error; an invalid policy is
// ErrGatewayPolicyInvalid.
func GatewayCheck(chainPEM, bundlePEM, policyJSON []byte, earKey *PublicKey, now time.Time, network *NetworkVerifier) (*GatewayDecision, error) {
	cb, cn := cbytes(chainPEM)
	bb, bn := cbytes(bundlePEM)
	pb, pn := cbytes(policyJSON)
	var out *C.aegis_string
	var allowed C.bool
	var cerr *C.aegis_error
	status := C.aegis_gateway_check(cb, cn, bb, bn, pb, pn, earKey.ptr(), network.ptr(), unixSeconds(now), &out, &allowed, &cerr)
	runtime.KeepAlive(chainPEM)
	runtime.KeepAlive(bundlePEM)
	runtime.KeepAlive(policyJSON)
	runtime.KeepAlive(earKey)
	runtime.KeepAlive(network)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	var d GatewayDecision
	if err := json.Unmarshal([]byte(takeString(out)), &d); err != nil {
		return nil, err
	}
	d.Allowed = bool(allowed)
	return &d, nil
}

// takeBytes copies and frees an aegis_bytes.
func takeBytes(b *C.aegis_bytes) []byte {
	if b == nil {
		return nil
	}
	defer C.aegis_bytes_free(b)
	return gobytes(C.aegis_bytes_ptr(b), C.aegis_bytes_len(b))
}

package aegis

// #include "aegis.h"
import "C"

import (
	"runtime"
	"time"
)

// EvidenceBundle is what an attester sends for one attestation (docs/evidence-bundle.md; C
// aegis_evidence_bundle). Immutable: may be shared between goroutines. Close frees it; it is
// idempotent, and a finalizer calls it as a backstop.
type EvidenceBundle struct {
	p *C.aegis_evidence_bundle
}

// ParseEvidenceBundle reads a bundle from its JSON form. Only the transport is decoded (base64,
// hex, PCR values); the TPM structures inside are parsed by the checks of AppraiseBundle. A
// bundle that does not decode is ErrEvidenceBundleInvalid, whose message names the member at
// fault ("$.quote.attest: not base64 ...").
func ParseEvidenceBundle(json []byte) (*EvidenceBundle, error) {
	buf, n := cbytes(json)
	var p *C.aegis_evidence_bundle
	var cerr *C.aegis_error
	status := C.aegis_evidence_bundle_from_json(buf, n, &p, &cerr)
	runtime.KeepAlive(json)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	b := &EvidenceBundle{p: p}
	runtime.SetFinalizer(b, (*EvidenceBundle).Close)
	return b, nil
}

func (b *EvidenceBundle) ptr() *C.aegis_evidence_bundle {
	if b == nil {
		return nil
	}
	return b.p
}

// Close frees the bundle. Calling it again, or on nil, does nothing.
func (b *EvidenceBundle) Close() {
	if b == nil || b.p == nil {
		return
	}
	C.aegis_evidence_bundle_free(b.p)
	b.p = nil
	runtime.SetFinalizer(b, nil)
}

// EnrolmentRecord is the verifier's record of an AK's binding to an EK after credential
// activation (docs/evidence-bundle.md; C aegis_enrolment_record): the verifier's own state, never
// one an attester sent. Immutable: may be shared between goroutines. Close frees it; it is
// idempotent, and a finalizer calls it as a backstop.
type EnrolmentRecord struct {
	p *C.aegis_enrolment_record
}

// ParseEnrolmentRecord reads a record from its JSON form ({"version": 1, "ak_name",
// "ek_public"}).
func ParseEnrolmentRecord(json []byte) (*EnrolmentRecord, error) {
	buf, n := cbytes(json)
	var p *C.aegis_enrolment_record
	var cerr *C.aegis_error
	status := C.aegis_enrolment_record_from_json(buf, n, &p, &cerr)
	runtime.KeepAlive(json)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	r := &EnrolmentRecord{p: p}
	runtime.SetFinalizer(r, (*EnrolmentRecord).Close)
	return r, nil
}

func (r *EnrolmentRecord) ptr() *C.aegis_enrolment_record {
	if r == nil {
		return nil
	}
	return r.p
}

// Close frees the record. Calling it again, or on nil, does nothing.
func (r *EnrolmentRecord) Close() {
	if r == nil || r.p == nil {
		return
	}
	C.aegis_enrolment_record_free(r.p)
	r.p = nil
	runtime.SetFinalizer(r, nil)
}

// BundleOptions are the verifier's inputs of AppraiseBundle besides the bundle.
type BundleOptions struct {
	// Nonce is the nonce this verifier issued (the bundle must carry it).
	Nonce []byte
	// EKRoots are the manufacturer CAs trusted for the EK certificate; nil for none.
	EKRoots *EKTrustStore
	// Enrolment is the AK's enrolment record; nil binds the AK to no EK ("ak-binding" fails
	// with ErrAkBindingMismatch).
	Enrolment *EnrolmentRecord
	// GeofenceJSON is the geofence policy with its PCR reference values
	// (docs/geofence-policy.md); nil appraises neither.
	GeofenceJSON []byte
	// Policy is the quote, certify and location PCR policy; nil for the default (the location
	// log against SHA-256 PCR 15).
	Policy *AppraisalPolicy
	// Time is the time of the appraisal; the zero value is now.
	Time time.Time
	// NetworkVerified says the mobile network verified the reading's location (CAMARA).
	NetworkVerified bool
	// NoEKCertificate accepts a platform without an EK certificate (by default one chained to
	// EKRoots is required).
	NoEKCertificate bool
}

// SubmodStatus is one submod of a result and its status.
type SubmodStatus struct {
	Name   string // "platform", "workload-key" or "location"
	Status string // "affirming", "warning", "contraindicated" or "none"
}

// CheckFailure is one failed check of a result.
type CheckFailure struct {
	Submod string // the submod that records it
	Check  string // "quote", "ek-certificate", "geofence", ...
	Err    error  // an *Error: its code and name, and the reason as its message
}

// AttestationResult is the result of AppraiseBundle (C aegis_attestation_result), read into Go
// values.
type AttestationResult struct {
	p        *C.aegis_attestation_result // kept for SignJWT and SignCWT; freed by Close
	status   string
	submods  []SubmodStatus
	failures []CheckFailure
	country  string
	json     string
}

// Status is the worst submod status: "affirming", "warning", "contraindicated" or "none" (AR4SI
// tiers).
func (r *AttestationResult) Status() string { return r.status }

// Submods are the submods with their statuses, in order (platform, workload-key, location).
func (r *AttestationResult) Submods() []SubmodStatus {
	return append([]SubmodStatus(nil), r.submods...)
}

// Failures are the failed checks of every submod, in submod and check order.
func (r *AttestationResult) Failures() []CheckFailure {
	return append([]CheckFailure(nil), r.failures...)
}

// Country is the country of the location reading (ISO 3166-1 alpha-2, the location submod's
// geoAR claim) when the verified reading lies wholly in one country; "" otherwise.
func (r *AttestationResult) Country() string { return r.country }

// JSON is the result as `aegis appraise` prints it without the token: {"status", "submods"}
// with each submod in its EAR form (status, trust vector, geoAR claims, and every check with its
// outcome, code and reason in ear_verifier_claims.checks).
func (r *AttestationResult) JSON() string { return r.json }

// AppraiseBundle appraises one evidence bundle into an attestation result
// (docs/evidence-bundle.md): the AK binding, the EK certificate, the quote, the PCR reference
// values, the App Key's certification, the location log, the jurisdiction and the geofence, every
// check recorded in its submod instead of stopping at the first failure. The error is for
// evidence that cannot be used at all (ErrEvidenceNonceMismatch, an AK public area that does
// not parse), an invalid geofence policy, or a nil or closed argument; a failed check is in the
// result.
func AppraiseBundle(bundle *EvidenceBundle, opts BundleOptions) (*AttestationResult, error) {
	if opts.EKRoots != nil && opts.EKRoots.ptr() == nil {
		return nil, closedError("the EK trust store")
	}
	if opts.Enrolment != nil && opts.Enrolment.ptr() == nil {
		return nil, closedError("the enrolment record")
	}
	if opts.Policy != nil && opts.Policy.ptr() == nil {
		return nil, closedError("the appraisal policy")
	}
	var fence *C.aegis_geofence_policy
	if opts.GeofenceJSON != nil {
		buf, n := cbytes(opts.GeofenceJSON)
		var cerr *C.aegis_error
		status := C.aegis_geofence_policy_from_json(buf, n, &fence, &cerr)
		runtime.KeepAlive(opts.GeofenceJSON)
		if err := check(status, cerr); err != nil {
			return nil, err
		}
		defer C.aegis_geofence_policy_free(fence)
	}
	now := opts.Time
	if now.IsZero() {
		now = time.Now()
	}
	nonce, nonceLen := cbytes(opts.Nonce)
	var out *C.aegis_attestation_result
	var cerr *C.aegis_error
	status := C.aegis_bundle_appraise(bundle.ptr(), opts.EKRoots.ptr(), opts.Enrolment.ptr(), fence,
		opts.Policy.ptr(), nonce, nonceLen, C.uint64_t(now.Unix()), C.bool(opts.NetworkVerified),
		C.bool(!opts.NoEKCertificate), &out, &cerr)
	runtime.KeepAlive(bundle)
	runtime.KeepAlive(opts.EKRoots)
	runtime.KeepAlive(opts.Enrolment)
	runtime.KeepAlive(opts.Policy)
	runtime.KeepAlive(opts.Nonce)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	r := &AttestationResult{
		p:       out,
		status:  C.GoString(C.aegis_attestation_result_status(out)),
		country: C.GoString(C.aegis_attestation_result_country(out)),
		json:    C.GoString(C.aegis_attestation_result_json(out)),
	}
	for i := C.size_t(0); i < C.aegis_attestation_result_submod_count(out); i++ {
		r.submods = append(r.submods, SubmodStatus{
			Name:   C.GoString(C.aegis_attestation_result_submod_name(out, i)),
			Status: C.GoString(C.aegis_attestation_result_submod_status(out, i)),
		})
	}
	for i := C.size_t(0); i < C.aegis_attestation_result_failure_count(out); i++ {
		var submod, check *C.char
		var code C.aegis_status
		if C.aegis_attestation_result_failure(out, i, &submod, &check, &code) != C.AEGIS_OK {
			continue
		}
		r.failures = append(r.failures, CheckFailure{
			Submod: C.GoString(submod),
			Check:  C.GoString(check),
			Err:    newError(uint32(code), "", C.GoString(C.aegis_attestation_result_failure_reason(out, i))),
		})
	}
	runtime.SetFinalizer(r, (*AttestationResult).Close)
	return r, nil
}

// Close frees the C result behind r (the accessors keep working; SignJWT and SignCWT return
// an error after it). Safe to call more than once; a finalizer calls it too.
func (r *AttestationResult) Close() {
	if r == nil || r.p == nil {
		return
	}
	C.aegis_attestation_result_free(r.p)
	r.p = nil
	runtime.SetFinalizer(r, nil)
}

// SignJWT signs the result as an EAR issued by Aegis at iat and valid until exp (whole seconds),
// with the appraisal nonce, as a JWT in dialect: ES256, ES384 or PS256 by the key, as `aegis
// appraise` signs it (C aegis_attestation_result_sign_jwt). ErrInvalidArgument when exp is not
// after iat.
func (r *AttestationResult) SignJWT(key *PrivateKey, iat, exp time.Time, dialect EARDialect) (string, error) {
	if r == nil || r.p == nil {
		return "", closedError("the attestation result")
	}
	var out *C.aegis_string
	var cerr *C.aegis_error
	status := C.aegis_attestation_result_sign_jwt(r.p, key.ptr(), unixSeconds(iat), unixSeconds(exp),
		C.aegis_ear_dialect(dialect), &out, &cerr)
	runtime.KeepAlive(r)
	runtime.KeepAlive(key)
	if err := check(status, cerr); err != nil {
		return "", err
	}
	defer C.aegis_string_free(out)
	return C.GoStringN(C.aegis_string_ptr(out), C.int(C.aegis_string_len(out))), nil
}

// SignCWT signs the result as an EAR as SignJWT does, as a CWT (tagged COSE_Sign1,
// deterministic CBOR; C aegis_attestation_result_sign_cwt).
func (r *AttestationResult) SignCWT(key *PrivateKey, iat, exp time.Time, dialect EARDialect) ([]byte, error) {
	if r == nil || r.p == nil {
		return nil, closedError("the attestation result")
	}
	var out *C.aegis_bytes
	var cerr *C.aegis_error
	status := C.aegis_attestation_result_sign_cwt(r.p, key.ptr(), unixSeconds(iat), unixSeconds(exp),
		C.aegis_ear_dialect(dialect), &out, &cerr)
	runtime.KeepAlive(r)
	runtime.KeepAlive(key)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_bytes_free(out)
	return gobytes(C.aegis_bytes_ptr(out), C.aegis_bytes_len(out)), nil
}

// AttestedClaims is the AttestedClaims document for the result: the grc.* JSON a
// CredentialComposer puts into an agent's SVID (docs/gateway.md; C
// aegis_attestation_result_attested_claims). readingJSON, when not nil, is the appraised location
// event (the last event of the bundle's location log): it adds the IMEI, IMSI and MSISDN the
// result leaves out, and must be the reading the result attests (ErrInvalidArgument otherwise).
func (r *AttestationResult) AttestedClaims(readingJSON []byte) ([]byte, error) {
	if r == nil || r.p == nil {
		return nil, closedError("the attestation result")
	}
	buf, n := cbytes(readingJSON)
	var out *C.aegis_string
	var cerr *C.aegis_error
	status := C.aegis_attestation_result_attested_claims(r.p, buf, n, &out, &cerr)
	runtime.KeepAlive(r)
	runtime.KeepAlive(readingJSON)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_string_free(out)
	return []byte(C.GoStringN(C.aegis_string_ptr(out), C.int(C.aegis_string_len(out)))), nil
}

// unixSeconds is t as whole seconds since the epoch; times before 1970 become 0.
func unixSeconds(t time.Time) C.uint64_t {
	if t.Unix() < 0 {
		return 0
	}
	return C.uint64_t(t.Unix())
}

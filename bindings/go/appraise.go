package aegis

// #include "aegis.h"
import "C"

import (
	"runtime"
	"unsafe"
)

// Check is a check of an appraisal (C AEGIS_CHECK_*); String gives its stable name.
type Check uint32

// The checks, in the order they run.
const (
	// CheckAKBinding ("ak-binding"): the AK that signed is the one credential activation bound
	// to the EK (VERIFIER-CHECKS.md item 14).
	CheckAKBinding Check = C.AEGIS_CHECK_AK_BINDING
	// CheckAppKeyCertification ("app-key-certification"): TPM2_Certify of the App Key by the AK.
	CheckAppKeyCertification Check = C.AEGIS_CHECK_APP_KEY_CERTIFICATION
	// CheckQuote ("quote"): TPM2_Quote by the AK.
	CheckQuote Check = C.AEGIS_CHECK_QUOTE
	// CheckLocationLog ("location-log"): the location event log against the quoted PCR.
	CheckLocationLog Check = C.AEGIS_CHECK_LOCATION_LOG
	// CheckAppKeyPossession ("app-key-possession"): a signature by the certified App Key.
	CheckAppKeyPossession Check = C.AEGIS_CHECK_APP_KEY_POSSESSION
)

// String is the check's stable name ("ak-binding", "quote", ...), "" for an unknown value.
func (c Check) String() string {
	return C.GoString(C.aegis_check_name(C.aegis_check(c)))
}

// Outcome is how a check ended (C AEGIS_OUTCOME_*).
type Outcome uint32

// Outcomes.
const (
	OutcomePassed  Outcome = C.AEGIS_OUTCOME_PASSED
	OutcomeFailed  Outcome = C.AEGIS_OUTCOME_FAILED
	OutcomeSkipped Outcome = C.AEGIS_OUTCOME_SKIPPED
)

// String is "passed", "failed" or "skipped".
func (o Outcome) String() string {
	switch o {
	case OutcomePassed:
		return "passed"
	case OutcomeFailed:
		return "failed"
	case OutcomeSkipped:
		return "skipped"
	}
	return "unknown"
}

// PossessionProof is a message and the App Key's signature over it (a DPoR/DPoG proof).
type PossessionProof struct {
	Message   []byte
	Scheme    SignatureScheme
	Signature []byte
	Format    SignatureFormat
}

// Evidence is what the attester sent for one attestation, as received (C aegis_evidence).
type Evidence struct {
	AppKey           []byte // the App Key's TPM2B_PUBLIC
	CertifyAttest    []byte // TPMS_ATTEST of TPM2_Certify(App Key, AK)
	CertifySignature []byte // its TPMT_SIGNATURE
	QuoteAttest      []byte // TPMS_ATTEST of TPM2_Quote by the AK
	QuoteSignature   []byte // its TPMT_SIGNATURE
	PCRs             *PCRValues
	LocationLog      []byte           // nil: no location evidence
	Possession       *PossessionProof // nil: no possession proof
}

// Nonces are the nonces this verifier issued for the certification and the quote (they may be
// equal).
type Nonces struct {
	Certify, Quote []byte
}

// AppraisalPolicy is what Appraise requires (C aegis_appraisal_policy): hash allow-list
// (SHA-256/384/512; AllowSHA1), PCRs the quote must cover, and the location PCR (PCR 15 of
// SHA-256 by default; NoLocation appraises none). Setting it is not safe for concurrent use;
// once set it may be shared. Close is idempotent, a finalizer is the backstop.
type AppraisalPolicy struct {
	p *C.aegis_appraisal_policy
}

// NewAppraisalPolicy is the default policy.
func NewAppraisalPolicy() *AppraisalPolicy {
	var p *C.aegis_appraisal_policy
	if C.aegis_appraisal_policy_new(&p) != C.AEGIS_OK {
		panic("aegis: aegis_appraisal_policy_new failed") // only on a NULL out-pointer or OOM
	}
	q := &AppraisalPolicy{p: p}
	runtime.SetFinalizer(q, (*AppraisalPolicy).Close)
	return q
}

func (q *AppraisalPolicy) ptr() *C.aegis_appraisal_policy {
	if q == nil {
		return nil
	}
	return q.p
}

// Close frees the policy. Calling it again, or on nil, does nothing.
func (q *AppraisalPolicy) Close() {
	if q == nil || q.p == nil {
		return
	}
	C.aegis_appraisal_policy_free(q.p)
	q.p = nil
	runtime.SetFinalizer(q, nil)
}

// AllowSHA1 accepts SHA-1 (signatures, PCR banks, key nameAlgs) when allow is true.
func (q *AppraisalPolicy) AllowSHA1(allow bool) error {
	status := C.aegis_appraisal_policy_allow_sha1(q.ptr(), C.bool(allow))
	runtime.KeepAlive(q)
	return check(status, nil)
}

// RequirePCR requires the quote's signed selection to cover PCR index of bank.
func (q *AppraisalPolicy) RequirePCR(bank HashAlg, index uint8) error {
	var cerr *C.aegis_error
	status := C.aegis_appraisal_policy_require_pcr(q.ptr(), C.uint16_t(bank), C.uint8_t(index), &cerr)
	runtime.KeepAlive(q)
	return check(status, cerr)
}

// SetLocationPCR appraises the location log against PCR index of bank.
func (q *AppraisalPolicy) SetLocationPCR(bank HashAlg, index uint8) error {
	var cerr *C.aegis_error
	status := C.aegis_appraisal_policy_set_location_pcr(q.ptr(), C.uint16_t(bank), C.uint8_t(index), &cerr)
	runtime.KeepAlive(q)
	return check(status, cerr)
}

// NoLocation appraises no location (no "location-log" check).
func (q *AppraisalPolicy) NoLocation() error {
	status := C.aegis_appraisal_policy_no_location(q.ptr())
	runtime.KeepAlive(q)
	return check(status, nil)
}

// CheckOutcome is one check of an appraisal and how it ended: Err is the *Error of a failed
// check (nil otherwise), Reason why it did not pass (the error's message, or why it was skipped).
type CheckOutcome struct {
	Check   Check
	Outcome Outcome
	Err     error
	Reason  string
}

// Appraisal is the result of Appraise, copied into Go memory (nothing to Close).
type Appraisal struct {
	passed                      bool
	outcomes                    []CheckOutcome
	established, notEstablished []string
	quote                       *VerifiedQuote
	certification               *VerifiedCertification
	location                    *VerifiedLocation
}

// VerifiedLocation is the location log as the location check verified it (C
// aegis_verified_location; VERIFIER-CHECKS.md item 16, FORMATS.md): how many events were
// replayed into which PCR, and the current event (the last one, bound to this attestation's
// quote nonce). Copied into Go memory (nothing to Close).
type VerifiedLocation struct {
	eventCount                    int
	bank                          HashAlg
	index                         uint8
	currentJSON                   string
	latitude, longitude, accuracy float64
}

// EventCount is how many location events the log held (all replayed into the PCR; the last is
// the current one).
func (l *VerifiedLocation) EventCount() int { return l.eventCount }

// PCR is the bank and index of the PCR the log was replayed into (SHA256, 15 by default).
func (l *VerifiedLocation) PCR() (HashAlg, uint8) { return l.bank, l.index }

// CurrentJSON is the current event as its canonical JSON (RFC 8785): exactly the text hashed
// with the nonce and extended into the PCR, what the TPM measured. Parse it for the other
// fields (sensor, time, quality, altitude, mobile ids).
func (l *VerifiedLocation) CurrentJSON() string { return l.currentJSON }

// Latitude is the current event's latitude in degrees (WGS 84).
func (l *VerifiedLocation) Latitude() float64 { return l.latitude }

// Longitude is the current event's longitude in degrees (WGS 84).
func (l *VerifiedLocation) Longitude() float64 { return l.longitude }

// AccuracyM is the current event's claimed accuracy radius in metres.
func (l *VerifiedLocation) AccuracyM() float64 { return l.accuracy }

func verifiedLocationFrom(l *C.aegis_verified_location) *VerifiedLocation {
	return &VerifiedLocation{
		eventCount:  int(C.aegis_verified_location_event_count(l)),
		bank:        HashAlg(C.aegis_verified_location_pcr_bank(l)),
		index:       uint8(C.aegis_verified_location_pcr_index(l)),
		currentJSON: C.GoString(C.aegis_verified_location_current_json(l)),
		latitude:    float64(C.aegis_verified_location_latitude(l)),
		longitude:   float64(C.aegis_verified_location_longitude(l)),
		accuracy:    float64(C.aegis_verified_location_accuracy_m(l)),
	}
}

// Established is what the passed checks establish, one sentence each for people (the EK
// certificate first when the AK's binding has a verified one); a copy. Not stable text: decide
// on Outcomes.
func (a *Appraisal) Established() []string { return append([]string(nil), a.established...) }

// NotEstablished is what this appraisal does not establish: the failed and skipped checks, and
// what no check covers yet, one sentence each for people; a copy.
func (a *Appraisal) NotEstablished() []string { return append([]string(nil), a.notEstablished...) }

// Quote is the verified quote when the quote check passed, else nil.
func (a *Appraisal) Quote() *VerifiedQuote { return a.quote }

// Certification is the verified certification when the App Key certification check passed,
// else nil.
func (a *Appraisal) Certification() *VerifiedCertification { return a.certification }

// Location is the verified location when the location check passed, else nil.
func (a *Appraisal) Location() *VerifiedLocation { return a.location }

// Passed is whether every check ran and passed.
func (a *Appraisal) Passed() bool { return a.passed }

// Outcomes is every check with its outcome, in the order they ran (a copy).
func (a *Appraisal) Outcomes() []CheckOutcome { return append([]CheckOutcome(nil), a.outcomes...) }

// pinned is a C view of b whose Go memory stays pinned until the pinner is unpinned, so that it
// may be stored in the C struct passed to C (cgo: Go memory passed to C may hold pinned Go
// pointers only).
func pinned(p *runtime.Pinner, b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	p.Pin(&b[0])
	return (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// present is pinned for an optional part: a non-NULL pointer even for an empty slice, since
// C reads a NULL pointer as "absent".
func present(p *runtime.Pinner, b []byte, room *[1]C.uint8_t) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return &room[0], 0
	}
	return pinned(p, b)
}

// Appraise appraises one attestation: the AK binding (binding nil: that check fails with code
// 7005, AkBindingMismatch), the App Key's certification, the quote, the location log and the
// App Key possession proof, each check's outcome collected instead of stopping at the first
// failure. policy nil is the default policy. The error is for unusable arguments only (nil ak,
// evidence or PCRs, an unknown possession scheme); a failed check is an outcome.
func Appraise(ak *AttestationKey, binding *AKBinding, evidence *Evidence, nonces Nonces, policy *AppraisalPolicy) (*Appraisal, error) {
	if evidence == nil {
		return nil, newError(ErrNullPointer.code, "", "evidence is nil")
	}
	if policy != nil && policy.ptr() == nil {
		return nil, closedError("the appraisal policy")
	}
	var pin runtime.Pinner
	defer pin.Unpin()
	// Room for the optional parts' empty-but-present pointers. ev itself is Go memory holding
	// only pinned Go pointers (and C pointers), which the cgo rules allow passing to C.
	rooms := new([2][1]C.uint8_t)
	pin.Pin(rooms)
	var ev C.aegis_evidence
	ev.app_key, ev.app_key_len = pinned(&pin, evidence.AppKey)
	ev.certify_attest, ev.certify_attest_len = pinned(&pin, evidence.CertifyAttest)
	ev.certify_signature, ev.certify_signature_len = pinned(&pin, evidence.CertifySignature)
	ev.quote_attest, ev.quote_attest_len = pinned(&pin, evidence.QuoteAttest)
	ev.quote_signature, ev.quote_signature_len = pinned(&pin, evidence.QuoteSignature)
	ev.pcrs = evidence.PCRs.ptr()
	if evidence.LocationLog != nil {
		ev.location_log, ev.location_log_len = present(&pin, evidence.LocationLog, &rooms[0])
	}
	if pp := evidence.Possession; pp != nil {
		msg := pp.Message
		if msg == nil {
			msg = []byte{}
		}
		ev.possession_message, ev.possession_message_len = present(&pin, msg, &rooms[1])
		ev.possession_signature, ev.possession_signature_len = pinned(&pin, pp.Signature)
		ev.possession_scheme_alg = C.uint16_t(pp.Scheme.Alg)
		ev.possession_hash_alg = C.uint16_t(pp.Scheme.Hash)
		ev.possession_format = C.aegis_signature_format(pp.Format)
	}
	cn, cnl := cbytes(nonces.Certify)
	qn, qnl := cbytes(nonces.Quote)
	var out *C.aegis_appraisal
	var cerr *C.aegis_error
	status := C.aegis_appraise(ak.ptr(), binding.ptr(), &ev, cn, cnl, qn, qnl, policy.ptr(), &out, &cerr)
	runtime.KeepAlive(ak)
	runtime.KeepAlive(binding)
	runtime.KeepAlive(evidence)
	runtime.KeepAlive(nonces)
	runtime.KeepAlive(policy)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_appraisal_free(out)
	a := &Appraisal{passed: bool(C.aegis_appraisal_passed(out))}
	count := int(C.aegis_appraisal_check_count(out))
	for i := 0; i < count; i++ {
		var c C.aegis_check
		var o C.aegis_outcome
		var s C.aegis_status
		if C.aegis_appraisal_check(out, C.size_t(i), &c, &o, &s) != C.AEGIS_OK {
			continue
		}
		co := CheckOutcome{
			Check:   Check(c),
			Outcome: Outcome(o),
			Reason:  C.GoString(C.aegis_appraisal_check_reason(out, C.size_t(i))),
		}
		if co.Outcome == OutcomeFailed {
			co.Err = newError(uint32(s), "", co.Reason)
		}
		a.outcomes = append(a.outcomes, co)
	}
	for i := 0; i < int(C.aegis_appraisal_established_count(out)); i++ {
		a.established = append(a.established, C.GoString(C.aegis_appraisal_established_at(out, C.size_t(i))))
	}
	for i := 0; i < int(C.aegis_appraisal_not_established_count(out)); i++ {
		a.notEstablished = append(a.notEstablished, C.GoString(C.aegis_appraisal_not_established_at(out, C.size_t(i))))
	}
	var err error
	if vq := C.aegis_appraisal_quote(out); vq != nil {
		if a.quote, err = verifiedQuoteFrom(vq); err != nil {
			return nil, err
		}
	}
	if vc := C.aegis_appraisal_certification(out); vc != nil {
		if a.certification, err = verifiedCertificationFrom(vc); err != nil {
			return nil, err
		}
	}
	if vl := C.aegis_appraisal_location(out); vl != nil {
		a.location = verifiedLocationFrom(vl)
	}
	return a, nil
}

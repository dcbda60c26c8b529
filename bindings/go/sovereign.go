package aegis

// #include "aegis.h"
import "C"

import (
	"encoding/json"
	"runtime"
	"unsafe"
)

// The AegisSovereignAI proof of concept's formats (docs FORMATS.md, "AegisSovereignAI PoC wire
// formats"): its SovereignAttestation (App Key PEM, App Key certificate, challenge nonce, Keylime
// agent UUID, workload code hash) and its PCR 15 location recipe.

// ctext returns a C view of s for the duration of one C call (NULL for ""); s holds no Go
// pointers, so passing it is allowed by the cgo rules; the caller keeps s alive after the call.
func ctext(s string) (*C.char, C.size_t) {
	if s == "" {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

// gostring copies an aegis_string into a Go string and frees it.
func gostring(s *C.aegis_string) string {
	defer C.aegis_string_free(s)
	return string(C.GoBytes(unsafe.Pointer(C.aegis_string_ptr(s)), C.int(C.aegis_string_len(s))))
}

// SovereignAttestation is the PoC's SovereignAttestation (C aegis_sovereign_attestation):
// unverified until VerifySovereignAttestation checks it. Members Aegis does not know are kept.
//
// Immutable, may be shared between goroutines; Close is idempotent, a finalizer is the backstop.
type SovereignAttestation struct {
	p *C.aegis_sovereign_attestation
}

func (s *SovereignAttestation) ptr() *C.aegis_sovereign_attestation {
	if s == nil {
		return nil
	}
	return s.p
}

// Close frees the document. Calling it again, or on nil, does nothing.
func (s *SovereignAttestation) Close() {
	if s == nil || s.p == nil {
		return
	}
	C.aegis_sovereign_attestation_free(s.p)
	s.p = nil
	runtime.SetFinalizer(s, nil)
}

func newSovereignAttestation(p *C.aegis_sovereign_attestation) *SovereignAttestation {
	s := &SovereignAttestation{p: p}
	runtime.SetFinalizer(s, (*SovereignAttestation).Close)
	return s
}

// ParseSovereignAttestation reads the JSON the PoC's SPIRE agent sends; app_key_certificate may
// be the base64 string the PoC sends or the JSON object.
func ParseSovereignAttestation(data []byte) (*SovereignAttestation, error) {
	buf, n := cbytes(data)
	var out *C.aegis_sovereign_attestation
	var cerr *C.aegis_error
	status := C.aegis_sovereign_attestation_parse(buf, n, &out, &cerr)
	runtime.KeepAlive(data)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return newSovereignAttestation(out), nil
}

// WithAppKeyTPMPublic is a new document with Aegis's app_key_tpm_public set to the App Key's
// TPM2B_PUBLIC or TPMT_PUBLIC (for a verifier that has it from elsewhere); s is unchanged.
func (s *SovereignAttestation) WithAppKeyTPMPublic(tpmPublic []byte) (*SovereignAttestation, error) {
	if s.ptr() == nil {
		return nil, closedError("SovereignAttestation")
	}
	buf, n := cbytes(tpmPublic)
	var out *C.aegis_sovereign_attestation
	var cerr *C.aegis_error
	status := C.aegis_sovereign_attestation_with_app_key_tpm_public(s.ptr(), buf, n, &out, &cerr)
	runtime.KeepAlive(tpmPublic)
	runtime.KeepAlive(s)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return newSovereignAttestation(out), nil
}

// JSON is the document as JSON (members Aegis does not know written back as read).
func (s *SovereignAttestation) JSON() (json.RawMessage, error) {
	var out *C.aegis_string
	status := C.aegis_sovereign_attestation_to_json(s.ptr(), &out)
	runtime.KeepAlive(s)
	if err := check(status, nil); err != nil {
		return nil, err
	}
	return json.RawMessage(gostring(out)), nil
}

func (s *SovereignAttestation) member(m C.aegis_sovereign_member) ([]byte, bool, error) {
	var p *C.uint8_t
	var n C.size_t
	status := C.aegis_sovereign_attestation_member(s.ptr(), m, &p, &n)
	defer runtime.KeepAlive(s)
	if err := check(status, nil); err != nil {
		return nil, false, err
	}
	return gobytes(p, n), p != nil, nil
}

func (s *SovereignAttestation) text(m C.aegis_sovereign_member) string {
	b, _, _ := s.member(m)
	return string(b)
}

// AppKeyPublic is the App Key's PEM, exactly as received ("" when s is closed).
func (s *SovereignAttestation) AppKeyPublic() string {
	return s.text(C.AEGIS_SOVEREIGN_APP_KEY_PUBLIC)
}

// ChallengeNonce is the hex nonce the document says it answers (not trusted).
func (s *SovereignAttestation) ChallengeNonce() string {
	return s.text(C.AEGIS_SOVEREIGN_CHALLENGE_NONCE)
}

// KeylimeAgentUUID is the Keylime agent UUID ("" when absent; not trusted).
func (s *SovereignAttestation) KeylimeAgentUUID() string {
	return s.text(C.AEGIS_SOVEREIGN_KEYLIME_AGENT_UUID)
}

// WorkloadCodeHash is the workload code hash ("" when absent; not trusted).
func (s *SovereignAttestation) WorkloadCodeHash() string {
	return s.text(C.AEGIS_SOVEREIGN_WORKLOAD_CODE_HASH)
}

// AppKeyTPMPublic is Aegis's app_key_tpm_public (the App Key's TPM2B_PUBLIC or TPMT_PUBLIC),
// or nil when the document has none.
func (s *SovereignAttestation) AppKeyTPMPublic() []byte {
	b, ok, _ := s.member(C.AEGIS_SOVEREIGN_APP_KEY_TPM_PUBLIC)
	if !ok {
		return nil
	}
	return b
}

// VerifySovereignAttestation verifies the App Key certificate of a SovereignAttestation against
// the AK, for this verifier's nonce as the hex text it sent: ErrPocAppKeyPublicMissing when only
// the PEM was sent (it cannot be tied to the Name the certify signed), ErrPocChallengeMismatch,
// ErrPocAppKeyMismatch, then VerifyCertify's checks with the PoC's qualifying data
// SHA-256(SHA-256(PEM) || nonceHex) as the nonce. policy nil: the default certify policy.
func VerifySovereignAttestation(ak *AttestationKey, s *SovereignAttestation, nonceHex string, policy *CertifyPolicy) (*VerifiedCertification, error) {
	if policy != nil && policy.p == nil {
		return nil, closedError("CertifyPolicy")
	}
	n, nn := ctext(nonceHex)
	var vc *C.aegis_verified_certification
	var cerr *C.aegis_error
	status := C.aegis_sovereign_attestation_verify(ak.ptr(), s.ptr(), n, nn, policy.ptr(), &vc, &cerr)
	runtime.KeepAlive(nonceHex)
	runtime.KeepAlive(ak)
	runtime.KeepAlive(s)
	runtime.KeepAlive(policy)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_verified_certification_free(vc)
	return verifiedCertificationFrom(vc)
}

// PocQualifyingData is the PoC's App Key qualifying data, SHA-256(SHA-256(pem) || nonceHex),
// both hashed as the text given: what the PoC's agent passes to TPM2_Certify.
func PocQualifyingData(pem, nonceHex string) ([]byte, error) {
	p, pn := ctext(pem)
	n, nn := ctext(nonceHex)
	out := make([]byte, 32)
	o, on := cbytes(out)
	status := C.aegis_poc_qualifying_data(p, pn, n, nn, o, on)
	runtime.KeepAlive(pem)
	runtime.KeepAlive(nonceHex)
	runtime.KeepAlive(out)
	if err := check(status, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// PocLocationLog is the PoC's PCR 15 location log (C aegis_poc_location_log): a JSON array of
// {"geolocation": <claims>, "nonce": "<hex>"}, oldest first; unverified until VerifyPocLocation.
//
// Immutable, may be shared between goroutines; Close is idempotent, a finalizer is the backstop.
type PocLocationLog struct {
	p *C.aegis_poc_location_log
}

func (l *PocLocationLog) ptr() *C.aegis_poc_location_log {
	if l == nil {
		return nil
	}
	return l.p
}

// Close frees the log. Calling it again, or on nil, does nothing.
func (l *PocLocationLog) Close() {
	if l == nil || l.p == nil {
		return
	}
	C.aegis_poc_location_log_free(l.p)
	l.p = nil
	runtime.SetFinalizer(l, nil)
}

// ParsePocLocationLog reads a PoC PCR 15 location log.
func ParsePocLocationLog(data []byte) (*PocLocationLog, error) {
	buf, n := cbytes(data)
	var out *C.aegis_poc_location_log
	var cerr *C.aegis_error
	status := C.aegis_poc_location_log_parse(buf, n, &out, &cerr)
	runtime.KeepAlive(data)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	l := &PocLocationLog{p: out}
	runtime.SetFinalizer(l, (*PocLocationLog).Close)
	return l, nil
}

// Replay is the SHA-256 PCR 15 value the log's events give from the reset value.
func (l *PocLocationLog) Replay() ([]byte, error) {
	out := make([]byte, 32)
	o, on := cbytes(out)
	status := C.aegis_poc_location_log_replay(l.ptr(), o, on)
	runtime.KeepAlive(l)
	runtime.KeepAlive(out)
	if err := check(status, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// VerifyPocLocation checks (VERIFIER-CHECKS.md item 16, the PoC's recipe) that the log replays
// to the SHA-256 PCR 15 of the verified quote and that its last event is bound to nonceHex (the
// hex text of the nonce the quote was verified with). It returns the current claims (the last
// event's) as the compact sorted-key JSON the PoC agent hashed. Errors: ErrRequiredPcrMissing,
// ErrLocationLogMismatch, ErrLocationNonceMismatch, ErrEmptyNonce.
func VerifyPocLocation(log *PocLocationLog, quote *VerifiedQuote, nonceHex string) (json.RawMessage, error) {
	if quote == nil {
		return nil, newError(ErrNullPointer.code, ErrNullPointer.name, "quote is nil")
	}
	// The Go VerifiedQuote keeps the verified values only; the check itself is the C library's.
	pcr15, _ := quote.PCR(SHA256, 15)
	v, vn := cbytes(pcr15)
	n, nn := ctext(nonceHex)
	var out *C.aegis_string
	var cerr *C.aegis_error
	status := C.aegis_poc_location_log_check(log.ptr(), v, vn, n, nn, &out, &cerr)
	runtime.KeepAlive(pcr15)
	runtime.KeepAlive(nonceHex)
	runtime.KeepAlive(log)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return json.RawMessage(gostring(out)), nil
}

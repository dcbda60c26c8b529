package aegis

// #include "aegis.h"
import "C"

import "runtime"

// ClockInfo is TPMS_CLOCK_INFO from a TPMS_ATTEST (TCG Part 2, 10.11.1).
type ClockInfo struct {
	Clock        uint64 // milliseconds the TPM has been powered (obfuscated for non-EH keys)
	ResetCount   uint32 // TPM Resets since the TPM was made
	RestartCount uint32 // TPM Restarts / Resumes since the last Reset
	Safe         bool   // Clock was not reported lower than a previous value
}

// QuotePolicy is what VerifyQuote requires beyond the signature (C aegis_quote_policy): the
// PCRs the signed selection must cover, SHA-1 opt-in, the expected signer, the previous clock.
//
// Setting a policy is not safe for concurrent use; once set, a policy may be shared between
// goroutines that verify with it. Close is idempotent, a finalizer is the backstop.
type QuotePolicy struct {
	p *C.aegis_quote_policy
}

// NewQuotePolicy is the default policy: hashes SHA-256, SHA-384, SHA-512; no required PCRs; any
// signer; no clock history.
func NewQuotePolicy() *QuotePolicy {
	var p *C.aegis_quote_policy
	if C.aegis_quote_policy_new(&p) != C.AEGIS_OK {
		panic("aegis: aegis_quote_policy_new failed") // only on a NULL out-pointer or OOM
	}
	q := &QuotePolicy{p: p}
	runtime.SetFinalizer(q, (*QuotePolicy).Close)
	return q
}

func (q *QuotePolicy) ptr() *C.aegis_quote_policy {
	if q == nil {
		return nil
	}
	return q.p
}

// Close frees the policy. Calling it again, or on nil, does nothing.
func (q *QuotePolicy) Close() {
	if q == nil || q.p == nil {
		return
	}
	C.aegis_quote_policy_free(q.p)
	q.p = nil
	runtime.SetFinalizer(q, nil)
}

// RequirePCR requires the signed PCR selection to cover PCR index of bank (ErrRequiredPcrMissing
// otherwise).
func (q *QuotePolicy) RequirePCR(bank HashAlg, index uint8) error {
	var cerr *C.aegis_error
	status := C.aegis_quote_policy_require_pcr(q.ptr(), C.uint16_t(bank), C.uint8_t(index), &cerr)
	runtime.KeepAlive(q)
	return check(status, cerr)
}

// AllowSHA1 adds SHA-1 to the hash allow-list when allow is true (for old TPMs; off by
// default), and goes back to SHA-256, SHA-384, SHA-512 when false.
func (q *QuotePolicy) AllowSHA1(allow bool) error {
	status := C.aegis_quote_policy_allow_sha1(q.ptr(), C.bool(allow))
	runtime.KeepAlive(q)
	return check(status, nil)
}

// hashIDs are the TPM_ALG_IDs of hashes for C (nil for none).
func hashIDs(hashes []HashAlg) []C.uint16_t {
	if len(hashes) == 0 {
		return nil
	}
	ids := make([]C.uint16_t, len(hashes))
	for i, h := range hashes {
		ids[i] = C.uint16_t(h)
	}
	return ids
}

// SetHashes sets the signature hash allow-list (VERIFIER-CHECKS.md item 4) to hashes (SHA256,
// SHA384, SHA512), replacing the default SHA-256/384/512. SHA-1 stays governed by AllowSHA1
// alone: SHA1 in hashes is ErrInvalidArgument; an unknown algorithm is ErrUnknownAlgorithm. On
// error the policy is unchanged.
func (q *QuotePolicy) SetHashes(hashes ...HashAlg) error {
	ids := hashIDs(hashes)
	var p *C.uint16_t
	if len(ids) > 0 {
		p = &ids[0]
	}
	var cerr *C.aegis_error
	status := C.aegis_quote_policy_set_hashes(q.ptr(), p, C.size_t(len(ids)), &cerr)
	runtime.KeepAlive(ids)
	runtime.KeepAlive(q)
	return check(status, cerr)
}

// SetExpectedSigner requires qualifiedSigner to equal name, byte for byte; an empty name removes
// the requirement. qualifiedSigner is the AK's QUALIFIED Name (TCG Part 1, 16.4:
// nameAlg || H(QN(parent) || Name)), which equals AttestationKey.Name only for a key whose
// parent is a hierarchy; for an AK under the EK it depends on the EK's Name.
func (q *QuotePolicy) SetExpectedSigner(name []byte) error {
	buf, n := cbytes(name)
	status := C.aegis_quote_policy_set_expected_signer(q.ptr(), buf, n)
	runtime.KeepAlive(name)
	runtime.KeepAlive(q)
	return check(status, nil)
}

// SetPreviousClock makes the quote fail with ErrClockRegression if its clock is behind c (an
// earlier quote's clock by the same AK) within the same reset and restart.
func (q *QuotePolicy) SetPreviousClock(c ClockInfo) error {
	status := C.aegis_quote_policy_set_previous_clock(q.ptr(), C.uint64_t(c.Clock), C.uint32_t(c.ResetCount),
		C.uint32_t(c.RestartCount), C.bool(c.Safe))
	runtime.KeepAlive(q)
	return check(status, nil)
}

// CertifyPolicy is what VerifyCertify requires beyond the signature (C
// aegis_certify_policy). Same rules as QuotePolicy.
type CertifyPolicy struct {
	p *C.aegis_certify_policy
}

// NewCertifyPolicy is the default policy: hashes SHA-256, SHA-384, SHA-512; any signer.
func NewCertifyPolicy() *CertifyPolicy {
	var p *C.aegis_certify_policy
	if C.aegis_certify_policy_new(&p) != C.AEGIS_OK {
		panic("aegis: aegis_certify_policy_new failed") // only on a NULL out-pointer or OOM
	}
	c := &CertifyPolicy{p: p}
	runtime.SetFinalizer(c, (*CertifyPolicy).Close)
	return c
}

func (c *CertifyPolicy) ptr() *C.aegis_certify_policy {
	if c == nil {
		return nil
	}
	return c.p
}

// Close frees the policy. Calling it again, or on nil, does nothing.
func (c *CertifyPolicy) Close() {
	if c == nil || c.p == nil {
		return
	}
	C.aegis_certify_policy_free(c.p)
	c.p = nil
	runtime.SetFinalizer(c, nil)
}

// AllowSHA1 adds SHA-1 to the hash allow-list when allow is true (off by default).
func (c *CertifyPolicy) AllowSHA1(allow bool) error {
	status := C.aegis_certify_policy_allow_sha1(c.ptr(), C.bool(allow))
	runtime.KeepAlive(c)
	return check(status, nil)
}

// SetHashes sets the signature hash allow-list, as QuotePolicy.SetHashes.
func (c *CertifyPolicy) SetHashes(hashes ...HashAlg) error {
	ids := hashIDs(hashes)
	var p *C.uint16_t
	if len(ids) > 0 {
		p = &ids[0]
	}
	var cerr *C.aegis_error
	status := C.aegis_certify_policy_set_hashes(c.ptr(), p, C.size_t(len(ids)), &cerr)
	runtime.KeepAlive(ids)
	runtime.KeepAlive(c)
	return check(status, cerr)
}

// SetExpectedSigner requires qualifiedSigner to equal name (the AK's qualified Name, see
// QuotePolicy.SetExpectedSigner); an empty name removes the requirement.
func (c *CertifyPolicy) SetExpectedSigner(name []byte) error {
	buf, n := cbytes(name)
	status := C.aegis_certify_policy_set_expected_signer(c.ptr(), buf, n)
	runtime.KeepAlive(name)
	runtime.KeepAlive(c)
	return check(status, nil)
}

// SetPreviousClock makes the certification fail with ErrClockRegression if its clock is behind
// prev within the same reset and restart.
func (c *CertifyPolicy) SetPreviousClock(prev ClockInfo) error {
	status := C.aegis_certify_policy_set_previous_clock(c.ptr(), C.uint64_t(prev.Clock), C.uint32_t(prev.ResetCount),
		C.uint32_t(prev.RestartCount), C.bool(prev.Safe))
	runtime.KeepAlive(c)
	return check(status, nil)
}

package aegis

/*
#cgo noescape aegis_go_quote_verify
#cgo nocallback aegis_go_quote_verify
#cgo noescape aegis_go_quote_pcrs
#cgo nocallback aegis_go_quote_pcrs
#include <string.h>
#include "aegis.h"

// What aegis_go_quote_verify reads of a verified quote in the same C call as the verification,
// so that a quote costs one cgo call (two when its PCR records do not fit the Go buffer) instead
// of one per accessor.
typedef struct {
	aegis_verified_quote *vq;
	aegis_error *err;
	size_t pcr_count;
	size_t pcr_bytes;
	uint64_t clock_ms;
	uint32_t reset_count;
	uint32_t restart_count;
	bool safe;
	uint64_t firmware_version;
} aegis_go_quote;

// Walks the count PCRs of vq and writes each record that fits whole into buf (len bytes) as
// bank (u16, big-endian) || index (u8) || value length (u8) || value; *need is the size of all
// the records (so they are complete when *need <= len). AEGIS_INVALID_ARGUMENT for a value over
// 255 bytes.
static aegis_status aegis_go_pcr_records(const aegis_verified_quote *vq, size_t count, uint8_t *buf, size_t len,
		size_t *need) {
	aegis_status st = AEGIS_OK;
	size_t at = 0;
	for (size_t i = 0; st == AEGIS_OK && i < count; i++) {
		uint16_t bank;
		uint8_t index;
		const uint8_t *value;
		size_t n;
		st = aegis_verified_quote_pcr_at(vq, i, &bank, &index, &value, &n);
		if (st == AEGIS_OK && n > 255) {
			st = AEGIS_INVALID_ARGUMENT;
		}
		if (st == AEGIS_OK && at <= len && len - at >= 4 + n) {
			buf[at] = (uint8_t)(bank >> 8);
			buf[at + 1] = (uint8_t)bank;
			buf[at + 2] = index;
			buf[at + 3] = (uint8_t)n;
			if (n > 0) {
				memcpy(buf + at + 4, value, n);
			}
		}
		at += 4 + n;
	}
	*need = at;
	return st;
}

// aegis_quote_verify, then the verified quote's clock, firmware version, PCR count and the size
// of its PCR records into *q. When the records fit in buf (len bytes) they are written there and
// the verified quote is freed (q->vq NULL); otherwise q->vq stays live for aegis_go_quote_pcrs.
// On failure q->vq is NULL and q->err is as aegis_quote_verify left it.
static aegis_status aegis_go_quote_verify(const aegis_ak *ak, const uint8_t *attest, size_t attest_len,
		const uint8_t *sig, size_t sig_len, const aegis_pcrs *pcrs, const uint8_t *nonce,
		size_t nonce_len, const aegis_quote_policy *policy, aegis_go_quote *q, uint8_t *buf, size_t len) {
	aegis_status st = aegis_quote_verify(ak, attest, attest_len, sig, sig_len, pcrs, nonce, nonce_len,
		policy, &q->vq, &q->err);
	if (st != AEGIS_OK) {
		return st;
	}
	q->pcr_count = aegis_verified_quote_pcr_count(q->vq);
	st = aegis_go_pcr_records(q->vq, q->pcr_count, buf, len, &q->pcr_bytes);
	if (st == AEGIS_OK) {
		st = aegis_verified_quote_clock(q->vq, &q->clock_ms, &q->reset_count, &q->restart_count, &q->safe);
	}
	if (st == AEGIS_OK) {
		st = aegis_verified_quote_firmware_version(q->vq, &q->firmware_version);
	}
	if (st != AEGIS_OK || q->pcr_bytes <= len) {
		aegis_verified_quote_free(q->vq);
		q->vq = NULL;
	}
	return st;
}

// The PCR records of a verified quote that aegis_go_quote_verify kept, into buf (len bytes, its
// pcr_bytes); frees vq whatever happens. AEGIS_INVALID_ARGUMENT when they do not fill buf exactly.
static aegis_status aegis_go_quote_pcrs(aegis_verified_quote *vq, size_t count, uint8_t *buf, size_t len) {
	size_t need;
	aegis_status st = aegis_go_pcr_records(vq, count, buf, len, &need);
	aegis_verified_quote_free(vq);
	if (st == AEGIS_OK && need != len) {
		st = AEGIS_INVALID_ARGUMENT;
	}
	return st;
}
*/
import "C"

import (
	"encoding/binary"
	"runtime"
)

// PCR is one PCR value covered by a verified quote.
type PCR struct {
	Bank  HashAlg
	Index uint8
	Value []byte
}

// inlineRecords is the room for PCR records inside a VerifiedQuote: those of 14 SHA-256 PCRs (36
// bytes each), so that a quote of up to that many costs one Go allocation and one cgo call.
const inlineRecords = 512

// inlineLimit is how much of that room VerifyQuote offers to C (the tests lower it to exercise
// the second call).
var inlineLimit = inlineRecords

// VerifiedQuote is what a quote proved. Only VerifyQuote makes one (its fields are unexported);
// everything is copied into Go memory, so there is nothing to Close.
type VerifiedQuote struct {
	// records are the PCR values, as aegis_go_pcr_records wrote them: bank (u16, big-endian) ||
	// index || value length || value; well formed (VerifyQuote checks them).
	records         []byte
	clock           ClockInfo
	firmwareVersion uint64
	inline          [inlineRecords]byte
}

// eachPCR calls f for each PCR in the signed order until f returns false; value aliases records.
func (v *VerifiedQuote) eachPCR(f func(bank HashAlg, index uint8, value []byte) bool) {
	for r := v.records; len(r) >= 4; {
		end := 4 + int(r[3])
		if !f(HashAlg(binary.BigEndian.Uint16(r)), r[2], r[4:end:end]) {
			return
		}
		r = r[end:]
	}
}

// pcrRecordsValid reports whether records are exactly count well-formed records.
func pcrRecordsValid(records []byte, count int) bool {
	for ; count > 0; count-- {
		if len(records) < 4 || len(records) < 4+int(records[3]) {
			return false
		}
		records = records[4+int(records[3]):]
	}
	return len(records) == 0
}

// PCRs are the PCR values the SIGNED selection covers, banks in the signed order, indices
// ascending. The slice is a copy.
func (v *VerifiedQuote) PCRs() []PCR {
	out := []PCR{}
	v.eachPCR(func(bank HashAlg, index uint8, value []byte) bool {
		out = append(out, PCR{Bank: bank, Index: index, Value: append([]byte(nil), value...)})
		return true
	})
	return out
}

// PCR is the verified value of one PCR, or false when the signed selection does not cover it.
func (v *VerifiedQuote) PCR(bank HashAlg, index uint8) ([]byte, bool) {
	var found []byte
	ok := false
	v.eachPCR(func(b HashAlg, i uint8, value []byte) bool {
		if b == bank && i == index {
			found, ok = append([]byte{}, value...), true
		}
		return !ok
	})
	return found, ok
}

// Clock is the quote's TPMS_CLOCK_INFO (feed it to SetPreviousClock for the next quote).
func (v *VerifiedQuote) Clock() ClockInfo { return v.clock }

// FirmwareVersion is the TPM's firmwareVersion.
func (v *VerifiedQuote) FirmwareVersion() uint64 { return v.firmwareVersion }

// VerifyQuote verifies a TPM2_Quote (VERIFIER-CHECKS.md items 1-12): attest is the TPMS_ATTEST as
// signed (`tpm2_quote -m`), sig the TPMT_SIGNATURE (`-s`), pcrs the supplied values, nonce the
// caller's fresh nonce (must equal extraData; an empty nonce is refused). policy may be nil for
// the default policy.
func VerifyQuote(ak *AttestationKey, attest, sig []byte, pcrs *PCRValues, nonce []byte, policy *QuotePolicy) (*VerifiedQuote, error) {
	if policy != nil && policy.p == nil {
		return nil, closedError("QuotePolicy")
	}
	a, an := cbytes(attest)
	s, sn := cbytes(sig)
	n, nn := cbytes(nonce)
	out := &VerifiedQuote{}
	r, rn := cbytes(out.inline[:inlineLimit])
	var q C.aegis_go_quote
	status := C.aegis_go_quote_verify(ak.ptr(), a, an, s, sn, pcrs.ptr(), n, nn, policy.ptr(), &q, r, rn)
	afterLongCall()
	runtime.KeepAlive(attest)
	runtime.KeepAlive(sig)
	runtime.KeepAlive(nonce)
	runtime.KeepAlive(ak)
	runtime.KeepAlive(pcrs)
	runtime.KeepAlive(policy)
	if err := check(status, q.err); err != nil {
		return nil, err
	}
	switch {
	case q.vq != nil:
		out.records = make([]byte, int(q.pcr_bytes))
		r, rn := cbytes(out.records)
		if err := check(C.aegis_go_quote_pcrs(q.vq, q.pcr_count, r, rn), nil); err != nil {
			return nil, err
		}
	case int(q.pcr_bytes) <= inlineLimit:
		out.records = out.inline[:int(q.pcr_bytes)]
	}
	if out.records == nil || !pcrRecordsValid(out.records, int(q.pcr_count)) {
		return nil, newError(uint32(C.AEGIS_INVALID_ARGUMENT), "", "PCR records do not match their count and sizes")
	}
	out.clock = ClockInfo{Clock: uint64(q.clock_ms), ResetCount: uint32(q.reset_count), RestartCount: uint32(q.restart_count), Safe: bool(q.safe)}
	out.firmwareVersion = uint64(q.firmware_version)
	return out, nil
}

// VerifiedCertification is what a TPM2_Certify proved: the certified key (the App Key) is in the
// same TPM as the AK. Only VerifyCertification makes one; everything is copied into Go memory.
type VerifiedCertification struct {
	name   []byte
	public []byte
}

// Name is the certified key's TPM Name (nameAlg || H(TPMT_PUBLIC)), a copy.
func (v *VerifiedCertification) Name() []byte { return append([]byte(nil), v.name...) }

// Public is the certified key's public area as TPM2B_PUBLIC bytes (u16 size || TPMT_PUBLIC
// exactly as received), a copy.
func (v *VerifiedCertification) Public() []byte { return append([]byte(nil), v.public...) }

// VerifyCertification verifies a TPM2_Certify of appKey (its TPM2B_PUBLIC) by ak over nonce
// (VERIFIER-CHECKS.md items 1-10 and 15). policy may be nil for the default policy.
func VerifyCertification(ak *AttestationKey, appKey, attest, sig, nonce []byte, policy *CertifyPolicy) (*VerifiedCertification, error) {
	if policy != nil && policy.p == nil {
		return nil, closedError("CertifyPolicy")
	}
	k, kn := cbytes(appKey)
	a, an := cbytes(attest)
	s, sn := cbytes(sig)
	n, nn := cbytes(nonce)
	var vc *C.aegis_verified_certification
	var cerr *C.aegis_error
	status := C.aegis_certify_verify(ak.ptr(), k, kn, a, an, s, sn, n, nn, policy.ptr(), &vc, &cerr)
	afterLongCall()
	runtime.KeepAlive(appKey)
	runtime.KeepAlive(attest)
	runtime.KeepAlive(sig)
	runtime.KeepAlive(nonce)
	runtime.KeepAlive(ak)
	runtime.KeepAlive(policy)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_verified_certification_free(vc)
	out := &VerifiedCertification{}
	var p *C.uint8_t
	var pn C.size_t
	if err := check(C.aegis_verified_certification_name(vc, &p, &pn), nil); err != nil {
		return nil, err
	}
	out.name = gobytes(p, pn)
	if err := check(C.aegis_verified_certification_public(vc, &p, &pn), nil); err != nil {
		return nil, err
	}
	out.public = gobytes(p, pn)
	return out, nil
}

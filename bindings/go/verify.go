package aegis

/*
#cgo noescape aegis_go_quote_verify
#cgo nocallback aegis_go_quote_verify
#cgo noescape aegis_go_quote_pcrs
#cgo nocallback aegis_go_quote_pcrs
#include "aegis.h"

// A verified quote's scalars, read in the same C call as the verification (aegis_go_quote_verify):
// every cgo call costs the Go side about 0.1 us, and reading them one accessor call at a time
// took 7 calls for three PCRs.
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

// aegis_quote_verify, then the verified quote's PCR count, the size of its PCR records (4 bytes
// + the value per PCR, see aegis_go_quote_pcrs), clock and firmware version into *q. On success
// q->vq is live (aegis_go_quote_pcrs frees it); on failure it is NULL and q->err is as
// aegis_quote_verify left it.
static aegis_status aegis_go_quote_verify(const aegis_ak *ak, const uint8_t *attest, size_t attest_len,
		const uint8_t *sig, size_t sig_len, const aegis_pcrs *pcrs, const uint8_t *nonce,
		size_t nonce_len, const aegis_quote_policy *policy, aegis_go_quote *q) {
	aegis_status st = aegis_quote_verify(ak, attest, attest_len, sig, sig_len, pcrs, nonce, nonce_len,
		policy, &q->vq, &q->err);
	if (st != AEGIS_OK) {
		return st;
	}
	q->pcr_count = aegis_verified_quote_pcr_count(q->vq);
	q->pcr_bytes = 0;
	for (size_t i = 0; st == AEGIS_OK && i < q->pcr_count; i++) {
		uint16_t bank;
		uint8_t index;
		const uint8_t *value;
		size_t len;
		st = aegis_verified_quote_pcr_at(q->vq, i, &bank, &index, &value, &len);
		q->pcr_bytes += 4 + len;
	}
	if (st == AEGIS_OK) {
		st = aegis_verified_quote_clock(q->vq, &q->clock_ms, &q->reset_count, &q->restart_count, &q->safe);
	}
	if (st == AEGIS_OK) {
		st = aegis_verified_quote_firmware_version(q->vq, &q->firmware_version);
	}
	if (st != AEGIS_OK) {
		aegis_verified_quote_free(q->vq);
		q->vq = NULL;
	}
	return st;
}

// Copies the count PCRs of vq into buf (len bytes, the pcr_bytes of aegis_go_quote_verify) as
// records bank (u16, big-endian) || index (u8) || value length (u8) || value, and frees vq
// whatever happens. AEGIS_INVALID_ARGUMENT when they do not fit.
static aegis_status aegis_go_quote_pcrs(aegis_verified_quote *vq, size_t count, uint8_t *buf, size_t len) {
	aegis_status st = AEGIS_OK;
	size_t at = 0;
	for (size_t i = 0; st == AEGIS_OK && i < count; i++) {
		uint16_t bank;
		uint8_t index;
		const uint8_t *value;
		size_t n;
		st = aegis_verified_quote_pcr_at(vq, i, &bank, &index, &value, &n);
		if (st == AEGIS_OK && (n > 255 || len - at < 4 + n)) {
			st = AEGIS_INVALID_ARGUMENT;
		}
		if (st == AEGIS_OK) {
			buf[at] = (uint8_t)(bank >> 8);
			buf[at + 1] = (uint8_t)bank;
			buf[at + 2] = index;
			buf[at + 3] = (uint8_t)n;
			for (size_t j = 0; j < n; j++) {
				buf[at + 4 + j] = value[j];
			}
			at += 4 + n;
		}
	}
	aegis_verified_quote_free(vq);
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

// VerifiedQuote is what a quote proved. Only VerifyQuote makes one (its fields are unexported);
// everything is copied into Go memory, so there is nothing to Close.
type VerifiedQuote struct {
	pcrs            []PCR
	clock           ClockInfo
	firmwareVersion uint64
}

// PCRs are the PCR values the SIGNED selection covers, banks in the signed order, indices
// ascending. The slice is a copy.
func (v *VerifiedQuote) PCRs() []PCR {
	out := make([]PCR, len(v.pcrs))
	for i, p := range v.pcrs {
		out[i] = PCR{Bank: p.Bank, Index: p.Index, Value: append([]byte(nil), p.Value...)}
	}
	return out
}

// PCR is the verified value of one PCR, or false when the signed selection does not cover it.
func (v *VerifiedQuote) PCR(bank HashAlg, index uint8) ([]byte, bool) {
	for _, p := range v.pcrs {
		if p.Bank == bank && p.Index == index {
			return append([]byte(nil), p.Value...), true
		}
	}
	return nil, false
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
	var q C.aegis_go_quote
	status := C.aegis_go_quote_verify(ak.ptr(), a, an, s, sn, pcrs.ptr(), n, nn, policy.ptr(), &q)
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
	records := make([]byte, int(q.pcr_bytes))
	r, rn := cbytes(records)
	if err := check(C.aegis_go_quote_pcrs(q.vq, q.pcr_count, r, rn), nil); err != nil {
		return nil, err
	}
	out := &VerifiedQuote{
		pcrs:            make([]PCR, 0, int(q.pcr_count)),
		clock:           ClockInfo{Clock: uint64(q.clock_ms), ResetCount: uint32(q.reset_count), RestartCount: uint32(q.restart_count), Safe: bool(q.safe)},
		firmwareVersion: uint64(q.firmware_version),
	}
	for i := 0; i < int(q.pcr_count); i++ {
		if len(records) < 4 || len(records) < 4+int(records[3]) {
			return nil, newError(uint32(C.AEGIS_INVALID_ARGUMENT), "", "PCR records shorter than their sizes")
		}
		end := 4 + int(records[3])
		out.pcrs = append(out.pcrs, PCR{Bank: HashAlg(binary.BigEndian.Uint16(records)), Index: records[2], Value: records[4:end:end]})
		records = records[end:]
	}
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

package aegis

/*
#cgo noescape aegis_quote_verify
#cgo nocallback aegis_quote_verify
#cgo noescape aegis_verified_quote_read
#cgo nocallback aegis_verified_quote_read
#cgo nocallback aegis_verified_quote_free
#cgo noescape aegis_certify_verify
#cgo nocallback aegis_certify_verify
#cgo noescape aegis_verified_certification_read
#cgo nocallback aegis_verified_certification_read
#cgo nocallback aegis_verified_certification_free
#include "aegis.h"
*/
import "C"

import (
	"encoding/binary"
	"runtime"
	"unsafe"
)

// PCR is one PCR value covered by a verified quote.
type PCR struct {
	Bank  HashAlg
	Index uint8
	Value []byte
}

// inlineRecords is the room for PCR records inside a VerifiedQuote: those of 14 SHA-256 PCRs (36
// bytes each), so that a quote of up to that many costs one Go allocation.
const inlineRecords = 512

// inlineLimit is how much of that room VerifyQuote offers to C (the tests lower it to exercise
// the second read).
var inlineLimit = inlineRecords

// VerifiedQuote is what a quote proved. Only VerifyQuote makes one (its fields are unexported);
// everything is copied into Go memory, so there is nothing to Close.
type VerifiedQuote struct {
	// records are the PCR values as aegis_verified_quote_read wrote them: bank (u16,
	// big-endian) || index || value size || value, per PCR; well formed (VerifyQuote checks).
	records         []byte
	clock           ClockInfo
	firmwareVersion uint64
	hash            HashAlg
	// qualifiedSigner is the signed qualifiedSigner in signer[:signerLen] (a Name is at most
	// 2 + 64 bytes), kept inline so that it costs no allocation.
	signer    [maxName]byte
	signerLen uint8
	inline    [inlineRecords]byte
}

// maxName is the size of the largest TPM Name Aegis accepts: a SHA-512 nameAlg and digest.
const maxName = 2 + 64

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

// pcrRecordsValid reports whether records are whole records and nothing else.
func pcrRecordsValid(records []byte) bool {
	for len(records) > 0 {
		if len(records) < 4 || len(records) < 4+int(records[3]) {
			return false
		}
		records = records[4+int(records[3]):]
	}
	return true
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

// Selection is the signed PCR selection (TPMS_QUOTE_INFO.pcrSelect): for each bank, the PCR
// indices ascending. The map is a copy.
func (v *VerifiedQuote) Selection() map[HashAlg][]uint8 {
	out := map[HashAlg][]uint8{}
	v.eachPCR(func(bank HashAlg, index uint8, _ []byte) bool {
		out[bank] = append(out[bank], index)
		return true
	})
	return out
}

// QualifiedSigner is the signed qualifiedSigner (the AK's qualified Name as the TPM knows it;
// VERIFIER-CHECKS.md item 9), a copy.
func (v *VerifiedQuote) QualifiedSigner() []byte {
	return append([]byte(nil), v.signer[:v.signerLen]...)
}

// Hash is the hash the quote's signature was made with (on the policy's allow-list).
func (v *VerifiedQuote) Hash() HashAlg { return v.hash }

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
	var vq *C.aegis_verified_quote
	var cerr *C.aegis_error
	status := C.aegis_quote_verify(ak.ptr(), a, an, s, sn, pcrs.ptr(), n, nn, policy.ptr(), &vq, &cerr)
	runtime.KeepAlive(attest)
	runtime.KeepAlive(sig)
	runtime.KeepAlive(nonce)
	runtime.KeepAlive(ak)
	runtime.KeepAlive(pcrs)
	runtime.KeepAlive(policy)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_verified_quote_free(vq)
	return verifiedQuoteFrom(vq)
}

// verifiedQuoteFrom copies a C verified quote (which the caller keeps and frees) into Go memory:
// one aegis_verified_quote_read gives everything (a second one when the PCR records do not fit
// in the room inside out).
func verifiedQuoteFrom(vq *C.aegis_verified_quote) (*VerifiedQuote, error) {
	out := &VerifiedQuote{}
	var info C.aegis_verified_quote_info
	var size C.size_t
	r, rn := cbytes(out.inline[:inlineLimit])
	status := C.aegis_verified_quote_read(vq, &info, r, rn, &size)
	switch {
	case status == C.AEGIS_OK:
		out.records = out.inline[:int(size)]
	case status == C.AEGIS_INVALID_ARGUMENT && size > rn:
		out.records = make([]byte, int(size))
		r, rn = cbytes(out.records)
		status = C.aegis_verified_quote_read(vq, &info, r, rn, &size)
		if status == C.AEGIS_OK && size != rn {
			status = C.AEGIS_INVALID_ARGUMENT
		}
	}
	if err := check(status, nil); err != nil {
		return nil, err
	}
	if !pcrRecordsValid(out.records) {
		return nil, newError(uint32(C.AEGIS_INVALID_ARGUMENT), "", "PCR records are not whole records")
	}
	if int(info.qualified_signer_len) > len(out.signer) {
		return nil, newError(uint32(C.AEGIS_INVALID_ARGUMENT), "", "qualifiedSigner longer than any Name")
	}
	out.clock = clockFrom(info.clock)
	out.firmwareVersion = uint64(info.firmware_version)
	out.hash = HashAlg(info.hash_alg)
	// A view into vq, copied before the caller frees it (unsafe.Slice(nil, 0) is empty).
	signer := unsafe.Slice((*byte)(unsafe.Pointer(info.qualified_signer)), int(info.qualified_signer_len))
	out.signerLen = uint8(copy(out.signer[:], signer))
	return out, nil
}

// clockFrom is a C aegis_clock_info as a ClockInfo.
func clockFrom(c C.aegis_clock_info) ClockInfo {
	return ClockInfo{Clock: uint64(c.clock_ms), ResetCount: uint32(c.reset_count), RestartCount: uint32(c.restart_count), Safe: bool(c.safe)}
}

// VerifiedCertification is what a TPM2_Certify proved: the certified key (the App Key) is in the
// same TPM as the AK. Only VerifyCertify makes one; everything is copied into Go memory.
type VerifiedCertification struct {
	name, qualifiedName, qualifiedSigner, public, spki []byte
	clock                                              ClockInfo
	firmwareVersion                                    uint64
}

// QualifiedName is the certified key's qualified Name (the signed certifyInfo.qualifiedName), a
// copy.
func (v *VerifiedCertification) QualifiedName() []byte {
	return append([]byte(nil), v.qualifiedName...)
}

// QualifiedSigner is the signed qualifiedSigner (the certifying AK's qualified Name), a copy.
func (v *VerifiedCertification) QualifiedSigner() []byte {
	return append([]byte(nil), v.qualifiedSigner...)
}

// SPKI is the certified key as a DER SubjectPublicKeyInfo (crypto/x509.ParsePKIXPublicKey reads
// it), a copy.
func (v *VerifiedCertification) SPKI() []byte { return append([]byte(nil), v.spki...) }

// Clock is the certification's TPMS_CLOCK_INFO.
func (v *VerifiedCertification) Clock() ClockInfo { return v.clock }

// FirmwareVersion is the TPM's firmwareVersion as signed in the certification.
func (v *VerifiedCertification) FirmwareVersion() uint64 { return v.firmwareVersion }

// Name is the certified key's TPM Name (nameAlg || H(TPMT_PUBLIC)), a copy.
func (v *VerifiedCertification) Name() []byte { return append([]byte(nil), v.name...) }

// Public is the certified key's public area as TPM2B_PUBLIC bytes (u16 size || TPMT_PUBLIC
// exactly as received), a copy.
func (v *VerifiedCertification) Public() []byte { return append([]byte(nil), v.public...) }

// VerifyCertify verifies a TPM2_Certify of appKey (its TPM2B_PUBLIC) by ak over nonce
// (VERIFIER-CHECKS.md items 1-10 and 15). policy may be nil for the default policy.
func VerifyCertify(ak *AttestationKey, appKey, attest, sig, nonce []byte, policy *CertifyPolicy) (*VerifiedCertification, error) {
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
	return verifiedCertificationFrom(vc)
}

// verifiedCertificationFrom copies a C verified certification (which the caller keeps and frees)
// into Go memory: one aegis_verified_certification_read, then the SPKI (which C allocates).
func verifiedCertificationFrom(vc *C.aegis_verified_certification) (*VerifiedCertification, error) {
	var info C.aegis_verified_certification_info
	if err := check(C.aegis_verified_certification_read(vc, &info), nil); err != nil {
		return nil, err
	}
	out := &VerifiedCertification{
		name:            gobytes(info.name, info.name_len),
		public:          gobytes(info.public_area, info.public_area_len),
		qualifiedName:   gobytes(info.qualified_name, info.qualified_name_len),
		qualifiedSigner: gobytes(info.qualified_signer, info.qualified_signer_len),
		clock:           clockFrom(info.clock),
		firmwareVersion: uint64(info.firmware_version),
	}
	var spki *C.aegis_bytes
	var spkiErr *C.aegis_error
	if err := check(C.aegis_verified_certification_spki(vc, &spki, &spkiErr), spkiErr); err != nil {
		return nil, err
	}
	out.spki = gobytes(C.aegis_bytes_ptr(spki), C.aegis_bytes_len(spki))
	C.aegis_bytes_free(spki)
	return out, nil
}

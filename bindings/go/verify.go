package aegis

// #include "aegis.h"
import "C"

import "runtime"

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

	count := int(C.aegis_verified_quote_pcr_count(vq))
	out := &VerifiedQuote{pcrs: make([]PCR, 0, count)}
	for i := 0; i < count; i++ {
		var bank C.uint16_t
		var index C.uint8_t
		var val *C.uint8_t
		var vlen C.size_t
		if err := check(C.aegis_verified_quote_pcr_at(vq, C.size_t(i), &bank, &index, &val, &vlen), nil); err != nil {
			return nil, err
		}
		out.pcrs = append(out.pcrs, PCR{Bank: HashAlg(bank), Index: uint8(index), Value: gobytes(val, vlen)})
	}
	var clock C.uint64_t
	var reset, restart C.uint32_t
	var safe C.bool
	if err := check(C.aegis_verified_quote_clock(vq, &clock, &reset, &restart, &safe), nil); err != nil {
		return nil, err
	}
	out.clock = ClockInfo{Clock: uint64(clock), ResetCount: uint32(reset), RestartCount: uint32(restart), Safe: bool(safe)}
	var fw C.uint64_t
	if err := check(C.aegis_verified_quote_firmware_version(vq, &fw), nil); err != nil {
		return nil, err
	}
	out.firmwareVersion = uint64(fw)
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

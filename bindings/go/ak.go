package aegis

// #include "aegis.h"
import "C"

import "runtime"

// AttestationKey is a TPM Attestation Key the verifiers accept signatures from (C aegis_ak).
//
// AttestationKeyFromTPMPublic checks that the key is a restricted signing key with fixedTPM, fixedParent
// and sensitiveDataOrigin (VERIFIER-CHECKS.md item 13). It does not prove that the key lives in a
// TPM you trust: bind it to an EK (credential activation, EK certificate) before relying on it.
//
// An AttestationKey is immutable and may be shared between goroutines. Close frees it; it is
// idempotent, and a finalizer calls it as a backstop if the key is dropped without Close.
type AttestationKey struct {
	p *C.aegis_ak
}

func newAttestationKey(p *C.aegis_ak) *AttestationKey {
	k := &AttestationKey{p: p}
	runtime.SetFinalizer(k, (*AttestationKey).Close)
	return k
}

// ptr is the C handle, or NULL when k is nil or closed (the C side then reports
// ErrNullPointer).
func (k *AttestationKey) ptr() *C.aegis_ak {
	if k == nil {
		return nil
	}
	return k.p
}

// Close frees the key. Calling it again, or on nil, does nothing.
func (k *AttestationKey) Close() {
	if k == nil || k.p == nil {
		return
	}
	C.aegis_ak_free(k.p)
	k.p = nil
	runtime.SetFinalizer(k, nil)
}

// AttestationKeyFromTPMPublic reads an AK from its TPM2B_PUBLIC (what `tpm2_createak -u` writes) and
// checks its attributes: an AK without `restricted` fails with ErrAkNotRestricted.
func AttestationKeyFromTPMPublic(tpm2bPublic []byte) (*AttestationKey, error) {
	buf, n := cbytes(tpm2bPublic)
	var out *C.aegis_ak
	var cerr *C.aegis_error
	status := C.aegis_ak_from_tpm_public(buf, n, &out, &cerr)
	runtime.KeepAlive(tpm2bPublic)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return newAttestationKey(out), nil
}

// AttestationKeyFromBareKeyUnchecked makes an AK from a bare public key (DER SubjectPublicKeyInfo) and the
// scheme it signs with. Nothing about the key can be checked (it may not be restricted, nor even
// be in a TPM): use it only where the key was vetted by other means. The name says so on purpose.
func AttestationKeyFromBareKeyUnchecked(spkiDER []byte, scheme SigScheme, hash HashAlg) (*AttestationKey, error) {
	buf, n := cbytes(spkiDER)
	var out *C.aegis_ak
	var cerr *C.aegis_error
	status := C.aegis_ak_from_bare_key_unchecked(buf, n, C.uint16_t(scheme), C.uint16_t(hash), &out, &cerr)
	runtime.KeepAlive(spkiDER)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return newAttestationKey(out), nil
}

// Name is the AK's TPM Name (nameAlg || H(TPMT_PUBLIC)), a copy. It is nil for a bare key (which
// has no TPMT_PUBLIC) and for a closed key.
func (k *AttestationKey) Name() []byte {
	p := k.ptr()
	if p == nil {
		return nil
	}
	var buf *C.uint8_t
	var n C.size_t
	var name []byte
	if C.aegis_ak_name(p, &buf, &n) == C.AEGIS_OK {
		name = gobytes(buf, n)
	}
	runtime.KeepAlive(k)
	return name
}

// IsChecked reports whether the AK was checked: true when loaded from its TPM public area
// (AttestationKeyFromTPMPublic: attributes checked, VERIFIER-CHECKS.md item 13), false for a
// bare key (AttestationKeyFromBareKeyUnchecked) and for a closed key.
func (k *AttestationKey) IsChecked() bool {
	checked := bool(C.aegis_ak_is_checked(k.ptr()))
	runtime.KeepAlive(k)
	return checked
}

// Scheme is the scheme the AK signs with (Alg RSASSA, RSAPSS or ECDSA, and its Hash). A closed
// key gives ErrNullPointer.
func (k *AttestationKey) Scheme() (SignatureScheme, error) {
	var alg, hash C.uint16_t
	status := C.aegis_ak_scheme(k.ptr(), &alg, &hash)
	runtime.KeepAlive(k)
	if err := check(status, nil); err != nil {
		return SignatureScheme{}, err
	}
	return SignatureScheme{Alg: SigScheme(alg), Hash: HashAlg(hash)}, nil
}

package aegis

// #include "aegis.h"
import "C"

import (
	"runtime"
	"sync"
)

// ActivationChallenge is credential activation on the verifier's side (C
// aegis_activation_challenge, VERIFIER-CHECKS.md item 14): a fresh random secret protected to
// the EK for the AK's Name (TPM2_MakeCredential), kept (wiped when freed) until the attester
// returns what its TPM recovered with TPM2_ActivateCredential. Send CredentialBlob and
// EncryptedSecret; pass the recovered bytes to Complete.
//
// The secret is used once: after Complete compared it (match or not) the challenge holds none,
// and a later Complete returns ErrInvalidArgument. Safe for concurrent use; Close is idempotent,
// a finalizer is the backstop.
type ActivationChallenge struct {
	mu sync.Mutex // serializes Complete (C: not thread-safe while being completed)
	p  *C.aegis_activation_challenge
}

func newActivationChallenge(p *C.aegis_activation_challenge) *ActivationChallenge {
	c := &ActivationChallenge{p: p}
	runtime.SetFinalizer(c, (*ActivationChallenge).Close)
	return c
}

// ptr is the C handle, or NULL when c is nil or closed (the C side then reports ErrNullPointer).
func (c *ActivationChallenge) ptr() *C.aegis_activation_challenge {
	if c == nil {
		return nil
	}
	return c.p
}

// Close frees the challenge and wipes its secret. Calling it again, or on nil, does nothing.
func (c *ActivationChallenge) Close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p == nil {
		return
	}
	C.aegis_activation_challenge_free(c.p)
	c.p = nil
	runtime.SetFinalizer(c, nil)
}

// NewActivationChallenge starts credential activation for ak (loaded with AttestationKeyFromTPMPublic; a
// bare key has no Name) with an EK whose certificate VerifyEKCertificate verified: the binding
// then says the TPM is genuine. ErrNullPointer for a nil or closed EK.
func NewActivationChallenge(ek *VerifiedEK, ak *AttestationKey) (*ActivationChallenge, error) {
	var out *C.aegis_activation_challenge
	var cerr *C.aegis_error
	vek := ek.ptr()
	if vek == nil {
		return nil, closedError("the verified EK")
	}
	status := C.aegis_activation_challenge_new(nil, 0, vek, ak.ptr(), &out, &cerr)
	runtime.KeepAlive(ek)
	runtime.KeepAlive(ak)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return newActivationChallenge(out), nil
}

// NewActivationChallengeUncertified starts credential activation for ak with an EK known only
// by its public area (TPM2B_PUBLIC or TPMT_PUBLIC), for a TPM without an EK certificate: the
// binding proves that one TPM holds both keys, not that it is genuine. An empty ekPublic is
// ErrInvalidArgument (no EK given).
func NewActivationChallengeUncertified(ekPublic []byte, ak *AttestationKey) (*ActivationChallenge, error) {
	e, en := cbytes(ekPublic)
	var out *C.aegis_activation_challenge
	var cerr *C.aegis_error
	status := C.aegis_activation_challenge_new(e, en, nil, ak.ptr(), &out, &cerr)
	runtime.KeepAlive(ekPublic)
	runtime.KeepAlive(ak)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return newActivationChallenge(out), nil
}

// view copies a (ptr, len) view read by get from the challenge; nil when closed.
func (c *ActivationChallenge) view(get func(*C.aegis_activation_challenge, **C.uint8_t, *C.size_t) C.aegis_status) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.ptr()
	if p == nil {
		return nil
	}
	var b *C.uint8_t
	var n C.size_t
	var out []byte
	if get(p, &b, &n) == C.AEGIS_OK {
		out = gobytes(b, n)
	}
	runtime.KeepAlive(c)
	return out
}

// CredentialBlob is the TPM2B_ID_OBJECT to send (TPM2_ActivateCredential's credentialBlob), a
// copy; nil once closed.
func (c *ActivationChallenge) CredentialBlob() []byte {
	return c.view(func(p *C.aegis_activation_challenge, b **C.uint8_t, n *C.size_t) C.aegis_status {
		return C.aegis_activation_challenge_credential_blob(p, b, n)
	})
}

// EncryptedSecret is the TPM2B_ENCRYPTED_SECRET to send (TPM2_ActivateCredential's secret), a
// copy; nil once closed.
func (c *ActivationChallenge) EncryptedSecret() []byte {
	return c.view(func(p *C.aegis_activation_challenge, b **C.uint8_t, n *C.size_t) C.aegis_status {
		return C.aegis_activation_challenge_encrypted_secret(p, b, n)
	})
}

// Complete compares, in constant time, what the attester's TPM recovered with the secret and,
// when equal, returns the binding of the AK's Name to the EK; ErrCredentialMismatch otherwise.
func (c *ActivationChallenge) Complete(activated []byte) (*AKBinding, error) {
	if c != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	a, an := cbytes(activated)
	var out *C.aegis_ak_binding
	var cerr *C.aegis_error
	status := C.aegis_activation_challenge_complete(c.ptr(), a, an, &out, &cerr)
	runtime.KeepAlive(activated)
	runtime.KeepAlive(c)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	b := &AKBinding{p: out}
	runtime.SetFinalizer(b, (*AKBinding).Close)
	return b, nil
}

// AKBinding is the proof that the AK of a Name is resident in the TPM holding an EK (credential
// activation), for Appraise (C aegis_ak_binding). Only ActivationChallenge.Complete makes one.
// Immutable, may be shared between goroutines; Close is idempotent, a finalizer is the backstop.
type AKBinding struct {
	p *C.aegis_ak_binding
}

// ptr is the C handle, or NULL when b is nil or closed (the C side then reports ErrNullPointer).
func (b *AKBinding) ptr() *C.aegis_ak_binding {
	if b == nil {
		return nil
	}
	return b.p
}

// Close frees the binding. Calling it again, or on nil, does nothing.
func (b *AKBinding) Close() {
	if b == nil || b.p == nil {
		return
	}
	C.aegis_ak_binding_free(b.p)
	b.p = nil
	runtime.SetFinalizer(b, nil)
}

// AKName is the bound AK's Name (nameAlg || H(TPMT_PUBLIC)), a copy; nil for a nil or closed
// binding.
func (b *AKBinding) AKName() []byte {
	p := b.ptr()
	if p == nil {
		return nil
	}
	var buf *C.uint8_t
	var n C.size_t
	var name []byte
	if C.aegis_ak_binding_ak_name(p, &buf, &n) == C.AEGIS_OK {
		name = gobytes(buf, n)
	}
	runtime.KeepAlive(b)
	return name
}

// EKCertified is whether the EK's certificate was verified against a manufacturer CA (the
// challenge came from NewActivationChallenge); false for a nil or closed binding.
func (b *AKBinding) EKCertified() bool {
	certified := bool(C.aegis_ak_binding_ek_certified(b.ptr()))
	runtime.KeepAlive(b)
	return certified
}

// CheckAK is nil when ak is the bound AK (same Name); an error with code 7005
// (AkBindingMismatch) for another AK or a bare key.
func (b *AKBinding) CheckAK(ak *AttestationKey) error {
	var cerr *C.aegis_error
	status := C.aegis_ak_binding_check_ak(b.ptr(), ak.ptr(), &cerr)
	runtime.KeepAlive(b)
	runtime.KeepAlive(ak)
	return check(status, cerr)
}

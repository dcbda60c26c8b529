package aegis

// #include "aegis.h"
import "C"

import (
	"fmt"
	"runtime"
)

// ECCCurve is a TPM_ECC_CURVE id (TCG Algorithm Registry; TPM 2.0 Part 2, 6.4).
type ECCCurve uint16

// The NIST curves (TPM_ECC_CURVE values).
const (
	ECCP256 ECCCurve = 0x0003
	ECCP384 ECCCurve = 0x0004
	ECCP521 ECCCurve = 0x0005
)

// String is the curve's short name: P-256, P-384, P-521.
func (c ECCCurve) String() string {
	switch c {
	case ECCP256:
		return "P-256"
	case ECCP384:
		return "P-384"
	case ECCP521:
		return "P-521"
	}
	return fmt.Sprintf("0x%04x", uint16(c))
}

// KeyPolicy is a key allow-list (C aegis_key_policy; VERIFIER-CHECKS.md items 13 and 15): the
// RSA modulus sizes (exponent 65537) and curves a verifier accepts for an AK
// (AttestationKeyFromTPMPublicWithPolicy) or an App Key (CertifyPolicy.SetAppKeyPolicy,
// AppraisalPolicy.SetAppKeyPolicy). A key off the list fails with ErrKeyNotAllowed.
//
// The functions that take a KeyPolicy copy it. Setting a policy is not safe for concurrent use;
// once set, it may be shared. Close is idempotent, a finalizer is the backstop.
type KeyPolicy struct {
	p *C.aegis_key_policy
}

// NewKeyPolicy is the default key policy: RSA 2048, 3072, 4096; P-256, P-384.
func NewKeyPolicy() *KeyPolicy {
	var p *C.aegis_key_policy
	if C.aegis_key_policy_new(&p) != C.AEGIS_OK {
		panic("aegis: aegis_key_policy_new failed") // only on a NULL out-pointer or OOM
	}
	k := &KeyPolicy{p: p}
	runtime.SetFinalizer(k, (*KeyPolicy).Close)
	return k
}

func (k *KeyPolicy) ptr() *C.aegis_key_policy {
	if k == nil {
		return nil
	}
	return k.p
}

// Close frees the policy. Calling it again, or on nil, does nothing.
func (k *KeyPolicy) Close() {
	if k == nil || k.p == nil {
		return
	}
	C.aegis_key_policy_free(k.p)
	k.p = nil
	runtime.SetFinalizer(k, nil)
}

// setU16s passes ids to set as a C array (NULL for none).
func setU16s[T ~uint16](ids []T, set func(*C.uint16_t, C.size_t, **C.aegis_error) C.aegis_status) error {
	cids := make([]C.uint16_t, len(ids))
	for i, id := range ids {
		cids[i] = C.uint16_t(id)
	}
	var p *C.uint16_t
	if len(cids) > 0 {
		p = &cids[0]
	}
	var cerr *C.aegis_error
	status := set(p, C.size_t(len(cids)), &cerr)
	runtime.KeepAlive(cids)
	return check(status, cerr)
}

// SetRSABits sets the accepted RSA modulus sizes in bits (each a multiple of 8 from 2048 to
// 16384, else ErrInvalidArgument); none accepts no RSA key. On error the policy is unchanged.
func (k *KeyPolicy) SetRSABits(bits ...uint16) error {
	err := setU16s(bits, func(p *C.uint16_t, n C.size_t, cerr **C.aegis_error) C.aegis_status {
		return C.aegis_key_policy_set_rsa_bits(k.ptr(), p, n, cerr)
	})
	runtime.KeepAlive(k)
	return err
}

// SetCurves sets the accepted curves (ECCP256, ECCP384, ECCP521; another id is
// ErrUnknownAlgorithm); none accepts no ECC key. On error the policy is unchanged.
func (k *KeyPolicy) SetCurves(curves ...ECCCurve) error {
	err := setU16s(curves, func(p *C.uint16_t, n C.size_t, cerr **C.aegis_error) C.aegis_status {
		return C.aegis_key_policy_set_curves(k.ptr(), p, n, cerr)
	})
	runtime.KeepAlive(k)
	return err
}

// AttestationKeyFromTPMPublicWithPolicy is AttestationKeyFromTPMPublic with the key allow-list
// policy instead of the default one (nil: the default). A key off the list fails with
// ErrKeyNotAllowed; a closed policy with ErrNullPointer.
func AttestationKeyFromTPMPublicWithPolicy(tpm2bPublic []byte, policy *KeyPolicy) (*AttestationKey, error) {
	if policy != nil && policy.ptr() == nil {
		return nil, closedError("the key policy")
	}
	buf, n := cbytes(tpm2bPublic)
	var out *C.aegis_ak
	var cerr *C.aegis_error
	status := C.aegis_ak_from_tpm_public_with_policy(buf, n, policy.ptr(), &out, &cerr)
	runtime.KeepAlive(tpm2bPublic)
	runtime.KeepAlive(policy)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return newAttestationKey(out), nil
}

// SetAppKeyPolicy sets the key allow-list the certified App Key must be on (VERIFIER-CHECKS.md
// item 15; default RSA 2048/3072/4096, P-256, P-384): a copy of policy.
func (c *CertifyPolicy) SetAppKeyPolicy(policy *KeyPolicy) error {
	status := C.aegis_certify_policy_set_app_key_policy(c.ptr(), policy.ptr())
	runtime.KeepAlive(c)
	runtime.KeepAlive(policy)
	return check(status, nil)
}

// SetAppKeyPolicy sets the key allow-list the certified App Key must be on, as
// CertifyPolicy.SetAppKeyPolicy: a copy of policy.
func (q *AppraisalPolicy) SetAppKeyPolicy(policy *KeyPolicy) error {
	status := C.aegis_appraisal_policy_set_app_key_policy(q.ptr(), policy.ptr())
	runtime.KeepAlive(q)
	runtime.KeepAlive(policy)
	return check(status, nil)
}

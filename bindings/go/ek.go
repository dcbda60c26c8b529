package aegis

// #include "aegis.h"
import "C"

import (
	"runtime"
	"time"
)

// EndorsementHierarchy is TPM_RH_ENDORSEMENT (0x4000000B), whose Name (and qualified Name) is
// the handle itself: the root of an EK's qualified Name.
const EndorsementHierarchy uint32 = C.AEGIS_ENDORSEMENT_HIERARCHY

// EKTrustStore holds the manufacturer CA certificates trusted for EK certificates (C
// aegis_ek_trust_store): roots (trust anchors) and intermediates (used to build paths, trusted
// only through a root).
//
// Fill it before sharing it: AddRoot and AddIntermediate must not run concurrently with each
// other or with VerifyEKCertificate on the same store; once filled it may be shared between
// goroutines. Close frees it; it is idempotent, and a finalizer calls it as a backstop.
type EKTrustStore struct {
	p *C.aegis_ek_trust_store
}

// NewEKTrustStore returns an empty store.
func NewEKTrustStore() *EKTrustStore {
	var p *C.aegis_ek_trust_store
	if C.aegis_ek_trust_store_new(&p) != C.AEGIS_OK {
		panic("aegis: aegis_ek_trust_store_new failed") // only on a NULL out-pointer: a bug here
	}
	s := &EKTrustStore{p: p}
	runtime.SetFinalizer(s, (*EKTrustStore).Close)
	return s
}

// ptr is the C handle, or NULL when s is nil or closed (the C side then reports ErrNullPointer).
func (s *EKTrustStore) ptr() *C.aegis_ek_trust_store {
	if s == nil {
		return nil
	}
	return s.p
}

// Close frees the store. Calling it again, or on nil, does nothing.
func (s *EKTrustStore) Close() {
	if s == nil || s.p == nil {
		return
	}
	C.aegis_ek_trust_store_free(s.p)
	s.p = nil
	runtime.SetFinalizer(s, nil)
}

// AddRoot adds trust anchors: one DER certificate, or every CERTIFICATE block of a PEM text
// (told apart by content). Each must be a CA certificate (ErrEkCertificateInvalid otherwise); on
// error the store is unchanged.
func (s *EKTrustStore) AddRoot(cert []byte) error {
	buf, n := cbytes(cert)
	var cerr *C.aegis_error
	status := C.aegis_ek_trust_store_add_root(s.ptr(), buf, n, &cerr)
	runtime.KeepAlive(cert)
	runtime.KeepAlive(s)
	return check(status, cerr)
}

// RootCount is the number of trusted roots in the store (0 for a closed store).
func (s *EKTrustStore) RootCount() int {
	n := int(C.aegis_ek_trust_store_root_count(s.ptr()))
	runtime.KeepAlive(s)
	return n
}

// IntermediateCount is the number of intermediates in the store (0 for a closed store).
func (s *EKTrustStore) IntermediateCount() int {
	n := int(C.aegis_ek_trust_store_intermediate_count(s.ptr()))
	runtime.KeepAlive(s)
	return n
}

// AddIntermediate adds intermediate CA certificates (DER or PEM, as AddRoot).
func (s *EKTrustStore) AddIntermediate(cert []byte) error {
	buf, n := cbytes(cert)
	var cerr *C.aegis_error
	status := C.aegis_ek_trust_store_add_intermediate(s.ptr(), buf, n, &cerr)
	runtime.KeepAlive(cert)
	runtime.KeepAlive(s)
	return check(status, cerr)
}

// VerifiedEK is an EK certificate that chains to the store, is valid at the time given and
// certifies the EK public area given. Only VerifyEKCertificate makes one. Its accessors read
// copies in Go memory; it also keeps the C aegis_verified_ek for NewActivationChallenge, which
// Close frees (idempotent; a finalizer is the backstop). May be shared between goroutines.
type VerifiedEK struct {
	p                                   *C.aegis_verified_ek
	name, qualifiedName, public, serial []byte
	subject, issuer                     string
	chainLen                            int
}

// ptr is the C handle, or NULL when v is nil or closed (the C side then reports ErrNullPointer).
func (v *VerifiedEK) ptr() *C.aegis_verified_ek {
	if v == nil {
		return nil
	}
	return v.p
}

// Close frees the C handle (the accessors keep working). Calling it again, or on nil, does
// nothing.
func (v *VerifiedEK) Close() {
	if v == nil || v.p == nil {
		return
	}
	C.aegis_verified_ek_free(v.p)
	v.p = nil
	runtime.SetFinalizer(v, nil)
}

// Name is the EK's TPM Name (nameAlg || H(TPMT_PUBLIC)), a copy.
func (v *VerifiedEK) Name() []byte { return append([]byte(nil), v.name...) }

// Public is the EK public area as TPM2B_PUBLIC (for MakeCredential), a copy.
func (v *VerifiedEK) Public() []byte { return append([]byte(nil), v.public...) }

// Subject is the certificate's subject (RFC 4514 text; often empty for EK certificates).
func (v *VerifiedEK) Subject() string { return v.subject }

// Issuer is the certificate's issuer (RFC 4514 text).
func (v *VerifiedEK) Issuer() string { return v.issuer }

// QualifiedName is the EK's qualified Name as a primary key of the endorsement hierarchy:
// QualifiedName(Name(EK), NameOfHandle(EndorsementHierarchy)), a copy.
func (v *VerifiedEK) QualifiedName() []byte { return append([]byte(nil), v.qualifiedName...) }

// Serial is the certificate's serial number: the big-endian bytes of its positive INTEGER
// without a leading zero octet (new(big.Int).SetBytes reads it), a copy.
func (v *VerifiedEK) Serial() []byte { return append([]byte(nil), v.serial...) }

// ChainLen is the number of certificates in the verified path, the EK certificate and the root
// included.
func (v *VerifiedEK) ChainLen() int { return v.chainLen }

// VerifyEKCertificate verifies an EK certificate (VERIFIER-CHECKS.md item 14): cert is the DER
// certificate (NV-index padding after it is ignored), ekPublic the EK public area (TPM2B_PUBLIC
// or TPMT_PUBLIC) as read from the TPM, now the time to check validity at (Aegis reads no clock).
// Errors: ErrEkCertificateInvalid, ErrEkCertificateExpired, ErrEkPublicKeyMismatch,
// ErrEkCertificateUntrusted.
func VerifyEKCertificate(store *EKTrustStore, cert, ekPublic []byte, now time.Time) (*VerifiedEK, error) {
	unix := now.Unix()
	if unix < 0 {
		unix = 0
	}
	c, cn := cbytes(cert)
	e, en := cbytes(ekPublic)
	var out *C.aegis_verified_ek
	var cerr *C.aegis_error
	status := C.aegis_ek_verify(store.ptr(), c, cn, e, en, C.uint64_t(unix), &out, &cerr)
	runtime.KeepAlive(cert)
	runtime.KeepAlive(ekPublic)
	runtime.KeepAlive(store)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	v := &VerifiedEK{
		p:       out,
		subject: C.GoString(C.aegis_verified_ek_subject(out)),
		issuer:  C.GoString(C.aegis_verified_ek_issuer(out)),
	}
	var p *C.uint8_t
	var n C.size_t
	if C.aegis_verified_ek_name(out, &p, &n) == C.AEGIS_OK {
		v.name = gobytes(p, n)
	}
	if C.aegis_verified_ek_public(out, &p, &n) == C.AEGIS_OK {
		v.public = gobytes(p, n)
	}
	if C.aegis_verified_ek_qualified_name(out, &p, &n) == C.AEGIS_OK {
		v.qualifiedName = gobytes(p, n)
	}
	if C.aegis_verified_ek_serial(out, &p, &n) == C.AEGIS_OK {
		v.serial = gobytes(p, n)
	}
	v.chainLen = int(C.aegis_verified_ek_chain_len(out))
	runtime.SetFinalizer(v, (*VerifiedEK).Close)
	return v, nil
}

// MadeCredential is the output of TPM2_MakeCredential computed by the verifier: what it sends to the
// attester, who recovers the secret with TPM2_ActivateCredential. It holds no secret. Everything
// is copied into Go memory, so there is nothing to Close.
type MadeCredential struct {
	blob, encryptedSecret, file []byte
}

// CredentialBlob is the TPM2B_ID_OBJECT (size-prefixed), a copy.
func (c *MadeCredential) CredentialBlob() []byte { return append([]byte(nil), c.blob...) }

// EncryptedSecret is the TPM2B_ENCRYPTED_SECRET (size-prefixed), a copy.
func (c *MadeCredential) EncryptedSecret() []byte { return append([]byte(nil), c.encryptedSecret...) }

// TPM2ToolsFile is the file form `tpm2_activatecredential -i` reads (magic 0xBADCC0DE, version 1,
// TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET), a copy.
func (c *MadeCredential) TPM2ToolsFile() []byte { return append([]byte(nil), c.file...) }

func credentialFrom(p *C.aegis_credential) *MadeCredential {
	defer C.aegis_credential_free(p)
	c := &MadeCredential{}
	var b *C.uint8_t
	var n C.size_t
	if C.aegis_credential_blob(p, &b, &n) == C.AEGIS_OK {
		c.blob = gobytes(b, n)
	}
	if C.aegis_credential_encrypted_secret(p, &b, &n) == C.AEGIS_OK {
		c.encryptedSecret = gobytes(b, n)
	}
	if C.aegis_credential_tpm2_tools_file(p, &b, &n) == C.AEGIS_OK {
		c.file = gobytes(b, n)
	}
	return c
}

// MakeCredential is TPM2_MakeCredential in software: it protects secret to the EK ekPublic
// (TPM2B_PUBLIC or TPMT_PUBLIC; take it from a VerifiedEK) for the object named akName (the AK's
// Name), so that only the TPM holding that EK, with that AK loaded, can recover it. secret must
// be fresh and random, 1 to digest-size(EK nameAlg) bytes (32 for SHA-256 EKs); keep it for
// CheckActivated.
func MakeCredential(ekPublic, akName, secret []byte) (*MadeCredential, error) {
	e, en := cbytes(ekPublic)
	a, an := cbytes(akName)
	s, sn := cbytes(secret)
	var out *C.aegis_credential
	var cerr *C.aegis_error
	status := C.aegis_credential_make(e, en, a, an, s, sn, &out, &cerr)
	runtime.KeepAlive(ekPublic)
	runtime.KeepAlive(akName)
	runtime.KeepAlive(secret)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return credentialFrom(out), nil
}

// MadeCredentialFromTPM2ToolsFile reads the tpm2-tools credential file form (see MadeCredential.TPM2ToolsFile).
func MadeCredentialFromTPM2ToolsFile(file []byte) (*MadeCredential, error) {
	b, n := cbytes(file)
	var out *C.aegis_credential
	var cerr *C.aegis_error
	status := C.aegis_credential_parse(b, n, &out, &cerr)
	runtime.KeepAlive(file)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return credentialFrom(out), nil
}

// CheckActivated compares, in constant time, the secret the attester recovered with
// TPM2_ActivateCredential with the one given to MakeCredential: nil when equal,
// ErrCredentialMismatch otherwise (ErrInvalidArgument when expected is empty).
func CheckActivated(expected, activated []byte) error {
	e, en := cbytes(expected)
	a, an := cbytes(activated)
	var cerr *C.aegis_error
	status := C.aegis_credential_check(e, en, a, an, &cerr)
	runtime.KeepAlive(expected)
	runtime.KeepAlive(activated)
	return check(status, cerr)
}

// NameOfHandle is the Name of a permanent handle such as a hierarchy (EndorsementHierarchy): the
// handle itself, 4 bytes big-endian (TCG Part 1, 16), which is also its qualified Name, the
// parentQualified of QualifiedName for a primary key.
func NameOfHandle(handle uint32) []byte {
	var out *C.aegis_bytes
	if C.aegis_name_of_handle(C.uint32_t(handle), &out, nil) != C.AEGIS_OK {
		panic("aegis: aegis_name_of_handle failed") // only on a NULL out-pointer or OOM
	}
	defer C.aegis_bytes_free(out)
	return gobytes(C.aegis_bytes_ptr(out), C.aegis_bytes_len(out))
}

// QualifiedName is the qualified Name of an object with Name name under a parent whose
// qualified Name is parentQualified (TCG Part 1, 16.6): nameAlg || H(parentQualified || name),
// what a TPM signs as qualifiedSigner. For an AK under an EK of the endorsement hierarchy the
// expected signer is QualifiedName(Name(AK), VerifiedEK.QualifiedName()).
func QualifiedName(name, parentQualified []byte) ([]byte, error) {
	a, an := cbytes(name)
	p, pn := cbytes(parentQualified)
	var out *C.aegis_bytes
	var cerr *C.aegis_error
	status := C.aegis_name_qualified_under(a, an, p, pn, &out, &cerr)
	runtime.KeepAlive(name)
	runtime.KeepAlive(parentQualified)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_bytes_free(out)
	return gobytes(C.aegis_bytes_ptr(out), C.aegis_bytes_len(out)), nil
}

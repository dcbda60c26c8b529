package aegis

// #include "aegis.h"
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// SignatureScheme is a signature scheme with its hash (C: two uint16_t, scheme_alg and
// hash_alg): SignatureScheme{Alg: ECDSA, Hash: SHA256}, {RSASSA, SHA384}, {RSAPSS, SHA256}...
type SignatureScheme struct {
	Alg  SigScheme
	Hash HashAlg
}

// String is the scheme-hash name the Python binding uses: "ecdsa-sha256", "rsapss-sha384"...
func (s SignatureScheme) String() string {
	alg := fmt.Sprintf("0x%04x", uint16(s.Alg))
	switch s.Alg {
	case RSASSA:
		alg = "rsassa"
	case RSAPSS:
		alg = "rsapss"
	case ECDSA:
		alg = "ecdsa"
	}
	return alg + "-" + s.Hash.String()
}

// SignatureFormat is how a signature is encoded (C AEGIS_SIGNATURE_*).
type SignatureFormat uint32

// Signature encodings.
const (
	// SignatureRaw is an RSA signature's bytes, or ECDSA r||s each padded to the curve's size
	// (JWS, RFC 7518 3.4; COSE, RFC 9053 2.1).
	SignatureRaw SignatureFormat = C.AEGIS_SIGNATURE_RAW
	// SignatureDER is an ECDSA signature as DER ECDSA-Sig-Value (RFC 3279 2.2.3), as Go's
	// ecdsa.SignASN1 makes it. ECDSA only.
	SignatureDER SignatureFormat = C.AEGIS_SIGNATURE_DER
	// SignatureTPMT is a TPMT_SIGNATURE (TPM 2.0 Part 2, 11.3.4) of the same scheme and hash.
	SignatureTPMT SignatureFormat = C.AEGIS_SIGNATURE_TPMT
)

// KeyKind is the kind and size of a generated private key (C AEGIS_KEY_*).
type KeyKind uint32

// Private key kinds.
const (
	KeyECCP256 KeyKind = C.AEGIS_KEY_ECC_P256
	KeyECCP384 KeyKind = C.AEGIS_KEY_ECC_P384
	KeyRSA2048 KeyKind = C.AEGIS_KEY_RSA_2048
	KeyRSA3072 KeyKind = C.AEGIS_KEY_RSA_3072
	KeyRSA4096 KeyKind = C.AEGIS_KEY_RSA_4096
)

// PublicKey is an RSA or ECC (P-256, P-384) public key (C aegis_public_key). Immutable, may be
// shared between goroutines; Close is idempotent, a finalizer is the backstop.
type PublicKey struct {
	p *C.aegis_public_key
}

func newPublicKey(p *C.aegis_public_key) *PublicKey {
	k := &PublicKey{p: p}
	runtime.SetFinalizer(k, (*PublicKey).Close)
	return k
}

// ptr is the C handle, or NULL when k is nil or closed (the C side then reports ErrNullPointer).
func (k *PublicKey) ptr() *C.aegis_public_key {
	if k == nil {
		return nil
	}
	return k.p
}

// Close frees the key. Calling it again, or on nil, does nothing.
func (k *PublicKey) Close() {
	if k == nil || k.p == nil {
		return
	}
	C.aegis_public_key_free(k.p)
	k.p = nil
	runtime.SetFinalizer(k, nil)
}

// PublicKeyFromSPKI reads a SubjectPublicKeyInfo in DER or PEM ("PUBLIC KEY"), told apart by
// content; what x509.MarshalPKIXPublicKey writes. ErrInvalidFormat when malformed,
// ErrKeyNotAllowed for another algorithm or curve.
func PublicKeyFromSPKI(b []byte) (*PublicKey, error) {
	buf, n := cbytes(b)
	var out *C.aegis_public_key
	var cerr *C.aegis_error
	status := C.aegis_public_key_from_spki(buf, n, &out, &cerr)
	runtime.KeepAlive(b)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return newPublicKey(out), nil
}

// PublicKeyFromTPMPublic reads the key of a TPM public area (TPM2B_PUBLIC or TPMT_PUBLIC). Its
// attributes are not checked: load an AK with AttestationKeyFromTPMPublic.
func PublicKeyFromTPMPublic(b []byte) (*PublicKey, error) {
	buf, n := cbytes(b)
	var out *C.aegis_public_key
	var cerr *C.aegis_error
	status := C.aegis_public_key_from_tpm_public(buf, n, &out, &cerr)
	runtime.KeepAlive(b)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return newPublicKey(out), nil
}

// SPKIDER is the key as a DER SubjectPublicKeyInfo (for x509.ParsePKIXPublicKey).
func (k *PublicKey) SPKIDER() ([]byte, error) {
	var out *C.aegis_bytes
	var cerr *C.aegis_error
	status := C.aegis_public_key_to_spki_der(k.ptr(), &out, &cerr)
	runtime.KeepAlive(k)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_bytes_free(out)
	return gobytes(C.aegis_bytes_ptr(out), C.aegis_bytes_len(out)), nil
}

// VerifySignature verifies sig over msg with key under scheme (the message is hashed here), sig
// being encoded as format; SHA-1 only when allowSHA1. nil when it verifies; otherwise the check
// that failed: ErrSignatureInvalid, ErrHashNotAllowed, ErrSignatureSchemeMismatch,
// ErrHashMismatch, ErrKeyNotAllowed, ErrInvalidFormat, ErrEcdsaScalarOutOfRange, SignatureLength
// (3006), ErrUnknownAlgorithm, ErrInvalidArgument.
func VerifySignature(key *PublicKey, scheme SignatureScheme, msg, sig []byte, format SignatureFormat, allowSHA1 bool) error {
	m, mn := cbytes(msg)
	s, sn := cbytes(sig)
	var cerr *C.aegis_error
	status := C.aegis_signature_verify(key.ptr(), C.uint16_t(scheme.Alg), C.uint16_t(scheme.Hash), m, mn, s, sn,
		C.aegis_signature_format(format), C.bool(allowSHA1), &cerr)
	runtime.KeepAlive(msg)
	runtime.KeepAlive(sig)
	runtime.KeepAlive(key)
	return check(status, cerr)
}

// PrivateKey is a software private key, ECDSA P-256/P-384 or RSA 2048-4096 (C
// aegis_private_key); its secret is wiped when freed. Immutable, may be shared between
// goroutines; Close is idempotent, a finalizer is the backstop.
type PrivateKey struct {
	p *C.aegis_private_key
}

func newPrivateKey(p *C.aegis_private_key) *PrivateKey {
	k := &PrivateKey{p: p}
	runtime.SetFinalizer(k, (*PrivateKey).Close)
	return k
}

// ptr is the C handle, or NULL when k is nil or closed (the C side then reports ErrNullPointer).
func (k *PrivateKey) ptr() *C.aegis_private_key {
	if k == nil {
		return nil
	}
	return k.p
}

// Close frees the key and wipes its secret. Calling it again, or on nil, does nothing.
func (k *PrivateKey) Close() {
	if k == nil || k.p == nil {
		return
	}
	C.aegis_private_key_free(k.p)
	k.p = nil
	runtime.SetFinalizer(k, nil)
}

// GeneratePrivateKey makes a fresh key of kind (KeyECCP256, KeyECCP384, KeyRSA2048, ...).
func GeneratePrivateKey(kind KeyKind) (*PrivateKey, error) {
	var out *C.aegis_private_key
	var cerr *C.aegis_error
	status := C.aegis_private_key_generate(C.aegis_key_kind(kind), &out, &cerr)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return newPrivateKey(out), nil
}

// PrivateKeyFromPEM reads one unencrypted PEM block: "PRIVATE KEY" (PKCS#8), "EC PRIVATE KEY"
// (SEC 1) or "RSA PRIVATE KEY" (PKCS#1).
func PrivateKeyFromPEM(b []byte) (*PrivateKey, error) {
	buf, n := cbytes(b)
	var out *C.aegis_private_key
	var cerr *C.aegis_error
	status := C.aegis_private_key_from_pem(buf, n, &out, &cerr)
	runtime.KeepAlive(b)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	return newPrivateKey(out), nil
}

// PEM is the key as an unencrypted PKCS#8 "PRIVATE KEY" PEM block: the secret, a copy in Go
// memory (the C copy is wiped).
func (k *PrivateKey) PEM() ([]byte, error) {
	var out *C.aegis_string
	var cerr *C.aegis_error
	status := C.aegis_private_key_to_pem(k.ptr(), &out, &cerr)
	runtime.KeepAlive(k)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_string_free(out)
	return gobytes((*C.uint8_t)(unsafe.Pointer(C.aegis_string_ptr(out))), C.aegis_string_len(out)), nil
}

// PublicKey is the key's public half, a new handle (close it on its own).
func (k *PrivateKey) PublicKey() (*PublicKey, error) {
	var out *C.aegis_public_key
	status := C.aegis_private_key_public_key(k.ptr(), &out)
	runtime.KeepAlive(k)
	if err := check(status, nil); err != nil {
		return nil, err
	}
	return newPublicKey(out), nil
}

// Sign signs msg (hashed here) under scheme ({RSASSA or RSAPSS, ...} for an RSA key, PSS with
// salt length = digest length; {ECDSA, ...} for an EC key) and encodes the signature as format.
// SHA-1 is refused (ErrHashNotAllowed), as is a scheme that does not fit the key or DER for RSA
// (ErrInvalidArgument).
func (k *PrivateKey) Sign(msg []byte, scheme SignatureScheme, format SignatureFormat) ([]byte, error) {
	m, mn := cbytes(msg)
	var out *C.aegis_bytes
	var cerr *C.aegis_error
	status := C.aegis_private_key_sign(k.ptr(), C.uint16_t(scheme.Alg), C.uint16_t(scheme.Hash), m, mn,
		C.aegis_signature_format(format), &out, &cerr)
	runtime.KeepAlive(msg)
	runtime.KeepAlive(k)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_bytes_free(out)
	return gobytes(C.aegis_bytes_ptr(out), C.aegis_bytes_len(out)), nil
}

package aegis

// #include "aegis.h"
import "C"

import (
	"encoding/json"
	"runtime"
	"time"
	"unsafe"
)

// EARDialect is an EAR claim-name dialect (C aegis_ear_dialect).
type EARDialect uint32

const (
	// EARDialectIETF04 is draft-ietf-rats-ear-04 ("tag:ietf.org,2026:rats/ear#04"), the default.
	EARDialectIETF04 EARDialect = C.AEGIS_EAR_DIALECT_IETF_04
	// EARDialectIETF03 is draft-ietf-rats-ear-03.
	EARDialectIETF03 EARDialect = C.AEGIS_EAR_DIALECT_IETF_03
	// EARDialectVeraison is what veraison/ear v1.1.3 reads and writes.
	EARDialectVeraison EARDialect = C.AEGIS_EAR_DIALECT_VERAISON
)

// EARAlgs is an allow-list of EAR signature algorithms, or-ed (0 = all three).
type EARAlgs uint32

const (
	// EARAlgES256 is ECDSA P-256 with SHA-256.
	EARAlgES256 EARAlgs = C.AEGIS_EAR_ALG_ES256
	// EARAlgES384 is ECDSA P-384 with SHA-384.
	EARAlgES384 EARAlgs = C.AEGIS_EAR_ALG_ES384
	// EARAlgPS256 is RSASSA-PSS with SHA-256 (RSA 2048 bits or more).
	EARAlgPS256 EARAlgs = C.AEGIS_EAR_ALG_PS256
)

// EAR is a verified EAR token's claims, copied out of the C aegis_ear (nothing to close).
type EAR struct {
	// Claims are the claims as JSON in the token's own dialect.
	Claims map[string]any
	// Dialect is the dialect the token's eat_profile named.
	Dialect EARDialect
	// CWT is true for a CWT, false for a JWT.
	CWT bool
}

// VerifyEAR verifies an EAR token with key at now: a JWT, or a CWT in binary or base64, told
// apart by content. nonce (nil = none expected) must be the token's eat_nonce; algs is the
// allow-list (0 = ES256, ES384 and PS256). The error is the failed check (ErrEarExpired,
// ErrEarNonceMismatch, ErrSignatureInvalid, ...).
func VerifyEAR(key *PublicKey, token []byte, now time.Time, nonce []byte, algs EARAlgs) (*EAR, error) {
	tb, tn := cbytes(token)
	nb, nn := cbytes(nonce)
	var out *C.aegis_ear
	var cerr *C.aegis_error
	status := C.aegis_ear_verify(key.ptr(), tb, tn, unixSeconds(now), nb, nn, C.aegis_ear_algs(algs), &out, &cerr)
	runtime.KeepAlive(token)
	runtime.KeepAlive(nonce)
	runtime.KeepAlive(key)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_ear_free(out)
	var dialect C.aegis_ear_dialect
	var isCWT C.uint8_t
	if err := check(C.aegis_ear_format(out, &dialect, &isCWT), nil); err != nil {
		return nil, err
	}
	var text *C.aegis_string
	if err := check(C.aegis_ear_claims_json(out, &text, &cerr), cerr); err != nil {
		return nil, err
	}
	defer C.aegis_string_free(text)
	raw := gobytes((*C.uint8_t)(unsafe.Pointer(C.aegis_string_ptr(text))), C.aegis_string_len(text))
	ear := &EAR{Dialect: EARDialect(dialect), CWT: isCWT == 1}
	if err := json.Unmarshal(raw, &ear.Claims); err != nil {
		return nil, err
	}
	return ear, nil
}

// SignEARJWT signs EAR claims (JSON in any dialect, with an eat_profile) with key as a JWT in
// dialect: ES256, ES384 or PS256 by the key. The status rule is checked first.
func SignEARJWT(key *PrivateKey, claims []byte, dialect EARDialect) (string, error) {
	cb, cn := cbytes(claims)
	var out *C.aegis_string
	var cerr *C.aegis_error
	status := C.aegis_ear_sign_jwt(key.ptr(), cb, cn, C.aegis_ear_dialect(dialect), &out, &cerr)
	runtime.KeepAlive(claims)
	runtime.KeepAlive(key)
	if err := check(status, cerr); err != nil {
		return "", err
	}
	defer C.aegis_string_free(out)
	return C.GoStringN(C.aegis_string_ptr(out), C.int(C.aegis_string_len(out))), nil
}

// SignEARCWT signs EAR claims as SignEARJWT does, as a CWT (tagged COSE_Sign1, deterministic
// CBOR).
func SignEARCWT(key *PrivateKey, claims []byte, dialect EARDialect) ([]byte, error) {
	cb, cn := cbytes(claims)
	var out *C.aegis_bytes
	var cerr *C.aegis_error
	status := C.aegis_ear_sign_cwt(key.ptr(), cb, cn, C.aegis_ear_dialect(dialect), &out, &cerr)
	runtime.KeepAlive(claims)
	runtime.KeepAlive(key)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_bytes_free(out)
	return gobytes(C.aegis_bytes_ptr(out), C.aegis_bytes_len(out)), nil
}

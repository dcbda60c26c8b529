package aegis

import "fmt"

// Error is the error every fallible function of this package returns: an Aegis status code
// (the same number as the C aegis_status and the Python AegisError.code), its stable name (as in
// testdata/manifest.json) and a human-readable message.
//
// Compare with errors.Is against the sentinels (errors.Is(err, aegis.ErrPcrDigestMismatch));
// two *Error values match when their codes are equal. errors.As(err, &e) gives the details.
type Error struct {
	code    uint32
	name    string
	message string
}

// Code is the stable numeric code (the C aegis_status). Codes are never reused.
func (e *Error) Code() uint32 { return e.code }

// Name is the stable name of the code, e.g. "PcrDigestMismatch".
func (e *Error) Name() string { return e.name }

// Message is the detail of this occurrence (may be empty for a sentinel).
func (e *Error) Message() string { return e.message }

func (e *Error) Error() string {
	if e.message == "" {
		return fmt.Sprintf("aegis: %s (%d)", e.name, e.code)
	}
	return fmt.Sprintf("aegis: %s (%d): %s", e.name, e.code, e.message)
}

// Is reports whether target is an *Error with the same code, so that errors.Is matches the
// sentinels.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.code == e.code
}

func newError(code uint32, name, message string) *Error {
	if name == "" {
		if s, ok := sentinels[code]; ok {
			name = s.name
		} else {
			name = fmt.Sprintf("Unknown%d", code)
		}
	}
	return &Error{code: code, name: name, message: message}
}

// closedError is the error of a call given a closed handle where nil would mean a default (a
// closed policy must not silently become the default policy).
func closedError(what string) *Error {
	return newError(ErrNullPointer.code, ErrNullPointer.name, what+" is closed")
}

func sentinel(code uint32, name string) *Error {
	e := &Error{code: code, name: name}
	if _, dup := sentinels[code]; dup {
		panic("aegis: duplicate error code")
	}
	sentinels[code] = e
	return e
}

var sentinels = map[uint32]*Error{}

// ErrorByCode returns the sentinel of a code, or nil if this package does not know the code.
func ErrorByCode(code uint32) *Error { return sentinels[code] }

// Sentinels, one per code (aegis_core::Error::TABLE plus the C-ABI-only 1003-1005), for errors.Is.
// Ranges: 1000s usage, 2000s parsing, 3000s signature, 4000s attestation structure, 5000s quote
// and PCRs, 6000s keys, 7000s EK certificate and credential activation, 8000s location evidence,
// 9000s TPM backend.
var (
	ErrInvalidArgument            = sentinel(1001, "InvalidArgument")
	ErrCryptoProvider             = sentinel(1002, "CryptoProvider")
	ErrNullPointer                = sentinel(1003, "NullPointer")
	ErrPanic                      = sentinel(1004, "Panic")
	ErrInvalidUTF8                = sentinel(1005, "InvalidUtf8")
	ErrTruncated                  = sentinel(2000, "Truncated")
	ErrTrailingBytes              = sentinel(2001, "TrailingBytes")
	ErrSizeOutOfRange             = sentinel(2002, "SizeOutOfRange")
	ErrCountOutOfRange            = sentinel(2003, "CountOutOfRange")
	ErrUnknownAlgorithm           = sentinel(2004, "UnknownAlgorithm")
	ErrUnsupportedAttestationType = sentinel(2005, "UnsupportedAttestationType")
	ErrInvalidValue               = sentinel(2006, "InvalidValue")
	ErrInvalidFormat              = sentinel(2007, "InvalidFormat")
	ErrNullSignature              = sentinel(3000, "NullSignature")
	ErrSignatureSchemeMismatch    = sentinel(3001, "SignatureSchemeMismatch")
	ErrHashNotAllowed             = sentinel(3002, "HashNotAllowed")
	ErrHashMismatch               = sentinel(3003, "HashMismatch")
	ErrEcdsaScalarOutOfRange      = sentinel(3004, "EcdsaScalarOutOfRange")
	ErrSignatureInvalid           = sentinel(3005, "SignatureInvalid")
	ErrBadMagic                   = sentinel(4000, "BadMagic")
	ErrWrongAttestationType       = sentinel(4001, "WrongAttestationType")
	ErrEmptyNonce                 = sentinel(4002, "EmptyNonce")
	ErrNonceMismatch              = sentinel(4003, "NonceMismatch")
	ErrSignerMismatch             = sentinel(4004, "SignerMismatch")
	ErrClockRegression            = sentinel(4005, "ClockRegression")
	ErrPcrNotInSelection          = sentinel(5000, "PcrNotInSelection")
	ErrRequiredPcrMissing         = sentinel(5001, "RequiredPcrMissing")
	ErrPcrValueMissing            = sentinel(5002, "PcrValueMissing")
	ErrPcrValueSize               = sentinel(5003, "PcrValueSize")
	ErrPcrDigestMismatch          = sentinel(5004, "PcrDigestMismatch")
	ErrAkNotRestricted            = sentinel(6000, "AkNotRestricted")
	ErrKeyAttributeMissing        = sentinel(6001, "KeyAttributeMissing")
	ErrKeyIsDecrypt               = sentinel(6002, "KeyIsDecrypt")
	ErrKeyNotAllowed              = sentinel(6003, "KeyNotAllowed")
	ErrNameMismatch               = sentinel(6004, "NameMismatch")
	ErrEkCertificateInvalid       = sentinel(7000, "EkCertificateInvalid")
	ErrEkCertificateUntrusted     = sentinel(7001, "EkCertificateUntrusted")
	ErrEkCertificateExpired       = sentinel(7002, "EkCertificateExpired")
	ErrEkPublicKeyMismatch        = sentinel(7003, "EkPublicKeyMismatch")
	ErrCredentialMismatch         = sentinel(7004, "CredentialMismatch")
	ErrLocationLogMismatch        = sentinel(8000, "LocationLogMismatch")
	ErrLocationNonceMismatch      = sentinel(8001, "LocationNonceMismatch")
	ErrLocationLogCorrupt         = sentinel(8002, "LocationLogCorrupt")
	ErrBackend                    = sentinel(9000, "Backend")
)

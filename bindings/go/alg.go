package aegis

import "fmt"

// HashAlg is a TPM_ALG_ID of a hash algorithm (TCG Algorithm Registry), e.g. a PCR bank.
type HashAlg uint16

// Hash algorithms (TPM_ALG_ID values).
const (
	SHA1   HashAlg = 0x0004
	SHA256 HashAlg = 0x000B
	SHA384 HashAlg = 0x000C
	SHA512 HashAlg = 0x000D
)

// String is the bank name used by tpm2-tools and testdata: sha1, sha256, sha384, sha512.
func (h HashAlg) String() string {
	switch h {
	case SHA1:
		return "sha1"
	case SHA256:
		return "sha256"
	case SHA384:
		return "sha384"
	case SHA512:
		return "sha512"
	}
	return fmt.Sprintf("0x%04x", uint16(h))
}

// ParseHashAlg is the inverse of HashAlg.String for the four named banks.
func ParseHashAlg(name string) (HashAlg, bool) {
	for _, h := range []HashAlg{SHA1, SHA256, SHA384, SHA512} {
		if h.String() == name {
			return h, true
		}
	}
	return 0, false
}

// SigScheme is a TPM_ALG_ID of a signature scheme.
type SigScheme uint16

// Signature schemes (TPM_ALG_ID values).
const (
	RSASSA SigScheme = 0x0014
	RSAPSS SigScheme = 0x0016
	ECDSA  SigScheme = 0x0018
)

// Package aegis verifies TPM 2.0 evidence (quotes and key certifications) with the Aegis
// library, linked statically through its C ABI (include/aegis.h).
//
// Build the library first: `cargo build -p aegis-ffi --release` in the repository (make test-go
// does it); cgo links ../../target/release/libaegis.a relative to this package.
//
//	ak, err := aegis.AttestationKeyFromTPMPublic(akPublic) // TPM2B_PUBLIC; refuses unrestricted keys
//	if err != nil { ... }
//	defer ak.Close()
//	pcrs, err := aegis.ParsePCRs(pcrFile)         // tpm2-tools PCR file or JSON
//	defer pcrs.Close()
//	policy := aegis.NewQuotePolicy()
//	defer policy.Close()
//	policy.RequirePCR(aegis.SHA256, 15)
//	vq, err := aegis.VerifyQuote(ak, attest, sig, pcrs, nonce, policy)
//	if errors.Is(err, aegis.ErrPcrDigestMismatch) { ... }
//
// Handles (AttestationKey, PCRValues, QuotePolicy, CertifyPolicy) own C memory: Close them
// (idempotent); a finalizer frees a forgotten one as a backstop only. Keys, PCR values and
// policies that are no longer being set may be shared between goroutines; Close must not race
// with a call that uses the same handle. A nil or closed handle makes calls fail with
// ErrNullPointer (a closed policy is never taken for the default policy). Verified results are
// plain Go values. Every error is an *Error with the stable Code and Name shared with the C,
// Python and Rust APIs; compare with errors.Is against the Err* sentinels.
package aegis

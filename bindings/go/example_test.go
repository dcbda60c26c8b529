package aegis_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

// Verifies a quote from the shared vectors, then the same quote with PCR 15 changed.
func ExampleVerifyQuote() {
	dir := filepath.Join("..", "..", "testdata", "quote-rsa2048-rsassa-sha256")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			panic(err)
		}
		return b
	}
	// The vectors' nonces are fixed; a verifier makes a fresh random one per attestation.
	nonce := sha256.Sum256([]byte("aegis-testdata-nonce:quote-rsa2048-rsassa-sha256"))

	ak, err := aegis.AttestationKeyFromTPMPublic(read("ak.pub"))
	if err != nil {
		panic(err)
	}
	defer ak.Close()
	policy := aegis.NewQuotePolicy()
	defer policy.Close()
	if err := policy.RequirePCR(aegis.SHA256, 15); err != nil {
		panic(err)
	}
	pcrs, err := aegis.ParsePCRs(read("pcrs.bin"))
	if err != nil {
		panic(err)
	}
	defer pcrs.Close()

	vq, err := aegis.VerifyQuote(ak, read("quote.attest"), read("quote.sig"), pcrs, nonce[:], policy)
	if err != nil {
		panic(err)
	}
	pcr15, _ := vq.PCR(aegis.SHA256, 15)
	fmt.Printf("valid: %d PCRs, sha256:15 is %d bytes\n", len(vq.PCRs()), len(pcr15))

	forged, err := aegis.ParsePCRs([]byte(fmt.Sprintf(`{"sha256": {"0": "%x", "1": "%x", "15": "%x"}}`,
		mustPCR(vq, 0), mustPCR(vq, 1), sha256.Sum256([]byte("elsewhere")))))
	if err != nil {
		panic(err)
	}
	defer forged.Close()
	_, err = aegis.VerifyQuote(ak, read("quote.attest"), read("quote.sig"), forged, nonce[:], policy)
	var ae *aegis.Error
	if errors.As(err, &ae) {
		fmt.Println("forged:", ae.Name(), ae.Code(), errors.Is(err, aegis.ErrPcrDigestMismatch))
	}
	// Output:
	// valid: 3 PCRs, sha256:15 is 32 bytes
	// forged: PcrDigestMismatch 5004 true
}

func mustPCR(vq *aegis.VerifiedQuote, index uint8) []byte {
	v, ok := vq.PCR(aegis.SHA256, index)
	if !ok {
		panic("missing PCR")
	}
	return v
}

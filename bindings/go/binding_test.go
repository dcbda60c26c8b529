package aegis_test

import (
	"errors"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

// validVectors are the manifest's valid vectors of a kind.
func validVectors(t *testing.T, kind string) []vector {
	t.Helper()
	var out []vector
	for _, v := range loadManifest(t).Vectors {
		if v.Kind == kind && v.Expect.Verdict == "valid" {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no valid %s vector in the manifest", kind)
	}
	return out
}

func isSizePrefixed(b []byte) bool {
	return len(b) > 2 && int(b[0])<<8|int(b[1]) == len(b)-2
}

// Credential activation for every EK of the manifest, uncertified and certified. Activation
// itself needs the TPM (the Rust suite runs it on swtpm): here the attester's answer is wrong.
func TestActivationChallenge(t *testing.T) {
	quote := validVectors(t, "quote")[0]
	ak, err := aegis.AttestationKeyFromTPMPublic(readVectorFile(t, quote.AK))
	if err != nil {
		t.Fatal(err)
	}
	defer ak.Close()
	for _, v := range validVectors(t, "ek") {
		t.Run(v.ID, func(t *testing.T) {
			ekPublic := readVectorFile(t, v.EKPub)
			c, err := aegis.NewActivationChallengeUncertified(ekPublic, ak)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if !isSizePrefixed(c.CredentialBlob()) || !isSizePrefixed(c.EncryptedSecret()) {
				t.Fatalf("credential %x / %x", c.CredentialBlob(), c.EncryptedSecret())
			}
			if _, err := c.Complete(nil); !errors.Is(err, aegis.ErrCredentialMismatch) {
				t.Fatalf("empty answer: %v", err)
			}
			// The secret is used once.
			if _, err := c.Complete(make([]byte, 32)); !errors.Is(err, aegis.ErrInvalidArgument) {
				t.Fatalf("second answer: %v", err)
			}
			if len(c.CredentialBlob()) == 0 {
				t.Fatal("the credential is gone after completion")
			}
			c2, err := aegis.NewActivationChallengeUncertified(ekPublic, ak)
			if err != nil {
				t.Fatal(err)
			}
			b, err := c2.Complete(make([]byte, 32))
			if !errors.Is(err, aegis.ErrCredentialMismatch) || b != nil {
				t.Fatalf("wrong answer: %v, %v", b, err)
			}
			var ae *aegis.Error
			if !errors.As(err, &ae) || ae.Code() != 7004 || ae.Name() != "CredentialMismatch" {
				t.Fatalf("wrong answer: %v", err)
			}
			c2.Close()
			c2.Close()
			if c2.CredentialBlob() != nil {
				t.Fatal("a closed challenge has a credential")
			}
			if _, err := c2.Complete(make([]byte, 32)); !errors.Is(err, aegis.ErrNullPointer) {
				t.Fatalf("closed challenge: %v", err)
			}

			// Exactly one EK; it must parse.
			if _, err := aegis.NewActivationChallengeUncertified(nil, ak); !errors.Is(err, aegis.ErrInvalidArgument) {
				t.Fatalf("no EK: %v", err)
			}
			if _, err := aegis.NewActivationChallengeUncertified(ekPublic[:len(ekPublic)-1], ak); err == nil {
				t.Fatal("a truncated EK public area was accepted")
			}
			if _, err := aegis.NewActivationChallengeUncertified(ekPublic, nil); !errors.Is(err, aegis.ErrNullPointer) {
				t.Fatalf("nil AK: %v", err)
			}

			// Certified: the EK certificate verified at the manifest's time.
			store := ekStore(t, v)
			defer store.Close()
			vek, err := aegis.VerifyEKCertificate(store, readVectorFile(t, v.EKCert), ekPublic, time.Unix(v.VerifyTime, 0))
			if err != nil {
				t.Fatal(err)
			}
			cc, err := aegis.NewActivationChallenge(vek, ak)
			if err != nil {
				t.Fatal(err)
			}
			if !isSizePrefixed(cc.CredentialBlob()) {
				t.Fatal("certified challenge without a credential")
			}
			cc.Close()
			vek.Close()
			if len(vek.Name()) == 0 {
				t.Fatal("a closed VerifiedEK lost its Name")
			}
			if _, err := aegis.NewActivationChallenge(vek, ak); !errors.Is(err, aegis.ErrNullPointer) {
				t.Fatalf("closed EK: %v", err)
			}
			if _, err := aegis.NewActivationChallenge(nil, ak); !errors.Is(err, aegis.ErrNullPointer) {
				t.Fatalf("nil EK: %v", err)
			}
		})
	}
}

func TestNilAKBinding(t *testing.T) {
	var b *aegis.AKBinding
	b.Close()
	if b.AKName() != nil || b.EKCertified() {
		t.Fatal("a nil binding binds something")
	}
	if err := b.CheckAK(nil); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("nil binding: %v", err)
	}
}

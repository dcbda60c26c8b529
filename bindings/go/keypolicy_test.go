package aegis_test

import (
	"errors"
	"testing"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

func vectorByID(t *testing.T, id string) vector {
	t.Helper()
	for _, v := range loadManifest(t).Vectors {
		if v.ID == id {
			return v
		}
	}
	t.Fatalf("no vector %s", id)
	return vector{}
}

// A P-384 AK is refused by a key policy of P-256 only and accepted by the default one.
func TestKeyPolicyAK(t *testing.T) {
	v := vectorByID(t, "certify-ecc-p384-ecdsa-sha384-ecc-p256")
	pub := readVectorFile(t, v.AK)
	kp := aegis.NewKeyPolicy()
	defer kp.Close()
	for _, p := range []*aegis.KeyPolicy{nil, kp} {
		ak, err := aegis.AttestationKeyFromTPMPublicWithPolicy(pub, p)
		if err != nil {
			t.Fatalf("default policy: %v", err)
		}
		ak.Close()
	}
	if err := kp.SetCurves(aegis.ECCP384, 0x0099); !errors.Is(err, aegis.ErrUnknownAlgorithm) {
		t.Fatalf("unknown curve: %v", err)
	}
	if err := kp.SetRSABits(2048, 1024); !errors.Is(err, aegis.ErrInvalidArgument) {
		t.Fatalf("RSA-1024: %v", err)
	}
	if err := kp.SetCurves(aegis.ECCP256); err != nil {
		t.Fatal(err)
	}
	if _, err := aegis.AttestationKeyFromTPMPublicWithPolicy(pub, kp); !errors.Is(err, aegis.ErrKeyNotAllowed) {
		t.Fatalf("P-384 AK under P-256 only: %v", err)
	}
	if aegis.ECCP256.String() != "P-256" || aegis.ECCP384.String() != "P-384" || aegis.ECCP521.String() != "P-521" {
		t.Fatal("curve names")
	}
	closed := aegis.NewKeyPolicy()
	closed.Close()
	closed.Close()
	if _, err := aegis.AttestationKeyFromTPMPublicWithPolicy(pub, closed); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("closed key policy: %v", err)
	}
	if err := closed.SetCurves(aegis.ECCP256); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("closed key policy: %v", err)
	}
}

// An RSA-2048 App Key is refused by a key policy of RSA-3072 only, in a certification and in an
// appraisal, and accepted by the default one.
func TestKeyPolicyAppKey(t *testing.T) {
	v := vectorByID(t, "certify-ecc-p256-ecdsa-sha256-rsa2048")
	ak, err := aegis.AttestationKeyFromTPMPublic(readVectorFile(t, v.AK))
	if err != nil {
		t.Fatal(err)
	}
	defer ak.Close()
	key, attest, sig, nonce := readVectorFile(t, v.Key), readVectorFile(t, v.Attest), readVectorFile(t, v.Signature), mustHex(t, v.Nonce)
	kp := aegis.NewKeyPolicy()
	defer kp.Close()
	if err := kp.SetRSABits(3072); err != nil {
		t.Fatal(err)
	}

	cp := aegis.NewCertifyPolicy()
	defer cp.Close()
	if _, err := aegis.VerifyCertify(ak, key, attest, sig, nonce, cp); err != nil {
		t.Fatalf("default App Key policy: %v", err)
	}
	if err := cp.SetAppKeyPolicy(kp); err != nil {
		t.Fatal(err)
	}
	if _, err := aegis.VerifyCertify(ak, key, attest, sig, nonce, cp); !errors.Is(err, aegis.ErrKeyNotAllowed) {
		t.Fatalf("RSA-2048 App Key under RSA-3072 only: %v", err)
	}
	if err := cp.SetAppKeyPolicy(nil); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("nil key policy: %v", err)
	}

	pcrs, err := aegis.ParsePCRs(readVectorFile(t, "quote-ecc-p256-ecdsa-sha256/pcrs.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer pcrs.Close()
	ev := &aegis.Evidence{AppKey: key, CertifyAttest: attest, CertifySignature: sig, PCRs: pcrs}
	ap := aegis.NewAppraisalPolicy()
	defer ap.Close()
	if err := ap.NoLocation(); err != nil {
		t.Fatal(err)
	}
	nonces := aegis.Nonces{Certify: nonce, Quote: nonce}
	a, err := aegis.Appraise(ak, nil, ev, nonces, ap)
	if err != nil {
		t.Fatal(err)
	}
	if o := a.Outcomes()[1]; o.Check != aegis.CheckAppKeyCertification || o.Outcome != aegis.OutcomePassed {
		t.Fatalf("default App Key policy: %+v", o)
	}
	if a.Location() != nil {
		t.Fatal("a verified location without a location check")
	}
	if err := ap.SetAppKeyPolicy(kp); err != nil {
		t.Fatal(err)
	}
	a, err = aegis.Appraise(ak, nil, ev, nonces, ap)
	if err != nil {
		t.Fatal(err)
	}
	if o := a.Outcomes()[1]; o.Check != aegis.CheckAppKeyCertification || !errors.Is(o.Err, aegis.ErrKeyNotAllowed) {
		t.Fatalf("RSA-2048 App Key under RSA-3072 only: %+v", o)
	}
	if a.Certification() != nil {
		t.Fatal("a verified certification from a failed check")
	}
}

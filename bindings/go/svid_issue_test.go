package aegis_test

import (
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

// IssueSVIDCA and IssueSVID: a CA for demo.example and a leaf with the AttestedClaims and CMW
// extensions that VerifySVID accepts against that CA and reads back; then the refusals the Rust
// tests assert (aegis-core/tests/svid_issue.rs): a bad serial, NotAfter before NotBefore, a
// SPIFFE ID without path or not spiffe://, a trust domain that is not one, a key that is not
// the issuer's.
func TestIssueSVIDAndVerifyItBack(t *testing.T) {
	idx := loadSVIDIndex(t)
	now := time.Unix(idx.Time, 0)
	caKey, err := aegis.GeneratePrivateKey(aegis.KeyECCP256)
	if err != nil {
		t.Fatal(err)
	}
	defer caKey.Close()
	leafKey, err := aegis.GeneratePrivateKey(aegis.KeyECCP256)
	if err != nil {
		t.Fatal(err)
	}
	defer leafKey.Close()
	leafPub, err := leafKey.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	defer leafPub.Close()
	serial := []byte{0x01, 0x23, 0x45}
	ca, err := aegis.IssueSVIDCA("demo.example", "Aegis demo", serial, now.Add(-time.Minute), now.Add(24*time.Hour), caKey)
	if err != nil {
		t.Fatal(err)
	}
	claims := readSVID(t, "attested-claims.json")
	jwt := []byte(strings.TrimSpace(string(readSVID(t, idx.EARJWT))))
	tmpl := aegis.SVIDTemplate{
		SPIFFEID: "spiffe://demo.example/agent/1", PublicKey: leafPub, Serial: serial,
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour),
		AttestedClaims: claims, EAR: jwt, EARDialect: aegis.EARDialectIETF04,
	}
	leaf, err := aegis.IssueSVID(tmpl, ca, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca})
	leafPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf})
	if _, err := aegis.IssueSVID(tmpl, caPEM, caKey); err != nil {
		t.Errorf("issuer as PEM: %v", err)
	}
	v, err := aegis.VerifySVID(leafPEM, caPEM, "demo.example", now)
	if err != nil {
		t.Fatal(err)
	}
	if v.SPIFFEID != tmpl.SPIFFEID || !strings.Contains(string(v.AttestedClaims), "grc.tpm-attestation") ||
		v.EAR == nil || v.EAR.Token != string(jwt) {
		t.Errorf("issued SVID read back as %+v", v)
	}

	refused := func(what string, err error, want *aegis.Error, detail string) {
		t.Helper()
		if !errors.Is(err, want) || !strings.Contains(err.Error(), detail) {
			t.Errorf("%s: %v, want %s (%q)", what, err, want.Name(), detail)
		}
	}
	bad := tmpl
	bad.Serial = []byte{0, 0}
	_, err = aegis.IssueSVID(bad, ca, caKey)
	refused("zero serial", err, aegis.ErrInvalidArgument, "serial number")
	bad = tmpl
	bad.NotAfter = now.Add(-time.Hour)
	_, err = aegis.IssueSVID(bad, ca, caKey)
	refused("notAfter before notBefore", err, aegis.ErrInvalidArgument, "notAfter before notBefore")
	bad = tmpl
	bad.SPIFFEID = "spiffe://demo.example"
	_, err = aegis.IssueSVID(bad, ca, caKey)
	refused("ID without path", err, aegis.ErrInvalidArgument, "path")
	bad.SPIFFEID = "https://demo.example/agent/1"
	_, err = aegis.IssueSVID(bad, ca, caKey)
	refused("not spiffe://", err, aegis.ErrSvidIdNotSpiffe, "")
	_, err = aegis.IssueSVID(tmpl, ca, leafKey)
	refused("signer not the issuer", err, aegis.ErrInvalidArgument, "issuer")
	_, err = aegis.IssueSVID(tmpl, ca, nil)
	refused("nil issuer key", err, aegis.ErrNullPointer, "")
	_, err = aegis.IssueSVIDCA("demo.example", "Aegis demo", []byte{0, 0}, now, now.Add(time.Hour), caKey)
	refused("CA zero serial", err, aegis.ErrInvalidArgument, "serial number")
	_, err = aegis.IssueSVIDCA("demo.example", "Aegis demo", serial, now.Add(time.Hour), now, caKey)
	refused("CA notAfter before notBefore", err, aegis.ErrInvalidArgument, "notAfter before notBefore")
	_, err = aegis.IssueSVIDCA("Demo.example", "Aegis demo", serial, now, now.Add(time.Hour), caKey)
	refused("CA trust domain", err, aegis.ErrSvidTrustDomainInvalid, "")
}

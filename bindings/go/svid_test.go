package aegis_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

// svidIndex is testdata/svid/index.json (testdata/gen/make_svid_vectors.py).
type svidIndex struct {
	Time     int64  `json:"time"`
	Bundle   string `json:"bundle"`
	SPIFFEID string `json:"spiffe_id"`
	EARKey   string `json:"ear_key"`
	EARJWT   string `json:"ear_jwt"`
}

func readSVID(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, "svid", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadSVIDIndex(t *testing.T) svidIndex {
	var idx svidIndex
	if err := json.Unmarshal(readSVID(t, "index.json"), &idx); err != nil {
		t.Fatal(err)
	}
	return idx
}

// The valid chain read back (every chain of testdata/svid, with its verdict and error, is a
// manifest vector of kind "svid": TestManifest).
func TestVerifySVIDReadsTheValidChain(t *testing.T) {
	idx := loadSVIDIndex(t)
	bundle := readSVID(t, idx.Bundle)
	now := time.Unix(idx.Time, 0)
	v, err := aegis.VerifySVID(readSVID(t, "valid.chain.pem"), bundle, "example.org", now)
	if err != nil {
		t.Fatal(err)
	}
	if v.SPIFFEID != idx.SPIFFEID || v.AttestedClaims == nil || v.EAR == nil || v.EAR.Format != "jwt" || v.EAR.Token == "" {
		t.Errorf("valid chain read back as %+v", v)
	}
}

func TestSVIDExtensionsForTheComposer(t *testing.T) {
	claims := []byte(`{"grc.workload": {"spiffe_id": "spiffe://example.org/w"}}`)
	ext, err := aegis.AttestedClaimsExtension(claims)
	if err != nil {
		t.Fatal(err)
	}
	// A DER UTF8String (tag 12, short length) holding the JSON as given.
	if ext.OID != aegis.OIDAttestedClaims || ext.Critical || ext.Value[0] != 0x0c || string(ext.Value[2:]) != string(claims) {
		t.Errorf("AttestedClaims extension %+v", ext)
	}
	if _, err := aegis.AttestedClaimsExtension([]byte(`{"a": 1, "a": 2}`)); !errors.Is(err, aegis.ErrSvidAttestedClaimsMalformed) {
		t.Errorf("duplicate members: %v", err)
	}
	jwt := []byte(strings.TrimSpace(string(readSVID(t, "ear.jwt"))))
	cmw, err := aegis.CMWExtension(jwt, false, aegis.EARDialectIETF04)
	if err != nil {
		t.Fatal(err)
	}
	if cmw.OID != aegis.OIDCMW || cmw.Critical || cmw.Value[0] != 0x0c || !strings.Contains(string(cmw.Value), "application/eat+jwt") {
		t.Errorf("CMW extension %+v", cmw)
	}
	if _, err := aegis.CMWExtension(jwt, false, aegis.EARDialect(99)); !errors.Is(err, aegis.ErrInvalidArgument) {
		t.Errorf("bad dialect: %v", err)
	}
}

func TestGatewayCheckDecidesOnAChain(t *testing.T) {
	idx := loadSVIDIndex(t)
	bundle := readSVID(t, idx.Bundle)
	now := time.Unix(idx.Time, 0)
	priv, err := aegis.PrivateKeyFromPEM(readSVID(t, idx.EARKey))
	if err != nil {
		t.Fatal(err)
	}
	key, err := priv.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	policy := []byte(`{"version": 1}`)
	d, err := aegis.GatewayCheck(readSVID(t, "valid.chain.pem"), bundle, policy, key, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Allowed != (d.Verdict == "allow") || len(d.Reasons) == 0 {
		t.Errorf("decision %+v", d)
	}
	d, err = aegis.GatewayCheck(readSVID(t, "untrusted-root.chain.pem"), bundle, policy, key, now, nil)
	if err != nil || d.Allowed || d.Verdict != "deny" || d.Reasons[0].Name != "SvidUntrusted" {
		t.Errorf("untrusted chain: %+v %v", d, err)
	}
	if _, err := aegis.GatewayCheck(readSVID(t, "valid.chain.pem"), bundle, []byte(`{"version": 1, "x": 1}`), key, now, nil); !errors.Is(err, aegis.ErrGatewayPolicyInvalid) {
		t.Errorf("invalid policy: %v", err)
	}
	if _, err := aegis.GatewayCheck(readSVID(t, "valid.chain.pem"), bundle, policy, nil, now, nil); !errors.Is(err, aegis.ErrNullPointer) {
		t.Errorf("nil key: %v", err)
	}
}

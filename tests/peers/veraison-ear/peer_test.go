// Package peer checks Aegis's EAR tokens against veraison/ear v1.1.3 (TESTING.md, Peers):
// veraison/ear verifies a Veraison-dialect JWT that `aegis ear sign` made, and `aegis ear
// verify` accepts one that veraison/ear signed. Run by `make test-peers-go` (mk/peers.mk), which
// builds the aegis binary first; AEGIS_BIN names it.
package peer

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/veraison/ear"
)

const (
	keyFile = "../../../testdata/ear/issuer-p256.key.pem"
	pubFile = "../../../testdata/ear/issuer-p256.pub.pem"
)

func aegis(t *testing.T, args ...string) []byte {
	t.Helper()
	bin := os.Getenv("AEGIS_BIN")
	if bin == "" {
		bin = "../../../target/debug/aegis"
	}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("aegis %v: %v\n%s", args, err, out)
	}
	return out
}

func pemBlock(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	return block.Bytes
}

func TestVeraisonVerifiesAegisJWT(t *testing.T) {
	now := time.Now().Unix()
	nonce := base64.RawURLEncoding.EncodeToString([]byte("veraison peer nonce"))
	claims := map[string]any{
		"eat_profile":     "tag:github.com,2023:veraison/ear",
		"iat":             now,
		"exp":             now + 300,
		"ear.verifier-id": map[string]string{"developer": "https://aegis.example", "build": "peer"},
		"eat_nonce":       nonce,
		"submods": map[string]any{"tpm": map[string]any{
			"ear.status":                 "affirming",
			"ear.trustworthiness-vector": map[string]int{"instance-identity": 2, "executables": 2},
			"ear.appraisal-policy-id":    "https://aegis.example/policy/1",
			"grc.jurisdiction-country":   "ES",
		}},
	}
	data, _ := json.Marshal(claims)
	path := filepath.Join(t.TempDir(), "claims.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var signed struct{ Token, Dialect string }
	if err := json.Unmarshal(aegis(t, "ear", "sign", "--key", keyFile, "--dialect", "veraison", path), &signed); err != nil {
		t.Fatal(err)
	}
	pub, err := x509.ParsePKIXPublicKey(pemBlock(t, pubFile))
	if err != nil {
		t.Fatal(err)
	}
	var ar ear.AttestationResult
	if err := ar.Verify([]byte(signed.Token), jwa.ES256(), pub); err != nil {
		t.Fatalf("veraison/ear refuses Aegis's token: %v", err)
	}
	if *ar.Profile != ear.EatProfile || *ar.IssuedAt != now || *ar.Nonce != nonce {
		t.Fatalf("claims differ: %+v", ar)
	}
	sub := ar.Submods["tpm"]
	if *sub.Status != ear.TrustTierAffirming || sub.TrustVector.InstanceIdentity != ear.TrustworthyInstanceClaim ||
		*sub.AppraisalPolicyID != "https://aegis.example/policy/1" {
		t.Fatalf("submod differs: %+v", sub)
	}
	// Another key does not verify it.
	other, err := x509.ParsePKIXPublicKey(pemBlock(t, "../../../testdata/ear/other-p384.pub.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := ar.Verify([]byte(signed.Token), jwa.ES384(), other); err == nil {
		t.Fatal("verified with another key")
	}
}

func TestAegisVerifiesVeraisonJWT(t *testing.T) {
	key, err := x509.ParsePKCS8PrivateKey(pemBlock(t, keyFile))
	if err != nil {
		t.Fatal(err)
	}
	ar := ear.NewAttestationResult("tpm", "veraison/ear v1.1.3", "https://veraison-project.org")
	nonce := base64.RawURLEncoding.EncodeToString([]byte("aegis peer nonce"))
	ar.Nonce = &nonce
	ar.Submods["tpm"].TrustVector.InstanceIdentity = ear.TrustworthyInstanceClaim
	ar.Submods["tpm"].TrustVector.Hardware = ear.GenuineHardwareClaim
	ar.Submods["tpm"].UpdateStatusFromTrustVector()
	token, err := ar.Sign(jwa.ES256(), key.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "veraison.jwt")
	if err := os.WriteFile(path, token, 0o600); err != nil {
		t.Fatal(err)
	}
	var verified struct {
		Verdict, Dialect string
		Claims           map[string]any
	}
	out := aegis(t, "ear", "verify", "--key", pubFile, "--nonce",
		"61656769732070656572206e6f6e6365", path)
	if err := json.Unmarshal(out, &verified); err != nil {
		t.Fatal(err)
	}
	if verified.Verdict != "valid" || verified.Dialect != "veraison" {
		t.Fatalf("aegis: %s", out)
	}
	tpm := verified.Claims["submods"].(map[string]any)["tpm"].(map[string]any)
	if tpm["ear.status"] != "affirming" {
		t.Fatalf("aegis read %v", tpm)
	}
}

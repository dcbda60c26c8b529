// Package peer checks Aegis's proof tokens with go-jose v4 (TESTING.md, Peers; issue 12 item 9):
// go-jose verifies the signatures of the DPoR, DPoG and WPT tokens that `aegis token` mints for
// ES256, ES384 and PS256 App Keys, with the key in the token's own header jwk, and that key's
// RFC 7638 thumbprint is the one `aegis jwk thumbprint` gives and go-jose computes. Run by
// `make test-peers-go` (mk/peers.mk), which builds the aegis binary first; AEGIS_BIN names it.
package peer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

const (
	now = 1800000000
	htu = "https://api.example.com/v1/data"
	wit = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ3aW1zZTovL2V4YW1wbGUuY29tL3dvcmtsb2FkIn0.c2ln"
)

var algs = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.PS256}

func aegis(t *testing.T, args ...string) map[string]any {
	t.Helper()
	bin := os.Getenv("AEGIS_BIN")
	if bin == "" {
		bin = "../../../target/debug/aegis"
	}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("aegis %v: %v\n%s", args, err, out)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("aegis %v: not JSON: %s", args, out)
	}
	return m
}

// keyFile writes key as a PKCS#8 PEM file for `aegis token --key`.
func keyFile(t *testing.T, key crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "app.key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func textFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// verify parses token with go-jose, checks its typ and alg, verifies it with the header jwk, and
// checks that jwk is key's public key with Aegis's thumbprint. It returns the claims.
func verify(t *testing.T, token, typ string, alg jose.SignatureAlgorithm, key crypto.Signer, jkt string) map[string]any {
	t.Helper()
	sig, err := jose.ParseSigned(token, algs)
	if err != nil {
		t.Fatalf("go-jose ParseSigned: %v", err)
	}
	if len(sig.Signatures) != 1 {
		t.Fatalf("%d signatures", len(sig.Signatures))
	}
	h := sig.Signatures[0].Header
	if h.Algorithm != string(alg) {
		t.Errorf("alg %s, want %s", h.Algorithm, alg)
	}
	if got := h.ExtraHeaders[jose.HeaderType]; got != typ {
		t.Errorf("typ %v, want %s", got, typ)
	}
	jwk := h.JSONWebKey
	if jwk == nil || !jwk.IsPublic() || !jwk.Valid() {
		t.Fatalf("header jwk %+v is not a valid public key", jwk)
	}
	payload, err := sig.Verify(jwk)
	if err != nil {
		t.Fatalf("go-jose Verify with the header jwk: %v", err)
	}
	// The header key is the App Key, and go-jose's RFC 7638 thumbprint is Aegis's.
	if _, err := sig.Verify(key.Public()); err != nil {
		t.Errorf("go-jose Verify with the App Key: %v", err)
	}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.RawURLEncoding.EncodeToString(tp); got != jkt {
		t.Errorf("go-jose thumbprint %s, aegis jwk thumbprint %s", got, jkt)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func hash(s string) string {
	d := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(d[:])
}

func TestGoJoseVerifiesAegisProofTokens(t *testing.T) {
	keys := map[jose.SignatureAlgorithm]func() (crypto.Signer, error){
		jose.ES256: func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) },
		jose.ES384: func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P384(), rand.Reader) },
		jose.PS256: func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) },
	}
	location := textFile(t, "location.json", `{"type":"region","country":"ES","subdivision":"ES-CT","quality":"gnss"}`)
	witFile := textFile(t, "wit.jwt", wit)
	for _, alg := range algs {
		alg := alg
		t.Run(string(alg), func(t *testing.T) {
			key, err := keys[alg]()
			if err != nil {
				t.Fatal(err)
			}
			kf := keyFile(t, key)
			jkt, _ := aegis(t, "jwk", "thumbprint", kf)["jkt"].(string)
			common := []string{"--key", kf, "--time", "1800000000", "--htm", "POST", "--htu", htu}

			dpor, _ := aegis(t, append([]string{"token", "dpor", "--jti", "r1", "--nonce", "n0nce", "--ath", "at"}, common...)...)["token"].(string)
			c := verify(t, dpor, "dpor+jwt", alg, key, jkt)
			if c["htm"] != "POST" || c["htu"] != htu || c["iat"] != float64(now) || c["jti"] != "r1" ||
				c["nonce"] != "n0nce" || c["ath"] != hash("at") {
				t.Errorf("DPoR claims %v", c)
			}

			dpog, _ := aegis(t, append([]string{"token", "dpog", "--jti", "g1", "--location", location}, common...)...)["token"].(string)
			c = verify(t, dpog, "dpog+jwt", alg, key, jkt)
			loc, _ := c["urn:aegis:claims:dpog:location"].(map[string]any)
			if loc["country"] != "ES" || loc["subdivision"] != "ES-CT" || loc["quality"] != "gnss" {
				t.Errorf("DPoG location %v", c)
			}

			wpt, _ := aegis(t, "token", "wpt", "--key", kf, "--time", "1800000000", "--jti", "w1",
				"--aud", "https://service.example.com", "--wit", witFile, "--lifetime", "60")["token"].(string)
			c = verify(t, wpt, "wpt+jwt", alg, key, jkt)
			if c["aud"] != "https://service.example.com" || c["exp"] != float64(now+60) || c["jti"] != "w1" ||
				c["wth"] != hash(wit) {
				t.Errorf("WPT claims %v", c)
			}
		})
	}
}

// go-jose refuses what Aegis refuses: a token whose header alg is not on the allow-list.
func TestGoJoseAllowListRefusesHS256(t *testing.T) {
	// {"alg":"HS256","typ":"dpor+jwt"}.{}.sig
	token := "eyJhbGciOiJIUzI1NiIsInR5cCI6ImRwb3Irand0In0.e30.c2ln"
	if _, err := jose.ParseSigned(token, algs); err == nil {
		t.Fatal("go-jose accepted HS256 with an ES256/ES384/PS256 allow-list")
	}
}

package aegis_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

// The manifest's "proof" vectors (peer-signed tokens, one attack per check) are walked by
// manifest_test.go; these tests cover what the Go binding mints, replays through one shared
// ReplayCache (also from goroutines), and closed handles.

const (
	proofNow = 1800000000
	proofHTU = "https://api.example.com/v1/data"
)

// earNaming signs, with a new issuer key, an EAR whose workload-key submod names jkt and whose
// location submod says ES / ES-CT; it returns the residency to verify against.
func earNaming(t testing.TB, jkt string) *aegis.EARResidency {
	t.Helper()
	issuer, err := aegis.GeneratePrivateKey(aegis.KeyECCP256)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(issuer.Close)
	claims := fmt.Sprintf(`{"eat_profile":"tag:ietf.org,2026:rats/ear#04","iat":%d,
		"ear_verifier_id":{"developer":"https://aegis.example","build":"go"},
		"submods":{"workload-key":{"ear_status":"affirming","ear_trustworthiness_vector":{"instance-identity":2},
		"ear_verifier_claims":{"app_key":{"jkt":%q}}},
		"location":{"ear_status":"affirming","ear_trustworthiness_vector":{"instance-identity":2},
		"grc.jurisdiction-country":"ES","grc.jurisdiction-subdivision":"ES-CT"}}}`, proofNow-10, jkt)
	token, err := aegis.SignEARJWT(issuer, []byte(claims), aegis.EARDialectIETF04)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := issuer.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pub.Close)
	res, err := aegis.NewEARResidency(pub, []byte(token), time.Unix(proofNow, 0), 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(res.Close)
	return res
}

// appKey is a new App Key of kind and its RFC 7638 thumbprint.
func appKey(t testing.TB, kind aegis.KeyKind) (*aegis.PrivateKey, string) {
	t.Helper()
	key, err := aegis.GeneratePrivateKey(kind)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(key.Close)
	pub, err := key.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	jkt, err := aegis.JWKThumbprint(pub)
	if err != nil || len(jkt) != 43 {
		t.Fatalf("JWKThumbprint: %q, %v", jkt, err)
	}
	return key, jkt
}

func newCache(t *testing.T) *aegis.ReplayCache {
	t.Helper()
	c, err := aegis.NewReplayCache(64)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestProofRoundTripAndReplay(t *testing.T) {
	for _, tc := range []struct {
		kind aegis.KeyKind
		alg  aegis.EARAlgs
	}{{aegis.KeyECCP256, aegis.EARAlgES256}, {aegis.KeyECCP384, aegis.EARAlgES384}, {aegis.KeyRSA2048, aegis.EARAlgPS256}} {
		key, jkt := appKey(t, tc.kind)
		res := earNaming(t, jkt)
		cache := newCache(t)
		req := aegis.ProofRequest{HTM: "POST", HTU: proofHTU, IAT: time.Unix(proofNow, 0), JTI: "r1", Nonce: "n0nce", AccessToken: []byte("at")}
		token, err := aegis.MintDPoR(key, req)
		if err != nil {
			t.Fatal(err)
		}
		policy := aegis.ProofPolicy{Kind: aegis.ProofDPoR, HTM: "POST", HTU: proofHTU, Now: time.Unix(proofNow+1, 0),
			Nonce: "n0nce", AccessToken: []byte("at"), CNFJKT: jkt}
		p, err := aegis.VerifyProof([]byte(token), policy, res, cache)
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != aegis.ProofDPoR || p.Alg != tc.alg || p.JKT != jkt || p.JTI != "r1" || p.IAT.Unix() != proofNow || p.LocationJSON != "" {
			t.Errorf("verified %+v", p)
		}
		if _, err := aegis.VerifyProof([]byte(token), policy, res, cache); !errors.Is(err, aegis.ErrTokenReplayed) {
			t.Errorf("replay: %v", err)
		}
	}
}

func TestDPoGAndWPT(t *testing.T) {
	key, jkt := appKey(t, aegis.KeyECCP256)
	res := earNaming(t, jkt)
	cache := newCache(t)
	req := aegis.ProofRequest{HTM: "GET", HTU: proofHTU, IAT: time.Unix(proofNow, 0), JTI: "g1"}
	token, err := aegis.MintDPoG(key, req, []byte(`{"type":"region","country":"ES","subdivision":"ES-CT","quality":"gnss"}`))
	if err != nil {
		t.Fatal(err)
	}
	policy := aegis.ProofPolicy{Kind: aegis.ProofDPoG, HTM: "GET", HTU: proofHTU, Now: time.Unix(proofNow, 0), AllowedCountries: []string{"FR"}}
	if _, err := aegis.VerifyProof([]byte(token), policy, res, cache); !errors.Is(err, aegis.ErrTokenLocationNotAllowed) {
		t.Errorf("geofence FR: %v", err)
	}
	policy.AllowedCountries = []string{"FR", "ES"}
	p, err := aegis.VerifyProof([]byte(token), policy, res, cache)
	if err != nil {
		t.Fatal(err)
	}
	if loc, err := p.Location(); err != nil || loc["subdivision"] != "ES-CT" {
		t.Errorf("location %v, %v", loc, err)
	}
	if _, err := aegis.MintDPoG(key, req, []byte(`{"type":`)); !errors.Is(err, aegis.ErrInvalidFormat) {
		t.Errorf("bad location JSON: %v", err)
	}

	wit := []byte("the.workload.identity-token")
	wpt, err := aegis.MintWPT(key, aegis.WPTRequest{Aud: "https://svc.example", Exp: time.Unix(proofNow+60, 0), JTI: "w1", WIT: wit})
	if err != nil {
		t.Fatal(err)
	}
	wpol := aegis.WPTPolicy{Aud: "https://other.example", Now: time.Unix(proofNow, 0), WIT: wit, WITJKT: jkt}
	if _, err := aegis.VerifyWPT([]byte(wpt), wpol, res, cache); !errors.Is(err, aegis.ErrTokenAudienceMismatch) {
		t.Errorf("audience: %v", err)
	}
	wpol.Aud = "https://svc.example"
	w, err := aegis.VerifyWPT([]byte(wpt), wpol, res, cache)
	if err != nil {
		t.Fatal(err)
	}
	if w.JKT != jkt || w.JTI != "w1" || w.Exp.Unix() != proofNow+60 {
		t.Errorf("verified WPT %+v", w)
	}
}

// A WPT with oth (draft-ietf-wimse-wpt): it verifies with the tokens it names, and a presented
// token whose hash differs, or one it does not name, is ErrTokenHashMismatch.
func TestWPTOtherTokens(t *testing.T) {
	key, jkt := appKey(t, aegis.KeyECCP256)
	res := earNaming(t, jkt)
	cache := newCache(t)
	wit := []byte("the.workload.identity-token")
	other := map[string][]byte{"txn-token": []byte("the transaction token"), "x-other": []byte("another")}
	wpt, err := aegis.MintWPT(key, aegis.WPTRequest{Aud: "https://svc.example", Exp: time.Unix(proofNow+60, 0),
		JTI: "w-oth", WIT: wit, Other: other})
	if err != nil {
		t.Fatal(err)
	}
	wpol := aegis.WPTPolicy{Aud: "https://svc.example", Now: time.Unix(proofNow, 0), WIT: wit,
		Other: map[string][]byte{"txn-token": []byte("a forged transaction token")}}
	if _, err := aegis.VerifyWPT([]byte(wpt), wpol, res, cache); !errors.Is(err, aegis.ErrTokenHashMismatch) ||
		!strings.Contains(err.Error(), "txn-token") {
		t.Errorf("forged other token: %v", err)
	}
	wpol.Other = map[string][]byte{"unnamed": []byte("the transaction token")}
	if _, err := aegis.VerifyWPT([]byte(wpt), wpol, res, cache); !errors.Is(err, aegis.ErrTokenHashMismatch) {
		t.Errorf("unnamed other token: %v", err)
	}
	wpol.Other = other
	w, err := aegis.VerifyWPT([]byte(wpt), wpol, res, cache)
	if err != nil {
		t.Fatal(err)
	}
	if w.JTI != "w-oth" {
		t.Errorf("verified WPT %+v", w)
	}
	if _, err := aegis.MintWPT(key, aegis.WPTRequest{Aud: "a", Exp: time.Unix(proofNow+60, 0), JTI: "j", WIT: wit,
		Other: map[string][]byte{"": []byte("x")}}); !errors.Is(err, aegis.ErrInvalidArgument) {
		t.Errorf("empty name: %v", err)
	}
}

func TestReplayCacheSharedByGoroutines(t *testing.T) {
	key, jkt := appKey(t, aegis.KeyECCP256)
	res := earNaming(t, jkt)
	cache := newCache(t)
	token, err := aegis.MintDPoR(key, aegis.ProofRequest{HTM: "POST", HTU: proofHTU, IAT: time.Unix(proofNow, 0), JTI: "raced"})
	if err != nil {
		t.Fatal(err)
	}
	policy := aegis.ProofPolicy{Kind: aegis.ProofDPoR, HTM: "POST", HTU: proofHTU, Now: time.Unix(proofNow, 0)}
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = aegis.VerifyProof([]byte(token), policy, res, cache)
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, aegis.ErrTokenReplayed):
			t.Errorf("unexpected %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d goroutines accepted the proof", ok)
	}
}

func TestProofClosedAndNilHandles(t *testing.T) {
	key, jkt := appKey(t, aegis.KeyECCP256)
	res := earNaming(t, jkt)
	token, err := aegis.MintDPoR(key, aegis.ProofRequest{HTM: "POST", HTU: proofHTU, IAT: time.Unix(proofNow, 0), JTI: "c"})
	if err != nil {
		t.Fatal(err)
	}
	cache, err := aegis.NewReplayCache(4)
	if err != nil {
		t.Fatal(err)
	}
	cache.Close()
	cache.Close()
	policy := aegis.ProofPolicy{Kind: aegis.ProofDPoR, HTM: "POST", HTU: proofHTU, Now: time.Unix(proofNow, 0)}
	if _, err := aegis.VerifyProof([]byte(token), policy, res, cache); !errors.Is(err, aegis.ErrNullPointer) {
		t.Errorf("closed cache: %v", err)
	}
	if _, err := aegis.VerifyProof([]byte(token), policy, res, nil); !errors.Is(err, aegis.ErrNullPointer) {
		t.Errorf("nil cache: %v", err)
	}
	if _, err := aegis.VerifyProof([]byte(token), policy, nil, newCache(t)); !errors.Is(err, aegis.ErrNullPointer) {
		t.Errorf("nil residency: %v", err)
	}
	if _, err := aegis.JWKThumbprint(nil); !errors.Is(err, aegis.ErrNullPointer) {
		t.Errorf("nil key: %v", err)
	}
	if _, err := aegis.MintDPoR(nil, aegis.ProofRequest{}); !errors.Is(err, aegis.ErrNullPointer) {
		t.Errorf("nil private key: %v", err)
	}
	policy.Kind = aegis.ProofDPoG
	if _, err := aegis.VerifyProof([]byte(token), policy, res, newCache(t)); !errors.Is(err, aegis.ErrTokenTypeInvalid) {
		t.Errorf("DPoR as DPoG: %v", err)
	}
}

// BenchmarkVerifyProof is one DPoR (ES256) verification through the Go binding with a warm,
// shared replay cache (a fresh jti each time, as a resource server sees).
func BenchmarkVerifyProof(b *testing.B) {
	key, jkt := appKey(b, aegis.KeyECCP256)
	res := earNaming(b, jkt)
	cache, _ := aegis.NewReplayCache(1 << 20)
	defer cache.Close()
	tokens := make([][]byte, b.N)
	for i := range tokens {
		tok, err := aegis.MintDPoR(key, aegis.ProofRequest{HTM: "POST", HTU: proofHTU, IAT: time.Unix(proofNow, 0), JTI: fmt.Sprint(i)})
		if err != nil {
			b.Fatal(err)
		}
		tokens[i] = []byte(tok)
	}
	policy := aegis.ProofPolicy{Kind: aegis.ProofDPoR, HTM: "POST", HTU: proofHTU, Now: time.Unix(proofNow, 0)}
	b.ResetTimer()
	for i := range tokens {
		if _, err := aegis.VerifyProof(tokens[i], policy, res, cache); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyES256Signature is the bare ES256 verification BenchmarkVerifyProof is compared
// with (one P-256 ECDSA signature, raw r||s, through the same binding).
func BenchmarkVerifyES256Signature(b *testing.B) {
	key, _ := appKey(b, aegis.KeyECCP256)
	pub, err := key.PublicKey()
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	scheme := aegis.SignatureScheme{Alg: aegis.ECDSA, Hash: aegis.SHA256}
	msg := []byte("a JWS signing input of about the size of a DPoR proof's header and claims")
	sig, err := key.Sign(msg, scheme, aegis.SignatureRaw)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := aegis.VerifySignature(pub, scheme, msg, sig, aegis.SignatureRaw, false); err != nil {
			b.Fatal(err)
		}
	}
}

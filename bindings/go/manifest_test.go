package aegis_test

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

// The shared vectors (docs TESTING.md): the Rust, C, Python and Go suites walk the same manifest.
var testdataDir = filepath.Join("..", "..", "testdata")

type manifest struct {
	Schema  int      `json:"schema"`
	Vectors []vector `json:"vectors"`
}

type vector struct {
	ID        string      `json:"id"`
	Kind      string      `json:"kind"`
	AK        string      `json:"ak"`
	AKName    string      `json:"ak_name"`
	AKQName   string      `json:"ak_qualified_name"`
	Key       string      `json:"key"`
	KeyName   string      `json:"key_name"`
	Attest    string      `json:"attest"`
	Signature string      `json:"signature"`
	PCRs      string      `json:"pcrs"`
	Nonce     string      `json:"nonce"`
	Policy    *policyJSON `json:"policy"`
	// poc vectors (the AegisSovereignAI PoC flow)
	Bundle      string `json:"bundle"`
	LocationLog string `json:"location_log"`
	// inspect vectors
	File      string `json:"file"`
	Structure string `json:"structure"`
	// ek vectors
	EKCert          string   `json:"ek_cert"`
	EKPub           string   `json:"ek_pub"`
	EKName          string   `json:"ek_name"`
	CARoots         []string `json:"ca_roots"`
	CAIntermediates []string `json:"ca_intermediates"`
	VerifyTime      int64    `json:"verify_time"`
	// jurisdiction vectors
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	AccuracyM float64 `json:"accuracy_m"`
	// geofence vectors
	GeofencePolicy    string `json:"geofence_policy"`
	Location          string `json:"location"`
	Time              int64  `json:"time"`
	NetworkVerified   bool   `json:"network_verified"`
	NeedsJurisdiction bool   `json:"needs_jurisdiction"`
	// bundle vectors (bundle_test.go; "bundle", "time" and "network_verified" are shared above);
	// their "policy" is a file (policyJSON.File)
	Enrolment string   `json:"enrolment"`
	EKRoots   []string `json:"ek_roots"`
	// ear vectors
	Token      string   `json:"token"`
	Algorithms []string `json:"algorithms"`
	Format     string   `json:"format"`
	// proof vectors ("token", "time" and "nonce" are shared above; "nonce" is text here)
	Proof            string   `json:"proof"`
	EAR              string   `json:"ear"`
	EARKey           string   `json:"ear_key"`
	EARMaxAge        int64    `json:"ear_max_age"`
	HTM              string   `json:"htm"`
	HTU              string   `json:"htu"`
	AccessToken      string   `json:"access_token"`
	CNFJKT           string   `json:"cnf_jkt"`
	AllowedCountries []string `json:"allowed_countries"`
	Aud              string   `json:"aud"`
	WIT              string   `json:"wit"`
	WITJKT           string   `json:"wit_jkt"`
	Replay           bool     `json:"replay"`
	// svid and gateway vectors ("bundle", "time", "ear_key" are shared above; a gateway's
	// "policy" is a file, policyJSON.File)
	Chain       string `json:"chain"`
	TrustDomain string `json:"trust_domain"`
	Expect      struct {
		Verdict    string          `json:"verdict"`
		Error      string          `json:"error"`
		Code       uint32          `json:"code"`
		Resolution json.RawMessage `json:"resolution"`
		Path       string          `json:"path"`
		Denials    []string        `json:"denials"`
		Codes      []uint32        `json:"codes"`
		// bundle vectors
		Status   string            `json:"status"`
		Submods  map[string]string `json:"submods"`
		Failures []bundleFailure   `json:"failures"`
		Country  *string           `json:"country"`
		// svid and gateway vectors
		SPIFFEID string            `json:"spiffe_id"`
		Detail   string            `json:"detail"`
		Headers  map[string]string `json:"headers"`
	} `json:"expect"`
}

// policyJSON is a vector's quote or certify policy, or, for a bundle vector, the path of its
// geofence policy (File).
type policyJSON struct {
	File           string             `json:"-"`
	RequirePCRs    map[string][]uint8 `json:"require_pcrs"`
	AllowSHA1      bool               `json:"allow_sha1"`
	ExpectedSigner string             `json:"expected_signer"`
	PreviousClock  *struct {
		Clock        uint64 `json:"clock"`
		ResetCount   uint32 `json:"reset_count"`
		RestartCount uint32 `json:"restart_count"`
		Safe         bool   `json:"safe"`
	} `json:"previous_clock"`
}

// UnmarshalJSON reads a policy object, or a string: the path of a policy file.
func (p *policyJSON) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &p.File)
	}
	type plain policyJSON
	return json.Unmarshal(b, (*plain)(p))
}

func loadManifest(t *testing.T) manifest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testdataDir, "manifest.json"))
	if err != nil {
		t.Fatalf("reading the shared manifest: %v", err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if m.Schema != 1 {
		t.Fatalf("manifest schema %d, this suite reads schema 1", m.Schema)
	}
	return m
}

func readVectorFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// sentinelByName finds the sentinel of a manifest error name.
func sentinelByName(name string) *aegis.Error {
	for code := uint32(1000); code < 100000; code++ {
		if s := aegis.ErrorByCode(code); s != nil && s.Name() == name {
			return s
		}
	}
	return nil
}

// verdict checks err against the vector's expectation: nil for "valid"; for "invalid" an
// *aegis.Error with the expected name, the code of that name, and errors.Is with its sentinel.
func verdict(t *testing.T, v vector, err error) {
	t.Helper()
	switch v.Expect.Verdict {
	case "valid":
		if err != nil {
			t.Fatalf("expected valid, got %v", err)
		}
	case "invalid":
		if err == nil {
			t.Fatalf("expected %s, got valid", v.Expect.Error)
		}
		var ae *aegis.Error
		if !errors.As(err, &ae) {
			t.Fatalf("error %v (%T) is not an *aegis.Error", err, err)
		}
		if ae.Name() != v.Expect.Error {
			t.Fatalf("expected %s, got %s (%d): %v", v.Expect.Error, ae.Name(), ae.Code(), err)
		}
		s := sentinelByName(v.Expect.Error)
		if s == nil {
			t.Fatalf("no Go sentinel for manifest error %s", v.Expect.Error)
		}
		if ae.Code() != s.Code() || !errors.Is(err, s) {
			t.Fatalf("code %d does not match sentinel %s (%d)", ae.Code(), s.Name(), s.Code())
		}
	default:
		t.Fatalf("unknown verdict %q", v.Expect.Verdict)
	}
}

// loadAK loads the vector's AK. A load error is the verdict when the vector expects one (e.g.
// AkNotRestricted); ok reports whether verification should go on.
func loadAK(t *testing.T, v vector) (ak *aegis.AttestationKey, ok bool) {
	t.Helper()
	ak, err := aegis.AttestationKeyFromTPMPublic(readVectorFile(t, v.AK))
	if err != nil {
		verdict(t, v, err)
		return nil, false
	}
	if v.AKName != "" {
		if got := hex.EncodeToString(ak.Name()); got != v.AKName {
			t.Errorf("AK Name %s, manifest says %s", got, v.AKName)
		}
	}
	return ak, true
}

func quotePolicy(t *testing.T, p *policyJSON) *aegis.QuotePolicy {
	t.Helper()
	q := aegis.NewQuotePolicy()
	if p == nil {
		return q
	}
	for bank, indices := range p.RequirePCRs {
		h, ok := aegis.ParseHashAlg(bank)
		if !ok {
			t.Fatalf("unknown bank %q", bank)
		}
		for _, i := range indices {
			if err := q.RequirePCR(h, i); err != nil {
				t.Fatal(err)
			}
		}
	}
	if p.AllowSHA1 {
		if err := q.AllowSHA1(true); err != nil {
			t.Fatal(err)
		}
	}
	if p.ExpectedSigner != "" {
		if err := q.SetExpectedSigner(mustHex(t, p.ExpectedSigner)); err != nil {
			t.Fatal(err)
		}
	}
	if c := p.PreviousClock; c != nil {
		err := q.SetPreviousClock(aegis.ClockInfo{Clock: c.Clock, ResetCount: c.ResetCount,
			RestartCount: c.RestartCount, Safe: c.Safe})
		if err != nil {
			t.Fatal(err)
		}
	}
	return q
}

func certifyPolicy(t *testing.T, p *policyJSON) *aegis.CertifyPolicy {
	t.Helper()
	c := aegis.NewCertifyPolicy()
	if p == nil {
		return c
	}
	if p.AllowSHA1 {
		if err := c.AllowSHA1(true); err != nil {
			t.Fatal(err)
		}
	}
	if p.ExpectedSigner != "" {
		if err := c.SetExpectedSigner(mustHex(t, p.ExpectedSigner)); err != nil {
			t.Fatal(err)
		}
	}
	if pc := p.PreviousClock; pc != nil {
		err := c.SetPreviousClock(aegis.ClockInfo{Clock: pc.Clock, ResetCount: pc.ResetCount,
			RestartCount: pc.RestartCount, Safe: pc.Safe})
		if err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func runQuote(t *testing.T, v vector) {
	ak, ok := loadAK(t, v)
	if !ok {
		return
	}
	defer ak.Close()
	pcrs, err := aegis.ParsePCRs(readVectorFile(t, v.PCRs))
	if err != nil {
		verdict(t, v, err)
		return
	}
	defer pcrs.Close()
	policy := quotePolicy(t, v.Policy)
	defer policy.Close()
	vq, err := aegis.VerifyQuote(ak, readVectorFile(t, v.Attest), readVectorFile(t, v.Signature), pcrs,
		mustHex(t, v.Nonce), policy)
	verdict(t, v, err)
	if err != nil {
		return
	}
	// A valid quote reports every PCR the policy required, with a value of the bank's size.
	for bank, indices := range v.Policy.RequirePCRs {
		h, _ := aegis.ParseHashAlg(bank)
		for _, i := range indices {
			val, ok := vq.PCR(h, i)
			if !ok {
				t.Errorf("verified quote lacks required PCR %s:%d", bank, i)
			} else if want := map[aegis.HashAlg]int{aegis.SHA1: 20, aegis.SHA256: 32, aegis.SHA384: 48, aegis.SHA512: 64}[h]; len(val) != want {
				t.Errorf("PCR %s:%d is %d bytes", bank, i, len(val))
			}
		}
	}
	if pc := v.Policy.PreviousClock; pc != nil && vq.Clock().Clock <= pc.Clock {
		t.Errorf("clock %d not after previous %d", vq.Clock().Clock, pc.Clock)
	}
	// The signed selection is the set of reported PCRs; the signer is the AK's qualified Name.
	sel := vq.Selection()
	for _, p := range vq.PCRs() {
		if !slices.Contains(sel[p.Bank], p.Index) {
			t.Errorf("PCR %s:%d not in the selection %v", p.Bank, p.Index, sel)
		}
	}
	total := 0
	for _, idx := range sel {
		total += len(idx)
	}
	if total != len(vq.PCRs()) {
		t.Errorf("selection %v has %d PCRs, %d reported", sel, total, len(vq.PCRs()))
	}
	if got := hex.EncodeToString(vq.QualifiedSigner()); v.AKQName != "" && got != v.AKQName {
		t.Errorf("qualified signer %s, manifest %s", got, v.AKQName)
	}
	if h := vq.Hash(); h != aegis.SHA1 && h != aegis.SHA256 && h != aegis.SHA384 && h != aegis.SHA512 {
		t.Errorf("quote hash %v", h)
	}
	// The reported PCRs are exactly the signed ones: supplied again as PCR JSON, they verify.
	again, err := aegis.ParsePCRs(pcrJSON(vq.PCRs()))
	if err != nil {
		t.Fatalf("reported PCRs as JSON: %v", err)
	}
	defer again.Close()
	if _, err := aegis.VerifyQuote(ak, readVectorFile(t, v.Attest), readVectorFile(t, v.Signature), again,
		mustHex(t, v.Nonce), policy); err != nil {
		t.Errorf("the reported PCRs do not verify again: %v", err)
	}
}

// pcrJSON is PCR values as PCR JSON ({"sha256": {"15": "<hex>"}}).
func pcrJSON(pcrs []aegis.PCR) []byte {
	banks := map[string]map[string]string{}
	for _, p := range pcrs {
		name := p.Bank.String()
		if banks[name] == nil {
			banks[name] = map[string]string{}
		}
		banks[name][strconv.Itoa(int(p.Index))] = hex.EncodeToString(p.Value)
	}
	out, err := json.Marshal(banks)
	if err != nil {
		panic(err)
	}
	return out
}

func runCertify(t *testing.T, v vector) {
	ak, ok := loadAK(t, v)
	if !ok {
		return
	}
	defer ak.Close()
	policy := certifyPolicy(t, v.Policy)
	defer policy.Close()
	vc, err := aegis.VerifyCertify(ak, readVectorFile(t, v.Key), readVectorFile(t, v.Attest),
		readVectorFile(t, v.Signature), mustHex(t, v.Nonce), policy)
	verdict(t, v, err)
	if err != nil {
		return
	}
	if v.KeyName != "" {
		if got := hex.EncodeToString(vc.Name()); got != v.KeyName {
			t.Errorf("certified Name %s, manifest says %s", got, v.KeyName)
		}
	}
	if len(vc.Public()) == 0 {
		t.Error("certified key has an empty TPMT_PUBLIC")
	}
	if got := hex.EncodeToString(vc.QualifiedSigner()); v.AKQName != "" && got != v.AKQName {
		t.Errorf("qualified signer %s, manifest %s", got, v.AKQName)
	}
	if q := vc.QualifiedName(); len(q) != len(vc.Name()) || bytes.Equal(q, vc.Name()) {
		t.Errorf("qualified Name %x for Name %x", q, vc.Name())
	}
	if vc.Clock().Clock == 0 {
		t.Errorf("certification clock %+v", vc.Clock())
	}
	_ = vc.FirmwareVersion()
	// The SPKI is the certified key: Go's x509 reads it, and it equals the key's own conversion.
	if _, err := x509.ParsePKIXPublicKey(vc.SPKI()); err != nil {
		t.Errorf("SPKI does not parse: %v", err)
	}
	pk, err := aegis.PublicKeyFromTPMPublic(vc.Public())
	if err != nil {
		t.Fatal(err)
	}
	defer pk.Close()
	if want, err := pk.SPKIDER(); err != nil || !bytes.Equal(want, vc.SPKI()) {
		t.Errorf("SPKI differs from PublicKeyFromTPMPublic(Public()).SPKIDER(): %v", err)
	}
}

func runInspect(t *testing.T, v vector) {
	out, err := aegis.Inspect(readVectorFile(t, v.File), v.Structure)
	verdict(t, v, err)
	if err == nil {
		var obj map[string]any
		if jerr := json.Unmarshal(out, &obj); jerr != nil || len(obj) == 0 {
			t.Fatalf("inspect gave no JSON object: %v: %s", jerr, out)
		}
	}
}

// runJurisdiction resolves a jurisdiction vector and compares every field with the expected
// resolution JSON (or the error and its code).
func runJurisdiction(t *testing.T, v vector) {
	r, err := aegis.GeoResolve(v.Latitude, v.Longitude, v.AccuracyM)
	verdict(t, v, err)
	if err != nil {
		var ae *aegis.Error
		if errors.As(err, &ae) && ae.Code() != v.Expect.Code {
			t.Fatalf("code %d, expected %d", ae.Code(), v.Expect.Code)
		}
		return
	}
	var want struct {
		Status                  string                     `json:"status"`
		Country                 *string                    `json:"country"`
		Subdivision             *string                    `json:"subdivision"`
		SubdivisionCandidates   []string                   `json:"subdivision_candidates"`
		Candidates              []struct{ Country string } `json:"candidates"`
		CountryExclave          bool                       `json:"country_exclave"`
		EnclosingExclaveCountry string                     `json:"enclosing_exclave_country"`
	}
	if err := json.Unmarshal(v.Expect.Resolution, &want); err != nil {
		t.Fatal(err)
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	var cands []string
	for _, c := range want.Candidates {
		cands = append(cands, c.Country)
	}
	if string(r.Status) != want.Status || r.Country != str(want.Country) ||
		r.Subdivision != str(want.Subdivision) || r.CountryExclave != want.CountryExclave ||
		r.EnclosingExclaveCountry != want.EnclosingExclaveCountry ||
		strings.Join(r.SubdivisionCandidates, ",") != strings.Join(want.SubdivisionCandidates, ",") ||
		strings.Join(r.Candidates, ",") != strings.Join(cands, ",") {
		t.Fatalf("got %+v, want %s", r, v.Expect.Resolution)
	}
	var got, exp any
	if json.Unmarshal([]byte(r.JSON), &got) != nil || json.Unmarshal(v.Expect.Resolution, &exp) != nil ||
		!reflect.DeepEqual(got, exp) {
		t.Fatalf("JSON %s, want %s", r.JSON, v.Expect.Resolution)
	}
}

// ekStore builds the trust store of an ek vector (the caller closes it).
func ekStore(t *testing.T, v vector) *aegis.EKTrustStore {
	t.Helper()
	s := aegis.NewEKTrustStore()
	for _, r := range v.CARoots {
		if err := s.AddRoot(readVectorFile(t, r)); err != nil {
			t.Fatalf("AddRoot(%s): %v", r, err)
		}
	}
	for _, i := range v.CAIntermediates {
		if err := s.AddIntermediate(readVectorFile(t, i)); err != nil {
			t.Fatalf("AddIntermediate(%s): %v", i, err)
		}
	}
	if s.RootCount() != len(v.CARoots) || s.IntermediateCount() != len(v.CAIntermediates) {
		t.Fatalf("store counts %d/%d, added %d/%d", s.RootCount(), s.IntermediateCount(), len(v.CARoots),
			len(v.CAIntermediates))
	}
	return s
}

func runEK(t *testing.T, v vector) {
	store := ekStore(t, v)
	defer store.Close()
	vek, err := aegis.VerifyEKCertificate(store, readVectorFile(t, v.EKCert), readVectorFile(t, v.EKPub),
		time.Unix(v.VerifyTime, 0))
	verdict(t, v, err)
	if err != nil {
		return
	}
	if got := hex.EncodeToString(vek.Name()); v.EKName != "" && got != v.EKName {
		t.Errorf("EK Name %s, manifest %s", got, v.EKName)
	}
	if vek.Issuer() != "CN=swtpm-localca" {
		t.Errorf("issuer %q", vek.Issuer())
	}
	if len(vek.Public()) < 2 {
		t.Error("verified EK has no public area")
	}
	if len(vek.Serial()) == 0 || vek.Serial()[0] == 0 && len(vek.Serial()) > 1 {
		t.Errorf("serial %x", vek.Serial())
	}
	if l := vek.ChainLen(); l < 2 || l > 2+len(v.CAIntermediates) {
		t.Errorf("chain length %d", l)
	}
}

// runEAR verifies an EAR token vector (testdata/gen/make_ear_vectors.py) with VerifyEAR.
func runEAR(t *testing.T, v vector) {
	key, err := aegis.PublicKeyFromSPKI(readVectorFile(t, v.Key))
	if err != nil {
		t.Fatal(err)
	}
	defer key.Close()
	nonce, err := hex.DecodeString(v.Nonce)
	if err != nil {
		t.Fatal(err)
	}
	var algs aegis.EARAlgs
	for _, a := range v.Algorithms {
		switch a {
		case "ES256":
			algs |= aegis.EARAlgES256
		case "ES384":
			algs |= aegis.EARAlgES384
		case "PS256":
			algs |= aegis.EARAlgPS256
		default:
			t.Fatalf("unknown algorithm %s", a)
		}
	}
	ear, err := aegis.VerifyEAR(key, readVectorFile(t, v.Token), time.Unix(v.Time, 0), nonce, algs)
	verdict(t, v, err)
	if err != nil {
		return
	}
	if ear.CWT != (v.Format == "cwt") || ear.Claims["submods"] == nil {
		t.Errorf("verified EAR: CWT %v, claims %v", ear.CWT, ear.Claims)
	}
}

// runProof verifies a proof-token vector (testdata/gen/make_proof_vectors.py) with VerifyProof or
// VerifyWPT and a fresh ReplayCache (twice for a "replay" vector: the first must pass).
func runProof(t *testing.T, v vector) {
	key, err := aegis.PublicKeyFromSPKI(readVectorFile(t, v.EARKey))
	if err != nil {
		t.Fatal(err)
	}
	defer key.Close()
	cache, err := aegis.NewReplayCache(64)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	now := time.Unix(v.Time, 0)
	residency, err := aegis.NewEARResidency(key, readVectorFile(t, v.EAR), now, time.Duration(v.EARMaxAge)*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer residency.Close()
	token := readVectorFile(t, v.Token)
	once := func() error {
		if v.Proof == "wpt" {
			policy := aegis.WPTPolicy{Aud: v.Aud, Now: now, WIT: []byte(v.WIT), WITJKT: v.WITJKT}
			w, err := aegis.VerifyWPT(token, policy, residency, cache)
			if err == nil && (len(w.JKT) != 43 || w.JTI == "" || !w.Exp.After(now)) {
				t.Errorf("verified WPT %+v", w)
			}
			return err
		}
		policy := aegis.ProofPolicy{
			Kind: aegis.ProofDPoR, HTM: v.HTM, HTU: v.HTU, Now: now, Nonce: v.Nonce,
			CNFJKT: v.CNFJKT, AllowedCountries: v.AllowedCountries,
		}
		if v.Proof == "dpog" {
			policy.Kind = aegis.ProofDPoG
		}
		if v.AccessToken != "" {
			policy.AccessToken = []byte(v.AccessToken)
		}
		p, err := aegis.VerifyProof(token, policy, residency, cache)
		if err == nil {
			loc, lerr := p.Location()
			if p.Kind != policy.Kind || len(p.JKT) != 43 || p.Alg == 0 || lerr != nil || (loc != nil) != (p.Kind == aegis.ProofDPoG) {
				t.Errorf("verified proof %+v", p)
			}
		}
		return err
	}
	if v.Replay {
		if err := once(); err != nil {
			t.Fatalf("first verification of a replay: %v", err)
		}
	}
	verdict(t, v, once())
}

// The EK checks this suite makes itself, each breaking exactly one check of a valid ek vector,
// and verifier-side credential activation for that EK (activation itself needs the TPM: the Rust
// suite runs it on swtpm, the SPIRE example at its test time).
func TestEKNegativeAndCredential(t *testing.T) {
	m := loadManifest(t)
	var eks []vector
	var akName []byte
	for _, v := range m.Vectors {
		if v.Kind == "ek" && v.Expect.Verdict == "valid" {
			eks = append(eks, v)
		}
		if v.Kind == "quote" && v.AKName != "" && akName == nil {
			akName = mustHex(t, v.AKName)
		}
	}
	if len(eks) < 2 || akName == nil {
		t.Fatalf("need two valid ek vectors and an AK Name, got %d", len(eks))
	}
	for i, v := range eks {
		v, other := v, eks[(i+1)%len(eks)]
		t.Run(v.ID, func(t *testing.T) {
			cert, pub := readVectorFile(t, v.EKCert), readVectorFile(t, v.EKPub)
			store := ekStore(t, v)
			defer store.Close()
			when := time.Unix(v.VerifyTime, 0)
			expect := func(what string, err, want error) {
				t.Helper()
				if !errors.Is(err, want) {
					t.Errorf("%s: expected %v, got %v", what, want, err)
				}
			}
			_, err := aegis.VerifyEKCertificate(store, cert, pub, time.Unix(1, 0))
			expect("before notBefore", err, aegis.ErrEkCertificateExpired)
			empty := aegis.NewEKTrustStore()
			_, err = aegis.VerifyEKCertificate(empty, cert, pub, when)
			empty.Close()
			expect("empty store", err, aegis.ErrEkCertificateUntrusted)
			_, err = aegis.VerifyEKCertificate(store, cert, readVectorFile(t, other.EKPub), when)
			expect("another EK's public area", err, aegis.ErrEkPublicKeyMismatch)
			closed := aegis.NewEKTrustStore()
			closed.Close()
			closed.Close()
			_, err = aegis.VerifyEKCertificate(closed, cert, pub, when)
			expect("closed store", err, aegis.ErrNullPointer)

			vek, err := aegis.VerifyEKCertificate(store, cert, pub, when)
			if err != nil {
				t.Fatal(err)
			}
			secret := make([]byte, 32)
			for i := range secret {
				secret[i] = byte(3*i + 1)
			}
			cred, err := aegis.MakeCredential(vek.Public(), akName, secret)
			if err != nil {
				t.Fatal(err)
			}
			blob, enc, file := cred.CredentialBlob(), cred.EncryptedSecret(), cred.TPM2ToolsFile()
			if len(blob) < 4 || int(binary.BigEndian.Uint16(blob))+2 != len(blob) ||
				int(binary.BigEndian.Uint16(blob[2:]))+4+2+len(secret) != len(blob) {
				t.Errorf("credential blob is not TPM2B_ID_OBJECT(TPM2B_DIGEST || encIdentity): %x", blob)
			}
			if len(enc) < 2 || int(binary.BigEndian.Uint16(enc))+2 != len(enc) {
				t.Errorf("encrypted secret is not a TPM2B: %x", enc)
			}
			if len(file) != 8+len(blob)+len(enc) || binary.BigEndian.Uint32(file) != 0xBADCC0DE {
				t.Errorf("tpm2-tools file form: %x", file[:8])
			}
			back, err := aegis.MadeCredentialFromTPM2ToolsFile(file)
			if err != nil || !bytes.Equal(back.TPM2ToolsFile(), file) {
				t.Errorf("tpm2-tools file round trip: %v", err)
			}
			_, err = aegis.MadeCredentialFromTPM2ToolsFile(file[:len(file)-1])
			expect("truncated credential file", err, aegis.ErrTruncated)
			_, err = aegis.MakeCredential(vek.Public(), akName, nil)
			expect("empty secret", err, aegis.ErrInvalidArgument)
			expect("activated secret equal", aegis.CheckActivated(secret, secret), nil)
			wrong := append([]byte(nil), secret...)
			wrong[31] ^= 1
			expect("activated secret differs", aegis.CheckActivated(secret, wrong), aegis.ErrCredentialMismatch)

			qek := vek.QualifiedName()
			want, err := aegis.QualifiedName(vek.Name(), aegis.NameOfHandle(aegis.EndorsementHierarchy))
			if err != nil || len(qek) != len(vek.Name()) || !bytes.Equal(qek, want) {
				t.Fatalf("EK qualified Name: %x, want %x (%v)", qek, want, err)
			}
			if !bytes.Equal(aegis.NameOfHandle(aegis.EndorsementHierarchy), []byte{0x40, 0, 0, 0x0B}) {
				t.Fatalf("NameOfHandle(EndorsementHierarchy) = %x", aegis.NameOfHandle(aegis.EndorsementHierarchy))
			}
			if len(vek.Serial()) == 0 || vek.ChainLen() < 2 {
				t.Fatalf("EK serial %x, chain length %d", vek.Serial(), vek.ChainLen())
			}
			qak, err := aegis.QualifiedName(akName, qek)
			if err != nil || len(qak) != len(akName) || bytes.Equal(qak, akName) {
				t.Fatalf("AK qualified Name: %x, %v", qak, err)
			}
			_, err = aegis.QualifiedName([]byte{0}, qek)
			expect("Name shorter than its algorithm", err, aegis.ErrInvalidValue)
		})
	}
}

// runPoc runs the AegisSovereignAI PoC flow: the SovereignAttestation's certify for the nonce's hex
// text, the quote, then the PCR 15 log against the verified quote; the first error is the verdict.
func runPoc(t *testing.T, v vector) {
	ak, ok := loadAK(t, v)
	if !ok {
		return
	}
	defer ak.Close()
	sa, err := aegis.ParseSovereignAttestation(readVectorFile(t, v.Bundle))
	if err != nil {
		t.Fatal(err)
	}
	defer sa.Close()
	if sa.ChallengeNonce() == "" || sa.AppKeyPublic() == "" || len(sa.KeylimeAgentUUID()) != 36 {
		t.Fatalf("SovereignAttestation members: %q %q", sa.ChallengeNonce(), sa.KeylimeAgentUUID())
	}
	err = func() error {
		if _, err := aegis.VerifySovereignAttestation(ak, sa, v.Nonce, nil); err != nil {
			return err
		}
		pcrs, err := aegis.ParsePCRs(readVectorFile(t, v.PCRs))
		if err != nil {
			return err
		}
		defer pcrs.Close()
		policy := quotePolicy(t, v.Policy)
		defer policy.Close()
		vq, err := aegis.VerifyQuote(ak, readVectorFile(t, v.Attest), readVectorFile(t, v.Signature), pcrs,
			mustHex(t, v.Nonce), policy)
		if err != nil {
			return err
		}
		log, err := aegis.ParsePocLocationLog(readVectorFile(t, v.LocationLog))
		if err != nil {
			return err
		}
		defer log.Close()
		current, err := aegis.VerifyPocLocation(log, vq, v.Nonce)
		if err != nil {
			return err
		}
		var claims map[string]any
		if json.Unmarshal(current, &claims) != nil || claims["tpm_pcr_index"] != float64(15) {
			t.Errorf("current claims %s", current)
		}
		return nil
	}()
	verdict(t, v, err)
}

// TestManifest walks testdata/manifest.json: every vector (quote, certify, inspect, ek) gives its
// expected verdict and, when invalid, its expected error name and code (poc, jurisdiction,
// geofence, ear, proof and svid vectors too); a bundle vector its attestation result
// (runBundle), a gateway vector its decision (runGateway). An unknown kind fails.
func TestManifest(t *testing.T) {
	m := loadManifest(t)
	ran := map[string]int{}
	for _, v := range m.Vectors {
		v := v
		switch v.Kind {
		case "quote":
			t.Run(v.ID, func(t *testing.T) { runQuote(t, v) })
		case "certify":
			t.Run(v.ID, func(t *testing.T) { runCertify(t, v) })
		case "inspect":
			t.Run(v.ID, func(t *testing.T) { runInspect(t, v) })
		case "ek":
			t.Run(v.ID, func(t *testing.T) { runEK(t, v) })
		case "poc":
			t.Run(v.ID, func(t *testing.T) { runPoc(t, v) })
		case "jurisdiction":
			t.Run(v.ID, func(t *testing.T) { runJurisdiction(t, v) })
		case "geofence":
			t.Run(v.ID, func(t *testing.T) { runGeofence(t, v) })
		case "ear":
			t.Run(v.ID, func(t *testing.T) { runEAR(t, v) })
		case "bundle":
			t.Run(v.ID, func(t *testing.T) { runBundle(t, v) })
		case "proof":
			t.Run(v.ID, func(t *testing.T) { runProof(t, v) })
		case "svid":
			t.Run(v.ID, func(t *testing.T) { runSVID(t, v) })
		case "gateway":
			t.Run(v.ID, func(t *testing.T) { runGateway(t, v) })
		default:
			t.Errorf("%s: unknown vector kind %q", v.ID, v.Kind)
			continue
		}
		ran[v.Kind]++
	}
	if ran["quote"] == 0 || ran["certify"] == 0 || ran["inspect"] == 0 || ran["ek"] == 0 ||
		ran["jurisdiction"] == 0 || ran["ear"] == 0 || ran["bundle"] < 10 || ran["proof"] < 20 ||
		ran["svid"] < 20 || ran["gateway"] < 10 {
		t.Fatalf("the manifest gave no quote or no certify vectors: %v", ran)
	}
	t.Logf("vectors: %v", ran)
}

// runSVID verifies an "svid" vector's chain against its bundle (and trust domain) at its time:
// a valid chain's SPIFFE ID, an invalid one's error and, when given, text of its message.
func runSVID(t *testing.T, v vector) {
	got, err := aegis.VerifySVID(readVectorFile(t, v.Chain), readVectorFile(t, v.Bundle), v.TrustDomain,
		time.Unix(v.Time, 0))
	if err == nil && got.SPIFFEID != v.Expect.SPIFFEID {
		t.Fatalf("SPIFFE ID %q, want %q", got.SPIFFEID, v.Expect.SPIFFEID)
	}
	if err != nil && v.Expect.Detail != "" && !strings.Contains(err.Error(), v.Expect.Detail) {
		t.Fatalf("%v: lacks %q", err, v.Expect.Detail)
	}
	verdict(t, v, err)
}

// runGateway decides on a "gateway" vector's chain with its bundle, policy and EAR key at its
// time (no network verifier): the verdict, exactly the expected denials (names and codes, in
// order) and forwarded headers.
func runGateway(t *testing.T, v vector) {
	key, err := aegis.PublicKeyFromSPKI(readVectorFile(t, v.EARKey))
	if err != nil {
		t.Fatal(err)
	}
	defer key.Close()
	d, err := aegis.GatewayCheck(readVectorFile(t, v.Chain), readVectorFile(t, v.Bundle),
		readVectorFile(t, v.Policy.File), key, time.Unix(v.Time, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Verdict != v.Expect.Verdict || d.Allowed != (v.Expect.Verdict == "allow") {
		t.Fatalf("verdict %s (allowed %v), want %s: %+v", d.Verdict, d.Allowed, v.Expect.Verdict, d.Reasons)
	}
	var names []string
	var codes []uint32
	for _, r := range d.Reasons {
		if r.Outcome != "denied" {
			continue
		}
		names = append(names, r.Name)
		codes = append(codes, uint32(r.Code))
		if s := sentinelByName(r.Name); s == nil || s.Code() != uint32(r.Code) {
			t.Errorf("denial %s (%d) has no matching sentinel", r.Name, r.Code)
		}
	}
	if !slices.Equal(names, v.Expect.Denials) || !slices.Equal(codes, v.Expect.Codes) {
		t.Fatalf("denials %v %v, want %v %v", names, codes, v.Expect.Denials, v.Expect.Codes)
	}
	if len(d.Headers) != len(v.Expect.Headers) {
		t.Fatalf("headers %v, want %v", d.Headers, v.Expect.Headers)
	}
	for k, want := range v.Expect.Headers {
		if d.Headers[k] != want {
			t.Fatalf("header %s = %q, want %q", k, d.Headers[k], want)
		}
	}
}

package aegis_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

// bundleFailure is one failed check a bundle vector expects.
type bundleFailure struct {
	Submod string `json:"submod"`
	Check  string `json:"check"`
	Error  string `json:"error"`
	Code   uint32 `json:"code"`
}

func readTestdata(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// appraiseVector appraises a bundle vector with the verifier inputs the manifest names.
func appraiseVector(t *testing.T, v vector) (*aegis.AttestationResult, error) {
	t.Helper()
	roots := aegis.NewEKTrustStore()
	defer roots.Close()
	for _, r := range v.EKRoots {
		if err := roots.AddRoot(readTestdata(t, r)); err != nil {
			t.Fatal(err)
		}
	}
	var enrolment *aegis.EnrolmentRecord
	if v.Enrolment != "" {
		var err error
		if enrolment, err = aegis.ParseEnrolmentRecord(readTestdata(t, v.Enrolment)); err != nil {
			t.Fatal(err)
		}
		defer enrolment.Close()
	}
	nonce, err := hex.DecodeString(v.Nonce)
	if err != nil || v.Policy == nil {
		t.Fatalf("bad bundle entry: nonce %v, policy %v", err, v.Policy)
	}
	bundle, err := aegis.ParseEvidenceBundle(readTestdata(t, v.Bundle))
	if err != nil {
		return nil, err
	}
	defer bundle.Close()
	return aegis.AppraiseBundle(bundle, aegis.BundleOptions{
		Nonce:           nonce,
		EKRoots:         roots,
		Enrolment:       enrolment,
		GeofenceJSON:    readTestdata(t, v.Policy.File),
		Time:            time.Unix(v.Time, 0),
		NetworkVerified: v.NetworkVerified,
	})
}

// runBundle checks one "bundle" vector as the Rust walker (aegis-core/tests/bundle.rs) does: the
// status, each submod's status, the failed checks (submod, check, error name and code, in order)
// and the location's country; an "invalid" vector gives no result and the expected error.
func runBundle(t *testing.T, v vector) {
	r, err := appraiseVector(t, v)
	if v.Expect.Verdict == "invalid" {
		var e *aegis.Error
		if r != nil || !errors.As(err, &e) || e.Name() != v.Expect.Error || e.Code() != v.Expect.Code {
			t.Fatalf("expected %s (%d), got %v", v.Expect.Error, v.Expect.Code, err)
		}
		return
	}
	if v.Expect.Verdict != "result" || err != nil {
		t.Fatalf("expected a result (%q), got %v", v.Expect.Verdict, err)
	}
	if r.Status() != v.Expect.Status {
		t.Errorf("status %s, expected %s", r.Status(), v.Expect.Status)
	}
	submods := map[string]string{}
	for _, s := range r.Submods() {
		submods[s.Name] = s.Status
	}
	if !reflect.DeepEqual(submods, v.Expect.Submods) {
		t.Errorf("submods %v, expected %v", submods, v.Expect.Submods)
	}
	failures := []bundleFailure{}
	for _, f := range r.Failures() {
		var e *aegis.Error
		if !errors.As(f.Err, &e) || e.Message() == "" {
			t.Fatalf("failure %s/%s: %v", f.Submod, f.Check, f.Err)
		}
		failures = append(failures, bundleFailure{f.Submod, f.Check, e.Name(), e.Code()})
	}
	if want := append([]bundleFailure{}, v.Expect.Failures...); !reflect.DeepEqual(failures, want) {
		t.Errorf("failures %v, expected %v", failures, want)
	}
	country := ""
	if v.Expect.Country != nil {
		country = *v.Expect.Country
	}
	if r.Country() != country {
		t.Errorf("country %q, expected %q", r.Country(), country)
	}
	var doc struct {
		Status  string `json:"status"`
		Submods map[string]struct {
			Status string `json:"ear_status"`
		} `json:"submods"`
	}
	if err := json.Unmarshal([]byte(r.JSON()), &doc); err != nil || doc.Status != r.Status() ||
		len(doc.Submods) != len(submods) || doc.Submods["platform"].Status != submods["platform"] {
		t.Errorf("result JSON %v: %s", err, r.JSON())
	}
}

// TestEvidenceBundleSurface: a malformed bundle names the member at fault, a foreign nonce gives
// no result, closed handles are refused, and a result without the verifier's inputs.
func TestEvidenceBundleSurface(t *testing.T) {
	dir := "bundle/ecc-geneva/"
	text := readTestdata(t, dir+"bundle.json")
	nonce, err := hex.DecodeString(strings.TrimSpace(string(readTestdata(t, dir+"nonce.hex"))))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(text), `"app_key_public": "`, `"app_key_public": "!`, 1)
	_, err = aegis.ParseEvidenceBundle([]byte(bad))
	if !errors.Is(err, aegis.ErrEvidenceBundleInvalid) || !strings.Contains(err.Error(), "$.app_key_public") {
		t.Fatalf("malformed bundle: %v", err)
	}
	if _, err := aegis.ParseEnrolmentRecord([]byte("{}")); err == nil {
		t.Fatal("an empty enrolment record was accepted")
	}
	bundle, err := aegis.ParseEvidenceBundle(text)
	if err != nil {
		t.Fatal(err)
	}
	defer bundle.Close()
	if _, err := aegis.AppraiseBundle(bundle, aegis.BundleOptions{Nonce: []byte{0}}); !errors.Is(err, aegis.ErrEvidenceNonceMismatch) {
		t.Fatalf("foreign nonce: %v", err)
	}
	if _, err := aegis.AppraiseBundle(nil, aegis.BundleOptions{Nonce: nonce}); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("nil bundle: %v", err)
	}
	closed := aegis.NewEKTrustStore()
	closed.Close()
	if _, err := aegis.AppraiseBundle(bundle, aegis.BundleOptions{Nonce: nonce, EKRoots: closed}); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("closed trust store: %v", err)
	}
	if _, err := aegis.AppraiseBundle(bundle, aegis.BundleOptions{Nonce: nonce, GeofenceJSON: []byte("{}")}); err == nil {
		t.Fatal("an invalid geofence policy was accepted")
	}
	// No enrolment record, no EK roots, no geofence: the AK is bound to no EK.
	r, err := aegis.AppraiseBundle(bundle, aegis.BundleOptions{Nonce: nonce, NoEKCertificate: true})
	if err != nil {
		t.Fatal(err)
	}
	var checks []string
	for _, f := range r.Failures() {
		checks = append(checks, f.Submod+"/"+f.Check)
		if !errors.Is(f.Err, aegis.ErrAkBindingMismatch) {
			t.Errorf("%s/%s: %v", f.Submod, f.Check, f.Err)
		}
	}
	if r.Status() != "contraindicated" || r.Country() != "CH" ||
		!reflect.DeepEqual(checks, []string{"platform/ak-binding", "workload-key/ak-binding"}) {
		t.Fatalf("result %s %s %v", r.Status(), r.Country(), checks)
	}
	bundle.Close()
	bundle.Close()
	if _, err := aegis.AppraiseBundle(bundle, aegis.BundleOptions{Nonce: nonce}); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("closed bundle: %v", err)
	}

	// The result signed as an EAR (JWT and CWT) verifies back: the status, the appraisal nonce,
	// Aegis as the verifier, exp enforced; exp not after iat and a closed result are refused.
	key, err := aegis.GeneratePrivateKey(aegis.KeyECCP256)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := key.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	iat := time.Unix(1700000000, 0)
	exp := iat.Add(5 * time.Minute)
	jwt, err := r.SignJWT(key, iat, exp, aegis.EARDialectIETF04)
	if err != nil {
		t.Fatal(err)
	}
	ear, err := aegis.VerifyEAR(pub, []byte(jwt), iat.Add(time.Second), nonce, 0)
	if err != nil {
		t.Fatal(err)
	}
	verifier, _ := ear.Claims["ear_verifier_id"].(map[string]any)
	if ear.CWT || ear.Claims["ear_status"] != r.Status() || !strings.HasPrefix(fmt.Sprint(verifier["build"]), "aegis ") {
		t.Fatalf("EAR claims %v", ear.Claims)
	}
	if _, err := aegis.VerifyEAR(pub, []byte(jwt), exp, nonce, 0); !errors.Is(err, aegis.ErrEarExpired) {
		t.Fatalf("expired EAR: %v", err)
	}
	cwt, err := r.SignCWT(key, iat, exp, aegis.EARDialectVeraison)
	if err != nil {
		t.Fatal(err)
	}
	if ear, err := aegis.VerifyEAR(pub, cwt, iat, nonce, 0); err != nil || !ear.CWT || ear.Dialect != aegis.EARDialectVeraison {
		t.Fatalf("CWT EAR: %v", err)
	}
	if _, err := r.SignJWT(key, exp, exp, aegis.EARDialectIETF04); !errors.Is(err, aegis.ErrInvalidArgument) {
		t.Fatalf("exp not after iat: %v", err)
	}
	r.Close()
	r.Close()
	if _, err := r.SignCWT(key, iat, exp, aegis.EARDialectIETF04); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("closed result: %v", err)
	}
	if r.Status() != "contraindicated" {
		t.Fatal("the accessors stopped working after Close")
	}
}

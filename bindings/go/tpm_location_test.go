//go:build aegis_tpm

package aegis_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

// Location evidence recorded on swtpm through the C ABI (RecordLocation) is what the verifying
// side replays: an evidence bundle built from it appraises with a passing location-log check, and
// the result's AttestedClaims carry the TPM-attested reading.
func TestRecordLocationOnSWTPM(t *testing.T) {
	tcti, dir := startSWTPM(t)
	tpm := must(aegis.OpenTPM(tcti))(t)
	defer tpm.Close()
	ak := must(tpm.CreateAK(aegis.KeyECCP256, aegis.KeyRSA2048, 0))(t)
	defer ak.Close()
	app := must(tpm.CreateAppKey(aegis.KeyECCP256, 0))(t)
	defer app.Close()

	logPath := filepath.Join(dir, "location.log")
	nonce := bytes.Repeat([]byte{0x3c}, 32)
	event := []byte(fmt.Sprintf(`{"sensor_type":"gnss","sensor_id":"go-test-gnss","latitude":46.2044,`+
		`"longitude":6.1432,"accuracy_m":10.0,"time":%d,"quality":"3d-fix"}`, time.Now().Unix()))

	_, err := tpm.RecordLocation(logPath, 15, aegis.SHA256, []byte(`{"sensor_type":"gnss"}`), nonce)
	wantErr(t, err, aegis.ErrInvalidFormat)
	archived := must(tpm.RecordLocation(logPath, 15, aegis.SHA256, event, nonce))(t)
	if archived != "" {
		t.Fatalf("a fresh TPM archived a log: %q", archived)
	}
	// Another log that does not replay to PCR 15 (not at its reset value): nothing changes.
	_, err = tpm.RecordLocation(filepath.Join(dir, "other.log"), 15, aegis.SHA256, event, nonce)
	wantErr(t, err, aegis.ErrLocationLogMismatch)

	certAttest, certSig := must2(tpm.Certify(app, ak, nonce))(t)
	quoteAttest, quoteSig, pcrJSON, err := tpm.Quote(ak, aegis.SHA256, []uint8{15}, nonce)
	if err != nil {
		t.Fatal(err)
	}
	log := must(os.ReadFile(logPath))(t)
	wire := map[string]any{
		"version":        1,
		"nonce":          fmt.Sprintf("%x", nonce),
		"ak_public":      must(ak.TPMPublic())(t),
		"app_key_public": must(app.TPMPublic())(t),
		"certify":        map[string]any{"attest": certAttest, "signature": certSig},
		"quote":          map[string]any{"attest": quoteAttest, "signature": quoteSig, "pcrs": json.RawMessage(pcrJSON)},
		"location_log":   log,
	}
	bundle := must(aegis.ParseEvidenceBundle(must(json.Marshal(wire))(t)))(t)
	defer bundle.Close()
	result := must(aegis.AppraiseBundle(bundle, aegis.BundleOptions{Nonce: nonce, NoEKCertificate: true}))(t)
	defer result.Close()
	for _, f := range result.Failures() {
		// No enrolment here, so only "ak-binding" may fail.
		if f.Check != "ak-binding" {
			t.Errorf("%s/%s failed: %v", f.Submod, f.Check, f.Err)
		}
	}

	claims := must(result.AttestedClaims(event))(t)
	var doc struct {
		Geo struct {
			SensorID    string `json:"sensor_id"`
			TPMAttested bool   `json:"tpm_attested"`
		} `json:"grc.geolocation"`
	}
	if err := json.Unmarshal(claims, &doc); err != nil {
		t.Fatalf("claims %s: %v", claims, err)
	}
	if doc.Geo.SensorID != "go-test-gnss" || !doc.Geo.TPMAttested {
		t.Fatalf("claims do not carry the attested reading: %s", claims)
	}
	// A reading other than the one the result attests.
	moved := bytes.Replace(event, []byte("46.2044"), []byte("47.3769"), 1)
	_, err = result.AttestedClaims(moved)
	wantErr(t, err, aegis.ErrInvalidArgument)
	_, err = result.AttestedClaims([]byte("{"))
	wantErr(t, err, aegis.ErrInvalidFormat)
}

func must2[A, B any](a A, b B, err error) func(*testing.T) (A, B) {
	return func(t *testing.T) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

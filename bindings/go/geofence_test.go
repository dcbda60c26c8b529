package aegis_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

// runGeofence checks one "geofence" vector: the policy is refused with the JSON path at fault,
// or the decision on the reading has the expected verdict and exactly the expected denials
// (names and codes, in order). Vectors with needs_jurisdiction resolve the reading with the
// offline jurisdiction lookup.
func runGeofence(t *testing.T, v vector) {
	policy, err := aegis.ParseGeofencePolicy(readVectorFile(t, v.GeofencePolicy))
	if v.Expect.Verdict == "invalid" {
		var e *aegis.Error
		if !errors.As(err, &e) || !errors.Is(err, aegis.ErrGeofencePolicyInvalid) || e.Code() != v.Expect.Code ||
			e.Name() != v.Expect.Error || !strings.Contains(e.Message(), "geofence policy invalid at "+v.Expect.Path+":") {
			t.Fatalf("expected a refusal at %s, got %v", v.Expect.Path, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("policy refused: %v", err)
	}
	defer policy.Close()
	d, err := policy.Evaluate(readVectorFile(t, v.Location), time.Unix(v.Time, 0), v.NetworkVerified)
	if err != nil {
		t.Fatalf("evaluation failed: %v", err)
	}
	if d.Allowed() != (v.Expect.Verdict == "allow") {
		t.Fatalf("allowed = %v, expected %s: %+v", d.Allowed(), v.Expect.Verdict, d.Reasons())
	}
	var names []string
	var codes []uint32
	for _, r := range d.Reasons() {
		if r.Passed {
			continue
		}
		var e *aegis.Error
		if !errors.As(r.Err, &e) {
			t.Fatalf("a denial without *aegis.Error: %+v", r)
		}
		names = append(names, e.Name())
		codes = append(codes, e.Code())
	}
	if strings.Join(names, ",") != strings.Join(v.Expect.Denials, ",") || len(codes) != len(v.Expect.Codes) {
		t.Fatalf("denials %v, expected %v", names, v.Expect.Denials)
	}
	for i := range codes {
		if codes[i] != v.Expect.Codes[i] {
			t.Fatalf("codes %v, expected %v", codes, v.Expect.Codes)
		}
	}
	var out struct {
		Verdict    string          `json:"verdict"`
		Resolution json.RawMessage `json:"resolution"`
	}
	if err := json.Unmarshal([]byte(d.JSON()), &out); err != nil || out.Verdict != v.Expect.Verdict {
		t.Fatalf("decision JSON %s: %v", d.JSON(), err)
	}
	if (string(out.Resolution) != "null") != v.NeedsJurisdiction {
		t.Fatalf("resolution %s, needs_jurisdiction %v", out.Resolution, v.NeedsJurisdiction)
	}
}

const geofencePolicy = `{"version": 1, "areas": [{"id": "site", "effect": "allow", "geometry":
  {"type": "Circle", "center": [6.14, 46.2], "radius_m": 1000}}], "max_accuracy_radius_m": 100,
  "max_age_s": 300, "pcr_references": {"sha256": {"0": "0000000000000000000000000000000000000000000000000000000000000000"}}}`

const geofenceReading = `{"sensor_type": "gnss", "sensor_id": "g", "latitude": 46.2, "longitude": 6.14,
  "accuracy_m": 10, "time": 1767225590, "quality": "3d-fix"}`

func TestGeofenceDecisionReasons(t *testing.T) {
	p, err := aegis.ParseGeofencePolicy([]byte(geofencePolicy))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	now := time.Unix(1767225600, 0)
	d, err := p.Evaluate([]byte(geofenceReading), now, false)
	if err != nil || !d.Allowed() {
		t.Fatalf("%+v, %v", d, err)
	}
	var rules []string
	for _, r := range d.Reasons() {
		if !r.Passed || r.Err != nil || r.Message == "" {
			t.Fatalf("reason %+v", r)
		}
		rules = append(rules, r.Rule)
	}
	if strings.Join(rules, " ") != "reading sensor time accuracy area" {
		t.Fatalf("rules %v", rules)
	}
	// Ten minutes later the reading is too old; a mobile reading needs network verification.
	mobile := strings.Replace(geofenceReading, `"gnss"`, `"mobile"`, 1)
	d, err = p.Evaluate([]byte(mobile), now.Add(10*time.Minute), false)
	if err != nil || d.Allowed() {
		t.Fatalf("%+v, %v", d, err)
	}
	reasons := d.Reasons()
	if !errors.Is(reasons[1].Err, aegis.ErrGeofenceMobileNotVerified) ||
		!errors.Is(reasons[2].Err, aegis.ErrGeofenceReadingTooOld) {
		t.Fatalf("reasons %+v", reasons)
	}
	if d, err = p.Evaluate([]byte(mobile), now, true); err != nil || !d.Allowed() {
		t.Fatalf("network-verified mobile reading: %+v, %v", d, err)
	}
}

func TestGeofenceRefusals(t *testing.T) {
	bad := strings.Replace(geofencePolicy, `"max_age_s": 300`, `"max_age_s": 300, "sensor_types": ["ip"]`, 1)
	_, err := aegis.ParseGeofencePolicy([]byte(bad))
	var e *aegis.Error
	if !errors.As(err, &e) || !errors.Is(err, aegis.ErrGeofencePolicyInvalid) ||
		!strings.HasPrefix(e.Message(), "geofence policy invalid at $.sensor_types[0]: ") {
		t.Fatalf("ip sensor type: %v", err)
	}
	p, err := aegis.ParseGeofencePolicy([]byte(geofencePolicy))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Evaluate([]byte(`{}`), time.Unix(1767225600, 0), false); !errors.Is(err, aegis.ErrInvalidFormat) {
		t.Fatalf("not a location event: %v", err)
	}
	p.Close()
	p.Close()
	if _, err := p.Evaluate([]byte(geofenceReading), time.Unix(1767225600, 0), false); !errors.Is(err, aegis.ErrNullPointer) {
		t.Fatalf("closed policy: %v", err)
	}
}

func TestGeofencePCRReferences(t *testing.T) {
	p, err := aegis.ParseGeofencePolicy([]byte(geofencePolicy))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, c := range []struct {
		pcrs string
		want error
	}{
		{`{"sha256": {"0": "0000000000000000000000000000000000000000000000000000000000000000"}}`, nil},
		{`{"sha256": {"0": "0100000000000000000000000000000000000000000000000000000000000000"}}`, aegis.ErrPcrReferenceMismatch},
		{`{"sha1": {"0": "0000000000000000000000000000000000000000"}}`, aegis.ErrPcrReferenceMissing},
	} {
		values, err := aegis.ParsePCRs([]byte(c.pcrs))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.CheckPCRReferences(values); !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", c.pcrs, err, c.want)
		}
		values.Close()
	}
}

package nodeattestor

// Appraisal mode (configured with ear_signing_key and result_store_dir): the agent's evidence
// bundle is appraised whole by aegis.AppraiseBundle (EK certificate, AK binding, quote, App Key
// certification, location log replayed to PCR 15, jurisdiction, geofence), the result is signed as
// an EAR by this server's verifier key and kept, with its grc.* AttestedClaims, in the side store
// for the CredentialComposer (composer/, README "CredentialComposer").

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
	"github.com/aegis-attest/aegis/examples/spire-nodeattestor/resultstore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// DefaultEARTTL is how long an EAR this plugin signs is valid when ear_ttl is not set.
const DefaultEARTTL = time.Hour

// appraisal is the appraisal mode's configuration.
type appraisal struct {
	earKey   *aegis.PrivateKey
	earTTL   time.Duration
	geofence []byte // the geofence policy JSON, nil for none
	store    *resultstore.Store
}

// newAppraisal reads the appraisal mode's settings; nil when it is not configured.
func newAppraisal(hc *Config, ekEnrolment bool) (*appraisal, error) {
	if hc.EARSigningKey == "" && hc.ResultStoreDir == "" && hc.GeofencePolicy == "" && hc.EARTTL == "" {
		return nil, nil
	}
	if hc.EARSigningKey == "" || hc.ResultStoreDir == "" {
		return nil, fmt.Errorf("appraisal: ear_signing_key and result_store_dir go together")
	}
	if !ekEnrolment {
		return nil, fmt.Errorf("appraisal: needs ek_ca_roots (an AK not bound to an EK never gets an affirming result)")
	}
	a := &appraisal{earTTL: DefaultEARTTL}
	if hc.EARTTL != "" {
		d, err := time.ParseDuration(hc.EARTTL)
		if err != nil || d < time.Minute {
			return nil, fmt.Errorf("ear_ttl: %q is not a duration of a minute or more", hc.EARTTL)
		}
		a.earTTL = d
	}
	pem, err := os.ReadFile(hc.EARSigningKey)
	if err != nil {
		return nil, fmt.Errorf("ear_signing_key: %v", err)
	}
	if a.earKey, err = aegis.PrivateKeyFromPEM(pem); err != nil {
		return nil, fmt.Errorf("ear_signing_key: %v", err)
	}
	if hc.GeofencePolicy != "" {
		if a.geofence, err = os.ReadFile(hc.GeofencePolicy); err != nil {
			return nil, fmt.Errorf("geofence_policy: %v", err)
		}
		p, err := aegis.ParseGeofencePolicy(a.geofence)
		if err != nil {
			return nil, fmt.Errorf("geofence_policy: %v", err)
		}
		p.Close()
	}
	if a.store, err = resultstore.Open(hc.ResultStoreDir); err != nil {
		return nil, fmt.Errorf("result_store_dir: %v", err)
	}
	return a, nil
}

// appraise appraises the evidence bundle (raw: its JSON as the agent sent it) of the agent id
// whose AK was enrolled under the EK ekPublic (EK certificates checked against ekRoots), signs the result as an EAR, keeps it, and returns
// the selectors it adds. The platform and the App Key must be affirmed (anything else refuses the
// attestation); the location may fail: the agent is attested, its result says where it is not.
func (a *appraisal) appraise(ekRoots *aegis.EKTrustStore, raw []byte, nonce, akName, ekPublic []byte, id string, now time.Time) ([]string, error) {
	record, err := json.Marshal(map[string]any{"version": 1, "ak_name": hex.EncodeToString(akName), "ek_public": ekPublic})
	if err != nil {
		return nil, status.Errorf(codes.Internal, "enrolment record: %v", err)
	}
	enrolment, err := aegis.ParseEnrolmentRecord(record)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "enrolment record: %v", err)
	}
	defer enrolment.Close()
	bundle, err := aegis.ParseEvidenceBundle(raw)
	if err != nil {
		return nil, refused("evidence bundle", err)
	}
	defer bundle.Close()
	result, err := aegis.AppraiseBundle(bundle, aegis.BundleOptions{
		Nonce: nonce, EKRoots: ekRoots, Enrolment: enrolment, GeofenceJSON: a.geofence, Time: now,
	})
	if err != nil {
		return nil, refused("appraisal", err)
	}
	defer result.Close()
	statuses := map[string]string{}
	for _, s := range result.Submods() {
		statuses[s.Name] = s.Status
	}
	if statuses["platform"] != "affirming" || statuses["workload-key"] != "affirming" {
		var why []string
		for _, f := range result.Failures() {
			if f.Submod != "location" {
				why = append(why, fmt.Sprintf("%s/%s: %v", f.Submod, f.Check, f.Err))
			}
		}
		return nil, status.Errorf(codes.PermissionDenied, "appraisal: platform %s, workload-key %s: %s",
			statuses["platform"], statuses["workload-key"], strings.Join(why, "; "))
	}
	exp := now.Add(a.earTTL)
	ear, err := result.SignJWT(a.earKey, now, exp, aegis.EARDialectIETF04)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "signing the EAR: %v", err)
	}
	claims, err := result.AttestedClaims(lastReading(raw))
	if err != nil {
		return nil, status.Errorf(codes.Internal, "attested claims: %v", err)
	}
	if err := a.store.Put(resultstore.Result{
		Version: 1, AgentID: id, Status: result.Status(), EAR: ear, EARExpiry: exp.Unix(),
		AttestedClaims: claims, AttestedAt: now.Unix(),
	}); err != nil {
		return nil, status.Errorf(codes.Internal, "keeping the result: %v", err)
	}
	selectors := []string{"ear_status:" + result.Status(), "location:" + statuses["location"]}
	if c := result.Country(); c != "" {
		selectors = append(selectors, "country:"+c)
	}
	return selectors, nil
}

// lastReading is the last location event of the bundle's location log (FORMATS.md: one JSON
// record per line, its "event" member), nil when there is none. The appraisal has already
// checked the log; this only picks the reading whose subscriber identifiers the claims carry.
func lastReading(raw []byte) []byte {
	var b struct {
		LocationLog []byte `json:"location_log"`
	}
	if json.Unmarshal(raw, &b) != nil || len(b.LocationLog) == 0 {
		return nil
	}
	lines := bytes.Split(bytes.TrimSpace(b.LocationLog), []byte("\n"))
	var rec struct {
		Event json.RawMessage `json:"event"`
	}
	if json.Unmarshal(lines[len(lines)-1], &rec) != nil {
		return nil
	}
	return rec.Event
}

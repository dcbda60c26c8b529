package aegis_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	aegis "github.com/aegis-attest/aegis/bindings/go"
)

// network answers a fixed verdict located at a fixed time (or fails), counting the queries.
type network struct {
	mu        sync.Mutex
	verdict   aegis.NetworkVerdict
	locatedAt time.Time
	fail      error
	panics    bool
	queries   []aegis.NetworkQuery
}

func (n *network) verify(q aegis.NetworkQuery) (aegis.NetworkVerdict, time.Time, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.queries = append(n.queries, q)
	if n.panics {
		panic("the operator's client panicked")
	}
	return n.verdict, n.locatedAt, n.fail
}

func (n *network) calls() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.queries)
}

// mobileCheck decides on the gateway vector whose reading is mobile, with network.
func mobileCheck(t *testing.T, network *aegis.NetworkVerifier, now time.Time) *aegis.GatewayDecision {
	t.Helper()
	idx := loadSVIDIndex(t)
	priv, err := aegis.PrivateKeyFromPEM(readSVID(t, idx.EARKey))
	if err != nil {
		t.Fatal(err)
	}
	defer priv.Close()
	key, err := priv.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	defer key.Close()
	d, err := aegis.GatewayCheck(readSVID(t, "gateway/deny-mobile-without-network.chain.pem"), readSVID(t, idx.Bundle),
		readSVID(t, "gateway/deny-mobile-without-network.policy.json"), key, now, network)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// networkDenial is the one denial of d, which must be the network-location check's.
func networkDenial(t *testing.T, d *aegis.GatewayDecision) (string, int) {
	t.Helper()
	var denied []aegis.GatewayReason
	for _, r := range d.Reasons {
		if r.Outcome == "denied" {
			denied = append(denied, r)
		}
	}
	if d.Allowed || len(denied) != 1 || denied[0].Check != "network-location" {
		t.Fatalf("decision %+v", d)
	}
	return denied[0].Name, denied[0].Code
}

func TestGatewayCheckAcceptsAMobileReadingTheNetworkVerifies(t *testing.T) {
	now := time.Unix(loadSVIDIndex(t).Time, 0)
	if name, code := networkDenial(t, mobileCheck(t, nil, now)); name != "GatewayNetworkVerifierMissing" || code != 13060 {
		t.Errorf("no verifier: %s %d", name, code)
	}
	answer := &network{verdict: aegis.NetworkVerdictTrue, locatedAt: now.Add(-time.Minute)}
	v, err := aegis.NewNetworkVerifier(answer.verify, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	d := mobileCheck(t, v, now)
	if !d.Allowed || d.Headers["X-Location-Verification"] != "tpm-attested+network-verified" {
		t.Fatalf("decision %+v", d)
	}
	q := answer.queries[0]
	if q.SensorID != "12d1:1433" || q.MSISDN != "+34696810912" || q.IMEI != "" || q.IMSI != "" ||
		q.Latitude != 41.3874 || q.Longitude != 2.1686 || q.RadiusM == 0 {
		t.Errorf("query %+v", q)
	}
	if d := mobileCheck(t, v, now.Add(time.Minute)); !d.Allowed {
		t.Errorf("second check: %+v", d)
	}
	if answer.calls() != 1 {
		t.Errorf("the function was called %d times for two checks within the TTL", answer.calls())
	}
	v.Close()
	v.Close()
}

func TestGatewayCheckDeniesWhatTheNetworkDoesNotVerify(t *testing.T) {
	now := time.Unix(loadSVIDIndex(t).Time, 0)
	cases := []struct {
		answer *network
		want   *aegis.Error
	}{
		{&network{verdict: aegis.NetworkVerdictFalse, locatedAt: now}, aegis.ErrGatewayNetworkLocationNotVerified},
		{&network{verdict: aegis.NetworkVerdictPartial, locatedAt: now}, aegis.ErrGatewayNetworkLocationNotVerified},
		{&network{verdict: aegis.NetworkVerdictUnknown, locatedAt: now}, aegis.ErrGatewayNetworkLocationUnknown},
		{&network{verdict: aegis.NetworkVerdictTrue, locatedAt: now.Add(-time.Hour)}, aegis.ErrGatewayNetworkVerificationStale},
		{&network{verdict: aegis.NetworkVerdictTrue, locatedAt: now, fail: errors.New("the operator is down")}, aegis.ErrGatewayNetworkVerifierUnavailable},
		{&network{verdict: aegis.NetworkVerdictTrue, locatedAt: now, panics: true}, aegis.ErrGatewayNetworkVerifierUnavailable},
		{&network{verdict: aegis.NetworkVerdict(99), locatedAt: now}, aegis.ErrGatewayNetworkVerifierUnavailable},
	}
	for _, c := range cases {
		v, err := aegis.NewNetworkVerifier(c.answer.verify, 15*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		name, code := networkDenial(t, mobileCheck(t, v, now))
		if name != c.want.Name() || uint32(code) != c.want.Code() {
			t.Errorf("%+v: denied with %s %d, want %v", c.answer, name, code, c.want)
		}
		if c.answer.fail != nil {
			mobileCheck(t, v, now)
			if c.answer.calls() != 2 {
				t.Errorf("a failure was cached: %d calls", c.answer.calls())
			}
		}
		v.Close()
	}
	if _, err := aegis.NewNetworkVerifier(nil, time.Minute); !errors.Is(err, aegis.ErrNullPointer) {
		t.Errorf("nil function: %v", err)
	}
}

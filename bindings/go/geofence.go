package aegis

// #include "aegis.h"
import "C"

import (
	"runtime"
	"time"
)

// GeofencePolicy is a geofence policy (C aegis_geofence_policy; docs/geofence-policy.md):
// allowed and denied countries and subdivisions, GeoJSON polygons and circles that allow or deny,
// the coarsest accuracy and oldest reading accepted, the sensor types accepted (ip never), and
// PCR reference values.
//
// Immutable, may be shared between goroutines; Close is idempotent, a finalizer is the backstop.
type GeofencePolicy struct {
	p *C.aegis_geofence_policy
}

func (g *GeofencePolicy) ptr() *C.aegis_geofence_policy {
	if g == nil {
		return nil
	}
	return g.p
}

// Close frees the policy. Calling it again, or on nil, does nothing.
func (g *GeofencePolicy) Close() {
	if g == nil || g.p == nil {
		return
	}
	C.aegis_geofence_policy_free(g.p)
	g.p = nil
	runtime.SetFinalizer(g, nil)
}

// ParseGeofencePolicy reads a geofence policy from its JSON form. An invalid policy fails with
// ErrGeofencePolicyInvalid, whose message names the JSON path at fault and what is wrong there
// ("geofence policy invalid at $.areas[0].geometry.coordinates[0][3]: ...").
func ParseGeofencePolicy(data []byte) (*GeofencePolicy, error) {
	buf, n := cbytes(data)
	var out *C.aegis_geofence_policy
	var cerr *C.aegis_error
	status := C.aegis_geofence_policy_from_json(buf, n, &out, &cerr)
	runtime.KeepAlive(data)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	g := &GeofencePolicy{p: out}
	runtime.SetFinalizer(g, (*GeofencePolicy).Close)
	return g, nil
}

// GeofenceReason is one reason of a GeofenceDecision: the rule ("reading", "sensor", "time",
// "accuracy", "jurisdiction", "area"), whether it passed, Err the *Error of a denial (nil when it
// passed; errors.Is against ErrGeofenceCountryDenied and the other sentinels), and what the rule
// found, for people (not stable text: decide on Err).
type GeofenceReason struct {
	Rule    string
	Passed  bool
	Err     error
	Message string
}

// GeofenceDecision is the decision of a policy on one reading, copied into Go memory (nothing
// to Close): allowed or not, and every reason in evaluation order.
type GeofenceDecision struct {
	allowed bool
	reasons []GeofenceReason
	json    string
}

// Allowed is whether the policy allows the reading (no reason denies).
func (d *GeofenceDecision) Allowed() bool { return d.allowed }

// Reasons is every reason, passing or not, in evaluation order; a copy.
func (d *GeofenceDecision) Reasons() []GeofenceReason {
	return append([]GeofenceReason(nil), d.reasons...)
}

// JSON is the decision as `aegis geofence check` prints it: {"verdict", "reasons",
// "resolution"} (the jurisdiction used, or null when the policy needed none).
func (d *GeofenceDecision) JSON() string { return d.json }

// Evaluate evaluates one location reading against the policy: location is one location event
// (FORMATS.md; e.g. VerifiedLocation.CurrentJSON), now the evaluation time (Aegis reads no
// clock), networkVerified whether the mobile network verified the reading's location (a mobile
// reading is accepted only then). When the policy names countries or subdivisions, the reading's
// jurisdiction is looked up offline. The error is about the call (ErrInvalidFormat when location
// is not a location event, ErrInvalidValue when its values are out of range), not the verdict.
func (g *GeofencePolicy) Evaluate(location []byte, now time.Time, networkVerified bool) (*GeofenceDecision, error) {
	unix := now.Unix()
	if unix < 0 {
		unix = 0
	}
	buf, n := cbytes(location)
	var out *C.aegis_geofence_decision
	var cerr *C.aegis_error
	status := C.aegis_geofence_policy_evaluate(g.ptr(), buf, n, C.uint64_t(unix), C.bool(networkVerified), &out, &cerr)
	runtime.KeepAlive(location)
	runtime.KeepAlive(g)
	if err := check(status, cerr); err != nil {
		return nil, err
	}
	defer C.aegis_geofence_decision_free(out)
	d := &GeofenceDecision{
		allowed: bool(C.aegis_geofence_decision_allowed(out)),
		json:    C.GoString(C.aegis_geofence_decision_json(out)),
	}
	count := int(C.aegis_geofence_decision_reason_count(out))
	for i := 0; i < count; i++ {
		var passed C.bool
		var s C.aegis_status
		if C.aegis_geofence_decision_reason(out, C.size_t(i), &passed, &s) != C.AEGIS_OK {
			continue
		}
		r := GeofenceReason{
			Rule:    C.GoString(C.aegis_geofence_decision_reason_rule(out, C.size_t(i))),
			Passed:  bool(passed),
			Message: C.GoString(C.aegis_geofence_decision_reason_message(out, C.size_t(i))),
		}
		if !r.Passed {
			r.Err = newError(uint32(s), "", r.Message)
		}
		d.reasons = append(d.reasons, r)
	}
	return d, nil
}

// CheckPCRReferences checks the policy's PCR reference values against quoted (the PCR values a
// verified quote covers): nil when every reference PCR is there with the same value, else
// ErrPcrReferenceMissing or ErrPcrReferenceMismatch for the first that is not.
func (g *GeofencePolicy) CheckPCRReferences(quoted *PCRValues) error {
	var cerr *C.aegis_error
	status := C.aegis_geofence_policy_check_pcr_references(g.ptr(), quoted.ptr(), &cerr)
	runtime.KeepAlive(g)
	runtime.KeepAlive(quoted)
	return check(status, cerr)
}

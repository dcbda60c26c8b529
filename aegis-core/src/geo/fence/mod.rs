//! Geofence policy and its decision (issue 11, item 2; the format is docs/geofence-policy.md).
//!
//! A [`GeofencePolicy`] comes from its JSON form ([`GeofencePolicy::from_json`]): allowed and
//! denied countries (ISO 3166-1 alpha-2) and subdivisions (ISO 3166-2), areas (GeoJSON polygons,
//! RFC 7946, and circles) that allow or deny, the coarsest accuracy radius and the oldest reading
//! accepted, the sensor types accepted, and reference values for PCRs. A policy that cannot be
//! read is refused with the JSON path of the member at fault ([`Error::GeofencePolicyInvalid`]).
//!
//! Evaluation is pure: the reading, its jurisdiction ([`Resolution`]) and every ambient input
//! ([`GeofenceContext`]: the time, whether a mobile network verified the location) are
//! arguments. It returns a [`GeofenceDecision`]: allow or deny, and every reason, passing or
//! not, each denial with its stable error code. The rules, in the order they are reported:
//!
//! 1. reading: the event is well formed ([`LocationEvent::validate`]); an invalid one is denied
//!    and the place is not judged;
//! 2. sensor: `gnss` when listed; `mobile` when listed and the caller says the network verified
//!    the location; `wifi` and `static` only when listed; `ip` never, whatever the policy says
//!    (a policy listing it is refused);
//! 3. time: not older than `max_age_s`, not later than now plus `max_clock_skew_s`;
//! 4. accuracy: the radius is at most `max_accuracy_radius_m`;
//! 5. jurisdiction (when the policy names countries or subdivisions): the country is not denied
//!    and, when any country is allowed, allowed; a country with allowed subdivisions is allowed
//!    only in those; no denied subdivision. A circle spanning several subdivisions must satisfy
//!    the rules in each; a circle reaching several countries (ambiguous) is allowed only when
//!    every candidate is allowed, none is denied and no candidate has subdivision rules; a
//!    reading in no jurisdiction is denied;
//! 6. areas: the circle lies wholly inside at least one allowed area (when there are any), and
//!    reaches no denied area.

mod parse;

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde_json::Value;

use super::geometry::{self, LonLat};
use super::jurisdiction::{self, Resolution};
use super::{LocationEvent, SensorType};
use crate::error::{Error, Result};
use crate::time::UnixTime;
use crate::tpm::{HashAlg, PcrValues};

/// The policy format version this build reads (`"version": 1`).
pub const POLICY_VERSION: u64 = 1;
/// Largest policy document accepted, in bytes.
pub const MAX_POLICY_BYTES: usize = 1 << 20;
/// Most codes in one allow or deny list.
pub const MAX_CODES: usize = 512;
/// Most areas in a policy.
pub const MAX_AREAS: usize = 256;
/// Most rings in one polygon (the exterior ring and its holes).
pub const MAX_RINGS: usize = 64;
/// Most positions over all areas of a policy.
pub const MAX_VERTICES: usize = 20_000;
/// Longest area id, in bytes.
pub const MAX_AREA_ID: usize = 64;
/// Largest circle radius or accuracy bound, in metres (half the Earth's circumference).
pub const MAX_RADIUS_M: f64 = 20_037_508.0;
/// Clock skew tolerated for a reading's time when the policy does not say (seconds).
pub const DEFAULT_CLOCK_SKEW_S: u64 = 60;
/// Largest clock skew a policy may tolerate (seconds).
pub const MAX_CLOCK_SKEW_S: u64 = 3600;

/// Allowed and denied codes (countries or subdivisions).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct CodeRules {
    allow: BTreeSet<String>,
    deny: BTreeSet<String>,
}

impl CodeRules {
    fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.deny.is_empty()
    }
}

/// Whether an area allows or denies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

/// An area's shape.
#[derive(Clone, Debug, PartialEq)]
enum Geometry {
    /// GeoJSON Polygon (RFC 7946, 3.1.6): the exterior ring, then holes; each ring closed.
    Polygon(Vec<Vec<LonLat>>),
    /// A circle: centre and radius in metres.
    Circle { center: LonLat, radius_m: f64 },
}

/// One area of the policy.
#[derive(Clone, Debug, PartialEq)]
struct Area {
    id: String,
    effect: Effect,
    geometry: Geometry,
}

impl Area {
    /// Whether the circle of radius `r` metres around `p` lies wholly inside the area.
    fn contains_circle(&self, p: LonLat, r: f64) -> bool {
        match &self.geometry {
            Geometry::Polygon(rings) => in_polygon(p, rings) && !edges_within_m(p, rings, r),
            Geometry::Circle { center, radius_m } => {
                geometry::distance_m(p, *center) + r <= *radius_m
            }
        }
    }

    /// Whether the circle of radius `r` metres around `p` reaches the area.
    fn reaches_circle(&self, p: LonLat, r: f64) -> bool {
        match &self.geometry {
            Geometry::Polygon(rings) => {
                // An edge at exactly `r` reaches the circle: strictly within the next double.
                in_polygon(p, rings) || edges_within_m(p, rings, next_above(r))
            }
            Geometry::Circle { center, radius_m } => {
                geometry::distance_m(p, *center) <= radius_m + r
            }
        }
    }
}

/// Whether `p` lies in the polygon `rings` (the exterior ring, then holes).
fn in_polygon(p: LonLat, rings: &[Vec<LonLat>]) -> bool {
    rings
        .split_first()
        .is_some_and(|(exterior, holes)| geometry::point_in_polygon(p, exterior, holes))
}

/// The smallest double above `r` (a non-negative radius; `f64::next_up` needs Rust 1.86, above
/// the MSRV).
fn next_above(r: f64) -> f64 {
    if r > 0.0 {
        f64::from_bits(r.to_bits() + 1)
    } else {
        f64::from_bits(1)
    }
}

/// Whether an edge of any ring comes strictly within `r` metres of `p`
/// ([`geometry::ring_within_m`]).
fn edges_within_m(p: LonLat, rings: &[Vec<LonLat>], r: f64) -> bool {
    rings.iter().any(|ring| geometry::ring_within_m(p, ring, r))
}

/// The sensor types a policy accepts (`ip` is never one of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SensorRules {
    gnss: bool,
    mobile: bool,
    wifi: bool,
    static_location: bool,
}

impl SensorRules {
    fn none() -> Self {
        SensorRules {
            gnss: false,
            mobile: false,
            wifi: false,
            static_location: false,
        }
    }
}

impl Default for SensorRules {
    /// `["gnss", "mobile"]`: the design papers' sensors.
    fn default() -> Self {
        SensorRules {
            gnss: true,
            mobile: true,
            ..SensorRules::none()
        }
    }
}

/// A geofence policy (docs/geofence-policy.md), checked when read.
#[derive(Clone, Debug, PartialEq)]
pub struct GeofencePolicy {
    countries: CodeRules,
    subdivisions: CodeRules,
    areas: Vec<Area>,
    max_accuracy_m: u64,
    max_age_s: u64,
    max_clock_skew_s: u64,
    sensors: SensorRules,
    pcr_references: PcrValues,
}

/// The ambient inputs of an evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GeofenceContext {
    /// The evaluation time (a reading's age is measured from it).
    pub now: UnixTime,
    /// Whether the mobile network operator verified the reading's location (e.g. a CAMARA
    /// Device Location verification the caller made): a `mobile` reading is accepted only then.
    pub network_verified: bool,
}

/// The policy's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeofenceVerdict {
    /// Every rule passed.
    Allow,
    /// At least one rule denied.
    Deny,
}

impl GeofenceVerdict {
    /// "allow" or "deny".
    pub fn name(self) -> &'static str {
        match self {
            GeofenceVerdict::Allow => "allow",
            GeofenceVerdict::Deny => "deny",
        }
    }
}

/// The rule a reason is about, in the order they are evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GeofenceRule {
    /// The event is well formed.
    Reading,
    /// The sensor type (and, for mobile, network verification).
    Sensor,
    /// The reading's age and clock skew.
    Time,
    /// The accuracy radius.
    Accuracy,
    /// Countries and subdivisions.
    Jurisdiction,
    /// Allowed and denied areas.
    Area,
}

impl GeofenceRule {
    /// A stable short name: "reading", "sensor", "time", "accuracy", "jurisdiction", "area".
    pub fn name(self) -> &'static str {
        match self {
            GeofenceRule::Reading => "reading",
            GeofenceRule::Sensor => "sensor",
            GeofenceRule::Time => "time",
            GeofenceRule::Accuracy => "accuracy",
            GeofenceRule::Jurisdiction => "jurisdiction",
            GeofenceRule::Area => "area",
        }
    }
}

/// One reason of a decision: a rule that passed (with what it found) or denied (with the error
/// that says why, whose code is stable in every surface).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeofenceReason {
    rule: GeofenceRule,
    denial: Option<Error>,
    message: Cow<'static, str>,
}

impl GeofenceReason {
    fn pass(rule: GeofenceRule, message: impl Into<Cow<'static, str>>) -> Self {
        GeofenceReason {
            rule,
            denial: None,
            message: message.into(),
        }
    }

    fn deny(rule: GeofenceRule, error: Error) -> Self {
        GeofenceReason {
            rule,
            message: error.to_string().into(),
            denial: Some(error),
        }
    }

    /// The rule.
    pub fn rule(&self) -> GeofenceRule {
        self.rule
    }
    /// Whether the rule passed.
    pub fn passed(&self) -> bool {
        self.denial.is_none()
    }
    /// Why the rule denied (`None` when it passed).
    pub fn denial(&self) -> Option<&Error> {
        self.denial.as_ref()
    }
    /// What the rule found, in words.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `{"rule", "passed", "message"}`, with `"code"` and `"name"` of the error for a denial
    /// (its [`Serialize`](serde::Serialize) form).
    pub fn to_json(&self) -> Value {
        crate::json::value_of(self)
    }
}

impl serde::Serialize for GeofenceReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("rule", self.rule.name())?;
        m.serialize_entry("passed", &self.passed())?;
        m.serialize_entry("message", &self.message)?;
        if let Some(e) = &self.denial {
            m.serialize_entry("code", &e.code())?;
            m.serialize_entry("name", e.name())?;
        }
        m.end()
    }
}

/// The outcome of evaluating a reading against a policy: every reason, and the jurisdiction
/// used (`None` when none was needed or given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeofenceDecision {
    reasons: Vec<GeofenceReason>,
    resolution: Option<Resolution>,
}

impl GeofenceDecision {
    /// Allow when no reason denies.
    pub fn verdict(&self) -> GeofenceVerdict {
        if self.reasons.iter().all(GeofenceReason::passed) {
            GeofenceVerdict::Allow
        } else {
            GeofenceVerdict::Deny
        }
    }
    /// Whether the verdict is [`GeofenceVerdict::Allow`].
    pub fn allowed(&self) -> bool {
        self.verdict() == GeofenceVerdict::Allow
    }
    /// Every reason, in rule order.
    pub fn reasons(&self) -> &[GeofenceReason] {
        &self.reasons
    }
    /// The errors of the denying reasons, in rule order.
    pub fn denials(&self) -> impl Iterator<Item = &Error> + '_ {
        self.reasons.iter().filter_map(GeofenceReason::denial)
    }
    /// The jurisdiction the decision used.
    pub fn resolution(&self) -> Option<&Resolution> {
        self.resolution.as_ref()
    }

    /// `{"verdict": "allow" | "deny", "reasons": [...], "resolution": {...} | null}` (the
    /// `aegis geofence check` output; the resolution as `aegis geo resolve` prints it), its
    /// [`Serialize`](serde::Serialize) form.
    pub fn to_json(&self) -> Value {
        crate::json::value_of(self)
    }
}

impl serde::Serialize for GeofenceDecision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("verdict", self.verdict().name())?;
        m.serialize_entry("reasons", &self.reasons)?;
        m.serialize_entry("resolution", &self.resolution)?;
        m.end()
    }
}

impl GeofencePolicy {
    /// Reads a policy from its JSON form (docs/geofence-policy.md). Unknown members, duplicate
    /// members, codes of the wrong shape, malformed or oversized geometry, an `ip` sensor type,
    /// contradictory rules and a policy that constrains no place are refused with
    /// [`Error::GeofencePolicyInvalid`] naming the JSON path at fault.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        parse::parse(bytes)
    }

    /// Whether the policy names countries or subdivisions (then a jurisdiction is needed).
    pub fn has_jurisdiction_rules(&self) -> bool {
        !self.countries.is_empty() || !self.subdivisions.is_empty()
    }

    /// The reference PCR values (bank -> index -> digest), for the appraisal to require.
    pub fn pcr_references(&self) -> &PcrValues {
        &self.pcr_references
    }

    /// Every reference PCR is among `quoted` (PCR values a verified quote covers) with the same
    /// value, checked in bank and index order: the first that is not gives
    /// [`Error::PcrReferenceMissing`] or [`Error::PcrReferenceMismatch`].
    pub fn check_pcr_references(&self, quoted: &PcrValues) -> Result<()> {
        self.check_pcr_references_in(|bank, index| quoted.get(bank, index))
    }

    /// [`GeofencePolicy::check_pcr_references`] against the values `quoted` gives.
    pub(crate) fn check_pcr_references_in<'q>(
        &self,
        quoted: impl Fn(HashAlg, u8) -> Option<&'q [u8]>,
    ) -> Result<()> {
        for (bank, index, want) in self.pcr_references.iter() {
            match quoted(bank, index) {
                None => {
                    return Err(Error::PcrReferenceMissing {
                        bank: bank.alg_id(),
                        index,
                    })
                }
                Some(got) if got != want => {
                    return Err(Error::PcrReferenceMismatch {
                        bank: bank.alg_id(),
                        index,
                    })
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// The policy's rules for a place that arrives already resolved, with no reading to
    /// evaluate (a DPoG proof's region, checked against the attested result): the sensor type
    /// the place was measured with (`ip` never suffices, others as the policy lists them; a
    /// mobile reading's network verification is the appraisal's, not checked here) and the
    /// country and subdivision rules, as [`GeofencePolicy::evaluate`] applies them. The first
    /// denial is the error.
    pub fn check_place(
        &self,
        sensor: SensorType,
        country: &str,
        subdivision: Option<&str>,
    ) -> Result<()> {
        let listed = match sensor {
            SensorType::Ip => return Err(Error::GeofenceIpNotSufficient),
            SensorType::Static if !self.sensors.static_location => {
                return Err(Error::GeofenceStaticNotAllowed)
            }
            SensorType::Static => true,
            SensorType::Gnss => self.sensors.gnss,
            SensorType::Mobile => self.sensors.mobile,
            SensorType::Wifi => self.sensors.wifi,
        };
        if !listed {
            return Err(Error::GeofenceSensorNotAllowed {
                sensor: sensor.name(),
            });
        }
        if let Some(e) = self.country_denial(country) {
            return Err(e);
        }
        let subdivisions: Vec<String> = subdivision.map(str::to_owned).into_iter().collect();
        match self
            .subdivision_denials(country, &subdivisions)
            .into_iter()
            .next()
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Evaluates `reading` with its jurisdiction looked up here
    /// ([`jurisdiction::resolve`], only when the policy has jurisdiction rules and the reading
    /// is well formed). An error only when the lookup itself fails.
    pub fn evaluate(
        &self,
        reading: &LocationEvent,
        ctx: &GeofenceContext,
    ) -> Result<GeofenceDecision> {
        let resolution = if self.has_jurisdiction_rules() && reading.validate().is_ok() {
            Some(jurisdiction::resolve(
                reading.latitude,
                reading.longitude,
                reading.accuracy_m,
            )?)
        } else {
            None
        };
        Ok(self.evaluate_resolved(reading, resolution.as_ref(), ctx))
    }

    /// Evaluates `reading` whose jurisdiction the caller looked up (`None`: not looked up,
    /// which denies when the policy has jurisdiction rules). Pure: every input is an argument.
    pub fn evaluate_resolved(
        &self,
        reading: &LocationEvent,
        resolution: Option<&Resolution>,
        ctx: &GeofenceContext,
    ) -> GeofenceDecision {
        let mut reasons = Vec::new();
        let well_formed = match reading.validate() {
            Ok(()) => {
                reasons.push(GeofenceReason::pass(
                    GeofenceRule::Reading,
                    "the reading is a well-formed location event",
                ));
                true
            }
            Err(e) => {
                reasons.push(GeofenceReason::deny(GeofenceRule::Reading, e));
                false
            }
        };
        reasons.push(self.sensor(reading, ctx));
        reasons.push(self.time(reading, ctx.now));
        if well_formed {
            reasons.push(self.accuracy(reading));
            if self.has_jurisdiction_rules() {
                self.jurisdiction(resolution, &mut reasons);
            }
            self.areas(reading, &mut reasons);
        }
        GeofenceDecision {
            reasons,
            resolution: resolution.cloned(),
        }
    }

    fn sensor(&self, reading: &LocationEvent, ctx: &GeofenceContext) -> GeofenceReason {
        let rule = GeofenceRule::Sensor;
        let ok = |what: &'static str| GeofenceReason::pass(rule, what);
        let not_listed =
            |sensor| GeofenceReason::deny(rule, Error::GeofenceSensorNotAllowed { sensor });
        match reading.sensor_type {
            SensorType::Ip => GeofenceReason::deny(rule, Error::GeofenceIpNotSufficient),
            SensorType::Static if self.sensors.static_location => {
                ok("a static location, accepted because the policy opts in")
            }
            SensorType::Static => GeofenceReason::deny(rule, Error::GeofenceStaticNotAllowed),
            SensorType::Mobile if !self.sensors.mobile => not_listed("mobile"),
            SensorType::Mobile if !ctx.network_verified => {
                GeofenceReason::deny(rule, Error::GeofenceMobileNotVerified)
            }
            SensorType::Mobile => ok("a mobile reading whose location the network verified"),
            SensorType::Gnss if self.sensors.gnss => ok("a gnss reading, accepted by the policy"),
            SensorType::Gnss => not_listed("gnss"),
            SensorType::Wifi if self.sensors.wifi => ok("a wifi reading, accepted by the policy"),
            SensorType::Wifi => not_listed("wifi"),
        }
    }

    fn time(&self, reading: &LocationEvent, now: UnixTime) -> GeofenceReason {
        let rule = GeofenceRule::Time;
        let now = now.as_secs();
        if reading.time > now {
            let ahead_s = reading.time - now;
            if ahead_s > self.max_clock_skew_s {
                return GeofenceReason::deny(
                    rule,
                    Error::GeofenceReadingFromFuture {
                        ahead_s,
                        max_skew_s: self.max_clock_skew_s,
                    },
                );
            }
            return GeofenceReason::pass(
                rule,
                format!(
                    "the reading is {ahead_s} s ahead, within the {} s clock skew",
                    self.max_clock_skew_s
                ),
            );
        }
        let age_s = now - reading.time;
        if age_s > self.max_age_s {
            return GeofenceReason::deny(
                rule,
                Error::GeofenceReadingTooOld {
                    age_s,
                    max_s: self.max_age_s,
                },
            );
        }
        GeofenceReason::pass(
            rule,
            format!("the reading is {age_s} s old, at most {} s", self.max_age_s),
        )
    }

    fn accuracy(&self, reading: &LocationEvent) -> GeofenceReason {
        let rule = GeofenceRule::Accuracy;
        // Validated: finite and non-negative; the bound is an integer number of metres.
        if reading.accuracy_m > self.max_accuracy_m as f64 {
            return GeofenceReason::deny(
                rule,
                Error::GeofenceAccuracyTooCoarse {
                    accuracy_m: reading.accuracy_m.ceil() as u64,
                    max_m: self.max_accuracy_m,
                },
            );
        }
        GeofenceReason::pass(
            rule,
            format!(
                "accuracy radius {} m, at most {} m",
                reading.accuracy_m, self.max_accuracy_m
            ),
        )
    }

    /// Whether `country` is allowed: not denied, and listed (directly or through an allowed
    /// subdivision) when any country is allowed.
    fn country_denial(&self, country: &str) -> Option<Error> {
        let country = country.to_owned();
        if self.countries.deny.contains(&country) {
            return Some(Error::GeofenceCountryDenied { country });
        }
        let allow_list = !self.countries.allow.is_empty() || !self.subdivisions.allow.is_empty();
        let listed = self.countries.allow.contains(&country)
            || self
                .subdivisions
                .allow
                .iter()
                .any(|s| parse::prefix(s) == country);
        (allow_list && !listed).then_some(Error::GeofenceCountryNotAllowed { country })
    }

    /// Whether the policy has subdivision rules for `country`; (narrowed, denies).
    fn subdivision_rules(&self, country: &str) -> (bool, bool) {
        let of = |set: &BTreeSet<String>| set.iter().any(|s| parse::prefix(s) == country);
        (of(&self.subdivisions.allow), of(&self.subdivisions.deny))
    }

    /// The denials for a reading in `country` within `subdivisions` (the one it lies in, or
    /// every one its circle spans).
    fn subdivision_denials(&self, country: &str, subdivisions: &[String]) -> Vec<Error> {
        let (narrowed, denies) = self.subdivision_rules(country);
        if !narrowed && !denies {
            return Vec::new();
        }
        if subdivisions.is_empty() {
            return vec![Error::GeofenceSubdivisionUnresolved {
                country: country.to_owned(),
            }];
        }
        subdivisions
            .iter()
            .filter_map(|s| {
                if self.subdivisions.deny.contains(s) {
                    Some(Error::GeofenceSubdivisionDenied {
                        subdivision: s.clone(),
                    })
                } else if narrowed && !self.subdivisions.allow.contains(s) {
                    Some(Error::GeofenceSubdivisionNotAllowed {
                        subdivision: s.clone(),
                    })
                } else {
                    None
                }
            })
            .collect()
    }

    fn jurisdiction(&self, resolution: Option<&Resolution>, reasons: &mut Vec<GeofenceReason>) {
        let rule = GeofenceRule::Jurisdiction;
        let deny_all = |reasons: &mut Vec<GeofenceReason>, errors: Vec<Error>| {
            reasons.extend(errors.into_iter().map(|e| GeofenceReason::deny(rule, e)));
        };
        match resolution {
            None | Some(Resolution::Unresolved) => {
                reasons.push(GeofenceReason::deny(
                    rule,
                    Error::GeofenceJurisdictionUnresolved,
                ));
            }
            Some(Resolution::Resolved {
                country,
                subdivision,
                subdivision_candidates,
                ..
            }) => {
                if let Some(e) = self.country_denial(country) {
                    reasons.push(GeofenceReason::deny(rule, e));
                    return;
                }
                let subs: Vec<String> = match subdivision {
                    Some(s) => vec![s.clone()],
                    None => subdivision_candidates.clone(),
                };
                let denials = self.subdivision_denials(country, &subs);
                if denials.is_empty() {
                    let within = if subs.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", subs.join(", "))
                    };
                    reasons.push(GeofenceReason::pass(
                        rule,
                        format!("the reading lies in {country}{within}, which the policy allows"),
                    ));
                }
                deny_all(reasons, denials);
            }
            Some(Resolution::Ambiguous { candidates }) => {
                let mut denials = Vec::new();
                for c in candidates {
                    match self.country_denial(&c.country) {
                        Some(e) => denials.push(e),
                        None => denials.extend(self.subdivision_denials(&c.country, &[])),
                    }
                }
                let names: Vec<&str> = candidates.iter().map(|c| c.country.as_str()).collect();
                let names = names.join(", ");
                if denials.is_empty() && !candidates.is_empty() {
                    reasons.push(GeofenceReason::pass(
                        rule,
                        format!("the reading reaches {names}, each of which the policy allows"),
                    ));
                } else {
                    reasons.push(GeofenceReason::deny(
                        rule,
                        Error::GeofenceJurisdictionAmbiguous { candidates: names },
                    ));
                    deny_all(reasons, denials);
                }
            }
        }
    }

    fn areas(&self, reading: &LocationEvent, reasons: &mut Vec<GeofenceReason>) {
        let rule = GeofenceRule::Area;
        let p = LonLat::new(reading.longitude, reading.latitude);
        let r = reading.accuracy_m;
        let (allow, deny): (Vec<&Area>, Vec<&Area>) =
            self.areas.iter().partition(|a| a.effect == Effect::Allow);
        if !allow.is_empty() {
            match allow.iter().find(|a| a.contains_circle(p, r)) {
                Some(a) => reasons.push(GeofenceReason::pass(
                    rule,
                    format!(
                        "the reading's circle lies wholly in allowed area {:?}",
                        a.id
                    ),
                )),
                None => reasons.push(GeofenceReason::deny(
                    rule,
                    Error::GeofenceOutsideAllowedAreas,
                )),
            }
        }
        if !deny.is_empty() {
            let hit: Vec<&&Area> = deny.iter().filter(|a| a.reaches_circle(p, r)).collect();
            if hit.is_empty() {
                reasons.push(GeofenceReason::pass(
                    rule,
                    "the reading's circle reaches no denied area",
                ));
            }
            for a in hit {
                reasons.push(GeofenceReason::deny(
                    rule,
                    Error::GeofenceInDeniedArea { area: a.id.clone() },
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests;

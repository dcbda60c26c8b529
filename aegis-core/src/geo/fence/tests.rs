//! Each policy refusal (with its JSON path) and each rule of the evaluation, broken one at a time.

use serde_json::json;

use super::*;
use crate::geo::jurisdiction::Candidate;
use crate::tpm::HashAlg;

const NOW: u64 = 1_767_225_600;

/// A square of 0.2 x 0.2 degrees around Geneva (6.0-6.2 E, 46.1-46.3 N) as the allowed area, a
/// 500 m circle around 6.05 E 46.25 N as a denied one.
fn base() -> serde_json::Value {
    json!({
        "version": 1,
        "countries": {"allow": ["CH", "FR"], "deny": ["RU"]},
        "subdivisions": {"allow": ["FR-ARA"], "deny": ["CH-BS"]},
        "areas": [
            {"id": "geneva", "effect": "allow", "geometry": {"type": "Polygon", "coordinates": [
                [[6.0, 46.1], [6.2, 46.1], [6.2, 46.3], [6.0, 46.3], [6.0, 46.1]]]}},
            {"id": "lab", "effect": "deny", "geometry": {"type": "Circle", "center": [6.05, 46.25], "radius_m": 500}}
        ],
        "max_accuracy_radius_m": 100,
        "max_age_s": 300,
        "sensor_types": ["gnss", "mobile"],
        "pcr_references": {"sha256": {"0": "00".repeat(32), "7": "07".repeat(32)}}
    })
}

fn policy(v: &serde_json::Value) -> GeofencePolicy {
    GeofencePolicy::from_json(v.to_string().as_bytes()).unwrap()
}

/// The refusal of `v`: (path, what).
fn refusal(v: &serde_json::Value) -> (String, String) {
    refusal_bytes(v.to_string().as_bytes())
}

fn refusal_bytes(b: &[u8]) -> (String, String) {
    match GeofencePolicy::from_json(b) {
        Err(Error::GeofencePolicyInvalid { path, what }) => (path, what),
        other => panic!("expected GeofencePolicyInvalid, got {other:?}"),
    }
}

/// `base()` with the member at `pointer` (JSON pointer) replaced.
fn with(pointer: &str, value: serde_json::Value) -> serde_json::Value {
    let mut v = base();
    *v.pointer_mut(pointer).unwrap() = value;
    v
}

fn without(member: &str) -> serde_json::Value {
    let mut v = base();
    v.as_object_mut().unwrap().remove(member);
    v
}

fn reading() -> LocationEvent {
    LocationEvent {
        sensor_type: SensorType::Gnss,
        sensor_id: "gnss-0".into(),
        imei: None,
        imsi: None,
        msisdn: None,
        latitude: 46.2,
        longitude: 6.14,
        accuracy_m: 25.0,
        altitude_m: None,
        time: NOW - 10,
        quality: "3d-fix".into(),
    }
}

fn resolved(country: &str, subdivision: Option<&str>) -> Resolution {
    resolved_spanning(country, subdivision, &[])
}

/// The one place these tests build a `Resolution::Resolved`.
fn resolved_spanning(country: &str, subdivision: Option<&str>, spans: &[&str]) -> Resolution {
    Resolution::Resolved {
        country: country.into(),
        subdivision: subdivision.map(Into::into),
        subdivision_candidates: spans.iter().map(|s| s.to_string()).collect(),
        country_exclave: false,
        enclosing_exclave_country: None,
    }
}

fn ctx() -> GeofenceContext {
    GeofenceContext {
        now: UnixTime::from_secs(NOW),
        network_verified: false,
    }
}

fn decide(p: &GeofencePolicy, r: &LocationEvent, res: Option<&Resolution>) -> GeofenceDecision {
    p.evaluate_resolved(r, res, &ctx())
}

/// The names of the denials, in order.
fn denials(d: &GeofenceDecision) -> Vec<&'static str> {
    d.denials().map(Error::name).collect()
}

// --- the policy document ---

#[test]
fn a_valid_policy_reads() {
    let p = policy(&base());
    assert!(p.has_jurisdiction_rules());
    assert_eq!(p.pcr_references().len(), 2);
    assert_eq!(p.max_clock_skew_s, DEFAULT_CLOCK_SKEW_S);
    assert_eq!(p.areas.len(), 2);
}

#[test]
fn not_json_and_duplicate_members_are_refused_at_the_root() {
    let (path, what) = refusal_bytes(b"{\"version\": 1,");
    assert_eq!(path, "$");
    assert!(what.starts_with("not JSON"), "{what}");
    let (path, what) = refusal_bytes(br#"{"version": 1, "max_age_s": 1, "max_age_s": 9000}"#);
    assert_eq!(path, "$");
    assert!(what.contains("duplicate member \"max_age_s\""), "{what}");
    let (path, _) = refusal_bytes(b"[1]");
    assert_eq!(path, "$");
}

#[test]
fn oversized_documents_are_refused() {
    let big = vec![b' '; MAX_POLICY_BYTES + 1];
    let (path, what) = refusal_bytes(&big);
    assert_eq!(path, "$");
    assert!(what.contains("at most"), "{what}");
}

#[test]
fn unknown_members_are_refused_with_their_path() {
    let mut v = base();
    v["max_speed"] = json!(3);
    assert_eq!(refusal(&v).0, "$.max_speed");
    let mut v = base();
    v["areas"][1]["colour"] = json!("red");
    assert_eq!(refusal(&v).0, "$.areas[1].colour");
    let mut v = base();
    v["areas"][0]["geometry"]["bbox"] = json!([0, 0, 1, 1]);
    assert_eq!(refusal(&v).0, "$.areas[0].geometry.bbox");
    let mut v = base();
    v["countries"]["maybe"] = json!([]);
    assert_eq!(refusal(&v).0, "$.countries.maybe");
}

#[test]
fn the_version_is_required_and_must_be_1() {
    assert_eq!(
        refusal(&without("version")),
        ("$.version".into(), "missing".into())
    );
    let (path, what) = refusal(&with("/version", json!(2)));
    assert_eq!(path, "$.version");
    assert!(what.contains("not supported"), "{what}");
    assert_eq!(refusal(&with("/version", json!("1"))).0, "$.version");
}

#[test]
fn freshness_and_accuracy_bounds_are_required() {
    assert_eq!(refusal(&without("max_age_s")).0, "$.max_age_s");
    assert_eq!(
        refusal(&without("max_accuracy_radius_m")).0,
        "$.max_accuracy_radius_m"
    );
    assert_eq!(
        refusal(&with("/max_accuracy_radius_m", json!(0))).0,
        "$.max_accuracy_radius_m"
    );
    assert_eq!(
        refusal(&with("/max_accuracy_radius_m", json!(12.5))).0,
        "$.max_accuracy_radius_m"
    );
    assert_eq!(refusal(&with("/max_age_s", json!(-1))).0, "$.max_age_s");
    let mut v = base();
    v["max_clock_skew_s"] = json!(MAX_CLOCK_SKEW_S + 1);
    assert_eq!(refusal(&v).0, "$.max_clock_skew_s");
}

#[test]
fn a_policy_that_constrains_no_place_is_refused() {
    let mut v = base();
    for m in ["countries", "subdivisions", "areas"] {
        v.as_object_mut().unwrap().remove(m);
    }
    let (path, what) = refusal(&v);
    assert_eq!(path, "$");
    assert!(what.contains("would not constrain"), "{what}");
}

#[test]
fn country_and_subdivision_codes_have_the_iso_shape() {
    for bad in ["ch", "CHE", "C1", ""] {
        let (path, what) = refusal(&with("/countries/allow/1", json!(bad)));
        assert_eq!(path, "$.countries.allow[1]", "{bad}");
        assert!(what.contains("ISO 3166-1"), "{what}");
    }
    for bad in ["ES_CT", "ES-", "ES-CTAB", "es-ct", "E-CT", "ES-C.T"] {
        let (path, what) = refusal(&with("/subdivisions/deny/0", json!(bad)));
        assert_eq!(path, "$.subdivisions.deny[0]", "{bad}");
        assert!(what.contains("ISO 3166-2"), "{what}");
    }
    assert_eq!(
        refusal(&with("/countries/deny/0", json!(7))).0,
        "$.countries.deny[0]"
    );
    assert!(GeofencePolicy::from_json(
        with("/subdivisions/deny/0", json!("FR-75C"))
            .to_string()
            .as_bytes()
    )
    .is_ok());
}

#[test]
fn contradictory_or_repeated_codes_are_refused() {
    let (path, what) = refusal(&with("/countries/allow", json!(["CH", "CH"])));
    assert_eq!(path, "$.countries.allow[1]");
    assert!(what.contains("twice"), "{what}");
    let (path, what) = refusal(&with("/countries/deny", json!(["FR"])));
    assert_eq!(path, "$.countries");
    assert!(what.contains("both allowed and denied"), "{what}");
    let (path, _) = refusal(&with("/subdivisions/deny", json!(["FR-ARA"])));
    assert_eq!(path, "$.subdivisions");
    let (path, what) = refusal(&with("/subdivisions/allow", json!(["RU-MOW"])));
    assert_eq!(path, "$.subdivisions.allow[0]");
    assert!(what.contains("denies"), "{what}");
}

#[test]
fn polygons_follow_rfc_7946() {
    let ring = "/areas/0/geometry/coordinates/0";
    // Fewer than four positions.
    let (path, what) = refusal(&with(ring, json!([[6.0, 46.1], [6.2, 46.1], [6.0, 46.1]])));
    assert_eq!(path, "$.areas[0].geometry.coordinates[0]");
    assert!(what.contains("at least 4"), "{what}");
    // Not closed.
    let (path, what) = refusal(&with(
        ring,
        json!([[6.0, 46.1], [6.2, 46.1], [6.2, 46.3], [6.0, 46.3]]),
    ));
    assert_eq!(path, "$.areas[0].geometry.coordinates[0][3]");
    assert!(what.contains("closed"), "{what}");
    // [latitude, longitude] order: a latitude of 95 is out of range.
    let (path, what) = refusal(&with(&format!("{ring}/2"), json!([46.3, 95.0])));
    assert_eq!(path, "$.areas[0].geometry.coordinates[0][2][1]");
    assert!(what.contains("latitude"), "{what}");
    let (path, _) = refusal(&with(&format!("{ring}/2"), json!([181.0, 46.3])));
    assert_eq!(path, "$.areas[0].geometry.coordinates[0][2][0]");
    // A position of one or four numbers, or a string.
    assert_eq!(
        refusal(&with(&format!("{ring}/2"), json!([6.2]))).0,
        "$.areas[0].geometry.coordinates[0][2]"
    );
    assert_eq!(
        refusal(&with(&format!("{ring}/2"), json!([6.2, 46.3, 1, 2]))).0,
        "$.areas[0].geometry.coordinates[0][2]"
    );
    assert_eq!(
        refusal(&with(&format!("{ring}/2/1"), json!("46.3"))).0,
        "$.areas[0].geometry.coordinates[0][2][1]"
    );
    // An altitude is allowed.
    assert!(GeofencePolicy::from_json(
        with(&format!("{ring}/2"), json!([6.2, 46.3, 400.0]))
            .to_string()
            .as_bytes()
    )
    .is_ok());
    // Across the antimeridian.
    let (path, what) = refusal(&with(
        ring,
        json!([
            [179.0, 0.0],
            [-179.0, 0.0],
            [-179.0, 1.0],
            [179.0, 1.0],
            [179.0, 0.0]
        ]),
    ));
    assert_eq!(path, "$.areas[0].geometry.coordinates[0][1]");
    assert!(what.contains("antimeridian"), "{what}");
    // No area.
    let (path, what) = refusal(&with(
        ring,
        json!([[6.0, 46.1], [6.1, 46.1], [6.2, 46.1], [6.0, 46.1]]),
    ));
    assert_eq!(path, "$.areas[0].geometry.coordinates[0]");
    assert!(what.contains("no area"), "{what}");
    // No ring at all.
    assert_eq!(
        refusal(&with("/areas/0/geometry/coordinates", json!([]))).0,
        "$.areas[0].geometry.coordinates"
    );
}

#[test]
fn holes_are_allowed() {
    let v = with(
        "/areas/0/geometry/coordinates",
        json!([
            [
                [6.0, 46.1],
                [6.2, 46.1],
                [6.2, 46.3],
                [6.0, 46.3],
                [6.0, 46.1]
            ],
            [
                [6.1, 46.15],
                [6.15, 46.15],
                [6.15, 46.18],
                [6.1, 46.18],
                [6.1, 46.15]
            ]
        ]),
    );
    let p = policy(&v);
    let mut r = reading();
    r.latitude = 46.165;
    r.longitude = 6.125;
    let d = decide(&p, &r, Some(&resolved("CH", Some("CH-GE"))));
    assert_eq!(denials(&d), ["GeofenceOutsideAllowedAreas"]);
}

#[test]
fn geometries_are_polygons_or_circles() {
    let (path, what) = refusal(&with(
        "/areas/0/geometry",
        json!({"type": "Point", "coordinates": [6.0, 46.0]}),
    ));
    assert_eq!(path, "$.areas[0].geometry.type");
    assert!(what.contains("Polygon or Circle"), "{what}");
    assert_eq!(
        refusal(&with("/areas/0/geometry", json!({"coordinates": []}))).0,
        "$.areas[0].geometry"
    );
    for bad in [json!(0), json!(-5), json!(MAX_RADIUS_M * 2.0), json!("500")] {
        assert_eq!(
            refusal(&with("/areas/1/geometry/radius_m", bad)).0,
            "$.areas[1].geometry.radius_m"
        );
    }
    let mut v = base();
    v["areas"][1]["geometry"]
        .as_object_mut()
        .unwrap()
        .remove("center");
    assert_eq!(
        refusal(&v),
        ("$.areas[1].geometry.center".into(), "missing".into())
    );
}

#[test]
fn areas_have_a_unique_id_and_an_effect() {
    let (path, what) = refusal(&with("/areas/1/id", json!("geneva")));
    assert_eq!(path, "$.areas[1].id");
    assert!(what.contains("twice"), "{what}");
    assert_eq!(refusal(&with("/areas/1/id", json!(""))).0, "$.areas[1].id");
    assert_eq!(
        refusal(&with("/areas/1/id", json!("a".repeat(MAX_AREA_ID + 1)))).0,
        "$.areas[1].id"
    );
    assert_eq!(
        refusal(&with("/areas/1/effect", json!("block"))).0,
        "$.areas[1].effect"
    );
    let mut v = base();
    v["areas"][0].as_object_mut().unwrap().remove("effect");
    assert_eq!(refusal(&v).0, "$.areas[0].effect");
}

#[test]
fn area_counts_and_positions_are_bounded() {
    let circle = json!({"id": "x", "effect": "deny", "geometry": {"type": "Circle", "center": [0, 0], "radius_m": 1}});
    let many: Vec<serde_json::Value> = (0..=MAX_AREAS)
        .map(|i| {
            let mut c = circle.clone();
            c["id"] = json!(format!("c{i}"));
            c
        })
        .collect();
    let (path, _) = refusal(&with("/areas", json!(many)));
    assert_eq!(path, "$.areas");
    // One ring of more positions than all areas may have.
    let mut ring: Vec<[f64; 2]> = (0..MAX_VERTICES)
        .map(|i| [i as f64 * 1e-4, (i % 2) as f64])
        .collect();
    ring.push(ring[0]);
    let (path, what) = refusal(&with("/areas/0/geometry/coordinates/0", json!(ring)));
    assert_eq!(path, "$.areas[0].geometry.coordinates[0]");
    assert!(what.contains("positions in all"), "{what}");
}

#[test]
fn ip_is_never_a_sensor_type_a_policy_may_accept() {
    let (path, what) = refusal(&with("/sensor_types", json!(["gnss", "ip"])));
    assert_eq!(path, "$.sensor_types[1]");
    assert!(what.contains("never sufficient"), "{what}");
    assert_eq!(
        refusal(&with("/sensor_types", json!(["gps"]))).0,
        "$.sensor_types[0]"
    );
    assert_eq!(
        refusal(&with("/sensor_types", json!(["gnss", "gnss"]))).0,
        "$.sensor_types[1]"
    );
    let (path, what) = refusal(&with("/sensor_types", json!([])));
    assert_eq!(path, "$.sensor_types");
    assert!(what.contains("every reading would be denied"), "{what}");
}

#[test]
fn pcr_references_are_checked_when_read() {
    let (path, _) = refusal(&with("/pcr_references", json!({"md5": {}})));
    assert_eq!(path, "$.pcr_references.md5");
    for bad_index in ["24", "07", "-1", "x"] {
        let v = with(
            "/pcr_references",
            json!({"sha256": {bad_index: "00".repeat(32)}}),
        );
        assert_eq!(
            refusal(&v).0,
            format!("$.pcr_references.sha256.{bad_index}")
        );
    }
    let (path, what) = refusal(&with("/pcr_references/sha256/0", json!("00".repeat(20))));
    assert_eq!(path, "$.pcr_references.sha256.0");
    assert!(what.contains("sha256 PCR holds 32"), "{what}");
    assert_eq!(
        refusal(&with("/pcr_references/sha256/0", json!("zz"))).0,
        "$.pcr_references.sha256.0"
    );
    assert_eq!(
        refusal(&with("/pcr_references/sha256", json!([]))).0,
        "$.pcr_references.sha256"
    );
}

// --- PCR references ---

#[test]
fn pcr_references_match_the_quoted_values() {
    let p = policy(&base());
    let mut quoted = PcrValues::default();
    quoted.insert(HashAlg::Sha256, 0, vec![0; 32]).unwrap();
    quoted.insert(HashAlg::Sha256, 7, vec![7; 32]).unwrap();
    quoted.insert(HashAlg::Sha256, 15, vec![1; 32]).unwrap();
    assert_eq!(p.check_pcr_references(&quoted), Ok(()));

    let mut missing = PcrValues::default();
    missing.insert(HashAlg::Sha256, 0, vec![0; 32]).unwrap();
    assert_eq!(
        p.check_pcr_references(&missing),
        Err(Error::PcrReferenceMissing {
            bank: 0x000B,
            index: 7
        })
    );
    let mut other = quoted.clone();
    other
        .banks
        .get_mut(&HashAlg::Sha256)
        .unwrap()
        .insert(7, vec![8; 32]);
    assert_eq!(
        p.check_pcr_references(&other),
        Err(Error::PcrReferenceMismatch {
            bank: 0x000B,
            index: 7
        })
    );
    // The same index in another bank is not the reference.
    let mut sha384 = PcrValues::default();
    sha384.insert(HashAlg::Sha384, 0, vec![0; 48]).unwrap();
    assert_eq!(
        p.check_pcr_references(&sha384),
        Err(Error::PcrReferenceMissing {
            bank: 0x000B,
            index: 0
        })
    );
}

// --- evaluation ---

#[test]
fn a_reading_that_passes_every_rule_is_allowed_with_every_reason() {
    let p = policy(&base());
    let d = decide(&p, &reading(), Some(&resolved("CH", Some("CH-GE"))));
    assert_eq!(d.verdict(), GeofenceVerdict::Allow);
    assert!(d.allowed());
    let rules: Vec<&str> = d.reasons().iter().map(|r| r.rule().name()).collect();
    assert_eq!(
        rules,
        [
            "reading",
            "sensor",
            "time",
            "accuracy",
            "jurisdiction",
            "area",
            "area"
        ]
    );
    assert!(d.reasons().iter().all(GeofenceReason::passed));
    assert_eq!(d.resolution(), Some(&resolved("CH", Some("CH-GE"))));
    let j = d.to_json();
    assert_eq!(j["verdict"], "allow");
    assert_eq!(j["resolution"]["country"], "CH");
    assert_eq!(j["reasons"][1]["rule"], "sensor");
    assert!(j["reasons"][1].get("code").is_none());
}

#[test]
fn every_denial_is_reported_with_its_code() {
    let p = policy(&base());
    let mut r = reading();
    r.accuracy_m = 250.0;
    r.time = NOW - 3600;
    r.sensor_type = SensorType::Static;
    let d = decide(&p, &r, Some(&resolved("RU", None)));
    assert_eq!(d.verdict(), GeofenceVerdict::Deny);
    assert_eq!(
        denials(&d),
        [
            "GeofenceStaticNotAllowed",
            "GeofenceReadingTooOld",
            "GeofenceAccuracyTooCoarse",
            "GeofenceCountryDenied"
        ]
    );
    let j = d.to_json();
    assert_eq!(j["verdict"], "deny");
    let accuracy = &j["reasons"][3];
    assert_eq!(accuracy["rule"], "accuracy");
    assert_eq!(accuracy["passed"], false);
    assert_eq!(accuracy["code"], 10030);
    assert_eq!(accuracy["name"], "GeofenceAccuracyTooCoarse");
    assert_eq!(
        accuracy["message"],
        "accuracy radius 250 m exceeds the policy's 100 m"
    );
}

#[test]
fn an_invalid_reading_is_denied_and_its_place_not_judged() {
    let p = policy(&base());
    let mut r = reading();
    r.latitude = 95.0;
    let d = decide(&p, &r, Some(&resolved("CH", None)));
    assert_eq!(denials(&d), ["InvalidValue"]);
    let rules: Vec<&str> = d.reasons().iter().map(|r| r.rule().name()).collect();
    assert_eq!(rules, ["reading", "sensor", "time"]);
}

#[test]
fn sensor_rules() {
    let p = policy(&base());
    let res = resolved("CH", Some("CH-GE"));
    let with_sensor = |s: SensorType| {
        let mut r = reading();
        r.sensor_type = s;
        r
    };
    let verified = GeofenceContext {
        network_verified: true,
        ..ctx()
    };
    assert!(decide(&p, &with_sensor(SensorType::Gnss), Some(&res)).allowed());
    // Mobile: only with a network-verified location.
    let mobile = with_sensor(SensorType::Mobile);
    assert_eq!(
        denials(&decide(&p, &mobile, Some(&res))),
        ["GeofenceMobileNotVerified"]
    );
    assert!(p
        .evaluate_resolved(&mobile, Some(&res), &verified)
        .allowed());
    // IP: never, even network-verified.
    let ip = with_sensor(SensorType::Ip);
    assert_eq!(
        denials(&p.evaluate_resolved(&ip, Some(&res), &verified)),
        ["GeofenceIpNotSufficient"]
    );
    // Static and wifi: only when listed.
    assert_eq!(
        denials(&decide(&p, &with_sensor(SensorType::Static), Some(&res))),
        ["GeofenceStaticNotAllowed"]
    );
    assert_eq!(
        denials(&decide(&p, &with_sensor(SensorType::Wifi), Some(&res))),
        ["GeofenceSensorNotAllowed"]
    );
    let listed = policy(&with("/sensor_types", json!(["static", "wifi"])));
    assert!(decide(&listed, &with_sensor(SensorType::Static), Some(&res)).allowed());
    assert!(decide(&listed, &with_sensor(SensorType::Wifi), Some(&res)).allowed());
    let d = listed.evaluate_resolved(&mobile, Some(&res), &verified);
    assert_eq!(
        d.denials().cloned().collect::<Vec<_>>(),
        [Error::GeofenceSensorNotAllowed { sensor: "mobile" }]
    );
    assert_eq!(
        denials(&decide(&listed, &with_sensor(SensorType::Gnss), Some(&res))),
        ["GeofenceSensorNotAllowed"]
    );
    // The default is gnss and mobile.
    let default = policy(&without("sensor_types"));
    assert!(decide(&default, &with_sensor(SensorType::Gnss), Some(&res)).allowed());
    assert!(default
        .evaluate_resolved(&mobile, Some(&res), &verified)
        .allowed());
    assert!(!decide(&default, &with_sensor(SensorType::Wifi), Some(&res)).allowed());
}

#[test]
fn time_rules() {
    let p = policy(&base());
    let res = resolved("CH", Some("CH-GE"));
    let at = |t: u64| {
        let mut r = reading();
        r.time = t;
        decide(&p, &r, Some(&res))
    };
    assert!(at(NOW).allowed());
    assert!(at(NOW - 300).allowed());
    assert_eq!(
        at(NOW - 301).denials().cloned().collect::<Vec<_>>(),
        [Error::GeofenceReadingTooOld {
            age_s: 301,
            max_s: 300
        }]
    );
    assert!(at(NOW + 60).allowed());
    assert_eq!(
        at(NOW + 61).denials().cloned().collect::<Vec<_>>(),
        [Error::GeofenceReadingFromFuture {
            ahead_s: 61,
            max_skew_s: 60
        }]
    );
    let strict = {
        let mut v = base();
        v["max_clock_skew_s"] = json!(0);
        policy(&v)
    };
    let mut r = reading();
    r.time = NOW + 1;
    assert_eq!(
        denials(&decide(&strict, &r, Some(&res))),
        ["GeofenceReadingFromFuture"]
    );
}

#[test]
fn accuracy_rule() {
    let p = policy(&base());
    let res = resolved("CH", Some("CH-GE"));
    let mut r = reading();
    r.accuracy_m = 100.0;
    assert!(decide(&p, &r, Some(&res)).allowed());
    r.accuracy_m = 100.2;
    assert_eq!(
        decide(&p, &r, Some(&res))
            .denials()
            .cloned()
            .collect::<Vec<_>>(),
        [Error::GeofenceAccuracyTooCoarse {
            accuracy_m: 101,
            max_m: 100
        }]
    );
}

#[test]
fn country_rules() {
    let p = policy(&base());
    let r = reading();
    assert!(decide(&p, &r, Some(&resolved("FR", Some("FR-ARA")))).allowed());
    assert_eq!(
        decide(&p, &r, Some(&resolved("DE", None)))
            .denials()
            .cloned()
            .collect::<Vec<_>>(),
        [Error::GeofenceCountryNotAllowed {
            country: "DE".into()
        }]
    );
    assert_eq!(
        denials(&decide(&p, &r, Some(&resolved("RU", None)))),
        ["GeofenceCountryDenied"]
    );
    // Deny-list only: every other country is allowed.
    let deny_only = policy(&with("/countries", json!({"deny": ["RU"]})));
    let mut v = base();
    v["countries"] = json!({"deny": ["RU"]});
    v.as_object_mut().unwrap().remove("subdivisions");
    let deny_only_no_subs = policy(&v);
    assert!(decide(&deny_only_no_subs, &r, Some(&resolved("DE", None))).allowed());
    // With allowed subdivisions, their countries are allowed (in those subdivisions only).
    assert!(decide(&deny_only, &r, Some(&resolved("FR", Some("FR-ARA")))).allowed());
    assert_eq!(
        denials(&decide(&deny_only, &r, Some(&resolved("DE", None)))),
        ["GeofenceCountryNotAllowed"]
    );
}

#[test]
fn subdivision_rules() {
    let p = policy(&base());
    let r = reading();
    // FR is narrowed to FR-ARA.
    assert_eq!(
        decide(&p, &r, Some(&resolved("FR", Some("FR-IDF"))))
            .denials()
            .cloned()
            .collect::<Vec<_>>(),
        [Error::GeofenceSubdivisionNotAllowed {
            subdivision: "FR-IDF".into()
        }]
    );
    assert_eq!(
        decide(&p, &r, Some(&resolved("FR", None)))
            .denials()
            .cloned()
            .collect::<Vec<_>>(),
        [Error::GeofenceSubdivisionUnresolved {
            country: "FR".into()
        }]
    );
    // CH is allowed but CH-BS denied.
    assert_eq!(
        decide(&p, &r, Some(&resolved("CH", Some("CH-BS"))))
            .denials()
            .cloned()
            .collect::<Vec<_>>(),
        [Error::GeofenceSubdivisionDenied {
            subdivision: "CH-BS".into()
        }]
    );
    assert!(decide(&p, &r, Some(&resolved("CH", Some("CH-GE")))).allowed());
    // A circle spanning subdivisions: every one must pass.
    let spans = |subs: &[&str]| resolved_spanning("CH", None, subs);
    assert!(decide(&p, &r, Some(&spans(&["CH-GE", "CH-VD"]))).allowed());
    assert_eq!(
        denials(&decide(&p, &r, Some(&spans(&["CH-BL", "CH-BS"])))),
        ["GeofenceSubdivisionDenied"]
    );
    // CH has a denied subdivision: an unknown subdivision is not enough.
    assert_eq!(
        denials(&decide(&p, &r, Some(&resolved("CH", None)))),
        ["GeofenceSubdivisionUnresolved"]
    );
}

#[test]
fn ambiguous_jurisdictions_are_allowed_only_when_every_candidate_is() {
    let mut v = base();
    v.as_object_mut().unwrap().remove("subdivisions");
    v["countries"] = json!({"allow": ["CH", "FR"], "deny": ["RU"]});
    let p = policy(&v);
    let r = reading();
    let amb = |cs: &[&str]| Resolution::Ambiguous {
        candidates: cs
            .iter()
            .map(|c| Candidate {
                country: c.to_string(),
            })
            .collect(),
    };
    let d = decide(&p, &r, Some(&amb(&["CH", "FR"])));
    assert!(d.allowed(), "{:?}", d.reasons());
    let d = decide(&p, &r, Some(&amb(&["CH", "DE"])));
    assert_eq!(
        d.denials().cloned().collect::<Vec<_>>(),
        [
            Error::GeofenceJurisdictionAmbiguous {
                candidates: "CH, DE".into()
            },
            Error::GeofenceCountryNotAllowed {
                country: "DE".into()
            }
        ]
    );
    assert_eq!(
        denials(&decide(&p, &r, Some(&amb(&["CH", "RU"])))),
        ["GeofenceJurisdictionAmbiguous", "GeofenceCountryDenied"]
    );
    // With subdivision rules for a candidate, its subdivision is unknown.
    let p = policy(&base());
    assert_eq!(
        denials(&decide(&p, &r, Some(&amb(&["CH", "FR"])))),
        [
            "GeofenceJurisdictionAmbiguous",
            "GeofenceSubdivisionUnresolved",
            "GeofenceSubdivisionUnresolved"
        ]
    );
    // No candidate at all is not "every candidate allowed".
    assert_eq!(
        denials(&decide(&p, &r, Some(&amb(&[])))),
        ["GeofenceJurisdictionAmbiguous"]
    );
}

#[test]
fn no_jurisdiction_is_denied_when_the_policy_has_jurisdiction_rules() {
    let p = policy(&base());
    let r = reading();
    assert_eq!(
        denials(&decide(&p, &r, Some(&Resolution::Unresolved))),
        ["GeofenceJurisdictionUnresolved"]
    );
    assert_eq!(
        denials(&decide(&p, &r, None)),
        ["GeofenceJurisdictionUnresolved"]
    );
}

/// An area-only policy needs no jurisdiction: `evaluate` looks none up.
fn areas_only() -> GeofencePolicy {
    let mut v = base();
    v.as_object_mut().unwrap().remove("countries");
    v.as_object_mut().unwrap().remove("subdivisions");
    policy(&v)
}

#[test]
fn an_area_only_policy_needs_no_jurisdiction() {
    let p = areas_only();
    assert!(!p.has_jurisdiction_rules());
    let d = p.evaluate(&reading(), &ctx()).unwrap();
    assert!(d.allowed(), "{:?}", d.reasons());
    assert_eq!(d.resolution(), None);
    assert_eq!(d.to_json()["resolution"], serde_json::Value::Null);
}

#[test]
fn the_whole_circle_must_lie_in_an_allowed_area() {
    let p = areas_only();
    let mut r = reading();
    // 6.198 E is about 154 m west of the square's east edge (6.2 E) at 46.2 N.
    r.longitude = 6.198;
    r.accuracy_m = 100.0;
    assert!(decide(&p, &r, None).allowed());
    let mut v = base();
    v["max_accuracy_radius_m"] = json!(1000);
    v.as_object_mut().unwrap().remove("countries");
    v.as_object_mut().unwrap().remove("subdivisions");
    let loose = policy(&v);
    r.accuracy_m = 200.0;
    assert_eq!(
        denials(&decide(&loose, &r, None)),
        ["GeofenceOutsideAllowedAreas"]
    );
    // Wholly outside.
    r.longitude = 6.3;
    r.accuracy_m = 10.0;
    assert_eq!(
        denials(&decide(&p, &r, None)),
        ["GeofenceOutsideAllowedAreas"]
    );
}

#[test]
fn any_part_of_the_circle_in_a_denied_area_denies() {
    let p = areas_only();
    let mut r = reading();
    // The lab circle: 500 m around 6.05 E 46.25 N. 46.2545 N is about 500 m north of its centre.
    r.longitude = 6.05;
    r.latitude = 46.25;
    r.accuracy_m = 5.0;
    assert_eq!(
        decide(&p, &r, None).denials().cloned().collect::<Vec<_>>(),
        [Error::GeofenceInDeniedArea { area: "lab".into() }]
    );
    r.latitude = 46.2550; // about 556 m north: the 5 m circle stays out of the 500 m area
    assert!(decide(&p, &r, None).allowed());
    r.accuracy_m = 60.0; // now it reaches it
    assert_eq!(denials(&decide(&p, &r, None)), ["GeofenceInDeniedArea"]);
}

#[test]
fn a_denied_polygon_denies_when_the_circle_reaches_it() {
    let mut v = base();
    v.as_object_mut().unwrap().remove("countries");
    v.as_object_mut().unwrap().remove("subdivisions");
    v["areas"] = json!([{"id": "zone", "effect": "deny", "geometry": {"type": "Polygon", "coordinates": [
        [[6.0, 46.1], [6.2, 46.1], [6.2, 46.3], [6.0, 46.3], [6.0, 46.1]]]}}]);
    let p = policy(&v);
    let mut r = reading();
    assert_eq!(denials(&decide(&p, &r, None)), ["GeofenceInDeniedArea"]);
    // About 154 m east of the east edge: a 100 m circle stays out, a 200 m circle reaches in.
    r.longitude = 6.202;
    r.accuracy_m = 100.0;
    let d = decide(&p, &r, None);
    assert!(d.allowed(), "{:?}", d.reasons());
    assert_eq!(d.reasons().last().unwrap().rule(), GeofenceRule::Area);
    let mut v2 = v.clone();
    v2["max_accuracy_radius_m"] = json!(1000);
    r.accuracy_m = 200.0;
    assert_eq!(
        denials(&decide(&policy(&v2), &r, None)),
        ["GeofenceInDeniedArea"]
    );
}

#[test]
fn allowed_circles_contain_the_reading_circle() {
    let mut v = base();
    v.as_object_mut().unwrap().remove("countries");
    v.as_object_mut().unwrap().remove("subdivisions");
    v["areas"] = json!([{"id": "site", "effect": "allow", "geometry": {"type": "Circle", "center": [6.14, 46.2], "radius_m": 1000}}]);
    let p = policy(&v);
    let mut r = reading();
    assert!(decide(&p, &r, None).allowed());
    r.latitude = 46.2085; // about 945 m north: a 25 m circle fits, a 60 m one does not
    assert!(decide(&p, &r, None).allowed());
    r.accuracy_m = 60.0;
    assert_eq!(
        denials(&decide(&p, &r, None)),
        ["GeofenceOutsideAllowedAreas"]
    );
}

/// `check_place`: the rules for a place that arrives resolved (a DPoG proof's region), each
/// with the error `evaluate` gives for it.
#[test]
fn a_resolved_place_meets_the_sensor_and_jurisdiction_rules() {
    let p = policy(&base());
    p.check_place(SensorType::Gnss, "CH", Some("CH-GE"))
        .unwrap();
    p.check_place(SensorType::Mobile, "FR", Some("FR-ARA"))
        .unwrap();
    let err = |sensor, country, sub| p.check_place(sensor, country, sub).unwrap_err();
    assert!(matches!(
        err(SensorType::Ip, "CH", None),
        Error::GeofenceIpNotSufficient
    ));
    assert!(matches!(
        err(SensorType::Static, "CH", None),
        Error::GeofenceStaticNotAllowed
    ));
    assert!(matches!(
        err(SensorType::Wifi, "CH", None),
        Error::GeofenceSensorNotAllowed { sensor: "wifi" }
    ));
    assert!(matches!(
        err(SensorType::Gnss, "RU", None),
        Error::GeofenceCountryDenied { .. }
    ));
    assert!(matches!(
        err(SensorType::Gnss, "DE", None),
        Error::GeofenceCountryNotAllowed { .. }
    ));
    assert!(matches!(
        err(SensorType::Gnss, "CH", Some("CH-BS")),
        Error::GeofenceSubdivisionDenied { .. }
    ));
    assert!(matches!(
        err(SensorType::Gnss, "FR", Some("FR-IDF")),
        Error::GeofenceSubdivisionNotAllowed { .. }
    ));
    // A country narrowed to subdivisions needs the place's subdivision.
    assert!(matches!(
        err(SensorType::Gnss, "FR", None),
        Error::GeofenceSubdivisionUnresolved { .. }
    ));
    // A static location passes only when the policy opts in.
    let opted_in = policy(&with("/sensor_types", json!(["gnss", "static"])));
    opted_in
        .check_place(SensorType::Static, "CH", Some("CH-GE"))
        .unwrap();
}

#[test]
fn next_above_is_the_next_double() {
    assert_eq!(super::next_above(0.0), f64::from_bits(1));
    let r = super::next_above(25.0);
    assert!(r > 25.0 && r - 25.0 < 1e-14);
}

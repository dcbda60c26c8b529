//! The example of docs/geofence-policy.md is a valid policy and decides as the document says.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use aegis_core::geo::jurisdiction::Resolution;
use aegis_core::geo::{GeofenceContext, GeofencePolicy, LocationEvent, SensorType};
use aegis_core::time::UnixTime;
use aegis_core::Error;

/// The first ```json block of the document.
fn example() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/geofence-policy.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let start = doc.find("```json\n").expect("a ```json block") + "```json\n".len();
    let len = doc[start..].find("```").unwrap();
    doc[start..start + len].to_owned()
}

fn reading(lon: f64, lat: f64) -> LocationEvent {
    LocationEvent {
        sensor_type: SensorType::Gnss,
        sensor_id: "gnss-0".into(),
        imei: None,
        imsi: None,
        msisdn: None,
        latitude: lat,
        longitude: lon,
        accuracy_m: 25.0,
        altitude_m: None,
        time: 1_767_225_590,
        quality: "3d-fix".into(),
    }
}

fn resolved(country: &str, subdivision: Option<&str>) -> Resolution {
    Resolution::Resolved {
        country: country.into(),
        subdivision: subdivision.map(Into::into),
        subdivision_candidates: Vec::new(),
        country_exclave: false,
        enclosing_exclave_country: None,
    }
}

#[test]
fn the_documented_example_reads_and_decides_as_documented() {
    let policy = GeofencePolicy::from_json(example().as_bytes()).unwrap();
    assert_eq!(policy.pcr_references().len(), 2);
    let ctx = GeofenceContext {
        now: UnixTime::from_secs(1_767_225_600),
        network_verified: false,
    };
    let geneva = policy.evaluate_resolved(&reading(6.14, 46.20), Some(&resolved("CH", None)), &ctx);
    assert!(geneva.allowed(), "{:?}", geneva.reasons());
    let barcelona = policy.evaluate_resolved(
        &reading(2.17, 41.39),
        Some(&resolved("ES", Some("ES-CT"))),
        &ctx,
    );
    let names: Vec<&str> = barcelona.denials().map(Error::name).collect();
    assert_eq!(
        names,
        ["GeofenceSubdivisionDenied", "GeofenceOutsideAllowedAreas"]
    );
    let lab =
        policy.evaluate_resolved(&reading(6.0535, 46.2338), Some(&resolved("CH", None)), &ctx);
    let names: Vec<&str> = lab.denials().map(Error::name).collect();
    assert_eq!(names, ["GeofenceInDeniedArea"]);
}

/// The same example through the jurisdiction engine: the readings resolve as the document says.
#[test]
fn the_documented_example_decides_the_same_with_the_jurisdiction_engine() {
    let policy = GeofencePolicy::from_json(example().as_bytes()).unwrap();
    let ctx = GeofenceContext {
        now: UnixTime::from_secs(1_767_225_600),
        network_verified: false,
    };
    let names = |lon, lat| -> Vec<&'static str> {
        let d = policy.evaluate(&reading(lon, lat), &ctx).unwrap();
        d.denials().map(Error::name).collect()
    };
    assert!(names(6.14, 46.20).is_empty());
    assert_eq!(
        names(2.17, 41.39),
        ["GeofenceSubdivisionDenied", "GeofenceOutsideAllowedAreas"]
    );
    assert_eq!(names(6.0535, 46.2338), ["GeofenceInDeniedArea"]);
}

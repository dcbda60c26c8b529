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

fn in_ch(subdivision: &str) -> Resolution {
    Resolution::Resolved {
        country: "CH".into(),
        subdivision: Some(subdivision.into()),
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
    let geneva = policy.evaluate_resolved(&reading(6.14, 46.20), Some(&in_ch("CH-GE")), &ctx);
    assert!(geneva.allowed(), "{:?}", geneva.reasons());
    let basel = policy.evaluate_resolved(&reading(7.59, 47.56), Some(&in_ch("CH-BS")), &ctx);
    let names: Vec<&str> = basel.denials().map(Error::name).collect();
    assert_eq!(
        names,
        ["GeofenceSubdivisionDenied", "GeofenceOutsideAllowedAreas"]
    );
    let lab = policy.evaluate_resolved(&reading(6.0535, 46.2338), Some(&in_ch("CH-GE")), &ctx);
    let names: Vec<&str> = lab.denials().map(Error::name).collect();
    assert_eq!(names, ["GeofenceInDeniedArea"]);
}

//! The geofence policy reader (geo::GeofencePolicy::from_json) and, for a policy it accepts, the
//! evaluation of readings against it under each kind of jurisdiction.
#![no_main]

use aegis_core::geo::jurisdiction::{Candidate, Resolution};
use aegis_core::geo::{GeofenceContext, GeofencePolicy, LocationEvent, SensorType};
use aegis_core::time::UnixTime;
use aegis_core::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let policy = match GeofencePolicy::from_json(data) {
        Ok(p) => p,
        Err(Error::GeofencePolicyInvalid { path, .. }) => {
            assert!(path.starts_with('$'), "a JSON path: {path}");
            return;
        }
        Err(e) => panic!("a policy is refused only with GeofencePolicyInvalid, got {e:?}"),
    };
    let resolutions = [
        Resolution::Resolved {
            country: "CH".into(),
            subdivision: Some("CH-GE".into()),
            subdivision_candidates: Vec::new(),
            country_exclave: false,
            enclosing_exclave_country: None,
        },
        Resolution::Ambiguous {
            candidates: vec![
                Candidate { country: "CH".into() },
                Candidate { country: "FR".into() },
            ],
        },
        Resolution::Unresolved,
    ];
    let mut reading = LocationEvent::sample();
    for (i, sensor) in [SensorType::Gnss, SensorType::Mobile, SensorType::Static]
        .into_iter()
        .enumerate()
    {
        reading.sensor_type = sensor;
        reading.accuracy_m = [0.0, 25.0, 5_000.0][i];
        for r in &resolutions {
            let ctx = GeofenceContext {
                now: UnixTime::from_secs(reading.time + 10),
                network_verified: i == 1,
            };
            let d = policy.evaluate_resolved(&reading, Some(r), &ctx);
            assert_eq!(d.allowed(), d.denials().next().is_none());
            assert_eq!(d.to_json()["verdict"], d.verdict().name());
        }
    }
});

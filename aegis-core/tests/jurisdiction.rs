//! Jurisdictions from coordinates (FORMATS.md, "Jurisdictions"; issue 11, item 1), against the
//! embedded boundary data.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aegis_core::error::Error;
use aegis_core::geo::geometry::{distance_m, LonLat, EARTH_RADIUS_M};
use aegis_core::geo::jurisdiction::{resolve, Candidate, ExclaveArea, Resolution, EXCLAVES};
use proptest::prelude::*;

fn country(lat: f64, lon: f64, accuracy: f64) -> (String, Option<String>) {
    match resolve(lat, lon, accuracy).unwrap() {
        Resolution::Resolved {
            country,
            subdivision,
            ..
        } => (country, subdivision),
        other => panic!("({lat}, {lon}) ± {accuracy} m: {other:?}"),
    }
}

fn resolved(code: &str, sub: Option<&str>) -> (String, Option<String>) {
    (code.to_owned(), sub.map(str::to_owned))
}

fn ambiguous(codes: &[&str]) -> Resolution {
    Resolution::Ambiguous {
        candidates: codes
            .iter()
            .map(|c| Candidate {
                country: (*c).to_owned(),
            })
            .collect(),
    }
}

#[test]
fn dependencies_are_their_own_country() {
    assert_eq!(country(49.21, -2.13, 0.0), resolved("JE", None));
    assert_eq!(country(22.30, 114.17, 0.0), resolved("HK", None));
    assert_eq!(country(22.19, 113.54, 0.0), resolved("MO", None));
    assert_eq!(country(18.2, -66.5, 0.0), resolved("PR", None));
    assert_eq!(country(60.1, 19.9, 0.0), resolved("AX", None));
}

#[test]
fn gibraltar_is_gi_and_never_gets_a_spanish_subdivision() {
    // The data has ES-AN at Gibraltar: a subdivision of another country is never reported.
    assert_eq!(country(36.14, -5.35, 0.0), resolved("GI", None));
}

#[test]
fn ceuta_melilla_and_the_canaries_are_es() {
    assert_eq!(country(35.889, -5.32, 0.0), resolved("ES", Some("ES-CE")));
    assert_eq!(country(35.29, -2.94, 0.0), resolved("ES", Some("ES-ML")));
    assert_eq!(country(28.1, -15.4, 0.0), resolved("ES", Some("ES-CN")));
}

#[test]
fn subdivisions_are_those_of_the_reported_country() {
    assert_eq!(country(41.39, 2.17, 0.0), resolved("ES", Some("ES-CT")));
    assert_eq!(country(33.0, -97.0, 0.0), resolved("US", Some("US-TX")));
    assert_eq!(country(51.5, -0.12, 0.0), resolved("GB", Some("GB-ENG")));
    assert_eq!(country(48.85, 2.35, 0.0), resolved("FR", None));
    // Svalbard: SJ, not Norway's NO-21.
    assert_eq!(country(78.2, 15.6, 0.0), resolved("SJ", None));
}

#[test]
fn enclaves_and_microstates() {
    assert_eq!(country(41.9029, 12.4534, 0.0), resolved("VA", None));
    assert_eq!(country(43.9424, 12.4578, 0.0), resolved("SM", None));
    assert_eq!(country(-29.6, 28.2, 0.0), resolved("LS", None));
}

#[test]
fn exclaves_resolve_to_their_own_country_with_the_geoar_claims() {
    let cases = [
        (42.4636, 1.9806, "ES", Some("FR")), // Llívia
        (47.6973, 8.6910, "DE", Some("CH")), // Büsingen
        (45.968, 8.971, "IT", Some("CH")),   // Campione d'Italia
        (51.431, 4.931, "BE", Some("NL")),   // Baarle-Hertog H1
        (51.4495, 4.943, "BE", Some("NL")),  // Baarle-Hertog, a northern piece
        (51.4462, 4.921, "BE", Some("NL")),  // Baarle-Hertog, a western piece
        (35.889, -5.32, "ES", Some("MA")),   // Ceuta
        (54.71, 20.51, "RU", None),          // Kaliningrad
        (39.2, 45.4, "AZ", None),            // Nakhchivan
        (26.2, 56.25, "OM", Some("AE")),     // Musandam
    ];
    for (lat, lon, code, enclosing) in cases {
        match resolve(lat, lon, 0.0).unwrap() {
            Resolution::Resolved {
                country,
                country_exclave,
                enclosing_exclave_country,
                ..
            } => {
                assert_eq!(country, code, "({lat}, {lon})");
                assert!(country_exclave, "({lat}, {lon})");
                assert_eq!(enclosing_exclave_country.as_deref(), enclosing);
            }
            other => panic!("({lat}, {lon}): {other:?}"),
        }
    }
    // Main territory is no exclave, and the JSON carries no exclave member.
    let madrid = resolve(40.4, -3.7, 0.0).unwrap();
    assert_eq!(
        serde_json::to_string(&madrid).unwrap(),
        r#"{"status":"resolved","country":"ES","subdivision":"ES-MD"}"#
    );
    let llivia = resolve(42.4636, 1.9806, 0.0).unwrap();
    assert_eq!(
        serde_json::to_string(&llivia).unwrap(),
        r#"{"status":"resolved","country":"ES","subdivision":"ES-CT","country_exclave":true,"enclosing_exclave_country":"FR"}"#
    );
}

#[test]
fn exclave_areas_hold_only_their_exclave() {
    let mut wrong = Vec::new();
    for e in EXCLAVES {
        let (code, sub) = country(e.inside.lat, e.inside.lon, 0.0);
        if code != e.country {
            wrong.push(format!("{}: inside point in {code}", e.name));
        }
        let (min, max) = match e.area {
            ExclaveArea::Subdivision(s) => {
                if sub.as_deref() != Some(s) {
                    wrong.push(format!("{}: inside point in {sub:?}", e.name));
                }
                continue;
            }
            ExclaveArea::Box(min, max) => (min, max),
        };
        let n = 400;
        for i in 0..=n {
            let t = f64::from(i) / f64::from(n);
            let lon = min.lon + t * (max.lon - min.lon);
            let lat = min.lat + t * (max.lat - min.lat);
            for (la, lo) in [
                (min.lat, lon),
                (max.lat, lon),
                (lat, min.lon),
                (lat, max.lon),
            ] {
                if let Resolution::Resolved { country, .. } = resolve(la, lo, 0.0).unwrap() {
                    if country == e.country {
                        wrong.push(format!("{}: box side at ({la}, {lo})", e.name));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn open_sea_is_unresolved() {
    assert_eq!(resolve(30.0, -40.0, 0.0).unwrap(), Resolution::Unresolved);
    assert_eq!(
        resolve(-30.0, -130.0, 1000.0).unwrap(),
        Resolution::Unresolved
    );
    assert_eq!(
        serde_json::to_string(&Resolution::Unresolved).unwrap(),
        r#"{"status":"unresolved"}"#
    );
}

#[test]
fn geneva_is_ambiguous_only_when_the_circle_reaches_france() {
    let (lat, lon) = (46.2044, 6.1432);
    assert_eq!(country(lat, lon, 1.0), resolved("CH", None));
    let wide = resolve(lat, lon, 10_000.0).unwrap();
    assert_eq!(wide, ambiguous(&["CH", "FR"]));
    assert_eq!(
        serde_json::to_string(&wide).unwrap(),
        r#"{"status":"ambiguous","candidates":[{"country":"CH"},{"country":"FR"}]}"#
    );
    // The radius where it turns ambiguous is the distance to the border, to within centimetres:
    // the border is reached between `lo` (resolved) and `hi` (ambiguous).
    let (mut lo, mut hi) = (1.0, 10_000.0);
    while hi - lo > 0.05 {
        let mid = (lo + hi) / 2.0;
        match resolve(lat, lon, mid).unwrap() {
            Resolution::Resolved { .. } => lo = mid,
            _ => hi = mid,
        }
    }
    // A point just beyond that radius, toward the border, lies in FR: sample the ring at `hi`.
    let found_fr = (0..3600).any(|i| {
        let bearing = f64::from(i).to_radians() / 10.0;
        let p = destination(lat, lon, bearing, hi + 0.5);
        matches!(resolve(p.lat, p.lon, 0.0).unwrap(), Resolution::Resolved { country, .. } if country == "FR")
    });
    assert!(found_fr, "no French point just beyond {hi} m");
    let inner_all_ch = (0..3600).all(|i| {
        let bearing = f64::from(i).to_radians() / 10.0;
        let p = destination(lat, lon, bearing, lo - 0.5);
        matches!(resolve(p.lat, p.lon, 0.0).unwrap(), Resolution::Resolved { country, .. } if country == "CH")
    });
    assert!(inner_all_ch, "a non-Swiss point inside {lo} m");
}

#[test]
fn alaska_yukon_is_decided_to_the_metre() {
    // The data's border near 141° W, found by point lookups along the parallel.
    let lat = 64.5;
    let (mut west, mut east) = (-141.1, -140.9);
    assert_eq!(country(lat, west, 0.0).0, "US");
    assert_eq!(country(lat, east, 0.0).0, "CA");
    while east - west > 1e-7 {
        let mid = (west + east) / 2.0;
        if country(lat, mid, 0.0).0 == "US" {
            west = mid;
        } else {
            east = mid;
        }
    }
    let lon = -141.02;
    let to_border = distance_m(LonLat::new(lon, lat), LonLat::new(east, lat));
    assert_eq!(country(lat, lon, to_border - 5.0).0, "US");
    assert_eq!(
        resolve(lat, lon, to_border + 5.0).unwrap(),
        ambiguous(&["CA", "US"])
    );
}

#[test]
fn a_circle_across_subdivisions_lists_them() {
    // Lleida, near the Catalonia / Aragon line.
    match resolve(41.6, 0.45, 30_000.0).unwrap() {
        Resolution::Resolved {
            country,
            subdivision,
            subdivision_candidates,
            ..
        } => {
            assert_eq!(country, "ES");
            assert_eq!(subdivision, None);
            assert_eq!(subdivision_candidates, vec!["ES-AR", "ES-CT"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn invalid_inputs_are_refused_with_their_error() {
    assert_eq!(resolve(90.5, 0.0, 0.0), Err(Error::LatitudeOutOfRange));
    assert_eq!(resolve(-91.0, 0.0, 0.0), Err(Error::LatitudeOutOfRange));
    assert_eq!(resolve(f64::NAN, 0.0, 0.0), Err(Error::LatitudeOutOfRange));
    assert_eq!(resolve(0.0, 180.5, 0.0), Err(Error::LongitudeOutOfRange));
    assert_eq!(resolve(0.0, -181.0, 0.0), Err(Error::LongitudeOutOfRange));
    assert_eq!(resolve(0.0, f64::NAN, 0.0), Err(Error::LongitudeOutOfRange));
    assert_eq!(resolve(0.0, 0.0, -1.0), Err(Error::InvalidAccuracy));
    assert_eq!(resolve(0.0, 0.0, f64::NAN), Err(Error::InvalidAccuracy));
    assert_eq!(
        resolve(0.0, 0.0, f64::INFINITY),
        Err(Error::InvalidAccuracy)
    );
    assert_eq!(Error::LatitudeOutOfRange.code(), 10000);
    // The edges of the ranges are valid.
    for (lat, lon) in [(90.0, 180.0), (-90.0, -180.0), (90.0, 0.0)] {
        assert!(resolve(lat, lon, 0.0).is_ok());
        assert!(resolve(lat, lon, 50_000.0).is_ok());
    }
    // A circle reaching across the antimeridian (Fiji's Taveuni at 180°).
    assert!(resolve(-16.8, 179.99, 20_000.0).is_ok());
}

/// The point `distance` metres from (lat, lon) along `bearing` (radians) on the sphere.
fn destination(lat: f64, lon: f64, bearing: f64, distance: f64) -> LonLat {
    let (phi, lambda) = (lat.to_radians(), lon.to_radians());
    let delta = distance / EARTH_RADIUS_M;
    let phi2 = (phi.sin() * delta.cos() + phi.cos() * delta.sin() * bearing.cos()).asin();
    let lambda2 = lambda
        + (bearing.sin() * delta.sin() * phi.cos()).atan2(delta.cos() - phi.sin() * phi2.sin());
    let lon2 = (lambda2.to_degrees() + 540.0).rem_euclid(360.0) - 180.0;
    LonLat::new(lon2, phi2.to_degrees())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A resolved circle's interior lies in its country (and subdivision) everywhere sampled; an
    /// ambiguous one has every candidate's sovereign code, sorted; a subdivision is always one of
    /// the reported country.
    #[test]
    fn resolved_circles_hold_only_their_country(
        lat in 35.0f64..60.0,
        lon in -10.0f64..30.0,
        accuracy in prop_oneof![Just(0.0), 1.0f64..200.0, 200.0f64..20_000.0],
        samples in proptest::collection::vec((0.0f64..1.0, 0.0f64..std::f64::consts::TAU), 24),
    ) {
        match resolve(lat, lon, accuracy).unwrap() {
            Resolution::Resolved { country, subdivision, subdivision_candidates, .. } => {
                let prefix = format!("{country}-");
                for s in subdivision.iter().chain(subdivision_candidates.iter()) {
                    prop_assert!(s.starts_with(&prefix), "{} in {}", s, country);
                }
                for (frac, bearing) in samples {
                    let p = destination(lat, lon, bearing, frac.sqrt() * accuracy * 0.999);
                    match resolve(p.lat, p.lon, 0.0).unwrap() {
                        Resolution::Resolved { country: c, subdivision: s, .. } => {
                            prop_assert_eq!(&c, &country, "sample {:?}", p);
                            if subdivision.is_some() {
                                prop_assert_eq!(&s, &subdivision, "sample {:?}", p);
                            }
                        }
                        // Sea within a circle that reaches land is allowed.
                        Resolution::Unresolved => {}
                        other => prop_assert!(false, "sample {:?}: {:?}", p, other),
                    }
                }
            }
            Resolution::Ambiguous { candidates } => {
                prop_assert!(candidates.len() >= 2);
                prop_assert!(candidates.windows(2).all(|w| w[0].country < w[1].country));
            }
            Resolution::Unresolved => {
                for (frac, bearing) in samples {
                    let p = destination(lat, lon, bearing, frac.sqrt() * accuracy * 0.999);
                    prop_assert_eq!(resolve(p.lat, p.lon, 0.0).unwrap(), Resolution::Unresolved);
                }
            }
        }
    }
}

//! Location evidence, the pure part: the PCR recipe, event validation, and the log format's
//! parser refusing damaged logs (bytes built with the pure encoder). The agent side (the log
//! file, recording into a PCR, replay against real quotes) is tested in aegis-agent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aegis_core::geo::{self, LocationEvent, LocationRecord, SensorType};
use aegis_core::tpm::HashAlg;
use aegis_core::Error;

fn reading(lat: f64) -> LocationEvent {
    LocationEvent {
        latitude: lat,
        ..LocationEvent::sample()
    }
}

#[test]
fn recipe_is_hash_of_jcs_then_nonce() {
    let e = LocationEvent::sample();
    let c = e.canonical_json().unwrap();
    assert_eq!(
        c,
        r#"{"accuracy_m":25,"altitude_m":375,"latitude":46.2044,"longitude":6.1432,"quality":"sample-not-a-measurement","sensor_id":"aegis-fixed-sample","sensor_type":"static","time":1767225600}"#
    );
    let r = LocationRecord::new(e, b"nonce").unwrap();
    let mut bytes = c.into_bytes();
    bytes.extend_from_slice(b"nonce");
    assert_eq!(r.digest(HashAlg::Sha256), HashAlg::Sha256.digest(&bytes));
}

#[test]
fn events_are_validated() {
    assert!(reading(91.0).canonical_json().is_err());
    assert!(LocationEvent {
        longitude: f64::NAN,
        ..LocationEvent::sample()
    }
    .canonical_json()
    .is_err());
    assert!(LocationEvent {
        imei: Some("1".into()),
        ..LocationEvent::sample()
    }
    .canonical_json()
    .is_err());
    let mobile = LocationEvent {
        sensor_type: SensorType::Mobile,
        imei: Some("490154203237518".into()),
        ..LocationEvent::sample()
    };
    assert!(mobile
        .canonical_json()
        .unwrap()
        .contains(r#""imei":"490154203237518""#));
    assert_eq!(
        LocationRecord::new(LocationEvent::sample(), b"").unwrap_err(),
        Error::EmptyNonce
    );
    // A non-canonical event (extra whitespace) is refused on the verifier side.
    let c = LocationEvent::sample()
        .canonical_json()
        .unwrap()
        .replace(',', ", ");
    assert!(matches!(
        LocationRecord::from_parts(&c, b"n"),
        Err(Error::LocationLogCorrupt { .. })
    ));
}

#[test]
fn parse_log_refuses_damage() {
    let records: Vec<LocationRecord> = [(1.0, b"n1"), (2.0, b"n2"), (3.0, b"n3")]
        .iter()
        .map(|(lat, n)| LocationRecord::new(reading(*lat), &n[..]).unwrap())
        .collect();
    let good = geo::encode_log(&records).unwrap();
    assert_eq!(geo::parse_log(&good).unwrap(), records);
    assert!(geo::parse_log(b"").unwrap().is_empty());

    let corrupt = |bytes: &[u8]| {
        let err = geo::parse_log(bytes).unwrap_err();
        assert!(matches!(err, Error::LocationLogCorrupt { .. }), "{err:?}");
    };
    // Truncated mid-line.
    corrupt(&good[..good.len() - 5]);
    // A middle line removed: the chain and sequence break.
    let lines: Vec<&[u8]> = good.split_inclusive(|b| *b == b'\n').collect();
    corrupt(&[lines[0], lines[2]].concat());
    // Lines swapped.
    corrupt(&[lines[1], lines[0], lines[2]].concat());
    // One byte of an event changed (latitude 2 -> 7): the digest check fails.
    let mut flipped = good.clone();
    let pos = lines[0].len()
        + String::from_utf8_lossy(lines[1])
            .find("\"latitude\":2")
            .unwrap()
        + 11;
    flipped[pos] = b'7';
    corrupt(&flipped);
    // Garbage appended.
    let mut junk = good.clone();
    junk.extend_from_slice(b"{not json}\n");
    corrupt(&junk);
}

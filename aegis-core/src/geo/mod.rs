//! Location evidence bound into a PCR (FORMATS.md, "Location evidence bound into a PCR").
//!
//! Agent side (aegis-agent records it): a [`LocationEvent`] (one reading) is bound to the
//! verifier's nonce ([`LocationRecord`]), appended to the event log ([`log_format`]), and
//! extended into a PCR (15 by default, SHA-256 bank): `digest = H(JCS(event) || nonce)` where
//! JCS is RFC 8785 ([`jcs`]).
//!
//! Verifier side ([`verify_location_log`], VERIFIER-CHECKS.md item 16): the log replays from the
//! PCR's reset value to the value a verified quote covers, and the last event's nonce is the
//! attestation nonce. Only the replayed events come out ([`VerifiedLocation`]).

pub mod fence;
pub mod geometry;
pub mod jcs;
pub mod jurisdiction;
pub mod log_format;

pub use fence::{
    GeofenceContext, GeofenceDecision, GeofencePolicy, GeofenceReason, GeofenceRule,
    GeofenceVerdict,
};
pub use log_format::{encode_log, parse_log, parse_log_chain, LogChain};

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};
use crate::tpm::{Digest, HashAlg, PcrSelection};
use crate::verify::VerifiedQuote;

/// The PCR the design papers use for location (FORMATS.md); PCR 23 is the resettable alternative.
pub const DEFAULT_LOCATION_PCR: u8 = 15;
/// The bank the recipe extends and the verifier replays by default.
pub const DEFAULT_LOCATION_BANK: HashAlg = HashAlg::Sha256;
/// Most events a log may hold (bounded replay work).
pub const MAX_EVENTS: usize = 65_536;
/// Longest nonce bound into an event (TPM2B_DATA-sized nonces and longer verifier nonces).
pub const MAX_NONCE: usize = 256;
/// Longest text field of an event.
const MAX_TEXT: usize = 256;

/// Where a reading came from (FORMATS.md: gnss | mobile | wifi | ip | static).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SensorType {
    /// `gnss`: a satellite positioning fix (GPS, Galileo, ...).
    Gnss,
    /// `mobile`: a cellular network position; the only type that may carry IMEI, IMSI, MSISDN.
    Mobile,
    /// `wifi`: a Wi-Fi positioning estimate.
    Wifi,
    /// `ip`: an IP geolocation estimate.
    Ip,
    /// `static`: a configured fixed location, not a measurement.
    Static,
}

impl SensorType {
    /// Its name in JSON (`gnss`, `mobile`, `wifi`, `ip`, `static`).
    pub fn name(self) -> &'static str {
        match self {
            SensorType::Gnss => "gnss",
            SensorType::Mobile => "mobile",
            SensorType::Wifi => "wifi",
            SensorType::Ip => "ip",
            SensorType::Static => "static",
        }
    }

    /// The sensor type named `name` (as in JSON), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Gnss, Self::Mobile, Self::Wifi, Self::Ip, Self::Static]
            .into_iter()
            .find(|t| t.name() == name)
    }
}

/// One location reading (FORMATS.md, "Location evidence bound into a PCR").
///
/// Its JSON member names are part of the PCR recipe: renaming one changes every digest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationEvent {
    /// The kind of source.
    pub sensor_type: SensorType,
    /// The sensor's identity (device serial, modem id, ...).
    pub sensor_id: String,
    /// Mobile only: the device's IMEI, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imei: Option<String>,
    /// Mobile only: the subscriber's IMSI, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imsi: Option<String>,
    /// Mobile only: the subscriber's number (MSISDN), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msisdn: Option<String>,
    /// WGS 84 latitude in degrees, -90 to 90.
    pub latitude: f64,
    /// WGS 84 longitude in degrees, -180 to 180.
    pub longitude: f64,
    /// Horizontal accuracy radius in metres.
    pub accuracy_m: f64,
    /// Metres above the WGS 84 ellipsoid, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude_m: Option<f64>,
    /// The reading's time, seconds since the Unix epoch (integer).
    pub time: u64,
    /// The source's own quality label ("3d-fix", "cell-id", "sample", ...).
    pub quality: String,
}

impl LocationEvent {
    /// Range and shape checks: finite coordinates within WGS 84 ranges, non-negative accuracy,
    /// bounded text, and IMEI / IMSI / MSISDN only on mobile readings.
    pub fn validate(&self) -> Result<()> {
        let finite = |v: f64| v.is_finite();
        if !finite(self.latitude) || !(-90.0..=90.0).contains(&self.latitude) {
            return Err(Error::InvalidValue {
                what: "latitude outside [-90, 90]",
            });
        }
        if !finite(self.longitude) || !(-180.0..=180.0).contains(&self.longitude) {
            return Err(Error::InvalidValue {
                what: "longitude outside [-180, 180]",
            });
        }
        if !finite(self.accuracy_m) || self.accuracy_m < 0.0 {
            return Err(Error::InvalidValue {
                what: "accuracy_m must be a non-negative number",
            });
        }
        if self.altitude_m.is_some_and(|a| !a.is_finite()) {
            return Err(Error::InvalidValue {
                what: "altitude_m must be finite",
            });
        }
        if self.time > (1u64 << 53) {
            return Err(Error::InvalidValue {
                what: "time beyond 2^53",
            });
        }
        let texts = [
            Some(&self.sensor_id),
            self.imei.as_ref(),
            self.imsi.as_ref(),
            self.msisdn.as_ref(),
            Some(&self.quality),
        ];
        if texts.iter().flatten().any(|t| t.len() > MAX_TEXT) {
            return Err(Error::SizeOutOfRange {
                what: "location event text field",
                size: MAX_TEXT + 1,
                max: MAX_TEXT,
            });
        }
        let mobile_ids = self.imei.is_some() || self.imsi.is_some() || self.msisdn.is_some();
        if mobile_ids && self.sensor_type != SensorType::Mobile {
            return Err(Error::InvalidValue {
                what: "IMEI/IMSI/MSISDN on a non-mobile reading",
            });
        }
        Ok(())
    }

    /// One event from its JSON form (as `canonical_json` writes it, or any member order),
    /// checked with [`LocationEvent::validate`]. Unknown members are refused.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let event: LocationEvent =
            serde_json::from_slice(bytes).map_err(|_| Error::InvalidFormat {
                what: "not a location event (JSON with the members of FORMATS.md)",
            })?;
        event.validate()?;
        Ok(event)
    }

    /// The RFC 8785 canonical JSON of the event: the bytes the PCR recipe hashes. Written member
    /// by member in canonical order (the same text as [`jcs::to_canonical_string`] of the
    /// event, without the `Value` tree; a test holds the two together).
    pub fn canonical_json(&self) -> Result<String> {
        self.validate()?;
        let mut w = jcs::ObjectWriter::new(256);
        w.number("accuracy_m", self.accuracy_m)?;
        if let Some(altitude) = self.altitude_m {
            w.number("altitude_m", altitude)?;
        }
        if let Some(imei) = &self.imei {
            w.string("imei", imei);
        }
        if let Some(imsi) = &self.imsi {
            w.string("imsi", imsi);
        }
        w.number("latitude", self.latitude)?;
        w.number("longitude", self.longitude)?;
        if let Some(msisdn) = &self.msisdn {
            w.string("msisdn", msisdn);
        }
        w.string("quality", &self.quality);
        w.string("sensor_id", &self.sensor_id);
        w.string("sensor_type", self.sensor_type.name());
        w.integer("time", self.time)?;
        Ok(w.finish())
    }

    /// A fixed sample reading for demos and tests, labelled as such in `sensor_id` and `quality`
    /// (it measures nothing).
    pub fn sample() -> Self {
        LocationEvent {
            sensor_type: SensorType::Static,
            sensor_id: "aegis-fixed-sample".to_owned(),
            imei: None,
            imsi: None,
            msisdn: None,
            latitude: 46.2044,
            longitude: 6.1432,
            accuracy_m: 25.0,
            altitude_m: Some(375.0),
            time: 1_767_225_600,
            quality: "sample-not-a-measurement".to_owned(),
        }
    }
}

/// One entry of the location event log: the event's canonical JSON exactly as hashed, the event
/// it decodes to, and the nonce it was bound to.
#[derive(Clone, Debug, PartialEq)]
pub struct LocationRecord {
    canonical: String,
    event: LocationEvent,
    nonce: Vec<u8>,
}

impl LocationRecord {
    /// Binds `event` to `nonce` (agent side).
    pub fn new(event: LocationEvent, nonce: &[u8]) -> Result<Self> {
        check_nonce(nonce)?;
        let canonical = event.canonical_json()?;
        Ok(LocationRecord {
            canonical,
            event,
            nonce: nonce.to_vec(),
        })
    }

    /// From received parts (verifier side): `canonical` must be the RFC 8785 form of a valid
    /// event, byte for byte.
    pub fn from_parts(canonical: &str, nonce: &[u8]) -> Result<Self> {
        check_nonce(nonce)?;
        let event: LocationEvent =
            serde_json::from_str(canonical).map_err(|_| Error::LocationLogCorrupt {
                what: "event is not a location event",
            })?;
        let again = event.canonical_json()?;
        if again != canonical {
            return Err(Error::LocationLogCorrupt {
                what: "event is not in RFC 8785 canonical form",
            });
        }
        Ok(LocationRecord {
            canonical: again,
            event,
            nonce: nonce.to_vec(),
        })
    }

    /// The event.
    pub fn event(&self) -> &LocationEvent {
        &self.event
    }
    /// The canonical JSON the digest covers.
    pub fn canonical_json(&self) -> &str {
        &self.canonical
    }
    /// The nonce the event is bound to.
    pub fn nonce(&self) -> &[u8] {
        &self.nonce
    }
    /// `H(JCS(event) || nonce)` with the bank's hash: the value extended into the PCR.
    pub fn digest(&self, bank: HashAlg) -> Vec<u8> {
        self.extend_value(bank).to_vec()
    }

    /// [`LocationRecord::digest`] without an allocation.
    pub(crate) fn extend_value(&self, bank: HashAlg) -> Digest {
        bank.hash_parts(&[self.canonical.as_bytes(), &self.nonce])
    }
}

fn check_nonce(nonce: &[u8]) -> Result<()> {
    if nonce.is_empty() {
        return Err(Error::EmptyNonce);
    }
    if nonce.len() > MAX_NONCE {
        return Err(Error::SizeOutOfRange {
            what: "location nonce",
            size: nonce.len(),
            max: MAX_NONCE,
        });
    }
    Ok(())
}

/// Replays `records` into a PCR of `bank` from its reset value (all zeros):
/// `pcr = H(pcr || digest_i)` for each record in order (TCG Part 1, 17.2: PCR extend).
pub fn replay(records: &[LocationRecord], bank: HashAlg) -> Result<Vec<u8>> {
    if records.len() > MAX_EVENTS {
        return Err(Error::CountOutOfRange {
            what: "location events",
            count: records.len(),
            max: MAX_EVENTS,
        });
    }
    let mut pcr = vec![0u8; bank.digest_size()];
    for r in records {
        let extended = bank.hash_parts(&[&pcr, &r.extend_value(bank)]);
        pcr.copy_from_slice(&extended);
    }
    Ok(pcr)
}

/// A location log that replayed to a verified quote's PCR value, with its last event bound to
/// the attestation nonce. Only [`verify_location_log`] makes one.
#[derive(Clone, Debug)]
pub struct VerifiedLocation {
    records: Vec<LocationRecord>,
    current: LocationEvent,
    pcr: u8,
    bank: HashAlg,
}

impl VerifiedLocation {
    /// The current reading: the last event, bound to this attestation's nonce.
    pub fn current(&self) -> &LocationEvent {
        &self.current
    }
    /// Every replayed record, oldest first.
    pub fn records(&self) -> &[LocationRecord] {
        &self.records
    }
    /// The PCR index and bank the log replayed into.
    pub fn pcr(&self) -> (u8, HashAlg) {
        (self.pcr, self.bank)
    }
}

/// VERIFIER-CHECKS.md item 16: `records` replay from the reset value to the value of PCR `pcr`
/// in `bank` that `quote` verified, and the last record's nonce equals `nonce` (the nonce the
/// quote was verified with).
///
/// Errors: `RequiredPcrMissing` when the quote does not cover the PCR, `LocationLogMismatch`
/// when the replay differs, `LocationNonceMismatch` when the log is empty or its last event is
/// bound to another nonce, `EmptyNonce` for an empty nonce.
pub fn verify_location_log(
    records: &[LocationRecord],
    quote: &VerifiedQuote,
    pcr: u8,
    bank: HashAlg,
    nonce: &[u8],
) -> Result<VerifiedLocation> {
    verify_location_records(records.to_vec(), quote, pcr, bank, nonce)
}

/// [`verify_location_log`] of records the caller hands over (the appraisal's, parsed for it).
pub(crate) fn verify_location_records(
    records: Vec<LocationRecord>,
    quote: &VerifiedQuote,
    pcr: u8,
    bank: HashAlg,
    nonce: &[u8],
) -> Result<VerifiedLocation> {
    if nonce.is_empty() {
        return Err(Error::EmptyNonce);
    }
    let quoted = quote.value(bank, pcr).ok_or(Error::RequiredPcrMissing {
        bank: bank.alg_id(),
        index: pcr,
    })?;
    let replayed = replay(&records, bank)?;
    if !bool::from(replayed.as_slice().ct_eq(quoted)) {
        return Err(Error::LocationLogMismatch);
    }
    let last = records.last().ok_or(Error::LocationNonceMismatch)?;
    if !bool::from(last.nonce.as_slice().ct_eq(nonce)) {
        return Err(Error::LocationNonceMismatch);
    }
    let current = last.event.clone();
    Ok(VerifiedLocation {
        records,
        current,
        pcr,
        bank,
    })
}

/// The selection a location quote needs: PCR `pcr` of `bank`.
pub fn location_selection(pcr: u8, bank: HashAlg) -> Result<PcrSelection> {
    PcrSelection::new(&[(bank, &[pcr])])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_writer_matches_the_generic_canonicalization() {
        let base = LocationEvent::sample();
        let events = [
            base.clone(),
            LocationEvent {
                altitude_m: None,
                latitude: -33.8688,
                longitude: 151.2093,
                accuracy_m: 0.0,
                time: 1 << 53,
                ..base.clone()
            },
            LocationEvent {
                sensor_type: SensorType::Mobile,
                imei: Some("356938035643809".into()),
                imsi: Some("310150123456789".into()),
                msisdn: Some("+41 79 000 00 00".into()),
                sensor_id: "modem \"0\"\n\u{1}\u{e9}\u{1f600}".into(),
                quality: String::new(),
                latitude: 1e-7,
                longitude: -180.0,
                accuracy_m: 1e21,
                altitude_m: Some(-0.5),
                time: 0,
            },
            LocationEvent {
                sensor_type: SensorType::Gnss,
                imsi: None,
                latitude: 90.0,
                longitude: 179.99999999999997,
                accuracy_m: 4.35,
                ..base
            },
        ];
        for e in events {
            assert_eq!(
                e.canonical_json().unwrap(),
                jcs::to_canonical_string(&e).unwrap()
            );
        }
    }
}

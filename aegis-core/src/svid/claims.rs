//! The AttestedClaims document (FORMATS.md, "X.509 SVID extensions": OID 1.3.6.1.4.1.55744.1.1,
//! the AegisSovereignAI proof of concept's `grc.*` JSON): what an agent's SVID says about the
//! attestation behind it. Read strictly ([`AttestedClaims::from_json`]), written
//! ([`AttestedClaims::to_json`]), and built from an attestation result
//! ([`AttestedClaims::from_result`]) by a SPIRE CredentialComposer.
//!
//! The document is one JSON object with three members (docs/gateway.md has an example):
//!
//! - `grc.workload` ([`WorkloadClaims`]): `spiffe_id`, `workload_code_hash`, both optional;
//! - `grc.tpm-attestation` ([`TpmAttestationClaims`]): `status` (an EAR tier name: "affirming",
//!   "warning", "contraindicated", "none"), `app_key` `{jkt, spki_sha256}` (the App Key's RFC 7638
//!   thumbprint, base64url, and the SHA-256 of its SubjectPublicKeyInfo, hex; the names the EAR's
//!   `workload-key` submod gives it), `submods` `{name: tier name}`;
//! - `grc.geolocation` ([`GeolocationClaims`]): the PoC's `sensor_type`, `sensor_id`,
//!   `sensor_imei`, `sensor_imsi`, `tpm_attested`, `tpm_pcr_index` (the flat form the PoC's
//!   agent answers `attested_geolocation` with and its gateway filter reads), plus Aegis's
//!   `sensor_msisdn`, `latitude`, `longitude`, `accuracy_m`, `time`, and the jurisdiction under
//!   the geoAR claims' names without their `grc.` prefix (FORMATS.md, EAR):
//!   `jurisdiction-country`, `jurisdiction-subdivision`.
//!
//! Aegis's reading where the PoC's design paper is silent:
//!
//! - Every member is optional in the document; a consumer says which it needs (the gateway
//!   denies a decision whose claims lack one, `GatewayClaimMissing`).
//! - Members Aegis does not know are kept and written back unchanged, never read.
//! - Duplicate member names, a document over [`MAX_ATTESTED_CLAIMS_BYTES`] bytes, a member of the wrong
//!   type and text that is not 1 to 256 characters of printable ASCII (the gateway forwards
//!   some of it in HTTP headers) are refused with `AttestedClaimsInvalid` naming the JSON path.
//! - `latitude`, `longitude` and `accuracy_m` come together or not at all; a
//!   `jurisdiction-subdivision` needs its `jurisdiction-country` and carries its prefix ("ES-MD").

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::extensions::MAX_ATTESTED_CLAIMS_BYTES;
use crate::appraise::result::{AttestationResult, ReadingClaims, LOCATION, WORKLOAD_KEY};
use crate::appraise::Outcome;
use crate::compat::sovereign::{PocGeolocation, PocSensorType};
use crate::ear::Status;
use crate::error::{Error, Result};
use crate::geo::{LocationEvent, SensorType};
use crate::json::Strict;

/// Longest text member, in characters.
const MAX_TEXT: usize = 256;

/// The member holding the workload's claims.
pub const WORKLOAD: &str = "grc.workload";
/// The member holding the TPM attestation's claims.
pub const TPM_ATTESTATION: &str = "grc.tpm-attestation";
/// The member holding the location reading's claims.
pub const GEOLOCATION: &str = "grc.geolocation";

/// The AttestedClaims document (module documentation). Unverified: it says what the SVID's
/// issuer wrote; the gateway checks it against a verified EAR.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AttestedClaims {
    /// `grc.workload`.
    pub workload: Option<WorkloadClaims>,
    /// `grc.tpm-attestation`.
    pub tpm_attestation: Option<TpmAttestationClaims>,
    /// `grc.geolocation`.
    pub geolocation: Option<GeolocationClaims>,
    /// Top-level members Aegis does not know, kept as read.
    pub other: Map<String, Value>,
}

/// `grc.workload`: the workload the SVID names.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkloadClaims {
    /// `spiffe_id`: the workload's SPIFFE ID.
    pub spiffe_id: Option<String>,
    /// `workload_code_hash`: as the PoC's SovereignAttestation carries it (not checked).
    pub workload_code_hash: Option<String>,
    /// Members Aegis does not know.
    pub other: Map<String, Value>,
}

/// `grc.tpm-attestation`: the attestation result the SVID's issuer relied on.
#[derive(Clone, Debug, PartialEq)]
pub struct TpmAttestationClaims {
    /// `status`: the result's EAR tier (optional: the EAR carried with the claims is the
    /// authority; a gateway that requires affirming refuses claims stating another tier).
    pub status: Option<Status>,
    /// `app_key`: the attested App Key's names.
    pub app_key: Option<AppKeyNames>,
    /// `submods`: each submod's tier, by name.
    pub submods: BTreeMap<String, Status>,
    /// Members Aegis does not know.
    pub other: Map<String, Value>,
}

/// The App Key's names (FORMATS.md, EAR: "The App Key ... is named in the result").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppKeyNames {
    /// `jkt`: RFC 7638 JWK SHA-256 thumbprint, base64url without padding (43 characters).
    pub jkt: String,
    /// `spki_sha256`: SHA-256 of the SubjectPublicKeyInfo DER, lower-case hex (64 characters).
    pub spki_sha256: Option<String>,
}

/// A reading's place: WGS 84 degrees and an accuracy radius in metres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coordinates {
    /// `latitude`, -90 to 90.
    pub latitude: f64,
    /// `longitude`, -180 to 180.
    pub longitude: f64,
    /// `accuracy_m`, non-negative.
    pub accuracy_m: f64,
}

/// `grc.geolocation`: the TPM-attested location reading's sensor and place.
#[derive(Clone, Debug, PartialEq)]
pub struct GeolocationClaims {
    /// `sensor_type`: gnss, mobile, wifi, ip or static.
    pub sensor_type: SensorType,
    /// `sensor_id`.
    pub sensor_id: String,
    /// `sensor_imei` (mobile).
    pub sensor_imei: Option<String>,
    /// `sensor_imsi` (mobile).
    pub sensor_imsi: Option<String>,
    /// `sensor_msisdn` (mobile; Aegis's addition): the subscriber's number.
    pub sensor_msisdn: Option<String>,
    /// `tpm_attested`: the reading was bound into a TPM PCR and verified.
    pub tpm_attested: Option<bool>,
    /// `tpm_pcr_index`: the PCR it was bound into.
    pub tpm_pcr_index: Option<u8>,
    /// `latitude`, `longitude`, `accuracy_m`.
    pub coordinates: Option<Coordinates>,
    /// `time`: the reading's time, seconds since the epoch.
    pub time: Option<u64>,
    /// `jurisdiction-country`: ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// `jurisdiction-subdivision`: ISO 3166-2 with the country prefix.
    pub subdivision: Option<String>,
    /// Members Aegis does not know.
    pub other: Map<String, Value>,
}

/// The JSON name of a sensor type.
pub(crate) fn sensor_name(t: SensorType) -> &'static str {
    match t {
        SensorType::Gnss => "gnss",
        SensorType::Mobile => "mobile",
        SensorType::Wifi => "wifi",
        SensorType::Ip => "ip",
        SensorType::Static => "static",
    }
}

/// The sensor type of its JSON name.
pub(crate) fn sensor_of_name(name: &str) -> Option<SensorType> {
    [
        SensorType::Gnss,
        SensorType::Mobile,
        SensorType::Wifi,
        SensorType::Ip,
        SensorType::Static,
    ]
    .into_iter()
    .find(|t| sensor_name(*t) == name)
}

fn invalid(path: &str, what: impl Into<String>) -> Error {
    Error::AttestedClaimsInvalid {
        path: path.to_owned(),
        what: what.into(),
    }
}

/// Reads members out of one JSON object, each error naming its JSON path; what is left is the
/// object's unknown members.
struct Members<'p> {
    path: &'p str,
    map: Map<String, Value>,
}

impl<'p> Members<'p> {
    fn of(v: Value, path: &'p str) -> Result<Self> {
        match v {
            Value::Object(map) => Ok(Members { path, map }),
            _ => Err(invalid(path, "not a JSON object")),
        }
    }

    fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn text(&mut self, key: &str) -> Result<Option<String>> {
        match self.map.remove(key) {
            None => Ok(None),
            Some(Value::String(s)) => {
                check_text(&s, &self.at(key))?;
                Ok(Some(s))
            }
            Some(_) => Err(invalid(&self.at(key), "not a string")),
        }
    }

    fn bool(&mut self, key: &str) -> Result<Option<bool>> {
        match self.map.remove(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(invalid(&self.at(key), "not a boolean")),
        }
    }

    fn uint(&mut self, key: &str, max: u64) -> Result<Option<u64>> {
        match self.map.remove(key) {
            None => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if n <= max => Ok(Some(n)),
                _ => Err(invalid(
                    &self.at(key),
                    format!("not an integer from 0 to {max}"),
                )),
            },
        }
    }

    fn number(&mut self, key: &str, lo: f64, hi: f64) -> Result<Option<f64>> {
        match self.map.remove(key) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(n) if n.is_finite() && (lo..=hi).contains(&n) => Ok(Some(n)),
                _ => Err(invalid(
                    &self.at(key),
                    format!("not a number from {lo} to {hi}"),
                )),
            },
        }
    }

    fn object(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key)
    }
}

/// 1 to [`MAX_TEXT`] characters of printable ASCII (no control characters: the gateway puts
/// some of them in HTTP headers).
fn check_text(s: &str, path: &str) -> Result<()> {
    if s.is_empty() || s.len() > MAX_TEXT || !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(invalid(
            path,
            format!("not 1 to {MAX_TEXT} characters of printable ASCII"),
        ));
    }
    Ok(())
}

fn check_country(c: &str, path: &str) -> Result<()> {
    if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(invalid(path, "not an ISO 3166-1 alpha-2 code (\"ES\")"));
    }
    Ok(())
}

fn check_subdivision(s: &str, country: Option<&str>, path: &str) -> Result<()> {
    let Some(country) = country else {
        return Err(invalid(path, "a subdivision without its country"));
    };
    let code = s
        .strip_prefix(country)
        .and_then(|rest| rest.strip_prefix('-'));
    match code {
        Some(c) if (1..=3).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Ok(())
        }
        _ => Err(invalid(
            path,
            "not an ISO 3166-2 code of the claimed country (\"ES-MD\")",
        )),
    }
}

fn status_of(v: Value, path: &str) -> Result<Status> {
    v.as_str()
        .and_then(|s| Status::from_name(s).ok())
        .ok_or_else(|| invalid(path, "not an EAR tier name (affirming, warning, ...)"))
}

impl AttestedClaims {
    /// Reads the document (module documentation): `AttestedClaimsInvalid` with the JSON path
    /// of the member at fault.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        if json.len() > MAX_ATTESTED_CLAIMS_BYTES {
            return Err(invalid(
                "$",
                format!("larger than {MAX_ATTESTED_CLAIMS_BYTES} bytes"),
            ));
        }
        let Strict(v) = serde_json::from_slice(json)
            .map_err(|e| invalid("$", format!("not JSON without duplicate members: {e}")))?;
        Self::from_value(v)
    }

    fn from_value(v: Value) -> Result<Self> {
        let mut top = Members::of(v, "$")?;
        let workload = top
            .object(WORKLOAD)
            .map(|v| WorkloadClaims::from_value(v, "$['grc.workload']"))
            .transpose()?;
        let tpm_attestation = top
            .object(TPM_ATTESTATION)
            .map(|v| TpmAttestationClaims::from_value(v, "$['grc.tpm-attestation']"))
            .transpose()?;
        let geolocation = top
            .object(GEOLOCATION)
            .map(|v| GeolocationClaims::from_value(v, "$['grc.geolocation']"))
            .transpose()?;
        Ok(AttestedClaims {
            workload,
            tpm_attestation,
            geolocation,
            other: top.map,
        })
    }

    /// The JSON document: the members Aegis knows, then the others as read. Checked as
    /// [`AttestedClaims::from_json`] checks (what Aegis writes, Aegis reads back): the same
    /// errors for a field out of range.
    pub fn to_json(&self) -> Result<String> {
        let mut out = self.other.clone();
        if let Some(w) = &self.workload {
            out.insert(WORKLOAD.into(), w.to_value());
        }
        if let Some(t) = &self.tpm_attestation {
            out.insert(TPM_ATTESTATION.into(), t.to_value());
        }
        if let Some(g) = &self.geolocation {
            out.insert(GEOLOCATION.into(), g.to_value());
        }
        let v = Value::Object(out);
        Self::from_value(v.clone())?;
        Ok(v.to_string())
    }

    /// The claims a CredentialComposer puts into an agent's SVID for an attestation result
    /// (the mapping is in docs/gateway.md):
    ///
    /// - `grc.tpm-attestation.status`: the result's status; `submods`: each submod's status;
    ///   `app_key`: the `workload-key` submod's `app_key` names (`jkt`, `spki_sha256`), when the
    ///   App Key certification gave them;
    /// - `grc.geolocation`, when the `location` submod has a verified reading: its
    ///   `sensor_type`, `sensor_id`, coordinates and time (the attester claims), `tpm_attested`
    ///   (whether the `location-log` check passed), `jurisdiction-country` and
    ///   `jurisdiction-subdivision` (the submod's geoAR country
    ///   and subdivision);
    /// - `grc.workload`: not from the result (the composer adds the SPIFFE ID).
    ///
    /// The result leaves out the subscriber identifiers (IMEI, IMSI, MSISDN) a network location
    /// verification needs; `reading`, the appraised location event, adds them. It must be the
    /// reading the result attests (same sensor and coordinates): `InvalidArgument` otherwise.
    pub fn from_result(
        result: &AttestationResult,
        reading: Option<&LocationEvent>,
    ) -> Result<Self> {
        let app_key = result
            .submod(WORKLOAD_KEY)
            .and_then(|s| s.verifier_claims.app_key.as_ref())
            .map(|k| AppKeyNames {
                jkt: k.jkt.clone(),
                spki_sha256: Some(k.spki_sha256.clone()),
            });
        let tpm_attestation = TpmAttestationClaims {
            status: Some(result.status()),
            app_key,
            submods: result
                .submods()
                .iter()
                .map(|(n, s)| ((*n).to_owned(), s.status))
                .collect(),
            other: Map::new(),
        };
        let geolocation = match result.submod(LOCATION) {
            Some(s) => match &s.attester_claims {
                Some(attested) => {
                    let log_passed = s
                        .checks
                        .iter()
                        .any(|c| c.check == "location-log" && c.outcome == Outcome::Passed);
                    let mut g = GeolocationClaims::from_attested_reading(attested);
                    g.tpm_attested = Some(log_passed);
                    g.country = s.geo.country.clone();
                    g.subdivision = s.geo.subdivision.clone();
                    if let Some(r) = reading {
                        g.add_subscriber(r)?;
                    }
                    Some(g)
                }
                None => None,
            },
            None => None,
        };
        let claims = AttestedClaims {
            workload: None,
            tpm_attestation: Some(tpm_attestation),
            geolocation,
            other: Map::new(),
        };
        claims.to_json()?;
        Ok(claims)
    }
}

impl WorkloadClaims {
    fn from_value(v: Value, path: &str) -> Result<Self> {
        let mut m = Members::of(v, path)?;
        Ok(WorkloadClaims {
            spiffe_id: m.text("spiffe_id")?,
            workload_code_hash: m.text("workload_code_hash")?,
            other: m.map,
        })
    }

    fn to_value(&self) -> Value {
        let mut out = self.other.clone();
        put(&mut out, "spiffe_id", self.spiffe_id.as_deref());
        put(
            &mut out,
            "workload_code_hash",
            self.workload_code_hash.as_deref(),
        );
        Value::Object(out)
    }
}

fn put(out: &mut Map<String, Value>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        out.insert(key.into(), v.into());
    }
}

impl TpmAttestationClaims {
    fn from_value(v: Value, path: &str) -> Result<Self> {
        let mut m = Members::of(v, path)?;
        let status = m
            .object("status")
            .map(|s| status_of(s, &m.at("status")))
            .transpose()?;
        let app_key = match m.object("app_key") {
            None => None,
            Some(v) => {
                let at = m.at("app_key");
                let mut k = Members::of(v, &at)?;
                let jkt = k
                    .text("jkt")?
                    .ok_or_else(|| invalid(&k.at("jkt"), "missing"))?;
                if jkt.len() != 43
                    || !jkt
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return Err(invalid(&k.at("jkt"), "not a base64url SHA-256 thumbprint"));
                }
                let spki_sha256 = k.text("spki_sha256")?;
                if spki_sha256.as_ref().is_some_and(|h| {
                    h.len() != 64 || !h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                }) {
                    return Err(invalid(
                        &k.at("spki_sha256"),
                        "not 64 lower-case hex digits",
                    ));
                }
                if let Some(extra) = k.map.keys().next() {
                    return Err(invalid(&k.at(extra), "unknown member of app_key"));
                }
                Some(AppKeyNames { jkt, spki_sha256 })
            }
        };
        let mut submods = BTreeMap::new();
        if let Some(v) = m.object("submods") {
            let at = m.at("submods");
            let s = Members::of(v, &at)?;
            for (name, status) in s.map {
                let p = format!("{at}.{name}");
                check_text(&name, &p)?;
                submods.insert(name, status_of(status, &p)?);
            }
        }
        Ok(TpmAttestationClaims {
            status,
            app_key,
            submods,
            other: m.map,
        })
    }

    fn to_value(&self) -> Value {
        let mut out = self.other.clone();
        if let Some(st) = self.status {
            out.insert("status".into(), st.name().into());
        }
        if let Some(k) = &self.app_key {
            let mut key = Map::new();
            key.insert("jkt".into(), k.jkt.clone().into());
            put(&mut key, "spki_sha256", k.spki_sha256.as_deref());
            out.insert("app_key".into(), Value::Object(key));
        }
        if !self.submods.is_empty() {
            let s: Map<String, Value> = self
                .submods
                .iter()
                .map(|(n, st)| (n.clone(), st.name().into()))
                .collect();
            out.insert("submods".into(), Value::Object(s));
        }
        Value::Object(out)
    }
}

impl GeolocationClaims {
    /// A reading's claims with only its sensor (`tpm_attested` unset, no place).
    pub fn new(sensor_type: SensorType, sensor_id: &str) -> Self {
        GeolocationClaims {
            sensor_type,
            sensor_id: sensor_id.to_owned(),
            sensor_imei: None,
            sensor_imsi: None,
            sensor_msisdn: None,
            tpm_attested: None,
            tpm_pcr_index: None,
            coordinates: None,
            time: None,
            country: None,
            subdivision: None,
            other: Map::new(),
        }
    }

    /// The claims of the PoC's PCR 15 geolocation ([`PocGeolocation`]): its sensor type,
    /// `sensor_id`, `sensor_imei`, `sensor_imsi`, `tpm_attested` and `tpm_pcr_index`.
    /// `AttestedClaimsInvalid` when the PoC claims lack a `sensor_id`.
    pub fn from_poc(poc: &PocGeolocation) -> Result<Self> {
        let sensor_type = match poc.sensor_type() {
            PocSensorType::Gnss => SensorType::Gnss,
            PocSensorType::Mobile => SensorType::Mobile,
        };
        let id = poc
            .sensor_id()
            .ok_or_else(|| invalid("$.sensor_id", "missing from the PoC geolocation"))?;
        let mut g = GeolocationClaims::new(sensor_type, id);
        g.sensor_imei = poc.sensor_imei().map(str::to_owned);
        g.sensor_imsi = poc.sensor_imsi().map(str::to_owned);
        g.tpm_attested = Some(poc.tpm_attested());
        g.tpm_pcr_index = Some(poc.tpm_pcr_index());
        g.to_value_checked()?;
        Ok(g)
    }

    /// From the `location` submod's attester claims.
    fn from_attested_reading(r: &ReadingClaims) -> Self {
        let mut g = GeolocationClaims::new(r.sensor_type, &r.sensor_id);
        g.coordinates = Some(Coordinates {
            latitude: r.latitude,
            longitude: r.longitude,
            accuracy_m: r.accuracy_m,
        });
        g.time = Some(r.time);
        g
    }

    /// Adds the subscriber identifiers of `reading`, which must be the reading these claims
    /// describe (same sensor type, id and coordinates): `InvalidArgument` otherwise.
    fn add_subscriber(&mut self, reading: &LocationEvent) -> Result<()> {
        let same_place = self.coordinates.is_some_and(|c| {
            c.latitude == reading.latitude
                && c.longitude == reading.longitude
                && c.accuracy_m == reading.accuracy_m
        });
        if reading.sensor_type != self.sensor_type
            || reading.sensor_id != self.sensor_id
            || !same_place
        {
            return Err(Error::InvalidArgument {
                what: "the reading is not the one the attestation result attests",
            });
        }
        self.sensor_imei.clone_from(&reading.imei);
        self.sensor_imsi.clone_from(&reading.imsi);
        self.sensor_msisdn.clone_from(&reading.msisdn);
        Ok(())
    }

    fn from_value(v: Value, path: &str) -> Result<Self> {
        let mut m = Members::of(v, path)?;
        let sensor_type = match m.text("sensor_type")? {
            None => return Err(invalid(&m.at("sensor_type"), "missing")),
            Some(s) => sensor_of_name(&s).ok_or_else(|| {
                invalid(
                    &m.at("sensor_type"),
                    "not one of gnss, mobile, wifi, ip, static",
                )
            })?,
        };
        let sensor_id = m
            .text("sensor_id")?
            .ok_or_else(|| invalid(&m.at("sensor_id"), "missing"))?;
        let mut g = GeolocationClaims::new(sensor_type, &sensor_id);
        g.sensor_imei = m.text("sensor_imei")?;
        g.sensor_imsi = m.text("sensor_imsi")?;
        g.sensor_msisdn = m.text("sensor_msisdn")?;
        g.tpm_attested = m.bool("tpm_attested")?;
        g.tpm_pcr_index = m
            .uint("tpm_pcr_index", 23)?
            .and_then(|n| u8::try_from(n).ok());
        g.coordinates = coordinates(&mut m)?;
        g.time = m.uint("time", 1 << 53)?;
        g.country = m.text("jurisdiction-country")?;
        g.subdivision = m.text("jurisdiction-subdivision")?;
        if let Some(c) = &g.country {
            check_country(c, &m.at("jurisdiction-country"))?;
        }
        if let Some(s) = &g.subdivision {
            check_subdivision(s, g.country.as_deref(), &m.at("jurisdiction-subdivision"))?;
        }
        g.other = m.map;
        Ok(g)
    }

    fn to_value(&self) -> Value {
        let mut out = self.other.clone();
        out.insert("sensor_type".into(), sensor_name(self.sensor_type).into());
        out.insert("sensor_id".into(), self.sensor_id.clone().into());
        put(&mut out, "sensor_imei", self.sensor_imei.as_deref());
        put(&mut out, "sensor_imsi", self.sensor_imsi.as_deref());
        put(&mut out, "sensor_msisdn", self.sensor_msisdn.as_deref());
        if let Some(b) = self.tpm_attested {
            out.insert("tpm_attested".into(), b.into());
        }
        if let Some(i) = self.tpm_pcr_index {
            out.insert("tpm_pcr_index".into(), i.into());
        }
        if let Some(c) = self.coordinates {
            out.insert("latitude".into(), json!(c.latitude));
            out.insert("longitude".into(), json!(c.longitude));
            out.insert("accuracy_m".into(), json!(c.accuracy_m));
        }
        if let Some(t) = self.time {
            out.insert("time".into(), t.into());
        }
        put(&mut out, "jurisdiction-country", self.country.as_deref());
        put(
            &mut out,
            "jurisdiction-subdivision",
            self.subdivision.as_deref(),
        );
        Value::Object(out)
    }

    fn to_value_checked(&self) -> Result<Value> {
        let v = self.to_value();
        GeolocationClaims::from_value(v.clone(), "$")?;
        Ok(v)
    }
}

/// `latitude`, `longitude` and `accuracy_m`: all three or none.
fn coordinates(m: &mut Members<'_>) -> Result<Option<Coordinates>> {
    let lat = m.number("latitude", -90.0, 90.0)?;
    let lon = m.number("longitude", -180.0, 180.0)?;
    let acc = m.number("accuracy_m", 0.0, f64::MAX)?;
    match (lat, lon, acc) {
        (Some(latitude), Some(longitude), Some(accuracy_m)) => Ok(Some(Coordinates {
            latitude,
            longitude,
            accuracy_m,
        })),
        (None, None, None) => Ok(None),
        _ => Err(invalid(
            m.path,
            "latitude, longitude and accuracy_m come together or not at all",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
        "grc.workload": {"spiffe_id": "spiffe://example.org/agent"},
        "grc.tpm-attestation": {
            "status": "affirming",
            "app_key": {"jkt": "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"},
            "submods": {"platform": "affirming"}
        },
        "grc.geolocation": {
            "sensor_type": "mobile", "sensor_id": "12d1:1433", "sensor_msisdn": "+34696810912",
            "tpm_attested": true, "tpm_pcr_index": 15,
            "latitude": 40.33, "longitude": -3.7707, "accuracy_m": 7.0,
            "jurisdiction-country": "ES", "jurisdiction-subdivision": "ES-MD",
            "vendor": {"x": 1}
        },
        "grc.later": [1, 2]
    }"#;

    #[test]
    fn a_document_reads_and_writes_back() {
        let c = AttestedClaims::from_json(DOC.as_bytes()).unwrap();
        let g = c.geolocation.as_ref().unwrap();
        assert_eq!(g.sensor_type, SensorType::Mobile);
        assert_eq!(g.subdivision.as_deref(), Some("ES-MD"));
        assert!(g.other.contains_key("vendor"));
        assert!(c.other.contains_key("grc.later"));
        let again = AttestedClaims::from_json(c.to_json().unwrap().as_bytes()).unwrap();
        assert_eq!(again, c);
    }

    fn refused(doc: &str) -> String {
        match AttestedClaims::from_json(doc.as_bytes()) {
            Err(Error::AttestedClaimsInvalid { path, .. }) => path,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_members_are_refused_with_their_path() {
        assert_eq!(refused(r#"{"grc.workload": 1}"#), "$['grc.workload']");
        assert_eq!(
            refused(r#"{"grc.geolocation": {"sensor_type": "gnss", "sensor_id": 7}}"#),
            "$['grc.geolocation'].sensor_id"
        );
        assert_eq!(
            refused(r#"{"grc.geolocation": {"sensor_type": "radar", "sensor_id": "a"}}"#),
            "$['grc.geolocation'].sensor_type"
        );
        assert_eq!(
            refused(r#"{"grc.tpm-attestation": {"status": "good"}}"#),
            "$['grc.tpm-attestation'].status"
        );
        assert_eq!(
            refused(r#"{"grc.tpm-attestation": {"status": "affirming", "app_key": {"jkt": "x"}}}"#),
            "$['grc.tpm-attestation'].app_key.jkt"
        );
        assert_eq!(
            refused(
                r#"{"grc.geolocation": {"sensor_type": "gnss", "sensor_id": "a\r\nX-Evil: 1"}}"#
            ),
            "$['grc.geolocation'].sensor_id"
        );
        assert_eq!(
            refused(
                r#"{"grc.geolocation": {"sensor_type": "gnss", "sensor_id": "a", "latitude": 1}}"#
            ),
            "$['grc.geolocation']"
        );
        assert_eq!(
            refused(
                r#"{"grc.geolocation": {"sensor_type": "gnss", "sensor_id": "a", "jurisdiction-country": "FR", "jurisdiction-subdivision": "ES-MD"}}"#
            ),
            "$['grc.geolocation'].jurisdiction-subdivision"
        );
    }

    #[test]
    fn duplicates_and_oversize_documents_are_refused() {
        assert_eq!(refused(r#"{"grc.workload": {}, "grc.workload": {}}"#), "$");
        let big = format!(r#"{{"x": "{}"}}"#, "a".repeat(MAX_ATTESTED_CLAIMS_BYTES));
        assert_eq!(refused(&big), "$");
        assert_eq!(refused("[]"), "$");
    }

    #[test]
    fn poc_geolocation_maps_onto_the_claims() {
        let poc = PocGeolocation::mobile("12d1:1433", Some("356938035643809"), None);
        let g = GeolocationClaims::from_poc(&poc).unwrap();
        assert_eq!(g.sensor_type, SensorType::Mobile);
        assert_eq!(g.sensor_imei.as_deref(), Some("356938035643809"));
        assert_eq!(g.tpm_pcr_index, Some(15));
        assert_eq!(g.tpm_attested, Some(true));
    }
}

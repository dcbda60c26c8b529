//! The AegisSovereignAI proof of concept's wire formats (FORMATS.md, "AegisSovereignAI PoC wire
//! formats (compat, read and write)"), read and written here; verified by
//! [`crate::verify::verify_sovereign_attestation`] and [`crate::verify::verify_poc_location`]
//! (above this layer).
//!
//! - [`AppKeyCertificate`]: `{certify_data: b64 TPMS_ATTEST, signature: b64 TPMT_SIGNATURE,
//!   challenge_nonce: hex}`, sent as the base64 of that JSON. Its qualifying data is
//!   [`poc_qualifying_data`]: SHA-256(SHA-256(PEM text) || hex nonce text).
//! - [`SovereignAttestation`]: `app_key_public` (PEM), `app_key_certificate`, `challenge_nonce`,
//!   `keylime_agent_uuid`, `workload_code_hash`, plus Aegis's addition `app_key_tpm_public`.
//! - [`PocGeolocation`]: the claims the PoC agent extends into PCR 15,
//!   `SHA-256(compact sorted-key JSON of {gnss, mobile, sensor_type, tpm_attested,
//!   tpm_pcr_index} || hex nonce text)`; [`PocLocationLog`] the events since the PCR's reset and
//!   [`PocLocationLog::replay`] the SHA-256 PCR value they give.
//!
//! Aegis's reading where the PoC's design paper (seeds/sovereign-unified-identity-architecture.md)
//! is silent:
//!
//! - The PEM is hashed exactly as sent (header lines, line breaks and final newline included):
//!   the recipe hashes the text, so no normalisation can be applied. Nonces are hashed as the
//!   hex text sent (either case; compared as text).
//! - The PoC sends only the PEM. A TPM2_Certify signs the key's Name (a hash of its TPMT_PUBLIC),
//!   which the PEM does not determine (attributes, nameAlg and scheme are part of the Name), so a
//!   verifier cannot tie the certify to the PEM's key. Aegis adds an optional member
//!   `app_key_tpm_public`: base64 of the App Key's TPM2B_PUBLIC (as `tpm2_create -u` writes it) or
//!   TPMT_PUBLIC. Without it, [`SovereignAttestation::certify_inputs`] refuses with
//!   `PocAppKeyPublicMissing`.
//! - `app_key_certificate` is read as a string (the base64 of the JSON, as the PoC sends it) or as
//!   the JSON object itself (as the SPIRE node attestor example also accepts); it is written back
//!   in the form it was read (the string form for new documents).
//! - Members Aegis does not know (the PoC's `tpm_signed_attestation`, later additions) are kept
//!   and written back unchanged; they are never read. `keylime_agent_uuid` and
//!   `workload_code_hash` are optional, carried and never trusted.
//! - The PCR 15 claims: `sensor_type` is `"gnss"` or `"mobile"`; `gnss` and `mobile` are JSON
//!   objects or `null` (the one `sensor_type` names must be an object). The paper lists their
//!   members as `sensor_id`, `sensor_imei`, `sensor_imsi` (mobile) and `sensor_id` with an
//!   optional `value` (gnss); Aegis reads those through accessors and keeps every member as
//!   received, since all of them are hashed. `tpm_attested` is a boolean, `tpm_pcr_index` the
//!   PCR (15). Members beyond the five are kept and hashed too.
//! - "Compact JSON with sorted keys" is written as serde_json writes a sorted map (the PoC's
//!   agent is rust-keylime): no white space, keys in code-point order at every depth, strings
//!   as UTF-8 with only `"`, `\` and control characters escaped, numbers in their shortest
//!   round-trip form. (Python's `json.dumps(sort_keys=True, separators=(",", ":"),
//!   ensure_ascii=False)` gives the same bytes for such documents.)
//! - The PCR 15 log is Aegis's: the PoC keeps none. A JSON array, oldest first, of
//!   `{"geolocation": <claims>, "nonce": "<hex>"}`, one per extend since the PCR's reset (the
//!   agent's `attested_geolocation` answers). Replay starts from the reset value (32 zero bytes).

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};
use crate::keys::PublicKey;
use crate::tpm::{HashAlg, Public};

/// The PCR the PoC extends location claims into (SHA-256 bank).
pub const POC_LOCATION_PCR: u8 = 15;
/// Largest SovereignAttestation or App Key certificate document read, in bytes.
pub const MAX_DOCUMENT: usize = 64 * 1024;
/// Largest PCR 15 log read, in bytes.
pub const MAX_LOG: usize = 1024 * 1024;
/// Most events a PCR 15 log may hold (bounded replay work).
pub const MAX_LOG_EVENTS: usize = 4096;
/// Longest hex nonce accepted (128 bytes).
pub const MAX_NONCE_HEX: usize = 256;
/// Deepest nesting of a claims object's members.
const MAX_DEPTH: usize = 16;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// A nonce as the PoC sends it: non-empty hex text of at most [`MAX_NONCE_HEX`] digits.
fn check_nonce_hex(nonce_hex: &str, what: &'static str) -> Result<()> {
    if nonce_hex.is_empty() {
        return Err(Error::EmptyNonce);
    }
    if nonce_hex.len() > MAX_NONCE_HEX {
        return Err(Error::SizeOutOfRange {
            what,
            size: nonce_hex.len(),
            max: MAX_NONCE_HEX,
        });
    }
    if nonce_hex.len() % 2 != 0 || !nonce_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::InvalidFormat { what });
    }
    Ok(())
}

fn check_size(bytes: &[u8], what: &'static str, max: usize) -> Result<()> {
    if bytes.len() > max {
        return Err(Error::SizeOutOfRange {
            what,
            size: bytes.len(),
            max,
        });
    }
    Ok(())
}

/// The qualifying data the PoC's agent passes to TPM2_Certify of the App Key:
/// `SHA-256(SHA-256(app_key_pem) || nonce_hex)`, both hashed as the text given.
pub fn poc_qualifying_data(app_key_pem: &str, nonce_hex: &str) -> [u8; 32] {
    let inner = Sha256::digest(app_key_pem.as_bytes());
    let mut h = Sha256::new();
    h.update(inner);
    h.update(nonce_hex.as_bytes());
    h.finalize().into()
}

#[derive(Deserialize, Serialize)]
struct CertificateWire {
    certify_data: String,
    signature: String,
    challenge_nonce: String,
    #[serde(flatten)]
    other: Map<String, Value>,
}

/// The PoC's App Key certificate: a TPM2_Certify of the App Key by the AK, as
/// `{certify_data: b64 TPMS_ATTEST, signature: b64 TPMT_SIGNATURE, challenge_nonce: hex}`
/// (FORMATS.md). Unverified: the bytes are carried, not parsed, until a verifier checks them.
#[derive(Clone, Debug, PartialEq)]
pub struct AppKeyCertificate {
    certify_data: Vec<u8>,
    signature: Vec<u8>,
    challenge_nonce: String,
    other: Map<String, Value>,
}

impl AppKeyCertificate {
    /// A certificate from TPM2_Certify's outputs (agent side): `certify_data` the TPMS_ATTEST,
    /// `signature` the TPMT_SIGNATURE, `challenge_nonce_hex` the nonce the qualifying data used.
    pub fn new(certify_data: &[u8], signature: &[u8], challenge_nonce_hex: &str) -> Result<Self> {
        check_nonce_hex(challenge_nonce_hex, "app_key_certificate.challenge_nonce")?;
        Ok(AppKeyCertificate {
            certify_data: certify_data.to_vec(),
            signature: signature.to_vec(),
            challenge_nonce: challenge_nonce_hex.to_owned(),
            other: Map::new(),
        })
    }

    /// Reads the JSON object form.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        check_size(json, "App Key certificate", MAX_DOCUMENT)?;
        let wire: CertificateWire =
            serde_json::from_slice(json).map_err(|_| Error::InvalidFormat {
                what: "App Key certificate JSON {certify_data, signature, challenge_nonce}",
            })?;
        Self::from_wire(wire)
    }

    /// Reads the form the PoC sends: the base64 of the JSON object.
    pub fn from_base64(text: &str) -> Result<Self> {
        check_size(text.as_bytes(), "App Key certificate", MAX_DOCUMENT)?;
        let json = b64()
            .decode(text.trim())
            .map_err(|_| Error::InvalidFormat {
                what: "App Key certificate base64",
            })?;
        Self::from_json(&json)
    }

    fn from_wire(w: CertificateWire) -> Result<Self> {
        let decode = |s: &str, what| b64().decode(s).map_err(|_| Error::InvalidFormat { what });
        let certify_data = decode(&w.certify_data, "app_key_certificate.certify_data base64")?;
        let signature = decode(&w.signature, "app_key_certificate.signature base64")?;
        check_nonce_hex(&w.challenge_nonce, "app_key_certificate.challenge_nonce")?;
        Ok(AppKeyCertificate {
            certify_data,
            signature,
            challenge_nonce: w.challenge_nonce,
            other: w.other,
        })
    }

    fn to_wire(&self) -> CertificateWire {
        CertificateWire {
            certify_data: b64().encode(&self.certify_data),
            signature: b64().encode(&self.signature),
            challenge_nonce: self.challenge_nonce.clone(),
            other: self.other.clone(),
        }
    }

    /// The JSON object form (members Aegis does not know written back as read).
    pub fn to_json(&self) -> String {
        serde_json::to_value(self.to_wire())
            .map(|v| v.to_string())
            .unwrap_or_default()
    }

    /// The form the PoC sends: base64 of [`AppKeyCertificate::to_json`].
    pub fn to_base64(&self) -> String {
        b64().encode(self.to_json())
    }

    /// The TPMS_ATTEST bytes (Part 2, 10.12.12), unparsed.
    pub fn certify_data(&self) -> &[u8] {
        &self.certify_data
    }
    /// The TPMT_SIGNATURE bytes (Part 2, 11.3.4), unparsed.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
    /// The hex nonce the certificate says its qualifying data used (not trusted).
    pub fn challenge_nonce(&self) -> &str {
        &self.challenge_nonce
    }
}

/// How `app_key_certificate` was (or will be) written in a SovereignAttestation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CertificateForm {
    Base64,
    Object,
}

#[derive(Deserialize, Serialize)]
struct AttestationWire {
    app_key_public: String,
    app_key_certificate: Value,
    challenge_nonce: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keylime_agent_uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    workload_code_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app_key_tpm_public: Option<String>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

/// The PoC's SovereignAttestation (FORMATS.md): what its SPIRE agent sends the server. Read and
/// written here; [`crate::verify::verify_sovereign_attestation`] verifies it.
#[derive(Clone, Debug, PartialEq)]
pub struct SovereignAttestation {
    app_key_public: String,
    app_key_certificate: AppKeyCertificate,
    certificate_form: CertificateForm,
    challenge_nonce: String,
    keylime_agent_uuid: Option<String>,
    workload_code_hash: Option<String>,
    app_key_tpm_public: Option<Vec<u8>>,
    other: Map<String, Value>,
}

/// What [`SovereignAttestation::certify_inputs`] hands to [`crate::verify::verify_certify`]: the
/// App Key's TPM public area, the certify's TPMS_ATTEST and TPMT_SIGNATURE, and the qualifying
/// data the certify must carry (the verify call's nonce).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PocCertifyInputs<'a> {
    /// The App Key's TPM2B_PUBLIC or TPMT_PUBLIC (`app_key_tpm_public`), as received.
    pub app_key: &'a [u8],
    /// The certify's TPMS_ATTEST.
    pub attest: &'a [u8],
    /// The certify's TPMT_SIGNATURE.
    pub signature: &'a [u8],
    /// [`poc_qualifying_data`] of the PEM and the verifier's nonce.
    pub qualifying_data: [u8; 32],
}

impl SovereignAttestation {
    /// A SovereignAttestation (agent side). `app_key_pem` must be a SubjectPublicKeyInfo PEM;
    /// `keylime_agent_uuid` and `workload_code_hash` are carried as given.
    pub fn new(
        app_key_pem: &str,
        app_key_certificate: AppKeyCertificate,
        challenge_nonce_hex: &str,
        keylime_agent_uuid: Option<&str>,
        workload_code_hash: Option<&str>,
    ) -> Result<Self> {
        PublicKey::from_spki(app_key_pem.as_bytes())?;
        check_nonce_hex(challenge_nonce_hex, "challenge_nonce")?;
        Ok(SovereignAttestation {
            app_key_public: app_key_pem.to_owned(),
            app_key_certificate,
            certificate_form: CertificateForm::Base64,
            challenge_nonce: challenge_nonce_hex.to_owned(),
            keylime_agent_uuid: keylime_agent_uuid.map(str::to_owned),
            workload_code_hash: workload_code_hash.map(str::to_owned),
            app_key_tpm_public: None,
            other: Map::new(),
        })
    }

    /// Adds (or replaces) Aegis's `app_key_tpm_public`: the App Key's TPM2B_PUBLIC or TPMT_PUBLIC.
    pub fn with_app_key_tpm_public(mut self, tpm_public: &[u8]) -> Result<Self> {
        Public::parse_any(tpm_public)?;
        self.app_key_tpm_public = Some(tpm_public.to_vec());
        Ok(self)
    }

    /// Reads the JSON document. Errors: `SizeOutOfRange` above [`MAX_DOCUMENT`], `InvalidFormat`
    /// for JSON that is not a SovereignAttestation (a required member missing or not a string,
    /// bad base64 or hex), the PEM's and the TPM public area's own parse errors, `EmptyNonce`.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        check_size(json, "SovereignAttestation", MAX_DOCUMENT)?;
        let w: AttestationWire =
            serde_json::from_slice(json).map_err(|_| Error::InvalidFormat {
                what: "SovereignAttestation JSON (app_key_public, app_key_certificate, challenge_nonce)",
            })?;
        let (app_key_certificate, certificate_form) = match &w.app_key_certificate {
            Value::String(s) => (AppKeyCertificate::from_base64(s)?, CertificateForm::Base64),
            Value::Object(_) => {
                let wire: CertificateWire = serde_json::from_value(w.app_key_certificate.clone())
                    .map_err(|_| Error::InvalidFormat {
                    what: "app_key_certificate {certify_data, signature, challenge_nonce}",
                })?;
                (AppKeyCertificate::from_wire(wire)?, CertificateForm::Object)
            }
            _ => {
                return Err(Error::InvalidFormat {
                    what: "app_key_certificate is neither a base64 string nor an object",
                })
            }
        };
        let mut a = SovereignAttestation::new(
            &w.app_key_public,
            app_key_certificate,
            &w.challenge_nonce,
            w.keylime_agent_uuid.as_deref(),
            w.workload_code_hash.as_deref(),
        )?;
        a.certificate_form = certificate_form;
        a.other = w.other;
        if let Some(text) = &w.app_key_tpm_public {
            let bytes = b64().decode(text).map_err(|_| Error::InvalidFormat {
                what: "app_key_tpm_public base64",
            })?;
            a = a.with_app_key_tpm_public(&bytes)?;
        }
        Ok(a)
    }

    /// The JSON document: the members Aegis knows, then the others as read;
    /// `app_key_certificate` in the form it was read (a base64 string for a new document).
    pub fn to_json(&self) -> String {
        let certificate = match self.certificate_form {
            CertificateForm::Base64 => Value::String(self.app_key_certificate.to_base64()),
            CertificateForm::Object => {
                serde_json::to_value(self.app_key_certificate.to_wire()).unwrap_or(Value::Null)
            }
        };
        let w = AttestationWire {
            app_key_public: self.app_key_public.clone(),
            app_key_certificate: certificate,
            challenge_nonce: self.challenge_nonce.clone(),
            keylime_agent_uuid: self.keylime_agent_uuid.clone(),
            workload_code_hash: self.workload_code_hash.clone(),
            app_key_tpm_public: self.app_key_tpm_public.as_ref().map(|b| b64().encode(b)),
            other: self.other.clone(),
        };
        serde_json::to_value(w)
            .map(|v| v.to_string())
            .unwrap_or_default()
    }

    /// The App Key's SubjectPublicKeyInfo PEM, exactly as received.
    pub fn app_key_public(&self) -> &str {
        &self.app_key_public
    }
    /// The App Key certificate.
    pub fn app_key_certificate(&self) -> &AppKeyCertificate {
        &self.app_key_certificate
    }
    /// The hex challenge nonce the document says it answers (not trusted).
    pub fn challenge_nonce(&self) -> &str {
        &self.challenge_nonce
    }
    /// The Keylime agent UUID, when sent (not trusted).
    pub fn keylime_agent_uuid(&self) -> Option<&str> {
        self.keylime_agent_uuid.as_deref()
    }
    /// The workload code hash, when sent (not trusted).
    pub fn workload_code_hash(&self) -> Option<&str> {
        self.workload_code_hash.as_deref()
    }
    /// Aegis's `app_key_tpm_public` (TPM2B_PUBLIC or TPMT_PUBLIC), when sent.
    pub fn app_key_tpm_public(&self) -> Option<&[u8]> {
        self.app_key_tpm_public.as_deref()
    }

    /// What certify verification needs, for the verifier's nonce `nonce_hex` (its hex text),
    /// after the checks only this format needs, in this order:
    ///
    /// 1. `EmptyNonce` / `InvalidFormat`: `nonce_hex` is not non-empty hex;
    /// 2. `PocAppKeyPublicMissing`: no `app_key_tpm_public`, so the PEM cannot be tied to the
    ///    Name the certify signed;
    /// 3. `PocChallengeMismatch`: `challenge_nonce` or the certificate's `challenge_nonce` is not
    ///    `nonce_hex` (compared as text: the recipe hashes the text);
    /// 4. `PocAppKeyMismatch`: the TPM public area's key is not the PEM's key.
    ///
    /// The qualifying data is computed from the PEM and `nonce_hex`, never from the document's
    /// own nonce. Certify verification proper (signature, structure, Name, App Key policy) is
    /// [`crate::verify::verify_certify`] with `qualifying_data` as its nonce.
    pub fn certify_inputs(&self, nonce_hex: &str) -> Result<PocCertifyInputs<'_>> {
        check_nonce_hex(nonce_hex, "verifier nonce (hex)")?;
        let app_key = self
            .app_key_tpm_public
            .as_deref()
            .ok_or(Error::PocAppKeyPublicMissing)?;
        if self.challenge_nonce != nonce_hex
            || self.app_key_certificate.challenge_nonce != nonce_hex
        {
            return Err(Error::PocChallengeMismatch);
        }
        let tpm_key = PublicKey::from_tpm_public(&Public::parse_any(app_key)?);
        let pem_key = PublicKey::from_spki(self.app_key_public.as_bytes())?;
        if !tpm_key.same_key(&pem_key) {
            return Err(Error::PocAppKeyMismatch);
        }
        Ok(PocCertifyInputs {
            app_key,
            attest: &self.app_key_certificate.certify_data,
            signature: &self.app_key_certificate.signature,
            qualifying_data: poc_qualifying_data(&self.app_key_public, nonce_hex),
        })
    }
}

/// The sensor a PoC location claim comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PocSensorType {
    /// `gnss`: a satellite positioning receiver (member `gnss`).
    Gnss,
    /// `mobile`: a cellular modem (member `mobile`).
    Mobile,
}

impl PocSensorType {
    /// The JSON name, which is also the member holding the sensor's details.
    pub fn name(self) -> &'static str {
        match self {
            PocSensorType::Gnss => "gnss",
            PocSensorType::Mobile => "mobile",
        }
    }
}

#[derive(Deserialize)]
struct ClaimsWire {
    gnss: Option<Map<String, Value>>,
    mobile: Option<Map<String, Value>>,
    sensor_type: PocSensorType,
    tpm_attested: bool,
    tpm_pcr_index: u8,
}

/// The claims the PoC agent extends into PCR 15 (FORMATS.md, "Its PCR 15 recipe"):
/// `{gnss, mobile, sensor_type, tpm_attested, tpm_pcr_index}`. Kept as received (every member is
/// hashed); the accessors read the members the design paper names.
#[derive(Clone, Debug, PartialEq)]
pub struct PocGeolocation {
    sensor_type: PocSensorType,
    tpm_pcr_index: u8,
    tpm_attested: bool,
    object: Map<String, Value>,
}

impl PocGeolocation {
    /// A mobile (cellular modem) claim for PCR 15: `mobile` = `{sensor_id, sensor_imei?,
    /// sensor_imsi?}`, `gnss` = null, `tpm_attested` = true.
    pub fn mobile(sensor_id: &str, imei: Option<&str>, imsi: Option<&str>) -> Self {
        let mut m = Map::new();
        m.insert("sensor_id".into(), sensor_id.into());
        if let Some(v) = imei {
            m.insert("sensor_imei".into(), v.into());
        }
        if let Some(v) = imsi {
            m.insert("sensor_imsi".into(), v.into());
        }
        Self::build(PocSensorType::Mobile, m)
    }

    /// A GNSS claim for PCR 15: `gnss` = `{sensor_id, value?}`, `mobile` = null,
    /// `tpm_attested` = true.
    pub fn gnss(sensor_id: &str, value: Option<Value>) -> Self {
        let mut m = Map::new();
        m.insert("sensor_id".into(), sensor_id.into());
        if let Some(v) = value {
            m.insert("value".into(), v);
        }
        Self::build(PocSensorType::Gnss, m)
    }

    fn build(sensor_type: PocSensorType, sensor: Map<String, Value>) -> Self {
        let mut object = Map::new();
        for t in [PocSensorType::Gnss, PocSensorType::Mobile] {
            let v = if t == sensor_type {
                Value::Object(sensor.clone())
            } else {
                Value::Null
            };
            object.insert(t.name().into(), v);
        }
        object.insert("sensor_type".into(), sensor_type.name().into());
        object.insert("tpm_attested".into(), true.into());
        object.insert("tpm_pcr_index".into(), POC_LOCATION_PCR.into());
        PocGeolocation {
            sensor_type,
            tpm_pcr_index: POC_LOCATION_PCR,
            tpm_attested: true,
            object,
        }
    }

    /// Reads the claims object. Errors: `InvalidFormat` when one of the five members is missing
    /// or of the wrong type, `InvalidValue` when the member `sensor_type` names is not an object
    /// or a member nests deeper than 16 levels.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        check_size(json, "PoC geolocation claims", MAX_DOCUMENT)?;
        let v: Value = serde_json::from_slice(json).map_err(|_| Error::InvalidFormat {
            what: "PoC geolocation claims JSON",
        })?;
        Self::from_value(v)
    }

    fn from_value(v: Value) -> Result<Self> {
        let Value::Object(object) = v else {
            return Err(Error::InvalidFormat {
                what: "PoC geolocation claims are not a JSON object",
            });
        };
        // Every member is required: a missing one is not the same bytes as a null one.
        for key in [
            "gnss",
            "mobile",
            "sensor_type",
            "tpm_attested",
            "tpm_pcr_index",
        ] {
            if !object.contains_key(key) {
                return Err(Error::InvalidFormat {
                    what: "PoC geolocation claims lack one of gnss, mobile, sensor_type, tpm_attested, tpm_pcr_index",
                });
            }
        }
        if object.values().any(|v| depth(v) > MAX_DEPTH) {
            return Err(Error::InvalidValue {
                what: "PoC geolocation claims nest too deep",
            });
        }
        let w: ClaimsWire =
            serde_json::from_value(Value::Object(object.clone())).map_err(|_| {
                Error::InvalidFormat {
                    what: "PoC geolocation claims: gnss/mobile object or null, sensor_type gnss|mobile, tpm_attested boolean, tpm_pcr_index 0-255",
                }
            })?;
        let named = match w.sensor_type {
            PocSensorType::Gnss => &w.gnss,
            PocSensorType::Mobile => &w.mobile,
        };
        if named.is_none() {
            return Err(Error::InvalidValue {
                what: "the member sensor_type names (gnss or mobile) is null",
            });
        }
        Ok(PocGeolocation {
            sensor_type: w.sensor_type,
            tpm_pcr_index: w.tpm_pcr_index,
            tpm_attested: w.tpm_attested,
            object,
        })
    }

    /// The compact JSON with sorted keys the PCR recipe hashes (also the form Aegis writes).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_sorted(&Value::Object(self.object.clone()), &mut out);
        out
    }

    /// `SHA-256(to_json() || nonce_hex)`: the value the PoC agent extends into PCR 15.
    pub fn digest(&self, nonce_hex: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.to_json().as_bytes());
        h.update(nonce_hex.as_bytes());
        h.finalize().into()
    }

    /// `sensor_type`.
    pub fn sensor_type(&self) -> PocSensorType {
        self.sensor_type
    }
    /// `tpm_attested`.
    pub fn tpm_attested(&self) -> bool {
        self.tpm_attested
    }
    /// `tpm_pcr_index`.
    pub fn tpm_pcr_index(&self) -> u8 {
        self.tpm_pcr_index
    }
    /// The whole claims object, as received.
    pub fn as_object(&self) -> &Map<String, Value> {
        &self.object
    }
    fn sensor_text(&self, key: &str) -> Option<&str> {
        self.object
            .get(self.sensor_type.name())
            .and_then(|s| s.get(key))
            .and_then(Value::as_str)
    }
    /// The sensor's `sensor_id` (in the member `sensor_type` names), when a string.
    pub fn sensor_id(&self) -> Option<&str> {
        self.sensor_text("sensor_id")
    }
    /// A mobile sensor's `sensor_imei`, when a string.
    pub fn sensor_imei(&self) -> Option<&str> {
        self.sensor_text("sensor_imei")
    }
    /// A mobile sensor's `sensor_imsi`, when a string.
    pub fn sensor_imsi(&self) -> Option<&str> {
        self.sensor_text("sensor_imsi")
    }
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Compact JSON, object keys in code-point order at every depth, whatever order the map keeps.
fn write_sorted(v: &Value, out: &mut String) {
    match v {
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(v) = o.get(k) {
                    write_sorted(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// One PCR 15 extend: the claims and the hex nonce they were bound to.
#[derive(Clone, Debug, PartialEq)]
pub struct PocLocationEvent {
    geolocation: PocGeolocation,
    nonce: String,
}

impl PocLocationEvent {
    /// Binds `geolocation` to `nonce_hex` (agent side). `LocationLogCorrupt` when the claims
    /// name another PCR than 15.
    pub fn new(geolocation: PocGeolocation, nonce_hex: &str) -> Result<Self> {
        check_nonce_hex(nonce_hex, "PoC location event nonce")?;
        if geolocation.tpm_pcr_index != POC_LOCATION_PCR {
            return Err(Error::LocationLogCorrupt {
                what: "a PoC location event names another PCR than 15",
            });
        }
        Ok(PocLocationEvent {
            geolocation,
            nonce: nonce_hex.to_owned(),
        })
    }
    /// The claims.
    pub fn geolocation(&self) -> &PocGeolocation {
        &self.geolocation
    }
    /// The hex nonce the claims were bound to.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }
    /// The value extended into PCR 15: [`PocGeolocation::digest`] with this event's nonce.
    pub fn digest(&self) -> [u8; 32] {
        self.geolocation.digest(&self.nonce)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventWire {
    geolocation: Value,
    nonce: String,
}

/// The PCR 15 events since the PCR's reset, oldest first (Aegis's log for the PoC recipe: a JSON
/// array of `{"geolocation": <claims>, "nonce": "<hex>"}`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PocLocationLog {
    events: Vec<PocLocationEvent>,
}

impl PocLocationLog {
    /// An empty log (the PCR at its reset value).
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an event. `CountOutOfRange` beyond [`MAX_LOG_EVENTS`].
    pub fn push(&mut self, event: PocLocationEvent) -> Result<()> {
        if self.events.len() >= MAX_LOG_EVENTS {
            return Err(Error::CountOutOfRange {
                what: "PoC location events",
                count: self.events.len() + 1,
                max: MAX_LOG_EVENTS,
            });
        }
        self.events.push(event);
        Ok(())
    }

    /// Reads the JSON array. `LocationLogCorrupt` when it is not an array of events, or an
    /// event's claims or nonce do not parse; `SizeOutOfRange` / `CountOutOfRange` beyond the
    /// limits.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        check_size(json, "PoC location log", MAX_LOG)?;
        let wire: Vec<EventWire> =
            serde_json::from_slice(json).map_err(|_| Error::LocationLogCorrupt {
                what: "PoC location log is not a JSON array of {geolocation, nonce}",
            })?;
        if wire.len() > MAX_LOG_EVENTS {
            return Err(Error::CountOutOfRange {
                what: "PoC location events",
                count: wire.len(),
                max: MAX_LOG_EVENTS,
            });
        }
        let mut log = PocLocationLog::new();
        for e in wire {
            let claims = PocGeolocation::from_value(e.geolocation).map_err(|_| {
                Error::LocationLogCorrupt {
                    what: "a PoC location event's geolocation is not PoC PCR 15 claims",
                }
            })?;
            log.push(PocLocationEvent::new(claims, &e.nonce)?)?;
        }
        Ok(log)
    }

    /// The JSON array.
    pub fn to_json(&self) -> String {
        let mut out = String::from("[");
        for (i, e) in self.events.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"geolocation\":");
            out.push_str(&e.geolocation.to_json());
            out.push_str(",\"nonce\":");
            out.push_str(&Value::String(e.nonce.clone()).to_string());
            out.push('}');
        }
        out.push(']');
        out
    }

    /// VERIFIER-CHECKS.md item 16 against a PCR value: `quoted` is the SHA-256 PCR 15 value a
    /// verified quote covers (`None` when its signed selection lacks sha256:15), `nonce_hex` the
    /// hex text of the nonce the quote was verified with. Returns the current claims (the last
    /// event's). [`crate::verify::verify_poc_location`] takes the verified quote itself; this is
    /// for callers that keep only its PCR values.
    ///
    /// Errors: `RequiredPcrMissing` for `None`, `LocationLogMismatch` when the replay differs,
    /// `LocationNonceMismatch` when the log is empty or its last event is bound to another
    /// nonce, `EmptyNonce` for an empty nonce.
    pub fn check(&self, quoted: Option<&[u8]>, nonce_hex: &str) -> Result<&PocGeolocation> {
        if nonce_hex.is_empty() {
            return Err(Error::EmptyNonce);
        }
        let quoted = quoted.ok_or(Error::RequiredPcrMissing {
            bank: HashAlg::Sha256.alg_id(),
            index: POC_LOCATION_PCR,
        })?;
        if !bool::from(self.replay().as_slice().ct_eq(quoted)) {
            return Err(Error::LocationLogMismatch);
        }
        let last = self.events.last().ok_or(Error::LocationNonceMismatch)?;
        if !bool::from(last.nonce.as_bytes().ct_eq(nonce_hex.as_bytes())) {
            return Err(Error::LocationNonceMismatch);
        }
        Ok(&last.geolocation)
    }

    /// The events, oldest first.
    pub fn events(&self) -> &[PocLocationEvent] {
        &self.events
    }

    /// The SHA-256 PCR 15 value the events give from the reset value (32 zero bytes):
    /// `pcr = SHA-256(pcr || digest_i)` for each event in order (TCG Part 1, 17.2: PCR extend).
    pub fn replay(&self) -> [u8; 32] {
        let mut pcr = [0u8; 32];
        for e in &self.events {
            let mut h = Sha256::new();
            h.update(pcr);
            h.update(e.digest());
            pcr = h.finalize().into();
        }
        pcr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7AxqdfNbWds8/tJyIR5XWeRj1a+E\nnbWTPKUQiqFn7TeCQ4NIuwTeL0H6Dp4+Hhpr4dORmRDuLSPs3jSrGVdHUg==\n-----END PUBLIC KEY-----\n";

    #[test]
    fn qualifying_data_follows_the_recipe() {
        let inner = Sha256::digest(PEM.as_bytes());
        let mut outer = inner.to_vec();
        outer.extend_from_slice(b"00ff");
        assert_eq!(
            poc_qualifying_data(PEM, "00ff").to_vec(),
            Sha256::digest(&outer).to_vec()
        );
    }

    #[test]
    fn claims_are_written_compact_with_sorted_keys() {
        let g = PocGeolocation::mobile("12d1:1433", Some("356938035643809"), None);
        assert_eq!(
            g.to_json(),
            r#"{"gnss":null,"mobile":{"sensor_id":"12d1:1433","sensor_imei":"356938035643809"},"sensor_type":"mobile","tpm_attested":true,"tpm_pcr_index":15}"#
        );
        let again = PocGeolocation::from_json(g.to_json().as_bytes()).unwrap();
        assert_eq!(again, g);
        assert_eq!(again.sensor_id(), Some("12d1:1433"));
        assert_eq!(again.sensor_imsi(), None);
        let mut expect = Sha256::new();
        expect.update(g.to_json());
        expect.update("abcd");
        assert_eq!(g.digest("abcd"), <[u8; 32]>::from(expect.finalize()));
    }

    #[test]
    fn claims_in_any_member_order_hash_the_same() {
        let text = br#"{"tpm_pcr_index":15,"sensor_type":"gnss","mobile":null,"tpm_attested":true,"gnss":{"value":{"lon":-3.7707,"lat":40.33},"sensor_id":"gps0"}}"#;
        let g = PocGeolocation::from_json(text).unwrap();
        assert_eq!(
            g.to_json(),
            r#"{"gnss":{"sensor_id":"gps0","value":{"lat":40.33,"lon":-3.7707}},"mobile":null,"sensor_type":"gnss","tpm_attested":true,"tpm_pcr_index":15}"#
        );
    }

    #[test]
    fn claims_refusals() {
        let missing =
            br#"{"gnss":null,"sensor_type":"mobile","tpm_attested":true,"tpm_pcr_index":15}"#;
        assert!(matches!(
            PocGeolocation::from_json(missing),
            Err(Error::InvalidFormat { .. })
        ));
        let named_null = br#"{"gnss":null,"mobile":null,"sensor_type":"mobile","tpm_attested":true,"tpm_pcr_index":15}"#;
        assert!(matches!(
            PocGeolocation::from_json(named_null),
            Err(Error::InvalidValue { .. })
        ));
        let bad_type = br#"{"gnss":null,"mobile":{},"sensor_type":"wifi","tpm_attested":true,"tpm_pcr_index":15}"#;
        assert!(matches!(
            PocGeolocation::from_json(bad_type),
            Err(Error::InvalidFormat { .. })
        ));
        let deep = format!(
            r#"{{"gnss":null,"mobile":{{"x":{}1{}}},"sensor_type":"mobile","tpm_attested":true,"tpm_pcr_index":15}}"#,
            "[".repeat(20),
            "]".repeat(20)
        );
        assert!(matches!(
            PocGeolocation::from_json(deep.as_bytes()),
            Err(Error::InvalidValue { .. })
        ));
    }

    #[test]
    fn log_round_trips_and_replays() {
        let mut log = PocLocationLog::new();
        let a = PocLocationEvent::new(PocGeolocation::mobile("m", None, None), "01").unwrap();
        let b = PocLocationEvent::new(PocGeolocation::gnss("g", None), "02").unwrap();
        log.push(a.clone()).unwrap();
        log.push(b.clone()).unwrap();
        let again = PocLocationLog::from_json(log.to_json().as_bytes()).unwrap();
        assert_eq!(again, log);
        let step = |pcr: [u8; 32], d: [u8; 32]| -> [u8; 32] {
            let mut h = Sha256::new();
            h.update(pcr);
            h.update(d);
            h.finalize().into()
        };
        assert_eq!(log.replay(), step(step([0; 32], a.digest()), b.digest()));
        assert_eq!(PocLocationLog::new().replay(), [0; 32]);
    }

    #[test]
    fn log_refusals() {
        assert!(matches!(
            PocLocationLog::from_json(b"{}"),
            Err(Error::LocationLogCorrupt { .. })
        ));
        let other_pcr = br#"[{"geolocation":{"gnss":null,"mobile":{"sensor_id":"m"},"sensor_type":"mobile","tpm_attested":true,"tpm_pcr_index":14},"nonce":"01"}]"#;
        assert!(matches!(
            PocLocationLog::from_json(other_pcr),
            Err(Error::LocationLogCorrupt { .. })
        ));
        let extra = br#"[{"geolocation":{"gnss":null,"mobile":{"sensor_id":"m"},"sensor_type":"mobile","tpm_attested":true,"tpm_pcr_index":15},"nonce":"01","x":1}]"#;
        assert!(matches!(
            PocLocationLog::from_json(extra),
            Err(Error::LocationLogCorrupt { .. })
        ));
        let bad_nonce = br#"[{"geolocation":{"gnss":null,"mobile":{"sensor_id":"m"},"sensor_type":"mobile","tpm_attested":true,"tpm_pcr_index":15},"nonce":"0g"}]"#;
        assert!(matches!(
            PocLocationLog::from_json(bad_nonce),
            Err(Error::InvalidFormat { .. })
        ));
    }

    fn certificate() -> AppKeyCertificate {
        AppKeyCertificate::new(b"attest", b"sig", "00ff").unwrap()
    }

    #[test]
    fn certificate_round_trips_in_both_forms() {
        let c = certificate();
        assert_eq!(
            AppKeyCertificate::from_json(c.to_json().as_bytes()).unwrap(),
            c
        );
        assert_eq!(AppKeyCertificate::from_base64(&c.to_base64()).unwrap(), c);
        let with_more =
            br#"{"certify_data":"YQ==","signature":"Yg==","challenge_nonce":"00","by":"poc"}"#;
        let c = AppKeyCertificate::from_json(with_more).unwrap();
        assert!(c.to_json().contains(r#""by":"poc""#));
        assert!(matches!(
            AppKeyCertificate::from_json(br#"{"certify_data":"YQ==","signature":"Yg=="}"#),
            Err(Error::InvalidFormat { .. })
        ));
        assert!(matches!(
            AppKeyCertificate::from_base64("not base64!"),
            Err(Error::InvalidFormat { .. })
        ));
        assert!(matches!(
            AppKeyCertificate::new(b"a", b"s", ""),
            Err(Error::EmptyNonce)
        ));
    }

    #[test]
    fn attestation_keeps_unknown_members_and_the_certificate_form() {
        let a = SovereignAttestation::new(PEM, certificate(), "00ff", Some("uuid"), None).unwrap();
        let text = a.to_json();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert!(v["app_key_certificate"].is_string(), "the PoC's form");
        assert_eq!(SovereignAttestation::from_json(text.as_bytes()).unwrap(), a);

        let mut v = v;
        v["tpm_signed_attestation"] = "".into();
        v["app_key_certificate"] = serde_json::from_str(&certificate().to_json()).unwrap();
        let b = SovereignAttestation::from_json(v.to_string().as_bytes()).unwrap();
        let out: Value = serde_json::from_str(&b.to_json()).unwrap();
        assert_eq!(out["tpm_signed_attestation"], "");
        assert!(out["app_key_certificate"].is_object());
        assert_eq!(b.keylime_agent_uuid(), Some("uuid"));
        assert_eq!(b.workload_code_hash(), None);
    }

    #[test]
    fn attestation_refusals() {
        assert!(matches!(
            SovereignAttestation::from_json(b"[]"),
            Err(Error::InvalidFormat { .. })
        ));
        let no_pem = SovereignAttestation::new("not a pem", certificate(), "00", None, None);
        assert!(no_pem.is_err());
        let a = SovereignAttestation::new(PEM, certificate(), "00ff", None, None).unwrap();
        let mut v: Value = serde_json::from_str(&a.to_json()).unwrap();
        v["app_key_certificate"] = 7.into();
        assert!(matches!(
            SovereignAttestation::from_json(v.to_string().as_bytes()),
            Err(Error::InvalidFormat { .. })
        ));
        let big = vec![b' '; MAX_DOCUMENT + 1];
        assert!(matches!(
            SovereignAttestation::from_json(&big),
            Err(Error::SizeOutOfRange { .. })
        ));
    }

    #[test]
    fn certify_inputs_refuses_a_pem_alone() {
        let a = SovereignAttestation::new(PEM, certificate(), "00ff", None, None).unwrap();
        let e = a.certify_inputs("00ff").unwrap_err();
        assert_eq!(e, Error::PocAppKeyPublicMissing);
        assert!(e.to_string().contains("PEM alone cannot be tied"));
        assert_eq!(a.certify_inputs(""), Err(Error::EmptyNonce));
    }
}

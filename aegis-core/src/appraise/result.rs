//! From an evidence bundle to an attestation result (issue 11, item 3; FORMATS.md, EAR): the
//! checks of [`appraise`] plus the EK certificate, the PCR reference values,
//! the jurisdiction and the geofence, mapped onto three EAR submods, each with an AR4SI
//! trustworthiness vector (draft-ietf-rats-ar4si, 2.3). Every failed check is recorded with its
//! error code in the submod's verifier claims; nothing stops at the first failure.
//!
//! Which check sets which claim ([`claim`] names the values):
//!
//! | submod | check | passed | failed |
//! | --- | --- | --- | --- |
//! | `platform` | `ak-binding` (item 14) | instance-identity TRUSTWORTHY_INSTANCE | UNRECOGNIZED_INSTANCE |
//! | `platform` | `ek-certificate` (item 14) | hardware GENUINE_HARDWARE | UNRECOGNIZED_HARDWARE (untrusted, missing while required), CONTRAINDICATED_HARDWARE (invalid, expired, another EK) |
//! | `platform` | `quote` (items 1-12) | (needed by the next two) | instance-identity CRYPTO_VALIDATION_FAILED |
//! | `platform` | `pcr-reference-values` | executables APPROVED_BOOT, configuration APPROVED_CONFIG | executables UNRECOGNIZED_RUNTIME |
//! | `workload-key` | `ak-binding` | instance-identity TRUSTWORTHY_INSTANCE | UNRECOGNIZED_INSTANCE |
//! | `workload-key` | `app-key-certification` (items 1-10, 13, 15) | storage-opaque HW_KEYS_ENCRYPTED_SECRETS | UNENCRYPTED_SECRETS (key attributes), CRYPTO_VALIDATION_FAILED (other) |
//! | `location` | `location-log` (item 16) | sourced-data TRUSTED_SOURCES | CRYPTO_VALIDATION_FAILED (also when skipped because the quote failed); CONTRAINDICATED_SOURCES when no log was sent |
//! | `location` | `geofence` | (sourced-data stays TRUSTED_SOURCES) | sourced-data CONTRAINDICATED_SOURCES |
//!
//! A claim only ever gets worse: when two checks set one claim, the worse tier wins. A submod's
//! status is the worst tier of its vector, the result's the worst submod's (the status rule).
//! The `location` submod's geoAR claims come from the jurisdiction of the last replayed reading
//! (FORMATS.md, Jurisdictions), only when it resolves to one country.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::{json, Value};

use super::{appraise, AppraisalPolicy, Check, Evidence, EvidenceBundle, Nonces, Outcome};
use crate::crypto::CryptoProvider;
use crate::crypto::Signer;
use crate::ear::json::{EarParts, SubmodParts};
use crate::ear::token as ear_token;
use crate::ear::{claim, Dialect, Ear, GeoClaims, Status, Submod, TrustVector, VerifierId};
use crate::ek::{verify_ek_certificate, EkTrustStore};
use crate::error::{Error, Result};
use crate::geo::fence::{GeofenceContext, GeofenceDecision, GeofencePolicy};
use crate::geo::jurisdiction::{self, Resolution};
use crate::geo::{LocationEvent, SensorType};
use crate::json::{hex_text, value_of};
use crate::keys::PublicKey;
use crate::time::UnixTime;
use crate::verify::{AkBinding, AttestationKey, EkEndorsement, KeyPolicy};

/// The submod about the TPM and its boot state.
pub const PLATFORM: &str = "platform";
/// The submod about the App Key (the attested workload key).
pub const WORKLOAD_KEY: &str = "workload-key";
/// The submod about the location reading.
pub const LOCATION: &str = "location";

/// What the verifier trusts, passed in by the caller: never taken from the evidence.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrustAnchors<'a> {
    /// Manufacturer CAs for EK certificates.
    pub ek_roots: Option<&'a EkTrustStore>,
    /// The AK's binding to the EK from credential activation (or the verifier's enrolment
    /// record of it: [`AkBinding::from_enrolment_record`]).
    pub enrolment: Option<&'a AkBinding>,
}

/// What the caller requires of one attestation, beyond the trust anchors.
#[derive(Clone, Debug)]
pub struct ResultPolicy {
    /// The TPM checks' policies (quote, certify, location PCR).
    pub appraisal: AppraisalPolicy,
    /// Key types and sizes accepted for the AK.
    pub ak: KeyPolicy,
    /// Whether an EK certificate chained to `TrustAnchors::ek_roots` is required (default
    /// true: without one the TPM is not known to be genuine).
    pub require_ek_certificate: bool,
    /// The geofence and PCR reference values; `None` appraises neither.
    pub geofence: Option<GeofencePolicy>,
    /// Identifiers of the policies applied (`ear_appraisal_policy_ids`).
    pub policy_ids: Vec<String>,
}

impl Default for ResultPolicy {
    fn default() -> Self {
        ResultPolicy {
            appraisal: AppraisalPolicy::default(),
            ak: KeyPolicy::default(),
            require_ek_certificate: true,
            geofence: None,
            policy_ids: Vec::new(),
        }
    }
}

/// The ambient inputs of one appraisal.
#[derive(Clone, Copy, Debug)]
pub struct ResultContext<'a> {
    /// The nonce this verifier issued (the bundle must carry it).
    pub nonce: &'a [u8],
    /// The time of the appraisal.
    pub now: UnixTime,
    /// Whether a network operator verified the device's location (CAMARA Device Location
    /// Verification) for a mobile reading; the geofence accepts mobile readings only then.
    pub network_verified: bool,
}

/// One check's outcome as the result records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRecord {
    /// The check's stable name ("quote", "geofence", ...).
    pub check: &'static str,
    /// How it ended.
    pub outcome: Outcome,
}

/// One submod of the result, before it becomes an EAR submod.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SubmodResult {
    /// The worst tier of `trust_vector`.
    pub status: Status,
    /// The AR4SI claims the checks set.
    pub trust_vector: TrustVector,
    /// Every check that ran for this submod, in order.
    pub checks: Vec<CheckRecord>,
    /// geoAR claims (the location submod).
    pub geo: GeoClaims,
    /// What the attester claimed that the checks verified (the reading, for location).
    pub attester_claims: Option<ReadingClaims>,
    /// What the verifier adds (EK certificate, App Key names, jurisdiction, geofence decision).
    pub verifier_claims: VerifierClaims,
}

/// What the verifier adds to a submod, typed. In the EAR (`ear_verifier_claims`) it is one JSON
/// object of the members set, in this order, then `checks` (every [`CheckRecord`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VerifierClaims {
    /// `ek_certificate` (platform): the verified EK certificate.
    pub ek_certificate: Option<EkCertificateClaims>,
    /// `app_key` (workload-key): the certified App Key's names.
    pub app_key: Option<AppKeyClaims>,
    /// `jurisdiction` (location): the reading's jurisdiction, as `aegis geo resolve` prints it.
    pub jurisdiction: Option<Resolution>,
    /// `geofence` (location): the decision, as `aegis geofence check` prints it.
    pub geofence: Option<GeofenceDecision>,
}

/// The `location` submod's attester claims (`ear_attester_claims`): the last replayed reading,
/// without the subscriber identifiers (IMEI, IMSI and MSISDN stay in the evidence). In JSON its
/// members in this order, `altitude_m` only when known.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReadingClaims {
    /// The kind of source.
    pub sensor_type: SensorType,
    /// The sensor's identity.
    pub sensor_id: String,
    /// WGS 84 latitude in degrees.
    pub latitude: f64,
    /// WGS 84 longitude in degrees.
    pub longitude: f64,
    /// Horizontal accuracy radius in metres.
    pub accuracy_m: f64,
    /// The reading's time, seconds since the Unix epoch.
    pub time: u64,
    /// The source's own quality label.
    pub quality: String,
    /// Metres above the WGS 84 ellipsoid, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub altitude_m: Option<f64>,
}

impl ReadingClaims {
    /// The claims of a verified reading.
    pub fn of(r: &LocationEvent) -> Self {
        ReadingClaims {
            sensor_type: r.sensor_type,
            sensor_id: r.sensor_id.clone(),
            latitude: r.latitude,
            longitude: r.longitude,
            accuracy_m: r.accuracy_m,
            time: r.time,
            quality: r.quality.clone(),
            altitude_m: r.altitude_m,
        }
    }
}

/// `ek_certificate`: `{"subject", "issuer"}` of the verified EK certificate (RFC 4514 text).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EkCertificateClaims {
    /// The certificate's subject.
    pub subject: String,
    /// The certificate's issuer.
    pub issuer: String,
}

/// `app_key`: `{"spki_sha256", "jkt", "name"}` of the certified App Key: the SHA-256 of its
/// SubjectPublicKeyInfo (hex), its RFC 7638 JWK thumbprint (base64url) and its TPM Name (hex).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppKeyClaims {
    /// SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex.
    pub spki_sha256: String,
    /// RFC 7638 SHA-256 JWK thumbprint, base64url without padding.
    pub jkt: String,
    /// The TPM Name (nameAlg identifier and digest), lower-case hex.
    pub name: String,
}

/// A submod's `ear_verifier_claims` JSON: its typed claims and its checks, serialized in place
/// (no `Value` tree on the way to the signed EAR).
struct VerifierClaimsView<'a> {
    claims: &'a VerifierClaims,
    checks: &'a [CheckRecord],
}

impl serde::Serialize for VerifierClaimsView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let c = self.claims;
        let mut m = s.serialize_map(None)?;
        if let Some(ek) = &c.ek_certificate {
            m.serialize_entry("ek_certificate", ek)?;
        }
        if let Some(key) = &c.app_key {
            m.serialize_entry("app_key", key)?;
        }
        if let Some(r) = &c.jurisdiction {
            m.serialize_entry("jurisdiction", r)?;
        }
        if let Some(d) = &c.geofence {
            m.serialize_entry("geofence", d)?;
        }
        m.serialize_entry("checks", self.checks)?;
        m.end()
    }
}

/// A check record as JSON: `{"check", "outcome"}` and, for a failure, `code`, `error` (the
/// stable name) and `reason` (the message); for a skipped check, `reason`.
impl serde::Serialize for CheckRecord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("check", self.check)?;
        match &self.outcome {
            Outcome::Passed => m.serialize_entry("outcome", "passed")?,
            Outcome::Skipped(why) => {
                m.serialize_entry("outcome", "skipped")?;
                m.serialize_entry("reason", why)?;
            }
            Outcome::Failed(e) => {
                m.serialize_entry("outcome", "failed")?;
                m.serialize_entry("code", &e.code())?;
                m.serialize_entry("error", e.name())?;
                m.serialize_entry("reason", &e.to_string())?;
            }
        }
        m.end()
    }
}

impl SubmodResult {
    fn record(&mut self, check: &'static str, outcome: Outcome) {
        self.checks.push(CheckRecord { check, outcome });
    }

    /// The failed checks with their errors.
    pub fn failures(&self) -> impl Iterator<Item = (&'static str, &Error)> + '_ {
        self.checks.iter().filter_map(|c| match &c.outcome {
            Outcome::Failed(e) => Some((c.check, e)),
            _ => None,
        })
    }
}

/// The attestation result: a status and the three submods. [`AttestationResult::to_ear`] turns it
/// into the EAR a verifier signs.
#[derive(Clone, Debug, PartialEq)]
pub struct AttestationResult {
    status: Status,
    nonce: Vec<u8>,
    submods: Vec<(&'static str, SubmodResult)>,
    policy_ids: Vec<String>,
}

impl AttestationResult {
    /// The worst submod status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The submods by name, in order (platform, workload-key, location).
    pub fn submods(&self) -> &[(&'static str, SubmodResult)] {
        &self.submods
    }

    /// One submod.
    pub fn submod(&self, name: &str) -> Option<&SubmodResult> {
        self.submods
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s)
    }

    /// Every failed check of every submod: (submod, check, error).
    pub fn failures(&self) -> impl Iterator<Item = (&'static str, &'static str, &Error)> + '_ {
        self.submods
            .iter()
            .flat_map(|(n, s)| s.failures().map(move |(c, e)| (*n, c, e)))
    }

    /// The result as JSON, as `aegis appraise` prints it (without the signed token):
    /// `{"status", "submods"}`, each submod in its EAR form (draft-ietf-rats-ear-04 claim names:
    /// status, trust vector, geoAR claims, and every check with its code and reason in the
    /// verifier claims).
    pub fn to_json(&self) -> Result<Value> {
        let ear = self.to_ear(
            VerifierId::default(),
            UnixTime::from_secs(0),
            UnixTime::from_secs(0),
        );
        let claims = ear.to_json(Dialect::Ietf04)?;
        let submods = claims.get("submods").cloned().unwrap_or(Value::Null);
        Ok(json!({"status": self.status.name(), "submods": submods}))
    }

    /// The EAR of this result, issued at `iat` and valid until `exp` (integer seconds), with
    /// the appraisal nonce in every submod and at the top.
    pub fn to_ear(&self, verifier_id: VerifierId, iat: UnixTime, exp: UnixTime) -> Ear {
        let mut ear = self.ear_skeleton(verifier_id, iat, exp);
        for (name, s) in &self.submods {
            if let Some(sub) = ear.submods.get_mut(*name) {
                sub.verifier_claims = Some(value_of(&VerifierClaimsView {
                    claims: &s.verifier_claims,
                    checks: &s.checks,
                }));
                sub.attester_claims = s.attester_claims.as_ref().map(value_of);
            }
        }
        ear
    }

    /// Signs this result's EAR ([`AttestationResult::to_ear`]) as a JWT ([`Ear::sign_jwt`]):
    /// the same claims, written straight from the result (borrowed, without building an `Ear`;
    /// its verifier claims become JSON once, in the token, without an intermediate `Value`
    /// tree).
    pub fn sign_jwt(
        &self,
        signer: &dyn Signer,
        dialect: Dialect,
        verifier_id: VerifierId,
        iat: UnixTime,
        exp: UnixTime,
    ) -> Result<String> {
        let mut submods: Vec<_> = self
            .submods
            .iter()
            .map(|(name, s)| {
                let parts = SubmodParts {
                    status: s.status,
                    trust_vector: s.trust_vector,
                    policy_ids: &self.policy_ids,
                    nonce: Some(&self.nonce),
                    raw_evidence: None,
                    attester_claims: s.attester_claims.as_ref(),
                    verifier_claims: Some(VerifierClaimsView {
                        claims: &s.verifier_claims,
                        checks: &s.checks,
                    }),
                    geo: &s.geo,
                };
                (*name, parts)
            })
            .collect();
        // In the EAR's (a map's) order, as `to_ear` gives them.
        submods.sort_unstable_by_key(|(name, _)| *name);
        let ear = EarParts {
            iat: seconds(iat),
            exp: Some(seconds(exp)),
            verifier_id: &verifier_id,
            status: Some(self.status),
            nonce: Some(&self.nonce),
            submods,
        };
        ear.check_status_rule()?;
        let claims = ear.to_bytes(dialect)?;
        ear_token::sign_jwt_claims(signer, &claims)
    }

    /// Signs this result's EAR ([`AttestationResult::to_ear`]) as a CWT ([`Ear::sign_cwt`]).
    pub fn sign_cwt(
        &self,
        signer: &dyn Signer,
        dialect: Dialect,
        verifier_id: VerifierId,
        iat: UnixTime,
        exp: UnixTime,
    ) -> Result<Vec<u8>> {
        self.to_ear(verifier_id, iat, exp).sign_cwt(signer, dialect)
    }

    /// The EAR without the submods' attester and verifier claims.
    fn ear_skeleton(&self, verifier_id: VerifierId, iat: UnixTime, exp: UnixTime) -> Ear {
        let submods = self
            .submods
            .iter()
            .map(|(name, s)| {
                let submod = Submod {
                    status: s.status,
                    trust_vector: s.trust_vector,
                    policy_ids: self.policy_ids.clone(),
                    nonce: Some(self.nonce.clone()),
                    geo: s.geo.clone(),
                    ..Submod::default()
                };
                ((*name).to_owned(), submod)
            })
            .collect();
        Ear {
            iat: seconds(iat),
            exp: Some(seconds(exp)),
            verifier_id,
            status: Some(self.status),
            nonce: Some(self.nonce.clone()),
            submods,
            ..Ear::default()
        }
    }
}

fn seconds(t: UnixTime) -> i64 {
    i64::try_from(t.as_secs()).unwrap_or(i64::MAX)
}

/// Sets `claim` to `value` unless it already holds a worse tier (claims only get worse).
fn worsen(claim: &mut i8, value: i8) {
    if *claim == claim::NO_CLAIM || Status::of_claim(value) > Status::of_claim(*claim) {
        *claim = value;
    }
}

fn outcome_of<T>(r: &Result<T>) -> Outcome {
    match r {
        Ok(_) => Outcome::Passed,
        Err(e) => Outcome::Failed(e.clone()),
    }
}

/// Appraises one evidence bundle into an attestation result (module documentation). `Err`
/// only when the evidence cannot be used at all: the bundle's nonce is not `context.nonce`
/// (`EvidenceNonceMismatch`), or the AK's public area does not parse (nothing can be checked).
pub fn appraise_bundle(
    provider: &dyn CryptoProvider,
    bundle: &EvidenceBundle,
    anchors: &TrustAnchors<'_>,
    policy: &ResultPolicy,
    context: &ResultContext<'_>,
) -> Result<AttestationResult> {
    use subtle::ConstantTimeEq;
    if !bool::from(bundle.nonce.ct_eq(context.nonce)) {
        return Err(Error::EvidenceNonceMismatch);
    }
    // The enrolment keeps the bound AK checked and prepared between appraisals.
    let ak = match anchors.enrolment {
        Some(binding) => binding.attestation_key(&bundle.ak_public, &policy.ak)?,
        None => Cow::Owned(AttestationKey::from_tpm_public(
            &bundle.ak_public,
            &policy.ak,
        )?),
    };

    let mut appraisal_policy = policy.appraisal.clone();
    if let Some(refs) = policy.geofence.as_ref() {
        // Reference PCRs must be in the signed selection (item 11).
        for (bank, index, _) in refs.pcr_references().iter() {
            appraisal_policy.quote.required_pcrs.push(bank, index);
        }
    }
    let evidence = Evidence {
        app_key: &bundle.app_key_public,
        certify_attest: &bundle.certify_attest,
        certify_signature: &bundle.certify_signature,
        quote_attest: &bundle.quote_attest,
        quote_signature: &bundle.quote_signature,
        pcrs: &bundle.pcrs,
        location_log: bundle.location_log.as_deref(),
        possession: None,
    };
    let nonces = Nonces {
        certify: context.nonce,
        quote: context.nonce,
    };
    let checks = appraise(
        provider,
        &ak,
        anchors.enrolment,
        &evidence,
        &nonces,
        &appraisal_policy,
    );
    let passed = |c: Check| matches!(checks.outcome(c), Some(Outcome::Passed));
    let outcome = |c: Check| {
        checks
            .outcome(c)
            .cloned()
            .unwrap_or(Outcome::Skipped("not appraised"))
    };

    // --- platform ---
    let mut platform = SubmodResult::default();
    let bound = passed(Check::AkBinding);
    platform.record(Check::AkBinding.name(), outcome(Check::AkBinding));
    worsen(
        &mut platform.trust_vector.instance_identity,
        if bound {
            claim::TRUSTWORTHY_INSTANCE
        } else {
            claim::UNRECOGNIZED_INSTANCE
        },
    );
    match check_ek_certificate(provider, bundle, anchors, policy, context.now) {
        EkCheck::Verified(subject, issuer) => {
            platform.record("ek-certificate", Outcome::Passed);
            worsen(&mut platform.trust_vector.hardware, claim::GENUINE_HARDWARE);
            platform.verifier_claims.ek_certificate = Some(EkCertificateClaims { subject, issuer });
        }
        EkCheck::Failed(e) => {
            let value = match e {
                Error::EkCertificateUntrusted
                | Error::EkCertificateMissing
                | Error::AkBindingMismatch => claim::UNRECOGNIZED_HARDWARE,
                _ => claim::CONTRAINDICATED_HARDWARE,
            };
            worsen(&mut platform.trust_vector.hardware, value);
            platform.record("ek-certificate", Outcome::Failed(e));
        }
        EkCheck::NotRequired(why) => platform.record("ek-certificate", Outcome::Skipped(why)),
    }
    platform.record(Check::Quote.name(), outcome(Check::Quote));
    if !passed(Check::Quote) {
        worsen(
            &mut platform.trust_vector.instance_identity,
            claim::CRYPTO_VALIDATION_FAILED,
        );
    }
    if let Some(fence) = policy
        .geofence
        .as_ref()
        .filter(|f| !f.pcr_references().is_empty())
    {
        match checks.quote() {
            Some(q) => {
                let refs = fence.check_pcr_references_in(|bank, index| q.value(bank, index));
                platform.record("pcr-reference-values", outcome_of(&refs));
                if refs.is_ok() {
                    worsen(&mut platform.trust_vector.executables, claim::APPROVED_BOOT);
                    worsen(
                        &mut platform.trust_vector.configuration,
                        claim::APPROVED_CONFIG,
                    );
                } else {
                    worsen(
                        &mut platform.trust_vector.executables,
                        claim::UNRECOGNIZED_RUNTIME,
                    );
                }
            }
            None => platform.record(
                "pcr-reference-values",
                Outcome::Skipped("the quote did not verify"),
            ),
        }
    }

    // --- workload-key ---
    let mut workload = SubmodResult::default();
    workload.record(Check::AkBinding.name(), outcome(Check::AkBinding));
    worsen(
        &mut workload.trust_vector.instance_identity,
        if bound {
            claim::TRUSTWORTHY_INSTANCE
        } else {
            claim::UNRECOGNIZED_INSTANCE
        },
    );
    let certification = outcome(Check::AppKeyCertification);
    let storage = match &certification {
        Outcome::Passed => claim::HW_KEYS_ENCRYPTED_SECRETS,
        Outcome::Failed(e) if (6000..7000).contains(&e.code()) => claim::UNENCRYPTED_SECRETS,
        _ => claim::CRYPTO_VALIDATION_FAILED,
    };
    worsen(&mut workload.trust_vector.storage_opaque, storage);
    workload.record(Check::AppKeyCertification.name(), certification);
    if let Some(c) = checks.certification() {
        let key = PublicKey::from_tpm_public(c.certified_key());
        let names = key
            .spki_sha256()
            .and_then(|spki| Ok((hex_text(&spki), key.jwk_thumbprint_b64()?)));
        match names {
            Ok((spki_sha256, jkt)) => {
                workload.verifier_claims.app_key = Some(AppKeyClaims {
                    spki_sha256,
                    jkt,
                    name: hex_text(c.name().as_bytes()),
                });
            }
            Err(e) => {
                workload.record("app-key-names", Outcome::Failed(e));
                worsen(
                    &mut workload.trust_vector.storage_opaque,
                    claim::CRYPTO_VALIDATION_FAILED,
                );
            }
        }
    }

    let mut submods = Vec::with_capacity(3);
    submods.extend([(PLATFORM, platform), (WORKLOAD_KEY, workload)]);

    // --- location ---
    if policy.appraisal.location.is_some() {
        let mut location = SubmodResult::default();
        let log = outcome(Check::LocationLog);
        let sourced = match &log {
            Outcome::Passed => claim::TRUSTED_SOURCES,
            Outcome::Skipped(_) if bundle.location_log.is_none() => claim::CONTRAINDICATED_SOURCES,
            _ => claim::CRYPTO_VALIDATION_FAILED,
        };
        worsen(&mut location.trust_vector.sourced_data, sourced);
        location.record(Check::LocationLog.name(), log);
        if let Some(verified) = checks.location() {
            let reading = verified.current();
            location.attester_claims = Some(ReadingClaims::of(reading));
            let resolution =
                jurisdiction::resolve(reading.latitude, reading.longitude, reading.accuracy_m);
            location.record("jurisdiction", outcome_of(&resolution));
            if let Ok(resolution) = &resolution {
                location.geo = geo_claims(resolution);
            }
            if let Some(fence) = &policy.geofence {
                let decision = fence.evaluate_resolved(
                    reading,
                    resolution.as_ref().ok(),
                    &GeofenceContext {
                        now: context.now,
                        network_verified: context.network_verified,
                    },
                );
                let denial = decision.denials().next().cloned();
                location.verifier_claims.geofence = Some(decision);
                match denial {
                    None => location.record("geofence", Outcome::Passed),
                    Some(e) => {
                        location.record("geofence", Outcome::Failed(e));
                        worsen(
                            &mut location.trust_vector.sourced_data,
                            claim::CONTRAINDICATED_SOURCES,
                        );
                    }
                }
            }
            location.verifier_claims.jurisdiction = resolution.ok();
        } else if policy.geofence.is_some() {
            location.record(
                "geofence",
                Outcome::Skipped("the location log did not verify"),
            );
        }
        submods.push((LOCATION, location));
    }

    let mut status = Status::None;
    for (_, s) in &mut submods {
        s.status = s.trust_vector.status();
        status = status.worse_of(s.status);
    }
    Ok(AttestationResult {
        status,
        nonce: context.nonce.to_vec(),
        submods,
        policy_ids: policy.policy_ids.clone(),
    })
}

enum EkCheck {
    Verified(String, String),
    Failed(Error),
    NotRequired(&'static str),
}

/// The EK certificate the bundle carries, verified against the caller's roots and the enrolled
/// EK (the certificate must certify the EK the AK is bound to).
fn check_ek_certificate(
    provider: &dyn CryptoProvider,
    bundle: &EvidenceBundle,
    anchors: &TrustAnchors<'_>,
    policy: &ResultPolicy,
    now: UnixTime,
) -> EkCheck {
    // An enrolment whose EK certificate the verifier already verified (and keeps in memory).
    if let Some(EkEndorsement::Certified(ek)) = anchors.enrolment.map(AkBinding::ek) {
        return EkCheck::Verified(ek.subject().to_owned(), ek.issuer().to_owned());
    }
    let (cert, roots, binding) = match (&bundle.ek_certificate, anchors.ek_roots, anchors.enrolment)
    {
        (Some(cert), Some(roots), Some(binding)) => (cert, roots, binding),
        (None, _, _) if policy.require_ek_certificate => {
            return EkCheck::Failed(Error::EkCertificateMissing)
        }
        (None, _, _) => return EkCheck::NotRequired("no EK certificate sent (not required)"),
        (Some(_), None, _) if policy.require_ek_certificate => {
            return EkCheck::Failed(Error::EkCertificateUntrusted)
        }
        (Some(_), None, _) => return EkCheck::NotRequired("no EK roots given (not required)"),
        (Some(_), Some(_), None) => {
            return EkCheck::Failed(Error::AkBindingMismatch);
        }
    };
    let mut store = roots.clone();
    for der in &bundle.ek_chain {
        if let Err(e) = store.add_intermediate_der(der) {
            return EkCheck::Failed(e);
        }
    }
    match verify_ek_certificate(provider, cert, binding.ek().public(), &store, now) {
        Ok(ek) => EkCheck::Verified(ek.subject().to_owned(), ek.issuer().to_owned()),
        Err(e) => EkCheck::Failed(e),
    }
}

/// geoAR claims of a resolution: country and subdivision only when the whole reading lies in
/// one (draft-richardson-rats-geographic-results-01; outer levels present with inner ones).
fn geo_claims(resolution: &Resolution) -> GeoClaims {
    match resolution {
        Resolution::Resolved {
            country,
            subdivision,
            country_exclave,
            enclosing_exclave_country,
            ..
        } => GeoClaims {
            country: Some(country.clone()),
            country_exclave: country_exclave.then_some(true),
            subdivision: subdivision.clone(),
            enclosing_exclave_country: enclosing_exclave_country.clone(),
            ..GeoClaims::default()
        },
        _ => GeoClaims::default(),
    }
}

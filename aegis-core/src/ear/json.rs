//! EAR claims as JSON (draft-ietf-rats-ear-04, section 4 and its JSON examples; veraison/ear
//! v1.1.3 for the Veraison names). Byte strings are base64url without padding (RFC 9711,
//! 7.2.2); times are integers.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde_json::{Map, Value};

use super::geo::{label_of_name, uuid_parse, uuid_text, GeoKind, GeoValue, GEO_LABELS};
use super::{Dialect, Ear, GeoClaims, Status, Submod, TrustVector, VerifierId, TRUST_CLAIM_NAMES};
use crate::error::{Error, Result};

/// The claim names of a dialect.
struct Names {
    verifier_id: &'static str,
    status: &'static str,
    vector: &'static str,
    attester_claims: &'static str,
    verifier_claims: &'static str,
}

const IETF: Names = Names {
    verifier_id: "ear_verifier_id",
    status: "ear_status",
    vector: "ear_trustworthiness_vector",
    attester_claims: "ear_attester_claims",
    verifier_claims: "ear_verifier_claims",
};

const VERAISON: Names = Names {
    verifier_id: "ear.verifier-id",
    status: "ear.status",
    vector: "ear.trustworthiness-vector",
    attester_claims: "ear.veraison.annotated-evidence",
    verifier_claims: "ear.veraison.policy-claims",
};

fn names(dialect: Dialect) -> &'static Names {
    match dialect {
        Dialect::Ietf04 | Dialect::Ietf03 => &IETF,
        Dialect::Veraison => &VERAISON,
    }
}

const POLICY_IDS: &str = "ear_appraisal_policy_ids";
const POLICY_ID: &str = "ear_appraisal_policy_id";
const POLICY_ID_VERAISON: &str = "ear.appraisal-policy-id";
const RAW_EVIDENCE: &str = "ear_raw_evidence";

pub(crate) fn b64(bytes: &[u8]) -> Value {
    Value::String(B64URL.encode(bytes))
}

fn b64_decode(v: &Value, claim: &'static str) -> Result<Vec<u8>> {
    v.as_str()
        .and_then(|s| B64URL.decode(s).ok())
        .ok_or(Error::EarClaimInvalid { claim })
}

/// The claims as a JSON object in `dialect`.
pub(crate) fn encode(ear: &Ear, dialect: Dialect) -> Result<Value> {
    let n = names(dialect);
    let mut top = Map::new();
    for (k, v) in &ear.extra {
        top.insert(k.clone(), v.clone());
    }
    top.insert("eat_profile".into(), dialect.profile().into());
    top.insert("iat".into(), ear.iat.into());
    if let Some(exp) = ear.exp {
        top.insert("exp".into(), exp.into());
    }
    let mut vid = Map::new();
    vid.insert("developer".into(), ear.verifier_id.developer.clone().into());
    vid.insert("build".into(), ear.verifier_id.build.clone().into());
    top.insert(n.verifier_id.into(), Value::Object(vid));
    if let Some(status) = ear.status {
        top.insert(n.status.into(), status.name().into());
    }
    if let Some(nonce) = &ear.nonce {
        top.insert("eat_nonce".into(), b64(nonce));
    }
    let mut submods = Map::new();
    for (name, sub) in &ear.submods {
        submods.insert(name.clone(), encode_submod(sub, dialect));
    }
    top.insert("submods".into(), Value::Object(submods));
    Ok(Value::Object(top))
}

fn encode_submod(sub: &Submod, dialect: Dialect) -> Value {
    let n = names(dialect);
    let mut m = Map::new();
    for (k, v) in &sub.extra {
        m.insert(k.clone(), v.clone());
    }
    m.insert(n.status.into(), sub.status.name().into());
    if sub.trust_vector.any_set() {
        let mut tv = Map::new();
        for (name, value) in TRUST_CLAIM_NAMES.iter().zip(sub.trust_vector.claims()) {
            if value != 0 {
                tv.insert((*name).into(), value.into());
            }
        }
        m.insert(n.vector.into(), Value::Object(tv));
    }
    match (dialect, sub.policy_ids.first()) {
        (_, None) => {}
        (Dialect::Veraison, Some(first)) => {
            m.insert(POLICY_ID_VERAISON.into(), first.clone().into());
        }
        _ => {
            m.insert(POLICY_IDS.into(), sub.policy_ids.clone().into());
        }
    }
    if let Some(nonce) = &sub.nonce {
        m.insert("eat_nonce".into(), b64(nonce));
    }
    if let Some((media_type, bytes)) = &sub.raw_evidence {
        m.insert(
            RAW_EVIDENCE.into(),
            Value::Array(vec![media_type.clone().into(), b64(bytes)]),
        );
    }
    if let Some(c) = &sub.attester_claims {
        m.insert(n.attester_claims.into(), c.clone());
    }
    if let Some(c) = &sub.verifier_claims {
        m.insert(n.verifier_claims.into(), c.clone());
    }
    for (i, value) in sub.geo.values() {
        let Some(label) = GEO_LABELS.get(i) else {
            continue;
        };
        let v = match value {
            GeoValue::Text(s) => Value::from(s),
            GeoValue::Bool(b) => Value::from(b),
            GeoValue::Uint(u) => Value::from(u),
            GeoValue::Int(i) => Value::from(i),
            GeoValue::Uuid(u) => Value::from(uuid_text(&u)),
        };
        m.insert(format!("grc.{}", label.name), v);
    }
    Value::Object(m)
}

/// An integer time claim: `EarNonIntegerTime` for a float, `EarClaimInvalid` for any other type
/// or a value outside i64.
pub(crate) fn time(v: &Value, claim: &'static str) -> Result<i64> {
    match v {
        Value::Number(n) if n.is_f64() => Err(Error::EarNonIntegerTime { claim }),
        Value::Number(n) => n.as_i64().ok_or(Error::EarClaimInvalid { claim }),
        _ => Err(Error::EarClaimInvalid { claim }),
    }
}

/// Claims from a JSON payload, with the dialect its `eat_profile` names.
pub(crate) fn decode(bytes: &[u8]) -> Result<(Ear, Dialect)> {
    let value: Value = serde_json::from_slice(bytes).map_err(|_| Error::EarMalformed {
        what: "claims are not JSON",
    })?;
    let Value::Object(mut top) = value else {
        return Err(Error::EarMalformed {
            what: "claims are not a JSON object",
        });
    };
    let profile = top.remove("eat_profile").ok_or(Error::EarClaimMissing {
        claim: "eat_profile",
    })?;
    let dialect = Dialect::from_profile(profile.as_str().ok_or(Error::EarClaimInvalid {
        claim: "eat_profile",
    })?)?;
    let n = names(dialect);
    let iat = time(
        &top.remove("iat")
            .ok_or(Error::EarClaimMissing { claim: "iat" })?,
        "iat",
    )?;
    let exp = top.remove("exp").map(|v| time(&v, "exp")).transpose()?;
    let vid = top.remove(n.verifier_id).ok_or(Error::EarClaimMissing {
        claim: "ear_verifier_id",
    })?;
    let text = |m: &Map<String, Value>, k: &str| -> Result<String> {
        m.get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or(Error::EarClaimInvalid {
                claim: "ear_verifier_id",
            })
    };
    let Value::Object(vid) = vid else {
        return Err(Error::EarClaimInvalid {
            claim: "ear_verifier_id",
        });
    };
    let verifier_id = VerifierId {
        developer: text(&vid, "developer")?,
        build: text(&vid, "build")?,
    };
    let status = top.remove(n.status).map(|v| status_of(&v)).transpose()?;
    let nonce = top
        .remove("eat_nonce")
        .map(|v| b64_decode(&v, "eat_nonce"))
        .transpose()?;
    let Value::Object(subs) = top
        .remove("submods")
        .ok_or(Error::EarClaimMissing { claim: "submods" })?
    else {
        return Err(Error::EarClaimInvalid { claim: "submods" });
    };
    if subs.len() > super::MAX_SUBMODS {
        return Err(Error::CountOutOfRange {
            what: "EAR submods",
            count: subs.len(),
            max: super::MAX_SUBMODS,
        });
    }
    let mut submods = std::collections::BTreeMap::new();
    for (name, sub) in subs {
        submods.insert(name, decode_submod(sub, dialect)?);
    }
    let ear = Ear {
        iat,
        exp,
        verifier_id,
        status,
        nonce,
        submods,
        extra: top.into_iter().collect(),
    };
    Ok((ear, dialect))
}

fn status_of(v: &Value) -> Result<Status> {
    match v {
        Value::String(s) => Status::from_name(s),
        // Veraison's TrustTier also reads the tier's number.
        Value::Number(n) => Status::from_value(n.as_i64().ok_or(Error::EarClaimInvalid {
            claim: "ear_status",
        })?),
        _ => Err(Error::EarClaimInvalid {
            claim: "ear_status",
        }),
    }
}

pub(crate) fn claim_value(v: &Value) -> Result<i8> {
    v.as_i64()
        .and_then(|i| i8::try_from(i).ok())
        .ok_or(Error::EarClaimInvalid {
            claim: "ear_trustworthiness_vector",
        })
}

fn decode_submod(value: Value, dialect: Dialect) -> Result<Submod> {
    let n = names(dialect);
    let Value::Object(mut m) = value else {
        return Err(Error::EarClaimInvalid { claim: "submods" });
    };
    let status = status_of(&m.remove(n.status).ok_or(Error::EarClaimMissing {
        claim: "ear_status",
    })?)?;
    let mut trust_vector = TrustVector::default();
    if let Some(tv) = m.remove(n.vector) {
        let Value::Object(tv) = tv else {
            return Err(Error::EarClaimInvalid {
                claim: "ear_trustworthiness_vector",
            });
        };
        for (name, v) in tv {
            // Unknown claim names are refused: they would escape the status rule.
            let slot = TRUST_CLAIM_NAMES
                .iter()
                .position(|n| *n == name)
                .and_then(|i| trust_vector.claim_mut(i))
                .ok_or(Error::EarClaimInvalid {
                    claim: "ear_trustworthiness_vector",
                })?;
            *slot = claim_value(&v)?;
        }
    }
    let mut policy_ids = Vec::new();
    for key in [POLICY_IDS, POLICY_ID, POLICY_ID_VERAISON] {
        match m.remove(key) {
            None => {}
            Some(Value::String(s)) => policy_ids.push(s),
            Some(Value::Array(a)) => {
                for id in a {
                    policy_ids.push(id.as_str().map(str::to_owned).ok_or(
                        Error::EarClaimInvalid {
                            claim: "ear_appraisal_policy_ids",
                        },
                    )?);
                }
            }
            Some(_) => {
                return Err(Error::EarClaimInvalid {
                    claim: "ear_appraisal_policy_ids",
                })
            }
        }
    }
    let nonce = m
        .remove("eat_nonce")
        .map(|v| b64_decode(&v, "eat_nonce"))
        .transpose()?;
    let raw_evidence = m.remove(RAW_EVIDENCE).map(|v| cmw_record(&v)).transpose()?;
    let attester_claims = m.remove(n.attester_claims);
    let verifier_claims = m.remove(n.verifier_claims);
    let mut geo = super::GeoClaims::default();
    let mut extra = super::ExtraClaims::new();
    for (k, v) in m {
        let Some(i) = label_of_name(&k) else {
            extra.insert(k, v);
            continue;
        };
        let bad = Error::EarGeoInvalid {
            what: "a geoAR claim has the wrong type",
        };
        let kind = GEO_LABELS.get(i).map(|l| l.kind);
        let value = match (kind, &v) {
            (Some(GeoKind::Text), Value::String(s)) => GeoValue::Text(s.clone()),
            (Some(GeoKind::Bool), Value::Bool(b)) => GeoValue::Bool(*b),
            (Some(GeoKind::Uint), Value::Number(x)) => GeoValue::Uint(x.as_u64().ok_or(bad)?),
            (Some(GeoKind::Int), Value::Number(x)) => GeoValue::Int(x.as_i64().ok_or(bad)?),
            (Some(GeoKind::Uuid), Value::String(s)) => GeoValue::Uuid(uuid_parse(s)?),
            _ => return Err(bad),
        };
        geo.set(i, value)?;
    }
    Ok(Submod {
        status,
        trust_vector,
        policy_ids,
        nonce,
        raw_evidence,
        attester_claims,
        verifier_claims,
        geo,
        extra,
    })
}

/// A CMW record `["<media type>", "<base64url>"]` (draft-ietf-rats-msg-wrap, JSON record); -03's
/// plain base64url evidence is read with an empty media type.
fn cmw_record(v: &Value) -> Result<(String, Vec<u8>)> {
    let bad = Error::EarClaimInvalid {
        claim: "ear_raw_evidence",
    };
    match v {
        Value::String(_) => Ok((String::new(), b64_decode(v, "ear_raw_evidence")?)),
        Value::Array(a) => match a.as_slice() {
            [Value::String(t), bytes] | [Value::String(t), bytes, _] => {
                Ok((t.clone(), b64_decode(bytes, "ear_raw_evidence")?))
            }
            _ => Err(bad),
        },
        _ => Err(bad),
    }
}

/// The claims as compact JSON bytes in `dialect`: the same bytes as
/// `serde_json::to_vec(&encode(ear, dialect)?)`, written straight from the EAR without building
/// (and cloning into) a `Value` tree (issue 11, item 9). With extension claims (`extra`), whose
/// names could replace a standard claim in place, it takes the `Value` path.
pub(crate) fn to_bytes(ear: &Ear, dialect: Dialect) -> Result<Vec<u8>> {
    if has_extra(ear) {
        return serde_json::to_vec(&encode(ear, dialect)?).map_err(|_| unwritable());
    }
    EarParts::of(ear).to_bytes(dialect)
}

/// An EAR without extension claims, borrowed for writing: [`to_bytes`] of an [`Ear`] goes
/// through it, and an appraisal writes its result's EAR from it without building an `Ear` (and
/// with its typed claims in place of `Value` trees: `A` and `V`).
pub(crate) struct EarParts<'a, A, V> {
    /// `iat`.
    pub iat: i64,
    /// `exp`.
    pub exp: Option<i64>,
    /// `ear_verifier_id`.
    pub verifier_id: &'a VerifierId,
    /// Top-level `ear_status`.
    pub status: Option<Status>,
    /// Top-level `eat_nonce`.
    pub nonce: Option<&'a [u8]>,
    /// `submods`, by name in ascending order (the order of `Ear::submods`).
    pub submods: Vec<(&'a str, SubmodParts<'a, A, V>)>,
}

/// A submod without extension claims, borrowed for writing (the fields of [`Submod`]).
pub(crate) struct SubmodParts<'a, A, V> {
    /// `ear_status`.
    pub status: Status,
    /// `ear_trustworthiness_vector`.
    pub trust_vector: TrustVector,
    /// `ear_appraisal_policy_ids`.
    pub policy_ids: &'a [String],
    /// `eat_nonce`.
    pub nonce: Option<&'a [u8]>,
    /// `ear_raw_evidence`: (media type, bytes).
    pub raw_evidence: Option<(&'a str, &'a [u8])>,
    /// `ear_attester_claims`.
    pub attester_claims: Option<A>,
    /// `ear_verifier_claims`.
    pub verifier_claims: Option<V>,
    /// The geoAR claims.
    pub geo: &'a GeoClaims,
}

impl<'a> EarParts<'a, &'a Value, &'a Value> {
    /// The parts of `ear`, its extension claims left out (callers check [`has_extra`]).
    pub(crate) fn of(ear: &'a Ear) -> Self {
        EarParts {
            iat: ear.iat,
            exp: ear.exp,
            verifier_id: &ear.verifier_id,
            status: ear.status,
            nonce: ear.nonce.as_deref(),
            submods: ear
                .submods
                .iter()
                .map(|(name, sub)| {
                    let parts = SubmodParts {
                        status: sub.status,
                        trust_vector: sub.trust_vector,
                        policy_ids: &sub.policy_ids,
                        nonce: sub.nonce.as_deref(),
                        raw_evidence: sub
                            .raw_evidence
                            .as_ref()
                            .map(|(t, b)| (t.as_str(), b.as_slice())),
                        attester_claims: sub.attester_claims.as_ref(),
                        verifier_claims: sub.verifier_claims.as_ref(),
                        geo: &sub.geo,
                    };
                    (name.as_str(), parts)
                })
                .collect(),
        }
    }
}

impl<A, V> EarParts<'_, A, V> {
    /// The status rule ([`Ear::check_status_rule`]) on these claims.
    pub(crate) fn check_status_rule(&self) -> Result<()> {
        super::check_status_rule(
            self.status,
            self.submods
                .iter()
                .map(|(name, s)| (*name, s.status, &s.trust_vector, s.geo)),
        )
    }
}

impl<A: serde::Serialize, V: serde::Serialize> EarParts<'_, A, V> {
    /// The claims as compact JSON in `dialect`, in [`encode`]'s claim order.
    pub(crate) fn to_bytes(&self, dialect: Dialect) -> Result<Vec<u8>> {
        // An appraisal's EAR is a few kilobytes: start there rather than grow from 128 bytes.
        let mut out = Vec::with_capacity(4096);
        serde_json::to_writer(&mut out, &EarView(self, dialect)).map_err(|_| unwritable())?;
        Ok(out)
    }
}

fn has_extra(ear: &Ear) -> bool {
    !ear.extra.is_empty() || ear.submods.values().any(|s| !s.extra.is_empty())
}

fn unwritable() -> Error {
    Error::InvalidArgument {
        what: "EAR claims could not be written as JSON",
    }
}

/// Base64url (no padding) of borrowed bytes, serialized as a string.
struct B64<'a>(&'a [u8]);

impl serde::Serialize for B64<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        // A nonce (at most 64 bytes, 86 characters) is encoded on the stack.
        let mut text = [0u8; 88];
        match B64URL.encode_slice(self.0, &mut text) {
            Ok(n) => s.serialize_str(
                std::str::from_utf8(text.get(..n).unwrap_or_default())
                    .map_err(serde::ser::Error::custom)?,
            ),
            Err(_) => s.serialize_str(&B64URL.encode(self.0)),
        }
    }
}

/// [`EarParts`] serialized in [`encode`]'s claim order.
struct EarView<'p, 'a, A, V>(&'p EarParts<'a, A, V>, Dialect);

impl<A: serde::Serialize, V: serde::Serialize> serde::Serialize for EarView<'_, '_, A, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (ear, dialect) = (self.0, self.1);
        let n = names(dialect);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("eat_profile", dialect.profile())?;
        m.serialize_entry("iat", &ear.iat)?;
        if let Some(exp) = ear.exp {
            m.serialize_entry("exp", &exp)?;
        }
        m.serialize_entry(n.verifier_id, &VerifierIdView(ear.verifier_id))?;
        if let Some(status) = ear.status {
            m.serialize_entry(n.status, status.name())?;
        }
        if let Some(nonce) = ear.nonce {
            m.serialize_entry("eat_nonce", &B64(nonce))?;
        }
        m.serialize_entry("submods", &SubmodsView(ear, dialect))?;
        m.end()
    }
}

struct VerifierIdView<'a>(&'a VerifierId);

impl serde::Serialize for VerifierIdView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("developer", &self.0.developer)?;
        m.serialize_entry("build", &self.0.build)?;
        m.end()
    }
}

struct SubmodsView<'p, 'a, A, V>(&'p EarParts<'a, A, V>, Dialect);

impl<A: serde::Serialize, V: serde::Serialize> serde::Serialize for SubmodsView<'_, '_, A, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_map(
            self.0
                .submods
                .iter()
                .map(|(name, sub)| (name, SubmodView(sub, self.1))),
        )
    }
}

/// [`SubmodParts`] serialized in [`encode_submod`]'s claim order.
struct SubmodView<'p, 'a, A, V>(&'p SubmodParts<'a, A, V>, Dialect);

impl<A: serde::Serialize, V: serde::Serialize> serde::Serialize for SubmodView<'_, '_, A, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (sub, dialect) = (self.0, self.1);
        let n = names(dialect);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(n.status, sub.status.name())?;
        if sub.trust_vector.any_set() {
            m.serialize_entry(n.vector, &VectorView(&sub.trust_vector))?;
        }
        match (dialect, sub.policy_ids.first()) {
            (_, None) => {}
            (Dialect::Veraison, Some(first)) => m.serialize_entry(POLICY_ID_VERAISON, first)?,
            _ => m.serialize_entry(POLICY_IDS, sub.policy_ids)?,
        }
        if let Some(nonce) = sub.nonce {
            m.serialize_entry("eat_nonce", &B64(nonce))?;
        }
        if let Some((media_type, bytes)) = sub.raw_evidence {
            m.serialize_entry(RAW_EVIDENCE, &(media_type, B64(bytes)))?;
        }
        if let Some(c) = &sub.attester_claims {
            m.serialize_entry(n.attester_claims, c)?;
        }
        if let Some(c) = &sub.verifier_claims {
            m.serialize_entry(n.verifier_claims, c)?;
        }
        for (i, value) in sub.geo.values() {
            let Some(label) = GEO_LABELS.get(i) else {
                continue;
            };
            let key = format!("grc.{}", label.name);
            match value {
                GeoValue::Text(t) => m.serialize_entry(&key, &t)?,
                GeoValue::Bool(b) => m.serialize_entry(&key, &b)?,
                GeoValue::Uint(u) => m.serialize_entry(&key, &u)?,
                GeoValue::Int(i) => m.serialize_entry(&key, &i)?,
                GeoValue::Uuid(u) => m.serialize_entry(&key, &uuid_text(&u))?,
            }
        }
        m.end()
    }
}

struct VectorView<'a>(&'a TrustVector);

impl serde::Serialize for VectorView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_map(
            TRUST_CLAIM_NAMES
                .iter()
                .zip(self.0.claims())
                .filter(|(_, value)| *value != 0),
        )
    }
}

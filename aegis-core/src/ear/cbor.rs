//! EAR claims as CBOR (draft-ietf-rats-ear-04, section 4; keys from FORMATS.md: iat 6, exp 4,
//! eat_nonce 10, eat_profile 265, submods 266, ear_status 1000, trust vector 1001, raw evidence
//! 1002, policy ids 1003, verifier id 1004, attester claims 1005, verifier claims 1006),
//! written deterministically (RFC 8949, 4.2.1: shortest integers and lengths, definite lengths,
//! map keys sorted by their encoded bytes).

use ciborium::value::Value;
use serde_json::Value as Json;

use super::geo::{label_of_key, GeoKind, GeoValue, GEO_LABELS};
use super::{Dialect, Ear, Status, Submod, TrustVector, VerifierId};
use crate::error::{Error, Result};

const IAT: i64 = 6;
const EXP: i64 = 4;
const NONCE: i64 = 10;
const PROFILE: i64 = 265;
const SUBMODS: i64 = 266;
const STATUS: i64 = 1000;
const VECTOR: i64 = 1001;
const RAW_EVIDENCE: i64 = 1002;
const POLICY_IDS: i64 = 1003;
const VERIFIER_ID: i64 = 1004;
const ATTESTER_CLAIMS: i64 = 1005;
const VERIFIER_CLAIMS: i64 = 1006;

/// Deepest nesting of arrays and maps read from CBOR.
const MAX_DEPTH: usize = 32;

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

/// JSON to CBOR (objects become text-keyed maps).
fn from_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => int(i),
            (_, Some(u), _) => Value::Integer(u.into()),
            (_, _, f) => Value::Float(f.unwrap_or(0.0)),
        },
        Json::String(s) => Value::Text(s.clone()),
        Json::Array(a) => Value::Array(a.iter().map(from_json).collect()),
        Json::Object(o) => Value::Map(
            o.iter()
                .map(|(k, v)| (Value::Text(k.clone()), from_json(v)))
                .collect(),
        ),
    }
}

/// CBOR to JSON: byte strings as base64url text, integer map keys as decimal text, tags dropped
/// (their content kept). `EarClaimInvalid` for what JSON cannot hold.
fn to_json(v: &Value, depth: usize) -> Result<Json> {
    let bad = Error::EarClaimInvalid {
        claim: "a claim CBOR cannot carry into JSON",
    };
    if depth > MAX_DEPTH {
        return Err(Error::EarMalformed {
            what: "CBOR nested too deeply",
        });
    }
    Ok(match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Integer(i) => {
            let i: i128 = (*i).into();
            if let Ok(x) = i64::try_from(i) {
                Json::from(x)
            } else {
                Json::from(u64::try_from(i).map_err(|_| bad)?)
            }
        }
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .ok_or(bad)?,
        Value::Text(s) => Json::String(s.clone()),
        Value::Bytes(b) => super::json::b64(b),
        Value::Tag(_, inner) => to_json(inner, depth + 1)?,
        Value::Array(a) => Json::Array(
            a.iter()
                .map(|x| to_json(x, depth + 1))
                .collect::<Result<_>>()?,
        ),
        Value::Map(m) => {
            let mut o = serde_json::Map::new();
            for (k, x) in m {
                o.insert(key_text(k).ok_or(bad.clone())?, to_json(x, depth + 1)?);
            }
            Json::Object(o)
        }
        _ => return Err(bad),
    })
}

fn key_text(k: &Value) -> Option<String> {
    match k {
        Value::Text(s) => Some(s.clone()),
        Value::Integer(i) => Some(i128::from(*i).to_string()),
        _ => None,
    }
}

/// A kept claim's key back to CBOR: decimal text that came from an integer key is an integer.
fn key_value(k: &str) -> Value {
    match k.parse::<i64>() {
        Ok(i) if i.to_string() == k => int(i),
        _ => Value::Text(k.to_owned()),
    }
}

/// The claims as deterministic CBOR.
pub(crate) fn encode(ear: &Ear, dialect: Dialect) -> Result<Vec<u8>> {
    let mut top: Vec<(Value, Value)> = ear
        .extra
        .iter()
        .map(|(k, v)| (key_value(k), from_json(v)))
        .collect();
    top.push((int(PROFILE), Value::Text(dialect.profile().into())));
    top.push((int(IAT), int(ear.iat)));
    if let Some(exp) = ear.exp {
        top.push((int(EXP), int(exp)));
    }
    top.push((
        int(VERIFIER_ID),
        Value::Map(vec![
            (int(0), Value::Text(ear.verifier_id.developer.clone())),
            (int(1), Value::Text(ear.verifier_id.build.clone())),
        ]),
    ));
    if let Some(s) = ear.status {
        top.push((int(STATUS), int(s.value().into())));
    }
    if let Some(n) = &ear.nonce {
        top.push((int(NONCE), Value::Bytes(n.clone())));
    }
    top.push((
        int(SUBMODS),
        Value::Map(
            ear.submods
                .iter()
                .map(|(k, s)| (Value::Text(k.clone()), encode_submod(s)))
                .collect(),
        ),
    ));
    let mut out = Vec::new();
    write_canonical(&Value::Map(top), &mut out)?;
    Ok(out)
}

fn encode_submod(sub: &Submod) -> Value {
    let mut m: Vec<(Value, Value)> = sub
        .extra
        .iter()
        .map(|(k, v)| (key_value(k), from_json(v)))
        .collect();
    m.push((int(STATUS), int(sub.status.value().into())));
    if sub.trust_vector.any_set() {
        let tv = sub
            .trust_vector
            .claims()
            .iter()
            .zip(0i64..)
            .filter(|(v, _)| **v != 0)
            .map(|(v, k)| (int(k), int((*v).into())))
            .collect();
        m.push((int(VECTOR), Value::Map(tv)));
    }
    if !sub.policy_ids.is_empty() {
        m.push((
            int(POLICY_IDS),
            Value::Array(
                sub.policy_ids
                    .iter()
                    .map(|p| Value::Text(p.clone()))
                    .collect(),
            ),
        ));
    }
    if let Some(n) = &sub.nonce {
        m.push((int(NONCE), Value::Bytes(n.clone())));
    }
    if let Some((t, b)) = &sub.raw_evidence {
        m.push((
            int(RAW_EVIDENCE),
            Value::Array(vec![Value::Text(t.clone()), Value::Bytes(b.clone())]),
        ));
    }
    if let Some(c) = &sub.attester_claims {
        m.push((int(ATTESTER_CLAIMS), from_json(c)));
    }
    if let Some(c) = &sub.verifier_claims {
        m.push((int(VERIFIER_CLAIMS), from_json(c)));
    }
    for (i, value) in sub.geo.values() {
        let Some(label) = GEO_LABELS.get(i) else {
            continue;
        };
        let v = match value {
            GeoValue::Text(s) => Value::Text(s),
            GeoValue::Bool(b) => Value::Bool(b),
            GeoValue::Uint(u) => Value::Integer(u.into()),
            GeoValue::Int(i) => int(i),
            GeoValue::Uuid(u) => Value::Bytes(u.to_vec()),
        };
        m.push((int(label.cbor_key), v));
    }
    Value::Map(m)
}

/// Writes `v` with every map's entries sorted by their keys' encoded bytes (RFC 8949, 4.2.1;
/// ciborium already writes the shortest integer and length forms). Duplicate keys are refused.
pub(crate) fn write_canonical(v: &Value, out: &mut Vec<u8>) -> Result<()> {
    let err = |_| Error::EarMalformed {
        what: "CBOR could not be written",
    };
    match v {
        Value::Map(entries) => {
            let mut encoded = Vec::with_capacity(entries.len());
            for (k, x) in entries {
                let mut kb = Vec::new();
                write_canonical(k, &mut kb)?;
                let mut xb = Vec::new();
                write_canonical(x, &mut xb)?;
                encoded.push((kb, xb));
            }
            encoded.sort();
            if encoded
                .windows(2)
                .any(|w| w.first().map(|a| &a.0) == w.get(1).map(|b| &b.0))
            {
                return Err(Error::InvalidArgument {
                    what: "EAR claims with a key written twice",
                });
            }
            write_header(5, encoded.len() as u64, out);
            for (k, x) in encoded {
                out.extend_from_slice(&k);
                out.extend_from_slice(&x);
            }
            Ok(())
        }
        Value::Array(items) => {
            write_header(4, items.len() as u64, out);
            items.iter().try_for_each(|x| write_canonical(x, out))
        }
        Value::Tag(tag, inner) => {
            write_header(6, *tag, out);
            write_canonical(inner, out)
        }
        other => ciborium::ser::into_writer(other, &mut *out).map_err(err),
    }
}

/// A CBOR head (RFC 8949, 3) in its shortest form.
fn write_header(major: u8, n: u64, out: &mut Vec<u8>) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend_from_slice(&[m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
}

/// One CBOR item filling all of `bytes`: `EarMalformed` if it does not decode, `TrailingBytes`
/// after it.
pub(crate) fn read_item(bytes: &[u8], what: &'static str) -> Result<Value> {
    let mut rest = bytes;
    let v: Value = ciborium::de::from_reader_with_recursion_limit(&mut rest, MAX_DEPTH)
        .map_err(|_| Error::EarMalformed { what })?;
    if !rest.is_empty() {
        return Err(Error::TrailingBytes {
            what,
            extra: rest.len(),
        });
    }
    Ok(v)
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => i64::try_from(i128::from(*i)).ok(),
        _ => None,
    }
}

/// A time claim: an integer, optionally under tag 1 (RFC 8949, 3.4.2); `EarNonIntegerTime` for
/// a float.
fn time(v: &Value, claim: &'static str) -> Result<i64> {
    match v {
        Value::Tag(1, inner) => time(inner, claim),
        Value::Float(_) => Err(Error::EarNonIntegerTime { claim }),
        _ => as_int(v).ok_or(Error::EarClaimInvalid { claim }),
    }
}

fn text(v: Value, claim: &'static str) -> Result<String> {
    match v {
        Value::Text(s) => Ok(s),
        _ => Err(Error::EarClaimInvalid { claim }),
    }
}

fn bytes(v: Value, claim: &'static str) -> Result<Vec<u8>> {
    match v {
        Value::Bytes(b) => Ok(b),
        _ => Err(Error::EarClaimInvalid { claim }),
    }
}

/// Takes the entry of integer key `key` out of `m`.
fn take(m: &mut Vec<(Value, Value)>, key: i64) -> Option<Value> {
    let pos = m.iter().position(|(k, _)| as_int(k) == Some(key))?;
    Some(m.swap_remove(pos).1)
}

fn map(v: Value, claim: &'static str) -> Result<Vec<(Value, Value)>> {
    match v {
        Value::Map(m) => {
            let mut keys: Vec<_> = m.iter().map(|(k, _)| format!("{k:?}")).collect();
            keys.sort();
            keys.dedup();
            if keys.len() != m.len() {
                return Err(Error::EarMalformed {
                    what: "CBOR map with a duplicate key",
                });
            }
            Ok(m)
        }
        _ => Err(Error::EarClaimInvalid { claim }),
    }
}

fn extra(m: Vec<(Value, Value)>) -> Result<super::ExtraClaims> {
    let mut out = super::ExtraClaims::new();
    for (k, v) in m {
        let key = key_text(&k).ok_or(Error::EarClaimInvalid {
            claim: "a claim key that is neither text nor an integer",
        })?;
        out.insert(key, to_json(&v, 1)?);
    }
    Ok(out)
}

/// Claims from a CBOR payload, with the dialect its `eat_profile` names.
pub(crate) fn decode(payload: &[u8]) -> Result<(Ear, Dialect)> {
    let mut top = map(read_item(payload, "CWT claims")?, "CWT claims")?;
    let profile = take(&mut top, PROFILE).ok_or(Error::EarClaimMissing {
        claim: "eat_profile",
    })?;
    let dialect = Dialect::from_profile(&text(profile, "eat_profile")?)?;
    let iat = time(
        &take(&mut top, IAT).ok_or(Error::EarClaimMissing { claim: "iat" })?,
        "iat",
    )?;
    let exp = take(&mut top, EXP).map(|v| time(&v, "exp")).transpose()?;
    let mut vid = map(
        take(&mut top, VERIFIER_ID).ok_or(Error::EarClaimMissing {
            claim: "ear_verifier_id",
        })?,
        "ear_verifier_id",
    )?;
    let vid_text = |v: Option<Value>| {
        text(
            v.ok_or(Error::EarClaimInvalid {
                claim: "ear_verifier_id",
            })?,
            "ear_verifier_id",
        )
    };
    let developer = vid_text(take(&mut vid, 0))?;
    let build = vid_text(take(&mut vid, 1))?;
    let status = take(&mut top, STATUS).map(|v| status_of(&v)).transpose()?;
    let nonce = take(&mut top, NONCE)
        .map(|v| bytes(v, "eat_nonce"))
        .transpose()?;
    let subs = map(
        take(&mut top, SUBMODS).ok_or(Error::EarClaimMissing { claim: "submods" })?,
        "submods",
    )?;
    if subs.len() > super::MAX_SUBMODS {
        return Err(Error::CountOutOfRange {
            what: "EAR submods",
            count: subs.len(),
            max: super::MAX_SUBMODS,
        });
    }
    let mut submods = std::collections::BTreeMap::new();
    for (k, v) in subs {
        submods.insert(text(k, "submods")?, decode_submod(v)?);
    }
    let ear = Ear {
        iat,
        exp,
        verifier_id: VerifierId { developer, build },
        status,
        nonce,
        submods,
        extra: extra(top)?,
    };
    Ok((ear, dialect))
}

fn status_of(v: &Value) -> Result<Status> {
    Status::from_value(as_int(v).ok_or(Error::EarClaimInvalid {
        claim: "ear_status",
    })?)
}

fn decode_submod(v: Value) -> Result<Submod> {
    let mut m = map(v, "submods")?;
    let status = status_of(&take(&mut m, STATUS).ok_or(Error::EarClaimMissing {
        claim: "ear_status",
    })?)?;
    let bad_tv = Error::EarClaimInvalid {
        claim: "ear_trustworthiness_vector",
    };
    let mut trust_vector = TrustVector::default();
    if let Some(tv) = take(&mut m, VECTOR) {
        for (k, x) in map(tv, "ear_trustworthiness_vector")? {
            let slot = as_int(&k)
                .and_then(|k| usize::try_from(k).ok())
                .and_then(|k| trust_vector.claim_mut(k))
                .ok_or(bad_tv.clone())?;
            *slot = as_int(&x)
                .and_then(|x| i8::try_from(x).ok())
                .ok_or(bad_tv.clone())?;
        }
    }
    let policy_ids = match take(&mut m, POLICY_IDS) {
        None => Vec::new(),
        Some(Value::Text(s)) => vec![s],
        Some(Value::Array(a)) => a
            .into_iter()
            .map(|p| text(p, "ear_appraisal_policy_ids"))
            .collect::<Result<_>>()?,
        Some(_) => {
            return Err(Error::EarClaimInvalid {
                claim: "ear_appraisal_policy_ids",
            })
        }
    };
    let nonce = take(&mut m, NONCE)
        .map(|v| bytes(v, "eat_nonce"))
        .transpose()?;
    let raw_evidence = match take(&mut m, RAW_EVIDENCE) {
        None => None,
        Some(Value::Bytes(b)) => Some((String::new(), b)),
        Some(Value::Array(a)) => {
            let mut it = a.into_iter();
            match (it.next(), it.next()) {
                (Some(t), Some(b)) => {
                    Some((text(t, "ear_raw_evidence")?, bytes(b, "ear_raw_evidence")?))
                }
                _ => {
                    return Err(Error::EarClaimInvalid {
                        claim: "ear_raw_evidence",
                    })
                }
            }
        }
        Some(_) => {
            return Err(Error::EarClaimInvalid {
                claim: "ear_raw_evidence",
            })
        }
    };
    let attester_claims = take(&mut m, ATTESTER_CLAIMS)
        .map(|v| to_json(&v, 1))
        .transpose()?;
    let verifier_claims = take(&mut m, VERIFIER_CLAIMS)
        .map(|v| to_json(&v, 1))
        .transpose()?;
    let mut geo = super::GeoClaims::default();
    let mut rest = Vec::new();
    for (k, x) in m {
        let Some(i) = as_int(&k).and_then(label_of_key) else {
            rest.push((k, x));
            continue;
        };
        let bad = Error::EarGeoInvalid {
            what: "a geoAR claim has the wrong type",
        };
        let kind = GEO_LABELS.get(i).map(|l| l.kind);
        let value = match (kind, x) {
            (Some(GeoKind::Text), Value::Text(s)) => GeoValue::Text(s),
            (Some(GeoKind::Bool), Value::Bool(b)) => GeoValue::Bool(b),
            (Some(GeoKind::Uint), Value::Integer(u)) => {
                GeoValue::Uint(u64::try_from(u).map_err(|_| bad)?)
            }
            (Some(GeoKind::Int), Value::Integer(n)) => {
                GeoValue::Int(i64::try_from(n).map_err(|_| bad)?)
            }
            (Some(GeoKind::Uuid), Value::Bytes(b)) => {
                GeoValue::Uuid(b.try_into().map_err(|_| bad)?)
            }
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
        extra: extra(rest)?,
    })
}

//! The two SVID extensions that carry an attestation result (FORMATS.md, "X.509 SVID
//! extensions"), both non-critical, encoded for SPIRE's CredentialComposer and decoded from a
//! certificate:
//!
//! - AttestedClaims (OID 1.3.6.1.4.1.55744.1.1, [`oid::ATTESTED_CLAIMS`]): the AegisSovereignAI
//!   proof of concept's `grc.*` claims as one JSON object. The extnValue is the DER of a
//!   `UTF8String` holding the JSON text. The PoC's documents name the OID and the JSON but not
//!   the ASN.1 type around it; RFC 5280 (4.1) wants DER in every extnValue, and a UTF8String is
//!   what the CMW extension's `json` arm uses for the same kind of payload, so `openssl x509
//!   -text` and Python `cryptography` show it as text.
//! - CMW (id-pe-cmw, OID 1.3.6.1.5.5.7.1.35, [`oid::ID_PE_CMW`]; draft-ietf-rats-msg-wrap-23,
//!   6.1): `CMW ::= CHOICE { json UTF8String, cbor OCTET STRING }`, the extnValue being the DER
//!   of that CHOICE (as Go veraison/cmw v0.2.0 `EncodeX509Extension` writes it). Aegis writes a
//!   CMW record (draft-ietf-rats-msg-wrap-23, 3.1) carrying the signed EAR: a JWT in the `json`
//!   arm as `["application/eat+jwt; eat_profile=\"<profile>\"", "<base64url(JWT)>"]`, a CWT in the
//!   `cbor` arm as the CBOR array `["application/eat+cwt; eat_profile=\"<profile>\"",
//!   h'<COSE_Sign1>']`. Either arm is read with either token; the type may also be the CoAP
//!   Content-Format of the media type (263 eat+cwt, 264 eat+jwt). Collections and the CBOR tag
//!   form are refused ([`Error::SvidCmwUnsupported`]).
//!
//! Decoding is strict: exact DER (no trailing bytes), size caps, UTF-8, one JSON object with no
//! duplicate member names, unpadded base64url, one CBOR item. The EAR inside is not verified
//! here: [`CmwEar::token`] goes to [`crate::ear::verify_token`] with the caller's key.

use base64::engine::general_purpose::STANDARD;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use der::asn1::{OctetStringRef, Utf8StringRef};
use der::{AnyRef, Decode, Encode, Tag, Tagged};
use serde_json::Value;

use crate::ear::{Dialect, TokenFormat, MAX_TOKEN_SIZE};
use crate::error::{Error, Result};
use crate::json::Strict;
use crate::keys::oid;
use crate::x509::Certificate;

/// Largest AttestedClaims JSON document read or written, in bytes.
pub const MAX_ATTESTED_CLAIMS_BYTES: usize = 32 * 1024;
/// Largest CMW extnValue read, in bytes (a base64url JWT of [`MAX_TOKEN_SIZE`] and its type).
pub const MAX_CMW_BYTES: usize = MAX_TOKEN_SIZE / 3 * 4 + 4096;

/// Media type of an EAR as a JWT (RFC 9782; draft-ietf-rats-ear-04, 5).
const EAT_JWT: &str = "application/eat+jwt";
/// Media type of an EAR as a CWT (RFC 9782; draft-ietf-rats-ear-04, 5).
const EAT_CWT: &str = "application/eat+cwt";
/// CoAP Content-Format of application/eat+cwt (RFC 9782, 6.5).
const CF_EAT_CWT: u64 = 263;
/// CoAP Content-Format of application/eat+jwt (RFC 9782, 6.5).
const CF_EAT_JWT: u64 = 264;

/// An X.509 extension as SPIRE's CredentialComposer plugin returns it (spire-plugin-sdk
/// `credentialcomposer.v1`: the dotted OID, the DER extnValue, the critical flag); also the
/// `Extension` of RFC 5280, 4.1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComposerExtension {
    oid: String,
    value: Vec<u8>,
    critical: bool,
}

impl ComposerExtension {
    /// The extension's OID in dotted form (extnID).
    pub fn oid(&self) -> &str {
        &self.oid
    }

    /// The DER extnValue (the content of the OCTET STRING, not the whole Extension).
    pub fn value(&self) -> &[u8] {
        &self.value
    }

    /// The critical flag: always false for the SVID extensions (FORMATS.md: Go crypto/x509 and
    /// webpki reject unknown critical extensions).
    pub fn critical(&self) -> bool {
        self.critical
    }

    /// The DER extnValue, owned.
    pub fn into_value(self) -> Vec<u8> {
        self.value
    }
}

/// The AttestedClaims JSON document of an SVID as carried (FORMATS.md: the PoC's `grc.workload`,
/// `grc.tpm-attestation`, `grc.geolocation` claims), checked only to be one JSON object of at
/// most [`MAX_ATTESTED_CLAIMS_BYTES`] with no duplicate member names, kept as its exact text;
/// [`super::claims::AttestedClaims::from_json`] reads it into the typed model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestedClaimsJson {
    json: String,
}

impl AttestedClaimsJson {
    /// Checks a JSON document: at most [`MAX_ATTESTED_CLAIMS_BYTES`], UTF-8, one object, no
    /// duplicate member names (`SvidAttestedClaimsTooLarge`, `SvidAttestedClaimsMalformed`).
    pub fn from_json(json: &[u8]) -> Result<Self> {
        if json.len() > MAX_ATTESTED_CLAIMS_BYTES {
            return Err(Error::SvidAttestedClaimsTooLarge {
                len: json.len() as u64,
                max: MAX_ATTESTED_CLAIMS_BYTES as u64,
            });
        }
        let text = core::str::from_utf8(json)
            .map_err(|_| Error::SvidAttestedClaimsMalformed { what: "not UTF-8" })?;
        let Strict(doc) =
            serde_json::from_str(text).map_err(|_| Error::SvidAttestedClaimsMalformed {
                what: "not JSON, or a member name repeated",
            })?;
        if !doc.is_object() {
            return Err(Error::SvidAttestedClaimsMalformed {
                what: "not a JSON object",
            });
        }
        Ok(AttestedClaimsJson {
            json: text.to_owned(),
        })
    }

    /// The JSON text, exactly as encoded.
    pub fn as_str(&self) -> &str {
        &self.json
    }

    /// The JSON text's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.json.as_bytes()
    }

    /// The JSON object (parsed again; it was checked to be one object).
    pub fn to_object(&self) -> serde_json::Map<String, Value> {
        match serde_json::from_str(&self.json) {
            Ok(Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        }
    }

    /// The JSON text, owned.
    pub fn into_string(self) -> String {
        self.json
    }
}

/// Encodes a JSON document (checked by [`AttestedClaimsJson::from_json`]) as the non-critical
/// AttestedClaims extension: the extnValue is the DER UTF8String of the exact bytes given.
pub fn encode_attested_claims(json: &[u8]) -> Result<ComposerExtension> {
    let claims = AttestedClaimsJson::from_json(json)?;
    let value = Utf8StringRef::new(claims.as_str())
        .and_then(|s| s.to_der())
        .map_err(|_| Error::SvidAttestedClaimsMalformed {
            what: "cannot be a DER UTF8String",
        })?;
    Ok(ComposerExtension {
        oid: oid::ATTESTED_CLAIMS.to_string(),
        value,
        critical: false,
    })
}

/// Decodes an AttestedClaims extnValue: exactly one DER UTF8String holding a JSON object
/// ([`AttestedClaimsJson::from_json`]).
pub fn decode_attested_claims(extn_value: &[u8]) -> Result<AttestedClaimsJson> {
    let malformed = |what| Error::SvidAttestedClaimsMalformed { what };
    if extn_value.len() > MAX_ATTESTED_CLAIMS_BYTES + 8 {
        return Err(Error::SvidAttestedClaimsTooLarge {
            len: extn_value.len() as u64,
            max: MAX_ATTESTED_CLAIMS_BYTES as u64,
        });
    }
    let s = Utf8StringRef::from_der(extn_value)
        .map_err(|_| malformed("extnValue is not one DER UTF8String"))?;
    AttestedClaimsJson::from_json(s.as_str().as_bytes())
}

/// The arm of `CMW ::= CHOICE { json UTF8String, cbor OCTET STRING }`
/// (draft-ietf-rats-msg-wrap-23, 6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmwChoice {
    /// A JSON CMW in a UTF8String.
    Json,
    /// A CBOR CMW in an OCTET STRING.
    Cbor,
}

impl CmwChoice {
    /// "json" or "cbor".
    pub fn name(self) -> &'static str {
        match self {
            CmwChoice::Json => "json",
            CmwChoice::Cbor => "cbor",
        }
    }
}

/// A signed EAR read from a CMW extension (not verified: see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CmwEar {
    choice: CmwChoice,
    format: TokenFormat,
    media_type: String,
    token: Vec<u8>,
}

impl CmwEar {
    /// The CHOICE arm the CMW was in.
    pub fn choice(&self) -> CmwChoice {
        self.choice
    }

    /// The token's form: JWT (JWS compact text) or CWT (COSE_Sign1 bytes).
    pub fn format(&self) -> TokenFormat {
        self.format
    }

    /// The CMW record's type: the media type as written, or the CoAP Content-Format number as
    /// text.
    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    /// The signed token: the JWT's ASCII text or the COSE_Sign1 bytes.
    pub fn token(&self) -> &[u8] {
        &self.token
    }

    /// The signed token, owned.
    pub fn into_token(self) -> Vec<u8> {
        self.token
    }

    /// `{"choice", "format", "media_type", "token"}` for a JWT (its text) or
    /// `{..., "token_base64"}` for a CWT.
    pub fn to_json(&self) -> Value {
        let mut v = serde_json::json!({
            "choice": self.choice().name(),
            "format": self.format().name(),
            "media_type": self.media_type(),
        });
        let token = match self.format() {
            TokenFormat::Jwt => ("token", String::from_utf8_lossy(self.token()).into_owned()),
            TokenFormat::Cwt => ("token_base64", STANDARD.encode(self.token())),
        };
        if let Some(m) = v.as_object_mut() {
            m.insert(token.0.into(), token.1.into());
        }
        v
    }
}

/// The CMW record type of an EAR token (draft-ietf-rats-ear-04, 5: the media type with the
/// `eat_profile` parameter, quoted: the profile holds RFC 2045 tspecials).
fn ear_media_type(format: TokenFormat, dialect: Dialect) -> String {
    let base = match format {
        TokenFormat::Jwt => EAT_JWT,
        TokenFormat::Cwt => EAT_CWT,
    };
    format!("{base}; eat_profile=\"{}\"", dialect.profile())
}

/// Encodes a signed EAR as the non-critical CMW extension: a JWT as a JSON CMW record in the
/// `json` arm, a CWT as a CBOR CMW record in the `cbor` arm (module documentation). The bytes
/// equal Go veraison/cmw v0.2.0 `NewMonad(type, token)` then `EncodeX509Extension(ChoiceJson`
/// or `ChoiceCbor, false)`. The token is checked for size and (JWT) for its three base64url
/// parts, not verified.
pub fn encode_cmw_ear(
    token: &[u8],
    format: TokenFormat,
    dialect: Dialect,
) -> Result<ComposerExtension> {
    check_token(token, format)?;
    let media_type = ear_media_type(format, dialect);
    let bad = |_| Error::SvidCmwMalformed {
        what: "cannot be DER",
    };
    let value = match format {
        TokenFormat::Jwt => {
            // Compact JSON, as Go's encoding/json writes it; neither string holds a character
            // Go escapes differently from serde_json (<, >, &, U+2028, U+2029).
            let record = Value::Array(vec![
                Value::String(media_type),
                Value::String(B64URL.encode(token)),
            ]);
            let text = record.to_string();
            Utf8StringRef::new(&text)
                .and_then(|s| s.to_der())
                .map_err(bad)?
        }
        TokenFormat::Cwt => {
            let record = ciborium::Value::Array(vec![
                ciborium::Value::Text(media_type),
                ciborium::Value::Bytes(token.to_vec()),
            ]);
            let mut cbor = Vec::new();
            ciborium::into_writer(&record, &mut cbor).map_err(|_| Error::SvidCmwMalformed {
                what: "cannot be CBOR",
            })?;
            OctetStringRef::new(&cbor)
                .and_then(|s| s.to_der())
                .map_err(bad)?
        }
    };
    Ok(ComposerExtension {
        oid: oid::ID_PE_CMW.to_string(),
        value,
        critical: false,
    })
}

/// Decodes a CMW extnValue carrying an EAR (module documentation): `SvidCmwMalformed` for bad
/// DER, JSON, CBOR or base64url, `SvidCmwUnsupported` for a collection or a CBOR tag,
/// `SvidCmwNotEar` for a record of another type.
pub fn decode_cmw(extn_value: &[u8]) -> Result<CmwEar> {
    let malformed = |what| Error::SvidCmwMalformed { what };
    if extn_value.len() > MAX_CMW_BYTES {
        return Err(malformed("extnValue larger than Aegis reads"));
    }
    let any =
        AnyRef::from_der(extn_value).map_err(|_| malformed("extnValue is not one DER value"))?;
    let (choice, (ty, token)) = match any.tag() {
        Tag::Utf8String => {
            let text = core::str::from_utf8(any.value())
                .map_err(|_| malformed("json CMW is not UTF-8"))?;
            (CmwChoice::Json, json_record(text)?)
        }
        Tag::OctetString => (CmwChoice::Cbor, cbor_record(any.value())?),
        _ => {
            return Err(malformed(
                "extnValue is neither a UTF8String nor an OCTET STRING",
            ))
        }
    };
    let (format, media_type) = match ty {
        RecordType::Media(m) => (ear_format_of(&m), m),
        RecordType::ContentFormat(n) => (
            match n {
                CF_EAT_JWT => Some(TokenFormat::Jwt),
                CF_EAT_CWT => Some(TokenFormat::Cwt),
                _ => None,
            },
            n.to_string(),
        ),
    };
    let format = format.ok_or_else(|| Error::SvidCmwNotEar {
        media_type: media_type.chars().take(128).collect(),
    })?;
    check_token(&token, format)?;
    Ok(CmwEar {
        choice,
        format,
        media_type,
        token,
    })
}

/// The type of a CMW record (draft-ietf-rats-msg-wrap-23, 3.1: a media type or a CoAP
/// Content-Format).
enum RecordType {
    Media(String),
    ContentFormat(u64),
}

/// The token form a media type names, parameters ignored, case-insensitive (RFC 2045, 5.1).
fn ear_format_of(media_type: &str) -> Option<TokenFormat> {
    let base = media_type.split(';').next().unwrap_or("").trim();
    if base.eq_ignore_ascii_case(EAT_JWT) {
        Some(TokenFormat::Jwt)
    } else if base.eq_ignore_ascii_case(EAT_CWT) {
        Some(TokenFormat::Cwt)
    } else {
        None
    }
}

/// A JSON CMW record `[type, base64url value, ? indicator]` (draft-ietf-rats-msg-wrap-23, 3.1).
fn json_record(text: &str) -> Result<(RecordType, Vec<u8>)> {
    let malformed = |what| Error::SvidCmwMalformed { what };
    let Strict(doc) = serde_json::from_str(text)
        .map_err(|_| malformed("json CMW is not JSON, or a member name repeated"))?;
    let items = match doc {
        Value::Array(items) => items,
        Value::Object(_) => {
            return Err(Error::SvidCmwUnsupported {
                what: "a CMW collection",
            })
        }
        _ => return Err(malformed("json CMW is neither a record nor a collection")),
    };
    let (ty, value) = match items.as_slice() {
        [ty, value] => (ty, value),
        [ty, value, Value::Number(n)] if n.is_u64() => (ty, value),
        _ => return Err(malformed("a CMW record is [type, value, ? indicator]")),
    };
    let ty = match ty {
        Value::String(s) => RecordType::Media(s.clone()),
        Value::Number(n) => {
            RecordType::ContentFormat(n.as_u64().filter(|n| *n <= u64::from(u16::MAX)).ok_or(
                malformed("CMW type is not a media type or a Content-Format"),
            )?)
        }
        _ => {
            return Err(malformed(
                "CMW type is not a media type or a Content-Format",
            ))
        }
    };
    let value = value
        .as_str()
        .and_then(|s| B64URL.decode(s).ok())
        .ok_or(malformed("CMW value is not unpadded base64url"))?;
    Ok((ty, value))
}

/// A CBOR CMW record `[type, bstr value, ? indicator]` (draft-ietf-rats-msg-wrap-23, 3.1).
fn cbor_record(bytes: &[u8]) -> Result<(RecordType, Vec<u8>)> {
    let malformed = |what| Error::SvidCmwMalformed { what };
    match bytes.first() {
        // Major type 6: a CBOR tag (the CMW tag form, 3.2).
        Some(b) if b >> 5 == 6 => {
            return Err(Error::SvidCmwUnsupported {
                what: "a CBOR-tagged CMW",
            })
        }
        // Major type 5: a map (a collection, 3.3).
        Some(b) if b >> 5 == 5 => {
            return Err(Error::SvidCmwUnsupported {
                what: "a CMW collection",
            })
        }
        _ => {}
    }
    let mut reader = bytes;
    let item: ciborium::Value =
        ciborium::from_reader(&mut reader).map_err(|_| malformed("cbor CMW is not CBOR"))?;
    if !reader.is_empty() {
        return Err(malformed("bytes after the cbor CMW"));
    }
    let items = match item {
        ciborium::Value::Array(items) => items,
        _ => return Err(malformed("cbor CMW is not a record")),
    };
    let mut items = items.into_iter();
    let (ty, value) = match (items.next(), items.next(), items.next(), items.next()) {
        (Some(ty), Some(value), None, None) => (ty, value),
        (Some(ty), Some(value), Some(ciborium::Value::Integer(i)), None)
            if u64::try_from(i).is_ok() =>
        {
            (ty, value)
        }
        _ => return Err(malformed("a CMW record is [type, value, ? indicator]")),
    };
    let ty = match ty {
        ciborium::Value::Text(s) => RecordType::Media(s),
        ciborium::Value::Integer(i) => RecordType::ContentFormat(
            u16::try_from(i)
                .map(u64::from)
                .map_err(|_| malformed("CMW type is not a media type or a Content-Format"))?,
        ),
        _ => {
            return Err(malformed(
                "CMW type is not a media type or a Content-Format",
            ))
        }
    };
    match value {
        ciborium::Value::Bytes(b) => Ok((ty, b)),
        _ => Err(malformed("CMW value is not a byte string")),
    }
}

/// A token fit to travel in a CMW: not empty, at most [`MAX_TOKEN_SIZE`], and a JWT is three
/// unpadded base64url parts.
fn check_token(token: &[u8], format: TokenFormat) -> Result<()> {
    if token.is_empty() || token.len() > MAX_TOKEN_SIZE {
        return Err(Error::SvidCmwMalformed {
            what: "EAR token empty or larger than Aegis reads",
        });
    }
    if format == TokenFormat::Jwt
        && (token.iter().filter(|b| **b == b'.').count() != 2
            || !token
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b)))
    {
        return Err(Error::SvidCmwMalformed {
            what: "EAR JWT is not three base64url parts",
        });
    }
    Ok(())
}

/// The two SVID extensions of one certificate, decoded when present.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SvidExtensions {
    attested_claims: Option<AttestedClaimsJson>,
    ear: Option<CmwEar>,
}

impl SvidExtensions {
    /// Finds and decodes the AttestedClaims and CMW extensions of `cert` (any profile); an
    /// extension present but malformed is an error, an absent one is `None`.
    pub fn of(cert: &Certificate) -> Result<Self> {
        Ok(SvidExtensions {
            attested_claims: cert
                .extension_value(oid::ATTESTED_CLAIMS)
                .map(decode_attested_claims)
                .transpose()?,
            ear: cert
                .extension_value(oid::ID_PE_CMW)
                .map(decode_cmw)
                .transpose()?,
        })
    }

    /// The AttestedClaims JSON, when present.
    pub fn attested_claims(&self) -> Option<&AttestedClaimsJson> {
        self.attested_claims.as_ref()
    }

    /// The CMW-wrapped EAR, when present.
    pub fn ear(&self) -> Option<&CmwEar> {
        self.ear.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT: &[u8] = b"eyJhbGciOiJFUzI1NiJ9.eyJlYXRfcHJvZmlsZSI6IngifQ.c2ln";

    #[test]
    fn attested_claims_round_trip_keeps_the_exact_text() {
        let json = br#"{"grc.workload": {"id": "w"}, "grc.geolocation": {"sensor_type": "gnss"}}"#;
        let ext = encode_attested_claims(json).unwrap();
        assert_eq!(ext.oid(), oid::ATTESTED_CLAIMS.to_string());
        assert!(!ext.critical());
        assert_eq!(ext.value()[0], 0x0c, "a UTF8String");
        let back = decode_attested_claims(ext.value()).unwrap();
        assert_eq!(back.as_bytes(), json);
        assert!(back.to_object().contains_key("grc.workload"));
    }

    #[test]
    fn attested_claims_refuses_what_is_not_one_object() {
        for (json, what) in [
            (&b"[1]"[..], "not a JSON object"),
            (b"{\"a\":1,\"a\":2}", "not JSON, or a member name repeated"),
            (b"{\"a\":1} x", "not JSON, or a member name repeated"),
            (b"\xff", "not UTF-8"),
        ] {
            assert_eq!(
                encode_attested_claims(json).unwrap_err(),
                Error::SvidAttestedClaimsMalformed { what },
                "{json:?}"
            );
        }
        let big = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_ATTESTED_CLAIMS_BYTES));
        assert!(matches!(
            encode_attested_claims(big.as_bytes()),
            Err(Error::SvidAttestedClaimsTooLarge { .. })
        ));
    }

    #[test]
    fn attested_claims_refuses_other_asn1_and_trailing_bytes() {
        let octets = OctetStringRef::new(b"{}").unwrap().to_der().unwrap();
        let mut trailing = Utf8StringRef::new("{}").unwrap().to_der().unwrap();
        trailing.push(0);
        for v in [octets, trailing, b"{}".to_vec()] {
            assert_eq!(
                decode_attested_claims(&v).unwrap_err(),
                Error::SvidAttestedClaimsMalformed {
                    what: "extnValue is not one DER UTF8String"
                }
            );
        }
    }

    #[test]
    fn cmw_jwt_round_trip_in_the_json_arm() {
        let ext = encode_cmw_ear(JWT, TokenFormat::Jwt, Dialect::Ietf04).unwrap();
        assert_eq!(ext.oid(), oid::ID_PE_CMW.to_string());
        assert!(!ext.critical());
        let s = Utf8StringRef::from_der(ext.value()).unwrap();
        assert_eq!(
            s.as_str(),
            format!(
                "[\"application/eat+jwt; eat_profile=\\\"tag:ietf.org,2026:rats/ear#04\\\"\",\"{}\"]",
                B64URL.encode(JWT)
            )
        );
        let back = decode_cmw(ext.value()).unwrap();
        assert_eq!(back.choice(), CmwChoice::Json);
        assert_eq!(back.format(), TokenFormat::Jwt);
        assert_eq!(back.token(), JWT);
        assert!(back.media_type().starts_with("application/eat+jwt; "));
    }

    #[test]
    fn cmw_cwt_round_trip_in_the_cbor_arm() {
        let cwt = [
            0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26, 0xa0, 0x41, 0x00, 0x41, 0x00,
        ];
        let ext = encode_cmw_ear(&cwt, TokenFormat::Cwt, Dialect::Veraison).unwrap();
        assert_eq!(ext.value()[0], 0x04, "an OCTET STRING");
        let back = decode_cmw(ext.value()).unwrap();
        assert_eq!(back.choice(), CmwChoice::Cbor);
        assert_eq!(back.format(), TokenFormat::Cwt);
        assert_eq!(back.token(), cwt);
        assert_eq!(
            back.media_type(),
            "application/eat+cwt; eat_profile=\"tag:github.com,2023:veraison/ear\""
        );
    }

    fn json_cmw(text: &str) -> Vec<u8> {
        Utf8StringRef::new(text).unwrap().to_der().unwrap()
    }

    fn cbor_cmw(v: ciborium::Value) -> Vec<u8> {
        let mut b = Vec::new();
        ciborium::into_writer(&v, &mut b).unwrap();
        OctetStringRef::new(&b).unwrap().to_der().unwrap()
    }

    #[test]
    fn cmw_reads_content_formats_and_indicators() {
        let b64 = B64URL.encode(JWT);
        let ear = decode_cmw(&json_cmw(&format!("[264,\"{b64}\",4]"))).unwrap();
        assert_eq!((ear.format(), ear.media_type()), (TokenFormat::Jwt, "264"));
        let ear = decode_cmw(&cbor_cmw(ciborium::Value::Array(vec![
            263.into(),
            ciborium::Value::Bytes(vec![1, 2]),
        ])))
        .unwrap();
        assert_eq!(ear.format(), TokenFormat::Cwt);
        let ear = decode_cmw(&json_cmw(&format!("[\"Application/EAT+JWT\",\"{b64}\"]"))).unwrap();
        assert_eq!(ear.format(), TokenFormat::Jwt);
    }

    #[test]
    fn cmw_refuses_other_types_forms_and_bad_encodings() {
        let b64 = B64URL.encode(JWT);
        assert_eq!(
            decode_cmw(&json_cmw(&format!(
                "[\"application/eat-ucs+json\",\"{b64}\"]"
            )))
            .unwrap_err(),
            Error::SvidCmwNotEar {
                media_type: "application/eat-ucs+json".into()
            }
        );
        assert_eq!(
            decode_cmw(&json_cmw("{\"__cmwc_t\":\"tag:x\"}")).unwrap_err(),
            Error::SvidCmwUnsupported {
                what: "a CMW collection"
            }
        );
        let tagged = OctetStringRef::new(&[0xda, 0, 1, 0, 0, 0x41, 0])
            .unwrap()
            .to_der()
            .unwrap();
        assert_eq!(
            decode_cmw(&tagged).unwrap_err(),
            Error::SvidCmwUnsupported {
                what: "a CBOR-tagged CMW"
            }
        );
        for bad in [
            json_cmw(&format!("[\"application/eat+jwt\",\"{b64}=\"]")),
            json_cmw("[\"application/eat+jwt\"]"),
            json_cmw("[\"application/eat+jwt\",\"YQ\"]"),
            json_cmw("[70000,\"YQ\"]"),
            cbor_cmw(ciborium::Value::Array(vec![
                "application/eat+cwt".into(),
                "text".into(),
            ])),
            der::asn1::Ia5StringRef::new("[]")
                .unwrap()
                .to_der()
                .unwrap(),
            vec![0x0c, 0x05, b'['],
        ] {
            assert!(
                matches!(decode_cmw(&bad), Err(Error::SvidCmwMalformed { .. })),
                "{bad:02x?}"
            );
        }
    }

    #[test]
    fn cmw_encoder_refuses_what_is_no_token() {
        for (token, format) in [
            (&b""[..], TokenFormat::Cwt),
            (b"a.b", TokenFormat::Jwt),
            (b"a.b.c d", TokenFormat::Jwt),
        ] {
            assert!(matches!(
                encode_cmw_ear(token, format, Dialect::Ietf04),
                Err(Error::SvidCmwMalformed { .. })
            ));
        }
    }
}

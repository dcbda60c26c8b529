//! The evidence bundle: everything one attestation sends the verifier, as one JSON document
//! (docs/evidence-bundle.md). Binary parts are base64 (RFC 4648, section 4, padded), the nonce
//! is hex, PCR values are the PCR JSON form of FORMATS.md (`{"sha256": {"15": "<hex>"}}`).
//!
//! Parsing only decodes the transport: every TPM structure inside is parsed strictly by the
//! check that uses it, so a malformed quote fails the quote check with its own error.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::compat::pcr_json;
use crate::error::{Error, Result};
use crate::json::{hex_bytes, RawText};
use crate::tpm::PcrValues;

/// The bundle format version this code reads and writes.
pub const BUNDLE_VERSION: u32 = 1;
/// Most intermediate certificates an EK chain may carry.
pub const MAX_EK_CHAIN: usize = 8;
/// Largest bundle document accepted (bytes).
pub const MAX_BUNDLE_SIZE: usize = 1 << 20;

/// One attestation's evidence, decoded from its transport form but not yet verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceBundle {
    /// The nonce the verifier issued (the certify's and the quote's qualifying data).
    pub nonce: Vec<u8>,
    /// The EK certificate (DER), when the TPM has one.
    pub ek_certificate: Option<Vec<u8>>,
    /// Intermediate CA certificates (DER) between the EK certificate and a root.
    pub ek_chain: Vec<Vec<u8>>,
    /// The AK's TPM2B_PUBLIC.
    pub ak_public: Vec<u8>,
    /// The App Key's TPM2B_PUBLIC.
    pub app_key_public: Vec<u8>,
    /// TPMS_ATTEST of TPM2_Certify(App Key, AK).
    pub certify_attest: Vec<u8>,
    /// Its TPMT_SIGNATURE.
    pub certify_signature: Vec<u8>,
    /// TPMS_ATTEST of TPM2_Quote by the AK.
    pub quote_attest: Vec<u8>,
    /// Its TPMT_SIGNATURE.
    pub quote_signature: Vec<u8>,
    /// The quoted PCR values.
    pub pcrs: PcrValues,
    /// The location event log (FORMATS.md, location evidence), when one is sent.
    pub location_log: Option<Vec<u8>>,
}

/// The document; `S` is its text members (borrowed from the document when read, owned when
/// written) and `P` the PCR values' JSON: read as the raw text (so that the PCR reader sees
/// duplicate keys, which a `Value` would silently merge, and parses it once), written as a value.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire<S, P> {
    version: u32,
    nonce: S,
    #[serde(skip_serializing_if = "Option::is_none")]
    ek_certificate: Option<S>,
    #[serde(default = "Vec::new", skip_serializing_if = "Vec::is_empty")]
    ek_chain: Vec<S>,
    ak_public: S,
    app_key_public: S,
    certify: WireSigned<S>,
    quote: WireQuote<S, P>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location_log: Option<S>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSigned<S> {
    attest: S,
    signature: S,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireQuote<S, P> {
    attest: S,
    signature: S,
    pcrs: P,
}

fn invalid(field: &str, reason: impl Into<String>) -> Error {
    Error::EvidenceBundleInvalid {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

fn b64(field: &str, text: &[u8]) -> Result<Vec<u8>> {
    b64_named(text, || field.to_owned())
}

/// `text` decoded, or the error naming the member `field` gives (made only on a failure).
fn b64_named(text: &[u8], field: impl FnOnce() -> String) -> Result<Vec<u8>> {
    crate::b64::decode_standard(text).map_err(|e| invalid(&field(), format!("not base64: {e}")))
}

impl EvidenceBundle {
    /// Reads a bundle document: strict JSON (unknown members refused), version 1, base64 and hex
    /// parts decoded, PCR values parsed. Errors name the member at fault.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_BUNDLE_SIZE {
            return Err(invalid(
                "$",
                format!("{} bytes, more than {MAX_BUNDLE_SIZE}", bytes.len()),
            ));
        }
        let wire: Wire<RawText<'_>, &RawValue> =
            serde_json::from_slice(bytes).map_err(|e| invalid("$", e.to_string()))?;
        if wire.version != BUNDLE_VERSION {
            return Err(invalid(
                "$.version",
                format!(
                    "version {} (this reader knows {BUNDLE_VERSION})",
                    wire.version
                ),
            ));
        }
        if wire.ek_chain.len() > MAX_EK_CHAIN {
            return Err(invalid(
                "$.ek_chain",
                format!(
                    "{} certificates, at most {MAX_EK_CHAIN}",
                    wire.ek_chain.len()
                ),
            ));
        }
        let nonce = hex_bytes(&*wire.nonce).ok_or_else(|| invalid("$.nonce", "not hex"))?;
        if nonce.is_empty() {
            return Err(invalid("$.nonce", "empty"));
        }
        let pcrs = pcr_json::parse(wire.quote.pcrs.get().as_bytes())
            .map_err(|e| invalid("$.quote.pcrs", e.to_string()))?;
        Ok(EvidenceBundle {
            nonce,
            ek_certificate: wire
                .ek_certificate
                .as_deref()
                .map(|c| b64("$.ek_certificate", c))
                .transpose()?,
            ek_chain: wire
                .ek_chain
                .iter()
                .enumerate()
                .map(|(i, c)| b64_named(c, || format!("$.ek_chain[{i}]")))
                .collect::<Result<_>>()?,
            ak_public: b64("$.ak_public", &wire.ak_public)?,
            app_key_public: b64("$.app_key_public", &wire.app_key_public)?,
            certify_attest: b64("$.certify.attest", &wire.certify.attest)?,
            certify_signature: b64("$.certify.signature", &wire.certify.signature)?,
            quote_attest: b64("$.quote.attest", &wire.quote.attest)?,
            quote_signature: b64("$.quote.signature", &wire.quote.signature)?,
            pcrs,
            location_log: wire
                .location_log
                .as_deref()
                .map(|l| b64("$.location_log", l))
                .transpose()?,
        })
    }

    /// The bundle document (what an agent sends; [`EvidenceBundle::from_json`] reads it back).
    pub fn to_json(&self) -> Vec<u8> {
        let e = |b: &[u8]| STANDARD.encode(b);
        let wire: Wire<String, serde_json::Value> = Wire {
            version: BUNDLE_VERSION,
            nonce: hex::encode(&self.nonce),
            ek_certificate: self.ek_certificate.as_deref().map(e),
            ek_chain: self.ek_chain.iter().map(|c| e(c)).collect(),
            ak_public: e(&self.ak_public),
            app_key_public: e(&self.app_key_public),
            certify: WireSigned {
                attest: e(&self.certify_attest),
                signature: e(&self.certify_signature),
            },
            quote: WireQuote {
                attest: e(&self.quote_attest),
                signature: e(&self.quote_signature),
                pcrs: pcr_json::to_json(&self.pcrs),
            },
            location_log: self.location_log.as_deref().map(e),
        };
        // A struct of strings and a JSON value always serializes.
        serde_json::to_vec_pretty(&wire).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::tpm::HashAlg;

    fn sample() -> EvidenceBundle {
        let mut pcrs = PcrValues::default();
        pcrs.insert(HashAlg::Sha256, 15, vec![0x15; 32]).unwrap();
        EvidenceBundle {
            nonce: vec![1, 2, 3],
            ek_certificate: Some(vec![0x30, 0x00]),
            ek_chain: vec![vec![0x30, 0x01]],
            ak_public: vec![0, 1],
            app_key_public: vec![0, 2],
            certify_attest: vec![3],
            certify_signature: vec![4],
            quote_attest: vec![5],
            quote_signature: vec![6],
            pcrs,
            location_log: Some(vec![7, 8]),
        }
    }

    #[test]
    fn round_trips() {
        let b = sample();
        assert_eq!(EvidenceBundle::from_json(&b.to_json()).unwrap(), b);
        let bare = EvidenceBundle {
            ek_certificate: None,
            ek_chain: vec![],
            location_log: None,
            ..sample()
        };
        assert_eq!(EvidenceBundle::from_json(&bare.to_json()).unwrap(), bare);
    }

    #[test]
    fn escaped_text_members_are_read() {
        // "\/" is "/" in JSON: such a member is read as an owned copy instead of borrowed.
        let b = EvidenceBundle {
            ak_public: vec![0xff, 0xff],
            ..sample()
        };
        let json = String::from_utf8(b.to_json()).unwrap();
        let escaped = json.replace("\"//8=\"", "\"\\/\\/8=\"");
        assert_ne!(escaped, json);
        assert_eq!(EvidenceBundle::from_json(escaped.as_bytes()).unwrap(), b);
    }

    fn field_of(json: &serde_json::Value) -> String {
        match EvidenceBundle::from_json(json.to_string().as_bytes()) {
            Err(Error::EvidenceBundleInvalid { field, .. }) => field,
            other => panic!("expected EvidenceBundleInvalid, got {other:?}"),
        }
    }

    #[test]
    fn each_bad_member_is_named() {
        let good: serde_json::Value = serde_json::from_slice(&sample().to_json()).unwrap();
        let with = |path: &[&str], v: serde_json::Value| {
            let mut j = good.clone();
            let mut at = &mut j;
            for p in &path[..path.len() - 1] {
                at = &mut at[*p];
            }
            at[path[path.len() - 1]] = v;
            j
        };
        assert_eq!(field_of(&with(&["version"], 2.into())), "$.version");
        assert_eq!(field_of(&with(&["nonce"], "zz".into())), "$.nonce");
        assert_eq!(field_of(&with(&["nonce"], "".into())), "$.nonce");
        assert_eq!(field_of(&with(&["ak_public"], "!!".into())), "$.ak_public");
        // A binary member that is not a string at all is refused by the document's reader.
        assert_eq!(field_of(&with(&["ak_public"], 5.into())), "$");
        assert_eq!(field_of(&with(&["ak_public"], serde_json::json!([0]))), "$");
        assert_eq!(
            field_of(&with(&["quote", "attest"], "@".into())),
            "$.quote.attest"
        );
        assert_eq!(
            field_of(&with(
                &["quote", "pcrs"],
                serde_json::json!({"sha256": {"99": "00"}})
            )),
            "$.quote.pcrs"
        );
        assert_eq!(
            field_of(&with(&["ek_chain"], serde_json::json!(["AA==", "%"]))),
            "$.ek_chain[1]"
        );
        assert_eq!(field_of(&with(&["extra"], 1.into())), "$");
        // A PCR listed twice is refused (a JSON value tree would keep one of them silently).
        let good = String::from_utf8(sample().to_json()).unwrap();
        let v = "15".repeat(32);
        let twice = good.replacen(
            &format!("\"15\": \"{v}\""),
            &format!("\"15\": \"{}\", \"15\": \"{v}\"", "00".repeat(32)),
            1,
        );
        assert_ne!(twice, good);
        assert!(matches!(
            EvidenceBundle::from_json(twice.as_bytes()),
            Err(Error::EvidenceBundleInvalid { field, .. }) if field == "$.quote.pcrs"
        ));
        assert_eq!(field_of(&serde_json::json!([1])), "$");
    }

    #[test]
    fn oversized_document_is_refused() {
        let big = vec![b' '; MAX_BUNDLE_SIZE + 1];
        assert!(matches!(
            EvidenceBundle::from_json(&big),
            Err(Error::EvidenceBundleInvalid { .. })
        ));
    }
}

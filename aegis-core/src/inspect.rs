//! Decode any supported structure to JSON, telling the structure apart by content
//! (`aegis inspect FILE`). Decoding is not verification: nothing here is a verdict.

use serde_json::{json, Value};

use crate::compat::{keylime, pcr_file, pcr_json};
use crate::error::{Error, Result};
use crate::tpm::{
    alg, st, Attest, AttestInfo, KeyParms, PcrSelection, Public, Scheme, Signature, SymDef,
    TPM_GENERATED_VALUE,
};

/// The structures `inspect` decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Structure {
    /// TPMS_ATTEST, or TPM2B_ATTEST.
    Attest,
    /// TPMT_PUBLIC, or TPM2B_PUBLIC.
    Public,
    /// TPMT_SIGNATURE.
    Signature,
    /// tpm2-tools PCR file or PCR JSON.
    Pcrs,
    /// Keylime quote string.
    KeylimeQuote,
}

impl Structure {
    /// From the names used by the CLI's `--as` and testdata/manifest.json.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "tpms_attest" | "tpm2b_attest" | "attest" => Some(Structure::Attest),
            "tpmt_public" | "tpm2b_public" | "public" => Some(Structure::Public),
            "tpmt_signature" | "signature" => Some(Structure::Signature),
            "pcrs" | "pcr_file" | "pcr_json" => Some(Structure::Pcrs),
            "keylime_quote" | "keylime" => Some(Structure::KeylimeQuote),
            _ => None,
        }
    }
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]))
}

/// Guesses the structure from its first bytes. `None` when nothing fits.
pub fn detect(bytes: &[u8]) -> Option<Structure> {
    let text_start = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    let magic = TPM_GENERATED_VALUE.to_be_bytes();
    if text_start == Some(b'{') {
        return Some(Structure::Pcrs);
    }
    if text_start == Some(b'r') && bytes.iter().all(|b| b.is_ascii()) && bytes.contains(&b':') {
        return Some(Structure::KeylimeQuote);
    }
    if bytes.starts_with(&magic) || bytes.get(2..6) == Some(&magic[..]) {
        return Some(Structure::Attest);
    }
    let is_key_type = |t: Option<u16>| matches!(t, Some(alg::RSA) | Some(alg::ECC));
    if is_key_type(be16(bytes, 0))
        || (is_key_type(be16(bytes, 2))
            && be16(bytes, 0).map(usize::from) == Some(bytes.len().saturating_sub(2)))
    {
        return Some(Structure::Public);
    }
    if matches!(
        be16(bytes, 0),
        Some(alg::RSASSA | alg::RSAPSS | alg::ECDSA | alg::NULL)
    ) {
        return Some(Structure::Signature);
    }
    if bytes.len() >= 136 && (bytes.len() - 136) % 532 == 0 {
        return Some(Structure::Pcrs);
    }
    None
}

/// Decodes `bytes` as `structure` (or as detected) into JSON.
pub fn inspect(bytes: &[u8], structure: Option<Structure>) -> Result<Value> {
    let structure = match structure.or_else(|| detect(bytes)) {
        Some(s) => s,
        None => {
            return Err(Error::InvalidFormat {
                what: "not a structure Aegis recognises",
            })
        }
    };
    match structure {
        Structure::Attest => Ok(attest_json(&Attest::parse_any(bytes)?)),
        Structure::Public => public_json(&Public::parse_any(bytes)?),
        Structure::Signature => Ok(signature_json(&Signature::parse(bytes)?)),
        Structure::Pcrs => pcrs_json(bytes),
        Structure::KeylimeQuote => {
            let text = core::str::from_utf8(bytes).map_err(|_| Error::InvalidFormat {
                what: "Keylime quote is not text",
            })?;
            let q = keylime::parse(text)?;
            Ok(json!({
                "structure": "keylime-quote",
                "attest": attest_json(&Attest::parse_any(&q.attest)?),
                "signature": signature_json(&Signature::parse(&q.signature)?),
                "pcrs": pcrs_json(&q.pcr_file)?,
            }))
        }
    }
}

/// A TPM_ALG_ID as tpm2-tools names it.
pub fn alg_name(id: u16) -> String {
    let name = match id {
        alg::RSA => "rsa",
        alg::SHA1 => "sha1",
        alg::HMAC => "hmac",
        alg::AES => "aes",
        alg::KEYEDHASH => "keyedhash",
        alg::XOR => "xor",
        alg::SHA256 => "sha256",
        alg::SHA384 => "sha384",
        alg::SHA512 => "sha512",
        alg::NULL => "null",
        alg::RSASSA => "rsassa",
        alg::RSAES => "rsaes",
        alg::RSAPSS => "rsapss",
        alg::OAEP => "oaep",
        alg::ECDSA => "ecdsa",
        alg::ECDH => "ecdh",
        alg::ECDAA => "ecdaa",
        alg::SM2 => "sm2",
        alg::ECSCHNORR => "ecschnorr",
        alg::ECC => "ecc",
        alg::SYMCIPHER => "symcipher",
        alg::CFB => "cfb",
        other => return format!("0x{other:04x}"),
    };
    name.to_string()
}

fn attest_type_name(tag: u16) -> String {
    match tag {
        st::ATTEST_QUOTE => "quote".into(),
        st::ATTEST_CERTIFY => "certify".into(),
        st::ATTEST_TIME => "time".into(),
        st::ATTEST_NV => "nv".into(),
        st::ATTEST_CREATION => "creation".into(),
        st::ATTEST_COMMAND_AUDIT => "command-audit".into(),
        st::ATTEST_SESSION_AUDIT => "session-audit".into(),
        st::ATTEST_NV_DIGEST => "nv-digest".into(),
        other => format!("0x{other:04x}"),
    }
}

/// JSON of a PCR selection: [{"bank": "sha256", "pcrs": [0, 1, 15]}, ...] in signed order.
pub fn selection_json(s: &PcrSelection) -> Value {
    Value::Array(
        s.banks
            .iter()
            .map(|b| json!({"bank": b.hash.name(), "pcrs": b.indices().collect::<Vec<u8>>()}))
            .collect(),
    )
}

/// JSON of a TPMS_ATTEST.
pub fn attest_json(a: &Attest) -> Value {
    let mut v = json!({
        "structure": "TPMS_ATTEST",
        "magic": format!("{:08x}", a.magic),
        "magic_is_tpm_generated": a.magic == TPM_GENERATED_VALUE,
        "type": attest_type_name(a.attest_type),
        "qualified_signer": a.qualified_signer.to_hex(),
        "extra_data": hex::encode(&a.extra_data),
        "clock_info": {
            "clock": a.clock_info.clock,
            "reset_count": a.clock_info.reset_count,
            "restart_count": a.clock_info.restart_count,
            "safe": a.clock_info.safe,
        },
        "firmware_version": format!("{:016x}", a.firmware_version),
    });
    match &a.info {
        AttestInfo::Quote(q) => set(
            &mut v,
            "quote",
            json!({"pcr_select": selection_json(&q.pcr_select), "pcr_digest": hex::encode(&q.pcr_digest)}),
        ),
        AttestInfo::Certify(c) => set(
            &mut v,
            "certify",
            json!({"name": c.name.to_hex(), "qualified_name": c.qualified_name.to_hex()}),
        ),
        AttestInfo::Other { .. } => {}
    }
    v
}

/// Adds a member to a JSON object (no-op on other values).
fn set(v: &mut Value, key: &str, member: Value) {
    if let Some(map) = v.as_object_mut() {
        map.insert(key.to_string(), member);
    }
}

fn scheme_json(s: Scheme) -> Value {
    match s.hash() {
        Some(h) => json!({"alg": alg_name(s.alg_id()), "hash": h.name()}),
        None => json!({"alg": alg_name(s.alg_id())}),
    }
}

/// JSON of a TPMT_PUBLIC, with its Name and SubjectPublicKeyInfo PEM.
pub fn public_json(p: &Public) -> Result<Value> {
    let sym = |s: SymDef| match s {
        SymDef::Null => json!("null"),
        SymDef::Aes { key_bits, mode } => {
            json!({"alg": "aes", "key_bits": key_bits, "mode": alg_name(mode)})
        }
    };
    let mut v = json!({
        "structure": "TPMT_PUBLIC",
        "name_alg": p.name_alg.name(),
        "attributes": p.attributes.names(),
        "attributes_value": format!("0x{:08x}", p.attributes.0),
        "auth_policy": hex::encode(&p.auth_policy),
        "scheme": scheme_json(p.scheme()),
        "name": p.name().to_hex(),
    });
    match &p.parms {
        KeyParms::Rsa(r) => {
            set(&mut v, "type", json!("rsa"));
            set(&mut v, "symmetric", sym(r.symmetric));
            set(
                &mut v,
                "rsa",
                json!({"key_bits": r.key_bits, "exponent": r.effective_exponent(), "modulus": hex::encode(&r.modulus)}),
            );
        }
        KeyParms::Ecc(e) => {
            set(&mut v, "type", json!("ecc"));
            set(&mut v, "symmetric", sym(e.symmetric));
            set(
                &mut v,
                "ecc",
                json!({"curve": e.curve.name(), "x": hex::encode(&e.x), "y": hex::encode(&e.y)}),
            );
        }
    }
    let der = crate::keys::public_key_to_spki_der(p)?;
    set(
        &mut v,
        "public_key_pem",
        json!(pem_encode("PUBLIC KEY", &der)),
    );
    Ok(v)
}

/// PEM (RFC 7468) of DER bytes.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(core::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// JSON of a TPMT_SIGNATURE.
pub fn signature_json(s: &Signature) -> Value {
    match s {
        Signature::RsaSsa { hash, sig } | Signature::RsaPss { hash, sig } => json!({
            "structure": "TPMT_SIGNATURE", "sig_alg": alg_name(s.alg_id()), "hash": hash.name(), "signature": hex::encode(sig)
        }),
        Signature::Ecdsa { hash, r, s: s_ } => json!({
            "structure": "TPMT_SIGNATURE", "sig_alg": "ecdsa", "hash": hash.name(), "r": hex::encode(r), "s": hex::encode(s_)
        }),
        Signature::Null => json!({"structure": "TPMT_SIGNATURE", "sig_alg": "null"}),
    }
}

fn pcrs_json(bytes: &[u8]) -> Result<Value> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        let values = pcr_json::parse(bytes)?;
        return Ok(json!({"structure": "pcr-json", "pcrs": pcr_json::to_json(&values)}));
    }
    let f = pcr_file::parse(bytes)?;
    Ok(
        json!({"structure": "tpm2-tools-pcr-file", "selection": selection_json(&f.selection), "pcrs": pcr_json::to_json(&f.values)}),
    )
}

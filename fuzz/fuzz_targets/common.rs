//! Shared by the fuzz targets: real evidence from testdata/ (read once per process).
//!
//! `AEGIS_TESTDATA` overrides the directory (default: `../testdata` next to this crate).
#![allow(dead_code)]

use std::path::PathBuf;

use aegis_core::tpm::Attest;
use aegis_core::verify::{AttestationKey, KeyPolicy};

/// One real quote and the AK that signed it.
pub struct QuoteFixture {
    pub id: &'static str,
    pub ak: AttestationKey,
    pub nonce: Vec<u8>,
    /// The TPMS_ATTEST bytes the TPM signed (no TPM2B prefix).
    pub attest: Vec<u8>,
    pub signature: Vec<u8>,
    pub pcrs: Vec<u8>,
}

pub fn testdata() -> PathBuf {
    std::env::var_os("AEGIS_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata")))
}

fn read(rel: &str) -> Vec<u8> {
    let path = testdata().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "fuzz fixture {}: {e} (run from a checkout with testdata/)",
            path.display()
        )
    })
}

/// The quote vector `id` from testdata/manifest.json.
pub fn quote_fixture(id: &'static str) -> QuoteFixture {
    let manifest: serde_json::Value = serde_json::from_slice(&read("manifest.json"))
        .unwrap_or_else(|e| panic!("testdata/manifest.json: {e}"));
    let vectors = manifest["vectors"]
        .as_array()
        .unwrap_or_else(|| panic!("manifest without vectors"));
    let v = vectors
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("testdata/manifest.json has no vector {id}"));
    let path = |k: &str| {
        v[k].as_str()
            .unwrap_or_else(|| panic!("{id}: no {k}"))
            .to_string()
    };
    let ak = AttestationKey::from_tpm_public(&read(&path("ak")), &KeyPolicy::default())
        .unwrap_or_else(|e| panic!("{id}: AK refused: {e:?}"));
    let nonce = hex::decode(path("nonce")).unwrap_or_else(|e| panic!("{id}: nonce: {e}"));
    let attest_file = read(&path("attest"));
    let attest = Attest::parse_any(&attest_file)
        .unwrap_or_else(|e| panic!("{id}: attest: {e:?}"))
        .as_bytes()
        .to_vec();
    QuoteFixture {
        id,
        ak,
        nonce,
        attest,
        signature: read(&path("signature")),
        pcrs: read(&path("pcrs")),
    }
}

/// Splits `u16 big-endian length || bytes` off the front (short input: what is there).
pub fn take_prefixed(data: &[u8]) -> (&[u8], &[u8]) {
    match data {
        [hi, lo, rest @ ..] => {
            let n = usize::from(u16::from_be_bytes([*hi, *lo])).min(rest.len());
            rest.split_at(n)
        }
        _ => (&[], &[]),
    }
}

/// The EAR vectors' issuer key (testdata/ear/issuer-p256.pub.pem), read once per process.
pub fn ear_issuer_key() -> &'static aegis_core::keys::PublicKey {
    static KEY: std::sync::OnceLock<aegis_core::keys::PublicKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        aegis_core::keys::PublicKey::from_spki(&read("ear/issuer-p256.pub.pem")).unwrap()
    })
}

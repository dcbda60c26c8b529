//! The quote vectors of testdata/manifest.json as the in-process benchmark binaries
//! (bench_quote, bench_verify_loop) read them.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The vectors timed when none is named: ECDSA P-256 and RSA-2048 RSASSA.
pub const DEFAULT_QUOTE_VECTORS: [&str; 2] =
    ["quote-ecc-p256-ecdsa-sha256", "quote-rsa2048-rsassa-sha256"];

/// The testdata directory of this checkout.
pub fn default_testdata() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata"))
}

/// One quote vector: its manifest entry, and a reader of the files it names.
pub struct QuoteEntry<'a> {
    pub entry: &'a Value,
    testdata: &'a Path,
}

impl QuoteEntry<'_> {
    /// The bytes of the file the entry names under `key` ("ak", "attest", ...).
    pub fn read(&self, key: &str) -> Vec<u8> {
        std::fs::read(self.testdata.join(self.entry[key].as_str().unwrap())).unwrap()
    }

    /// The entry's nonce.
    pub fn nonce(&self) -> Vec<u8> {
        hex::decode(self.entry["nonce"].as_str().unwrap()).unwrap()
    }
}

/// The quote vector `id` of `manifest` (panics when there is none: a benchmark's input error).
pub fn quote_entry<'a>(testdata: &'a Path, manifest: &'a Value, id: &str) -> QuoteEntry<'a> {
    let entry = manifest["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vector {id} in testdata/manifest.json"));
    assert_eq!(entry["kind"], "quote", "{id} is not a quote");
    QuoteEntry { entry, testdata }
}

/// testdata/manifest.json, parsed.
pub fn manifest(testdata: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(testdata.join("manifest.json")).unwrap()).unwrap()
}

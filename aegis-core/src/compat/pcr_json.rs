//! PCR values as JSON (FORMATS.md): {"sha256": {"15": "<hex>", ...}, "sha1": {...}}.
//! Bank names sha1, sha256, sha384, sha512; indices 0-23 as decimal strings; values in hex.

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::tpm::{HashAlg, PcrValues};

/// Parses the JSON form. Unknown banks, bad indices and non-hex values are `InvalidFormat`.
pub fn parse(text: &[u8]) -> Result<PcrValues> {
    let v: Value =
        serde_json::from_slice(text).map_err(|_| Error::InvalidFormat { what: "PCR JSON" })?;
    let banks = v.as_object().ok_or(Error::InvalidFormat {
        what: "PCR JSON is not an object",
    })?;
    let mut out = PcrValues::default();
    for (bank, entries) in banks {
        let hash = HashAlg::from_name(bank).ok_or(Error::InvalidFormat {
            what: "PCR JSON bank name",
        })?;
        let entries = entries.as_object().ok_or(Error::InvalidFormat {
            what: "PCR JSON bank is not an object",
        })?;
        for (index, value) in entries {
            let index: u8 = index
                .parse()
                .ok()
                .filter(|i| *i < crate::tpm::PCR_COUNT)
                .ok_or(Error::InvalidFormat {
                    what: "PCR JSON index (0-23)",
                })?;
            let hex_text = value.as_str().ok_or(Error::InvalidFormat {
                what: "PCR JSON value is not a string",
            })?;
            let hex_text = hex_text.strip_prefix("0x").unwrap_or(hex_text);
            let bytes = hex::decode(hex_text).map_err(|_| Error::InvalidFormat {
                what: "PCR JSON value is not hex",
            })?;
            out.insert(hash, index, bytes)?;
        }
    }
    Ok(out)
}

/// The JSON form of `values` (indices as decimal strings, values lower-case hex).
pub fn to_json(values: &PcrValues) -> Value {
    let mut banks = Map::new();
    for (hash, bank) in &values.banks {
        let entries: Map<String, Value> = bank
            .iter()
            .map(|(i, v)| (i.to_string(), Value::String(hex::encode(v))))
            .collect();
        banks.insert(hash.name().to_string(), Value::Object(entries));
    }
    Value::Object(banks)
}

//! PCR values as JSON (FORMATS.md): `{"sha256": {"15": "<hex>", ...}, "sha1": {...}}`.
//! Bank names `sha1`, `sha256`, `sha384`, `sha512`; indices 0-23 as decimal strings; values in
//! hex.

use core::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::json::Text;
use crate::tpm::{HashAlg, PcrValues};

/// A JSON object of at most `MAX` entries, read in order, refusing a key that appears twice
/// (parsers disagree on which duplicate wins, so evidence must not depend on it). Typed values
/// and the cap keep work and allocation proportional to the input (no `Value` tree).
struct UniqueKeys<'de, V, const MAX: usize>(Vec<(Text<'de>, V)>);

impl<'de, V: Deserialize<'de>, const MAX: usize> Deserialize<'de> for UniqueKeys<'de, V, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        struct Entries<V, const MAX: usize>(core::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>, const MAX: usize> Visitor<'de> for Entries<V, MAX> {
            type Value = UniqueKeys<'de, V, MAX>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    "an object of at most {MAX} entries without duplicate keys"
                )
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> core::result::Result<Self::Value, A::Error> {
                // At most MAX entries (24 PCRs, 4 banks): room for all of them at once.
                let mut out: Vec<(Text<'de>, V)> = Vec::with_capacity(MAX);
                while let Some(k) = map.next_key::<Text<'de>>()? {
                    if out.len() == MAX {
                        return Err(serde::de::Error::custom("too many entries"));
                    }
                    if out.iter().any(|(seen, _)| **seen == *k) {
                        return Err(serde::de::Error::custom("duplicate key"));
                    }
                    let v = map.next_value::<V>()?;
                    out.push((k, v));
                }
                Ok(UniqueKeys(out))
            }
        }
        d.deserialize_map(Entries::<V, MAX>(core::marker::PhantomData))
    }
}

/// At most one object per bank and one entry per PCR.
type BankObject<'de> = UniqueKeys<'de, Text<'de>, { crate::tpm::PCR_COUNT as usize }>;
type PcrJson<'de> = UniqueKeys<'de, BankObject<'de>, { HashAlg::ALL.len() }>;

/// Parses the JSON form. Unknown banks, bad indices, duplicate keys and non-hex values are
/// `InvalidFormat`.
pub fn parse(text: &[u8]) -> Result<PcrValues> {
    let banks: PcrJson = serde_json::from_slice(text).map_err(|_| Error::InvalidFormat {
        what: "PCR JSON: an object of banks, each an object of index -> hex string, no duplicate keys",
    })?;
    let mut out = PcrValues::default();
    for (bank, entries) in banks.0 {
        let hash = HashAlg::from_name(&bank).ok_or(Error::InvalidFormat {
            what: "PCR JSON bank name",
        })?;
        for (index, hex_text) in entries.0 {
            let index: u8 = index
                .parse()
                .ok()
                .filter(|i| *i < crate::tpm::PCR_COUNT)
                .ok_or(Error::InvalidFormat {
                    what: "PCR JSON index (0-23)",
                })?;
            let hex_text = hex_text.strip_prefix("0x").unwrap_or(&hex_text);
            let bytes = crate::json::hex_bytes(hex_text).ok_or(Error::InvalidFormat {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_and_wrong_shapes_are_refused() {
        let v = "00".repeat(32);
        for bad in [
            format!(r#"{{"sha256": {{"15": "{v}", "15": "{v}"}}}}"#),
            format!(r#"{{"sha256": {{"15": "{v}"}}, "sha256": {{"16": "{v}"}}}}"#),
            r#"{"sha256": ["00"]}"#.to_string(),
            r#"{"sha256": {"15": 7}}"#.to_string(),
            // Values that are not hex: a non-hex digit, an odd length.
            format!(r#"{{"sha256": {{"15": "{}"}}}}"#, "zz".repeat(32)),
            format!(r#"{{"sha256": {{"15": "{v}0"}}}}"#),
            r#"[]"#.to_string(),
            format!(
                r#"{{"sha256": {{{}}}}}"#,
                (0..25)
                    .map(|i| format!(r#""{i}": "{v}""#))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        ] {
            assert_eq!(
                parse(bad.as_bytes()).unwrap_err().name(),
                "InvalidFormat",
                "{bad}"
            );
        }
        let ok = format!(r#"{{"sha256": {{"15": "{v}", "0": "0x{v}"}}}}"#);
        assert_eq!(parse(ok.as_bytes()).unwrap().len(), 2);
        // Escaped names are read (owned, not borrowed) and still compared as text: "\u0031\u0035"
        // is "15", so with "15" it is a duplicate.
        let escaped = format!(r#"{{"sh\u0061256": {{"\u0031\u0035": "{v}"}}}}"#);
        assert_eq!(
            parse(escaped.as_bytes()).unwrap().get(HashAlg::Sha256, 15),
            Some(&vec![0; 32][..])
        );
        let twice = format!(r#"{{"sha256": {{"\u0031\u0035": "{v}", "15": "{v}"}}}}"#);
        assert!(parse(twice.as_bytes()).is_err());
    }
}

//! PCR values as JSON (FORMATS.md): `{"sha256": {"15": "<hex>", ...}, "sha1": {...}}`.
//! Bank names `sha1`, `sha256`, `sha384`, `sha512`; indices 0-23 as decimal strings; values in
//! hex.

use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::json::Text;
use crate::tpm::{HashAlg, PcrValues};

/// What a malformed document is refused with when no more specific fault was found.
const SHAPE: Error = Error::InvalidFormat {
    what: "PCR JSON: an object of banks, each an object of index -> hex string, no duplicate keys",
};

/// Parses the JSON form in one pass, straight into [`PcrValues`] (no `Value` tree, no copy of
/// the strings). Unknown banks, bad indices, a bank or PCR given twice (parsers disagree on
/// which duplicate wins, so evidence must not depend on it) and non-hex values are
/// `InvalidFormat`. Each bank and each PCR is read once, so the work is bounded by the input.
pub fn parse(text: &[u8]) -> Result<PcrValues> {
    let mut fault = None;
    let mut de = serde_json::Deserializer::from_slice(text);
    let read = de
        .deserialize_map(Banks { fault: &mut fault })
        .and_then(|values| de.end().map(|()| values));
    match (read, fault) {
        (Ok(values), _) => Ok(values),
        (Err(_), Some(e)) => Err(e),
        (Err(_), None) => Err(SHAPE),
    }
}

/// Records `e` as the fault and stops the parse.
fn refuse<E: de::Error>(fault: &mut Option<Error>, e: Error) -> E {
    let message = e.to_string();
    *fault = Some(e);
    E::custom(message)
}

/// The document: an object of banks.
struct Banks<'f> {
    fault: &'f mut Option<Error>,
}

impl<'de> Visitor<'de> for Banks<'_> {
    type Value = PcrValues;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of PCR banks")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> core::result::Result<PcrValues, A::Error> {
        let mut out = PcrValues::default();
        let mut seen = [false; HashAlg::ALL.len()];
        while let Some(name) = map.next_key::<Text<'de>>()? {
            let Some((i, hash)) = HashAlg::ALL
                .into_iter()
                .enumerate()
                .find(|(_, h)| h.name() == &*name)
            else {
                return Err(refuse(
                    self.fault,
                    Error::InvalidFormat {
                        what: "PCR JSON bank name",
                    },
                ));
            };
            match seen.get_mut(i) {
                Some(seen) if !*seen => *seen = true,
                _ => return Err(de::Error::custom("a bank given twice")),
            }
            map.next_value_seed(Bank {
                hash,
                out: &mut out,
                fault: &mut *self.fault,
            })?;
        }
        Ok(out)
    }
}

/// One bank's object of index -> hex value, read into `out`.
struct Bank<'a> {
    hash: HashAlg,
    out: &'a mut PcrValues,
    fault: &'a mut Option<Error>,
}

impl<'de> DeserializeSeed<'de> for Bank<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> core::result::Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Bank<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of PCR index -> hex value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> core::result::Result<(), A::Error> {
        while let Some(index) = map.next_key::<Text<'de>>()? {
            let value = map.next_value::<Text<'de>>()?;
            let Some(index) = index
                .parse::<u8>()
                .ok()
                .filter(|i| *i < crate::tpm::PCR_COUNT)
            else {
                return Err(refuse(
                    self.fault,
                    Error::InvalidFormat {
                        what: "PCR JSON index (0-23)",
                    },
                ));
            };
            if self.out.get(self.hash, index).is_some() {
                return Err(de::Error::custom("a PCR given twice"));
            }
            let hex_text = value.strip_prefix("0x").unwrap_or(&value);
            let Some(bytes) = crate::json::hex_bytes(hex_text) else {
                return Err(refuse(
                    self.fault,
                    Error::InvalidFormat {
                        what: "PCR JSON value is not hex",
                    },
                ));
            };
            self.out
                .insert(self.hash, index, bytes)
                .map_err(|e| refuse(self.fault, e))?;
        }
        Ok(())
    }
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
            // A bank given twice though the first is empty, a PCR twice under two spellings,
            // an unknown bank, an index out of range, trailing text.
            format!(r#"{{"sha256": {{}}, "sha256": {{"16": "{v}"}}}}"#),
            format!(r#"{{"sha256": {{"15": "{v}", "015": "{v}"}}}}"#),
            format!(r#"{{"sha999": {{"15": "{v}"}}}}"#),
            format!(r#"{{"sha256": {{"24": "{v}"}}}}"#),
            format!(r#"{{"sha256": {{"15": "{v}"}}}} x"#),
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

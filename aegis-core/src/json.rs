//! JSON read strictly: serde_json keeps the last of duplicate member names; Aegis refuses them
//! (geofence policies, proof tokens). And [`Text`], a string member read without a copy.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A JSON string as read: borrowed from the document unless it holds an escape (then owned).
/// serde's own `Cow<str>` always copies outside a `#[serde(borrow)]` field; this is that field.
#[derive(serde::Deserialize)]
pub(crate) struct Text<'a>(#[serde(borrow)] pub(crate) std::borrow::Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// A JSON string's bytes as read, for a member decoded strictly afterwards (base64, hex): like
/// [`Text`] borrowed unless it holds an escape, but not checked as UTF-8 on the way, since the
/// decoder refuses every byte outside its alphabet anyway. Anything but a string is refused.
pub(crate) struct RawText<'a>(pub(crate) std::borrow::Cow<'a, [u8]>);

impl<'de> Deserialize<'de> for RawText<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl<'de> Visitor<'de> for Bytes {
            type Value = RawText<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
                Ok(RawText(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                Ok(RawText(std::borrow::Cow::Owned(v.to_vec())))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                self.visit_borrowed_bytes(v.as_bytes())
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                self.visit_bytes(v.as_bytes())
            }
        }
        d.deserialize_bytes(Bytes)
    }
}

impl std::ops::Deref for RawText<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// The JSON value of claims made only of strings, integers, booleans and finite numbers, which
/// always serialize (`Null` would mark a type that broke that rule).
pub(crate) fn value_of<T: serde::Serialize>(claims: &T) -> Value {
    serde_json::to_value(claims).unwrap_or(Value::Null)
}

/// Lowercase hex of `bytes`: `hex::encode`'s text, written through its table rather than a
/// character iterator (the appraisal names the App Key in hex every time).
pub(crate) fn hex_text(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 2];
    // Fails only on an output of the wrong length, and this one is right.
    let _ = hex::encode_to_slice(bytes, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Hex text (either case) decoded, or `None` (odd length, a non-hex digit): one table lookup
/// per digit into a buffer of the exact size. `hex::decode` takes about 80 instructions a byte
/// and `hex::decode_to_slice` about 38, on the PCR values and log digests every appraisal reads.
pub(crate) fn hex_bytes(text: impl AsRef<[u8]>) -> Option<Vec<u8>> {
    let digits = text.as_ref();
    if digits.len() % 2 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() / 2);
    for pair in digits.chunks_exact(2) {
        let (hi, lo) = match pair {
            [hi, lo] => (nibble(*hi), nibble(*lo)),
            _ => return None,
        };
        if (hi | lo) > 0x0f {
            return None;
        }
        out.push(hi << 4 | lo);
    }
    Some(out)
}

/// [`HEX_VALUES`] of a byte.
fn nibble(digit: u8) -> u8 {
    HEX_VALUES
        .get(usize::from(digit))
        .copied()
        .unwrap_or(NOT_HEX)
}

const NOT_HEX: u8 = 0xff;

/// The value of each ASCII hex digit, [`NOT_HEX`] for every other byte.
#[allow(clippy::indexing_slicing)] // constant evaluation: an index out of range fails the build
const HEX_VALUES: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 16 {
        let d = i as u8;
        if d < 10 {
            table[(b'0' + d) as usize] = d;
        } else {
            table[(b'a' + d - 10) as usize] = d;
            table[(b'A' + d - 10) as usize] = d;
        }
        i += 1;
    }
    table
};

/// A JSON value read with duplicate member names refused (RFC 8259, 4: names SHOULD be unique;
/// a document whose meaning depends on which duplicate wins is refused).
pub(crate) struct Strict(pub(crate) Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> core::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> core::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> core::result::Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> core::result::Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }
    fn visit_str<E>(self, v: &str) -> core::result::Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> core::result::Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> core::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> core::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> core::result::Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> core::result::Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate member {key:?}")));
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::{hex_bytes, hex_text};

    #[test]
    fn hex_text_is_the_hex_crates_encoding() {
        let all: Vec<u8> = (0..=255).collect();
        for bytes in [&[][..], &[0x00], &[0xab, 0x0f], &all] {
            assert_eq!(hex_text(bytes), hex::encode(bytes));
        }
    }

    #[test]
    fn hex_bytes_decodes_either_case_and_refuses_the_rest() {
        assert_eq!(hex_bytes("00aBfF"), Some(vec![0x00, 0xab, 0xff]));
        assert_eq!(hex_bytes(""), Some(vec![]));
        for bad in ["0", "abc", "0g", "zz", " 00", "00 ", "0x00", "é0"] {
            assert_eq!(hex_bytes(bad), None, "{bad:?}");
        }
        for text in ["00", "0a1B", "ffff", "0123456789abcdefABCDEF00"] {
            assert_eq!(hex_bytes(text), hex::decode(text).ok(), "{text:?}");
        }
        // Every pair of bytes, hex or not, decodes as the hex crate decodes it.
        for hi in 0..=255u8 {
            for lo in 0..=255u8 {
                let pair = [hi, lo];
                if let Ok(text) = core::str::from_utf8(&pair) {
                    assert_eq!(hex_bytes(text), hex::decode(text).ok(), "{pair:?}");
                }
            }
        }
    }
}

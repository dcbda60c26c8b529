//! RFC 8785 JSON Canonicalization Scheme (JCS) over `serde_json::Value`.
//!
//! - Object members sorted by the UTF-16 code units of their names (RFC 8785, 3.2.3).
//! - Strings escaped as ECMAScript `JSON.stringify` does (3.2.2.2): `\"`, `\\`, `\b`, `\f`,
//!   `\n`, `\r`, `\t`, other controls as `\u00xx` (lower-case hex), everything else literal.
//! - Numbers as ECMAScript `Number.prototype.toString` of the IEEE-754 double (3.2.2.3):
//!   shortest round-trip digits, exponent form below 1e-6 and from 1e21; integers beyond
//!   2^53 are refused (they are not exactly representable).

use serde_json::Value;

use crate::error::{Error, Result};

/// Largest nesting depth accepted (bounded work on input).
const MAX_DEPTH: usize = 32;
/// 2^53: integers beyond this are not exact as IEEE-754 doubles (I-JSON, RFC 7493 2.2).
const MAX_SAFE_INTEGER: u64 = 1 << 53;

/// The canonical (RFC 8785) serialization of `value`.
pub fn canonicalize(value: &Value) -> Result<String> {
    let mut out = String::new();
    write_value(value, &mut out, 0)?;
    Ok(out)
}

/// Serializes `value` with serde, then canonicalizes it.
pub fn to_canonical_string<T: serde::Serialize>(value: &T) -> Result<String> {
    let v = serde_json::to_value(value).map_err(|_| Error::InvalidFormat {
        what: "value cannot be serialized as JSON",
    })?;
    canonicalize(&v)
}

fn write_value(value: &Value, out: &mut String, depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::CountOutOfRange {
            what: "JSON nesting depth",
            count: depth,
            max: MAX_DEPTH,
        });
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n, out)?,
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out, depth + 1)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_value(v, out, depth + 1)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn write_number(n: &serde_json::Number, out: &mut String) -> Result<()> {
    let unsafe_int = Error::InvalidValue {
        what: "JSON integer beyond 2^53 cannot be canonicalized",
    };
    let x = if let Some(u) = n.as_u64() {
        if u > MAX_SAFE_INTEGER {
            return Err(unsafe_int);
        }
        u as f64
    } else if let Some(i) = n.as_i64() {
        if i.unsigned_abs() > MAX_SAFE_INTEGER {
            return Err(unsafe_int);
        }
        i as f64
    } else {
        n.as_f64().ok_or(Error::InvalidValue {
            what: "JSON number is not a double",
        })?
    };
    write_es_number(x, out)
}

/// ECMAScript Number::toString(x) for a finite double (ECMA-262, 6.1.6.1.20).
pub fn format_es_number(x: f64) -> Result<String> {
    let mut out = String::new();
    write_es_number(x, &mut out)?;
    Ok(out)
}

/// Appends ECMAScript Number::toString(x) for a finite double to `out` (ECMA-262, 6.1.6.1.20):
/// the fewest significant digits that read back as x and, among those, the ones closest to x
/// (ties to even, the spec's recommended step 5). Ryū computes exactly those digits (Adams,
/// PLDI 2018: shortest, correctly rounded, half-even on exact ties); this lays them out as
/// steps 6-10 say. A test holds it to Rust's exact rounding on random doubles.
pub(crate) fn write_es_number(x: f64, out: &mut String) -> Result<()> {
    let unformattable = Error::InvalidValue {
        what: "number formatting",
    };
    if !x.is_finite() {
        return Err(Error::InvalidValue {
            what: "NaN and infinities have no JSON form",
        });
    }
    if x == 0.0 {
        out.push('0');
        return Ok(());
    }
    if x < 0.0 {
        out.push('-');
        return write_es_number(-x, out);
    }
    if x.fract() == 0.0 && x < MAX_SAFE_INTEGER as f64 {
        // An integer below 2^53 is exact, and its neighbours are at most 1 apart: the shortest
        // digits that round-trip are its own decimal digits (and n <= 16 < 21).
        out.push_str(itoa::Buffer::new().format(x as u64));
        return Ok(());
    }
    // Ryū writes "1234.5", "0.0001234", "1.234e-7", "1e23" or "12340000000.0": read its digits
    // as x = 0.d1..dk * 10^n with d1 != 0 and dk != 0.
    let mut ryu = ryu::Buffer::new();
    let text = ryu.format_finite(x);
    let (mantissa, exponent) = match text.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().map_err(|_| unformattable.clone())?),
        None => (text, 0),
    };
    let mut digits = [0u8; 32];
    let (mut k, mut leading_zeros, mut int_len, mut point_seen) = (0usize, 0i32, 0i32, false);
    for b in mantissa.bytes() {
        if b == b'.' {
            point_seen = true;
            continue;
        }
        if !point_seen {
            int_len += 1;
        }
        if k == 0 && b == b'0' {
            leading_zeros += 1;
            continue;
        }
        *digits.get_mut(k).ok_or(unformattable.clone())? = b;
        k += 1;
    }
    while k > 0 && digits.get(k - 1) == Some(&b'0') {
        k -= 1;
    }
    let digits = std::str::from_utf8(digits.get(..k).ok_or(unformattable.clone())?)
        .map_err(|_| unformattable.clone())?;
    let n = int_len - leading_zeros + exponent;
    let k = k as i32;
    if k <= n && n <= 21 {
        out.push_str(digits);
        out.extend(std::iter::repeat('0').take((n - k) as usize));
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at_checked(n as usize).ok_or(unformattable)?;
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat('0').take((-n) as usize));
        out.push_str(digits);
    } else {
        let (first, rest) = digits.split_at_checked(1).ok_or(unformattable)?;
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let e = n - 1;
        out.push_str(if e < 0 { "e-" } else { "e+" });
        out.push_str(itoa::Buffer::new().format(e.unsigned_abs()));
    }
    Ok(())
}

/// Writes one JSON object canonically, member by member, without a `Value` tree: for types
/// whose members are known (the caller gives them in RFC 8785 order, 3.2.3; ASCII names, so
/// byte order is UTF-16 order, checked in debug builds).
pub(crate) struct ObjectWriter {
    out: String,
    last: &'static str,
}

impl ObjectWriter {
    /// An object about to receive its first member.
    pub(crate) fn new(capacity: usize) -> Self {
        let mut out = String::with_capacity(capacity);
        out.push('{');
        ObjectWriter { out, last: "" }
    }

    fn name(&mut self, name: &'static str) {
        debug_assert!(
            name.is_ascii() && name > self.last,
            "{name} after {}",
            self.last
        );
        if !self.last.is_empty() {
            self.out.push(',');
        }
        self.last = name;
        write_string(name, &mut self.out);
        self.out.push(':');
    }

    /// A string member.
    pub(crate) fn string(&mut self, name: &'static str, value: &str) {
        self.name(name);
        write_string(value, &mut self.out);
    }

    /// A number member (a finite double, as [`format_es_number`] writes it).
    pub(crate) fn number(&mut self, name: &'static str, value: f64) -> Result<()> {
        if !value.is_finite() {
            // Refused before its name is written: the object stays well formed.
            return write_es_number(value, &mut String::new());
        }
        self.name(name);
        write_es_number(value, &mut self.out)
    }

    /// An integer member, at most 2^53 (I-JSON, RFC 7493 2.2).
    pub(crate) fn integer(&mut self, name: &'static str, value: u64) -> Result<()> {
        if value > MAX_SAFE_INTEGER {
            return Err(Error::InvalidValue {
                what: "JSON integer beyond 2^53 cannot be canonicalized",
            });
        }
        self.name(name);
        self.out.push_str(itoa::Buffer::new().format(value));
        Ok(())
    }

    /// The object's text.
    pub(crate) fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_ecmascript() {
        // RFC 8785 Appendix B (IEEE-754 bit patterns -> expected JCS text).
        let cases: &[(u64, &str)] = &[
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for (bits, want) in cases {
            assert_eq!(
                format_es_number(f64::from_bits(*bits)).unwrap(),
                *want,
                "{bits:016x}"
            );
        }
        assert!(format_es_number(f64::NAN).is_err());
        assert!(format_es_number(f64::INFINITY).is_err());
        // Integers below 2^53 print as their decimal digits (the short path).
        for i in [
            1i64,
            -25,
            375,
            1_000_000_000_000_000,
            (1 << 53) - 1,
            -((1 << 53) - 1),
        ] {
            assert_eq!(format_es_number(i as f64).unwrap(), i.to_string());
        }
        assert_eq!(format_es_number(25.5).unwrap(), "25.5");
    }

    #[test]
    fn the_object_writer_refuses_what_has_no_canonical_form() {
        let mut w = ObjectWriter::new(16);
        assert_eq!(
            w.integer("a", MAX_SAFE_INTEGER + 1).unwrap_err().name(),
            "InvalidValue"
        );
        assert_eq!(w.number("b", f64::NAN).unwrap_err().name(), "InvalidValue");
        // A refused member writes nothing: the object stays well formed.
        w.integer("c", MAX_SAFE_INTEGER).unwrap();
        w.number("d", -0.5).unwrap();
        w.string("e", "\u{1}");
        assert_eq!(
            w.finish(),
            r#"{"c":9007199254740992,"d":-0.5,"e":"\u0001"}"#
        );
    }

    /// ECMA-262 6.1.6.1.20 from Rust's formatting: the shortest round-trip digit count k
    /// (`{:e}`), then x rounded exactly to k significant digits (`{:.*e}`, half-even): the
    /// closest k-digit decimal, laid out by steps 6-10.
    fn reference_es_number(x: f64) -> String {
        if x == 0.0 {
            return "0".to_owned();
        }
        if x < 0.0 {
            return format!("-{}", reference_es_number(-x));
        }
        let shortest = format!("{x:e}");
        let k_shortest = shortest
            .split('e')
            .next()
            .unwrap()
            .chars()
            .filter(char::is_ascii_digit)
            .count();
        let sci = format!("{:.*e}", k_shortest - 1, x);
        let (mantissa, exp) = sci.split_once('e').unwrap();
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let digits = digits.trim_end_matches('0');
        let (k, n) = (digits.len() as i32, exp.parse::<i32>().unwrap() + 1);
        if k <= n && n <= 21 {
            format!("{digits}{}", "0".repeat((n - k) as usize))
        } else if 0 < n && n <= 21 {
            format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
        } else if -6 < n && n <= 0 {
            format!("0.{}{digits}", "0".repeat((-n) as usize))
        } else {
            let (first, rest) = digits.split_at(1);
            let dot = if rest.is_empty() { "" } else { "." };
            let e = n - 1;
            let sign = if e < 0 { '-' } else { '+' };
            format!("{first}{dot}{rest}e{sign}{}", e.unsigned_abs())
        }
    }

    #[test]
    fn numbers_are_the_closest_shortest_digits() {
        // Random bit patterns (every magnitude), then decimals like coordinates and accuracies
        // (few digits, where a shortest form has several candidates), then integers past 2^53.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for i in 0..300_000u32 {
            let r = next();
            let x = match i % 3 {
                0 => f64::from_bits(r),
                1 => (r % 100_000_000) as f64 / 10f64.powi((r >> 40) as i32 % 12),
                _ => ((1u64 << 53) + (r >> 8)) as f64 * 10f64.powi((r >> 58) as i32),
            };
            if !x.is_finite() {
                continue;
            }
            assert_eq!(
                format_es_number(x).unwrap(),
                reference_es_number(x),
                "{x:e}"
            );
        }
    }

    #[test]
    fn numbers_round_trip() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = f64::from_bits(state);
            if !x.is_finite() {
                continue;
            }
            let s = format_es_number(x).unwrap();
            assert_eq!(
                s.parse::<f64>().unwrap(),
                if x == 0.0 { 0.0 } else { x },
                "{s}"
            );
        }
    }

    #[test]
    fn rfc8785_sorting_and_strings() {
        // RFC 8785, 3.2.3 (sorting example) and 3.2.4 (structure).
        let v: Value = serde_json::from_str(
            r#"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#,
        )
        .unwrap();
        let c = canonicalize(&v).unwrap();
        let order = [
            "\\r",
            "1",
            "\u{80}",
            "\u{f6}",
            "\u{20ac}",
            "\u{1f600}",
            "\u{fb33}",
        ];
        let mut last = 0;
        for k in order {
            let pos = c.find(&format!("\"{k}\":")).unwrap();
            assert!(pos >= last, "{k} out of order in {c}");
            last = pos;
        }
        let v: Value = serde_json::from_str(
            r#"{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}"#,
        )
        .unwrap();
        assert_eq!(
            canonicalize(&v).unwrap(),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
    }
}

//! The location event log format: a pure encoder and parser, no I/O (the agent's file is in
//! aegis-agent; a verifier parses the bytes it is handed with [`parse_log`]).
//!
//! Format (FORMATS.md, "Location evidence bound into a PCR"): JSON Lines, one RFC 8785
//! canonical object per line, each ending in `\n`:
//! `{"digest":hex,"event":{...},"nonce":hex,"prev":hex,"seq":n}` where `seq` counts from 0,
//! `prev` is SHA-256 of the previous line's bytes (including its `\n`; 32 zero bytes for the
//! first line) and `digest` is SHA-256(JCS(event) || nonce), the SHA-256 PCR recipe value.
//! A missing final `\n`, a line that does not parse, a sequence gap, a broken `prev` chain or
//! a wrong `digest` is `LocationLogCorrupt`: the log is never silently shortened or repaired.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{json, Value};

use super::{check_nonce, jcs, LocationEvent, LocationRecord, MAX_EVENTS};
use crate::error::{Error, Result};
use crate::json::hex_bytes;
use crate::tpm::HashAlg;

/// Longest line accepted (an event is far smaller).
const MAX_LINE: usize = 16 * 1024;

/// Where a log ends: the sequence number and `prev` hash its next line must carry.
///
/// [`LogChain::default`] is an empty log. Encoding a line does not advance the chain: the
/// writer advances it (takes the returned chain) only once the line is stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogChain {
    seq: u64,
    prev: [u8; 32],
}

impl LogChain {
    /// How many lines the log holds (the next line's `seq`).
    pub fn len(&self) -> u64 {
        self.seq
    }

    /// Whether the log holds no line.
    pub fn is_empty(&self) -> bool {
        self.seq == 0
    }

    /// The line that appends `record` to a log ending here, and the chain after that line.
    ///
    /// `CountOutOfRange` once the log holds [`MAX_EVENTS`] records.
    pub fn encode_next(&self, record: &LocationRecord) -> Result<(Vec<u8>, LogChain)> {
        let count = usize::try_from(self.seq).unwrap_or(usize::MAX);
        if count >= MAX_EVENTS {
            return Err(Error::CountOutOfRange {
                what: "location events",
                count: count.saturating_add(1),
                max: MAX_EVENTS,
            });
        }
        let event: Value =
            serde_json::from_str(record.canonical_json()).map_err(|_| Error::InvalidFormat {
                what: "location event JSON",
            })?;
        let v = json!({
            "seq": self.seq,
            "prev": hex::encode(self.prev),
            "event": event,
            "nonce": hex::encode(record.nonce()),
            "digest": hex::encode(record.digest(HashAlg::Sha256)),
        });
        let mut line = jcs::canonicalize(&v)?.into_bytes();
        line.push(b'\n');
        let next = LogChain {
            seq: self.seq + 1,
            prev: sha256(&line),
        };
        Ok((line, next))
    }
}

/// The bytes of a whole log holding `records`, oldest first (what an agent's log file holds).
pub fn encode_log(records: &[LocationRecord]) -> Result<Vec<u8>> {
    let mut chain = LogChain::default();
    let mut out = Vec::new();
    for r in records {
        let (line, next) = chain.encode_next(r)?;
        out.extend_from_slice(&line);
        chain = next;
    }
    Ok(out)
}

/// Parses a whole log (the bytes an agent sends a verifier) into records, checking every line
/// (see the module documentation).
pub fn parse_log(bytes: &[u8]) -> Result<Vec<LocationRecord>> {
    parse_lines(bytes, false).map(|(r, _)| r)
}

/// [`parse_log`], and where the log ends (for a writer that appends to it).
pub fn parse_log_chain(bytes: &[u8]) -> Result<(Vec<LocationRecord>, LogChain)> {
    parse_lines(bytes, true)
}

/// The records of a log and, with `chain`, where it ends. Without `chain` the last line is not
/// hashed (only a line that another follows is some line's `prev`; the appraisal hashes its
/// lines this way), so the returned chain is not the log's end and the caller drops it.
fn parse_lines(bytes: &[u8], chain: bool) -> Result<(Vec<LocationRecord>, LogChain)> {
    let corrupt = |what: &'static str| Error::LocationLogCorrupt { what };
    let mut records = Vec::new();
    let mut prev = [0u8; 32];
    let mut rest = bytes;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|b| *b == b'\n')
            .ok_or(corrupt("last line is truncated (no newline)"))?;
        let (line_body, tail) = rest.split_at(end);
        let line_with_nl = rest.get(..=end).ok_or(corrupt("line bounds"))?;
        rest = tail.get(1..).unwrap_or_default();
        if line_with_nl.len() > MAX_LINE {
            return Err(corrupt("line too long"));
        }
        if records.len() >= MAX_EVENTS {
            return Err(Error::CountOutOfRange {
                what: "location events",
                count: records.len() + 1,
                max: MAX_EVENTS,
            });
        }
        let text = std::str::from_utf8(line_body).map_err(|_| corrupt("line is not UTF-8"))?;
        let seq = records.len() as u64;
        let record = match exact_line(text, seq, &prev) {
            Some(record) => record,
            None => checked_line(text, seq, &prev)?,
        };
        if chain || !rest.is_empty() {
            prev = sha256(line_with_nl);
        }
        records.push(record);
    }
    let chain = LogChain {
        seq: records.len() as u64,
        prev,
    };
    Ok((records, chain))
}

/// A log line's members, as [`LogChain::encode_next`] writes them (`event` typed).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireLine<'a> {
    #[serde(borrow)]
    digest: Cow<'a, str>,
    event: LocationEvent,
    #[serde(borrow)]
    nonce: Cow<'a, str>,
    #[serde(borrow)]
    prev: Cow<'a, str>,
    seq: u64,
}

/// The record of line `text` when the line is exactly what a writer at (`seq`, `prev`) writes:
/// its typed members, re-written canonically, give `text` byte for byte, and the digest
/// matches. One typed parse and one canonical write of the event; `None` at any difference,
/// and then [`checked_line`] names the fault.
///
/// Byte equality with the canonical form is what [`checked_line`] establishes step by step:
/// the hex members are checked hex (so written verbatim they need no escaping), the event is
/// written by [`LocationEvent::canonical_json`] (the form [`LocationRecord::from_parts`]
/// requires) and `seq` is a small integer.
fn exact_line(text: &str, seq: u64, prev: &[u8; 32]) -> Option<LocationRecord> {
    let line: WireLine<'_> = serde_json::from_str(text).ok()?;
    if line.seq != seq || hex_bytes(&*line.prev)? != prev.as_slice() {
        return None;
    }
    let nonce = hex_bytes(&*line.nonce)?;
    let digest = hex_bytes(&*line.digest)?;
    check_nonce(&nonce).ok()?;
    let canonical = line.event.canonical_json().ok()?;
    // `text` is {"digest":"<digest>","event":<canonical>,"nonce":"<nonce>","prev":"<prev>",
    // "seq":<seq>}, compared piece by piece.
    let mut seq_text = itoa::Buffer::new();
    let pieces: [&str; 11] = [
        r#"{"digest":""#,
        &line.digest,
        r#"","event":"#,
        &canonical,
        r#","nonce":""#,
        &line.nonce,
        r#"","prev":""#,
        &line.prev,
        r#"","seq":"#,
        seq_text.format(seq),
        "}",
    ];
    let mut rest = text;
    for piece in pieces {
        rest = rest.strip_prefix(piece)?;
    }
    if !rest.is_empty() {
        return None;
    }
    let record = LocationRecord {
        canonical,
        event: line.event,
        nonce,
    };
    (*record.extend_value(HashAlg::Sha256) == *digest).then_some(record)
}

/// Line `text` checked step by step (any member order or form), each fault named: the line is
/// canonical JSON, an object of exactly the five members, `seq` is `expected_seq`, `prev` is
/// the previous line's hash, the event is a valid event in canonical form and the digest is
/// `H(JCS(event) || nonce)`.
fn checked_line(text: &str, expected_seq: u64, prev: &[u8; 32]) -> Result<LocationRecord> {
    let corrupt = |what: &'static str| Error::LocationLogCorrupt { what };
    let v: Value = serde_json::from_str(text).map_err(|_| corrupt("line is not JSON"))?;
    if jcs::canonicalize(&v).ok().as_deref() != Some(text) {
        return Err(corrupt("line is not RFC 8785 canonical JSON"));
    }
    let obj = v.as_object().ok_or(corrupt("line is not a JSON object"))?;
    if obj.len() != 5 {
        return Err(corrupt("line has unexpected members"));
    }
    let seq = obj
        .get("seq")
        .and_then(Value::as_u64)
        .ok_or(corrupt("seq missing"))?;
    if seq != expected_seq {
        return Err(corrupt("sequence number gap or repeat"));
    }
    let hex_field = |name: &str| -> Result<Vec<u8>> {
        let s = obj
            .get(name)
            .and_then(Value::as_str)
            .ok_or(corrupt("hex field missing"))?;
        hex::decode(s).map_err(|_| corrupt("hex field is not hex"))
    };
    if hex_field("prev")? != prev.as_slice() {
        return Err(corrupt("previous-line hash chain broken"));
    }
    let nonce = hex_field("nonce")?;
    let digest = hex_field("digest")?;
    let event = obj.get("event").ok_or(corrupt("event missing"))?;
    let canonical = jcs::canonicalize(event)?;
    let record = LocationRecord::from_parts(&canonical, &nonce)?;
    if record.digest(HashAlg::Sha256) != digest {
        return Err(corrupt("digest does not match the event and nonce"));
    }
    Ok(record)
}

fn sha256(b: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&HashAlg::Sha256.digest(b));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(lat: f64, nonce: &[u8]) -> LocationRecord {
        let e = LocationEvent {
            latitude: lat,
            ..LocationEvent::sample()
        };
        LocationRecord::new(e, nonce).unwrap()
    }

    #[test]
    fn encode_then_parse_round_trips_and_chains() {
        let records = vec![record(1.0, b"n1"), record(2.0, b"n2")];
        let bytes = encode_log(&records).unwrap();
        let (parsed, chain) = parse_log_chain(&bytes).unwrap();
        assert_eq!(parsed, records);
        assert_eq!(chain.len(), 2);
        // Appending through the chain gives the same bytes as encoding the whole log.
        let (line, after) = chain.encode_next(&record(3.0, b"n3")).unwrap();
        let mut appended = bytes.clone();
        appended.extend_from_slice(&line);
        let all = vec![record(1.0, b"n1"), record(2.0, b"n2"), record(3.0, b"n3")];
        assert_eq!(appended, encode_log(&all).unwrap());
        assert_eq!(parse_log_chain(&appended).unwrap().1, after);
        assert!(LogChain::default().is_empty());
    }

    #[test]
    fn a_full_log_takes_no_more() {
        let full = LogChain {
            seq: MAX_EVENTS as u64,
            prev: [0; 32],
        };
        assert!(matches!(
            full.encode_next(&record(1.0, b"n")),
            Err(Error::CountOutOfRange { .. })
        ));
    }

    #[test]
    fn the_exact_form_path_accepts_what_the_checked_path_accepts() {
        let first = encode_log(&[record(46.2044, b"n1")]).unwrap();
        let line = String::from_utf8(first[..first.len() - 1].to_vec()).unwrap();
        let digest = hex::encode(record(46.2044, b"n1").digest(HashAlg::Sha256));
        let variants = [
            line.clone(),
            // Upper-case hex is still canonical JSON and still hex.
            line.replace(&digest, &digest.to_uppercase()),
            line.replacen('{', "{ ", 1),
            line.replace(r#""seq":0"#, r#""seq":1"#),
            line.replace(r#""seq":0"#, r#""seq":0,"x":1"#),
            line.replace(r#""nonce":"6e31""#, r#""nonce":"""#),
            line.replace(r#""nonce":"6e31""#, r#""nonce":"6e32""#),
            line.replace(&digest, &"00".repeat(32)),
            line.replace(&"00".repeat(32), &"11".repeat(32)),
            line.replace(r#""accuracy_m":25"#, r#""accuracy_m":25.0"#),
            line.replace(r#""accuracy_m":25"#, r#""accuracy_m":25,"extra":1"#),
            line.replace("aegis-fixed-sample", r"aegis-fixed-s\u0061mple"),
            line.replace(
                r#""latitude":46.2044"#,
                r#""latitude":46.2044,"latitude":46.2044"#,
            ),
        ];
        let mut accepted = 0;
        for text in &variants {
            let exact = exact_line(text, 0, &[0; 32]);
            let checked = checked_line(text, 0, &[0; 32]);
            assert_eq!(exact.is_some(), checked.is_ok(), "{text}");
            if let (Some(e), Ok(c)) = (exact, checked) {
                assert_eq!(e, c);
                accepted += 1;
            }
        }
        assert_eq!(accepted, 2);
    }
}

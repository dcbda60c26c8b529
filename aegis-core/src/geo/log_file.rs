//! The agent's append-only location event log, in a file the caller names.
//!
//! aegis-core does no I/O of its own (ARCHITECTURE.md): this type touches exactly the one path
//! its caller hands to [`LocationLogFile::open`], nothing else.
//!
//! Format: JSON Lines, one RFC 8785 canonical object per line, each ending in `\n`:
//! `{"digest":hex,"event":{...},"nonce":hex,"prev":hex,"seq":n}` where `seq` counts from 0,
//! `prev` is SHA-256 of the previous line's bytes (including its `\n`; 32 zero bytes for the
//! first line) and `digest` is SHA-256(JCS(event) || nonce), the SHA-256 PCR recipe value.
//! A missing final `\n`, a line that does not parse, a sequence gap, a broken `prev` chain or
//! a wrong `digest` is `LocationLogCorrupt`: the log is never silently shortened or repaired.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{jcs, LocationRecord, MAX_EVENTS};
use crate::error::{Error, Result};
use crate::tpm::HashAlg;

/// Longest line accepted (an event is far smaller).
const MAX_LINE: usize = 16 * 1024;

/// An append-only, fsync-on-append location event log file.
#[derive(Debug)]
pub struct LocationLogFile {
    path: PathBuf,
    file: File,
    records: Vec<LocationRecord>,
    prev: [u8; 32],
}

impl LocationLogFile {
    /// Opens the log at `path`, creating an empty one if it does not exist, and checks every
    /// line already in it (a log survives restarts; a damaged one is an error).
    pub fn open(path: &Path) -> Result<Self> {
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io("open location log"))?;
        if !existed {
            file.sync_all().map_err(io("sync new location log"))?;
            sync_parent(path);
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(io("read location log"))?;
        let (records, prev) = parse_lines(&bytes)?;
        Ok(LocationLogFile {
            path: path.to_path_buf(),
            file,
            records,
            prev,
        })
    }

    /// Appends `record` and waits until it is on stable storage (fsync) before returning.
    pub fn append(&mut self, record: &LocationRecord) -> Result<()> {
        if self.records.len() >= MAX_EVENTS {
            return Err(Error::CountOutOfRange {
                what: "location events",
                count: self.records.len() + 1,
                max: MAX_EVENTS,
            });
        }
        let line = encode_line(self.records.len() as u64, &self.prev, record)?;
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(io("append to location log"))?;
        self.prev = sha256(line.as_bytes());
        self.records.push(record.clone());
        Ok(())
    }

    /// Starts the log afresh after a TPM reset (FORMATS.md: the log covers the PCR since its
    /// reset), keeping the old one: the file is hard-linked to the first free `<path>.<n>`
    /// (n = 1, 2, ...), then an empty file replaces it (written beside it, fsynced, renamed over
    /// it, directory fsynced). A crash at any point leaves either the old log or the new empty
    /// one at `path`, the old one always kept. Returns the archive's path.
    pub fn start_new(&mut self) -> Result<PathBuf> {
        let mut n = 1u32;
        let archive = loop {
            let candidate = suffixed(&self.path, &n.to_string());
            match std::fs::hard_link(&self.path, &candidate) {
                Ok(()) => break candidate,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100_000 => n += 1,
                Err(e) => return Err(io("archive location log")(e)),
            }
        };
        let fresh = suffixed(&self.path, "new");
        File::create(&fresh)
            .and_then(|f| f.sync_all())
            .map_err(io("create new location log"))?;
        std::fs::rename(&fresh, &self.path).map_err(io("replace location log"))?;
        sync_parent(&self.path);
        self.file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&self.path)
            .map_err(io("open new location log"))?;
        self.records.clear();
        self.prev = [0; 32];
        Ok(archive)
    }

    /// Every record in the log, oldest first (what the verifier replays).
    pub fn records(&self) -> &[LocationRecord] {
        &self.records
    }

    /// The path this log was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// An I/O failure of `what`, as a backend error (the log file is the agent's storage).
fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> Error {
    move |e| Error::Backend {
        what,
        detail: e.to_string(),
    }
}

/// `path` with `.suffix` appended to its file name.
fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Makes a new or replaced directory entry of `path` durable (POSIX: fsync the directory);
/// best effort, as some filesystems refuse to open a directory for it.
fn sync_parent(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// Parses a whole log (the file's bytes, as an agent sends them to a verifier) into records,
/// with every check [`LocationLogFile::open`] applies. No I/O.
pub fn parse_log(bytes: &[u8]) -> Result<Vec<LocationRecord>> {
    parse_lines(bytes).map(|(r, _)| r)
}

fn sha256(b: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&HashAlg::Sha256.digest(b));
    out
}

fn encode_line(seq: u64, prev: &[u8; 32], record: &LocationRecord) -> Result<String> {
    let event: Value =
        serde_json::from_str(record.canonical_json()).map_err(|_| Error::InvalidFormat {
            what: "location event JSON",
        })?;
    let v = json!({
        "seq": seq,
        "prev": hex::encode(prev),
        "event": event,
        "nonce": hex::encode(record.nonce()),
        "digest": hex::encode(record.digest(HashAlg::Sha256)),
    });
    let mut line = jcs::canonicalize(&v)?;
    line.push('\n');
    Ok(line)
}

fn parse_lines(bytes: &[u8]) -> Result<(Vec<LocationRecord>, [u8; 32])> {
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
        if seq != records.len() as u64 {
            return Err(corrupt("sequence number gap or repeat"));
        }
        let hex_field = |name: &str| -> Result<Vec<u8>> {
            let s = obj
                .get(name)
                .and_then(Value::as_str)
                .ok_or(corrupt("hex field missing"))?;
            hex::decode(s).map_err(|_| corrupt("hex field is not hex"))
        };
        if hex_field("prev")? != prev {
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
        prev = sha256(line_with_nl);
        records.push(record);
    }
    Ok((records, prev))
}

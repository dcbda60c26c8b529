//! The agent's append-only location event log, in a file the caller names.
//!
//! This type touches exactly the one path its caller hands to [`LocationLogFile::open`] (and
//! the archives beside it, [`LocationLogFile::start_new`]), nothing else. The format, its
//! encoder and its parser are aegis-core's ([`aegis_core::geo::log_format`]): the file holds
//! exactly the bytes a verifier parses with [`aegis_core::geo::parse_log`], and a line that
//! does not parse, a sequence gap, a broken `prev` chain or a wrong `digest` is
//! `LocationLogCorrupt` on open: the log is never silently shortened or repaired.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use aegis_core::error::{Error, Result};
use aegis_core::geo::{parse_log_chain, LocationRecord, LogChain};

/// An append-only, fsync-on-append location event log file.
#[derive(Debug)]
pub struct LocationLogFile {
    path: PathBuf,
    file: File,
    records: Vec<LocationRecord>,
    chain: LogChain,
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
        let (records, chain) = parse_log_chain(&bytes)?;
        Ok(LocationLogFile {
            path: path.to_path_buf(),
            file,
            records,
            chain,
        })
    }

    /// Appends `record` and waits until it is on stable storage (fsync) before returning.
    /// At most [`aegis_core::geo::MAX_EVENTS`] records (`CountOutOfRange` beyond).
    pub fn append(&mut self, record: &LocationRecord) -> Result<()> {
        let (line, next) = self.chain.encode_next(record)?;
        self.file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
            .map_err(io("append to location log"))?;
        self.chain = next;
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
        self.chain = LogChain::default();
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

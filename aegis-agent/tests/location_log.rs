//! Location evidence on the agent: the append-only log file, recording into PCR 15, and the
//! verifier's replay of what was recorded (VERIFIER-CHECKS.md item 16), on the software backend.
//! (The recipe and the log format's parser alone are tested in aegis-core's geo_log.rs.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write;
use std::path::PathBuf;

use aegis_agent::backend::software::SoftwareTpm;
use aegis_agent::backend::{AkSpec, TpmBackend};
use aegis_agent::{record_location, LocationLogFile, RecordedLocation};
use aegis_core::crypto::default_provider;
use aegis_core::geo::{self, LocationEvent, LocationRecord};
use aegis_core::tpm::HashAlg;
use aegis_core::verify::{verify_quote, AttestationKey, KeyPolicy, QuotePolicy, VerifiedQuote};
use aegis_core::Error;

struct TempDir(PathBuf);
impl TempDir {
    fn new(tag: &str) -> Self {
        let mut b = [0u8; 8];
        default_provider().random(&mut b).unwrap();
        let p = std::env::temp_dir().join(format!("aegis-{tag}-{}", hex::encode(b)));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn reading(lat: f64) -> LocationEvent {
    LocationEvent {
        latitude: lat,
        ..LocationEvent::sample()
    }
}

/// `record_location` of a reading at latitude `lat` into PCR 15 (SHA-256).
fn record(
    tpm: &mut SoftwareTpm,
    log: &mut LocationLogFile,
    lat: f64,
    nonce: &[u8],
) -> aegis_core::Result<RecordedLocation> {
    record_location(tpm, log, 15, HashAlg::Sha256, reading(lat), nonce)
}

#[test]
fn log_file_survives_restart_and_refuses_damage() {
    let dir = TempDir::new("geolog");
    let path = dir.0.join("location.log");
    {
        let mut log = LocationLogFile::open(&path).unwrap();
        assert!(log.records().is_empty());
        log.append(&LocationRecord::new(reading(1.0), b"n1").unwrap())
            .unwrap();
        log.append(&LocationRecord::new(reading(2.0), b"n2").unwrap())
            .unwrap();
    }
    // Restart: the records are back and appending continues the sequence.
    let mut log = LocationLogFile::open(&path).unwrap();
    assert_eq!(log.records().len(), 2);
    assert_eq!(log.records()[1].event().latitude, 2.0);
    log.append(&LocationRecord::new(reading(3.0), b"n3").unwrap())
        .unwrap();
    drop(log);
    let good = std::fs::read(&path).unwrap();
    assert_eq!(geo::parse_log(&good).unwrap().len(), 3);

    let reopen_err = |bytes: &[u8]| {
        std::fs::write(&path, bytes).unwrap();
        LocationLogFile::open(&path).unwrap_err()
    };
    // Truncated mid-line.
    assert!(matches!(
        reopen_err(&good[..good.len() - 5]),
        Error::LocationLogCorrupt { .. }
    ));
    // A middle line removed: the chain and sequence break.
    let lines: Vec<&[u8]> = good.split_inclusive(|b| *b == b'\n').collect();
    let without_middle = [lines[0], lines[2]].concat();
    assert!(matches!(
        reopen_err(&without_middle),
        Error::LocationLogCorrupt { .. }
    ));
    // One byte of an event changed (latitude 2 -> 7): the digest check fails.
    let mut flipped = good.clone();
    let pos = lines[0].len()
        + String::from_utf8_lossy(lines[1])
            .find("\"latitude\":2")
            .unwrap()
        + 11;
    flipped[pos] = b'7';
    assert!(matches!(
        reopen_err(&flipped),
        Error::LocationLogCorrupt { .. }
    ));
    // Garbage appended.
    let mut junk = good.clone();
    junk.extend_from_slice(b"{not json}\n");
    assert!(matches!(
        reopen_err(&junk),
        Error::LocationLogCorrupt { .. }
    ));
    // The intact log still opens (nothing was repaired behind our back).
    std::fs::write(&path, &good).unwrap();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.flush().unwrap();
    assert_eq!(LocationLogFile::open(&path).unwrap().records().len(), 3);
}

struct Agent {
    tpm: SoftwareTpm,
    ak: aegis_agent::TpmKey,
    _dir: TempDir,
    log: LocationLogFile,
}

fn agent() -> Agent {
    let mut tpm = SoftwareTpm::new_insecure().unwrap();
    let ak = tpm.create_ak(&AkSpec::default()).unwrap();
    let dir = TempDir::new("geoagent");
    let log = LocationLogFile::open(&dir.0.join("loc.log")).unwrap();
    Agent {
        tpm,
        ak,
        _dir: dir,
        log,
    }
}

fn quote(a: &mut Agent, nonce: &[u8]) -> VerifiedQuote {
    let sel = geo::location_selection(15, HashAlg::Sha256).unwrap();
    let q = a.tpm.quote(&a.ak, &sel, nonce).unwrap();
    let ak = AttestationKey::from_public(a.ak.public().clone(), &KeyPolicy::default()).unwrap();
    let mut policy = QuotePolicy::default();
    policy.required_pcrs.push(HashAlg::Sha256, 15);
    verify_quote(
        default_provider(),
        &ak,
        &q.attest,
        &q.signature,
        &q.pcrs,
        nonce,
        &policy,
    )
    .unwrap()
}

#[test]
fn replay_matches_quoted_pcr_and_binds_the_nonce() {
    let mut a = agent();
    record(&mut a.tpm, &mut a.log, 10.0, b"old-nonce").unwrap();
    record(&mut a.tpm, &mut a.log, 11.0, b"fresh-nonce").unwrap();
    let vq = quote(&mut a, b"fresh-nonce");
    let records = a.log.records().to_vec();
    let v = geo::verify_location_log(&records, &vq, 15, HashAlg::Sha256, b"fresh-nonce").unwrap();
    assert_eq!(v.current().latitude, 11.0);
    assert_eq!(v.records().len(), 2);

    // Item 16 negatives, each with its own error.
    assert_eq!(
        geo::verify_location_log(&records[..1], &vq, 15, HashAlg::Sha256, b"fresh-nonce")
            .unwrap_err(),
        Error::LocationLogMismatch
    );
    let forged = vec![
        records[0].clone(),
        LocationRecord::new(reading(12.0), b"fresh-nonce").unwrap(),
    ];
    assert_eq!(
        geo::verify_location_log(&forged, &vq, 15, HashAlg::Sha256, b"fresh-nonce").unwrap_err(),
        Error::LocationLogMismatch
    );
    assert_eq!(
        geo::verify_location_log(&records, &vq, 15, HashAlg::Sha256, b"other-nonce").unwrap_err(),
        Error::LocationNonceMismatch
    );
    assert_eq!(
        geo::verify_location_log(&records, &vq, 16, HashAlg::Sha256, b"fresh-nonce").unwrap_err(),
        Error::RequiredPcrMissing {
            bank: HashAlg::Sha256.alg_id(),
            index: 16
        }
    );
    // The log file's bytes parse to the same records the verifier replays.
    let from_file = geo::parse_log(&std::fs::read(a.log.path()).unwrap()).unwrap();
    assert_eq!(from_file, records);
}

#[test]
fn stale_last_event_is_refused_even_when_replay_matches() {
    let mut a = agent();
    record(&mut a.tpm, &mut a.log, 10.0, b"yesterday").unwrap();
    let vq = quote(&mut a, b"today");
    let records = a.log.records().to_vec();
    assert_eq!(
        geo::verify_location_log(&records, &vq, 15, HashAlg::Sha256, b"today").unwrap_err(),
        Error::LocationNonceMismatch
    );
    // An empty log cannot be bound to any nonce.
    let mut b = agent();
    let vq = quote(&mut b, b"today");
    assert_eq!(
        geo::verify_location_log(&[], &vq, 15, HashAlg::Sha256, b"today").unwrap_err(),
        Error::LocationNonceMismatch
    );
}

#[test]
fn agent_refuses_to_extend_when_the_log_no_longer_describes_the_pcr() {
    let mut a = agent();
    record(&mut a.tpm, &mut a.log, 10.0, b"n1").unwrap();
    // Someone else extends PCR 15: the log can no longer replay to it.
    a.tpm
        .pcr_extend(15, &[(HashAlg::Sha256, vec![1; 32])])
        .unwrap();
    assert_eq!(
        record(&mut a.tpm, &mut a.log, 11.0, b"n2").unwrap_err(),
        Error::LocationLogMismatch
    );
    assert_eq!(a.log.records().len(), 1, "nothing appended");
    let bytes = std::fs::read(a.log.path()).unwrap();
    assert_eq!(geo::parse_log(&bytes).unwrap().len(), 1, "file untouched");
}

#[test]
fn agent_starts_a_new_log_after_a_tpm_reset_and_keeps_the_old_one() {
    let mut a = agent();
    for (lat, nonce) in [(10.0, b"n1"), (11.0, b"n2")] {
        let r = record(&mut a.tpm, &mut a.log, lat, nonce).unwrap();
        assert_eq!(r.archived_log, None);
    }
    let old_bytes = std::fs::read(a.log.path()).unwrap();
    // The TPM is reset (a fresh software TPM: PCR 15 back to zero): the log no longer replays to
    // the PCR, which is at its reset value, so the agent archives it and starts a new one.
    a.tpm = SoftwareTpm::new_insecure().unwrap();
    a.ak = a.tpm.create_ak(&AkSpec::default()).unwrap();
    let r = record(&mut a.tpm, &mut a.log, 12.0, b"after-reset").unwrap();
    let archive = r.archived_log.expect("a new log was started");
    assert_eq!(archive, a.log.path().with_file_name("loc.log.1"));
    assert_eq!(
        std::fs::read(&archive).unwrap(),
        old_bytes,
        "old log kept as it was"
    );
    assert_eq!(a.log.records().len(), 1);
    // The new log verifies against a quote of the reset TPM; the archived one does not.
    let vq = quote(&mut a, b"after-reset");
    let fresh = geo::parse_log(&std::fs::read(a.log.path()).unwrap()).unwrap();
    assert_eq!(fresh, a.log.records());
    let v = geo::verify_location_log(&fresh, &vq, 15, HashAlg::Sha256, b"after-reset").unwrap();
    assert_eq!(v.current().latitude, 12.0);
    let old = geo::parse_log(&old_bytes).unwrap();
    assert_eq!(
        geo::verify_location_log(&old, &vq, 15, HashAlg::Sha256, b"after-reset").unwrap_err(),
        Error::LocationLogMismatch
    );
    // Reopened, the new log goes on from where it is; a second reset archives to the next name.
    let mut reopened = LocationLogFile::open(a.log.path()).unwrap();
    assert_eq!(reopened.records().len(), 1);
    let mut fresh_tpm = SoftwareTpm::new_insecure().unwrap();
    let r = record(&mut fresh_tpm, &mut reopened, 13.0, b"second-reset").unwrap();
    assert_eq!(
        r.archived_log.unwrap(),
        a.log.path().with_file_name("loc.log.2")
    );
    assert_eq!(reopened.records().len(), 1);
    assert!(
        !a.log.path().with_file_name("loc.log.new").exists(),
        "no temporary left"
    );
}

#[test]
fn a_log_that_cannot_be_archived_after_a_reset_changes_nothing() {
    let mut a = agent();
    record(&mut a.tpm, &mut a.log, 10.0, b"n1").unwrap();
    // The file vanishes under the agent (removed by hand): after a reset it cannot be kept, so
    // nothing is started, appended or extended.
    std::fs::remove_file(a.log.path()).unwrap();
    let mut fresh = SoftwareTpm::new_insecure().unwrap();
    let err = record(&mut fresh, &mut a.log, 11.0, b"n2").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Backend {
                what: "archive location log",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(a.log.records().len(), 1);
    assert!(!a.log.path().exists());
    let sel = geo::location_selection(15, HashAlg::Sha256).unwrap();
    let pcr = fresh.pcr_read(&sel).unwrap();
    assert_eq!(
        pcr.get(HashAlg::Sha256, 15).unwrap(),
        &[0u8; 32][..],
        "PCR untouched"
    );
}

//! Recording location evidence on the agent (FORMATS.md, "Location evidence bound into a PCR"):
//! a reading bound to the verifier's nonce is appended to the event log file, then its digest
//! `H(JCS(event) || nonce)` is extended into the location PCR (TPM2_PCR_Extend, TPM 2.0 Part 3,
//! 22.2). The verifier replays the log with aegis-core's [`aegis_core::geo::verify_location_log`].

use std::path::PathBuf;

use aegis_core::error::{Error, Result};
use aegis_core::geo::{location_selection, replay, LocationEvent, LocationRecord};
use aegis_core::tpm::HashAlg;
use subtle::ConstantTimeEq;

use crate::backend::TpmBackend;
use crate::log_file::LocationLogFile;

/// What [`record_location`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedLocation {
    /// The record appended and extended.
    pub record: LocationRecord,
    /// Where the previous log was kept when the TPM had been reset since it began (the PCR was
    /// back at its reset value), so that a new log was started first; `None` otherwise.
    pub archived_log: Option<PathBuf>,
}

/// Binds `event` to `nonce`, appends it to `log` (durably, before the PCR changes), then
/// extends its digest into PCR `pcr` of `bank` through `backend` (TPM2_PCR_Read, Part 3, 22.4,
/// then TPM2_PCR_Extend, 22.2).
///
/// Before anything changes, the log must replay to the PCR's current value. When it does not
/// and the PCR is at its reset value (all zeros: the TPM was reset since the log began, e.g. a
/// reboot), the log is started afresh first, the old one kept ([`LocationLogFile::start_new`];
/// FORMATS.md: the log covers the PCR since its reset). Any other difference (something else
/// extended the PCR) is `LocationLogMismatch` and nothing changes. The log is written before
/// the PCR: a failure between the two steps leaves a log entry the PCR lacks, which the verifier
/// reports as `LocationLogMismatch` rather than an unexplained PCR value.
pub fn record_location(
    backend: &mut dyn TpmBackend,
    log: &mut LocationLogFile,
    pcr: u8,
    bank: HashAlg,
    event: LocationEvent,
    nonce: &[u8],
) -> Result<RecordedLocation> {
    let record = LocationRecord::new(event, nonce)?;
    let selection = location_selection(pcr, bank)?;
    let current = backend.pcr_read(&selection)?;
    let now = current.get(bank, pcr).ok_or(Error::Backend {
        what: "PCR read",
        detail: "the TPM did not return the location PCR".to_owned(),
    })?;
    let mut archived_log = None;
    if !bool::from(replay(log.records(), bank)?.as_slice().ct_eq(now)) {
        // An empty log replays to the reset value, so a PCR there means a reset since the log
        // began; any other value means someone else extended it.
        let at_reset_value = bool::from(replay(&[], bank)?.as_slice().ct_eq(now));
        if !at_reset_value {
            return Err(Error::LocationLogMismatch);
        }
        archived_log = Some(log.start_new()?);
    }
    log.append(&record)?;
    backend.pcr_extend(pcr, &[(bank, record.digest(bank))])?;
    Ok(RecordedLocation {
        record,
        archived_log,
    })
}

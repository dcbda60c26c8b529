//! Wire formats of existing systems (FORMATS.md): the tpm2-tools PCR file, Aegis's PCR JSON,
//! the Keylime quote string, the AegisSovereignAI proof of concept's SovereignAttestation and
//! PCR 15 recipe, and format detection for files.

pub mod keylime;
pub mod pcr_file;
pub mod pcr_json;
pub mod sovereign;

/// Moved to [`crate::keys::public_key_to_spki_der`] (SubjectPublicKeyInfo is no other tool's
/// wire format); re-exported here until its callers move.
pub use crate::keys::public_key_to_spki_der;

use crate::error::Result;
use crate::tpm::PcrValues;

/// Reads PCR values given as a tpm2-tools PCR file or as the JSON form, told apart by content
/// (JSON starts with `{` after optional white space; a PCR file starts with a little-endian count).
pub fn read_pcrs(bytes: &[u8]) -> Result<PcrValues> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        pcr_json::parse(bytes)
    } else {
        Ok(pcr_file::parse(bytes)?.values)
    }
}

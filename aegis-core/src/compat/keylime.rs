//! The Keylime quote string (FORMATS.md): "r" + b64(TPMS_ATTEST) + ":" + b64(TPMT_SIGNATURE)
//! + ":" + b64(tpm2-tools PCR file).

use base64::Engine;

use crate::error::{Error, Result};

/// The three binary parts of a Keylime quote string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeylimeQuote {
    /// The TPMS_ATTEST bytes (Part 2, 10.12.12), base64-decoded, not yet parsed.
    pub attest: Vec<u8>,
    /// The TPMT_SIGNATURE bytes (Part 2, 11.3.4), base64-decoded, not yet parsed.
    pub signature: Vec<u8>,
    /// The tpm2-tools PCR file bytes ([`super::pcr_file`]), base64-decoded, not yet parsed.
    pub pcr_file: Vec<u8>,
}

/// Splits and decodes a Keylime quote string.
pub fn parse(text: &str) -> Result<KeylimeQuote> {
    let body = text.trim().strip_prefix('r').ok_or(Error::InvalidFormat {
        what: "Keylime quote must start with 'r'",
    })?;
    let mut parts = body.split(':');
    let mut next = |what| -> Result<Vec<u8>> {
        let part = parts.next().ok_or(Error::InvalidFormat { what })?;
        base64::engine::general_purpose::STANDARD
            .decode(part)
            .map_err(|_| Error::InvalidFormat { what })
    };
    let attest = next("Keylime quote: TPMS_ATTEST part")?;
    let signature = next("Keylime quote: TPMT_SIGNATURE part")?;
    let pcr_file = next("Keylime quote: PCR part")?;
    if parts.next().is_some() {
        return Err(Error::InvalidFormat {
            what: "Keylime quote has more than three parts",
        });
    }
    Ok(KeylimeQuote {
        attest,
        signature,
        pcr_file,
    })
}

/// Builds a Keylime quote string.
pub fn encode(q: &KeylimeQuote) -> String {
    let e = base64::engine::general_purpose::STANDARD;
    format!(
        "r{}:{}:{}",
        e.encode(&q.attest),
        e.encode(&q.signature),
        e.encode(&q.pcr_file)
    )
}

//! PCRs of the software TPM: SHA-1, SHA-256 and SHA-384 banks of 24 PCRs, read as TPM2_PCR_Read
//! (TPM 2.0 Part 3, 22.4) and extended as TPM2_PCR_Extend (22.2): `pcr = H(pcr || digest)`.

use aegis_core::error::{Error, Result};
use aegis_core::tpm::{HashAlg, PcrSelection, PcrValues, PCR_COUNT};

use super::SoftwareTpm;

impl SoftwareTpm {
    /// TPM2_PCR_Read of `selection`.
    pub(super) fn read_pcrs(&self, selection: &PcrSelection) -> Result<PcrValues> {
        let mut out = PcrValues::default();
        for bank in &selection.banks {
            let values = self.pcrs.get(&bank.hash).ok_or(Error::Backend {
                what: "PCR read",
                detail: format!("no {} bank", bank.hash.name()),
            })?;
            for i in bank.indices() {
                let v = values
                    .get(usize::from(i))
                    .ok_or(Error::InvalidArgument { what: "PCR index" })?;
                out.insert(bank.hash, i, v.clone())?;
            }
        }
        Ok(out)
    }

    /// TPM2_PCR_Extend of PCR `index` with one digest per listed bank.
    pub(super) fn extend_pcr(&mut self, index: u8, digests: &[(HashAlg, Vec<u8>)]) -> Result<()> {
        if index >= PCR_COUNT {
            return Err(Error::InvalidArgument {
                what: "PCR index must be below 24",
            });
        }
        for (bank, d) in digests {
            if d.len() != bank.digest_size() {
                return Err(Error::InvalidArgument {
                    what: "extend digest size differs from the bank's",
                });
            }
            if !self.pcrs.contains_key(bank) {
                return Err(Error::Backend {
                    what: "PCR extend",
                    detail: format!("no {} bank", bank.name()),
                });
            }
        }
        for (bank, d) in digests {
            if let Some(v) = self
                .pcrs
                .get_mut(bank)
                .and_then(|b| b.get_mut(usize::from(index)))
            {
                *v = bank.digest_parts(&[v, d]);
            }
        }
        Ok(())
    }
}

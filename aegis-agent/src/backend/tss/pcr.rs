//! PCRs: TPM2_PCR_Read (TPM 2.0 Part 3, 22.4; at most 8 digests a call, so it is repeated until
//! the selection is read) and TPM2_PCR_Extend (22.2, one digest per bank).

use aegis_core::error::{Error, Result};
use aegis_core::tpm::{HashAlg, PcrSelection, PcrValues, PCR_COUNT};
use tss_esapi::handles::PcrHandle;
use tss_esapi::structures::{Digest, DigestValues};

use super::convert::{hash_to_tss, to_tss_selection};
use super::{tss, TssBackend};

const PCR_HANDLES: [PcrHandle; 24] = [
    PcrHandle::Pcr0,
    PcrHandle::Pcr1,
    PcrHandle::Pcr2,
    PcrHandle::Pcr3,
    PcrHandle::Pcr4,
    PcrHandle::Pcr5,
    PcrHandle::Pcr6,
    PcrHandle::Pcr7,
    PcrHandle::Pcr8,
    PcrHandle::Pcr9,
    PcrHandle::Pcr10,
    PcrHandle::Pcr11,
    PcrHandle::Pcr12,
    PcrHandle::Pcr13,
    PcrHandle::Pcr14,
    PcrHandle::Pcr15,
    PcrHandle::Pcr16,
    PcrHandle::Pcr17,
    PcrHandle::Pcr18,
    PcrHandle::Pcr19,
    PcrHandle::Pcr20,
    PcrHandle::Pcr21,
    PcrHandle::Pcr22,
    PcrHandle::Pcr23,
];

impl TssBackend {
    /// TPM2_PCR_Read of `selection`, in as many calls as the TPM needs.
    pub(super) fn read_pcrs(&mut self, selection: &PcrSelection) -> Result<PcrValues> {
        let mut list = to_tss_selection(selection)?;
        let mut out = PcrValues::default();
        // TPM2_PCR_Read returns at most 8 digests per call: read until the selection is empty.
        let mut rounds = 0;
        while !list.is_empty() {
            rounds += 1;
            if rounds > 2 * usize::from(PCR_COUNT) {
                return Err(Error::Backend {
                    what: "TPM2_PCR_Read",
                    detail: "TPM made no progress".to_owned(),
                });
            }
            let (_, read, digests) = self
                .ctx
                .execute_without_session(|c| c.pcr_read(list.clone()))
                .map_err(tss("TPM2_PCR_Read"))?;
            let mut values = digests.value().iter();
            for sel in read.get_selections() {
                let bank = HashAlg::from_alg_id(
                    u16::from(tss_esapi::constants::AlgorithmIdentifier::from(
                        sel.hashing_algorithm(),
                    )),
                    "PCR bank",
                )?;
                for slot in sel.selected() {
                    let index = u32::from(slot).trailing_zeros() as u8;
                    let d = values.next().ok_or(Error::Backend {
                        what: "TPM2_PCR_Read",
                        detail: "fewer digests than selected".to_owned(),
                    })?;
                    out.insert(bank, index, d.value().to_vec())?;
                }
            }
            if read.is_empty() {
                return Err(Error::Backend {
                    what: "TPM2_PCR_Read",
                    detail: "selection not available (bank not allocated?)".to_owned(),
                });
            }
            list.subtract(&read).map_err(tss("PCR selection"))?;
        }
        Ok(out)
    }

    /// TPM2_PCR_Extend of PCR `index`.
    pub(super) fn extend_pcr(&mut self, index: u8, digests: &[(HashAlg, Vec<u8>)]) -> Result<()> {
        let handle = *PCR_HANDLES
            .get(usize::from(index))
            .ok_or(Error::InvalidArgument {
                what: "PCR index must be below 24",
            })?;
        let mut values = DigestValues::new();
        for (bank, d) in digests {
            if d.len() != bank.digest_size() {
                return Err(Error::InvalidArgument {
                    what: "extend digest size differs from the bank's",
                });
            }
            values.set(
                hash_to_tss(*bank),
                Digest::try_from(d.clone()).map_err(tss("digest"))?,
            );
        }
        self.ctx
            .execute_with_nullauth_session(|c| c.pcr_extend(handle, values))
            .map_err(tss("TPM2_PCR_Extend"))
    }
}

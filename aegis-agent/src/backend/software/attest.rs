//! Attestation by the software TPM: TPMS_ATTEST structures built as a TPM builds them and signed
//! by an AK, for TPM2_Certify (TPM 2.0 Part 3, 18.2) and TPM2_Quote (18.4). INSECURE (see the
//! parent module): the clock is this process's uptime and the firmware version is made up.

use aegis_core::error::{Error, Result};
use aegis_core::tpm::{
    st, Attest, AttestInfo, CertifyInfo, ClockInfo, Name, ObjectAttributes, PcrSelection,
    QuoteInfo, Scheme,
};

use super::SoftwareTpm;
use crate::backend::{AttestEvidence, KeyParent, QuoteEvidence, TpmKey};

/// TPM_RH_OWNER: the hierarchy the software App Keys are taken to live in (qualified Names).
const TPM_RH_OWNER: u32 = 0x4000_0001;

impl SoftwareTpm {
    fn clock_info(&self) -> ClockInfo {
        ClockInfo {
            clock: self.started.elapsed().as_millis() as u64,
            reset_count: 0,
            restart_count: 0,
            safe: true,
        }
    }

    /// The qualified Name of `key` (Part 1, 16.6): for an AK, under its parent EK, QN(AK) =
    /// H(QN(EK) || Name(AK)) with QN(EK) = H(TPM_RH_ENDORSEMENT || Name(EK)), as a TPM computes
    /// it for a child of its EK; for an App Key, as a child of the owner hierarchy (the software
    /// TPM has no SRK).
    fn qualified_name(&self, key: &TpmKey) -> Result<Name> {
        let (_, parent) = self.loaded(key)?;
        let parent_qualified = match parent {
            KeyParent::Ek(_) => self.ek_public.name().qualified_under_endorsement()?,
            KeyParent::Srk => Name::of_handle(TPM_RH_OWNER),
        };
        key.public().name().qualified_under(&parent_qualified)
    }

    /// The scheme of `key` if it is a restricted signing key (an AK); `InvalidArgument` otherwise.
    pub(super) fn check_ak(key: &TpmKey) -> Result<Scheme> {
        let a = key.public().attributes;
        if !a.has(ObjectAttributes::RESTRICTED | ObjectAttributes::SIGN_ENCRYPT) {
            return Err(Error::InvalidArgument {
                what: "not a restricted signing key",
            });
        }
        Ok(key.public().scheme())
    }

    /// A TPMS_ATTEST of `attest_type` signed by `ak` in its own scheme.
    fn attest(
        &self,
        ak: &TpmKey,
        extra_data: &[u8],
        attest_type: u16,
        info: AttestInfo,
    ) -> Result<AttestEvidence> {
        let scheme = Self::check_ak(ak)?;
        if extra_data.len() > 64 {
            return Err(Error::SizeOutOfRange {
                what: "qualifying data",
                size: extra_data.len(),
                max: 64,
            });
        }
        let attest = Attest::build(
            attest_type,
            self.qualified_name(ak)?,
            extra_data.to_vec(),
            self.clock_info(),
            0x2023_0001_0000_0000,
            info,
        )?;
        let hash = scheme.hash().ok_or(Error::InvalidArgument {
            what: "AK without a scheme hash",
        })?;
        let sig = self.sign_with(ak, &hash.digest(attest.as_bytes()), scheme)?;
        Ok(AttestEvidence {
            attest: attest.as_bytes().to_vec(),
            signature: sig.encode(),
        })
    }

    /// TPM2_Certify of `key` by `ak`.
    pub(super) fn certify_key(
        &self,
        key: &TpmKey,
        ak: &TpmKey,
        qualifying_data: &[u8],
    ) -> Result<AttestEvidence> {
        self.private(key)?;
        let info = AttestInfo::Certify(CertifyInfo {
            name: key.public().name(),
            qualified_name: self.qualified_name(key)?,
        });
        self.attest(ak, qualifying_data, st::ATTEST_CERTIFY, info)
    }

    /// TPM2_Quote of `selection` by `ak`, and the PCR values.
    pub(super) fn quote_pcrs(
        &self,
        ak: &TpmKey,
        selection: &PcrSelection,
        nonce: &[u8],
    ) -> Result<QuoteEvidence> {
        let hash = Self::check_ak(ak)?.hash().ok_or(Error::InvalidArgument {
            what: "AK without a scheme hash",
        })?;
        let pcrs = self.read_pcrs(selection)?;
        let mut concatenated = Vec::new();
        for bank in &selection.banks {
            for i in bank.indices() {
                concatenated.extend_from_slice(pcrs.get(bank.hash, i).unwrap_or_default());
            }
        }
        let info = AttestInfo::Quote(QuoteInfo {
            pcr_select: selection.clone(),
            pcr_digest: hash.digest(&concatenated),
        });
        let ev = self.attest(ak, nonce, st::ATTEST_QUOTE, info)?;
        Ok(QuoteEvidence {
            attest: ev.attest,
            signature: ev.signature,
            pcrs,
        })
    }
}

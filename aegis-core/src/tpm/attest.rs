//! TPMS_ATTEST (TCG Part 2, 10.12.12) with TPMS_CLOCK_INFO (10.11.1), TPMS_QUOTE_INFO (10.12.4)
//! and TPMS_CERTIFY_INFO (10.12.3).

use super::pcr::PcrSelection;
use super::wire::{Reader, Writer};
use super::{st, Name, MAX_DATA, MAX_DIGEST, MAX_NAME};
use crate::error::{Error, Result};

/// TPMS_CLOCK_INFO (Part 2, 10.11.1).
///
/// When a key in the Storage hierarchy signs, the TPM obfuscates `reset_count` and
/// `restart_count` (and TPMS_ATTEST.firmwareVersion) with a per-key value (Part 2, 10.12.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockInfo {
    /// Clock (10.11.2): milliseconds the TPM has been powered since TPM2_Clear; TPM2_ClockSet
    /// may advance it.
    pub clock: u64,
    /// resetCount (10.11.3): TPM Resets since the last TPM2_Clear.
    pub reset_count: u32,
    /// restartCount (10.11.4): TPM Restarts and Resumes since the last TPM Reset or TPM2_Clear.
    pub restart_count: u32,
    /// safe (10.11.5): YES means the TPM never reported a Clock greater than this one.
    pub safe: bool,
}

/// TPMS_QUOTE_INFO (Part 2, 10.12.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteInfo {
    /// TPMS_QUOTE_INFO.pcrSelect: the banks and PCRs quoted, in the order they were hashed.
    pub pcr_select: PcrSelection,
    /// TPMS_QUOTE_INFO.pcrDigest: the digest, with the signature's hash, of the selected PCR
    /// values concatenated in selection order.
    pub pcr_digest: Vec<u8>,
}

/// TPMS_CERTIFY_INFO (Part 2, 10.12.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertifyInfo {
    /// TPMS_CERTIFY_INFO.name: the Name of the certified object.
    pub name: Name,
    /// TPMS_CERTIFY_INFO.qualifiedName: the qualified Name of the certified object.
    pub qualified_name: Name,
}

/// TPMU_ATTEST (Part 2, 10.12.11) for the two types Aegis verifies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttestInfo {
    /// type TPM_ST_ATTEST_QUOTE: made by TPM2_Quote.
    Quote(QuoteInfo),
    /// type TPM_ST_ATTEST_CERTIFY: made by TPM2_Certify.
    Certify(CertifyInfo),
    /// Another attestation type; only produced by the verifier's internal parse, so that a
    /// signed structure of another type is reported as `WrongAttestationType`.
    Other {
        /// The TPMS_ATTEST.type received (a TPM_ST value).
        tag: u16,
    },
}

/// TPMS_ATTEST (Part 2, 10.12.12), with the exact bytes it was parsed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attest {
    raw: Vec<u8>,
    /// TPMS_ATTEST.magic: [`TPM_GENERATED_VALUE`](super::TPM_GENERATED_VALUE) when a TPM made
    /// it; decoded here, judged by the verifiers.
    pub magic: u32,
    /// TPMS_ATTEST.type (TPMI_ST_ATTEST, 10.12.10): a [`st`] value.
    pub attest_type: u16,
    /// TPMS_ATTEST.qualifiedSigner: the qualified Name of the signing key.
    pub qualified_signer: Name,
    /// TPMS_ATTEST.extraData: the caller's qualifying data (the verifier's nonce), at most 66
    /// bytes (TPM2B_DATA, 10.4.3).
    pub extra_data: Vec<u8>,
    /// TPMS_ATTEST.clockInfo.
    pub clock_info: ClockInfo,
    /// TPMS_ATTEST.firmwareVersion: the TPM vendor's firmware version number.
    pub firmware_version: u64,
    /// TPMS_ATTEST.attested, by `attest_type`.
    pub info: AttestInfo,
}

impl Attest {
    /// Parses a TPMS_ATTEST spanning `bytes` exactly. Types other than QUOTE and CERTIFY are
    /// `UnsupportedAttestationType`. The magic is decoded, not judged: verifiers judge it.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let a = Self::parse_for_verifier(bytes)?;
        if let AttestInfo::Other { tag } = a.info {
            return Err(Error::UnsupportedAttestationType { tag });
        }
        Ok(a)
    }

    /// Parses a TPM2B_ATTEST (u16 size || TPMS_ATTEST).
    pub fn parse_tpm2b(bytes: &[u8]) -> Result<Self> {
        Self::parse(unwrap_tpm2b_attest(bytes)?)
    }

    /// As `parse`, but another attestation type parses its header and skips its body, so the
    /// verifier can check the signature and magic first and then report the wrong type.
    pub(crate) fn parse_for_verifier(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, "TPMS_ATTEST");
        let magic = r.u32()?;
        let attest_type = r.u16()?;
        let qualified_signer = Name(r.tpm2b(MAX_NAME)?.to_vec());
        let extra_data = r.tpm2b(MAX_DATA)?.to_vec();
        let clock = r.u64()?;
        let reset_count = r.u32()?;
        let restart_count = r.u32()?;
        let safe = match r.u8()? {
            0 => false,
            1 => true,
            _ => {
                return Err(Error::InvalidValue {
                    what: "TPMS_CLOCK_INFO.safe is not YES or NO",
                })
            }
        };
        let firmware_version = r.u64()?;
        let info = match attest_type {
            st::ATTEST_QUOTE => {
                let pcr_select = PcrSelection::read(&mut r)?;
                let pcr_digest = r.tpm2b(MAX_DIGEST)?.to_vec();
                AttestInfo::Quote(QuoteInfo {
                    pcr_select,
                    pcr_digest,
                })
            }
            st::ATTEST_CERTIFY => {
                let name = Name(r.tpm2b(MAX_NAME)?.to_vec());
                let qualified_name = Name(r.tpm2b(MAX_NAME)?.to_vec());
                AttestInfo::Certify(CertifyInfo {
                    name,
                    qualified_name,
                })
            }
            tag => {
                let rest = r.rest();
                let _ = r.take(rest.len())?;
                AttestInfo::Other { tag }
            }
        };
        r.finish()?;
        Ok(Attest {
            raw: bytes.to_vec(),
            magic,
            attest_type,
            qualified_signer,
            extra_data,
            clock_info: ClockInfo {
                clock,
                reset_count,
                restart_count,
                safe,
            },
            firmware_version,
            info,
        })
    }

    /// Parses TPMS_ATTEST or TPM2B_ATTEST, told apart by content (a TPMS_ATTEST from a TPM
    /// starts with the magic 0xff544347; a TPM2B_ATTEST starts with its own length).
    pub fn parse_any(bytes: &[u8]) -> Result<Self> {
        Self::parse(strip_optional_tpm2b(bytes))
    }

    /// Builds a TPMS_ATTEST from its fields, encoded as a TPM would (for the software backend
    /// and for tests). `info` must be `Quote` or `Certify`.
    pub fn build(
        attest_type: u16,
        qualified_signer: Name,
        extra_data: Vec<u8>,
        clock_info: ClockInfo,
        firmware_version: u64,
        info: AttestInfo,
    ) -> Result<Self> {
        let fields = Attest {
            raw: Vec::new(),
            magic: super::TPM_GENERATED_VALUE,
            attest_type,
            qualified_signer,
            extra_data,
            clock_info,
            firmware_version,
            info,
        };
        Self::parse(&fields.encode()?)
    }

    /// The TPMS_ATTEST bytes exactly as received: what the signature covers.
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// Encodes the decoded fields (round-trip tests compare this with `as_bytes`).
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut w = Writer::default();
        w.u32(self.magic);
        w.u16(self.attest_type);
        w.tpm2b(self.qualified_signer.as_bytes());
        w.tpm2b(&self.extra_data);
        w.u64(self.clock_info.clock);
        w.u32(self.clock_info.reset_count);
        w.u32(self.clock_info.restart_count);
        w.u8(u8::from(self.clock_info.safe));
        w.u64(self.firmware_version);
        match &self.info {
            AttestInfo::Quote(q) => {
                q.pcr_select.write(&mut w);
                w.tpm2b(&q.pcr_digest);
            }
            AttestInfo::Certify(c) => {
                w.tpm2b(c.name.as_bytes());
                w.tpm2b(c.qualified_name.as_bytes());
            }
            AttestInfo::Other { .. } => {
                return Err(Error::InvalidArgument {
                    what: "only QUOTE and CERTIFY can be encoded",
                })
            }
        }
        Ok(w.buf)
    }
}

/// Removes a TPM2B_ATTEST length prefix when the bytes carry one.
pub(crate) fn strip_optional_tpm2b(bytes: &[u8]) -> &[u8] {
    match bytes {
        [hi, lo, rest @ ..] if usize::from(u16::from_be_bytes([*hi, *lo])) == rest.len() => rest,
        _ => bytes,
    }
}

fn unwrap_tpm2b_attest(bytes: &[u8]) -> Result<&[u8]> {
    let mut r = Reader::new(bytes, "TPM2B_ATTEST");
    let inner = r.tpm2b(usize::from(u16::MAX))?;
    r.finish()?;
    Ok(inner)
}

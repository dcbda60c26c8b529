//! TPMS_ATTEST (TCG Part 2, 10.12.12) with TPMS_CLOCK_INFO (10.11.1), TPMS_QUOTE_INFO (10.12.4)
//! and TPMS_CERTIFY_INFO (10.12.3).

use super::pcr::PcrSelection;
use super::wire::{Reader, Writer};
use super::{st, Name, MAX_DATA, MAX_DIGEST, MAX_NAME};
use crate::error::{Error, Result};

/// TPMS_CLOCK_INFO (Part 2, 10.11.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockInfo {
    /// Milliseconds the TPM has been powered since it was last cleared (may be obfuscated).
    pub clock: u64,
    /// TPM resets since the last TPM2_Clear.
    pub reset_count: u32,
    /// TPM restarts/resumes since the last reset.
    pub restart_count: u32,
    /// Whether `clock` is guaranteed not to have gone backwards.
    pub safe: bool,
}

/// TPMS_QUOTE_INFO (Part 2, 10.12.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteInfo {
    pub pcr_select: PcrSelection,
    pub pcr_digest: Vec<u8>,
}

/// TPMS_CERTIFY_INFO (Part 2, 10.12.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertifyInfo {
    pub name: Name,
    pub qualified_name: Name,
}

/// TPMU_ATTEST for the two types Aegis verifies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttestInfo {
    Quote(QuoteInfo),
    Certify(CertifyInfo),
    /// Another attestation type; only produced by the verifier's internal parse, so that a
    /// signed structure of another type is reported as `WrongAttestationType`.
    Other {
        tag: u16,
    },
}

/// TPMS_ATTEST (Part 2, 10.12.12), with the exact bytes it was parsed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attest {
    raw: Vec<u8>,
    pub magic: u32,
    pub attest_type: u16,
    pub qualified_signer: Name,
    pub extra_data: Vec<u8>,
    pub clock_info: ClockInfo,
    pub firmware_version: u64,
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

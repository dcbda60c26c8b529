//! TPMT_SIGNATURE (TCG Part 2, 11.3.4) for RSASSA, RSAPSS, ECDSA and NULL.

use super::wire::{Reader, Writer};
use super::{alg, HashAlg, MAX_ECC_BYTES, MAX_RSA_BYTES};
use crate::error::{Error, Result};

/// A parsed TPMT_SIGNATURE. `Null` parses (a TPM can emit it) but never verifies (item 5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signature {
    /// TPMS_SIGNATURE_RSASSA (Part 2, 11.3.1): RSASSA-PKCS1-v1_5 (RFC 8017, 8.2).
    RsaSsa {
        /// TPMS_SIGNATURE_RSA.hash: the hash the message was digested with.
        hash: HashAlg,
        /// TPMS_SIGNATURE_RSA.sig: the signature, big-endian, non-empty, at most 512 bytes.
        sig: Vec<u8>,
    },
    /// TPMS_SIGNATURE_RSAPSS (Part 2, 11.3.1): RSASSA-PSS (RFC 8017, 8.1).
    RsaPss {
        /// TPMS_SIGNATURE_RSA.hash: the hash the message was digested with (and MGF1's).
        hash: HashAlg,
        /// TPMS_SIGNATURE_RSA.sig: the signature, big-endian, non-empty, at most 512 bytes.
        sig: Vec<u8>,
    },
    /// TPMS_SIGNATURE_ECDSA (Part 2, 11.3.2): big-endian r and s (FIPS 186-5, 6).
    Ecdsa {
        /// TPMS_SIGNATURE_ECC.hash: the hash the message was digested with.
        hash: HashAlg,
        /// TPMS_SIGNATURE_ECC.signatureR: r, big-endian, at most 66 bytes.
        r: Vec<u8>,
        /// TPMS_SIGNATURE_ECC.signatureS: s, big-endian, at most 66 bytes.
        s: Vec<u8>,
    },
    /// sigAlg = TPM_ALG_NULL.
    Null,
}

impl Signature {
    /// Parses a TPMT_SIGNATURE that must span `bytes` exactly.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        const WHAT: &str = "TPMT_SIGNATURE";
        let mut r = Reader::new(bytes, WHAT);
        let sig_alg = r.u16()?;
        let sig = match sig_alg {
            alg::NULL => Signature::Null,
            alg::RSASSA | alg::RSAPSS => {
                let hash = HashAlg::from_alg_id(r.u16()?, "TPMT_SIGNATURE.hash")?;
                let sig = r.tpm2b(MAX_RSA_BYTES)?.to_vec();
                if sig.is_empty() {
                    return Err(Error::InvalidValue {
                        what: "empty RSA signature",
                    });
                }
                if sig_alg == alg::RSASSA {
                    Signature::RsaSsa { hash, sig }
                } else {
                    Signature::RsaPss { hash, sig }
                }
            }
            alg::ECDSA => {
                let hash = HashAlg::from_alg_id(r.u16()?, "TPMT_SIGNATURE.hash")?;
                let r_ = r.tpm2b(MAX_ECC_BYTES)?.to_vec();
                let s = r.tpm2b(MAX_ECC_BYTES)?.to_vec();
                Signature::Ecdsa { hash, r: r_, s }
            }
            other => {
                return Err(Error::UnknownAlgorithm {
                    what: "TPMT_SIGNATURE.sigAlg",
                    alg: other,
                })
            }
        };
        r.finish()?;
        Ok(sig)
    }

    /// The sigAlg TPM_ALG_ID.
    pub fn alg_id(&self) -> u16 {
        match self {
            Signature::RsaSsa { .. } => alg::RSASSA,
            Signature::RsaPss { .. } => alg::RSAPSS,
            Signature::Ecdsa { .. } => alg::ECDSA,
            Signature::Null => alg::NULL,
        }
    }

    /// The signature's hash algorithm (None for NULL).
    pub fn hash(&self) -> Option<HashAlg> {
        match self {
            Signature::RsaSsa { hash, .. }
            | Signature::RsaPss { hash, .. }
            | Signature::Ecdsa { hash, .. } => Some(*hash),
            Signature::Null => None,
        }
    }

    /// Encodes as a TPM does.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u16(self.alg_id());
        match self {
            Signature::RsaSsa { hash, sig } | Signature::RsaPss { hash, sig } => {
                w.u16(hash.alg_id());
                w.tpm2b(sig);
            }
            Signature::Ecdsa { hash, r, s } => {
                w.u16(hash.alg_id());
                w.tpm2b(r);
                w.tpm2b(s);
            }
            Signature::Null => {}
        }
        w.buf
    }
}

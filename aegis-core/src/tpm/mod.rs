//! TPM 2.0 wire structures, built and strictly parsed (TCG TPM 2.0 Library, Part 2: Structures).
//!
//! Parsing keeps the exact bytes received next to the decoded fields, so that signatures and
//! Names are always computed over what was received (VERIFIER-CHECKS.md item 2).

mod attest;
mod pcr;
mod public;
mod signature;
pub(crate) mod wire;

pub(crate) use attest::strip_optional_tpm2b as strip_optional_tpm2b_attest;
pub use attest::{Attest, AttestInfo, CertifyInfo, ClockInfo, QuoteInfo};
pub use pcr::{PcrBank, PcrSelection, PcrValues, PCR_COUNT};
pub use public::{
    EccCurve, EccParms, KeyParms, ObjectAttributes, Public, RsaParms, Scheme, SymDef, Unique,
};
pub use signature::Signature;

use crate::error::{Error, Result};

/// TPM_ALG_ID values used by Aegis (TCG Algorithm Registry; Part 2, 6.3).
pub mod alg {
    /// TPM_ALG_RSA: the RSA object type (RFC 8017).
    pub const RSA: u16 = 0x0001;
    /// TPM_ALG_SHA1: SHA-1 (FIPS 180-4).
    pub const SHA1: u16 = 0x0004;
    /// TPM_ALG_HMAC: HMAC (RFC 2104), a keyed-hash scheme.
    pub const HMAC: u16 = 0x0005;
    /// TPM_ALG_AES: the AES block cipher (FIPS 197).
    pub const AES: u16 = 0x0006;
    /// TPM_ALG_KEYEDHASH: the keyed-hash object type (HMAC keys, sealed data).
    pub const KEYEDHASH: u16 = 0x0008;
    /// TPM_ALG_XOR: XOR with a KDFa mask (keyed-hash objects, parameter encryption).
    pub const XOR: u16 = 0x000A;
    /// TPM_ALG_SHA256: SHA-256 (FIPS 180-4).
    pub const SHA256: u16 = 0x000B;
    /// TPM_ALG_SHA384: SHA-384 (FIPS 180-4).
    pub const SHA384: u16 = 0x000C;
    /// TPM_ALG_SHA512: SHA-512 (FIPS 180-4).
    pub const SHA512: u16 = 0x000D;
    /// TPM_ALG_NULL: no algorithm (an empty scheme, symmetric definition or KDF).
    pub const NULL: u16 = 0x0010;
    /// TPM_ALG_RSASSA: RSASSA-PKCS1-v1_5 signatures (RFC 8017, 8.2).
    pub const RSASSA: u16 = 0x0014;
    /// TPM_ALG_RSAES: RSAES-PKCS1-v1_5 encryption (RFC 8017, 7.2).
    pub const RSAES: u16 = 0x0015;
    /// TPM_ALG_RSAPSS: RSASSA-PSS signatures (RFC 8017, 8.1).
    pub const RSAPSS: u16 = 0x0016;
    /// TPM_ALG_OAEP: RSAES-OAEP encryption (RFC 8017, 7.1).
    pub const OAEP: u16 = 0x0017;
    /// TPM_ALG_ECDSA: ECDSA signatures (FIPS 186-5, 6; SEC 1, 4.1).
    pub const ECDSA: u16 = 0x0018;
    /// TPM_ALG_ECDH: ECDH key agreement (NIST SP 800-56A).
    pub const ECDH: u16 = 0x0019;
    /// TPM_ALG_ECDAA: ECDAA anonymous signatures.
    pub const ECDAA: u16 = 0x001A;
    /// TPM_ALG_SM2: SM2 signatures (GB/T 32918).
    pub const SM2: u16 = 0x001B;
    /// TPM_ALG_ECSCHNORR: EC-Schnorr signatures.
    pub const ECSCHNORR: u16 = 0x001C;
    /// TPM_ALG_KDF1_SP800_56A: the concatenation KDF of NIST SP 800-56A.
    pub const KDF1_SP800_56A: u16 = 0x0020;
    /// TPM_ALG_KDF1_SP800_108: the counter-mode KDF of NIST SP 800-108.
    pub const KDF1_SP800_108: u16 = 0x0022;
    /// TPM_ALG_ECC: the elliptic-curve object type.
    pub const ECC: u16 = 0x0023;
    /// TPM_ALG_SYMCIPHER: the symmetric-cipher object type.
    pub const SYMCIPHER: u16 = 0x0025;
    /// TPM_ALG_CFB: cipher feedback mode (NIST SP 800-38A), the storage-key mode.
    pub const CFB: u16 = 0x0043;
}

/// TPM_GENERATED_VALUE (Part 2, 6.2): the magic that starts every TPMS_ATTEST a TPM makes.
pub const TPM_GENERATED_VALUE: u32 = 0xff54_4347;

/// TPM_RH_ENDORSEMENT (Part 2, 7.4): the endorsement hierarchy, whose Name is the handle and the
/// parent qualified Name of an EK (Part 1, 16.6).
pub const TPM_RH_ENDORSEMENT: u32 = 0x4000_000B;

/// TPM_ST values for TPMS_ATTEST.type (Part 2, 6.9).
pub mod st {
    /// TPM_ST_ATTEST_NV: TPM2_NV_Certify (TPMS_NV_CERTIFY_INFO, Part 2, 10.12.8).
    pub const ATTEST_NV: u16 = 0x8014;
    /// TPM_ST_ATTEST_COMMAND_AUDIT: TPM2_GetCommandAuditDigest (TPMS_COMMAND_AUDIT_INFO, 10.12.5).
    pub const ATTEST_COMMAND_AUDIT: u16 = 0x8015;
    /// TPM_ST_ATTEST_SESSION_AUDIT: TPM2_GetSessionAuditDigest (TPMS_SESSION_AUDIT_INFO, 10.12.6).
    pub const ATTEST_SESSION_AUDIT: u16 = 0x8016;
    /// TPM_ST_ATTEST_CERTIFY: TPM2_Certify (TPMS_CERTIFY_INFO, 10.12.3).
    pub const ATTEST_CERTIFY: u16 = 0x8017;
    /// TPM_ST_ATTEST_QUOTE: TPM2_Quote (TPMS_QUOTE_INFO, 10.12.4).
    pub const ATTEST_QUOTE: u16 = 0x8018;
    /// TPM_ST_ATTEST_TIME: TPM2_GetTime (TPMS_TIME_ATTEST_INFO, 10.12.2).
    pub const ATTEST_TIME: u16 = 0x8019;
    /// TPM_ST_ATTEST_CREATION: TPM2_CertifyCreation (TPMS_CREATION_INFO, 10.12.7).
    pub const ATTEST_CREATION: u16 = 0x801A;
    /// TPM_ST_ATTEST_NV_DIGEST: TPM2_NV_Certify of a whole Index by digest (10.12.9).
    pub const ATTEST_NV_DIGEST: u16 = 0x801C;
}

/// A hash algorithm a TPM uses for PCR banks, names and signatures (TPMI_ALG_HASH, Part 2, 9.27).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HashAlg {
    /// SHA-1, TPM_ALG_SHA1 (FIPS 180-4).
    Sha1,
    /// SHA-256, TPM_ALG_SHA256 (FIPS 180-4).
    Sha256,
    /// SHA-384, TPM_ALG_SHA384 (FIPS 180-4).
    Sha384,
    /// SHA-512, TPM_ALG_SHA512 (FIPS 180-4).
    Sha512,
}

impl HashAlg {
    /// All supported hash algorithms, strongest last.
    pub const ALL: [HashAlg; 4] = [
        HashAlg::Sha1,
        HashAlg::Sha256,
        HashAlg::Sha384,
        HashAlg::Sha512,
    ];

    /// From a TPM_ALG_ID; any other value is `UnknownAlgorithm`.
    pub fn from_alg_id(id: u16, what: &'static str) -> Result<Self> {
        match id {
            alg::SHA1 => Ok(HashAlg::Sha1),
            alg::SHA256 => Ok(HashAlg::Sha256),
            alg::SHA384 => Ok(HashAlg::Sha384),
            alg::SHA512 => Ok(HashAlg::Sha512),
            _ => Err(Error::UnknownAlgorithm { what, alg: id }),
        }
    }

    /// The TPM_ALG_ID.
    pub fn alg_id(self) -> u16 {
        match self {
            HashAlg::Sha1 => alg::SHA1,
            HashAlg::Sha256 => alg::SHA256,
            HashAlg::Sha384 => alg::SHA384,
            HashAlg::Sha512 => alg::SHA512,
        }
    }

    /// Digest size in bytes.
    pub fn digest_size(self) -> usize {
        match self {
            HashAlg::Sha1 => 20,
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    /// The bank name used by tpm2-tools and Aegis's JSON forms ("sha1", "sha256", ...).
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha1 => "sha1",
            HashAlg::Sha256 => "sha256",
            HashAlg::Sha384 => "sha384",
            HashAlg::Sha512 => "sha512",
        }
    }

    /// From a bank name ("sha1", "sha256", "sha384", "sha512").
    pub fn from_name(name: &str) -> Option<Self> {
        HashAlg::ALL.into_iter().find(|h| h.name() == name)
    }

    /// Hash `data` in pure Rust (no provider needed: hashing is not a verdict-bearing operation).
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        self.digest_parts(&[data])
    }

    /// Hash the concatenation of `parts`.
    pub fn digest_parts(self, parts: &[&[u8]]) -> Vec<u8> {
        self.hash_parts(parts).to_vec()
    }

    /// [`HashAlg::digest_parts`] into a [`Digest`] on the stack: the appraisal's hashes (the
    /// signed TPMS_ATTEST, the PCR digest, the log, the EAR) without an allocation each.
    pub(crate) fn hash_parts(self, parts: &[&[u8]]) -> Digest {
        fn run<D: sha2::Digest>(parts: &[&[u8]]) -> Digest {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            Digest::of(&h.finalize())
        }
        match self {
            HashAlg::Sha1 => run::<sha1::Sha1>(parts),
            HashAlg::Sha256 => run::<sha2::Sha256>(parts),
            HashAlg::Sha384 => run::<sha2::Sha384>(parts),
            HashAlg::Sha512 => run::<sha2::Sha512>(parts),
        }
    }
}

/// A digest of at most 64 bytes (SHA-512's size), held without an allocation.
#[derive(Clone, Copy)]
pub(crate) struct Digest {
    bytes: [u8; 64],
    len: usize,
}

impl Digest {
    /// The bytes of a hash function's output (at most 64: every [`HashAlg`]'s fits).
    fn of(output: &[u8]) -> Self {
        let mut d = Digest {
            bytes: [0; 64],
            len: output.len().min(64),
        };
        for (slot, byte) in d.bytes.iter_mut().zip(output) {
            *slot = *byte;
        }
        d
    }
}

impl std::ops::Deref for Digest {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// A TPM Name (Part 1, 16): nameAlg (u16) followed by H_nameAlg(TPMT_PUBLIC as received).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Name(pub(crate) Vec<u8>);

impl Name {
    /// Wraps Name bytes as found on the wire (TPM2B_NAME contents).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Name(bytes.to_vec())
    }
    /// The Name bytes (nameAlg || digest).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// The Name of a hierarchy or other permanent handle: the handle itself (Part 1, 16).
    /// E.g. `Name::of_handle(0x4000_000B)` for the endorsement hierarchy.
    pub fn of_handle(handle: u32) -> Self {
        Name(handle.to_be_bytes().to_vec())
    }

    /// The qualified Name of a primary key of the endorsement hierarchy (an EK) with Name `self`:
    /// H(TPM_RH_ENDORSEMENT || Name) (Part 1, 16.6), the parent qualified Name of an AK made under
    /// that EK (as tpm2_createak makes it).
    pub fn qualified_under_endorsement(&self) -> Result<Name> {
        self.qualified_under(&Name::of_handle(TPM_RH_ENDORSEMENT))
    }

    /// The qualified Name of a child with Name `self` under a parent whose qualified Name is
    /// `parent_qualified` (Part 1, 16.6): nameAlg || H_nameAlg(parent QN || Name). What a TPM
    /// puts in TPMS_ATTEST.qualifiedSigner, so a verifier that knows the AK's Name and its
    /// parent (e.g. the EK under the endorsement hierarchy) can compute the expected signer.
    pub fn qualified_under(&self, parent_qualified: &Name) -> Result<Name> {
        let alg = self.0.get(..2).ok_or(Error::InvalidValue {
            what: "Name shorter than its algorithm",
        })?;
        let hash = HashAlg::from_alg_id(
            u16::from_be_bytes([
                alg.first().copied().unwrap_or(0),
                alg.get(1).copied().unwrap_or(0),
            ]),
            "Name algorithm",
        )?;
        let mut q = alg.to_vec();
        q.extend_from_slice(&hash.hash_parts(&[&parent_qualified.0, &self.0]));
        Ok(Name(q))
    }

    /// Lower-case hex, as tpm2-tools prints Names.
    pub fn to_hex(&self) -> String {
        hex::encode(&self.0)
    }
}

impl core::fmt::Debug for Name {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Name({})", self.to_hex())
    }
}

/// Maximum TPM2B_DIGEST / TPMU_HA size (Part 2, 10.3.1: sizeof(TPMU_HA) = 64 for SHA-512).
pub(crate) const MAX_DIGEST: usize = 64;
/// TPM2B_NAME maximum: alg id + largest digest (Part 2, 10.5.3).
pub(crate) const MAX_NAME: usize = 2 + MAX_DIGEST;
/// TPM2B_DATA maximum: sizeof(TPMT_HA) (Part 2, 10.4.3).
pub(crate) const MAX_DATA: usize = 2 + MAX_DIGEST;
/// Largest RSA key Aegis reads (4096 bits); TPM2B_PUBLIC_KEY_RSA maximum.
pub(crate) const MAX_RSA_BYTES: usize = 512;
/// Largest ECC coordinate Aegis reads (P-521: 66 bytes).
pub(crate) const MAX_ECC_BYTES: usize = 66;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_matches_known_answer() {
        // FIPS 180-2 Appendix A.1: SHA-1("abc").
        assert_eq!(
            hex::encode(HashAlg::Sha1.digest(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        // Two-block message (A.2).
        assert_eq!(
            hex::encode(
                HashAlg::Sha1.digest(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            ),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
    }
}

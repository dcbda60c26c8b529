//! Signing with a key the core does not hold (ARCHITECTURE.md, Crate roles): a TPM-resident App
//! Key (aegis-agent implements [`Signer`] for it), an HSM, or a software key.

use crate::error::Result;
use crate::keys::PublicKey;
use crate::tpm::HashAlg;

/// A signature scheme with its hash: what a signer produces and a verifier accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureScheme {
    /// RSASSA-PKCS1-v1_5 (RFC 8017, 8.2).
    RsaPkcs1v15(HashAlg),
    /// RSASSA-PSS (RFC 8017, 8.1) with MGF1 over the same hash and salt length = digest length.
    RsaPss(HashAlg),
    /// ECDSA (FIPS 186-5, 6.4) on the key's curve.
    Ecdsa(HashAlg),
}

impl SignatureScheme {
    /// The scheme's hash algorithm (the digest handed to [`Signer::sign_digest`]).
    pub fn hash(self) -> HashAlg {
        match self {
            SignatureScheme::RsaPkcs1v15(h)
            | SignatureScheme::RsaPss(h)
            | SignatureScheme::Ecdsa(h) => h,
        }
    }

    /// The scheme's TPM_ALG_ID (TCG Part 2, 6.3): TPM_ALG_RSASSA, TPM_ALG_RSAPSS or
    /// TPM_ALG_ECDSA, as reported in `Error::SignatureSchemeMismatch`.
    pub fn alg_id(self) -> u16 {
        match self {
            SignatureScheme::RsaPkcs1v15(_) => crate::tpm::alg::RSASSA,
            SignatureScheme::RsaPss(_) => crate::tpm::alg::RSAPSS,
            SignatureScheme::Ecdsa(_) => crate::tpm::alg::ECDSA,
        }
    }

    /// Whether the scheme is an RSA scheme (RFC 8017, 8.1 and 8.2) rather than ECDSA.
    pub fn is_rsa(self) -> bool {
        matches!(
            self,
            SignatureScheme::RsaPkcs1v15(_) | SignatureScheme::RsaPss(_)
        )
    }
}

/// A signature as a signer returns it, before any wire encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureValue {
    /// An RSA signature, exactly the modulus length.
    Rsa(Vec<u8>),
    /// ECDSA r and s, big-endian, each at most the curve's size.
    Ecdsa {
        /// r.
        r: Vec<u8>,
        /// s.
        s: Vec<u8>,
    },
}

/// A key that signs digests and tells its public key and scheme.
///
/// The caller hashes (with [`SignatureScheme::hash`]) and the signer signs the digest, so a TPM
/// (TPM2_Sign with a digest and a NULL validation ticket for an unrestricted key) and a software
/// key are used the same way.
pub trait Signer {
    /// The public half of the signing key.
    fn public_key(&self) -> &PublicKey;

    /// The scheme this signer signs with.
    fn scheme(&self) -> SignatureScheme;

    /// Signs `digest`, which is `self.scheme().hash()` of the message.
    fn sign_digest(&self, digest: &[u8]) -> Result<SignatureValue>;
}

//! Crypto providers (ARCHITECTURE.md, Crypto): one small trait, two implementations.
//!
//! - [`native`]: OpenSSL (the default; fastest here).
//! - [`pure`]: RustCrypto (p256, p384, rsa, sha2) for builds without a C toolchain.
//!
//! Verification code hashes with [`HashAlg::digest`] and hands the digest to the provider, so
//! both providers see identical inputs and must reach identical verdicts.

use crate::error::Result;
use crate::tpm::{EccCurve, HashAlg};

#[cfg(feature = "native")]
pub mod native;
#[cfg(feature = "pure")]
pub mod pure;

/// An RSA public key: big-endian modulus and public exponent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RsaPublicKey<'a> {
    pub modulus: &'a [u8],
    pub exponent: u32,
}

/// An ECC public key: curve and big-endian affine coordinates, each `curve.coordinate_size()` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EccPublicKey<'a> {
    pub curve: EccCurve,
    pub x: &'a [u8],
    pub y: &'a [u8],
}

/// Result of an ephemeral ECDH against a peer key (TPM2_MakeCredential for ECC EKs, Part 1 C.6.4).
#[derive(Debug)]
pub struct EcdhEphemeral {
    /// Ephemeral public point, x and y, each the curve's coordinate size.
    pub ephemeral_x: Vec<u8>,
    pub ephemeral_y: Vec<u8>,
    /// Z: the x-coordinate of the shared point (secret; zeroized on drop).
    pub shared_x: zeroize::Zeroizing<Vec<u8>>,
}

/// The operations Aegis needs from a crypto library.
///
/// Every verify function takes the already computed digest of the signed bytes, returns `Ok(())`
/// only for a valid signature, and `Err(Error::SignatureInvalid)` for any invalid one (never a
/// panic). Key encodings that the library refuses are `Err(Error::KeyNotAllowed{..})`.
pub trait CryptoProvider: Send + Sync + core::fmt::Debug {
    /// "openssl" or "rustcrypto".
    fn name(&self) -> &'static str;

    /// RSASSA-PKCS1-v1_5 over `digest` (computed with `hash`).
    fn verify_rsa_pkcs1v15(
        &self,
        key: RsaPublicKey<'_>,
        hash: HashAlg,
        digest: &[u8],
        sig: &[u8],
    ) -> Result<()>;

    /// RSASSA-PSS with MGF1(`hash`); accepts salt length = digest length and the maximum salt
    /// length (both occur in real TPMs; VERIFIER-CHECKS.md item 4).
    fn verify_rsa_pss(
        &self,
        key: RsaPublicKey<'_>,
        hash: HashAlg,
        digest: &[u8],
        sig: &[u8],
    ) -> Result<()>;

    /// ECDSA over `digest`, with r and s big-endian (the caller has checked 1 <= r, s < n).
    fn verify_ecdsa(&self, key: EccPublicKey<'_>, digest: &[u8], r: &[u8], s: &[u8]) -> Result<()>;

    /// RSAES-OAEP encryption with `hash` for OAEP and MGF1 and the given label
    /// (TPM2_MakeCredential for RSA EKs uses label "IDENTITY\0").
    fn rsa_oaep_encrypt(
        &self,
        key: RsaPublicKey<'_>,
        hash: HashAlg,
        label: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>>;

    /// Generates an ephemeral key on `peer.curve` and returns it with the ECDH shared x-coordinate.
    fn ecdh_ephemeral(&self, peer: EccPublicKey<'_>) -> Result<EcdhEphemeral>;

    /// AES-CFB128 encryption (key 16, 24 or 32 bytes; iv 16 bytes).
    fn aes_cfb_encrypt(&self, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>>;

    /// HMAC with `hash`.
    fn hmac(&self, hash: HashAlg, key: &[u8], data: &[u8]) -> Result<Vec<u8>>;

    /// Fills `out` from a cryptographically secure random source.
    fn random(&self, out: &mut [u8]) -> Result<()>;
}

/// HMAC (RFC 2104) in pure Rust, for KDFa and the pure provider. HMAC accepts keys of any
/// length, so this cannot fail.
pub(crate) fn hmac_rust(hash: HashAlg, key: &[u8], data: &[u8]) -> Vec<u8> {
    fn run<D>(key: &[u8], data: &[u8]) -> Vec<u8>
    where
        D: sha2::Digest + hmac::digest::core_api::BlockSizeUser,
    {
        use hmac::digest::KeyInit;
        use hmac::Mac;
        match <hmac::SimpleHmac<D> as KeyInit>::new_from_slice(key) {
            Ok(mut mac) => {
                mac.update(data);
                mac.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }
    match hash {
        HashAlg::Sha1 => run::<sha1::Sha1>(key, data),
        HashAlg::Sha256 => run::<sha2::Sha256>(key, data),
        HashAlg::Sha384 => run::<sha2::Sha384>(key, data),
        HashAlg::Sha512 => run::<sha2::Sha512>(key, data),
    }
}

/// The default provider: native (OpenSSL) when built, else pure (RustCrypto).
pub fn default_provider() -> &'static dyn CryptoProvider {
    #[cfg(feature = "native")]
    {
        &native::OpenSslProvider
    }
    #[cfg(all(not(feature = "native"), feature = "pure"))]
    {
        &pure::RustCryptoProvider
    }
}

/// Every provider compiled in, for tests and benchmarks that compare them.
#[allow(clippy::vec_init_then_push)] // pushes depend on features
pub fn all_providers() -> Vec<&'static dyn CryptoProvider> {
    let mut v: Vec<&'static dyn CryptoProvider> = Vec::new();
    #[cfg(feature = "native")]
    v.push(&native::OpenSslProvider);
    #[cfg(feature = "pure")]
    v.push(&pure::RustCryptoProvider);
    v
}

#[cfg(not(any(feature = "native", feature = "pure")))]
compile_error!("aegis-core needs at least one crypto provider: feature \"native\" or \"pure\"");

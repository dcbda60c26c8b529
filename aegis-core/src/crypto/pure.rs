//! The pure provider: RustCrypto (p256, p384, rsa). Pending: written next (see crypto/mod.rs).

use super::{CryptoProvider, EccPublicKey, EcdhEphemeral, RsaPublicKey};
use crate::error::{Error, Result};
use crate::tpm::HashAlg;

/// RustCrypto-backed [`CryptoProvider`].
#[derive(Clone, Copy, Debug, Default)]
pub struct RustCryptoProvider;

impl CryptoProvider for RustCryptoProvider {
    fn name(&self) -> &'static str {
        "rustcrypto"
    }
    fn verify_rsa_pkcs1v15(&self, _: RsaPublicKey<'_>, _: HashAlg, _: &[u8], _: &[u8]) -> Result<()> {
        Err(Error::CryptoProvider { what: "pending" })
    }
    fn verify_rsa_pss(&self, _: RsaPublicKey<'_>, _: HashAlg, _: &[u8], _: &[u8]) -> Result<()> {
        Err(Error::CryptoProvider { what: "pending" })
    }
    fn verify_ecdsa(&self, _: EccPublicKey<'_>, _: &[u8], _: &[u8], _: &[u8]) -> Result<()> {
        Err(Error::CryptoProvider { what: "pending" })
    }
    fn rsa_oaep_encrypt(&self, _: RsaPublicKey<'_>, _: HashAlg, _: &[u8], _: &[u8]) -> Result<Vec<u8>> {
        Err(Error::CryptoProvider { what: "pending" })
    }
    fn ecdh_ephemeral(&self, _: EccPublicKey<'_>) -> Result<EcdhEphemeral> {
        Err(Error::CryptoProvider { what: "pending" })
    }
    fn aes_cfb_encrypt(&self, _: &[u8], _: &[u8], _: &[u8]) -> Result<Vec<u8>> {
        Err(Error::CryptoProvider { what: "pending" })
    }
    fn hmac(&self, _: HashAlg, _: &[u8], _: &[u8]) -> Result<Vec<u8>> {
        Err(Error::CryptoProvider { what: "pending" })
    }
    fn random(&self, _: &mut [u8]) -> Result<()> {
        Err(Error::CryptoProvider { what: "pending" })
    }
}

//! A [`Signer`] over a software [`PrivateKey`] (ARCHITECTURE.md, Crate roles: the core signs
//! through the `Signer` trait whether the key is in a TPM, an HSM or memory).

use super::private_key::Secret;
use super::{CryptoProvider, PrivateKey, SignatureScheme, SignatureValue, Signer};
use crate::error::{Error, Result};
use crate::keys::PublicKey;
use crate::tpm::HashAlg;

/// A software key with its scheme and the provider that signs with it.
///
/// RSASSA-PKCS1-v1_5 (RFC 8017, 8.2), RSASSA-PSS (RFC 8017, 8.1; salt length = digest length)
/// or ECDSA (FIPS 186-5, 6.4) with SHA-256, SHA-384 or SHA-512. The pure provider cannot sign
/// with RSA keys (RUSTSEC-2023-0071): signing then returns `Error::Unsupported`.
#[derive(Debug)]
pub struct SoftwareSigner<'p> {
    key: PrivateKey,
    scheme: SignatureScheme,
    provider: &'p dyn CryptoProvider,
}

impl<'p> SoftwareSigner<'p> {
    /// A signer for `key` under `scheme`: `InvalidArgument` if the scheme does not fit the key
    /// (an RSA scheme for an EC key or ECDSA for an RSA key), `HashNotAllowed` for SHA-1.
    pub fn new(
        provider: &'p dyn CryptoProvider,
        key: PrivateKey,
        scheme: SignatureScheme,
    ) -> Result<Self> {
        check_scheme(&key, scheme)?;
        Ok(SoftwareSigner {
            key,
            scheme,
            provider,
        })
    }

    /// The private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }
}

impl Signer for SoftwareSigner<'_> {
    fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    /// Signs `digest` with the provider; `InvalidArgument` if it is not the scheme hash's length.
    fn sign_digest(&self, digest: &[u8]) -> Result<SignatureValue> {
        self.provider.sign_digest(&self.key, self.scheme, digest)
    }
}

/// The scheme fits the key type and uses a hash Aegis signs with (not SHA-1).
pub(crate) fn check_scheme(key: &PrivateKey, scheme: SignatureScheme) -> Result<()> {
    let fits = match key.secret() {
        Secret::Rsa { .. } => scheme.is_rsa(),
        Secret::Ecc { .. } => !scheme.is_rsa(),
    };
    if !fits {
        return Err(Error::InvalidArgument {
            what: "signature scheme does not fit the key type",
        });
    }
    if scheme.hash() == HashAlg::Sha1 {
        return Err(Error::HashNotAllowed {
            hash: HashAlg::Sha1.alg_id(),
        });
    }
    Ok(())
}

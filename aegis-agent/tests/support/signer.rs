//! Checks a [`Signer`]'s signature with aegis-core's crypto providers (every provider, so the
//! OpenSSL and RustCrypto verdicts agree).
#![allow(dead_code)]

use aegis_core::crypto::{
    all_providers, CryptoProvider, PublicKeyRef, SignatureScheme, SignatureValue, Signer,
};
use aegis_core::Result;

/// Verifies `value` over `digest` with the signer's public key and scheme, with `provider`.
pub fn verify_with(
    provider: &dyn CryptoProvider,
    signer: &dyn Signer,
    digest: &[u8],
    value: &SignatureValue,
) -> Result<()> {
    let hash = signer.scheme().hash();
    match (signer.public_key().as_key_ref(), signer.scheme(), value) {
        (PublicKeyRef::Ecc(k), SignatureScheme::Ecdsa(_), SignatureValue::Ecdsa { r, s }) => {
            provider.verify_ecdsa(k, digest, r, s)
        }
        (PublicKeyRef::Rsa(k), SignatureScheme::RsaPkcs1v15(_), SignatureValue::Rsa(sig)) => {
            provider.verify_rsa_pkcs1v15(k, hash, digest, sig)
        }
        (PublicKeyRef::Rsa(k), SignatureScheme::RsaPss(_), SignatureValue::Rsa(sig)) => {
            provider.verify_rsa_pss(k, hash, digest, sig)
        }
        other => panic!("signature does not fit the key and scheme: {other:?}"),
    }
}

/// Signs `message` with `signer` and checks the signature with every provider; a signature over
/// another message must fail with each. Returns the signature.
pub fn sign_and_verify(signer: &dyn Signer, message: &[u8]) -> SignatureValue {
    let hash = signer.scheme().hash();
    let digest = hash.digest(message);
    let value = signer.sign_digest(&digest).unwrap();
    let other = hash.digest(b"another message");
    for p in all_providers() {
        verify_with(p, signer, &digest, &value)
            .unwrap_or_else(|e| panic!("{} refused {:?}: {e}", p.name(), signer.scheme()));
        assert_eq!(
            verify_with(p, signer, &other, &value).unwrap_err(),
            aegis_core::Error::SignatureInvalid,
            "{}",
            p.name()
        );
    }
    value
}

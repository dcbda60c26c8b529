//! aegis-core's [`Signer`] for a key that lives in the TPM (the App Key): aegis-core hashes,
//! the TPM signs the digest with TPM2_Sign (TPM 2.0 Part 3, 20.2; an unrestricted key, NULL
//! validation ticket), and the TPMT_SIGNATURE it returns (Part 2, 11.3.4) becomes a
//! [`SignatureValue`].

use core::cell::RefCell;
use core::fmt;

use aegis_core::crypto::{SignatureScheme, SignatureValue, Signer};
use aegis_core::error::{Error, Result};
use aegis_core::keys::{check_rsa_signature_size, PublicKey};
use aegis_core::tpm::{KeyParms, ObjectAttributes, Scheme, Signature};

use crate::backend::{check_scheme_fits, TpmBackend, TpmKey};

/// The TPM scheme (TPMT_SIG_SCHEME, Part 2, 11.2.1.5) for a signature scheme: RSASSA-PKCS1-v1_5
/// is TPM_ALG_RSASSA, RSASSA-PSS is TPM_ALG_RSAPSS, ECDSA is TPM_ALG_ECDSA, each with its hash.
pub fn tpm_scheme(scheme: SignatureScheme) -> Scheme {
    match scheme {
        SignatureScheme::RsaPkcs1v15(h) => Scheme::RsaSsa(h),
        SignatureScheme::RsaPss(h) => Scheme::RsaPss(h),
        SignatureScheme::Ecdsa(h) => Scheme::Ecdsa(h),
    }
}

/// The signature scheme of a TPM signing scheme, or `None` for one aegis-core does not sign
/// with (TPM_ALG_NULL, ECDAA, ...). The inverse of [`tpm_scheme`].
pub fn signature_scheme(scheme: Scheme) -> Option<SignatureScheme> {
    match scheme {
        Scheme::RsaSsa(h) => Some(SignatureScheme::RsaPkcs1v15(h)),
        Scheme::RsaPss(h) => Some(SignatureScheme::RsaPss(h)),
        Scheme::Ecdsa(h) => Some(SignatureScheme::Ecdsa(h)),
        _ => None,
    }
}

/// A TPM-resident unrestricted signing key (an App Key) as an aegis-core [`Signer`].
///
/// It borrows the backend for its lifetime; [`Signer::sign_digest`] takes `&self`, so the
/// backend sits in a [`RefCell`] (a signer is used from one thread; a nested use while a
/// signature is under way is an `InvalidArgument` error, never a panic).
pub struct TpmSigner<'a> {
    backend: RefCell<&'a mut dyn TpmBackend>,
    key: TpmKey,
    public_key: PublicKey,
    scheme: SignatureScheme,
}

impl fmt::Debug for TpmSigner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TpmSigner")
            .field("key", &self.key.public().name())
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl<'a> TpmSigner<'a> {
    /// A signer for `key` under `scheme`.
    ///
    /// `InvalidArgument` when the key is not an unrestricted signing key (a restricted AK signs
    /// only TPM-checked data: [`TpmBackend::sign_restricted`]) or when the scheme does not fit
    /// it: RSASSA-PKCS1-v1_5 and RSASSA-PSS need an RSA key, ECDSA an ECC key, and a key with a
    /// fixed scheme signs only with that scheme (TPM2_Sign, Part 3, 20.2: TPM_RC_SCHEME).
    pub fn new(
        backend: &'a mut dyn TpmBackend,
        key: TpmKey,
        scheme: SignatureScheme,
    ) -> Result<Self> {
        let attributes = key.public().attributes;
        if !attributes.has(ObjectAttributes::SIGN_ENCRYPT)
            || attributes.has(ObjectAttributes::RESTRICTED)
        {
            return Err(Error::InvalidArgument {
                what: "a TPM signer needs an unrestricted signing key",
            });
        }
        check_scheme_fits(key.public(), tpm_scheme(scheme))?;
        let public_key = PublicKey::from_tpm_public(key.public());
        Ok(TpmSigner {
            backend: RefCell::new(backend),
            key,
            public_key,
            scheme,
        })
    }

    /// The TPM key this signer signs with.
    pub fn key(&self) -> &TpmKey {
        &self.key
    }

    /// Gives the backend back.
    pub fn into_backend(self) -> &'a mut dyn TpmBackend {
        self.backend.into_inner()
    }
}

impl Signer for TpmSigner<'_> {
    fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    /// TPM2_Sign of `digest` (Part 3, 20.2). `InvalidArgument` when `digest` is not exactly the
    /// scheme hash's size; `Backend` when the TPM fails or returns a signature of another scheme
    /// or of the wrong size.
    fn sign_digest(&self, digest: &[u8]) -> Result<SignatureValue> {
        let hash = self.scheme.hash();
        if digest.len() != hash.digest_size() {
            return Err(Error::InvalidArgument {
                what: "digest length differs from the scheme's hash",
            });
        }
        let mut backend = self
            .backend
            .try_borrow_mut()
            .map_err(|_| Error::InvalidArgument {
                what: "TPM signer already in use",
            })?;
        let bytes = backend.sign_digest(&self.key, digest, tpm_scheme(self.scheme))?;
        let other = || Error::Backend {
            what: "TPM2_Sign",
            detail: "the TPM returned a signature of another scheme".to_owned(),
        };
        let signature = Signature::parse(&bytes)?;
        if signature.hash() != Some(hash) {
            return Err(other());
        }
        match (signature, self.scheme, &self.key.public().parms) {
            (Signature::Ecdsa { r, s, .. }, SignatureScheme::Ecdsa(_), KeyParms::Ecc(_)) => {
                Ok(SignatureValue::Ecdsa { r, s })
            }
            (Signature::RsaSsa { sig, .. }, SignatureScheme::RsaPkcs1v15(_), KeyParms::Rsa(p))
            | (Signature::RsaPss { sig, .. }, SignatureScheme::RsaPss(_), KeyParms::Rsa(p)) => {
                check_rsa_signature_size(&p.modulus, &sig).map_err(|e| Error::Backend {
                    what: "TPM2_Sign",
                    detail: e.to_string(),
                })?;
                Ok(SignatureValue::Rsa(sig))
            }
            _ => Err(other()),
        }
    }
}

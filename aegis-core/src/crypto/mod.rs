//! Crypto providers (ARCHITECTURE.md, Crypto): one small trait, three implementations.
//!
//! - [`native`]: OpenSSL (the default; fastest here).
//! - [`pure`]: RustCrypto (p256, p384, rsa, sha2) for builds without a C toolchain.
//! - [`aws_lc`]: AWS-LC through aws-lc-rs (feature `aws-lc`, not default), the other native
//!   library measured for the appraisal throughput target (issue 11, item 9).
//!
//! Verification code hashes with [`HashAlg::digest`] and hands the digest to the provider, so
//! every provider sees identical inputs and must reach identical verdicts.
//!
//! Signing: [`PrivateKey`] holds a software key in a provider-neutral form,
//! [`CryptoProvider::sign_digest`] signs with it, and [`SoftwareSigner`] wraps both behind the
//! [`Signer`] trait. The pure provider makes no RSA private-key operation (RUSTSEC-2023-0071).

use crate::error::{Error, Result};
use crate::keys::{check_rsa_signature_size, ecdsa_scalar, strip_leading_zeros, PublicKey};
use crate::tpm::{EccCurve, HashAlg};

mod encoding;
pub use encoding::SignatureFormat;
mod private_key;
mod signer;
mod software_signer;
pub use private_key::{KeySpec, PrivateKey};
pub use signer::{SignatureScheme, SignatureValue, Signer};
pub use software_signer::SoftwareSigner;

#[cfg(feature = "aws-lc")]
pub mod aws_lc;
#[cfg(feature = "native")]
pub mod native;
#[cfg(feature = "pure")]
pub mod pure;

/// An RSA public key: big-endian modulus and public exponent (RFC 8017, 3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RsaPublicKey<'a> {
    /// The modulus n, big-endian.
    pub modulus: &'a [u8],
    /// The public exponent e itself (a TPM public area's encoded 0 is passed as 65537).
    pub exponent: u32,
}

/// An ECC public key: curve and big-endian affine coordinates, each `curve.coordinate_size()` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EccPublicKey<'a> {
    /// The curve.
    pub curve: EccCurve,
    /// Affine x of the public point, big-endian.
    pub x: &'a [u8],
    /// Affine y of the public point, big-endian.
    pub y: &'a [u8],
}

impl EccPublicKey<'_> {
    /// The uncompressed SEC 1 point 04 || x || y (SEC 1, 2.3.3).
    pub(crate) fn sec1_uncompressed(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(1 + self.x.len() + self.y.len());
        p.push(0x04);
        p.extend_from_slice(self.x);
        p.extend_from_slice(self.y);
        p
    }
}

/// Result of an ephemeral ECDH against a peer key (TPM2_MakeCredential for ECC EKs, Part 1 C.6.4).
#[derive(Debug)]
pub struct EcdhEphemeral {
    /// Ephemeral public point Q_e, x: the curve's coordinate size, big-endian.
    pub ephemeral_x: Vec<u8>,
    /// Ephemeral public point Q_e, y: the curve's coordinate size, big-endian.
    pub ephemeral_y: Vec<u8>,
    /// Z: the x-coordinate of the shared point (secret; zeroized on drop).
    pub shared_x: zeroize::Zeroizing<Vec<u8>>,
}

/// A public key as the verify entry point takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublicKeyRef<'a> {
    /// An RSA key.
    Rsa(RsaPublicKey<'a>),
    /// An ECC key.
    Ecc(EccPublicKey<'a>),
}

/// A signature as the verify entry point takes it (ECDSA r and s already range-checked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureRef<'a> {
    /// An RSASSA-PKCS1-v1_5 signature (RFC 8017, 8.2), big-endian.
    RsaPkcs1v15(&'a [u8]),
    /// An RSASSA-PSS signature (RFC 8017, 8.1), big-endian.
    RsaPss(&'a [u8]),
    /// An ECDSA signature (FIPS 186-5, 6; SEC 1, 4.1).
    Ecdsa {
        /// r, big-endian, 1 <= r < n.
        r: &'a [u8],
        /// s, big-endian, 1 <= s < n.
        s: &'a [u8],
    },
}

/// A per-key slot where a provider keeps its parsed form of a public key between calls.
///
/// An AK verifies many quotes, and turning key bytes into a library key (and checking the point
/// is on the curve) costs more than the verification itself, so [`crate::verify::AttestationKey`]
/// owns one of these. It holds whatever the first provider that used it put there; another
/// provider finds a type it does not know and prepares the key afresh on each call.
#[derive(Default)]
pub struct KeyCache(std::sync::OnceLock<Box<dyn core::any::Any + Send + Sync>>);

impl KeyCache {
    /// The value `prepare` made on first use, or `None` when the slot holds another type.
    pub fn get_or_init<T: core::any::Any + Send + Sync>(
        &self,
        prepare: impl FnOnce() -> T,
    ) -> Option<&T> {
        self.0
            .get_or_init(|| Box::new(prepare()))
            .downcast_ref::<T>()
    }

    /// `use_it` on the form `prepare` makes of this slot's key: made on first use and kept (a
    /// failed preparation is kept too, and returned as it is), or made for this call only when
    /// the slot holds another provider's form.
    #[cfg_attr(not(any(feature = "native", feature = "aws-lc")), allow(dead_code))]
    pub(crate) fn use_prepared<T: core::any::Any + Send + Sync, R>(
        &self,
        prepare: impl Fn() -> Result<T>,
        use_it: impl FnOnce(&T) -> Result<R>,
    ) -> Result<R> {
        match self.get_or_init(&prepare) {
            Some(Ok(prepared)) => use_it(prepared),
            Some(Err(e)) => Err(e.clone()),
            None => use_it(&prepare()?),
        }
    }
}

impl Clone for KeyCache {
    /// A fresh, empty slot: the cached form is cheap to rebuild and never shared.
    fn clone(&self) -> Self {
        KeyCache::default()
    }
}

impl core::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "KeyCache(prepared)"
        } else {
            "KeyCache(empty)"
        })
    }
}

/// The operations Aegis needs from a crypto library.
///
/// Every verify function takes the already computed digest of the signed bytes, returns `Ok(())`
/// only for a valid signature, and `Err(Error::SignatureInvalid)` for any invalid one (never a
/// panic). Key encodings that the library refuses are `Err(Error::KeyNotAllowed{..})`.
pub trait CryptoProvider: Send + Sync + core::fmt::Debug {
    /// "openssl", "rustcrypto" or "aws-lc-rs".
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

    /// Signs `digest` (the `scheme.hash()` of the message) with `key`: RSASSA-PKCS1-v1_5 (RFC
    /// 8017, 8.2.1), RSASSA-PSS (RFC 8017, 8.1.1, EMSA-PSS 9.1.1) with MGF1 over the same hash
    /// and salt length = digest length, or ECDSA (FIPS 186-5, 6.4.1; a digest longer than the
    /// curve is truncated to its leftmost bits). RSA signatures are exactly the modulus length;
    /// ECDSA r and s are left-padded to the curve's size.
    ///
    /// SHA-256, SHA-384 and SHA-512 only (SHA-1 is `HashNotAllowed`); a scheme that does not fit
    /// the key or a digest of the wrong length is `InvalidArgument`. A provider that cannot make
    /// the signature returns `Unsupported` (the default, and the pure provider for RSA).
    fn sign_digest(
        &self,
        key: &PrivateKey,
        scheme: SignatureScheme,
        digest: &[u8],
    ) -> Result<SignatureValue> {
        check_sign_request(key, scheme, digest)?;
        Err(crate::Error::Unsupported {
            what: "signing with this crypto provider",
        })
    }

    /// Generates a fresh private key (FIPS 186-5, A.2 for ECDSA; RFC 8017, 3.2 with e = 65537
    /// for RSA). `Unsupported` where the provider cannot (the default, and the pure provider
    /// for RSA).
    fn generate_private_key(&self, spec: KeySpec) -> Result<PrivateKey> {
        let _ = spec;
        Err(crate::Error::Unsupported {
            what: "key generation with this crypto provider",
        })
    }

    /// The public point Q = d·G (FIPS 186-5, 6.2.1) of the private scalar `scalar`, as affine x
    /// and y of the curve's size each. The scalar is big-endian and exactly the curve's size
    /// (else `InvalidFormat`) with 1 <= d < n (else `InvalidValue`).
    fn ecc_public_point(&self, curve: EccCurve, scalar: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
        let _ = (curve, scalar);
        Err(crate::Error::Unsupported {
            what: "EC point multiplication with this crypto provider",
        })
    }

    /// Verifies `sig` over `digest` with `key`, where `cache` belongs to `key` and may keep the
    /// provider's parsed form of it between calls. The default ignores the cache.
    fn verify_cached(
        &self,
        key: PublicKeyRef<'_>,
        cache: &KeyCache,
        hash: HashAlg,
        digest: &[u8],
        sig: SignatureRef<'_>,
    ) -> Result<()> {
        let _ = cache;
        match (key, sig) {
            (PublicKeyRef::Rsa(k), SignatureRef::RsaPkcs1v15(s)) => {
                self.verify_rsa_pkcs1v15(k, hash, digest, s)
            }
            (PublicKeyRef::Rsa(k), SignatureRef::RsaPss(s)) => {
                self.verify_rsa_pss(k, hash, digest, s)
            }
            (PublicKeyRef::Ecc(k), SignatureRef::Ecdsa { r, s }) => {
                self.verify_ecdsa(k, digest, r, s)
            }
            _ => Err(crate::Error::SignatureInvalid),
        }
    }
}

/// The checks every provider makes before signing (see [`CryptoProvider::sign_digest`]): a hash
/// other than SHA-1, a scheme that fits the key, a digest of the hash's length.
pub(crate) fn check_sign_request(
    key: &PrivateKey,
    scheme: SignatureScheme,
    digest: &[u8],
) -> Result<()> {
    software_signer::check_scheme(key, scheme)?;
    if digest.len() != scheme.hash().digest_size() {
        return Err(crate::Error::InvalidArgument {
            what: "digest length differs from the scheme's hash",
        });
    }
    Ok(())
}

/// The borrowed key forms the providers take, from a [`PublicKey`].
impl PublicKey {
    /// The borrowed form the crypto providers take.
    pub fn as_key_ref(&self) -> PublicKeyRef<'_> {
        match self {
            PublicKey::Rsa { modulus, exponent } => PublicKeyRef::Rsa(RsaPublicKey {
                modulus,
                exponent: *exponent,
            }),
            PublicKey::Ecc { curve, x, y } => PublicKeyRef::Ecc(EccPublicKey {
                curve: *curve,
                x,
                y,
            }),
        }
    }
}

/// Items 1 and 4, then the signature itself: the one place where a signature meets a crypto
/// provider. `sig` is the signature as received (RSA bytes; ECDSA r and s as encoded); an RSA
/// signature must be exactly the modulus length and ECDSA r and s no longer than the curve and
/// in [1, n-1] ([`check_rsa_signature_size`], [`ecdsa_scalar`]) before `provider` checks it over
/// `digest` (computed with `hash`). `cache` is the key's slot for the provider's parsed form
/// (an AK keeps one between quotes; one-off keys pass a fresh `KeyCache::default()`).
/// Quote and certify verification, X.509 path building and [`crate::verify::verify_signature`]
/// all end here, so every provider sees the same checked inputs.
pub(crate) fn verify_digest(
    provider: &dyn CryptoProvider,
    key: &PublicKey,
    cache: &KeyCache,
    hash: HashAlg,
    digest: &[u8],
    sig: SignatureRef<'_>,
) -> Result<()> {
    let (r, s);
    let checked = match (key, sig) {
        (
            PublicKey::Rsa { modulus, .. },
            SignatureRef::RsaPkcs1v15(bytes) | SignatureRef::RsaPss(bytes),
        ) => {
            check_rsa_signature_size(strip_leading_zeros(modulus), bytes)?;
            sig
        }
        (PublicKey::Ecc { curve, .. }, SignatureRef::Ecdsa { r: r_raw, s: s_raw }) => {
            r = ecdsa_scalar(r_raw, *curve)?;
            s = ecdsa_scalar(s_raw, *curve)?;
            SignatureRef::Ecdsa { r: &r, s: &s }
        }
        _ => {
            return Err(Error::InvalidArgument {
                what: "signature kind does not fit the key (RSA bytes or ECDSA r and s)",
            })
        }
    };
    provider.verify_cached(key.as_key_ref(), cache, hash, digest, checked)
}

/// EME-OAEP encoding (RFC 8017, 7.1.1 step 2) with MGF1 over `hash`, for a modulus of `k` bytes.
#[cfg_attr(not(feature = "native"), allow(dead_code))] // the pure provider encodes with the rsa crate
pub(crate) fn oaep_encode(
    hash: HashAlg,
    k: usize,
    label: &[u8],
    message: &[u8],
    seed: &[u8],
) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let h_len = hash.digest_size();
    if seed.len() != h_len || k < 2 * h_len + 2 || message.len() > k - 2 * h_len - 2 {
        return Err(crate::Error::InvalidArgument {
            what: "RSA-OAEP message too long for the key",
        });
    }
    let mut db = zeroize::Zeroizing::new(hash.digest(label));
    db.resize(k - h_len - 1 - message.len() - 1, 0);
    db.push(0x01);
    db.extend_from_slice(message);
    let mgf1 = |seed: &[u8], len: usize| -> Vec<u8> {
        let mut out = Vec::with_capacity(len + h_len);
        let mut counter = 0u32;
        while out.len() < len {
            out.extend_from_slice(&hash.digest_parts(&[seed, &counter.to_be_bytes()]));
            counter = counter.wrapping_add(1);
        }
        out.truncate(len);
        out
    };
    for (d, m) in db.iter_mut().zip(mgf1(seed, k - h_len - 1)) {
        *d ^= m;
    }
    let mut masked_seed = zeroize::Zeroizing::new(seed.to_vec());
    for (s, m) in masked_seed.iter_mut().zip(mgf1(&db, h_len)) {
        *s ^= m;
    }
    let mut em = zeroize::Zeroizing::new(Vec::with_capacity(k));
    em.push(0x00);
    em.extend_from_slice(&masked_seed);
    em.extend_from_slice(&db);
    Ok(em)
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

/// The default provider: native (OpenSSL) when built, else pure (RustCrypto), else aws-lc-rs.
pub fn default_provider() -> &'static dyn CryptoProvider {
    #[cfg(feature = "native")]
    {
        &native::OpenSslProvider
    }
    #[cfg(all(not(feature = "native"), feature = "pure"))]
    {
        &pure::RustCryptoProvider
    }
    #[cfg(all(not(feature = "native"), not(feature = "pure"), feature = "aws-lc"))]
    {
        &aws_lc::AwsLcProvider
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
    #[cfg(feature = "aws-lc")]
    v.push(&aws_lc::AwsLcProvider);
    v
}

#[cfg(not(any(feature = "native", feature = "pure", feature = "aws-lc")))]
compile_error!(
    "aegis-core needs at least one crypto provider: feature \"native\", \"pure\" or \"aws-lc\""
);

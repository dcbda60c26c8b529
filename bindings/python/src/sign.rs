//! Public keys, signatures and software signing: `PublicKey`, `verify_signature` and
//! `PrivateKey` over aegis-core's `keys::PublicKey`, `verify::verify_signature`,
//! `crypto::PrivateKey` and `crypto::SoftwareSigner` (bindings/API.md, the same concepts as the
//! C ABI's `aegis_public_key`, `aegis_signature_verify` and `aegis_private_key`).
//!
//! Schemes are strings "rsassa-sha256", "rsapss-sha384", "ecdsa-sha256", ... (scheme-hash);
//! signatures travel in one of three formats: "raw" (RSA signature bytes, or ECDSA r||s each
//! padded to the curve's size as in JWS and COSE), "der" (ECDSA-Sig-Value, RFC 3279 2.2.3) and
//! "tpmt" (TPMT_SIGNATURE, TCG Part 2 11.3.4). Verification and signing release the GIL.

use aegis_core::crypto::{
    default_provider, KeySpec, PrivateKey as CorePrivateKey, SignatureFormat as CoreFormat,
    SignatureScheme, SignatureValue, Signer, SoftwareSigner,
};
use aegis_core::keys::PublicKey as CoreKey;
use aegis_core::tpm::{EccCurve, HashAlg, Public};
use aegis_core::verify::{self, HashAllowList, KeyPolicy};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::args::{str_repr, ByteArg};
use crate::errors::{invalid_argument, IntoPyResult};

/// How a signature is encoded on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignatureFormat {
    /// RSA: the signature bytes (exactly the modulus length). ECDSA: r||s, each left-padded to
    /// the curve's size (RFC 7518, 3.4; RFC 9053, 2.1).
    Raw,
    /// ECDSA-Sig-Value DER (RFC 3279, 2.2.3); ECDSA only.
    Der,
    /// TPMT_SIGNATURE (TCG Part 2, 11.3.4), whose scheme and hash must be the ones given.
    Tpmt,
}

impl SignatureFormat {
    /// The core's format.
    pub(crate) fn core(self) -> CoreFormat {
        match self {
            SignatureFormat::Raw => CoreFormat::Raw,
            SignatureFormat::Der => CoreFormat::Der,
            SignatureFormat::Tpmt => CoreFormat::Tpmt,
        }
    }

    pub(crate) fn from_name(py: Python<'_>, name: &str) -> PyResult<Self> {
        match name {
            "raw" => Ok(SignatureFormat::Raw),
            "der" => Ok(SignatureFormat::Der),
            "tpmt" => Ok(SignatureFormat::Tpmt),
            _ => Err(invalid_argument(
                py,
                "format must be \"raw\", \"der\" or \"tpmt\"",
            )),
        }
    }
}

const SCHEME_USAGE: &str =
    "scheme must be \"rsassa-<hash>\", \"rsapss-<hash>\" or \"ecdsa-<hash>\" \
                            with hash \"sha1\", \"sha256\", \"sha384\" or \"sha512\"";

/// A scheme string ("rsassa-sha256", "rsapss-sha384", "ecdsa-sha512", ...) as the core's scheme.
/// "sha1" parses; whether it is accepted is the verifier's allow-list (and never for signing).
pub(crate) fn scheme_from_name(py: Python<'_>, name: &str) -> PyResult<SignatureScheme> {
    let (alg, hash) = name
        .split_once('-')
        .ok_or_else(|| invalid_argument(py, SCHEME_USAGE))?;
    let hash = HashAlg::from_name(hash).ok_or_else(|| invalid_argument(py, SCHEME_USAGE))?;
    match alg {
        "rsassa" => Ok(SignatureScheme::RsaPkcs1v15(hash)),
        "rsapss" => Ok(SignatureScheme::RsaPss(hash)),
        "ecdsa" => Ok(SignatureScheme::Ecdsa(hash)),
        _ => Err(invalid_argument(py, SCHEME_USAGE)),
    }
}

/// A public key: RSA or elliptic-curve (P-256, P-384, P-521).
///
/// Build one with `PublicKey.from_spki(data)` (a SubjectPublicKeyInfo, DER or PEM) or
/// `PublicKey.from_tpm_public(data)` (TPM2B_PUBLIC or TPMT_PUBLIC); `PrivateKey.public_key`
/// gives another. There is no other constructor. Keys compare equal when they are the same key.
#[pyclass(frozen, eq, module = "aegis._aegis")]
#[derive(Debug, PartialEq)]
pub struct PublicKey {
    pub(crate) inner: CoreKey,
}

#[pymethods]
impl PublicKey {
    /// Parses a SubjectPublicKeyInfo (RFC 5280, 4.1.2.7).
    ///
    /// Strict: a compressed EC point, an implicit curve, an RSA-PSS restricted key or another
    /// key algorithm are refused.
    ///
    /// Args:
    ///     data: the SubjectPublicKeyInfo as DER, or PEM labelled "PUBLIC KEY", told apart by
    ///         content; bytes-like.
    ///
    /// Returns:
    ///     PublicKey: the key.
    ///
    /// Raises:
    ///     ParseError: `data` is not a SubjectPublicKeyInfo.
    ///     KeyPolicyError: a key algorithm or curve Aegis does not take.
    ///     UsageError: `data` is not bytes-like.
    #[staticmethod]
    fn from_spki(py: Python<'_>, data: ByteArg<'_>) -> PyResult<Self> {
        let inner = CoreKey::from_spki(&data).py_err(py)?;
        Ok(PublicKey { inner })
    }

    /// The key of a TPM public area. The area's attributes are not checked
    /// (`AttestationKey.from_tpm_public` checks an AK's).
    ///
    /// Args:
    ///     data: a TPM2B_PUBLIC (as `tpm2_create -u` writes it) or TPMT_PUBLIC; bytes-like.
    ///
    /// Returns:
    ///     PublicKey: the area's key.
    ///
    /// Raises:
    ///     ParseError: `data` is not a TPM2B_PUBLIC or TPMT_PUBLIC.
    ///     UsageError: `data` is not bytes-like.
    #[staticmethod]
    fn from_tpm_public(py: Python<'_>, data: ByteArg<'_>) -> PyResult<Self> {
        let public = Public::parse_any(&data).py_err(py)?;
        Ok(PublicKey {
            inner: CoreKey::from_tpm_public(&public),
        })
    }

    /// The key as a DER SubjectPublicKeyInfo.
    ///
    /// Returns:
    ///     bytes: the DER SubjectPublicKeyInfo (what `from_spki` reads, and `cryptography`'s
    ///     `load_der_public_key`).
    ///
    /// Raises:
    ///     KeyPolicyError: the key has no SubjectPublicKeyInfo encoding here.
    fn to_spki_der<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let der = self.inner.to_spki_der().py_err(py)?;
        Ok(PyBytes::new(py, &der))
    }

    /// "rsa" or "ecc".
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner {
            CoreKey::Rsa { .. } => "rsa",
            CoreKey::Ecc { .. } => "ecc",
        }
    }

    /// The curve of an EC key ("P-256", "P-384", "P-521"); None for RSA.
    #[getter]
    fn curve(&self) -> Option<&'static str> {
        match self.inner {
            CoreKey::Ecc { curve, .. } => Some(curve.name()),
            CoreKey::Rsa { .. } => None,
        }
    }

    /// The RSA modulus size, or the curve's field size, in bits.
    #[getter]
    fn bits(&self) -> usize {
        self.inner.bits()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        match &self.inner {
            CoreKey::Rsa { .. } => format!("PublicKey(kind='rsa', bits={})", self.inner.bits()),
            CoreKey::Ecc { curve, .. } => {
                format!(
                    "PublicKey(kind='ecc', curve={})",
                    str_repr(py, curve.name())
                )
            }
        }
    }
}

/// Verifies a signature made outside a TPMS_ATTEST (EAR tokens, proofs of possession):
/// VERIFIER-CHECKS.md items 1, 3, 4 and 15. The GIL is released while verifying.
///
/// The key must be on the default allow-list (RSA 2048, 3072, 4096 with e = 65537; P-256,
/// P-384).
///
/// Args:
///     key: the `PublicKey` to verify with.
///     scheme: "rsassa-<hash>", "rsapss-<hash>" or "ecdsa-<hash>" with hash "sha256",
///         "sha384", "sha512" (or "sha1", refused unless `allow_sha1`).
///     message: the signed message (hashed here with the scheme's hash); bytes-like.
///     signature: the signature in `format`; bytes-like.
///     format: keyword-only; "raw" (default: RSA signature bytes, or ECDSA r||s each padded
///         to the curve's size), "der" (ECDSA-Sig-Value, RFC 3279) or "tpmt"
///         (TPMT_SIGNATURE, whose scheme and hash must be `scheme`'s).
///     allow_sha1: keyword-only; accept a SHA-1 scheme.
///
/// Returns:
///     None when the signature verifies.
///
/// Raises:
///     SignatureError: the signature does not verify ("SignatureInvalid"), has the wrong size,
///         a hash not allowed, or a scheme that does not fit the key.
///     ParseError: `signature` does not decode in `format`.
///     KeyPolicyError: the key is not on the allow-list.
///     UsageError: an unknown scheme or format, or a byte argument that is not bytes-like.
#[pyfunction]
#[pyo3(signature = (key, scheme, message, signature, *, format = "raw", allow_sha1 = false))]
pub fn verify_signature(
    py: Python<'_>,
    key: &Bound<'_, PublicKey>,
    scheme: &str,
    message: ByteArg<'_>,
    signature: ByteArg<'_>,
    format: &str,
    allow_sha1: bool,
) -> PyResult<()> {
    let scheme = scheme_from_name(py, scheme)?;
    let format = SignatureFormat::from_name(py, format)?;
    let mut hashes = HashAllowList::default();
    hashes.allow_sha1(allow_sha1);
    let key = &key.get().inner;
    let (message, signature): (&[u8], &[u8]) = (&message, &signature);
    py.allow_threads(|| {
        let value = SignatureValue::decode(format.core(), signature, scheme, key)?;
        verify::verify_signature(
            default_provider(),
            key,
            scheme,
            message,
            &value,
            &hashes,
            &KeyPolicy::default(),
        )
    })
    .py_err(py)
}

fn spec_from_name(py: Python<'_>, kind: &str) -> PyResult<KeySpec> {
    match kind {
        "ecc-p256" => Ok(KeySpec::Ecc(EccCurve::NistP256)),
        "ecc-p384" => Ok(KeySpec::Ecc(EccCurve::NistP384)),
        "rsa-2048" => Ok(KeySpec::Rsa { bits: 2048 }),
        "rsa-3072" => Ok(KeySpec::Rsa { bits: 3072 }),
        "rsa-4096" => Ok(KeySpec::Rsa { bits: 4096 }),
        _ => Err(invalid_argument(
            py,
            "kind must be \"ecc-p256\", \"ecc-p384\", \"rsa-2048\", \"rsa-3072\" or \"rsa-4096\"",
        )),
    }
}

fn spec_name(spec: KeySpec) -> String {
    match spec {
        KeySpec::Ecc(EccCurve::NistP256) => "ecc-p256".to_owned(),
        KeySpec::Ecc(EccCurve::NistP384) => "ecc-p384".to_owned(),
        KeySpec::Ecc(EccCurve::NistP521) => "ecc-p521".to_owned(),
        KeySpec::Rsa { bits } => format!("rsa-{bits}"),
    }
}

/// A software private key: ECDSA P-256/P-384 or RSA 2048 to 4096 bits.
///
/// Make one with `PrivateKey.generate(kind)` or read one with `PrivateKey.from_pem(data)`;
/// there is no other constructor. Sign with `sign`. The secret lives in Rust memory that is
/// wiped when the key is freed, and `repr` shows only the key's kind (the bytes `to_pem`
/// returns are an ordinary Python object the caller must protect).
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct PrivateKey {
    pub(crate) inner: CorePrivateKey,
}

#[pymethods]
impl PrivateKey {
    /// A fresh key. The GIL is released while generating.
    ///
    /// Args:
    ///     kind: "ecc-p256", "ecc-p384", "rsa-2048", "rsa-3072" or "rsa-4096" (RSA with
    ///         e = 65537).
    ///
    /// Returns:
    ///     PrivateKey: the new key.
    ///
    /// Raises:
    ///     UsageError: an unknown kind, or the crypto library failed ("CryptoProvider").
    #[staticmethod]
    fn generate(py: Python<'_>, kind: &str) -> PyResult<Self> {
        let spec = spec_from_name(py, kind)?;
        let inner = py
            .allow_threads(|| CorePrivateKey::generate(default_provider(), spec))
            .py_err(py)?;
        Ok(PrivateKey { inner })
    }

    /// Reads a private key from one PEM block.
    ///
    /// An EC key's stated public key must match its scalar; RSA keys must be 2048 to 4096 bits.
    ///
    /// Args:
    ///     data: one PEM block, "PRIVATE KEY" (unencrypted PKCS#8), "EC PRIVATE KEY" (SEC 1)
    ///         or "RSA PRIVATE KEY" (PKCS#1); bytes-like.
    ///
    /// Returns:
    ///     PrivateKey: the key.
    ///
    /// Raises:
    ///     ParseError: `data` is not such a PEM block.
    ///     KeyPolicyError: a key size or curve Aegis does not take, or an inconsistent EC key.
    ///     UsageError: `data` is not bytes-like.
    #[staticmethod]
    fn from_pem(py: Python<'_>, data: ByteArg<'_>) -> PyResult<Self> {
        let inner = CorePrivateKey::from_pem(default_provider(), &data).py_err(py)?;
        Ok(PrivateKey { inner })
    }

    /// The key as an unencrypted PKCS#8 "PRIVATE KEY" PEM block.
    ///
    /// Returns:
    ///     bytes: the PEM block (LF line endings): protect it as the secret it is.
    ///
    /// Raises:
    ///     UsageError: the crypto library failed to encode the key ("CryptoProvider").
    fn to_pem<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let pem = self.inner.to_pkcs8_pem().py_err(py)?;
        Ok(PyBytes::new(py, pem.as_bytes()))
    }

    /// The public half (a `PublicKey`).
    #[getter]
    fn public_key(&self) -> PublicKey {
        PublicKey {
            inner: self.inner.public_key().clone(),
        }
    }

    /// Signs a message. The GIL is released while signing.
    ///
    /// Args:
    ///     message: the message, hashed here with the scheme's hash; bytes-like.
    ///     scheme: "rsassa-<hash>", "rsapss-<hash>" (salt length = digest length) or
    ///         "ecdsa-<hash>" with hash "sha256", "sha384" or "sha512" (never SHA-1).
    ///     format: keyword-only; the signature's encoding: "raw" (default: RSA bytes, or
    ///         ECDSA r||s each padded to the curve's size), "der" (ECDSA-Sig-Value) or "tpmt"
    ///         (TPMT_SIGNATURE).
    ///
    /// Returns:
    ///     bytes: the signature in `format`.
    ///
    /// Raises:
    ///     UsageError: an unknown scheme or format, a scheme that does not fit the key, SHA-1,
    ///         or `message` not bytes-like.
    #[pyo3(signature = (message, scheme, *, format = "raw"))]
    fn sign<'py>(
        &self,
        py: Python<'py>,
        message: ByteArg<'_>,
        scheme: &str,
        format: &str,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let scheme = scheme_from_name(py, scheme)?;
        let format = SignatureFormat::from_name(py, format)?;
        let key = &self.inner;
        let message: &[u8] = &message;
        let sig = py
            .allow_threads(|| {
                let signer = SoftwareSigner::new(default_provider(), key.clone_key(), scheme)?;
                let value = signer.sign_digest(&scheme.hash().digest(message))?;
                value.encode(format.core(), scheme, key.public_key())
            })
            .py_err(py)?;
        Ok(PyBytes::new(py, &sig))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "PrivateKey(kind={})",
            str_repr(py, &spec_name(self.inner.spec()))
        )
    }
}

/// Registers the key, signature and signing surface.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PublicKey>()?;
    m.add_class::<PrivateKey>()?;
    m.add_function(wrap_pyfunction!(verify_signature, m)?)?;
    Ok(())
}

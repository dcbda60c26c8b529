//! EK certificate validation (VERIFIER-CHECKS.md item 14): the EK certificate chains to a
//! caller-given manufacturer CA store, every certificate is valid at the caller-given time, and
//! the certificate's key is the EK public area's key.
//!
//! - Certificates and paths: RFC 5280 (X.509 v3), through the one path builder
//!   ([`crate::x509`]) with its EK profile ([`Profile::Ek`]).
//! - EK certificates: TCG EK Credential Profile for TPM Family 2.0 (version 2.5), 3.2: the
//!   extensions it defines (subjectAltName with the TPM manufacturer, model and version,
//!   often critical with an empty subject; subjectDirectoryAttributes with the TPM
//!   specification; certificatePolicies; extKeyUsage tcg-kp-EKCertificate 2.23.133.8.1) are
//!   accepted even when critical, as are the RFC 5280 ones Aegis checks (basicConstraints,
//!   keyUsage) or that have no effect on path validation (key identifiers, CRL distribution
//!   points, authorityInfoAccess). Any other critical extension is refused.
//! - Signatures are verified through the [`CryptoProvider`] over the tbsCertificate bytes as
//!   received: RSASSA-PKCS1-v1_5 and RSASSA-PSS with SHA-256/384/512, ECDSA with
//!   SHA-256/384/512. SHA-1 signatures are refused.
//!
//! Nothing here reads a clock, a file or the network: the time and the CA store are arguments.

mod identity;
mod nv;
mod trust_store;

pub use crate::x509::MAX_CHAIN_DEPTH;
pub use identity::TpmIdentity;
pub use nv::trim_nv_certificate;
pub use trust_store::EkTrustStore;

use crate::crypto::CryptoProvider;
use crate::error::{Error, Result};
use crate::keys::PublicKey;
use crate::time::UnixTime;
use crate::tpm::Public;
use crate::x509::{PathBuilder, Profile};

/// An EK certificate that chains to the caller's store, is valid at the caller's time, and
/// certifies the EK public area given. Only [`verify_ek_certificate`] makes one.
#[derive(Clone, Debug)]
pub struct VerifiedEk {
    public: Public,
    subject: String,
    issuer: String,
    serial: Vec<u8>,
    chain_len: usize,
    tpm: TpmIdentity,
}

impl VerifiedEk {
    /// The EK public area (TPMT_PUBLIC) that the certificate certifies.
    pub fn public(&self) -> &Public {
        &self.public
    }
    /// The EK's Name (nameAlg || H(TPMT_PUBLIC)).
    pub fn name(&self) -> crate::tpm::Name {
        self.public.name()
    }
    /// The certificate's subject (RFC 4514 text; often empty for EK certificates).
    pub fn subject(&self) -> &str {
        &self.subject
    }
    /// The certificate's issuer (RFC 4514 text).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }
    /// The certificate's serial number, big-endian as encoded.
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }
    /// The serial number in lower-case hex.
    pub fn serial_hex(&self) -> String {
        hex::encode(&self.serial)
    }
    /// Number of certificates in the verified path, the EK certificate and the root included.
    pub fn chain_len(&self) -> usize {
        self.chain_len
    }
    /// TPM manufacturer, model and version from the subjectAltName, when present.
    pub fn tpm_identity(&self) -> &TpmIdentity {
        &self.tpm
    }
}

/// Verifies an EK certificate (DER; see [`trim_nv_certificate`] for certificates read from NV)
/// against the manufacturer CA `store` at time `now`, and checks that it certifies `ek_public`
/// (VERIFIER-CHECKS.md item 14).
///
/// Checks, in order: the certificate parses and has no unknown critical extension, is no CA
/// certificate and has a supported signature algorithm (`EkCertificateInvalid`); it is within
/// its validity period (`EkCertificateExpired`); its key equals the EK public area's
/// (`EkPublicKeyMismatch`); a path of at most [`MAX_CHAIN_DEPTH`] CA certificates leads to a root
/// of the store, each signature verifying, each issuer name matching, each CA with cA=TRUE (and
/// keyCertSign when it has keyUsage) within its path length constraint and valid at `now`
/// (`EkCertificateUntrusted`, or `EkCertificateExpired` when the only paths found have a CA
/// outside its validity period).
pub fn verify_ek_certificate(
    provider: &dyn CryptoProvider,
    cert_der: &[u8],
    ek_public: &Public,
    store: &EkTrustStore,
    now: UnixTime,
) -> Result<VerifiedEk> {
    let builder = PathBuilder::new(
        provider,
        store.roots(),
        store.intermediates(),
        now,
        Profile::Ek,
    );
    let leaf = builder.check_leaf(cert_der)?;
    // TCG EK Credential Profile 2.0, 3.2: the certificate's key is the EK itself.
    let cert_key = leaf.certificate().public_key()?;
    if !cert_key.same_key(&PublicKey::from_tpm_public(ek_public)) {
        return Err(Error::EkPublicKeyMismatch);
    }
    let path = builder.build(leaf)?;
    let cert = path.leaf();
    Ok(VerifiedEk {
        public: ek_public.clone(),
        subject: cert.subject(),
        issuer: cert.issuer(),
        serial: cert.serial().to_vec(),
        chain_len: path.len(),
        tpm: TpmIdentity::of(cert),
    })
}

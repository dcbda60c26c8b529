//! X.509 certificates (RFC 5280) and the one certificate path builder of Aegis, with a
//! [`Profile`] per kind of certificate (EK certificates, SPIFFE X.509-SVIDs).
//!
//! - Certificates are parsed strictly (DER, `x509-cert`), at most [`Profile::max_cert_bytes`]
//!   each; the tbsCertificate is kept as received for signature checks; duplicate extensions and
//!   critical extensions the profile does not understand make a certificate invalid (RFC 5280,
//!   4.2).
//! - Paths (RFC 5280, 6.1, simplified to what trust anchors given as certificates need): from
//!   the leaf up through the caller's intermediates to one of the caller's anchors, each
//!   certificate's issuer name equal to the next one's subject (6.1.3 (a)(4)), each signature
//!   verifying with the next one's key (6.1.3 (a)(1)), each CA with basicConstraints cA=TRUE and,
//!   when it has keyUsage, keyCertSign (4.2.1.9, 4.2.1.3, 6.1.4 (k), (n)), within its
//!   pathLenConstraint (6.1.4 (l), (m)), and valid at the caller's time (6.1.3 (a)(2)); at most
//!   [`Profile::max_depth`] CA certificates above the leaf. Several candidate issuers are tried
//!   depth-first (cross-certified or re-keyed CAs share names); at most 64 signature checks per
//!   path search bound the work a large store can cause.
//! - Signatures: RSASSA-PKCS1-v1_5 and RSASSA-PSS with SHA-256/384/512 (RFC 4055), ECDSA with
//!   SHA-256/384/512 (RFC 5758, 3.2), verified through the caller's [`CryptoProvider`]; an RSA
//!   signature must be exactly the modulus length and ECDSA's r and s no longer than the curve
//!   and in [1, n-1] (VERIFIER-CHECKS.md items 1 and 4). SHA-1 is refused.
//!
//! Nothing here reads a clock: the time is an argument.

mod pem;
mod profile;
mod spiffe;
#[cfg(all(test, feature = "native"))]
pub(crate) mod test_certs;
#[cfg(all(test, feature = "native"))]
mod tests;

pub(crate) use pem::pem_certificates;
pub use profile::{Profile, SPIFFE_MAX_DEPTH};
pub use spiffe::{SpiffeId, MAX_SPIFFE_ID_BYTES, MAX_TRUST_DOMAIN_BYTES};

use ::spki::AlgorithmIdentifierOwned;
use der::asn1::ObjectIdentifier;
use der::referenced::OwnedToRef;
use der::{Decode, Encode, Reader, SliceReader};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};
use x509_cert::ext::Extension;

use crate::crypto::verify_digest;
use crate::crypto::{CryptoProvider, KeyCache, SignatureRef, SignatureValue};
use crate::error::{Error, Result};
use crate::keys::{oid, PublicKey};
use crate::time::UnixTime;
use crate::tpm::HashAlg;

/// Most CA certificates above the leaf in one path (intermediates plus the anchor), for the EK
/// profile.
pub const MAX_CHAIN_DEPTH: usize = 5;
/// Largest certificate accepted under the EK profile (EK certificates are about 1 KiB; NV
/// indices hold at most 2 KiB on common TPMs).
pub const MAX_CERT_BYTES: usize = 16 * 1024;
/// Largest certificate accepted under the SPIFFE profile (an SVID may carry a signed EAR in its
/// CMW extension).
pub const MAX_SVID_CERT_BYTES: usize = 64 * 1024;
/// Most signature verifications one path search performs.
const MAX_SIGNATURE_CHECKS: usize = 64;

/// Why a certificate or a path failed, before its [`Profile`] names the error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PathError {
    /// The certificate is malformed or breaks the profile (RFC 5280, 4.1 and 4.2).
    Malformed(&'static str),
    /// A critical extension the profile does not understand (RFC 5280, 4.2).
    UnknownCritical(ObjectIdentifier),
    /// A certificate given as a CA cannot issue certificates (RFC 5280, 4.2.1.9 and 4.2.1.3).
    NotCa(&'static str),
    /// A certificate of the path is outside its validity period (RFC 5280, 4.1.2.5).
    Expired,
    /// No path leads to an anchor (RFC 5280, 6.1).
    Untrusted,
    /// An error that keeps its own variant (a key a provider refuses, for one).
    Other(Error),
}

impl From<Error> for PathError {
    fn from(e: Error) -> Self {
        PathError::Other(e)
    }
}

/// An X.509 v3 certificate (RFC 5280, 4.1), parsed under a [`Profile`], with the exact
/// tbsCertificate bytes it was decoded from.
#[derive(Clone, Debug)]
pub struct Certificate {
    cert: x509_cert::Certificate,
    tbs: Vec<u8>,
    /// The subjectPublicKeyInfo's key, or why it is unusable (reported when the key is used).
    key: core::result::Result<PublicKey, PathError>,
    profile: Profile,
}

impl Certificate {
    /// Parses a DER certificate under `profile`: at most [`Profile::max_cert_bytes`], strict DER, the
    /// tbsCertificate's signature algorithm equal to the outer one (RFC 5280, 4.1.1.2), no
    /// duplicate extension and no critical extension the profile does not understand (4.2).
    pub fn from_der(der: &[u8], profile: Profile) -> Result<Self> {
        Self::parse(der, profile).map_err(|e| profile.error(e))
    }

    fn parse(der: &[u8], profile: Profile) -> core::result::Result<Self, PathError> {
        let invalid = |_| PathError::Malformed("not a DER X.509 certificate");
        if der.len() > profile.max_cert_bytes() {
            return Err(PathError::Malformed(
                "certificate larger than the profile accepts",
            ));
        }
        let cert = x509_cert::Certificate::from_der(der).map_err(invalid)?;
        // The tbsCertificate as received: the first element of the outer SEQUENCE.
        let mut r = SliceReader::new(der).map_err(invalid)?;
        let tbs = r
            .sequence(|inner| {
                let tbs = inner.tlv_bytes()?.to_vec();
                inner.tlv_bytes()?; // signatureAlgorithm
                inner.tlv_bytes()?; // signatureValue
                Ok(tbs)
            })
            .map_err(invalid)?;
        if cert.tbs_certificate.signature != cert.signature_algorithm {
            return Err(PathError::Malformed(
                "tbsCertificate.signature differs from signatureAlgorithm",
            ));
        }
        let key =
            PublicKey::from_spki_info(&cert.tbs_certificate.subject_public_key_info.owned_to_ref())
                .map_err(|e| match e {
                    Error::InvalidFormat { what } => PathError::Malformed(what),
                    e => PathError::Other(e),
                });
        let parsed = Certificate {
            cert,
            tbs,
            key,
            profile,
        };
        parsed.check_extensions()?;
        Ok(parsed)
    }

    /// The profile the certificate was parsed under.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The subject's public key (RFC 5280, 4.1.2.7, read by [`PublicKey::from_spki`]'s rules).
    pub fn public_key(&self) -> Result<&PublicKey> {
        self.key.as_ref().map_err(|e| self.profile.error(e.clone()))
    }

    /// The subject name (RFC 5280, 4.1.2.6) as RFC 4514 text (empty for an empty name).
    pub fn subject(&self) -> String {
        self.cert.tbs_certificate.subject.to_string()
    }

    /// The issuer name (RFC 5280, 4.1.2.4) as RFC 4514 text.
    pub fn issuer(&self) -> String {
        self.cert.tbs_certificate.issuer.to_string()
    }

    /// The serial number (RFC 5280, 4.1.2.2), big-endian as encoded.
    pub fn serial(&self) -> &[u8] {
        self.cert.tbs_certificate.serial_number.as_bytes()
    }

    /// notBefore and notAfter (RFC 5280, 4.1.2.5).
    pub fn validity(&self) -> (UnixTime, UnixTime) {
        let v = &self.cert.tbs_certificate.validity;
        (
            UnixTime::from_secs(v.not_before.to_unix_duration().as_secs()),
            UnixTime::from_secs(v.not_after.to_unix_duration().as_secs()),
        )
    }

    /// Whether `time` is within the validity period, both ends included (RFC 5280, 4.1.2.5).
    pub fn valid_at(&self, time: UnixTime) -> bool {
        let (not_before, not_after) = self.validity();
        not_before <= time && time <= not_after
    }

    /// The SPIFFE ID of the certificate's one URI SAN (SPIFFE X509-SVID, 2), whatever the
    /// profile: `SvidUriSanMissing`, `SvidUriSanMultiple`, `SvidCertificateInvalid` for a
    /// malformed subjectAltName, or a [`SpiffeId::parse`] error.
    pub fn spiffe_id(&self) -> Result<SpiffeId> {
        spiffe::spiffe_id_of(self).map_err(|e| Profile::Spiffe.error(e))
    }

    /// The DER extnValue of the extension `id` (RFC 5280, 4.1.2.9), when present.
    pub fn extension_value(&self, id: ObjectIdentifier) -> Option<&[u8]> {
        self.extension(id).map(|e| e.extn_value.as_bytes())
    }

    /// The subject name as parsed (for an issuer building a certificate below this one).
    pub(crate) fn subject_name(&self) -> &x509_cert::name::Name {
        &self.cert.tbs_certificate.subject
    }

    fn extensions(&self) -> &[Extension] {
        self.cert
            .tbs_certificate
            .extensions
            .as_deref()
            .unwrap_or(&[])
    }

    fn extension(&self, id: ObjectIdentifier) -> Option<&Extension> {
        self.extensions().iter().find(|e| e.extn_id == id)
    }

    /// RFC 5280, 4.2: at most one instance of an extension, and every critical one understood
    /// by the profile.
    fn check_extensions(&self) -> core::result::Result<(), PathError> {
        let known = self.profile.known_critical();
        let mut seen: Vec<ObjectIdentifier> = Vec::new();
        for e in self.extensions() {
            if seen.contains(&e.extn_id) {
                return Err(PathError::Malformed("duplicate extension"));
            }
            seen.push(e.extn_id);
            if e.critical && !known.contains(&e.extn_id) {
                return Err(PathError::UnknownCritical(e.extn_id));
            }
        }
        Ok(())
    }

    /// basicConstraints (RFC 5280, 4.2.1.9), when present.
    pub(crate) fn basic_constraints(
        &self,
    ) -> core::result::Result<Option<BasicConstraints>, PathError> {
        self.extension(oid::BASIC_CONSTRAINTS)
            .map(|e| BasicConstraints::from_der(e.extn_value.as_bytes()))
            .transpose()
            .map_err(|_| PathError::Malformed("malformed basicConstraints"))
    }

    /// keyUsage (RFC 5280, 4.2.1.3), when present.
    pub(crate) fn key_usage(&self) -> core::result::Result<Option<KeyUsage>, PathError> {
        self.extension(oid::KEY_USAGE)
            .map(|e| KeyUsage::from_der(e.extn_value.as_bytes()))
            .transpose()
            .map_err(|_| PathError::Malformed("malformed keyUsage"))
    }

    /// RFC 5280, 4.1.2.4 and 6.1.3 (a)(4): this certificate names `ca` as its issuer.
    fn issued_by(&self, ca: &Certificate) -> bool {
        self.cert.tbs_certificate.issuer == ca.cert.tbs_certificate.subject
    }
}

/// A CA certificate (an anchor or an intermediate) with its pathLenConstraint.
#[derive(Clone, Debug)]
pub struct CaCertificate {
    cert: Certificate,
    path_len: Option<u8>,
}

impl CaCertificate {
    /// Parses a CA certificate under `profile` ([`Certificate::from_der`]) and checks that it
    /// may issue certificates: basicConstraints with cA=TRUE (RFC 5280, 4.2.1.9) and, when it
    /// has keyUsage, keyCertSign (4.2.1.3).
    pub fn from_der(der: &[u8], profile: Profile) -> Result<Self> {
        Self::parse(der, profile).map_err(|e| profile.error(e))
    }

    fn parse(der: &[u8], profile: Profile) -> core::result::Result<Self, PathError> {
        let cert = Certificate::parse(der, profile)?;
        let not_ca = PathError::NotCa(
            "CA certificate lacks basicConstraints cA=TRUE or keyUsage keyCertSign",
        );
        let bc = cert.basic_constraints()?.ok_or(not_ca.clone())?;
        if !bc.ca {
            return Err(not_ca);
        }
        if let Some(ku) = cert.key_usage()? {
            if !ku.key_cert_sign() {
                return Err(not_ca);
            }
        }
        Ok(CaCertificate {
            cert,
            path_len: bc.path_len_constraint,
        })
    }

    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// pathLenConstraint (RFC 5280, 4.2.1.9): most non-self-issued intermediates below it.
    pub fn path_len_constraint(&self) -> Option<u8> {
        self.path_len
    }
}

/// A leaf certificate that passed its profile's leaf checks and is valid at the builder's time;
/// only [`PathBuilder::check_leaf`] makes one.
#[derive(Clone, Debug)]
pub struct Leaf(Certificate);

impl Leaf {
    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.0
    }
}

/// A certificate path from a leaf to one of the caller's anchors, valid at the caller's time
/// (RFC 5280, 6.1); only [`PathBuilder::build`] makes one.
#[derive(Clone, Debug)]
pub struct VerifiedPath {
    leaf: Certificate,
    len: usize,
}

impl VerifiedPath {
    /// The leaf certificate.
    pub fn leaf(&self) -> &Certificate {
        &self.leaf
    }

    /// Number of certificates in the path, the leaf and the anchor included.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a path holds at least the leaf and an anchor.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The certificate path builder (RFC 5280, 6.1; see the module documentation): anchors,
/// intermediates, the time and the profile, then [`PathBuilder::check_leaf`] and
/// [`PathBuilder::build`] (or both at once with [`build_path`]).
///
/// Candidates parsed under another profile than the builder's are ignored.
#[derive(Clone, Copy, Debug)]
pub struct PathBuilder<'a> {
    provider: &'a dyn CryptoProvider,
    anchors: &'a [CaCertificate],
    intermediates: &'a [CaCertificate],
    time: UnixTime,
    profile: Profile,
}

impl<'a> PathBuilder<'a> {
    /// A builder over the caller's trust anchors and intermediates, checking validity at `time`
    /// and the rules of `profile`.
    pub fn new(
        provider: &'a dyn CryptoProvider,
        anchors: &'a [CaCertificate],
        intermediates: &'a [CaCertificate],
        time: UnixTime,
        profile: Profile,
    ) -> Self {
        PathBuilder {
            provider,
            anchors,
            intermediates,
            time,
            profile,
        }
    }

    /// The leaf's own checks, in order: it parses under the profile (invalid), meets the
    /// profile's leaf rules (invalid), has a supported signature algorithm (invalid: not an
    /// untrusted certificate), and is valid at the builder's time (expired).
    pub fn check_leaf(&self, der: &[u8]) -> Result<Leaf> {
        let leaf = Certificate::from_der(der, self.profile)?;
        self.check_leaf_rules(&leaf)
            .map_err(|e| self.profile.error(e))?;
        Ok(Leaf(leaf))
    }

    fn check_leaf_rules(&self, leaf: &Certificate) -> core::result::Result<(), PathError> {
        self.profile.check_leaf(leaf)?;
        SigAlg::of(&leaf.cert.signature_algorithm)?;
        if !leaf.valid_at(self.time) {
            return Err(PathError::Expired);
        }
        Ok(())
    }

    /// Searches a path from `leaf` to an anchor. When none is found, the error is the most
    /// specific one met: a key a provider refuses (`KeyNotAllowed`), else expired when only a
    /// CA outside its validity period stood in the way, else untrusted.
    pub fn build(&self, leaf: Leaf) -> Result<VerifiedPath> {
        let mut search = Search::default();
        let mut path = Vec::new();
        match self.find_path(&leaf.0, 0, &mut path, &mut search) {
            Some(above) => Ok(VerifiedPath {
                leaf: leaf.0,
                len: above + 1,
            }),
            None => Err(self.profile.error(search.outcome())),
        }
    }

    /// Depth-first search from `cert` (with `below` CA certificates between it and the leaf)
    /// to an anchor. Returns the number of certificates above `cert` on success.
    fn find_path(
        &self,
        cert: &Certificate,
        below: usize,
        path: &mut Vec<usize>,
        search: &mut Search,
    ) -> Option<usize> {
        if below >= self.profile.max_depth() {
            return None;
        }
        for anchor in self.anchors {
            if self.try_issuer(cert, anchor, below, search) {
                return Some(1);
            }
        }
        for (i, ca) in self.intermediates.iter().enumerate() {
            if path.contains(&i) || !self.try_issuer(cert, ca, below, search) {
                continue;
            }
            path.push(i);
            let found = self.find_path(&ca.cert, below + 1, path, search);
            path.pop();
            if let Some(n) = found {
                return Some(n + 1);
            }
        }
        None
    }

    /// Whether `ca` issued `cert` and may: name, signature, path length, validity.
    fn try_issuer(
        &self,
        cert: &Certificate,
        ca: &CaCertificate,
        below: usize,
        search: &mut Search,
    ) -> bool {
        if ca.cert.profile != self.profile || !cert.issued_by(&ca.cert) {
            return false;
        }
        if search.checks >= MAX_SIGNATURE_CHECKS {
            return false;
        }
        search.checks += 1;
        if let Err(e) = check_signature(self.provider, cert, &ca.cert) {
            search.note(e);
            return false;
        }
        if ca.path_len.is_some_and(|n| below > usize::from(n)) {
            search.note(PathError::Untrusted);
            return false;
        }
        if !ca.cert.valid_at(self.time) {
            search.note(PathError::Expired);
            return false;
        }
        true
    }
}

/// Checks `leaf_der` and builds its path in one call: [`PathBuilder::check_leaf`] then
/// [`PathBuilder::build`].
pub fn build_path(
    provider: &dyn CryptoProvider,
    leaf_der: &[u8],
    intermediates: &[CaCertificate],
    anchors: &[CaCertificate],
    time: UnixTime,
    profile: Profile,
) -> Result<VerifiedPath> {
    let builder = PathBuilder::new(provider, anchors, intermediates, time, profile);
    builder.build(builder.check_leaf(leaf_der)?)
}

/// What the path search met when it found no path.
#[derive(Debug, Default)]
struct Search {
    checks: usize,
    expired: bool,
    other: Option<PathError>,
}

impl Search {
    fn note(&mut self, e: PathError) {
        match e {
            PathError::Expired => self.expired = true,
            // A signature that does not verify, whatever the reason, is just a wrong candidate.
            PathError::Other(
                Error::SignatureInvalid
                | Error::SignatureLength { .. }
                | Error::EcdsaScalarOutOfRange,
            ) => {}
            e => {
                if self.other.is_none() {
                    self.other = Some(e);
                }
            }
        }
    }

    fn outcome(self) -> PathError {
        match self.other {
            // A provider that refuses a CA key (e.g. P-521 in the pure provider) says so.
            Some(PathError::Other(e @ Error::KeyNotAllowed { .. })) => PathError::Other(e),
            _ if self.expired => PathError::Expired,
            _ => PathError::Untrusted,
        }
    }
}

/// A verification algorithm named by a certificate's signatureAlgorithm (RFC 5280, 4.1.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SigAlg {
    RsaPkcs1(HashAlg),
    RsaPss(HashAlg),
    Ecdsa(HashAlg),
}

impl SigAlg {
    fn of(alg: &AlgorithmIdentifierOwned) -> core::result::Result<Self, PathError> {
        match alg.oid {
            oid::SHA256_WITH_RSA_ENCRYPTION => Ok(SigAlg::RsaPkcs1(HashAlg::Sha256)),
            oid::SHA384_WITH_RSA_ENCRYPTION => Ok(SigAlg::RsaPkcs1(HashAlg::Sha384)),
            oid::SHA512_WITH_RSA_ENCRYPTION => Ok(SigAlg::RsaPkcs1(HashAlg::Sha512)),
            oid::ECDSA_WITH_SHA256 => Ok(SigAlg::Ecdsa(HashAlg::Sha256)),
            oid::ECDSA_WITH_SHA384 => Ok(SigAlg::Ecdsa(HashAlg::Sha384)),
            oid::ECDSA_WITH_SHA512 => Ok(SigAlg::Ecdsa(HashAlg::Sha512)),
            oid::RSASSA_PSS => {
                // RFC 4055, 3.1: the parameters are required here (the SHA-1 defaults are
                // refused).
                let bad = PathError::Malformed("malformed RSASSA-PSS parameters");
                let params = alg.parameters.as_ref().ok_or(bad.clone())?;
                let params = params.to_der().map_err(|_| bad.clone())?;
                let pss = pkcs1::RsaPssParams::from_der(&params).map_err(|_| bad.clone())?;
                let hash = hash_from_oid(pss.hash.oid)?;
                if pss.mask_gen.oid != oid::MGF1 {
                    return Err(bad);
                }
                let mgf_hash = pss.mask_gen.parameters.as_ref().ok_or(bad.clone())?;
                if hash_from_oid(mgf_hash.oid)? != hash {
                    return Err(PathError::Malformed("RSASSA-PSS MGF1 hash differs"));
                }
                // The salt length is checked by the provider: digest length or maximum.
                Ok(SigAlg::RsaPss(hash))
            }
            _ => Err(PathError::Malformed("unsupported signature algorithm")),
        }
    }

    fn hash(self) -> HashAlg {
        match self {
            SigAlg::RsaPkcs1(h) | SigAlg::RsaPss(h) | SigAlg::Ecdsa(h) => h,
        }
    }
}

/// The hash an RSASSA-PSS parameter names (RFC 4055, 2.1; RFC 5754, 2).
fn hash_from_oid(id: ObjectIdentifier) -> core::result::Result<HashAlg, PathError> {
    match id {
        oid::SHA256 => Ok(HashAlg::Sha256),
        oid::SHA384 => Ok(HashAlg::Sha384),
        oid::SHA512 => Ok(HashAlg::Sha512),
        _ => Err(PathError::Malformed(
            "unsupported hash in RSASSA-PSS parameters",
        )),
    }
}

/// Verifies `cert`'s signature (RFC 5280, 4.1.1.3, over the tbsCertificate as received) with
/// `issuer`'s key. `Other(SignatureInvalid)` for a signature that does not verify; other errors
/// for unusable keys, algorithms or signature sizes.
fn check_signature(
    provider: &dyn CryptoProvider,
    cert: &Certificate,
    issuer: &Certificate,
) -> core::result::Result<(), PathError> {
    let alg = SigAlg::of(&cert.cert.signature_algorithm)?;
    let key = issuer.key.as_ref().map_err(Clone::clone)?;
    let sig = cert
        .cert
        .signature
        .as_bytes()
        .ok_or(Error::SignatureInvalid)?;
    let digest = alg.hash().digest(&cert.tbs);
    let ecdsa;
    let sig = match (alg, key) {
        (SigAlg::RsaPkcs1(_), PublicKey::Rsa { .. }) => SignatureRef::RsaPkcs1v15(sig),
        (SigAlg::RsaPss(_), PublicKey::Rsa { .. }) => SignatureRef::RsaPss(sig),
        (SigAlg::Ecdsa(_), PublicKey::Ecc { .. }) => {
            // RFC 5480, 2.2 / RFC 3279, 2.2.3: Ecdsa-Sig-Value ::= SEQUENCE { r, s INTEGER }.
            ecdsa = SignatureValue::from_ecdsa_der(sig).map_err(|_| Error::SignatureInvalid)?;
            match &ecdsa {
                SignatureValue::Ecdsa { r, s } => SignatureRef::Ecdsa { r, s },
                SignatureValue::Rsa(_) => return Err(Error::SignatureInvalid.into()),
            }
        }
        _ => return Err(Error::SignatureInvalid.into()),
    };
    Ok(verify_digest(
        provider,
        key,
        &KeyCache::default(),
        alg.hash(),
        &digest,
        sig,
    )?)
}

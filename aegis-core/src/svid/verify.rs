//! X.509-SVID verification (SPIFFE X509-SVID specification, 5): the leaf's SPIFFE rules and
//! the RFC 5280 path from the leaf through the presented intermediates to the caller's bundle,
//! at the caller's time, by the one path builder of Aegis under [`Profile::Spiffe`].

use serde_json::{json, Value};

use super::extensions::{AttestedClaimsJson, CmwEar, SvidExtensions};
use crate::crypto::CryptoProvider;
use crate::error::{Error, Result};
use crate::keys::PublicKey;
use crate::time::UnixTime;
use crate::x509::{CaCertificate, Certificate, PathBuilder, Profile, SpiffeId};

/// Most certificates in a presented chain (the leaf and its intermediates).
pub const MAX_CHAIN_CERTS: usize = 16;
/// Most certificates in a bundle.
pub const MAX_BUNDLE_CERTS: usize = 1024;

/// The X.509 CA certificates a caller trusts for one or more SPIFFE trust domains (SPIFFE
/// X509-SVID, 5.1 and 6.2: the "CA bundle"), each a CA certificate (basicConstraints cA=TRUE,
/// keyCertSign when it has keyUsage) under [`Profile::Spiffe`]; at most [`MAX_BUNDLE_CERTS`].
///
/// A SPIFFE bundle belongs to one trust domain: with [`SvidBundle::set_trust_domain`],
/// [`verify_svid`] accepts only leaves of that trust domain (as go-spiffe, which picks the bundle
/// by the leaf's trust domain); without it, any trust domain the bundle's CAs sign for.
#[derive(Clone, Debug, Default)]
pub struct SvidBundle {
    anchors: Vec<CaCertificate>,
    trust_domain: Option<String>,
}

impl SvidBundle {
    /// An empty bundle (nothing verifies against it).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one CA certificate (DER): `SvidSigningCertificateInvalid` when it is no CA,
    /// `SvidCertificateInvalid` when it does not parse, `InvalidArgument` when the bundle is
    /// full.
    pub fn add_der(&mut self, der: &[u8]) -> Result<()> {
        if self.anchors.len() >= MAX_BUNDLE_CERTS {
            return Err(Error::InvalidArgument {
                what: "SVID bundle is full",
            });
        }
        self.anchors
            .push(CaCertificate::from_der(der, Profile::Spiffe)?);
        Ok(())
    }

    /// A bundle of every `CERTIFICATE` block of a PEM input (RFC 7468, 5); all or nothing.
    pub fn from_pem(pem: &[u8]) -> Result<Self> {
        let mut bundle = Self::new();
        for der in pem_certificates(pem)? {
            bundle.add_der(&der)?;
        }
        Ok(bundle)
    }

    /// Restricts the bundle to the trust domain `name` (SPIFFE-ID, 2.1 syntax:
    /// `SvidTrustDomainInvalid` otherwise).
    pub fn set_trust_domain(&mut self, name: &str) -> Result<()> {
        let id = SpiffeId::parse(&format!("spiffe://{name}"))?;
        if !id.path().is_empty() {
            return Err(Error::SvidTrustDomainInvalid {
                what: "a trust domain name has no path",
            });
        }
        self.trust_domain = Some(id.trust_domain().to_owned());
        Ok(())
    }

    /// The trust domain the bundle is restricted to, if any.
    pub fn trust_domain(&self) -> Option<&str> {
        self.trust_domain.as_deref()
    }

    /// Number of CA certificates.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether the bundle holds no certificate.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

/// The DER certificates of a PEM input, in order: every `CERTIFICATE` block (RFC 7468, 5), text
/// outside the blocks ignored, each block a strict DER certificate (`SvidCertificateInvalid`
/// when there is none, a block is unreadable or another label); at most [`MAX_BUNDLE_CERTS`].
/// The one PEM reader of Aegis, shared with the EK trust store.
pub fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>> {
    crate::x509::pem_certificates(pem, MAX_BUNDLE_CERTS)
        .map_err(|what| Error::SvidCertificateInvalid { what })
}

/// An X.509-SVID that passed [`verify_svid`]: its SPIFFE ID, leaf, key and decoded extensions.
#[derive(Clone, Debug)]
pub struct VerifiedSvid {
    id: SpiffeId,
    leaf: Certificate,
    key: PublicKey,
    path_len: usize,
    extensions: SvidExtensions,
}

impl VerifiedSvid {
    /// The leaf's SPIFFE ID.
    pub fn spiffe_id(&self) -> &SpiffeId {
        &self.id
    }

    /// The leaf certificate.
    pub fn leaf(&self) -> &Certificate {
        &self.leaf
    }

    /// The leaf's public key (the workload's key).
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// Number of certificates in the verified path, the leaf and the bundle's anchor included.
    pub fn path_len(&self) -> usize {
        self.path_len
    }

    /// The leaf's AttestedClaims and CMW extensions.
    pub fn extensions(&self) -> &SvidExtensions {
        &self.extensions
    }

    /// The leaf's AttestedClaims JSON, when present.
    pub fn attested_claims(&self) -> Option<&AttestedClaimsJson> {
        self.extensions.attested_claims()
    }

    /// The leaf's CMW-wrapped EAR (unverified token bytes and their form), when present.
    pub fn ear(&self) -> Option<&CmwEar> {
        self.extensions.ear()
    }

    /// What the C, Python and Go surfaces hand out: `{"spiffe_id", "trust_domain", "path",
    /// "path_len", "attested_claims": object | null, "ear": {"choice", "format", "media_type",
    /// "token" (a JWT) | "token_base64" (a CWT)} | null}`.
    pub fn to_json(&self) -> Value {
        json!({
            "spiffe_id": self.id.as_str(),
            "trust_domain": self.id.trust_domain(),
            "path": self.id.path(),
            "path_len": self.path_len,
            "attested_claims": self.attested_claims().map(|c| Value::Object(c.to_object())),
            "ear": self.ear().map(CmwEar::to_json),
        })
    }
}

/// Verifies an X.509-SVID chain `[leaf, intermediates...]` (DER) against a caller-given bundle
/// at a caller-given time (SPIFFE X509-SVID, 5), checks in this order:
///
/// 1. the chain is not empty (`SvidChainEmpty`) and holds at most [`MAX_CHAIN_CERTS`]
///    (`SvidCertificateInvalid`);
/// 2. the leaf parses under [`Profile::Spiffe`] (`SvidCertificateInvalid`, a critical extension
///    the profile does not know: `SvidUnknownCriticalExtension`);
/// 3. the leaf rules of 5.2 ([`Profile::Spiffe`]: URI SAN, SPIFFE ID, not a CA, keyUsage);
/// 4. the leaf's signature algorithm is supported and the leaf is valid at `time`
///    (`SvidExpired`); its trust domain is the bundle's when the bundle names one
///    (`SvidTrustDomainMismatch`);
/// 5. every intermediate is a signing certificate: basicConstraints cA=TRUE and keyUsage with
///    keyCertSign (SPIFFE X509-SVID, 3.2 and 4.3; `SvidSigningCertificateInvalid`);
/// 6. a path leads from the leaf through intermediates to a bundle certificate, each signature
///    verifying, each CA valid at `time` and within its pathLenConstraint (`SvidUntrusted`,
///    `SvidExpired`);
/// 7. the leaf's AttestedClaims and CMW extensions, when present, decode
///    ([`SvidExtensions::of`]).
///
/// The EAR inside the CMW extension is returned, not verified: the caller verifies it with its
/// verifier key ([`crate::ear::verify_token`]).
pub fn verify_svid(
    provider: &dyn CryptoProvider,
    chain: &[&[u8]],
    bundle: &SvidBundle,
    time: UnixTime,
) -> Result<VerifiedSvid> {
    let (leaf_der, rest) = chain.split_first().ok_or(Error::SvidChainEmpty)?;
    if chain.len() > MAX_CHAIN_CERTS {
        return Err(Error::SvidCertificateInvalid {
            what: "more than 16 certificates in the chain",
        });
    }
    let leaf = PathBuilder::new(provider, &bundle.anchors, &[], time, Profile::Spiffe)
        .check_leaf(leaf_der)?;
    let id = leaf.certificate().spiffe_id()?;
    if let Some(expected) = &bundle.trust_domain {
        if id.trust_domain() != expected {
            return Err(Error::SvidTrustDomainMismatch {
                expected: expected.clone(),
                found: id.trust_domain().to_owned(),
            });
        }
    }
    let intermediates = rest
        .iter()
        .map(|der| CaCertificate::from_der(der, Profile::Spiffe))
        .collect::<Result<Vec<_>>>()?;
    // SPIFFE X509-SVID, 4.3: keyUsage is set on every SVID, so on every signing certificate the
    // chain presents (a bundle's roots follow RFC 5280 only).
    if intermediates
        .iter()
        .any(|ca| !matches!(ca.certificate().key_usage(), Ok(Some(_))))
    {
        return Err(Error::SvidSigningCertificateInvalid {
            what: "signing certificate without keyUsage",
        });
    }
    let path = PathBuilder::new(
        provider,
        &bundle.anchors,
        &intermediates,
        time,
        Profile::Spiffe,
    )
    .build(leaf)?;
    let leaf = path.leaf().clone();
    let key = leaf.public_key()?.clone();
    let extensions = SvidExtensions::of(&leaf)?;
    Ok(VerifiedSvid {
        id,
        leaf,
        key,
        path_len: path.len(),
        extensions,
    })
}

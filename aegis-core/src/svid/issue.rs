//! Issuing a leaf X.509-SVID (SPIFFE X509-SVID specification) through a [`Signer`], so that
//! Aegis can make SVIDs carrying an attestation result without SPIRE (the demo, tests, a small
//! CA). The certificate follows the profile [`super::verify_svid`] checks:
//!
//! - version 3, the caller's serial number, the issuer's subject as issuer, an empty subject and
//!   so a critical subjectAltName with the one URI SAN (RFC 5280, 4.1.2.6; SPIFFE X509-SVID, 2
//!   and 3.1);
//! - basicConstraints cA=FALSE, critical (4.1); keyUsage digitalSignature, critical (4.3);
//!   extKeyUsage id-kp-serverAuth and id-kp-clientAuth (4.4);
//! - subjectKeyIdentifier: the first 160 bits of the SHA-256 of the leaf's subjectPublicKey bits
//!   (RFC 7093, 2, method 1); authorityKeyIdentifier: the issuer certificate's
//!   subjectKeyIdentifier (RFC 5280, 4.2.1.1), or the same method on the issuer's key when it has
//!   none;
//! - then the caller's extensions (the AttestedClaims and CMW ones, [`ComposerExtension`]);
//! - signed with ECDSA (ecdsa-with-SHA256/384/512, RFC 5758, 3.2) or RSASSA-PKCS1-v1_5
//!   (sha256/384/512WithRSAEncryption, RFC 4055, 5); an RSASSA-PSS signer is refused.
//!
//! Times are UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280, 4.1.2.5).

use core::str::FromStr;
use core::time::Duration;

use der::asn1::{
    BitString, GeneralizedTime, Ia5String, Null, ObjectIdentifier, OctetString, UtcTime,
};
use der::{Any, Decode, Encode};
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate as X509, TbsCertificate, Version};

use super::extensions::ComposerExtension;
use crate::crypto::{SignatureFormat, SignatureScheme, Signer};
use crate::error::{Error, Result};
use crate::keys::{oid, PublicKey};
use crate::time::UnixTime;
use crate::tpm::HashAlg;
use crate::x509::{Certificate, SpiffeId};

/// Most extensions a caller adds to an SVID.
pub const MAX_EXTRA_EXTENSIONS: usize = 16;

/// What a leaf SVID certifies: its SPIFFE ID (with a path: SPIFFE X509-SVID, 3.1), its key, its
/// serial number (positive, at most 20 bytes, big-endian), its validity, and extra
/// non-critical extensions.
#[derive(Clone, Copy, Debug)]
pub struct SvidTemplate<'a> {
    /// The leaf's SPIFFE ID.
    pub spiffe_id: &'a SpiffeId,
    /// The leaf's public key (the workload's key, e.g. the TPM App Key).
    pub public_key: &'a PublicKey,
    /// The serial number, big-endian, positive, at most 20 bytes (RFC 5280, 4.1.2.2).
    pub serial: &'a [u8],
    /// notBefore.
    pub not_before: UnixTime,
    /// notAfter.
    pub not_after: UnixTime,
    /// Extensions to add (AttestedClaims, CMW), at most [`MAX_EXTRA_EXTENSIONS`].
    pub extensions: &'a [ComposerExtension],
}

fn bad(what: &'static str) -> Error {
    Error::InvalidArgument { what }
}

/// Issues a leaf X.509-SVID (module documentation) signed by `signer`, whose public key must be
/// `issuer`'s; returns the certificate's DER. `InvalidArgument` for a template that breaks the
/// profile (an ID without path, a serial that is zero, empty or longer than 20 bytes,
/// notAfter before notBefore, an extension the issuer writes itself or twice, a critical
/// one), for a signer key that is not the issuer's, or for an RSASSA-PSS signer.
pub fn issue_svid(
    template: &SvidTemplate<'_>,
    issuer: &Certificate,
    signer: &dyn Signer,
) -> Result<Vec<u8>> {
    if template.spiffe_id.path().is_empty() {
        return Err(bad("a leaf SVID's SPIFFE ID needs a path"));
    }
    if template.serial.is_empty()
        || template.serial.len() > 20
        || template.serial.iter().all(|b| *b == 0)
    {
        return Err(bad("serial number empty, zero or longer than 20 bytes"));
    }
    if template.not_after < template.not_before {
        return Err(bad("notAfter before notBefore"));
    }
    if template.extensions.len() > MAX_EXTRA_EXTENSIONS {
        return Err(bad("too many extensions"));
    }
    if issuer.public_key()? != signer.public_key() {
        return Err(bad("the signer's key is not the issuer certificate's key"));
    }
    let sig_alg = signature_algorithm(signer.scheme())?;
    let der_err = |_| bad("the certificate cannot be DER-encoded");
    let spki = SubjectPublicKeyInfoOwned::from_der(&template.public_key.to_spki_der()?)
        .map_err(der_err)?;
    let authority_key_id = match issuer.extension_value(oid::SUBJECT_KEY_IDENTIFIER) {
        Some(ski) => {
            SubjectKeyIdentifier::from_der(ski)
                .map_err(|_| bad("the issuer's subjectKeyIdentifier is malformed"))?
                .0
        }
        None => key_identifier(
            &SubjectPublicKeyInfoOwned::from_der(&signer.public_key().to_spki_der()?)
                .map_err(der_err)?,
        )?,
    };

    let uri = Ia5String::new(template.spiffe_id.as_str()).map_err(der_err)?;
    let mut extensions = vec![
        extension(
            oid::BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
        )?,
        extension(
            oid::KEY_USAGE,
            true,
            &KeyUsage(KeyUsages::DigitalSignature.into()),
        )?,
        extension(
            oid::EXT_KEY_USAGE,
            false,
            &ExtendedKeyUsage(vec![oid::KP_SERVER_AUTH, oid::KP_CLIENT_AUTH]),
        )?,
        extension(
            oid::SUBJECT_ALT_NAME,
            true,
            &SubjectAltName(vec![GeneralName::UniformResourceIdentifier(uri)]),
        )?,
        extension(
            oid::SUBJECT_KEY_IDENTIFIER,
            false,
            &SubjectKeyIdentifier(key_identifier(&spki)?),
        )?,
        extension(
            oid::AUTHORITY_KEY_IDENTIFIER,
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(authority_key_id),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        )?,
    ];
    for extra in template.extensions {
        let id = ObjectIdentifier::new(extra.oid()).map_err(|_| bad("extension OID invalid"))?;
        if extra.critical() {
            return Err(bad("an added extension is critical"));
        }
        if extensions.iter().any(|e| e.extn_id == id) {
            return Err(bad(
                "an extension is given twice or is one the issuer writes",
            ));
        }
        extensions.push(Extension {
            extn_id: id,
            critical: false,
            extn_value: OctetString::new(extra.value()).map_err(der_err)?,
        });
    }

    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(template.serial).map_err(der_err)?,
        signature: sig_alg.clone(),
        issuer: issuer.subject_name().clone(),
        validity: Validity {
            not_before: time(template.not_before)?,
            not_after: time(template.not_after)?,
        },
        subject: Default::default(),
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    sign(tbs, sig_alg, signer)
}

/// Signs `tbs` with `signer` into a certificate's DER (ECDSA signatures DER-encoded, RFC 5758,
/// 3.2; RSA ones as the raw signature, RFC 4055, 5).
fn sign(
    tbs: TbsCertificate,
    sig_alg: AlgorithmIdentifierOwned,
    signer: &dyn Signer,
) -> Result<Vec<u8>> {
    let der_err = |_| bad("the certificate cannot be DER-encoded");
    let tbs_der = tbs.to_der().map_err(der_err)?;
    let scheme = signer.scheme();
    let digest = scheme.hash().digest(&tbs_der);
    let value = signer.sign_digest(&digest)?;
    let sig = match scheme {
        SignatureScheme::Ecdsa(_) => {
            value.encode(SignatureFormat::Der, scheme, signer.public_key())?
        }
        _ => value.encode(SignatureFormat::Raw, scheme, signer.public_key())?,
    };
    X509 {
        tbs_certificate: tbs,
        signature_algorithm: sig_alg,
        signature: BitString::from_bytes(&sig).map_err(der_err)?,
    }
    .to_der()
    .map_err(der_err)
}

/// Issues a self-signed SPIFFE signing CA (SPIFFE X509-SVID, 4.1 and 4.3: cA=TRUE, keyUsage
/// keyCertSign and cRLSign, both critical; the trust domain's URI `spiffe://<trust_domain>` as
/// its one SAN; subject `O=<organisation>, CN=<trust_domain>`), for the signer's key; returns its
/// DER. For the demo and small deployments without SPIRE; SPIRE's own CA is the usual one.
pub fn issue_svid_ca(
    trust_domain: &str,
    organisation: &str,
    serial: &[u8],
    not_before: UnixTime,
    not_after: UnixTime,
    signer: &dyn Signer,
) -> Result<Vec<u8>> {
    let id = SpiffeId::parse(&format!("spiffe://{trust_domain}"))?;
    if !id.path().is_empty() {
        return Err(bad("a trust domain has no path"));
    }
    if serial.is_empty() || serial.len() > 20 || serial.iter().all(|b| *b == 0) {
        return Err(bad("serial number empty, zero or longer than 20 bytes"));
    }
    if not_after < not_before {
        return Err(bad("notAfter before notBefore"));
    }
    let der_err = |_| bad("the certificate cannot be DER-encoded");
    let name_err = |_| bad("organisation or trust domain cannot be a certificate name");
    if organisation.contains([',', '+', '=', '\\', '"']) {
        return Err(bad("organisation holds a character reserved in names"));
    }
    let name = x509_cert::name::Name::from_str(&format!("O={organisation},CN={trust_domain}"))
        .map_err(name_err)?;
    let sig_alg = signature_algorithm(signer.scheme())?;
    let spki = SubjectPublicKeyInfoOwned::from_der(&signer.public_key().to_spki_der()?)
        .map_err(der_err)?;
    let key_id = key_identifier(&spki)?;
    let uri = Ia5String::new(id.as_str()).map_err(der_err)?;
    let extensions = vec![
        extension(
            oid::BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: true,
                path_len_constraint: None,
            },
        )?,
        extension(
            oid::KEY_USAGE,
            true,
            &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
        )?,
        extension(
            oid::SUBJECT_ALT_NAME,
            false,
            &SubjectAltName(vec![GeneralName::UniformResourceIdentifier(uri)]),
        )?,
        extension(
            oid::SUBJECT_KEY_IDENTIFIER,
            false,
            &SubjectKeyIdentifier(key_id),
        )?,
    ];
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(serial).map_err(der_err)?,
        signature: sig_alg.clone(),
        issuer: name.clone(),
        validity: Validity {
            not_before: time(not_before)?,
            not_after: time(not_after)?,
        },
        subject: name,
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    sign(tbs, sig_alg, signer)
}

/// The scheme a certificate signer for `key` uses when the caller has no other preference:
/// ECDSA with the curve's hash (P-256 SHA-256, P-384 SHA-384, P-521 SHA-512; RFC 5758, 3.2), or
/// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 4055, 5). The bindings sign SVIDs and CAs with it.
pub fn certificate_scheme(key: &PublicKey) -> SignatureScheme {
    match key {
        PublicKey::Ecc { curve, .. } => SignatureScheme::Ecdsa(match curve {
            crate::tpm::EccCurve::NistP256 => HashAlg::Sha256,
            crate::tpm::EccCurve::NistP384 => HashAlg::Sha384,
            crate::tpm::EccCurve::NistP521 => HashAlg::Sha512,
        }),
        PublicKey::Rsa { .. } => SignatureScheme::RsaPkcs1v15(HashAlg::Sha256),
    }
}

/// The certificate signature algorithm of a signer's scheme (RFC 5758, 3.2; RFC 4055, 5).
fn signature_algorithm(scheme: SignatureScheme) -> Result<AlgorithmIdentifierOwned> {
    let (alg, null_params) = match scheme {
        SignatureScheme::Ecdsa(HashAlg::Sha256) => (oid::ECDSA_WITH_SHA256, false),
        SignatureScheme::Ecdsa(HashAlg::Sha384) => (oid::ECDSA_WITH_SHA384, false),
        SignatureScheme::Ecdsa(HashAlg::Sha512) => (oid::ECDSA_WITH_SHA512, false),
        SignatureScheme::RsaPkcs1v15(HashAlg::Sha256) => (oid::SHA256_WITH_RSA_ENCRYPTION, true),
        SignatureScheme::RsaPkcs1v15(HashAlg::Sha384) => (oid::SHA384_WITH_RSA_ENCRYPTION, true),
        SignatureScheme::RsaPkcs1v15(HashAlg::Sha512) => (oid::SHA512_WITH_RSA_ENCRYPTION, true),
        _ => {
            return Err(bad(
                "SVIDs are signed with ECDSA or RSASSA-PKCS1-v1_5 over SHA-256/384/512",
            ))
        }
    };
    Ok(AlgorithmIdentifierOwned {
        oid: alg,
        parameters: null_params.then(|| Any::from(Null)),
    })
}

/// An extension whose extnValue is the DER of `value`.
fn extension(id: ObjectIdentifier, critical: bool, value: &impl Encode) -> Result<Extension> {
    let der_err = |_| bad("an extension cannot be DER-encoded");
    Ok(Extension {
        extn_id: id,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(der_err)?).map_err(der_err)?,
    })
}

/// RFC 7093, 2, method 1: the leftmost 160 bits of the SHA-256 of the subjectPublicKey bits.
fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Result<OctetString> {
    let digest = Sha256::digest(spki.subject_public_key.raw_bytes());
    OctetString::new(digest.get(..20).unwrap_or_default())
        .map_err(|_| bad("key identifier cannot be DER-encoded"))
}

/// RFC 5280, 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
fn time(t: UnixTime) -> Result<Time> {
    let bad_time = |_| bad("a validity time is not representable");
    let dt =
        der::DateTime::from_unix_duration(Duration::from_secs(t.as_secs())).map_err(bad_time)?;
    Ok(if dt.year() < 2050 {
        Time::UtcTime(UtcTime::from_date_time(dt).map_err(bad_time)?)
    } else {
        Time::GeneralTime(GeneralizedTime::from_date_time(dt))
    })
}

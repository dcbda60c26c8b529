//! EK certificate validation (VERIFIER-CHECKS.md item 14): the EK certificate chains to a
//! caller-given manufacturer CA store, every certificate is valid at the caller-given time, and
//! the certificate's key is the EK public area's key.
//!
//! - Certificates: RFC 5280 (X.509 v3), parsed strictly with `x509-cert`.
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

use der::asn1::{ObjectIdentifier, UintRef};
use der::{Decode, Encode, Reader, SliceReader};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, SubjectAltName};
use x509_cert::Certificate;

use crate::crypto::{CryptoProvider, EccPublicKey, RsaPublicKey};
use crate::error::{Error, Result};
use crate::tpm::{EccCurve, HashAlg, Public, Unique};

/// Most CA certificates above the EK certificate in one path (intermediates plus the root).
pub const MAX_CHAIN_DEPTH: usize = 5;
/// Most signature verifications one call performs (bounds the work a large store can cause).
const MAX_SIGNATURE_CHECKS: usize = 64;
/// Most certificates a trust store holds.
const MAX_STORE_CERTS: usize = 4096;
/// Largest certificate accepted (EK certificates are about 1 KiB; NV indices hold at most 2 KiB
/// on common TPMs).
const MAX_CERT_BYTES: usize = 16 * 1024;

mod oid {
    use der::asn1::ObjectIdentifier as Oid;

    // Signature algorithms (RFC 8017 A.2.4, RFC 4055, RFC 5758 3.2).
    pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    pub const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
    pub const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
    pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    pub const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    pub const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    pub const ECDSA_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
    // Hash algorithms (RFC 5754, 2).
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
    // EC public keys and curves (RFC 5480, 2.1.1).
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    pub const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    pub const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
    pub const P521: Oid = Oid::new_unwrap("1.3.132.0.35");
    // Extensions (RFC 5280, 4.2).
    pub const SUBJECT_DIRECTORY_ATTRIBUTES: Oid = Oid::new_unwrap("2.5.29.9");
    pub const SUBJECT_KEY_IDENTIFIER: Oid = Oid::new_unwrap("2.5.29.14");
    pub const KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
    pub const SUBJECT_ALT_NAME: Oid = Oid::new_unwrap("2.5.29.17");
    pub const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
    pub const CRL_DISTRIBUTION_POINTS: Oid = Oid::new_unwrap("2.5.29.31");
    pub const CERTIFICATE_POLICIES: Oid = Oid::new_unwrap("2.5.29.32");
    pub const AUTHORITY_KEY_IDENTIFIER: Oid = Oid::new_unwrap("2.5.29.35");
    pub const EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");
    pub const AUTHORITY_INFO_ACCESS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");
    // TCG EK Credential Profile 2.0, 3.2.9 / TCG OID registry: TPM manufacturer, model, version
    // in the subjectAltName directoryName.
    pub const TPM_MANUFACTURER: Oid = Oid::new_unwrap("2.23.133.2.1");
    pub const TPM_MODEL: Oid = Oid::new_unwrap("2.23.133.2.2");
    pub const TPM_VERSION: Oid = Oid::new_unwrap("2.23.133.2.3");
}

/// Extensions accepted when marked critical (see the module documentation).
const KNOWN_CRITICAL: [ObjectIdentifier; 10] = [
    oid::SUBJECT_DIRECTORY_ATTRIBUTES,
    oid::SUBJECT_KEY_IDENTIFIER,
    oid::KEY_USAGE,
    oid::SUBJECT_ALT_NAME,
    oid::BASIC_CONSTRAINTS,
    oid::CRL_DISTRIBUTION_POINTS,
    oid::CERTIFICATE_POLICIES,
    oid::AUTHORITY_KEY_IDENTIFIER,
    oid::EXT_KEY_USAGE,
    oid::AUTHORITY_INFO_ACCESS,
];

/// A parsed certificate with the exact tbsCertificate bytes it was decoded from.
#[derive(Clone, Debug)]
struct ParsedCert {
    cert: Certificate,
    tbs: Vec<u8>,
}

impl ParsedCert {
    fn parse(der: &[u8]) -> Result<Self> {
        let invalid = |what| move |_| Error::EkCertificateInvalid { what };
        if der.len() > MAX_CERT_BYTES {
            return Err(Error::EkCertificateInvalid {
                what: "certificate larger than 16 KiB",
            });
        }
        let cert = Certificate::from_der(der).map_err(invalid("not a DER X.509 certificate"))?;
        // The tbsCertificate as received: the first element of the outer SEQUENCE.
        let mut r = SliceReader::new(der).map_err(invalid("not a DER X.509 certificate"))?;
        let tbs = r
            .sequence(|inner| {
                let tbs = inner.tlv_bytes()?.to_vec();
                inner.tlv_bytes()?; // signatureAlgorithm
                inner.tlv_bytes()?; // signatureValue
                Ok(tbs)
            })
            .map_err(invalid("not a DER X.509 certificate"))?;
        if cert.tbs_certificate.signature != cert.signature_algorithm {
            return Err(Error::EkCertificateInvalid {
                what: "tbsCertificate.signature differs from signatureAlgorithm",
            });
        }
        let parsed = ParsedCert { cert, tbs };
        parsed.check_critical_extensions()?;
        Ok(parsed)
    }

    fn extensions(&self) -> &[x509_cert::ext::Extension] {
        self.cert
            .tbs_certificate
            .extensions
            .as_deref()
            .unwrap_or(&[])
    }

    fn extension(&self, id: ObjectIdentifier) -> Option<&x509_cert::ext::Extension> {
        self.extensions().iter().find(|e| e.extn_id == id)
    }

    fn check_critical_extensions(&self) -> Result<()> {
        let mut seen: Vec<ObjectIdentifier> = Vec::new();
        for e in self.extensions() {
            if seen.contains(&e.extn_id) {
                return Err(Error::EkCertificateInvalid {
                    what: "duplicate extension",
                });
            }
            seen.push(e.extn_id);
            if e.critical && !KNOWN_CRITICAL.contains(&e.extn_id) {
                return Err(Error::EkCertificateInvalid {
                    what: "unknown critical extension",
                });
            }
        }
        Ok(())
    }

    fn basic_constraints(&self) -> Result<Option<BasicConstraints>> {
        self.extension(oid::BASIC_CONSTRAINTS)
            .map(|e| BasicConstraints::from_der(e.extn_value.as_bytes()))
            .transpose()
            .map_err(|_| Error::EkCertificateInvalid {
                what: "malformed basicConstraints",
            })
    }

    fn key_usage(&self) -> Result<Option<KeyUsage>> {
        self.extension(oid::KEY_USAGE)
            .map(|e| KeyUsage::from_der(e.extn_value.as_bytes()))
            .transpose()
            .map_err(|_| Error::EkCertificateInvalid {
                what: "malformed keyUsage",
            })
    }

    /// RFC 5280 4.2.1.9 and 4.2.1.3: a CA certificate says cA = TRUE, and keyCertSign when it
    /// has a keyUsage extension.
    fn check_ca(&self) -> Result<Option<u8>> {
        let not_ca = Error::EkCertificateInvalid {
            what: "CA certificate lacks basicConstraints cA=TRUE or keyUsage keyCertSign",
        };
        let bc = self.basic_constraints()?.ok_or(not_ca.clone())?;
        if !bc.ca {
            return Err(not_ca);
        }
        if let Some(ku) = self.key_usage()? {
            if !ku.key_cert_sign() {
                return Err(not_ca);
            }
        }
        Ok(bc.path_len_constraint)
    }

    fn valid_at(&self, now_unix: u64) -> bool {
        let v = &self.cert.tbs_certificate.validity;
        let not_before = v.not_before.to_unix_duration().as_secs();
        let not_after = v.not_after.to_unix_duration().as_secs();
        not_before <= now_unix && now_unix <= not_after
    }

    fn issued_by(&self, ca: &ParsedCert) -> bool {
        self.cert.tbs_certificate.issuer == ca.cert.tbs_certificate.subject
    }
}

/// A CA certificate in the store, with its path length constraint.
#[derive(Clone, Debug)]
struct CaCert {
    parsed: ParsedCert,
    path_len: Option<u8>,
}

/// The manufacturer CA certificates a caller trusts for EK certificates: roots (trust anchors)
/// and intermediates (used to build paths, trusted only through a root).
#[derive(Clone, Debug, Default)]
pub struct EkTrustStore {
    roots: Vec<CaCert>,
    intermediates: Vec<CaCert>,
}

impl EkTrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn add(list: &mut Vec<CaCert>, others: usize, der: &[u8]) -> Result<()> {
        if list.len() + others >= MAX_STORE_CERTS {
            return Err(Error::InvalidArgument {
                what: "EK trust store is full",
            });
        }
        let parsed = ParsedCert::parse(der)?;
        let path_len = parsed.check_ca()?;
        list.push(CaCert { parsed, path_len });
        Ok(())
    }

    fn pem_certs(pem: &[u8]) -> Result<Vec<Vec<u8>>> {
        let certs = Certificate::load_pem_chain(pem).map_err(|_| Error::EkCertificateInvalid {
            what: "PEM CA certificate unreadable",
        })?;
        if certs.is_empty() {
            return Err(Error::EkCertificateInvalid {
                what: "no certificate in PEM input",
            });
        }
        // Strict DER decoding makes the re-encoding identical to the bytes in the PEM.
        certs
            .iter()
            .map(|c| {
                c.to_der().map_err(|_| Error::EkCertificateInvalid {
                    what: "PEM CA certificate unreadable",
                })
            })
            .collect()
    }

    /// Adds a trust anchor (a manufacturer root CA certificate, DER).
    pub fn add_root_der(&mut self, der: &[u8]) -> Result<()> {
        Self::add(&mut self.roots, self.intermediates.len(), der)
    }

    /// Adds every certificate of a PEM input (one or more `CERTIFICATE` blocks) as a root.
    pub fn add_root_pem(&mut self, pem: &[u8]) -> Result<()> {
        for der in Self::pem_certs(pem)? {
            self.add_root_der(&der)?;
        }
        Ok(())
    }

    /// Adds an intermediate CA certificate (DER): used to build paths, never trusted on its own.
    pub fn add_intermediate_der(&mut self, der: &[u8]) -> Result<()> {
        Self::add(&mut self.intermediates, self.roots.len(), der)
    }

    /// Adds every certificate of a PEM input as an intermediate.
    pub fn add_intermediate_pem(&mut self, pem: &[u8]) -> Result<()> {
        for der in Self::pem_certs(pem)? {
            self.add_intermediate_der(&der)?;
        }
        Ok(())
    }

    /// Adds trust anchors given as one DER certificate or as PEM with one or more `CERTIFICATE`
    /// blocks, told apart by content (PEM starts with `-----BEGIN` after optional white space).
    /// All or nothing: on error the store is unchanged.
    pub fn add_root(&mut self, der_or_pem: &[u8]) -> Result<()> {
        self.add_any(der_or_pem, true)
    }

    /// Adds intermediates as [`EkTrustStore::add_root`] adds roots (DER or PEM, all or nothing).
    pub fn add_intermediate(&mut self, der_or_pem: &[u8]) -> Result<()> {
        self.add_any(der_or_pem, false)
    }

    fn add_any(&mut self, input: &[u8], root: bool) -> Result<()> {
        let start = input
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(input.len());
        let trimmed = input.get(start..).unwrap_or_default();
        let mut next = self.clone();
        match (root, trimmed.starts_with(b"-----BEGIN")) {
            (true, true) => next.add_root_pem(trimmed)?,
            (true, false) => next.add_root_der(input)?,
            (false, true) => next.add_intermediate_pem(trimmed)?,
            (false, false) => next.add_intermediate_der(input)?,
        }
        *self = next;
        Ok(())
    }

    /// Number of roots.
    pub fn root_count(&self) -> usize {
        self.roots.len()
    }

    /// Number of intermediates.
    pub fn intermediate_count(&self) -> usize {
        self.intermediates.len()
    }
}

/// The TPM identity from the EK certificate's subjectAltName (TCG EK Credential Profile 2.0,
/// 3.2.9): TPM manufacturer ("id:" + 4-byte vendor ID in hex), model and firmware version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TpmIdentity {
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub version: Option<String>,
}

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

/// Cuts an EK certificate read from an NV index (TCG EK Credential Profile 2.0, 2.2.1.5: the
/// index may be larger than the certificate, padded with zeros or 0xFF) to the length its outer
/// DER SEQUENCE declares. Input that does not start with a DER SEQUENCE, or that is shorter than
/// the declared length, is returned unchanged (and then fails to parse).
pub fn trim_nv_certificate(bytes: &[u8]) -> &[u8] {
    let declared = SliceReader::new(bytes).ok().and_then(|r| {
        let header = r.peek_header().ok()?;
        if header.tag != der::Tag::Sequence {
            return None;
        }
        let head = usize::try_from(header.encoded_len().ok()?).ok()?;
        head.checked_add(usize::try_from(header.length).ok()?)
    });
    match declared {
        Some(n) => bytes.get(..n).unwrap_or(bytes),
        None => bytes,
    }
}

/// A verification algorithm named by a certificate's signatureAlgorithm.
#[derive(Clone, Copy, Debug)]
enum SigAlg {
    RsaPkcs1(HashAlg),
    RsaPss(HashAlg),
    Ecdsa(HashAlg),
}

fn hash_from_oid(id: ObjectIdentifier) -> Result<HashAlg> {
    match id {
        oid::SHA256 => Ok(HashAlg::Sha256),
        oid::SHA384 => Ok(HashAlg::Sha384),
        oid::SHA512 => Ok(HashAlg::Sha512),
        _ => Err(Error::EkCertificateInvalid {
            what: "unsupported hash in RSASSA-PSS parameters",
        }),
    }
}

fn sig_alg(alg: &spki::AlgorithmIdentifierOwned) -> Result<SigAlg> {
    let unsupported = Error::EkCertificateInvalid {
        what: "unsupported signature algorithm",
    };
    match alg.oid {
        oid::SHA256_WITH_RSA => Ok(SigAlg::RsaPkcs1(HashAlg::Sha256)),
        oid::SHA384_WITH_RSA => Ok(SigAlg::RsaPkcs1(HashAlg::Sha384)),
        oid::SHA512_WITH_RSA => Ok(SigAlg::RsaPkcs1(HashAlg::Sha512)),
        oid::ECDSA_SHA256 => Ok(SigAlg::Ecdsa(HashAlg::Sha256)),
        oid::ECDSA_SHA384 => Ok(SigAlg::Ecdsa(HashAlg::Sha384)),
        oid::ECDSA_SHA512 => Ok(SigAlg::Ecdsa(HashAlg::Sha512)),
        oid::RSASSA_PSS => {
            // RFC 4055, 3.1: the parameters are required here (the SHA-1 defaults are refused).
            let bad = Error::EkCertificateInvalid {
                what: "malformed RSASSA-PSS parameters",
            };
            let params = alg.parameters.as_ref().ok_or(bad.clone())?;
            let params = params.to_der().map_err(|_| bad.clone())?;
            let pss = pkcs1::RsaPssParams::from_der(&params).map_err(|_| bad.clone())?;
            let hash = hash_from_oid(pss.hash.oid)?;
            if pss.mask_gen.oid != oid::MGF1 {
                return Err(bad);
            }
            let mgf_hash = pss.mask_gen.parameters.as_ref().ok_or(bad.clone())?;
            if hash_from_oid(mgf_hash.oid)? != hash {
                return Err(Error::EkCertificateInvalid {
                    what: "RSASSA-PSS MGF1 hash differs",
                });
            }
            // The salt length is checked by the provider: digest length or maximum.
            Ok(SigAlg::RsaPss(hash))
        }
        _ => Err(unsupported),
    }
}

/// A public key from a SubjectPublicKeyInfo, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
enum SpkiKey {
    Rsa {
        modulus: Vec<u8>,
        exponent: u32,
    },
    Ecc {
        curve: EccCurve,
        x: Vec<u8>,
        y: Vec<u8>,
    },
}

fn strip_zeros(v: &[u8]) -> &[u8] {
    let first = v.iter().position(|b| *b != 0).unwrap_or(v.len());
    v.get(first..).unwrap_or_default()
}

fn spki_key(spki: &spki::SubjectPublicKeyInfoOwned) -> Result<SpkiKey> {
    let bad = |what| Error::EkCertificateInvalid { what };
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or(bad("subjectPublicKey has unused bits"))?;
    match spki.algorithm.oid {
        oid::RSA_ENCRYPTION | oid::RSASSA_PSS => {
            let key =
                pkcs1::RsaPublicKey::from_der(bits).map_err(|_| bad("malformed RSA public key"))?;
            let e = strip_zeros(key.public_exponent.as_bytes());
            if e.len() > 4 {
                return Err(Error::KeyNotAllowed {
                    what: "RSA public exponent above 2^32",
                });
            }
            let exponent = e.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
            Ok(SpkiKey::Rsa {
                modulus: strip_zeros(key.modulus.as_bytes()).to_vec(),
                exponent,
            })
        }
        oid::EC_PUBLIC_KEY => {
            let curve_oid: ObjectIdentifier = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as().ok())
                .ok_or(bad("EC public key without a named curve"))?;
            let curve = match curve_oid {
                oid::P256 => EccCurve::NistP256,
                oid::P384 => EccCurve::NistP384,
                oid::P521 => EccCurve::NistP521,
                _ => {
                    return Err(Error::KeyNotAllowed {
                        what: "EC curve not supported",
                    })
                }
            };
            let n = curve.coordinate_size();
            // SEC 1, 2.3.3: uncompressed points only (0x04 || x || y).
            match bits.split_first() {
                Some((0x04, xy)) if xy.len() == 2 * n => {
                    let (x, y) = xy.split_at(n);
                    Ok(SpkiKey::Ecc {
                        curve,
                        x: x.to_vec(),
                        y: y.to_vec(),
                    })
                }
                _ => Err(bad("EC public key is not an uncompressed point")),
            }
        }
        _ => Err(Error::KeyNotAllowed {
            what: "certificate public key algorithm not supported",
        }),
    }
}

/// Whether big-endian `v` (leading zeros stripped) is in [1, n-1].
fn scalar_in_range(v: &[u8], order: &[u8]) -> bool {
    let v = strip_zeros(v);
    let n = strip_zeros(order);
    !v.is_empty() && (v.len() < n.len() || (v.len() == n.len() && v < n))
}

/// Verifies `cert`'s signature with `issuer`'s key. `Err(SignatureInvalid)` for a signature that
/// does not verify; other errors for unusable keys or algorithms.
fn verify_signature(
    provider: &dyn CryptoProvider,
    cert: &ParsedCert,
    issuer: &ParsedCert,
) -> Result<()> {
    let alg = sig_alg(&cert.cert.signature_algorithm)?;
    let key = spki_key(&issuer.cert.tbs_certificate.subject_public_key_info)?;
    let sig = cert
        .cert
        .signature
        .as_bytes()
        .ok_or(Error::SignatureInvalid)?;
    match (alg, &key) {
        (SigAlg::RsaPkcs1(h), SpkiKey::Rsa { modulus, exponent }) => provider.verify_rsa_pkcs1v15(
            RsaPublicKey {
                modulus,
                exponent: *exponent,
            },
            h,
            &h.digest(&cert.tbs),
            sig,
        ),
        (SigAlg::RsaPss(h), SpkiKey::Rsa { modulus, exponent }) => provider.verify_rsa_pss(
            RsaPublicKey {
                modulus,
                exponent: *exponent,
            },
            h,
            &h.digest(&cert.tbs),
            sig,
        ),
        (SigAlg::Ecdsa(h), SpkiKey::Ecc { curve, x, y }) => {
            // RFC 5480, 2.2 / RFC 3279, 2.2.3: Ecdsa-Sig-Value ::= SEQUENCE { r, s INTEGER }.
            let (r, s) = SliceReader::new(sig)
                .and_then(|mut rd| {
                    let rs = rd.sequence(|seq| {
                        let r = UintRef::decode(seq)?.as_bytes().to_vec();
                        let s = UintRef::decode(seq)?.as_bytes().to_vec();
                        Ok((r, s))
                    })?;
                    rd.finish(rs)
                })
                .map_err(|_| Error::SignatureInvalid)?;
            if !scalar_in_range(&r, curve.order()) || !scalar_in_range(&s, curve.order()) {
                return Err(Error::SignatureInvalid);
            }
            provider.verify_ecdsa(
                EccPublicKey {
                    curve: *curve,
                    x,
                    y,
                },
                &h.digest(&cert.tbs),
                &r,
                &s,
            )
        }
        _ => Err(Error::SignatureInvalid),
    }
}

/// What the path search found when it found no path.
#[derive(Debug, Default)]
struct Search {
    checks: usize,
    expired: bool,
    other: Option<Error>,
}

impl Search {
    fn note(&mut self, e: Error) {
        match e {
            Error::EkCertificateExpired => self.expired = true,
            Error::SignatureInvalid => {}
            e => {
                if self.other.is_none() {
                    self.other = Some(e);
                }
            }
        }
    }
}

/// Depth-first path search from `cert` (with `below` CA certificates between it and the EK
/// certificate) to a root. Returns the path length above `cert` on success.
fn find_path(
    provider: &dyn CryptoProvider,
    store: &EkTrustStore,
    cert: &ParsedCert,
    below: usize,
    path: &mut Vec<usize>,
    now_unix: u64,
    search: &mut Search,
) -> Option<usize> {
    if below >= MAX_CHAIN_DEPTH {
        return None;
    }
    let try_ca = |ca: &CaCert, search: &mut Search| -> bool {
        if !cert.issued_by(&ca.parsed) {
            return false;
        }
        if search.checks >= MAX_SIGNATURE_CHECKS {
            return false;
        }
        search.checks += 1;
        if let Err(e) = verify_signature(provider, cert, &ca.parsed) {
            search.note(e);
            return false;
        }
        if ca.path_len.is_some_and(|n| below > usize::from(n)) {
            search.note(Error::EkCertificateUntrusted);
            return false;
        }
        if !ca.parsed.valid_at(now_unix) {
            search.note(Error::EkCertificateExpired);
            return false;
        }
        true
    };
    for root in &store.roots {
        if try_ca(root, search) {
            return Some(1);
        }
    }
    for (i, ca) in store.intermediates.iter().enumerate() {
        if path.contains(&i) {
            continue;
        }
        if try_ca(ca, search) {
            path.push(i);
            let found = find_path(
                provider,
                store,
                &ca.parsed,
                below + 1,
                path,
                now_unix,
                search,
            );
            path.pop();
            if let Some(n) = found {
                return Some(n + 1);
            }
        }
    }
    None
}

fn tpm_identity(cert: &ParsedCert) -> TpmIdentity {
    let mut id = TpmIdentity::default();
    let Some(ext) = cert.extension(oid::SUBJECT_ALT_NAME) else {
        return id;
    };
    let Ok(san) = SubjectAltName::from_der(ext.extn_value.as_bytes()) else {
        return id;
    };
    for name in &san.0 {
        let x509_cert::ext::pkix::name::GeneralName::DirectoryName(dn) = name else {
            continue;
        };
        for rdn in &dn.0 {
            for atv in rdn.0.iter() {
                let text = atv
                    .value
                    .decode_as::<der::asn1::Utf8StringRef<'_>>()
                    .map(|s| s.to_string())
                    .or_else(|_| {
                        atv.value
                            .decode_as::<der::asn1::PrintableStringRef<'_>>()
                            .map(|s| s.to_string())
                    })
                    .ok();
                match atv.oid {
                    oid::TPM_MANUFACTURER => id.manufacturer = text,
                    oid::TPM_MODEL => id.model = text,
                    oid::TPM_VERSION => id.version = text,
                    _ => {}
                }
            }
        }
    }
    id
}

/// Verifies an EK certificate (DER; see [`trim_nv_certificate`] for certificates read from NV)
/// against the manufacturer CA `store` at time `now_unix` (seconds since the Unix epoch), and
/// checks that it certifies `ek_public`.
///
/// Checks, in order: the certificate parses and has no unknown critical extension
/// (`EkCertificateInvalid`); it is within its validity period (`EkCertificateExpired`); its key
/// equals the EK public area's (`EkPublicKeyMismatch`); a path of at most [`MAX_CHAIN_DEPTH`] CA
/// certificates leads to a root of the store, each signature verifying, each issuer name
/// matching, each CA with cA=TRUE (and keyCertSign when it has keyUsage) within its path length
/// constraint and valid at `now_unix` (`EkCertificateUntrusted`, or `EkCertificateExpired` when
/// the only paths found have a CA outside its validity period).
pub fn verify_ek_certificate(
    provider: &dyn CryptoProvider,
    cert_der: &[u8],
    ek_public: &Public,
    store: &EkTrustStore,
    now_unix: u64,
) -> Result<VerifiedEk> {
    let leaf = ParsedCert::parse(cert_der)?;
    if leaf.basic_constraints()?.is_some_and(|bc| bc.ca) {
        return Err(Error::EkCertificateInvalid {
            what: "EK certificate is a CA certificate",
        });
    }
    // Parse the signature algorithm up front: an unsupported one is an invalid certificate,
    // not an untrusted one.
    sig_alg(&leaf.cert.signature_algorithm)?;
    if !leaf.valid_at(now_unix) {
        return Err(Error::EkCertificateExpired);
    }

    let cert_key = spki_key(&leaf.cert.tbs_certificate.subject_public_key_info)?;
    let matches = match (ek_public.unique(), &cert_key) {
        (
            Unique::Rsa { modulus, exponent },
            SpkiKey::Rsa {
                modulus: m,
                exponent: e,
            },
        ) => strip_zeros(modulus) == m.as_slice() && exponent == *e,
        (
            Unique::Ecc { curve, x, y },
            SpkiKey::Ecc {
                curve: c,
                x: cx,
                y: cy,
            },
        ) => curve == *c && x == cx.as_slice() && y == cy.as_slice(),
        _ => false,
    };
    if !matches {
        return Err(Error::EkPublicKeyMismatch);
    }

    let mut search = Search::default();
    let mut path = Vec::new();
    let Some(above) = find_path(provider, store, &leaf, 0, &mut path, now_unix, &mut search) else {
        return Err(match search.other {
            // A provider that refuses a CA key (e.g. P-521 in the pure provider) says so.
            Some(e @ Error::KeyNotAllowed { .. }) => e,
            _ if search.expired => Error::EkCertificateExpired,
            _ => Error::EkCertificateUntrusted,
        });
    };

    let tbs = &leaf.cert.tbs_certificate;
    Ok(VerifiedEk {
        public: ek_public.clone(),
        subject: tbs.subject.to_string(),
        issuer: tbs.issuer.to_string(),
        serial: tbs.serial_number.as_bytes().to_vec(),
        chain_len: above + 1,
        tpm: tpm_identity(&leaf),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_cuts_padding_and_leaves_other_input() {
        let cert = [0x30, 0x03, 0x02, 0x01, 0x05];
        let mut padded = cert.to_vec();
        padded.extend_from_slice(&[0u8; 20]);
        assert_eq!(trim_nv_certificate(&padded), &cert);
        assert_eq!(trim_nv_certificate(&cert), &cert);
        assert_eq!(trim_nv_certificate(&cert[..3]), &cert[..3]);
        assert_eq!(trim_nv_certificate(&[0xff; 4]), &[0xff; 4]);
        assert_eq!(trim_nv_certificate(&[]), &[] as &[u8]);
        // Long-form length.
        let mut long = vec![0x30, 0x81, 0x80];
        long.extend_from_slice(&[0x04; 0x80]);
        let mut long_padded = long.clone();
        long_padded.extend_from_slice(&[0xff; 7]);
        assert_eq!(trim_nv_certificate(&long_padded), &long[..]);
    }

    #[test]
    fn scalar_range() {
        let n = EccCurve::NistP256.order();
        assert!(scalar_in_range(&[1], n));
        assert!(!scalar_in_range(&[0, 0], n));
        assert!(!scalar_in_range(n, n));
        let mut below = n.to_vec();
        *below.last_mut().unwrap() -= 1;
        assert!(scalar_in_range(&below, n));
    }
}

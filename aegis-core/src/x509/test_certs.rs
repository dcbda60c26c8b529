//! Certificates made with OpenSSL for the unit tests (the approach of tests/ek_certificate.rs).

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, PKeyRef, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage};
use openssl::x509::{X509Builder, X509Name, X509};

/// 2023-11-14T22:13:20Z.
pub(crate) const T0: i64 = 1_700_000_000;
/// 365 days.
pub(crate) const YEAR: i64 = 365 * 86_400;

/// A fresh P-256 key.
pub(crate) fn p256_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

/// A fresh RSA key of `bits`.
pub(crate) fn rsa_key(bits: u32) -> PKey<Private> {
    PKey::from_rsa(Rsa::generate(bits).unwrap()).unwrap()
}

/// What a test certificate is.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// cA=TRUE with keyCertSign; the path length constraint, if any.
    Ca(Option<u32>),
    /// An EK-like leaf: cA=FALSE, keyEncipherment.
    Leaf,
}

/// A certificate for `key` named `subject`, signed by `issuer` (its certificate and key) or
/// self-signed, valid [from, to] (Unix seconds), SHA-256.
pub(crate) fn make(
    subject: &str,
    key: &PKeyRef<Private>,
    issuer: Option<(&X509, &PKeyRef<Private>)>,
    from: i64,
    to: i64,
    kind: Kind,
) -> X509 {
    let mut name = X509Name::builder().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, subject).unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    let mut serial = [0u8; 8];
    openssl::rand::rand_bytes(&mut serial).unwrap();
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_slice(&serial).unwrap()).unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    match issuer {
        Some((c, _)) => b.set_issuer_name(c.subject_name()).unwrap(),
        None => b.set_issuer_name(&name).unwrap(),
    }
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(from).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(to).unwrap()).unwrap();
    match kind {
        Kind::Ca(path_len) => {
            let mut bc = BasicConstraints::new();
            bc.critical().ca();
            if let Some(n) = path_len {
                bc.pathlen(n);
            }
            b.append_extension(bc.build().unwrap()).unwrap();
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()
                    .unwrap(),
            )
            .unwrap();
        }
        Kind::Leaf => {
            b.append_extension(BasicConstraints::new().critical().build().unwrap())
                .unwrap();
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_encipherment()
                    .build()
                    .unwrap(),
            )
            .unwrap();
        }
    }
    let signer = issuer.map(|(_, k)| k).unwrap_or(key);
    b.sign(signer, MessageDigest::sha256()).unwrap();
    b.build()
}

/// A root and `n` intermediates below it (each P-256, valid [T0, T0 + 10 years], no path
/// length constraint), then the last CA's certificate and key for signing leaves.
pub(crate) struct Chain {
    /// The self-signed root.
    pub(crate) root: X509,
    /// Intermediates, the root's child first.
    pub(crate) intermediates: Vec<X509>,
    /// The issuing CA's key (the last intermediate's, or the root's).
    pub(crate) issuer_key: PKey<Private>,
}

impl Chain {
    /// A root and `n` intermediates.
    pub(crate) fn new(n: usize) -> Self {
        let root_key = p256_key();
        let root = make("Root", &root_key, None, T0, T0 + 10 * YEAR, Kind::Ca(None));
        let mut intermediates: Vec<X509> = Vec::new();
        let mut issuer_key = root_key;
        for i in 0..n {
            let key = p256_key();
            let issuer = intermediates.last().unwrap_or(&root).clone();
            let cert = make(
                &format!("Intermediate {i}"),
                &key,
                Some((&issuer, &issuer_key)),
                T0,
                T0 + 10 * YEAR,
                Kind::Ca(None),
            );
            intermediates.push(cert);
            issuer_key = key;
        }
        Chain {
            root,
            intermediates,
            issuer_key,
        }
    }

    /// The issuing CA's certificate.
    pub(crate) fn issuer(&self) -> &X509 {
        self.intermediates.last().unwrap_or(&self.root)
    }

    /// A leaf for `key` (valid [T0, T0 + 5 years]) issued by the last CA.
    pub(crate) fn leaf(&self, key: &PKeyRef<Private>, kind: Kind) -> Vec<u8> {
        make(
            "Leaf",
            key,
            Some((self.issuer(), &self.issuer_key)),
            T0,
            T0 + 5 * YEAR,
            kind,
        )
        .to_der()
        .unwrap()
    }
}

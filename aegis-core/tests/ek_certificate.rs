//! EK certificate validation (VERIFIER-CHECKS.md item 14) through both crypto providers:
//! the real swtpm EK certificates of testdata/ek (manifest kind "ek"), and synthetic chains made
//! here with OpenSSL for ECDSA, RSA-PSS and the CA checks. One negative test per error.
#![cfg(feature = "native")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use aegis_core::crypto::{all_providers, CryptoProvider};
use aegis_core::ek::{trim_nv_certificate, verify_ek_certificate, EkTrustStore, VerifiedEk};
use aegis_core::time::UnixTime;
use aegis_core::tpm::{
    alg, EccCurve, EccParms, HashAlg, KeyParms, ObjectAttributes, Public, RsaParms, Scheme, SymDef,
    Unique,
};
use aegis_core::{Error, Result};
use openssl::asn1::{Asn1Integer, Asn1Object, Asn1OctetString, Asn1Time};
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, PKeyRef, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage};
use openssl::x509::{X509Builder, X509Extension, X509Name, X509};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// One `kind: "ek"` entry of testdata/manifest.json, loaded.
struct EkVector {
    id: String,
    cert: Vec<u8>,
    public: Public,
    roots: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
    time: UnixTime,
}

impl EkVector {
    fn store(&self) -> EkTrustStore {
        let mut s = EkTrustStore::new();
        for r in &self.roots {
            s.add_root_pem(r).unwrap();
        }
        for i in &self.intermediates {
            s.add_intermediate_pem(i).unwrap();
        }
        s
    }
}

fn ek_vectors() -> Vec<EkVector> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(testdata().join("manifest.json")).unwrap()).unwrap();
    let list = manifest["vectors"]
        .as_array()
        .expect("manifest.json: no vectors list");
    let read = |v: &serde_json::Value| std::fs::read(testdata().join(v.as_str().unwrap())).unwrap();
    let vectors: Vec<EkVector> = list
        .iter()
        .filter(|v| v["kind"] == "ek")
        .map(|v| {
            assert_eq!(v["expect"]["verdict"], "valid", "{}", v["id"]);
            let public = Public::parse_any(&read(&v["ek_pub"])).unwrap();
            assert_eq!(
                public.name().to_hex(),
                v["ek_name"].as_str().unwrap(),
                "{}",
                v["id"]
            );
            EkVector {
                id: v["id"].as_str().unwrap().to_string(),
                cert: read(&v["ek_cert"]),
                public,
                roots: v["ca_roots"].as_array().unwrap().iter().map(read).collect(),
                intermediates: v["ca_intermediates"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(read)
                    .collect(),
                time: UnixTime::from_secs(v["verify_time"].as_u64().unwrap()),
            }
        })
        .collect();
    assert!(
        vectors.len() >= 2,
        "testdata/manifest.json has {} EK vectors, expected RSA and ECC",
        vectors.len()
    );
    vectors
}

fn each_provider(mut f: impl FnMut(&'static dyn CryptoProvider)) {
    let providers = all_providers();
    assert!(providers.len() >= 2 || !cfg!(feature = "pure"));
    for p in providers {
        f(p);
    }
}

fn verify(
    p: &dyn CryptoProvider,
    v: &EkVector,
    cert: &[u8],
    store: &EkTrustStore,
    time: UnixTime,
) -> Result<VerifiedEk> {
    verify_ek_certificate(p, cert, &v.public, store, time)
}

// ---------- the real swtpm EK certificates ----------

#[test]
fn swtpm_ek_certificates_verify() {
    for v in ek_vectors() {
        let store = v.store();
        each_provider(|p| {
            let ok = verify(p, &v, &v.cert, &store, v.time)
                .unwrap_or_else(|e| panic!("{} {}: {e}", v.id, p.name()));
            assert_eq!(ok.public(), &v.public);
            assert_eq!(ok.chain_len(), 3, "EK cert, intermediate, root");
            assert_eq!(ok.issuer(), "CN=swtpm-localca");
            assert!(!ok.serial().is_empty());
            // swtpm_localca writes the TPM manufacturer into the critical subjectAltName.
            assert_eq!(
                ok.tpm_identity().manufacturer.as_deref(),
                Some("id:00001014")
            );
            assert_eq!(ok.tpm_identity().model.as_deref(), Some("swtpm"));
        });
    }
}

#[test]
fn nv_padding_is_trimmed() {
    for v in ek_vectors() {
        let mut padded = v.cert.clone();
        padded.extend_from_slice(&[0u8; 300]);
        assert_eq!(trim_nv_certificate(&padded), &v.cert[..]);
        let store = v.store();
        each_provider(|p| {
            assert!(matches!(
                verify(p, &v, &padded, &store, v.time),
                Err(Error::EkCertificateInvalid { .. })
            ));
            assert!(verify(p, &v, trim_nv_certificate(&padded), &store, v.time).is_ok());
        });
    }
}

#[test]
fn wrong_root_store_is_untrusted() {
    // A root with the same name as the real one but another key, an empty store, and a store
    // without the intermediate.
    let impostor = ca_cert(
        "swtpm-localca-rootca",
        &rsa_key(),
        None,
        MessageDigest::sha256(),
        0,
        T0 + 100 * YEAR,
        Some(1),
    );
    for v in ek_vectors() {
        let mut wrong = EkTrustStore::new();
        wrong.add_root_der(&impostor.to_der().unwrap()).unwrap();
        for i in &v.intermediates {
            wrong.add_intermediate_pem(i).unwrap();
        }
        let mut no_intermediate = EkTrustStore::new();
        for r in &v.roots {
            no_intermediate.add_root_pem(r).unwrap();
        }
        each_provider(|p| {
            for store in [&wrong, &EkTrustStore::new(), &no_intermediate] {
                assert_eq!(
                    verify(p, &v, &v.cert, store, v.time).err(),
                    Some(Error::EkCertificateUntrusted),
                    "{}",
                    v.id
                );
            }
        });
    }
}

#[test]
fn tampered_signature_is_untrusted() {
    for v in ek_vectors() {
        let mut cert = v.cert.clone();
        let last = cert.len() - 1;
        cert[last] ^= 0x01;
        let store = v.store();
        each_provider(|p| {
            assert_eq!(
                verify(p, &v, &cert, &store, v.time).err(),
                Some(Error::EkCertificateUntrusted),
                "{}",
                v.id
            );
        });
    }
}

#[test]
fn outside_validity_is_expired() {
    for v in ek_vectors() {
        let store = v.store();
        let (not_before, _) = validity(&v.cert);
        // notAfter is 9999-12-31T23:59:59Z; a second later is year 10000.
        each_provider(|p| {
            for t in [not_before - 1, 253_402_300_800, 0] {
                assert_eq!(
                    verify(p, &v, &v.cert, &store, UnixTime::from_secs(t)).err(),
                    Some(Error::EkCertificateExpired),
                    "{} t={t}",
                    v.id
                );
            }
            assert!(verify(p, &v, &v.cert, &store, UnixTime::from_secs(not_before)).is_ok());
        });
    }
}

#[test]
fn ek_of_another_tpm_is_a_mismatch() {
    let vectors = ek_vectors();
    for v in &vectors {
        let store = v.store();
        // The same EK template with another key (another TPM), and the other vectors' EKs.
        let mut others = vec![other_tpm(&v.public)];
        others.extend(
            vectors
                .iter()
                .filter(|o| o.id != v.id)
                .map(|o| o.public.clone()),
        );
        each_provider(|p| {
            for other in &others {
                assert_eq!(
                    verify_ek_certificate(p, &v.cert, other, &store, v.time).err(),
                    Some(Error::EkPublicKeyMismatch),
                    "{}",
                    v.id
                );
            }
        });
    }
}

#[test]
fn garbage_is_invalid() {
    let v = &ek_vectors()[0];
    let store = v.store();
    let mut trailing = v.cert.clone();
    trailing.push(0);
    let inputs: Vec<Vec<u8>> = vec![
        vec![],
        b"not a certificate".to_vec(),
        vec![0x30, 0x82, 0xff, 0xff, 0x00],
        v.cert[..v.cert.len() / 2].to_vec(),
        trailing,
        v.public.tpmt_bytes().to_vec(),
    ];
    each_provider(|p| {
        for input in &inputs {
            let r = verify(p, v, input, &store, v.time);
            assert!(
                matches!(r, Err(Error::EkCertificateInvalid { .. })),
                "{}: {r:?}",
                p.name()
            );
        }
    });
    // CA stores refuse garbage too.
    let mut s = EkTrustStore::new();
    assert!(matches!(
        s.add_root_der(b"junk"),
        Err(Error::EkCertificateInvalid { .. })
    ));
    // Empty and truncated PEM too, as errors (x509-cert's PEM chain reader panicked on "").
    for pem in [&b"junk"[..], b"", b"-----BEGIN CERTIFICATE-----\n"] {
        assert!(matches!(
            s.add_root_pem(pem),
            Err(Error::EkCertificateInvalid { .. })
        ));
        assert!(matches!(
            s.add_intermediate_pem(pem),
            Err(Error::EkCertificateInvalid { .. })
        ));
    }
    // An EK certificate is no CA certificate.
    assert!(matches!(
        s.add_intermediate_der(&v.cert),
        Err(Error::EkCertificateInvalid { .. })
    ));
}

fn validity(cert_der: &[u8]) -> (u64, u64) {
    let c = X509::from_der(cert_der).unwrap();
    let epoch = Asn1Time::from_unix(0).unwrap();
    let secs = |t: &openssl::asn1::Asn1TimeRef| {
        let d = epoch.diff(t).unwrap();
        u64::try_from(i64::from(d.days) * 86_400 + i64::from(d.secs)).unwrap()
    };
    (secs(c.not_before()), secs(c.not_after()))
}

/// The same public area with another key: what another TPM's EK of the same template looks like.
fn other_tpm(p: &Public) -> Public {
    let parms = match &p.parms {
        KeyParms::Rsa(r) => {
            let k = Rsa::generate(u32::from(r.key_bits)).unwrap();
            KeyParms::Rsa(RsaParms {
                modulus: k.n().to_vec(),
                ..r.clone()
            })
        }
        KeyParms::Ecc(e) => {
            let (x, y, _) = ec_key(e.curve);
            KeyParms::Ecc(EccParms { x, y, ..e.clone() })
        }
    };
    Public::build(p.name_alg, p.attributes, p.auth_policy.clone(), parms).unwrap()
}

// ---------- synthetic chains (OpenSSL): ECDSA, RSA-PSS, CA checks ----------

fn nid(curve: EccCurve) -> Nid {
    match curve {
        EccCurve::NistP256 => Nid::X9_62_PRIME256V1,
        EccCurve::NistP384 => Nid::SECP384R1,
        EccCurve::NistP521 => Nid::SECP521R1,
    }
}

fn ec_key(curve: EccCurve) -> (Vec<u8>, Vec<u8>, PKey<Private>) {
    let group = EcGroup::from_curve_name(nid(curve)).unwrap();
    let key = EcKey::generate(&group).unwrap();
    let mut ctx = BigNumContext::new().unwrap();
    let mut x = BigNum::new().unwrap();
    let mut y = BigNum::new().unwrap();
    key.public_key()
        .affine_coordinates(&group, &mut x, &mut y, &mut ctx)
        .unwrap();
    let n = i32::try_from(curve.coordinate_size()).unwrap();
    (
        x.to_vec_padded(n).unwrap(),
        y.to_vec_padded(n).unwrap(),
        PKey::from_ec_key(key).unwrap(),
    )
}

fn rsa_key() -> PKey<Private> {
    PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap()
}

const EK_ATTRIBUTES: u32 = ObjectAttributes::FIXED_TPM
    | ObjectAttributes::FIXED_PARENT
    | ObjectAttributes::SENSITIVE_DATA_ORIGIN
    | ObjectAttributes::ADMIN_WITH_POLICY
    | ObjectAttributes::RESTRICTED
    | ObjectAttributes::DECRYPT;

/// An EK public area (TCG EK Credential Profile template L-2 shape) for an OpenSSL EC key.
fn ek_public_ecc(curve: EccCurve, x: Vec<u8>, y: Vec<u8>) -> Public {
    Public::build(
        HashAlg::Sha256,
        ObjectAttributes(EK_ATTRIBUTES),
        vec![0x11; 32],
        KeyParms::Ecc(EccParms {
            symmetric: SymDef::Aes {
                key_bits: 128,
                mode: alg::CFB,
            },
            scheme: Scheme::Null,
            curve,
            kdf: None,
            x,
            y,
        }),
    )
    .unwrap()
}

fn ek_public_rsa(key: &PKeyRef<Private>) -> Public {
    let rsa = key.rsa().unwrap();
    Public::build(
        HashAlg::Sha256,
        ObjectAttributes(EK_ATTRIBUTES),
        vec![0x11; 32],
        KeyParms::Rsa(RsaParms {
            symmetric: SymDef::Aes {
                key_bits: 128,
                mode: alg::CFB,
            },
            scheme: Scheme::Null,
            key_bits: 2048,
            exponent: 0,
            modulus: rsa.n().to_vec(),
        }),
    )
    .unwrap()
}

fn x509_name(cn: &str) -> X509Name {
    let mut n = X509Name::builder().unwrap();
    // An empty subject, as TCG EK certificates often have (the TPM is named in the SAN).
    if !cn.is_empty() {
        n.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    }
    n.build()
}

const T0: i64 = 1_700_000_000; // 2023-11-14
const YEAR: i64 = 365 * 86_400;

fn u(t: i64) -> UnixTime {
    UnixTime::from_secs(u64::try_from(t).unwrap())
}

/// A certificate for `subject_key`, signed by `issuer` (or self-signed), valid [from, to].
/// `ca`: Some(path length) makes a CA (pathlen < 0: no constraint).
#[allow(clippy::too_many_arguments)]
fn cert(
    subject: &str,
    subject_key: &PKeyRef<impl openssl::pkey::HasPublic>,
    issuer: Option<(&X509, &PKeyRef<Private>)>,
    self_key: Option<&PKeyRef<Private>>,
    md: MessageDigest,
    from: i64,
    to: i64,
    ca: Option<i32>,
    extra: Vec<X509Extension>,
) -> X509 {
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    let serial = BigNum::from_u32(rand_u16()).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&serial).unwrap())
        .unwrap();
    b.set_subject_name(&x509_name(subject)).unwrap();
    match issuer {
        Some((c, _)) => b.set_issuer_name(c.subject_name()).unwrap(),
        None => b.set_issuer_name(&x509_name(subject)).unwrap(),
    }
    b.set_pubkey(subject_key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(from).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(to).unwrap()).unwrap();
    match ca {
        Some(pathlen) => {
            let mut bc = BasicConstraints::new();
            bc.critical().ca();
            if pathlen >= 0 {
                bc.pathlen(u32::try_from(pathlen).unwrap());
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
        None => {
            b.append_extension(BasicConstraints::new().critical().build().unwrap())
                .unwrap();
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_encipherment()
                    .key_agreement()
                    .build()
                    .unwrap(),
            )
            .unwrap();
        }
    }
    for e in extra {
        b.append_extension(e).unwrap();
    }
    let signer = issuer.map(|(_, k)| k).or(self_key).unwrap();
    b.sign(signer, md).unwrap();
    b.build()
}

fn rand_u16() -> u32 {
    let mut b = [0u8; 2];
    openssl::rand::rand_bytes(&mut b).unwrap();
    u32::from(u16::from_be_bytes(b)) + 1
}

fn ca_cert(
    cn: &str,
    key: &PKeyRef<Private>,
    issuer: Option<(&X509, &PKeyRef<Private>)>,
    md: MessageDigest,
    from: i64,
    to: i64,
    pathlen: Option<i32>,
) -> X509 {
    cert(
        cn,
        key,
        issuer,
        Some(key),
        md,
        from,
        to,
        Some(pathlen.unwrap_or(-1)),
        vec![],
    )
}

/// ECDSA P-384 root -> ECDSA P-256 intermediate (SHA-384) -> EK certificate (SHA-256).
struct EcChain {
    root: X509,
    root_key: PKey<Private>,
    inter: X509,
    inter_key: PKey<Private>,
    ek: Public,
    ek_key: PKey<Private>,
}

fn ec_chain() -> EcChain {
    let (_, _, root_key) = ec_key(EccCurve::NistP384);
    let root = ca_cert(
        "Test EK Root P-384",
        &root_key,
        None,
        MessageDigest::sha384(),
        T0,
        T0 + 20 * YEAR,
        None,
    );
    let (_, _, inter_key) = ec_key(EccCurve::NistP256);
    let inter = ca_cert(
        "Test EK Intermediate P-256",
        &inter_key,
        Some((&root, &root_key)),
        MessageDigest::sha384(),
        T0,
        T0 + 10 * YEAR,
        Some(0),
    );
    let (x, y, ek_key) = ec_key(EccCurve::NistP256);
    EcChain {
        ek: ek_public_ecc(EccCurve::NistP256, x, y),
        ek_key,
        root,
        root_key,
        inter,
        inter_key,
    }
}

impl EcChain {
    fn leaf(&self, md: MessageDigest, extra: Vec<X509Extension>) -> Vec<u8> {
        cert(
            "",
            &self.ek_key,
            Some((&self.inter, &self.inter_key)),
            None,
            md,
            T0,
            T0 + 5 * YEAR,
            None,
            extra,
        )
        .to_der()
        .unwrap()
    }
    fn store(&self) -> EkTrustStore {
        let mut s = EkTrustStore::new();
        s.add_root_pem(&self.root.to_pem().unwrap()).unwrap();
        s.add_intermediate_der(&self.inter.to_der().unwrap())
            .unwrap();
        s
    }
}

#[test]
fn ecdsa_chain_verifies_with_each_hash() {
    let c = ec_chain();
    let store = c.store();
    for md in [
        MessageDigest::sha256(),
        MessageDigest::sha384(),
        MessageDigest::sha512(),
    ] {
        let leaf = c.leaf(md, vec![]);
        each_provider(|p| {
            let ok = verify_ek_certificate(p, &leaf, &c.ek, &store, u(T0 + YEAR)).unwrap();
            assert_eq!(ok.chain_len(), 3);
            assert_eq!(ok.issuer(), "CN=Test EK Intermediate P-256");
        });
    }
    // SHA-1 signatures are refused.
    let leaf = c.leaf(MessageDigest::sha1(), vec![]);
    each_provider(|p| {
        assert!(matches!(
            verify_ek_certificate(p, &leaf, &c.ek, &store, u(T0 + YEAR)),
            Err(Error::EkCertificateInvalid { .. })
        ));
    });
}

#[test]
fn expired_intermediate_is_expired() {
    let c = ec_chain();
    // The intermediate expired before the leaf did.
    let inter = ca_cert(
        "Test EK Intermediate P-256",
        &c.inter_key,
        Some((&c.root, &c.root_key)),
        MessageDigest::sha384(),
        T0,
        T0 + YEAR,
        Some(0),
    );
    let mut store = EkTrustStore::new();
    store.add_root_der(&c.root.to_der().unwrap()).unwrap();
    store
        .add_intermediate_der(&inter.to_der().unwrap())
        .unwrap();
    let leaf = c.leaf(MessageDigest::sha256(), vec![]);
    each_provider(|p| {
        assert!(verify_ek_certificate(p, &leaf, &c.ek, &store, u(T0 + YEAR - 1)).is_ok());
        assert_eq!(
            verify_ek_certificate(p, &leaf, &c.ek, &store, u(T0 + 2 * YEAR)).err(),
            Some(Error::EkCertificateExpired)
        );
    });
}

#[test]
fn ca_constraints_are_enforced() {
    let c = ec_chain();
    let leaf = c.leaf(MessageDigest::sha256(), vec![]);
    // pathLenConstraint 0 on the root forbids the intermediate below it.
    let strict_root = ca_cert(
        "Test EK Root P-384",
        &c.root_key,
        None,
        MessageDigest::sha384(),
        T0,
        T0 + 20 * YEAR,
        Some(0),
    );
    let mut store = EkTrustStore::new();
    store.add_root_der(&strict_root.to_der().unwrap()).unwrap();
    store
        .add_intermediate_der(&c.inter.to_der().unwrap())
        .unwrap();
    each_provider(|p| {
        assert_eq!(
            verify_ek_certificate(p, &leaf, &c.ek, &store, u(T0 + YEAR)).err(),
            Some(Error::EkCertificateUntrusted)
        );
    });
    // An intermediate without cA=TRUE cannot enter a store.
    let not_ca = cert(
        "Test EK Intermediate P-256",
        &c.inter_key,
        Some((&c.root, &c.root_key)),
        None,
        MessageDigest::sha384(),
        T0,
        T0 + 10 * YEAR,
        None,
        vec![],
    );
    let mut s = EkTrustStore::new();
    assert!(matches!(
        s.add_intermediate_der(&not_ca.to_der().unwrap()),
        Err(Error::EkCertificateInvalid { .. })
    ));
    // The intermediate alone is no trust anchor path to the root's store... but it may be a root:
    // a caller who trusts the intermediate directly gets a two-certificate path.
    let mut direct = EkTrustStore::new();
    direct.add_root_der(&c.inter.to_der().unwrap()).unwrap();
    each_provider(|p| {
        assert_eq!(
            verify_ek_certificate(p, &leaf, &c.ek, &direct, u(T0 + YEAR))
                .unwrap()
                .chain_len(),
            2
        );
    });
}

#[test]
fn critical_extensions() {
    let c = ec_chain();
    let store = c.store();
    let der = |v: &[u8]| Asn1OctetString::new_from_bytes(v).unwrap();
    // The TCG ones (critical subjectAltName with the TPM identity, subjectDirectoryAttributes)
    // are accepted; see swtpm_ek_certificates_verify for real ones. An unknown critical
    // extension is refused, the same one non-critical is ignored.
    let unknown = Asn1Object::from_str("1.3.6.1.4.1.55555.1").unwrap();
    let critical = X509Extension::new_from_der(&unknown, true, &der(&[0x05, 0x00])).unwrap();
    let leaf = c.leaf(MessageDigest::sha256(), vec![critical]);
    let non_critical = X509Extension::new_from_der(&unknown, false, &der(&[0x05, 0x00])).unwrap();
    let leaf_ok = c.leaf(MessageDigest::sha256(), vec![non_critical]);
    each_provider(|p| {
        assert!(matches!(
            verify_ek_certificate(p, &leaf, &c.ek, &store, u(T0 + YEAR)),
            Err(Error::EkCertificateInvalid { .. })
        ));
        assert!(verify_ek_certificate(p, &leaf_ok, &c.ek, &store, u(T0 + YEAR)).is_ok());
    });
}

#[test]
fn ecc_ek_of_another_curve_or_type_is_a_mismatch() {
    let c = ec_chain();
    let store = c.store();
    let leaf = c.leaf(MessageDigest::sha256(), vec![]);
    let Unique::Ecc { x, .. } = c.ek.unique() else {
        unreachable!()
    };
    // Same x, another y: still another key.
    let other = other_tpm(&c.ek);
    let mut same_x = other.clone();
    if let KeyParms::Ecc(e) = &other.parms {
        same_x = ek_public_ecc(EccCurve::NistP256, x.to_vec(), e.y.clone());
    }
    let p384 = {
        let (x, y, _) = ec_key(EccCurve::NistP384);
        ek_public_ecc(EccCurve::NistP384, x, y)
    };
    let rsa = ek_public_rsa(&rsa_key());
    each_provider(|p| {
        for other in [&other, &same_x, &p384, &rsa] {
            assert_eq!(
                verify_ek_certificate(p, &leaf, other, &store, u(T0 + YEAR)).err(),
                Some(Error::EkPublicKeyMismatch)
            );
        }
    });
}

/// RSA-PSS signed chain, made with the openssl command (the openssl crate cannot sign X.509
/// with PSS): salt = digest length for the root, maximum salt for the EK certificate.
#[test]
fn rsa_pss_chain_verifies() {
    let have_openssl = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_openssl {
        loud_skip("\n!!!!!!!! SKIPPED rsa_pss_chain_verifies: no openssl command !!!!!!!!\n");
        return;
    }
    let dir = std::env::temp_dir().join(format!("aegis-ek-pss-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "root.key",
        "-out",
        "root.pem",
        "-subj",
        "/CN=Test PSS Root",
        "-days",
        "3650",
        "-sha256",
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        "rsa_pss_saltlen:digest",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    run(&["genrsa", "-out", "ek.key", "2048"]);
    run(&[
        "req", "-new", "-key", "ek.key", "-subj", "/CN=ek", "-out", "ek.csr",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "keyUsage=critical,keyEncipherment\nextendedKeyUsage=2.23.133.8.1\n",
    )
    .unwrap();
    for salt in ["digest", "max"] {
        run(&[
            "x509",
            "-req",
            "-in",
            "ek.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-set_serial",
            "7",
            "-days",
            "365",
            "-sha384",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            &format!("rsa_pss_saltlen:{salt}"),
            "-extfile",
            "ext.cnf",
            "-outform",
            "DER",
            "-out",
            "ek.der",
        ]);
        let ek_key =
            PKey::private_key_from_pem(&std::fs::read(dir.join("ek.key")).unwrap()).unwrap();
        let ek = ek_public_rsa(&ek_key);
        let leaf = std::fs::read(dir.join("ek.der")).unwrap();
        let mut store = EkTrustStore::new();
        store
            .add_root_pem(&std::fs::read(dir.join("root.pem")).unwrap())
            .unwrap();
        let now = UnixTime::now();
        each_provider(|p| {
            let ok = verify_ek_certificate(p, &leaf, &ek, &store, now)
                .unwrap_or_else(|e| panic!("{} salt {salt}: {e}", p.name()));
            assert_eq!(ok.chain_len(), 2);
            let mut bad = leaf.clone();
            let last = bad.len() - 1;
            bad[last] ^= 0x80;
            assert_eq!(
                verify_ek_certificate(p, &bad, &ek, &store, now).err(),
                Some(Error::EkCertificateUntrusted)
            );
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Prints a skip notice straight to the process's stderr: libtest captures `eprintln!` of
/// passing tests, and a skip must be seen.
fn loud_skip(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// `add_root` / `add_intermediate` take DER or PEM by content (white space before PEM is fine)
/// and add all of a PEM input or nothing.
#[test]
fn store_takes_der_or_pem_by_content_all_or_nothing() {
    for v in ek_vectors() {
        let mut s = EkTrustStore::new();
        for r in &v.roots {
            let mut padded = b" \n\t".to_vec();
            padded.extend_from_slice(r);
            s.add_root(&padded).unwrap();
        }
        for i in &v.intermediates {
            let der = openssl::x509::X509::from_pem(i).unwrap().to_der().unwrap();
            s.add_intermediate(&der).unwrap();
        }
        each_provider(|p| {
            verify_ek_certificate(p, &v.cert, &v.public, &s, v.time).unwrap();
        });
        let (roots, intermediates) = (s.root_count(), s.intermediate_count());
        let mut mixed = v.intermediates[0].clone();
        mixed.extend_from_slice(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assert_eq!(
            s.add_intermediate(&mixed).unwrap_err().name(),
            "EkCertificateInvalid"
        );
        assert_eq!(
            s.add_root(b"\x30\x03\x02\x01\x00").unwrap_err().name(),
            "EkCertificateInvalid"
        );
        assert_eq!(
            (s.root_count(), s.intermediate_count()),
            (roots, intermediates)
        );
    }
}

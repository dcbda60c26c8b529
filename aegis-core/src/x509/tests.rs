//! The path builder under the EK profile, with certificates made by OpenSSL.

use super::test_certs::{make, p256_key, rsa_key, Chain, Kind, T0, YEAR};
use super::*;
use crate::crypto::all_providers;

fn ca(x: &openssl::x509::X509) -> CaCertificate {
    CaCertificate::from_der(&x.to_der().unwrap(), Profile::Ek).unwrap()
}

fn at(t: i64) -> UnixTime {
    UnixTime::from_secs(u64::try_from(t).unwrap())
}

fn build(
    chain_leaf: &[u8],
    anchors: &[CaCertificate],
    intermediates: &[CaCertificate],
    t: i64,
) -> Vec<Result<usize>> {
    all_providers()
        .into_iter()
        .map(|p| {
            build_path(p, chain_leaf, intermediates, anchors, at(t), Profile::Ek)
                .map(|path| path.len())
        })
        .collect()
}

fn all_eq(results: Vec<Result<usize>>, expected: Result<usize>) {
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(r, expected);
    }
}

#[test]
fn path_of_max_depth_verifies_one_deeper_is_untrusted() {
    // MAX_CHAIN_DEPTH CA certificates above the leaf: the root and MAX_CHAIN_DEPTH - 1
    // intermediates.
    for (n, expected) in [
        (MAX_CHAIN_DEPTH - 1, Ok(MAX_CHAIN_DEPTH + 1)),
        (MAX_CHAIN_DEPTH, Err(Error::EkCertificateUntrusted)),
    ] {
        let chain = Chain::new(n);
        let leaf = chain.leaf(&p256_key(), Kind::Leaf);
        let intermediates: Vec<_> = chain.intermediates.iter().map(ca).collect();
        all_eq(
            build(&leaf, &[ca(&chain.root)], &intermediates, T0 + YEAR),
            expected,
        );
    }
}

#[test]
fn expired_intermediate_at_the_given_time_is_expired() {
    let chain = Chain::new(1);
    let root_key_chain = Chain::new(0);
    // An intermediate valid for one year only, under a fresh root.
    let inter_key = p256_key();
    let inter = make(
        "Short-lived Intermediate",
        &inter_key,
        Some((&root_key_chain.root, &root_key_chain.issuer_key)),
        T0,
        T0 + YEAR,
        Kind::Ca(None),
    );
    let leaf = make(
        "Leaf",
        &p256_key(),
        Some((&inter, &inter_key)),
        T0,
        T0 + 5 * YEAR,
        Kind::Leaf,
    )
    .to_der()
    .unwrap();
    let anchors = [ca(&root_key_chain.root), ca(&chain.root)];
    let intermediates = [ca(&inter)];
    all_eq(build(&leaf, &anchors, &intermediates, T0 + YEAR), Ok(3));
    all_eq(
        build(&leaf, &anchors, &intermediates, T0 + YEAR + 1),
        Err(Error::EkCertificateExpired),
    );
    // The leaf itself outside its validity: expired before any path search.
    all_eq(
        build(&leaf, &anchors, &intermediates, T0 - 1),
        Err(Error::EkCertificateExpired),
    );
}

#[test]
fn wrong_issuer_signature_is_untrusted() {
    let chain = Chain::new(0);
    let leaf = chain.leaf(&p256_key(), Kind::Leaf);
    // A root with the same name and another key (P-256, then RSA-2048 and RSA-3072: a key of
    // another type or size never verifies, whatever the signature's length).
    for key in [p256_key(), rsa_key(2048), rsa_key(3072)] {
        let impostor = make("Root", &key, None, T0, T0 + 10 * YEAR, Kind::Ca(None));
        all_eq(
            build(&leaf, &[ca(&impostor)], &[], T0 + YEAR),
            Err(Error::EkCertificateUntrusted),
        );
        // With the real root among the candidates, the search goes on to it.
        all_eq(
            build(&leaf, &[ca(&impostor), ca(&chain.root)], &[], T0 + YEAR),
            Ok(2),
        );
    }
}

#[test]
fn rsa_signature_must_be_the_modulus_length() {
    let key = rsa_key(2048);
    let root = make("RSA Root", &key, None, T0, T0 + 10 * YEAR, Kind::Ca(None));
    let leaf = make(
        "Leaf",
        &p256_key(),
        Some((&root, &key)),
        T0,
        T0 + YEAR,
        Kind::Leaf,
    );
    let leaf = Certificate::from_der(&leaf.to_der().unwrap(), Profile::Ek).unwrap();
    let other = make(
        "RSA Root",
        &rsa_key(3072),
        None,
        T0,
        T0 + 10 * YEAR,
        Kind::Ca(None),
    );
    let other = Certificate::from_der(&other.to_der().unwrap(), Profile::Ek).unwrap();
    for p in all_providers() {
        let root = Certificate::from_der(&root.to_der().unwrap(), Profile::Ek).unwrap();
        assert_eq!(check_signature(p, &leaf, &root), Ok(()));
        assert_eq!(
            check_signature(p, &leaf, &other),
            Err(PathError::Other(Error::SignatureLength {
                size: 256,
                expected: 384
            }))
        );
    }
}

#[test]
fn leaf_that_is_a_ca_is_invalid_and_a_leaf_is_no_ca() {
    let chain = Chain::new(0);
    let as_ca = chain.leaf(&p256_key(), Kind::Ca(None));
    all_eq(
        build(&as_ca, &[ca(&chain.root)], &[], T0 + YEAR),
        Err(Error::EkCertificateInvalid {
            what: "EK certificate is a CA certificate",
        }),
    );
    // A leaf certificate (cA=FALSE) cannot be an anchor or an intermediate.
    let leaf = chain.leaf(&p256_key(), Kind::Leaf);
    assert_eq!(
        CaCertificate::from_der(&leaf, Profile::Ek).err(),
        Some(Error::EkCertificateInvalid {
            what: "CA certificate lacks basicConstraints cA=TRUE or keyUsage keyCertSign"
        })
    );
    // A leaf whose "issuer" is a leaf certificate: no path.
    let leaf_key = p256_key();
    let leaf_cert = make(
        "Leaf",
        &leaf_key,
        Some((&chain.root, &chain.issuer_key)),
        T0,
        T0 + YEAR,
        Kind::Leaf,
    );
    let below = make(
        "Below",
        &p256_key(),
        Some((&leaf_cert, &leaf_key)),
        T0,
        T0 + YEAR,
        Kind::Leaf,
    )
    .to_der()
    .unwrap();
    all_eq(
        build(&below, &[ca(&chain.root)], &[], T0 + YEAR),
        Err(Error::EkCertificateUntrusted),
    );
}

#[test]
fn path_length_constraint_is_enforced() {
    let root_key = p256_key();
    let root = make(
        "Root",
        &root_key,
        None,
        T0,
        T0 + 10 * YEAR,
        Kind::Ca(Some(0)),
    );
    let inter_key = p256_key();
    let inter = make(
        "Intermediate",
        &inter_key,
        Some((&root, &root_key)),
        T0,
        T0 + 10 * YEAR,
        Kind::Ca(None),
    );
    let leaf = make(
        "Leaf",
        &p256_key(),
        Some((&inter, &inter_key)),
        T0,
        T0 + YEAR,
        Kind::Leaf,
    )
    .to_der()
    .unwrap();
    all_eq(
        build(&leaf, &[ca(&root)], &[ca(&inter)], T0 + 1),
        Err(Error::EkCertificateUntrusted),
    );
    // The intermediate as an anchor: a two-certificate path.
    all_eq(build(&leaf, &[ca(&inter)], &[], T0 + 1), Ok(2));
}

#[test]
fn builder_steps_and_accessors() {
    let chain = Chain::new(1);
    let key = p256_key();
    let leaf = chain.leaf(&key, Kind::Leaf);
    let anchors = [ca(&chain.root)];
    let intermediates = [ca(&chain.intermediates[0])];
    assert_eq!(anchors[0].path_len_constraint(), None);
    for p in all_providers() {
        let b = PathBuilder::new(p, &anchors, &intermediates, at(T0 + 1), Profile::Ek);
        let checked = b.check_leaf(&leaf).unwrap();
        let cert = checked.certificate();
        assert_eq!(cert.subject(), "CN=Leaf");
        assert_eq!(cert.issuer(), "CN=Intermediate 0");
        assert_eq!(cert.profile(), Profile::Ek);
        assert_eq!(cert.validity(), (at(T0), at(T0 + 5 * YEAR)));
        assert_eq!(
            cert.public_key().unwrap().to_spki_der().unwrap(),
            key.public_key_to_der().unwrap()
        );
        let path = b.build(checked).unwrap();
        assert_eq!(path.len(), 3);
        assert!(!path.is_empty());
        assert_eq!(path.leaf().serial().len(), 8);
    }
}

//! X.509-SVID verification (`svid::verify_svid`, SPIFFE X509-SVID specification) on the chains
//! of testdata/svid (made by testdata/gen/make_svid_vectors.py with Python `cryptography`, the
//! extensions DER-encoded there independently of Aegis), through every crypto provider: the
//! valid chains' decoded extensions and what the chains cannot show. The verdict and error of
//! every chain (one per broken rule) are the manifest's "svid" vectors (tests/manifest.rs).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use aegis_core::crypto::all_providers;
use aegis_core::ear::TokenFormat;
use aegis_core::svid::{
    pem_certificates, verify_svid, CmwChoice, SpiffeId, SvidBundle, VerifiedSvid,
};
use aegis_core::time::UnixTime;
use aegis_core::x509::{Certificate, Profile};
use aegis_core::{Error, Result};
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/svid")
}

fn index() -> Value {
    serde_json::from_slice(&std::fs::read(dir().join("index.json")).unwrap()).unwrap()
}

fn bundle() -> SvidBundle {
    SvidBundle::from_pem(&std::fs::read(dir().join("bundle.pem")).unwrap()).unwrap()
}

fn time() -> UnixTime {
    UnixTime::from_secs(index()["time"].as_u64().unwrap())
}

fn chain(file: &str) -> Vec<Vec<u8>> {
    pem_certificates(&std::fs::read(dir().join(file)).unwrap()).unwrap()
}

fn verify(file: &str, at: UnixTime) -> Vec<Result<VerifiedSvid>> {
    let certs = chain(file);
    let refs: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    all_providers()
        .into_iter()
        .map(|p| verify_svid(p, &refs, &bundle(), at))
        .collect()
}

#[test]
fn the_valid_svid_exposes_its_id_key_and_both_extensions() {
    let ear = std::fs::read(dir().join("ear.jwt")).unwrap();
    let claims = std::fs::read(dir().join("attested-claims.json")).unwrap();
    for svid in verify("valid.chain.pem", time()) {
        let svid = svid.unwrap();
        let id = svid.spiffe_id();
        assert_eq!(id.trust_domain(), "example.org");
        assert_eq!(id.path(), "/ns/prod/sa/python-app");
        assert_eq!(svid.path_len(), 3);
        assert_eq!(
            svid.public_key(),
            svid.leaf().public_key().unwrap(),
            "the leaf's key"
        );
        assert_eq!(svid.attested_claims().unwrap().as_bytes(), claims);
        let cmw = svid.ear().unwrap();
        assert_eq!(cmw.choice(), CmwChoice::Json);
        assert_eq!(cmw.format(), TokenFormat::Jwt);
        assert_eq!(cmw.token(), ear.trim_ascii());
        assert_eq!(
            cmw.media_type(),
            "application/eat+jwt; eat_profile=\"tag:ietf.org,2026:rats/ear#04\""
        );
    }
}

#[test]
fn the_cwt_svid_carries_its_ear_in_the_cbor_arm() {
    let ear = std::fs::read(dir().join("ear.cwt")).unwrap();
    for svid in verify("valid-cwt.chain.pem", time()) {
        let svid = svid.unwrap();
        let cmw = svid.ear().unwrap();
        assert_eq!(
            (cmw.choice(), cmw.format()),
            (CmwChoice::Cbor, TokenFormat::Cwt)
        );
        assert_eq!(cmw.token(), ear);
        assert!(svid.attested_claims().is_none());
    }
}

#[test]
fn an_empty_chain_and_an_empty_bundle_are_refused() {
    for p in all_providers() {
        assert_eq!(
            verify_svid(p, &[], &bundle(), time()).unwrap_err(),
            Error::SvidChainEmpty
        );
        let certs = chain("valid-leaf-only.chain.pem");
        assert_eq!(
            verify_svid(p, &[&certs[0]], &SvidBundle::new(), time()).unwrap_err(),
            Error::SvidUntrusted
        );
    }
}

#[test]
fn a_too_long_chain_is_refused_before_any_work() {
    let certs = chain("valid.chain.pem");
    let refs: Vec<&[u8]> = std::iter::repeat(certs[1].as_slice()).take(17).collect();
    let e = verify_svid(all_providers()[0], &refs, &bundle(), time()).unwrap_err();
    assert!(matches!(e, Error::SvidCertificateInvalid { .. }), "{e}");
}

#[test]
fn a_leaf_is_not_a_bundle_certificate() {
    let certs = chain("valid.chain.pem");
    let mut b = SvidBundle::new();
    assert!(matches!(
        b.add_der(&certs[0]).unwrap_err(),
        Error::SvidSigningCertificateInvalid { .. }
    ));
    assert!(b.is_empty());
}

#[test]
fn the_intermediate_spiffe_id_is_read_under_any_profile() {
    let certs = chain("valid.chain.pem");
    let inter = Certificate::from_der(&certs[1], Profile::Spiffe).unwrap();
    assert_eq!(
        inter.spiffe_id().unwrap(),
        SpiffeId::parse("spiffe://example.org").unwrap()
    );
}

#[test]
fn unreadable_pem_is_refused() {
    for bad in [
        &b""[..],
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ] {
        assert!(matches!(
            pem_certificates(bad),
            Err(Error::SvidCertificateInvalid { .. })
        ));
    }
}

#[test]
fn pem_blocks_are_split_and_checked() {
    let text = std::fs::read_to_string(dir().join("valid.chain.pem")).unwrap();
    let with_text = format!("leaf and intermediate\n{text}trailing words\n");
    assert_eq!(pem_certificates(with_text.as_bytes()).unwrap().len(), 2);
    let key = std::fs::read(dir().join("root.key.pem")).unwrap();
    assert_eq!(
        pem_certificates(&key).unwrap_err(),
        Error::SvidCertificateInvalid {
            what: "PEM block is not a CERTIFICATE"
        }
    );
    let cut = &text[..text.find("-----END").unwrap()];
    assert_eq!(
        pem_certificates(cut.as_bytes()).unwrap_err(),
        Error::SvidCertificateInvalid {
            what: "PEM block without END line"
        }
    );
}

#[test]
fn a_bundle_for_one_trust_domain_refuses_a_leaf_of_another() {
    let certs = chain("valid.chain.pem");
    let refs: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    let mut b = bundle();
    b.set_trust_domain("example.org").unwrap();
    assert_eq!(b.trust_domain(), Some("example.org"));
    assert!(verify_svid(all_providers()[0], &refs, &b, time()).is_ok());
    b.set_trust_domain("other.example").unwrap();
    assert_eq!(
        verify_svid(all_providers()[0], &refs, &b, time()).unwrap_err(),
        Error::SvidTrustDomainMismatch {
            expected: "other.example".into(),
            found: "example.org".into()
        }
    );
    for bad in ["Example.org", "example.org/x", ""] {
        assert!(
            matches!(
                b.set_trust_domain(bad),
                Err(Error::SvidTrustDomainInvalid { .. })
            ),
            "{bad}"
        );
    }
}

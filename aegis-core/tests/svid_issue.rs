//! SVIDs Aegis issues (`svid::issue_svid`) with the AttestedClaims and CMW extensions, checked by
//! Aegis's own `verify_svid` and by other people's code (TESTING.md, "X.509"): `openssl x509
//! -text` and `openssl verify`, Python `cryptography`, go-spiffe v2 `x509svid.Parse` and
//! `x509svid.Verify` (tests/peers/go-spiffe); and Aegis refuses go-spiffe's own invalid SVID
//! fixtures (read from the Go module cache at test time) for the reasons go-spiffe names.
//!
//! A missing peer (openssl, python3 with cryptography, go) skips its part with a loud message;
//! AEGIS_REQUIRE_GO=1 makes a missing Go a failure.
#![cfg(feature = "native")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use aegis_core::crypto::{
    default_provider, KeySpec, PrivateKey, SignatureScheme, Signer, SoftwareSigner,
};
use aegis_core::ear::{Dialect, TokenFormat};
use aegis_core::svid::{
    encode_attested_claims, encode_cmw_ear, issue_svid, issue_svid_ca, pem_certificates,
    verify_svid, ComposerExtension, SpiffeId, SvidBundle, SvidTemplate,
};
use aegis_core::time::UnixTime;
use aegis_core::tpm::{EccCurve, HashAlg};
use aegis_core::x509::{Certificate, Profile};
use aegis_core::Error;

const NOW: u64 = 1_800_000_000;
const ID: &str = "spiffe://example.org/ns/prod/sa/python-app";

fn svid_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/svid")
}

fn root() -> (Certificate, SoftwareSigner<'static>) {
    let p = default_provider();
    let key =
        PrivateKey::from_pem(p, &std::fs::read(svid_dir().join("root.key.pem")).unwrap()).unwrap();
    let signer = SoftwareSigner::new(p, key, SignatureScheme::Ecdsa(HashAlg::Sha256)).unwrap();
    let der = pem_certificates(&std::fs::read(svid_dir().join("bundle.pem")).unwrap()).unwrap();
    (
        Certificate::from_der(&der[0], Profile::Spiffe).unwrap(),
        signer,
    )
}

fn extensions() -> Vec<ComposerExtension> {
    let claims = std::fs::read(svid_dir().join("attested-claims.json")).unwrap();
    let jwt = std::fs::read(svid_dir().join("ear.jwt")).unwrap();
    vec![
        encode_attested_claims(&claims).unwrap(),
        encode_cmw_ear(jwt.trim_ascii(), TokenFormat::Jwt, Dialect::Ietf04).unwrap(),
    ]
}

struct Issued {
    leaf: Vec<u8>,
    key: PrivateKey,
    extensions: Vec<ComposerExtension>,
}

fn issue(not_after: u64) -> Issued {
    let (root, signer) = root();
    let key = PrivateKey::generate(default_provider(), KeySpec::Ecc(EccCurve::NistP256)).unwrap();
    let id = SpiffeId::parse(ID).unwrap();
    let extensions = extensions();
    let leaf = issue_svid(
        &SvidTemplate {
            spiffe_id: &id,
            public_key: key.public_key(),
            serial: &[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef],
            not_before: UnixTime::from_secs(NOW - 3600),
            not_after: UnixTime::from_secs(not_after),
            extensions: &extensions,
        },
        &root,
        &signer,
    )
    .unwrap();
    Issued {
        leaf,
        key,
        extensions,
    }
}

fn bundle() -> SvidBundle {
    SvidBundle::from_pem(&std::fs::read(svid_dir().join("bundle.pem")).unwrap()).unwrap()
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// The issued SVID and its key as PEM files in a fresh directory.
fn write(issued: &Issued, tag: &str) -> (PathBuf, PathBuf) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("svid-issue-{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("svid.pem");
    let key = dir.join("svid.key.pem");
    std::fs::write(&cert, pem("CERTIFICATE", &issued.leaf)).unwrap();
    std::fs::write(&key, issued.key.to_pkcs8_pem().unwrap().as_bytes()).unwrap();
    (cert, key)
}

fn skip(msg: &str) {
    eprintln!("\n*** SKIPPED: {msg} ***\n");
}

#[test]
fn an_issued_svid_verifies_with_its_id_key_and_extensions() {
    for not_after in [NOW + 3600, 2_600_000_000] {
        let issued = issue(not_after);
        for p in aegis_core::crypto::all_providers() {
            let svid = verify_svid(p, &[&issued.leaf], &bundle(), UnixTime::from_secs(NOW))
                .unwrap_or_else(|e| panic!("{not_after}: {e}"));
            assert_eq!(svid.spiffe_id().as_str(), ID);
            assert_eq!(svid.public_key(), issued.key.public_key());
            assert_eq!(svid.leaf().validity().1, UnixTime::from_secs(not_after));
            assert_eq!(
                svid.attested_claims().unwrap().as_bytes(),
                std::fs::read(svid_dir().join("attested-claims.json")).unwrap()
            );
            assert_eq!(svid.ear().unwrap().format(), TokenFormat::Jwt);
            let leaf = svid.leaf();
            for ext in &issued.extensions {
                let oid = der::asn1::ObjectIdentifier::new(ext.oid()).unwrap();
                assert_eq!(leaf.extension_value(oid), Some(ext.value()));
            }
        }
    }
}

#[test]
fn the_issuer_refuses_what_breaks_the_profile() {
    let (root, signer) = root();
    let other = SoftwareSigner::new(
        default_provider(),
        PrivateKey::generate(default_provider(), KeySpec::Ecc(EccCurve::NistP256)).unwrap(),
        SignatureScheme::Ecdsa(HashAlg::Sha256),
    )
    .unwrap();
    let key = other.public_key().clone();
    let id = SpiffeId::parse(ID).unwrap();
    let td = SpiffeId::parse("spiffe://example.org").unwrap();
    let ext = extensions();
    let twice = [ext[0].clone(), ext[0].clone()];
    let base = SvidTemplate {
        spiffe_id: &id,
        public_key: &key,
        serial: &[1],
        not_before: UnixTime::from_secs(NOW),
        not_after: UnixTime::from_secs(NOW + 1),
        extensions: &ext,
    };
    let cases: [(SvidTemplate<'_>, &dyn Signer, &str); 6] = [
        (
            SvidTemplate {
                spiffe_id: &td,
                ..base
            },
            &signer,
            "a leaf SVID's SPIFFE ID needs a path",
        ),
        (
            SvidTemplate {
                serial: &[0, 0],
                ..base
            },
            &signer,
            "serial number empty, zero or longer than 20 bytes",
        ),
        (
            SvidTemplate {
                serial: &[1; 21],
                ..base
            },
            &signer,
            "serial number empty, zero or longer than 20 bytes",
        ),
        (
            SvidTemplate {
                not_after: UnixTime::from_secs(NOW - 1),
                ..base
            },
            &signer,
            "notAfter before notBefore",
        ),
        (
            SvidTemplate {
                extensions: &twice,
                ..base
            },
            &signer,
            "an extension is given twice or is one the issuer writes",
        ),
        (
            base,
            &other,
            "the signer's key is not the issuer certificate's key",
        ),
    ];
    for (template, signer, what) in cases {
        assert_eq!(
            issue_svid(&template, &root, signer).unwrap_err(),
            Error::InvalidArgument { what }
        );
    }
}

#[test]
fn openssl_reads_and_verifies_an_issued_svid() {
    if Command::new("openssl").arg("version").output().is_err() {
        return skip("no openssl command: openssl x509 -text not run");
    }
    let issued = issue(NOW + 3600);
    let (cert, _) = write(&issued, "openssl");
    let text = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(&cert)
        .output()
        .unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    for needle in [
        &format!("URI:{ID}")[..],
        "X509v3 Subject Alternative Name: critical",
        "X509v3 Key Usage: critical",
        "Digital Signature",
        "CA:FALSE",
        "TLS Web Server Authentication, TLS Web Client Authentication",
        "1.3.6.1.4.1.55744.1.1:",
        "1.3.6.1.5.5.7.1.35:",
        "ecdsa-with-SHA256",
    ] {
        assert!(text.contains(needle), "{needle} not in\n{text}");
    }
    let verified = Command::new("openssl")
        .args(["verify", "-attime", &NOW.to_string(), "-CAfile"])
        .arg(svid_dir().join("bundle.pem"))
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "openssl verify: {}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
}

/// Python with `cryptography`: the project's .venv when present, else python3.
fn python() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    let py = if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    };
    let ok = Command::new(&py)
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(py)
}

#[test]
fn python_cryptography_reads_and_verifies_an_issued_svid() {
    let Some(py) = python() else {
        return skip("no python3 with cryptography (scripts/deps.sh python): not run");
    };
    let issued = issue(NOW + 3600);
    let (cert, _) = write(&issued, "python");
    let script = r#"
import sys
from cryptography import x509
cert = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
root = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
cert.verify_directly_issued_by(root)
san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
assert san.critical
assert san.value.get_values_for_type(x509.UniformResourceIdentifier) == [sys.argv[3]]
bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
assert bc.critical and not bc.value.ca
ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
assert ku.critical and ku.value.digital_signature and not ku.value.key_cert_sign
for oid, value in zip(sys.argv[4::2], sys.argv[5::2]):
    ext = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(oid))
    assert not ext.critical, oid
    assert ext.value.value.hex() == value, oid
print("ok")
"#;
    let mut cmd = Command::new(py);
    cmd.args(["-c", script])
        .arg(&cert)
        .arg(svid_dir().join("bundle.pem"))
        .arg(ID);
    for ext in &issued.extensions {
        cmd.arg(ext.oid()).arg(hex::encode(ext.value()));
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success() && out.stdout.starts_with(b"ok"),
        "cryptography: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// tests/peers/go-spiffe built into the target directory; `None` (after a loud message) when Go
/// is missing and not required.
fn go_spiffe() -> Option<(String, PathBuf)> {
    let go = std::env::var("GO").unwrap_or_else(|_| "go".into());
    if Command::new(&go).arg("version").output().is_err() {
        let msg = "no `go` command: go-spiffe v2 did not check Aegis's SVIDs";
        assert!(
            std::env::var("AEGIS_REQUIRE_GO").as_deref() != Ok("1"),
            "{msg} (AEGIS_REQUIRE_GO=1)"
        );
        skip(msg);
        return None;
    }
    let bin = Path::new(env!("CARGO_TARGET_TMPDIR")).join("go-spiffe/go-spiffe");
    let built = Command::new(&go)
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/peers/go-spiffe"))
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "go build of tests/peers/go-spiffe failed: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    Some((go, bin))
}

#[test]
fn go_spiffe_parses_and_verifies_an_issued_svid() {
    let Some((_, bin)) = go_spiffe() else { return };
    let issued = issue(NOW + 3600);
    let (cert, key) = write(&issued, "go-spiffe");
    let out = Command::new(&bin)
        .args(["verify", "example.org"])
        .arg(svid_dir().join("bundle.pem"))
        .arg(&cert)
        .arg(&key)
        .arg(NOW.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "go-spiffe: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["id"], ID);
    // And it refuses the same SVID an hour after it expired, as Aegis does.
    let late = (NOW + 7200).to_string();
    let out = Command::new(&bin)
        .args(["verify", "example.org"])
        .arg(svid_dir().join("bundle.pem"))
        .arg(&cert)
        .arg(&key)
        .arg(&late)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn aegis_refuses_go_spiffes_invalid_fixtures_for_the_reasons_they_name() {
    let Some((go, bin)) = go_spiffe() else { return };
    let modcache = Command::new(&go)
        .args(["env", "GOMODCACHE"])
        .output()
        .unwrap();
    let out = Command::new(&bin)
        .arg("fixtures")
        .env(
            "GOMODCACHE",
            String::from_utf8(modcache.stdout).unwrap().trim(),
        )
        .output()
        .unwrap();
    assert!(out.status.success());
    let dir = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    // go-spiffe's svid_test.go names each fixture's reason; the fixtures were valid in 2021.
    let at = UnixTime::from_secs(1_609_459_200);
    for (file, expected, go_reason) in [
        (
            "wrong-leaf-empty-id.pem",
            Error::SvidUriSanMissing,
            "certificate contains no URI SAN",
        ),
        (
            "wrong-leaf-ca-true.pem",
            Error::SvidLeafIsCa,
            "leaf certificate must not have CA flag set to true",
        ),
        (
            "wrong-leaf-no-digital-signature.pem",
            Error::SvidKeyUsageNoDigitalSignature,
            "leaf certificate must have 'digitalSignature' set as key usage",
        ),
        (
            "wrong-leaf-cert-sign.pem",
            Error::SvidKeyUsageCertSign,
            "leaf certificate must not have 'keyCertSign' set as key usage",
        ),
        (
            "wrong-leaf-crl-sign.pem",
            Error::SvidKeyUsageCrlSign,
            "leaf certificate must not have 'cRLSign' set as key usage",
        ),
        (
            "wrong-intermediate-no-ca.pem",
            Error::SvidSigningCertificateInvalid {
                what: "CA certificate lacks basicConstraints cA=TRUE or keyUsage keyCertSign",
            },
            "signing certificate must have CA flag set to true",
        ),
        (
            "wrong-intermediate-no-key-cert-sign.pem",
            Error::SvidSigningCertificateInvalid {
                what: "CA certificate lacks basicConstraints cA=TRUE or keyUsage keyCertSign",
            },
            "signing certificate must have 'keyCertSign' set as key usage",
        ),
    ] {
        let pem = std::fs::read(dir.join(file))
            .unwrap_or_else(|e| panic!("go-spiffe fixture {file}: {e}"));
        let certs = pem_certificates(&pem).unwrap();
        let chain: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
        let e = verify_svid(default_provider(), &chain, &bundle(), at).unwrap_err();
        assert_eq!(e, expected, "{file} (go-spiffe: {go_reason})");
    }
}

/// A CA from `issue_svid_ca` parses under the SPIFFE profile, anchors a bundle, and the SVIDs it
/// issues verify; a trust domain with a path or an upper-case letter is refused.
#[test]
fn a_ca_from_issue_svid_ca_anchors_the_svids_it_issues() {
    let p = default_provider();
    let key = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap();
    let signer = SoftwareSigner::new(p, key, SignatureScheme::Ecdsa(HashAlg::Sha256)).unwrap();
    let (from, to) = (
        UnixTime::from_secs(NOW - 60),
        UnixTime::from_secs(NOW + 86_400),
    );
    let ca_der = issue_svid_ca("demo.example", "Aegis demo", &[7], from, to, &signer).unwrap();
    let ca = Certificate::from_der(&ca_der, Profile::Spiffe).unwrap();
    assert_eq!(ca.subject(), ca.issuer());
    let mut bundle = SvidBundle::new();
    bundle.add_der(&ca_der).unwrap();
    let leaf_key = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap();
    let id = SpiffeId::parse("spiffe://demo.example/agent/1").unwrap();
    let leaf = issue_svid(
        &SvidTemplate {
            spiffe_id: &id,
            public_key: leaf_key.public_key(),
            serial: &[1],
            not_before: from,
            not_after: to,
            extensions: &extensions(),
        },
        &ca,
        &signer,
    )
    .unwrap();
    let v = verify_svid(p, &[&leaf], &bundle, UnixTime::from_secs(NOW)).unwrap();
    assert_eq!(v.spiffe_id().as_str(), id.as_str());
    assert!(v.attested_claims().is_some() && v.ear().is_some());
    for bad in ["demo.example/x", "Demo.example", ""] {
        assert!(
            issue_svid_ca(bad, "Aegis demo", &[7], from, to, &signer).is_err(),
            "{bad}"
        );
    }
    let refused = |r: Result<Vec<u8>, Error>| matches!(r, Err(Error::InvalidArgument { .. }));
    assert!(refused(issue_svid_ca(
        "demo.example",
        "A,B",
        &[7],
        from,
        to,
        &signer
    )));
    for serial in [&[][..], &[0, 0][..], &[1; 21][..]] {
        assert!(refused(issue_svid_ca(
            "demo.example",
            "Aegis demo",
            serial,
            from,
            to,
            &signer
        )));
    }
    assert!(refused(issue_svid_ca(
        "demo.example",
        "Aegis demo",
        &[7],
        to,
        from,
        &signer
    )));
}

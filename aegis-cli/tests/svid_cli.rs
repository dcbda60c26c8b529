//! `aegis svid inspect` and `aegis svid verify` on the chains of testdata/svid (made by
//! testdata/gen/make_svid_vectors.py): the JSON printed and the exit codes (0 valid, 1 invalid,
//! 2 usage), every vector of testdata/svid/index.json through the command.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn svid_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/svid")
}

fn path(file: &str) -> String {
    svid_dir().join(file).display().to_string()
}

fn index() -> Value {
    serde_json::from_slice(&std::fs::read(svid_dir().join("index.json")).unwrap()).unwrap()
}

fn aegis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aegis"))
        .args(args)
        .output()
        .unwrap()
}

fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|_| {
        panic!(
            "stdout not JSON: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn verify(chain: &str, time: &str) -> Output {
    aegis(&[
        "svid",
        "verify",
        "--bundle",
        &path("bundle.pem"),
        "--time",
        time,
        &path(chain),
    ])
}

#[test]
fn verify_prints_the_id_claims_and_ear_of_the_valid_svid() {
    let out = verify("valid.chain.pem", "1800000000");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v = json_out(&out);
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["spiffe_id"], index()["spiffe_id"]);
    assert_eq!(v["trust_domain"], "example.org");
    assert_eq!(v["path_len"], 3);
    assert_eq!(
        v["attested_claims"]["grc.geolocation"]["sensor_type"],
        "gnss"
    );
    assert_eq!(v["ear"]["format"], "jwt");
    assert_eq!(v["ear"]["choice"], "json");
    let jwt = std::fs::read_to_string(svid_dir().join("ear.jwt")).unwrap();
    assert_eq!(v["ear"]["token"], jwt.trim());
    assert_eq!(v["leaf"]["key"]["jwk"]["crv"], "P-256");
}

#[test]
fn verify_walks_every_vector_with_its_exit_code_and_error() {
    let index = index();
    let time = index["time"].to_string();
    for vec in index["vectors"].as_array().unwrap() {
        let id = vec["id"].as_str().unwrap();
        let out = verify(vec["chain"].as_str().unwrap(), &time);
        let v = json_out(&out);
        match vec["expect"]["verdict"].as_str().unwrap() {
            "valid" => assert_eq!(
                (out.status.code(), &v["verdict"]),
                (Some(0), &"valid".into()),
                "{id}"
            ),
            _ => {
                assert_eq!(out.status.code(), Some(1), "{id}");
                assert_eq!(v["verdict"], "invalid", "{id}");
                assert_eq!(v["error"]["name"], vec["expect"]["error"], "{id}");
            }
        }
    }
}

#[test]
fn verify_at_another_time_says_expired() {
    let out = verify("valid.chain.pem", "1700000000");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_out(&out)["error"]["name"], "SvidExpired");
}

#[test]
fn usage_errors_exit_2() {
    // No --bundle.
    let out = aegis(&["svid", "verify", &path("valid.chain.pem")]);
    assert_eq!(out.status.code(), Some(2));
    // A bundle that is not a CA certificate.
    let out = aegis(&[
        "svid",
        "verify",
        "--bundle",
        &path("valid-leaf-only.chain.pem"),
        &path("valid.chain.pem"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bundle"));
    // A missing chain file.
    let out = aegis(&["svid", "inspect", &path("no-such.pem")]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn inspect_decodes_every_certificate_without_verifying() {
    let out = aegis(&["svid", "inspect", &path("valid.chain.pem")]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v = json_out(&out);
    let certs = v["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 2);
    assert_eq!(certs[0]["spiffe_id"], index()["spiffe_id"]);
    assert_eq!(certs[1]["spiffe_id"], "spiffe://example.org");
    assert_eq!(certs[0]["extensions"]["cmw"]["format"], "jwt");
    assert_eq!(
        certs[0]["extensions"]["attested_claims"]["grc.tpm-attestation"]["status"],
        "affirming"
    );
    assert!(certs[0]["not_after"].as_u64().unwrap() > certs[0]["not_before"].as_u64().unwrap());
    assert!(certs[1]["extensions"]["cmw"].is_null());
    // An expired or untrusted chain still decodes; a bad extension shows its error in place.
    let out = aegis(&["svid", "inspect", &path("cmw-not-ear.chain.pem")]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        json_out(&out)["certificates"][0]["extensions"]["cmw"]["error"]["name"],
        "SvidCmwNotEar"
    );
    let out = aegis(&["svid", "inspect", &path("no-uri-san.chain.pem")]);
    assert_eq!(
        json_out(&out)["certificates"][0]["spiffe_id"]["error"]["name"],
        "SvidUriSanMissing"
    );
}

#[test]
fn inspect_of_a_certificate_that_does_not_parse_is_invalid() {
    let out = aegis(&[
        "svid",
        "inspect",
        &path("unknown-critical-extension.chain.pem"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json_out(&out)["error"]["name"],
        "SvidUnknownCriticalExtension"
    );
    let out = aegis(&["svid", "inspect", &path("root.key.pem")]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_out(&out)["error"]["name"], "SvidCertificateInvalid");
}

#[test]
fn verify_with_a_trust_domain_refuses_another_one() {
    let run = |td: &str| {
        aegis(&[
            "svid",
            "verify",
            "--bundle",
            &path("bundle.pem"),
            "--trust-domain",
            td,
            "--time",
            "1800000000",
            &path("valid.chain.pem"),
        ])
    };
    assert_eq!(run("example.org").status.code(), Some(0));
    let out = run("other.example");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_out(&out)["error"]["name"], "SvidTrustDomainMismatch");
    assert_eq!(run("Bad.Domain").status.code(), Some(2));
}

//! `aegis gateway check`: allow (exit 0) with the headers to forward, deny (exit 1) with every
//! reason and its code, usage errors (exit 2).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::{Command, Output};

use aegis_core::crypto::{
    default_provider, KeySpec, PrivateKey, SignatureScheme, Signer, SoftwareSigner,
};
use aegis_core::ear::{claim, Dialect, Ear, GeoClaims, Status, Submod, TrustVector, VerifierId};
use aegis_core::tpm::{EccCurve, HashAlg};
use serde_json::{json, Value};

const NOW: u64 = 1_800_000_000;

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

struct Fixture {
    dir: PathBuf,
    now: u64,
}

impl Fixture {
    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.dir.join(name), text).unwrap();
        self.path(name)
    }

    /// `aegis gateway check` with the fixture's key, EAR and time, and `claims` and `policy`.
    fn check(&self, claims: &str, policy: &str) -> Output {
        aegis(&[
            "gateway",
            "check",
            "--policy",
            &self.path(policy),
            "--ear-key",
            &self.path("ear-key.der"),
            "--time",
            &self.now.to_string(),
            "--claims",
            &self.path(claims),
            "--ear",
            &self.path("ear.jwt"),
        ])
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A verifier key, an EAR naming an App Key in ES / ES-MD, claims that agree (gnss and
/// mobile), and two policies.
fn fixture(name: &str) -> Fixture {
    fixture_at(name, NOW)
}

/// [`fixture`] with its EAR issued a minute before `now`.
fn fixture_at(name: &str, now: u64) -> Fixture {
    let dir = std::env::temp_dir().join(format!("aegis-gateway-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = Fixture { dir, now };
    let p = default_provider();
    let app = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap();
    let jkt = app.public_key().jwk_thumbprint_b64().unwrap();
    let verifier = SoftwareSigner::new(
        p,
        PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap(),
        SignatureScheme::Ecdsa(HashAlg::Sha256),
    )
    .unwrap();
    std::fs::write(
        f.dir.join("ear-key.der"),
        verifier.public_key().to_spki_der().unwrap(),
    )
    .unwrap();
    let tv = TrustVector {
        instance_identity: claim::TRUSTWORTHY_INSTANCE,
        ..TrustVector::default()
    };
    let ear = Ear {
        iat: (now - 60) as i64,
        verifier_id: VerifierId {
            developer: "https://aegis.example".into(),
            build: "test".into(),
        },
        status: Some(Status::Affirming),
        submods: [
            (
                "workload-key".to_string(),
                Submod {
                    status: Status::Affirming,
                    trust_vector: tv,
                    verifier_claims: Some(json!({"app_key": {"jkt": jkt}})),
                    ..Submod::default()
                },
            ),
            (
                "location".to_string(),
                Submod {
                    status: Status::Affirming,
                    trust_vector: tv,
                    geo: GeoClaims {
                        country: Some("ES".into()),
                        subdivision: Some("ES-MD".into()),
                        ..GeoClaims::default()
                    },
                    ..Submod::default()
                },
            ),
        ]
        .into(),
        ..Ear::default()
    };
    f.write(
        "ear.jwt",
        &ear.sign_jwt(&verifier, Dialect::Ietf04).unwrap(),
    );
    for sensor in ["gnss", "mobile"] {
        let claims = json!({
            "grc.tpm-attestation": {"status": "affirming", "app_key": {"jkt": jkt}},
            "grc.geolocation": {
                "sensor_type": sensor, "sensor_id": "12d1:1433", "sensor_msisdn": "+34696810912",
                "tpm_attested": true, "latitude": 40.4168, "longitude": -3.7038, "accuracy_m": 7.0,
                "jurisdiction-country": "ES", "jurisdiction-subdivision": "ES-MD",
            },
        });
        f.write(&format!("{sensor}.json"), &claims.to_string());
    }
    f.write("spain.json", r#"{"version": 1, "countries": ["ES"]}"#);
    f.write("swiss.json", r#"{"version": 1, "countries": ["CH"]}"#);
    f
}

#[test]
fn an_allowed_request_exits_0_with_the_headers_to_forward() {
    let f = fixture("allow");
    let out = f.check("gnss.json", "spain.json");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_out(&out);
    assert_eq!(v["verdict"], "allow");
    assert_eq!(v["headers"]["X-Sensor-ID"], "12d1:1433");
    assert_eq!(v["headers"]["X-Jurisdiction-Country"], "ES");
    assert_eq!(v["headers"]["X-Jurisdiction-Subdivision"], "ES-MD");
    assert_eq!(v["reasons"].as_array().unwrap().len(), 10);
}

#[test]
fn a_denied_request_exits_1_with_its_reason_and_code() {
    let f = fixture("deny");
    let out = f.check("gnss.json", "swiss.json");
    assert_eq!(out.status.code(), Some(1));
    let v = json_out(&out);
    assert_eq!(v["verdict"], "deny");
    assert_eq!(v["headers"], json!({}));
    let denied: Vec<&Value> = v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "denied")
        .collect();
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0]["name"], "GatewayCountryNotAllowed");
    assert_eq!(denied[0]["code"], 13067);
}

#[test]
fn a_mobile_reading_is_denied_without_a_network_verifier() {
    let f = fixture("mobile");
    let out = f.check("mobile.json", "spain.json");
    assert_eq!(out.status.code(), Some(1));
    let v = json_out(&out);
    let codes: Vec<u64> = v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["code"].as_u64())
        .collect();
    assert_eq!(codes, vec![13060]);
}

#[test]
fn bad_usage_exits_2() {
    let f = fixture("usage");
    f.write("bad-policy.json", r#"{"version": 1, "countries": "ES"}"#);
    let out = f.check("gnss.json", "bad-policy.json");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("$.countries"));
    let out = f.check("missing.json", "spain.json");
    assert_eq!(out.status.code(), Some(2));
    let out = aegis(&["gateway", "check", "--policy", &f.path("spain.json")]);
    assert_eq!(out.status.code(), Some(2));
}

fn openssl(dir: &PathBuf, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An SVID for `spiffe_id` issued by the fixture's root (made here), with `ext` lines added.
fn svid(f: &Fixture, name: &str, spiffe_id: &str, ext: &str) {
    let ext = format!(
        "subjectAltName=URI:{spiffe_id}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n{ext}"
    );
    f.write(&format!("{name}.ext"), &ext);
    let (key, csr, pem, extfile) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.pem"),
        format!("{name}.ext"),
    );
    openssl(
        &f.dir,
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &key,
            "-subj",
            "/O=SPIRE",
            "-out",
            &csr,
        ],
    );
    openssl(
        &f.dir,
        &[
            "x509", "-req", "-in", &csr, "-CA", "ca.pem", "-CAkey", "ca.key", "-days", "1",
            "-extfile", &extfile, "-out", &pem,
        ],
    );
}

#[test]
fn the_poc_chain_form_verifies_the_chain_and_allows() {
    use aegis_core::ear::TokenFormat;
    use aegis_core::svid::{encode_attested_claims, encode_cmw_ear};

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let f = fixture_at("chain", now);
    openssl(
        &f.dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-subj",
            "/O=SPIRE/CN=root",
            "-days",
            "2",
            "-out",
            "ca.pem",
        ],
    );
    let claims = encode_attested_claims(&std::fs::read(f.dir.join("gnss.json")).unwrap()).unwrap();
    let ear = std::fs::read(f.dir.join("ear.jwt")).unwrap();
    let cmw = encode_cmw_ear(&ear, TokenFormat::Jwt, Dialect::Ietf04).unwrap();
    svid(
        &f,
        "agent",
        "spiffe://example.org/spire/agent/join_token/x",
        &format!(
            "{}=DER:{}\n{}=DER:{}\n",
            claims.oid(),
            hex::encode(claims.value()),
            cmw.oid(),
            hex::encode(cmw.value())
        ),
    );
    svid(&f, "workload", "spiffe://example.org/python-app", "");
    // Decided after openssl stamped the certificates' notBefore, which may be a second after
    // `now` (deciding at `now` then failed as "not yet valid", by chance).
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let chain = std::fs::read_to_string(f.dir.join("workload.pem")).unwrap()
        + &std::fs::read_to_string(f.dir.join("agent.pem")).unwrap();
    let chain = f.write("chain.pem", &chain);
    let out = aegis(&[
        "gateway",
        "check",
        "--bundle",
        &f.path("ca.pem"),
        "--policy",
        &f.path("spain.json"),
        "--ear-key",
        &f.path("ear-key.der"),
        "--time",
        &at.to_string(),
        &chain,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_out(&out);
    assert_eq!(v["reasons"][0]["check"], "chain");
    assert_eq!(v["reasons"].as_array().unwrap().len(), 11);
    assert_eq!(
        v["headers"]["X-SPIFFE-ID"],
        "spiffe://example.org/python-app"
    );
    assert_eq!(v["headers"]["X-Sensor-ID"], "12d1:1433");
}

#[test]
fn a_chain_that_does_not_verify_denies_with_its_error() {
    let f = fixture("bad-chain");
    let svid_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/svid/");
    let out = aegis(&[
        "gateway",
        "check",
        "--bundle",
        &format!("{svid_dir}bundle.pem"),
        "--policy",
        &f.path("spain.json"),
        "--ear-key",
        &f.path("ear-key.der"),
        "--time",
        "1800000000",
        &format!("{svid_dir}untrusted-root.chain.pem"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json_out(&out);
    assert_eq!(v["verdict"], "deny");
    assert_eq!(v["reasons"].as_array().unwrap().len(), 1);
    assert_eq!(v["reasons"][0]["check"], "chain");
    assert_eq!(v["reasons"][0]["name"], "SvidUntrusted");
}

#[test]
fn the_two_input_forms_do_not_mix() {
    let f = fixture("forms");
    let base = [
        "gateway",
        "check",
        "--policy",
        &f.path("spain.json"),
        "--ear-key",
        &f.path("ear-key.der"),
    ];
    let chain = f.path("gnss.json");
    let with = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        aegis(&a).status.code()
    };
    let (claims, ear, bundle) = (f.path("gnss.json"), f.path("ear.jwt"), f.path("spain.json"));
    assert_eq!(with(&["--bundle", &bundle]), Some(2));
    assert_eq!(with(&[&chain]), Some(2));
    assert_eq!(with(&["--claims", &claims]), Some(2));
    assert_eq!(
        with(&["--claims", &claims, "--ear", &ear, "--bundle", &bundle, &chain]),
        Some(2)
    );
}

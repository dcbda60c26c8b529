//! `aegis token` and `aegis jwk`: mint a DPoR/DPoG proof with a software App Key, verify it
//! against an EAR naming that key, and the exit codes (0 valid, 1 invalid, 2 usage).
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
    app_jkt: String,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Fixture {
    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

fn fixture(name: &str) -> Fixture {
    let dir = std::env::temp_dir().join(format!("aegis-token-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = default_provider();
    let app = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap();
    let app_jkt = app.public_key().jwk_thumbprint_b64().unwrap();
    std::fs::write(dir.join("app.pem"), app.to_pkcs8_pem().unwrap().as_bytes()).unwrap();
    std::fs::write(
        dir.join("app.spki.der"),
        app.public_key().to_spki_der().unwrap(),
    )
    .unwrap();
    let verifier = SoftwareSigner::new(
        p,
        PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap(),
        SignatureScheme::Ecdsa(HashAlg::Sha256),
    )
    .unwrap();
    std::fs::write(
        dir.join("ear-key.der"),
        verifier.public_key().to_spki_der().unwrap(),
    )
    .unwrap();
    let tv = TrustVector {
        instance_identity: claim::TRUSTWORTHY_INSTANCE,
        ..TrustVector::default()
    };
    let ear = Ear {
        iat: NOW as i64,
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
                    verifier_claims: Some(json!({"app_key": {"jkt": app_jkt}})),
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
                        ..GeoClaims::default()
                    },
                    ..Submod::default()
                },
            ),
        ]
        .into(),
        ..Ear::default()
    };
    std::fs::write(
        dir.join("ear.jwt"),
        ear.sign_jwt(&verifier, Dialect::Ietf04).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("location.json"),
        r#"{"type": "region", "country": "ES", "quality": "gnss"}"#,
    )
    .unwrap();
    Fixture { dir, app_jkt }
}

fn mint(f: &Fixture, kind: &str, extra: &[&str]) -> String {
    let key = f.path("app.pem");
    let time = NOW.to_string();
    let mut args = vec![
        "token",
        kind,
        "--key",
        &key,
        "--htm",
        "GET",
        "--htu",
        "https://rs.example/a",
        "--time",
        &time,
    ];
    args.extend_from_slice(extra);
    let out = aegis(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = json_out(&out)["token"].as_str().unwrap().to_owned();
    let file = f.path(&format!("{kind}.jwt"));
    std::fs::write(&file, &token).unwrap();
    file
}

fn verify(f: &Fixture, token: &str, htm: &str, extra: &[&str]) -> Output {
    let (ear, key) = (f.path("ear.jwt"), f.path("ear-key.der"));
    let time = (NOW + 2).to_string();
    let mut args = vec![
        "token",
        "verify",
        "--htm",
        htm,
        "--htu",
        "https://RS.example:443/a?x=1",
        "--ear",
        &ear,
        "--ear-key",
        &key,
        "--time",
        &time,
    ];
    args.extend_from_slice(extra);
    args.push(token);
    aegis(&args)
}

#[test]
fn dpor_minted_then_verified() {
    let f = fixture("dpor");
    let t = mint(&f, "dpor", &["--nonce", "n1"]);
    // A thumbprint is base64url and may start with '-' (1 in 64): the CLI takes it as a value.
    let out = verify(&f, &t, "GET", &["--nonce", "n1", "--cnf-jkt", &f.app_jkt]);
    let hyphen = verify(
        &f,
        &t,
        "GET",
        &["--nonce", "n1", "--cnf-jkt", "-not-the-jkt"],
    );
    assert_eq!(
        hyphen.status.code(),
        Some(1),
        "a hyphen value is a value, not a flag"
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let body = json_out(&out);
    assert_eq!(body["verdict"], "valid");
    assert_eq!(body["jkt"], f.app_jkt.as_str());
    assert_eq!(body["typ"], "dpor+jwt");

    let out = verify(&f, &t, "POST", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_out(&out)["error"]["name"], "TokenHtmMismatch");
    let out = verify(&f, &t, "GET", &["--nonce", "other"]);
    assert_eq!(json_out(&out)["error"]["name"], "TokenNonceMismatch");
}

#[test]
fn dpog_minted_then_verified() {
    let f = fixture("dpog");
    let loc = f.path("location.json");
    let t = mint(&f, "dpog", &["--location", &loc]);
    let out = verify(&f, &t, "GET", &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(json_out(&out)["location"]["country"], "ES");
    // The relying party's own geofence: ES allowed passes, ES denied refuses with its code,
    // an invalid policy is a usage error.
    let fence = |name: &str, countries: Value| {
        let path = f.path(name);
        let policy = json!({"version": 1, "countries": countries,
                            "max_accuracy_radius_m": 100, "max_age_s": 300});
        std::fs::write(&path, policy.to_string()).unwrap();
        path
    };
    let allow = fence("allow-es.json", json!({"allow": ["ES"]}));
    assert_eq!(
        verify(&f, &t, "GET", &["--geofence", &allow]).status.code(),
        Some(0)
    );
    let deny = fence("deny-es.json", json!({"deny": ["ES"]}));
    let out = verify(&f, &t, "GET", &["--geofence", &deny]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_out(&out)["error"]["name"], "GeofenceCountryDenied");
    let bad = fence("bad.json", json!({"allow": ["Spain"]}));
    assert_eq!(
        verify(&f, &t, "GET", &["--geofence", &bad]).status.code(),
        Some(2)
    );
    // dpog without --location is a usage error.
    let key = f.path("app.pem");
    let out = aegis(&[
        "token",
        "dpog",
        "--key",
        &key,
        "--htm",
        "GET",
        "--htu",
        "https://h/",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

fn verify_wpt(f: &Fixture, token: &str, aud: &str, wit: Option<&str>) -> Output {
    let (ear, key) = (f.path("ear.jwt"), f.path("ear-key.der"));
    let time = (NOW + 2).to_string();
    let mut args = vec![
        "token",
        "verify",
        "--aud",
        aud,
        "--ear",
        &ear,
        "--ear-key",
        &key,
        "--time",
        &time,
    ];
    if let Some(w) = wit {
        args.extend_from_slice(&["--wit", w]);
    }
    args.push(token);
    aegis(&args)
}

#[test]
fn wpt_minted_then_verified() {
    let f = fixture("wpt");
    std::fs::write(f.path("wit"), "a.b.c").unwrap();
    std::fs::write(f.path("other-wit"), "a.b.d").unwrap();
    let (key, wit, time) = (f.path("app.pem"), f.path("wit"), NOW.to_string());
    let out = aegis(&[
        "token",
        "wpt",
        "--key",
        &key,
        "--aud",
        "https://svc/",
        "--wit",
        &wit,
        "--time",
        &time,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let body = json_out(&out);
    assert_eq!(body["typ"], "wpt+jwt");
    let t = f.path("wpt.jwt");
    std::fs::write(&t, body["token"].as_str().unwrap()).unwrap();

    let out = verify_wpt(&f, &t, "https://svc/", Some(&wit));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let body = json_out(&out);
    assert_eq!(
        (&body["typ"], &body["jkt"]),
        (&json!("wpt+jwt"), &json!(f.app_jkt))
    );

    let out = verify_wpt(&f, &t, "https://other/", Some(&wit));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_out(&out)["error"]["name"], "TokenAudienceMismatch");
    let out = verify_wpt(&f, &t, "https://svc/", Some(&f.path("other-wit")));
    assert_eq!(json_out(&out)["error"]["name"], "TokenHashMismatch");
    // A WPT needs --wit: a usage error, before anything is verified.
    assert_eq!(
        verify_wpt(&f, &t, "https://svc/", None).status.code(),
        Some(2)
    );
    // A DPoR needs --htm and --htu.
    let dpor = mint(&f, "dpor", &[]);
    assert_eq!(
        verify_wpt(&f, &dpor, "https://svc/", Some(&wit))
            .status
            .code(),
        Some(2)
    );
}

/// The redis-server helper of aegis-replay-redis's tests (started on loopback, stopped by pid).
#[path = "../../aegis-replay-redis/tests/support/mod.rs"]
mod redis_support;

#[test]
fn a_replay_across_verifier_runs_is_refused_through_redis() {
    let Some(redis) = redis_support::RedisServer::start() else {
        return;
    };
    let f = fixture("redis");
    let t = mint(&f, "dpor", &[]);
    let url = redis.url();
    let out = verify(&f, &t, "GET", &["--replay-cache", &url]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A second verifier process (another replica) sees the jti the first one stored.
    let out = verify(&f, &t, "GET", &["--replay-cache", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_out(&out)["error"]["name"], "TokenReplayed");
    // Without the shared store each run accepts it: the default cache lives for one run.
    assert_eq!(verify(&f, &t, "GET", &[]).status.code(), Some(0));
}

#[test]
fn an_unreachable_replay_cache_refuses_the_proof() {
    let f = fixture("redis-down");
    let t = mint(&f, "dpor", &[]);
    let url = format!("redis://127.0.0.1:{}", redis_support::free_port());
    let out = verify(&f, &t, "GET", &["--replay-cache", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_out(&out)["error"]["name"], "ReplayCacheUnavailable");
}

#[test]
fn jwk_thumbprint_of_public_and_private_keys() {
    let f = fixture("jwk");
    for file in ["app.pem", "app.spki.der"] {
        let out = aegis(&["jwk", "thumbprint", &f.path(file)]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(json_out(&out)["jkt"], f.app_jkt.as_str());
    }
    let out = aegis(&["jwk", "thumbprint", &f.path("location.json")]);
    assert_eq!(out.status.code(), Some(2));
}

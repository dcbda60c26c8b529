//! The gateway decision (docs/gateway.md): an allowed gnss and mobile request with its headers,
//! and for every check an input that breaks exactly that check, asserting its error. The CAMARA
//! network location verifier is a mock (no operator API can run here).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::atomic::{AtomicUsize, Ordering};

use aegis_core::crypto::{
    default_provider, KeySpec, PrivateKey, SignatureScheme, Signer, SoftwareSigner,
};
use aegis_core::ear::{claim, Dialect, Ear, GeoClaims, Status, Submod, TrustVector, VerifierId};
use aegis_core::error::{Error, Result};
use aegis_core::keys::PublicKey;
use aegis_core::svid::gateway::{
    decide, headers, CachedNetworkVerifier, GatewayContext, GatewayDecision, GatewayInput,
    GatewayPolicy, LocationQuery, NetworkLocationVerifier, NetworkVerdict, NetworkVerification,
    DEFAULT_NETWORK_VERIFICATION_TTL_S,
};
use aegis_core::time::UnixTime;
use aegis_core::tpm::{EccCurve, HashAlg};
use serde_json::{json, Value};

const NOW: u64 = 1_800_000_000;

fn p256() -> SoftwareSigner<'static> {
    let p = default_provider();
    SoftwareSigner::new(
        p,
        PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap(),
        SignatureScheme::Ecdsa(HashAlg::Sha256),
    )
    .unwrap()
}

/// The CAMARA Device Location Verification mock: a fixed answer, located `age` seconds before
/// the call, or unreachable; counts its calls.
struct MockCamara {
    answer: Option<NetworkVerdict>,
    age: u64,
    calls: AtomicUsize,
}

impl MockCamara {
    fn answering(v: NetworkVerdict) -> Self {
        MockCamara {
            answer: Some(v),
            age: 10,
            calls: AtomicUsize::new(0),
        }
    }
}

impl NetworkLocationVerifier for MockCamara {
    fn verify(&self, q: &LocationQuery, now: UnixTime) -> Result<NetworkVerification> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        assert_eq!(q.device.msisdn.as_deref(), Some("+34696810912"));
        assert!(q.radius_m >= 2000);
        match self.answer {
            Some(verdict) => Ok(NetworkVerification {
                verdict,
                located_at: now.saturating_sub(self.age),
            }),
            None => Err(Error::GatewayNetworkVerifierUnavailable {
                detail: "mock operator down".into(),
            }),
        }
    }
}

/// A verifier key, an App Key, and the parts to build claims and an EAR that agree.
struct World {
    verifier: SoftwareSigner<'static>,
    jkt: String,
    spki: String,
}

struct EarSpec {
    iat: u64,
    status: Status,
    jkt: String,
    country: Option<&'static str>,
    subdivision: Option<&'static str>,
}

impl World {
    fn new() -> Self {
        let app = p256();
        World {
            jkt: app.public_key().jwk_thumbprint_b64().unwrap(),
            spki: hex::encode(app.public_key().spki_sha256().unwrap()),
            verifier: p256(),
        }
    }

    fn ear_spec(&self) -> EarSpec {
        EarSpec {
            iat: NOW - 60,
            status: Status::Affirming,
            jkt: self.jkt.clone(),
            country: Some("ES"),
            subdivision: Some("ES-MD"),
        }
    }

    fn ear(&self, s: &EarSpec) -> String {
        let tv = TrustVector {
            instance_identity: claim::TRUSTWORTHY_INSTANCE,
            configuration: if s.status == Status::Warning {
                claim::UNSAFE_CONFIG
            } else {
                claim::NO_CLAIM
            },
            ..TrustVector::default()
        };
        let ear = Ear {
            iat: s.iat as i64,
            verifier_id: VerifierId {
                developer: "https://aegis.example".into(),
                build: "test".into(),
            },
            status: Some(s.status),
            submods: [
                (
                    "workload-key".to_string(),
                    Submod {
                        status: s.status,
                        trust_vector: tv,
                        verifier_claims: Some(
                            json!({"app_key": {"jkt": s.jkt, "spki_sha256": self.spki}}),
                        ),
                        ..Submod::default()
                    },
                ),
                (
                    "location".to_string(),
                    Submod {
                        status: s.status,
                        trust_vector: tv,
                        geo: GeoClaims {
                            country: s.country.map(Into::into),
                            subdivision: s.subdivision.map(Into::into),
                            ..GeoClaims::default()
                        },
                        ..Submod::default()
                    },
                ),
            ]
            .into(),
            ..Ear::default()
        };
        ear.sign_jwt(&self.verifier, Dialect::Ietf04).unwrap()
    }

    fn claims(&self, sensor: &str) -> Value {
        json!({
            "grc.workload": {"spiffe_id": "spiffe://example.org/agent/edge-7"},
            "grc.tpm-attestation": {
                "status": "affirming",
                "app_key": {"jkt": self.jkt, "spki_sha256": self.spki},
            },
            "grc.geolocation": {
                "sensor_type": sensor, "sensor_id": "12d1:1433",
                "sensor_msisdn": "+34696810912",
                "tpm_attested": true, "tpm_pcr_index": 15,
                "latitude": 40.4168, "longitude": -3.7038, "accuracy_m": 7.0,
                "time": NOW - 120,
                "jurisdiction-country": "ES", "jurisdiction-subdivision": "ES-MD",
            },
        })
    }

    fn decide_with(
        &self,
        claims: &Value,
        ear: &str,
        policy: &GatewayPolicy,
        network: Option<&dyn NetworkLocationVerifier>,
    ) -> GatewayDecision {
        let claims = claims.to_string();
        let key: &PublicKey = self.verifier.public_key();
        let ctx = GatewayContext {
            network,
            ..GatewayContext::new(key, UnixTime::from_secs(NOW))
        };
        decide(
            default_provider(),
            &GatewayInput::from_parts(claims.as_bytes(), ear.as_bytes()),
            policy,
            &ctx,
        )
    }

    fn decide(&self, claims: &Value, ear: &str) -> GatewayDecision {
        let camara = MockCamara::answering(NetworkVerdict::Verified);
        self.decide_with(claims, ear, &GatewayPolicy::default(), Some(&camara))
    }
}

/// The single denial of a decision.
fn denied(d: &GatewayDecision) -> Error {
    let denials: Vec<&Error> = d.denials().collect();
    assert_eq!(denials.len(), 1, "{:#}", d.to_json());
    assert!(!d.allowed());
    assert!(d.headers().is_empty());
    denials[0].clone()
}

fn header<'d>(d: &'d GatewayDecision, name: &str) -> Option<&'d str> {
    d.headers()
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn a_gnss_reading_is_accepted_as_attested_without_the_network() {
    let w = World::new();
    let ear = w.ear(&w.ear_spec());
    let camara = MockCamara::answering(NetworkVerdict::NotVerified);
    let d = w.decide_with(
        &w.claims("gnss"),
        &ear,
        &GatewayPolicy::default(),
        Some(&camara),
    );
    assert!(d.allowed(), "{:#}", d.to_json());
    assert_eq!(camara.calls.load(Ordering::SeqCst), 0);
    assert_eq!(header(&d, headers::SENSOR_ID), Some("12d1:1433"));
    assert_eq!(header(&d, headers::SENSOR_TYPE), Some("gnss"));
    assert_eq!(
        header(&d, headers::LOCATION_VERIFICATION),
        Some("tpm-attested")
    );
    assert_eq!(header(&d, headers::JURISDICTION_COUNTRY), Some("ES"));
    assert_eq!(header(&d, headers::JURISDICTION_SUBDIVISION), Some("ES-MD"));
    assert_eq!(
        header(&d, headers::WORKLOAD_KEY_THUMBPRINT),
        Some(w.jkt.as_str())
    );
    assert_eq!(header(&d, headers::ATTESTATION_STATUS), Some("affirming"));
    assert_eq!(
        header(&d, headers::SPIFFE_ID),
        Some("spiffe://example.org/agent/edge-7")
    );
    let v = d.to_json();
    assert_eq!(v["verdict"], "allow");
    assert_eq!(v["reasons"].as_array().unwrap().len(), 10);
    assert_eq!(v["reasons"][7]["check"], "network-location");
    assert_eq!(v["reasons"][7]["outcome"], "skipped");
}

#[test]
fn a_mobile_reading_is_accepted_with_a_fresh_network_verification() {
    let w = World::new();
    let d = w.decide(&w.claims("mobile"), &w.ear(&w.ear_spec()));
    assert!(d.allowed(), "{:#}", d.to_json());
    assert_eq!(
        header(&d, headers::LOCATION_VERIFICATION),
        Some("tpm-attested+network-verified")
    );
}

#[test]
fn claims_that_do_not_read_deny() {
    let w = World::new();
    let ear = w.ear(&w.ear_spec());
    let d = w.decide(&json!({"grc.geolocation": {"sensor_type": 1}}), &ear);
    assert_eq!(denied(&d).code(), 13051);
}

#[test]
fn missing_claims_deny_each_with_its_name() {
    let w = World::new();
    let ear = w.ear(&w.ear_spec());
    let mut c = w.claims("gnss");
    c.as_object_mut().unwrap().remove("grc.geolocation");
    assert_eq!(
        denied(&w.decide(&c, &ear)),
        Error::GatewayClaimMissing {
            claim: "grc.geolocation"
        }
    );
    let mut c = w.claims("gnss");
    c["grc.tpm-attestation"]
        .as_object_mut()
        .unwrap()
        .remove("app_key");
    assert_eq!(
        denied(&w.decide(&c, &ear)),
        Error::GatewayClaimMissing {
            claim: "grc.tpm-attestation.app_key"
        }
    );
    let d = w.decide(&json!({}), &ear);
    assert_eq!(d.denials().count(), 2);
    assert!(d.denials().all(|e| e.code() == 13052));
}

#[test]
fn an_ear_from_another_key_denies() {
    let w = World::new();
    let other = World::new();
    let ear = other.ear(&w.ear_spec());
    assert_eq!(denied(&w.decide(&w.claims("gnss"), &ear)).code(), 13053);
}

#[test]
fn a_stale_ear_denies() {
    let w = World::new();
    let ear = w.ear(&EarSpec {
        iat: NOW - 3601,
        ..w.ear_spec()
    });
    assert_eq!(
        denied(&w.decide(&w.claims("gnss"), &ear)),
        Error::GatewayEarStale {
            iat: (NOW - 3601) as i64,
            now: NOW
        }
    );
}

#[test]
fn a_warning_ear_denies_unless_the_policy_allows_it() {
    let w = World::new();
    let ear = w.ear(&EarSpec {
        status: Status::Warning,
        ..w.ear_spec()
    });
    assert_eq!(
        denied(&w.decide(&w.claims("gnss"), &ear)),
        Error::GatewayEarNotAffirming { status: "warning" }
    );
    let lax = GatewayPolicy::from_json(br#"{"version": 1, "require_affirming": false}"#).unwrap();
    assert!(w.decide_with(&w.claims("gnss"), &ear, &lax, None).allowed());
}

#[test]
fn claims_that_do_not_affirm_deny() {
    let w = World::new();
    let mut c = w.claims("gnss");
    c["grc.tpm-attestation"]["status"] = json!("contraindicated");
    assert_eq!(denied(&w.decide(&c, &w.ear(&w.ear_spec()))).code(), 13070);
    // Without a stated status the EAR alone is the authority.
    c["grc.tpm-attestation"]
        .as_object_mut()
        .unwrap()
        .remove("status");
    assert!(w.decide(&c, &w.ear(&w.ear_spec())).allowed());
}

#[test]
fn an_ear_naming_another_app_key_denies() {
    let w = World::new();
    let other = World::new();
    let ear = w.ear(&EarSpec {
        jkt: other.jkt.clone(),
        ..w.ear_spec()
    });
    assert_eq!(
        denied(&w.decide(&w.claims("gnss"), &ear)),
        Error::GatewayAppKeyMismatch
    );
}

#[test]
fn claims_in_another_jurisdiction_than_the_ear_deny() {
    let w = World::new();
    let ear = w.ear(&EarSpec {
        subdivision: Some("ES-CT"),
        ..w.ear_spec()
    });
    assert_eq!(
        denied(&w.decide(&w.claims("gnss"), &ear)),
        Error::GatewayJurisdictionMismatch {
            field: "subdivision"
        }
    );
}

#[test]
fn a_sensor_the_policy_does_not_accept_denies() {
    let w = World::new();
    let ear = w.ear(&w.ear_spec());
    assert_eq!(
        denied(&w.decide(&w.claims("wifi"), &ear)),
        Error::GatewaySensorNotAccepted { sensor: "wifi" }
    );
    let gnss_only =
        GatewayPolicy::from_json(br#"{"version": 1, "sensor_types": ["gnss"]}"#).unwrap();
    let camara = MockCamara::answering(NetworkVerdict::Verified);
    let d = w.decide_with(&w.claims("mobile"), &ear, &gnss_only, Some(&camara));
    assert_eq!(denied(&d).code(), 13058);
}

#[test]
fn a_reading_the_claims_say_is_not_attested_denies() {
    let w = World::new();
    let mut c = w.claims("gnss");
    c["grc.geolocation"]["tpm_attested"] = json!(false);
    assert_eq!(
        denied(&w.decide(&c, &w.ear(&w.ear_spec()))),
        Error::GatewaySensorNotAttested
    );
}

#[test]
fn a_mobile_reading_without_a_network_verifier_denies() {
    let w = World::new();
    let d = w.decide_with(
        &w.claims("mobile"),
        &w.ear(&w.ear_spec()),
        &GatewayPolicy::default(),
        None,
    );
    assert_eq!(denied(&d), Error::GatewayNetworkVerifierMissing);
}

#[test]
fn a_mobile_reading_without_device_identifiers_or_coordinates_denies() {
    let w = World::new();
    let ear = w.ear(&w.ear_spec());
    let mut c = w.claims("mobile");
    c["grc.geolocation"]
        .as_object_mut()
        .unwrap()
        .remove("sensor_msisdn");
    assert_eq!(denied(&w.decide(&c, &ear)).code(), 13061);
    let mut c = w.claims("mobile");
    for k in ["latitude", "longitude", "accuracy_m"] {
        c["grc.geolocation"].as_object_mut().unwrap().remove(k);
    }
    assert_eq!(denied(&w.decide(&c, &ear)).code(), 13061);
}

#[test]
fn each_network_answer_other_than_verified_denies_with_its_code() {
    let w = World::new();
    let ear = w.ear(&w.ear_spec());
    let policy = GatewayPolicy::default();
    let run = |camara: MockCamara| {
        denied(&w.decide_with(&w.claims("mobile"), &ear, &policy, Some(&camara)))
    };
    assert_eq!(
        run(MockCamara::answering(NetworkVerdict::NotVerified)),
        Error::GatewayNetworkLocationNotVerified { result: "false" }
    );
    assert_eq!(
        run(MockCamara::answering(NetworkVerdict::Partial)),
        Error::GatewayNetworkLocationNotVerified { result: "partial" }
    );
    assert_eq!(
        run(MockCamara::answering(NetworkVerdict::Unknown)),
        Error::GatewayNetworkLocationUnknown
    );
    assert_eq!(
        run(MockCamara {
            age: 901,
            ..MockCamara::answering(NetworkVerdict::Verified)
        }),
        Error::GatewayNetworkVerificationStale {
            age_s: 901,
            max_s: 900
        }
    );
    assert_eq!(
        run(MockCamara {
            answer: None,
            ..MockCamara::answering(NetworkVerdict::Verified)
        })
        .code(),
        13065
    );
}

#[test]
fn the_policy_jurisdiction_rules_deny_with_their_codes() {
    let w = World::new();
    let ch = GatewayPolicy::from_json(br#"{"version": 1, "countries": ["CH"]}"#).unwrap();
    let ear = w.ear(&w.ear_spec());
    let d = w.decide_with(&w.claims("gnss"), &ear, &ch, None);
    assert_eq!(
        denied(&d),
        Error::GatewayCountryNotAllowed {
            country: "ES".into()
        }
    );
    let catalonia =
        GatewayPolicy::from_json(br#"{"version": 1, "subdivisions": ["ES-CT"]}"#).unwrap();
    let d = w.decide_with(&w.claims("gnss"), &ear, &catalonia, None);
    assert_eq!(
        denied(&d),
        Error::GatewaySubdivisionNotAllowed {
            subdivision: "ES-MD".into()
        }
    );
    let madrid = GatewayPolicy::from_json(
        br#"{"version": 1, "countries": ["CH"], "subdivisions": ["ES-MD"]}"#,
    )
    .unwrap();
    assert!(w
        .decide_with(&w.claims("gnss"), &ear, &madrid, None)
        .allowed());
    let nowhere = w.ear(&EarSpec {
        country: None,
        subdivision: None,
        ..w.ear_spec()
    });
    let mut c = w.claims("gnss");
    for k in ["jurisdiction-country", "jurisdiction-subdivision"] {
        c["grc.geolocation"].as_object_mut().unwrap().remove(k);
    }
    let d = w.decide_with(&c, &nowhere, &ch, None);
    assert_eq!(denied(&d), Error::GatewayJurisdictionMissing);
}

#[test]
fn a_geofence_in_the_policy_judges_the_claimed_reading() {
    let w = World::new();
    let ear = w.ear(&w.ear_spec());
    let fence = |countries: &str| {
        GatewayPolicy::from_json(
            format!(r#"{{"version": 1, "geofence": {{"version": 1, "countries": {{"allow": [{countries}]}}, "max_accuracy_radius_m": 1000, "max_age_s": 3600}}}}"#)
                .as_bytes(),
        )
        .unwrap()
    };
    assert!(w
        .decide_with(&w.claims("gnss"), &ear, &fence("\"ES\""), None)
        .allowed());
    let d = w.decide_with(&w.claims("gnss"), &ear, &fence("\"FR\""), None);
    let e = denied(&d);
    assert_eq!(e.code(), 13069);
    assert!(e.to_string().contains("GeofenceCountryNotAllowed"), "{e}");
}

#[test]
fn invalid_policies_are_refused_with_the_json_path() {
    let path = |doc: &str| match GatewayPolicy::from_json(doc.as_bytes()) {
        Err(Error::GatewayPolicyInvalid { path, .. }) => path,
        other => panic!("{other:?}"),
    };
    assert_eq!(path(r#"{"version": 2}"#), "$.version");
    assert_eq!(path(r#"{"version": 1, "colour": 1}"#), "$.colour");
    assert_eq!(
        path(r#"{"version": 1, "sensor_types": ["ip"]}"#),
        "$.sensor_types[0]"
    );
    assert_eq!(
        path(r#"{"version": 1, "countries": ["es"]}"#),
        "$.countries[0]"
    );
    assert_eq!(
        path(r#"{"version": 1, "subdivisions": ["ESMD"]}"#),
        "$.subdivisions[0]"
    );
    assert_eq!(
        path(r#"{"version": 1, "max_ear_age_s": -1}"#),
        "$.max_ear_age_s"
    );
    assert_eq!(path(r#"{"version": 1, "version": 1}"#), "$");
    assert_eq!(
        path(r#"{"version": 1, "geofence": {"version": 1, "countries": {"allow": ["xx"]}}}"#),
        "$.geofence.countries.allow[0]"
    );
}

/// The first ```json block after `marker` in docs/gateway.md.
fn doc_block(marker: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/gateway.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let from = doc.find(marker).unwrap();
    let start = from + doc[from..].find("```json\n").unwrap() + "```json\n".len();
    let len = doc[start..].find("```").unwrap();
    doc[start..start + len].to_owned()
}

#[test]
fn the_documented_policy_reads_and_decides_as_documented() {
    let policy = GatewayPolicy::from_json(doc_block("## Gateway policy").as_bytes()).unwrap();
    assert_eq!(
        policy.network_verification_ttl_s(),
        DEFAULT_NETWORK_VERIFICATION_TTL_S
    );
    let w = World::new();
    // Madrid: allowed (ES only in ES-MD).
    assert!(w
        .decide_with(&w.claims("gnss"), &w.ear(&w.ear_spec()), &policy, None)
        .allowed());
    // Catalonia: denied.
    let mut c = w.claims("gnss");
    c["grc.geolocation"]["jurisdiction-subdivision"] = json!("ES-CT");
    let ear = w.ear(&EarSpec {
        subdivision: Some("ES-CT"),
        ..w.ear_spec()
    });
    assert_eq!(
        denied(&w.decide_with(&c, &ear, &policy, None)).code(),
        13068
    );
}

#[test]
fn the_documented_claims_read() {
    let text = doc_block("## AttestedClaims").replace("<64 hex digits>", &"ab".repeat(32));
    let c = aegis_core::svid::claims::AttestedClaims::from_json(text.as_bytes()).unwrap();
    assert_eq!(
        c.geolocation.unwrap().sensor_msisdn.as_deref(),
        Some("+34696810912")
    );
}

#[test]
fn the_cache_asks_the_network_once_per_ttl_and_keeps_no_unknown_answer() {
    let w = World::new();
    let ear = w.ear(&w.ear_spec());
    let claims = w.claims("mobile");
    let cached = CachedNetworkVerifier::new(
        MockCamara::answering(NetworkVerdict::Verified),
        DEFAULT_NETWORK_VERIFICATION_TTL_S,
        8,
    );
    let policy = GatewayPolicy::default();
    let at = |t: u64| {
        let key = w.verifier.public_key();
        let claims = claims.to_string();
        decide(
            default_provider(),
            &GatewayInput::from_parts(claims.as_bytes(), ear.as_bytes()),
            &policy,
            &GatewayContext {
                network: Some(&cached),
                ..GatewayContext::new(key, UnixTime::from_secs(t))
            },
        )
    };
    assert!(at(NOW).allowed());
    // The cached answer (located 10 s before the first call) is reused, and still fresh.
    assert!(at(NOW + 800).allowed());
    assert_eq!(cached.inner().calls.load(Ordering::SeqCst), 1);
    assert!(at(NOW + 900).allowed());
    assert_eq!(cached.inner().calls.load(Ordering::SeqCst), 2);
    let q = LocationQuery {
        device: aegis_core::svid::gateway::DeviceIds {
            sensor_id: "12d1:1433".into(),
            imei: None,
            imsi: None,
            msisdn: Some("+34696810912".into()),
        },
        latitude: 40.0,
        longitude: -3.0,
        radius_m: 2000,
    };
    let off = CachedNetworkVerifier::new(MockCamara::answering(NetworkVerdict::Verified), 0, 8);
    for _ in 0..3 {
        off.verify(&q, UnixTime::from_secs(NOW)).unwrap();
    }
    assert_eq!(off.inner().calls.load(Ordering::SeqCst), 3);
    let unknown =
        CachedNetworkVerifier::new(MockCamara::answering(NetworkVerdict::Unknown), 900, 8);
    unknown.verify(&q, UnixTime::from_secs(NOW)).unwrap();
    unknown.verify(&q, UnixTime::from_secs(NOW)).unwrap();
    assert!(unknown.is_empty());
    assert_eq!(unknown.inner().calls.load(Ordering::SeqCst), 2);
    // Bounded: capacity 2 keeps at most 2 answers.
    let small = CachedNetworkVerifier::new(MockCamara::answering(NetworkVerdict::Verified), 900, 2);
    for i in 0..5 {
        let q = LocationQuery {
            latitude: f64::from(i),
            ..q.clone()
        };
        small.verify(&q, UnixTime::from_secs(NOW)).unwrap();
    }
    assert_eq!(small.len(), 2);
}

/// SVIDs made with the openssl command under a root CA (and an intermediate CA), carrying the
/// SVID extensions given; verified at the real time (openssl dates them from now).
mod chain {
    use std::path::PathBuf;
    use std::process::Command;

    use aegis_core::ear::{Dialect, TokenFormat};
    use aegis_core::svid::{encode_attested_claims, encode_cmw_ear, SvidBundle};
    use base64::Engine as _;

    pub struct Pki {
        dir: PathBuf,
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

    fn der_of(pem: &str) -> Vec<u8> {
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    }

    impl Pki {
        pub fn new(name: &str) -> Self {
            let dir = std::env::temp_dir()
                .join(format!("aegis-gateway-chain-{}-{name}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            openssl(
                &dir,
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
            let pki = Pki { dir };
            pki.issue(
                "int",
                "ca",
                "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
            );
            pki
        }

        /// The root CA as a bundle.
        pub fn bundle(&self) -> SvidBundle {
            SvidBundle::from_pem(&std::fs::read(self.dir.join("ca.pem")).unwrap()).unwrap()
        }

        /// The intermediate CA's DER.
        pub fn intermediate(&self) -> Vec<u8> {
            der_of(&std::fs::read_to_string(self.dir.join("int.pem")).unwrap())
        }

        fn issue(&self, name: &str, issuer: &str, ext: &str) -> Vec<u8> {
            std::fs::write(self.dir.join(format!("{name}.ext")), ext).unwrap();
            let (key, csr, pem, extfile, ca, ca_key) = (
                format!("{name}.key"),
                format!("{name}.csr"),
                format!("{name}.pem"),
                format!("{name}.ext"),
                format!("{issuer}.pem"),
                format!("{issuer}.key"),
            );
            openssl(
                &self.dir,
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
                &self.dir,
                &[
                    "x509", "-req", "-in", &csr, "-CA", &ca, "-CAkey", &ca_key, "-days", "1",
                    "-extfile", &extfile, "-out", &pem,
                ],
            );
            der_of(&std::fs::read_to_string(self.dir.join(&pem)).unwrap())
        }

        /// An SVID (DER) for `spiffe_id` issued by `issuer` ("ca" or "int"), with the
        /// AttestedClaims extension (when `claims`) and the CMW extension (when `ear`).
        pub fn svid(
            &self,
            name: &str,
            issuer: &str,
            spiffe_id: &str,
            claims: Option<&str>,
            ear: Option<&str>,
        ) -> Vec<u8> {
            let mut ext = format!(
                "subjectAltName=URI:{spiffe_id}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
            );
            if let Some(c) = claims {
                let v = encode_attested_claims(c.as_bytes()).unwrap();
                ext += &format!("{}=DER:{}\n", v.oid(), hex::encode(v.value()));
            }
            if let Some(t) = ear {
                let v = encode_cmw_ear(t.as_bytes(), TokenFormat::Jwt, Dialect::Ietf04).unwrap();
                ext += &format!("{}=DER:{}\n", v.oid(), hex::encode(v.value()));
            }
            self.issue(name, issuer, &ext)
        }
    }

    impl Drop for Pki {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn verified(pki: &chain::Pki, chain: &[&Vec<u8>]) -> Result<GatewayInput> {
    let ders: Vec<&[u8]> = chain.iter().map(|d| d.as_slice()).collect();
    GatewayInput::from_verified_chain(default_provider(), &ders, &pki.bundle(), UnixTime::now())
}

fn decide_chain(w: &World, input: &GatewayInput) -> GatewayDecision {
    decide(
        default_provider(),
        input,
        &GatewayPolicy::default(),
        &GatewayContext::new(w.verifier.public_key(), UnixTime::from_secs(NOW)),
    )
}

#[test]
fn the_poc_chain_gives_the_agent_svids_claims_and_the_leafs_workload() {
    let w = World::new();
    let pki = chain::Pki::new("poc");
    let agent_claims = w.claims("gnss");
    let ear = w.ear(&w.ear_spec());
    let agent = pki.svid(
        "agent",
        "ca",
        "spiffe://example.org/spire/agent/join_token/x",
        Some(&agent_claims.to_string()),
        Some(&ear),
    );
    let workload = pki.svid(
        "workload",
        "ca",
        "spiffe://example.org/python-app",
        Some(r#"{"grc.workload": {"spiffe_id": "spiffe://example.org/claimed"}}"#),
        None,
    );
    let input = verified(&pki, &[&workload, &agent]).unwrap();
    assert_eq!(input.source(), Some(1));
    let d = decide_chain(&w, &input);
    assert!(d.allowed(), "{:#}", d.to_json());
    // The verified leaf's SPIFFE ID, not the claimed one.
    assert_eq!(
        header(&d, headers::SPIFFE_ID),
        Some("spiffe://example.org/python-app")
    );
    assert_eq!(header(&d, headers::SENSOR_ID), Some("12d1:1433"));
}

#[test]
fn intermediates_are_told_from_the_svids_sent_along() {
    let w = World::new();
    let pki = chain::Pki::new("intermediate");
    let ear = w.ear(&w.ear_spec());
    let agent = pki.svid(
        "agent",
        "int",
        "spiffe://example.org/agent",
        Some(&w.claims("gnss").to_string()),
        Some(&ear),
    );
    let workload = pki.svid("workload", "int", "spiffe://example.org/app", None, None);
    let int = pki.intermediate();
    let input = verified(&pki, &[&workload, &int, &agent]).unwrap();
    assert_eq!(input.source(), Some(1));
    assert!(decide_chain(&w, &input).allowed());
    // Without the intermediate neither SVID reaches the bundle.
    assert_eq!(
        verified(&pki, &[&workload, &agent]).unwrap_err().name(),
        "SvidUntrusted"
    );
}

#[test]
fn the_leafs_own_attestation_claims_win_over_the_chains() {
    let w = World::new();
    let pki = chain::Pki::new("leaf-wins");
    let ear = w.ear(&w.ear_spec());
    let mut elsewhere = w.claims("gnss");
    elsewhere["grc.geolocation"]["sensor_id"] = json!("other-sensor");
    let leaf = pki.svid(
        "leaf",
        "ca",
        "spiffe://example.org/spire/agent/x",
        Some(&w.claims("gnss").to_string()),
        Some(&ear),
    );
    let other = pki.svid(
        "other",
        "ca",
        "spiffe://example.org/other",
        Some(&elsewhere.to_string()),
        Some(&ear),
    );
    let input = verified(&pki, &[&leaf, &other]).unwrap();
    assert_eq!(input.source(), Some(0));
    let d = decide_chain(&w, &input);
    assert!(d.allowed(), "{:#}", d.to_json());
    assert_eq!(header(&d, headers::SENSOR_ID), Some("12d1:1433"));
}

#[test]
fn an_svid_of_another_trust_domain_in_the_chain_is_refused() {
    let w = World::new();
    let pki = chain::Pki::new("other-domain");
    let ear = w.ear(&w.ear_spec());
    let leaf = pki.svid("leaf", "ca", "spiffe://example.org/app", None, None);
    let agent = pki.svid(
        "agent",
        "ca",
        "spiffe://elsewhere.example/agent",
        Some(&w.claims("gnss").to_string()),
        Some(&ear),
    );
    assert_eq!(
        verified(&pki, &[&leaf, &agent]).unwrap_err(),
        Error::GatewayChainTrustDomainMismatch {
            trust_domain: "elsewhere.example".into()
        }
    );
}

#[test]
fn a_chain_without_claims_or_ear_denies_for_each() {
    let w = World::new();
    let pki = chain::Pki::new("bare");
    let ear = w.ear(&w.ear_spec());
    let bare = pki.svid("bare", "ca", "spiffe://example.org/a", None, None);
    let d = decide_chain(&w, &verified(&pki, &[&bare]).unwrap());
    let codes: Vec<u32> = d.denials().map(Error::code).collect();
    assert_eq!(codes, vec![13052, 13071]);
    let ear_only = pki.svid("ear-only", "ca", "spiffe://example.org/a", None, Some(&ear));
    let d = decide_chain(&w, &verified(&pki, &[&ear_only]).unwrap());
    assert_eq!(
        denied(&d),
        Error::GatewayClaimMissing {
            claim: "the AttestedClaims extension"
        }
    );
    let claims = w.claims("gnss").to_string();
    let claims_only = pki.svid(
        "claims-only",
        "ca",
        "spiffe://example.org/a",
        Some(&claims),
        None,
    );
    let d = decide_chain(&w, &verified(&pki, &[&claims_only]).unwrap());
    assert_eq!(denied(&d), Error::GatewayEarMissing);
    assert_eq!(verified(&pki, &[]).unwrap_err(), Error::SvidChainEmpty);
}

/// A measurement, not a check: decisions per second on one thread (EAR ES256 verification
/// included), for a gnss reading and a mobile one answered by the cache. Run with
/// `cargo test --release -p aegis-core --test gateway -- --ignored --nocapture decisions_per_second`.
#[test]
#[ignore = "a measurement"]
fn decisions_per_second() {
    let w = World::new();
    let ear = w.ear(&w.ear_spec());
    let cached = CachedNetworkVerifier::new(
        MockCamara::answering(NetworkVerdict::Verified),
        DEFAULT_NETWORK_VERIFICATION_TTL_S,
        1024,
    );
    let policy = GatewayPolicy::default();
    for sensor in ["gnss", "mobile"] {
        let claims = w.claims(sensor).to_string();
        let input = GatewayInput::from_parts(claims.as_bytes(), ear.as_bytes());
        let ctx = GatewayContext {
            network: Some(&cached),
            ..GatewayContext::new(w.verifier.public_key(), UnixTime::from_secs(NOW))
        };
        let n = 5000;
        let start = std::time::Instant::now();
        for _ in 0..n {
            assert!(decide(default_provider(), &input, &policy, &ctx).allowed());
        }
        let s = start.elapsed().as_secs_f64();
        println!(
            "{sensor}: {:.0} decisions/s ({:.1} us each)",
            f64::from(n) / s,
            s * 1e6 / f64::from(n)
        );
    }
}

#[test]
fn the_query_the_bindings_hand_over_and_the_verdict_names() {
    let q = LocationQuery {
        device: aegis_core::svid::gateway::DeviceIds {
            sensor_id: "12d1:1433".into(),
            imei: None,
            imsi: Some("214070000000001".into()),
            msisdn: Some("+34696810912".into()),
        },
        latitude: 41.3874,
        longitude: 2.1686,
        radius_m: 2000,
    };
    assert_eq!(
        q.to_json(),
        json!({"sensor_id": "12d1:1433", "imsi": "214070000000001", "msisdn": "+34696810912",
               "latitude": 41.3874, "longitude": 2.1686, "radius_m": 2000})
    );
    for v in [
        NetworkVerdict::Verified,
        NetworkVerdict::NotVerified,
        NetworkVerdict::Partial,
        NetworkVerdict::Unknown,
    ] {
        assert_eq!(NetworkVerdict::from_name(v.name()), Some(v));
    }
    assert_eq!(NetworkVerdict::from_name("TRUE"), None);
}

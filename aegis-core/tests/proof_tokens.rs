//! DPoR, DPoG and WPT proof tokens (FORMATS.md, "Proof tokens"): a round trip per algorithm, and
//! for every verification check a token that breaks exactly that check, asserting its error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::sync::Mutex;

use aegis_core::crypto::{
    default_provider, KeySpec, PrivateKey, SignatureFormat, SignatureScheme, Signer, SoftwareSigner,
};
use aegis_core::ear::{
    self, claim, Algorithm, Dialect, Ear, GeoClaims, Status, Submod, TrustVector, VerifiedEar,
    VerifierId, VerifyOptions,
};
use aegis_core::error::{Error, Result};
use aegis_core::geo::fence::GeofencePolicy;
use aegis_core::time::UnixTime;
use aegis_core::token::{
    mint_dpog, mint_dpor, mint_wpt, normalise_htu, token_hash, verify_proof, verify_wpt, Location,
    ProofKind, ProofPolicy, ProofRequest, ReplayCache, Residency, WptPolicy, WptRequest,
    LOCATION_CLAIM,
};
use aegis_core::tpm::{EccCurve, HashAlg};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde_json::{json, Value};

const NOW: u64 = 1_800_000_000;
const HTU: &str = "https://api.example.com/v1/data";

/// A test-only in-memory replay cache (the real one is `token::replay`'s).
#[derive(Default)]
struct TestCache(Mutex<HashMap<String, u64>>);

impl ReplayCache for TestCache {
    fn check_and_insert(&self, id: &str, now: UnixTime, expires: UnixTime) -> Result<()> {
        let mut m = self.0.lock().unwrap();
        if m.get(id).is_some_and(|e| *e > now.as_secs()) {
            return Err(Error::TokenReplayed);
        }
        m.insert(id.to_owned(), expires.as_secs());
        Ok(())
    }
}

struct Down;
impl ReplayCache for Down {
    fn check_and_insert(&self, _: &str, _: UnixTime, _: UnixTime) -> Result<()> {
        Err(Error::ReplayCacheUnavailable {
            detail: "down".into(),
        })
    }
}

fn signer(spec: KeySpec) -> SoftwareSigner<'static> {
    let p = default_provider();
    let scheme = match spec {
        KeySpec::Ecc(EccCurve::NistP384) => SignatureScheme::Ecdsa(HashAlg::Sha384),
        KeySpec::Ecc(_) => SignatureScheme::Ecdsa(HashAlg::Sha256),
        KeySpec::Rsa { .. } => SignatureScheme::RsaPss(HashAlg::Sha256),
    };
    SoftwareSigner::new(p, PrivateKey::generate(p, spec).unwrap(), scheme).unwrap()
}

fn p256() -> SoftwareSigner<'static> {
    signer(KeySpec::Ecc(EccCurve::NistP256))
}

/// An EAR from `verifier` naming `app` in its workload-key submod with `status`, issued at
/// `iat`, and a location submod in ES / ES-CT.
fn ear_for(app: &dyn Signer, status: Status, iat: u64) -> VerifiedEar {
    let verifier = p256();
    let tv = TrustVector {
        instance_identity: claim::TRUSTWORTHY_INSTANCE,
        ..TrustVector::default()
    };
    let workload = Submod {
        status,
        trust_vector: tv,
        verifier_claims: Some(
            json!({"app_key": {"jkt": app.public_key().jwk_thumbprint_b64().unwrap()}}),
        ),
        ..Submod::default()
    };
    let location = Submod {
        status: Status::Affirming,
        trust_vector: tv,
        geo: GeoClaims {
            country: Some("ES".into()),
            subdivision: Some("ES-CT".into()),
            ..GeoClaims::default()
        },
        ..Submod::default()
    };
    let e = Ear {
        iat: iat as i64,
        exp: None,
        verifier_id: VerifierId {
            developer: "https://aegis.example".into(),
            build: "test".into(),
        },
        status: Some(status),
        nonce: None,
        submods: [
            ("workload-key".to_string(), workload),
            ("location".to_string(), location),
        ]
        .into(),
        extra: Default::default(),
    };
    let token = e.sign_jwt(&verifier, Dialect::Ietf04).unwrap();
    ear::verify_token(
        default_provider(),
        token.as_bytes(),
        &VerifyOptions::new(verifier.public_key(), UnixTime::from_secs(NOW)),
    )
    .unwrap()
}

fn req(jti: &str) -> ProofRequest<'_> {
    ProofRequest {
        htm: "POST",
        htu: HTU,
        iat: UnixTime::from_secs(NOW),
        jti,
        nonce: None,
        access_token: None,
    }
}

fn policy(kind: ProofKind) -> ProofPolicy<'static> {
    ProofPolicy::new(kind, "POST", HTU, UnixTime::from_secs(NOW + 1))
}

fn location() -> Location {
    Location {
        server: Some("spiffe://example.org/gw".into()),
        kind: "region".into(),
        country: Some("ES".into()),
        subdivision: Some("ES-CT".into()),
        city: None,
        latitude: None,
        longitude: None,
        quality: "gnss".into(),
    }
}

fn verify(token: &str, pol: &ProofPolicy<'_>, ear: &VerifiedEar) -> Result<()> {
    let res = Residency::Ear { ear, max_age: 300 };
    verify_proof(
        default_provider(),
        token.as_bytes(),
        pol,
        &res,
        &TestCache::default(),
    )
    .map(|_| ())
}

/// Signs an arbitrary header and claims with `s` (raw r||s or PSS), for tokens Aegis would never
/// mint.
fn forge(s: &dyn Signer, header: &Value, claims: &Value) -> String {
    let alg = Algorithm::of_signer(s).unwrap();
    let mut t = format!(
        "{}.{}",
        B64URL.encode(header.to_string()),
        B64URL.encode(claims.to_string())
    );
    let digest = alg.scheme().hash().digest(t.as_bytes());
    let sig = s
        .sign_digest(&digest)
        .unwrap()
        .encode(SignatureFormat::Raw, alg.scheme(), s.public_key())
        .unwrap();
    t.push('.');
    t.push_str(&B64URL.encode(sig));
    t
}

fn header(s: &dyn Signer) -> Value {
    json!({"typ": "dpor+jwt", "alg": "ES256", "jwk": serde_json::from_str::<Value>(&s.public_key().to_jwk().unwrap()).unwrap()})
}

fn claims() -> Value {
    json!({"jti": "j1", "htm": "POST", "htu": HTU, "iat": NOW})
}

#[test]
fn dpor_round_trip_per_algorithm() {
    for spec in [
        KeySpec::Ecc(EccCurve::NistP256),
        KeySpec::Ecc(EccCurve::NistP384),
        KeySpec::Rsa { bits: 2048 },
    ] {
        let s = signer(spec);
        let ear = ear_for(&s, Status::Affirming, NOW);
        let at = b"access-token";
        let t = mint_dpor(
            &s,
            &ProofRequest {
                nonce: Some("n-1"),
                access_token: Some(at),
                ..req("a")
            },
        )
        .unwrap();
        let jkt = s.public_key().jwk_thumbprint_b64().unwrap();
        let pol = ProofPolicy {
            nonce: Some("n-1"),
            access_token: Some(at),
            cnf_jkt: Some(&jkt),
            ..policy(ProofKind::Dpor)
        };
        let res = Residency::Ear {
            ear: &ear,
            max_age: 300,
        };
        let cache = TestCache::default();
        let v = verify_proof(default_provider(), t.as_bytes(), &pol, &res, &cache).unwrap();
        assert_eq!(v.jkt, jkt);
        assert_eq!(v.alg, Algorithm::of_signer(&s).unwrap());
        // The same proof again is a replay.
        assert!(matches!(
            verify_proof(default_provider(), t.as_bytes(), &pol, &res, &cache),
            Err(Error::TokenReplayed)
        ));
    }
}

#[test]
fn dpog_round_trip_and_location_checks() {
    let s = p256();
    let ear = ear_for(&s, Status::Affirming, NOW);
    let t = mint_dpog(&s, &req("g"), &location()).unwrap();
    let res = Residency::Ear {
        ear: &ear,
        max_age: 300,
    };
    let allowed: &[&str] = &["es", "PT"];
    let pol = ProofPolicy {
        allowed_countries: Some(allowed),
        ..policy(ProofKind::Dpog)
    };
    let v = verify_proof(
        default_provider(),
        t.as_bytes(),
        &pol,
        &res,
        &TestCache::default(),
    )
    .unwrap();
    assert_eq!(v.location, Some(location()));
    // Outside the geofence.
    let only_fr: &[&str] = &["FR"];
    let pol_fr = ProofPolicy {
        allowed_countries: Some(only_fr),
        ..policy(ProofKind::Dpog)
    };
    assert!(matches!(
        verify(&t, &pol_fr, &ear),
        Err(Error::TokenLocationNotAllowed)
    ));
    // A location the EAR does not affirm.
    let fr = Location {
        country: Some("FR".into()),
        subdivision: None,
        ..location()
    };
    let t = mint_dpog(&s, &req("g2"), &fr).unwrap();
    assert!(matches!(
        verify(&t, &policy(ProofKind::Dpog), &ear),
        Err(Error::TokenLocationMismatch { field: "country" })
    ));
    let other_sub = Location {
        subdivision: Some("ES-MD".into()),
        ..location()
    };
    let t = mint_dpog(&s, &req("g3"), &other_sub).unwrap();
    assert!(matches!(
        verify(&t, &policy(ProofKind::Dpog), &ear),
        Err(Error::TokenLocationMismatch {
            field: "subdivision"
        })
    ));
    // A DPoG typ without the location claim.
    let mut h = header(&s);
    h["typ"] = json!("dpog+jwt");
    let t = forge(&s, &h, &claims());
    assert!(matches!(
        verify(&t, &policy(ProofKind::Dpog), &ear),
        Err(Error::TokenClaimMissing {
            claim: LOCATION_CLAIM
        })
    ));
    // A DPoR is not a DPoG.
    let t = mint_dpor(&s, &req("g4")).unwrap();
    assert!(matches!(
        verify(&t, &policy(ProofKind::Dpog), &ear),
        Err(Error::TokenTypeInvalid { .. })
    ));
}

/// The caller's own geofence policy applied to a DPoG proof's place (GeofencePolicy::check_place):
/// each rule its own geofence error, and a place it allows passes.
#[test]
fn dpog_against_the_callers_geofence_policy() {
    let s = p256();
    let ear = ear_for(&s, Status::Affirming, NOW);
    // Each policy below plus the two members every policy needs.
    let fence = |json: &str| {
        let mut policy: Value = serde_json::from_str(json).unwrap();
        policy["max_accuracy_radius_m"] = json!(100);
        policy["max_age_s"] = json!(300);
        GeofencePolicy::from_json(policy.to_string().as_bytes()).unwrap()
    };
    let check = |fence: &GeofencePolicy, loc: &Location, jti: &str| {
        let t = mint_dpog(&s, &req(jti), loc).unwrap();
        let pol = ProofPolicy {
            geofence: Some(fence),
            ..policy(ProofKind::Dpog)
        };
        verify(&t, &pol, &ear)
    };
    let allows_es = fence(r#"{"version": 1, "countries": {"allow": ["ES"]}}"#);
    check(&allows_es, &location(), "f1").unwrap();
    // The proof's country in lower case still meets the policy's upper-case code.
    let lower = Location {
        country: Some("es".into()),
        subdivision: Some("es-ct".into()),
        ..location()
    };
    check(&allows_es, &lower, "f2").unwrap();
    assert!(matches!(
        check(&fence(r#"{"version": 1, "countries": {"allow": ["FR"]}}"#), &location(), "f3"),
        Err(Error::GeofenceCountryNotAllowed { country }) if country == "ES"
    ));
    assert!(matches!(
        check(
            &fence(r#"{"version": 1, "countries": {"deny": ["ES"]}}"#),
            &location(),
            "f4"
        ),
        Err(Error::GeofenceCountryDenied { .. })
    ));
    assert!(matches!(
        check(&fence(r#"{"version": 1, "subdivisions": {"deny": ["ES-CT"]}}"#), &location(), "f5"),
        Err(Error::GeofenceSubdivisionDenied { subdivision }) if subdivision == "ES-CT"
    ));
    assert!(matches!(
        check(
            &fence(r#"{"version": 1, "subdivisions": {"allow": ["ES-MD"]}}"#),
            &location(),
            "f6"
        ),
        Err(Error::GeofenceSubdivisionNotAllowed { .. })
    ));
    let ip = Location {
        quality: "ip".into(),
        ..location()
    };
    assert!(matches!(
        check(&allows_es, &ip, "f7"),
        Err(Error::GeofenceIpNotSufficient)
    ));
    let wifi = Location {
        quality: "wifi".into(),
        ..location()
    };
    assert!(matches!(
        check(&allows_es, &wifi, "f8"),
        Err(Error::GeofenceSensorNotAllowed { sensor: "wifi" })
    ));
    let gnss_only =
        fence(r#"{"version": 1, "countries": {"allow": ["ES"]}, "sensor_types": ["gnss"]}"#);
    let mobile = Location {
        quality: "mobile".into(),
        ..location()
    };
    assert!(matches!(
        check(&gnss_only, &mobile, "f9"),
        Err(Error::GeofenceSensorNotAllowed { sensor: "mobile" })
    ));
}

#[test]
fn each_jws_check_has_its_error() {
    let s = p256();
    let ear = ear_for(&s, Status::Affirming, NOW);
    let pol = policy(ProofKind::Dpor);
    let check = |h: Value, c: Value| verify(&forge(&s, &h, &c), &pol, &ear);
    assert!(check(header(&s), claims()).is_ok());

    let mut h = header(&s);
    h["typ"] = json!("dpop+jwt");
    assert!(matches!(
        check(h, claims()),
        Err(Error::TokenTypeInvalid { .. })
    ));
    for alg in ["none", "HS256", "RS256"] {
        let mut h = header(&s);
        h["alg"] = json!(alg);
        assert!(
            matches!(
                check(h, claims()),
                Err(Error::TokenAlgorithmNotAllowed { .. })
            ),
            "{alg}"
        );
    }
    // ES384 is known but not on this allow-list.
    let only256 = [Algorithm::Es256];
    let p384 = signer(KeySpec::Ecc(EccCurve::NistP384));
    let t384 = mint_dpor(&p384, &req("x")).unwrap();
    let pol256 = ProofPolicy {
        algorithms: &only256,
        ..policy(ProofKind::Dpor)
    };
    assert!(matches!(
        verify(&t384, &pol256, &ear),
        Err(Error::TokenAlgorithmNotAllowed { .. })
    ));
    let mut h = header(&s);
    h["jwk"]["d"] = json!("AAAA");
    assert!(matches!(
        check(h, claims()),
        Err(Error::TokenJwkPrivate { .. })
    ));
    let mut h = header(&s);
    h.as_object_mut().unwrap().remove("jwk");
    assert!(matches!(
        check(h, claims()),
        Err(Error::TokenJwkInvalid { .. })
    ));
    let mut h = header(&s);
    h["jwk"]["x"] = json!("AAAA");
    assert!(matches!(
        check(h, claims()),
        Err(Error::TokenJwkInvalid { .. })
    ));
    for (member, what) in [("x", "x is not base64url"), ("y", "y is not base64url")] {
        let mut h = header(&s);
        h["jwk"][member] = json!("AA+A");
        assert_eq!(
            check(h, claims()).unwrap_err(),
            Error::TokenJwkInvalid { what }
        );
    }
    let mut h = header(&s);
    h["alg"] = json!("ES384");
    assert!(matches!(
        check(h, claims()),
        Err(Error::TokenJwkAlgorithmMismatch)
    ));
    // Another key's jwk: the signature does not verify.
    let mut h = header(&s);
    h["jwk"] = serde_json::from_str(&p256().public_key().to_jwk().unwrap()).unwrap();
    assert!(matches!(
        check(h, claims()),
        Err(Error::TokenSignatureInvalid)
    ));
    let mut h = header(&s);
    h["crit"] = json!(["x"]);
    assert!(matches!(
        check(h, claims()),
        Err(Error::TokenMalformed { .. })
    ));
}

#[test]
fn each_claim_check_has_its_error() {
    let s = p256();
    let ear = ear_for(&s, Status::Affirming, NOW);
    let pol = policy(ProofKind::Dpor);
    let with = |k: &str, v: Value| {
        let mut c = claims();
        c[k] = v;
        verify(&forge(&s, &header(&s), &c), &pol, &ear)
    };
    assert!(matches!(
        with("htm", json!("GET")),
        Err(Error::TokenHtmMismatch)
    ));
    assert!(matches!(
        with("htu", json!("https://api.example.com/v1/other")),
        Err(Error::TokenHtuMismatch)
    ));
    assert!(matches!(
        with("htu", json!("http://api.example.com/v1/data")),
        Err(Error::TokenHtuMismatch)
    ));
    // Scheme and host case, default port, query and fragment do not matter.
    assert!(with("htu", json!("HTTPS://API.Example.com:443/v1/data?q=1#f")).is_ok());
    assert!(matches!(
        with("htu", json!("https://api.example.com/V1/data")),
        Err(Error::TokenHtuMismatch)
    ));
    assert!(matches!(
        with("iat", json!(NOW - 120)),
        Err(Error::TokenIatOutOfWindow { .. })
    ));
    assert!(matches!(
        with("iat", json!(NOW + 60)),
        Err(Error::TokenIatOutOfWindow { .. })
    ));
    assert!(matches!(
        with("iat", json!(NOW as f64)),
        Err(Error::TokenMalformed { .. })
    ));
    assert!(matches!(
        with("iat", json!("1800000000")),
        Err(Error::TokenMalformed { .. })
    ));
    let mut c = claims();
    c.as_object_mut().unwrap().remove("jti");
    assert!(matches!(
        verify(&forge(&s, &header(&s), &c), &pol, &ear),
        Err(Error::TokenClaimMissing { claim: "jti" })
    ));

    let t = mint_dpor(
        &s,
        &ProofRequest {
            nonce: Some("other"),
            ..req("n")
        },
    )
    .unwrap();
    let with_nonce = ProofPolicy {
        nonce: Some("n-1"),
        ..policy(ProofKind::Dpor)
    };
    assert!(matches!(
        verify(&t, &with_nonce, &ear),
        Err(Error::TokenNonceMismatch)
    ));
    let t = mint_dpor(&s, &req("n2")).unwrap();
    assert!(matches!(
        verify(&t, &with_nonce, &ear),
        Err(Error::TokenNonceMismatch)
    ));

    let with_at = ProofPolicy {
        access_token: Some(b"the-token"),
        ..policy(ProofKind::Dpor)
    };
    assert!(matches!(
        verify(&t, &with_at, &ear),
        Err(Error::TokenAthMismatch)
    ));
    let t = mint_dpor(
        &s,
        &ProofRequest {
            access_token: Some(b"another"),
            ..req("a")
        },
    )
    .unwrap();
    assert!(matches!(
        verify(&t, &with_at, &ear),
        Err(Error::TokenAthMismatch)
    ));

    let other_jkt = p256().public_key().jwk_thumbprint_b64().unwrap();
    let with_cnf = ProofPolicy {
        cnf_jkt: Some(&other_jkt),
        ..policy(ProofKind::Dpor)
    };
    assert!(matches!(
        verify(&t, &with_cnf, &ear),
        Err(Error::TokenCnfJktMismatch)
    ));
}

#[test]
fn residency_and_replay_checks() {
    let s = p256();
    let t = mint_dpor(&s, &req("r")).unwrap();
    let pol = policy(ProofKind::Dpor);
    // The EAR names another key.
    let other = ear_for(&p256(), Status::Affirming, NOW);
    assert!(matches!(
        verify(&t, &pol, &other),
        Err(Error::TokenKeyNotResident)
    ));
    let warning = ear_for(&s, Status::Warning, NOW);
    assert!(matches!(
        verify(&t, &pol, &warning),
        Err(Error::TokenResidencyNotAffirming)
    ));
    let old = ear_for(&s, Status::Affirming, NOW - 1000);
    assert!(matches!(
        verify(&t, &pol, &old),
        Err(Error::TokenResidencyStale { .. })
    ));
    // A cache that cannot be reached fails closed.
    let ear = ear_for(&s, Status::Affirming, NOW);
    let res = Residency::Ear {
        ear: &ear,
        max_age: 300,
    };
    assert!(matches!(
        verify_proof(default_provider(), t.as_bytes(), &pol, &res, &Down),
        Err(Error::ReplayCacheUnavailable { .. })
    ));
}

#[test]
fn strict_parsing() {
    let s = p256();
    let ear = ear_for(&s, Status::Affirming, NOW);
    let pol = policy(ProofKind::Dpor);
    let t = mint_dpor(&s, &req("p")).unwrap();
    let parts: Vec<&str> = t.split('.').collect();
    // Padding.
    let padded = format!("{}=.{}.{}", parts[0], parts[1], parts[2]);
    assert!(matches!(
        verify(&padded, &pol, &ear),
        Err(Error::TokenMalformed { .. })
    ));
    for (padded, what) in [
        (
            format!("{}.{}=.{}", parts[0], parts[1], parts[2]),
            "claims are not a base64url JSON object",
        ),
        (
            format!("{}.{}.{}=", parts[0], parts[1], parts[2]),
            "signature is not base64url",
        ),
    ] {
        assert_eq!(
            verify(&padded, &pol, &ear).unwrap_err(),
            Error::TokenMalformed { what }
        );
    }
    // Duplicate members (the signature is over the bytes, so re-sign).
    let claims_json = format!(r#"{{"jti":"a","jti":"b","htm":"POST","htu":"{HTU}","iat":{NOW}}}"#);
    let mut dup = format!("{}.{}", parts[0], B64URL.encode(claims_json));
    let digest = HashAlg::Sha256.digest(dup.as_bytes());
    let sig = s
        .sign_digest(&digest)
        .unwrap()
        .encode(SignatureFormat::Raw, s.scheme(), s.public_key())
        .unwrap();
    dup.push('.');
    dup.push_str(&B64URL.encode(sig));
    assert!(matches!(
        verify(&dup, &pol, &ear),
        Err(Error::TokenMalformed { .. })
    ));
    // Four parts, size cap, a flipped signature.
    assert!(matches!(
        verify(&format!("{t}.x"), &pol, &ear),
        Err(Error::TokenMalformed { .. })
    ));
    assert!(matches!(
        verify(&"a".repeat(9000), &pol, &ear),
        Err(Error::SizeOutOfRange { .. })
    ));
    let mut sig = B64URL.decode(parts[2]).unwrap();
    sig[5] ^= 1;
    let flipped = format!("{}.{}.{}", parts[0], parts[1], B64URL.encode(sig));
    assert!(matches!(
        verify(&flipped, &pol, &ear),
        Err(Error::TokenSignatureInvalid)
    ));
    // Garbage never panics.
    for n in 0..200usize {
        let junk: String = t.chars().take(n * 3 % t.len()).collect();
        let _ = verify(&junk, &pol, &ear);
    }
}

#[test]
fn htu_normalisation() {
    assert_eq!(
        normalise_htu("HTTPS://Example.COM:443?x#y").as_deref(),
        Some("https://example.com/")
    );
    assert_eq!(
        normalise_htu("http://[::1]:8080/a").as_deref(),
        Some("http://[::1]:8080/a")
    );
    assert_eq!(
        normalise_htu("http://h:80/a").as_deref(),
        Some("http://h/a")
    );
    // Percent-encodings (RFC 3986 6.2.2.1-2) and dot segments (6.2.2.3).
    assert_eq!(
        normalise_htu("https://h/%7euser/a%2fb/%c3%A9").as_deref(),
        Some("https://h/~user/a%2Fb/%C3%A9")
    );
    assert_eq!(
        normalise_htu("https://h/a/./b/../c/%2E%2E/d").as_deref(),
        Some("https://h/a/d")
    );
    assert_eq!(
        normalise_htu("https://h/a/b/..").as_deref(),
        Some("https://h/a/")
    );
    assert_eq!(
        normalise_htu("https://h/../..").as_deref(),
        Some("https://h/")
    );
    assert_eq!(
        normalise_htu("https://h/é/%41").as_deref(),
        Some("https://h/é/A")
    );
    assert_eq!(normalise_htu("https://h/a%2"), None);
    assert_eq!(normalise_htu("https://h/a%zz"), None);
    assert_eq!(normalise_htu("ftp://h/"), None);
    assert_eq!(normalise_htu("https://u@h/"), None);
    assert_eq!(normalise_htu("https://h:99999/"), None);
}

#[test]
fn wpt_round_trip_and_checks() {
    for spec in [
        KeySpec::Ecc(EccCurve::NistP256),
        KeySpec::Rsa { bits: 2048 },
    ] {
        let s = signer(spec);
        let ear = ear_for(&s, Status::Affirming, NOW);
        let res = Residency::Ear {
            ear: &ear,
            max_age: 300,
        };
        let wit = b"wit.token.here";
        let at = b"access";
        let other: &[(&str, &[u8])] = &[("txn", b"txn-token")];
        let mint = |jti: &str, aud: &str, exp: u64| {
            mint_wpt(
                &s,
                &WptRequest {
                    aud,
                    exp: UnixTime::from_secs(exp),
                    jti,
                    wit,
                    access_token: Some(at),
                    other,
                },
            )
            .unwrap()
        };
        let jkt = s.public_key().jwk_thumbprint_b64().unwrap();
        let pol = WptPolicy {
            wit_jkt: Some(&jkt),
            access_token: Some(at),
            other,
            ..WptPolicy::new("https://svc.example/", wit, UnixTime::from_secs(NOW))
        };
        let cache = TestCache::default();
        let run = |t: &str, p: &WptPolicy<'_>| {
            verify_wpt(default_provider(), t.as_bytes(), p, &res, &cache).map(|_| ())
        };
        let good = mint("w1", "https://svc.example/", NOW + 60);
        run(&good, &pol).unwrap();
        assert!(matches!(run(&good, &pol), Err(Error::TokenReplayed)));
        let t = mint("w2", "https://other.example/", NOW + 60);
        assert!(matches!(run(&t, &pol), Err(Error::TokenAudienceMismatch)));
        let t = mint("w3", "https://svc.example/", NOW);
        assert!(matches!(run(&t, &pol), Err(Error::TokenExpired { .. })));
        let t = mint("w4", "https://svc.example/", NOW + 3600);
        assert!(matches!(run(&t, &pol), Err(Error::TokenExpired { .. })));
        let t = mint("w5", "https://svc.example/", NOW + 60);
        let p = WptPolicy {
            wit: b"another wit",
            ..pol
        };
        assert!(matches!(run(&t, &p), Err(Error::TokenHashMismatch { claim }) if claim == "wth"));
        let p = WptPolicy {
            access_token: Some(b"x"),
            ..pol
        };
        assert!(matches!(run(&t, &p), Err(Error::TokenHashMismatch { claim }) if claim == "tth"));
        let wrong: &[(&str, &[u8])] = &[("txn", b"other")];
        let p = WptPolicy {
            other: wrong,
            ..pol
        };
        assert!(matches!(run(&t, &p), Err(Error::TokenHashMismatch { claim }) if claim == "txn"));
        let p = WptPolicy {
            wit_jkt: Some("x"),
            ..pol
        };
        assert!(matches!(run(&t, &p), Err(Error::TokenCnfJktMismatch)));
        // A DPoR is not a WPT.
        let d = mint_dpor(&s, &req("w6")).unwrap();
        assert!(matches!(run(&d, &pol), Err(Error::TokenTypeInvalid { .. })));
        assert_eq!(token_hash(b"").len(), 43);
    }
}

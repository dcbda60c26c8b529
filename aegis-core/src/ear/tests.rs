//! EAR unit tests: round trips in every dialect, serialization and provider, and one negative
//! test per check, each asserting its specific error.
#![allow(clippy::type_complexity)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use coset::{iana, CborSerializable, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable};

use super::token::sign_message;
use super::*;
use crate::crypto::{
    all_providers, default_provider, KeySpec, PrivateKey, SignatureScheme, Signer, SoftwareSigner,
};
use crate::time::UnixTime;
use crate::tpm::{EccCurve, HashAlg};

const NOW: u64 = 1_800_000_000;
const NONCE: &[u8] = b"0123456789abcdef";

fn signer(curve: EccCurve) -> SoftwareSigner<'static> {
    let p = default_provider();
    let hash = if curve == EccCurve::NistP384 {
        HashAlg::Sha384
    } else {
        HashAlg::Sha256
    };
    let key = PrivateKey::generate(p, KeySpec::Ecc(curve)).unwrap();
    SoftwareSigner::new(p, key, SignatureScheme::Ecdsa(hash)).unwrap()
}

fn p256() -> SoftwareSigner<'static> {
    signer(EccCurve::NistP256)
}

pub(crate) fn sample() -> Ear {
    let mut geo = GeoClaims {
        country: Some("ES".into()),
        subdivision: Some("ES-CT".into()),
        city: Some("Barcelona".into()),
        near_to: Some([7; 16]),
        rack_u_number: Some(12),
        floor_number: Some(-1),
        room_number: Some("B12".into()),
        data_center_name: Some("bcn-1".into()),
        ..GeoClaims::default()
    };
    geo.country_exclave = Some(false);
    let tpm = Submod {
        status: Status::Affirming,
        trust_vector: TrustVector {
            instance_identity: claim::TRUSTWORTHY_INSTANCE,
            executables: claim::APPROVED_RUNTIME,
            sourced_data: claim::TRUSTED_SOURCES,
            ..TrustVector::default()
        },
        policy_ids: vec!["https://aegis.example/policy/1".into()],
        nonce: Some(NONCE.to_vec()),
        raw_evidence: Some(("application/vnd.aegis.quote".into(), vec![1, 2, 3])),
        attester_claims: Some(serde_json::json!({"pcr15": "ab"})),
        verifier_claims: Some(serde_json::json!({"ak": {"fixedTPM": true}})),
        geo,
        extra: [("x-aegis-extra".to_string(), serde_json::json!([1, "two"]))].into(),
    };
    Ear {
        iat: NOW as i64 - 10,
        exp: Some(NOW as i64 + 300),
        verifier_id: VerifierId {
            developer: "https://github.com/aegis-attest".into(),
            build: "aegis 0.1.0".into(),
        },
        status: Some(Status::Affirming),
        nonce: Some(NONCE.to_vec()),
        submods: [("tpm".to_string(), tpm)].into(),
        extra: [("iss".to_string(), serde_json::json!("aegis"))].into(),
    }
}

fn options(key: &crate::keys::PublicKey) -> VerifyOptions<'_> {
    VerifyOptions {
        nonce: Some(NONCE),
        ..VerifyOptions::new(key, UnixTime::from_secs(NOW))
    }
}

fn jwt_err(token: &str, opts: &VerifyOptions<'_>) -> crate::Error {
    verify_jwt(default_provider(), token.as_bytes(), opts).unwrap_err()
}

fn cwt_err(token: &[u8], opts: &VerifyOptions<'_>) -> crate::Error {
    verify_cwt(default_provider(), token, opts).unwrap_err()
}

/// A JWS over any payload and header, for tokens `Ear` would refuse to sign.
fn raw_jwt(signer: &SoftwareSigner<'_>, header: &str, payload: &[u8]) -> String {
    let input = format!("{}.{}", B64URL.encode(header), B64URL.encode(payload));
    let sig = sign_message(
        signer,
        Algorithm::of_signer(signer).unwrap(),
        input.as_bytes(),
    )
    .unwrap();
    format!("{input}.{}", B64URL.encode(sig))
}

fn raw_cwt(signer: &SoftwareSigner<'_>, payload: Vec<u8>) -> Vec<u8> {
    let alg = Algorithm::of_signer(signer).unwrap();
    CoseSign1Builder::new()
        .protected(
            HeaderBuilder::new()
                .algorithm(iana::Algorithm::ES256)
                .build(),
        )
        .payload(payload)
        .try_create_signature(&[], |tbs| sign_message(signer, alg, tbs))
        .unwrap()
        .build()
        .to_tagged_vec()
        .unwrap()
}

fn claims_json(ear: &Ear, dialect: Dialect) -> serde_json::Value {
    ear.to_json(dialect).unwrap()
}

#[test]
fn jwt_round_trips_in_every_dialect_and_provider() {
    let s = p256();
    for dialect in [Dialect::Ietf04, Dialect::Ietf03, Dialect::Veraison] {
        let token = sample().sign_jwt(&s, dialect).unwrap();
        for p in all_providers() {
            let v = verify_jwt(p, token.as_bytes(), &options(s.public_key())).unwrap();
            assert_eq!(v.dialect(), dialect);
            assert_eq!(v.algorithm(), Algorithm::Es256);
            assert_eq!(v.ear(), &sample(), "{dialect:?}");
        }
    }
}

#[test]
fn cwt_round_trips_in_every_dialect_and_provider() {
    let s = p256();
    for dialect in [Dialect::Ietf04, Dialect::Ietf03, Dialect::Veraison] {
        let token = sample().sign_cwt(&s, dialect).unwrap();
        assert_eq!(token.first(), Some(&0xd2), "tag 18");
        for p in all_providers() {
            let v = verify_cwt(p, &token, &options(s.public_key())).unwrap();
            assert_eq!(v.dialect(), dialect);
            assert_eq!(v.into_ear(), sample());
        }
    }
}

#[test]
fn es384_signs_and_verifies_in_both_forms() {
    let s = signer(EccCurve::NistP384);
    let jwt = sample().sign_jwt(&s, Dialect::Ietf04).unwrap();
    let cwt = sample().sign_cwt(&s, Dialect::Ietf04).unwrap();
    let o = options(s.public_key());
    assert_eq!(
        verify_jwt(default_provider(), jwt.as_bytes(), &o)
            .unwrap()
            .algorithm(),
        Algorithm::Es384
    );
    assert_eq!(
        verify_cwt(default_provider(), &cwt, &o)
            .unwrap()
            .algorithm(),
        Algorithm::Es384
    );
}

#[cfg(feature = "native")]
#[test]
fn ps256_signs_with_native_and_verifies_with_every_provider() {
    let p = &crate::crypto::native::OpenSslProvider;
    let key = PrivateKey::generate(p, KeySpec::Rsa { bits: 2048 }).unwrap();
    let s = SoftwareSigner::new(p, key, SignatureScheme::RsaPss(HashAlg::Sha256)).unwrap();
    let jwt = sample().sign_jwt(&s, Dialect::Ietf04).unwrap();
    let cwt = sample().sign_cwt(&s, Dialect::Ietf04).unwrap();
    let header = B64URL.decode(jwt.split('.').next().unwrap()).unwrap();
    assert_eq!(header, br#"{"alg":"PS256","typ":"JWT"}"#);
    for prov in all_providers() {
        let o = options(s.public_key());
        assert_eq!(
            verify_jwt(prov, jwt.as_bytes(), &o).unwrap().algorithm(),
            Algorithm::Ps256
        );
        assert_eq!(
            verify_cwt(prov, &cwt, &o).unwrap().algorithm(),
            Algorithm::Ps256
        );
    }
}

#[test]
fn signing_refuses_a_scheme_with_no_ear_algorithm() {
    let p = default_provider();
    let key = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap();
    let s = SoftwareSigner::new(p, key, SignatureScheme::Ecdsa(HashAlg::Sha384)).unwrap();
    assert!(matches!(
        sample().sign_jwt(&s, Dialect::Ietf04),
        Err(crate::Error::InvalidArgument { .. })
    ));
}

#[test]
fn json_names_follow_the_dialect() {
    let ietf = claims_json(&sample(), Dialect::Ietf04);
    assert_eq!(ietf["eat_profile"], PROFILE_IETF_04);
    assert_eq!(ietf["ear_verifier_id"]["build"], "aegis 0.1.0");
    let tpm = &ietf["submods"]["tpm"];
    assert_eq!(tpm["ear_status"], "affirming");
    assert_eq!(tpm["ear_trustworthiness_vector"]["instance-identity"], 2);
    assert_eq!(
        tpm["ear_appraisal_policy_ids"][0],
        "https://aegis.example/policy/1"
    );
    assert_eq!(tpm["ear_raw_evidence"][0], "application/vnd.aegis.quote");
    assert_eq!(tpm["ear_raw_evidence"][1], "AQID");
    assert_eq!(tpm["eat_nonce"], B64URL.encode(NONCE));
    assert_eq!(tpm["grc.jurisdiction-country"], "ES");
    assert_eq!(tpm["grc.jurisdiction-subdivision"], "ES-CT");
    assert_eq!(tpm["grc.near-to"], "07070707-0707-0707-0707-070707070707");
    assert_eq!(tpm["grc.floor-number"], -1);
    let v = claims_json(&sample(), Dialect::Veraison);
    assert_eq!(v["eat_profile"], PROFILE_VERAISON);
    assert_eq!(
        v["ear.verifier-id"]["developer"],
        "https://github.com/aegis-attest"
    );
    let tpm = &v["submods"]["tpm"];
    assert_eq!(tpm["ear.status"], "affirming");
    assert_eq!(tpm["ear.trustworthiness-vector"]["sourced-data"], 2);
    assert_eq!(
        tpm["ear.appraisal-policy-id"],
        "https://aegis.example/policy/1"
    );
    assert_eq!(tpm["ear.veraison.annotated-evidence"]["pcr15"], "ab");
}

#[test]
fn geo_names_without_the_grc_prefix_are_accepted() {
    let mut j = claims_json(&sample(), Dialect::Ietf04);
    let tpm = j["submods"]["tpm"].as_object_mut().unwrap();
    let country = tpm.remove("grc.jurisdiction-country").unwrap();
    tpm.insert("jurisdiction-country".into(), country);
    let sub = tpm.remove("grc.jurisdiction-subdivision").unwrap();
    tpm.insert("jurisdiction-state".into(), sub);
    let (ear, _) = Ear::from_json(j.to_string().as_bytes()).unwrap();
    assert_eq!(ear, sample());
}

#[test]
fn cbor_is_deterministic_with_the_formats_keys() {
    let a = sample().to_cbor(Dialect::Ietf04).unwrap();
    assert_eq!(a, sample().to_cbor(Dialect::Ietf04).unwrap());
    let v: ciborium::value::Value = ciborium::de::from_reader(a.as_slice()).unwrap();
    let keys: Vec<String> = v
        .as_map()
        .unwrap()
        .iter()
        .map(|(k, _)| match k {
            ciborium::value::Value::Integer(i) => i128::from(*i).to_string(),
            ciborium::value::Value::Text(t) => t.clone(),
            _ => unreachable!(),
        })
        .collect();
    // Encoded-byte order: small unsigned first, then larger, then text.
    assert_eq!(keys, ["4", "6", "10", "265", "266", "1000", "1004", "iss"]);
    let mut reencoded = Vec::new();
    cbor::write_canonical(&v, &mut reencoded).unwrap();
    assert_eq!(reencoded, a);
}

#[test]
fn unknown_claims_are_kept_in_both_forms() {
    let s = p256();
    let mut ear = sample();
    ear.extra
        .insert("-70001".into(), serde_json::json!("private"));
    let cwt = ear.sign_cwt(&s, Dialect::Ietf04).unwrap();
    let v = verify_cwt(default_provider(), &cwt, &options(s.public_key())).unwrap();
    assert_eq!(v.ear().extra["-70001"], "private");
    assert_eq!(v.ear().extra["iss"], "aegis");
    assert_eq!(
        v.ear().submods["tpm"].extra["x-aegis-extra"],
        serde_json::json!([1, "two"])
    );
}

#[test]
fn claims_bytes_written_directly_equal_the_value_tree_bytes() {
    // json::to_bytes (what sign_jwt signs) writes without a Value tree unless there are
    // extension claims: the bytes must be those of the Value tree either way.
    let with_extra = sample();
    let mut plain = sample();
    plain.extra.clear();
    let mut second = plain.submods["tpm"].clone();
    second.extra.clear();
    second.raw_evidence = None;
    second.policy_ids.push("second".into());
    second.trust_vector = TrustVector::default();
    second.status = Status::Warning;
    plain.submods.insert("a-first".into(), second.clone());
    plain.submods.insert("tpm".into(), second);
    let mut bare = plain.clone();
    bare.exp = None;
    bare.status = None;
    bare.nonce = None;
    for sub in bare.submods.values_mut() {
        sub.nonce = None;
        sub.attester_claims = None;
        sub.verifier_claims = None;
        sub.policy_ids.clear();
        sub.geo = GeoClaims::default();
    }
    for ear in [&with_extra, &plain, &bare] {
        for dialect in [Dialect::Ietf04, Dialect::Ietf03, Dialect::Veraison] {
            let tree = serde_json::to_vec(&ear.to_json(dialect).unwrap()).unwrap();
            assert_eq!(
                String::from_utf8(json::to_bytes(ear, dialect).unwrap()).unwrap(),
                String::from_utf8(tree).unwrap()
            );
        }
    }
}

#[test]
fn typed_claims_in_ear_parts_write_as_their_json() {
    // json::EarParts (what AttestationResult::sign_jwt signs) writes typed attester and verifier
    // claims at their usual place in the claim order, as the same claims held as JSON would be.
    #[derive(serde::Serialize)]
    struct Lent {
        lent: &'static str,
        n: u8,
    }
    let mut ear = sample();
    ear.extra.clear();
    for sub in ear.submods.values_mut() {
        sub.extra.clear();
    }
    let mut expected = ear.clone();
    for (name, sub) in expected.submods.iter_mut() {
        let tpm = name == "tpm";
        sub.attester_claims = tpm.then(|| serde_json::json!({"lent": "attester", "n": 1}));
        sub.verifier_claims = tpm.then(|| serde_json::json!({"lent": "verifier", "n": 2}));
    }
    let parts = json::EarParts::of(&ear);
    let typed = json::EarParts {
        iat: parts.iat,
        exp: parts.exp,
        verifier_id: parts.verifier_id,
        status: parts.status,
        nonce: parts.nonce,
        submods: parts
            .submods
            .into_iter()
            .map(|(name, s)| {
                let tpm = name == "tpm";
                let typed = json::SubmodParts {
                    status: s.status,
                    trust_vector: s.trust_vector,
                    policy_ids: s.policy_ids,
                    nonce: s.nonce,
                    raw_evidence: s.raw_evidence,
                    attester_claims: tpm.then_some(Lent {
                        lent: "attester",
                        n: 1,
                    }),
                    verifier_claims: tpm.then_some(Lent {
                        lent: "verifier",
                        n: 2,
                    }),
                    geo: s.geo,
                };
                (name, typed)
            })
            .collect(),
    };
    assert!(typed.submods.iter().any(|(name, _)| *name == "tpm"));
    for dialect in [Dialect::Ietf04, Dialect::Veraison] {
        assert_eq!(
            String::from_utf8(typed.to_bytes(dialect).unwrap()).unwrap(),
            String::from_utf8(json::to_bytes(&expected, dialect).unwrap()).unwrap()
        );
    }
    // The status rule holds on parts as on the EAR.
    assert!(typed.check_status_rule().is_ok());
    let mut worse = json::EarParts::of(&ear);
    worse.status = Some(Status::Affirming);
    if let Some((_, s)) = worse.submods.first_mut() {
        s.status = Status::Contraindicated;
        s.trust_vector = TrustVector::default();
    }
    assert!(matches!(
        worse.check_status_rule(),
        Err(Error::EarStatusBetterThanSubmods)
    ));
}

// --- negative tests: one per check ---

#[test]
fn structure_malformed_jwt_is_ear_malformed() {
    let s = p256();
    let o = options(s.public_key());
    let good = sample().sign_jwt(&s, Dialect::Ietf04).unwrap();
    for bad in [
        "a.b".to_string(),
        format!("{good}.x"),
        "!!!.e30.AAAA".to_string(),
        format!("{}.e30.AAAA", B64URL.encode("not json")),
        format!("{}.e30.AAAA", B64URL.encode("[1]")),
    ] {
        assert!(
            matches!(jwt_err(&bad, &o), crate::Error::EarMalformed { .. }),
            "{bad}"
        );
    }
    // Signed but the payload is not JSON (or has trailing data).
    for payload in [&b"{\"eat_profile\":"[..], b"{} x"] {
        let t = raw_jwt(&s, r#"{"alg":"ES256"}"#, payload);
        assert!(matches!(jwt_err(&t, &o), crate::Error::EarMalformed { .. }));
    }
}

#[test]
fn each_jwt_part_not_base64url_is_its_own_ear_malformed() {
    let s = p256();
    let o = options(s.public_key());
    let good = sample().sign_jwt(&s, Dialect::Ietf04).unwrap();
    let parts: Vec<&str> = good.split('.').collect();
    for (at, what) in [
        (0, "JWS header is not base64url"),
        (1, "JWS payload is not base64url"),
        (2, "JWS signature is not base64url"),
    ] {
        let mut bad = parts.clone();
        // Padding: valid standard base64, refused in a JWS (RFC 7515, 2).
        let padded = format!("{}=", parts[at]);
        bad[at] = &padded;
        assert_eq!(
            jwt_err(&bad.join("."), &o),
            crate::Error::EarMalformed { what },
            "part {at}"
        );
    }
}

#[test]
fn structure_malformed_cwt_is_ear_malformed_or_trailing_bytes() {
    let s = p256();
    let o = options(s.public_key());
    assert!(matches!(
        cwt_err(&[0xff, 0x00], &o),
        crate::Error::EarMalformed { .. }
    ));
    assert!(matches!(
        cwt_err(&[0x83, 1, 2, 3], &o),
        crate::Error::EarMalformed { .. }
    ));
    let mut t = sample().sign_cwt(&s, Dialect::Ietf04).unwrap();
    t.push(0);
    assert_eq!(
        cwt_err(&t, &o),
        crate::Error::TrailingBytes {
            what: "COSE_Sign1",
            extra: 1
        }
    );
    let signed_garbage = raw_cwt(&s, vec![0xa1, 0x01]);
    assert!(matches!(
        cwt_err(&signed_garbage, &o),
        crate::Error::EarMalformed { .. }
    ));
}

#[test]
fn oversized_token_is_size_out_of_range() {
    let s = p256();
    let big = vec![b'a'; MAX_TOKEN_SIZE + 1];
    assert!(matches!(
        verify_jwt(default_provider(), &big, &options(s.public_key())),
        Err(crate::Error::SizeOutOfRange { .. })
    ));
}

#[test]
fn alg_none_and_hmac_are_never_allowed() {
    let s = p256();
    let o = options(s.public_key());
    let payload = B64URL.encode(claims_json(&sample(), Dialect::Ietf04).to_string());
    for alg in ["none", "HS256", "RS256", "ES512"] {
        let t = format!(
            "{}.{payload}.",
            B64URL.encode(format!(r#"{{"alg":"{alg}"}}"#))
        );
        assert_eq!(
            jwt_err(&t, &o),
            crate::Error::EarAlgorithmNotAllowed { alg: alg.into() }
        );
    }
}

#[test]
fn alg_off_the_allow_list_is_refused() {
    let s = p256();
    let t = sample().sign_jwt(&s, Dialect::Ietf04).unwrap();
    let c = sample().sign_cwt(&s, Dialect::Ietf04).unwrap();
    let o = VerifyOptions {
        algorithms: &[Algorithm::Es384],
        ..options(s.public_key())
    };
    let want = crate::Error::EarAlgorithmNotAllowed {
        alg: "ES256".into(),
    };
    assert_eq!(jwt_err(&t, &o), want);
    assert_eq!(cwt_err(&c, &o), want);
    // A COSE algorithm Aegis does not accept (HMAC 256/256 = 5).
    let mac = CoseSign1Builder::new()
        .protected(
            HeaderBuilder::new()
                .algorithm(iana::Algorithm::HMAC_256_256)
                .build(),
        )
        .payload(vec![0xa0])
        .signature(vec![0; 32])
        .build()
        .to_tagged_vec()
        .unwrap();
    assert!(matches!(
        cwt_err(&mac, &o),
        crate::Error::EarAlgorithmNotAllowed { .. }
    ));
}

#[test]
fn alg_that_does_not_fit_the_key_is_refused() {
    let s = p256();
    let other = signer(EccCurve::NistP384);
    let t = sample().sign_jwt(&s, Dialect::Ietf04).unwrap();
    let c = sample().sign_cwt(&s, Dialect::Ietf04).unwrap();
    let o = options(other.public_key());
    assert_eq!(jwt_err(&t, &o), crate::Error::EarAlgorithmKeyMismatch);
    assert_eq!(cwt_err(&c, &o), crate::Error::EarAlgorithmKeyMismatch);
}

#[test]
fn bad_signature_is_signature_invalid() {
    let s = p256();
    let other = p256();
    let o = options(s.public_key());
    let t = sample().sign_jwt(&other, Dialect::Ietf04).unwrap();
    assert_eq!(jwt_err(&t, &o), crate::Error::SignatureInvalid);
    let c = sample().sign_cwt(&other, Dialect::Ietf04).unwrap();
    assert_eq!(cwt_err(&c, &o), crate::Error::SignatureInvalid);
    // A changed payload under the original signature.
    let good = sample().sign_jwt(&s, Dialect::Ietf04).unwrap();
    let mut parts: Vec<&str> = good.split('.').collect();
    let mut ear = sample();
    ear.iat += 1;
    let forged = B64URL.encode(claims_json(&ear, Dialect::Ietf04).to_string());
    parts[1] = &forged;
    assert_eq!(
        jwt_err(&parts.join("."), &o),
        crate::Error::SignatureInvalid
    );
    // r||s of the wrong size.
    let short = format!("{}.{}.AAAA", parts[0], parts[2]);
    assert!(matches!(
        jwt_err(&short, &o),
        crate::Error::SignatureLength { .. }
    ));
}

#[test]
fn crit_and_b64_headers_are_refused() {
    let s = p256();
    let o = options(s.public_key());
    let payload = claims_json(&sample(), Dialect::Ietf04).to_string();
    for header in [
        r#"{"alg":"ES256","crit":["exp"]}"#,
        r#"{"alg":"ES256","b64":false}"#,
        r#"{"typ":"JWT"}"#,
    ] {
        let t = raw_jwt(&s, header, payload.as_bytes());
        assert!(
            matches!(jwt_err(&t, &o), crate::Error::EarHeaderInvalid { .. }),
            "{header}"
        );
    }
}

#[test]
fn expired_token_is_refused() {
    let s = p256();
    let mut ear = sample();
    ear.exp = Some(NOW as i64);
    let t = ear.sign_jwt(&s, Dialect::Ietf04).unwrap();
    let c = ear.sign_cwt(&s, Dialect::Ietf04).unwrap();
    let want = crate::Error::EarExpired {
        exp: NOW as i64,
        now: NOW,
    };
    assert_eq!(jwt_err(&t, &options(s.public_key())), want);
    assert_eq!(cwt_err(&c, &options(s.public_key())), want);
}

#[test]
fn token_issued_in_the_future_is_refused() {
    let s = p256();
    let mut ear = sample();
    ear.iat = NOW as i64 + 61;
    let t = ear.sign_jwt(&s, Dialect::Ietf04).unwrap();
    assert!(matches!(
        jwt_err(&t, &options(s.public_key())),
        crate::Error::EarIssuedInFuture { .. }
    ));
    ear.iat = NOW as i64 + 60;
    let t = ear.sign_jwt(&s, Dialect::Ietf04).unwrap();
    verify_jwt(default_provider(), t.as_bytes(), &options(s.public_key())).unwrap();
}

#[test]
fn nonce_mismatch_is_refused() {
    let s = p256();
    let t = sample().sign_jwt(&s, Dialect::Ietf04).unwrap();
    let o = VerifyOptions {
        nonce: Some(b"another nonce"),
        ..options(s.public_key())
    };
    assert_eq!(jwt_err(&t, &o), crate::Error::EarNonceMismatch);
    // A submod nonce that differs from the top-level one.
    let mut ear = sample();
    ear.submods.get_mut("tpm").unwrap().nonce = Some(b"other".to_vec());
    let t = ear.sign_jwt(&s, Dialect::Ietf04).unwrap();
    assert_eq!(
        jwt_err(&t, &options(s.public_key())),
        crate::Error::EarNonceMismatch
    );
    // No nonce at all when one is expected.
    let mut ear = sample();
    ear.nonce = None;
    ear.submods.get_mut("tpm").unwrap().nonce = None;
    let c = ear.sign_cwt(&s, Dialect::Ietf04).unwrap();
    assert_eq!(
        cwt_err(&c, &options(s.public_key())),
        crate::Error::EarNonceMismatch
    );
    // ... and it verifies when none is expected.
    let o = VerifyOptions {
        nonce: None,
        ..options(s.public_key())
    };
    verify_cwt(default_provider(), &c, &o).unwrap();
}

#[test]
fn float_times_are_refused() {
    let s = p256();
    let o = options(s.public_key());
    for claim in ["iat", "exp"] {
        let mut j = claims_json(&sample(), Dialect::Ietf04);
        j[claim] = serde_json::json!(1_800_000_100.0);
        let t = raw_jwt(&s, r#"{"alg":"ES256"}"#, j.to_string().as_bytes());
        assert_eq!(
            jwt_err(&t, &o),
            crate::Error::EarNonIntegerTime {
                claim: if claim == "iat" { "iat" } else { "exp" }
            }
        );
    }
    // CBOR: iat (6) as a float.
    let mut v: ciborium::value::Value =
        ciborium::de::from_reader(sample().to_cbor(Dialect::Ietf04).unwrap().as_slice()).unwrap();
    for (k, x) in v.as_map_mut().unwrap() {
        if k.as_integer() == Some(6.into()) {
            *x = ciborium::value::Value::Float(1.8e9);
        }
    }
    let mut payload = Vec::new();
    ciborium::ser::into_writer(&v, &mut payload).unwrap();
    assert_eq!(
        cwt_err(&raw_cwt(&s, payload), &o),
        crate::Error::EarNonIntegerTime { claim: "iat" }
    );
}

#[test]
fn unknown_profile_is_refused() {
    let s = p256();
    let mut j = claims_json(&sample(), Dialect::Ietf04);
    j["eat_profile"] = "tag:example.com,2024:other".into();
    let t = raw_jwt(&s, r#"{"alg":"ES256"}"#, j.to_string().as_bytes());
    assert_eq!(
        jwt_err(&t, &options(s.public_key())),
        crate::Error::EarUnknownProfile {
            profile: "tag:example.com,2024:other".into()
        }
    );
}

#[test]
fn status_better_than_vector_is_refused_to_sign_and_to_verify() {
    let s = p256();
    let mut ear = sample();
    ear.submods.get_mut("tpm").unwrap().trust_vector.hardware = claim::UNSAFE_HARDWARE;
    let want = crate::Error::EarStatusBetterThanVector {
        submod: "tpm".into(),
    };
    assert_eq!(ear.sign_jwt(&s, Dialect::Ietf04).unwrap_err(), want);
    assert_eq!(ear.sign_cwt(&s, Dialect::Ietf04).unwrap_err(), want);
    let t = raw_jwt(
        &s,
        r#"{"alg":"ES256"}"#,
        claims_json(&ear, Dialect::Ietf04).to_string().as_bytes(),
    );
    assert_eq!(jwt_err(&t, &options(s.public_key())), want);
    let c = raw_cwt(&s, ear.to_cbor(Dialect::Ietf04).unwrap());
    assert_eq!(cwt_err(&c, &options(s.public_key())), want);
}

#[test]
fn top_status_better_than_a_submod_is_refused() {
    let s = p256();
    let mut ear = sample();
    let mut warn = ear.submods["tpm"].clone();
    warn.status = Status::Warning;
    ear.submods.insert("location".into(), warn);
    assert_eq!(
        ear.sign_jwt(&s, Dialect::Ietf04).unwrap_err(),
        crate::Error::EarStatusBetterThanSubmods
    );
    let t = raw_jwt(
        &s,
        r#"{"alg":"ES256"}"#,
        claims_json(&ear, Dialect::Ietf04).to_string().as_bytes(),
    );
    assert_eq!(
        jwt_err(&t, &options(s.public_key())),
        crate::Error::EarStatusBetterThanSubmods
    );
    ear.status = Some(Status::Contraindicated);
    ear.check_status_rule().unwrap();
}

#[test]
fn geo_inner_level_without_outer_is_refused() {
    let s = p256();
    let cases: [(fn(&mut GeoClaims), &str); 6] = [
        (
            |g| g.subdivision = None,
            "jurisdiction-city without jurisdiction-subdivision",
        ),
        (
            |g| g.country = None,
            "jurisdiction-subdivision without jurisdiction-country",
        ),
        (
            |g| g.subdivision = Some("FR-75".into()),
            "jurisdiction-subdivision is not an ISO 3166-2 code of the country",
        ),
        (
            |g| g.country = Some("es".into()),
            "jurisdiction-country is not an ISO 3166-1 alpha-2 code",
        ),
        (
            |g| g.enclosing_exclave_country = Some("MA".into()),
            "enclosing-exclave-country without an exclave",
        ),
        (
            |g| g.rack_u_number = Some(0),
            "rack-U-number and cabinet-number start at 1",
        ),
    ];
    for (break_it, what) in cases {
        let mut ear = sample();
        break_it(&mut ear.submods.get_mut("tpm").unwrap().geo);
        let want = crate::Error::EarGeoInvalid { what };
        assert_eq!(ear.sign_jwt(&s, Dialect::Ietf04).unwrap_err(), want);
        let t = raw_jwt(
            &s,
            r#"{"alg":"ES256"}"#,
            claims_json(&ear, Dialect::Ietf04).to_string().as_bytes(),
        );
        assert_eq!(jwt_err(&t, &options(s.public_key())), want);
    }
    // An exclave with its enclosing country is fine (Ceuta: ES inside MA).
    let mut ear = sample();
    let g = &mut ear.submods.get_mut("tpm").unwrap().geo;
    g.country_exclave = Some(true);
    g.enclosing_exclave_country = Some("MA".into());
    ear.check_status_rule().unwrap();
}

#[test]
fn geo_claim_of_the_wrong_type_is_refused() {
    let mut j = claims_json(&sample(), Dialect::Ietf04);
    j["submods"]["tpm"]["grc.rack-U-number"] = "twelve".into();
    assert!(matches!(
        Ear::from_json(j.to_string().as_bytes()),
        Err(crate::Error::EarGeoInvalid { .. })
    ));
}

#[test]
fn missing_mandatory_claims_are_refused() {
    let s = p256();
    for (claim, name) in [
        ("iat", "iat"),
        ("eat_profile", "eat_profile"),
        ("ear_verifier_id", "ear_verifier_id"),
        ("submods", "submods"),
    ] {
        let mut j = claims_json(&sample(), Dialect::Ietf04);
        j.as_object_mut().unwrap().remove(claim);
        let t = raw_jwt(&s, r#"{"alg":"ES256"}"#, j.to_string().as_bytes());
        assert_eq!(
            jwt_err(&t, &options(s.public_key())),
            crate::Error::EarClaimMissing { claim: name }
        );
    }
    let mut j = claims_json(&sample(), Dialect::Ietf04);
    j["submods"]["tpm"]
        .as_object_mut()
        .unwrap()
        .remove("ear_status");
    assert_eq!(
        Ear::from_json(j.to_string().as_bytes()).unwrap_err(),
        crate::Error::EarClaimMissing {
            claim: "ear_status"
        }
    );
    let mut empty = sample();
    empty.submods.clear();
    assert_eq!(
        empty.check_status_rule().unwrap_err(),
        crate::Error::EarClaimMissing { claim: "submods" }
    );
}

#[test]
fn claims_of_the_wrong_type_are_refused() {
    let cases: [(fn(&mut serde_json::Value), &str); 5] = [
        (
            |j| j["submods"]["tpm"]["ear_status"] = "great".into(),
            "ear_status",
        ),
        (
            |j| j["submods"]["tpm"]["ear_trustworthiness_vector"]["hardware"] = 200.into(),
            "ear_trustworthiness_vector",
        ),
        (
            |j| j["submods"]["tpm"]["ear_trustworthiness_vector"]["colour"] = 2.into(),
            "ear_trustworthiness_vector",
        ),
        (|j| j["eat_nonce"] = "not base64!".into(), "eat_nonce"),
        (|j| j["iat"] = "yesterday".into(), "iat"),
    ];
    for (break_it, claim) in cases {
        let mut j = claims_json(&sample(), Dialect::Ietf04);
        break_it(&mut j);
        assert_eq!(
            Ear::from_json(j.to_string().as_bytes()).unwrap_err(),
            crate::Error::EarClaimInvalid { claim }
        );
    }
}

#[test]
fn status_of_claim_follows_the_ar4si_tiers() {
    for (v, t) in [
        (0, Status::None),
        (-1, Status::None),
        (1, Status::None),
        (2, Status::Affirming),
        (31, Status::Affirming),
        (-32, Status::Affirming),
        (32, Status::Warning),
        (95, Status::Warning),
        (-33, Status::Warning),
        (96, Status::Contraindicated),
        (127, Status::Contraindicated),
        (-97, Status::Contraindicated),
        (-128, Status::Contraindicated),
    ] {
        assert_eq!(Status::of_claim(v), t, "{v}");
    }
    assert!(Status::Contraindicated > Status::Warning);
    assert_eq!(Status::Affirming.worse_of(Status::Warning), Status::Warning);
    let tv = TrustVector {
        hardware: claim::UNRECOGNIZED_HARDWARE,
        executables: claim::APPROVED_BOOT,
        ..TrustVector::default()
    };
    assert_eq!(tv.status(), Status::Contraindicated);
    assert_eq!(TrustVector::default().status(), Status::None);
}

#[test]
fn untagged_and_cwt_tagged_cose_sign1_verify() {
    let s = p256();
    let o = options(s.public_key());
    let tagged = sample().sign_cwt(&s, Dialect::Ietf04).unwrap();
    let sign1 = coset::CoseSign1::from_tagged_slice(&tagged).unwrap();
    let untagged = sign1.clone().to_vec().unwrap();
    verify_cwt(default_provider(), &untagged, &o).unwrap();
    let mut cwt = vec![0xd8, 61];
    cwt.extend_from_slice(&tagged);
    verify_cwt(default_provider(), &cwt, &o).unwrap();
    let mut other = vec![0xd8, 62];
    other.extend_from_slice(&untagged);
    assert!(matches!(
        cwt_err(&other, &o),
        crate::Error::EarMalformed { .. }
    ));
}

#[test]
fn verify_token_tells_the_forms_apart() {
    let s = p256();
    let o = options(s.public_key());
    let jwt = sample().sign_jwt(&s, Dialect::Ietf04).unwrap();
    let cwt = sample().sign_cwt(&s, Dialect::Ietf04).unwrap();
    let p = default_provider();
    let with_newline = format!("{jwt}\n");
    assert_eq!(
        verify_token(p, with_newline.as_bytes(), &o)
            .unwrap()
            .format(),
        TokenFormat::Jwt
    );
    assert_eq!(
        verify_token(p, &cwt, &o).unwrap().format(),
        TokenFormat::Cwt
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(&cwt) + "\n";
    assert_eq!(
        verify_token(p, b64.as_bytes(), &o).unwrap().format(),
        TokenFormat::Cwt
    );
    assert_eq!(
        verify_token(p, B64URL.encode(&cwt).as_bytes(), &o)
            .unwrap()
            .format(),
        TokenFormat::Cwt
    );
    // Not text, so read as binary CBOR: the text string "b" followed by two stray bytes.
    assert!(matches!(
        verify_token(p, b"abc$", &o),
        Err(crate::Error::TrailingBytes { .. })
    ));
    assert!(matches!(
        verify_token(p, b"a", &o),
        Err(crate::Error::EarMalformed { .. })
    ));
}

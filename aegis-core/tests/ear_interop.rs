//! Interop of Aegis's EAR tokens with other people's code (TESTING.md, Peers): the Rust `ear`
//! crate 0.6.0 (Veraison's rust-ear; reads and writes -04) and josekit (JWS over OpenSSL) read
//! the tokens Aegis signs, and Aegis reads theirs. The Go veraison/ear and the Python peers are
//! in tests/peers/.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use aegis_core::crypto::{
    default_provider, KeySpec, PrivateKey, SignatureScheme, Signer, SoftwareSigner,
};
use aegis_core::ear::{
    self, claim, Dialect, Ear, GeoClaims, Status, Submod, TrustVector, VerifierId, VerifyOptions,
};
use aegis_core::keys::PublicKey;
use aegis_core::time::UnixTime;
use aegis_core::tpm::{EccCurve, HashAlg};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64URL};
use base64::Engine as _;

const NOW: i64 = 1_800_000_000;
const NONCE: &[u8] = b"0123456789abcdef";

fn signer() -> SoftwareSigner<'static> {
    let p = default_provider();
    let key = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap();
    SoftwareSigner::new(p, key, SignatureScheme::Ecdsa(HashAlg::Sha256)).unwrap()
}

fn sample() -> Ear {
    let sub = Submod {
        status: Status::Affirming,
        trust_vector: TrustVector {
            instance_identity: claim::TRUSTWORTHY_INSTANCE,
            executables: claim::APPROVED_RUNTIME,
            ..TrustVector::default()
        },
        policy_ids: vec!["https://aegis.example/policy/1".into()],
        nonce: Some(NONCE.to_vec()),
        geo: GeoClaims {
            country: Some("ES".into()),
            subdivision: Some("ES-CT".into()),
            ..GeoClaims::default()
        },
        ..Submod::default()
    };
    Ear {
        iat: NOW,
        exp: None,
        verifier_id: VerifierId {
            developer: "https://aegis.example".into(),
            build: "aegis test".into(),
        },
        status: Some(Status::Affirming),
        nonce: Some(NONCE.to_vec()),
        submods: [("tpm".to_string(), sub)].into(),
        extra: Default::default(),
    }
}

fn options(key: &PublicKey) -> VerifyOptions<'_> {
    VerifyOptions {
        nonce: Some(NONCE),
        ..VerifyOptions::new(key, UnixTime::from_secs(NOW as u64 + 5))
    }
}

/// The public key as a JWK (RFC 7518, 6.2.1), as the ear crate takes it.
fn jwk(key: &PublicKey) -> Vec<u8> {
    let PublicKey::Ecc { x, y, .. } = key else {
        panic!("EC key expected")
    };
    serde_json::json!({"kty": "EC", "crv": "P-256", "x": B64URL.encode(x), "y": B64URL.encode(y)})
        .to_string()
        .into_bytes()
}

fn public_pem(key: &PublicKey) -> String {
    let b64 = STANDARD.encode(key.to_spki_der().unwrap());
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

/// An EAR built with the ear crate.
fn their_ear() -> ear_crate::Ear {
    let mut appraisal = ear_crate::Appraisal::new();
    appraisal.status = ear_crate::TrustTier::Affirming;
    appraisal.trust_vector.instance_identity.set(2);
    appraisal.trust_vector.hardware.set(2);
    appraisal.policy_ids = vec!["https://veraison.example/policy/1".into()];
    let mut e = ear_crate::Ear::new();
    e.profile = ear_crate::EAR_PROFILE.to_string();
    e.iat = NOW;
    e.vid = ear_crate::VerifierID {
        build: "rust-ear 0.6.0".into(),
        developer: "https://veraison-project.org".into(),
    };
    e.submods.insert("attester".into(), appraisal);
    e
}

fn check_theirs(v: &ear::VerifiedEar) {
    assert_eq!(v.dialect(), Dialect::Ietf04);
    let e = v.ear();
    assert_eq!(e.iat, NOW);
    assert_eq!(e.verifier_id.build, "rust-ear 0.6.0");
    let sub = &e.submods["attester"];
    assert_eq!(sub.status, Status::Affirming);
    assert_eq!(sub.trust_vector.instance_identity, 2);
    assert_eq!(sub.trust_vector.hardware, 2);
    assert_eq!(sub.policy_ids, ["https://veraison.example/policy/1"]);
}

fn check_ours(e: &ear_crate::Ear) {
    assert_eq!(e.profile, ear::PROFILE_IETF_04);
    assert_eq!(e.iat, NOW);
    assert_eq!(e.vid.developer, "https://aegis.example");
    assert_eq!(e.status, Some(ear_crate::TrustTier::Affirming));
    let a = &e.submods["tpm"];
    assert_eq!(a.status, ear_crate::TrustTier::Affirming);
    assert_eq!(a.trust_vector.instance_identity.value(), 2);
    assert_eq!(a.trust_vector.executables.value(), 2);
    assert_eq!(a.policy_ids, ["https://aegis.example/policy/1"]);
}

#[test]
fn ear_crate_reads_aegis_04_jwt() {
    let s = signer();
    let token = sample().sign_jwt(&s, Dialect::Ietf04).unwrap();
    let theirs =
        ear_crate::Ear::from_jwt_jwk(&token, ear_crate::Algorithm::ES256, &jwk(s.public_key()))
            .unwrap();
    check_ours(&theirs);
}

#[test]
fn aegis_reads_ear_crate_04_jwt() {
    let s = signer();
    let pem = s.private_key().to_pkcs8_pem().unwrap();
    let token = their_ear()
        .sign_jwt_pem(ear_crate::Algorithm::ES256, pem.as_bytes())
        .unwrap();
    let o = VerifyOptions {
        nonce: None,
        ..options(s.public_key())
    };
    check_theirs(&ear::verify_jwt(default_provider(), token.as_bytes(), &o).unwrap());
}

#[test]
fn ear_crate_reads_aegis_04_cwt() {
    let s = signer();
    let token = sample().sign_cwt(&s, Dialect::Ietf04).unwrap();
    let theirs =
        ear_crate::Ear::from_cose_jwk(&token, ear_crate::Algorithm::ES256, &jwk(s.public_key()))
            .unwrap();
    check_ours(&theirs);
}

#[test]
fn aegis_reads_ear_crate_04_cwt() {
    let s = signer();
    let pem = s.private_key().to_pkcs8_pem().unwrap();
    let token = their_ear()
        .sign_cose_pem(ear_crate::Algorithm::ES256, pem.as_bytes())
        .unwrap();
    let o = VerifyOptions {
        nonce: None,
        ..options(s.public_key())
    };
    check_theirs(&ear::verify_cwt(default_provider(), &token, &o).unwrap());
}

#[test]
fn josekit_verifies_aegis_jwt() {
    let s = signer();
    let token = sample().sign_jwt(&s, Dialect::Ietf04).unwrap();
    let verifier = josekit::jws::ES256
        .verifier_from_pem(public_pem(s.public_key()))
        .unwrap();
    let (payload, header) = josekit::jwt::decode_with_verifier(&token, &verifier).unwrap();
    assert_eq!(header.algorithm(), Some("ES256"));
    assert_eq!(
        payload.claim("eat_profile"),
        Some(&serde_json::json!(ear::PROFILE_IETF_04))
    );
    assert_eq!(
        payload.claim("submods").unwrap()["tpm"]["grc.jurisdiction-subdivision"],
        "ES-CT"
    );
}

#[test]
fn aegis_verifies_josekit_jwt() {
    let s = signer();
    let pem = s.private_key().to_pkcs8_pem().unwrap();
    let js = josekit::jws::ES256.signer_from_pem(pem.as_bytes()).unwrap();
    let claims = sample().to_json(Dialect::Ietf04).unwrap();
    let payload = josekit::jwt::JwtPayload::from_map(claims.as_object().unwrap().clone()).unwrap();
    let mut header = josekit::jws::JwsHeader::new();
    header.set_token_type("JWT");
    let token = josekit::jwt::encode_with_signer(&payload, &header, &js).unwrap();
    let v = ear::verify_jwt(
        default_provider(),
        token.as_bytes(),
        &options(s.public_key()),
    )
    .unwrap();
    assert_eq!(v.ear(), &sample());
}

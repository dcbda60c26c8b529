//! A DPoR proof signed by the App Key inside a (software) TPM through `TpmSigner`, verified by
//! aegis-core's resource-server checks with an EAR naming that key. Skips without swtpm unless
//! AEGIS_REQUIRE_TPM=1 (the harness of backend_swtpm.rs).
#![cfg(feature = "tss")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::HashSet;
use std::sync::Mutex;

use aegis_agent::backend::tss::TssBackend;
use aegis_agent::backend::{AppKeySpec, KeyAlg, TpmBackend};
use aegis_agent::TpmSigner;
use aegis_core::crypto::{
    default_provider, KeySpec, PrivateKey, SignatureScheme, Signer, SoftwareSigner,
};
use aegis_core::ear::{self, claim, Dialect, Ear, Status, Submod, TrustVector, VerifyOptions};
use aegis_core::time::UnixTime;
use aegis_core::token::{
    mint_dpor, verify_proof, ProofKind, ProofPolicy, ProofRequest, ReplayCache, Residency,
};
use aegis_core::tpm::{EccCurve, HashAlg};
use aegis_core::Error;

#[path = "../../aegis-core/tests/support/swtpm.rs"]
mod swtpm;
use swtpm::Swtpm;

const NOW: u64 = 1_800_000_000;

#[derive(Default)]
struct Seen(Mutex<HashSet<String>>);

impl ReplayCache for Seen {
    fn check_and_insert(&self, id: &str, _: UnixTime, _: UnixTime) -> aegis_core::Result<()> {
        if self.0.lock().unwrap().insert(id.to_owned()) {
            Ok(())
        } else {
            Err(Error::TokenReplayed)
        }
    }
}

#[test]
fn dpor_signed_by_the_tpm_app_key_verifies() {
    let Some(tpm) = Swtpm::start_or_skip("dpor") else {
        return;
    };
    let mut b = TssBackend::open(&tpm.tcti).unwrap();
    let p = default_provider();
    let verifier = SoftwareSigner::new(
        p,
        PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap(),
        SignatureScheme::Ecdsa(HashAlg::Sha256),
    )
    .unwrap();
    for (alg, scheme) in [
        (KeyAlg::EccP256, SignatureScheme::Ecdsa(HashAlg::Sha256)),
        (KeyAlg::Rsa2048, SignatureScheme::RsaPss(HashAlg::Sha256)),
    ] {
        let key = b
            .create_app_key(&AppKeySpec {
                alg,
                persist_at: None,
            })
            .unwrap();
        let signer = TpmSigner::new(&mut b, key, scheme).unwrap();
        let jkt = signer.public_key().jwk_thumbprint_b64().unwrap();
        let token = mint_dpor(
            &signer,
            &ProofRequest {
                htm: "GET",
                htu: "https://rs.example/r",
                iat: UnixTime::from_secs(NOW),
                jti: "tpm-1",
                nonce: Some("srv-nonce"),
                access_token: Some(b"at"),
            },
        )
        .unwrap();
        let workload = Submod {
            status: Status::Affirming,
            trust_vector: TrustVector {
                instance_identity: claim::TRUSTWORTHY_INSTANCE,
                ..TrustVector::default()
            },
            verifier_claims: Some(serde_json::json!({"app_key": {"jkt": jkt}})),
            ..Submod::default()
        };
        let e = Ear {
            iat: NOW as i64,
            status: Some(Status::Affirming),
            submods: [("workload-key".to_string(), workload)].into(),
            ..Ear::default()
        };
        let ear_token = e.sign_jwt(&verifier, Dialect::Ietf04).unwrap();
        let verified = ear::verify_token(
            p,
            ear_token.as_bytes(),
            &VerifyOptions::new(verifier.public_key(), UnixTime::from_secs(NOW)),
        )
        .unwrap();
        let policy = ProofPolicy {
            nonce: Some("srv-nonce"),
            access_token: Some(b"at"),
            cnf_jkt: Some(&jkt),
            ..ProofPolicy::new(
                ProofKind::Dpor,
                "GET",
                "https://rs.example/r",
                UnixTime::from_secs(NOW),
            )
        };
        let res = Residency::Ear {
            ear: &verified,
            max_age: 60,
        };
        let cache = Seen::default();
        let v = verify_proof(p, token.as_bytes(), &policy, &res, &cache).unwrap();
        assert_eq!(v.jkt, jkt);
        assert!(matches!(
            verify_proof(p, token.as_bytes(), &policy, &res, &cache),
            Err(Error::TokenReplayed)
        ));
    }
}

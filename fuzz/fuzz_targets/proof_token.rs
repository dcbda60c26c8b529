//! Proof tokens (aegis_core::token): the JWS parser, the header `jwk`, the claims checks of
//! DPoR, DPoG and WPT verification, and the `htu` normaliser, on any input; malformed input is an
//! error, never a panic.
#![no_main]

use std::sync::OnceLock;

use aegis_core::crypto::{default_provider, KeySpec, PrivateKey, SignatureScheme, SoftwareSigner};
use aegis_core::ear::{self, claim, Dialect, Ear, Status, Submod, TrustVector, VerifiedEar};
use aegis_core::error::Result;
use aegis_core::time::UnixTime;
use aegis_core::token::{self, ProofKind, ProofPolicy, ReplayCache, Residency, WptPolicy};
use aegis_core::tpm::{EccCurve, HashAlg};
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_800_000_000;

struct NoCache;
impl ReplayCache for NoCache {
    fn check_and_insert(&self, _: &str, _: UnixTime, _: UnixTime) -> Result<()> {
        Ok(())
    }
}

/// An affirming EAR naming no key (every proof then fails residency, after its own checks).
fn ear() -> &'static VerifiedEar {
    static EAR: OnceLock<VerifiedEar> = OnceLock::new();
    EAR.get_or_init(|| {
        let p = default_provider();
        let key = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap();
        let s = SoftwareSigner::new(p, key, SignatureScheme::Ecdsa(HashAlg::Sha256)).unwrap();
        let sub = Submod {
            status: Status::Affirming,
            trust_vector: TrustVector {
                instance_identity: claim::TRUSTWORTHY_INSTANCE,
                ..TrustVector::default()
            },
            ..Submod::default()
        };
        let e = Ear {
            iat: NOW as i64,
            submods: [("workload-key".to_string(), sub)].into(),
            ..Ear::default()
        };
        let t = e.sign_jwt(&s, Dialect::Ietf04).unwrap();
        let opts = ear::VerifyOptions::new(aegis_core::crypto::Signer::public_key(&s), UnixTime::from_secs(NOW));
        ear::verify_token(p, t.as_bytes(), &opts).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let now = UnixTime::from_secs(NOW);
    let res = Residency::Ear { ear: ear(), max_age: 300 };
    for kind in [ProofKind::Dpor, ProofKind::Dpog] {
        let policy = ProofPolicy {
            nonce: Some("n"),
            access_token: Some(b"at"),
            ..ProofPolicy::new(kind, "GET", "https://h.example/p", now)
        };
        let _ = token::verify_proof(default_provider(), data, &policy, &res, &NoCache);
    }
    let _ = token::verify_wpt(default_provider(), data, &WptPolicy::new("a", b"wit", now), &res, &NoCache);
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = token::parse_jwk(&v);
    }
    if let Ok(text) = core::str::from_utf8(data) {
        if let Some(n) = token::normalise_htu(text) {
            // Normalising is idempotent.
            assert_eq!(token::normalise_htu(&n).as_deref(), Some(n.as_str()));
        }
    }
});

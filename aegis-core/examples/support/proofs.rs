//! DPoR proofs and a bare ES256 verification of the same token, as benches/proof.rs times them
//! and examples/proof_profile counts them (issue 12, item 10): proofs minted ahead by one P-256
//! App Key (distinct `jti`s), an ES256 EAR naming that key, and a warm `MemoryReplayCache`.

use std::hint::black_box;
use std::sync::{Arc, Mutex};

use aegis_core::crypto::{
    default_provider, CryptoProvider, EccPublicKey, KeySpec, PrivateKey, SignatureScheme, Signer,
    SoftwareSigner,
};
use aegis_core::ear::{
    self, claim, Dialect, Ear, GeoClaims, Status, Submod, TrustVector, VerifiedEar, VerifierId,
    VerifyOptions,
};
use aegis_core::keys::PublicKey;
use aegis_core::time::UnixTime;
use aegis_core::token::{
    mint_dpor, verify_proof, MemoryReplayCache, ProofKind, ProofPolicy, ProofRequest, ReplayCache,
    Residency,
};
use aegis_core::tpm::{EccCurve, HashAlg};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use sha2::{Digest, Sha256};

pub const NOW: u64 = 1_800_000_000;
pub const HTU: &str = "https://api.example.com/v1/data";
/// The warm cache: capacity, and live entries of other proofs in it.
const CAPACITY: usize = 1 << 16;
const WARM: usize = 1 << 15;

fn p256(p: &'static dyn CryptoProvider) -> SoftwareSigner<'static> {
    let key = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap();
    SoftwareSigner::new(p, key, SignatureScheme::Ecdsa(HashAlg::Sha256)).unwrap()
}

/// An EAR from `verifier` whose workload-key submod names `app` (affirming), as an appraisal
/// makes it, with a location submod.
fn ear_token(verifier: &dyn Signer, app: &dyn Signer) -> String {
    let tv = TrustVector {
        instance_identity: claim::TRUSTWORTHY_INSTANCE,
        configuration: claim::APPROVED_CONFIG,
        executables: claim::APPROVED_RUNTIME,
        hardware: claim::GENUINE_HARDWARE,
        ..TrustVector::default()
    };
    let jkt = app.public_key().jwk_thumbprint_b64().unwrap();
    let workload = Submod {
        status: Status::Affirming,
        trust_vector: tv,
        verifier_claims: Some(serde_json::json!({"app_key": {"jkt": jkt}})),
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
    Ear {
        iat: NOW as i64,
        exp: Some(NOW as i64 + 300),
        verifier_id: VerifierId {
            developer: "https://aegis.example".into(),
            build: "bench".into(),
        },
        status: Some(Status::Affirming),
        nonce: None,
        submods: [
            ("workload-key".to_string(), workload),
            ("location".to_string(), location),
        ]
        .into(),
        extra: Default::default(),
    }
    .sign_jwt(verifier, Dialect::Ietf04)
    .unwrap()
}

/// A JWS compact token's signing input and raw ES256 signature (r, s).
fn split(token: &str) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let dot = token.rfind('.').unwrap();
    let sig = B64URL.decode(&token[dot + 1..]).unwrap();
    let (r, s) = sig.split_at(32);
    (token.as_bytes()[..dot].to_vec(), r.to_vec(), s.to_vec())
}

/// One bare ES256 verification: SHA-256 of the signing input, then ECDSA through the provider.
struct Bare {
    input: Vec<u8>,
    r: Vec<u8>,
    s: Vec<u8>,
    x: Vec<u8>,
    y: Vec<u8>,
}

impl Bare {
    fn new(token: &str, key: &PublicKey) -> Self {
        let (input, r, s) = split(token);
        let PublicKey::Ecc { x, y, .. } = key else {
            panic!("not an EC key")
        };
        Bare {
            input,
            r,
            s,
            x: x.clone(),
            y: y.clone(),
        }
    }

    fn verify(&self, p: &dyn CryptoProvider) {
        let digest = Sha256::digest(black_box(&self.input));
        let key = EccPublicKey {
            curve: EccCurve::NistP256,
            x: &self.x,
            y: &self.y,
        };
        p.verify_ecdsa(key, &digest, &self.r, &self.s).unwrap();
    }
}

/// Proofs, their EAR, and the warm replay cache they are recorded in.
pub struct Fixture {
    pub p: &'static dyn CryptoProvider,
    pub proofs: Vec<String>,
    pub ear_token: String,
    pub ear_key: PublicKey,
    ear: VerifiedEar,
    bare_proof: Bare,
    bare_ear: Bare,
    /// The warm cache the proofs are recorded in, and the next unused proof.
    cache: Mutex<(Arc<MemoryReplayCache>, usize)>,
}

/// A cache of `CAPACITY` holding `WARM` live entries of other proofs.
fn warm_cache() -> Arc<MemoryReplayCache> {
    let cache = MemoryReplayCache::new(CAPACITY);
    let now = UnixTime::from_secs(NOW);
    for n in 0..WARM {
        let id = format!("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs:warm-{n:08x}");
        cache
            .check_and_insert(&id, now, now.saturating_add(60))
            .unwrap();
    }
    Arc::new(cache)
}

fn verify_ear(p: &dyn CryptoProvider, token: &str, key: &PublicKey) -> VerifiedEar {
    ear::verify_token(
        p,
        token.as_bytes(),
        &VerifyOptions::new(key, UnixTime::from_secs(NOW)),
    )
    .unwrap()
}

impl Fixture {
    /// `ring` DPoR proofs with distinct `jti`s.
    pub fn new(ring: usize) -> Self {
        let p = default_provider();
        let app = p256(p);
        let verifier = p256(p);
        let proofs: Vec<String> = (0..ring)
            .map(|n| {
                let jti = format!("{n:08x}-0000-4000-8000-{n:012x}");
                let req = ProofRequest {
                    htm: "POST",
                    htu: HTU,
                    iat: UnixTime::from_secs(NOW),
                    jti: &jti,
                    nonce: None,
                    access_token: None,
                };
                mint_dpor(&app, &req).unwrap()
            })
            .collect();
        let ear_token = ear_token(&verifier, &app);
        let ear_key = verifier.public_key().clone();
        let ear = verify_ear(p, &ear_token, &ear_key);
        Fixture {
            p,
            bare_proof: Bare::new(&proofs[0], app.public_key()),
            bare_ear: Bare::new(&ear_token, &ear_key),
            proofs,
            ear_token,
            ear_key,
            ear,
            cache: Mutex::new((warm_cache(), 0)),
        }
    }

    /// `n` unused proofs' first index, and the warm cache to record them in (a fresh one, made
    /// here, when the proofs run out).
    pub fn take(&self, n: usize) -> (Arc<MemoryReplayCache>, usize) {
        let mut state = self.cache.lock().unwrap();
        if state.1 + n > self.proofs.len() {
            *state = (warm_cache(), 0);
        }
        let base = state.1;
        state.1 += n;
        (Arc::clone(&state.0), base)
    }

    /// `verify_proof` of proof `i` (each proof once per cache), with the EAR verified once
    /// (`with_ear` false) or in this request too.
    pub fn dpor(&self, i: usize, cache: &dyn ReplayCache, with_ear: bool) {
        let fresh;
        let ear = if with_ear {
            fresh = verify_ear(self.p, &self.ear_token, &self.ear_key);
            &fresh
        } else {
            &self.ear
        };
        let policy = ProofPolicy::new(ProofKind::Dpor, "POST", HTU, UnixTime::from_secs(NOW + 1));
        let residency = Residency::Ear { ear, max_age: 300 };
        let token = self.proofs[i].as_bytes();
        black_box(verify_proof(self.p, token, &policy, &residency, cache).unwrap());
    }

    /// A bare ES256 verification of proof 0's signature.
    pub fn bare(&self) {
        self.bare_proof.verify(self.p);
    }

    /// Bare ES256 verifications of the EAR's and proof 0's signatures.
    pub fn bare2(&self) {
        self.bare_ear.verify(self.p);
        self.bare_proof.verify(self.p);
    }
}

//! One full appraisal of a swtpm bundle vector (testdata/gen/make_bundle_vectors.py) as
//! benches/appraise.rs times it, examples/appraise_profile counts it and examples/appraise_ratio
//! compares it: `appraise_bundle` plus the result signed as an ES256 EAR JWT; and its signature
//! operations alone ([`SignatureOps`]).

use std::path::PathBuf;

use aegis_core::appraise::result::{appraise_bundle, ResultContext, ResultPolicy, TrustAnchors};
use aegis_core::appraise::EvidenceBundle;
use aegis_core::crypto::{
    CryptoProvider, EccPublicKey, KeyCache, KeySpec, PrivateKey, PublicKeyRef, RsaPublicKey,
    SignatureRef, SignatureScheme, SignatureValue, SoftwareSigner,
};
use aegis_core::ear::{Dialect, Status, VerifierId};
use aegis_core::ek::{verify_ek_certificate, EkTrustStore};
use aegis_core::geo::fence::GeofencePolicy;
use aegis_core::keys::PublicKey;
use aegis_core::time::UnixTime;
use aegis_core::tpm::{EccCurve, HashAlg, Public};
use aegis_core::verify::{AkBinding, EnrolmentRecord};
use serde_json::Value;

/// The bundle vectors measured, by AK: (label, manifest id).
pub const VECTORS: [(&str, &str); 2] = [
    ("ecdsa-p256-ak", "bundle/ecc-geneva"),
    ("rsa2048-ak", "bundle/rsa-ak-geneva"),
];

/// A fresh P-256 verifier key and the ES256 signer of the EARs made with it.
pub fn ear_signer(p: &dyn CryptoProvider) -> (PrivateKey, SoftwareSigner<'_>) {
    let verifier = PrivateKey::generate(p, KeySpec::Ecc(EccCurve::NistP256)).unwrap();
    let signer = SoftwareSigner::new(
        p,
        verifier.clone_key(),
        SignatureScheme::Ecdsa(HashAlg::Sha256),
    )
    .unwrap();
    (verifier, signer)
}

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// The manifest entry `id` (panics when there is none: a benchmark's input error).
pub fn vector(id: &str) -> Value {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(testdata().join("manifest.json")).unwrap()).unwrap();
    manifest["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| {
            panic!("{id} not in the manifest: run testdata/gen/make_bundle_vectors.py")
        })
        .clone()
}

/// The bytes of the testdata file a manifest member names.
pub fn read(v: &Value) -> Vec<u8> {
    std::fs::read(testdata().join(v.as_str().unwrap())).unwrap()
}

/// A verifier's inputs for one bundle vector, prepared once.
pub struct Appraisal {
    bundle_json: Vec<u8>,
    roots: EkTrustStore,
    binding: AkBinding,
    policy: ResultPolicy,
    nonce: Vec<u8>,
    now: UnixTime,
    verifier_id: VerifierId,
}

impl Appraisal {
    /// The inputs of bundle vector `id`. With `ek_verified_once` the enrolment holds the EK
    /// verified at enrolment (`AkBinding::from_enrolment_record_certified`), as a verifier keeps
    /// it; without, every appraisal verifies the EK certificate chain again.
    pub fn from_vector(p: &dyn CryptoProvider, id: &str, ek_verified_once: bool) -> Self {
        let v = vector(id);
        let bundle_json = read(&v["bundle"]);
        let record = EnrolmentRecord::from_json(&read(&v["enrolment"])).unwrap();
        let mut roots = EkTrustStore::new();
        roots.add_root(&read(&v["ek_roots"][0])).unwrap();
        let now = UnixTime::from_secs(v["time"].as_u64().unwrap());
        let binding = if ek_verified_once {
            let bundle = EvidenceBundle::from_json(&bundle_json).unwrap();
            let mut store = roots.clone();
            for der in &bundle.ek_chain {
                store.add_intermediate_der(der).unwrap();
            }
            let ek = verify_ek_certificate(
                p,
                bundle.ek_certificate.as_deref().unwrap(),
                record.ek_public(),
                &store,
                now,
            )
            .unwrap();
            AkBinding::from_enrolment_record_certified(&record, ek).unwrap()
        } else {
            AkBinding::from_enrolment_record(&record)
        };
        Appraisal {
            bundle_json,
            roots,
            binding,
            policy: ResultPolicy {
                geofence: Some(GeofencePolicy::from_json(&read(&v["policy"])).unwrap()),
                ..ResultPolicy::default()
            },
            nonce: hex::decode(v["nonce"].as_str().unwrap()).unwrap(),
            now,
            verifier_id: VerifierId {
                developer: "bench".into(),
                build: "bench".into(),
            },
        }
    }

    /// One appraisal (asserted affirming) and its EAR signed with `signer`: the JWT.
    pub fn run(&self, p: &dyn CryptoProvider, signer: &SoftwareSigner) -> String {
        let bundle = EvidenceBundle::from_json(&self.bundle_json).unwrap();
        let result = appraise_bundle(
            p,
            &bundle,
            &TrustAnchors {
                ek_roots: Some(&self.roots),
                enrolment: Some(&self.binding),
            },
            &self.policy,
            &ResultContext {
                nonce: &self.nonce,
                now: self.now,
                network_verified: false,
            },
        )
        .unwrap();
        assert_eq!(result.status(), Status::Affirming);
        result
            .sign_jwt(
                signer,
                Dialect::Ietf04,
                self.verifier_id.clone(),
                self.now,
                self.now.saturating_add(300),
            )
            .unwrap()
    }
}

/// The signature operations of one appraisal of a bundle vector, straight on the provider: the
/// certify's and the quote's signature verifications with the AK's prepared provider key (kept
/// across runs, as an appraisal with a kept enrolment keeps it), each over the SHA-256 of its
/// TPMS_ATTEST, and the EAR's ES256 signature over the SHA-256 of its JWS signing input (RFC
/// 7518, 3.4: ES256 is ECDSA with SHA-256 of the message, as the verifications hash theirs).
pub struct SignatureOps {
    ak: PublicKey,
    prepared: KeyCache,
    bundle: EvidenceBundle,
    ear_signing_input: Vec<u8>,
}

impl SignatureOps {
    /// The operations of bundle vector `id`, the EAR's signing input taken from one appraisal
    /// signed by `signer`.
    pub fn from_vector(p: &dyn CryptoProvider, id: &str, signer: &SoftwareSigner) -> Self {
        let bundle = EvidenceBundle::from_json(&read(&vector(id)["bundle"])).unwrap();
        let ak = PublicKey::from_tpm_public(&Public::parse_tpm2b(&bundle.ak_public).unwrap());
        let token = Appraisal::from_vector(p, id, true).run(p, signer);
        let (signing_input, _) = token.rsplit_once('.').unwrap();
        SignatureOps {
            ak,
            prepared: KeyCache::default(),
            bundle,
            ear_signing_input: signing_input.as_bytes().to_vec(),
        }
    }

    /// Runs them once, the ES256 signature with `verifier`.
    pub fn run(&self, p: &dyn CryptoProvider, verifier: &PrivateKey) {
        let b = &self.bundle;
        self.verify(p, &self.prepared, &b.certify_attest, &b.certify_signature);
        self.verify(p, &self.prepared, &b.quote_attest, &b.quote_signature);
        let digest = HashAlg::Sha256.digest(&self.ear_signing_input);
        std::hint::black_box(
            p.sign_digest(verifier, SignatureScheme::Ecdsa(HashAlg::Sha256), &digest)
                .unwrap(),
        );
    }

    /// Verifies the quote's signature through `cache`: with a fresh cache per call this
    /// includes turning the AK's bytes into a provider key, with one kept across calls it does
    /// not (benches/appraise.rs `ak-key`).
    #[allow(dead_code)]
    pub fn verify_quote_with(&self, p: &dyn CryptoProvider, cache: &KeyCache) {
        let b = &self.bundle;
        self.verify(p, cache, &b.quote_attest, &b.quote_signature);
    }

    /// Verifies a TPMT_SIGNATURE over `message` with the AK through `cache`.
    fn verify(&self, p: &dyn CryptoProvider, cache: &KeyCache, message: &[u8], tpmt: &[u8]) {
        let (scheme, sig) = SignatureValue::from_tpmt_signature(tpmt).unwrap();
        let digest = scheme.hash().digest(message);
        let key = match &self.ak {
            PublicKey::Rsa { modulus, exponent } => PublicKeyRef::Rsa(RsaPublicKey {
                modulus,
                exponent: *exponent,
            }),
            PublicKey::Ecc { curve, x, y } => PublicKeyRef::Ecc(EccPublicKey {
                curve: *curve,
                x,
                y,
            }),
        };
        let sig = match &sig {
            SignatureValue::Rsa(s) => SignatureRef::RsaPkcs1v15(s),
            SignatureValue::Ecdsa { r, s } => SignatureRef::Ecdsa { r, s },
        };
        p.verify_cached(key, cache, scheme.hash(), &digest, sig)
            .unwrap();
    }
}

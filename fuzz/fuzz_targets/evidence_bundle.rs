//! The evidence-bundle reader (appraise::EvidenceBundle::from_json): a refusal is always
//! EvidenceBundleInvalid naming a JSON path; an accepted bundle writes back to itself and
//! appraises into a result (every TPM structure inside parsed by its check) without a panic.
#![no_main]

use aegis_core::appraise::result::{appraise_bundle, ResultContext, ResultPolicy, TrustAnchors};
use aegis_core::appraise::EvidenceBundle;
use aegis_core::crypto::default_provider;
use aegis_core::time::UnixTime;
use aegis_core::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bundle = match EvidenceBundle::from_json(data) {
        Ok(b) => b,
        Err(Error::EvidenceBundleInvalid { field, .. }) => {
            assert!(field.starts_with('$'), "a JSON path: {field}");
            return;
        }
        Err(e) => panic!("a bundle is refused only with EvidenceBundleInvalid, got {e:?}"),
    };
    assert_eq!(EvidenceBundle::from_json(&bundle.to_json()).as_ref(), Ok(&bundle));
    let context = ResultContext {
        nonce: &bundle.nonce,
        now: UnixTime::from_secs(1_767_225_600),
        network_verified: false,
    };
    if let Ok(result) = appraise_bundle(
        default_provider(),
        &bundle,
        &TrustAnchors::default(),
        &ResultPolicy::default(),
        &context,
    ) {
        // Without an enrolment nothing can be affirming.
        assert_ne!(result.status(), aegis_core::ear::Status::Affirming);
    }
});

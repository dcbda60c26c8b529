//! TPMS_ATTEST / TPM2B_ATTEST (Attest::parse, parse_any, parse_tpm2b) and the verifier's own
//! parse (any attestation type, optional TPM2B prefix) up to the signature check.
#![no_main]

use std::sync::OnceLock;

use aegis_core::crypto::default_provider;
use aegis_core::tpm::{
    Attest, EccCurve, EccParms, HashAlg, KeyParms, ObjectAttributes, PcrValues, Public, Scheme,
    SymDef,
};
use aegis_core::verify::{
    verify_certify, verify_quote, AttestationKey, CertifyPolicy, KeyPolicy, QuotePolicy,
};
use libfuzzer_sys::fuzz_target;

/// TPMT_SIGNATURE with sigAlg = TPM_ALG_NULL: refused after parsing, before any crypto.
const NULL_SIGNATURE: [u8; 2] = [0x00, 0x10];

fn ak() -> &'static AttestationKey {
    static AK: OnceLock<AttestationKey> = OnceLock::new();
    AK.get_or_init(|| {
        let attrs = ObjectAttributes(
            ObjectAttributes::FIXED_TPM
                | ObjectAttributes::FIXED_PARENT
                | ObjectAttributes::SENSITIVE_DATA_ORIGIN
                | ObjectAttributes::USER_WITH_AUTH
                | ObjectAttributes::RESTRICTED
                | ObjectAttributes::SIGN_ENCRYPT,
        );
        let parms = KeyParms::Ecc(EccParms {
            symmetric: SymDef::Null,
            scheme: Scheme::Ecdsa(HashAlg::Sha256),
            curve: EccCurve::NistP256,
            kdf: None,
            x: vec![1; 32],
            y: vec![2; 32],
        });
        let public = Public::build(HashAlg::Sha256, attrs, Vec::new(), parms).expect("AK builds");
        AttestationKey::from_public(public, &KeyPolicy::default()).expect("AK passes the AK checks")
    })
}

fuzz_target!(|data: &[u8]| {
    for parsed in [
        Attest::parse(data),
        Attest::parse_any(data),
        Attest::parse_tpm2b(data),
    ] {
        let Ok(a) = parsed else { continue };
        // Strict parsing accepts only the canonical encoding.
        assert_eq!(a.encode().ok().as_deref(), Some(a.as_bytes()));
        assert_eq!(Attest::parse(a.as_bytes()).as_ref(), Ok(&a));
    }
    let nonce = [0x5a; 32];
    let quote = verify_quote(
        default_provider(),
        ak(),
        data,
        &NULL_SIGNATURE,
        &PcrValues::default(),
        &nonce,
        &QuotePolicy::default(),
    );
    assert!(quote.is_err());
    let certify = verify_certify(
        default_provider(),
        ak(),
        data,
        data,
        &NULL_SIGNATURE,
        &nonce,
        &CertifyPolicy::default(),
    );
    assert!(certify.is_err());
});

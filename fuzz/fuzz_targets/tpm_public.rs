//! TPMT_PUBLIC / TPM2B_PUBLIC (Public::parse_any, parse_tpmt, parse_tpm2b) and what is derived
//! from a parsed key: Name, SPKI, the AK checks.
#![no_main]

use aegis_core::compat::public_key_to_spki_der;
use aegis_core::tpm::Public;
use aegis_core::verify::{AttestationKey, KeyPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for parsed in [
        Public::parse_any(data),
        Public::parse_tpmt(data),
        Public::parse_tpm2b(data),
    ] {
        let Ok(p) = parsed else { continue };
        // The bytes kept are the bytes parsed, and they re-parse to the same key.
        assert_eq!(Public::parse_tpmt(p.tpmt_bytes()).as_ref(), Ok(&p));
        assert_eq!(Public::parse_tpm2b(&p.to_tpm2b()).as_ref(), Ok(&p));
        // Strict parsing accepts only the canonical encoding: building from the decoded fields
        // gives the same bytes.
        let rebuilt = Public::build(
            p.name_alg,
            p.attributes,
            p.auth_policy.clone(),
            p.parms.clone(),
        )
        .expect("a parsed key rebuilds");
        assert_eq!(rebuilt.tpmt_bytes(), p.tpmt_bytes());
        let _ = p.name();
        let _ = p.describe();
        let _ = public_key_to_spki_der(&p);
        let _ = AttestationKey::from_public(p, &KeyPolicy::default());
    }
});

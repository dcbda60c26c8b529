//! TPMT_SIGNATURE (Signature::parse).
#![no_main]

use aegis_core::tpm::Signature;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sig) = Signature::parse(data) {
        // Strict parsing accepts only the canonical encoding.
        assert_eq!(sig.encode(), data);
        let _ = sig.hash();
    }
});

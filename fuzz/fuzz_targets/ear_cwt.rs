//! EAR as CWT: the COSE_Sign1 reader and the CBOR claims decoder (aegis_core::ear), on any
//! input; malformed input is an error, never a panic.
#![no_main]

use aegis_core::crypto::default_provider;
use aegis_core::ear::{self, Ear, VerifyOptions};
use aegis_core::time::UnixTime;
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let options = VerifyOptions::new(common::ear_issuer_key(), UnixTime::from_secs(1_800_000_000));
    let _ = ear::verify_cwt(default_provider(), data, &options);
    // The claims decoder on its own (the signature check stands before it in verify_cwt).
    if let Ok((claims, dialect)) = Ear::from_cbor(data) {
        let _ = claims.check_status_rule();
        let _ = claims.to_json(dialect);
        // The encoding is deterministic.
        if let Ok(a) = claims.to_cbor(dialect) {
            assert_eq!(claims.to_cbor(dialect).unwrap(), a);
        }
    }
});

//! EAR as JWT: the JWS compact parser and the JSON claims decoder (aegis_core::ear), on any
//! input; malformed input is an error, never a panic.
#![no_main]

use aegis_core::crypto::default_provider;
use aegis_core::ear::{self, Dialect, Ear, VerifyOptions};
use aegis_core::time::UnixTime;
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let options = VerifyOptions::new(common::ear_issuer_key(), UnixTime::from_secs(1_800_000_000));
    let _ = ear::verify_jwt(default_provider(), data, &options);
    let _ = ear::verify_token(default_provider(), data, &options);
    // The claims decoder on its own (the signature check stands before it in verify_jwt).
    if let Ok((claims, dialect)) = Ear::from_json(data) {
        let _ = claims.check_status_rule();
        // -04 and -03 keep every claim: what decodes re-encodes and reads back the same.
        if dialect != Dialect::Veraison {
            let again = claims.to_json(dialect).unwrap().to_string();
            assert_eq!(Ear::from_json(again.as_bytes()).unwrap(), (claims, dialect));
        }
    }
});

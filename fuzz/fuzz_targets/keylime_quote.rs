//! The Keylime quote string (compat::keylime::parse) and the parsers its parts go to.
#![no_main]

use aegis_core::compat::{keylime, pcr_file};
use aegis_core::tpm::{Attest, Signature};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(q) = keylime::parse(text) {
        assert_eq!(keylime::parse(&keylime::encode(&q)).as_ref(), Ok(&q));
        let _ = Attest::parse_any(&q.attest);
        let _ = Signature::parse(&q.signature);
        let _ = pcr_file::parse(&q.pcr_file);
    }
});

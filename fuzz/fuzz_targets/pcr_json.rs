//! PCR values as JSON (compat::pcr_json::parse) and the content-sniffing reader.
#![no_main]

use aegis_core::compat::{pcr_json, read_pcrs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(values) = pcr_json::parse(data) {
        let text = serde_json::to_vec(&pcr_json::to_json(&values)).expect("JSON serializes");
        assert_eq!(pcr_json::parse(&text).as_ref(), Ok(&values));
    }
    let _ = read_pcrs(data);
});

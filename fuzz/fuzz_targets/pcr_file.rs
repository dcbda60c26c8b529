//! The tpm2-tools PCR file (compat::pcr_file::parse).
#![no_main]

use aegis_core::compat::pcr_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = pcr_file::parse(data) {
        // Every selected PCR got exactly one value.
        assert_eq!(file.values.len(), file.selection.len());
        let encoded = pcr_file::encode(&file.values).expect("parsed values encode");
        let again = pcr_file::parse(&encoded).expect("encoded values parse");
        assert_eq!(again.values, file.values);
    }
});

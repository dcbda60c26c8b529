//! TPML_PCR_SELECTION (PcrSelection::parse).
#![no_main]

use aegis_core::tpm::PcrSelection;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sel) = PcrSelection::parse(data) {
        // Strict parsing accepts only the canonical encoding.
        assert_eq!(sel.encode(), data);
        let n: usize = sel.banks.iter().map(|b| b.indices().count()).sum();
        assert_eq!(n, sel.len());
    }
});

//! The whole quote verifier with a fixed real AK from testdata/ (ECDSA P-256 or RSA-2048
//! RSASSA) and fuzzed evidence.
//!
//! Input: `selector (1 byte) || u16 len || TPMS_ATTEST || u16 len || TPMT_SIGNATURE || PCRs`
//! (PCRs as a tpm2-tools PCR file or JSON). Selector bit 0 picks the AK.
//!
//! Oracle: a quote that verifies must be the one the TPM signed (anything else is a forgery
//! the verifier let through), and its PCR values must be the real ones.
#![no_main]

#[path = "common.rs"]
mod common;

use std::sync::OnceLock;

use aegis_core::compat::read_pcrs;
use aegis_core::crypto::default_provider;
use aegis_core::tpm::PcrValues;
use aegis_core::verify::{verify_quote, QuotePolicy};
use common::{quote_fixture, take_prefixed, QuoteFixture};
use libfuzzer_sys::fuzz_target;

fn fixtures() -> &'static [QuoteFixture; 2] {
    static F: OnceLock<[QuoteFixture; 2]> = OnceLock::new();
    F.get_or_init(|| {
        [
            quote_fixture("quote-ecc-p256-ecdsa-sha256"),
            quote_fixture("quote-rsa2048-rsassa-sha256"),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let fx = &fixtures()[usize::from(selector & 1)];
    let (attest, rest) = take_prefixed(rest);
    let (signature, pcr_bytes) = take_prefixed(rest);
    let pcrs = read_pcrs(pcr_bytes).unwrap_or_else(|_| PcrValues::default());
    let mut policy = QuotePolicy::default();
    if selector & 2 != 0 {
        policy.require_all_of(&pcrs);
    }
    if let Ok(v) = verify_quote(
        default_provider(),
        &fx.ak,
        attest,
        signature,
        &pcrs,
        &fx.nonce,
        &policy,
    ) {
        assert_eq!(
            v.attest().as_bytes(),
            fx.attest.as_slice(),
            "{}: a forged quote verified",
            fx.id
        );
        let real = read_pcrs(&fx.pcrs).expect("fixture PCRs parse");
        for (bank, index, value) in v.pcrs().iter() {
            assert_eq!(
                real.get(bank, index),
                Some(value),
                "{}: a PCR value that is not the TPM's verified",
                fx.id
            );
        }
    }
});

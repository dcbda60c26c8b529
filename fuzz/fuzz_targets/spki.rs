//! SubjectPublicKeyInfo in DER or PEM: the one parser (aegis_core::keys::PublicKey::from_spki)
//! directly, its encoder round trip, and verify::AttestationKey::from_bare_key_unchecked over it.
#![no_main]

use aegis_core::keys::PublicKey;
use aegis_core::tpm::{EccCurve, HashAlg, Scheme};
use aegis_core::verify::{AttestationKey, KeyPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = PublicKey::from_spki(data) {
        // Whatever parses encodes, and reads back to the same key.
        let der = key.to_spki_der().unwrap();
        assert_eq!(PublicKey::from_spki(&der).unwrap(), key);
    }
    let any_key = KeyPolicy {
        rsa_bits: vec![1024, 2048, 3072, 4096],
        curves: vec![EccCurve::NistP256, EccCurve::NistP384, EccCurve::NistP521],
    };
    for scheme in [
        Scheme::RsaSsa(HashAlg::Sha256),
        Scheme::RsaPss(HashAlg::Sha256),
        Scheme::Ecdsa(HashAlg::Sha256),
    ] {
        if let Ok(ak) = AttestationKey::from_bare_key_unchecked(data, scheme, &any_key) {
            assert_eq!(ak.scheme(), scheme);
            assert!(!ak.is_checked());
            assert_eq!(ak.public_key(), &PublicKey::from_spki(data).unwrap());
        }
    }
});

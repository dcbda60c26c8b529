//! `TpmSigner`: aegis-core's `Signer` for a TPM-resident App Key, on the INSECURE software
//! backend (tests/backend_swtpm.rs runs the same on swtpm). Signatures are checked with
//! aegis-core's providers; a scheme that does not fit the key and a digest of the wrong length
//! are refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aegis_agent::backend::software::SoftwareTpm;
use aegis_agent::backend::{AkSpec, AppKeySpec, KeyAlg, TpmBackend};
use aegis_agent::signer::{signature_scheme, tpm_scheme};
use aegis_agent::TpmSigner;
use aegis_core::crypto::{SignatureScheme, SignatureValue, Signer};
use aegis_core::keys::PublicKey;
use aegis_core::tpm::{HashAlg, Scheme};
use aegis_core::Error;

#[path = "support/signer.rs"]
mod support;
use support::sign_and_verify;

fn app_key(tpm: &mut SoftwareTpm, alg: KeyAlg) -> aegis_agent::TpmKey {
    tpm.create_app_key(&AppKeySpec {
        alg,
        persist_at: None,
    })
    .unwrap()
}

#[test]
fn app_key_signs_each_scheme_and_aegis_core_verifies() {
    let mut tpm = SoftwareTpm::new_insecure().unwrap();
    for (alg, scheme) in [
        (KeyAlg::EccP256, SignatureScheme::Ecdsa(HashAlg::Sha256)),
        (KeyAlg::EccP384, SignatureScheme::Ecdsa(HashAlg::Sha384)),
        (
            KeyAlg::Rsa2048,
            SignatureScheme::RsaPkcs1v15(HashAlg::Sha256),
        ),
        (KeyAlg::Rsa2048, SignatureScheme::RsaPss(HashAlg::Sha256)),
        (KeyAlg::Rsa2048, SignatureScheme::RsaPss(HashAlg::Sha384)),
    ] {
        let key = app_key(&mut tpm, alg);
        let signer = TpmSigner::new(&mut tpm, key.clone(), scheme).unwrap();
        assert_eq!(signer.scheme(), scheme);
        assert_eq!(
            signer.public_key(),
            &PublicKey::from_tpm_public(key.public())
        );
        let value = sign_and_verify(&signer, b"header.payload");
        match (alg, value) {
            (KeyAlg::Rsa2048, SignatureValue::Rsa(sig)) => assert_eq!(sig.len(), 256),
            (KeyAlg::EccP256, SignatureValue::Ecdsa { r, s }) => {
                assert!(r.len() <= 32 && s.len() <= 32)
            }
            (KeyAlg::EccP384, SignatureValue::Ecdsa { r, s }) => {
                assert!(r.len() <= 48 && s.len() <= 48)
            }
            (alg, v) => panic!("{alg:?} gave {v:?}"),
        }
        assert_eq!(signer.key(), &key);
    }
}

#[test]
fn a_scheme_that_does_not_fit_the_key_is_refused() {
    let mut tpm = SoftwareTpm::new_insecure().unwrap();
    let ecc = app_key(&mut tpm, KeyAlg::EccP256);
    let rsa = app_key(&mut tpm, KeyAlg::Rsa2048);
    for (key, scheme) in [
        (&ecc, SignatureScheme::RsaPkcs1v15(HashAlg::Sha256)),
        (&ecc, SignatureScheme::RsaPss(HashAlg::Sha256)),
        (&rsa, SignatureScheme::Ecdsa(HashAlg::Sha256)),
    ] {
        let err = TpmSigner::new(&mut tpm, key.clone(), scheme).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    }
    // An AK (restricted, with its own fixed scheme) is not a TpmSigner key: it signs only data
    // the TPM checked (sign_restricted).
    let ak = tpm.create_ak(&AkSpec::default()).unwrap();
    let err = TpmSigner::new(&mut tpm, ak, SignatureScheme::Ecdsa(HashAlg::Sha256)).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
}

#[test]
fn a_digest_of_the_wrong_length_is_refused() {
    let mut tpm = SoftwareTpm::new_insecure().unwrap();
    for (alg, scheme) in [
        (KeyAlg::EccP256, SignatureScheme::Ecdsa(HashAlg::Sha256)),
        (KeyAlg::Rsa2048, SignatureScheme::RsaPss(HashAlg::Sha256)),
    ] {
        let key = app_key(&mut tpm, alg);
        let signer = TpmSigner::new(&mut tpm, key, scheme).unwrap();
        for digest in [
            &[][..],
            &[7u8; 20][..],
            &[7u8; 31][..],
            &[7u8; 33][..],
            &[7u8; 48][..],
        ] {
            let err = signer.sign_digest(digest).unwrap_err();
            assert!(
                matches!(err, Error::InvalidArgument { .. }),
                "{} bytes: {err:?}",
                digest.len()
            );
        }
        // The right length still signs afterwards.
        signer.sign_digest(&[7u8; 32]).unwrap();
    }
}

#[test]
fn signer_gives_the_backend_back_and_works_through_dyn_signer() {
    let mut tpm = SoftwareTpm::new_insecure().unwrap();
    let key = app_key(&mut tpm, KeyAlg::EccP256);
    let signer = TpmSigner::new(&mut tpm, key, SignatureScheme::Ecdsa(HashAlg::Sha256)).unwrap();
    let dyn_signer: &dyn Signer = &signer;
    sign_and_verify(dyn_signer, b"through a trait object");
    assert!(format!("{signer:?}").starts_with("TpmSigner"));
    let backend = signer.into_backend();
    assert!(!backend.info().hardware_protected);
}

#[test]
fn schemes_map_both_ways() {
    for h in [HashAlg::Sha256, HashAlg::Sha384] {
        for (s, t) in [
            (SignatureScheme::RsaPkcs1v15(h), Scheme::RsaSsa(h)),
            (SignatureScheme::RsaPss(h), Scheme::RsaPss(h)),
            (SignatureScheme::Ecdsa(h), Scheme::Ecdsa(h)),
        ] {
            assert_eq!(tpm_scheme(s), t);
            assert_eq!(signature_scheme(t), Some(s));
        }
    }
    assert_eq!(signature_scheme(Scheme::Null), None);
}

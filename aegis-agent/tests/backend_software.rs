//! The software backend: what it makes, aegis-core verifies; what it must refuse, it refuses.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aegis_agent::backend::software::SoftwareTpm;
use aegis_agent::backend::{AkSpec, AppKeySpec, EkKind, KeyAlg, KeyLocation, TpmBackend};
use aegis_core::crypto::default_provider;
use aegis_core::tpm::{HashAlg, PcrSelection, Scheme, Signature, TPM_GENERATED_VALUE};
use aegis_core::verify::{
    verify_certify, verify_quote, AttestationKey, CertifyPolicy, KeyPolicy, QuotePolicy,
};
use aegis_core::Error;

fn verify_both(tpm: &mut SoftwareTpm, ak_spec: AkSpec, app: AppKeySpec) {
    let ak = tpm.create_ak(&ak_spec).unwrap();
    let app_key = tpm.create_app_key(&app).unwrap();
    let vak = AttestationKey::from_public(ak.public().clone(), &KeyPolicy::default()).unwrap();
    let p = default_provider();

    let c = tpm.certify(&app_key, &ak, b"certify-nonce").unwrap();
    let policy = CertifyPolicy::default();
    let vc = verify_certify(
        p,
        &vak,
        &app_key.public().to_tpm2b(),
        &c.attest,
        &c.signature,
        b"certify-nonce",
        &policy,
    )
    .unwrap();
    assert_eq!(vc.name(), &app_key.public().name());

    tpm.pcr_extend(15, &[(HashAlg::Sha256, vec![7; 32])])
        .unwrap();
    let sel =
        PcrSelection::new(&[(HashAlg::Sha256, &[0, 15, 23]), (HashAlg::Sha1, &[15])]).unwrap();
    let q = tpm.quote(&ak, &sel, b"quote-nonce").unwrap();
    let mut qp = QuotePolicy::default();
    qp.require_all_of(&q.pcrs);
    // The SHA-1 bank needs the SHA-1 opt-in (VERIFIER-CHECKS.md item 4).
    let refused = verify_quote(
        p,
        &vak,
        &q.attest,
        &q.signature,
        &q.pcrs,
        b"quote-nonce",
        &qp,
    );
    assert_eq!(
        refused.unwrap_err(),
        aegis_core::Error::PcrBankNotAllowed {
            bank: HashAlg::Sha1.alg_id()
        }
    );
    qp.attest.allow_sha1(true);
    let vq = verify_quote(
        p,
        &vak,
        &q.attest,
        &q.signature,
        &q.pcrs,
        b"quote-nonce",
        &qp,
    )
    .unwrap();
    assert_ne!(vq.pcrs().get(HashAlg::Sha256, 15).unwrap(), &[0u8; 32][..]);
    assert_eq!(vq.pcrs().get(HashAlg::Sha1, 15).unwrap(), &[0u8; 20][..]);
}

#[test]
fn certify_and_quote_verify_for_each_key_type() {
    let mut tpm = SoftwareTpm::new_insecure().unwrap();
    assert!(!tpm.info().hardware_protected);
    verify_both(&mut tpm, AkSpec::default(), AppKeySpec::default());
    verify_both(
        &mut tpm,
        AkSpec::rsa(),
        AppKeySpec {
            alg: KeyAlg::Rsa2048,
            persist_at: None,
        },
    );
    let pss = AkSpec {
        ek: EkKind::Rsa2048,
        alg: KeyAlg::Rsa2048,
        scheme: Scheme::RsaPss(HashAlg::Sha256),
        persist_at: None,
    };
    verify_both(
        &mut tpm,
        pss,
        AppKeySpec {
            alg: KeyAlg::EccP384,
            persist_at: None,
        },
    );
}

#[test]
fn app_key_signs_every_scheme() {
    let mut tpm = SoftwareTpm::new_insecure().unwrap();
    let ecc = tpm.create_app_key(&AppKeySpec::default()).unwrap();
    let digest = HashAlg::Sha256.digest(b"jwt signing input");
    let sig = Signature::parse(
        &tpm.sign_digest(&ecc, &digest, Scheme::Ecdsa(HashAlg::Sha256))
            .unwrap(),
    )
    .unwrap();
    assert!(matches!(sig, Signature::Ecdsa { ref r, ref s, .. } if r.len() == 32 && s.len() == 32));
    let rsa = tpm
        .create_app_key(&AppKeySpec {
            alg: KeyAlg::Rsa2048,
            persist_at: None,
        })
        .unwrap();
    for scheme in [
        Scheme::RsaSsa(HashAlg::Sha256),
        Scheme::RsaPss(HashAlg::Sha256),
    ] {
        let sig = Signature::parse(&tpm.sign_digest(&rsa, &digest, scheme).unwrap()).unwrap();
        assert_eq!(sig.alg_id(), scheme.alg_id());
    }
    // Wrong digest length, wrong scheme for the key type.
    assert!(tpm
        .sign_digest(&ecc, &digest[..20], Scheme::Ecdsa(HashAlg::Sha256))
        .is_err());
    assert!(tpm
        .sign_digest(&ecc, &digest, Scheme::RsaSsa(HashAlg::Sha256))
        .is_err());
}

#[test]
fn restricted_key_refuses_tpm_generated_data() {
    let mut tpm = SoftwareTpm::new_insecure().unwrap();
    let ak = tpm.create_ak(&AkSpec::default()).unwrap();
    assert!(tpm.sign_restricted(&ak, b"ordinary data").is_ok());
    let mut forged = TPM_GENERATED_VALUE.to_be_bytes().to_vec();
    forged.extend_from_slice(&[0x80, 0x18, 0, 0]);
    assert!(matches!(
        tpm.sign_restricted(&ak, &forged),
        Err(Error::InvalidValue { .. })
    ));
    // And the AK cannot be used to sign an arbitrary digest.
    assert!(tpm
        .sign_digest(&ak, &[0; 32], Scheme::Ecdsa(HashAlg::Sha256))
        .is_err());
}

#[test]
fn credential_activation_round_trip_and_wrong_key() {
    let mut tpm = SoftwareTpm::new_insecure().unwrap();
    let ek = tpm.read_ek(EkKind::Rsa2048).unwrap();
    assert!(ek.certificate.is_some());
    let ak = tpm.create_ak(&AkSpec::default()).unwrap();
    let other = tpm.create_ak(&AkSpec::default()).unwrap();
    let made = aegis_core::credential::make_credential(
        default_provider(),
        &ek.public,
        &ak.public().name(),
        b"the credential",
    )
    .unwrap();
    let (blob, secret) = (made.credential_blob, made.encrypted_secret);
    assert_eq!(
        &tpm.activate_credential(&ak, EkKind::Rsa2048, &blob, &secret)
            .unwrap()[..],
        b"the credential"
    );
    assert!(matches!(
        tpm.activate_credential(&other, EkKind::Rsa2048, &blob, &secret),
        Err(Error::Backend { .. })
    ));
}

#[test]
fn persistent_keys_load_and_evict() {
    let mut tpm = SoftwareTpm::new_insecure().unwrap();
    let ak = tpm
        .create_ak(&AkSpec {
            persist_at: Some(0x8101_0001),
            ..AkSpec::default()
        })
        .unwrap();
    assert_eq!(ak.location(), &KeyLocation::Persistent(0x8101_0001));
    let again = tpm.load_persistent(0x8101_0001).unwrap();
    assert_eq!(again.public(), ak.public());
    assert!(tpm.sign_restricted(&again, b"x").is_ok());
    assert!(tpm
        .create_ak(&AkSpec {
            persist_at: Some(0x8101_0001),
            ..AkSpec::default()
        })
        .is_err());
    tpm.evict_persistent(0x8101_0001).unwrap();
    assert!(tpm.load_persistent(0x8101_0001).is_err());
    assert!(tpm
        .create_ak(&AkSpec {
            persist_at: Some(0x0100_0000),
            ..AkSpec::default()
        })
        .is_err());
}

#[test]
fn software_ek_has_no_manufacturer_chain_and_is_refused() {
    use aegis_core::ek::{verify_ek_certificate, EkTrustStore};
    let mut tpm = SoftwareTpm::new_insecure().unwrap();
    let ek = tpm.read_ek(EkKind::Rsa2048).unwrap();
    let cert = ek.certificate.unwrap();
    let now = aegis_core::time::UnixTime::now();
    let err = verify_ek_certificate(
        default_provider(),
        &cert,
        &ek.public,
        &EkTrustStore::new(),
        now,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::EkCertificateUntrusted | Error::EkCertificateInvalid { .. }
        ),
        "{err:?}"
    );
}

/// QN(AK) = H(QN(EK) || Name(AK)), QN(EK) = H(TPM_RH_ENDORSEMENT || Name(EK)) (Part 1, 16.6).
fn qualified_under_ek(
    ek: &aegis_core::tpm::Public,
    ak: &aegis_agent::TpmKey,
) -> aegis_core::tpm::Name {
    use aegis_core::tpm::Name;
    let qek = ek
        .name()
        .qualified_under(&Name::of_handle(0x4000_000B))
        .unwrap();
    ak.public().name().qualified_under(&qek).unwrap()
}

#[test]
fn ak_signs_as_a_child_of_its_ek() {
    let mut tpm = SoftwareTpm::new_insecure().unwrap();
    let ek = tpm.read_ek(EkKind::Rsa2048).unwrap();
    let app = tpm.create_app_key(&AppKeySpec::default()).unwrap();
    let transient = tpm.create_ak(&AkSpec::default()).unwrap();
    let persistent = tpm
        .create_ak(&AkSpec {
            persist_at: Some(0x8101_0002),
            ..AkSpec::rsa()
        })
        .unwrap();
    let sel = PcrSelection::new(&[(HashAlg::Sha256, &[15])]).unwrap();
    for ak in [&transient, &persistent] {
        let vak = AttestationKey::from_public(ak.public().clone(), &KeyPolicy::default()).unwrap();
        let mut qp = QuotePolicy::default();
        qp.attest.expected_signer = Some(qualified_under_ek(&ek.public, ak));
        let mut cp = CertifyPolicy::default();
        cp.attest.expected_signer = qp.attest.expected_signer.clone();
        let q = tpm.quote(ak, &sel, b"n").unwrap();
        verify_quote(
            default_provider(),
            &vak,
            &q.attest,
            &q.signature,
            &q.pcrs,
            b"n",
            &qp,
        )
        .unwrap();
        let c = tpm.certify(&app, ak, b"n").unwrap();
        let app_public = app.public().to_tpm2b();
        verify_certify(
            default_provider(),
            &vak,
            &app_public,
            &c.attest,
            &c.signature,
            b"n",
            &cp,
        )
        .unwrap();
        // Qualified under the owner hierarchy instead (as before the AK moved under the EK):
        // refused.
        let owner = ak
            .public()
            .name()
            .qualified_under(&aegis_core::tpm::Name::of_handle(0x4000_0001))
            .unwrap();
        qp.attest.expected_signer = Some(owner);
        assert_eq!(
            verify_quote(
                default_provider(),
                &vak,
                &q.attest,
                &q.signature,
                &q.pcrs,
                b"n",
                &qp
            )
            .unwrap_err(),
            Error::SignerMismatch
        );
    }
    // The software TPM has no other EK to put an AK under.
    assert!(matches!(
        tpm.create_ak(&AkSpec {
            ek: EkKind::EccP256,
            ..AkSpec::default()
        }),
        Err(Error::InvalidArgument { .. })
    ));
}

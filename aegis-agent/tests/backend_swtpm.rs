//! The tss backend against a manufactured swtpm (TESTING.md): EK certificate, credential
//! activation, certify and quote verified by aegis-core, restricted-key signing, persistence,
//! and a 10,000-operation run that must not leak a single object slot.
//!
//! Each test starts its own swtpm with scripts/swtpm.sh in an absolute temp dir and stops it in
//! a Drop guard. Without swtpm the tests skip loudly, unless AEGIS_REQUIRE_TPM=1.
#![cfg(feature = "tss")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use aegis_agent::backend::tss::TssBackend;
use aegis_agent::backend::{AkSpec, AppKeySpec, EkKind, KeyAlg, KeyLocation, TpmBackend};
use aegis_core::crypto::default_provider;
use aegis_core::tpm::{
    HashAlg, KeyParms, Name, PcrSelection, Scheme, Signature, TPM_GENERATED_VALUE,
};
use aegis_core::verify::{
    verify_certify, verify_quote, AttestationKey, CertifyPolicy, KeyPolicy, QuotePolicy,
};
use aegis_core::Error;

#[path = "../../aegis-core/tests/support/swtpm.rs"]
mod swtpm;
use swtpm::Swtpm;

#[path = "support/signer.rs"]
mod signer_support;

impl Swtpm {
    fn backend(&self) -> TssBackend {
        TssBackend::open(&self.tcti).unwrap()
    }

    fn ca_file(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.join("ca").join(name)).unwrap()
    }
}

fn ak_of(key: &aegis_agent::TpmKey) -> AttestationKey {
    AttestationKey::from_public(key.public().clone(), &KeyPolicy::default()).unwrap()
}

/// A quote of sha256:15 by `ak` over `nonce`, verified with PCR 15 required.
fn quote_pcr15(
    b: &mut TssBackend,
    ak: &aegis_agent::TpmKey,
    nonce: &[u8],
) -> aegis_core::verify::VerifiedQuote {
    let sel = aegis_core::geo::location_selection(15, HashAlg::Sha256).unwrap();
    let q = b.quote(ak, &sel, nonce).unwrap();
    let mut policy = QuotePolicy::default();
    policy.required_pcrs.push(HashAlg::Sha256, 15);
    verify_quote(
        default_provider(),
        &ak_of(ak),
        &q.attest,
        &q.signature,
        &q.pcrs,
        nonce,
        &policy,
    )
    .unwrap()
}

#[test]
fn certify_and_quote_made_by_the_tpm_verify() {
    let Some(tpm) = Swtpm::start_or_skip("certify-quote") else {
        return;
    };
    let mut b = tpm.backend();
    for (ak_spec, app_spec) in [
        (AkSpec::default(), AppKeySpec::default()),
        (
            AkSpec::rsa(),
            AppKeySpec {
                alg: KeyAlg::Rsa2048,
                persist_at: None,
            },
        ),
        (
            AkSpec {
                ek: EkKind::EccP384,
                alg: KeyAlg::Rsa2048,
                scheme: Scheme::RsaPss(HashAlg::Sha256),
                persist_at: None,
            },
            AppKeySpec {
                alg: KeyAlg::EccP384,
                persist_at: None,
            },
        ),
    ] {
        let ak = b.create_ak(&ak_spec).unwrap();
        let app = b.create_app_key(&app_spec).unwrap();
        let vak = ak_of(&ak);
        let c = b.certify(&app, &ak, b"fresh certify nonce").unwrap();
        let vc = verify_certify(
            default_provider(),
            &vak,
            &app.public().to_tpm2b(),
            &c.attest,
            &c.signature,
            b"fresh certify nonce",
            &CertifyPolicy::default(),
        )
        .unwrap();
        assert_eq!(vc.name(), &app.public().name());
        // Wrong nonce: the verifier refuses.
        assert_eq!(
            verify_certify(
                default_provider(),
                &vak,
                &app.public().to_tpm2b(),
                &c.attest,
                &c.signature,
                b"other",
                &CertifyPolicy::default()
            )
            .unwrap_err(),
            Error::NonceMismatch
        );

        b.pcr_extend(15, &[(HashAlg::Sha256, HashAlg::Sha256.digest(b"event"))])
            .unwrap();
        let sel = PcrSelection::new(&[
            (HashAlg::Sha256, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 23]),
            (HashAlg::Sha1, &[15]),
        ])
        .unwrap();
        let q = b.quote(&ak, &sel, b"fresh quote nonce").unwrap();
        assert_eq!(q.pcrs.len(), 13);
        let mut policy = QuotePolicy::default();
        policy.require_all_of(&q.pcrs);
        // The selection has a SHA-1 bank: the SHA-1 opt-in (VERIFIER-CHECKS.md item 13).
        policy.attest.allow_sha1(true);
        let vq = verify_quote(
            default_provider(),
            &vak,
            &q.attest,
            &q.signature,
            &q.pcrs,
            b"fresh quote nonce",
            &policy,
        )
        .unwrap();
        assert_ne!(vq.pcrs().get(HashAlg::Sha256, 15).unwrap(), &[0u8; 32][..]);
    }
    assert_eq!(
        b.transient_object_count().unwrap(),
        1,
        "only the SRK stays loaded"
    );
}

#[test]
fn ek_certificates_are_read_and_validated_by_aegis_core() {
    use aegis_core::ek::{trim_nv_certificate, verify_ek_certificate, EkTrustStore};
    let Some(tpm) = Swtpm::start_or_skip("ek") else {
        return;
    };
    let mut b = tpm.backend();
    let mut store = EkTrustStore::new();
    store
        .add_root_pem(&tpm.ca_file("swtpm-localca-rootca-cert.pem"))
        .unwrap();
    store
        .add_intermediate_pem(&tpm.ca_file("issuercert.pem"))
        .unwrap();
    let now = aegis_core::time::UnixTime::now();
    for kind in [EkKind::Rsa2048, EkKind::EccP384] {
        let ek = b.read_ek(kind).unwrap();
        let raw = ek
            .certificate
            .clone()
            .expect("swtpm_setup provisions EK certificates");
        let v = verify_ek_certificate(
            default_provider(),
            trim_nv_certificate(&raw),
            &ek.public,
            &store,
            now,
        )
        .unwrap_or_else(|e| panic!("{kind:?} EK certificate refused: {e}"));
        assert_eq!(v.public(), &ek.public);
        // Another TPM's EK is not what this certificate certifies.
        let other = if kind == EkKind::Rsa2048 {
            EkKind::EccP384
        } else {
            EkKind::Rsa2048
        };
        let other_ek = b.read_ek(other).unwrap();
        assert!(verify_ek_certificate(
            default_provider(),
            trim_nv_certificate(&raw),
            &other_ek.public,
            &store,
            now
        )
        .is_err());
        // Without the manufacturer root: untrusted.
        assert_eq!(
            verify_ek_certificate(
                default_provider(),
                trim_nv_certificate(&raw),
                &ek.public,
                &EkTrustStore::new(),
                now
            )
            .unwrap_err(),
            Error::EkCertificateUntrusted
        );
    }
    // No P-256 certificate is provisioned: None, not an error.
    assert!(b.read_ek(EkKind::EccP256).unwrap().certificate.is_none());
    assert_eq!(b.transient_object_count().unwrap(), 1);
}

#[test]
fn restricted_key_signing_refuses_tpm_generated_data() {
    let Some(tpm) = Swtpm::start_or_skip("restricted") else {
        return;
    };
    let mut b = tpm.backend();
    let ak = b.create_ak(&AkSpec::default()).unwrap();
    let sig = Signature::parse(&b.sign_restricted(&ak, b"an ordinary challenge").unwrap()).unwrap();
    assert!(matches!(
        sig,
        Signature::Ecdsa {
            hash: HashAlg::Sha256,
            ..
        }
    ));
    let mut forged = TPM_GENERATED_VALUE.to_be_bytes().to_vec();
    forged.extend_from_slice(&[0x80, 0x18, 0x00, 0x22]);
    // The backend refuses before asking the TPM ...
    assert!(matches!(
        b.sign_restricted(&ak, &forged),
        Err(Error::InvalidValue { .. })
    ));
    // ... and the TPM itself refuses too (TPM2_Hash gives no ticket, TPM2_Sign fails).
    let err = b.sign_restricted_unchecked(&ak, &forged).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Backend {
                what: "TPM2_Sign",
                ..
            }
        ),
        "{err:?}"
    );
    // The AK cannot sign an arbitrary digest.
    assert!(b
        .sign_digest(&ak, &[0; 32], Scheme::Ecdsa(HashAlg::Sha256))
        .is_err());
    assert_eq!(b.transient_object_count().unwrap(), 1);
}

#[test]
fn app_key_signs_digests_and_persists() {
    let Some(tpm) = Swtpm::start_or_skip("appkey") else {
        return;
    };
    let mut b = tpm.backend();
    let digest = HashAlg::Sha256.digest(b"header.payload");
    let ecc = b
        .create_app_key(&AppKeySpec {
            alg: KeyAlg::EccP256,
            persist_at: Some(0x8101_0010),
        })
        .unwrap();
    assert_eq!(ecc.location(), &KeyLocation::Persistent(0x8101_0010));
    let sig = Signature::parse(
        &b.sign_digest(&ecc, &digest, Scheme::Ecdsa(HashAlg::Sha256))
            .unwrap(),
    )
    .unwrap();
    let Signature::Ecdsa { r, s, .. } = sig else {
        panic!()
    };
    // Check the ECDSA signature with OpenSSL against the App Key's public point.
    let KeyParms::Ecc(p) = &ecc.public().parms else {
        panic!()
    };
    let group = openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
    let point = openssl::ec::EcKey::from_public_key_affine_coordinates(
        &group,
        &openssl::bn::BigNum::from_slice(&p.x).unwrap(),
        &openssl::bn::BigNum::from_slice(&p.y).unwrap(),
    )
    .unwrap();
    let esig = openssl::ecdsa::EcdsaSig::from_private_components(
        openssl::bn::BigNum::from_slice(&r).unwrap(),
        openssl::bn::BigNum::from_slice(&s).unwrap(),
    )
    .unwrap();
    assert!(esig.verify(&digest, &point).unwrap());
    // Reload from the persistent handle in a new context.
    drop(b);
    let mut b = tpm.backend();
    let again = b.load_persistent(0x8101_0010).unwrap();
    assert_eq!(again.public(), ecc.public());
    b.sign_digest(&again, &digest, Scheme::Ecdsa(HashAlg::Sha256))
        .unwrap();
    b.evict_persistent(0x8101_0010).unwrap();
    assert!(b.load_persistent(0x8101_0010).is_err());

    let rsa = b
        .create_app_key(&AppKeySpec {
            alg: KeyAlg::Rsa2048,
            persist_at: None,
        })
        .unwrap();
    for scheme in [
        Scheme::RsaSsa(HashAlg::Sha256),
        Scheme::RsaPss(HashAlg::Sha256),
    ] {
        let sig = Signature::parse(&b.sign_digest(&rsa, &digest, scheme).unwrap()).unwrap();
        assert_eq!(sig.alg_id(), scheme.alg_id());
    }
    assert_eq!(b.transient_object_count().unwrap(), 1);
}

#[test]
fn tpm_signer_signs_in_the_tpm_and_aegis_core_verifies() {
    use aegis_agent::TpmSigner;
    use aegis_core::crypto::{SignatureScheme, Signer};
    use aegis_core::keys::PublicKey;
    let Some(tpm) = Swtpm::start_or_skip("signer") else {
        return;
    };
    let mut b = tpm.backend();
    for (alg, scheme) in [
        (KeyAlg::EccP256, SignatureScheme::Ecdsa(HashAlg::Sha256)),
        (KeyAlg::EccP384, SignatureScheme::Ecdsa(HashAlg::Sha384)),
        (
            KeyAlg::Rsa2048,
            SignatureScheme::RsaPkcs1v15(HashAlg::Sha256),
        ),
        (KeyAlg::Rsa2048, SignatureScheme::RsaPss(HashAlg::Sha256)),
    ] {
        let key = b
            .create_app_key(&AppKeySpec {
                alg,
                persist_at: None,
            })
            .unwrap();
        let signer = TpmSigner::new(&mut b, key.clone(), scheme).unwrap();
        assert_eq!(
            signer.public_key(),
            &PublicKey::from_tpm_public(key.public())
        );
        signer_support::sign_and_verify(&signer, b"header.payload");
        // A digest of the wrong length never reaches the TPM.
        assert!(matches!(
            signer.sign_digest(&[1u8; 20]),
            Err(Error::InvalidArgument { .. })
        ));
        // A scheme that does not fit the key is refused before any signer exists.
        let wrong = match scheme {
            SignatureScheme::Ecdsa(h) => SignatureScheme::RsaPss(h),
            SignatureScheme::RsaPkcs1v15(h) | SignatureScheme::RsaPss(h) => {
                SignatureScheme::Ecdsa(h)
            }
        };
        assert!(matches!(
            TpmSigner::new(&mut b, key, wrong),
            Err(Error::InvalidArgument { .. })
        ));
    }
    assert_eq!(b.transient_object_count().unwrap(), 1);
}

#[test]
fn ten_thousand_operations_leak_no_object_slot() {
    let Some(tpm) = Swtpm::start_or_skip("leak") else {
        return;
    };
    let mut b = tpm.backend();
    let ak = b.create_ak(&AkSpec::default()).unwrap();
    let app = b.create_app_key(&AppKeySpec::default()).unwrap();
    let base = b.transient_object_count().unwrap();
    assert_eq!(base, 1);
    let sel = PcrSelection::new(&[(HashAlg::Sha256, &[15])]).unwrap();
    let digest = HashAlg::Sha256.digest(b"x");
    let n: usize = std::env::var("AEGIS_LEAK_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let mut failures = 0;
    for i in 0..n {
        let r = match i % 8 {
            0 => b.certify(&app, &ak, b"n").map(|_| ()),
            1 => b.quote(&ak, &sel, b"n").map(|_| ()),
            2 => b.pcr_extend(16, &[(HashAlg::Sha256, digest.clone())]),
            3 => b.sign_restricted(&ak, b"data").map(|_| ()),
            4 => b.pcr_read(&sel).map(|_| ()),
            // Failing operations must release their handles too.
            5 => {
                failures += 1;
                assert!(b
                    .sign_digest(&app, &digest[..20], Scheme::Ecdsa(HashAlg::Sha256))
                    .is_err());
                assert!(
                    b.certify(&ak, &app, b"n").is_err(),
                    "an App Key cannot certify"
                );
                Ok(())
            }
            _ => b
                .sign_digest(&app, &digest, Scheme::Ecdsa(HashAlg::Sha256))
                .map(|_| ()),
        };
        r.unwrap_or_else(|e| panic!("operation {i} failed: {e}"));
        if i % 1000 == 999 {
            assert_eq!(
                b.transient_object_count().unwrap(),
                base,
                "slot leaked by operation {i}"
            );
        }
    }
    assert!(failures > 0);
    assert_eq!(b.transient_object_count().unwrap(), base);
    eprintln!("{n} operations, transient objects before and after: {base}");
}

#[test]
fn credential_activation_round_trip() {
    use aegis_core::credential::{check_activated, make_credential};
    let Some(tpm) = Swtpm::start_or_skip("activate") else {
        return;
    };
    let mut b = tpm.backend();
    for (kind, ak_spec) in [
        (EkKind::Rsa2048, AkSpec::default()),
        (
            EkKind::EccP384,
            AkSpec {
                ek: EkKind::EccP384,
                ..AkSpec::rsa()
            },
        ),
    ] {
        let ek = b.read_ek(kind).unwrap();
        let ak = b.create_ak(&ak_spec).unwrap();
        let secret = b"a fresh 32-byte activation secret";
        let made = make_credential(
            default_provider(),
            &ek.public,
            &ak.public().name(),
            &secret[..32],
        )
        .unwrap();
        let got = b
            .activate_credential(&ak, kind, &made.credential_blob, &made.encrypted_secret)
            .unwrap();
        check_activated(&secret[..32], &got).unwrap();
        // Made for another AK's Name: the TPM refuses (integrity check).
        let other = b.create_ak(&AkSpec::default()).unwrap();
        assert!(matches!(
            b.activate_credential(&other, kind, &made.credential_blob, &made.encrypted_secret),
            Err(Error::Backend {
                what: "TPM2_ActivateCredential",
                ..
            })
        ));
    }
    assert_eq!(b.transient_object_count().unwrap(), 1);
}

/// QN(AK) = H(QN(EK) || Name(AK)), QN(EK) = H(TPM_RH_ENDORSEMENT || Name(EK)) (Part 1, 16.6):
/// what a verifier that enrolled the AK through that EK pins qualifiedSigner to.
fn qualified_under_ek(ek: &aegis_core::tpm::Public, ak: &aegis_agent::TpmKey) -> Name {
    let qek = ek
        .name()
        .qualified_under(&Name::of_handle(0x4000_000B))
        .unwrap();
    ak.public().name().qualified_under(&qek).unwrap()
}

#[test]
fn ak_under_the_ek_signs_as_its_qualified_name_and_activates() {
    use aegis_core::credential::{check_activated, make_credential};
    let Some(tpm) = Swtpm::start_or_skip("ak-under-ek") else {
        return;
    };
    let mut b = tpm.backend();
    let app = b.create_app_key(&AppKeySpec::default()).unwrap();
    let sel = PcrSelection::new(&[(HashAlg::Sha256, &[0, 15])]).unwrap();
    let handle = 0x8101_0020;
    for (kind, other_kind, persist_at) in [
        (EkKind::Rsa2048, EkKind::EccP384, None),
        (EkKind::EccP384, EkKind::Rsa2048, None),
        (EkKind::EccP256, EkKind::Rsa2048, Some(handle)),
    ] {
        let ek = b.read_ek(kind).unwrap();
        let other_ek = b.read_ek(other_kind).unwrap();
        let ak = b
            .create_ak(&AkSpec {
                ek: kind,
                persist_at,
                ..AkSpec::default()
            })
            .unwrap();
        // A persistent AK is used from its handle, in a later context too.
        let ak = if persist_at.is_some() {
            drop(b);
            b = tpm.backend();
            let again = b.load_persistent(handle).unwrap();
            assert_eq!(again.public(), ak.public());
            again
        } else {
            ak
        };
        let vak = ak_of(&ak);
        let expected = qualified_under_ek(&ek.public, &ak);

        let mut qp = QuotePolicy::default();
        qp.attest.expected_signer = Some(expected.clone());
        let q = b.quote(&ak, &sel, b"quote nonce").unwrap();
        let vq = verify_quote(
            default_provider(),
            &vak,
            &q.attest,
            &q.signature,
            &q.pcrs,
            b"quote nonce",
            &qp,
        )
        .unwrap_or_else(|e| panic!("{kind:?}: quote refused: {e}"));
        assert_eq!(vq.qualified_signer(), &expected);

        let mut cp = CertifyPolicy::default();
        cp.attest.expected_signer = Some(expected.clone());
        let c = b.certify(&app, &ak, b"certify nonce").unwrap();
        let app_public = app.public().to_tpm2b();
        verify_certify(
            default_provider(),
            &vak,
            &app_public,
            &c.attest,
            &c.signature,
            b"certify nonce",
            &cp,
        )
        .unwrap_or_else(|e| panic!("{kind:?}: certify refused: {e}"));

        // A verifier that enrolled the TPM's other EK expects another signer: refused.
        qp.attest.expected_signer = Some(qualified_under_ek(&other_ek.public, &ak));
        assert_eq!(
            verify_quote(
                default_provider(),
                &vak,
                &q.attest,
                &q.signature,
                &q.pcrs,
                b"quote nonce",
                &qp
            )
            .unwrap_err(),
            Error::SignerMismatch
        );
        cp.attest.expected_signer = qp.attest.expected_signer.clone();
        assert_eq!(
            verify_certify(
                default_provider(),
                &vak,
                &app_public,
                &c.attest,
                &c.signature,
                b"certify nonce",
                &cp
            )
            .unwrap_err(),
            Error::SignerMismatch
        );

        // The AK still activates a credential made to the EK for its Name.
        let made = make_credential(
            default_provider(),
            &ek.public,
            &ak.public().name(),
            &[7; 32],
        )
        .unwrap();
        let got = b
            .activate_credential(&ak, kind, &made.credential_blob, &made.encrypted_secret)
            .unwrap();
        check_activated(&[7; 32], &got).unwrap();
        if persist_at.is_some() {
            b.evict_persistent(handle).unwrap();
        }
    }
    assert_eq!(
        b.transient_object_count().unwrap(),
        1,
        "EKs and sessions are flushed: only the SRK stays loaded"
    );
}

#[test]
fn location_evidence_in_pcr15_survives_an_agent_restart() {
    use aegis_agent::{record_location, LocationLogFile};
    use aegis_core::geo::{self, LocationEvent};
    let Some(tpm) = Swtpm::start_or_skip("geo") else {
        return;
    };
    let log_path = tpm.dir.join("location.log");
    let ak = {
        let mut b = tpm.backend();
        let ak = b.create_ak(&AkSpec::default()).unwrap();
        let mut log = LocationLogFile::open(&log_path).unwrap();
        for (i, nonce) in [b"first", b"secnd"].iter().enumerate() {
            let e = LocationEvent {
                latitude: 40.0 + i as f64,
                ..LocationEvent::sample()
            };
            record_location(&mut b, &mut log, 15, HashAlg::Sha256, e, &nonce[..]).unwrap();
        }
        ak
    };
    // The agent restarts: new TPM context, log reopened from its file.
    let mut b = tpm.backend();
    let mut log = LocationLogFile::open(&log_path).unwrap();
    assert_eq!(log.records().len(), 2);
    record_location(
        &mut b,
        &mut log,
        15,
        HashAlg::Sha256,
        LocationEvent::sample(),
        b"attestation nonce",
    )
    .unwrap();
    let vq = quote_pcr15(&mut b, &ak, b"attestation nonce");
    let records = geo::parse_log(&std::fs::read(&log_path).unwrap()).unwrap();
    let v =
        geo::verify_location_log(&records, &vq, 15, HashAlg::Sha256, b"attestation nonce").unwrap();
    assert_eq!(v.records().len(), 3);
    assert_eq!(v.current(), &LocationEvent::sample());
    assert_eq!(
        geo::verify_location_log(
            &records[..2],
            &vq,
            15,
            HashAlg::Sha256,
            b"attestation nonce"
        )
        .unwrap_err(),
        Error::LocationLogMismatch
    );
}

#[test]
fn location_log_starts_afresh_after_a_tpm_reset() {
    use aegis_agent::{record_location, LocationLogFile};
    use aegis_core::geo::{self, LocationEvent};
    let Some(mut tpm) = Swtpm::start_or_skip("geo-reset") else {
        return;
    };
    let log_path = tpm.dir.join("location.log");
    {
        let mut b = tpm.backend();
        let mut log = LocationLogFile::open(&log_path).unwrap();
        for nonce in [&b"first"[..], b"second"] {
            let r = record_location(
                &mut b,
                &mut log,
                15,
                HashAlg::Sha256,
                LocationEvent::sample(),
                nonce,
            )
            .unwrap();
            assert_eq!(r.archived_log, None);
        }
    }
    let old_bytes = std::fs::read(&log_path).unwrap();

    // Reboot: the TPM is reset (PCR 15 back at zero; resetCount is not compared, as it is
    // obfuscated per key for a key outside the endorsement hierarchy); the agent restarts and
    // records again.
    tpm.restart();
    let mut b = tpm.backend();
    let ak = b.create_ak(&AkSpec::default()).unwrap();
    let mut log = LocationLogFile::open(&log_path).unwrap();
    assert_eq!(log.records().len(), 2);
    let r = record_location(
        &mut b,
        &mut log,
        15,
        HashAlg::Sha256,
        LocationEvent::sample(),
        b"after reset",
    )
    .unwrap();
    let archive = r.archived_log.expect("a new log after the reset");
    assert_eq!(std::fs::read(&archive).unwrap(), old_bytes);

    let vq = quote_pcr15(&mut b, &ak, b"after reset");
    let records = geo::parse_log(&std::fs::read(&log_path).unwrap()).unwrap();
    assert_eq!(records.len(), 1);
    geo::verify_location_log(&records, &vq, 15, HashAlg::Sha256, b"after reset").unwrap();
    let old = geo::parse_log(&old_bytes).unwrap();
    assert_eq!(
        geo::verify_location_log(&old, &vq, 15, HashAlg::Sha256, b"after reset").unwrap_err(),
        Error::LocationLogMismatch
    );
}

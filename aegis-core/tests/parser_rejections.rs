//! One test per parser rejection path (VERIFIER-CHECKS.md item 1) that the swtpm vectors do not
//! reach: each input is a valid structure with exactly one field broken, and the test asserts
//! that field's error variant.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use aegis_core::compat::{keylime, pcr_file, read_pcrs};
use aegis_core::tpm::{
    alg, Attest, EccCurve, EccParms, HashAlg, KeyParms, ObjectAttributes, PcrValues, Public,
    RsaParms, Scheme, Signature, SymDef,
};
use aegis_core::verify::{AttestationKey, KeyPolicy};
use aegis_core::Error;

const SIGN: u32 = ObjectAttributes::FIXED_TPM
    | ObjectAttributes::FIXED_PARENT
    | ObjectAttributes::SENSITIVE_DATA_ORIGIN
    | ObjectAttributes::SIGN_ENCRYPT;

fn rsa_public() -> Public {
    Public::build(
        HashAlg::Sha256,
        ObjectAttributes(SIGN),
        vec![],
        KeyParms::Rsa(RsaParms {
            symmetric: SymDef::Null,
            scheme: Scheme::RsaSsa(HashAlg::Sha256),
            key_bits: 2048,
            exponent: 0,
            modulus: vec![0xc5; 256],
        }),
    )
    .unwrap()
}

fn ecc_public() -> Public {
    Public::build(
        HashAlg::Sha256,
        ObjectAttributes(SIGN),
        vec![],
        KeyParms::Ecc(EccParms {
            symmetric: SymDef::Null,
            scheme: Scheme::Ecdsa(HashAlg::Sha256),
            curve: EccCurve::NistP256,
            kdf: None,
            x: vec![1; 32],
            y: vec![2; 32],
        }),
    )
    .unwrap()
}

/// TPMT_PUBLIC of `rsa_public()` byte offsets: type 0, nameAlg 2, attributes 4, authPolicy 8
/// (size 0), symmetric 10, scheme 12 (+hash 14), keyBits 16, exponent 18, modulus size 22.
fn rsa_with(offset: usize, bytes: &[u8]) -> Vec<u8> {
    let mut t = rsa_public().tpmt_bytes().to_vec();
    t[offset..offset + bytes.len()].copy_from_slice(bytes);
    t
}

fn err(r: Result<impl core::fmt::Debug, Error>) -> Error {
    r.expect_err("must be refused")
}

#[test]
fn public_name_alg_must_be_a_hash() {
    let e = err(Public::parse_tpmt(&rsa_with(2, &alg::NULL.to_be_bytes())));
    assert_eq!(
        e,
        Error::UnknownAlgorithm {
            what: "TPMT_PUBLIC.nameAlg",
            alg: alg::NULL
        }
    );
}

#[test]
fn public_reserved_attribute_bits_are_refused() {
    let e = err(Public::parse_tpmt(&rsa_with(
        4,
        &(SIGN | 1 << 3).to_be_bytes(),
    )));
    assert_eq!(
        e,
        Error::InvalidValue {
            what: "TPMA_OBJECT reserved bits set"
        }
    );
}

#[test]
fn public_auth_policy_longer_than_a_digest() {
    let mut t = rsa_public().tpmt_bytes()[..8].to_vec();
    t.extend_from_slice(&65u16.to_be_bytes());
    t.extend_from_slice(&[0; 65]);
    let e = err(Public::parse_tpmt(&t));
    assert_eq!(e.name(), "SizeOutOfRange");
}

#[test]
fn public_symmetric_definition_is_checked() {
    // AES with 100 key bits, AES with a mode other than CFB, an unknown symmetric algorithm.
    let aes = |bits: u16, mode: u16| {
        let t = rsa_public().tpmt_bytes().to_vec();
        let mut out = t[..10].to_vec();
        out.extend_from_slice(&alg::AES.to_be_bytes());
        out.extend_from_slice(&bits.to_be_bytes());
        out.extend_from_slice(&mode.to_be_bytes());
        out.extend_from_slice(&t[12..]);
        out
    };
    assert_eq!(
        err(Public::parse_tpmt(&aes(100, alg::CFB))),
        Error::InvalidValue {
            what: "TPMT_SYM_DEF_OBJECT.keyBits"
        }
    );
    assert_eq!(
        err(Public::parse_tpmt(&aes(128, 0x0044))).name(),
        "UnknownAlgorithm"
    );
    let e = err(Public::parse_tpmt(&rsa_with(10, &alg::XOR.to_be_bytes())));
    assert_eq!(
        e,
        Error::UnknownAlgorithm {
            what: "TPMT_SYM_DEF_OBJECT",
            alg: alg::XOR
        }
    );
}

#[test]
fn public_rsa_scheme_key_bits_and_modulus() {
    let e = err(Public::parse_tpmt(&rsa_with(12, &alg::ECDSA.to_be_bytes())));
    assert_eq!(
        e,
        Error::UnknownAlgorithm {
            what: "TPMT_RSA_SCHEME",
            alg: alg::ECDSA
        }
    );
    let e = err(Public::parse_tpmt(&rsa_with(16, &1000u16.to_be_bytes())));
    assert_eq!(
        e,
        Error::InvalidValue {
            what: "TPMS_RSA_PARMS.keyBits"
        }
    );
    let e = err(Public::parse_tpmt(&rsa_with(16, &3072u16.to_be_bytes())));
    assert_eq!(
        e,
        Error::InvalidValue {
            what: "RSA modulus length differs from keyBits"
        }
    );
}

#[test]
fn public_ecc_curve_kdf_and_point_size() {
    // ECC offsets: scheme 12 (+hash 14), curveID 16, kdf 18, x size 20.
    let ecc_with = |offset: usize, bytes: &[u8]| {
        let mut t = ecc_public().tpmt_bytes().to_vec();
        t[offset..offset + bytes.len()].copy_from_slice(bytes);
        t
    };
    let e = err(Public::parse_tpmt(&ecc_with(
        12,
        &alg::RSASSA.to_be_bytes(),
    )));
    assert_eq!(
        e,
        Error::UnknownAlgorithm {
            what: "TPMT_ECC_SCHEME",
            alg: alg::RSASSA
        }
    );
    let e = err(Public::parse_tpmt(&ecc_with(16, &0x0010u16.to_be_bytes())));
    assert_eq!(
        e,
        Error::UnknownAlgorithm {
            what: "TPMI_ECC_CURVE",
            alg: 0x0010
        }
    );
    let e = err(Public::parse_tpmt(&ecc_with(18, &alg::AES.to_be_bytes())));
    assert_eq!(
        e,
        Error::UnknownAlgorithm {
            what: "TPMT_KDF_SCHEME",
            alg: alg::AES
        }
    );
    let e = err(Public::parse_tpmt(&ecc_with(
        16,
        &EccCurve::NistP384.id().to_be_bytes(),
    )));
    assert_eq!(
        e,
        Error::InvalidValue {
            what: "ECC point size differs from the curve's"
        }
    );
}

#[test]
fn tpm2b_public_must_not_be_empty_or_trail() {
    assert_eq!(
        err(Public::parse_tpm2b(&[0, 0])),
        Error::InvalidValue {
            what: "TPM2B_PUBLIC is empty"
        }
    );
    let mut b = rsa_public().to_tpm2b();
    b.push(0);
    assert_eq!(err(Public::parse_tpm2b(&b)).name(), "TrailingBytes");
}

#[test]
fn signature_rejections() {
    let empty_rsa = [
        &alg::RSASSA.to_be_bytes()[..],
        &alg::SHA256.to_be_bytes(),
        &[0, 0],
    ]
    .concat();
    assert_eq!(
        err(Signature::parse(&empty_rsa)),
        Error::InvalidValue {
            what: "empty RSA signature"
        }
    );
    let bad_hash = [
        &alg::ECDSA.to_be_bytes()[..],
        &alg::AES.to_be_bytes(),
        &[0, 0, 0, 0],
    ]
    .concat();
    assert_eq!(
        err(Signature::parse(&bad_hash)),
        Error::UnknownAlgorithm {
            what: "TPMT_SIGNATURE.hash",
            alg: alg::AES
        }
    );
    let long_r = [
        &alg::ECDSA.to_be_bytes()[..],
        &alg::SHA256.to_be_bytes(),
        &67u16.to_be_bytes(),
        &[1; 67],
        &[0, 0],
    ]
    .concat();
    assert_eq!(err(Signature::parse(&long_r)).name(), "SizeOutOfRange");
}

/// A quote TPMS_ATTEST over sha256:0 with a 2-byte signer and 2-byte nonce: `safe` at offset 30,
/// the selection count at 39.
fn quote_attest_bytes() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&0xff54_4347u32.to_be_bytes());
    b.extend_from_slice(&0x8018u16.to_be_bytes());
    b.extend_from_slice(&[0, 2, 0xaa, 0xbb]); // qualifiedSigner
    b.extend_from_slice(&[0, 2, 0x01, 0x02]); // extraData
    b.extend_from_slice(&7u64.to_be_bytes()); // clock
    b.extend_from_slice(&1u32.to_be_bytes()); // resetCount
    b.extend_from_slice(&0u32.to_be_bytes()); // restartCount
    b.push(1); // safe
    b.extend_from_slice(&9u64.to_be_bytes()); // firmwareVersion
    b.extend_from_slice(&1u32.to_be_bytes()); // selection count
    b.extend_from_slice(&alg::SHA256.to_be_bytes());
    b.extend_from_slice(&[3, 1, 0, 0]);
    b.extend_from_slice(&[0, 32]);
    b.extend_from_slice(&[0x5a; 32]);
    b
}

#[test]
fn attest_fields_are_checked() {
    let ok = quote_attest_bytes();
    Attest::parse(&ok).unwrap();
    let mut unsafe_flag = ok.clone();
    unsafe_flag[30] = 2;
    assert_eq!(
        err(Attest::parse(&unsafe_flag)),
        Error::InvalidValue {
            what: "TPMS_CLOCK_INFO.safe is not YES or NO"
        }
    );
    // sizeofSelect 5, a PCR beyond 23, the same bank twice.
    let sel = 39;
    let wide = [
        &ok[..sel + 6],
        &[5u8][..],
        &[1, 0, 0, 0, 0],
        &ok[sel + 10..],
    ]
    .concat();
    assert_eq!(err(Attest::parse(&wide)).name(), "SizeOutOfRange");
    let beyond = [&ok[..sel + 6], &[4u8][..], &[1, 0, 0, 1], &ok[sel + 10..]].concat(); // PCR 24
    assert_eq!(
        err(Attest::parse(&beyond)),
        Error::InvalidValue {
            what: "PCR selected beyond PCR 23"
        }
    );
    let twice = [
        &ok[..sel],
        &2u32.to_be_bytes()[..],
        &ok[sel + 4..sel + 10],
        &ok[sel + 4..sel + 10],
        &ok[sel + 10..],
    ]
    .concat();
    assert_eq!(
        err(Attest::parse(&twice)),
        Error::InvalidValue {
            what: "bank listed twice in TPML_PCR_SELECTION"
        }
    );
}

#[test]
fn pcr_values_refuse_duplicates_and_out_of_range_indices() {
    let mut v = PcrValues::default();
    v.insert(HashAlg::Sha256, 15, vec![0; 32]).unwrap();
    assert_eq!(
        v.insert(HashAlg::Sha256, 15, vec![0; 32]),
        Err(Error::InvalidValue {
            what: "PCR value supplied twice"
        })
    );
    assert_eq!(
        v.insert(HashAlg::Sha256, 24, vec![0; 32]),
        Err(Error::InvalidValue {
            what: "PCR index must be below 24"
        })
    );
}

fn pcr_file_bytes() -> Vec<u8> {
    let mut v = PcrValues::default();
    v.insert(HashAlg::Sha256, 15, vec![0x33; 32]).unwrap();
    pcr_file::encode(&v).unwrap()
}

#[test]
fn pcr_file_rejections() {
    let ok = pcr_file_bytes();
    assert_eq!(read_pcrs(&ok).unwrap().len(), 1);
    let with = |at: usize, bytes: &[u8]| {
        let mut b = ok.clone();
        b[at..at + bytes.len()].copy_from_slice(bytes);
        b
    };
    assert_eq!(
        err(pcr_file::parse(&with(0, &17u32.to_le_bytes()))).name(),
        "CountOutOfRange"
    );
    assert_eq!(
        err(pcr_file::parse(&with(6, &[5]))).name(),
        "SizeOutOfRange"
    );
    assert_eq!(
        err(pcr_file::parse(&with(0, &2u32.to_le_bytes()))).name(),
        "UnknownAlgorithm"
    ); // an all-zero second bank
    let twice = with(0, &2u32.to_le_bytes());
    let twice = [&twice[..12], &twice[4..12], &twice[20..]].concat();
    assert_eq!(
        err(pcr_file::parse(&twice)),
        Error::InvalidValue {
            what: "PCR file lists a bank twice"
        }
    );
    assert_eq!(
        err(pcr_file::parse(&with(132, &2u32.to_le_bytes()))).name(),
        "CountOutOfRange"
    );
    let mut trailing = ok.clone();
    trailing.push(0);
    assert_eq!(err(pcr_file::parse(&trailing)).name(), "TrailingBytes");
    assert_eq!(
        err(pcr_file::parse(&with(136, &9u32.to_le_bytes()))).name(),
        "CountOutOfRange"
    );
    assert_eq!(
        err(pcr_file::parse(&with(140, &65u16.to_le_bytes()))).name(),
        "SizeOutOfRange"
    );
    assert_eq!(
        err(pcr_file::parse(&with(136, &0u32.to_le_bytes()))),
        Error::InvalidFormat {
            what: "PCR file holds a different number of values than it selects"
        }
    );
}

#[test]
fn keylime_quote_string_rejections() {
    assert_eq!(
        err(keylime::parse("AAAA:AAAA:AAAA")).name(),
        "InvalidFormat"
    );
    assert_eq!(
        err(keylime::parse("rAAAA:AAAA")),
        Error::InvalidFormat {
            what: "Keylime quote: PCR part"
        }
    );
    assert_eq!(
        err(keylime::parse("rAAAA:AAAA:AAAA:AAAA")),
        Error::InvalidFormat {
            what: "Keylime quote has more than three parts"
        }
    );
    assert_eq!(
        err(keylime::parse("r!!!!:AAAA:AAAA")),
        Error::InvalidFormat {
            what: "Keylime quote: TPMS_ATTEST part"
        }
    );
}

#[test]
fn bare_keys_are_checked_like_tpm_keys() {
    let spki = |p: &Public| aegis_core::compat::public_key_to_spki_der(p).unwrap();
    let policy = KeyPolicy::default();
    // RSA-1024, an exponent other than 65537, a curve off the allow-list.
    let small = Public::build(
        HashAlg::Sha256,
        ObjectAttributes(SIGN),
        vec![],
        KeyParms::Rsa(RsaParms {
            symmetric: SymDef::Null,
            scheme: Scheme::Null,
            key_bits: 1024,
            exponent: 0,
            modulus: vec![0xc5; 128],
        }),
    )
    .unwrap();
    let e = err(AttestationKey::from_bare_key_unchecked(
        &spki(&small),
        Scheme::RsaSsa(HashAlg::Sha256),
        &policy,
    ));
    assert_eq!(
        e,
        Error::KeyNotAllowed {
            what: "RSA key size"
        }
    );
    let e3 = Public::build(
        HashAlg::Sha256,
        ObjectAttributes(SIGN),
        vec![],
        KeyParms::Rsa(RsaParms {
            symmetric: SymDef::Null,
            scheme: Scheme::Null,
            key_bits: 2048,
            exponent: 3,
            modulus: vec![0xc5; 256],
        }),
    )
    .unwrap();
    let e = err(AttestationKey::from_bare_key_unchecked(
        &spki(&e3),
        Scheme::RsaSsa(HashAlg::Sha256),
        &policy,
    ));
    assert_eq!(
        e,
        Error::KeyNotAllowed {
            what: "RSA exponent other than 65537"
        }
    );
    let p521 = Public::build(
        HashAlg::Sha256,
        ObjectAttributes(SIGN),
        vec![],
        KeyParms::Ecc(EccParms {
            symmetric: SymDef::Null,
            scheme: Scheme::Null,
            curve: EccCurve::NistP521,
            kdf: None,
            x: vec![1; 66],
            y: vec![2; 66],
        }),
    )
    .unwrap();
    let e = err(AttestationKey::from_bare_key_unchecked(
        &spki(&p521),
        Scheme::Ecdsa(HashAlg::Sha256),
        &policy,
    ));
    assert_eq!(e, Error::KeyNotAllowed { what: "ECC curve" });
    // A TPM AK with exponent 3 fails the same allow-list.
    let ak_e3 = Public::build(
        HashAlg::Sha256,
        ObjectAttributes(SIGN | ObjectAttributes::RESTRICTED),
        vec![],
        KeyParms::Rsa(RsaParms {
            symmetric: SymDef::Null,
            scheme: Scheme::RsaSsa(HashAlg::Sha256),
            key_bits: 2048,
            exponent: 3,
            modulus: vec![0xc5; 256],
        }),
    )
    .unwrap();
    assert_eq!(
        err(AttestationKey::from_public(ak_e3, &policy)),
        Error::KeyNotAllowed {
            what: "RSA exponent other than 65537"
        }
    );
}

#[test]
fn spki_rejections() {
    let policy = KeyPolicy::default();
    let scheme = Scheme::Ecdsa(HashAlg::Sha256);
    let pem = |label: &str| {
        aegis_core::inspect::pem_encode(
            label,
            &aegis_core::compat::public_key_to_spki_der(&ecc_public()).unwrap(),
        )
    };
    let e = err(AttestationKey::from_bare_key_unchecked(
        pem("CERTIFICATE").as_bytes(),
        scheme,
        &policy,
    ));
    assert_eq!(
        e,
        Error::InvalidFormat {
            what: "PEM label is not PUBLIC KEY"
        }
    );
    let e = err(AttestationKey::from_bare_key_unchecked(
        &[0x30, 0x03, 0x02, 0x01, 0x00],
        scheme,
        &policy,
    ));
    assert_eq!(
        e,
        Error::InvalidFormat {
            what: "SubjectPublicKeyInfo DER"
        }
    );
    // A compressed point (0x02 prefix) instead of an uncompressed one.
    let mut der = aegis_core::compat::public_key_to_spki_der(&ecc_public()).unwrap();
    let at = der.len() - 65;
    assert_eq!(der[at], 0x04);
    der[at] = 0x02;
    let e = err(AttestationKey::from_bare_key_unchecked(
        &der, scheme, &policy,
    ));
    assert_eq!(
        e,
        Error::InvalidFormat {
            what: "EC point is not uncompressed for its curve"
        }
    );
}

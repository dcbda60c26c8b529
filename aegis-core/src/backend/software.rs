//! A software TPM backend: real TPM 2.0 wire formats, keys in process memory.
//!
//! INSECURE BY DESIGN. Nothing here is protected by hardware: the "TPM" is this process, its
//! keys can be read by anyone who can read its memory, and its attestations prove only that
//! this code ran. It exists for tests and for the no-TPM case. Its EK certificate is
//! self-signed (no manufacturer chain), so a verifier with a manufacturer trust store refuses
//! it, as it must.
//!
//! What it does like a TPM: TPMT_PUBLIC / TPMS_ATTEST / TPMT_SIGNATURE encodings, Names and
//! qualified Names, PCR banks (SHA-1, SHA-256, SHA-384; PCRs 17-22 start at all ones as on a
//! PC Client TPM), TPM2_ActivateCredential for its RSA-2048 EK (TCG Part 1, 24: OAEP label
//! "IDENTITY", KDFa "STORAGE" / "INTEGRITY", AES-128-CFB), and the restricted-key rule of
//! TPM2_Hash (no ticket for data starting with TPM_GENERATED_VALUE).

use std::collections::BTreeMap;
use std::time::Instant;

use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::{Padding, Rsa};
use openssl::sign::RsaPssSaltlen;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{
    check_not_tpm_generated, check_sign_scheme, strip_tpm2b, AkSpec, AppKeySpec, AttestEvidence,
    BackendInfo, EkInfo, EkKind, KeyAlg, KeyLocation, QuoteEvidence, TpmBackend, TpmKey,
};
use crate::error::{Error, Result};
use crate::tpm::{
    alg, st, Attest, AttestInfo, CertifyInfo, ClockInfo, EccCurve, EccParms, HashAlg, KeyParms,
    Name, ObjectAttributes, PcrSelection, PcrValues, Public, QuoteInfo, RsaParms, Scheme, SymDef,
    PCR_COUNT,
};

/// EK Credential Profile, B.3.3: PolicyA for SHA-256 (PolicySecret(TPM_RH_ENDORSEMENT)).
const POLICY_A_SHA256: [u8; 32] = [
    0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
    0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa,
];
/// TPM_RH_OWNER: the hierarchy the software keys are taken to live in (qualified Names).
const TPM_RH_OWNER: u32 = 0x4000_0001;
/// Prefix of the software backend's private "blobs" (references into its memory).
const BLOB_TAG: &[u8] = b"aegis-insecure-software-key:";
/// Banks the software TPM keeps.
const BANKS: [HashAlg; 3] = [HashAlg::Sha1, HashAlg::Sha256, HashAlg::Sha384];

fn ossl(what: &'static str) -> impl Fn(openssl::error::ErrorStack) -> Error {
    move |e| Error::Backend {
        what,
        detail: e.to_string(),
    }
}

/// An in-memory, INSECURE software TPM. See the module documentation.
pub struct SoftwareTpm {
    ek: PKey<Private>,
    ek_public: Public,
    ek_cert: Vec<u8>,
    keys: BTreeMap<Vec<u8>, (Public, PKey<Private>)>,
    persistent: BTreeMap<u32, Vec<u8>>,
    pcrs: BTreeMap<HashAlg, Vec<Vec<u8>>>,
    started: Instant,
    next_id: u64,
}

impl core::fmt::Debug for SoftwareTpm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SoftwareTpm")
            .field("insecure", &true)
            .field("ek", &self.ek_public.name())
            .field("keys", &self.keys.len())
            .field("persistent", &self.persistent.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl SoftwareTpm {
    /// A fresh software TPM: new RSA-2048 EK with a self-signed certificate, PCRs at their
    /// reset values. INSECURE (see the module documentation).
    pub fn new_insecure() -> Result<Self> {
        let rsa = Rsa::generate(2048).map_err(ossl("generate EK"))?;
        let ek = PKey::from_rsa(rsa).map_err(ossl("EK key"))?;
        let ek_public = rsa_public(
            &ek,
            ObjectAttributes(
                ObjectAttributes::FIXED_TPM
                    | ObjectAttributes::FIXED_PARENT
                    | ObjectAttributes::SENSITIVE_DATA_ORIGIN
                    | ObjectAttributes::ADMIN_WITH_POLICY
                    | ObjectAttributes::RESTRICTED
                    | ObjectAttributes::DECRYPT,
            ),
            POLICY_A_SHA256.to_vec(),
            SymDef::Aes {
                key_bits: 128,
                mode: alg::CFB,
            },
            Scheme::Null,
        )?;
        let ek_cert = self_signed_ek_certificate(&ek)?;
        let mut pcrs = BTreeMap::new();
        for bank in BANKS {
            let values = (0..PCR_COUNT)
                .map(|i| {
                    let fill = if (17..=22).contains(&i) { 0xff } else { 0x00 };
                    vec![fill; bank.digest_size()]
                })
                .collect();
            pcrs.insert(bank, values);
        }
        Ok(SoftwareTpm {
            ek,
            ek_public,
            ek_cert,
            keys: BTreeMap::new(),
            persistent: BTreeMap::new(),
            pcrs,
            started: Instant::now(),
            next_id: 0,
        })
    }

    fn new_key(
        &mut self,
        alg: KeyAlg,
        attributes: ObjectAttributes,
        scheme: Scheme,
    ) -> Result<TpmKey> {
        let (pkey, public) = match alg {
            KeyAlg::Rsa2048 => {
                let k = PKey::from_rsa(Rsa::generate(2048).map_err(ossl("generate RSA key"))?)
                    .map_err(ossl("RSA key"))?;
                let p = rsa_public(&k, attributes, Vec::new(), SymDef::Null, scheme)?;
                (k, p)
            }
            KeyAlg::EccP256 | KeyAlg::EccP384 => {
                let (nid, curve) = if alg == KeyAlg::EccP256 {
                    (Nid::X9_62_PRIME256V1, EccCurve::NistP256)
                } else {
                    (Nid::SECP384R1, EccCurve::NistP384)
                };
                let group = EcGroup::from_curve_name(nid).map_err(ossl("EC group"))?;
                let ec = EcKey::generate(&group).map_err(ossl("generate EC key"))?;
                let mut ctx = BigNumContext::new().map_err(ossl("bn ctx"))?;
                let mut x = BigNum::new().map_err(ossl("bn"))?;
                let mut y = BigNum::new().map_err(ossl("bn"))?;
                ec.public_key()
                    .affine_coordinates(&group, &mut x, &mut y, &mut ctx)
                    .map_err(ossl("EC point"))?;
                let n = curve.coordinate_size() as i32;
                let parms = KeyParms::Ecc(EccParms {
                    symmetric: SymDef::Null,
                    scheme,
                    curve,
                    kdf: None,
                    x: x.to_vec_padded(n).map_err(ossl("EC x"))?,
                    y: y.to_vec_padded(n).map_err(ossl("EC y"))?,
                });
                let p = Public::build(HashAlg::Sha256, attributes, Vec::new(), parms)?;
                (PKey::from_ec_key(ec).map_err(ossl("EC key"))?, p)
            }
        };
        self.next_id += 1;
        let mut id = BLOB_TAG.to_vec();
        id.extend_from_slice(&self.next_id.to_be_bytes());
        let mut nonce = [0u8; 16];
        openssl::rand::rand_bytes(&mut nonce).map_err(ossl("random"))?;
        id.extend_from_slice(&nonce);
        self.keys.insert(id.clone(), (public.clone(), pkey));
        Ok(TpmKey::new(public, KeyLocation::Blob(id)))
    }

    fn persist(&mut self, key: TpmKey, at: Option<u32>) -> Result<TpmKey> {
        let Some(handle) = at else { return Ok(key) };
        if self.persistent.contains_key(&handle) {
            return Err(Error::Backend {
                what: "persist key",
                detail: format!("handle 0x{handle:08x} is in use"),
            });
        }
        let KeyLocation::Blob(id) = key.location() else {
            return Err(Error::InvalidArgument {
                what: "key is already persistent",
            });
        };
        self.persistent.insert(handle, id.clone());
        Ok(TpmKey::new(
            key.public().clone(),
            KeyLocation::Persistent(handle),
        ))
    }

    fn private(&self, key: &TpmKey) -> Result<&PKey<Private>> {
        let id = match key.location() {
            KeyLocation::Blob(id) => id,
            KeyLocation::Persistent(h) => self.persistent.get(h).ok_or(Error::Backend {
                what: "load key",
                detail: format!("no persistent key at 0x{h:08x}"),
            })?,
        };
        let (public, pkey) = self.keys.get(id).ok_or(Error::Backend {
            what: "load key",
            detail: "key blob not made by this software TPM".to_owned(),
        })?;
        if public != key.public() {
            return Err(Error::Backend {
                what: "load key",
                detail: "public area does not match the blob".to_owned(),
            });
        }
        Ok(pkey)
    }

    fn clock_info(&self) -> ClockInfo {
        ClockInfo {
            clock: self.started.elapsed().as_millis() as u64,
            reset_count: 0,
            restart_count: 0,
            safe: true,
        }
    }

    fn sign_with(
        &self,
        key: &TpmKey,
        digest: &[u8],
        scheme: Scheme,
    ) -> Result<crate::tpm::Signature> {
        let pkey = self.private(key)?;
        let hash = check_sign_scheme(key.public(), digest, scheme)?;
        match scheme {
            Scheme::Ecdsa(_) => {
                let ec = pkey.ec_key().map_err(ossl("EC key"))?;
                let sig = EcdsaSig::sign(digest, &ec).map_err(ossl("ECDSA sign"))?;
                let n = match &key.public().parms {
                    KeyParms::Ecc(p) => p.curve.coordinate_size() as i32,
                    KeyParms::Rsa(_) => {
                        return Err(Error::InvalidArgument {
                            what: "ECDSA with an RSA key",
                        })
                    }
                };
                Ok(crate::tpm::Signature::Ecdsa {
                    hash,
                    r: sig.r().to_vec_padded(n).map_err(ossl("ECDSA r"))?,
                    s: sig.s().to_vec_padded(n).map_err(ossl("ECDSA s"))?,
                })
            }
            Scheme::RsaSsa(_) | Scheme::RsaPss(_) => {
                let mut ctx = PkeyCtx::new(pkey).map_err(ossl("RSA ctx"))?;
                ctx.sign_init().map_err(ossl("RSA sign init"))?;
                ctx.set_signature_md(md_ref(hash)).map_err(ossl("RSA md"))?;
                let pss = matches!(scheme, Scheme::RsaPss(_));
                if pss {
                    ctx.set_rsa_padding(Padding::PKCS1_PSS)
                        .map_err(ossl("RSA PSS"))?;
                    ctx.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)
                        .map_err(ossl("PSS salt"))?;
                } else {
                    ctx.set_rsa_padding(Padding::PKCS1)
                        .map_err(ossl("RSA PKCS1"))?;
                }
                let mut sig = Vec::new();
                ctx.sign_to_vec(digest, &mut sig)
                    .map_err(ossl("RSA sign"))?;
                Ok(if pss {
                    crate::tpm::Signature::RsaPss { hash, sig }
                } else {
                    crate::tpm::Signature::RsaSsa { hash, sig }
                })
            }
            _ => Err(Error::InvalidArgument {
                what: "signing scheme must be ECDSA, RSASSA or RSAPSS",
            }),
        }
    }

    /// The Name of `key` qualified as a child of the owner hierarchy (Part 1, 16: QN).
    fn qualified_name(public: &Public) -> Name {
        let name = public.name();
        let mut qn = public.name_alg.alg_id().to_be_bytes().to_vec();
        qn.extend_from_slice(
            &public
                .name_alg
                .digest_parts(&[&TPM_RH_OWNER.to_be_bytes(), name.as_bytes()]),
        );
        Name::from_bytes(&qn)
    }

    fn check_ak(key: &TpmKey) -> Result<Scheme> {
        let a = key.public().attributes;
        if !a.has(ObjectAttributes::RESTRICTED | ObjectAttributes::SIGN_ENCRYPT) {
            return Err(Error::InvalidArgument {
                what: "not a restricted signing key",
            });
        }
        Ok(key.public().scheme())
    }

    fn attest(
        &self,
        ak: &TpmKey,
        extra_data: &[u8],
        attest_type: u16,
        info: AttestInfo,
    ) -> Result<AttestEvidence> {
        let scheme = Self::check_ak(ak)?;
        if extra_data.len() > 64 {
            return Err(Error::SizeOutOfRange {
                what: "qualifying data",
                size: extra_data.len(),
                max: 64,
            });
        }
        let attest = Attest::build(
            attest_type,
            Self::qualified_name(ak.public()),
            extra_data.to_vec(),
            self.clock_info(),
            0x2023_0001_0000_0000,
            info,
        )?;
        let hash = scheme.hash().ok_or(Error::InvalidArgument {
            what: "AK without a scheme hash",
        })?;
        let sig = self.sign_with(ak, &hash.digest(attest.as_bytes()), scheme)?;
        Ok(AttestEvidence {
            attest: attest.as_bytes().to_vec(),
            signature: sig.encode(),
        })
    }
}

fn message_digest(h: HashAlg) -> MessageDigest {
    match h {
        HashAlg::Sha1 => MessageDigest::sha1(),
        HashAlg::Sha256 => MessageDigest::sha256(),
        HashAlg::Sha384 => MessageDigest::sha384(),
        HashAlg::Sha512 => MessageDigest::sha512(),
    }
}

fn md_ref(h: HashAlg) -> &'static openssl::md::MdRef {
    match h {
        HashAlg::Sha1 => openssl::md::Md::sha1(),
        HashAlg::Sha256 => openssl::md::Md::sha256(),
        HashAlg::Sha384 => openssl::md::Md::sha384(),
        HashAlg::Sha512 => openssl::md::Md::sha512(),
    }
}

fn rsa_public(
    k: &PKey<Private>,
    attributes: ObjectAttributes,
    policy: Vec<u8>,
    symmetric: SymDef,
    scheme: Scheme,
) -> Result<Public> {
    let rsa = k.rsa().map_err(ossl("RSA key"))?;
    let parms = KeyParms::Rsa(RsaParms {
        symmetric,
        scheme,
        key_bits: 2048,
        exponent: 0,
        modulus: rsa.n().to_vec_padded(256).map_err(ossl("RSA modulus"))?,
    });
    Public::build(HashAlg::Sha256, attributes, policy, parms)
}

/// A self-signed certificate for the software EK: no manufacturer signed it.
fn self_signed_ek_certificate(ek: &PKey<Private>) -> Result<Vec<u8>> {
    use openssl::asn1::Asn1Time;
    use openssl::x509::{X509Builder, X509NameBuilder};
    let e = ossl("EK certificate");
    let mut name = X509NameBuilder::new().map_err(&e)?;
    name.append_entry_by_text("O", "Aegis").map_err(&e)?;
    name.append_entry_by_text("CN", "INSECURE Aegis software TPM EK (no manufacturer)")
        .map_err(&e)?;
    let name = name.build();
    let mut b = X509Builder::new().map_err(&e)?;
    b.set_version(2).map_err(&e)?;
    let serial = BigNum::from_u32(1)
        .and_then(|n| n.to_asn1_integer())
        .map_err(&e)?;
    b.set_serial_number(&serial).map_err(&e)?;
    b.set_subject_name(&name).map_err(&e)?;
    b.set_issuer_name(&name).map_err(&e)?;
    b.set_pubkey(ek).map_err(&e)?;
    let not_before = Asn1Time::days_from_now(0).map_err(&e)?;
    let not_after = Asn1Time::days_from_now(365).map_err(&e)?;
    b.set_not_before(&not_before).map_err(&e)?;
    b.set_not_after(&not_after).map_err(&e)?;
    b.sign(ek, MessageDigest::sha256()).map_err(&e)?;
    b.build().to_der().map_err(&e)
}

/// KDFa (TCG Part 1, 11.4.10.2; SP 800-108 counter mode with HMAC).
fn kdfa(
    hash: HashAlg,
    key: &[u8],
    label: &[u8],
    context_u: &[u8],
    context_v: &[u8],
    bits: u32,
) -> Result<Zeroizing<Vec<u8>>> {
    let md = message_digest(hash);
    let bytes = bits.div_ceil(8) as usize;
    let mut out = Zeroizing::new(Vec::with_capacity(bytes + hash.digest_size()));
    let mut counter: u32 = 1;
    let hkey = PKey::hmac(key).map_err(ossl("HMAC key"))?;
    while out.len() < bytes {
        let mut s = openssl::sign::Signer::new(md, &hkey).map_err(ossl("HMAC"))?;
        s.update(&counter.to_be_bytes()).map_err(ossl("HMAC"))?;
        s.update(label).map_err(ossl("HMAC"))?;
        if label.last() != Some(&0) {
            s.update(&[0]).map_err(ossl("HMAC"))?;
        }
        s.update(context_u).map_err(ossl("HMAC"))?;
        s.update(context_v).map_err(ossl("HMAC"))?;
        s.update(&bits.to_be_bytes()).map_err(ossl("HMAC"))?;
        out.extend_from_slice(&s.sign_to_vec().map_err(ossl("HMAC"))?);
        counter += 1;
    }
    out.truncate(bytes);
    Ok(out)
}

fn hmac(hash: HashAlg, key: &[u8], parts: &[&[u8]]) -> Result<Vec<u8>> {
    let hkey = PKey::hmac(key).map_err(ossl("HMAC key"))?;
    let mut s = openssl::sign::Signer::new(message_digest(hash), &hkey).map_err(ossl("HMAC"))?;
    for p in parts {
        s.update(p).map_err(ossl("HMAC"))?;
    }
    s.sign_to_vec().map_err(ossl("HMAC"))
}

impl TpmBackend for SoftwareTpm {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            name: "software (INSECURE)",
            hardware_protected: false,
        }
    }

    fn read_ek(&mut self, kind: EkKind) -> Result<EkInfo> {
        if kind != EkKind::Rsa2048 {
            return Err(Error::InvalidArgument {
                what: "the software TPM has an RSA-2048 EK only",
            });
        }
        Ok(EkInfo {
            kind,
            public: self.ek_public.clone(),
            certificate: Some(self.ek_cert.clone()),
        })
    }

    fn create_ak(&mut self, spec: &AkSpec) -> Result<TpmKey> {
        spec.check()?;
        let attrs = ObjectAttributes(
            ObjectAttributes::FIXED_TPM
                | ObjectAttributes::FIXED_PARENT
                | ObjectAttributes::SENSITIVE_DATA_ORIGIN
                | ObjectAttributes::USER_WITH_AUTH
                | ObjectAttributes::RESTRICTED
                | ObjectAttributes::SIGN_ENCRYPT,
        );
        let key = self.new_key(spec.alg, attrs, spec.scheme)?;
        self.persist(key, spec.persist_at)
    }

    fn create_app_key(&mut self, spec: &AppKeySpec) -> Result<TpmKey> {
        super::check_persistent(spec.persist_at)?;
        let attrs = ObjectAttributes(
            ObjectAttributes::FIXED_TPM
                | ObjectAttributes::FIXED_PARENT
                | ObjectAttributes::SENSITIVE_DATA_ORIGIN
                | ObjectAttributes::USER_WITH_AUTH
                | ObjectAttributes::SIGN_ENCRYPT,
        );
        let key = self.new_key(spec.alg, attrs, Scheme::Null)?;
        self.persist(key, spec.persist_at)
    }

    fn load_persistent(&mut self, handle: u32) -> Result<TpmKey> {
        let id = self.persistent.get(&handle).ok_or(Error::Backend {
            what: "load persistent key",
            detail: format!("no key at 0x{handle:08x}"),
        })?;
        let (public, _) = self.keys.get(id).ok_or(Error::Backend {
            what: "load persistent key",
            detail: "dangling handle".to_owned(),
        })?;
        Ok(TpmKey::new(public.clone(), KeyLocation::Persistent(handle)))
    }

    fn evict_persistent(&mut self, handle: u32) -> Result<()> {
        self.persistent
            .remove(&handle)
            .map(|_| ())
            .ok_or(Error::Backend {
                what: "evict persistent key",
                detail: format!("no key at 0x{handle:08x}"),
            })
    }

    fn activate_credential(
        &mut self,
        ak: &TpmKey,
        ek: EkKind,
        credential_blob: &[u8],
        encrypted_secret: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        if ek != EkKind::Rsa2048 {
            return Err(Error::InvalidArgument {
                what: "the software TPM has an RSA-2048 EK only",
            });
        }
        self.private(ak)?;
        let fail = |detail: &str| Error::Backend {
            what: "activate credential",
            detail: detail.to_owned(),
        };
        // Part 1, 24.4 (RSA): seed = RSA-OAEP-decrypt(EK, label "IDENTITY\0").
        let mut ctx = PkeyCtx::new(&self.ek).map_err(ossl("OAEP ctx"))?;
        ctx.decrypt_init().map_err(ossl("OAEP init"))?;
        ctx.set_rsa_padding(Padding::PKCS1_OAEP)
            .map_err(ossl("OAEP"))?;
        ctx.set_rsa_oaep_md(openssl::md::Md::sha256())
            .map_err(ossl("OAEP md"))?;
        ctx.set_rsa_mgf1_md(openssl::md::Md::sha256())
            .map_err(ossl("OAEP mgf1"))?;
        ctx.set_rsa_oaep_label(b"IDENTITY\0")
            .map_err(ossl("OAEP label"))?;
        let mut seed = Zeroizing::new(Vec::new());
        ctx.decrypt_to_vec(strip_tpm2b(encrypted_secret), &mut seed)
            .map_err(|_| fail("TPM_RC_VALUE: secret does not decrypt with this EK"))?;
        let name_alg = self.ek_public.name_alg;
        let ak_name = ak.public().name();
        // TPM2B_ID_OBJECT: integrityHMAC (TPM2B_DIGEST) || encIdentity.
        let blob = strip_tpm2b(credential_blob);
        let (size, rest) = blob
            .split_at_checked(2)
            .ok_or_else(|| fail("credential blob truncated"))?;
        let hmac_len = usize::from(u16::from_be_bytes([
            size.first().copied().unwrap_or(0),
            size.get(1).copied().unwrap_or(0),
        ]));
        let (integrity, enc_identity) = rest
            .split_at_checked(hmac_len)
            .ok_or_else(|| fail("credential blob truncated"))?;
        let hmac_key = kdfa(
            name_alg,
            &seed,
            b"INTEGRITY",
            &[],
            &[],
            name_alg.digest_size() as u32 * 8,
        )?;
        let expected = hmac(name_alg, &hmac_key, &[enc_identity, ak_name.as_bytes()])?;
        if !bool::from(expected.as_slice().ct_eq(integrity)) {
            return Err(fail(
                "TPM_RC_INTEGRITY: credential is not for this AK and EK",
            ));
        }
        let sym_key = kdfa(name_alg, &seed, b"STORAGE", ak_name.as_bytes(), &[], 128)?;
        let plain = Zeroizing::new(
            openssl::symm::decrypt(
                openssl::symm::Cipher::aes_128_cfb128(),
                &sym_key,
                Some(&[0u8; 16]),
                enc_identity,
            )
            .map_err(ossl("AES-CFB"))?,
        );
        let (len, cred) = plain
            .split_at_checked(2)
            .ok_or_else(|| fail("credential truncated"))?;
        let len = usize::from(u16::from_be_bytes([
            len.first().copied().unwrap_or(0),
            len.get(1).copied().unwrap_or(0),
        ]));
        if len != cred.len() {
            return Err(fail("TPM_RC_SIZE: credential size"));
        }
        Ok(Zeroizing::new(cred.to_vec()))
    }

    fn certify(
        &mut self,
        key: &TpmKey,
        ak: &TpmKey,
        qualifying_data: &[u8],
    ) -> Result<AttestEvidence> {
        self.private(key)?;
        let info = AttestInfo::Certify(CertifyInfo {
            name: key.public().name(),
            qualified_name: Self::qualified_name(key.public()),
        });
        self.attest(ak, qualifying_data, st::ATTEST_CERTIFY, info)
    }

    fn quote(
        &mut self,
        ak: &TpmKey,
        selection: &PcrSelection,
        nonce: &[u8],
    ) -> Result<QuoteEvidence> {
        let hash = Self::check_ak(ak)?.hash().ok_or(Error::InvalidArgument {
            what: "AK without a scheme hash",
        })?;
        let pcrs = self.pcr_read(selection)?;
        let mut concatenated = Vec::new();
        for bank in &selection.banks {
            for i in bank.indices() {
                concatenated.extend_from_slice(pcrs.get(bank.hash, i).unwrap_or_default());
            }
        }
        let info = AttestInfo::Quote(QuoteInfo {
            pcr_select: selection.clone(),
            pcr_digest: hash.digest(&concatenated),
        });
        let ev = self.attest(ak, nonce, st::ATTEST_QUOTE, info)?;
        Ok(QuoteEvidence {
            attest: ev.attest,
            signature: ev.signature,
            pcrs,
        })
    }

    fn pcr_read(&mut self, selection: &PcrSelection) -> Result<PcrValues> {
        let mut out = PcrValues::default();
        for bank in &selection.banks {
            let values = self.pcrs.get(&bank.hash).ok_or(Error::Backend {
                what: "PCR read",
                detail: format!("no {} bank", bank.hash.name()),
            })?;
            for i in bank.indices() {
                let v = values
                    .get(usize::from(i))
                    .ok_or(Error::InvalidArgument { what: "PCR index" })?;
                out.insert(bank.hash, i, v.clone())?;
            }
        }
        Ok(out)
    }

    fn pcr_extend(&mut self, index: u8, digests: &[(HashAlg, Vec<u8>)]) -> Result<()> {
        if index >= PCR_COUNT {
            return Err(Error::InvalidArgument {
                what: "PCR index must be below 24",
            });
        }
        for (bank, d) in digests {
            if d.len() != bank.digest_size() {
                return Err(Error::InvalidArgument {
                    what: "extend digest size differs from the bank's",
                });
            }
            if !self.pcrs.contains_key(bank) {
                return Err(Error::Backend {
                    what: "PCR extend",
                    detail: format!("no {} bank", bank.name()),
                });
            }
        }
        for (bank, d) in digests {
            if let Some(v) = self
                .pcrs
                .get_mut(bank)
                .and_then(|b| b.get_mut(usize::from(index)))
            {
                *v = bank.digest_parts(&[v, d]);
            }
        }
        Ok(())
    }

    fn sign_digest(&mut self, key: &TpmKey, digest: &[u8], scheme: Scheme) -> Result<Vec<u8>> {
        if key.public().attributes.has(ObjectAttributes::RESTRICTED) {
            return Err(Error::InvalidArgument {
                what: "a restricted key signs only through sign_restricted",
            });
        }
        Ok(self.sign_with(key, digest, scheme)?.encode())
    }

    fn sign_restricted(&mut self, key: &TpmKey, data: &[u8]) -> Result<Vec<u8>> {
        let scheme = Self::check_ak(key)?;
        // TPM2_Hash gives a NULL ticket for such data, and TPM2_Sign then refuses.
        check_not_tpm_generated(data)?;
        let hash = scheme.hash().ok_or(Error::InvalidArgument {
            what: "AK without a scheme hash",
        })?;
        Ok(self.sign_with(key, &hash.digest(data), scheme)?.encode())
    }
}

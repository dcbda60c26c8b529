//! Keys of the software TPM: creation (as TPM2_Create, TPM 2.0 Part 3, 12.1), persistence (as
//! TPM2_EvictControl, 28.5), loading by handle (as TPM2_ReadPublic, 12.4) and digest signing
//! (as TPM2_Sign, 20.2), all in process memory. INSECURE (see the parent module).

use aegis_core::error::{Error, Result};
use aegis_core::tpm::{
    EccCurve, EccParms, HashAlg, KeyParms, ObjectAttributes, Public, RsaParms, Scheme, Signature,
    SymDef,
};
use openssl::bn::{BigNum, BigNumContext};
use openssl::ec::{EcGroup, EcKey};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::{Padding, Rsa};
use openssl::sign::RsaPssSaltlen;

use super::{ossl, SoftwareTpm};
use crate::backend::{check_sign_scheme, KeyAlg, KeyLocation, KeyParent, TpmKey};

/// Prefix of the software backend's private "blobs" (references into its memory).
const BLOB_TAG: &[u8] = b"aegis-insecure-software-key:";

impl SoftwareTpm {
    /// TPM2_Create under `parent`: a fresh key pair with these attributes and scheme, its blob a
    /// reference into this process's memory.
    pub(super) fn new_key(
        &mut self,
        alg: KeyAlg,
        attributes: ObjectAttributes,
        scheme: Scheme,
        parent: KeyParent,
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
        self.keys.insert(id.clone(), (public.clone(), pkey, parent));
        Ok(TpmKey::new(
            public,
            KeyLocation::Blob {
                private: id,
                parent,
            },
        ))
    }

    /// TPM2_EvictControl: makes `key` persistent at `at`, if given.
    pub(super) fn persist(&mut self, key: TpmKey, at: Option<u32>) -> Result<TpmKey> {
        let Some(handle) = at else { return Ok(key) };
        if self.persistent.contains_key(&handle) {
            return Err(Error::Backend {
                what: "persist key",
                detail: format!("handle 0x{handle:08x} is in use"),
            });
        }
        let KeyLocation::Blob { private: id, .. } = key.location() else {
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

    /// The private key of `key` and its parent (as TPM2_Load would check: the public area must
    /// match).
    pub(super) fn loaded(&self, key: &TpmKey) -> Result<(&PKey<Private>, KeyParent)> {
        let id = match key.location() {
            KeyLocation::Blob { private: id, .. } => id,
            KeyLocation::Persistent(h) => self.persistent.get(h).ok_or(Error::Backend {
                what: "load key",
                detail: format!("no persistent key at 0x{h:08x}"),
            })?,
        };
        let (public, pkey, parent) = self.keys.get(id).ok_or(Error::Backend {
            what: "load key",
            detail: "key blob not made by this software TPM".to_owned(),
        })?;
        if public != key.public() {
            return Err(Error::Backend {
                what: "load key",
                detail: "public area does not match the blob".to_owned(),
            });
        }
        Ok((pkey, *parent))
    }

    /// The private key of `key` (as TPM2_Load would check: the public area must match).
    pub(super) fn private(&self, key: &TpmKey) -> Result<&PKey<Private>> {
        Ok(self.loaded(key)?.0)
    }

    /// The key persisted at `handle` (TPM2_ReadPublic on a persistent handle).
    pub(super) fn persistent_key(&self, handle: u32) -> Result<TpmKey> {
        let id = self.persistent.get(&handle).ok_or(Error::Backend {
            what: "load persistent key",
            detail: format!("no key at 0x{handle:08x}"),
        })?;
        let (public, ..) = self.keys.get(id).ok_or(Error::Backend {
            what: "load persistent key",
            detail: "dangling handle".to_owned(),
        })?;
        Ok(TpmKey::new(public.clone(), KeyLocation::Persistent(handle)))
    }

    /// TPM2_EvictControl of a persistent key: the handle goes, the key blob stays usable.
    pub(super) fn evict(&mut self, handle: u32) -> Result<()> {
        self.persistent
            .remove(&handle)
            .map(|_| ())
            .ok_or(Error::Backend {
                what: "evict persistent key",
                detail: format!("no key at 0x{handle:08x}"),
            })
    }

    /// TPM2_Sign: `digest` under `scheme`, which must fit the key (type, fixed scheme, digest
    /// length).
    pub(super) fn sign_with(
        &self,
        key: &TpmKey,
        digest: &[u8],
        scheme: Scheme,
    ) -> Result<Signature> {
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
                Ok(Signature::Ecdsa {
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
                    Signature::RsaPss { hash, sig }
                } else {
                    Signature::RsaSsa { hash, sig }
                })
            }
            _ => Err(Error::InvalidArgument {
                what: "signing scheme must be ECDSA, RSASSA or RSAPSS",
            }),
        }
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

pub(super) fn rsa_public(
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
pub(super) fn self_signed_ek_certificate(ek: &PKey<Private>) -> Result<Vec<u8>> {
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

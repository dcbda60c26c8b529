//! The native provider: OpenSSL (ARCHITECTURE.md, Crypto).

use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::ecdsa::EcdsaSig;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Public};
use openssl::rsa::{Padding, Rsa};
use openssl::pkey_ctx::PkeyCtx;
use openssl::md::Md;

use super::{CryptoProvider, EccPublicKey, EcdhEphemeral, RsaPublicKey};
use crate::error::{Error, Result};
use crate::tpm::{EccCurve, HashAlg};

/// OpenSSL-backed [`CryptoProvider`].
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenSslProvider;

fn md(hash: HashAlg) -> &'static openssl::md::MdRef {
    match hash {
        HashAlg::Sha1 => Md::sha1(),
        HashAlg::Sha256 => Md::sha256(),
        HashAlg::Sha384 => Md::sha384(),
        HashAlg::Sha512 => Md::sha512(),
    }
}

fn nid(curve: EccCurve) -> Nid {
    match curve {
        EccCurve::NistP256 => Nid::X9_62_PRIME256V1,
        EccCurve::NistP384 => Nid::SECP384R1,
        EccCurve::NistP521 => Nid::SECP521R1,
    }
}

pub(crate) fn rsa_key(key: RsaPublicKey<'_>) -> Result<PKey<Public>> {
    let bad = |_| Error::KeyNotAllowed { what: "RSA public key rejected by OpenSSL" };
    let n = BigNum::from_slice(key.modulus).map_err(bad)?;
    let e = BigNum::from_u32(key.exponent).map_err(bad)?;
    let rsa = Rsa::from_public_components(n, e).map_err(bad)?;
    PKey::from_rsa(rsa).map_err(bad)
}

pub(crate) fn ec_key(key: EccPublicKey<'_>) -> Result<EcKey<Public>> {
    let bad = |_| Error::KeyNotAllowed { what: "EC public key rejected by OpenSSL (not on the curve?)" };
    let group = EcGroup::from_curve_name(nid(key.curve)).map_err(bad)?;
    let x = BigNum::from_slice(key.x).map_err(bad)?;
    let y = BigNum::from_slice(key.y).map_err(bad)?;
    let ec = EcKey::from_public_key_affine_coordinates(&group, &x, &y).map_err(bad)?;
    ec.check_key().map_err(bad)?;
    Ok(ec)
}

fn verify_rsa(key: RsaPublicKey<'_>, hash: HashAlg, digest: &[u8], sig: &[u8], pss: bool) -> Result<()> {
    let pkey = rsa_key(key)?;
    let check = |salt: Option<openssl::sign::RsaPssSaltlen>| -> bool {
        let Ok(mut ctx) = PkeyCtx::new(&pkey) else { return false };
        if ctx.verify_init().is_err() || ctx.set_signature_md(md(hash)).is_err() {
            return false;
        }
        let padding = if pss { Padding::PKCS1_PSS } else { Padding::PKCS1 };
        if ctx.set_rsa_padding(padding).is_err() {
            return false;
        }
        if let Some(salt) = salt {
            if ctx.set_rsa_pss_saltlen(salt).is_err() || ctx.set_rsa_mgf1_md(md(hash)).is_err() {
                return false;
            }
        }
        ctx.verify(digest, sig).unwrap_or(false)
    };
    let ok = if pss {
        // Salt = digest length, or the maximum salt (both occur in real TPMs).
        check(Some(openssl::sign::RsaPssSaltlen::DIGEST_LENGTH))
            || check(Some(openssl::sign::RsaPssSaltlen::MAXIMUM_LENGTH))
    } else {
        check(None)
    };
    if ok {
        Ok(())
    } else {
        Err(Error::SignatureInvalid)
    }
}

impl CryptoProvider for OpenSslProvider {
    fn name(&self) -> &'static str {
        "openssl"
    }

    fn verify_rsa_pkcs1v15(&self, key: RsaPublicKey<'_>, hash: HashAlg, digest: &[u8], sig: &[u8]) -> Result<()> {
        verify_rsa(key, hash, digest, sig, false)
    }

    fn verify_rsa_pss(&self, key: RsaPublicKey<'_>, hash: HashAlg, digest: &[u8], sig: &[u8]) -> Result<()> {
        verify_rsa(key, hash, digest, sig, true)
    }

    fn verify_ecdsa(&self, key: EccPublicKey<'_>, digest: &[u8], r: &[u8], s: &[u8]) -> Result<()> {
        let ec = ec_key(key)?;
        let bad = |_| Error::SignatureInvalid;
        let sig = EcdsaSig::from_private_components(
            BigNum::from_slice(r).map_err(bad)?,
            BigNum::from_slice(s).map_err(bad)?,
        )
        .map_err(bad)?;
        match sig.verify(digest, &ec) {
            Ok(true) => Ok(()),
            _ => Err(Error::SignatureInvalid),
        }
    }

    fn rsa_oaep_encrypt(&self, _key: RsaPublicKey<'_>, _hash: HashAlg, _label: &[u8], _plaintext: &[u8]) -> Result<Vec<u8>> {
        Err(Error::CryptoProvider { what: "rsa_oaep_encrypt: pending (credential activation)" })
    }

    fn ecdh_ephemeral(&self, _peer: EccPublicKey<'_>) -> Result<EcdhEphemeral> {
        Err(Error::CryptoProvider { what: "ecdh_ephemeral: pending (credential activation)" })
    }

    fn aes_cfb_encrypt(&self, _key: &[u8], _iv: &[u8], _data: &[u8]) -> Result<Vec<u8>> {
        Err(Error::CryptoProvider { what: "aes_cfb_encrypt: pending (credential activation)" })
    }

    fn hmac(&self, _hash: HashAlg, _key: &[u8], _data: &[u8]) -> Result<Vec<u8>> {
        Err(Error::CryptoProvider { what: "hmac: pending (credential activation)" })
    }

    fn random(&self, out: &mut [u8]) -> Result<()> {
        openssl::rand::rand_bytes(out).map_err(|_| Error::CryptoProvider { what: "OpenSSL RAND_bytes failed" })
    }
}

//! Credential activation by the software TPM's RSA-2048 EK, as TPM2_ActivateCredential (TPM 2.0
//! Part 3, 12.5) does it (Part 1, 24: seed by RSA-OAEP with label "IDENTITY", KDFa "INTEGRITY"
//! for the HMAC key and "STORAGE" for the AES-128-CFB key). INSECURE (see the parent module).

use aegis_core::error::{Error, Result};
use aegis_core::tpm::HashAlg;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Padding;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{ossl, SoftwareTpm};
use crate::backend::{strip_tpm2b, TpmKey};

impl SoftwareTpm {
    /// TPM2_ActivateCredential with the RSA-2048 EK: the credential sealed to `ak`'s Name.
    pub(super) fn activate(
        &self,
        ak: &TpmKey,
        credential_blob: &[u8],
        encrypted_secret: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
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
}

fn message_digest(h: HashAlg) -> MessageDigest {
    match h {
        HashAlg::Sha1 => MessageDigest::sha1(),
        HashAlg::Sha256 => MessageDigest::sha256(),
        HashAlg::Sha384 => MessageDigest::sha384(),
        HashAlg::Sha512 => MessageDigest::sha512(),
    }
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

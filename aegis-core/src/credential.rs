//! Credential activation, verifier side: TPM2_MakeCredential without a TPM (VERIFIER-CHECKS.md
//! item 14).
//!
//! The verifier encrypts a fresh secret (the credential) to the EK so that only a TPM holding
//! that EK *and* the AK with the given Name can recover it with TPM2_ActivateCredential:
//!
//! - TCG TPM 2.0 Library, Part 1, 24 (Credential Protection): seed, symKey, encIdentity,
//!   HMACkey and outerHMAC (24.4 and 24.5).
//! - Part 1, Annex B.10.4 (RSA secret sharing): the seed is OAEP-encrypted to the EK with label
//!   "IDENTITY\0".
//! - Part 1, Annex C.6.4 (ECC secret sharing, one-pass Diffie-Hellman): the seed is
//!   KDFe(Z, "IDENTITY", ephemeral x, EK x) and the encrypted secret is the ephemeral point.
//! - Part 1, 11.4.10.2 (KDFa, SP 800-108 counter mode with HMAC) and 11.4.10.3 (KDFe,
//!   SP 800-56A concatenation KDF).
//! - Part 3, 12.6 (TPM2_MakeCredential): credential size at most the digest size of the EK's
//!   nameAlg.

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::crypto::{CryptoProvider, EccPublicKey, RsaPublicKey};
use crate::error::{Error, Result};
use crate::tpm::wire::{Reader, Writer};
use crate::tpm::{alg, HashAlg, KeyParms, Name, ObjectAttributes, Public, SymDef};

/// Label of the seed's secret sharing (Part 1, 24.4 and B.10.4 / C.6.4): "IDENTITY" and its NUL.
const IDENTITY: &[u8] = b"IDENTITY\0";
/// KDFa label of the symmetric key (Part 1, 24.4).
const STORAGE: &[u8] = b"STORAGE\0";
/// KDFa label of the HMAC key (Part 1, 24.5).
const INTEGRITY: &[u8] = b"INTEGRITY\0";

/// Magic of the file `tpm2_makecredential -o` writes and `tpm2_activatecredential -i` reads
/// (tpm2-tools 5.x, tools/tpm2_makecredential.c: header then TPM2B_ID_OBJECT then
/// TPM2B_ENCRYPTED_SECRET, all big-endian).
pub const TPM2_TOOLS_CREDENTIAL_MAGIC: u32 = 0xBADC_C0DE;
/// Version of that file format.
pub const TPM2_TOOLS_CREDENTIAL_VERSION: u32 = 1;

/// Largest TPM2B_ENCRYPTED_SECRET buffer (Part 2, 11.4.33: sizeof(TPMU_ENCRYPTED_SECRET), an RSA
/// 4096 ciphertext here).
const MAX_ENCRYPTED_SECRET: usize = 512;
/// Largest TPM2B_ID_OBJECT buffer (Part 2, 12.4.3: sizeof(TPMS_ID_OBJECT)).
const MAX_ID_OBJECT: usize = 2 + 64 + 2 + 64;

/// The output of TPM2_MakeCredential (Part 3, 12.6.2): what the verifier sends to the attester,
/// who runs TPM2_ActivateCredential with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MadeCredential {
    /// TPM2B_ID_OBJECT (Part 2, 12.4.3), size-prefixed: u16 size || TPM2B_DIGEST(outerHMAC) ||
    /// encIdentity.
    pub credential_blob: Vec<u8>,
    /// TPM2B_ENCRYPTED_SECRET (Part 2, 11.4.33), size-prefixed: the OAEP ciphertext of the seed
    /// (RSA EK) or the ephemeral TPMS_ECC_POINT (ECC EK).
    pub encrypted_secret: Vec<u8>,
}

impl MadeCredential {
    /// The file `tpm2_makecredential -o` writes and `tpm2_activatecredential -i` reads:
    /// magic 0xBADCC0DE (u32), version 1 (u32), TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET.
    pub fn to_tpm2_tools_file(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u32(TPM2_TOOLS_CREDENTIAL_MAGIC);
        w.u32(TPM2_TOOLS_CREDENTIAL_VERSION);
        w.buf.extend_from_slice(&self.credential_blob);
        w.buf.extend_from_slice(&self.encrypted_secret);
        w.buf
    }

    /// Reads the tpm2-tools credential file (the inverse of [`MadeCredential::to_tpm2_tools_file`]).
    pub fn from_tpm2_tools_file(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, "tpm2-tools credential file");
        if r.u32()? != TPM2_TOOLS_CREDENTIAL_MAGIC {
            return Err(Error::InvalidFormat {
                what: "tpm2-tools credential file: bad magic",
            });
        }
        if r.u32()? != TPM2_TOOLS_CREDENTIAL_VERSION {
            return Err(Error::InvalidFormat {
                what: "tpm2-tools credential file: unknown version",
            });
        }
        let blob = r.tpm2b(MAX_ID_OBJECT)?;
        let secret = r.tpm2b(MAX_ENCRYPTED_SECRET)?;
        r.finish()?;
        Ok(MadeCredential {
            credential_blob: tpm2b(blob),
            encrypted_secret: tpm2b(secret),
        })
    }
}

fn tpm2b(v: &[u8]) -> Vec<u8> {
    let mut w = Writer::default();
    w.tpm2b(v);
    w.buf
}

/// Appends the zero octet that ends a KDF label, unless the label already ends with one
/// (Part 1, 11.4.10.2 and the reference implementation: labels are NUL-terminated strings).
fn label_bytes(label: &[u8]) -> Vec<u8> {
    let mut v = label.to_vec();
    if v.last().is_some_and(|b| *b != 0) {
        v.push(0);
    }
    v
}

/// KDFa (Part 1, 11.4.10.2): SP 800-108 KDF in counter mode with HMAC-`hash`.
///
/// Output is `ceil(bits / 8)` bytes: the concatenation of
/// `HMAC(key, [i]_32 || Label || 0x00 || Context_U || Context_V || [bits]_32)` for i = 1, 2, ...,
/// with the leading excess bits of the first byte cleared when `bits` is not a multiple of 8.
/// A label without its terminating zero gets one (as the TPM does); an empty label adds nothing.
pub fn kdf_a(
    hash: HashAlg,
    key: &[u8],
    label: &[u8],
    context_u: &[u8],
    context_v: &[u8],
    bits: u32,
) -> Vec<u8> {
    let out_len = usize::try_from(bits.div_ceil(8)).unwrap_or(0);
    let label = label_bytes(label);
    let mut out = Vec::with_capacity(out_len + hash.digest_size());
    let mut counter: u32 = 1;
    while out.len() < out_len {
        let mut msg = Vec::with_capacity(8 + label.len() + context_u.len() + context_v.len());
        msg.extend_from_slice(&counter.to_be_bytes());
        msg.extend_from_slice(&label);
        msg.extend_from_slice(context_u);
        msg.extend_from_slice(context_v);
        msg.extend_from_slice(&bits.to_be_bytes());
        out.extend_from_slice(&crate::crypto::hmac_rust(hash, key, &msg));
        counter = counter.wrapping_add(1);
    }
    finish_kdf(out, out_len, bits)
}

/// KDFe (Part 1, 11.4.10.3): SP 800-56A concatenation KDF with `hash`.
///
/// Output is `ceil(bits / 8)` bytes: the concatenation of
/// `H([i]_32 || Z || Use || PartyUInfo || PartyVInfo)` for i = 1, 2, ..., truncated as in
/// [`kdf_a`]. `label` (Use) gets its terminating zero as in [`kdf_a`].
pub fn kdf_e(
    hash: HashAlg,
    z: &[u8],
    label: &[u8],
    party_u: &[u8],
    party_v: &[u8],
    bits: u32,
) -> Vec<u8> {
    let out_len = usize::try_from(bits.div_ceil(8)).unwrap_or(0);
    let label = label_bytes(label);
    let mut out = Vec::with_capacity(out_len + hash.digest_size());
    let mut counter: u32 = 1;
    while out.len() < out_len {
        out.extend_from_slice(&hash.digest_parts(&[
            &counter.to_be_bytes(),
            z,
            &label,
            party_u,
            party_v,
        ]));
        counter = counter.wrapping_add(1);
    }
    finish_kdf(out, out_len, bits)
}

fn finish_kdf(mut out: Vec<u8>, out_len: usize, bits: u32) -> Vec<u8> {
    out.truncate(out_len);
    let extra = bits % 8;
    if extra != 0 {
        if let Some(first) = out.first_mut() {
            *first &= 0xff >> (8 - extra);
        }
    }
    out
}

/// The checks on a Name given as the AK's: nameAlg (u16) then a digest of that algorithm.
fn check_name(name: &Name) -> Result<()> {
    let bytes = name.as_bytes();
    let alg = match bytes {
        [a, b, ..] => u16::from_be_bytes([*a, *b]),
        _ => {
            return Err(Error::InvalidArgument {
                what: "AK Name is shorter than a nameAlg",
            })
        }
    };
    let hash = HashAlg::from_alg_id(alg, "AK Name nameAlg")?;
    if bytes.len() != 2 + hash.digest_size() {
        return Err(Error::InvalidArgument {
            what: "AK Name length differs from its nameAlg's",
        });
    }
    Ok(())
}

/// TPM2_MakeCredential (Part 3, 12.6) in software: protects `credential` to the EK `ek` for the
/// object named `ak_name` (the AK's Name as the verifier computed it from the AK public area).
///
/// The EK must be a restricted decryption (storage) key with an AES-CFB symmetric definition, as
/// the TCG EK Credential Profile templates are. RSA EKs share the seed with RSA-OAEP
/// (Annex B.10.4), ECC EKs with one-pass ECDH and KDFe (Annex C.6.4). `credential` must hold
/// 1 to digest-size(EK nameAlg) bytes.
pub fn make_credential(
    provider: &dyn CryptoProvider,
    ek: &Public,
    ak_name: &Name,
    credential: &[u8],
) -> Result<MadeCredential> {
    let name_alg = ek.name_alg;
    let digest_size = name_alg.digest_size();
    if credential.is_empty() {
        return Err(Error::InvalidArgument {
            what: "credential is empty",
        });
    }
    if credential.len() > digest_size {
        return Err(Error::InvalidArgument {
            what: "credential is longer than the digest size of the EK's nameAlg",
        });
    }
    check_name(ak_name)?;
    let needed = ObjectAttributes::RESTRICTED | ObjectAttributes::DECRYPT;
    if !ek.attributes.has(needed) || ek.attributes.has(ObjectAttributes::SIGN_ENCRYPT) {
        return Err(Error::KeyNotAllowed {
            what: "EK is not a restricted decryption (storage) key",
        });
    }
    let symmetric = match &ek.parms {
        KeyParms::Rsa(p) => p.symmetric,
        KeyParms::Ecc(p) => p.symmetric,
    };
    let sym_bits = match symmetric {
        SymDef::Aes {
            key_bits,
            mode: alg::CFB,
        } => u32::from(key_bits),
        _ => {
            return Err(Error::KeyNotAllowed {
                what: "EK symmetric definition is not AES-CFB",
            })
        }
    };
    let digest_bits = u32::try_from(digest_size * 8).unwrap_or(u32::MAX);

    // 1. The seed and its encryption to the EK.
    let (seed, encrypted_secret) = match &ek.parms {
        KeyParms::Rsa(p) => {
            let mut seed = Zeroizing::new(vec![0u8; digest_size]);
            provider.random(&mut seed)?;
            let key = RsaPublicKey {
                modulus: &p.modulus,
                exponent: p.effective_exponent(),
            };
            let ct = provider.rsa_oaep_encrypt(key, name_alg, IDENTITY, &seed)?;
            (seed, tpm2b(&ct))
        }
        KeyParms::Ecc(p) => {
            let peer = EccPublicKey {
                curve: p.curve,
                x: &p.x,
                y: &p.y,
            };
            let eph = provider.ecdh_ephemeral(peer)?;
            let seed = Zeroizing::new(kdf_e(
                name_alg,
                &eph.shared_x,
                IDENTITY,
                &eph.ephemeral_x,
                &p.x,
                digest_bits,
            ));
            // TPMS_ECC_POINT (Part 2, 11.2.5.2): TPM2B x || TPM2B y.
            let mut point = Writer::default();
            point.tpm2b(&eph.ephemeral_x);
            point.tpm2b(&eph.ephemeral_y);
            (seed, tpm2b(&point.buf))
        }
    };

    // 2. encIdentity = CFB(symKey, IV = 0, TPM2B_DIGEST(credential)) (Part 1, 24.4).
    let sym_key = Zeroizing::new(kdf_a(
        name_alg,
        &seed,
        STORAGE,
        ak_name.as_bytes(),
        &[],
        sym_bits,
    ));
    let plain = Zeroizing::new(tpm2b(credential));
    let enc_identity = provider.aes_cfb_encrypt(&sym_key, &[0u8; 16], &plain)?;

    // 3. outerHMAC = HMAC(HMACkey, encIdentity || Name) (Part 1, 24.5).
    let hmac_key = Zeroizing::new(kdf_a(name_alg, &seed, INTEGRITY, &[], &[], digest_bits));
    let mut hmac_input = enc_identity.clone();
    hmac_input.extend_from_slice(ak_name.as_bytes());
    let outer_hmac = provider.hmac(name_alg, &hmac_key, &hmac_input)?;

    // TPM2B_ID_OBJECT: TPM2B_DIGEST(outerHMAC) || encIdentity.
    let mut id_object = tpm2b(&outer_hmac);
    id_object.extend_from_slice(&enc_identity);
    Ok(MadeCredential {
        credential_blob: tpm2b(&id_object),
        encrypted_secret,
    })
}

/// Compares the credential the attester recovered with TPM2_ActivateCredential to the one the
/// verifier made, in constant time: `Err(Error::CredentialMismatch)` on any difference.
pub fn check_activated(expected: &[u8], activated: &[u8]) -> Result<()> {
    if expected.is_empty() {
        return Err(Error::InvalidArgument {
            what: "expected credential is empty",
        });
    }
    if expected.len() == activated.len() && bool::from(expected.ct_eq(activated)) {
        Ok(())
    } else {
        Err(Error::CredentialMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kdf_a_matches_the_tpm_reference_shape() {
        // Independent recomputation of one block: HMAC(key, 1 || "STORAGE\0" || u || v || bits).
        let key = [7u8; 32];
        let mut msg = 1u32.to_be_bytes().to_vec();
        msg.extend_from_slice(b"STORAGE\0abc");
        msg.extend_from_slice(&128u32.to_be_bytes());
        let block = crate::crypto::hmac_rust(HashAlg::Sha256, &key, &msg);
        let out = kdf_a(HashAlg::Sha256, &key, b"STORAGE", b"abc", b"", 128);
        assert_eq!(out, block[..16]);
        // The label's NUL may be given or not.
        assert_eq!(
            out,
            kdf_a(HashAlg::Sha256, &key, b"STORAGE\0", b"abc", b"", 128)
        );
        // Longer than one block, and odd bit counts.
        assert_eq!(kdf_a(HashAlg::Sha256, &key, b"X", b"", b"", 520).len(), 65);
        assert!(kdf_a(HashAlg::Sha256, &key, b"X", b"", b"", 4)[0] < 16);
    }

    #[test]
    fn kdf_e_one_block() {
        let z = [3u8; 32];
        let expected =
            HashAlg::Sha256.digest_parts(&[&1u32.to_be_bytes(), &z, b"IDENTITY\0", b"u", b"v"]);
        assert_eq!(
            kdf_e(HashAlg::Sha256, &z, b"IDENTITY", b"u", b"v", 256),
            expected
        );
    }

    #[test]
    fn check_activated_is_exact() {
        assert_eq!(check_activated(b"abc", b"abc"), Ok(()));
        assert_eq!(
            check_activated(b"abc", b"abd"),
            Err(Error::CredentialMismatch)
        );
        assert_eq!(
            check_activated(b"abc", b"ab"),
            Err(Error::CredentialMismatch)
        );
        assert_eq!(check_activated(b"abc", b""), Err(Error::CredentialMismatch));
    }

    #[test]
    fn tpm2_tools_file_round_trip() {
        let m = MadeCredential {
            credential_blob: tpm2b(&[1, 2, 3]),
            encrypted_secret: tpm2b(&[4; 9]),
        };
        let f = m.to_tpm2_tools_file();
        assert_eq!(&f[..8], &[0xba, 0xdc, 0xc0, 0xde, 0, 0, 0, 1]);
        assert_eq!(MadeCredential::from_tpm2_tools_file(&f), Ok(m));
        assert!(MadeCredential::from_tpm2_tools_file(&f[..f.len() - 1]).is_err());
    }
}

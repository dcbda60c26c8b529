//! One signature over a message with a given public key, under the allow-lists quote
//! verification uses (VERIFIER-CHECKS.md items 1, 3, 4 and 15): for what is signed outside a
//! TPMS_ATTEST (EAR results as JWT/CWT, DPoR/DPoG proof tokens).

use super::{HashAllowList, KeyPolicy};
use crate::crypto::{CryptoProvider, EccPublicKey, RsaPublicKey, SignatureScheme, SignatureValue};
use crate::error::{Error, Result};
use crate::keys::{check_rsa_signature_size, ecdsa_scalar, PublicKey};
use crate::tpm::alg;

/// Verifies `signature` over `message` with `key` under `scheme`, or says which check failed.
///
/// Checks, in this order, each with its own error:
/// 1. the scheme's hash is on `hashes` (item 4): `HashNotAllowed`;
/// 2. the scheme fits the key type, RSASSA-PKCS1-v1_5 (RFC 8017, 8.2) or RSASSA-PSS (RFC 8017,
///    8.1) for an RSA key, ECDSA (FIPS 186-5, 6.4) for an EC key (item 3):
///    `SignatureSchemeMismatch` with the key's TPM_ALG_RSA / TPM_ALG_ECC and the scheme's
///    TPM_ALG_ID; a signature value of the other kind (r and s for RSA, bytes for ECDSA) is
///    `InvalidArgument`;
/// 3. the key's size or curve is on `keys`, an RSA exponent is 65537, and EC coordinates are the
///    curve's size (item 15): `KeyNotAllowed`;
/// 4. an RSA signature is exactly the modulus length (RFC 8017, 8.1.2 and 8.2.2 step 1), ECDSA r
///    and s are no longer than the curve's order (`SignatureLength`) and in [1, n-1] (FIPS
///    186-5, 6.4.2 step 1; `EcdsaScalarOutOfRange`) (items 1 and 4);
/// 5. the signature itself, by `provider` over `scheme.hash()` of `message`:
///    `SignatureInvalid`. RSA-PSS accepts salt length = digest length and the maximum salt
///    length, as for quotes ([`CryptoProvider::verify_rsa_pss`]).
///
/// ECDSA signatures in other encodings come through [`SignatureValue::from_ecdsa_raw`] (JWS,
/// COSE), [`SignatureValue::from_ecdsa_der`] (X.509) or [`SignatureValue::from_tpm_signature`].
pub fn verify_signature(
    provider: &dyn CryptoProvider,
    key: &PublicKey,
    scheme: SignatureScheme,
    message: &[u8],
    signature: &SignatureValue,
    hashes: &HashAllowList,
    keys: &KeyPolicy,
) -> Result<()> {
    let hash = scheme.hash();
    if !hashes.allows(hash) {
        return Err(Error::HashNotAllowed {
            hash: hash.alg_id(),
        });
    }
    let (key_alg, key_is_rsa) = match key {
        PublicKey::Rsa { .. } => (alg::RSA, true),
        PublicKey::Ecc { .. } => (alg::ECC, false),
    };
    if scheme.is_rsa() != key_is_rsa {
        return Err(Error::SignatureSchemeMismatch {
            key_scheme: key_alg,
            signature_scheme: scheme.alg_id(),
        });
    }
    if matches!(signature, SignatureValue::Rsa(_)) != key_is_rsa {
        return Err(Error::InvalidArgument {
            what: "signature value is not of the scheme's kind (RSA bytes or ECDSA r and s)",
        });
    }
    check_key_policy(key, keys)?;
    match (key, signature) {
        (PublicKey::Rsa { modulus, exponent }, SignatureValue::Rsa(sig)) => {
            let modulus = trim(modulus);
            check_rsa_signature_size(modulus, sig)?;
            let digest = hash.digest(message);
            let k = RsaPublicKey {
                modulus,
                exponent: *exponent,
            };
            match scheme {
                SignatureScheme::RsaPss(_) => provider.verify_rsa_pss(k, hash, &digest, sig),
                _ => provider.verify_rsa_pkcs1v15(k, hash, &digest, sig),
            }
        }
        (PublicKey::Ecc { curve, x, y }, SignatureValue::Ecdsa { r, s }) => {
            let r = ecdsa_scalar(r, *curve)?;
            let s = ecdsa_scalar(s, *curve)?;
            let digest = hash.digest(message);
            let k = EccPublicKey {
                curve: *curve,
                x,
                y,
            };
            provider.verify_ecdsa(k, &digest, &r, &s)
        }
        // Unreachable after the two kind checks above; refuse rather than panic.
        _ => Err(Error::InvalidArgument {
            what: "signature value is not of the scheme's kind (RSA bytes or ECDSA r and s)",
        }),
    }
}

/// Item 15 for a bare public key: the same rules and messages as `KeyPolicy::check` for a TPM
/// public area (RSA size by modulus length, exponent 65537, curve on the list), plus EC
/// coordinates of exactly the curve's size (so that both providers see the same key).
// Note for the lead: this duplicates `KeyPolicy::check` (verify/keys.rs) for a `PublicKey`;
// merge the two when verify/keys.rs is free (e.g. `KeyPolicy::check_public_key`).
fn check_key_policy(key: &PublicKey, policy: &KeyPolicy) -> Result<()> {
    match key {
        PublicKey::Rsa { modulus, exponent } => {
            let bits = trim(modulus).len() * 8;
            if !policy.rsa_bits.iter().any(|b| usize::from(*b) == bits) {
                return Err(Error::KeyNotAllowed {
                    what: "RSA key size",
                });
            }
            if *exponent != 65537 {
                return Err(Error::KeyNotAllowed {
                    what: "RSA exponent other than 65537",
                });
            }
        }
        PublicKey::Ecc { curve, x, y } => {
            if !policy.curves.contains(curve) {
                return Err(Error::KeyNotAllowed { what: "ECC curve" });
            }
            let size = curve.coordinate_size();
            if x.len() != size || y.len() != size {
                return Err(Error::KeyNotAllowed {
                    what: "EC public key coordinates have the wrong size",
                });
            }
        }
    }
    Ok(())
}

/// `v` without its leading zero bytes.
fn trim(v: &[u8]) -> &[u8] {
    let first = v.iter().position(|b| *b != 0).unwrap_or(v.len());
    v.get(first..).unwrap_or_default()
}

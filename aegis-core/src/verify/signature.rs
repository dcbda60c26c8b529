//! One signature over a message with a given public key, under the allow-lists quote
//! verification uses (VERIFIER-CHECKS.md items 1, 3, 4 and 15): for what is signed outside a
//! TPMS_ATTEST (EAR results as JWT/CWT, DPoR/DPoG proof tokens).

use super::{HashAllowList, KeyPolicy};
use crate::crypto::verify_digest;
use crate::crypto::{CryptoProvider, KeyCache, SignatureRef, SignatureScheme, SignatureValue};
use crate::error::{Error, Result};
use crate::keys::PublicKey;
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
    keys.check_key(key)?;
    let sig = match (scheme, signature) {
        (SignatureScheme::RsaPkcs1v15(_), SignatureValue::Rsa(b)) => SignatureRef::RsaPkcs1v15(b),
        (SignatureScheme::RsaPss(_), SignatureValue::Rsa(b)) => SignatureRef::RsaPss(b),
        (SignatureScheme::Ecdsa(_), SignatureValue::Ecdsa { r, s }) => SignatureRef::Ecdsa { r, s },
        // Unreachable after the two kind checks above; refuse rather than panic.
        _ => {
            return Err(Error::InvalidArgument {
                what: "signature value is not of the scheme's kind (RSA bytes or ECDSA r and s)",
            })
        }
    };
    verify_digest(
        provider,
        key,
        &KeyCache::default(),
        hash,
        &hash.digest(message),
        sig,
    )
}

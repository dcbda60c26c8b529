//! Quote and certify verification: every check of VERIFIER-CHECKS.md items 1-13 and 15.
//!
//! Only the functions here construct [`VerifiedQuote`] and [`VerifiedCertification`].
//! Checks run in a fixed order, so that evidence breaking one check gets that check's error:
//! empty nonce, parsing, signature (NULL, scheme, hash allow-list, hash vs scheme, ECDSA range,
//! the signature itself), magic, type, nonce, signer, clock, then the quote's PCRs or the
//! certified key.

mod binding;
pub(crate) mod keys;
mod policy;
mod signature;
mod sovereign;

pub use binding::{ActivationChallenge, AkBinding, EkEndorsement, EnrolmentRecord};
pub use keys::{AttestationKey, KeyPolicy};
pub use policy::{AttestPolicy, CertifyPolicy, HashAllowList, QuotePolicy, RequiredPcrs};
pub use signature::verify_signature;
pub use sovereign::{verify_poc_location, verify_sovereign_attestation, VerifiedPocLocation};

use std::sync::OnceLock;

use subtle::ConstantTimeEq;

use crate::crypto::verify_digest;
use crate::crypto::{CryptoProvider, SignatureRef};
use crate::error::{Error, Result};
use crate::tpm::{
    st, Attest, AttestInfo, ClockInfo, HashAlg, KeyParms, Name, ObjectAttributes, PcrSelection,
    PcrValues, Public, Scheme, Signature, SymDef, TPM_GENERATED_VALUE,
};

/// A quote whose signature, structure, freshness and PCR digest were all verified.
#[derive(Clone, Debug)]
pub struct VerifiedQuote {
    attest: Attest,
    selection: PcrSelection,
    /// The selected PCRs' values in signed order (banks as signed, indices ascending): the
    /// input of the verified pcrDigest.
    values: Vec<u8>,
    /// `values` as [`PcrValues`], made when first asked for.
    pcrs: OnceLock<PcrValues>,
    hash: HashAlg,
}

impl VerifiedQuote {
    /// The signed PCR selection (banks in signed order).
    pub fn selection(&self) -> &PcrSelection {
        &self.selection
    }
    /// The PCR values, each one covered by the signed selection and the signed digest.
    pub fn pcrs(&self) -> &PcrValues {
        self.pcrs.get_or_init(|| {
            let mut pcrs = PcrValues::default();
            for bank in &self.selection.banks {
                for index in bank.indices() {
                    if let Some(value) = self.value(bank.hash, index) {
                        // Each selected PCR once: the insert cannot meet a duplicate.
                        let _ = pcrs.insert(bank.hash, index, value.to_vec());
                    }
                }
            }
            pcrs
        })
    }
    /// The value of PCR `index` in `bank` when the quote covers it (as [`VerifiedQuote::pcrs`]
    /// gives it, without building them).
    pub(crate) fn value(&self, bank: HashAlg, index: u8) -> Option<&[u8]> {
        let mut offset = 0;
        for b in &self.selection.banks {
            let size = b.hash.digest_size();
            if b.hash == bank {
                let position = b.indices().position(|i| i == index)?;
                let start = offset + position * size;
                return self.values.get(start..start + size);
            }
            offset += b.indices().count() * size;
        }
        None
    }
    /// TPMS_CLOCK_INFO as signed.
    pub fn clock_info(&self) -> ClockInfo {
        self.attest.clock_info
    }
    /// firmwareVersion as signed.
    pub fn firmware_version(&self) -> u64 {
        self.attest.firmware_version
    }
    /// qualifiedSigner as signed.
    pub fn qualified_signer(&self) -> &Name {
        &self.attest.qualified_signer
    }
    /// The signature's (and PCR digest's) hash algorithm.
    pub fn hash(&self) -> HashAlg {
        self.hash
    }
    /// The verified TPMS_ATTEST.
    pub fn attest(&self) -> &Attest {
        &self.attest
    }
}

/// A TPM2_Certify whose signature, structure, freshness and certified Name were verified, and
/// whose certified key passed the App Key policy.
#[derive(Clone, Debug)]
pub struct VerifiedCertification {
    attest: Attest,
    key: Public,
    name: Name,
    qualified_name: Name,
}

impl VerifiedCertification {
    /// The certified key's public area, exactly as received.
    pub fn certified_key(&self) -> &Public {
        &self.key
    }
    /// The certified key's Name (equal to certifyInfo.name).
    pub fn name(&self) -> &Name {
        &self.name
    }
    /// certifyInfo.qualifiedName as signed.
    pub fn qualified_name(&self) -> &Name {
        &self.qualified_name
    }
    /// TPMS_CLOCK_INFO as signed.
    pub fn clock_info(&self) -> ClockInfo {
        self.attest.clock_info
    }
    /// The verified TPMS_ATTEST.
    pub fn attest(&self) -> &Attest {
        &self.attest
    }
}

/// Verifies a TPM2_Quote: `attest` is the TPMS_ATTEST (or TPM2B_ATTEST) exactly as the TPM
/// returned it, `signature` its TPMT_SIGNATURE, `pcrs` the claimed PCR values, `nonce` the fresh
/// nonce this verifier issued.
pub fn verify_quote(
    provider: &dyn CryptoProvider,
    ak: &AttestationKey,
    attest: &[u8],
    signature: &[u8],
    pcrs: &PcrValues,
    nonce: &[u8],
    policy: &QuotePolicy,
) -> Result<VerifiedQuote> {
    let (parsed, hash) = verify_attest(
        provider,
        ak,
        attest,
        signature,
        nonce,
        st::ATTEST_QUOTE,
        &policy.attest,
    )?;
    let AttestInfo::Quote(info) = &parsed.info else {
        return Err(Error::WrongAttestationType {
            expected: st::ATTEST_QUOTE,
            found: parsed.attest_type,
        });
    };
    let selection = &info.pcr_select;

    // Items 4 and 13: a SHA-1 bank needs the SHA-1 opt-in, like a SHA-1 signature.
    for bank in &selection.banks {
        if !policy.attest.hashes.allows_bank_or_name(bank.hash) {
            return Err(Error::PcrBankNotAllowed {
                bank: bank.hash.alg_id(),
            });
        }
    }

    // Item 11: the signed selection decides which PCRs count.
    for (bank, index, _) in pcrs.iter() {
        if !selection.contains(bank, index) {
            return Err(Error::PcrNotInSelection {
                bank: bank.alg_id(),
                index,
            });
        }
    }
    for (bank, index, _) in policy.required_pcrs.iter() {
        if !selection.contains(bank, index) {
            return Err(Error::RequiredPcrMissing {
                bank: bank.alg_id(),
                index,
            });
        }
    }

    // Item 12: recompute pcrDigest in signed bank order, indices ascending.
    let mut concatenated = Vec::with_capacity(selection.len() * 64);
    for bank in &selection.banks {
        for index in bank.indices() {
            let value = pcrs.get(bank.hash, index).ok_or(Error::PcrValueMissing {
                bank: bank.hash.alg_id(),
                index,
            })?;
            if value.len() != bank.hash.digest_size() {
                return Err(Error::PcrValueSize {
                    bank: bank.hash.alg_id(),
                    index,
                    size: value.len(),
                });
            }
            concatenated.extend_from_slice(value);
        }
    }
    let digest = hash.hash_parts(&[&concatenated]);
    let digest: &[u8] = &digest;
    if !bool::from(digest.ct_eq(info.pcr_digest.as_slice())) {
        return Err(Error::PcrDigestMismatch);
    }

    Ok(VerifiedQuote {
        selection: selection.clone(),
        attest: parsed,
        values: concatenated,
        pcrs: OnceLock::new(),
        hash,
    })
}

/// Verifies a TPM2_Certify of an App Key by the AK: `app_key` is the certified key's
/// TPM2B_PUBLIC or TPMT_PUBLIC as received, `attest` and `signature` what TPM2_Certify
/// returned, `nonce` the qualifying data this verifier required.
pub fn verify_certify(
    provider: &dyn CryptoProvider,
    ak: &AttestationKey,
    app_key: &[u8],
    attest: &[u8],
    signature: &[u8],
    nonce: &[u8],
    policy: &CertifyPolicy,
) -> Result<VerifiedCertification> {
    let key = Public::parse_any(app_key)?;
    let (parsed, _) = verify_attest(
        provider,
        ak,
        attest,
        signature,
        nonce,
        st::ATTEST_CERTIFY,
        &policy.attest,
    )?;
    let AttestInfo::Certify(info) = &parsed.info else {
        return Err(Error::WrongAttestationType {
            expected: st::ATTEST_CERTIFY,
            found: parsed.attest_type,
        });
    };

    // Item 15: the certified Name is the Name of the key as received.
    let name = key.name();
    if !bool::from(name.as_bytes().ct_eq(info.name.as_bytes())) {
        return Err(Error::NameMismatch);
    }
    check_app_key(&key, &policy.app_key, &policy.attest.hashes)?;

    Ok(VerifiedCertification {
        name,
        qualified_name: info.qualified_name.clone(),
        key,
        attest: parsed,
    })
}

/// Item 15: an App Key is a TPM-bound, TPM-generated signing key that cannot decrypt, with a
/// size or curve on the allow-list, a shape a TPM would create (item 13) and a nameAlg other
/// than SHA-1 unless opted in.
fn check_app_key(key: &Public, policy: &KeyPolicy, hashes: &HashAllowList) -> Result<()> {
    let attrs = key.attributes;
    for (bit, attribute) in [
        (ObjectAttributes::FIXED_TPM, "fixedTPM"),
        (ObjectAttributes::FIXED_PARENT, "fixedParent"),
        (
            ObjectAttributes::SENSITIVE_DATA_ORIGIN,
            "sensitiveDataOrigin",
        ),
        (ObjectAttributes::SIGN_ENCRYPT, "sign"),
    ] {
        if !attrs.has(bit) {
            return Err(Error::KeyAttributeMissing { attribute });
        }
    }
    if attrs.has(ObjectAttributes::DECRYPT) {
        return Err(Error::KeyIsDecrypt);
    }
    check_signing_key_shape(key)?;
    check_name_alg(key, hashes)?;
    policy.check(key)
}

/// Item 13: refuses a signing key no TPM would create (TPM 2.0 Part 2, 12.2.3.5 and 12.2.3.6;
/// Part 1, 27.2 (object attributes)): `restricted` with both `sign` and `decrypt`, a symmetric
/// algorithm on a signing key (only storage keys have one), or a KDF on an ECC signing key.
/// Such a public area was made by hand, not by TPM2_Create.
pub fn check_signing_key_shape(key: &Public) -> Result<()> {
    let attrs = key.attributes;
    if attrs.has(ObjectAttributes::RESTRICTED)
        && attrs.has(ObjectAttributes::SIGN_ENCRYPT)
        && attrs.has(ObjectAttributes::DECRYPT)
    {
        return Err(Error::KeyShapeInvalid {
            what: "restricted key with both sign and decrypt",
        });
    }
    let (symmetric, kdf) = match &key.parms {
        KeyParms::Rsa(p) => (p.symmetric, None),
        KeyParms::Ecc(p) => (p.symmetric, p.kdf),
    };
    if symmetric != SymDef::Null {
        return Err(Error::KeyShapeInvalid {
            what: "symmetric algorithm on a signing key",
        });
    }
    if kdf.is_some() {
        return Err(Error::KeyShapeInvalid {
            what: "KDF on a signing key",
        });
    }
    Ok(())
}

/// Item 13: a key's nameAlg is SHA-1 only with the SHA-1 opt-in: a Name made with a weak hash
/// does not bind the key it names.
fn check_name_alg(key: &Public, hashes: &HashAllowList) -> Result<()> {
    if !hashes.allows_bank_or_name(key.name_alg) {
        return Err(Error::NameAlgNotAllowed {
            hash: key.name_alg.alg_id(),
        });
    }
    Ok(())
}

/// TPM_RH_NULL (Part 2, 7.4): the handle a TPM names as signer when no key signed.
const TPM_RH_NULL: u32 = 0x4000_0007;

/// Items 2-10, shared by quote and certify. Returns the parsed TPMS_ATTEST and the signature's
/// hash algorithm.
fn verify_attest(
    provider: &dyn CryptoProvider,
    ak: &AttestationKey,
    attest: &[u8],
    signature: &[u8],
    nonce: &[u8],
    expected_type: u16,
    policy: &AttestPolicy,
) -> Result<(Attest, HashAlg)> {
    // Item 8: no nonce, no freshness.
    if nonce.is_empty() {
        return Err(Error::EmptyNonce);
    }
    // Item 1: strict parsing of everything before any verdict.
    let attest_bytes = crate::tpm::strip_optional_tpm2b_attest(attest);
    let parsed = Attest::parse_for_verifier(attest_bytes)?;
    let sig = Signature::parse(signature)?;
    // Item 13: the AK's Name binds it only through a hash on the allow-list.
    if let Some(public) = ak.public() {
        check_name_alg(public, &policy.hashes)?;
    }

    // Items 1-5: the signature over the bytes received.
    let hash = check_signature(provider, ak, attest_bytes, &sig, &policy.hashes)?;

    // Item 6: only a TPM makes structures that start with the magic (given a restricted AK).
    if parsed.magic != TPM_GENERATED_VALUE {
        return Err(Error::BadMagic {
            found: parsed.magic,
        });
    }
    // Item 7.
    if parsed.attest_type != expected_type {
        return Err(Error::WrongAttestationType {
            expected: expected_type,
            found: parsed.attest_type,
        });
    }
    // Item 8: constant-time compare (length is not secret).
    if !bool::from(parsed.extra_data.as_slice().ct_eq(nonce)) {
        return Err(Error::NonceMismatch);
    }
    // Item 5: a signer is named, whether or not the caller expects one.
    let signer = parsed.qualified_signer.as_bytes();
    if signer.is_empty() || signer == TPM_RH_NULL.to_be_bytes() {
        return Err(Error::NullSigner);
    }
    // Item 9.
    if let Some(expected) = &policy.expected_signer {
        if parsed.qualified_signer != *expected {
            return Err(Error::SignerMismatch);
        }
    }
    // Item 10.
    if let Some(previous) = &policy.previous_clock {
        policy::check_clock(previous, &parsed.clock_info)?;
    }
    Ok((parsed, hash))
}

/// Items 3-5: signature algorithm and hash against the AK's scheme and the allow-list, then the
/// signature itself. No "try every padding": the AK's scheme decides.
fn check_signature(
    provider: &dyn CryptoProvider,
    ak: &AttestationKey,
    signed: &[u8],
    sig: &Signature,
    hashes: &HashAllowList,
) -> Result<HashAlg> {
    let scheme = ak.scheme();
    let sig_hash = match sig.hash() {
        None => return Err(Error::NullSignature),
        Some(h) => h,
    };
    let scheme_matches = matches!(
        (scheme, sig),
        (Scheme::RsaSsa(_), Signature::RsaSsa { .. })
            | (Scheme::RsaPss(_), Signature::RsaPss { .. })
            | (Scheme::Ecdsa(_), Signature::Ecdsa { .. })
    );
    if !scheme_matches {
        return Err(Error::SignatureSchemeMismatch {
            key_scheme: scheme.alg_id(),
            signature_scheme: sig.alg_id(),
        });
    }
    if !hashes.allows(sig_hash) {
        return Err(Error::HashNotAllowed {
            hash: sig_hash.alg_id(),
        });
    }
    if let Some(key_hash) = scheme.hash() {
        if key_hash != sig_hash {
            return Err(Error::HashMismatch {
                key_hash: key_hash.alg_id(),
                signature_hash: sig_hash.alg_id(),
            });
        }
    }
    let digest = sig_hash.hash_parts(&[signed]);
    let signature = match sig {
        Signature::RsaSsa { sig, .. } => SignatureRef::RsaPkcs1v15(sig),
        Signature::RsaPss { sig, .. } => SignatureRef::RsaPss(sig),
        Signature::Ecdsa { r, s, .. } => SignatureRef::Ecdsa { r, s },
        Signature::Null => return Err(Error::NullSignature),
    };
    verify_digest(
        provider,
        ak.public_key(),
        ak.key_cache(),
        sig_hash,
        &digest,
        signature,
    )?;
    Ok(sig_hash)
}

#[cfg(test)]
mod tests;

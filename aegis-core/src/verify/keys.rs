//! The Attestation Key as a verifier trusts it (VERIFIER-CHECKS.md item 13) and the key
//! allow-list (items 13 and 15).

use crate::crypto::KeyCache;
use crate::error::{Error, Result};
use crate::keys::PublicKey;
use crate::tpm::{EccCurve, Name, ObjectAttributes, Public, Scheme};

/// Key types, sizes and curves a verifier accepts (item 15; also applied to AKs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPolicy {
    /// Accepted RSA modulus sizes in bits.
    pub rsa_bits: Vec<u16>,
    /// Accepted curves.
    pub curves: Vec<EccCurve>,
}

impl Default for KeyPolicy {
    /// RSA 2048, 3072, 4096 (exponent 65537); NIST P-256, P-384.
    fn default() -> Self {
        KeyPolicy {
            rsa_bits: vec![2048, 3072, 4096],
            curves: vec![EccCurve::NistP256, EccCurve::NistP384],
        }
    }
}

impl KeyPolicy {
    /// Replaces the accepted RSA modulus sizes: each a multiple of 8 from 2048 (NIST SP
    /// 800-131A: nothing weaker) to 16384 bits, else `InvalidArgument` with the policy
    /// unchanged; empty accepts no RSA key. The one check every surface's setter uses.
    pub fn set_rsa_bits(&mut self, bits: &[u16]) -> Result<()> {
        if bits
            .iter()
            .any(|b| !(2048..=16384).contains(b) || b % 8 != 0)
        {
            return Err(Error::InvalidArgument {
                what: "an RSA size must be a multiple of 8 from 2048 to 16384 bits",
            });
        }
        self.rsa_bits = bits.to_vec();
        Ok(())
    }

    /// Items 13 and 15: the key's RSA size (exponent 65537) or curve is on this allow-list, and
    /// EC coordinates have the curve's size. The one key allow-list check for TPM keys, bare
    /// keys and keys named in other evidence (`KeyNotAllowed`).
    pub fn check_key(&self, key: &PublicKey) -> Result<()> {
        match key {
            PublicKey::Rsa { modulus, exponent } => {
                let bits = crate::keys::strip_leading_zeros(modulus).len() * 8;
                if !self.rsa_bits.iter().any(|b| usize::from(*b) == bits) {
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
                if !self.curves.contains(curve) {
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

    pub(crate) fn check(&self, key: &Public) -> Result<()> {
        self.check_key(&PublicKey::from_tpm_public(key))
    }
}

/// An Attestation Key a verifier may check signatures with.
///
/// Built from the AK's TPM public area ([`AttestationKey::from_public`]), which proves it is a
/// restricted signing key (item 13), or, explicitly and without that proof, from a bare key
/// ([`AttestationKey::from_bare_key_unchecked`]).
#[derive(Clone, Debug)]
pub struct AttestationKey {
    key: PublicKey,
    /// The crypto provider's parsed form of `key`, made on first use.
    cache: KeyCache,
    scheme: Scheme,
    public: Option<Public>,
    /// The Name of `public`, computed on first use and kept (an appraisal compares it twice,
    /// and a kept enrolment's AK in every appraisal).
    name: std::sync::OnceLock<Name>,
}

impl AttestationKey {
    /// Item 13: the AK must be a restricted signing key with fixedTPM, fixedParent and
    /// sensitiveDataOrigin, a concrete signing scheme, and a size or curve on `policy`.
    pub fn from_public(public: Public, policy: &KeyPolicy) -> Result<Self> {
        let a = public.attributes;
        if !a.has(ObjectAttributes::RESTRICTED) {
            return Err(Error::AkNotRestricted);
        }
        for (bit, attribute) in [
            (ObjectAttributes::SIGN_ENCRYPT, "sign"),
            (ObjectAttributes::FIXED_TPM, "fixedTPM"),
            (ObjectAttributes::FIXED_PARENT, "fixedParent"),
            (
                ObjectAttributes::SENSITIVE_DATA_ORIGIN,
                "sensitiveDataOrigin",
            ),
        ] {
            if !a.has(bit) {
                return Err(Error::KeyAttributeMissing { attribute });
            }
        }
        // Part 2, 12.2.3.5/6: a restricted signing key names its scheme (never NULL).
        let scheme = public.scheme();
        if !matches!(
            scheme,
            Scheme::RsaSsa(_) | Scheme::RsaPss(_) | Scheme::Ecdsa(_)
        ) {
            return Err(Error::InvalidValue {
                what: "restricted signing key without an RSASSA, RSAPSS or ECDSA scheme",
            });
        }
        super::check_signing_key_shape(&public)?;
        policy.check(&public)?;
        Ok(AttestationKey {
            key: PublicKey::from_tpm_public(&public),
            cache: KeyCache::default(),
            scheme,
            name: std::sync::OnceLock::new(),
            public: Some(public),
        })
    }

    /// Parses the AK's TPM2B_PUBLIC or TPMT_PUBLIC and applies [`AttestationKey::from_public`].
    pub fn from_tpm_public(bytes: &[u8], policy: &KeyPolicy) -> Result<Self> {
        Self::from_public(Public::parse_any(bytes)?, policy)
    }

    /// An AK known only as a bare public key (SubjectPublicKeyInfo, DER or PEM) with the scheme
    /// the caller says it uses (e.g. `Scheme::RsaSsa(HashAlg::Sha256)`).
    ///
    /// UNCHECKED: a bare key cannot show that it is restricted, so a quote verified with it
    /// proves nothing about TPM_GENERATED data unless the caller established that elsewhere
    /// (VERIFIER-CHECKS.md item 13). Prefer [`AttestationKey::from_public`].
    pub fn from_bare_key_unchecked(
        spki: &[u8],
        scheme: Scheme,
        policy: &KeyPolicy,
    ) -> Result<Self> {
        let key = PublicKey::from_spki(spki)?;
        let fits = matches!(
            (&key, scheme),
            (PublicKey::Rsa { .. }, Scheme::RsaSsa(_) | Scheme::RsaPss(_))
                | (PublicKey::Ecc { .. }, Scheme::Ecdsa(_))
        );
        if !fits {
            return Err(Error::InvalidArgument {
                what: "scheme does not fit the key type",
            });
        }
        policy.check_key(&key)?;
        Ok(AttestationKey {
            key,
            cache: KeyCache::default(),
            scheme,
            public: None,
            name: std::sync::OnceLock::new(),
        })
    }

    /// The AK's signing scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The AK's TPM public area, when it was given one.
    pub fn public(&self) -> Option<&Public> {
        self.public.as_ref()
    }

    /// The AK's Name, when it was given its public area.
    pub fn name(&self) -> Option<Name> {
        let public = self.public.as_ref()?;
        Some(self.name.get_or_init(|| public.name()).clone())
    }

    /// Whether this AK went through the item 13 checks (false for a bare key).
    pub fn is_checked(&self) -> bool {
        self.public.is_some()
    }

    /// The AK's public key (from its public area's unique field, or from the bare key).
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    pub(crate) fn key_cache(&self) -> &KeyCache {
        &self.cache
    }
}

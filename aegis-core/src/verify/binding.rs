//! The AK bound to an EK by credential activation (VERIFIER-CHECKS.md item 14; TPM 2.0 Part 1,
//! 24 "Credential Protection"; Part 3, 12.5 TPM2_ActivateCredential and 12.6
//! TPM2_MakeCredential).
//!
//! The verifier makes a credential for the AK's Name, protected to the EK
//! ([`ActivationChallenge::new`]); only the TPM that holds the EK and an object of that Name can
//! recover it. When the attester returns the recovered secret, [`ActivationChallenge::complete`]
//! gives an [`AkBinding`]: a typed proof that the AK of that Name lives in the TPM of that EK,
//! which an appraisal later checks against the AK that signed the certify and the quote.

use std::borrow::Cow;
use std::sync::OnceLock;

use zeroize::Zeroizing;

use super::{AttestationKey, KeyPolicy};
use crate::credential::{check_activated, make_credential, MadeCredential};
use crate::crypto::CryptoProvider;
use crate::ek::VerifiedEk;
use crate::error::{Error, Result};
use crate::tpm::{Name, Public};

/// Bytes of the secret the verifier protects to the EK (a SHA-256-sized credential: Part 3,
/// 12.6.1 allows up to the EK nameAlg's digest size).
const SECRET_LEN: usize = 32;

/// How the EK of a binding is known.
#[derive(Clone, Debug)]
pub enum EkEndorsement {
    /// The EK certificate chained to a manufacturer CA the caller trusts (item 14).
    Certified(VerifiedEk),
    /// Only the EK public area: the binding proves one TPM holds both keys, not that the TPM is
    /// genuine (e.g. a TPM without an EK certificate, or a software TPM).
    Uncertified(Public),
}

impl EkEndorsement {
    /// The EK public area.
    pub fn public(&self) -> &Public {
        match self {
            EkEndorsement::Certified(ek) => ek.public(),
            EkEndorsement::Uncertified(public) => public,
        }
    }
}

/// What a verifier keeps between sending a credential and receiving the recovered secret: the
/// secret (zeroized on drop, never printed), the AK's Name it was made for, and the EK.
pub struct ActivationChallenge {
    secret: Zeroizing<Vec<u8>>,
    ak_name: Name,
    ek: EkEndorsement,
}

impl core::fmt::Debug for ActivationChallenge {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ActivationChallenge")
            .field("secret", &"<redacted>")
            .field("ak_name", &self.ak_name)
            .field("ek", &self.ek.public().name())
            .finish()
    }
}

impl ActivationChallenge {
    /// Makes a fresh random secret and the TPM2_MakeCredential output protecting it to `ek` for
    /// the Name of `ak` (which must have been given its TPM public area: a bare key has no Name).
    /// Send the [`MadeCredential`] to the attester; keep the challenge.
    pub fn new(
        provider: &dyn CryptoProvider,
        ek: EkEndorsement,
        ak: &AttestationKey,
    ) -> Result<(Self, MadeCredential)> {
        let ak_name = ak.name().ok_or(Error::InvalidArgument {
            what: "credential activation needs the AK's TPM public area (a bare key has no Name)",
        })?;
        let mut secret = Zeroizing::new(vec![0u8; SECRET_LEN]);
        provider.random(&mut secret)?;
        let made = make_credential(provider, ek.public(), &ak_name, &secret)?;
        Ok((
            ActivationChallenge {
                secret,
                ak_name,
                ek,
            },
            made,
        ))
    }

    /// Compares what the attester's TPM recovered (constant time) and, when it is the secret,
    /// returns the binding; `CredentialMismatch` otherwise.
    pub fn complete(self, activated: &[u8]) -> Result<AkBinding> {
        check_activated(&self.secret, activated)?;
        Ok(AkBinding {
            ak_name: self.ak_name,
            ek: self.ek,
            prepared: PreparedAk::default(),
        })
    }
}

/// Proof that the AK of this Name is resident in the TPM that holds this EK (credential
/// activation). Only [`ActivationChallenge::complete`] makes one.
#[derive(Clone, Debug)]
pub struct AkBinding {
    ak_name: Name,
    ek: EkEndorsement,
    prepared: PreparedAk,
}

/// What appraisals keep of a binding, each set once on first use (a copy of the binding starts
/// empty):
/// - the bound AK as an appraisal last checked it: its TPM2B_PUBLIC bytes and the
///   [`AttestationKey`], whose [`crate::crypto::KeyCache`] keeps the provider's parsed key
///   (turning RSA key bytes into a provider key costs about a third of a verification), set by
///   the first appraisal whose AK is the bound one;
/// - the EK's qualified Name ([`AkBinding::ek_qualified_name`]), which every appraisal needs.
#[derive(Default)]
struct PreparedAk {
    ak: OnceLock<(Vec<u8>, AttestationKey)>,
    ek_qualified_name: OnceLock<Result<Name>>,
}

impl Clone for PreparedAk {
    fn clone(&self) -> Self {
        PreparedAk::default()
    }
}

impl core::fmt::Debug for PreparedAk {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(if self.ak.get().is_some() {
            "PreparedAk(set)"
        } else {
            "PreparedAk(empty)"
        })
    }
}

impl AkBinding {
    /// The bound AK's Name.
    pub fn ak_name(&self) -> &Name {
        &self.ak_name
    }

    /// The EK and how it is known.
    pub fn ek(&self) -> &EkEndorsement {
        &self.ek
    }

    /// The EK's qualified Name as a primary key of the endorsement hierarchy: QN(EK) =
    /// H(TPM_RH_ENDORSEMENT || Name(EK)) (TPM 2.0 Part 1, 16.6), the parent qualified Name of an
    /// AK made under it. Credential activation alone does not tie the AK to the EK (any object
    /// of that Name loaded in the TPM activates), so appraisal pins QN(AK) under this (item 14).
    pub fn ek_qualified_name(&self) -> Result<Name> {
        self.prepared
            .ek_qualified_name
            .get_or_init(|| self.ek.public().name().qualified_under_endorsement())
            .clone()
    }

    /// Whether the EK certificate was verified against a manufacturer CA.
    pub fn ek_certified(&self) -> bool {
        matches!(self.ek, EkEndorsement::Certified(_))
    }

    /// The attestation key whose TPM2B_PUBLIC is `tpm2b`, checked against `policy` every time
    /// ([`AttestationKey::from_tpm_public`]). When the key is the bound AK, the binding keeps it,
    /// and a later call with the same bytes returns that kept key, with the provider's parsed
    /// form a verification made: what a verifier appraising the same agent again does not pay
    /// twice. Any other key (not the bound AK, or other bytes) comes back new and is not kept.
    /// A kept AK costs about 3.8 KB (RSA-2048) or 2.3 KB (P-256) of memory per binding
    /// (docs/evidence-bundle.md, "Enrolment record").
    pub(crate) fn attestation_key(
        &self,
        tpm2b: &[u8],
        policy: &KeyPolicy,
    ) -> Result<Cow<'_, AttestationKey>> {
        let ak = AttestationKey::from_tpm_public(tpm2b, policy)?;
        if let Some(kept) = self.kept_ak(tpm2b) {
            return Ok(Cow::Borrowed(kept));
        }
        if self.prepared.ak.get().is_some() || self.check_ak(&ak).is_err() {
            return Ok(Cow::Owned(ak));
        }
        // Another thread may keep its copy first: the same bytes give the same key either way.
        match self.prepared.ak.set((tpm2b.to_vec(), ak)) {
            Err((_, ak)) => Ok(self.kept_ak(tpm2b).map_or(Cow::Owned(ak), Cow::Borrowed)),
            Ok(()) => match self.kept_ak(tpm2b) {
                Some(kept) => Ok(Cow::Borrowed(kept)),
                None => AttestationKey::from_tpm_public(tpm2b, policy).map(Cow::Owned),
            },
        }
    }

    /// The kept AK, when it was made from exactly `tpm2b`.
    fn kept_ak(&self, tpm2b: &[u8]) -> Option<&AttestationKey> {
        self.prepared
            .ak
            .get()
            .filter(|(bytes, _)| bytes.as_slice() == tpm2b)
            .map(|(_, kept)| kept)
    }

    /// `Ok` when `ak` is the bound AK (same Name); `AkBindingMismatch` otherwise, and for a bare
    /// AK (no Name to compare). Evidence verified with `ak` is then evidence from the EK's TPM.
    pub fn check_ak(&self, ak: &AttestationKey) -> Result<()> {
        match ak.name() {
            Some(name) if name == self.ak_name => Ok(()),
            _ => Err(Error::AkBindingMismatch),
        }
    }
}

/// What a verifier keeps of a completed enrolment in its own store: the bound AK's Name and the
/// EK public area. JSON: `{"version": 1, "ak_name": "<hex>", "ek_public": "<base64
/// TPM2B_PUBLIC>"}` (docs/evidence-bundle.md, "Enrolment record").
///
/// A record is the verifier's own state, like Keylime's registrar database: restoring one
/// ([`AkBinding::from_enrolment_record`]) trusts it. Never restore a record an attester sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrolmentRecord {
    ak_name: Name,
    ek_public: Public,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EnrolmentWire {
    version: u32,
    ak_name: String,
    ek_public: String,
}

impl EnrolmentRecord {
    /// The bound AK's Name.
    pub fn ak_name(&self) -> &Name {
        &self.ak_name
    }

    /// The EK public area.
    pub fn ek_public(&self) -> &Public {
        &self.ek_public
    }

    /// The record as JSON.
    pub fn to_json(&self) -> String {
        use base64::Engine;
        let wire = EnrolmentWire {
            version: 1,
            ak_name: hex::encode(self.ak_name.as_bytes()),
            ek_public: base64::engine::general_purpose::STANDARD.encode(self.ek_public.to_tpm2b()),
        };
        serde_json::to_string_pretty(&wire).unwrap_or_default()
    }

    /// Reads a record written by [`EnrolmentRecord::to_json`] (strict; the EK public area is
    /// parsed strictly).
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        use base64::Engine;
        let wire: EnrolmentWire =
            serde_json::from_slice(bytes).map_err(|_| Error::InvalidFormat {
                what: "enrolment record JSON",
            })?;
        if wire.version != 1 {
            return Err(Error::InvalidValue {
                what: "enrolment record version (1 expected)",
            });
        }
        let ak_name = hex::decode(&wire.ak_name).map_err(|_| Error::InvalidFormat {
            what: "enrolment record ak_name (hex)",
        })?;
        if ak_name.len() < 2 {
            return Err(Error::InvalidValue {
                what: "enrolment record ak_name shorter than its algorithm",
            });
        }
        let ek = base64::engine::general_purpose::STANDARD
            .decode(&wire.ek_public)
            .map_err(|_| Error::InvalidFormat {
                what: "enrolment record ek_public (base64)",
            })?;
        Ok(EnrolmentRecord {
            ak_name: Name::from_bytes(&ak_name),
            ek_public: Public::parse_tpm2b(&ek)?,
        })
    }
}

impl AkBinding {
    /// The record to keep in the verifier's enrolment store.
    pub fn enrolment_record(&self) -> EnrolmentRecord {
        EnrolmentRecord {
            ak_name: self.ak_name.clone(),
            ek_public: self.ek.public().clone(),
        }
    }

    /// The binding a stored record holds. The EK comes back [`EkEndorsement::Uncertified`]: an
    /// appraisal verifies the EK certificate the evidence carries against this EK each time.
    pub fn from_enrolment_record(record: &EnrolmentRecord) -> AkBinding {
        AkBinding {
            ak_name: record.ak_name.clone(),
            ek: EkEndorsement::Uncertified(record.ek_public.clone()),
            prepared: PreparedAk::default(),
        }
    }

    /// The binding a stored record holds, with its EK certificate verified once
    /// ([`crate::ek::verify_ek_certificate`] against the record's EK public area): what a
    /// verifier keeps in memory per agent, so that an appraisal does not verify the EK chain
    /// again. `EkPublicKeyMismatch` when `ek` is not the record's EK. Verify again when the
    /// certificate's validity or the trust store may have changed.
    pub fn from_enrolment_record_certified(
        record: &EnrolmentRecord,
        ek: VerifiedEk,
    ) -> Result<AkBinding> {
        if ek.public() != &record.ek_public {
            return Err(Error::EkPublicKeyMismatch);
        }
        Ok(AkBinding {
            ak_name: record.ak_name.clone(),
            ek: EkEndorsement::Certified(ek),
            prepared: PreparedAk::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::all_providers;
    use crate::tpm::{
        alg, EccCurve, EccParms, HashAlg, KeyParms, ObjectAttributes, Scheme, SymDef,
    };
    use crate::verify::KeyPolicy;

    /// An ECC P-256 EK shaped like the TCG template (restricted decrypt, AES-128-CFB), with a
    /// real point on the curve.
    fn ek() -> Public {
        let key = openssl::ec::EcKey::generate(
            &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
        )
        .unwrap();
        let mut ctx = openssl::bn::BigNumContext::new().unwrap();
        let (mut x, mut y) = (
            openssl::bn::BigNum::new().unwrap(),
            openssl::bn::BigNum::new().unwrap(),
        );
        key.public_key()
            .affine_coordinates(key.group(), &mut x, &mut y, &mut ctx)
            .unwrap();
        Public::build(
            HashAlg::Sha256,
            ObjectAttributes(
                ObjectAttributes::FIXED_TPM
                    | ObjectAttributes::FIXED_PARENT
                    | ObjectAttributes::SENSITIVE_DATA_ORIGIN
                    | ObjectAttributes::ADMIN_WITH_POLICY
                    | ObjectAttributes::RESTRICTED
                    | ObjectAttributes::DECRYPT,
            ),
            vec![],
            KeyParms::Ecc(EccParms {
                symmetric: SymDef::Aes {
                    key_bits: 128,
                    mode: alg::CFB,
                },
                scheme: Scheme::Null,
                curve: EccCurve::NistP256,
                kdf: None,
                x: x.to_vec_padded(32).unwrap(),
                y: y.to_vec_padded(32).unwrap(),
            }),
        )
        .unwrap()
    }

    fn ak() -> AttestationKey {
        let key = openssl::ec::EcKey::generate(
            &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
        )
        .unwrap();
        let mut ctx = openssl::bn::BigNumContext::new().unwrap();
        let (mut x, mut y) = (
            openssl::bn::BigNum::new().unwrap(),
            openssl::bn::BigNum::new().unwrap(),
        );
        key.public_key()
            .affine_coordinates(key.group(), &mut x, &mut y, &mut ctx)
            .unwrap();
        let public = Public::build(
            HashAlg::Sha256,
            ObjectAttributes(
                ObjectAttributes::FIXED_TPM
                    | ObjectAttributes::FIXED_PARENT
                    | ObjectAttributes::SENSITIVE_DATA_ORIGIN
                    | ObjectAttributes::USER_WITH_AUTH
                    | ObjectAttributes::RESTRICTED
                    | ObjectAttributes::SIGN_ENCRYPT,
            ),
            vec![],
            KeyParms::Ecc(EccParms {
                symmetric: SymDef::Null,
                scheme: Scheme::Ecdsa(HashAlg::Sha256),
                curve: EccCurve::NistP256,
                kdf: None,
                x: x.to_vec_padded(32).unwrap(),
                y: y.to_vec_padded(32).unwrap(),
            }),
        )
        .unwrap();
        AttestationKey::from_public(public, &KeyPolicy::default()).unwrap()
    }

    #[test]
    fn the_recovered_secret_binds_exactly_that_ak() {
        for p in all_providers() {
            let (ak, other) = (ak(), ak());
            let (challenge, made) =
                ActivationChallenge::new(p, EkEndorsement::Uncertified(ek()), &ak).unwrap();
            assert!(!made.credential_blob.is_empty() && !made.encrypted_secret.is_empty());
            assert!(!format!("{challenge:?}").contains(&hex::encode(&*challenge.secret)));
            let secret = challenge.secret.to_vec();
            let binding = challenge.complete(&secret).unwrap();
            assert_eq!(binding.ak_name(), &ak.name().unwrap());
            assert!(!binding.ek_certified());
            assert_eq!(binding.check_ak(&ak), Ok(()));
            assert_eq!(binding.check_ak(&other), Err(Error::AkBindingMismatch));
        }
    }

    #[test]
    fn the_binding_keeps_the_bound_ak_and_only_it() {
        let p = crate::crypto::default_provider();
        let (ak, other) = (ak(), ak());
        let (challenge, _) =
            ActivationChallenge::new(p, EkEndorsement::Uncertified(ek()), &ak).unwrap();
        let secret = challenge.secret.to_vec();
        let binding = challenge.complete(&secret).unwrap();
        let bytes = ak.public().unwrap().to_tpm2b();
        let other_bytes = other.public().unwrap().to_tpm2b();
        let policy = KeyPolicy::default();
        // Another AK first: checked and returned, not kept.
        let o = binding.attestation_key(&other_bytes, &policy).unwrap();
        assert!(matches!(o, Cow::Owned(_)));
        assert_eq!(o.public_key(), other.public_key());
        assert!(format!("{binding:?}").contains("PreparedAk(empty)"));
        // The bound AK: kept from its first appraisal on, the same key every time.
        let first = binding.attestation_key(&bytes, &policy).unwrap();
        let again = binding.attestation_key(&bytes, &policy).unwrap();
        assert!(matches!(
            (&first, &again),
            (Cow::Borrowed(_), Cow::Borrowed(_))
        ));
        assert!(std::ptr::eq(&*first, &*again));
        assert_eq!(again.public_key(), ak.public_key());
        // Another AK afterwards: its own key, never the kept one.
        let o = binding.attestation_key(&other_bytes, &policy).unwrap();
        assert!(matches!(o, Cow::Owned(_)));
        assert_eq!(o.public_key(), other.public_key());
        // The policy is applied every time, to the kept AK too.
        let rsa_only = KeyPolicy {
            curves: vec![],
            ..KeyPolicy::default()
        };
        assert_eq!(
            binding
                .attestation_key(&bytes, &rsa_only)
                .unwrap_err()
                .name(),
            "KeyNotAllowed"
        );
        // A copy of the binding starts empty; the kept key never leaves the binding it was
        // checked for.
        assert!(format!("{:?}", binding.clone()).contains("PreparedAk(empty)"));
        assert!(format!("{binding:?}").contains("PreparedAk(set)"));
        // The kept EK qualified Name and the AK's kept Name are the ones computed afresh.
        let qn = binding
            .ek()
            .public()
            .name()
            .qualified_under_endorsement()
            .unwrap();
        for _ in 0..2 {
            assert_eq!(binding.ek_qualified_name().unwrap(), qn);
            assert_eq!(binding.clone().ek_qualified_name().unwrap(), qn);
            assert_eq!(again.name().unwrap(), ak.public().unwrap().name());
            assert_eq!(o.name().unwrap(), other.public().unwrap().name());
        }
    }

    #[test]
    fn a_wrong_secret_is_credential_mismatch() {
        let p = crate::crypto::default_provider();
        let (challenge, _) =
            ActivationChallenge::new(p, EkEndorsement::Uncertified(ek()), &ak()).unwrap();
        let mut wrong = challenge.secret.to_vec();
        wrong[0] ^= 1;
        assert_eq!(
            challenge.complete(&wrong).unwrap_err(),
            Error::CredentialMismatch
        );
    }

    #[test]
    fn a_bare_ak_cannot_be_bound_or_checked() {
        let p = crate::crypto::default_provider();
        let der = crate::keys::PublicKey::from_tpm_public(ak().public().unwrap());
        let spki = match der {
            crate::keys::PublicKey::Ecc { x, y, .. } => {
                let group =
                    openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1)
                        .unwrap();
                let mut ctx = openssl::bn::BigNumContext::new().unwrap();
                let point = openssl::ec::EcPoint::from_bytes(
                    &group,
                    &[&[4u8][..], &x, &y].concat(),
                    &mut ctx,
                )
                .unwrap();
                openssl::ec::EcKey::from_public_key(&group, &point)
                    .unwrap()
                    .public_key_to_der()
                    .unwrap()
            }
            _ => unreachable!(),
        };
        let bare = AttestationKey::from_bare_key_unchecked(
            &spki,
            Scheme::Ecdsa(HashAlg::Sha256),
            &KeyPolicy::default(),
        )
        .unwrap();
        assert_eq!(
            ActivationChallenge::new(p, EkEndorsement::Uncertified(ek()), &bare)
                .unwrap_err()
                .name(),
            "InvalidArgument"
        );
        let (challenge, _) =
            ActivationChallenge::new(p, EkEndorsement::Uncertified(ek()), &ak()).unwrap();
        let secret = challenge.secret.to_vec();
        let binding = challenge.complete(&secret).unwrap();
        assert_eq!(binding.check_ak(&bare), Err(Error::AkBindingMismatch));
    }

    #[test]
    fn an_enrolment_record_round_trips_and_restores_the_binding() {
        let p = all_providers()[0];
        let (ak, other) = (ak(), ak());
        let (challenge, _) =
            ActivationChallenge::new(p, EkEndorsement::Uncertified(ek()), &ak).unwrap();
        let secret = challenge.secret.to_vec();
        let binding = challenge.complete(&secret).unwrap();
        let record = binding.enrolment_record();
        let read = EnrolmentRecord::from_json(record.to_json().as_bytes()).unwrap();
        assert_eq!(read, record);
        let restored = AkBinding::from_enrolment_record(&read);
        assert_eq!(restored.check_ak(&ak), Ok(()));
        assert_eq!(restored.check_ak(&other), Err(Error::AkBindingMismatch));
        assert_eq!(restored.ek().public(), record.ek_public());
    }

    #[test]
    fn a_malformed_enrolment_record_is_refused() {
        let ek_b64 = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(ek().to_tpm2b())
        };
        let with = |version: u32, name: &str, ek: &str| {
            format!(r#"{{"version":{version},"ak_name":"{name}","ek_public":"{ek}"}}"#)
        };
        type Case = (String, fn(&Error) -> bool);
        let cases: [Case; 6] = [
            (with(1, "zz", &ek_b64), |e| {
                matches!(e, Error::InvalidFormat { .. })
            }),
            (with(2, "000b", &ek_b64), |e| {
                matches!(e, Error::InvalidValue { .. })
            }),
            (with(1, "0b", &ek_b64), |e| {
                matches!(e, Error::InvalidValue { .. })
            }),
            (with(1, "000b", "%%"), |e| {
                matches!(e, Error::InvalidFormat { .. })
            }),
            (with(1, "000b", "AAA="), |e| {
                matches!(e, Error::InvalidValue { .. })
            }),
            (
                format!(r#"{{"version":1,"ak_name":"000b","ek_public":"{ek_b64}","extra":1}}"#),
                |e| matches!(e, Error::InvalidFormat { .. }),
            ),
        ];
        for (json, expected) in cases {
            let err = EnrolmentRecord::from_json(json.as_bytes()).unwrap_err();
            assert!(expected(&err), "{json}: {err:?}");
        }
        assert!(EnrolmentRecord::from_json(with(1, "000b", &ek_b64).as_bytes()).is_ok());
    }
}

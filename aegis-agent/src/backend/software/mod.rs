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
//!
//! Split by concern: `keys` (as TPM2_Create, TPM2_EvictControl, TPM2_ReadPublic, TPM2_Sign),
//! `attest` (as TPM2_Certify, TPM2_Quote), `credential` (as TPM2_ActivateCredential), `pcr` (as
//! TPM2_PCR_Read, TPM2_PCR_Extend); signing with a restricted key (as TPM2_Hash then TPM2_Sign)
//! is in this module.

use std::collections::BTreeMap;
use std::time::Instant;

use aegis_core::error::{Error, Result};
use aegis_core::tpm::{
    alg, HashAlg, ObjectAttributes, PcrSelection, PcrValues, Public, Scheme, SymDef, PCR_COUNT,
};
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use zeroize::Zeroizing;

use super::{
    check_not_tpm_generated, check_persistent, AkSpec, AppKeySpec, AttestEvidence, BackendInfo,
    EkInfo, EkKind, KeyParent, QuoteEvidence, TpmBackend, TpmKey,
};

mod attest;
mod credential;
mod keys;
mod pcr;

/// EK Credential Profile, B.3.3: PolicyA for SHA-256 (PolicySecret(TPM_RH_ENDORSEMENT)).
const POLICY_A_SHA256: [u8; 32] = [
    0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
    0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa,
];
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
    keys: BTreeMap<Vec<u8>, (Public, PKey<Private>, KeyParent)>,
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
        let ek_public = keys::rsa_public(
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
        let ek_cert = keys::self_signed_ek_certificate(&ek)?;
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
        if spec.ek != EkKind::Rsa2048 {
            return Err(Error::InvalidArgument {
                what: "the software TPM has an RSA-2048 EK only",
            });
        }
        let attrs = ObjectAttributes(
            ObjectAttributes::FIXED_TPM
                | ObjectAttributes::FIXED_PARENT
                | ObjectAttributes::SENSITIVE_DATA_ORIGIN
                | ObjectAttributes::USER_WITH_AUTH
                | ObjectAttributes::RESTRICTED
                | ObjectAttributes::SIGN_ENCRYPT,
        );
        let key = self.new_key(spec.alg, attrs, spec.scheme, KeyParent::Ek(spec.ek))?;
        self.persist(key, spec.persist_at)
    }

    fn create_app_key(&mut self, spec: &AppKeySpec) -> Result<TpmKey> {
        check_persistent(spec.persist_at)?;
        let attrs = ObjectAttributes(
            ObjectAttributes::FIXED_TPM
                | ObjectAttributes::FIXED_PARENT
                | ObjectAttributes::SENSITIVE_DATA_ORIGIN
                | ObjectAttributes::USER_WITH_AUTH
                | ObjectAttributes::SIGN_ENCRYPT,
        );
        let key = self.new_key(spec.alg, attrs, Scheme::Null, KeyParent::Srk)?;
        self.persist(key, spec.persist_at)
    }

    fn load_persistent(&mut self, handle: u32) -> Result<TpmKey> {
        self.persistent_key(handle)
    }

    fn evict_persistent(&mut self, handle: u32) -> Result<()> {
        self.evict(handle)
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
        self.activate(ak, credential_blob, encrypted_secret)
    }

    fn certify(
        &mut self,
        key: &TpmKey,
        ak: &TpmKey,
        qualifying_data: &[u8],
    ) -> Result<AttestEvidence> {
        self.certify_key(key, ak, qualifying_data)
    }

    fn quote(
        &mut self,
        ak: &TpmKey,
        selection: &PcrSelection,
        nonce: &[u8],
    ) -> Result<QuoteEvidence> {
        self.quote_pcrs(ak, selection, nonce)
    }

    fn pcr_read(&mut self, selection: &PcrSelection) -> Result<PcrValues> {
        self.read_pcrs(selection)
    }

    fn pcr_extend(&mut self, index: u8, digests: &[(HashAlg, Vec<u8>)]) -> Result<()> {
        self.extend_pcr(index, digests)
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

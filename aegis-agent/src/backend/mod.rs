//! The TPM backend: the one trait through which the agent side reaches a TPM
//! (ARCHITECTURE.md, Crate roles). Verification (aegis-core) never needs it.
//!
//! Every operation returns TPM wire structures exactly as the TPM produced them (TPMT_PUBLIC,
//! TPMS_ATTEST, TPMT_SIGNATURE), so that what the agent sends is what aegis-core's verifiers
//! check, byte for byte.
//!
//! Implementations:
//! - [`software::SoftwareTpm`]: real wire formats, keys in process memory.
//!   INSECURE: proves nothing about hardware; its EK has no manufacturer chain.
//! - `tss::TssBackend` (feature `tss`): tss-esapi over a TCTI (swtpm, /dev/tpmrm0, tabrmd).
//!
//! Keys are handed back as [`TpmKey`] values (public area + the backend's wrapped private blob,
//! or a persistent handle); each operation loads what it needs and flushes every transient
//! handle before it returns, so a TPM without a resource manager never runs out of slots.

use core::fmt;

use zeroize::Zeroizing;

use aegis_core::error::{Error, Result};
use aegis_core::tpm::{
    HashAlg, KeyParms, PcrSelection, PcrValues, Public, Scheme, TPM_GENERATED_VALUE,
};

pub mod software;
#[cfg(feature = "tss")]
pub mod tss;

/// NV indices of EK certificates (TCG EK Credential Profile for TPM Family 2.0, Level 0,
/// Version 2.5, 2.2.1.4 low range and 2.2.1.5 high range).
pub mod nv {
    /// RSA 2048 EK certificate (low range).
    pub const RSA_2048_EK_CERTIFICATE: u32 = 0x01c0_0002;
    /// ECC NIST P-256 EK certificate (low range).
    pub const ECC_P256_EK_CERTIFICATE: u32 = 0x01c0_000a;
    /// ECC NIST P-384 EK certificate (high range).
    pub const ECC_P384_EK_CERTIFICATE: u32 = 0x01c0_0016;
}

/// Which Endorsement Key (EK Credential Profile templates L-1, L-2 and H-3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EkKind {
    /// RSA 2048, template L-1 (policy A, SHA-256 name).
    Rsa2048,
    /// ECC NIST P-256, template L-2.
    EccP256,
    /// ECC NIST P-384, template H-3 (policy B, SHA-384 name).
    EccP384,
}

impl EkKind {
    /// The NV index that holds this EK's certificate.
    pub fn certificate_nv_index(self) -> u32 {
        match self {
            EkKind::Rsa2048 => nv::RSA_2048_EK_CERTIFICATE,
            EkKind::EccP256 => nv::ECC_P256_EK_CERTIFICATE,
            EkKind::EccP384 => nv::ECC_P384_EK_CERTIFICATE,
        }
    }
}

/// An EK as read from the TPM: its public area and, if provisioned, the NV certificate bytes.
#[derive(Clone, Debug)]
pub struct EkInfo {
    /// Which EK this is.
    pub kind: EkKind,
    /// The EK's TPMT_PUBLIC as the TPM returned it.
    pub public: Public,
    /// The raw contents of the certificate NV index (DER, possibly zero-padded by the
    /// manufacturer), or `None` if the index is not defined.
    pub certificate: Option<Vec<u8>>,
}

/// Key types the backend creates (AK and App Key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAlg {
    /// RSA 2048 (TPM_ALG_RSA, keyBits 2048, exponent 65537).
    Rsa2048,
    /// ECC on NIST P-256 (TPM_ECC_NIST_P256).
    EccP256,
    /// ECC on NIST P-384 (TPM_ECC_NIST_P384).
    EccP384,
}

/// What AK to create: a restricted signing key with fixedTPM, fixedParent, sensitiveDataOrigin,
/// a child of the EK of `ek` (as tpm2_createak), so its qualified Name is QN(AK) =
/// H(QN(EK) || Name(AK)) with QN(EK) = H(TPM_RH_ENDORSEMENT || Name(EK)) (Part 1, 16.6): the
/// qualifiedSigner a verifier that enrolled the AK through that EK expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AkSpec {
    /// The parent EK (the one the AK is enrolled through).
    pub ek: EkKind,
    /// The key type.
    pub alg: KeyAlg,
    /// The AK's fixed scheme: `RsaSsa`, `RsaPss` (RSA) or `Ecdsa` (ECC), with its hash.
    pub scheme: Scheme,
    /// Make it persistent at this handle (0x81000000..=0x81ffffff) as well.
    pub persist_at: Option<u32>,
}

impl Default for AkSpec {
    /// ECC P-256 with ECDSA-SHA256 under the RSA 2048 EK, transient.
    fn default() -> Self {
        AkSpec {
            ek: EkKind::Rsa2048,
            alg: KeyAlg::EccP256,
            scheme: Scheme::Ecdsa(HashAlg::Sha256),
            persist_at: None,
        }
    }
}

impl AkSpec {
    /// RSA 2048 with RSASSA-SHA256 (Keylime's default AK) under the RSA 2048 EK, transient.
    pub fn rsa() -> Self {
        AkSpec {
            ek: EkKind::Rsa2048,
            alg: KeyAlg::Rsa2048,
            scheme: Scheme::RsaSsa(HashAlg::Sha256),
            persist_at: None,
        }
    }

    /// Whether the scheme fits the key type and the persistent handle is in the owner range.
    pub fn check(&self) -> Result<()> {
        let ok = matches!(
            (self.alg, self.scheme),
            (KeyAlg::Rsa2048, Scheme::RsaSsa(_) | Scheme::RsaPss(_))
                | (KeyAlg::EccP256 | KeyAlg::EccP384, Scheme::Ecdsa(_))
        );
        if !ok {
            return Err(Error::InvalidArgument {
                what: "AK scheme does not fit the key type",
            });
        }
        check_persistent(self.persist_at)
    }
}

/// What App Key to create: an unrestricted signing key (not decrypt) with fixedTPM,
/// fixedParent, sensitiveDataOrigin and scheme NULL, so one key signs ECDSA (ECC) or RSASSA and
/// RSA-PSS (RSA) as each use requires (JWTs, TLS CertificateVerify).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppKeySpec {
    /// The key type.
    pub alg: KeyAlg,
    /// Make it persistent at this handle (0x81000000..=0x81ffffff) as well.
    pub persist_at: Option<u32>,
}

impl Default for AppKeySpec {
    /// ECC P-256, transient.
    fn default() -> Self {
        AppKeySpec {
            alg: KeyAlg::EccP256,
            persist_at: None,
        }
    }
}

/// A persistent handle must lie in the owner range 0x81000000..=0x81ffffff (Part 2, 7.5).
pub fn check_persistent(handle: Option<u32>) -> Result<()> {
    match handle {
        Some(h) if !(0x8100_0000..=0x81ff_ffff).contains(&h) => Err(Error::InvalidArgument {
            what: "persistent handle outside 0x81000000..0x81ffffff",
        }),
        _ => Ok(()),
    }
}

/// The parent a key is created (and loaded) under; its qualified Name follows from it (Part 1,
/// 16.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyParent {
    /// The storage root key (owner hierarchy): App Keys.
    Srk,
    /// The EK of this kind (endorsement hierarchy; its policy is PolicySecret(TPM_RH_ENDORSEMENT)):
    /// AKs.
    Ek(EkKind),
}

/// Where a key's private part lives.
#[derive(Clone, PartialEq, Eq)]
pub enum KeyLocation {
    /// A private blob only the backend (and TPM) that made it can load, under `parent`: for the
    /// tss backend a marshalled TPM2B_PRIVATE wrapped by the parent, for the software backend an
    /// opaque reference into its memory.
    Blob {
        /// The private blob.
        private: Vec<u8>,
        /// The key it was created under, which must load it.
        parent: KeyParent,
    },
    /// A persistent handle (0x81xxxxxx).
    Persistent(u32),
}

impl fmt::Debug for KeyLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyLocation::Blob { private, parent } => {
                write!(f, "Blob(<{} bytes redacted>, {parent:?})", private.len())
            }
            KeyLocation::Persistent(h) => write!(f, "Persistent(0x{h:08x})"),
        }
    }
}

/// A key in the TPM: its public area exactly as the TPM returned it and where the private part
/// lives. Store both to use the key again later (possibly in another process).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TpmKey {
    public: Public,
    location: KeyLocation,
}

impl TpmKey {
    /// A key from a stored public area and location.
    pub fn new(public: Public, location: KeyLocation) -> Self {
        TpmKey { public, location }
    }
    /// The TPMT_PUBLIC (use `public().to_tpm2b()` for TPM2B_PUBLIC).
    pub fn public(&self) -> &Public {
        &self.public
    }
    /// Where the private part lives.
    pub fn location(&self) -> &KeyLocation {
        &self.location
    }
}

/// A TPMS_ATTEST and its TPMT_SIGNATURE, exactly as the TPM returned them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestEvidence {
    /// The marshalled TPMS_ATTEST (Part 2, 10.12.12), without a TPM2B size prefix.
    pub attest: Vec<u8>,
    /// The marshalled TPMT_SIGNATURE (Part 2, 11.3.4) over it.
    pub signature: Vec<u8>,
}

/// A quote and the PCR values it covers (read right after the quote).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteEvidence {
    /// The marshalled TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE, without a size prefix.
    pub attest: Vec<u8>,
    /// The marshalled TPMT_SIGNATURE over it.
    pub signature: Vec<u8>,
    /// The values of the quoted PCRs, read with TPM2_PCR_Read right after the quote.
    pub pcrs: PcrValues,
}

/// What a backend is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackendInfo {
    /// "tss", "software", ...
    pub name: &'static str,
    /// False for backends whose keys are not protected by a TPM (the software backend).
    pub hardware_protected: bool,
}

/// Everything the agent side asks of a TPM.
///
/// Errors are [`Error`]: argument problems as `InvalidArgument`, TSS/TPM failures as
/// `Backend { what, detail }` with the response code in `detail`.
pub trait TpmBackend {
    /// Which backend this is and whether its keys are hardware-protected.
    fn info(&self) -> BackendInfo;

    /// Reads (creating as a transient primary, then flushing) the EK of `kind` and its
    /// certificate from the TCG NV index (TPM2_CreatePrimary, Part 3, 24.1; TPM2_NV_Read, 31.13).
    fn read_ek(&mut self, kind: EkKind) -> Result<EkInfo>;

    /// Creates an AK (restricted signing key) under the EK of `spec.ek` (TPM2_Create, Part 3,
    /// 12.1; made persistent with TPM2_EvictControl, 28.5, when the spec asks).
    fn create_ak(&mut self, spec: &AkSpec) -> Result<TpmKey>;

    /// Creates an App Key (unrestricted signing key, fixedTPM, fixedParent,
    /// sensitiveDataOrigin) under the storage root key (TPM2_Create, Part 3, 12.1).
    fn create_app_key(&mut self, spec: &AppKeySpec) -> Result<TpmKey>;

    /// Loads a key persisted at `handle` (reads its public area: TPM2_ReadPublic, Part 3, 12.4).
    fn load_persistent(&mut self, handle: u32) -> Result<TpmKey>;

    /// Removes the persistent key at `handle` (TPM2_EvictControl, Part 3, 28.5).
    fn evict_persistent(&mut self, handle: u32) -> Result<()>;

    /// TPM2_ActivateCredential (Part 3, 12.5) with `ak` as the activated object and the EK of `ek` as the
    /// decryption key: returns the credential the verifier sealed with MakeCredential.
    /// `credential_blob` is the TPM2B_ID_OBJECT, `encrypted_secret` the TPM2B_ENCRYPTED_SECRET
    /// (each with or without its u16 size prefix).
    fn activate_credential(
        &mut self,
        ak: &TpmKey,
        ek: EkKind,
        credential_blob: &[u8],
        encrypted_secret: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>>;

    /// TPM2_Certify (Part 3, 18.2) of `key` by `ak` over `qualifying_data` (the verifier's nonce).
    fn certify(
        &mut self,
        key: &TpmKey,
        ak: &TpmKey,
        qualifying_data: &[u8],
    ) -> Result<AttestEvidence>;

    /// TPM2_Quote (Part 3, 18.4) of `selection` by `ak` with `nonce` as qualifying data, and the PCR values.
    fn quote(
        &mut self,
        ak: &TpmKey,
        selection: &PcrSelection,
        nonce: &[u8],
    ) -> Result<QuoteEvidence>;

    /// TPM2_PCR_Read (Part 3, 22.4) of `selection` (as many calls as the TPM needs).
    fn pcr_read(&mut self, selection: &PcrSelection) -> Result<PcrValues>;

    /// TPM2_PCR_Extend (Part 3, 22.2) of PCR `index` with one digest per listed bank.
    fn pcr_extend(&mut self, index: u8, digests: &[(HashAlg, Vec<u8>)]) -> Result<()>;

    /// TPM2_Sign (Part 3, 20.2) of `digest` with an unrestricted key (the App Key) under `scheme`
    /// (`Ecdsa`, `RsaSsa` or `RsaPss`, whose hash must match the digest's length).
    /// Returns the TPMT_SIGNATURE.
    fn sign_digest(&mut self, key: &TpmKey, digest: &[u8], scheme: Scheme) -> Result<Vec<u8>>;

    /// Signs `data` with a restricted key (the AK) in its own scheme: TPM2_Hash in the owner
    /// hierarchy (Part 3, 15.4) gives a ticket proving the data does not start with
    /// TPM_GENERATED_VALUE, then TPM2_Sign (20.2) uses it. Data that starts with the magic is refused. Returns the TPMT_SIGNATURE.
    fn sign_restricted(&mut self, key: &TpmKey, data: &[u8]) -> Result<Vec<u8>>;
}

/// Refuses data a restricted key must never sign (TCG Part 3, 15.4 TPM2_Hash: no ticket for
/// data that starts with TPM_GENERATED_VALUE), so no one can forge a TPMS_ATTEST with an AK.
pub fn check_not_tpm_generated(data: &[u8]) -> Result<()> {
    if data.len() >= 4 && data.get(..4) == Some(&TPM_GENERATED_VALUE.to_be_bytes()[..]) {
        return Err(Error::InvalidValue {
            what: "data starts with TPM_GENERATED_VALUE: a restricted key must not sign it",
        });
    }
    Ok(())
}

/// Checks that `scheme` fits the key (type and any fixed scheme) and the digest length, and
/// returns its hash. For backend implementations.
pub fn check_sign_scheme(public: &Public, digest: &[u8], scheme: Scheme) -> Result<HashAlg> {
    let hash = check_scheme_fits(public, scheme)?;
    if digest.len() != hash.digest_size() {
        return Err(Error::InvalidArgument {
            what: "digest length differs from the scheme's hash",
        });
    }
    Ok(hash)
}

/// Checks that a signing `scheme` (ECDSA, RSASSA or RSAPSS) fits the key type and the key's own
/// scheme if it has one (TPM2_Sign, Part 3, 20.2: TPM_RC_SCHEME otherwise), and returns its hash.
pub fn check_scheme_fits(public: &Public, scheme: Scheme) -> Result<HashAlg> {
    let hash = match (&public.parms, scheme) {
        (KeyParms::Rsa(_), Scheme::RsaSsa(h) | Scheme::RsaPss(h)) => h,
        (KeyParms::Ecc(_), Scheme::Ecdsa(h)) => h,
        _ => {
            return Err(Error::InvalidArgument {
                what: "signing scheme does not fit the key type",
            })
        }
    };
    let key_scheme = public.scheme();
    if key_scheme != Scheme::Null && key_scheme != scheme {
        return Err(Error::InvalidArgument {
            what: "key has a fixed scheme other than the one asked for",
        });
    }
    Ok(hash)
}

/// Strips an optional u16 size prefix from a TPM2B. For backend implementations.
pub fn strip_tpm2b(bytes: &[u8]) -> &[u8] {
    match bytes {
        [hi, lo, rest @ ..] if usize::from(u16::from_be_bytes([*hi, *lo])) == rest.len() => rest,
        _ => bytes,
    }
}

//! The TPM backend over tss-esapi (libtss2 ESAPI), behind cargo feature `tss`.
//!
//! The TCTI is a string: `swtpm:host=127.0.0.1,port=2321`, `device:/dev/tpmrm0`,
//! `tabrmd:bus_type=system`, ... (tss-esapi `TctiNameConf`).
//!
//! Handles: a storage root key (ECC P-256, owner hierarchy, the TCG SRK template with
//! zero-filled unique) is created at open and stays loaded for the backend's life; every other
//! object (EK, AK, App Key) and every session is loaded for one operation and flushed before the
//! operation returns, on success and on error. App Keys are children of the SRK; AKs are
//! children of an EK (as tpm2_createak), so that their qualifiedSigner is the one a verifier
//! that enrolled them through that EK expects; creating or loading one recreates the EK
//! (transient) and satisfies its policy with a policy session, both flushed once the AK is
//! loaded. Without a resource manager a TPM holds about three transient objects; no operation
//! here needs more than three at once (SRK + two keys, or SRK + EK + the AK being loaded).
//!
//! Wire bytes: tss-esapi hands back parsed structures; they are re-marshalled with libtss2's MU
//! functions, which are the exact inverse of its unmarshalling, so the bytes are the TPM's. The
//! verifiers check the TPM's own Names and signatures over them, so any difference would show.
//!
//! Split by concern: `context` (loading and releasing handles, sessions), `convert`
//! (aegis-core wire types <-> tss-esapi types), `keys` (TPM2_CreatePrimary, TPM2_Create,
//! TPM2_EvictControl, TPM2_NV_Read), `attest` (TPM2_ActivateCredential, TPM2_Certify,
//! TPM2_Quote), `pcr` (TPM2_PCR_Read, TPM2_PCR_Extend), `sign` (TPM2_Hash, TPM2_Sign).

use core::fmt;
use std::str::FromStr;

use aegis_core::error::{Error, Result};
use aegis_core::tpm::{alg, HashAlg, ObjectAttributes, PcrSelection, PcrValues, Scheme, SymDef};
use tss_esapi::constants::{tss as tss_constants, CapabilityType};
use tss_esapi::handles::{KeyHandle, ObjectHandle};
use tss_esapi::interface_types::resource_handles::Hierarchy;
use tss_esapi::structures::CapabilityData;
use tss_esapi::tcti_ldr::TctiNameConf;
use tss_esapi::utils::TpmsContext;
use tss_esapi::Context;
use zeroize::Zeroizing;

use super::{
    AkSpec, AppKeySpec, AttestEvidence, BackendInfo, EkInfo, EkKind, KeyAlg, QuoteEvidence,
    TpmBackend, TpmKey,
};

mod attest;
mod context;
mod convert;
mod keys;
mod pcr;
mod sign;

/// A tss-esapi error as a backend error of `what` (the TSS or TPM response code in `detail`).
fn tss(what: &'static str) -> impl Fn(tss_esapi::Error) -> Error {
    move |e| Error::Backend {
        what,
        detail: e.to_string(),
    }
}

/// The tss-esapi backend. See the module documentation.
pub struct TssBackend {
    ctx: Context,
    srk: KeyHandle,
    /// The EKs made in this session, saved (TPM2_ContextSave) to be loaded again instead of
    /// re-derived: see `ek_handle`.
    ek_contexts: Vec<(EkKind, TpmsContext)>,
}

impl fmt::Debug for TssBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TssBackend").finish_non_exhaustive()
    }
}

impl Drop for TssBackend {
    fn drop(&mut self) {
        let _ = self.ctx.flush_context(ObjectHandle::from(self.srk));
    }
}

impl TssBackend {
    /// Opens the TPM at `tcti` (e.g. `swtpm:host=127.0.0.1,port=2321`, `device:/dev/tpmrm0`,
    /// `tabrmd`) and creates the storage root key (TPM2_CreatePrimary, Part 3, 24.1).
    pub fn open(tcti: &str) -> Result<Self> {
        let conf = TctiNameConf::from_str(tcti).map_err(tss("parse TCTI string"))?;
        let mut ctx = Context::new(conf).map_err(tss("open TPM context"))?;
        let srk_template = keys::template(
            KeyAlg::EccP256,
            keys::KEY_BASE
                | ObjectAttributes::NO_DA
                | ObjectAttributes::RESTRICTED
                | ObjectAttributes::DECRYPT,
            Scheme::Null,
            SymDef::Aes {
                key_bits: 128,
                mode: alg::CFB,
            },
        )?;
        let srk_public = convert::to_tss_public(&srk_template)?;
        let srk = ctx
            .execute_with_nullauth_session(|c| {
                c.create_primary(Hierarchy::Owner, srk_public, None, None, None, None)
            })
            .map_err(tss("create storage root key"))?
            .key_handle;
        Ok(TssBackend {
            ctx,
            srk,
            ek_contexts: Vec::new(),
        })
    }

    /// Number of transient objects loaded in the TPM right now (TPM2_GetCapability, Part 3,
    /// 30.2, handles
    /// from TRANSIENT_FIRST): 1 (the SRK) between operations. For leak tests and monitoring.
    pub fn transient_object_count(&mut self) -> Result<usize> {
        let (data, _) = self
            .ctx
            .get_capability(
                CapabilityType::Handles,
                tss_constants::TPM2_TRANSIENT_FIRST,
                64,
            )
            .map_err(tss("get capability handles"))?;
        match data {
            CapabilityData::Handles(list) => Ok(list.into_inner().len()),
            _ => Err(Error::Backend {
                what: "get capability handles",
                detail: "unexpected capability data".to_owned(),
            }),
        }
    }
}

impl TpmBackend for TssBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            name: "tss",
            hardware_protected: true,
        }
    }

    fn read_ek(&mut self, kind: EkKind) -> Result<EkInfo> {
        self.read_ek_and_certificate(kind)
    }

    fn create_ak(&mut self, spec: &AkSpec) -> Result<TpmKey> {
        self.create_ak_key(spec)
    }

    fn create_app_key(&mut self, spec: &AppKeySpec) -> Result<TpmKey> {
        self.create_app_signing_key(spec)
    }

    fn load_persistent(&mut self, handle: u32) -> Result<TpmKey> {
        self.read_persistent(handle)
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
        self.activate(ak, ek, credential_blob, encrypted_secret)
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
        self.sign_unrestricted(key, digest, scheme)
    }

    fn sign_restricted(&mut self, key: &TpmKey, data: &[u8]) -> Result<Vec<u8>> {
        self.sign_checked_data(key, data)
    }
}

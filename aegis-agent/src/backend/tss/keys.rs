//! Keys: the storage root key and EKs as primaries (TPM2_CreatePrimary, TPM 2.0 Part 3, 24.1),
//! AKs under an EK and App Keys under the SRK (TPM2_Create, 12.1), persistence (TPM2_EvictControl, 28.5),
//! public areas of persistent keys (TPM2_ReadPublic, 12.4) and EK certificates from their NV
//! index (TPM2_NV_Read, 31.13).

use aegis_core::error::{Error, Result};
use aegis_core::tpm::{
    EccCurve, EccParms, HashAlg, KeyParms, ObjectAttributes, Public, RsaParms, Scheme, SymDef,
};
use tss_esapi::abstraction::{ek, nv, AsymmetricAlgorithmSelection};
use tss_esapi::handles::{KeyHandle, NvIndexTpmHandle, ObjectHandle, TpmHandle};
use tss_esapi::interface_types::dynamic_handles::Persistent;
use tss_esapi::interface_types::ecc::EccCurve as TssEccCurve;
use tss_esapi::interface_types::key_bits::RsaKeyBits;
use tss_esapi::interface_types::resource_handles::{NvAuth, Provision};

use super::context::{finish, persistent_handle, Loaded};
use super::convert::{from_tss_public, to_tss_public};
use super::{tss, TssBackend};
use crate::backend::{
    check_persistent, AkSpec, AppKeySpec, EkInfo, EkKind, KeyAlg, KeyLocation, KeyParent, TpmKey,
};

/// The key templates (TPMT_PUBLIC with zero-filled unique), built with aegis-core's encoder.
pub(super) fn template(
    alg: KeyAlg,
    attributes: u32,
    scheme: Scheme,
    symmetric: SymDef,
) -> Result<Public> {
    let parms = match alg {
        KeyAlg::Rsa2048 => KeyParms::Rsa(RsaParms {
            symmetric,
            scheme,
            key_bits: 2048,
            exponent: 0,
            modulus: vec![0; 256],
        }),
        KeyAlg::EccP256 | KeyAlg::EccP384 => {
            let curve = if alg == KeyAlg::EccP256 {
                EccCurve::NistP256
            } else {
                EccCurve::NistP384
            };
            let n = curve.coordinate_size();
            KeyParms::Ecc(EccParms {
                symmetric,
                scheme,
                curve,
                kdf: None,
                x: vec![0; n],
                y: vec![0; n],
            })
        }
    };
    Public::build(
        HashAlg::Sha256,
        ObjectAttributes(attributes),
        Vec::new(),
        parms,
    )
}

/// fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth: every key made here.
pub(super) const KEY_BASE: u32 = ObjectAttributes::FIXED_TPM
    | ObjectAttributes::FIXED_PARENT
    | ObjectAttributes::SENSITIVE_DATA_ORIGIN
    | ObjectAttributes::USER_WITH_AUTH;

impl TssBackend {
    /// TPM2_Create of `public` under `parent`, then TPM2_EvictControl to `persist_at` if given.
    fn create_key(
        &mut self,
        public: Public,
        parent: KeyParent,
        persist_at: Option<u32>,
    ) -> Result<TpmKey> {
        let template = to_tss_public(&public)?;
        let created = self.under_parent(parent, "create key", |ctx, parent, session| {
            ctx.execute_with_sessions((Some(session), None, None), |c| {
                c.create(parent, template, None, None, None, None)
            })
        })?;
        let public = from_tss_public(&created.out_public)?;
        let key = TpmKey::new(
            public,
            KeyLocation::Blob {
                private: created.out_private.value().to_vec(),
                parent,
            },
        );
        let Some(handle) = persist_at else {
            return Ok(key);
        };
        let loaded = self.load(&key)?;
        let persistent = Persistent::Persistent(persistent_handle(handle)?);
        let out = self
            .ctx
            .execute_with_nullauth_session(|c| {
                c.evict_control(
                    Provision::Owner,
                    ObjectHandle::from(loaded.handle()),
                    persistent,
                )
            })
            .map_err(tss("persist key (EvictControl)"))
            .and_then(|mut o| {
                self.ctx
                    .tr_close(&mut o)
                    .map_err(tss("close persistent handle"))
            });
        finish(&mut self.ctx, &[loaded], out)?;
        Ok(TpmKey::new(
            key.public().clone(),
            KeyLocation::Persistent(handle),
        ))
    }

    /// TPM2_CreatePrimary of the EK of `kind` (EK Credential Profile template), transient.
    pub(super) fn create_ek(&mut self, kind: EkKind) -> Result<KeyHandle> {
        let sel = match kind {
            EkKind::Rsa2048 => AsymmetricAlgorithmSelection::Rsa(RsaKeyBits::Rsa2048),
            EkKind::EccP256 => AsymmetricAlgorithmSelection::Ecc(TssEccCurve::NistP256),
            EkKind::EccP384 => AsymmetricAlgorithmSelection::Ecc(TssEccCurve::NistP384),
        };
        ek::create_ek_object_2(&mut self.ctx, sel, None).map_err(tss("create EK"))
    }

    /// The EK of `kind`, transient, for one use (release it with `finish`): loaded from the
    /// context saved when this session first made it (TPM2_ContextLoad, Part 3, 28.2), else made
    /// (TPM2_CreatePrimary: for an RSA EK a prime search, about a second on swtpm) and its context
    /// saved (TPM2_ContextSave, 28.3). A context the TPM no longer accepts (a TPM reset since) is
    /// dropped and the EK made again.
    pub(super) fn ek_handle(&mut self, kind: EkKind) -> Result<KeyHandle> {
        if let Some(i) = self.ek_contexts.iter().position(|(k, _)| *k == kind) {
            let (_, saved) = self.ek_contexts.swap_remove(i);
            if let Ok(h) = self.ctx.context_load(saved.clone()) {
                self.ek_contexts.push((kind, saved));
                return Ok(KeyHandle::from(h));
            }
        }
        let h = self.create_ek(kind)?;
        if let Ok(saved) = self.ctx.context_save(ObjectHandle::from(h)) {
            self.ek_contexts.push((kind, saved));
        }
        Ok(h)
    }

    fn read_nv_certificate(&mut self, index: u32) -> Result<Option<Vec<u8>>> {
        let nv_handle = NvIndexTpmHandle::new(index).map_err(tss("NV index"))?;
        // An undefined index is "no certificate", not an error.
        match self
            .ctx
            .execute_without_session(|c| c.tr_from_tpm_public(TpmHandle::NvIndex(nv_handle)))
        {
            Ok(mut o) => {
                self.ctx.tr_close(&mut o).map_err(tss("close NV handle"))?;
            }
            Err(_) => return Ok(None),
        }
        let bytes = self
            .ctx
            .execute_with_nullauth_session(|c| nv::read_full(c, NvAuth::Owner, nv_handle))
            .map_err(tss("read EK certificate NV index"))?;
        Ok(Some(bytes))
    }

    /// The EK of `kind` and its NV certificate.
    pub(super) fn read_ek_and_certificate(&mut self, kind: EkKind) -> Result<EkInfo> {
        let ek = Loaded::Transient(self.create_ek(kind)?);
        let out = self
            .ctx
            .read_public(ek.handle())
            .map_err(tss("read EK public"))
            .and_then(|(p, _, _)| from_tss_public(&p));
        let public = finish(&mut self.ctx, &[ek], out)?;
        let certificate = self.read_nv_certificate(kind.certificate_nv_index())?;
        Ok(EkInfo {
            kind,
            public,
            certificate,
        })
    }

    /// An AK: restricted signing key in the spec's scheme, a child of the spec's EK.
    pub(super) fn create_ak_key(&mut self, spec: &AkSpec) -> Result<TpmKey> {
        spec.check()?;
        let t = template(
            spec.alg,
            KEY_BASE | ObjectAttributes::RESTRICTED | ObjectAttributes::SIGN_ENCRYPT,
            spec.scheme,
            SymDef::Null,
        )?;
        self.create_key(t, KeyParent::Ek(spec.ek), spec.persist_at)
    }

    /// An App Key: unrestricted signing key, scheme NULL, a child of the SRK.
    pub(super) fn create_app_signing_key(&mut self, spec: &AppKeySpec) -> Result<TpmKey> {
        check_persistent(spec.persist_at)?;
        let t = template(
            spec.alg,
            KEY_BASE | ObjectAttributes::SIGN_ENCRYPT,
            Scheme::Null,
            SymDef::Null,
        )?;
        self.create_key(t, KeyParent::Srk, spec.persist_at)
    }

    /// The key persisted at `handle`, with its public area as the TPM returns it.
    pub(super) fn read_persistent(&mut self, handle: u32) -> Result<TpmKey> {
        let probe = TpmKey::new(
            template(
                KeyAlg::EccP256,
                KEY_BASE | ObjectAttributes::SIGN_ENCRYPT,
                Scheme::Null,
                SymDef::Null,
            )?,
            KeyLocation::Persistent(handle),
        );
        let loaded = self.load(&probe)?;
        let out = self
            .ctx
            .read_public(loaded.handle())
            .map_err(tss("read persistent key public"))
            .and_then(|(p, _, _)| from_tss_public(&p));
        let public = finish(&mut self.ctx, &[loaded], out)?;
        Ok(TpmKey::new(public, KeyLocation::Persistent(handle)))
    }

    /// TPM2_EvictControl of the key persisted at `handle`.
    pub(super) fn evict(&mut self, handle: u32) -> Result<()> {
        let probe = TpmKey::new(
            template(
                KeyAlg::EccP256,
                KEY_BASE | ObjectAttributes::SIGN_ENCRYPT,
                Scheme::Null,
                SymDef::Null,
            )?,
            KeyLocation::Persistent(handle),
        );
        let Loaded::Persistent(h) = self.load(&probe)? else {
            return Err(Error::InvalidArgument {
                what: "not a persistent handle",
            });
        };
        let persistent = Persistent::Persistent(persistent_handle(handle)?);
        let out = self
            .ctx
            .execute_with_nullauth_session(|c| {
                c.evict_control(Provision::Owner, ObjectHandle::from(h), persistent)
            })
            .map_err(tss("evict persistent key (EvictControl)"));
        match out {
            // ESYS marks the handle closed when the object is evicted.
            Ok(_) => Ok(()),
            Err(e) => finish(&mut self.ctx, &[Loaded::Persistent(h)], Err(e)),
        }
    }
}

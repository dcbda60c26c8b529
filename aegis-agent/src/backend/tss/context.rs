//! Handle and session lifetimes: keys are loaded for one operation (TPM2_Load, TPM 2.0 Part 3,
//! 12.2, or an ESYS resource for a persistent handle, read with TPM2_ReadPublic, 12.4) and
//! released before it returns (TPM2_FlushContext, 28.4, or closing the ESYS resource), on
//! success and on error, so a TPM without a resource manager never runs out of slots. A key under
//! an EK is loaded through a transient EK and a policy session (`TssBackend::under_parent`),
//! both flushed as soon as the key is loaded.

use aegis_core::error::Result;
use tss_esapi::handles::{KeyHandle, ObjectHandle, PersistentTpmHandle, TpmHandle};
use tss_esapi::interface_types::session_handles::AuthSession;
use tss_esapi::structures::Private;
use tss_esapi::Context;

use super::convert::to_tss_public;
use super::{tss, TssBackend};
use crate::backend::{KeyLocation, KeyParent, TpmKey};

/// A loaded object and how to let it go.
#[derive(Clone, Copy, Debug)]
pub(super) enum Loaded {
    /// A transient object: flush it.
    Transient(KeyHandle),
    /// An ESYS resource for a persistent handle: close it (the TPM object stays).
    Persistent(KeyHandle),
}

impl Loaded {
    /// The ESYS handle to pass to commands.
    pub(super) fn handle(self) -> KeyHandle {
        match self {
            Loaded::Transient(h) | Loaded::Persistent(h) => h,
        }
    }
}

fn release(ctx: &mut Context, l: Loaded) -> Result<()> {
    match l {
        Loaded::Transient(h) => ctx
            .flush_context(ObjectHandle::from(h))
            .map_err(tss("flush transient object")),
        Loaded::Persistent(h) => {
            let mut o = ObjectHandle::from(h);
            ctx.tr_close(&mut o).map_err(tss("close persistent handle"))
        }
    }
}

/// Runs `f`, then releases every handle in `loaded`; the first error wins, and a release error
/// is an error even when `f` succeeded (a leaked slot is not a success).
pub(super) fn finish<T>(ctx: &mut Context, loaded: &[Loaded], out: Result<T>) -> Result<T> {
    let mut release_err = None;
    for l in loaded.iter().rev() {
        if let Err(e) = release(ctx, *l) {
            release_err.get_or_insert(e);
        }
    }
    match (out, release_err) {
        (Err(e), _) => Err(e),
        (Ok(_), Some(e)) => Err(e),
        (Ok(v), None) => Ok(v),
    }
}

/// A persistent handle (0x81xxxxxx) as tss-esapi's type.
pub(super) fn persistent_handle(h: u32) -> Result<PersistentTpmHandle> {
    PersistentTpmHandle::new(h).map_err(tss("persistent handle"))
}

impl TssBackend {
    /// Runs `f` with the handle of `parent` and the session that authorises its use, then
    /// releases what it made: the SRK with a password session, or a transient EK (TPM2_CreatePrimary)
    /// with a policy session satisfying its policy (PolicySecret(TPM_RH_ENDORSEMENT), Part 3,
    /// 23.4), both flushed on every path. A tss-esapi error is reported as `what`.
    pub(super) fn under_parent<T>(
        &mut self,
        parent: KeyParent,
        what: &'static str,
        f: impl FnOnce(&mut Context, KeyHandle, AuthSession) -> tss_esapi::Result<T>,
    ) -> Result<T> {
        match parent {
            KeyParent::Srk => {
                let srk = self.srk;
                f(&mut self.ctx, srk, AuthSession::Password).map_err(tss(what))
            }
            KeyParent::Ek(kind) => {
                let ek = Loaded::Transient(self.ek_handle(kind)?);
                let session = match self.ek_policy_session(kind) {
                    Ok(s) => s,
                    Err(e) => return finish(&mut self.ctx, &[ek], Err(e)),
                };
                let out = f(&mut self.ctx, ek.handle(), session).map_err(tss(what));
                let flushed = self.flush_session(session);
                let out = finish(&mut self.ctx, &[ek], out)?;
                flushed?;
                Ok(out)
            }
        }
    }

    /// Loads `key` for one operation: TPM2_Load of its blob under its parent, or an ESYS
    /// resource for its persistent handle. Release it with [`finish`].
    pub(super) fn load(&mut self, key: &TpmKey) -> Result<Loaded> {
        match key.location() {
            KeyLocation::Blob { private, parent } => {
                let private = Private::try_from(private.clone()).map_err(tss("private blob"))?;
                let public = to_tss_public(key.public())?;
                let h = self.under_parent(*parent, "load key", |ctx, parent, session| {
                    ctx.execute_with_sessions((Some(session), None, None), |c| {
                        c.load(parent, private, public)
                    })
                })?;
                Ok(Loaded::Transient(h))
            }
            KeyLocation::Persistent(handle) => {
                let tpm_handle = TpmHandle::Persistent(persistent_handle(*handle)?);
                let o = self
                    .ctx
                    .execute_without_session(|c| c.tr_from_tpm_public(tpm_handle))
                    .map_err(tss("open persistent key"))?;
                Ok(Loaded::Persistent(KeyHandle::from(o)))
            }
        }
    }

    /// TPM2_FlushContext of a session.
    pub(super) fn flush_session(&mut self, session: AuthSession) -> Result<()> {
        let handle = tss_esapi::handles::SessionHandle::from(session);
        self.ctx
            .flush_context(ObjectHandle::from(handle))
            .map_err(tss("flush session"))
    }
}

//! Signing: digests with an unrestricted key (TPM2_Sign, TPM 2.0 Part 3, 20.2, with a NULL
//! validation ticket), and data with a restricted key, which needs a ticket from TPM2_Hash
//! (15.4) proving the data does not start with TPM_GENERATED_VALUE.

use aegis_core::error::{Error, Result};
use aegis_core::tpm::{ObjectAttributes, Scheme};
use tss_esapi::constants::tss as tss_constants;
use tss_esapi::interface_types::resource_handles::Hierarchy;
use tss_esapi::structures::{Digest, HashcheckTicket, MaxBuffer, SignatureScheme};
use tss_esapi::traits::Marshall;

use super::attest::require_restricted_signer;
use super::context::{finish, Loaded};
use super::convert::{hash_to_tss, scheme_to_tss};
use super::{tss, TssBackend};
use crate::backend::{check_not_tpm_generated, check_sign_scheme, TpmKey};

/// Largest data TPM2_Hash takes in one call (TPM2B_MAX_BUFFER, MAX_DIGEST_BUFFER = 1024).
const MAX_HASH_DATA: usize = 1024;

/// The NULL TPMT_TK_HASHCHECK that TPM2_Sign takes for an unrestricted key.
fn null_ticket() -> Result<HashcheckTicket> {
    let t = tss_esapi::tss2_esys::TPMT_TK_HASHCHECK {
        tag: tss_constants::TPM2_ST_HASHCHECK,
        hierarchy: tss_constants::TPM2_RH_NULL,
        digest: Default::default(),
    };
    HashcheckTicket::try_from(t).map_err(tss("null ticket"))
}

impl TssBackend {
    /// TPM2_Sign of `digest` by a loaded key, with `ticket`; the TPMT_SIGNATURE bytes.
    fn sign_with_ticket(
        &mut self,
        key: Loaded,
        digest: Digest,
        scheme: SignatureScheme,
        ticket: HashcheckTicket,
    ) -> Result<Vec<u8>> {
        let sig = self
            .ctx
            .execute_with_nullauth_session(|c| c.sign(key.handle(), digest, scheme, ticket))
            .map_err(tss("TPM2_Sign"))?;
        sig.marshall().map_err(tss("marshal TPMT_SIGNATURE"))
    }

    /// TPM2_Sign of `digest` by an unrestricted key.
    pub(super) fn sign_unrestricted(
        &mut self,
        key: &TpmKey,
        digest: &[u8],
        scheme: Scheme,
    ) -> Result<Vec<u8>> {
        if key.public().attributes.has(ObjectAttributes::RESTRICTED) {
            return Err(Error::InvalidArgument {
                what: "a restricted key signs only through sign_restricted",
            });
        }
        check_sign_scheme(key.public(), digest, scheme)?;
        let tss_scheme = scheme_to_tss(scheme)?;
        let d = Digest::try_from(digest.to_vec()).map_err(tss("digest"))?;
        let ticket = null_ticket()?;
        let loaded = self.load(key)?;
        let out = self.sign_with_ticket(loaded, d, tss_scheme, ticket);
        finish(&mut self.ctx, &[loaded], out)
    }

    /// TPM2_Hash then TPM2_Sign of `data` by a restricted key, refusing TPM-generated data.
    pub(super) fn sign_checked_data(&mut self, key: &TpmKey, data: &[u8]) -> Result<Vec<u8>> {
        require_restricted_signer(key)?;
        check_not_tpm_generated(data)?;
        self.sign_restricted_unchecked(key, data)
    }

    /// TPM2_Hash + TPM2_Sign without the local TPM_GENERATED_VALUE check, so tests can show
    /// that the TPM itself refuses (NULL ticket, TPM_RC_TICKET). Use `sign_restricted`.
    #[doc(hidden)]
    pub fn sign_restricted_unchecked(&mut self, key: &TpmKey, data: &[u8]) -> Result<Vec<u8>> {
        let hash = key.public().scheme().hash().ok_or(Error::InvalidArgument {
            what: "restricted key without a scheme hash",
        })?;
        if data.len() > MAX_HASH_DATA {
            return Err(Error::SizeOutOfRange {
                what: "data for TPM2_Hash",
                size: data.len(),
                max: MAX_HASH_DATA,
            });
        }
        let buf = MaxBuffer::try_from(data.to_vec()).map_err(tss("data"))?;
        let (digest, ticket) = self
            .ctx
            .execute_without_session(|c| c.hash(buf, hash_to_tss(hash), Hierarchy::Owner))
            .map_err(tss("TPM2_Hash"))?;
        let loaded = self.load(key)?;
        let out = self.sign_with_ticket(loaded, digest, SignatureScheme::Null, ticket);
        finish(&mut self.ctx, &[loaded], out)
    }
}

//! Attestation: credential activation with an EK (TPM2_ActivateCredential, TPM 2.0 Part 3, 12.5,
//! in a policy session: TPM2_StartAuthSession, 11.1, TPM2_PolicySecret, 23.4, and for the
//! high-range EKs TPM2_PolicyOR, 23.6), key certification (TPM2_Certify, 18.2) and quotes
//! (TPM2_Quote, 18.4), by a restricted signing key in its own scheme.

use aegis_core::error::{Error, Result};
use aegis_core::tpm::{ObjectAttributes, PcrSelection};
use tss_esapi::attributes::SessionAttributesBuilder;
use tss_esapi::constants::SessionType;
use tss_esapi::handles::{AuthHandle, ObjectHandle};
use tss_esapi::interface_types::algorithm::HashingAlgorithm;
use tss_esapi::interface_types::session_handles::{AuthSession, PolicySession};
use tss_esapi::structures::{
    Data, Digest, DigestList, EncryptedSecret, IdObject, SignatureScheme, SymmetricDefinition,
};
use zeroize::Zeroizing;

use super::context::finish;
use super::convert::{attest_evidence, to_tss_selection};
use super::{tss, TssBackend};
use crate::backend::{strip_tpm2b, AttestEvidence, EkKind, KeyParent, QuoteEvidence, TpmKey};

/// EK Credential Profile 2.5, B.6: PolicyA and PolicyC for SHA-384 (PolicyOR branches of the
/// high-range EK templates' policy B).
const POLICY_A_SHA384: [u8; 48] = [
    0x8b, 0xbf, 0x22, 0x66, 0x53, 0x7c, 0x17, 0x1c, 0xb5, 0x6e, 0x40, 0x3c, 0x4d, 0xc1, 0xd4, 0xb6,
    0x4f, 0x43, 0x26, 0x11, 0xdc, 0x38, 0x6e, 0x6f, 0x53, 0x20, 0x50, 0xc3, 0x27, 0x8c, 0x93, 0x0e,
    0x14, 0x3e, 0x8b, 0xb1, 0x13, 0x38, 0x24, 0xcc, 0xb4, 0x31, 0x05, 0x38, 0x71, 0xc6, 0xdb, 0x53,
];
const POLICY_C_SHA384: [u8; 48] = [
    0xd6, 0x03, 0x2c, 0xe6, 0x1f, 0x2f, 0xb3, 0xc2, 0x40, 0xeb, 0x3c, 0xf6, 0xa3, 0x32, 0x37, 0xef,
    0x2b, 0x6a, 0x16, 0xf4, 0x29, 0x3c, 0x22, 0xb4, 0x55, 0xe2, 0x61, 0xcf, 0xfd, 0x21, 0x7a, 0xd5,
    0xb4, 0x94, 0x7c, 0x2d, 0x73, 0xe6, 0x30, 0x05, 0xee, 0xd2, 0xdc, 0x2b, 0x35, 0x93, 0xd1, 0x65,
];

/// `InvalidArgument` unless `key` is a restricted signing key (an AK).
pub(super) fn require_restricted_signer(key: &TpmKey) -> Result<()> {
    if !key
        .public()
        .attributes
        .has(ObjectAttributes::RESTRICTED | ObjectAttributes::SIGN_ENCRYPT)
    {
        return Err(Error::InvalidArgument {
            what: "not a restricted signing key",
        });
    }
    Ok(())
}

impl TssBackend {
    /// A policy session satisfying the EK's policy (PolicySecret(TPM_RH_ENDORSEMENT), and for
    /// the high-range SHA-384 template PolicyOR(A, C)).
    pub(super) fn ek_policy_session(&mut self, kind: EkKind) -> Result<AuthSession> {
        let (hash, sym) = match kind {
            EkKind::EccP384 => (HashingAlgorithm::Sha384, SymmetricDefinition::AES_256_CFB),
            EkKind::Rsa2048 | EkKind::EccP256 => {
                (HashingAlgorithm::Sha256, SymmetricDefinition::AES_128_CFB)
            }
        };
        let session = self
            .ctx
            .start_auth_session(None, None, None, SessionType::Policy, sym, hash)
            .map_err(tss("start policy session"))?
            .ok_or(Error::Backend {
                what: "start policy session",
                detail: "no session returned".to_owned(),
            })?;
        let result = (|| -> Result<()> {
            let (attrs, mask) = SessionAttributesBuilder::new()
                .with_decrypt(true)
                .with_encrypt(true)
                .build();
            self.ctx
                .tr_sess_set_attributes(session, attrs, mask)
                .map_err(tss("session attributes"))?;
            let policy = PolicySession::try_from(session).map_err(tss("policy session"))?;
            self.ctx
                .execute_with_nullauth_session(|c| {
                    c.policy_secret(
                        policy,
                        AuthHandle::Endorsement,
                        Default::default(),
                        Default::default(),
                        Default::default(),
                        None,
                    )
                })
                .map_err(tss("PolicySecret(endorsement)"))?;
            if kind == EkKind::EccP384 {
                let mut list = DigestList::new();
                for d in [&POLICY_A_SHA384[..], &POLICY_C_SHA384[..]] {
                    list.add(Digest::try_from(d).map_err(tss("policy digest"))?)
                        .map_err(tss("policy digest"))?;
                }
                self.ctx.policy_or(policy, list).map_err(tss("PolicyOR"))?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            let _ = self.flush_session(session);
            return Err(e);
        }
        Ok(session)
    }

    /// TPM2_ActivateCredential of `ak` with the EK of `ek`.
    pub(super) fn activate(
        &mut self,
        ak: &TpmKey,
        ek: EkKind,
        credential_blob: &[u8],
        encrypted_secret: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let blob = IdObject::try_from(strip_tpm2b(credential_blob).to_vec())
            .map_err(tss("credential blob"))?;
        let secret = EncryptedSecret::try_from(strip_tpm2b(encrypted_secret).to_vec())
            .map_err(tss("encrypted secret"))?;
        let ak_loaded = self.load(ak)?;
        let out = self.under_parent(
            KeyParent::Ek(ek),
            "TPM2_ActivateCredential",
            |ctx, ek_handle, session| {
                ctx.execute_with_sessions((Some(AuthSession::Password), Some(session), None), |c| {
                    c.activate_credential(ak_loaded.handle(), ek_handle, blob, secret)
                })
            },
        );
        let out = out.map(|d| Zeroizing::new(d.value().to_vec()));
        finish(&mut self.ctx, &[ak_loaded], out)
    }

    /// TPM2_Certify of `key` by `ak`.
    pub(super) fn certify_key(
        &mut self,
        key: &TpmKey,
        ak: &TpmKey,
        qualifying_data: &[u8],
    ) -> Result<AttestEvidence> {
        require_restricted_signer(ak)?;
        let data = Data::try_from(qualifying_data.to_vec()).map_err(tss("qualifying data"))?;
        // The AK first: loading it under its EK takes a slot for the EK while it loads.
        let ak_loaded = self.load(ak)?;
        let key_loaded = match self.load(key) {
            Ok(l) => l,
            Err(e) => return finish(&mut self.ctx, &[ak_loaded], Err(e)),
        };
        let out = self
            .ctx
            .execute_with_sessions(
                (
                    Some(AuthSession::Password),
                    Some(AuthSession::Password),
                    None,
                ),
                |c| {
                    c.certify(
                        ObjectHandle::from(key_loaded.handle()),
                        ak_loaded.handle(),
                        data,
                        SignatureScheme::Null,
                    )
                },
            )
            .map_err(tss("TPM2_Certify"))
            .and_then(|(a, s)| attest_evidence(a, s));
        finish(&mut self.ctx, &[key_loaded, ak_loaded], out)
    }

    /// TPM2_Quote of `selection` by `ak`, then the PCR values.
    pub(super) fn quote_pcrs(
        &mut self,
        ak: &TpmKey,
        selection: &PcrSelection,
        nonce: &[u8],
    ) -> Result<QuoteEvidence> {
        require_restricted_signer(ak)?;
        let data = Data::try_from(nonce.to_vec()).map_err(tss("nonce"))?;
        let list = to_tss_selection(selection)?;
        let ak_loaded = self.load(ak)?;
        let out = self
            .ctx
            .execute_with_nullauth_session(|c| {
                c.quote(ak_loaded.handle(), data, SignatureScheme::Null, list)
            })
            .map_err(tss("TPM2_Quote"))
            .and_then(|(a, s)| attest_evidence(a, s));
        let ev = finish(&mut self.ctx, &[ak_loaded], out)?;
        let pcrs = self.read_pcrs(selection)?;
        Ok(QuoteEvidence {
            attest: ev.attest,
            signature: ev.signature,
            pcrs,
        })
    }
}

//! The TPM backend over tss-esapi (libtss2 ESAPI), behind cargo feature `tss`.
//!
//! The TCTI is a string: `swtpm:host=127.0.0.1,port=2321`, `device:/dev/tpmrm0`,
//! `tabrmd:bus_type=system`, ... (tss-esapi `TctiNameConf`).
//!
//! Handles: a storage root key (ECC P-256, owner hierarchy, the TCG SRK template with
//! zero-filled unique) is created at open and stays loaded for the backend's life; every other
//! object (EK, AK, App Key) is loaded for one operation and flushed before the operation
//! returns, on success and on error. Without a resource manager a TPM holds about three
//! transient objects; no operation here needs more than three at once (SRK + two keys).
//!
//! Wire bytes: tss-esapi hands back parsed structures; they are re-marshalled with libtss2's MU
//! functions, which are the exact inverse of its unmarshalling, so the bytes are the TPM's. The
//! verifiers check the TPM's own Names and signatures over them, so any difference would show.

use core::fmt;
use std::convert::TryFrom;
use std::str::FromStr;

use tss_esapi::abstraction::{ek, nv, AsymmetricAlgorithmSelection};
use tss_esapi::attributes::SessionAttributesBuilder;
use tss_esapi::constants::{tss as tss_constants, CapabilityType, SessionType};
use tss_esapi::handles::{
    AuthHandle, KeyHandle, NvIndexTpmHandle, ObjectHandle, PcrHandle, PersistentTpmHandle,
    TpmHandle,
};
use tss_esapi::interface_types::algorithm::HashingAlgorithm;
use tss_esapi::interface_types::dynamic_handles::Persistent;
use tss_esapi::interface_types::ecc::EccCurve as TssEccCurve;
use tss_esapi::interface_types::key_bits::RsaKeyBits;
use tss_esapi::interface_types::resource_handles::{Hierarchy, NvAuth, Provision};
use tss_esapi::interface_types::session_handles::{AuthSession, PolicySession};
use tss_esapi::structures::{
    CapabilityData, Data, Digest, DigestList, DigestValues, EncryptedSecret, HashScheme,
    HashcheckTicket, IdObject, MaxBuffer, PcrSelectionList, PcrSlot, Private, Public as TssPublic,
    SignatureScheme, SymmetricDefinition,
};
use tss_esapi::tcti_ldr::TctiNameConf;
use tss_esapi::traits::{Marshall, UnMarshall};
use tss_esapi::Context;
use zeroize::Zeroizing;

use super::{
    check_not_tpm_generated, check_sign_scheme, strip_tpm2b, AkSpec, AppKeySpec, AttestEvidence,
    BackendInfo, EkInfo, EkKind, KeyAlg, KeyLocation, QuoteEvidence, TpmBackend, TpmKey,
};
use crate::error::{Error, Result};
use crate::tpm::{
    alg, EccCurve, EccParms, HashAlg, KeyParms, ObjectAttributes, PcrSelection, PcrValues, Public,
    RsaParms, Scheme, SymDef, PCR_COUNT,
};

/// Largest data TPM2_Hash takes in one call (TPM2B_MAX_BUFFER, MAX_DIGEST_BUFFER = 1024).
const MAX_HASH_DATA: usize = 1024;

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

const PCR_HANDLES: [PcrHandle; 24] = [
    PcrHandle::Pcr0,
    PcrHandle::Pcr1,
    PcrHandle::Pcr2,
    PcrHandle::Pcr3,
    PcrHandle::Pcr4,
    PcrHandle::Pcr5,
    PcrHandle::Pcr6,
    PcrHandle::Pcr7,
    PcrHandle::Pcr8,
    PcrHandle::Pcr9,
    PcrHandle::Pcr10,
    PcrHandle::Pcr11,
    PcrHandle::Pcr12,
    PcrHandle::Pcr13,
    PcrHandle::Pcr14,
    PcrHandle::Pcr15,
    PcrHandle::Pcr16,
    PcrHandle::Pcr17,
    PcrHandle::Pcr18,
    PcrHandle::Pcr19,
    PcrHandle::Pcr20,
    PcrHandle::Pcr21,
    PcrHandle::Pcr22,
    PcrHandle::Pcr23,
];

fn tss(what: &'static str) -> impl Fn(tss_esapi::Error) -> Error {
    move |e| Error::Backend {
        what,
        detail: e.to_string(),
    }
}

fn hash_to_tss(h: HashAlg) -> HashingAlgorithm {
    match h {
        HashAlg::Sha1 => HashingAlgorithm::Sha1,
        HashAlg::Sha256 => HashingAlgorithm::Sha256,
        HashAlg::Sha384 => HashingAlgorithm::Sha384,
        HashAlg::Sha512 => HashingAlgorithm::Sha512,
    }
}

fn to_tss_public(p: &Public) -> Result<TssPublic> {
    TssPublic::unmarshall(p.tpmt_bytes()).map_err(tss("encode TPMT_PUBLIC"))
}

fn from_tss_public(p: &TssPublic) -> Result<Public> {
    Public::parse_tpmt(&p.marshall().map_err(tss("marshal TPMT_PUBLIC"))?)
}

fn to_tss_selection(selection: &PcrSelection) -> Result<PcrSelectionList> {
    let mut b = PcrSelectionList::builder();
    for bank in &selection.banks {
        let slots: Vec<PcrSlot> = bank
            .indices()
            .map(|i| PcrSlot::try_from(1u32 << i))
            .collect::<core::result::Result<_, _>>()
            .map_err(tss("PCR slot"))?;
        b = b.with_selection(hash_to_tss(bank.hash), &slots);
    }
    b.build().map_err(tss("PCR selection"))
}

/// The key templates (TPMT_PUBLIC with zero-filled unique), built with aegis-core's encoder.
fn template(alg: KeyAlg, attributes: u32, scheme: Scheme, symmetric: SymDef) -> Result<Public> {
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

const KEY_BASE: u32 = ObjectAttributes::FIXED_TPM
    | ObjectAttributes::FIXED_PARENT
    | ObjectAttributes::SENSITIVE_DATA_ORIGIN
    | ObjectAttributes::USER_WITH_AUTH;

/// A loaded object and how to let it go.
#[derive(Clone, Copy, Debug)]
enum Loaded {
    /// A transient object: flush it.
    Transient(KeyHandle),
    /// An ESYS resource for a persistent handle: close it (the TPM object stays).
    Persistent(KeyHandle),
}

impl Loaded {
    fn handle(self) -> KeyHandle {
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
fn finish<T>(ctx: &mut Context, loaded: &[Loaded], out: Result<T>) -> Result<T> {
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

fn persistent_handle(h: u32) -> Result<PersistentTpmHandle> {
    PersistentTpmHandle::new(h).map_err(tss("persistent handle"))
}

/// The tss-esapi backend. See the module documentation.
pub struct TssBackend {
    ctx: Context,
    srk: KeyHandle,
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
    /// `tabrmd`) and loads the storage root key.
    pub fn open(tcti: &str) -> Result<Self> {
        let conf = TctiNameConf::from_str(tcti).map_err(tss("parse TCTI string"))?;
        let mut ctx = Context::new(conf).map_err(tss("open TPM context"))?;
        let srk_template = template(
            KeyAlg::EccP256,
            KEY_BASE
                | ObjectAttributes::NO_DA
                | ObjectAttributes::RESTRICTED
                | ObjectAttributes::DECRYPT,
            Scheme::Null,
            SymDef::Aes {
                key_bits: 128,
                mode: alg::CFB,
            },
        )?;
        let srk_public = to_tss_public(&srk_template)?;
        let srk = ctx
            .execute_with_nullauth_session(|c| {
                c.create_primary(Hierarchy::Owner, srk_public, None, None, None, None)
            })
            .map_err(tss("create storage root key"))?
            .key_handle;
        Ok(TssBackend { ctx, srk })
    }

    /// Number of transient objects loaded in the TPM right now (TPM2_GetCapability, handles
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

    fn load(&mut self, key: &TpmKey) -> Result<Loaded> {
        match key.location() {
            KeyLocation::Blob(private) => {
                let private = Private::try_from(private.clone()).map_err(tss("private blob"))?;
                let public = to_tss_public(key.public())?;
                let srk = self.srk;
                let h = self
                    .ctx
                    .execute_with_nullauth_session(|c| c.load(srk, private, public))
                    .map_err(tss("load key"))?;
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

    fn create_key(&mut self, public: Public, persist_at: Option<u32>) -> Result<TpmKey> {
        let template = to_tss_public(&public)?;
        let srk = self.srk;
        let created = self
            .ctx
            .execute_with_nullauth_session(|c| c.create(srk, template, None, None, None, None))
            .map_err(tss("create key"))?;
        let public = from_tss_public(&created.out_public)?;
        let key = TpmKey::new(
            public,
            KeyLocation::Blob(created.out_private.value().to_vec()),
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

    fn create_ek(&mut self, kind: EkKind) -> Result<KeyHandle> {
        let sel = match kind {
            EkKind::Rsa2048 => AsymmetricAlgorithmSelection::Rsa(RsaKeyBits::Rsa2048),
            EkKind::EccP256 => AsymmetricAlgorithmSelection::Ecc(TssEccCurve::NistP256),
            EkKind::EccP384 => AsymmetricAlgorithmSelection::Ecc(TssEccCurve::NistP384),
        };
        ek::create_ek_object_2(&mut self.ctx, sel, None).map_err(tss("create EK"))
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

    /// A policy session satisfying the EK's policy (PolicySecret(TPM_RH_ENDORSEMENT), and for
    /// the high-range SHA-384 template PolicyOR(A, C)).
    fn ek_policy_session(&mut self, kind: EkKind) -> Result<AuthSession> {
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

    fn flush_session(&mut self, session: AuthSession) -> Result<()> {
        let handle = tss_esapi::handles::SessionHandle::from(session);
        self.ctx
            .flush_context(ObjectHandle::from(handle))
            .map_err(tss("flush session"))
    }

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
}

fn null_ticket() -> Result<HashcheckTicket> {
    let t = tss_esapi::tss2_esys::TPMT_TK_HASHCHECK {
        tag: tss_constants::TPM2_ST_HASHCHECK,
        hierarchy: tss_constants::TPM2_RH_NULL,
        digest: Default::default(),
    };
    HashcheckTicket::try_from(t).map_err(tss("null ticket"))
}

fn scheme_to_tss(scheme: Scheme) -> Result<SignatureScheme> {
    Ok(match scheme {
        Scheme::Ecdsa(h) => SignatureScheme::EcDsa {
            hash_scheme: HashScheme::new(hash_to_tss(h)),
        },
        Scheme::RsaSsa(h) => SignatureScheme::RsaSsa {
            hash_scheme: HashScheme::new(hash_to_tss(h)),
        },
        Scheme::RsaPss(h) => SignatureScheme::RsaPss {
            hash_scheme: HashScheme::new(hash_to_tss(h)),
        },
        _ => {
            return Err(Error::InvalidArgument {
                what: "signing scheme must be ECDSA, RSASSA or RSAPSS",
            })
        }
    })
}

fn attest_evidence(
    attest: tss_esapi::structures::Attest,
    sig: tss_esapi::structures::Signature,
) -> Result<AttestEvidence> {
    Ok(AttestEvidence {
        attest: attest.marshall().map_err(tss("marshal TPMS_ATTEST"))?,
        signature: sig.marshall().map_err(tss("marshal TPMT_SIGNATURE"))?,
    })
}

fn require_restricted_signer(key: &TpmKey) -> Result<()> {
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

impl TpmBackend for TssBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            name: "tss",
            hardware_protected: true,
        }
    }

    fn read_ek(&mut self, kind: EkKind) -> Result<EkInfo> {
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

    fn create_ak(&mut self, spec: &AkSpec) -> Result<TpmKey> {
        spec.check()?;
        let t = template(
            spec.alg,
            KEY_BASE | ObjectAttributes::RESTRICTED | ObjectAttributes::SIGN_ENCRYPT,
            spec.scheme,
            SymDef::Null,
        )?;
        self.create_key(t, spec.persist_at)
    }

    fn create_app_key(&mut self, spec: &AppKeySpec) -> Result<TpmKey> {
        super::check_persistent(spec.persist_at)?;
        let t = template(
            spec.alg,
            KEY_BASE | ObjectAttributes::SIGN_ENCRYPT,
            Scheme::Null,
            SymDef::Null,
        )?;
        self.create_key(t, spec.persist_at)
    }

    fn load_persistent(&mut self, handle: u32) -> Result<TpmKey> {
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

    fn evict_persistent(&mut self, handle: u32) -> Result<()> {
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

    fn activate_credential(
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
        let ek_loaded = match self.create_ek(ek) {
            Ok(h) => Loaded::Transient(h),
            Err(e) => return finish(&mut self.ctx, &[ak_loaded], Err(e)),
        };
        let session = match self.ek_policy_session(ek) {
            Ok(s) => s,
            Err(e) => return finish(&mut self.ctx, &[ak_loaded, ek_loaded], Err(e)),
        };
        let out = self
            .ctx
            .execute_with_sessions((Some(AuthSession::Password), Some(session), None), |c| {
                c.activate_credential(ak_loaded.handle(), ek_loaded.handle(), blob, secret)
            })
            .map_err(tss("TPM2_ActivateCredential"))
            .map(|d| Zeroizing::new(d.value().to_vec()));
        let flushed = self.flush_session(session);
        let out = finish(&mut self.ctx, &[ak_loaded, ek_loaded], out)?;
        flushed?;
        Ok(out)
    }

    fn certify(
        &mut self,
        key: &TpmKey,
        ak: &TpmKey,
        qualifying_data: &[u8],
    ) -> Result<AttestEvidence> {
        require_restricted_signer(ak)?;
        let data = Data::try_from(qualifying_data.to_vec()).map_err(tss("qualifying data"))?;
        let key_loaded = self.load(key)?;
        let ak_loaded = match self.load(ak) {
            Ok(l) => l,
            Err(e) => return finish(&mut self.ctx, &[key_loaded], Err(e)),
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

    fn quote(
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
        let pcrs = self.pcr_read(selection)?;
        Ok(QuoteEvidence {
            attest: ev.attest,
            signature: ev.signature,
            pcrs,
        })
    }

    fn pcr_read(&mut self, selection: &PcrSelection) -> Result<PcrValues> {
        let mut list = to_tss_selection(selection)?;
        let mut out = PcrValues::default();
        // TPM2_PCR_Read returns at most 8 digests per call: read until the selection is empty.
        let mut rounds = 0;
        while !list.is_empty() {
            rounds += 1;
            if rounds > 2 * usize::from(PCR_COUNT) {
                return Err(Error::Backend {
                    what: "TPM2_PCR_Read",
                    detail: "TPM made no progress".to_owned(),
                });
            }
            let (_, read, digests) = self
                .ctx
                .execute_without_session(|c| c.pcr_read(list.clone()))
                .map_err(tss("TPM2_PCR_Read"))?;
            let mut values = digests.value().iter();
            for sel in read.get_selections() {
                let bank = HashAlg::from_alg_id(
                    u16::from(tss_esapi::constants::AlgorithmIdentifier::from(
                        sel.hashing_algorithm(),
                    )),
                    "PCR bank",
                )?;
                for slot in sel.selected() {
                    let index = u32::from(slot).trailing_zeros() as u8;
                    let d = values.next().ok_or(Error::Backend {
                        what: "TPM2_PCR_Read",
                        detail: "fewer digests than selected".to_owned(),
                    })?;
                    out.insert(bank, index, d.value().to_vec())?;
                }
            }
            if read.is_empty() {
                return Err(Error::Backend {
                    what: "TPM2_PCR_Read",
                    detail: "selection not available (bank not allocated?)".to_owned(),
                });
            }
            list.subtract(&read).map_err(tss("PCR selection"))?;
        }
        Ok(out)
    }

    fn pcr_extend(&mut self, index: u8, digests: &[(HashAlg, Vec<u8>)]) -> Result<()> {
        let handle = *PCR_HANDLES
            .get(usize::from(index))
            .ok_or(Error::InvalidArgument {
                what: "PCR index must be below 24",
            })?;
        let mut values = DigestValues::new();
        for (bank, d) in digests {
            if d.len() != bank.digest_size() {
                return Err(Error::InvalidArgument {
                    what: "extend digest size differs from the bank's",
                });
            }
            values.set(
                hash_to_tss(*bank),
                Digest::try_from(d.clone()).map_err(tss("digest"))?,
            );
        }
        self.ctx
            .execute_with_nullauth_session(|c| c.pcr_extend(handle, values))
            .map_err(tss("TPM2_PCR_Extend"))
    }

    fn sign_digest(&mut self, key: &TpmKey, digest: &[u8], scheme: Scheme) -> Result<Vec<u8>> {
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

    fn sign_restricted(&mut self, key: &TpmKey, data: &[u8]) -> Result<Vec<u8>> {
        require_restricted_signer(key)?;
        check_not_tpm_generated(data)?;
        self.sign_restricted_unchecked(key, data)
    }
}

impl TssBackend {
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

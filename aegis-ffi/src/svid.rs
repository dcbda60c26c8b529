//! X.509-SVIDs and the gateway decision (aegis_core::svid, docs/svid.md, docs/gateway.md):
//! verify a SPIFFE X.509-SVID chain (`aegis_svid_verify`), make the AttestedClaims and CMW
//! extensions a SPIRE CredentialComposer adds (`aegis_attested_claims_extension_make`,
//! `aegis_cmw_extension_make`: the DER extnValue; both extensions are non-critical, their OIDs
//! are `AEGIS_OID_ATTESTED_CLAIMS` and `AEGIS_OID_CMW`, defined in the header), and decide on a client's chain as a
//! gateway (`aegis_gateway_check`).
//!
//! Results are JSON documents (`aegis_string`, freed with `aegis_string_free`), the same the
//! `aegis svid verify` and `aegis gateway check` commands print.

use aegis_core::crypto::default_provider;
use aegis_core::ear::TokenFormat;
use aegis_core::svid::gateway::{
    decide_chain, GatewayContext, GatewayPolicy, NetworkLocationVerifier,
};
use aegis_core::svid::{
    encode_attested_claims, encode_cmw_ear, pem_certificates, verify_svid, SvidBundle,
};
use aegis_core::time::UnixTime;
use aegis_core::Error;

use crate::boundary::{self, ErrOut, Failure, FfiResult};
use crate::buffers::{aegis_bytes, aegis_string};
use crate::ear::{aegis_ear_dialect, dialect};
use crate::error::aegis_error;
use crate::network::aegis_network_verifier;
use crate::sign::aegis_public_key;
use crate::status::aegis_status;

/// The form of the EAR an `aegis_cmw_extension_make` wraps: one of the `AEGIS_EAR_FORM_*`
/// constants.
pub type aegis_ear_form = u32;
/// A JWT EAR (the CMW's json arm).
pub const AEGIS_EAR_FORM_JWT: aegis_ear_form = 0;
/// A CWT EAR (the CMW's cbor arm).
pub const AEGIS_EAR_FORM_CWT: aegis_ear_form = 1;

/// The bundle of `(bundle_pem, bundle_len)`, restricted to `trust_domain` when one is given.
///
/// # Safety
/// Both `(ptr, len)` pairs are readable or NULL with length 0.
unsafe fn bundle(
    pem: *const u8,
    pem_len: usize,
    trust_domain: *const u8,
    trust_domain_len: usize,
) -> FfiResult<SvidBundle> {
    // SAFETY: the caller upholds this function's contract for (pem, pem_len).
    let pem = unsafe { boundary::bytes(pem, pem_len, "bundle_pem") }?;
    // SAFETY: the caller upholds this function's contract for the trust domain.
    let td = unsafe { boundary::bytes(trust_domain, trust_domain_len, "trust_domain") }?;
    let mut bundle = SvidBundle::from_pem(pem)?;
    if !td.is_empty() {
        let td = core::str::from_utf8(td).map_err(|_| Failure::InvalidUtf8("trust_domain"))?;
        bundle.set_trust_domain(td)?;
    }
    Ok(bundle)
}

/// Verifies the X.509-SVID chain `chain_pem` (PEM, leaf first, then intermediates) against the
/// trust bundle `bundle_pem` (PEM CA certificates) at `now` (Unix seconds), per the SPIFFE
/// X509-SVID specification (aegis_core::svid::verify_svid). `trust_domain` (UTF-8, NULL with
/// length 0 for none) restricts the leaf to that trust domain. On success writes to `*out` the
/// JSON `{"spiffe_id", "trust_domain", "path", "path_len", "attested_claims": object | null,
/// "ear": {"choice", "format", "media_type", "token" | "token_base64"} | null}` (an
/// `aegis_string` the caller frees). A chain that fails a check is its `AEGIS_SVID_*` status.
///
/// # Safety
/// Each `(ptr, len)` pair is readable or NULL with length 0; `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_svid_verify(
    chain_pem: *const u8,
    chain_len: usize,
    bundle_pem: *const u8,
    bundle_len: usize,
    trust_domain: *const u8,
    trust_domain_len: usize,
    now: u64,
    out: *mut *mut aegis_string,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (chain_pem, chain_len).
        let chain = unsafe { boundary::bytes(chain_pem, chain_len, "chain_pem") }?;
        // SAFETY: the caller upholds this function's contract for the bundle and trust domain.
        let bundle = unsafe { bundle(bundle_pem, bundle_len, trust_domain, trust_domain_len) }?;
        let certs = pem_certificates(chain)?;
        let chain: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
        let verified = verify_svid(
            default_provider(),
            &chain,
            &bundle,
            UnixTime::from_secs(now),
        )?;
        out.write_box(aegis_string::new(&verified.to_json().to_string()));
        Ok(())
    })
}

/// The AttestedClaims extension's DER extnValue (a UTF8String) for the JSON document
/// `(claims_json, claims_len)` (one JSON object, at most 32 KiB, no duplicate members), written to
/// `*out` (an `aegis_bytes` the caller frees) on success. The extension is non-critical; its OID
/// is `AEGIS_OID_ATTESTED_CLAIMS`.
///
/// # Safety
/// `(claims_json, claims_len)` is readable or NULL with length 0; `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_attested_claims_extension_make(
    claims_json: *const u8,
    claims_len: usize,
    out: *mut *mut aegis_bytes,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (claims_json, claims_len).
        let claims = unsafe { boundary::bytes(claims_json, claims_len, "claims_json") }?;
        let ext = encode_attested_claims(claims)?;
        out.write_box(aegis_bytes::new(ext.into_value()));
        Ok(())
    })
}

/// The CMW extension's DER extnValue (draft-ietf-rats-msg-wrap: the json arm for a JWT, the cbor
/// arm for a CWT) carrying the signed EAR `(token, token_len)` of `form` (`AEGIS_EAR_FORM_*`) in
/// `dialect` (`AEGIS_EAR_DIALECT_*`, for the media type's profile), written to `*out` (an
/// `aegis_bytes` the caller frees). Non-critical; OID `AEGIS_OID_CMW`.
///
/// # Safety
/// `(token, token_len)` is readable or NULL with length 0; `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_cmw_extension_make(
    token: *const u8,
    token_len: usize,
    form: aegis_ear_form,
    dialect_: aegis_ear_dialect,
    out: *mut *mut aegis_bytes,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (token, token_len).
        let token = unsafe { boundary::bytes(token, token_len, "token") }?;
        let format = match form {
            AEGIS_EAR_FORM_JWT => TokenFormat::Jwt,
            AEGIS_EAR_FORM_CWT => TokenFormat::Cwt,
            _ => {
                return Err(Error::InvalidArgument {
                    what: "form is not an AEGIS_EAR_FORM_* value",
                }
                .into())
            }
        };
        let ext = encode_cmw_ear(token, format, dialect(dialect_)?)?;
        out.write_box(aegis_bytes::new(ext.into_value()));
        Ok(())
    })
}

/// A gateway's decision on a client's X.509-SVID chain (aegis_core::svid::gateway::decide_chain,
/// docs/gateway.md): the chain (PEM, leaf first) verified against `bundle_pem`, its attested
/// claims and CMW-wrapped EAR checked against the verifier's `ear_key` and the gateway policy
/// `(policy_json, policy_len)` at `now`. A mobile reading is accepted only when the network
/// location verifier `network` (NULL for none: a mobile reading then denies,
/// `AEGIS_GATEWAY_NETWORK_VERIFIER_MISSING`) verifies it; its callback is called on this thread
/// unless the verifier's cache answers. On success writes the decision JSON (`{"verdict": "allow" | "deny",
/// "reasons": [...], "headers": {...}}`, an `aegis_string` the caller frees) to `*out` and
/// whether it allows to `*allowed`: a denial is a decision, not an error. An invalid policy is
/// `AEGIS_GATEWAY_POLICY_INVALID`.
///
/// # Safety
/// Each `(ptr, len)` pair is readable or NULL with length 0; `ear_key` is NULL or a live
/// `aegis_public_key`; `network` is NULL or a live `aegis_network_verifier`; `out` and `allowed`
/// are valid for writing; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_gateway_check(
    chain_pem: *const u8,
    chain_len: usize,
    bundle_pem: *const u8,
    bundle_len: usize,
    policy_json: *const u8,
    policy_len: usize,
    ear_key: *const aegis_public_key,
    network: *const aegis_network_verifier,
    now: u64,
    out: *mut *mut aegis_string,
    allowed: *mut bool,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out and allowed.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: as above.
        let allowed = unsafe { boundary::out(allowed, "allowed") }?;
        // SAFETY: the caller upholds this function's contract for (chain_pem, chain_len).
        let chain = unsafe { boundary::bytes(chain_pem, chain_len, "chain_pem") }?;
        // SAFETY: the caller upholds this function's contract for the bundle.
        let bundle = unsafe { bundle(bundle_pem, bundle_len, core::ptr::null(), 0) }?;
        // SAFETY: the caller upholds this function's contract for (policy_json, policy_len).
        let policy = unsafe { boundary::bytes(policy_json, policy_len, "policy_json") }?;
        // SAFETY: the caller upholds this function's contract for ear_key.
        let ear_key = unsafe { boundary::borrow(ear_key, "ear_key") }?;
        // SAFETY: the caller upholds this function's contract for network (NULL or live).
        let network = unsafe { network.as_ref() };
        let policy = GatewayPolicy::from_json(policy)?;
        // Input that is not PEM certificates is an error (`AEGIS_SVID_CERTIFICATE_INVALID`):
        // there is no chain to decide on. Every check of a chain is a reason in the decision.
        let certs = pem_certificates(chain)?;
        let chain: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
        let decision = decide_chain(
            default_provider(),
            &chain,
            &bundle,
            &policy,
            &GatewayContext {
                network: network.map(|n| &n.inner as &dyn NetworkLocationVerifier),
                ..GatewayContext::new(&ear_key.inner, UnixTime::from_secs(now))
            },
        );
        allowed.write(decision.allowed());
        out.write_box(aegis_string::new(&decision.to_json().to_string()));
        Ok(())
    })
}

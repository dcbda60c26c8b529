//! X.509-SVIDs and the gateway decision (aegis_core::svid, docs/svid.md, docs/gateway.md):
//! `verify_svid`, the extensions a SPIRE CredentialComposer adds
//! (`attested_claims_extension`, `cmw_extension`) and `gateway_check`.

use aegis_core::crypto::default_provider;
use aegis_core::ear::{Dialect, TokenFormat};
use aegis_core::svid::gateway::{decide_chain, GatewayContext, GatewayPolicy};
use aegis_core::svid::{
    encode_attested_claims, encode_cmw_ear, pem_certificates, verify_svid as core_verify_svid,
    ComposerExtension, SvidBundle,
};
use aegis_core::time::UnixTime;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::args::ByteArg;
use crate::errors::{invalid_argument, IntoPyResult};
use crate::sign::PublicKey;

fn loads<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (json,))
}

fn extension<'py>(py: Python<'py>, ext: ComposerExtension) -> (String, Bound<'py, PyBytes>, bool) {
    let (oid, critical) = (ext.oid().to_owned(), ext.critical());
    (oid, PyBytes::new(py, &ext.into_value()), critical)
}

/// Verifies an X.509-SVID chain (PEM, leaf first) against a trust bundle (PEM CA certificates)
/// per the SPIFFE X509-SVID specification.
///
/// Args:
///     chain_pem: the chain, leaf first.
///     bundle_pem: the trust bundle.
///     now: keyword-only; the verification time, seconds since the Unix epoch.
///     trust_domain: keyword-only; the only trust domain the leaf may be in (default: any the
///         bundle signs for).
///
/// Returns:
///     dict: {"spiffe_id", "trust_domain", "path", "path_len", "attested_claims": dict | None,
///     "ear": {"choice", "format", "media_type", "token" | "token_base64"} | None}.
///
/// Raises:
///     SvidError: the chain fails a SPIFFE check (the exception names which).
#[pyfunction]
#[pyo3(signature = (chain_pem, bundle_pem, *, now, trust_domain = None))]
pub fn verify_svid<'py>(
    py: Python<'py>,
    chain_pem: ByteArg<'_>,
    bundle_pem: ByteArg<'_>,
    now: u64,
    trust_domain: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut bundle = SvidBundle::from_pem(&bundle_pem).py_err(py)?;
    if let Some(td) = trust_domain {
        bundle.set_trust_domain(td).py_err(py)?;
    }
    let certs = pem_certificates(&chain_pem).py_err(py)?;
    let chain: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    let verified = core_verify_svid(
        default_provider(),
        &chain,
        &bundle,
        UnixTime::from_secs(now),
    )
    .py_err(py)?;
    loads(py, &verified.to_json().to_string())
}

/// The AttestedClaims extension for a SPIRE CredentialComposer: a DER UTF8String holding the
/// grc.* claims JSON (docs/gateway.md).
///
/// Args:
///     claims_json: one JSON object, at most 32 KiB, no duplicate member names.
///
/// Returns:
///     tuple[str, bytes, bool]: the OID, the DER extnValue and the critical flag (False).
///
/// Raises:
///     SvidError: the claims are not one JSON object or are too large.
#[pyfunction]
pub fn attested_claims_extension<'py>(
    py: Python<'py>,
    claims_json: ByteArg<'_>,
) -> PyResult<(String, Bound<'py, PyBytes>, bool)> {
    Ok(extension(
        py,
        encode_attested_claims(&claims_json).py_err(py)?,
    ))
}

/// The CMW extension (id-pe-cmw) carrying a signed EAR, for a SPIRE CredentialComposer.
///
/// Args:
///     token: the EAR, a JWT (text or bytes) or a CWT (bytes).
///     form: keyword-only; "jwt" (default) or "cwt".
///     dialect: keyword-only; "ietf-04" (default), "ietf-03" or "veraison" (the media type's
///         profile).
///
/// Returns:
///     tuple[str, bytes, bool]: the OID, the DER extnValue and the critical flag (False).
///
/// Raises:
///     UsageError: an unknown form or dialect.
///     SvidError: the token cannot be wrapped.
#[pyfunction]
#[pyo3(signature = (token, *, form = "jwt", dialect = "ietf-04"))]
pub fn cmw_extension<'py>(
    py: Python<'py>,
    token: ByteArg<'_>,
    form: &str,
    dialect: &str,
) -> PyResult<(String, Bound<'py, PyBytes>, bool)> {
    let format = match form {
        "jwt" => TokenFormat::Jwt,
        "cwt" => TokenFormat::Cwt,
        _ => return Err(invalid_argument(py, "form is \"jwt\" or \"cwt\"")),
    };
    let dialect = Dialect::from_name(dialect).py_err(py)?;
    Ok(extension(
        py,
        encode_cmw_ear(&token, format, dialect).py_err(py)?,
    ))
}

/// A gateway's decision on a client's X.509-SVID chain: the chain verified against the bundle,
/// its attested claims and CMW-wrapped EAR checked against the verifier's EAR key and the
/// gateway policy (docs/gateway.md). No network location verifier is given: a mobile reading
/// is denied.
///
/// Args:
///     chain_pem: the client's chain, leaf first.
///     bundle_pem: the SPIFFE trust bundle.
///     policy_json: the gateway policy.
///     ear_key: the verifier's EAR PublicKey.
///     now: keyword-only; the decision time, seconds since the Unix epoch.
///
/// Returns:
///     dict: {"verdict": "allow" | "deny", "reasons": [...], "headers": {...}}; a denial is a
///     decision, not an exception.
///
/// Raises:
///     SvidError: the policy is invalid (GatewayPolicyInvalid, 13050).
///     SvidError: the chain is not PEM certificates.
#[pyfunction]
#[pyo3(signature = (chain_pem, bundle_pem, policy_json, ear_key, *, now))]
pub fn gateway_check<'py>(
    py: Python<'py>,
    chain_pem: ByteArg<'_>,
    bundle_pem: ByteArg<'_>,
    policy_json: ByteArg<'_>,
    ear_key: &Bound<'_, PublicKey>,
    now: u64,
) -> PyResult<Bound<'py, PyAny>> {
    let bundle = SvidBundle::from_pem(&bundle_pem).py_err(py)?;
    let policy = GatewayPolicy::from_json(&policy_json).py_err(py)?;
    let certs = pem_certificates(&chain_pem).py_err(py)?;
    let chain: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    let key = &ear_key.get().inner;
    let decision = decide_chain(
        default_provider(),
        &chain,
        &bundle,
        &policy,
        &GatewayContext::new(key, UnixTime::from_secs(now)),
    );
    loads(py, &decision.to_json().to_string())
}

/// Registers the SVID functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(verify_svid, m)?)?;
    m.add_function(wrap_pyfunction!(attested_claims_extension, m)?)?;
    m.add_function(wrap_pyfunction!(cmw_extension, m)?)?;
    m.add_function(wrap_pyfunction!(gateway_check, m)?)?;
    Ok(())
}

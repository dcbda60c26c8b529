//! X.509-SVIDs and the gateway decision (aegis_core::svid, docs/svid.md, docs/gateway.md):
//! `verify_svid`, the extensions a SPIRE CredentialComposer adds
//! (`attested_claims_extension`, `cmw_extension`), `gateway_check`, and issuing a SPIFFE
//! signing CA and leaf SVIDs (`issue_svid_ca`, `issue_svid`).

use aegis_core::crypto::{default_provider, SoftwareSigner};
use aegis_core::ear::{Dialect, TokenFormat};
use aegis_core::svid::gateway::{
    decide_chain, CachedNetworkVerifier, GatewayContext, GatewayPolicy, LocationQuery,
    NetworkLocationVerifier, NetworkVerdict, NetworkVerification, DEFAULT_NETWORK_CACHE_CAPACITY,
    DEFAULT_NETWORK_VERIFICATION_TTL_S,
};
use aegis_core::svid::{
    certificate_scheme, encode_attested_claims, encode_cmw_ear, issue_svid as core_issue_svid,
    issue_svid_ca as core_issue_svid_ca, pem_certificates, verify_svid as core_verify_svid,
    ComposerExtension, SpiffeId, SvidBundle, SvidTemplate,
};
use aegis_core::time::UnixTime;
use aegis_core::x509::{Certificate, Profile};
use aegis_core::Error;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::args::ByteArg;
use crate::errors::{invalid_argument, IntoPyResult};
use crate::sign::{PrivateKey, PublicKey};

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
    let format = token_format(py, form)?;
    let dialect = Dialect::from_name(dialect).py_err(py)?;
    Ok(extension(
        py,
        encode_cmw_ear(&token, format, dialect).py_err(py)?,
    ))
}

/// The Python callable behind a NetworkVerifier, as a NetworkLocationVerifier.
#[derive(Debug)]
struct PyCallback(Py<PyAny>);

impl PyCallback {
    fn call(&self, py: Python<'_>, query: &LocationQuery) -> PyResult<(String, u64)> {
        let q = loads(py, &query.to_json().to_string())?;
        self.0.call1(py, (q,))?.extract(py)
    }
}

impl NetworkLocationVerifier for PyCallback {
    fn verify(
        &self,
        query: &LocationQuery,
        _now: UnixTime,
    ) -> aegis_core::Result<NetworkVerification> {
        let unavailable = |detail: String| Error::GatewayNetworkVerifierUnavailable { detail };
        // The decision runs without the GIL (gateway_check): take it for the callback.
        let (verdict, located_at) = Python::with_gil(|py| self.call(py, query))
            .map_err(|e| unavailable(format!("the callback raised {e}")))?;
        let verdict = NetworkVerdict::from_name(&verdict).ok_or_else(|| {
            unavailable(format!(
                "the callback's verdict {verdict:?} is not \"true\", \"false\", \"partial\" or \"unknown\""
            ))
        })?;
        Ok(NetworkVerification {
            verdict,
            located_at: UnixTime::from_secs(located_at),
        })
    }
}

/// A network location verifier for `gateway_check` (CAMARA Device Location Verification,
/// docs/gateway.md): Aegis calls no operator itself; `callback(query)` does, given the query
/// `{"sensor_id", "imei", "imsi", "msisdn", "latitude", "longitude", "radius_m"}` (an identifier
/// absent when the claims give none), and returns `(verdict, located_at)`: "true", "false",
/// "partial" or "unknown" (CAMARA's verificationResult) and when the network located the device
/// (seconds since the Unix epoch). An exception, another verdict or another shape makes the
/// network unavailable (GatewayNetworkVerifierUnavailable): the gateway denies. A "true" or
/// "false" answer is reused for the same query for `cache_ttl_s` seconds of the decision time
/// (0: no cache). The callback may be called from any thread calling `gateway_check`.
///
/// Args:
///     callback: the operator query, `callback(query: dict) -> tuple[str, int]`.
///     cache_ttl_s: keyword-only; how long a "true" or "false" answer is reused, in seconds
///         (default 900, 15 minutes; 0 for no cache).
#[pyclass(frozen, module = "aegis._aegis")]
#[derive(Debug)]
pub struct NetworkVerifier {
    inner: CachedNetworkVerifier<PyCallback>,
    cache_ttl_s: u64,
}

const _: () = assert!(DEFAULT_NETWORK_VERIFICATION_TTL_S == 900);

#[pymethods]
impl NetworkVerifier {
    #[new]
    // 900: DEFAULT_NETWORK_VERIFICATION_TTL_S, written out so that the signature shows it.
    #[pyo3(signature = (callback, *, cache_ttl_s = 900))]
    fn new(py: Python<'_>, callback: Py<PyAny>, cache_ttl_s: u64) -> PyResult<Self> {
        if !callback.bind(py).is_callable() {
            return Err(invalid_argument(py, "callback is not callable"));
        }
        Ok(NetworkVerifier {
            inner: CachedNetworkVerifier::new(
                PyCallback(callback),
                cache_ttl_s,
                DEFAULT_NETWORK_CACHE_CAPACITY,
            ),
            cache_ttl_s,
        })
    }

    fn __repr__(&self) -> String {
        format!("NetworkVerifier(cache_ttl_s={})", self.cache_ttl_s)
    }
}

/// A gateway's decision on a client's X.509-SVID chain: the chain verified against the bundle,
/// its attested claims and CMW-wrapped EAR checked against the verifier's EAR key and the
/// gateway policy (docs/gateway.md). A mobile reading is accepted only when `network` verifies
/// it (without one it is denied, GatewayNetworkVerifierMissing). The GIL is released while
/// deciding and taken again to call the network verifier's callback.
///
/// Args:
///     chain_pem: the client's chain, leaf first.
///     bundle_pem: the SPIFFE trust bundle.
///     policy_json: the gateway policy.
///     ear_key: the verifier's EAR PublicKey.
///     now: keyword-only; the decision time, seconds since the Unix epoch.
///     network: keyword-only; the NetworkVerifier for mobile readings (default: none).
///
/// Returns:
///     dict: {"verdict": "allow" | "deny", "reasons": [...], "headers": {...}}; a denial is a
///     decision, not an exception.
///
/// Raises:
///     SvidError: the policy is invalid (GatewayPolicyInvalid, 13050).
///     SvidError: the chain is not PEM certificates.
#[pyfunction]
#[pyo3(signature = (chain_pem, bundle_pem, policy_json, ear_key, *, now, network = None))]
pub fn gateway_check<'py>(
    py: Python<'py>,
    chain_pem: ByteArg<'_>,
    bundle_pem: ByteArg<'_>,
    policy_json: ByteArg<'_>,
    ear_key: &Bound<'_, PublicKey>,
    now: u64,
    network: Option<&Bound<'_, NetworkVerifier>>,
) -> PyResult<Bound<'py, PyAny>> {
    let bundle = SvidBundle::from_pem(&bundle_pem).py_err(py)?;
    let policy = GatewayPolicy::from_json(&policy_json).py_err(py)?;
    let certs = pem_certificates(&chain_pem).py_err(py)?;
    let chain: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    let key = &ear_key.get().inner;
    let network = network.map(|n| &n.get().inner as &dyn NetworkLocationVerifier);
    let decision = py.allow_threads(|| {
        decide_chain(
            default_provider(),
            &chain,
            &bundle,
            &policy,
            &GatewayContext {
                network,
                ..GatewayContext::new(key, UnixTime::from_secs(now))
            },
        )
    });
    loads(py, &decision.to_json().to_string())
}

/// A certificate signer for `key` (aegis_core::svid::certificate_scheme).
fn cert_signer(py: Python<'_>, key: &PrivateKey) -> PyResult<SoftwareSigner<'static>> {
    let scheme = certificate_scheme(key.inner.public_key());
    SoftwareSigner::new(default_provider(), key.inner.clone_key(), scheme).py_err(py)
}

fn token_format(py: Python<'_>, form: &str) -> PyResult<TokenFormat> {
    match form {
        "jwt" => Ok(TokenFormat::Jwt),
        "cwt" => Ok(TokenFormat::Cwt),
        _ => Err(invalid_argument(py, "form is \"jwt\" or \"cwt\"")),
    }
}

/// Issues a self-signed SPIFFE signing CA for a trust domain (cA=TRUE, keyUsage keyCertSign and
/// cRLSign, the URI SAN spiffe://<trust_domain>, subject O=<organisation>, CN=<trust_domain>),
/// signed with `key` (ECDSA with the curve's hash, or RSASSA-PKCS1-v1_5 with SHA-256).
///
/// Args:
///     key: the CA's PrivateKey.
///     trust_domain: keyword-only; the trust domain.
///     organisation: keyword-only; the subject's organisation.
///     serial: keyword-only; the serial number, big-endian bytes (positive, at most 20).
///     not_before: keyword-only; seconds since the Unix epoch.
///     not_after: keyword-only; seconds since the Unix epoch.
///
/// Returns:
///     bytes: the certificate's DER.
///
/// Raises:
///     SvidError: the trust domain is not one (SvidTrustDomainInvalid, ...).
///     UsageError: a serial that is empty, zero or too long, not_after before not_before, an
///         organisation with a character reserved in names (InvalidArgument).
#[pyfunction]
#[pyo3(signature = (key, *, trust_domain, organisation, serial, not_before, not_after))]
pub fn issue_svid_ca<'py>(
    py: Python<'py>,
    key: &Bound<'_, PrivateKey>,
    trust_domain: &str,
    organisation: &str,
    serial: ByteArg<'_>,
    not_before: u64,
    not_after: u64,
) -> PyResult<Bound<'py, PyBytes>> {
    let signer = cert_signer(py, key.get())?;
    let der = core_issue_svid_ca(
        trust_domain,
        organisation,
        &serial,
        UnixTime::from_secs(not_before),
        UnixTime::from_secs(not_after),
        &signer,
    )
    .py_err(py)?;
    Ok(PyBytes::new(py, &der))
}

/// Issues a leaf X.509-SVID (empty subject, critical URI SAN, cA=FALSE, keyUsage
/// digitalSignature, extKeyUsage serverAuth and clientAuth), with the AttestedClaims and CMW
/// extensions when `attested_claims` and `ear` are given, issued by `issuer` and signed with its
/// key `issuer_key` (docs/svid.md, "Issuing").
///
/// Args:
///     issuer_key: the issuer's PrivateKey.
///     issuer: the issuer's certificate, PEM or DER.
///     spiffe_id: keyword-only; the leaf's SPIFFE ID (with a path).
///     public_key: keyword-only; the leaf's PublicKey (the workload's key).
///     serial: keyword-only; the serial number, big-endian bytes (positive, at most 20).
///     not_before: keyword-only; seconds since the Unix epoch.
///     not_after: keyword-only; seconds since the Unix epoch.
///     attested_claims: keyword-only; the grc.* claims JSON for the AttestedClaims extension,
///         or None.
///     ear: keyword-only; a signed EAR (JWT text or bytes, CWT bytes) for the CMW extension, or
///         None.
///     ear_form: keyword-only; "jwt" (default) or "cwt".
///     ear_dialect: keyword-only; "ietf-04" (default), "ietf-03" or "veraison".
///
/// Returns:
///     bytes: the certificate's DER.
///
/// Raises:
///     SvidError: the SPIFFE ID does not parse, or the claims or EAR cannot be encoded.
///     UsageError: an ID without path, a serial that is empty, zero or too long, not_after
///         before not_before, a key that is not the issuer's, an unknown form or dialect
///         (InvalidArgument).
#[pyfunction]
#[pyo3(signature = (
    issuer_key, issuer, *, spiffe_id, public_key, serial, not_before, not_after,
    attested_claims = None, ear = None, ear_form = "jwt", ear_dialect = "ietf-04"
))]
#[allow(clippy::too_many_arguments)]
pub fn issue_svid<'py>(
    py: Python<'py>,
    issuer_key: &Bound<'_, PrivateKey>,
    issuer: ByteArg<'_>,
    spiffe_id: &str,
    public_key: &Bound<'_, PublicKey>,
    serial: ByteArg<'_>,
    not_before: u64,
    not_after: u64,
    attested_claims: Option<ByteArg<'_>>,
    ear: Option<&Bound<'_, PyAny>>,
    ear_form: &str,
    ear_dialect: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let id = SpiffeId::parse(spiffe_id).py_err(py)?;
    let mut extensions = Vec::new();
    if let Some(claims) = &attested_claims {
        extensions.push(encode_attested_claims(claims).py_err(py)?);
    }
    if let Some(ear) = ear {
        let token: Vec<u8> = match ear.downcast::<pyo3::types::PyString>() {
            Ok(s) => s.to_str()?.as_bytes().to_vec(),
            Err(_) => ear.extract::<ByteArg<'_>>()?.to_vec(),
        };
        let dialect = Dialect::from_name(ear_dialect).py_err(py)?;
        extensions.push(encode_cmw_ear(&token, token_format(py, ear_form)?, dialect).py_err(py)?);
    }
    let issuer = if issuer.trim_ascii_start().starts_with(b"-----BEGIN") {
        pem_certificates(&issuer)
            .py_err(py)?
            .into_iter()
            .next()
            .ok_or_else(|| invalid_argument(py, "issuer holds no certificate"))?
    } else {
        issuer.to_vec()
    };
    let issuer = Certificate::from_der(&issuer, Profile::Spiffe).py_err(py)?;
    let signer = cert_signer(py, issuer_key.get())?;
    let der = core_issue_svid(
        &SvidTemplate {
            spiffe_id: &id,
            public_key: &public_key.get().inner,
            serial: &serial,
            not_before: UnixTime::from_secs(not_before),
            not_after: UnixTime::from_secs(not_after),
            extensions: &extensions,
        },
        &issuer,
        &signer,
    )
    .py_err(py)?;
    Ok(PyBytes::new(py, &der))
}

/// Registers the SVID functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(verify_svid, m)?)?;
    m.add_function(wrap_pyfunction!(attested_claims_extension, m)?)?;
    m.add_function(wrap_pyfunction!(cmw_extension, m)?)?;
    m.add_function(wrap_pyfunction!(gateway_check, m)?)?;
    m.add_class::<NetworkVerifier>()?;
    m.add_function(wrap_pyfunction!(issue_svid_ca, m)?)?;
    m.add_function(wrap_pyfunction!(issue_svid, m)?)?;
    Ok(())
}

//! Issuing X.509-SVIDs (aegis_core::svid::{issue_svid, issue_svid_ca}, docs/svid.md,
//! "Issuing"): a self-signed SPIFFE signing CA for a trust domain (`aegis_svid_ca_issue`) and a
//! leaf SVID carrying the AttestedClaims and CMW extensions (`aegis_svid_issue`), both signed
//! with an `aegis_private_key` (ECDSA with SHA-256/384/512 by the curve, or RSASSA-PKCS1-v1_5
//! with SHA-256). The certificates come back as DER (`aegis_bytes`).

use aegis_core::crypto::{default_provider, SoftwareSigner};
use aegis_core::ear::TokenFormat;
use aegis_core::svid::{
    certificate_scheme, encode_attested_claims, encode_cmw_ear, issue_svid, issue_svid_ca,
    pem_certificates, SpiffeId, SvidTemplate,
};
use aegis_core::time::UnixTime;
use aegis_core::x509::{Certificate, Profile};
use aegis_core::Error;

use crate::boundary::{self, ErrOut, Failure, FfiResult};
use crate::buffers::aegis_bytes;
use crate::ear::{aegis_ear_dialect, dialect};
use crate::error::aegis_error;
use crate::sign::{aegis_private_key, aegis_public_key};
use crate::status::aegis_status;
use crate::svid::{aegis_ear_form, AEGIS_EAR_FORM_CWT, AEGIS_EAR_FORM_JWT};

/// What a leaf X.509-SVID certifies (aegis_core::svid::SvidTemplate): `spiffe_id` (UTF-8, with a
/// path), `public_key`, `serial` (big-endian, positive, at most 20 bytes), `not_before` and
/// `not_after` (seconds since the Unix epoch) are required. `attested_claims` (the `grc.*` JSON
/// of the AttestedClaims extension) and `ear` (a signed EAR of form `ear_form` and dialect
/// `ear_dialect`, wrapped in the CMW extension) are each NULL with length 0 when absent.
#[repr(C)]
#[derive(Debug)]
pub struct aegis_svid_template {
    /// The leaf's SPIFFE ID (UTF-8).
    pub spiffe_id: *const u8,
    /// Length of `spiffe_id`.
    pub spiffe_id_len: usize,
    /// The leaf's public key (the workload's key, e.g. the TPM App Key).
    pub public_key: *const aegis_public_key,
    /// The serial number, big-endian.
    pub serial: *const u8,
    /// Length of `serial`.
    pub serial_len: usize,
    /// notBefore, seconds since the Unix epoch.
    pub not_before: u64,
    /// notAfter, seconds since the Unix epoch.
    pub not_after: u64,
    /// The AttestedClaims JSON document, or NULL with length 0.
    pub attested_claims: *const u8,
    /// Length of `attested_claims`.
    pub attested_claims_len: usize,
    /// The signed EAR for the CMW extension, or NULL with length 0.
    pub ear: *const u8,
    /// Length of `ear`.
    pub ear_len: usize,
    /// The EAR's form, `AEGIS_EAR_FORM_*` (read only when `ear` is given).
    pub ear_form: aegis_ear_form,
    /// The EAR's dialect, `AEGIS_EAR_DIALECT_*` (read only when `ear` is given).
    pub ear_dialect: aegis_ear_dialect,
}

/// A certificate signer for `key` (aegis_core::svid::certificate_scheme).
fn cert_signer(key: &aegis_private_key) -> Result<SoftwareSigner<'static>, Error> {
    let scheme = certificate_scheme(key.inner.public_key());
    SoftwareSigner::new(default_provider(), key.inner.clone_key(), scheme)
}

/// The one certificate of `bytes`: PEM (the first CERTIFICATE block) or DER.
fn one_certificate(bytes: &[u8]) -> Result<Certificate, Error> {
    if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        let ders = pem_certificates(bytes)?;
        let der = ders.first().ok_or(Error::SvidChainEmpty)?;
        return Certificate::from_der(der, Profile::Spiffe);
    }
    Certificate::from_der(bytes, Profile::Spiffe)
}

/// UTF-8 text of a `(ptr, len)` pair (empty when NULL with length 0).
///
/// # Safety
/// As [`boundary::bytes`].
unsafe fn utf8<'a>(ptr: *const u8, len: usize, what: &'static str) -> FfiResult<&'a str> {
    // SAFETY: the caller upholds boundary::bytes's contract.
    let bytes = unsafe { boundary::bytes(ptr, len, what) }?;
    core::str::from_utf8(bytes).map_err(|_| Failure::InvalidUtf8(what))
}

/// Issues a leaf X.509-SVID (aegis_core::svid::issue_svid: empty subject, critical URI SAN,
/// cA=FALSE, keyUsage digitalSignature, extKeyUsage serverAuth and clientAuth, then the
/// AttestedClaims and CMW extensions the template gives) for `template`, issued by the
/// certificate `(issuer, issuer_len)` (PEM or DER) and signed with its key `issuer_key`. A
/// SPIFFE ID that does not parse is its `AEGIS_SVID_*` status; a template that breaks the profile
/// (an ID without path, a serial that is empty, zero or longer than 20 bytes, notAfter before
/// notBefore) or a key that is not the issuer's is `AEGIS_INVALID_ARGUMENT`; bad claims or EAR
/// are the `AEGIS_SVID_*` extension statuses.
///
/// On success `*out` receives the certificate's DER, a new `aegis_bytes` the caller frees with
/// `aegis_bytes_free`; on failure nothing is written to `*out`.
///
/// # Safety
/// `template` is NULL or points to an `aegis_svid_template` whose `(ptr, len)` pairs are each
/// readable (or NULL with length 0) and whose `public_key` is NULL or live; `(issuer,
/// issuer_len)` is readable or NULL with length 0; `issuer_key` is NULL or a live
/// `aegis_private_key`; `out` is valid for writing one pointer; `err_out` is NULL or valid for
/// writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_svid_issue(
    template: *const aegis_svid_template,
    issuer: *const u8,
    issuer_len: usize,
    issuer_key: *const aegis_private_key,
    out: *mut *mut aegis_bytes,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for template.
        let t = unsafe { boundary::borrow(template, "template") }?;
        // SAFETY: the caller upholds this function's contract for the template's pairs (so
        // below).
        let id = unsafe { utf8(t.spiffe_id, t.spiffe_id_len, "template.spiffe_id") }?;
        // SAFETY: as above, for the template's key.
        let public_key = unsafe { boundary::borrow(t.public_key, "template.public_key") }?;
        // SAFETY: as above.
        let serial = unsafe { boundary::bytes(t.serial, t.serial_len, "template.serial") }?;
        // SAFETY: as above.
        let claims = unsafe {
            boundary::bytes(
                t.attested_claims,
                t.attested_claims_len,
                "template.attested_claims",
            )
        }?;
        // SAFETY: as above.
        let ear = unsafe { boundary::bytes(t.ear, t.ear_len, "template.ear") }?;
        // SAFETY: the caller upholds this function's contract for (issuer, issuer_len).
        let issuer = unsafe { boundary::bytes(issuer, issuer_len, "issuer") }?;
        // SAFETY: the caller upholds this function's contract for issuer_key.
        let issuer_key = unsafe { boundary::borrow(issuer_key, "issuer_key") }?;

        let spiffe_id = SpiffeId::parse(id)?;
        let mut extensions = Vec::new();
        if !claims.is_empty() {
            extensions.push(encode_attested_claims(claims)?);
        }
        if !ear.is_empty() {
            let format = match t.ear_form {
                AEGIS_EAR_FORM_JWT => TokenFormat::Jwt,
                AEGIS_EAR_FORM_CWT => TokenFormat::Cwt,
                _ => {
                    return Err(Error::InvalidArgument {
                        what: "template.ear_form is not an AEGIS_EAR_FORM_* value",
                    }
                    .into())
                }
            };
            extensions.push(encode_cmw_ear(ear, format, dialect(t.ear_dialect)?)?);
        }
        let der = issue_svid(
            &SvidTemplate {
                spiffe_id: &spiffe_id,
                public_key: &public_key.inner,
                serial,
                not_before: UnixTime::from_secs(t.not_before),
                not_after: UnixTime::from_secs(t.not_after),
                extensions: &extensions,
            },
            &one_certificate(issuer)?,
            &cert_signer(issuer_key)?,
        )?;
        out.write_box(aegis_bytes::new(der));
        Ok(())
    })
}

/// Issues a self-signed SPIFFE signing CA (aegis_core::svid::issue_svid_ca: cA=TRUE, keyUsage
/// keyCertSign and cRLSign, the URI SAN `spiffe://<trust_domain>`, subject
/// `O=<organisation>, CN=<trust_domain>`) for `key`, valid from `not_before` to `not_after`
/// (seconds since the Unix epoch), with serial number `(serial, serial_len)` (big-endian). A
/// trust domain that is not one is its `AEGIS_SVID_*` status; a serial that is empty, zero or
/// longer than 20 bytes, notAfter before notBefore or an organisation with a character reserved
/// in names is `AEGIS_INVALID_ARGUMENT`.
///
/// On success `*out` receives the certificate's DER, a new `aegis_bytes` the caller frees with
/// `aegis_bytes_free`; on failure nothing is written to `*out`.
///
/// # Safety
/// Each `(ptr, len)` pair is readable or NULL with length 0; `key` is NULL or a live
/// `aegis_private_key`; `out` is valid for writing one pointer; `err_out` is NULL or valid for
/// writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_svid_ca_issue(
    trust_domain: *const u8,
    trust_domain_len: usize,
    organisation: *const u8,
    organisation_len: usize,
    serial: *const u8,
    serial_len: usize,
    not_before: u64,
    not_after: u64,
    key: *const aegis_private_key,
    out: *mut *mut aegis_bytes,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for the (ptr, len) pairs (so
        // below).
        let td = unsafe { utf8(trust_domain, trust_domain_len, "trust_domain") }?;
        // SAFETY: as above.
        let org = unsafe { utf8(organisation, organisation_len, "organisation") }?;
        // SAFETY: as above.
        let serial = unsafe { boundary::bytes(serial, serial_len, "serial") }?;
        // SAFETY: the caller upholds this function's contract for key.
        let key = unsafe { boundary::borrow(key, "key") }?;
        let der = issue_svid_ca(
            td,
            org,
            serial,
            UnixTime::from_secs(not_before),
            UnixTime::from_secs(not_after),
            &cert_signer(key)?,
        )?;
        out.write_box(aegis_bytes::new(der));
        Ok(())
    })
}

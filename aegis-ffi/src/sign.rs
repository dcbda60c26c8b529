//! Public keys, software private keys, and one signature verified or made outside a TPMS_ATTEST
//! (EAR results as JWT/CWT, DPoR/DPoG proof tokens): `aegis_public_key`, `aegis_private_key`,
//! `aegis_signature_verify`, `aegis_private_key_sign`.
//!
//! A signature scheme is two `uint16_t`: the scheme (`AEGIS_ALG_RSASSA`, `AEGIS_ALG_RSAPSS`,
//! `AEGIS_ALG_ECDSA`) and its hash (`AEGIS_ALG_SHA256`, ...); its encoding is an
//! `aegis_signature_format` (`AEGIS_SIGNATURE_RAW`, `_DER`, `_TPMT`).

use aegis_core::crypto::{
    default_provider, KeySpec, PrivateKey, SignatureFormat, SignatureScheme, SignatureValue,
    Signer, SoftwareSigner,
};
use aegis_core::keys::PublicKey;
use aegis_core::tpm::{alg, EccCurve, HashAlg, Public};
use aegis_core::verify::{verify_signature, HashAllowList, KeyPolicy};
use aegis_core::Error;

use crate::boundary::{self, ErrOut};
use crate::buffers::{aegis_bytes, aegis_string};
use crate::constants::{
    aegis_key_kind, aegis_signature_format, AEGIS_KEY_ECC_P256, AEGIS_KEY_ECC_P384,
    AEGIS_KEY_RSA_2048, AEGIS_KEY_RSA_3072, AEGIS_KEY_RSA_4096, AEGIS_SIGNATURE_DER,
    AEGIS_SIGNATURE_RAW, AEGIS_SIGNATURE_TPMT,
};
use crate::error::aegis_error;
use crate::status::aegis_status;

/// A public key (RSA or ECC P-256/P-384), from a SubjectPublicKeyInfo or a TPM public area.
/// Made by `aegis_public_key_from_spki`, `aegis_public_key_from_tpm_public` or
/// `aegis_private_key_public_key`, owned by the caller, freed with `aegis_public_key_free`.
/// Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_public_key {
    pub(crate) inner: PublicKey,
}

/// A software private key (ECDSA P-256/P-384, RSA 2048-4096). Made by
/// `aegis_private_key_generate` or `aegis_private_key_from_pem`, owned by the caller, freed with
/// `aegis_private_key_free`, which wipes the secret. Immutable: may be shared between threads.
#[derive(Debug)]
pub struct aegis_private_key {
    pub(crate) inner: PrivateKey,
}

/// The scheme of `(scheme_alg, hash_alg)`: `AEGIS_UNKNOWN_ALGORITHM` for another scheme or hash.
pub(crate) fn scheme(scheme_alg: u16, hash_alg: u16) -> Result<SignatureScheme, Error> {
    let hash = HashAlg::from_alg_id(hash_alg, "hash_alg")?;
    match scheme_alg {
        alg::RSASSA => Ok(SignatureScheme::RsaPkcs1v15(hash)),
        alg::RSAPSS => Ok(SignatureScheme::RsaPss(hash)),
        alg::ECDSA => Ok(SignatureScheme::Ecdsa(hash)),
        other => Err(Error::UnknownAlgorithm {
            what: "scheme_alg",
            alg: other,
        }),
    }
}

/// The core's signature format for a C `aegis_signature_format`; `AEGIS_INVALID_ARGUMENT` for
/// another value.
pub(crate) fn format(format: aegis_signature_format) -> Result<SignatureFormat, Error> {
    match format {
        AEGIS_SIGNATURE_RAW => Ok(SignatureFormat::Raw),
        AEGIS_SIGNATURE_DER => Ok(SignatureFormat::Der),
        AEGIS_SIGNATURE_TPMT => Ok(SignatureFormat::Tpmt),
        _ => Err(Error::InvalidArgument {
            what: "format is not AEGIS_SIGNATURE_RAW, AEGIS_SIGNATURE_DER or AEGIS_SIGNATURE_TPMT",
        }),
    }
}

/// Reads a public key from a SubjectPublicKeyInfo (RFC 5280, 4.1.2.7) in DER or PEM ("PUBLIC
/// KEY", RFC 7468, 13), told apart by content. Errors: `AEGIS_INVALID_FORMAT` (malformed DER or
/// PEM, another PEM label, an EC point that is not uncompressed), `AEGIS_KEY_NOT_ALLOWED`
/// (another key algorithm or curve). The key's size is checked where it is used.
///
/// On success `*out` receives a new `aegis_public_key` the caller frees with
/// `aegis_public_key_free`; on failure nothing is written to `*out`. `buf` is only read during
/// the call.
///
/// # Safety
/// `buf` is valid for reading `len` bytes (or NULL with `len` 0); `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_public_key_from_spki(
    buf: *const u8,
    len: usize,
    out: *mut *mut aegis_public_key,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (buf, len).
        let bytes = unsafe { boundary::bytes(buf, len, "buf") }?;
        out.write_box(aegis_public_key {
            inner: PublicKey::from_spki(bytes)?,
        });
        Ok(())
    })
}

/// Reads the public key of a TPM public area, TPM2B_PUBLIC or TPMT_PUBLIC (TPM 2.0 Part 2,
/// 12.2.4 and 12.2.5; the unique field, an encoded RSA exponent of 0 meaning 65537). Only the
/// key is kept: its attributes are not checked (load an AK with `aegis_ak_from_tpm_public`).
///
/// On success `*out` receives a new `aegis_public_key` the caller frees with
/// `aegis_public_key_free`; on failure (parse errors) nothing is written to `*out`. `buf` is only
/// read during the call.
///
/// # Safety
/// `buf` is valid for reading `len` bytes (or NULL with `len` 0); `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_public_key_from_tpm_public(
    buf: *const u8,
    len: usize,
    out: *mut *mut aegis_public_key,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (buf, len).
        let bytes = unsafe { boundary::bytes(buf, len, "buf") }?;
        let public = Public::parse_any(bytes)?;
        out.write_box(aegis_public_key {
            inner: PublicKey::from_tpm_public(&public),
        });
        Ok(())
    })
}

/// The key as a DER SubjectPublicKeyInfo (RFC 5280, 4.1.2.7; RFC 3279 and RFC 5480 for the
/// algorithm identifiers), e.g. for another library to verify with.
///
/// On success `*out` receives a new `aegis_bytes` the caller frees with `aegis_bytes_free`; on
/// failure nothing is written to `*out`.
///
/// # Safety
/// `key` is NULL or a live `aegis_public_key`; `out` is valid for writing one pointer; `err_out`
/// is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_public_key_to_spki_der(
    key: *const aegis_public_key,
    out: *mut *mut aegis_bytes,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for key.
        let key = unsafe { boundary::borrow(key, "key") }?;
        out.write_box(aegis_bytes::new(key.inner.to_spki_der()?));
        Ok(())
    })
}

/// Frees a public key. NULL does nothing.
///
/// # Safety
/// `key` is NULL or an `aegis_public_key` from this library, not freed before; it is not used
/// after.
#[no_mangle]
pub unsafe extern "C" fn aegis_public_key_free(key: *mut aegis_public_key) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for key.
        unsafe { boundary::free(key) }
    })
}

/// Verifies one signature over `msg` with `key`, under the scheme `scheme_alg`
/// (`AEGIS_ALG_RSASSA`, `AEGIS_ALG_RSAPSS`, `AEGIS_ALG_ECDSA`) with the hash `hash_alg`
/// (`AEGIS_ALG_SHA256`, `_SHA384`, `_SHA512`; `AEGIS_ALG_SHA1` only when `allow_sha1`), the
/// signature `sig` being encoded as `format` (`AEGIS_SIGNATURE_RAW`, `_DER` for ECDSA, `_TPMT`).
/// The message is hashed here; never trust a scheme named by the signed data alone.
///
/// `AEGIS_OK` when the signature verifies. The signature is decoded first, then checked as
/// VERIFIER-CHECKS.md items 1, 3, 4 and 15 say, each failure with its own status:
/// `AEGIS_UNKNOWN_ALGORITHM` (another scheme or hash), `AEGIS_INVALID_ARGUMENT` (another format,
/// DER for an RSA scheme), `AEGIS_INVALID_FORMAT` (malformed DER), `AEGIS_SIGNATURE_LENGTH`
/// (an RSA signature not the modulus length, raw ECDSA not twice the curve's size, r or s
/// longer than the curve), `AEGIS_HASH_NOT_ALLOWED` (SHA-1 without `allow_sha1`),
/// `AEGIS_SIGNATURE_SCHEME_MISMATCH` (an RSA scheme for an EC key or the reverse; a
/// TPMT_SIGNATURE of another scheme), `AEGIS_HASH_MISMATCH` (a TPMT_SIGNATURE of another hash),
/// `AEGIS_KEY_NOT_ALLOWED` (an RSA size other than 2048/3072/4096 or an exponent other than
/// 65537, a curve other than P-256/P-384), `AEGIS_ECDSA_SCALAR_OUT_OF_RANGE`,
/// `AEGIS_SIGNATURE_INVALID` (the signature does not verify). RSA-PSS accepts a salt of the
/// digest's length and the maximum salt length.
///
/// Inputs are only read during the call.
///
/// # Safety
/// `key` is NULL or a live `aegis_public_key`; each `(ptr, len)` pair is valid for reading `len`
/// bytes (or NULL with `len` 0); `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_signature_verify(
    key: *const aegis_public_key,
    scheme_alg: u16,
    hash_alg: u16,
    msg: *const u8,
    msg_len: usize,
    sig: *const u8,
    sig_len: usize,
    format: aegis_signature_format,
    allow_sha1: bool,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for key.
        let key = unsafe { boundary::borrow(key, "key") }?;
        // SAFETY: the caller upholds this function's contract for (msg, msg_len).
        let msg = unsafe { boundary::bytes(msg, msg_len, "msg") }?;
        // SAFETY: the caller upholds this function's contract for (sig, sig_len).
        let sig = unsafe { boundary::bytes(sig, sig_len, "sig") }?;
        let scheme = scheme(scheme_alg, hash_alg)?;
        let value = SignatureValue::decode(self::format(format)?, sig, scheme, &key.inner)?;
        let mut hashes = HashAllowList::default();
        hashes.allow_sha1(allow_sha1);
        verify_signature(
            default_provider(),
            &key.inner,
            scheme,
            msg,
            &value,
            &hashes,
            &KeyPolicy::default(),
        )?;
        Ok(())
    })
}

/// Generates a fresh software private key of `kind`: `AEGIS_KEY_ECC_P256`, `AEGIS_KEY_ECC_P384`,
/// `AEGIS_KEY_RSA_2048`, `AEGIS_KEY_RSA_3072` or `AEGIS_KEY_RSA_4096` (e = 65537), with the
/// default crypto provider; `AEGIS_INVALID_ARGUMENT` for another kind. RSA generation takes
/// from milliseconds to seconds.
///
/// On success `*out` receives a new `aegis_private_key` the caller frees with
/// `aegis_private_key_free`; on failure nothing is written to `*out`.
///
/// # Safety
/// `out` is valid for writing one pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_private_key_generate(
    kind: aegis_key_kind,
    out: *mut *mut aegis_private_key,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        let spec = match kind {
            AEGIS_KEY_ECC_P256 => KeySpec::Ecc(EccCurve::NistP256),
            AEGIS_KEY_ECC_P384 => KeySpec::Ecc(EccCurve::NistP384),
            AEGIS_KEY_RSA_2048 => KeySpec::Rsa { bits: 2048 },
            AEGIS_KEY_RSA_3072 => KeySpec::Rsa { bits: 3072 },
            AEGIS_KEY_RSA_4096 => KeySpec::Rsa { bits: 4096 },
            _ => {
                return Err(Error::InvalidArgument {
                    what: "kind is not one of the AEGIS_KEY_* constants",
                }
                .into())
            }
        };
        out.write_box(aegis_private_key {
            inner: PrivateKey::generate(default_provider(), spec)?,
        });
        Ok(())
    })
}

/// Reads a private key from one unencrypted PEM block (RFC 7468): "PRIVATE KEY" (PKCS#8, RFC
/// 5958), "EC PRIVATE KEY" (SEC 1, RFC 5915) or "RSA PRIVATE KEY" (PKCS#1, RFC 8017 A.1.2).
/// Errors: `AEGIS_INVALID_FORMAT` (another label, malformed), `AEGIS_KEY_NOT_ALLOWED` (another
/// algorithm or curve), `AEGIS_INVALID_VALUE` (a scalar out of range).
///
/// On success `*out` receives a new `aegis_private_key` the caller frees with
/// `aegis_private_key_free`; on failure nothing is written to `*out`. `buf` is only read during
/// the call (the caller wipes its own copy).
///
/// # Safety
/// `buf` is valid for reading `len` bytes (or NULL with `len` 0); `out` is valid for writing one
/// pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_private_key_from_pem(
    buf: *const u8,
    len: usize,
    out: *mut *mut aegis_private_key,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for (buf, len).
        let bytes = unsafe { boundary::bytes(buf, len, "buf") }?;
        out.write_box(aegis_private_key {
            inner: PrivateKey::from_pem(default_provider(), bytes)?,
        });
        Ok(())
    })
}

/// The key as an unencrypted PKCS#8 "PRIVATE KEY" PEM block (RFC 7468, 10; RFC 5958), with LF
/// line endings. This is the secret: store it as such.
///
/// On success `*out` receives a new `aegis_string` the caller frees with `aegis_string_free`
/// (which wipes it); on failure nothing is written to `*out`.
///
/// # Safety
/// `key` is NULL or a live `aegis_private_key`; `out` is valid for writing one pointer;
/// `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_private_key_to_pem(
    key: *const aegis_private_key,
    out: *mut *mut aegis_string,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for key.
        let key = unsafe { boundary::borrow(key, "key") }?;
        let pem = key.inner.to_pkcs8_pem()?;
        out.write_box(aegis_string::secret(&pem));
        Ok(())
    })
}

/// The public half of `key`, as a new `aegis_public_key` in `*out` that the caller frees with
/// `aegis_public_key_free` (it does not borrow from `key`). `AEGIS_NULL_POINTER` when a pointer
/// is NULL; `*out` is written only on success.
///
/// # Safety
/// `key` is NULL or a live `aegis_private_key`; `out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_private_key_public_key(
    key: *const aegis_private_key,
    out: *mut *mut aegis_public_key,
) -> aegis_status {
    boundary::guard(ErrOut::none(), || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for key.
        let key = unsafe { boundary::borrow(key, "key") }?;
        out.write_box(aegis_public_key {
            inner: key.inner.public_key().clone(),
        });
        Ok(())
    })
}

/// Signs `msg` with `key` under the scheme `scheme_alg` (`AEGIS_ALG_RSASSA` or
/// `AEGIS_ALG_RSAPSS` for an RSA key, salt length = digest length; `AEGIS_ALG_ECDSA` for an EC
/// key) with the hash `hash_alg` (`AEGIS_ALG_SHA256`, `_SHA384`, `_SHA512`), the signature
/// encoded as `format` (`AEGIS_SIGNATURE_RAW`, `_DER` for ECDSA, `_TPMT`). The message is
/// hashed here.
///
/// Errors: `AEGIS_UNKNOWN_ALGORITHM` (another scheme or hash), `AEGIS_INVALID_ARGUMENT` (a
/// scheme that does not fit the key, another format, DER for RSA), `AEGIS_HASH_NOT_ALLOWED`
/// (SHA-1: Aegis does not sign with it), `AEGIS_UNSUPPORTED` (RSA with the pure-Rust provider).
///
/// On success `*out` receives a new `aegis_bytes` holding the signature, which the caller frees
/// with `aegis_bytes_free`; on failure nothing is written to `*out`. `msg` is only read during
/// the call.
///
/// # Safety
/// `key` is NULL or a live `aegis_private_key`; `msg` is valid for reading `msg_len` bytes (or
/// NULL with `msg_len` 0); `out` is valid for writing one pointer; `err_out` is NULL or valid for
/// writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_private_key_sign(
    key: *const aegis_private_key,
    scheme_alg: u16,
    hash_alg: u16,
    msg: *const u8,
    msg_len: usize,
    format: aegis_signature_format,
    out: *mut *mut aegis_bytes,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        // SAFETY: the caller upholds this function's contract for key.
        let key = unsafe { boundary::borrow(key, "key") }?;
        // SAFETY: the caller upholds this function's contract for (msg, msg_len).
        let msg = unsafe { boundary::bytes(msg, msg_len, "msg") }?;
        let scheme = scheme(scheme_alg, hash_alg)?;
        if !matches!(
            format,
            AEGIS_SIGNATURE_RAW | AEGIS_SIGNATURE_DER | AEGIS_SIGNATURE_TPMT
        ) || (format == AEGIS_SIGNATURE_DER && scheme.is_rsa())
        {
            // Refused before signing: no signature is made that is then thrown away.
            return Err(Error::InvalidArgument {
                what: "format is not AEGIS_SIGNATURE_RAW, _DER (ECDSA only) or _TPMT",
            }
            .into());
        }
        // SoftwareSigner owns its key and checks that the scheme fits it (and is not SHA-1).
        let signer = SoftwareSigner::new(default_provider(), key.inner.clone_key(), scheme)?;
        let value = signer.sign_digest(&scheme.hash().digest(msg))?;
        let encoded = value.encode(self::format(format)?, scheme, signer.public_key())?;
        out.write_box(aegis_bytes::new(encoded));
        Ok(())
    })
}

/// Frees a private key and wipes its secret. NULL does nothing.
///
/// # Safety
/// `key` is NULL or an `aegis_private_key` from this library, not freed before; it is not used
/// after.
#[no_mangle]
pub unsafe extern "C" fn aegis_private_key_free(key: *mut aegis_private_key) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for key.
        unsafe { boundary::free(key) }
    })
}

//! The status table mapping (every core error code has its `AEGIS_*` constant, same number, same
//! name) and a few calls through the ABI from Rust.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
// Every unsafe call below passes live objects and valid pointers made in the same test.
#![allow(clippy::undocumented_unsafe_blocks)]

use std::collections::BTreeMap;
use std::ffi::CStr;

use super::*;

/// "PcrDigestMismatch" -> "PCR_DIGEST_MISMATCH".
fn screaming(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// The codes only the C ABI uses, with their names (reserved in the core's table).
const FFI_ONLY: &[(u32, &str)] = aegis_core::Error::BOUNDARY_ONLY;

/// Every `AEGIS_<NAME> = <value>` the generator (cbindgen) sees, read from the source that it reads
/// (status_table.rs, generated from the core's table by scripts/gen_errors.py).
fn source_constants() -> BTreeMap<String, u32> {
    let src = include_str!("status_table.rs");
    let mut out = BTreeMap::new();
    for line in src.lines() {
        let Some(rest) = line.strip_prefix("pub const AEGIS_") else {
            continue;
        };
        let (name, value) = rest.split_once(": aegis_status = ").expect("constant form");
        let value = value
            .trim_end_matches(';')
            .parse::<u32>()
            .expect("constant value");
        assert!(
            out.insert(name.to_owned(), value).is_none(),
            "AEGIS_{name} defined twice"
        );
    }
    out
}

/// Every status `#define AEGIS_<NAME> <value>` of the committed header: the other constants
/// (constants.rs: algorithm ids, signature formats, key kinds, checks, outcomes) are in 1..=999,
/// where no status is, or TPM handles (0x40000000 and above).
fn header_constants() -> BTreeMap<String, u32> {
    let header = include_str!("../../include/aegis.h");
    let mut out = BTreeMap::new();
    for line in header.lines() {
        let Some(rest) = line.strip_prefix("#define AEGIS_") else {
            continue;
        };
        let Some((name, value)) = rest.split_once(' ') else {
            continue;
        };
        if name.starts_with("VERSION_") {
            continue; // the header's version (version.rs checks it), not a status code
        }
        if let Ok(value) = value.trim().parse::<u32>() {
            // Statuses are 0 and 1000 up to the last group (11000s); TPM handles
            // (AEGIS_ENDORSEMENT_HIERARCHY, 0x40000000 and above) are not statuses.
            // Other constants may be 0 (AEGIS_EAR_DIALECT_IETF_04): only AEGIS_OK is a status.
            if (value == 0 && name == "OK") || (1000..0x4000_0000).contains(&value) {
                out.insert(name.to_owned(), value);
            }
        }
    }
    out
}

fn expected_constants() -> BTreeMap<String, u32> {
    let mut want = BTreeMap::from([("OK".to_owned(), 0u32)]);
    for (code, name) in aegis_core::Error::TABLE.iter().chain(FFI_ONLY) {
        assert!(
            want.insert(screaming(name), *code).is_none(),
            "{name} twice"
        );
    }
    want
}

#[test]
fn every_core_error_has_its_constant_with_the_same_number_and_name() {
    let want = expected_constants();
    assert_eq!(
        source_constants(),
        want,
        "aegis-ffi/src/status_table.rs vs aegis_core::Error::TABLE (make errors)"
    );
    assert_eq!(
        header_constants(),
        want,
        "include/aegis.h vs aegis_core::Error::TABLE (make header)"
    );
    // STATUSES (names and messages) covers exactly the same codes and names.
    let statuses: Vec<(u32, &str)> = STATUSES.iter().map(|(c, n, _)| (*c, *n)).collect();
    let mut table: Vec<(u32, &str)> = aegis_core::Error::TABLE
        .iter()
        .chain(FFI_ONLY)
        .copied()
        .collect();
    table.sort_unstable();
    assert_eq!(statuses, table);
    // FFI-only codes are in the usage range and unused by the core.
    for (code, _) in FFI_ONLY {
        assert!((1000..2000).contains(code));
        assert!(!aegis_core::Error::TABLE.iter().any(|(c, _)| c == code));
    }
    // A few by identifier, as C sees them.
    assert_eq!(AEGIS_OK, 0);
    assert_eq!(AEGIS_INVALID_ARGUMENT, 1001);
    assert_eq!(AEGIS_CRYPTO_PROVIDER, 1002);
    assert_eq!(AEGIS_NULL_POINTER, 1003);
    assert_eq!(AEGIS_PANIC, 1004);
    assert_eq!(AEGIS_INVALID_UTF8, 1005);
    assert_eq!(AEGIS_PCR_DIGEST_MISMATCH, 5004);
    assert_eq!(AEGIS_AK_NOT_RESTRICTED, 6000);
    assert_eq!(
        FFI_ONLY,
        &[
            (1003, "NullPointer"),
            (1004, "Panic"),
            (1005, "InvalidUtf8")
        ]
    );
    // The codes added with the core-shape issue.
    assert_eq!(AEGIS_UNSUPPORTED, 1006);
    assert_eq!(AEGIS_SIGNATURE_LENGTH, 3006);
    assert_eq!(AEGIS_NULL_SIGNER, 4006);
    assert_eq!(AEGIS_CLOCK_SAFE_REGRESSION, 4007);
    assert_eq!(AEGIS_PCR_BANK_NOT_ALLOWED, 5005);
    assert_eq!(AEGIS_KEY_SHAPE_INVALID, 6005);
    assert_eq!(AEGIS_NAME_ALG_NOT_ALLOWED, 6006);
    assert_eq!(AEGIS_AK_BINDING_MISMATCH, 7005);
}

#[test]
fn every_status_has_a_static_message() {
    for (code, _) in aegis_core::Error::TABLE.iter().chain(FFI_ONLY) {
        let msg = unsafe { CStr::from_ptr(aegis_status_str(*code)) }
            .to_str()
            .unwrap();
        assert_ne!(msg, "unknown status code", "{code}");
    }
    let ok = unsafe { CStr::from_ptr(aegis_status_str(AEGIS_OK)) };
    assert_eq!(ok.to_str().unwrap(), "success");
    let unknown = unsafe { CStr::from_ptr(aegis_status_str(42)) };
    assert_eq!(unknown.to_str().unwrap(), "unknown status code");
}

#[test]
fn null_pointers_give_a_status_and_an_error_object() {
    let mut ak: *mut aegis_ak = std::ptr::null_mut();
    let mut err: *mut aegis_error = std::ptr::null_mut();
    // NULL with a non-zero length.
    let st = unsafe { aegis_ak_from_tpm_public(std::ptr::null(), 4, &mut ak, &mut err) };
    assert_eq!(st, AEGIS_NULL_POINTER);
    assert!(ak.is_null());
    assert_eq!(unsafe { aegis_error_code(err) }, AEGIS_NULL_POINTER);
    let name = unsafe { CStr::from_ptr(aegis_error_name(err)) };
    assert_eq!(name.to_str().unwrap(), "NullPointer");
    unsafe { aegis_error_free(err) };
    // NULL with length 0 is an empty input: a parse error, not a NULL error; err_out may be NULL.
    let st =
        unsafe { aegis_ak_from_tpm_public(std::ptr::null(), 0, &mut ak, std::ptr::null_mut()) };
    assert_eq!(st, AEGIS_TRUNCATED);
    assert!(ak.is_null());
    // Frees accept NULL.
    unsafe {
        aegis_ak_free(std::ptr::null_mut());
        aegis_error_free(std::ptr::null_mut());
        aegis_pcrs_free(std::ptr::null_mut());
        aegis_verified_quote_free(std::ptr::null_mut());
    }
}

#[test]
fn policy_setters_check_their_arguments() {
    let mut policy: *mut aegis_quote_policy = std::ptr::null_mut();
    assert_eq!(unsafe { aegis_quote_policy_new(&mut policy) }, AEGIS_OK);
    let mut err: *mut aegis_error = std::ptr::null_mut();
    assert_eq!(
        unsafe { aegis_quote_policy_require_pcr(policy, 0x000B, 15, &mut err) },
        AEGIS_OK
    );
    assert!(err.is_null(), "err_out untouched on success");
    assert_eq!(
        unsafe { aegis_quote_policy_require_pcr(policy, 0x000B, 24, &mut err) },
        AEGIS_INVALID_ARGUMENT
    );
    unsafe { aegis_error_free(err) };
    let st = unsafe { aegis_quote_policy_require_pcr(policy, 0x0012, 0, std::ptr::null_mut()) };
    assert_eq!(st, AEGIS_UNKNOWN_ALGORITHM);
    assert_eq!(
        unsafe { aegis_quote_policy_allow_sha1(policy, true) },
        AEGIS_OK
    );
    assert_eq!(
        unsafe { aegis_quote_policy_set_expected_signer(policy, std::ptr::null(), 0) },
        AEGIS_OK
    );
    assert_eq!(
        unsafe { aegis_quote_policy_set_expected_signer(policy, std::ptr::null(), 3) },
        AEGIS_NULL_POINTER
    );
    unsafe { aegis_quote_policy_free(policy) };
}

#[cfg(feature = "testing")]
#[test]
fn a_panic_stops_at_the_boundary() {
    let mut err: *mut aegis_error = std::ptr::null_mut();
    assert_eq!(unsafe { aegis_testing_panic(&mut err) }, AEGIS_PANIC);
    let name = unsafe { CStr::from_ptr(aegis_error_name(err)) };
    assert_eq!(name.to_str().unwrap(), "Panic");
    unsafe { aegis_error_free(err) };
}

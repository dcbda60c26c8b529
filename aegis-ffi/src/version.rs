//! The version of Aegis, as C sees it: `aegis_version()` (the linked library's) and the
//! `AEGIS_VERSION_MAJOR`, `AEGIS_VERSION_MINOR`, `AEGIS_VERSION_PATCH` and `AEGIS_VERSION_STRING`
//! macros of include/aegis.h (the header's).
//!
//! The version is Cargo.toml's (the workspace's `version`): here it comes from
//! `CARGO_PKG_VERSION`; the header's macros are written in aegis-ffi/cbindgen.toml's
//! `after_includes` (cbindgen cannot evaluate `env!`), and the test below fails when they differ
//! from Cargo's numbers. The SONAME of
//! libaegis.so (libaegis.so.MAJOR) is set by aegis-ffi/build.rs from the same version.

use core::ffi::{c_char, CStr};

use crate::boundary;

/// `CARGO_PKG_VERSION` as a NUL-terminated string with static storage.
const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => c"unknown",
    };

/// The version of the linked Aegis library ("0.1.0"): a NUL-terminated string with static storage
/// (never freed). Compare it with `AEGIS_VERSION_STRING`, the version of the header a program was
/// compiled with.
#[no_mangle]
pub extern "C" fn aegis_version() -> *const c_char {
    boundary::guard_value(c"unknown".as_ptr(), || VERSION.as_ptr())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    /// The value of `#define AEGIS_<name> <value>` in the committed header.
    fn header_define(name: &str) -> String {
        let header = include_str!("../../include/aegis.h");
        let prefix = format!("#define AEGIS_{name} ");
        let mut found = header
            .lines()
            .filter_map(|l| l.strip_prefix(prefix.as_str()));
        let value = found
            .next()
            .unwrap_or_else(|| panic!("include/aegis.h has no AEGIS_{name} (make header)"));
        assert!(found.next().is_none(), "AEGIS_{name} defined twice");
        value.trim().to_owned()
    }

    #[test]
    fn the_header_version_macros_are_cargos_version() {
        assert_eq!(
            header_define("VERSION_MAJOR"),
            env!("CARGO_PKG_VERSION_MAJOR"),
            "include/aegis.h vs Cargo.toml (make header)"
        );
        assert_eq!(
            header_define("VERSION_MINOR"),
            env!("CARGO_PKG_VERSION_MINOR")
        );
        assert_eq!(
            header_define("VERSION_PATCH"),
            env!("CARGO_PKG_VERSION_PATCH")
        );
        assert_eq!(
            header_define("VERSION_STRING"),
            format!("\"{}\"", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn aegis_version_is_cargos_version() {
        // SAFETY: aegis_version returns a NUL-terminated string with static storage.
        let v = unsafe { CStr::from_ptr(aegis_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        assert_ne!(VERSION, c"unknown");
    }
}

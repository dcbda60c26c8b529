//! `aegis_geo_resolve`: the jurisdiction of a reading, offline (FORMATS.md, "Jurisdictions";
//! aegis-core's `geo::jurisdiction`), and the `aegis_resolution` it returns.

use core::ffi::c_char;
use std::ffi::CString;

use aegis_core::geo::jurisdiction::{self, Resolution};

use crate::boundary::{self, ErrOut};
use crate::error::aegis_error;
use crate::status::aegis_status;

/// What a resolution says (`aegis_resolution_status`): one of the `AEGIS_RESOLUTION_*` constants.
pub type aegis_resolution_kind = u32;

/// The whole circle lies in one country (`aegis_resolution_country`).
pub const AEGIS_RESOLUTION_RESOLVED: aegis_resolution_kind = 1;

/// The circle reaches more than one country (`aegis_resolution_candidate_at`).
pub const AEGIS_RESOLUTION_AMBIGUOUS: aegis_resolution_kind = 2;

/// No jurisdiction contains any part of the circle (open sea).
pub const AEGIS_RESOLUTION_UNRESOLVED: aegis_resolution_kind = 3;

/// The jurisdiction(s) of a reading, from `aegis_geo_resolve`: its status, and for a resolved
/// reading the ISO 3166-1 country, the ISO 3166-2 subdivision or the subdivisions it may lie in,
/// and the geoAR exclave claims; for an ambiguous one every candidate country, sorted. Owned by
/// the caller, freed with `aegis_resolution_free`; the strings its accessors return are borrowed
/// from it. Immutable, so it may be read from several threads.
#[derive(Debug)]
pub struct aegis_resolution {
    status: aegis_resolution_kind,
    country: CString,
    subdivision: CString,
    subdivision_candidates: Vec<CString>,
    candidates: Vec<CString>,
    country_exclave: bool,
    enclosing_exclave_country: CString,
    json: CString,
}

/// Codes and JSON are ASCII without NUL; a NUL would only shorten the C string.
fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

impl aegis_resolution {
    fn new(r: &Resolution) -> Self {
        let json = r.to_json();
        let mut out = aegis_resolution {
            status: AEGIS_RESOLUTION_UNRESOLVED,
            country: CString::default(),
            subdivision: CString::default(),
            subdivision_candidates: Vec::new(),
            candidates: Vec::new(),
            country_exclave: false,
            enclosing_exclave_country: CString::default(),
            json: c_text(&json),
        };
        match r {
            Resolution::Resolved {
                country,
                subdivision,
                subdivision_candidates,
                country_exclave,
                enclosing_exclave_country,
            } => {
                out.status = AEGIS_RESOLUTION_RESOLVED;
                out.country = c_text(country);
                out.subdivision = c_text(subdivision.as_deref().unwrap_or(""));
                out.subdivision_candidates =
                    subdivision_candidates.iter().map(|s| c_text(s)).collect();
                out.country_exclave = *country_exclave;
                out.enclosing_exclave_country =
                    c_text(enclosing_exclave_country.as_deref().unwrap_or(""));
            }
            Resolution::Ambiguous { candidates } => {
                out.status = AEGIS_RESOLUTION_AMBIGUOUS;
                out.candidates = candidates.iter().map(|c| c_text(&c.country)).collect();
            }
            Resolution::Unresolved => {}
        }
        out
    }
}

/// Resolves a reading, the circle of `accuracy_m` metres around (`latitude`, `longitude`) in
/// WGS 84 degrees, to its jurisdiction(s) from the embedded boundary data (OpenStreetMap-derived,
/// ODbL; decoded on the first call): the ISO 3166-1 country and ISO 3166-2 subdivision the whole
/// circle lies in, every candidate country when it reaches several, or none (open sea).
///
/// On success `*out` receives a new `aegis_resolution` that the caller frees with
/// `aegis_resolution_free`. On failure nothing is written to `*out`: `AEGIS_LATITUDE_OUT_OF_RANGE`
/// (outside -90..90 or NaN), `AEGIS_LONGITUDE_OUT_OF_RANGE` (outside -180..180 or NaN),
/// `AEGIS_INVALID_ACCURACY` (negative, infinite or NaN).
///
/// # Safety
/// `out` is valid for writing one pointer; `err_out` is NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn aegis_geo_resolve(
    latitude: f64,
    longitude: f64,
    accuracy_m: f64,
    out: *mut *mut aegis_resolution,
    err_out: *mut *mut aegis_error,
) -> aegis_status {
    // SAFETY: the caller upholds this function's contract for err_out.
    let err_out = unsafe { ErrOut::new(err_out) };
    boundary::guard(err_out, || {
        // SAFETY: the caller upholds this function's contract for out.
        let out = unsafe { boundary::out(out, "out") }?;
        let resolution = jurisdiction::resolve(latitude, longitude, accuracy_m)?;
        out.write_box(aegis_resolution::new(&resolution));
        Ok(())
    })
}

/// Runs `f` on the resolution, or gives `fallback` when `resolution` is NULL.
///
/// # Safety
/// `resolution` is NULL or a live `aegis_resolution`.
unsafe fn with<T>(
    resolution: *const aegis_resolution,
    fallback: T,
    f: impl FnOnce(&aegis_resolution) -> T,
) -> T {
    boundary::guard_value(None, || {
        // SAFETY: the caller upholds this function's contract for resolution.
        unsafe { boundary::borrow(resolution, "resolution") }
            .ok()
            .map(f)
    })
    .unwrap_or(fallback)
}

/// Item `i` of a list of strings, or "".
fn item(list: &[CString], i: usize) -> *const c_char {
    list.get(i).map_or(c"".as_ptr(), |s| s.as_ptr())
}

/// The resolution's status: `AEGIS_RESOLUTION_RESOLVED`, `AEGIS_RESOLUTION_AMBIGUOUS` or
/// `AEGIS_RESOLUTION_UNRESOLVED`; 0 when `resolution` is NULL.
///
/// # Safety
/// `resolution` is NULL or a live `aegis_resolution`.
#[no_mangle]
pub unsafe extern "C" fn aegis_resolution_status(
    resolution: *const aegis_resolution,
) -> aegis_resolution_kind {
    // SAFETY: the caller upholds this function's contract for resolution.
    unsafe { with(resolution, 0, |r| r.status) }
}

/// A resolved reading's ISO 3166-1 alpha-2 country ("ES"); "" otherwise or when `resolution` is
/// NULL. A NUL-terminated string borrowed from `resolution`, valid until
/// `aegis_resolution_free(resolution)`.
///
/// # Safety
/// `resolution` is NULL or a live `aegis_resolution`.
#[no_mangle]
pub unsafe extern "C" fn aegis_resolution_country(
    resolution: *const aegis_resolution,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for resolution.
    unsafe { with(resolution, c"".as_ptr(), |r| r.country.as_ptr()) }
}

/// A resolved reading's ISO 3166-2 subdivision of its country ("ES-CT"), when the whole circle
/// lies in one; "" when the data has none there, the circle spans several (see
/// `aegis_resolution_subdivision_candidate_at`), the reading is not resolved or `resolution` is
/// NULL. Borrowed from `resolution`, valid until `aegis_resolution_free(resolution)`.
///
/// # Safety
/// `resolution` is NULL or a live `aegis_resolution`.
#[no_mangle]
pub unsafe extern "C" fn aegis_resolution_subdivision(
    resolution: *const aegis_resolution,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for resolution.
    unsafe { with(resolution, c"".as_ptr(), |r| r.subdivision.as_ptr()) }
}

/// How many subdivisions of its country a resolved circle spans (0 when it lies in one, or in
/// none the data knows; 0 when `resolution` is NULL).
///
/// # Safety
/// `resolution` is NULL or a live `aegis_resolution`.
#[no_mangle]
pub unsafe extern "C" fn aegis_resolution_subdivision_candidate_count(
    resolution: *const aegis_resolution,
) -> usize {
    // SAFETY: the caller upholds this function's contract for resolution.
    unsafe { with(resolution, 0, |r| r.subdivision_candidates.len()) }
}

/// Subdivision `i` of those a resolved circle spans, sorted; "" for `i` out of range or a NULL
/// `resolution`. Borrowed from `resolution`, valid until `aegis_resolution_free(resolution)`.
///
/// # Safety
/// `resolution` is NULL or a live `aegis_resolution`.
#[no_mangle]
pub unsafe extern "C" fn aegis_resolution_subdivision_candidate_at(
    resolution: *const aegis_resolution,
    i: usize,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for resolution.
    unsafe {
        with(resolution, c"".as_ptr(), |r| {
            item(&r.subdivision_candidates, i)
        })
    }
}

/// How many countries an ambiguous circle reaches (0 for another status or a NULL
/// `resolution`).
///
/// # Safety
/// `resolution` is NULL or a live `aegis_resolution`.
#[no_mangle]
pub unsafe extern "C" fn aegis_resolution_candidate_count(
    resolution: *const aegis_resolution,
) -> usize {
    // SAFETY: the caller upholds this function's contract for resolution.
    unsafe { with(resolution, 0, |r| r.candidates.len()) }
}

/// Country `i` (ISO 3166-1 alpha-2) of those an ambiguous circle reaches, sorted; "" for `i` out
/// of range or a NULL `resolution`. Borrowed from `resolution`, valid until
/// `aegis_resolution_free(resolution)`.
///
/// # Safety
/// `resolution` is NULL or a live `aegis_resolution`.
#[no_mangle]
pub unsafe extern "C" fn aegis_resolution_candidate_at(
    resolution: *const aegis_resolution,
    i: usize,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for resolution.
    unsafe { with(resolution, c"".as_ptr(), |r| item(&r.candidates, i)) }
}

/// geoAR `jurisdiction-country-exclave`: whether a resolved reading's centre lies in an exclave
/// of its country (aegis-core's curated table); false otherwise or for a NULL `resolution`.
///
/// # Safety
/// `resolution` is NULL or a live `aegis_resolution`.
#[no_mangle]
pub unsafe extern "C" fn aegis_resolution_country_exclave(
    resolution: *const aegis_resolution,
) -> bool {
    // SAFETY: the caller upholds this function's contract for resolution.
    unsafe { with(resolution, false, |r| r.country_exclave) }
}

/// geoAR `enclosing-exclave-country`: the one country surrounding that exclave ("FR" for
/// Llívia); "" when there is none or no exclave, or `resolution` is NULL. Borrowed from
/// `resolution`, valid until `aegis_resolution_free(resolution)`.
///
/// # Safety
/// `resolution` is NULL or a live `aegis_resolution`.
#[no_mangle]
pub unsafe extern "C" fn aegis_resolution_enclosing_exclave_country(
    resolution: *const aegis_resolution,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for resolution.
    unsafe {
        with(resolution, c"".as_ptr(), |r| {
            r.enclosing_exclave_country.as_ptr()
        })
    }
}

/// The resolution as the JSON object `aegis geo resolve` prints (compact): {"status":
/// "resolved", "country": ..., "subdivision": ...}, {"status": "ambiguous", "candidates":
/// [{"country": ...}, ...]} or {"status": "unresolved"}; "" when `resolution` is NULL. Borrowed
/// from `resolution`, valid until `aegis_resolution_free(resolution)`.
///
/// # Safety
/// `resolution` is NULL or a live `aegis_resolution`.
#[no_mangle]
pub unsafe extern "C" fn aegis_resolution_json(
    resolution: *const aegis_resolution,
) -> *const c_char {
    // SAFETY: the caller upholds this function's contract for resolution.
    unsafe { with(resolution, c"".as_ptr(), |r| r.json.as_ptr()) }
}

/// Frees a resolution. NULL does nothing.
///
/// # Safety
/// `resolution` is NULL or an `aegis_resolution` from this library, not freed before; it (and
/// every string borrowed from it) is not used after.
#[no_mangle]
pub unsafe extern "C" fn aegis_resolution_free(resolution: *mut aegis_resolution) {
    boundary::guard_value((), || {
        // SAFETY: the caller upholds this function's contract for resolution.
        unsafe { boundary::free(resolution) }
    })
}

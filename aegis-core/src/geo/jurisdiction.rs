//! Jurisdictions from coordinates, offline (FORMATS.md, "Jurisdictions").
//!
//! A reading is a circle (WGS 84 coordinates and an accuracy radius). [`Resolution`] says which
//! ISO 3166-1 country (and ISO 3166-2 subdivision of that same country) the whole circle lies in,
//! or lists every candidate when the circle reaches more than one, or says that it lies in none
//! (open sea). The lookup engine and its boundary data fill this module (issue 11, item 1).

use serde::Serialize;

/// The jurisdiction(s) a reading lies in (FORMATS.md, "Jurisdictions").
///
/// Serialized as the `aegis geo resolve` output: `{"status": "resolved", "country": "ES",
/// "subdivision": "ES-CT"}`, `{"status": "ambiguous", "candidates": [{"country": "CH"},
/// {"country": "FR"}]}` or `{"status": "unresolved"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Resolution {
    /// The whole circle lies in one country.
    Resolved {
        /// ISO 3166-1 alpha-2 code, the most specific one containing the circle ("JE", "HK").
        country: String,
        /// ISO 3166-2 code with the country prefix ("ES-CT"), when the whole circle lies in one
        /// subdivision of `country`; `None` when the data has none or the circle spans several.
        subdivision: Option<String>,
        /// When the circle spans several subdivisions of `country`: each of them, sorted.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        subdivision_candidates: Vec<String>,
    },
    /// The circle reaches more than one country: every candidate, sorted by code.
    Ambiguous {
        /// The countries the circle reaches.
        candidates: Vec<Candidate>,
    },
    /// No jurisdiction contains any part of the circle (open sea, Antarctica without a claim).
    Unresolved,
}

/// One country an ambiguous reading may lie in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
}

/// TEMPORARY placeholder until wt-geo merges the jurisdiction engine (drop this commit at the
/// merge): the lookup is not in this branch, so every call fails with `Unsupported`.
pub fn resolve(latitude: f64, longitude: f64, accuracy_m: f64) -> crate::error::Result<Resolution> {
    let _ = (latitude, longitude, accuracy_m);
    Err(crate::error::Error::Unsupported {
        what: "jurisdiction lookup (TEMPORARY placeholder until wt-geo merges)",
    })
}

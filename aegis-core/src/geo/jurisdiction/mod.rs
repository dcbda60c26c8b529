//! Jurisdictions from coordinates, offline (FORMATS.md, "Jurisdictions").
//!
//! A reading is a circle (WGS 84 coordinates and an accuracy radius). [`Resolution`] says which
//! ISO 3166-1 country (and ISO 3166-2 subdivision of that same country) the whole circle lies in,
//! or lists every candidate when the circle reaches more than one, or says that it lies in none
//! (open sea).
//!
//! Data: the OSM-derived boundary raster of country-boundaries 1.2.0 (ODbL, © OpenStreetMap
//! contributors), a separate file embedded from aegis-core/data (NOTICE, README.md there), decoded
//! once on first use. A point lies in the most specific country id containing it (JE inside GB,
//! HK inside CN); the reserved codes EA and IC are reported as ES (see `RESERVED_CODES` in
//! `data.rs`); its subdivision is the most specific ISO 3166-2 id of that same country containing
//! it (at Gibraltar the data's ES-AN is not reported: it is not a subdivision of GI).
//!
//! A circle is decided against the boundary edges themselves, not cells or bounding boxes: every
//! boundary edge (and every cell side, so that borders running along one are found) nearer than
//! the radius to the centre gives two witness points just either side of its point nearest the
//! centre; the circle's candidates are the places of the centre and of every witness. Each
//! witness lies in the circle, so nothing is over-reported; and every region of the map reaching
//! into the circle has a nearest point on an edge, which that edge's witnesses sample, so nothing
//! is missed (given boundaries that meet only at shared vertices, as the data's do). Parts of a
//! circle outside every jurisdiction (sea beyond the data's coastline) do not make it ambiguous.
//!
//! Precision: distances on the sphere of [`EARTH_RADIUS_M`] (within 0.56 % of the WGS 84
//! geodesic: 0.6 m at 100 m, 5.6 m at 1 km), edges within 1 cm
//! ([`crate::geo::geometry`]), witnesses 1 cm along and 1 mm across an edge; the data itself is
//! simplified and quantized to 1.7 m (aegis-core/data/README.md).
//!
//! [`EARTH_RADIUS_M`]: crate::geo::geometry::EARTH_RADIUS_M

mod data;
mod exclaves;

pub use exclaves::{Exclave, ExclaveArea, EXCLAVES};

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::geo::geometry::LonLat;
use data::{Dataset, State};

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
        /// geoAR `jurisdiction-country-exclave`: the circle's centre lies in one of `country`'s
        /// exclaves ([`EXCLAVES`]); serialized only when true.
        #[serde(skip_serializing_if = "core::ops::Not::not")]
        country_exclave: bool,
        /// geoAR `enclosing-exclave-country`: the one country surrounding that exclave, when
        /// there is one; serialized only when present.
        #[serde(skip_serializing_if = "Option::is_none")]
        enclosing_exclave_country: Option<String>,
    },
    /// The circle reaches more than one country: every candidate, sorted by code.
    Ambiguous {
        /// The countries the circle reaches.
        candidates: Vec<Candidate>,
    },
    /// No jurisdiction contains any part of the circle (open sea, Antarctica without a claim).
    Unresolved,
}

impl Resolution {
    /// The compact JSON form, as `aegis geo resolve` prints it and every binding offers.
    pub fn to_json(&self) -> String {
        // Strings, booleans and lists of them: serialization cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// One country an ambiguous reading may lie in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
}

/// A witness is this far along an edge from its end (degrees, about 1 cm), so that it samples
/// the regions meeting at a vertex.
const WITNESS_ALONG: f64 = 1e-7;
/// And this far across it, on each side (degrees, about 1 mm).
const WITNESS_ACROSS: f64 = 1e-8;

/// The jurisdiction lookup over a boundary dataset.
#[derive(Debug)]
pub struct Jurisdictions {
    data: Dataset,
}

impl Jurisdictions {
    /// The embedded dataset, decoded on the first call (some tens of milliseconds) and shared.
    ///
    /// Errors: `BoundaryDataCorrupt` if the embedded file does not decode (a build defect).
    pub fn embedded() -> Result<&'static Jurisdictions> {
        static EMBEDDED: OnceLock<Result<Jurisdictions>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| {
                Ok(Jurisdictions {
                    data: Dataset::decode(data::BOUNDARIES)?,
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The jurisdiction(s) of the circle of `accuracy_m` metres around (`latitude`,
    /// `longitude`) in WGS 84 degrees (FORMATS.md, "Jurisdictions"; see the module
    /// documentation for the method and its precision).
    ///
    /// Errors: `LatitudeOutOfRange` (outside -90..=90 or NaN), `LongitudeOutOfRange` (outside
    /// -180..=180 or NaN), `InvalidAccuracy` (negative, infinite or NaN).
    pub fn resolve(&self, latitude: f64, longitude: f64, accuracy_m: f64) -> Result<Resolution> {
        if !(-90.0..=90.0).contains(&latitude) {
            return Err(Error::LatitudeOutOfRange);
        }
        if !(-180.0..=180.0).contains(&longitude) {
            return Err(Error::LongitudeOutOfRange);
        }
        if !accuracy_m.is_finite() || accuracy_m < 0.0 {
            return Err(Error::InvalidAccuracy);
        }
        let centre = LonLat::new(longitude, latitude);
        let centre_state = self.data.state_at(centre);
        let mut states = BTreeSet::from([centre_state]);
        if accuracy_m > 0.0 {
            self.data.edges_near(centre, accuracy_m, |a, b, q| {
                for w in witnesses(a, b, q) {
                    states.insert(self.data.state_at(w));
                }
            });
        }
        Ok(decide(&states, centre_state, centre))
    }
}

/// The jurisdiction(s) of the circle of `accuracy_m` metres around (`latitude`, `longitude`),
/// against the embedded dataset: [`Jurisdictions::resolve`] on [`Jurisdictions::embedded`].
pub fn resolve(latitude: f64, longitude: f64, accuracy_m: f64) -> Result<Resolution> {
    Jurisdictions::embedded()?.resolve(latitude, longitude, accuracy_m)
}

/// Two points just either side of the edge from `a` to `b` at `q` (its point nearest the
/// centre), moved along the edge away from a vertex.
fn witnesses(a: LonLat, b: LonLat, q: LonLat) -> [LonLat; 2] {
    let (dx, dy) = (b.lon - a.lon, b.lat - a.lat);
    let len = dx.hypot(dy);
    if len == 0.0 {
        return [q, q];
    }
    let margin = WITNESS_ALONG / len;
    let t = ((q.lon - a.lon) * dx + (q.lat - a.lat) * dy) / (len * len);
    let t = if margin >= 0.5 {
        0.5
    } else {
        t.clamp(margin, 1.0 - margin)
    };
    let m = LonLat::new(a.lon + t * dx, a.lat + t * dy);
    let (nx, ny) = (-dy / len * WITNESS_ACROSS, dx / len * WITNESS_ACROSS);
    let clamp = |lat: f64| lat.clamp(-90.0, 90.0);
    [
        LonLat::new(m.lon + nx, clamp(m.lat + ny)),
        LonLat::new(m.lon - nx, clamp(m.lat - ny)),
    ]
}

/// The resolution from the places sampled in the circle.
fn decide(states: &BTreeSet<State<'_>>, centre_state: State<'_>, centre: LonLat) -> Resolution {
    let countries: BTreeSet<&str> = states.iter().filter_map(|s| s.country).collect();
    let mut it = countries.iter();
    let (Some(&country), None) = (it.next(), it.next()) else {
        if countries.is_empty() {
            return Resolution::Unresolved;
        }
        return Resolution::Ambiguous {
            candidates: countries
                .iter()
                .map(|c| Candidate {
                    country: (*c).to_owned(),
                })
                .collect(),
        };
    };
    let subdivisions: BTreeSet<Option<&str>> = states
        .iter()
        .filter(|s| s.country == Some(country))
        .map(|s| s.subdivision)
        .collect();
    let (subdivision, subdivision_candidates) = match subdivisions.iter().collect::<Vec<_>>()[..] {
        [Some(one)] => (Some((*one).to_owned()), Vec::new()),
        _ => (
            None,
            subdivisions
                .iter()
                .flatten()
                .map(|s| (*s).to_owned())
                .collect(),
        ),
    };
    let exclave = exclaves::find(country, centre_state.subdivision, centre);
    Resolution::Resolved {
        country: country.to_owned(),
        subdivision,
        subdivision_candidates,
        country_exclave: exclave.is_some(),
        enclosing_exclave_country: exclave.and_then(|e| e.enclosing).map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u16).to_be_bytes());
        out.extend_from_slice(s.as_bytes());
    }

    /// Two cells, west and east of the prime meridian: AA covers the western one, BB the eastern
    /// one. Their border runs along a cell side, where no polygon edge lies.
    fn two_cells() -> Jurisdictions {
        let mut d = Vec::new();
        d.extend_from_slice(&2u16.to_be_bytes());
        d.extend_from_slice(&2u32.to_be_bytes());
        for id in ["AA", "BB"] {
            string(&mut d, id);
            d.extend_from_slice(&1.0f64.to_be_bytes());
        }
        d.extend_from_slice(&2u32.to_be_bytes());
        d.extend_from_slice(&2u32.to_be_bytes());
        for id in ["AA", "BB"] {
            d.push(1);
            string(&mut d, id);
            d.push(0);
        }
        Jurisdictions {
            data: Dataset::decode(&d).unwrap(),
        }
    }

    #[test]
    fn a_border_along_a_cell_side_is_found() {
        let j = two_cells();
        // 0.001° of longitude at the equator is 111.2 m.
        let resolved = |c: &str| Resolution::Resolved {
            country: c.to_owned(),
            subdivision: None,
            subdivision_candidates: Vec::new(),
            country_exclave: false,
            enclosing_exclave_country: None,
        };
        assert_eq!(j.resolve(0.0, -0.001, 0.0).unwrap(), resolved("AA"));
        assert_eq!(j.resolve(0.0, -0.001, 110.0).unwrap(), resolved("AA"));
        assert_eq!(
            j.resolve(0.0, -0.001, 112.0).unwrap(),
            Resolution::Ambiguous {
                candidates: vec![
                    Candidate {
                        country: "AA".to_owned()
                    },
                    Candidate {
                        country: "BB".to_owned()
                    },
                ]
            }
        );
        // Across the antimeridian, the other side of both cells.
        assert_eq!(j.resolve(0.0, 179.999, 110.0).unwrap(), resolved("BB"));
        assert!(matches!(
            j.resolve(0.0, 179.999, 112.0).unwrap(),
            Resolution::Ambiguous { .. }
        ));
    }

    #[test]
    fn corrupt_data_is_an_error_not_a_panic() {
        let ok = Dataset::decode(data::BOUNDARIES);
        assert!(ok.is_ok());
        for cut in [
            0,
            1,
            5,
            100,
            data::BOUNDARIES.len() / 2,
            data::BOUNDARIES.len() - 1,
        ] {
            assert!(matches!(
                Dataset::decode(data::BOUNDARIES.get(..cut).unwrap()),
                Err(Error::BoundaryDataCorrupt { .. })
            ));
        }
        let mut wrong_version = data::BOUNDARIES.to_vec();
        wrong_version[1] = 3;
        assert!(Dataset::decode(&wrong_version).is_err());
    }
}

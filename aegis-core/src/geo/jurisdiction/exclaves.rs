//! The curated exclave table behind the geoAR claims `jurisdiction-country-exclave` and
//! `enclosing-exclave-country` (draft-richardson-rats-geographic-results-01, section "Claim
//! definition"; FORMATS.md, EAR).
//!
//! Source: Wikipedia, "List of enclaves and exclaves"
//! (<https://en.wikipedia.org/wiki/List_of_enclaves_and_exclaves>, section "Exclaves"), the
//! commonly cited land exclaves of each country. Where the data has the exclave as a subdivision
//! (RU-KGD, AZ-NX, OM-MU, ES-CE, ES-ML) that is its area; otherwise a box drawn around it on the
//! data holds it and none of its country's main territory: the test
//! `exclave_boxes_hold_only_their_exclave` (aegis-core/tests/jurisdiction.rs) checks against the
//! embedded boundary data that the box's perimeter never lies in the exclave's country and that
//! the named point inside does. A resolved reading whose centre lies in a box and whose country is
//! the box's country is in that exclave; for a subdivision, the centre's subdivision decides.
//!
//! Cabinda (AO) and Oecusse (TL) are not listed: in the data their territorial sea joins that of
//! the main territory, so no box separates them and the data cannot tell them apart.
//!
//! Second-order cases (Baarle-Nassau's Dutch counter-enclaves inside Baarle-Hertog's Belgian
//! ones, Nahwa inside Madha) are not listed: the draft itself leaves open whether they matter.

use crate::geo::geometry::LonLat;

/// Where an exclave lies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ExclaveArea {
    /// Exactly the area of this ISO 3166-2 subdivision in the data (Kaliningrad is RU-KGD).
    Subdivision(&'static str),
    /// The part of the exclave's country inside this box, which holds none of its main
    /// territory: (south-west corner, north-east corner).
    Box(LonLat, LonLat),
}

/// One exclave: territory of `country` separated from its main territory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exclave {
    /// Its common name.
    pub name: &'static str,
    /// The ISO 3166-1 alpha-2 code of the country it belongs to.
    pub country: &'static str,
    /// The one country surrounding it by land (`enclosing-exclave-country`), when there is one;
    /// `None` when it borders several (Kaliningrad: PL and LT).
    pub enclosing: Option<&'static str>,
    /// A point inside it.
    pub inside: LonLat,
    /// Its area.
    pub area: ExclaveArea,
}

/// (latitude, longitude) to a position.
const fn at(p: (f64, f64)) -> LonLat {
    LonLat::new(p.1, p.0)
}

const fn boxed(
    name: &'static str,
    country: &'static str,
    enclosing: &'static str,
    inside: (f64, f64),
    min: (f64, f64),
    max: (f64, f64),
) -> Exclave {
    Exclave {
        name,
        country,
        enclosing: Some(enclosing),
        inside: at(inside),
        area: ExclaveArea::Box(at(min), at(max)),
    }
}

const fn subdivision(
    name: &'static str,
    code: &'static str,
    country: &'static str,
    enclosing: Option<&'static str>,
    inside: (f64, f64),
) -> Exclave {
    Exclave {
        name,
        country,
        enclosing,
        inside: at(inside),
        area: ExclaveArea::Subdivision(code),
    }
}

/// The exclave table; coordinates are (latitude, longitude).
pub const EXCLAVES: &[Exclave] = &[
    boxed(
        "Llívia",
        "ES",
        "FR",
        (42.4636, 1.9806),
        (42.4461, 1.9556),
        (42.4961, 2.0161),
    ),
    boxed(
        "Büsingen am Hochrhein",
        "DE",
        "CH",
        (47.6973, 8.6910),
        (47.6838, 8.657),
        (47.7153, 8.718),
    ),
    boxed(
        "Campione d'Italia",
        "IT",
        "CH",
        (45.968, 8.971),
        (45.955, 8.955),
        (45.985, 8.985),
    ),
    boxed(
        "Baarle-Hertog",
        "BE",
        "NL",
        (51.431, 4.931),
        (51.4275, 4.915),
        (51.453, 4.96),
    ),
    subdivision("Ceuta", "ES-CE", "ES", Some("MA"), (35.889, -5.32)),
    subdivision("Melilla", "ES-ML", "ES", Some("MA"), (35.29, -2.94)),
    subdivision("Kaliningrad Oblast", "RU-KGD", "RU", None, (54.71, 20.51)),
    subdivision("Nakhchivan", "AZ-NX", "AZ", None, (39.2, 45.4)),
    subdivision("Musandam", "OM-MU", "OM", Some("AE"), (26.2, 56.25)),
];

/// The exclave holding `p` when `p` lies in `country` and (if any) `subdivision` of it.
pub(super) fn find(
    country: &str,
    subdivision: Option<&str>,
    p: LonLat,
) -> Option<&'static Exclave> {
    EXCLAVES.iter().find(|e| {
        e.country == country
            && match e.area {
                ExclaveArea::Subdivision(code) => subdivision == Some(code),
                ExclaveArea::Box(min, max) => {
                    (min.lon..=max.lon).contains(&p.lon) && (min.lat..=max.lat).contains(&p.lat)
                }
            }
    })
}

//! geoAR claims (draft-richardson-rats-geographic-results-01, "CDDL Definition";
//! FORMATS.md, EAR): where a verifier concluded the target environment is.
//!
//! The draft's outer label is unassigned and its numbering still moves (it gives room-number and
//! hallway-number the same label 10), so Aegis writes every label under a private-use CBOR key
//! (RFC 8392, 9.1: integers below -65536) and JSON names `grc.<name>`, flat in the submod. On
//! input the names are also accepted without the `grc.` prefix, and `jurisdiction-state` for
//! `jurisdiction-subdivision` (the draft's own word).

use crate::error::{Error, Result};

/// The geoAR claims of one submod. Every field is optional; [`GeoClaims::check`] enforces the
/// types' ranges and that outer jurisdiction levels are present when inner ones are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GeoClaims {
    /// `grc.jurisdiction-country` (label 0): ISO 3166-1 alpha-2, upper case ("ES").
    pub country: Option<String>,
    /// `grc.jurisdiction-country-exclave` (1): the place is an exclave of `country`.
    pub country_exclave: Option<bool>,
    /// `grc.jurisdiction-subdivision` (2; the draft's jurisdiction-state): ISO 3166-2 with the
    /// country prefix ("ES-CT"), 2 to 16 characters.
    pub subdivision: Option<String>,
    /// `grc.jurisdiction-subdivision-exclave` (3).
    pub subdivision_exclave: Option<bool>,
    /// `grc.jurisdiction-city` (4): 2 to 16 characters.
    pub city: Option<String>,
    /// `grc.jurisdiction-city-exclave` (5).
    pub city_exclave: Option<bool>,
    /// `grc.enclosing-exclave-country` (6): ISO 3166-1 alpha-2 of the country around the exclave.
    pub enclosing_exclave_country: Option<String>,
    /// `grc.near-to` (7): a UUID (corim uuid-type: 16 bytes in CBOR, RFC 9562 text in JSON).
    pub near_to: Option<[u8; 16]>,
    /// `grc.rack-U-number` (8): rack unit, from 1 at the bottom.
    pub rack_u_number: Option<u64>,
    /// `grc.cabinet-number` (9): greater than 0.
    pub cabinet_number: Option<u64>,
    /// `grc.hallway-number` (10).
    pub hallway_number: Option<u64>,
    /// `grc.room-number` (the draft duplicates 10): 2 to 64 characters.
    pub room_number: Option<String>,
    /// `grc.floor-number` (11): an integer.
    pub floor_number: Option<i64>,
    /// `grc.data-center-name` (12 in an editor's copy): 1 to 64 characters.
    pub data_center_name: Option<String>,
}

/// A geoAR value, independent of JSON or CBOR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum GeoValue {
    Text(String),
    Bool(bool),
    Uint(u64),
    Int(i64),
    Uuid([u8; 16]),
}

/// The type of a label's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GeoKind {
    Text,
    Bool,
    Uint,
    Int,
    Uuid,
}

/// One geoAR label: its name (without `grc.`) and its private CBOR key.
#[derive(Debug)]
pub(crate) struct GeoLabel {
    pub name: &'static str,
    pub cbor_key: i64,
    pub kind: GeoKind,
}

/// Private CBOR keys: -80000 minus the draft's label; room-number, which the draft numbers 10
/// like hallway-number, gets -80013.
pub(crate) const GEO_LABELS: [GeoLabel; 14] = [
    label("jurisdiction-country", 0, GeoKind::Text),
    label("jurisdiction-country-exclave", 1, GeoKind::Bool),
    label("jurisdiction-subdivision", 2, GeoKind::Text),
    label("jurisdiction-subdivision-exclave", 3, GeoKind::Bool),
    label("jurisdiction-city", 4, GeoKind::Text),
    label("jurisdiction-city-exclave", 5, GeoKind::Bool),
    label("enclosing-exclave-country", 6, GeoKind::Text),
    label("near-to", 7, GeoKind::Uuid),
    label("rack-U-number", 8, GeoKind::Uint),
    label("cabinet-number", 9, GeoKind::Uint),
    label("hallway-number", 10, GeoKind::Uint),
    label("room-number", 13, GeoKind::Text),
    label("floor-number", 11, GeoKind::Int),
    label("data-center-name", 12, GeoKind::Text),
];

const fn label(name: &'static str, n: i64, kind: GeoKind) -> GeoLabel {
    GeoLabel {
        name,
        cbor_key: -80000 - n,
        kind,
    }
}

/// The index in [`GEO_LABELS`] of a JSON member name (`grc.` optional; `jurisdiction-state*`
/// read as `jurisdiction-subdivision*`).
pub(crate) fn label_of_name(name: &str) -> Option<usize> {
    let bare = name.strip_prefix("grc.").unwrap_or(name);
    let bare = match bare {
        "jurisdiction-state" => "jurisdiction-subdivision",
        "jurisdiction-state-exclave" => "jurisdiction-subdivision-exclave",
        other => other,
    };
    GEO_LABELS.iter().position(|l| l.name == bare)
}

/// The index in [`GEO_LABELS`] of a CBOR key.
pub(crate) fn label_of_key(key: i64) -> Option<usize> {
    GEO_LABELS.iter().position(|l| l.cbor_key == key)
}

const BAD_TYPE: Error = Error::EarGeoInvalid {
    what: "a geoAR claim has the wrong type",
};

impl GeoClaims {
    /// Whether no claim is set.
    pub fn is_empty(&self) -> bool {
        self.values().is_empty()
    }

    /// The set claims as (index in [`GEO_LABELS`], value), in label order.
    pub(crate) fn values(&self) -> Vec<(usize, GeoValue)> {
        let text = |v: &Option<String>| v.clone().map(GeoValue::Text);
        let all = [
            text(&self.country),
            self.country_exclave.map(GeoValue::Bool),
            text(&self.subdivision),
            self.subdivision_exclave.map(GeoValue::Bool),
            text(&self.city),
            self.city_exclave.map(GeoValue::Bool),
            text(&self.enclosing_exclave_country),
            self.near_to.map(GeoValue::Uuid),
            self.rack_u_number.map(GeoValue::Uint),
            self.cabinet_number.map(GeoValue::Uint),
            self.hallway_number.map(GeoValue::Uint),
            text(&self.room_number),
            self.floor_number.map(GeoValue::Int),
            text(&self.data_center_name),
        ];
        all.into_iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i, v)))
            .collect()
    }

    /// Sets the claim of [`GEO_LABELS`] index `index`; `EarGeoInvalid` when the value's type is
    /// not the label's or the claim is given twice.
    pub(crate) fn set(&mut self, index: usize, value: GeoValue) -> Result<()> {
        fn put<T>(slot: &mut Option<T>, v: T) -> Result<()> {
            if slot.is_some() {
                return Err(Error::EarGeoInvalid {
                    what: "a geoAR claim is given twice",
                });
            }
            *slot = Some(v);
            Ok(())
        }
        match (index, value) {
            (0, GeoValue::Text(v)) => put(&mut self.country, v),
            (1, GeoValue::Bool(v)) => put(&mut self.country_exclave, v),
            (2, GeoValue::Text(v)) => put(&mut self.subdivision, v),
            (3, GeoValue::Bool(v)) => put(&mut self.subdivision_exclave, v),
            (4, GeoValue::Text(v)) => put(&mut self.city, v),
            (5, GeoValue::Bool(v)) => put(&mut self.city_exclave, v),
            (6, GeoValue::Text(v)) => put(&mut self.enclosing_exclave_country, v),
            (7, GeoValue::Uuid(v)) => put(&mut self.near_to, v),
            (8, GeoValue::Uint(v)) => put(&mut self.rack_u_number, v),
            (9, GeoValue::Uint(v)) => put(&mut self.cabinet_number, v),
            (10, GeoValue::Uint(v)) => put(&mut self.hallway_number, v),
            (11, GeoValue::Text(v)) => put(&mut self.room_number, v),
            (12, GeoValue::Int(v)) => put(&mut self.floor_number, v),
            (12, GeoValue::Uint(v)) => put(
                &mut self.floor_number,
                i64::try_from(v).map_err(|_| BAD_TYPE)?,
            ),
            (13, GeoValue::Text(v)) => put(&mut self.data_center_name, v),
            _ => Err(BAD_TYPE),
        }
    }

    /// The draft's value ranges, and outer jurisdiction levels present when inner ones are:
    /// a subdivision needs its country (and carries that country's prefix, FORMATS.md
    /// Jurisdictions), a city its subdivision, an exclave flag its level, an enclosing country
    /// an exclave. `EarGeoInvalid` names the rule broken.
    pub fn check(&self) -> Result<()> {
        let bad = |what| Err(Error::EarGeoInvalid { what });
        let alpha2 = |c: &str| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase());
        let len_in = |s: &str, lo: usize, hi: usize| (lo..=hi).contains(&s.chars().count());
        if let Some(c) = &self.country {
            if !alpha2(c) {
                return bad("jurisdiction-country is not an ISO 3166-1 alpha-2 code");
            }
        }
        if let Some(c) = &self.enclosing_exclave_country {
            if !alpha2(c) {
                return bad("enclosing-exclave-country is not an ISO 3166-1 alpha-2 code");
            }
        }
        if let Some(s) = &self.subdivision {
            let Some(country) = &self.country else {
                return bad("jurisdiction-subdivision without jurisdiction-country");
            };
            if !len_in(s, 2, 16)
                || s.strip_prefix(country.as_str())
                    .and_then(|rest| rest.strip_prefix('-'))
                    .map_or(true, str::is_empty)
            {
                return bad("jurisdiction-subdivision is not an ISO 3166-2 code of the country");
            }
        }
        if let Some(c) = &self.city {
            if self.subdivision.is_none() {
                return bad("jurisdiction-city without jurisdiction-subdivision");
            }
            if !len_in(c, 2, 16) {
                return bad("jurisdiction-city is not 2 to 16 characters");
            }
        }
        if self.country_exclave.is_some() && self.country.is_none() {
            return bad("jurisdiction-country-exclave without jurisdiction-country");
        }
        if self.subdivision_exclave.is_some() && self.subdivision.is_none() {
            return bad("jurisdiction-subdivision-exclave without jurisdiction-subdivision");
        }
        if self.city_exclave.is_some() && self.city.is_none() {
            return bad("jurisdiction-city-exclave without jurisdiction-city");
        }
        if self.enclosing_exclave_country.is_some()
            && ![
                self.country_exclave,
                self.subdivision_exclave,
                self.city_exclave,
            ]
            .contains(&Some(true))
        {
            return bad("enclosing-exclave-country without an exclave");
        }
        if self.rack_u_number == Some(0) || self.cabinet_number == Some(0) {
            return bad("rack-U-number and cabinet-number start at 1");
        }
        if let Some(r) = &self.room_number {
            if !len_in(r, 2, 64) {
                return bad("room-number is not 2 to 64 characters");
            }
        }
        if let Some(d) = &self.data_center_name {
            if !len_in(d, 1, 64) {
                return bad("data-center-name is not 1 to 64 characters");
            }
        }
        Ok(())
    }
}

/// RFC 9562 text form (8-4-4-4-12 lower-case hex) of a UUID.
pub(crate) fn uuid_text(u: &[u8; 16]) -> String {
    let h = hex::encode(u);
    let part = |a: usize, b: usize| h.get(a..b).unwrap_or("");
    format!(
        "{}-{}-{}-{}-{}",
        part(0, 8),
        part(8, 12),
        part(12, 16),
        part(16, 20),
        part(20, 32)
    )
}

/// A UUID from its RFC 9562 text form (either case).
pub(crate) fn uuid_parse(s: &str) -> Result<[u8; 16]> {
    let groups: Vec<&str> = s.split('-').collect();
    if groups.iter().map(|g| g.len()).collect::<Vec<_>>() != [8, 4, 4, 4, 12] {
        return Err(BAD_TYPE);
    }
    let bytes = hex::decode(groups.concat()).map_err(|_| BAD_TYPE)?;
    bytes.try_into().map_err(|_| BAD_TYPE)
}

//! The geofence policy's JSON form (docs/geofence-policy.md) -> [`GeofencePolicy`].
//!
//! The document is read into a JSON tree that refuses duplicate member names, then walked
//! member by member, so that every refusal names the JSON path at fault
//! ([`Error::GeofencePolicyInvalid`]).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::{
    Area, CodeRules, Effect, GeofencePolicy, Geometry, SensorRules, DEFAULT_CLOCK_SKEW_S,
    MAX_AREAS, MAX_AREA_ID, MAX_CLOCK_SKEW_S, MAX_CODES, MAX_POLICY_BYTES, MAX_RADIUS_M, MAX_RINGS,
    MAX_VERTICES, POLICY_VERSION,
};
use crate::error::{Error, Result};
use crate::geo::geometry::LonLat;
use crate::geo::SensorType;
use crate::json::Strict;
use crate::tpm::{HashAlg, PcrValues, PCR_COUNT};

/// 2^53: the largest integer a policy may state (I-JSON, RFC 7493 2.2).
const MAX_SAFE_INTEGER: u64 = 1 << 53;

fn invalid(path: &str, what: impl Into<String>) -> Error {
    Error::GeofencePolicyInvalid {
        path: path.to_owned(),
        what: what.into(),
    }
}

fn member(path: &str, name: &str) -> String {
    format!("{path}.{name}")
}

fn item(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// An object whose members must all be among `known`.
fn object<'a>(v: &'a Value, path: &str, known: &[&str]) -> Result<&'a Map<String, Value>> {
    let map = v
        .as_object()
        .ok_or_else(|| invalid(path, "expected an object"))?;
    if let Some(k) = map.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(invalid(
            &member(path, k),
            format!("unknown member (expected one of: {})", known.join(", ")),
        ));
    }
    Ok(map)
}

fn array<'a>(v: &'a Value, path: &str, max: usize) -> Result<&'a Vec<Value>> {
    let a = v
        .as_array()
        .ok_or_else(|| invalid(path, "expected an array"))?;
    if a.len() > max {
        return Err(invalid(
            path,
            format!("{} items, at most {max} accepted", a.len()),
        ));
    }
    Ok(a)
}

fn string<'a>(v: &'a Value, path: &str) -> Result<&'a str> {
    v.as_str().ok_or_else(|| invalid(path, "expected a string"))
}

/// A non-negative integer of at most `max`.
fn integer(v: &Value, path: &str, max: u64) -> Result<u64> {
    let n = v
        .as_u64()
        .ok_or_else(|| invalid(path, "expected a non-negative integer"))?;
    if n > max {
        return Err(invalid(path, format!("{n} exceeds {max}")));
    }
    Ok(n)
}

fn number(v: &Value, path: &str) -> Result<f64> {
    v.as_f64()
        .filter(|f| f.is_finite())
        .ok_or_else(|| invalid(path, "expected a number"))
}

/// ISO 3166-1 alpha-2 shape: two upper-case ASCII letters.
fn is_country(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// ISO 3166-2 shape: the country's alpha-2 code, "-", then one to three upper-case letters or
/// digits ("ES-CT", "FR-75C", "GB-ENG").
fn is_subdivision(code: &str) -> bool {
    match code.split_once('-') {
        Some((cc, rest)) => {
            is_country(cc)
                && (1..=3).contains(&rest.len())
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        }
        None => false,
    }
}

/// The country prefix of a subdivision code already checked with [`is_subdivision`].
pub(super) fn prefix(subdivision: &str) -> &str {
    subdivision
        .split_once('-')
        .map_or(subdivision, |(cc, _)| cc)
}

/// `{"allow": [...], "deny": [...]}` of codes of one shape, each listed once, none in both.
fn code_rules(v: &Value, path: &str, shape: fn(&str) -> bool, what: &str) -> Result<CodeRules> {
    let map = object(v, path, &["allow", "deny"])?;
    let mut rules = CodeRules::default();
    for (name, set) in [("allow", &mut rules.allow), ("deny", &mut rules.deny)] {
        let Some(list) = map.get(name) else { continue };
        let p = member(path, name);
        for (i, c) in array(list, &p, MAX_CODES)?.iter().enumerate() {
            let ip = item(&p, i);
            let code = string(c, &ip)?;
            if !shape(code) {
                return Err(invalid(&ip, format!("{code:?} is not {what}")));
            }
            if !set.insert(code.to_owned()) {
                return Err(invalid(&ip, format!("{code} is listed twice")));
            }
        }
    }
    if let Some(both) = rules.allow.intersection(&rules.deny).next() {
        return Err(invalid(path, format!("{both} is both allowed and denied")));
    }
    Ok(rules)
}

/// A GeoJSON position (RFC 7946, 3.1.1): `[longitude, latitude]`, or with an altitude as a
/// third element (ignored).
fn position(v: &Value, path: &str) -> Result<LonLat> {
    let a = v
        .as_array()
        .ok_or_else(|| invalid(path, "expected a position [longitude, latitude]"))?;
    let (lon, lat) = match a.as_slice() {
        [lon, lat] | [lon, lat, _] => (lon, lat),
        _ => {
            return Err(invalid(
                path,
                "a position has 2 elements [longitude, latitude] (or 3 with an altitude)",
            ))
        }
    };
    if let [_, _, alt] = a.as_slice() {
        number(alt, &item(path, 2))?;
    }
    let lon = number(lon, &item(path, 0))?;
    let lat = number(lat, &item(path, 1))?;
    if !(-180.0..=180.0).contains(&lon) {
        return Err(invalid(
            &item(path, 0),
            "longitude outside [-180, 180] (GeoJSON positions are [longitude, latitude])",
        ));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(invalid(
            &item(path, 1),
            "latitude outside [-90, 90] (GeoJSON positions are [longitude, latitude])",
        ));
    }
    Ok(LonLat::new(lon, lat))
}

/// A linear ring (RFC 7946, 3.1.6): at least four positions, the last equal to the first, no
/// edge across the antimeridian (3.1.9: such a ring is cut in two), enclosing some area.
fn ring(v: &Value, path: &str, budget: &mut usize) -> Result<Vec<LonLat>> {
    let a = v
        .as_array()
        .ok_or_else(|| invalid(path, "expected an array of positions"))?;
    if a.len() > *budget {
        return Err(invalid(
            path,
            format!("the areas have more than {MAX_VERTICES} positions in all"),
        ));
    }
    *budget -= a.len();
    if a.len() < 4 {
        return Err(invalid(
            path,
            format!("a linear ring has at least 4 positions, found {}", a.len()),
        ));
    }
    let ring = a
        .iter()
        .enumerate()
        .map(|(i, p)| position(p, &item(path, i)))
        .collect::<Result<Vec<_>>>()?;
    if ring.first() != ring.last() {
        return Err(invalid(
            &item(path, ring.len() - 1),
            "a linear ring ends with its first position (closed ring)",
        ));
    }
    for (i, pair) in ring.windows(2).enumerate() {
        if let [a, b] = pair {
            if (b.lon - a.lon).abs() > 180.0 {
                return Err(invalid(
                    &item(path, i + 1),
                    "edge crosses the antimeridian: cut the ring there (RFC 7946, 3.1.9)",
                ));
            }
        }
    }
    // Shoelace formula relative to the first position (exactly 0 for collinear positions on a
    // parallel or a meridian).
    let o = ring.first().copied().unwrap_or(LonLat::new(0.0, 0.0));
    let twice_area: f64 = ring
        .windows(2)
        .map(|w| match w {
            [a, b] => (a.lon - o.lon) * (b.lat - o.lat) - (b.lon - o.lon) * (a.lat - o.lat),
            _ => 0.0,
        })
        .sum();
    if twice_area == 0.0 {
        return Err(invalid(path, "the ring encloses no area"));
    }
    Ok(ring)
}

/// A GeoJSON Polygon geometry (RFC 7946, 3.1.6) or an Aegis circle.
fn geometry(v: &Value, path: &str, budget: &mut usize) -> Result<Geometry> {
    let kind = v
        .as_object()
        .and_then(|m| m.get("type"))
        .ok_or_else(|| invalid(path, "a geometry has a \"type\": \"Polygon\" or \"Circle\""))?;
    match string(kind, &member(path, "type"))? {
        "Polygon" => {
            let map = object(v, path, &["type", "coordinates"])?;
            let cp = member(path, "coordinates");
            let rings = array(
                map.get("coordinates")
                    .ok_or_else(|| invalid(&cp, "missing"))?,
                &cp,
                MAX_RINGS,
            )?;
            if rings.is_empty() {
                return Err(invalid(&cp, "a polygon has at least its exterior ring"));
            }
            let rings = rings
                .iter()
                .enumerate()
                .map(|(i, r)| ring(r, &item(&cp, i), budget))
                .collect::<Result<Vec<_>>>()?;
            Ok(Geometry::Polygon(rings))
        }
        "Circle" => {
            let map = object(v, path, &["type", "center", "radius_m"])?;
            let get = |name: &str| {
                map.get(name)
                    .ok_or_else(|| invalid(&member(path, name), "missing"))
            };
            let center = position(get("center")?, &member(path, "center"))?;
            let rp = member(path, "radius_m");
            let radius_m = number(get("radius_m")?, &rp)?;
            if !(radius_m > 0.0 && radius_m <= MAX_RADIUS_M) {
                return Err(invalid(
                    &rp,
                    format!("a radius in metres, above 0 and at most {MAX_RADIUS_M}"),
                ));
            }
            Ok(Geometry::Circle { center, radius_m })
        }
        other => Err(invalid(
            &member(path, "type"),
            format!("{other:?} is not a supported geometry (Polygon or Circle)"),
        )),
    }
}

fn areas(v: &Value, path: &str) -> Result<Vec<Area>> {
    let mut budget = MAX_VERTICES;
    let mut ids = BTreeSet::new();
    let mut out = Vec::new();
    for (i, a) in array(v, path, MAX_AREAS)?.iter().enumerate() {
        let ap = item(path, i);
        let map = object(a, &ap, &["id", "effect", "geometry"])?;
        let get = |name: &str| {
            map.get(name)
                .ok_or_else(|| invalid(&member(&ap, name), "missing"))
        };
        let idp = member(&ap, "id");
        let id = string(get("id")?, &idp)?;
        if id.is_empty() || id.len() > MAX_AREA_ID || id.chars().any(char::is_control) {
            return Err(invalid(
                &idp,
                format!("an id is 1 to {MAX_AREA_ID} bytes without control characters"),
            ));
        }
        if !ids.insert(id) {
            return Err(invalid(&idp, format!("area id {id:?} is used twice")));
        }
        let ep = member(&ap, "effect");
        let effect = match string(get("effect")?, &ep)? {
            "allow" => Effect::Allow,
            "deny" => Effect::Deny,
            other => {
                return Err(invalid(
                    &ep,
                    format!("{other:?} is not \"allow\" or \"deny\""),
                ))
            }
        };
        let geometry = geometry(get("geometry")?, &member(&ap, "geometry"), &mut budget)?;
        out.push(Area {
            id: id.to_owned(),
            effect,
            geometry,
        });
    }
    Ok(out)
}

fn sensors(v: &Value, path: &str) -> Result<SensorRules> {
    let mut rules = SensorRules::none();
    let list = array(v, path, 8)?;
    if list.is_empty() {
        return Err(invalid(
            path,
            "no sensor type accepted: every reading would be denied",
        ));
    }
    for (i, s) in list.iter().enumerate() {
        let ip = item(path, i);
        let name = string(s, &ip)?;
        let sensor: SensorType = serde_json::from_value(s.clone()).map_err(|_| {
            invalid(
                &ip,
                format!("{name:?} is not a sensor type (gnss, mobile, wifi, static)"),
            )
        })?;
        let slot = match sensor {
            SensorType::Gnss => &mut rules.gnss,
            SensorType::Mobile => &mut rules.mobile,
            SensorType::Wifi => &mut rules.wifi,
            SensorType::Static => &mut rules.static_location,
            SensorType::Ip => {
                return Err(invalid(
                    &ip,
                    "ip geolocation is never sufficient evidence of location; remove it",
                ))
            }
        };
        if *slot {
            return Err(invalid(&ip, format!("{name} is listed twice")));
        }
        *slot = true;
    }
    Ok(rules)
}

fn pcr_references(v: &Value, path: &str) -> Result<PcrValues> {
    let banks = v
        .as_object()
        .ok_or_else(|| invalid(path, "expected an object {\"sha256\": {\"0\": \"<hex>\"}}"))?;
    let mut out = PcrValues::default();
    for (name, pcrs) in banks {
        let bp = member(path, name);
        let bank = HashAlg::from_name(name)
            .ok_or_else(|| invalid(&bp, "unknown PCR bank (sha1, sha256, sha384, sha512)"))?;
        let pcrs = pcrs
            .as_object()
            .ok_or_else(|| invalid(&bp, "expected an object {\"<index>\": \"<hex>\"}"))?;
        for (index, value) in pcrs {
            let ip = member(&bp, index);
            let i = index
                .parse()
                .ok()
                .filter(|i: &u8| *i < PCR_COUNT && *index == i.to_string())
                .ok_or_else(|| invalid(&ip, "a PCR index is a decimal number 0 to 23"))?;
            let digest = hex::decode(string(value, &ip)?)
                .map_err(|_| invalid(&ip, "expected the PCR value in hex"))?;
            if digest.len() != bank.digest_size() {
                return Err(invalid(
                    &ip,
                    format!(
                        "{} bytes, a {} PCR holds {}",
                        digest.len(),
                        bank.name(),
                        bank.digest_size()
                    ),
                ));
            }
            out.insert(bank, i, digest)
                .map_err(|_| invalid(&ip, "PCR listed twice"))?;
        }
    }
    Ok(out)
}

const MEMBERS: &[&str] = &[
    "version",
    "countries",
    "subdivisions",
    "areas",
    "max_accuracy_radius_m",
    "max_age_s",
    "max_clock_skew_s",
    "sensor_types",
    "pcr_references",
];

/// Parses and checks a policy document (docs/geofence-policy.md).
pub(super) fn parse(bytes: &[u8]) -> Result<GeofencePolicy> {
    if bytes.len() > MAX_POLICY_BYTES {
        return Err(invalid(
            "$",
            format!("{} bytes, at most {MAX_POLICY_BYTES} accepted", bytes.len()),
        ));
    }
    let Strict(doc) = serde_json::from_slice(bytes).map_err(|e| {
        let mut what = String::from("not JSON: ");
        let _ = write!(what, "{e}");
        invalid("$", what)
    })?;
    let map = object(&doc, "$", MEMBERS)?;
    let get = |name: &str| map.get(name);
    let required = |name: &str| get(name).ok_or_else(|| invalid(&member("$", name), "missing"));

    let version = integer(required("version")?, "$.version", MAX_SAFE_INTEGER)?;
    if version != POLICY_VERSION {
        return Err(invalid(
            "$.version",
            format!("version {version} is not supported (this build reads {POLICY_VERSION})"),
        ));
    }
    let countries = get("countries")
        .map(|v| {
            code_rules(
                v,
                "$.countries",
                is_country,
                "an ISO 3166-1 alpha-2 code (\"CH\")",
            )
        })
        .transpose()?
        .unwrap_or_default();
    let subdivisions = get("subdivisions")
        .map(|v| {
            code_rules(
                v,
                "$.subdivisions",
                is_subdivision,
                "an ISO 3166-2 code with its country prefix (\"ES-CT\")",
            )
        })
        .transpose()?
        .unwrap_or_default();
    for (i, s) in subdivisions.allow.iter().enumerate() {
        if countries.deny.contains(prefix(s)) {
            return Err(invalid(
                &item("$.subdivisions.allow", i),
                format!("{s} lies in {}, which $.countries.deny denies", prefix(s)),
            ));
        }
    }
    let areas = get("areas")
        .map(|v| areas(v, "$.areas"))
        .transpose()?
        .unwrap_or_default();
    if countries.is_empty() && subdivisions.is_empty() && areas.is_empty() {
        return Err(invalid(
            "$",
            "no countries, subdivisions or areas: the policy would not constrain the place",
        ));
    }
    let max_accuracy_m = integer(
        required("max_accuracy_radius_m")?,
        "$.max_accuracy_radius_m",
        MAX_RADIUS_M as u64,
    )?;
    if max_accuracy_m == 0 {
        return Err(invalid(
            "$.max_accuracy_radius_m",
            "at least 1 metre (no reading has a zero accuracy radius)",
        ));
    }
    let max_age_s = integer(required("max_age_s")?, "$.max_age_s", MAX_SAFE_INTEGER)?;
    let max_clock_skew_s = get("max_clock_skew_s")
        .map(|v| integer(v, "$.max_clock_skew_s", MAX_CLOCK_SKEW_S))
        .transpose()?
        .unwrap_or(DEFAULT_CLOCK_SKEW_S);
    let sensors = get("sensor_types")
        .map(|v| sensors(v, "$.sensor_types"))
        .transpose()?
        .unwrap_or_default();
    let pcr_references = get("pcr_references")
        .map(|v| pcr_references(v, "$.pcr_references"))
        .transpose()?
        .unwrap_or_default();
    Ok(GeofencePolicy {
        countries,
        subdivisions,
        areas,
        max_accuracy_m,
        max_age_s,
        max_clock_skew_s,
        sensors,
        pcr_references,
    })
}

//! The gateway policy (docs/gateway.md, "Gateway policy"): its JSON form, read strictly, and
//! the jurisdiction rule it applies.

use std::collections::BTreeSet;

use serde_json::Value;

use super::network::DEFAULT_NETWORK_VERIFICATION_TTL_S;
use crate::error::{Error, Result};
use crate::geo::{GeofencePolicy, SensorType};
use crate::json::Strict;
use crate::svid::claims::{sensor_name, sensor_of_name};

/// The gateway policy format version this build reads (`"version": 1`).
pub const GATEWAY_POLICY_VERSION: u64 = 1;
/// Largest gateway policy document accepted, in bytes (it may carry a geofence).
pub const MAX_GATEWAY_POLICY_BYTES: usize = 1 << 20;
/// The radius asked of the network by default, in metres (CAMARA Device Location Verification
/// accepts no smaller circle).
pub const DEFAULT_NETWORK_RADIUS_M: u32 = 2000;
/// How old an EAR may be by default, in seconds.
pub const DEFAULT_MAX_EAR_AGE_S: u64 = 3600;
/// Most codes in a policy's `countries` or `subdivisions`.
const MAX_CODES: usize = 512;

/// A gateway policy (docs/gateway.md), checked when read.
#[derive(Clone, Debug, PartialEq)]
pub struct GatewayPolicy {
    pub(super) sensor_types: BTreeSet<&'static str>,
    pub(super) countries: BTreeSet<String>,
    pub(super) subdivisions: BTreeSet<String>,
    pub(super) geofence: Option<GeofencePolicy>,
    pub(super) max_ear_age_s: u64,
    pub(super) require_affirming: bool,
    pub(super) network_verification_ttl_s: u64,
    pub(super) network_radius_m: u32,
}

impl Default for GatewayPolicy {
    /// gnss and mobile readings, anywhere, an affirming EAR at most an hour old, network
    /// verifications at most 15 minutes old.
    fn default() -> Self {
        GatewayPolicy {
            sensor_types: ["gnss", "mobile"].into_iter().collect(),
            countries: BTreeSet::new(),
            subdivisions: BTreeSet::new(),
            geofence: None,
            max_ear_age_s: DEFAULT_MAX_EAR_AGE_S,
            require_affirming: true,
            network_verification_ttl_s: DEFAULT_NETWORK_VERIFICATION_TTL_S,
            network_radius_m: DEFAULT_NETWORK_RADIUS_M,
        }
    }
}

fn policy_invalid(path: &str, what: impl Into<String>) -> Error {
    Error::GatewayPolicyInvalid {
        path: path.to_owned(),
        what: what.into(),
    }
}

const POLICY_MEMBERS: [&str; 9] = [
    "version",
    "sensor_types",
    "countries",
    "subdivisions",
    "geofence",
    "max_ear_age_s",
    "require_affirming",
    "network_verification_ttl_s",
    "network_radius_m",
];

impl GatewayPolicy {
    /// Reads a policy (docs/gateway.md). Unknown or duplicate members, wrong types, codes of the
    /// wrong shape, an `ip` sensor type (never sufficient) and an invalid geofence are refused
    /// with `GatewayPolicyInvalid` naming the JSON path at fault.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_GATEWAY_POLICY_BYTES {
            return Err(policy_invalid(
                "$",
                format!("larger than {MAX_GATEWAY_POLICY_BYTES} bytes"),
            ));
        }
        let Strict(v) = serde_json::from_slice(bytes)
            .map_err(|e| policy_invalid("$", format!("not JSON without duplicate members: {e}")))?;
        let map = v
            .as_object()
            .ok_or_else(|| policy_invalid("$", "expected an object"))?;
        if let Some(k) = map.keys().find(|k| !POLICY_MEMBERS.contains(&k.as_str())) {
            return Err(policy_invalid(
                &format!("$.{k}"),
                format!(
                    "unknown member (expected one of: {})",
                    POLICY_MEMBERS.join(", ")
                ),
            ));
        }
        match map.get("version").map(Value::as_u64) {
            Some(Some(GATEWAY_POLICY_VERSION)) => {}
            _ => {
                return Err(policy_invalid(
                    "$.version",
                    format!("expected {GATEWAY_POLICY_VERSION}"),
                ))
            }
        }
        let mut p = GatewayPolicy::default();
        if let Some(v) = map.get("sensor_types") {
            p.sensor_types = BTreeSet::new();
            for (i, s) in strings(v, "$.sensor_types")?.into_iter().enumerate() {
                let at = format!("$.sensor_types[{i}]");
                let t = sensor_of_name(s)
                    .ok_or_else(|| policy_invalid(&at, "not one of gnss, mobile, wifi, static"))?;
                if t == SensorType::Ip {
                    return Err(policy_invalid(&at, "an IP geolocation is never sufficient"));
                }
                p.sensor_types.insert(sensor_name(t));
            }
        }
        if let Some(v) = map.get("countries") {
            for (i, c) in strings(v, "$.countries")?.into_iter().enumerate() {
                if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                    return Err(policy_invalid(
                        &format!("$.countries[{i}]"),
                        "not an ISO 3166-1 alpha-2 code (\"ES\")",
                    ));
                }
                p.countries.insert(c.to_owned());
            }
        }
        if let Some(v) = map.get("subdivisions") {
            for (i, s) in strings(v, "$.subdivisions")?.into_iter().enumerate() {
                let ok = s.split_once('-').is_some_and(|(c, r)| {
                    c.len() == 2
                        && c.bytes().all(|b| b.is_ascii_uppercase())
                        && (1..=3).contains(&r.len())
                        && r.bytes().all(|b| b.is_ascii_alphanumeric())
                });
                if !ok {
                    return Err(policy_invalid(
                        &format!("$.subdivisions[{i}]"),
                        "not an ISO 3166-2 code (\"ES-MD\")",
                    ));
                }
                p.subdivisions.insert(s.to_owned());
            }
        }
        if let Some(v) = map.get("geofence") {
            let inner = serde_json::to_vec(v).map_err(|_| policy_invalid("$.geofence", "bad"))?;
            p.geofence = Some(GeofencePolicy::from_json(&inner).map_err(|e| match e {
                Error::GeofencePolicyInvalid { path, what } => policy_invalid(
                    &format!("$.geofence{}", path.strip_prefix('$').unwrap_or(&path)),
                    what,
                ),
                other => policy_invalid("$.geofence", other.to_string()),
            })?);
        }
        let seconds = |key: &str, max: u64| -> Result<Option<u64>> {
            map.get(key)
                .map(|v| {
                    v.as_u64().filter(|n| *n <= max).ok_or_else(|| {
                        policy_invalid(
                            &format!("$.{key}"),
                            format!("not an integer from 0 to {max}"),
                        )
                    })
                })
                .transpose()
        };
        if let Some(n) = seconds("max_ear_age_s", 366 * 86_400)? {
            p.max_ear_age_s = n;
        }
        if let Some(n) = seconds("network_verification_ttl_s", 86_400)? {
            p.network_verification_ttl_s = n;
        }
        if let Some(n) = seconds("network_radius_m", 200_000)? {
            p.network_radius_m = u32::try_from(n).unwrap_or(u32::MAX);
        }
        if let Some(v) = map.get("require_affirming") {
            p.require_affirming = v
                .as_bool()
                .ok_or_else(|| policy_invalid("$.require_affirming", "expected a boolean"))?;
        }
        Ok(p)
    }

    /// How long a network location verification counts as fresh, in seconds.
    pub fn network_verification_ttl_s(&self) -> u64 {
        self.network_verification_ttl_s
    }

    pub(super) fn has_jurisdiction_rules(&self) -> bool {
        !self.countries.is_empty() || !self.subdivisions.is_empty()
    }

    /// The jurisdiction rule: a country with listed subdivisions is allowed only in those;
    /// another country only when listed (or when only subdivisions of other countries are listed,
    /// never).
    pub(super) fn check_jurisdiction(
        &self,
        country: &str,
        subdivision: Option<&str>,
    ) -> Result<()> {
        let prefix = format!("{country}-");
        let has_subdivisions = self.subdivisions.iter().any(|s| s.starts_with(&prefix));
        if has_subdivisions {
            return match subdivision {
                Some(s) if self.subdivisions.contains(s) => Ok(()),
                other => Err(Error::GatewaySubdivisionNotAllowed {
                    subdivision: other.unwrap_or_default().to_owned(),
                }),
            };
        }
        if !self.countries.contains(country) {
            return Err(Error::GatewayCountryNotAllowed {
                country: country.to_owned(),
            });
        }
        Ok(())
    }
}

fn strings<'v>(v: &'v Value, path: &str) -> Result<Vec<&'v str>> {
    let a = v
        .as_array()
        .ok_or_else(|| policy_invalid(path, "expected an array"))?;
    if a.len() > MAX_CODES {
        return Err(policy_invalid(path, format!("more than {MAX_CODES} items")));
    }
    a.iter()
        .enumerate()
        .map(|(i, s)| {
            s.as_str()
                .ok_or_else(|| policy_invalid(&format!("{path}[{i}]"), "expected a string"))
        })
        .collect()
}

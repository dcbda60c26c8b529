//! Network location verification for mobile readings (CAMARA Device Location Verification):
//! the [`NetworkLocationVerifier`] trait the gateway asks, and [`CachedNetworkVerifier`], the
//! bounded cache in front of it (the PoC's `verify_location` cache, 15 minutes by default).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::time::UnixTime;

/// How long a network location verification counts as fresh, by default: 15 minutes, as the
/// PoC's CAMARA_VERIFY_CACHE_TTL_SECONDS.
pub const DEFAULT_NETWORK_VERIFICATION_TTL_S: u64 = 900;
/// How many answers a [`CachedNetworkVerifier`] made by a binding (C, Python, Go) keeps.
pub const DEFAULT_NETWORK_CACHE_CAPACITY: usize = 4096;

/// Identifiers of the device a network location verification asks about: the operator looks
/// the device up by one of them (CAMARA's `device`: phoneNumber, networkAccessIdentifier, ...;
/// the PoC's microservice maps a sensor id, IMEI or IMSI to a phone number).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DeviceIds {
    /// The sensor's id (`sensor_id`).
    pub sensor_id: String,
    /// The IMEI, when claimed.
    pub imei: Option<String>,
    /// The IMSI, when claimed.
    pub imsi: Option<String>,
    /// The MSISDN (phone number), when claimed.
    pub msisdn: Option<String>,
}

/// One question to the network: is the device within `radius_m` metres of the point?
#[derive(Clone, Debug, PartialEq)]
pub struct LocationQuery {
    /// The device.
    pub device: DeviceIds,
    /// WGS 84 latitude, degrees.
    pub latitude: f64,
    /// WGS 84 longitude, degrees.
    pub longitude: f64,
    /// The circle's radius, metres.
    pub radius_m: u32,
}

impl LocationQuery {
    /// The query as the bindings hand it to a verifier they are given (docs/gateway.md,
    /// "Supplying the network verifier"): `{"sensor_id", "imei", "imsi", "msisdn", "latitude",
    /// "longitude", "radius_m"}`, an identifier absent when the claims give none.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("sensor_id".into(), self.device.sensor_id.clone().into());
        for (k, v) in [
            ("imei", &self.device.imei),
            ("imsi", &self.device.imsi),
            ("msisdn", &self.device.msisdn),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), v.clone().into());
            }
        }
        m.insert("latitude".into(), self.latitude.into());
        m.insert("longitude".into(), self.longitude.into());
        m.insert("radius_m".into(), self.radius_m.into());
        serde_json::Value::Object(m)
    }
}

/// The network's answer (CAMARA Device Location Verification `verificationResult`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetworkVerdict {
    /// TRUE: the device is in the area.
    Verified,
    /// FALSE: it is not.
    NotVerified,
    /// PARTIAL: the network's location area and the circle only overlap (not verified).
    Partial,
    /// UNKNOWN: the network cannot tell.
    Unknown,
}

impl NetworkVerdict {
    /// "true", "false", "partial", "unknown" (CAMARA's values, lower case).
    pub fn name(self) -> &'static str {
        match self {
            NetworkVerdict::Verified => "true",
            NetworkVerdict::NotVerified => "false",
            NetworkVerdict::Partial => "partial",
            NetworkVerdict::Unknown => "unknown",
        }
    }

    /// The verdict named `name` ([`NetworkVerdict::name`]), `None` for any other text.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "true" => Some(NetworkVerdict::Verified),
            "false" => Some(NetworkVerdict::NotVerified),
            "partial" => Some(NetworkVerdict::Partial),
            "unknown" => Some(NetworkVerdict::Unknown),
            _ => None,
        }
    }
}

/// A network location verification: the verdict and when the network located the device
/// (CAMARA's `lastLocationTime`, or the time of the check).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetworkVerification {
    /// The verdict.
    pub verdict: NetworkVerdict,
    /// When the device was located.
    pub located_at: UnixTime,
}

/// A mobile network operator's device location verification (CAMARA Device Location
/// Verification, `POST /verify`). Implementations call the operator; Aegis ships none (no
/// operator API runs here) and the tests use a mock.
pub trait NetworkLocationVerifier: Send + Sync {
    /// Asks the network whether `query.device` is within the circle, at `now`.
    /// `GatewayNetworkVerifierUnavailable` when the operator cannot be reached or answers
    /// badly: the gateway then denies (fails closed).
    fn verify(&self, query: &LocationQuery, now: UnixTime) -> Result<NetworkVerification>;
}

/// The cache key: the query, its coordinates as bits (f64 is not `Eq`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct QueryKey {
    device: DeviceIds,
    latitude: u64,
    longitude: u64,
    radius_m: u32,
}

impl QueryKey {
    fn of(q: &LocationQuery) -> Self {
        QueryKey {
            device: q.device.clone(),
            latitude: q.latitude.to_bits(),
            longitude: q.longitude.to_bits(),
            radius_m: q.radius_m,
        }
    }
}

/// A caching wrapper around a [`NetworkLocationVerifier`], as the PoC's mobile location service
/// caches `verify_location`: an answer of verified or not verified is reused for `ttl_s` seconds
/// (15 minutes by default) after the call that gave it, so the operator is asked at most once per
/// TTL and query. Unknown answers and errors are not cached. At most `capacity` answers are
/// kept: a full cache drops the expired ones, then the one that expires first. Safe for
/// concurrent use; time is an argument.
#[derive(Debug)]
pub struct CachedNetworkVerifier<V> {
    inner: V,
    ttl_s: u64,
    capacity: usize,
    entries: Mutex<HashMap<QueryKey, (NetworkVerification, UnixTime)>>,
}

impl<V: NetworkLocationVerifier> CachedNetworkVerifier<V> {
    /// A cache of at most `capacity` answers (at least one), each kept `ttl_s` seconds
    /// ([`DEFAULT_NETWORK_VERIFICATION_TTL_S`] is the PoC's 15 minutes; 0 disables caching).
    pub fn new(inner: V, ttl_s: u64, capacity: usize) -> Self {
        CachedNetworkVerifier {
            inner,
            ttl_s,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The wrapped verifier.
    pub fn inner(&self) -> &V {
        &self.inner
    }

    /// How many answers the cache holds (expired ones not yet dropped included).
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |m| m.len())
    }

    /// Whether the cache holds no answer.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<V: NetworkLocationVerifier> NetworkLocationVerifier for CachedNetworkVerifier<V> {
    fn verify(&self, query: &LocationQuery, now: UnixTime) -> Result<NetworkVerification> {
        let key = QueryKey::of(query);
        let poisoned = || Error::GatewayNetworkVerifierUnavailable {
            detail: "the verification cache's lock is poisoned".into(),
        };
        if let Some((answer, expires)) = self.entries.lock().map_err(|_| poisoned())?.get(&key) {
            if now < *expires {
                return Ok(*answer);
            }
        }
        let answer = self.inner.verify(query, now)?;
        let cacheable = matches!(
            answer.verdict,
            NetworkVerdict::Verified | NetworkVerdict::NotVerified
        );
        if cacheable && self.ttl_s > 0 {
            let mut m = self.entries.lock().map_err(|_| poisoned())?;
            if m.len() >= self.capacity && !m.contains_key(&key) {
                m.retain(|_, (_, expires)| now < *expires);
                if m.len() >= self.capacity {
                    let first = m
                        .iter()
                        .min_by_key(|(_, (_, e))| *e)
                        .map(|(k, _)| k.clone());
                    if let Some(k) = first {
                        m.remove(&k);
                    }
                }
            }
            m.insert(key, (answer, now.saturating_add(self.ttl_s)));
        }
        Ok(answer)
    }
}

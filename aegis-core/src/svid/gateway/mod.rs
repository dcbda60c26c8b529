//! The gateway decision (issue 12, item 6; docs/gateway.md): from what a client's SVID chain
//! carries (the AttestedClaims JSON and the signed EAR), decide whether a request may pass, with
//! every reason and the headers to forward, as the AegisSovereignAI proof of concept's
//! enterprise gateway does (seeds/sovereign-unified-identity-architecture.md, "Enterprise On-Prem
//! Runtime Access").
//!
//! Every input is an argument: the claims and EAR bytes ([`GatewayInput`]), the policy
//! ([`GatewayPolicy`], a documented JSON format), and the ambient inputs ([`GatewayContext`]:
//! the verifier's EAR key and algorithm allow-list, the time, the network location verifier).
//! [`decide`] runs every check and records each one's outcome ([`GatewayReason`]); the decision
//! allows only when none denies. [`decide_chain`] first verifies the client's SVID chain and
//! reads the claims and the EAR from it (check 0, `chain`:
//! [`GatewayInput::from_verified_chain`]). The checks, in the order they are reported (each
//! denial has its own error code, 13050-13099):
//!
//! 1. `claims`: the AttestedClaims read (`AttestedClaimsInvalid`) and carry `grc.tpm-attestation`
//!    with its `app_key` and `grc.geolocation` (`GatewayClaimMissing`): missing claims deny;
//! 2. `ear`: an EAR came (`GatewayEarMissing`) and verifies with the caller's key and
//!    algorithms (`GatewayEarInvalid`);
//! 3. `ear-age`: it is at most `max_ear_age_s` old (`GatewayEarStale`);
//! 4. `ear-status`: with `require_affirming`, the EAR and its `workload-key` submod are
//!    affirming (`GatewayEarNotAffirming`) and so is the claims' own status
//!    (`GatewayClaimsNotAffirming`);
//! 5. `app-key`: the claims' App Key (`jkt`, and `spki_sha256` when both give one) is the key the
//!    EAR's `workload-key` submod names (`GatewayAppKeyMismatch`);
//! 6. `claims-jurisdiction`: the claims' jurisdiction equals the EAR's `location` geoAR claims
//!    (`GatewayJurisdictionMismatch`);
//! 7. `sensor`: the sensor type is accepted by the policy (`GatewaySensorNotAccepted`) and the
//!    claims do not say the reading was not TPM-attested (`GatewaySensorNotAttested`); a `gnss`
//!    reading is accepted as attested;
//! 8. `network-location`: a `mobile` reading only with a fresh network location verification
//!    ([`NetworkLocationVerifier`], CAMARA Device Location Verification): a verifier given
//!    (`GatewayNetworkVerifierMissing`), a device identifier and coordinates in the claims
//!    (`GatewayDeviceUnidentified`), reachable (`GatewayNetworkVerifierUnavailable`), answering
//!    verified (`GatewayNetworkLocationNotVerified`, `GatewayNetworkLocationUnknown`) no longer
//!    than `network_verification_ttl_s` ago (`GatewayNetworkVerificationStale`);
//! 9. `jurisdiction`: the EAR's country and subdivision are ones the policy requires
//!    (`GatewayJurisdictionMissing`, `GatewayCountryNotAllowed`, `GatewaySubdivisionNotAllowed`);
//! 10. `geofence`: the policy's geofence, when it has one, allows the claimed reading
//!     (`GatewayGeofenceDenied`).
//!
//! A check whose input is missing (no claims, an EAR that does not verify) is reported as
//! skipped; the decision then denies already.

mod network;
mod policy;

pub use network::{
    CachedNetworkVerifier, DeviceIds, LocationQuery, NetworkLocationVerifier, NetworkVerdict,
    NetworkVerification, DEFAULT_NETWORK_CACHE_CAPACITY, DEFAULT_NETWORK_VERIFICATION_TTL_S,
};
pub use policy::{
    GatewayPolicy, DEFAULT_MAX_EAR_AGE_S, DEFAULT_NETWORK_RADIUS_M, GATEWAY_POLICY_VERSION,
    MAX_GATEWAY_POLICY_BYTES,
};

use serde_json::{json, Map, Value};

use super::claims::{self, sensor_name, AttestedClaims, GeolocationClaims};
use super::extensions::SvidExtensions;
use super::verify::{verify_svid, SvidBundle, VerifiedSvid};
use crate::appraise::result::{LOCATION, WORKLOAD_KEY};
use crate::crypto::CryptoProvider;
use crate::ear::{self, Algorithm, Status, VerifiedEar};
use crate::error::{Error, Result};
use crate::geo::{GeofenceContext, LocationEvent, SensorType};
use crate::keys::PublicKey;
use crate::time::UnixTime;
use crate::x509::{CaCertificate, Profile};

/// What the decision reads from the client: the AttestedClaims JSON and the EAR token taken from
/// its SVID chain (each `None` when the chain carries none: the decision then denies).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatewayInput {
    claims_json: Option<Vec<u8>>,
    ear_token: Option<Vec<u8>>,
    source: Option<usize>,
    spiffe_id: Option<String>,
}

impl GatewayInput {
    /// The AttestedClaims extension's JSON bytes and the EAR token bytes (a JWT, or a CWT in
    /// binary or base64: [`ear::verify_token`]), as taken from the SVID chain.
    pub fn from_parts(claims_json: &[u8], ear_token: &[u8]) -> Self {
        GatewayInput {
            claims_json: Some(claims_json.to_vec()),
            ear_token: Some(ear_token.to_vec()),
            source: None,
            spiffe_id: None,
        }
    }

    /// The claims and the EAR of a client's SVID chain, verified (docs/gateway.md, "Which
    /// certificate's claims"). `chain` is what the client presented, leaf first: the leaf SVID,
    /// the CA certificates between it and the bundle, and any further SVIDs it sends along (the
    /// proof of concept sends its agent SVID after the workload SVID: an end-entity certificate
    /// of the same trust domain, not the leaf's issuer). Each certificate that parses as a CA
    /// is an intermediate; the leaf and every other SVID are verified on their own with
    /// [`verify_svid`] (SPIFFE X509-SVID rules, to `bundle` at `time`, through the
    /// intermediates). Then the claims and the EAR are read from one certificate, the
    /// *attestation certificate*: the first SVID, leaf first, that carries attestation claims
    /// (`grc.tpm-attestation` or `grc.geolocation`) or a CMW EAR. So the leaf's own claims win
    /// (SPIRE's CredentialComposer writing them into the SVID it issues); otherwise the nearest
    /// other SVID's (the PoC's agent SVID). When the attestation certificate is not the leaf,
    /// the leaf's `grc.workload` replaces the attestation certificate's. The leaf's SPIFFE ID
    /// is forwarded as `X-SPIFFE-ID`.
    ///
    /// Errors: [`verify_svid`]'s for the leaf or another SVID; `GatewayChainTrustDomainMismatch`
    /// when another SVID is not of the leaf's trust domain; `CountOutOfRange` beyond
    /// [`MAX_CHAIN`] certificates.
    pub fn from_verified_chain(
        provider: &dyn CryptoProvider,
        chain: &[&[u8]],
        bundle: &SvidBundle,
        time: UnixTime,
    ) -> Result<Self> {
        if chain.len() > MAX_CHAIN {
            return Err(Error::CountOutOfRange {
                what: "certificates in the client's SVID chain",
                count: chain.len(),
                max: MAX_CHAIN,
            });
        }
        let (leaf, rest) = chain.split_first().ok_or(Error::SvidChainEmpty)?;
        let (intermediates, others): (Vec<&[u8]>, Vec<&[u8]>) = rest
            .iter()
            .partition(|der| CaCertificate::from_der(der, Profile::Spiffe).is_ok());
        let verify = |der: &[u8]| {
            let mut path = vec![der];
            path.extend(intermediates.iter().copied());
            verify_svid(provider, &path, bundle, time)
        };
        let leaf = verify(leaf)?;
        let mut svids = vec![leaf];
        for der in others {
            let svid = verify(der)?;
            let domain = svid.spiffe_id().trust_domain();
            if svids.first().map(|l| l.spiffe_id().trust_domain()) != Some(domain) {
                return Err(Error::GatewayChainTrustDomainMismatch {
                    trust_domain: domain.to_owned(),
                });
            }
            svids.push(svid);
        }
        let extensions: Vec<&SvidExtensions> = svids.iter().map(VerifiedSvid::extensions).collect();
        let mut input = Self::from_extensions(&extensions)?;
        input.spiffe_id = svids.first().map(|l| l.spiffe_id().as_str().to_owned());
        Ok(input)
    }

    /// The attestation certificate's claims and EAR, the leaf's `grc.workload` kept (see
    /// [`GatewayInput::from_verified_chain`]); `extensions` leaf first.
    fn from_extensions(extensions: &[&SvidExtensions]) -> Result<Self> {
        let attests = |e: &&SvidExtensions| {
            e.ear().is_some()
                || e.attested_claims().is_some_and(|c| {
                    let o = c.to_object();
                    o.contains_key(claims::TPM_ATTESTATION) || o.contains_key(claims::GEOLOCATION)
                })
        };
        let leaf_claims = extensions.first().and_then(|e| e.attested_claims());
        let Some(source) = extensions.iter().position(attests) else {
            // No attestation anywhere: the leaf's claims (if any) go to the decision, which
            // denies for what is missing.
            return Ok(GatewayInput {
                claims_json: leaf_claims.map(|c| c.as_bytes().to_vec()),
                ..GatewayInput::default()
            });
        };
        let chosen = extensions.get(source);
        let mut claims_json = chosen
            .and_then(|e| e.attested_claims())
            .map(|c| c.as_bytes().to_vec());
        let leaf_workload = leaf_claims
            .filter(|_| source > 0)
            .and_then(|c| AttestedClaims::from_json(c.as_bytes()).ok())
            .and_then(|c| c.workload);
        if let (Some(workload), Some(json)) = (leaf_workload, &claims_json) {
            // Claims that do not read are passed on as they are: the decision reports why.
            if let Ok(mut merged) = AttestedClaims::from_json(json) {
                merged.workload = Some(workload);
                claims_json = Some(merged.to_json()?.into_bytes());
            }
        }
        Ok(GatewayInput {
            claims_json,
            ear_token: chosen.and_then(|e| e.ear()).map(|e| e.token().to_vec()),
            source: Some(source),
            spiffe_id: None,
        })
    }

    /// Which SVID of the chain the claims and EAR came from: 0 the leaf, 1 the first other SVID
    /// (intermediate CAs not counted) ([`GatewayInput::from_verified_chain`]); `None` for
    /// [`GatewayInput::from_parts`] or a chain without one.
    pub fn source(&self) -> Option<usize> {
        self.source
    }
}

/// Most certificates read from a client's chain (SVIDs and intermediates).
pub const MAX_CHAIN: usize = 16;

/// The ambient inputs of a decision.
#[derive(Clone, Copy)]
pub struct GatewayContext<'a> {
    /// The verifier's EAR key (never a key from the client).
    pub ear_key: &'a PublicKey,
    /// The EAR algorithms accepted.
    pub ear_algorithms: &'a [Algorithm],
    /// The decision time.
    pub now: UnixTime,
    /// The network location verifier for mobile readings (`None`: mobile readings deny).
    pub network: Option<&'a dyn NetworkLocationVerifier>,
}

impl<'a> GatewayContext<'a> {
    /// A context for `ear_key` at `now`: [`ear::DEFAULT_ALGORITHMS`], no network verifier.
    pub fn new(ear_key: &'a PublicKey, now: UnixTime) -> Self {
        GatewayContext {
            ear_key,
            ear_algorithms: ear::DEFAULT_ALGORITHMS,
            now,
            network: None,
        }
    }
}

impl core::fmt::Debug for GatewayContext<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GatewayContext")
            .field("ear_algorithms", &self.ear_algorithms)
            .field("now", &self.now)
            .field("network", &self.network.is_some())
            .finish_non_exhaustive()
    }
}

/// The checks of a decision, in order (module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GatewayCheck {
    /// 0. The client's SVID chain verifies ([`decide_chain`] only).
    Chain,
    /// 1. The claims read and carry what the gateway needs.
    Claims,
    /// 2. The EAR verifies.
    Ear,
    /// 3. The EAR is fresh.
    EarAge,
    /// 4. The EAR (and the claims) affirm.
    EarStatus,
    /// 5. The claims' App Key is the EAR's.
    AppKey,
    /// 6. The claims' jurisdiction is the EAR's.
    ClaimsJurisdiction,
    /// 7. The sensor type is accepted.
    Sensor,
    /// 8. A mobile reading's location is verified by the network.
    NetworkLocation,
    /// 9. The EAR's jurisdiction is one the policy requires.
    Jurisdiction,
    /// 10. The policy's geofence allows the reading.
    Geofence,
}

impl GatewayCheck {
    /// The check's stable name.
    pub fn name(self) -> &'static str {
        match self {
            GatewayCheck::Chain => "chain",
            GatewayCheck::Claims => "claims",
            GatewayCheck::Ear => "ear",
            GatewayCheck::EarAge => "ear-age",
            GatewayCheck::EarStatus => "ear-status",
            GatewayCheck::AppKey => "app-key",
            GatewayCheck::ClaimsJurisdiction => "claims-jurisdiction",
            GatewayCheck::Sensor => "sensor",
            GatewayCheck::NetworkLocation => "network-location",
            GatewayCheck::Jurisdiction => "jurisdiction",
            GatewayCheck::Geofence => "geofence",
        }
    }
}

/// How one check ended: passed or skipped (with what it found, in words) or denied (with the
/// error whose stable code says why).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayReason {
    check: GatewayCheck,
    outcome: &'static str,
    denial: Option<Error>,
    message: String,
}

impl GatewayReason {
    fn pass(check: GatewayCheck, message: impl Into<String>) -> Self {
        GatewayReason {
            check,
            outcome: "passed",
            denial: None,
            message: message.into(),
        }
    }

    fn skip(check: GatewayCheck, message: &str) -> Self {
        GatewayReason {
            check,
            outcome: "skipped",
            denial: None,
            message: message.to_owned(),
        }
    }

    fn deny(check: GatewayCheck, error: Error) -> Self {
        GatewayReason {
            check,
            outcome: "denied",
            message: error.to_string(),
            denial: Some(error),
        }
    }

    /// The check.
    pub fn check(&self) -> GatewayCheck {
        self.check
    }
    /// Why the check denied (`None` when it passed or was skipped).
    pub fn denial(&self) -> Option<&Error> {
        self.denial.as_ref()
    }
    /// What the check found, in words.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `{"check", "outcome": "passed" | "skipped" | "denied", "message"}`, with `"code"` and
    /// `"name"` of the error for a denial.
    pub fn to_json(&self) -> Value {
        let mut v =
            json!({"check": self.check.name(), "outcome": self.outcome, "message": self.message});
        if let (Some(e), Some(map)) = (&self.denial, v.as_object_mut()) {
            map.insert("code".into(), json!(e.code()));
            map.insert("name".into(), json!(e.name()));
        }
        v
    }
}

/// The headers a gateway forwards with an allowed request (docs/gateway.md).
pub mod headers {
    /// The location sensor's id (the PoC's header).
    pub const SENSOR_ID: &str = "X-Sensor-ID";
    /// The sensor type: gnss, mobile, ...
    pub const SENSOR_TYPE: &str = "X-Sensor-Type";
    /// How the location was established: "tpm-attested" or "tpm-attested+network-verified".
    pub const LOCATION_VERIFICATION: &str = "X-Location-Verification";
    /// ISO 3166-1 alpha-2 country, from the verified EAR.
    pub const JURISDICTION_COUNTRY: &str = "X-Jurisdiction-Country";
    /// ISO 3166-2 subdivision, from the verified EAR (when it names one).
    pub const JURISDICTION_SUBDIVISION: &str = "X-Jurisdiction-Subdivision";
    /// The App Key's RFC 7638 thumbprint (base64url), as the EAR names it.
    pub const WORKLOAD_KEY_THUMBPRINT: &str = "X-Workload-Key-Thumbprint";
    /// The EAR's status ("affirming", ...).
    pub const ATTESTATION_STATUS: &str = "X-Attestation-Status";
    /// The EAR's issue time, seconds since the epoch.
    pub const ATTESTATION_TIME: &str = "X-Attestation-Time";
    /// The workload's SPIFFE ID: the verified leaf's, else the claims' `grc.workload`.
    pub const SPIFFE_ID: &str = "X-SPIFFE-ID";
}

/// The decision: every reason, and the headers to forward (empty when it denies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayDecision {
    reasons: Vec<GatewayReason>,
    headers: Vec<(&'static str, String)>,
}

impl GatewayDecision {
    /// Whether no reason denies.
    pub fn allowed(&self) -> bool {
        self.reasons.iter().all(|r| r.denial.is_none())
    }
    /// Every reason, in check order.
    pub fn reasons(&self) -> &[GatewayReason] {
        &self.reasons
    }
    /// The errors of the denying reasons, in check order.
    pub fn denials(&self) -> impl Iterator<Item = &Error> + '_ {
        self.reasons.iter().filter_map(GatewayReason::denial)
    }
    /// The headers to forward (name, value), in a fixed order; empty when the decision denies.
    /// Values are printable ASCII (the claims parser refuses anything else).
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// `{"verdict": "allow" | "deny", "reasons": [...], "headers": {name: value}}`.
    pub fn to_json(&self) -> Value {
        let headers: Map<String, Value> = self
            .headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), Value::String(v.clone())))
            .collect();
        json!({
            "verdict": if self.allowed() { "allow" } else { "deny" },
            "reasons": self.reasons.iter().map(GatewayReason::to_json).collect::<Vec<_>>(),
            "headers": headers,
        })
    }
}

/// What the checks found, for the ones after them.
struct Found<'c> {
    claims: Option<&'c AttestedClaims>,
    ear: Option<&'c VerifiedEar>,
}

impl Found<'_> {
    fn geolocation(&self) -> Option<&GeolocationClaims> {
        self.claims.and_then(|c| c.geolocation.as_ref())
    }
    fn ear_geo(&self) -> Option<&ear::GeoClaims> {
        self.ear
            .and_then(|e| e.ear().submods.get(LOCATION))
            .map(|s| &s.geo)
    }
}

/// Decides on `input` with `policy` (module documentation): every check runs and is reported.
pub fn decide(
    provider: &dyn CryptoProvider,
    input: &GatewayInput,
    policy: &GatewayPolicy,
    ctx: &GatewayContext<'_>,
) -> GatewayDecision {
    let mut reasons = Vec::new();

    // 1. claims
    let claims = match &input.claims_json {
        Some(json) => AttestedClaims::from_json(json),
        None => Err(Error::GatewayClaimMissing {
            claim: "the AttestedClaims extension",
        }),
    };
    match &claims {
        Err(e) => reasons.push(GatewayReason::deny(GatewayCheck::Claims, e.clone())),
        Ok(c) => {
            let missing = missing_claims(c);
            if missing.is_empty() {
                reasons.push(GatewayReason::pass(
                    GatewayCheck::Claims,
                    "the attested claims carry grc.tpm-attestation and grc.geolocation",
                ));
            }
            for claim in missing {
                reasons.push(GatewayReason::deny(
                    GatewayCheck::Claims,
                    Error::GatewayClaimMissing { claim },
                ));
            }
        }
    }

    // 2. ear
    let options = ear::VerifyOptions {
        algorithms: ctx.ear_algorithms,
        ..ear::VerifyOptions::new(ctx.ear_key, ctx.now)
    };
    let verified = match &input.ear_token {
        Some(token) => ear::verify_token(provider, token, &options),
        None => Err(Error::GatewayEarMissing),
    };
    match &verified {
        Ok(v) => reasons.push(GatewayReason::pass(
            GatewayCheck::Ear,
            format!("the EAR verifies ({})", v.algorithm().jws_name()),
        )),
        Err(Error::GatewayEarMissing) => reasons.push(GatewayReason::deny(
            GatewayCheck::Ear,
            Error::GatewayEarMissing,
        )),
        Err(e) => reasons.push(GatewayReason::deny(
            GatewayCheck::Ear,
            Error::GatewayEarInvalid {
                cause: format!("{} ({}): {e}", e.name(), e.code()),
            },
        )),
    }

    let found = Found {
        claims: claims.as_ref().ok(),
        ear: verified.as_ref().ok(),
    };
    reasons.push(check_ear_age(&found, policy, ctx.now));
    reasons.extend(check_status(&found, policy));
    reasons.push(check_app_key(&found));
    reasons.push(check_claims_jurisdiction(&found));
    let sensor = check_sensor(&found, policy);
    let sensor_ok = sensor.denial.is_none() && sensor.outcome == "passed";
    reasons.push(sensor);
    let network = if sensor_ok {
        check_network(&found, policy, ctx)
    } else {
        GatewayReason::skip(
            GatewayCheck::NetworkLocation,
            "no accepted sensor to verify",
        )
    };
    let network_verified = network.denial.is_none() && network.outcome == "passed";
    reasons.push(network);
    reasons.push(check_jurisdiction(&found, policy));
    reasons.extend(check_geofence(&found, policy, ctx.now, network_verified));

    let mut decision = GatewayDecision {
        reasons,
        headers: Vec::new(),
    };
    if decision.allowed() {
        decision.headers = forward_headers(&found, network_verified, input.spiffe_id.as_ref());
    }
    decision
}

/// Verifies the client's SVID chain ([`GatewayInput::from_verified_chain`] at `ctx.now`) and
/// decides on what it carries: the decision's first reason is the check `chain`, then
/// [`decide`]'s. A chain that does not verify denies with its error (`SvidUntrusted`,
/// `SvidExpired`, `GatewayChainTrustDomainMismatch`, ...) and nothing else is checked.
pub fn decide_chain(
    provider: &dyn CryptoProvider,
    chain: &[&[u8]],
    bundle: &SvidBundle,
    policy: &GatewayPolicy,
    ctx: &GatewayContext<'_>,
) -> GatewayDecision {
    match GatewayInput::from_verified_chain(provider, chain, bundle, ctx.now) {
        Err(e) => GatewayDecision {
            reasons: vec![GatewayReason::deny(GatewayCheck::Chain, e)],
            headers: Vec::new(),
        },
        Ok(input) => {
            let mut d = decide(provider, &input, policy, ctx);
            let from = match input.source() {
                Some(0) => "the leaf".to_owned(),
                Some(i) => format!("SVID {i} after the leaf"),
                None => "no certificate".to_owned(),
            };
            d.reasons.insert(
                0,
                GatewayReason::pass(
                    GatewayCheck::Chain,
                    format!("the SVID chain verifies; attestation claims from {from}"),
                ),
            );
            d
        }
    }
}

fn missing_claims(c: &AttestedClaims) -> Vec<&'static str> {
    let mut missing = Vec::new();
    match &c.tpm_attestation {
        None => missing.push("grc.tpm-attestation"),
        Some(t) if t.app_key.is_none() => missing.push("grc.tpm-attestation.app_key"),
        Some(_) => {}
    }
    if c.geolocation.is_none() {
        missing.push("grc.geolocation");
    }
    missing
}

const NO_EAR: &str = "the EAR did not verify";
const NO_CLAIMS: &str = "the claims are missing or did not read";

fn check_ear_age(found: &Found<'_>, policy: &GatewayPolicy, now: UnixTime) -> GatewayReason {
    let Some(e) = found.ear else {
        return GatewayReason::skip(GatewayCheck::EarAge, NO_EAR);
    };
    let iat = e.ear().iat;
    let oldest =
        i64::try_from(now.saturating_sub(policy.max_ear_age_s).as_secs()).unwrap_or(i64::MAX);
    if iat < oldest {
        return GatewayReason::deny(
            GatewayCheck::EarAge,
            Error::GatewayEarStale {
                iat,
                now: now.as_secs(),
            },
        );
    }
    GatewayReason::pass(
        GatewayCheck::EarAge,
        format!(
            "the EAR was issued at {iat}, within {} s",
            policy.max_ear_age_s
        ),
    )
}

fn check_status(found: &Found<'_>, policy: &GatewayPolicy) -> Vec<GatewayReason> {
    let Some(e) = found.ear else {
        return vec![GatewayReason::skip(GatewayCheck::EarStatus, NO_EAR)];
    };
    if !policy.require_affirming {
        return vec![GatewayReason::pass(
            GatewayCheck::EarStatus,
            "the policy does not require an affirming EAR",
        )];
    }
    let claims = e.ear();
    let workload = claims.submods.get(WORKLOAD_KEY).map(|s| s.status);
    let worst = [claims.status, workload.or(Some(Status::None))]
        .into_iter()
        .flatten()
        .find(|s| *s != Status::Affirming);
    let mut out = Vec::new();
    if let Some(s) = worst {
        out.push(GatewayReason::deny(
            GatewayCheck::EarStatus,
            Error::GatewayEarNotAffirming { status: s.name() },
        ));
    }
    if let Some(t) = found.claims.and_then(|c| c.tpm_attestation.as_ref()) {
        if let Some(status) = t.status.filter(|s| *s != Status::Affirming) {
            out.push(GatewayReason::deny(
                GatewayCheck::EarStatus,
                Error::GatewayClaimsNotAffirming {
                    status: status.name().to_owned(),
                },
            ));
        }
    }
    if out.is_empty() {
        out.push(GatewayReason::pass(
            GatewayCheck::EarStatus,
            "the EAR and its workload-key submod are affirming",
        ));
    }
    out
}

fn check_app_key(found: &Found<'_>) -> GatewayReason {
    let Some(e) = found.ear else {
        return GatewayReason::skip(GatewayCheck::AppKey, NO_EAR);
    };
    let Some(key) = found
        .claims
        .and_then(|c| c.tpm_attestation.as_ref())
        .and_then(|t| t.app_key.as_ref())
    else {
        return GatewayReason::skip(GatewayCheck::AppKey, NO_CLAIMS);
    };
    let named = e
        .ear()
        .submods
        .get(WORKLOAD_KEY)
        .and_then(|s| s.verifier_claims.as_ref())
        .and_then(|v| v.get("app_key"));
    let text = |k: &str| named.and_then(|n| n.get(k)).and_then(Value::as_str);
    let jkt_same = text("jkt") == Some(key.jkt.as_str());
    let spki_same = match (&key.spki_sha256, text("spki_sha256")) {
        (Some(mine), Some(theirs)) => mine.eq_ignore_ascii_case(theirs),
        _ => true,
    };
    if !jkt_same || !spki_same {
        return GatewayReason::deny(GatewayCheck::AppKey, Error::GatewayAppKeyMismatch);
    }
    GatewayReason::pass(
        GatewayCheck::AppKey,
        format!(
            "the EAR's workload-key submod names the claims' App Key {}",
            key.jkt
        ),
    )
}

fn check_claims_jurisdiction(found: &Found<'_>) -> GatewayReason {
    let (Some(g), Some(geo)) = (found.geolocation(), found.ear_geo()) else {
        return GatewayReason::skip(
            GatewayCheck::ClaimsJurisdiction,
            "no claimed reading or no EAR location submod to compare",
        );
    };
    let same = |mine: &Option<String>, theirs: &Option<String>| match mine {
        None => true,
        Some(m) => theirs.as_deref() == Some(m.as_str()),
    };
    for (field, mine, theirs) in [
        ("country", &g.country, &geo.country),
        ("subdivision", &g.subdivision, &geo.subdivision),
    ] {
        if !same(mine, theirs) {
            return GatewayReason::deny(
                GatewayCheck::ClaimsJurisdiction,
                Error::GatewayJurisdictionMismatch { field },
            );
        }
    }
    GatewayReason::pass(
        GatewayCheck::ClaimsJurisdiction,
        "the claims' jurisdiction is the EAR's (or the claims name none)",
    )
}

fn check_sensor(found: &Found<'_>, policy: &GatewayPolicy) -> GatewayReason {
    let Some(g) = found.geolocation() else {
        return GatewayReason::skip(GatewayCheck::Sensor, NO_CLAIMS);
    };
    let name = sensor_name(g.sensor_type);
    if g.sensor_type == SensorType::Ip || !policy.sensor_types.contains(name) {
        return GatewayReason::deny(
            GatewayCheck::Sensor,
            Error::GatewaySensorNotAccepted { sensor: name },
        );
    }
    if g.tpm_attested == Some(false) {
        return GatewayReason::deny(GatewayCheck::Sensor, Error::GatewaySensorNotAttested);
    }
    let note = match g.sensor_type {
        SensorType::Gnss => "gnss reading accepted as TPM-attested",
        SensorType::Mobile => "mobile reading: accepted with a network location verification",
        _ => "the policy accepts this sensor type as TPM-attested",
    };
    GatewayReason::pass(GatewayCheck::Sensor, note)
}

fn check_network(
    found: &Found<'_>,
    policy: &GatewayPolicy,
    ctx: &GatewayContext<'_>,
) -> GatewayReason {
    const C: GatewayCheck = GatewayCheck::NetworkLocation;
    let Some(g) = found.geolocation() else {
        return GatewayReason::skip(C, NO_CLAIMS);
    };
    if g.sensor_type != SensorType::Mobile {
        return GatewayReason::skip(C, "not a mobile reading: no network verification needed");
    }
    let Some(network) = ctx.network else {
        return GatewayReason::deny(C, Error::GatewayNetworkVerifierMissing);
    };
    let Some(at) = g.coordinates else {
        return GatewayReason::deny(
            C,
            Error::GatewayDeviceUnidentified {
                what: "the claims give no coordinates",
            },
        );
    };
    if g.sensor_imei.is_none() && g.sensor_imsi.is_none() && g.sensor_msisdn.is_none() {
        return GatewayReason::deny(
            C,
            Error::GatewayDeviceUnidentified {
                what: "the claims give no IMEI, IMSI or MSISDN",
            },
        );
    }
    let query = LocationQuery {
        device: DeviceIds {
            sensor_id: g.sensor_id.clone(),
            imei: g.sensor_imei.clone(),
            imsi: g.sensor_imsi.clone(),
            msisdn: g.sensor_msisdn.clone(),
        },
        latitude: at.latitude,
        longitude: at.longitude,
        radius_m: policy.network_radius_m.max(accuracy_m(at.accuracy_m)),
    };
    let answer = match network.verify(&query, ctx.now) {
        Ok(a) => a,
        Err(e @ Error::GatewayNetworkVerifierUnavailable { .. }) => {
            return GatewayReason::deny(C, e)
        }
        Err(e) => {
            return GatewayReason::deny(
                C,
                Error::GatewayNetworkVerifierUnavailable {
                    detail: e.to_string(),
                },
            )
        }
    };
    match answer.verdict {
        NetworkVerdict::Verified => {}
        NetworkVerdict::Unknown => {
            return GatewayReason::deny(C, Error::GatewayNetworkLocationUnknown)
        }
        v => {
            return GatewayReason::deny(
                C,
                Error::GatewayNetworkLocationNotVerified { result: v.name() },
            )
        }
    }
    let age_s = ctx
        .now
        .as_secs()
        .saturating_sub(answer.located_at.as_secs());
    if age_s > policy.network_verification_ttl_s {
        return GatewayReason::deny(
            C,
            Error::GatewayNetworkVerificationStale {
                age_s,
                max_s: policy.network_verification_ttl_s,
            },
        );
    }
    GatewayReason::pass(
        C,
        format!(
            "the network verified the device within {} m, {age_s} s ago",
            query.radius_m
        ),
    )
}

/// An accuracy radius in whole metres, rounded up (saturating).
fn accuracy_m(a: f64) -> u32 {
    let r = a.ceil();
    if r >= f64::from(u32::MAX) {
        u32::MAX
    } else if r > 0.0 {
        // In range: checked above.
        r as u32
    } else {
        0
    }
}

fn check_jurisdiction(found: &Found<'_>, policy: &GatewayPolicy) -> GatewayReason {
    const C: GatewayCheck = GatewayCheck::Jurisdiction;
    if !policy.has_jurisdiction_rules() {
        return GatewayReason::pass(C, "the policy requires no jurisdiction");
    }
    if found.ear.is_none() {
        return GatewayReason::skip(C, NO_EAR);
    }
    let Some(country) = found.ear_geo().and_then(|g| g.country.as_deref()) else {
        return GatewayReason::deny(C, Error::GatewayJurisdictionMissing);
    };
    let subdivision = found.ear_geo().and_then(|g| g.subdivision.as_deref());
    match policy.check_jurisdiction(country, subdivision) {
        Ok(()) => GatewayReason::pass(
            C,
            format!(
                "the EAR's jurisdiction {} is allowed",
                subdivision.unwrap_or(country)
            ),
        ),
        Err(e) => GatewayReason::deny(C, e),
    }
}

fn check_geofence(
    found: &Found<'_>,
    policy: &GatewayPolicy,
    now: UnixTime,
    network_verified: bool,
) -> Vec<GatewayReason> {
    const C: GatewayCheck = GatewayCheck::Geofence;
    let Some(fence) = &policy.geofence else {
        return vec![GatewayReason::pass(C, "the policy has no geofence")];
    };
    let (Some(g), Some(e)) = (found.geolocation(), found.ear) else {
        return vec![GatewayReason::skip(
            C,
            "no claimed reading or no verified EAR",
        )];
    };
    let Some(at) = g.coordinates else {
        return vec![GatewayReason::deny(
            C,
            Error::GatewayGeofenceDenied {
                cause: "the claims give no coordinates".into(),
            },
        )];
    };
    let reading = LocationEvent {
        sensor_type: g.sensor_type,
        sensor_id: g.sensor_id.clone(),
        imei: None,
        imsi: None,
        msisdn: None,
        latitude: at.latitude,
        longitude: at.longitude,
        accuracy_m: at.accuracy_m,
        altitude_m: None,
        // A reading without its own time is as old as the EAR that attests it.
        time: g
            .time
            .unwrap_or_else(|| u64::try_from(e.ear().iat).unwrap_or(0)),
        quality: "attested-claims".to_owned(),
    };
    let ctx = GeofenceContext {
        now,
        network_verified,
    };
    let decision = match fence.evaluate(&reading, &ctx) {
        Ok(d) => d,
        Err(err) => {
            return vec![GatewayReason::deny(
                C,
                Error::GatewayGeofenceDenied {
                    cause: format!("{} ({}): {err}", err.name(), err.code()),
                },
            )]
        }
    };
    let denials: Vec<GatewayReason> = decision
        .denials()
        .map(|d| {
            GatewayReason::deny(
                C,
                Error::GatewayGeofenceDenied {
                    cause: format!("{} ({}): {d}", d.name(), d.code()),
                },
            )
        })
        .collect();
    if denials.is_empty() {
        vec![GatewayReason::pass(
            C,
            "the policy's geofence allows the reading",
        )]
    } else {
        denials
    }
}

fn forward_headers(
    found: &Found<'_>,
    network_verified: bool,
    spiffe_id: Option<&String>,
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(g) = found.geolocation() {
        out.push((headers::SENSOR_ID, g.sensor_id.clone()));
        out.push((headers::SENSOR_TYPE, sensor_name(g.sensor_type).to_owned()));
        let how = if network_verified {
            "tpm-attested+network-verified"
        } else {
            "tpm-attested"
        };
        out.push((headers::LOCATION_VERIFICATION, how.to_owned()));
    }
    if let Some(geo) = found.ear_geo() {
        if let Some(c) = &geo.country {
            out.push((headers::JURISDICTION_COUNTRY, c.clone()));
        }
        if let Some(s) = &geo.subdivision {
            out.push((headers::JURISDICTION_SUBDIVISION, s.clone()));
        }
    }
    if let Some(k) = found
        .claims
        .and_then(|c| c.tpm_attestation.as_ref())
        .and_then(|t| t.app_key.as_ref())
    {
        out.push((headers::WORKLOAD_KEY_THUMBPRINT, k.jkt.clone()));
    }
    if let Some(e) = found.ear {
        let status = e.ear().status.unwrap_or(Status::None);
        out.push((headers::ATTESTATION_STATUS, status.name().to_owned()));
        out.push((headers::ATTESTATION_TIME, e.ear().iat.to_string()));
    }
    let claimed_id = found
        .claims
        .and_then(|c| c.workload.as_ref())
        .and_then(|w| w.spiffe_id.as_ref());
    if let Some(id) = spiffe_id.or(claimed_id) {
        out.push((headers::SPIFFE_ID, id.clone()));
    }
    out
}

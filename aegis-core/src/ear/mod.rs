//! Attestation results as EAR tokens (draft-ietf-rats-ear-04, FORMATS.md "Attestation result:
//! EAR") with geoAR claims (draft-richardson-rats-geographic-results-01), signed as a JWT (JWS
//! compact, RFC 7515/7519) or a CWT (COSE_Sign1, RFC 9052/8392).
//!
//! - [`Ear`], [`Submod`], [`TrustVector`], [`Status`], [`GeoClaims`]: the claims-set, built by
//!   the appraisal (or by hand) and checked by [`Ear::check_status_rule`] before it is signed.
//! - [`Ear::sign_jwt`] / [`Ear::sign_cwt`]: sign through a [`crate::crypto::Signer`] (a TPM key,
//!   an HSM or a [`crate::crypto::SoftwareSigner`]) in a [`Dialect`]: the IETF -04 names by
//!   default, -03, or the Veraison names (what veraison/ear v1.1.3 reads and writes).
//! - [`verify_jwt`] / [`verify_cwt`]: check a token against [`VerifyOptions`] (key, algorithm
//!   allow-list, time, nonce) and return a [`VerifiedEar`], which only they construct.
//!
//! Every signature goes through the crate's crypto providers (the `Signer` trait to sign,
//! `crypto::verify_digest` to verify), so both providers serve EAR alike. The JWS compact form is
//! written here over the provider (josekit, named in the design, requires OpenSSL and would break
//! the `pure` build; it is a test peer instead).

mod cbor;
pub mod claim;
mod geo;
pub(crate) mod json;
pub(crate) mod token;

pub use geo::GeoClaims;
pub use token::{
    verify_cwt, verify_jwt, verify_token, Algorithm, TokenFormat, VerifiedEar, VerifyOptions,
    DEFAULT_ALGORITHMS,
};

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// Largest token (JWS compact text or COSE_Sign1 bytes) Aegis reads, in bytes.
pub const MAX_TOKEN_SIZE: usize = 256 * 1024;
/// Most submods an EAR may carry.
pub const MAX_SUBMODS: usize = 64;

/// `eat_profile` of draft-ietf-rats-ear-04.
pub const PROFILE_IETF_04: &str = "tag:ietf.org,2026:rats/ear#04";
/// `eat_profile` of draft-ietf-rats-ear-03.
pub const PROFILE_IETF_03: &str = "tag:ietf.org,2026:rats/ear#03";
/// `eat_profile` of the Veraison dialect (veraison/ear v1.1.3 `EatProfile`).
pub const PROFILE_VERAISON: &str = "tag:github.com,2023:veraison/ear";

/// The claim-name dialect of a token (FORMATS.md: emit -04 by default, the Veraison names on
/// request; accept -03, -04 and Veraison).
///
/// JSON names differ (`ear_status` against Veraison's `ear.status`, `ear_verifier_id` against
/// `ear.verifier-id`, ...); the CBOR keys are the same in every dialect and only the profile
/// differs in a CWT.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// draft-ietf-rats-ear-04 (`tag:ietf.org,2026:rats/ear#04`), the default.
    #[default]
    Ietf04,
    /// draft-ietf-rats-ear-03 (`tag:ietf.org,2026:rats/ear#03`): -04's names.
    Ietf03,
    /// veraison/ear v1.1.3 (`tag:github.com,2023:veraison/ear`): `ear.status`,
    /// `ear.trustworthiness-vector`, `ear.verifier-id`, `ear.appraisal-policy-id` (one id).
    Veraison,
}

impl Dialect {
    /// The `eat_profile` value of this dialect.
    pub fn profile(self) -> &'static str {
        match self {
            Dialect::Ietf04 => PROFILE_IETF_04,
            Dialect::Ietf03 => PROFILE_IETF_03,
            Dialect::Veraison => PROFILE_VERAISON,
        }
    }

    /// The dialect of an `eat_profile`: `EarUnknownProfile` for any other.
    pub fn from_profile(profile: &str) -> Result<Self> {
        match profile {
            PROFILE_IETF_04 => Ok(Dialect::Ietf04),
            PROFILE_IETF_03 => Ok(Dialect::Ietf03),
            PROFILE_VERAISON => Ok(Dialect::Veraison),
            other => Err(Error::EarUnknownProfile {
                profile: other.chars().take(128).collect(),
            }),
        }
    }

    /// "ietf-04", "ietf-03" or "veraison" (the name the CLI and the bindings use).
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Ietf04 => "ietf-04",
            Dialect::Ietf03 => "ietf-03",
            Dialect::Veraison => "veraison",
        }
    }

    /// The dialect of a [`Dialect::name`]; `InvalidArgument` for any other.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "ietf-04" => Ok(Dialect::Ietf04),
            "ietf-03" => Ok(Dialect::Ietf03),
            "veraison" => Ok(Dialect::Veraison),
            _ => Err(Error::InvalidArgument {
                what: "EAR dialect: ietf-04, ietf-03 or veraison",
            }),
        }
    }
}

/// An AR4SI trustworthiness tier (draft-ietf-rats-ar4si, 2.3.2; draft-ietf-rats-ear `ear_status`):
/// none 0, affirming 2, warning 32, contraindicated 96.
///
/// Ordered by value, so `a > b` means "a is worse than b" (a status of `None` is better than
/// `Affirming` in this order, as veraison/ear's `UpdateStatusFromTrustVector` takes the largest
/// tier).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(i8)]
pub enum Status {
    /// No claim made (0).
    #[default]
    None = 0,
    /// Affirming (2).
    Affirming = 2,
    /// Warning (32).
    Warning = 32,
    /// Contraindicated (96).
    Contraindicated = 96,
}

impl Status {
    /// The tier of an AR4SI claim value, as veraison/ear v1.1.3 `TrustClaim.GetTier` reads it:
    /// -1..=1 none, 2..=31 and -32..=-2 affirming, 32..=95 and -96..=-33 warning, 96..=127 and
    /// -128..=-97 contraindicated (negative values mirror the positive ranges).
    pub fn of_claim(value: i8) -> Status {
        match value {
            -1..=1 => Status::None,
            2..=31 | -32..=-2 => Status::Affirming,
            32..=95 | -96..=-33 => Status::Warning,
            _ => Status::Contraindicated,
        }
    }

    /// The tier's value (0, 2, 32 or 96): the CBOR encoding.
    pub fn value(self) -> i8 {
        self as i8
    }

    /// The tier of its exact value (0, 2, 32, 96); `EarClaimInvalid` for any other.
    pub fn from_value(value: i64) -> Result<Status> {
        match value {
            0 => Ok(Status::None),
            2 => Ok(Status::Affirming),
            32 => Ok(Status::Warning),
            96 => Ok(Status::Contraindicated),
            _ => Err(Error::EarClaimInvalid {
                claim: "ear_status",
            }),
        }
    }

    /// "none", "affirming", "warning" or "contraindicated": the JSON encoding.
    pub fn name(self) -> &'static str {
        match self {
            Status::None => "none",
            Status::Affirming => "affirming",
            Status::Warning => "warning",
            Status::Contraindicated => "contraindicated",
        }
    }

    /// The tier of its JSON name; `EarClaimInvalid` for any other.
    pub fn from_name(name: &str) -> Result<Status> {
        match name {
            "none" => Ok(Status::None),
            "affirming" => Ok(Status::Affirming),
            "warning" => Ok(Status::Warning),
            "contraindicated" => Ok(Status::Contraindicated),
            _ => Err(Error::EarClaimInvalid {
                claim: "ear_status",
            }),
        }
    }

    /// The worse of two tiers.
    pub fn worse_of(self, other: Status) -> Status {
        self.max(other)
    }
}

/// An AR4SI trustworthiness vector (draft-ietf-rats-ar4si, 2.3; `ear_trustworthiness_vector`,
/// CBOR key 1001). Each field is a claim value (-128..=127, 0 = no claim); constants in
/// [`claim`]. CBOR keys 0..=7 in field order; JSON names `instance-identity`, `configuration`,
/// `executables`, `file-system`, `hardware`, `runtime-opaque`, `storage-opaque`, `sourced-data`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TrustVector {
    /// instance-identity (key 0).
    pub instance_identity: i8,
    /// configuration (key 1).
    pub configuration: i8,
    /// executables (key 2).
    pub executables: i8,
    /// file-system (key 3).
    pub file_system: i8,
    /// hardware (key 4).
    pub hardware: i8,
    /// runtime-opaque (key 5).
    pub runtime_opaque: i8,
    /// storage-opaque (key 6).
    pub storage_opaque: i8,
    /// sourced-data (key 7).
    pub sourced_data: i8,
}

/// The JSON names of the vector's claims, in CBOR key order.
pub(crate) const TRUST_CLAIM_NAMES: [&str; 8] = [
    "instance-identity",
    "configuration",
    "executables",
    "file-system",
    "hardware",
    "runtime-opaque",
    "storage-opaque",
    "sourced-data",
];

impl TrustVector {
    /// The claims in CBOR key order (0..=7).
    pub fn claims(&self) -> [i8; 8] {
        [
            self.instance_identity,
            self.configuration,
            self.executables,
            self.file_system,
            self.hardware,
            self.runtime_opaque,
            self.storage_opaque,
            self.sourced_data,
        ]
    }

    /// The claim of CBOR key `key` (0..=7), mutable.
    pub(crate) fn claim_mut(&mut self, key: usize) -> Option<&mut i8> {
        Some(match key {
            0 => &mut self.instance_identity,
            1 => &mut self.configuration,
            2 => &mut self.executables,
            3 => &mut self.file_system,
            4 => &mut self.hardware,
            5 => &mut self.runtime_opaque,
            6 => &mut self.storage_opaque,
            7 => &mut self.sourced_data,
            _ => return None,
        })
    }

    /// Whether any claim is made (a vector of no claims is not written).
    pub fn any_set(&self) -> bool {
        self.claims().iter().any(|c| *c != 0)
    }

    /// The worst tier of the vector's claims ([`Status::of_claim`]); `None` when no claim is made.
    pub fn status(&self) -> Status {
        self.claims()
            .iter()
            .map(|c| Status::of_claim(*c))
            .fold(Status::None, Status::worse_of)
    }
}

/// `ear_verifier_id` (draft-ietf-rats-ar4si, 3.2; CBOR key 1004: {0: developer, 1: build}).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifierId {
    /// Who built the verifier (e.g. `https://github.com/aegis-attest`).
    pub developer: String,
    /// Which build of it (e.g. "aegis 0.1.0").
    pub build: String,
}

impl VerifierId {
    /// Aegis as the verifier: developer `https://github.com/aegis-attest`, build
    /// `aegis <version>` (draft-ietf-rats-ear-04, 3.2.1: `ear.verifier-id`).
    pub fn aegis() -> Self {
        VerifierId {
            developer: "https://github.com/aegis-attest".to_owned(),
            build: format!("aegis {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Claims a token carries that Aegis does not model, kept as they came: JSON names (or a CBOR
/// integer key as its decimal text) to values (CBOR byte strings as base64url text).
pub type ExtraClaims = BTreeMap<String, serde_json::Value>;

/// One appraisal in `submods` (draft-ietf-rats-ear-04, EAR-appraisal).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Submod {
    /// `ear_status` (1000): never better than the worst claim of `trust_vector`.
    pub status: Status,
    /// `ear_trustworthiness_vector` (1001); not written when no claim is made.
    pub trust_vector: TrustVector,
    /// `ear_appraisal_policy_ids` (1003); the Veraison dialect carries the first one only
    /// (`ear.appraisal-policy-id`).
    pub policy_ids: Vec<String>,
    /// `eat_nonce` (10) of this submod.
    pub nonce: Option<Vec<u8>>,
    /// `ear_raw_evidence` (1002): a CMW record (media type, bytes).
    pub raw_evidence: Option<(String, Vec<u8>)>,
    /// `ear_attester_claims` (1005); Veraison: `ear.veraison.annotated-evidence`.
    pub attester_claims: Option<serde_json::Value>,
    /// `ear_verifier_claims` (1006); Veraison: `ear.veraison.policy-claims`.
    pub verifier_claims: Option<serde_json::Value>,
    /// geoAR claims, written into the submod as `grc.*` JSON members or private CBOR keys.
    pub geo: GeoClaims,
    /// Unknown claims, kept.
    pub extra: ExtraClaims,
}

/// An EAT Attestation Result (draft-ietf-rats-ear-04, section 4, `EAR`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ear {
    /// `iat` (6): integer seconds since the epoch.
    pub iat: i64,
    /// `exp` (4): integer seconds since the epoch.
    pub exp: Option<i64>,
    /// `ear_verifier_id` (1004).
    pub verifier_id: VerifierId,
    /// Top-level `ear_status` (1000): never better than the worst submod.
    pub status: Option<Status>,
    /// Top-level `eat_nonce` (10).
    pub nonce: Option<Vec<u8>>,
    /// `submods` (266): at least one, at most [`MAX_SUBMODS`].
    pub submods: BTreeMap<String, Submod>,
    /// Unknown claims, kept.
    pub extra: ExtraClaims,
}

impl Ear {
    /// The status rule (FORMATS.md, EAR): no submod status better than the worst claim of its
    /// vector (`EarStatusBetterThanVector`), no top-level status better than the worst submod
    /// (`EarStatusBetterThanSubmods`), and each submod's geoAR claims well formed
    /// (`EarGeoInvalid`). Also: at least one submod (`EarClaimMissing`), at most
    /// [`MAX_SUBMODS`] (`CountOutOfRange`).
    pub fn check_status_rule(&self) -> Result<()> {
        check_status_rule(
            self.status,
            self.submods
                .iter()
                .map(|(name, s)| (name.as_str(), s.status, &s.trust_vector, &s.geo)),
        )
    }

    /// The claims as JSON in `dialect` (what a JWT carries; the CLI prints it).
    pub fn to_json(&self, dialect: Dialect) -> Result<serde_json::Value> {
        json::encode(self, dialect)
    }

    /// The claims as deterministic CBOR (RFC 8949, 4.2.1) with `dialect`'s profile (what a CWT
    /// carries).
    pub fn to_cbor(&self, dialect: Dialect) -> Result<Vec<u8>> {
        cbor::encode(self, dialect)
    }

    /// Unverified claims from JSON in any accepted dialect, with the dialect read from
    /// `eat_profile`. For building an EAR to sign (the C, Python and Go signing calls take
    /// claims JSON); a token's claims come verified from [`verify_jwt`] or [`verify_cwt`].
    pub fn from_json(bytes: &[u8]) -> Result<(Ear, Dialect)> {
        json::decode(bytes)
    }

    /// Unverified claims from CBOR (a CWT's payload), with the dialect read from `eat_profile`;
    /// the CBOR counterpart of [`Ear::from_json`].
    pub fn from_cbor(bytes: &[u8]) -> Result<(Ear, Dialect)> {
        cbor::decode(bytes)
    }
}

/// [`Ear::check_status_rule`] on an EAR's top-level status and its submods (name, status,
/// trust vector, geoAR claims), however they are held.
pub(crate) fn check_status_rule<'a>(
    top: Option<Status>,
    submods: impl ExactSizeIterator<Item = (&'a str, Status, &'a TrustVector, &'a GeoClaims)>,
) -> Result<()> {
    if submods.len() == 0 {
        return Err(Error::EarClaimMissing { claim: "submods" });
    }
    if submods.len() > MAX_SUBMODS {
        return Err(Error::CountOutOfRange {
            what: "EAR submods",
            count: submods.len(),
            max: MAX_SUBMODS,
        });
    }
    let mut worst = Status::None;
    for (name, status, trust_vector, geo) in submods {
        if status < trust_vector.status() {
            return Err(Error::EarStatusBetterThanVector {
                submod: name.chars().take(128).collect(),
            });
        }
        geo.check()?;
        worst = worst.worse_of(status);
    }
    match top {
        Some(top) if top < worst => Err(Error::EarStatusBetterThanSubmods),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;

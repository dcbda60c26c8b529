//! What the caller decides: hash allow-list, PCR policy, expected signer, clock policy.

use super::KeyPolicy;
use crate::error::{Error, Result};
use crate::tpm::{ClockInfo, HashAlg, Name, PcrValues};

/// Hash algorithms accepted for signatures (item 4). Default: SHA-256, SHA-384, SHA-512.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashAllowList(Vec<HashAlg>);

impl Default for HashAllowList {
    fn default() -> Self {
        HashAllowList(vec![HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512])
    }
}

impl HashAllowList {
    /// Exactly these algorithms.
    pub fn new(algs: &[HashAlg]) -> Self {
        HashAllowList(algs.to_vec())
    }
    /// The default list plus SHA-1 (legacy TPMs; opt-in only).
    pub fn with_sha1() -> Self {
        HashAllowList(vec![
            HashAlg::Sha1,
            HashAlg::Sha256,
            HashAlg::Sha384,
            HashAlg::Sha512,
        ])
    }
    /// Whether `h` is allowed.
    pub fn allows(&self, h: HashAlg) -> bool {
        self.0.contains(&h)
    }
}

/// A PCR a policy requires, by bank and index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequiredPcrs(Vec<(HashAlg, u8)>);

impl RequiredPcrs {
    /// Adds PCR `index` of bank `hash`.
    pub fn push(&mut self, hash: HashAlg, index: u8) {
        if !self.0.contains(&(hash, index)) {
            self.0.push((hash, index));
        }
    }
    /// Every required PCR.
    pub fn iter(&self) -> impl Iterator<Item = (HashAlg, u8, ())> + '_ {
        self.0.iter().map(|(h, i)| (*h, *i, ()))
    }
}

/// What a quote verification requires beyond the evidence.
#[derive(Clone, Debug, Default)]
pub struct QuotePolicy {
    /// Signature hash allow-list (item 4).
    pub hashes: HashAllowList,
    /// PCRs the signed selection must cover (item 11).
    pub required_pcrs: RequiredPcrs,
    /// The AK's expected qualified Name, compared with qualifiedSigner (item 9).
    pub expected_signer: Option<Name>,
    /// The clock info of the last verified attestation by the same AK (item 10).
    pub previous_clock: Option<ClockInfo>,
}

impl QuotePolicy {
    /// Requires each PCR that has a value in `pcrs` (a convenience for "all I was given").
    pub fn require_all_of(&mut self, pcrs: &PcrValues) {
        for (h, i, _) in pcrs.iter() {
            self.required_pcrs.push(h, i);
        }
    }
}

/// What a certify verification requires beyond the evidence.
#[derive(Clone, Debug, Default)]
pub struct CertifyPolicy {
    /// Signature hash allow-list (item 4).
    pub hashes: HashAllowList,
    /// The AK's expected qualified Name (item 9).
    pub expected_signer: Option<Name>,
    /// The clock info of the last verified attestation by the same AK (item 10).
    pub previous_clock: Option<ClockInfo>,
    /// App Key sizes and curves (item 15).
    pub app_key: KeyPolicy,
}

/// Item 10: the clock must not go backwards relative to an earlier attestation by the same AK.
///
/// resetCount and restartCount may be obfuscated per key (Part 1, 36.6: an offset added to them
/// for keys outside the endorsement and platform hierarchies), so they are compared by wrapping
/// distance. A larger resetCount allows anything else (restartCount returns to its base and
/// Clock may be behind after an unorderly shutdown); within one reset, restartCount must not
/// decrease, and within one restart, Clock must not decrease.
pub(crate) fn check_clock(previous: &ClockInfo, current: &ClockInfo) -> Result<()> {
    let advanced = |prev: u32, cur: u32| cur.wrapping_sub(prev) as i32;
    let reset = advanced(previous.reset_count, current.reset_count);
    if reset < 0 {
        return Err(Error::ClockRegression);
    }
    if reset > 0 {
        return Ok(());
    }
    let restart = advanced(previous.restart_count, current.restart_count);
    if restart < 0 {
        return Err(Error::ClockRegression);
    }
    if restart == 0 && current.clock < previous.clock {
        return Err(Error::ClockRegression);
    }
    Ok(())
}

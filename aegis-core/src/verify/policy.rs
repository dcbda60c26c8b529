//! What the caller decides: hash allow-list, PCR policy, expected signer, clock policy.
//! [`AttestPolicy`] holds what quote and certify share; each policy adds its own part.

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
        let mut list = HashAllowList::default();
        list.allow_sha1(true);
        list
    }
    /// The SHA-1 opt-in (items 4 and 13): adds SHA-1 to the list when `allow` is true, removes
    /// it when false. SHA-1 signatures, SHA-1 PCR banks and SHA-1 key nameAlgs are all accepted
    /// through this one switch, and every surface (C, Python, Go, CLI) sets it here.
    pub fn allow_sha1(&mut self, allow: bool) {
        self.0.retain(|h| *h != HashAlg::Sha1);
        if allow {
            self.0.insert(0, HashAlg::Sha1);
        }
    }
    /// Whether `h` is allowed.
    pub fn allows(&self, h: HashAlg) -> bool {
        self.0.contains(&h)
    }
    /// Whether a PCR bank or key nameAlg of hash `h` is acceptable (item 13): any hash but SHA-1,
    /// and SHA-1 only with the opt-in. The list itself governs signatures; banks and Names are
    /// measured state and identities, refused only for the weak hash.
    pub fn allows_bank_or_name(&self, h: HashAlg) -> bool {
        h != HashAlg::Sha1 || self.allows(HashAlg::Sha1)
    }
    /// The allowed algorithms, in the order given.
    pub fn algorithms(&self) -> &[HashAlg] {
        &self.0
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

/// What every TPMS_ATTEST verification requires beyond the evidence: the part of the policy that
/// quote and certify verification share (VERIFIER-CHECKS.md items 4, 9, 10 and 13).
#[derive(Clone, Debug, Default)]
pub struct AttestPolicy {
    /// Hash allow-list for signatures (item 4); SHA-1 only through [`HashAllowList::allow_sha1`],
    /// which also admits SHA-1 PCR banks and key nameAlgs (item 13).
    pub hashes: HashAllowList,
    /// The AK's expected qualified Name, compared with qualifiedSigner (item 9).
    pub expected_signer: Option<Name>,
    /// The clock info of the last verified attestation by the same AK (item 10).
    pub previous_clock: Option<ClockInfo>,
}

impl AttestPolicy {
    /// The SHA-1 opt-in ([`HashAllowList::allow_sha1`]).
    pub fn allow_sha1(&mut self, allow: bool) {
        self.hashes.allow_sha1(allow);
    }
}

/// What a quote verification requires beyond the evidence.
#[derive(Clone, Debug, Default)]
pub struct QuotePolicy {
    /// Hash allow-list, expected signer, previous clock (shared with certify).
    pub attest: AttestPolicy,
    /// PCRs the signed selection must cover (item 11).
    pub required_pcrs: RequiredPcrs,
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
    /// Hash allow-list, expected signer, previous clock (shared with quote).
    pub attest: AttestPolicy,
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
    if reset == 0 {
        let restart = advanced(previous.restart_count, current.restart_count);
        if restart < 0 || (restart == 0 && current.clock < previous.clock) {
            return Err(Error::ClockRegression);
        }
    }
    // Part 2, 10.11.1 (TPMS_CLOCK_INFO.safe): YES means no Clock greater than this one was ever
    // reported, whatever happened to resetCount in between.
    if current.safe && current.clock < previous.clock {
        return Err(Error::ClockSafeRegression);
    }
    Ok(())
}

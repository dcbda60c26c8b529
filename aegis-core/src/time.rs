//! Time as verifiers take it: whole seconds since the Unix epoch, always passed in by the caller
//! (ARCHITECTURE.md, Crate roles: the core reads no clock of its own).

/// A point in time, in whole seconds since 1970-01-01T00:00:00Z (POSIX time, as X.509 validity,
/// JWT `iat`/`exp` (RFC 7519, 2 "NumericDate") and CWT times are compared).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(u64);

impl UnixTime {
    /// The time `secs` seconds after the epoch.
    pub const fn from_secs(secs: u64) -> Self {
        UnixTime(secs)
    }

    /// Seconds since the epoch.
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// This time plus `secs` seconds, saturating at the largest representable time.
    pub const fn saturating_add(self, secs: u64) -> Self {
        UnixTime(self.0.saturating_add(secs))
    }

    /// This time minus `secs` seconds, saturating at the epoch.
    pub const fn saturating_sub(self, secs: u64) -> Self {
        UnixTime(self.0.saturating_sub(secs))
    }

    /// The system clock, for callers that verify "now" (the CLI, the bindings). The one place
    /// in aegis-core that reads a clock; nothing in the core calls it on its own. A clock set
    /// before 1970 reads as the epoch.
    pub fn now() -> Self {
        UnixTime(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        )
    }
}

impl core::fmt::Display for UnixTime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_and_orders() {
        assert_eq!(
            UnixTime::from_secs(5).saturating_sub(10),
            UnixTime::from_secs(0)
        );
        assert_eq!(
            UnixTime::from_secs(u64::MAX).saturating_add(1).as_secs(),
            u64::MAX
        );
        assert!(UnixTime::from_secs(1) < UnixTime::from_secs(2));
        assert!(UnixTime::now() > UnixTime::from_secs(1_700_000_000));
    }
}

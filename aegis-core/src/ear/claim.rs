//! AR4SI trustworthiness claim values (draft-ietf-rats-ar4si, 2.3.4), under the names
//! veraison/ear v1.1.3 gives them (without its `Claim` suffix).

/// Any claim: the verifier malfunctioned (none tier).
pub const VERIFIER_MALFUNCTION: i8 = -1;
/// Any claim: no claim is made.
pub const NO_CLAIM: i8 = 0;
/// Any claim: the evidence received is unexpected (none tier).
pub const UNEXPECTED_EVIDENCE: i8 = 1;
/// Any claim: cryptographic validation of the evidence failed (contraindicated).
pub const CRYPTO_VALIDATION_FAILED: i8 = 99;

/// instance-identity: a recognized, trustworthy instance.
pub const TRUSTWORTHY_INSTANCE: i8 = 2;
/// instance-identity: a recognized but untrustworthy instance.
pub const UNTRUSTWORTHY_INSTANCE: i8 = 96;
/// instance-identity: the instance is not recognized.
pub const UNRECOGNIZED_INSTANCE: i8 = 97;

/// configuration: approved configuration.
pub const APPROVED_CONFIG: i8 = 2;
/// configuration: no known vulnerabilities.
pub const NO_CONFIG_VULNS: i8 = 3;
/// configuration: known unsafe configuration.
pub const UNSAFE_CONFIG: i8 = 32;
/// configuration: configuration elements unavailable.
pub const UNAVAIL_CONFIG_ELEMS: i8 = 36;
/// configuration: unsupportable configuration.
pub const UNSUPPORTABLE_CONFIG: i8 = 96;

/// executables: approved runtime.
pub const APPROVED_RUNTIME: i8 = 2;
/// executables: approved boot.
pub const APPROVED_BOOT: i8 = 3;
/// executables: unsafe runtime.
pub const UNSAFE_RUNTIME: i8 = 32;
/// executables: unrecognized runtime.
pub const UNRECOGNIZED_RUNTIME: i8 = 33;
/// executables: contraindicated runtime.
pub const CONTRAINDICATED_RUNTIME: i8 = 96;

/// file-system: approved files.
pub const APPROVED_FILES: i8 = 2;
/// file-system: unrecognized files.
pub const UNRECOGNIZED_FILES: i8 = 32;
/// file-system: contraindicated files.
pub const CONTRAINDICATED_FILES: i8 = 96;

/// hardware: genuine hardware.
pub const GENUINE_HARDWARE: i8 = 2;
/// hardware: unsafe hardware.
pub const UNSAFE_HARDWARE: i8 = 32;
/// hardware: contraindicated hardware.
pub const CONTRAINDICATED_HARDWARE: i8 = 96;
/// hardware: unrecognized hardware.
pub const UNRECOGNIZED_HARDWARE: i8 = 97;

/// runtime-opaque: encrypted memory.
pub const ENCRYPTED_MEMORY_RUNTIME: i8 = 2;
/// runtime-opaque: isolated memory.
pub const ISOLATED_MEMORY_RUNTIME: i8 = 32;
/// runtime-opaque: visible memory.
pub const VISIBLE_MEMORY_RUNTIME: i8 = 96;

/// storage-opaque: secrets encrypted by hardware-held keys.
pub const HW_KEYS_ENCRYPTED_SECRETS: i8 = 2;
/// storage-opaque: secrets encrypted by software-held keys.
pub const SW_KEYS_ENCRYPTED_SECRETS: i8 = 32;
/// storage-opaque: unencrypted secrets.
pub const UNENCRYPTED_SECRETS: i8 = 96;

/// sourced-data: trusted sources.
pub const TRUSTED_SOURCES: i8 = 2;
/// sourced-data: untrusted sources.
pub const UNTRUSTED_SOURCES: i8 = 32;
/// sourced-data: contraindicated sources.
pub const CONTRAINDICATED_SOURCES: i8 = 96;

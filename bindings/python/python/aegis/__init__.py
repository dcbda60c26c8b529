"""Aegis: verify TPM 2.0 evidence (quotes, key certifications).

    ak = aegis.AttestationKey.from_tpm_public(ak_tpm2b_public)   # checks the AK is restricted
    quote = aegis.verify_quote(ak, attest, signature, pcr_file, nonce,
                               require_pcrs={"sha256": [0, 1, 15]})
    quote.pcrs["sha256"][15]

Every failure raises an `AegisError` subclass whose `.code` is the stable status shared with
the C, Go and Rust APIs and whose `.name` names the failed check. Verification releases the GIL.
`aegis.keylime` holds a drop-in for Keylime's `tpm_util.checkquote`.
"""

from aegis._aegis import (
    ERROR_CODES,
    AegisError,
    AttestationError,
    AttestationKey,
    BackendError,
    ClockInfo,
    EkError,
    KeyPolicyError,
    LocationError,
    ParseError,
    PcrError,
    SignatureError,
    UsageError,
    VerifiedCertification,
    VerifiedQuote,
    __version__,
    parse_pcrs,
    verify_certify,
    verify_quote,
)

__all__ = [
    "ERROR_CODES",
    "AegisError",
    "AttestationError",
    "AttestationKey",
    "BackendError",
    "ClockInfo",
    "EkError",
    "KeyPolicyError",
    "LocationError",
    "ParseError",
    "PcrError",
    "SignatureError",
    "UsageError",
    "VerifiedCertification",
    "VerifiedQuote",
    "__version__",
    "parse_pcrs",
    "verify_certify",
    "verify_quote",
]

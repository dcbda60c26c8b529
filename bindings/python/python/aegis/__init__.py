"""Aegis: verify TPM 2.0 evidence (quotes, key certifications).

    ak = aegis.AttestationKey.from_tpm_public(ak_tpm2b_public)   # checks the AK is restricted
    quote = aegis.verify_quote(ak, attest, signature, pcr_file, nonce,
                               require_pcrs={"sha256": [0, 1, 15]})
    quote.pcrs["sha256"][15]

EK enrolment (item 14): `verify_ek_certificate` checks an EK certificate against an
`EkTrustStore` of manufacturer CAs; `make_credential` protects a secret to the EK for an AK Name,
and `check_activated` compares what the TPM recovered; `ActivationChallenge` does both and yields
an `AkBinding`. `appraise` runs every check of one attestation (AK binding, App Key certification,
quote, location log, App Key possession) and returns an `Appraisal` of their outcomes (and the
`VerifiedLocation` when the location log passed). `KeyPolicy` narrows or widens the key
allow-list (`key_policy=` of `AttestationKey.from_tpm_public`, `verify_certify`, `appraise`).
`PublicKey`, `verify_signature` and `PrivateKey` verify and make signatures outside a TPM
(schemes "rsassa-sha256", "rsapss-sha256", "ecdsa-sha256", ...; formats "raw", "der", "tpmt").
`inspect` decodes a structure to a dict. The AegisSovereignAI proof of concept's formats:
`SovereignAttestation` (read and write) and `verify_sovereign_attestation`,
`poc_qualifying_data`, `PocLocationLog` and `verify_poc_location` (its PCR 15 recipe).
`geo_resolve(latitude, longitude, accuracy_m)` gives the ISO 3166-1 country and ISO 3166-2
subdivision of a reading, offline (a `Resolution`). `GeofencePolicy.from_json` reads a geofence
policy (docs/geofence-policy.md) and `.evaluate(location, now=...)` gives a `GeofenceDecision`
(`.allowed`, `.reasons`) on one location reading. Proof tokens (docs/proof-tokens.md): `mint_dpor`,
`mint_dpog` and `mint_wpt` sign DPoR/DPoG proofs and WIMSE workload proof tokens with the App Key;
`verify_proof` and `verify_wpt` check them as a resource server would, against an `Ear` naming
the key and a shared `ReplayCache`; `jwk_thumbprint` gives a key's RFC 7638 thumbprint.
`gateway_check` decides on a client's X.509-SVID chain as a gateway (docs/gateway.md); a mobile
reading passes only with a `NetworkVerifier(callback)`, the caller's CAMARA Device Location
Verification call behind a cache (`network=`).

Every byte argument takes bytes, bytearray or memoryview (any contiguous buffer of bytes).
Every failure raises an `AegisError` subclass whose `.code` is the stable status shared with
the C, Go and Rust APIs and whose `.name` names the failed check; a wrong argument raises
`UsageError`, which is also a `ValueError`. Verification releases the GIL. `help()` on any
function or class lists its arguments, the byte forms it accepts, what it returns and raises.

`aegis.keylime` holds a drop-in for Keylime's `tpm_util.checkquote`; it needs the `keylime`
extra (`pip install 'aegis[keylime]'`, for cryptography). `aegis` itself needs nothing else.
"""

from aegis._aegis import (
    ENDORSEMENT_HIERARCHY,
    ERROR_CODES,
    # BEGIN GENERATED errors: scripts/gen_errors.py, do not edit (make errors)
    AegisError,
    UsageError,
    ParseError,
    SignatureError,
    AttestationError,
    PcrError,
    KeyPolicyError,
    EkError,
    LocationError,
    BackendError,
    GeoError,
    ResultError,
    TokenError,
    SvidError,
    # END GENERATED errors
    ActivationChallenge,
    AkBinding,
    Appraisal,
    AttestationResult,
    CheckOutcome,
    Ear,
    PrivateKey,
    PublicKey,
    AttestationKey,
    ClockInfo,
    EnrolmentRecord,
    EvidenceBundle,
    EkTrustStore,
    GeofenceDecision,
    GeofencePolicy,
    NetworkVerifier,
    GeofenceReason,
    KeyPolicy,
    MadeCredential,
    PocLocationLog,
    SovereignAttestation,
    Resolution,
    ReplayCache,
    VerifiedCertification,
    VerifiedEk,
    VerifiedLocation,
    VerifiedQuote,
    VerifiedProof,
    VerifiedWpt,
    __version__,
    appraise,
    appraise_bundle,
    attested_claims_extension,
    check_activated,
    cmw_extension,
    gateway_check,
    geo_resolve,
    inspect,
    jwk_thumbprint,
    make_credential,
    mint_dpog,
    mint_dpor,
    mint_wpt,
    name_of_handle,
    parse_pcrs,
    poc_qualifying_data,
    qualified_name,
    sign_ear_cwt,
    sign_ear_jwt,
    verify_certify,
    verify_ear,
    verify_ek_certificate,
    verify_poc_location,
    verify_proof,
    verify_quote,
    verify_signature,
    verify_sovereign_attestation,
    verify_svid,
    verify_wpt,
)

# X.509-SVID issuance (docs/svid.md, "Issuing").
from aegis._aegis import issue_svid, issue_svid_ca

__all__ = [
    "ENDORSEMENT_HIERARCHY",
    "ERROR_CODES",
    # BEGIN GENERATED errors: scripts/gen_errors.py, do not edit (make errors)
    "AegisError",
    "UsageError",
    "ParseError",
    "SignatureError",
    "AttestationError",
    "PcrError",
    "KeyPolicyError",
    "EkError",
    "LocationError",
    "BackendError",
    "GeoError",
    "ResultError",
    "TokenError",
    "SvidError",
    # END GENERATED errors
    "ActivationChallenge",
    "AkBinding",
    "Appraisal",
    "AttestationResult",
    "CheckOutcome",
    "Ear",
    "PrivateKey",
    "PublicKey",
    "AttestationKey",
    "ClockInfo",
    "EnrolmentRecord",
    "EvidenceBundle",
    "EkTrustStore",
    "GeofenceDecision",
    "GeofencePolicy",
    "NetworkVerifier",
    "GeofenceReason",
    "KeyPolicy",
    "MadeCredential",
    "PocLocationLog",
    "SovereignAttestation",
    "Resolution",
    "ReplayCache",
    "VerifiedCertification",
    "VerifiedEk",
    "VerifiedLocation",
    "VerifiedQuote",
    "VerifiedProof",
    "VerifiedWpt",
    "__version__",
    "appraise",
    "appraise_bundle",
    "attested_claims_extension",
    "check_activated",
    "cmw_extension",
    "gateway_check",
    "geo_resolve",
    "inspect",
    "jwk_thumbprint",
    "make_credential",
    "mint_dpog",
    "mint_dpor",
    "mint_wpt",
    "name_of_handle",
    "parse_pcrs",
    "poc_qualifying_data",
    "qualified_name",
    "sign_ear_cwt",
    "sign_ear_jwt",
    "verify_certify",
    "verify_ear",
    "verify_ek_certificate",
    "verify_poc_location",
    "verify_proof",
    "verify_quote",
    "verify_signature",
    "verify_sovereign_attestation",
    "verify_svid",
    "verify_wpt",
    # X.509-SVID issuance
    "issue_svid",
    "issue_svid_ca",
]

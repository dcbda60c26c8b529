"""Type stubs of the native module aegis._aegis (checked against it by mypy's stubtest).

Every byte argument takes any buffer of bytes (`Buffer`: bytes, bytearray, memoryview); results
are bytes."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Literal, final

from typing_extensions import Buffer, Self, disjoint_base

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
    "PrivateKey",
    "PublicKey",
    "AttestationKey",
    "ClockInfo",
    "Ear",
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
    "VerifiedCertification",
    "VerifiedEk",
    "VerifiedLocation",
    "VerifiedQuote",
    "ReplayCache",
    "VerifiedProof",
    "VerifiedWpt",
    "appraise",
    "appraise_bundle",
    "check_activated",
    "geo_resolve",
    "inspect",
    "make_credential",
    "name_of_handle",
    "parse_pcrs",
    "qualified_name",
    "sign_ear_cwt",
    "sign_ear_jwt",
    "verify_certify",
    "verify_ear",
    "jwk_thumbprint",
    "verify_svid",
    "attested_claims_extension",
    "cmw_extension",
    "gateway_check",
    "mint_dpog",
    "mint_dpor",
    "mint_wpt",
    "verify_proof",
    "verify_wpt",
    "verify_ek_certificate",
    "verify_quote",
    "verify_signature",
    "verify_sovereign_attestation",
    "poc_qualifying_data",
    "verify_poc_location",
    "__version__",
    # X.509-SVID issuance
    "issue_svid",
    "issue_svid_ca",
]

__version__: str

ERROR_CODES: dict[str, int]
"""Every error name -> its stable code (aegis_core::Error::TABLE)."""

ENDORSEMENT_HIERARCHY: int
"""TPM_RH_ENDORSEMENT (0x4000000B): its Name and qualified Name are the handle itself."""

@disjoint_base
class AegisError(Exception):
    """Base class of every error Aegis raises; `code` is the stable C status."""

    def __new__(cls, message: str, code: int, name: str) -> Self: ...
    @property
    def code(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def message(self) -> str: ...

# BEGIN GENERATED errors: scripts/gen_errors.py, do not edit (make errors)
class UsageError(AegisError, ValueError):
    """Codes 1000-1999 (Usage): The call itself is wrong (an unusable argument), or the crypto
    library failed."""

class ParseError(AegisError):
    """Codes 2000-2999 (Parse): A structure or file could not be parsed strictly
    (VERIFIER-CHECKS.md item 1)."""

class SignatureError(AegisError):
    """Codes 3000-3999 (Signature): The signature, its scheme, its size or its hash (items 1, 3 to
    5)."""

class AttestationError(AegisError):
    """Codes 4000-4999 (Attestation): The attestation structure: magic, type, nonce, signer, clock
    (items 5 to 10)."""

class PcrError(AegisError):
    """Codes 5000-5999 (Pcr): The quote's PCR selection, banks and digest (items 11 and 12)."""

class KeyPolicyError(AegisError):
    """Codes 6000-6999 (KeyPolicy): Key attributes, shapes and the key allow-list (items 13 and
    15)."""

class EkError(AegisError):
    """Codes 7000-7999 (Ek): EK certificate and credential activation (item 14)."""

class LocationError(AegisError):
    """Codes 8000-8999 (Location): Location evidence (item 16)."""

class BackendError(AegisError):
    """Codes 9000-9999 (Backend): A TPM backend operation."""

class GeoError(AegisError):
    """Codes 10000-10999 (Geo): Jurisdictions from coordinates and geofence policy (FORMATS.md,
    Jurisdictions)."""

class ResultError(AegisError):
    """Codes 11000-11999 (Result): Attestation results: EAR tokens (FORMATS.md, EAR) and
    evidence-bundle appraisal."""

class TokenError(AegisError):
    """Codes 12000-12999 (Token): Proof tokens (FORMATS.md, Proof tokens: DPoR, DPoG, WIMSE) and
    the replay cache."""

class SvidError(AegisError):
    """Codes 13000-13999 (Svid): X.509-SVIDs: the AttestedClaims and CMW extensions, SPIFFE checks,
    the gateway decision."""
# END GENERATED errors

@final
class AttestationKey:
    """An Attestation Key to verify quotes and certifications with."""

    @staticmethod
    def from_tpm_public(data: Buffer, *, key_policy: KeyPolicy | None = None) -> AttestationKey: ...
    @staticmethod
    def from_bare_key_unchecked(spki: Buffer, scheme: str = "rsassa", hash: str = "sha256") -> AttestationKey: ...
    @property
    def name(self) -> bytes | None: ...
    @property
    def is_checked(self) -> bool: ...
    @property
    def scheme(self) -> str: ...
    @property
    def hash(self) -> str | None: ...

@final
class KeyPolicy:
    """A key allow-list: RSA sizes and curves accepted for an AK or an App Key."""

    def __new__(cls, *, rsa_bits: Iterable[int] | None = None, curves: Iterable[str] | None = None) -> Self: ...
    @property
    def rsa_bits(self) -> list[int]: ...
    @property
    def curves(self) -> list[str]: ...
    def __eq__(self, value: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class GeofencePolicy:
    """A geofence policy (docs/geofence-policy.md)."""

    @staticmethod
    def from_json(data: str | Buffer) -> GeofencePolicy: ...
    def evaluate(self, location: str | Buffer, *, now: int, network_verified: bool = False) -> GeofenceDecision:
        """Evaluates one location event (JSON) against the policy."""
    def check_pcr_references(self, pcrs: Buffer | Mapping[str, Mapping[int, Buffer]]) -> None: ...

@final
class GeofenceReason:
    """One reason of a geofence decision: a rule that passed or denied."""

    @property
    def rule(self) -> str: ...
    @property
    def passed(self) -> bool: ...
    @property
    def code(self) -> int | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def message(self) -> str: ...

@final
class GeofenceDecision:
    """The decision of a geofence policy on one reading, with every reason."""

    @property
    def allowed(self) -> bool: ...
    @property
    def verdict(self) -> str: ...
    @property
    def reasons(self) -> list[GeofenceReason]: ...
    @property
    def resolution(self) -> dict[str, Any] | None: ...
    def to_json(self) -> str: ...

@final
class ClockInfo:
    """TPMS_CLOCK_INFO as signed."""

    def __new__(cls, clock: int, reset_count: int, restart_count: int, safe: bool) -> Self: ...
    @property
    def clock(self) -> int: ...
    @property
    def reset_count(self) -> int: ...
    @property
    def restart_count(self) -> int: ...
    @property
    def safe(self) -> bool: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class VerifiedQuote:
    """A quote whose signature, structure, freshness and PCR digest were verified."""

    @property
    def pcrs(self) -> dict[str, dict[int, bytes]]: ...
    @property
    def selection(self) -> dict[str, list[int]]: ...
    @property
    def clock(self) -> ClockInfo: ...
    @property
    def firmware_version(self) -> int: ...
    @property
    def hash(self) -> str: ...
    @property
    def qualified_signer(self) -> bytes: ...

@final
class VerifiedCertification:
    """A TPM2_Certify whose signature, structure, freshness and certified Name were verified."""

    @property
    def name(self) -> bytes: ...
    @property
    def qualified_name(self) -> bytes: ...
    @property
    def public(self) -> bytes: ...
    def spki(self) -> bytes: ...
    @property
    def clock(self) -> ClockInfo: ...
    @property
    def firmware_version(self) -> int: ...
    @property
    def qualified_signer(self) -> bytes: ...

def parse_pcrs(data: Buffer) -> dict[str, dict[int, bytes]]: ...
def verify_quote(
    ak: AttestationKey,
    attest: Buffer,
    signature: Buffer,
    pcrs: Buffer | Mapping[str, Mapping[int, Buffer]],
    nonce: Buffer,
    *,
    require_pcrs: Mapping[str, Iterable[int]] | None = None,
    allow_sha1: bool = False,
    hashes: Sequence[str] | None = None,
    expected_signer: Buffer | None = None,
    previous_clock: ClockInfo | None = None,
) -> VerifiedQuote: ...
def verify_certify(
    ak: AttestationKey,
    app_key: Buffer,
    attest: Buffer,
    signature: Buffer,
    nonce: Buffer,
    *,
    allow_sha1: bool = False,
    hashes: Sequence[str] | None = None,
    expected_signer: Buffer | None = None,
    previous_clock: ClockInfo | None = None,
    key_policy: KeyPolicy | None = None,
) -> VerifiedCertification: ...

def inspect(data: Buffer, structure: str | None = None) -> dict[str, Any]: ...

@final
class SovereignAttestation:
    """The AegisSovereignAI PoC's SovereignAttestation (unverified; unknown members kept)."""

    @staticmethod
    def from_json(data: Buffer | str) -> SovereignAttestation: ...
    def to_json(self) -> str: ...
    def with_app_key_tpm_public(self, data: Buffer) -> SovereignAttestation: ...
    @property
    def app_key_public(self) -> str: ...
    @property
    def challenge_nonce(self) -> str: ...
    @property
    def keylime_agent_uuid(self) -> str | None: ...
    @property
    def workload_code_hash(self) -> str | None: ...
    @property
    def app_key_tpm_public(self) -> bytes | None: ...

def verify_sovereign_attestation(
    ak: AttestationKey,
    attestation: SovereignAttestation,
    nonce_hex: str,
    *,
    allow_sha1: bool = False,
    hashes: Sequence[str] | None = None,
    expected_signer: Buffer | None = None,
    previous_clock: ClockInfo | None = None,
    key_policy: KeyPolicy | None = None,
) -> VerifiedCertification: ...
def poc_qualifying_data(app_key_pem: str, nonce_hex: str) -> bytes: ...

@final
class PocLocationLog:
    """The AegisSovereignAI PoC's PCR 15 location log (unverified)."""

    @staticmethod
    def from_json(data: Buffer | str) -> PocLocationLog: ...
    def to_json(self) -> str: ...
    def replay(self) -> bytes: ...
    def __len__(self) -> int: ...

def verify_poc_location(log: PocLocationLog, quote: VerifiedQuote, nonce_hex: str) -> dict[str, Any]: ...

@final
class EkTrustStore:
    """Manufacturer CA certificates trusted for EK certificates (roots and intermediates)."""

    def __new__(cls) -> Self: ...
    def add_root(self, data: Buffer) -> None: ...
    def add_intermediate(self, data: Buffer) -> None: ...
    @property
    def root_count(self) -> int: ...
    @property
    def intermediate_count(self) -> int: ...

@final
class VerifiedEk:
    """An EK certificate verified against a store, at a time, for an EK public area."""

    @property
    def name(self) -> bytes: ...
    @property
    def qualified_name(self) -> bytes: ...
    @property
    def public(self) -> bytes: ...
    @property
    def subject(self) -> str: ...
    @property
    def issuer(self) -> str: ...
    @property
    def serial(self) -> str: ...
    @property
    def chain_len(self) -> int: ...

@final
class MadeCredential:
    """The output of TPM2_MakeCredential."""

    @staticmethod
    def from_tpm2_tools_file(data: Buffer) -> MadeCredential: ...
    @property
    def credential_blob(self) -> bytes: ...
    @property
    def encrypted_secret(self) -> bytes: ...
    def to_tpm2_tools_file(self) -> bytes: ...

def verify_ek_certificate(store: EkTrustStore, cert: Buffer, ek_public: Buffer, now: int) -> VerifiedEk: ...
def make_credential(ek_public: Buffer, ak_name: Buffer, secret: Buffer) -> MadeCredential: ...
def check_activated(expected: Buffer, activated: Buffer) -> None: ...
def qualified_name(name: Buffer, parent_qualified: Buffer) -> bytes: ...
def name_of_handle(handle: int) -> bytes: ...

# --- Keys, signatures, signing (sign.rs) ---------------------------------------------------------

@final
class PublicKey:
    """An RSA or EC public key, from a SubjectPublicKeyInfo (DER or PEM) or a TPM public area
    (TPM2B_PUBLIC or TPMT_PUBLIC). Keys compare equal when they are the same key."""

    @staticmethod
    def from_spki(data: Buffer) -> PublicKey:
        """A SubjectPublicKeyInfo as DER, or PEM labelled "PUBLIC KEY"."""
    @staticmethod
    def from_tpm_public(data: Buffer) -> PublicKey:
        """The key of a TPM2B_PUBLIC or TPMT_PUBLIC (attributes not checked)."""
    def to_spki_der(self) -> bytes:
        """The key as a DER SubjectPublicKeyInfo."""
    @property
    def kind(self) -> Literal["rsa", "ecc"]: ...
    @property
    def curve(self) -> str | None:
        """"P-256", "P-384", "P-521" for an EC key; None for RSA."""
    @property
    def bits(self) -> int:
        """RSA modulus size, or the curve's field size, in bits."""
    def __eq__(self, value: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

def verify_signature(
    key: PublicKey,
    scheme: str,
    message: Buffer,
    signature: Buffer,
    *,
    format: str = "raw",
    allow_sha1: bool = False,
) -> None:
    """Verifies `signature` over `message`; raises the AegisError of the failed check.

    scheme: "rsassa-<hash>", "rsapss-<hash>" or "ecdsa-<hash>" (hash "sha256", "sha384",
    "sha512"; "sha1" only with allow_sha1). format: "raw" (RSA bytes, ECDSA r||s), "der"
    (ECDSA-Sig-Value) or "tpmt" (TPMT_SIGNATURE)."""

@final
class PrivateKey:
    """A software private key (ECDSA P-256/P-384, RSA 2048-4096); repr shows no key material."""

    @staticmethod
    def generate(kind: str) -> PrivateKey:
        """kind: "ecc-p256", "ecc-p384", "rsa-2048", "rsa-3072" or "rsa-4096"."""
    @staticmethod
    def from_pem(data: Buffer) -> PrivateKey:
        """A PEM "PRIVATE KEY" (PKCS#8), "EC PRIVATE KEY" or "RSA PRIVATE KEY" block."""
    def to_pem(self) -> bytes:
        """The key as an unencrypted PKCS#8 "PRIVATE KEY" PEM block."""
    @property
    def public_key(self) -> PublicKey: ...
    def sign(self, message: Buffer, scheme: str, *, format: str = "raw") -> bytes:
        """Signs `message` under `scheme` (as for verify_signature, never SHA-1) in `format`."""

# --- EAR attestation-result tokens (ear.rs) ------------------------------------------------------

@final
class Ear:
    """A verified EAR (draft-ietf-rats-ear); only verify_ear makes one."""

    @property
    def claims(self) -> dict[str, Any]:
        """The claims, as JSON in the token's own dialect."""
    @property
    def dialect(self) -> str:
        """"ietf-04", "ietf-03" or "veraison", from the token's eat_profile."""
    @property
    def format(self) -> str:
        """"jwt" or "cwt"."""
    @property
    def algorithm(self) -> str:
        """"ES256", "ES384" or "PS256"."""

def verify_ear(
    key: PublicKey,
    token: Buffer | str,
    *,
    now: int,
    nonce: Buffer | None = None,
    algorithms: Sequence[str] | None = None,
) -> Ear:
    """Verifies an EAR token (a JWT, or a CWT in binary or base64); raises the AegisError of the
    failed check (ResultError with .name EarExpired, EarNonceMismatch, ...)."""

def sign_ear_jwt(key: PrivateKey, claims: dict[str, Any] | str | Buffer, *, dialect: str = "ietf-04") -> str:
    """Signs EAR claims (JSON in any dialect) as a JWT: ES256, ES384 or PS256 by the key."""

def sign_ear_cwt(key: PrivateKey, claims: dict[str, Any] | str | Buffer, *, dialect: str = "ietf-04") -> bytes:
    """Signs EAR claims as a CWT (tagged COSE_Sign1, deterministic CBOR)."""

# --- Proof tokens: DPoR, DPoG, WIMSE WPT (token.rs) ----------------------------------------------

@final
class ReplayCache:
    """A bounded in-memory replay cache for proof-token jtis, shared by verifications on many
    threads; a full cache fails closed (ReplayCacheFull)."""

    def __new__(cls, capacity: int) -> Self: ...
    def __len__(self) -> int: ...

@final
class VerifiedProof:
    """A DPoR or DPoG proof that passed every check; only verify_proof makes one."""

    @property
    def kind(self) -> str:
        """"dpor" or "dpog"."""
    @property
    def algorithm(self) -> str:
        """"ES256", "ES384" or "PS256"."""
    @property
    def jkt(self) -> str:
        """The proof key's RFC 7638 thumbprint (base64url)."""
    @property
    def jti(self) -> str: ...
    @property
    def iat(self) -> int: ...
    @property
    def location(self) -> dict[str, Any] | None:
        """DPoG's verified location claims; None for DPoR."""

@final
class VerifiedWpt:
    """A WIMSE workload proof token that passed every check; only verify_wpt makes one."""

    @property
    def jkt(self) -> str: ...
    @property
    def jti(self) -> str: ...
    @property
    def exp(self) -> int: ...

def verify_svid(
    chain_pem: Buffer, bundle_pem: Buffer, *, now: int, trust_domain: str | None = None
) -> dict[str, Any]:
    """Verifies an X.509-SVID chain against a trust bundle (SPIFFE X509-SVID)."""

def attested_claims_extension(claims_json: Buffer) -> tuple[str, bytes, bool]:
    """The AttestedClaims extension (OID, DER extnValue, critical) for a CredentialComposer."""

def cmw_extension(
    token: Buffer, *, form: str = "jwt", dialect: str = "ietf-04"
) -> tuple[str, bytes, bool]:
    """The CMW extension (OID, DER extnValue, critical) carrying a signed EAR."""

@final
class NetworkVerifier:
    """A network location verifier for gateway_check (CAMARA Device Location Verification):
    callback(query) -> (verdict "true" | "false" | "partial" | "unknown", located_at), cached
    for cache_ttl_s seconds; an exception in the callback denies (docs/gateway.md)."""

    def __new__(
        cls, callback: Callable[[dict[str, Any]], tuple[str, int]], *, cache_ttl_s: int = 900
    ) -> Self: ...

def gateway_check(
    chain_pem: Buffer,
    bundle_pem: Buffer,
    policy_json: Buffer,
    ear_key: PublicKey,
    *,
    now: int,
    network: NetworkVerifier | None = None,
) -> dict[str, Any]:
    """A gateway's decision on a client's X.509-SVID chain (docs/gateway.md)."""

# --- X.509-SVID issuance (svid.rs) ---------------------------------------------------------------

def issue_svid_ca(
    key: PrivateKey, *, trust_domain: str, organisation: str, serial: Buffer, not_before: int, not_after: int
) -> bytes:
    """Issues a self-signed SPIFFE signing CA for a trust domain; returns its DER."""

def issue_svid(
    issuer_key: PrivateKey,
    issuer: Buffer,
    *,
    spiffe_id: str,
    public_key: PublicKey,
    serial: Buffer,
    not_before: int,
    not_after: int,
    attested_claims: Buffer | None = None,
    ear: str | Buffer | None = None,
    ear_form: str = "jwt",
    ear_dialect: str = "ietf-04",
) -> bytes:
    """Issues a leaf X.509-SVID (with the AttestedClaims and CMW extensions); returns its DER."""

def jwk_thumbprint(key: PublicKey) -> str:
    """The RFC 7638 JWK thumbprint of a public key (SHA-256, base64url)."""

def mint_dpor(
    key: PrivateKey,
    *,
    htm: str,
    htu: str,
    iat: int,
    jti: str,
    nonce: str | None = None,
    access_token: str | Buffer | None = None,
) -> str:
    """Mints a DPoR proof (typ dpor+jwt) signed with the App Key: ES256, ES384 or PS256 by the key."""

def mint_dpog(
    key: PrivateKey,
    location: dict[str, Any] | str | Buffer,
    *,
    htm: str,
    htu: str,
    iat: int,
    jti: str,
    nonce: str | None = None,
    access_token: str | Buffer | None = None,
) -> str:
    """Mints a DPoG proof (typ dpog+jwt): a DPoR proof plus the location claims."""

def mint_wpt(
    key: PrivateKey,
    *,
    aud: str,
    exp: int,
    jti: str,
    wit: str | Buffer,
    access_token: str | Buffer | None = None,
    other: Mapping[str, str | Buffer] | None = None,
) -> str:
    """Mints a WIMSE workload proof token (typ wpt+jwt, draft-ietf-wimse-wpt-02)."""

def verify_proof(
    token: str | Buffer,
    *,
    kind: Literal["dpor", "dpog"],
    htm: str,
    htu: str,
    now: int,
    ear: Ear,
    ear_max_age: int,
    replay_cache: ReplayCache,
    nonce: str | None = None,
    access_token: str | Buffer | None = None,
    cnf_jkt: str | None = None,
    allowed_countries: Sequence[str] | None = None,
    algorithms: Sequence[str] | None = None,
    max_age: int = 60,
    max_skew: int = 5,
) -> VerifiedProof:
    """Verifies a DPoR or DPoG proof as a resource server (RFC 9449 checks, residency in the EAR,
    DPoG location, jti replay); raises the TokenError of the failed check."""

def verify_wpt(
    token: str | Buffer,
    *,
    aud: str,
    wit: str | Buffer,
    now: int,
    ear: Ear,
    ear_max_age: int,
    replay_cache: ReplayCache,
    wit_jkt: str | None = None,
    access_token: str | Buffer | None = None,
    algorithms: Sequence[str] | None = None,
    max_lifetime: int = 300,
    other: Mapping[str, str | Buffer] | None = None,
) -> VerifiedWpt:
    """Verifies a WIMSE workload proof token (aud, exp, wth, tth, oth, wit_jkt, residency, jti)."""

# --- Credential activation (binding.rs) ----------------------------------------------------------

@final
class ActivationChallenge:
    """A credential for an AK's Name protected to an EK (a VerifiedEk: certified, or the EK's
    TPM2B_PUBLIC/TPMT_PUBLIC bytes: uncertified); `complete` checks the recovered secret once."""

    def __new__(cls, ek: VerifiedEk | Buffer, ak: AttestationKey) -> Self: ...
    @property
    def credential_blob(self) -> bytes:
        """TPM2B_ID_OBJECT, size-prefixed."""
    @property
    def encrypted_secret(self) -> bytes:
        """TPM2B_ENCRYPTED_SECRET, size-prefixed."""
    def to_tpm2_tools_file(self) -> bytes:
        """The file `tpm2_activatecredential -i` reads."""
    @property
    def ak_name(self) -> bytes: ...
    @property
    def completed(self) -> bool: ...
    def complete(self, activated: Buffer) -> AkBinding:
        """The binding if `activated` is the secret (else EkError CredentialMismatch); once only."""

@final
class AkBinding:
    """Proof that the AK of this Name is resident in the TPM holding the EK."""

    @property
    def ak_name(self) -> bytes: ...
    @property
    def ek_certified(self) -> bool: ...
    def check_ak(self, ak: AttestationKey) -> None:
        """None if `ak` is the bound AK, else EkError AkBindingMismatch."""

# --- Appraisal (appraise.rs) ---------------------------------------------------------------------

@final
class CheckOutcome:
    """How one check of an appraisal ended."""

    @property
    def check(self) -> str:
        """"ak-binding", "app-key-certification", "quote", "location-log", "app-key-possession"."""
    @property
    def outcome(self) -> Literal["passed", "failed", "skipped"]: ...
    @property
    def error(self) -> AegisError | None:
        """The error of a failed check."""
    @property
    def reason(self) -> str | None:
        """Why a skipped check did not run."""

@final
class Appraisal:
    """Every check's outcome, what they establish and not, and the verified parts."""

    @property
    def passed(self) -> bool: ...
    @property
    def outcomes(self) -> list[CheckOutcome]: ...
    @property
    def established(self) -> list[str]: ...
    @property
    def not_established(self) -> list[str]: ...
    @property
    def quote(self) -> VerifiedQuote | None: ...
    @property
    def certification(self) -> VerifiedCertification | None: ...
    @property
    def location(self) -> VerifiedLocation | None: ...

@final
class VerifiedLocation:
    """The location log as the location check verified it, and its current event."""

    @property
    def event_count(self) -> int: ...
    @property
    def pcr(self) -> tuple[str, int]: ...
    @property
    def current_json(self) -> str:
        """The current event's canonical JSON, as measured."""
    @property
    def current(self) -> dict[str, Any]: ...

def appraise(
    ak: AttestationKey,
    binding: AkBinding | None,
    *,
    app_key: Buffer,
    certify_attest: Buffer,
    certify_signature: Buffer,
    quote_attest: Buffer,
    quote_signature: Buffer,
    pcrs: Buffer | Mapping[str, Mapping[int, Buffer]],
    certify_nonce: Buffer,
    quote_nonce: Buffer,
    location_log: Buffer | None = None,
    location_pcr: tuple[str, int] | None = ("sha256", 15),
    possession: tuple[Buffer, str, Buffer] | tuple[Buffer, str, Buffer, str] | None = None,
    allow_sha1: bool = False,
    key_policy: KeyPolicy | None = None,
) -> Appraisal:
    """Runs every check of one attestation and returns their outcomes (the GIL released)."""

@final
class Resolution:
    """The jurisdiction(s) of a reading (a circle), from `geo_resolve`."""

    @property
    def status(self) -> Literal["resolved", "ambiguous", "unresolved"]: ...
    @property
    def country(self) -> str | None: ...
    @property
    def subdivision(self) -> str | None: ...
    @property
    def subdivision_candidates(self) -> list[str]: ...
    @property
    def candidates(self) -> list[str]: ...
    @property
    def country_exclave(self) -> bool: ...
    @property
    def enclosing_exclave_country(self) -> str | None: ...
    def to_json(self) -> str:
        """The resolution as the JSON object `aegis geo resolve` prints."""
    def __eq__(self, value: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

def geo_resolve(latitude: float, longitude: float, accuracy_m: float = 0.0) -> Resolution:
    """The ISO 3166-1 country and ISO 3166-2 subdivision of a reading, offline."""

# --- Evidence bundle (bundle.rs) -----------------------------------------------------------------

@final
class EvidenceBundle:
    """What an attester sends for one attestation (docs/evidence-bundle.md)."""

    @staticmethod
    def from_json(data: str | Buffer) -> EvidenceBundle:
        """Reads a bundle; EvidenceBundleInvalid names the member at fault."""
    def to_json(self) -> bytes: ...
    @property
    def nonce(self) -> bytes: ...

@final
class EnrolmentRecord:
    """The verifier's record of an AK's binding to an EK (docs/evidence-bundle.md)."""

    @staticmethod
    def from_json(data: str | Buffer) -> EnrolmentRecord: ...
    def to_json(self) -> str: ...
    @property
    def ak_name(self) -> bytes: ...

@final
class AttestationResult:
    """The status, the submods' statuses, the failed checks and the location's country."""

    @property
    def status(self) -> Literal["affirming", "warning", "contraindicated", "none"]: ...
    @property
    def submods(self) -> dict[str, str]:
        """Submod name -> status, in order (platform, workload-key, location)."""
    @property
    def failures(self) -> list[tuple[str, str, AegisError]]:
        """(submod, check, error) of every failed check, in order."""
    @property
    def country(self) -> str | None: ...
    def to_json(self) -> str:
        """The result as `aegis appraise` prints it (without the token)."""
    def sign_jwt(self, key: PrivateKey, *, iat: int, exp: int, dialect: str = "ietf-04") -> str:
        """The result as an EAR issued by Aegis at iat, valid until exp, signed as a JWT."""
    def sign_cwt(self, key: PrivateKey, *, iat: int, exp: int, dialect: str = "ietf-04") -> bytes:
        """The result as an EAR, as sign_jwt makes it, signed as a CWT (COSE_Sign1)."""
    def attested_claims(self, reading: str | Buffer | None = None) -> str:
        """The grc.* AttestedClaims JSON for this result (reading: the appraised location event)."""

def appraise_bundle(
    bundle: EvidenceBundle,
    *,
    nonce: Buffer,
    ek_roots: EkTrustStore | None = None,
    enrolment: EnrolmentRecord | None = None,
    geofence: str | Buffer | None = None,
    time: int | None = None,
    network_verified: bool = False,
    require_ek_certificate: bool = True,
) -> AttestationResult:
    """Appraises an evidence bundle into an attestation result (the GIL released)."""

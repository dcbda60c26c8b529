"""Type stubs of the native module aegis._aegis (checked against it by mypy's stubtest)."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, final

from typing_extensions import Self, disjoint_base

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
    # END GENERATED errors
    "AttestationKey",
    "ClockInfo",
    "EkTrustStore",
    "MadeCredential",
    "VerifiedCertification",
    "VerifiedEk",
    "VerifiedQuote",
    "check_activated",
    "inspect",
    "make_credential",
    "name_of_handle",
    "parse_pcrs",
    "qualified_name",
    "verify_certify",
    "verify_ek_certificate",
    "verify_quote",
    "__version__",
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
class UsageError(AegisError):
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
# END GENERATED errors

@final
class AttestationKey:
    """An Attestation Key to verify quotes and certifications with."""

    @staticmethod
    def from_tpm_public(data: bytes) -> AttestationKey: ...
    @staticmethod
    def from_bare_key_unchecked(spki: bytes, scheme: str = "rsassa", hash: str = "sha256") -> AttestationKey: ...
    @property
    def name(self) -> bytes | None: ...
    @property
    def is_checked(self) -> bool: ...
    @property
    def scheme(self) -> str: ...
    @property
    def hash(self) -> str | None: ...

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

def parse_pcrs(data: bytes) -> dict[str, dict[int, bytes]]: ...
def verify_quote(
    ak: AttestationKey,
    attest: bytes,
    signature: bytes,
    pcrs: bytes | Mapping[str, Mapping[int, bytes]],
    nonce: bytes,
    *,
    require_pcrs: Mapping[str, Iterable[int]] | None = None,
    allow_sha1: bool = False,
    hashes: Sequence[str] | None = None,
    expected_signer: bytes | None = None,
    previous_clock: ClockInfo | None = None,
) -> VerifiedQuote: ...
def verify_certify(
    ak: AttestationKey,
    app_key: bytes,
    attest: bytes,
    signature: bytes,
    nonce: bytes,
    *,
    allow_sha1: bool = False,
    hashes: Sequence[str] | None = None,
    expected_signer: bytes | None = None,
    previous_clock: ClockInfo | None = None,
) -> VerifiedCertification: ...

def inspect(data: bytes, structure: str | None = None) -> dict[str, Any]: ...

@final
class EkTrustStore:
    """Manufacturer CA certificates trusted for EK certificates (roots and intermediates)."""

    def __new__(cls) -> Self: ...
    def add_root(self, data: bytes) -> None: ...
    def add_intermediate(self, data: bytes) -> None: ...
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
    def from_tpm2_tools_file(data: bytes) -> MadeCredential: ...
    @property
    def credential_blob(self) -> bytes: ...
    @property
    def encrypted_secret(self) -> bytes: ...
    def to_tpm2_tools_file(self) -> bytes: ...

def verify_ek_certificate(store: EkTrustStore, cert: bytes, ek_public: bytes, now: int) -> VerifiedEk: ...
def make_credential(ek_public: bytes, ak_name: bytes, secret: bytes) -> MadeCredential: ...
def check_activated(expected: bytes, activated: bytes) -> None: ...
def qualified_name(name: bytes, parent_qualified: bytes) -> bytes: ...
def name_of_handle(handle: int) -> bytes: ...

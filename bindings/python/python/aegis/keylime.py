"""Drop-ins for Keylime's quote check, `keylime.tpm.tpm_util.checkquote`.

Needs the `keylime` extra (`pip install 'aegis[keylime]'`, which installs `cryptography`):
without it, `import aegis.keylime` raises ImportError naming the extra. `aegis` itself needs
nothing beyond the standard library.

`checkquote` has keylime's exact signature and return value ({PCR index: hex value} of the
`exp_hash_alg` PCR bank) and raises where keylime raises: a `ValueError` for a refused quote and
cryptography's `InvalidSignature` for a bad signature, both also `AegisError`s with the code and
name of the failed check (the grouped Aegis exception is the `__cause__`).

`exp_hash_alg` is read as Keylime's agent configuration means it (`tpm_hash_alg`, the bank of
`tpm2_quote -l <alg>:<pcrs>`): the PCR bank whose values are checked and returned. The
signature's hash is the quote's own, taken when it is on the allow-list: sha256, sha384, sha512,
and sha1 only when `exp_hash_alg` is "sha1". So a P-384 AK's ECDSA-SHA384 quote over the
SHA-256 bank passes with exp_hash_alg="sha256" (keylime's own checkquote requires the signature
hash to equal exp_hash_alg and refuses it; for every quote keylime accepts, the result is the
same).

Where it is stricter than keylime's own checkquote:
  - the SIGNED PCR selection decides: a pcrblob whose selection differs from the one in the
    quote (extra PCRs or banks, or missing ones) is refused. keylime recomputes the digest from
    the pcrblob's own selection and accepts such a blob when the digest happens to match, which
    lets an agent report PCR 16's value as PCR 15 (the tpm2-tools CVE-2024-29039 pattern);
  - every structure is parsed strictly (sizes, trailing bytes, magic, attestation type);
  - the signed selection must hold the `exp_hash_alg` bank (RequiredPcrMissing otherwise);
    a SHA-1 signature is taken only when `exp_hash_alg` is "sha1", an explicit choice of the
    caller;
  - SHA-1 anywhere else is refused too unless `exp_hash_alg` is "sha1" (Aegis's one SHA-1
    switch): a quote whose signed selection includes a SHA-1 PCR bank (PcrBankNotAllowed), an
    AK with a SHA-1 nameAlg (NameAlgNotAllowed). keylime returns the `exp_hash_alg` bank of such
    a quote.

THE AK CHECK KEYLIME CANNOT MAKE: keylime hands checkquote the AK as a bare PEM public key. A bare
key cannot show that the AK is a *restricted* signing key, and only a restricted key guarantees
that a structure starting with TPM_GENERATED_VALUE came from the TPM (a non-restricted key can
sign a forged TPMS_ATTEST: VERIFIER-CHECKS.md item 13). `checkquote` therefore verifies with
`AttestationKey.from_bare_key_unchecked` and proves nothing about the AK. Use `checkquote_tpm2b`,
which takes the AK's TPM2B_PUBLIC as Keylime's registrar stores it (`aik_tpm`) and refuses an AK
that is not restricted, fixedTPM, fixedParent and sensitiveDataOrigin.

To use it inside Keylime, replace the function keylime's verifier calls:

    import keylime.tpm.tpm_util
    import aegis.keylime
    keylime.tpm.tpm_util.checkquote = aegis.keylime.checkquote
"""

from __future__ import annotations

import base64
import binascii
from typing import Callable, TypeVar, Union

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
except ImportError:  # exercised by tests/test_wheel.py (a bare venv) and test_pythonic.py
    # (No `as e`: a module-level name would outlive the block; the original error is the
    # __context__.)
    raise ImportError(
        "aegis.keylime needs the 'keylime' extra: pip install 'aegis[keylime]' "
        "(it installs cryptography, which raises keylime's InvalidSignature)",
        name=__name__,
    )

from aegis._aegis import ERROR_CODES, AegisError, AttestationKey, VerifiedQuote, inspect, verify_quote

__all__ = ["CheckquoteError", "CheckquoteSignatureError", "checkquote", "checkquote_tpm2b"]

_T = TypeVar("_T")


class CheckquoteError(AegisError, ValueError):
    """A quote refused by `checkquote`: a `ValueError` as keylime raises, and an `AegisError`
    with the code and name of the failed check."""


class CheckquoteSignatureError(CheckquoteError, InvalidSignature):
    """The quote's signature does not verify: also cryptography's `InvalidSignature`, which is
    what keylime's checkquote raises for it."""


def _keylime_error(e: AegisError) -> CheckquoteError:
    cls = CheckquoteSignatureError if e.name == "SignatureInvalid" else CheckquoteError
    return cls(e.message, e.code, e.name)


def _refuse(name: str, message: str) -> CheckquoteError:
    return CheckquoteError(message, ERROR_CODES[name], name)


def _guard(call: Callable[[], _T]) -> _T:
    """Runs `call`, turning an AegisError into the keylime-compatible exception."""
    try:
        return call()
    except CheckquoteError:
        raise
    except AegisError as e:
        raise _keylime_error(e) from e


def _nonces(nonce: Union[str, bytes]) -> list[bytes]:
    """The extraData values keylime's checkquote accepts for `nonce`, in its order: the raw
    nonce (pull mode), then for a str its base64 decoding (push mode)."""
    if isinstance(nonce, (bytes, bytearray, memoryview)):
        return [bytes(nonce)]
    candidates = [nonce.encode("utf-8")]
    try:
        decoded = base64.b64decode(nonce)
    except (binascii.Error, ValueError):
        return candidates
    if decoded and decoded not in candidates:
        candidates.append(decoded)
    return candidates


_BANKS = ("sha1", "sha256", "sha384", "sha512")


def _check_bank(exp_hash_alg: str) -> None:
    if exp_hash_alg not in _BANKS:
        raise _refuse("InvalidArgument", f"exp_hash_alg must be one of {', '.join(_BANKS)}, not {exp_hash_alg!r}")


def _verify(
    ak: AttestationKey,
    nonce: Union[str, bytes],
    sigblob: bytes,
    quoteblob: bytes,
    pcrblob: bytes,
    exp_hash_alg: str,
) -> dict[int, str]:
    def attempt(candidate: bytes) -> VerifiedQuote:
        # The signature hash: the default allow-list (sha256, sha384, sha512), plus sha1 only
        # when the caller expects the sha1 bank. The bank is checked by _pcr_bank.
        return verify_quote(ak, quoteblob, sigblob, pcrblob, candidate, allow_sha1=exp_hash_alg == "sha1")

    *first, last = _nonces(nonce)
    quote: VerifiedQuote | None = None
    for candidate in first:
        try:
            quote = attempt(candidate)
            break
        except AegisError as e:
            # The next accepted reading of the nonce may still match; any other failure is final.
            if e.name != "NonceMismatch":
                raise _keylime_error(e) from e
    if quote is None:
        quote = _guard(lambda: attempt(last))
    return _pcr_bank(quote, exp_hash_alg)


def _pcr_bank(quote: VerifiedQuote, exp_hash_alg: str) -> dict[int, str]:
    """keylime's return value: {index: hex value} of the `exp_hash_alg` bank."""
    bank = quote.pcrs.get(exp_hash_alg)
    if bank is None:
        raise _refuse("RequiredPcrMissing", f"the signed PCR selection has no {exp_hash_alg} bank")
    return {index: value.hex() for index, value in bank.items()}


def _signature_hash(sigblob: bytes, exp_hash_alg: str) -> str:
    """The hash named by the quote's TPMT_SIGNATURE: the bare PEM key carries no scheme, so the
    signature's own hash is the one to verify with, and the allow-list in `_verify` decides
    whether it is taken. A signature without one (NULL, malformed) gets `exp_hash_alg`, so that
    `verify_quote` names what is wrong with it, in its order of checks."""
    try:
        hash_name = inspect(sigblob, "tpmt_signature").get("hash")
    except AegisError:
        return exp_hash_alg
    return hash_name if isinstance(hash_name, str) and hash_name in _BANKS else exp_hash_alg


def checkquote(
    aikblob: bytes, nonce: str, sigblob: bytes, quoteblob: bytes, pcrblob: bytes, exp_hash_alg: str
) -> dict[int, str]:
    """keylime.tpm.tpm_util.checkquote, verified by Aegis.

    WARNING: the AK is a bare key, so this cannot check that it is a restricted key (see the
    module docstring): prefer `checkquote_tpm2b`.

    Args:
        aikblob: the AK as a PEM public key (RSA: RSASSA quotes, EC: ECDSA quotes, as keylime).
        nonce: the nonce (str or bytes), compared raw and then, for a str, base64-decoded
            (keylime's pull and push modes).
        sigblob: the quote's TPMT_SIGNATURE (`tpm2_quote -s`); its hash is the quote's
            signature hash, taken if on the allow-list (sha256, sha384, sha512; sha1 only when
            exp_hash_alg is "sha1").
        quoteblob: the TPMS_ATTEST (`tpm2_quote -m`).
        pcrblob: the tpm2-tools PCR file (`tpm2_quote -o`); its selection must be the signed one.
        exp_hash_alg: the PCR bank whose values are checked and returned: "sha256", "sha384",
            "sha512" or "sha1" (which also allows a SHA-1 signature and SHA-1 banks).

    Returns:
        dict[int, str]: {PCR index: lower-case hex value} of the `exp_hash_alg` bank.

    Raises:
        CheckquoteSignatureError: the signature does not verify (also cryptography's
            InvalidSignature and a ValueError).
        CheckquoteError: any other refusal (a ValueError and an AegisError whose `.name` names
            the failed check, e.g. "NonceMismatch", "PcrDigestMismatch", "RequiredPcrMissing").
    """
    _check_bank(exp_hash_alg)
    try:
        pubkey = load_pem_public_key(aikblob)
    except ValueError as e:
        raise _refuse("InvalidFormat", f"aikblob is not a PEM public key: {e}") from e
    if isinstance(pubkey, RSAPublicKey):
        scheme = "rsassa"
    elif isinstance(pubkey, EllipticCurvePublicKey):
        scheme = "ecdsa"
    else:
        raise _refuse("KeyNotAllowed", f"unsupported AK key type {type(pubkey).__name__}")
    hash_name = _signature_hash(sigblob, exp_hash_alg)
    ak = _guard(lambda: AttestationKey.from_bare_key_unchecked(aikblob, scheme, hash_name))
    return _verify(ak, nonce, sigblob, quoteblob, pcrblob, exp_hash_alg)


def checkquote_tpm2b(
    ak_tpm2b_public: Union[str, bytes],
    nonce: str,
    sigblob: bytes,
    quoteblob: bytes,
    pcrblob: bytes,
    exp_hash_alg: str,
) -> dict[int, str]:
    """`checkquote` with the AK given as its TPM2B_PUBLIC, so the AK itself is checked too.

    The AK must be a restricted signing key with fixedTPM, fixedParent and sensitiveDataOrigin;
    its own scheme (RSASSA, RSA-PSS or ECDSA, and its hash, on the allow-list) decides how the
    signature is checked.

    Args:
        ak_tpm2b_public: the AK's TPM2B_PUBLIC as Keylime's registrar stores and returns it
            (`aik_tpm`: a base64 str), or the raw TPM2B_PUBLIC bytes.
        nonce: as for `checkquote`.
        sigblob: as for `checkquote` (TPMT_SIGNATURE).
        quoteblob: as for `checkquote` (TPMS_ATTEST).
        pcrblob: as for `checkquote` (tpm2-tools PCR file).
        exp_hash_alg: as for `checkquote`: the PCR bank checked and returned.

    Returns:
        dict[int, str]: {PCR index: lower-case hex value} of the `exp_hash_alg` bank.

    Raises:
        CheckquoteSignatureError: the signature does not verify.
        CheckquoteError: any other refusal, the AK checks included (e.g. "AkNotRestricted").
    """
    _check_bank(exp_hash_alg)
    if isinstance(ak_tpm2b_public, str):
        try:
            public = base64.b64decode(ak_tpm2b_public, validate=True)
        except (binascii.Error, ValueError) as e:
            raise _refuse("InvalidFormat", f"aik_tpm is not base64: {e}") from e
    else:
        public = ak_tpm2b_public
    ak = _guard(lambda: AttestationKey.from_tpm_public(public))
    return _verify(ak, nonce, sigblob, quoteblob, pcrblob, exp_hash_alg)

"""aegis.keylime.checkquote as a drop-in for keylime.tpm.tpm_util.checkquote.

1. keylime's own unit test of checkquote (keylime/tpm/tpm_util_test.py, shipped in keylime's
   wheel: TestTpmUtil.test_checkquote) runs with its `checkquote` replaced by ours, and passes;
   it also passes with keylime's (so the test itself is live).
2. Every quote vector of testdata/manifest.json goes through keylime's real checkquote and ours:
   where both accept, they return the same {index: hex} dict; where they differ, the difference
   is one of the listed, deliberate ones (above all: ours refuses a pcrblob whose selection
   differs from the signed one, which keylime accepts).
3. checkquote_tpm2b takes the AK's TPM2B_PUBLIC (keylime's `aik_tpm`, base64) and makes the
   restricted-key check that a PEM AK cannot carry.
"""

from __future__ import annotations

import base64
import json
import sys
import unittest
from typing import Any, Callable

import pytest

import aegis
from conftest import TESTDATA, read, vectors

tpm_util = pytest.importorskip("keylime.tpm.tpm_util", reason="keylime is not installed (requirements-dev.txt)")
tpm_util_test = pytest.importorskip("keylime.tpm.tpm_util_test", reason="keylime's wheel ships tpm_util_test")

import aegis.keylime as aegis_keylime  # noqa: E402  (needs cryptography, which keylime needs too)

sys.path.insert(0, str(TESTDATA / "gen"))
import tpmfmt  # noqa: E402  (the vector generator's own codec: PCR JSON -> tpm2-tools PCR file)

QUOTES = vectors("quote")
BY_ID = {v["id"]: v for v in QUOTES}

Checkquote = Callable[[bytes, str, bytes, bytes, bytes, str], dict[int, str]]


# --- 1. keylime's own unit test -------------------------------------------------------------


def run_keylime_test(checkquote: Checkquote, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Runs TestTpmUtil.test_checkquote with `checkquote` in place; returns the outcomes seen."""
    outcomes: list[str] = []

    def spy(*args: Any) -> dict[int, str]:
        try:
            result = checkquote(*args)
        except Exception as e:
            outcomes.append(type(e).__name__)
            raise
        outcomes.append("ok")
        return result

    # The test module binds the name at import (`from keylime.tpm.tpm_util import checkquote`),
    # so patch it there as well as in tpm_util, where keylime's verifier looks it up.
    monkeypatch.setattr(tpm_util_test, "checkquote", spy)
    monkeypatch.setattr(tpm_util, "checkquote", spy)
    result = unittest.TestResult()
    unittest.TestSuite([tpm_util_test.TestTpmUtil("test_checkquote")]).run(result)
    assert result.wasSuccessful(), [str(f[1]) for f in result.failures + result.errors]
    assert result.testsRun == 1
    return outcomes


def test_keylime_unit_test_passes_with_keylime(monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes = run_keylime_test(tpm_util.checkquote, monkeypatch)
    assert outcomes[0] == "ok" and len(outcomes) == 5


def test_keylime_unit_test_passes_with_aegis(monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes = run_keylime_test(aegis_keylime.checkquote, monkeypatch)
    # Valid quote; flipped quote byte (bad signature); bad nonce; bad pcrblob; wrong hash.
    assert outcomes == [
        "ok",
        "CheckquoteSignatureError",
        "CheckquoteError",
        "CheckquoteError",
        "CheckquoteError",
    ]


def keylime_unit_vector() -> tuple[bytes, str, bytes, bytes, bytes]:
    """The inputs keylime's TestTpmUtil.test_checkquote passes on its first (valid) call,
    recorded by running that test, not copied from it."""
    captured: list[tuple[Any, ...]] = []

    def record(*args: Any) -> dict[int, str]:
        captured.append(args)
        result: dict[int, str] = tpm_util.checkquote(*args)
        return result

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tpm_util_test, "checkquote", record)
        unittest.TestSuite([tpm_util_test.TestTpmUtil("test_checkquote")]).run(unittest.TestResult())
    aikblob, nonce, sigblob, quoteblob, pcrblob, _ = captured[0]
    return aikblob, nonce, sigblob, quoteblob, pcrblob


def test_same_result_as_keylime_on_keylime_vector() -> None:
    aikblob, nonce, sigblob, quoteblob, pcrblob = keylime_unit_vector()
    theirs = tpm_util.checkquote(aikblob, nonce, sigblob, quoteblob, pcrblob, "sha256")
    ours = aegis_keylime.checkquote(aikblob, nonce, sigblob, quoteblob, pcrblob, "sha256")
    assert ours == theirs and theirs, (ours, theirs)
    assert all(isinstance(k, int) and isinstance(v, str) for k, v in ours.items())


def test_errors_are_keylime_and_aegis_exceptions() -> None:
    from cryptography.exceptions import InvalidSignature

    aikblob, nonce, sigblob, quoteblob, pcrblob = keylime_unit_vector()
    bad = bytearray(quoteblob)
    bad[-1] ^= 1
    with pytest.raises(InvalidSignature) as raised:
        aegis_keylime.checkquote(aikblob, nonce, sigblob, bytes(bad), pcrblob, "sha256")
    err = raised.value
    assert isinstance(err, aegis.AegisError) and isinstance(err, ValueError)
    assert (err.code, err.name) == (aegis.ERROR_CODES["SignatureInvalid"], "SignatureInvalid")
    assert isinstance(err.__cause__, aegis.SignatureError)
    # exp_hash_alg names the PCR bank: the quote (SHA-256 signature, allowed) signed no sha384 bank.
    with pytest.raises(ValueError) as raised_v:
        aegis_keylime.checkquote(aikblob, nonce, sigblob, quoteblob, pcrblob, "sha384")
    assert isinstance(raised_v.value, aegis.AegisError)
    assert raised_v.value.name == "RequiredPcrMissing"


# --- 2. the manifest through both ---------------------------------------------------------


# exp_hash_alg as Keylime's agent configuration would set it for the vector, where that is not
# the manifest's `keylime.hash_alg` (which records what keylime's own checkquote needs: the
# signature hash): Keylime's `tpm_hash_alg` names the quoted PCR bank (tpm2_quote -l sha256:...).
EXP_HASH_ALG = {"quote-ecc-p384-ecdsa-sha384-sha256-bank": "sha256"}


def keylime_inputs(v: dict[str, Any]) -> tuple[bytes, str, bytes, bytes, bytes, str]:
    """As keylime's verifier calls checkquote: PEM AK, base64 nonce (str), raw blobs."""
    ak_pem = read(v["ak"].replace("ak.pub", "ak.pem"))
    nonce = base64.b64encode(bytes.fromhex(v["nonce"])).decode()
    raw = read(v["pcrs"])
    if v["pcrs"].endswith(".json"):
        raw = tpmfmt.write_pcr_file(tpmfmt.pcrs_from_json(json.loads(raw)))
    exp_hash_alg = EXP_HASH_ALG.get(v["id"], v["keylime"]["hash_alg"])
    return ak_pem, nonce, read(v["signature"]), read(v["attest"]), raw, exp_hash_alg


def outcome(checkquote: Callable[..., dict[int, str]], *args: Any) -> tuple[str, Any]:
    try:
        return "valid", checkquote(*args)
    except aegis.AegisError as e:
        return "invalid", e.name
    except Exception as e:  # keylime signals every failure by raising
        return "invalid", type(e).__name__


# Checks checkquote's signature has no input for: keylime applies PCR policy afterwards to the
# returned dict, and keeps clock state and the AK's Name outside checkquote.
NO_INPUT_FOR = {"RequiredPcrMissing", "SignerMismatch", "ClockRegression", "ClockSafeRegression"}

# What the PEM drop-in decides where that is not the manifest's Aegis verdict, and why.
PEM_DROPIN: dict[str, str | None] = {
    # The bare PEM key cannot show it is not restricted: that is checkquote_tpm2b's job.
    "attack-ak-not-restricted": None,
    # keylime's checkquote verifies RSA AKs with RSASSA only; the drop-in keeps that contract.
    "quote-rsa2048-rsapss-sha256": "SignatureSchemeMismatch",
    # The PEM does not carry the (other) AK's RSAPSS scheme; RSASSA by another key: bad signature.
    "attack-scheme-mismatch": "SignatureInvalid",
    # The PEM carries no scheme hash: the signature's own hash field (sha384, on the allow-list)
    # is taken, and the SHA-256 signature does not verify as SHA-384 (checkquote_tpm2b compares
    # the field with the AK's scheme: HashMismatch, the manifest's verdict).
    "attack-hash-field-sha384": "SignatureInvalid",
    # A SHA-1 bank in the signed selection needs the SHA-1 opt-in (exp_hash_alg "sha1").
    "quote-multibank-rsassa-sha256": "PcrBankNotAllowed",
}
TPM2B_DROPIN: dict[str, str | None] = {
    # A SHA-1 bank in the signed selection needs the SHA-1 opt-in (exp_hash_alg "sha1"); keylime
    # returns the sha256 bank.
    "quote-multibank-rsassa-sha256": "PcrBankNotAllowed",
}


def dropin_expectation(v: dict[str, Any], overrides: dict[str, str | None]) -> str | None:
    """None for "valid", else the error name the drop-in must raise."""
    if v["id"] in overrides:
        return overrides[v["id"]]
    error = v["expect"].get("error")
    return None if error in NO_INPUT_FOR else error


@pytest.mark.parametrize("vector", QUOTES, ids=[v["id"] for v in QUOTES])
def test_manifest_vector_through_both(vector: dict[str, Any]) -> None:
    args = keylime_inputs(vector)
    theirs = outcome(tpm_util.checkquote, *args)
    ours = outcome(aegis_keylime.checkquote, *args)
    want = dropin_expectation(vector, PEM_DROPIN)
    assert ours == (("valid", ours[1]) if want is None else ("invalid", want)), ours
    if ours[0] == "valid" and theirs[0] == "valid":
        assert ours[1] == theirs[1], "same PCR dict as keylime"
    if ours[0] == "valid":
        signed = aegis.parse_pcrs(read(vector["pcrs"]))[args[5]]
        assert ours[1] == {i: value.hex() for i, value in signed.items()}


@pytest.mark.parametrize("vector", QUOTES, ids=[v["id"] for v in QUOTES])
def test_manifest_vector_through_tpm2b(vector: dict[str, Any]) -> None:
    _, nonce, sig, attest, pcrblob, hash_alg = keylime_inputs(vector)
    aik_tpm = base64.b64encode(read(vector["ak"])).decode()  # as the registrar returns it
    want = dropin_expectation(vector, TPM2B_DROPIN)
    for ak in (aik_tpm, read(vector["ak"])):
        got = outcome(aegis_keylime.checkquote_tpm2b, ak, nonce, sig, attest, pcrblob, hash_alg)
        assert got == (("valid", got[1]) if want is None else ("invalid", want)), got


@pytest.mark.parametrize("vid", ["attack-pcr16-claimed-as-pcr15-bin", "attack-pcr16-claimed-as-pcr15-json"])
def test_refuses_a_pcrblob_whose_selection_differs_from_the_signed_one(vid: str) -> None:
    """The signed selection is PCR 16; the PCR file calls the value PCR 15. keylime returns
    {15: ...}; the drop-in refuses."""
    v = BY_ID[vid]
    args = keylime_inputs(v)
    verdict, pcrs = outcome(tpm_util.checkquote, *args)
    assert verdict == "valid" and list(pcrs) == [15], "keylime accepts it (the reason for this test)"
    with pytest.raises(aegis.AegisError) as raised:
        aegis_keylime.checkquote(*args)
    assert raised.value.name == "PcrNotInSelection"
    assert isinstance(raised.value, ValueError)


def test_refuses_a_pcrblob_missing_a_signed_pcr() -> None:
    v = BY_ID["quote-rsa2048-rsassa-sha256"]
    ak, nonce, sig, attest, _, hash_alg = keylime_inputs(v)
    values = aegis.parse_pcrs(read(v["pcrs"]))["sha256"]
    del values[15]
    fewer = tpmfmt.write_pcr_file(tpmfmt.pcrs_from_json({"sha256": {str(i): b.hex() for i, b in values.items()}}))
    with pytest.raises(aegis.AegisError) as raised:
        aegis_keylime.checkquote(ak, nonce, sig, attest, fewer, hash_alg)
    assert raised.value.name == "PcrValueMissing"


def test_tpm2b_entry_point_refuses_an_unrestricted_ak() -> None:
    v = BY_ID["attack-ak-not-restricted"]
    ak_pem, nonce, sig, attest, pcrblob, hash_alg = keylime_inputs(v)
    assert outcome(tpm_util.checkquote, ak_pem, nonce, sig, attest, pcrblob, hash_alg)[0] == "valid"
    assert outcome(aegis_keylime.checkquote, ak_pem, nonce, sig, attest, pcrblob, hash_alg)[0] == "valid"
    aik_tpm = base64.b64encode(read(v["ak"])).decode()
    with pytest.raises(aegis.AegisError) as raised:
        aegis_keylime.checkquote_tpm2b(aik_tpm, nonce, sig, attest, pcrblob, hash_alg)
    assert (raised.value.name, raised.value.code) == ("AkNotRestricted", aegis.ERROR_CODES["AkNotRestricted"])
    assert isinstance(raised.value.__cause__, aegis.KeyPolicyError)


def test_nonce_forms_as_keylime() -> None:
    """keylime compares the nonce raw (pull mode) and then base64-decoded (push mode)."""
    v = BY_ID["quote-rsa2048-rsassa-sha256"]
    ak, nonce_b64, sig, attest, pcrblob, hash_alg = keylime_inputs(v)
    raw = bytes.fromhex(v["nonce"])
    assert aegis_keylime.checkquote(ak, nonce_b64, sig, attest, pcrblob, hash_alg)
    assert aegis_keylime.checkquote(ak, raw, sig, attest, pcrblob, hash_alg)  # type: ignore[arg-type]
    with pytest.raises(aegis.AegisError) as raised:
        aegis_keylime.checkquote(ak, "bm90IHRoZSBub25jZQ==", sig, attest, pcrblob, hash_alg)
    assert raised.value.name == "NonceMismatch"


# --- 4. exp_hash_alg names the PCR bank; the signature hash is the quote's, on the allow-list ----


@pytest.mark.parametrize("entry", ["pem", "tpm2b"])
def test_p384_sha384_quote_over_the_sha256_bank(entry: str) -> None:
    """A P-384 AK signs with ECDSA-SHA384 over the SHA-256 bank (Keylime's tpm_hash_alg sha256):
    the drop-in checks and returns the sha256 bank. keylime's own checkquote refuses it (it wants
    the signature hash to be exp_hash_alg)."""
    v = BY_ID["quote-ecc-p384-ecdsa-sha384-sha256-bank"]
    ak_pem, nonce, sig, attest, pcrblob, exp_hash_alg = keylime_inputs(v)
    assert exp_hash_alg == "sha256"
    assert outcome(tpm_util.checkquote, ak_pem, nonce, sig, attest, pcrblob, "sha256")[0] == "invalid"
    ak: bytes = ak_pem if entry == "pem" else read(v["ak"])
    check = aegis_keylime.checkquote if entry == "pem" else aegis_keylime.checkquote_tpm2b
    got = check(ak, nonce, sig, attest, pcrblob, "sha256")
    signed = aegis.parse_pcrs(read(v["pcrs"]))["sha256"]
    assert got == {i: value.hex() for i, value in signed.items()} and sorted(got) == [0, 1, 15]
    # The bank named must be signed: the quote has no sha384 bank.
    with pytest.raises(aegis_keylime.CheckquoteError) as raised:
        check(ak, nonce, sig, attest, pcrblob, "sha384")
    assert raised.value.name == "RequiredPcrMissing"


@pytest.mark.parametrize("entry", ["pem", "tpm2b"])
def test_sha1_signature_only_when_exp_hash_alg_is_sha1(entry: str) -> None:
    v = BY_ID["quote-rsa2048-rsassa-sha1"]
    ak_pem, nonce, sig, attest, pcrblob, exp_hash_alg = keylime_inputs(v)
    assert exp_hash_alg == "sha1"
    ak: bytes = ak_pem if entry == "pem" else read(v["ak"])
    check = aegis_keylime.checkquote if entry == "pem" else aegis_keylime.checkquote_tpm2b
    assert sorted(check(ak, nonce, sig, attest, pcrblob, "sha1")) == [0, 1, 15]
    with pytest.raises(aegis_keylime.CheckquoteError) as raised:
        check(ak, nonce, sig, attest, pcrblob, "sha256")
    assert raised.value.name in {"HashNotAllowed", "NameAlgNotAllowed"}, raised.value


def test_unknown_exp_hash_alg_is_refused() -> None:
    aikblob, nonce, sigblob, quoteblob, pcrblob = keylime_unit_vector()
    with pytest.raises(ValueError) as raised:
        aegis_keylime.checkquote(aikblob, nonce, sigblob, quoteblob, pcrblob, "md5")
    assert isinstance(raised.value, aegis.AegisError) and raised.value.name == "InvalidArgument"

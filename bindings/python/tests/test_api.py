"""The typed Python surface: exception hierarchy and codes, argument forms, the GIL."""

from __future__ import annotations

import concurrent.futures
import pickle
import threading
from typing import Any

import pytest

import aegis
import aegis._aegis
from conftest import read, vectors

BY_ID = {v["id"]: v for v in vectors("quote", "certify")}
RSA = BY_ID.get("quote-rsa2048-rsassa-sha256")
needs_vectors = pytest.mark.skipif(RSA is None, reason="testdata/manifest.json has no quote-rsa2048-rsassa-sha256")


def rsa_quote_args() -> tuple[aegis.AttestationKey, bytes, bytes, bytes, bytes]:
    assert RSA is not None
    return (
        aegis.AttestationKey.from_tpm_public(read(RSA["ak"])),
        read(RSA["attest"]),
        read(RSA["signature"]),
        read(RSA["pcrs"]),
        bytes.fromhex(RSA["nonce"]),
    )


def test_all_is_the_native_surface() -> None:
    public = {n for n in dir(aegis._aegis) if not n.startswith("_")} | {"__version__"}
    assert set(aegis.__all__) == public
    assert aegis.__version__


def test_exceptions_construct_and_print() -> None:
    e = aegis.SignatureError("signature does not verify", 3005, "SignatureInvalid")
    assert (e.code, e.name, e.message) == (3005, "SignatureInvalid", "signature does not verify")
    assert "SignatureInvalid" in str(e) and "3005" in str(e)
    assert repr(e).startswith("SignatureError(")
    with pytest.raises(aegis.AegisError):
        raise e
    again = pickle.loads(pickle.dumps(e))
    assert type(again) is aegis.SignatureError and (again.code, again.name) == (3005, "SignatureInvalid")


def test_clock_info_value_semantics() -> None:
    a = aegis.ClockInfo(10, 2, 0, True)
    assert a == aegis.ClockInfo(10, 2, 0, True)
    assert a != aegis.ClockInfo(11, 2, 0, True)
    assert len({a, aegis.ClockInfo(10, 2, 0, True)}) == 1
    assert (a.clock, a.reset_count, a.restart_count, a.safe) == (10, 2, 0, True)
    with pytest.raises(AttributeError):
        a.clock = 5  # type: ignore[misc]


def test_verified_types_have_no_public_constructor() -> None:
    with pytest.raises(TypeError):
        aegis.VerifiedQuote()
    with pytest.raises(TypeError):
        aegis.VerifiedCertification()


@needs_vectors
def test_quote_result() -> None:
    ak, attest, sig, pcrs, nonce = rsa_quote_args()
    q = aegis.verify_quote(ak, attest, sig, pcrs, nonce, require_pcrs={"sha256": [0, 1, 15]})
    assert q.hash == "sha256"
    assert q.selection == {"sha256": [0, 1, 15]}
    assert sorted(q.pcrs["sha256"]) == [0, 1, 15]
    assert all(len(v) == 32 for v in q.pcrs["sha256"].values())
    assert isinstance(q.clock, aegis.ClockInfo)
    assert isinstance(q.firmware_version, int)
    assert ak.scheme == "rsassa" and ak.hash == "sha256" and ak.name is not None


@needs_vectors
def test_pcrs_as_a_mapping_equal_the_file() -> None:
    ak, attest, sig, pcrs, nonce = rsa_quote_args()
    as_dict = aegis.parse_pcrs(pcrs)
    assert aegis.verify_quote(ak, attest, sig, as_dict, nonce).pcrs == as_dict
    tampered = {"sha256": {**as_dict["sha256"], 15: bytes(32)}}
    with pytest.raises(aegis.PcrError) as raised:
        aegis.verify_quote(ak, attest, sig, tampered, nonce)
    assert raised.value.name == "PcrDigestMismatch"
    extra = {"sha256": {**as_dict["sha256"], 16: bytes(32)}}
    with pytest.raises(aegis.PcrError) as raised:
        aegis.verify_quote(ak, attest, sig, extra, nonce)
    assert raised.value.name == "PcrNotInSelection"


@needs_vectors
@pytest.mark.parametrize(
    "kwargs",
    [
        {"require_pcrs": {"sha256": [24]}},
        {"require_pcrs": {"md5": [0]}},
        {"hashes": ["sha1"]},
        {"hashes": ["sha3"]},
    ],
)
def test_bad_arguments_are_usage_errors(kwargs: dict[str, Any]) -> None:
    ak, attest, sig, pcrs, nonce = rsa_quote_args()
    with pytest.raises(aegis.UsageError) as raised:
        aegis.verify_quote(ak, attest, sig, pcrs, nonce, **kwargs)
    assert (raised.value.code, raised.value.name) == (1001, "InvalidArgument")


@needs_vectors
def test_bad_pcr_mapping_is_a_usage_error() -> None:
    ak, attest, sig, _, nonce = rsa_quote_args()
    for pcrs in ({"sha256": {0: "00" * 32}}, {"sha256": {99: bytes(32)}}, ["sha256"]):
        with pytest.raises(aegis.UsageError):
            aegis.verify_quote(ak, attest, sig, pcrs, nonce)  # type: ignore[arg-type]


@needs_vectors
def test_hash_allow_list() -> None:
    ak, attest, sig, pcrs, nonce = rsa_quote_args()
    assert aegis.verify_quote(ak, attest, sig, pcrs, nonce, hashes=["sha256"]).hash == "sha256"
    # The list governs signatures; the AK's nameAlg (sha256) is refused only if it were SHA-1.
    with pytest.raises(aegis.SignatureError) as raised:
        aegis.verify_quote(ak, attest, sig, pcrs, nonce, hashes=["sha384"])
    assert raised.value.name == "HashNotAllowed"


@needs_vectors
def test_bare_key_is_explicit_and_unchecked() -> None:
    assert RSA is not None
    pem = read(RSA["ak"].replace("ak.pub", "ak.pem"))
    ak = aegis.AttestationKey.from_bare_key_unchecked(pem, "rsassa", "sha256")
    assert not ak.is_checked and ak.name is None
    _, attest, sig, pcrs, nonce = rsa_quote_args()
    assert aegis.verify_quote(ak, attest, sig, pcrs, nonce).hash == "sha256"
    with pytest.raises(aegis.UsageError):
        aegis.AttestationKey.from_bare_key_unchecked(pem, "ecdsa")
    with pytest.raises(aegis.UsageError):
        aegis.AttestationKey.from_bare_key_unchecked(pem, "rsa-pkcs1")
    with pytest.raises(aegis.SignatureError) as raised:
        aegis.verify_quote(aegis.AttestationKey.from_bare_key_unchecked(pem, "rsapss"), attest, sig, pcrs, nonce)
    assert raised.value.name == "SignatureSchemeMismatch"


def test_parse_errors_carry_their_code() -> None:
    with pytest.raises(aegis.ParseError) as raised:
        aegis.AttestationKey.from_tpm_public(b"\x00")
    assert raised.value.name == "Truncated" and raised.value.code == aegis.ERROR_CODES["Truncated"]
    with pytest.raises(aegis.ParseError):
        aegis.parse_pcrs(b"{not json")


@needs_vectors
def test_concurrent_verification_from_threads() -> None:
    """verify_quote releases the GIL (py.allow_threads): many threads verify at once, and a
    pure-Python thread keeps running meanwhile; every verification reaches the same verdict."""
    ak, attest, sig, pcrs, nonce = rsa_quote_args()
    stop = threading.Event()
    ticks = 0

    def spin() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda _: aegis.verify_quote(ak, attest, sig, pcrs, nonce).hash, range(64)))
    finally:
        stop.set()
        spinner.join()
    assert results == ["sha256"] * 64
    assert ticks > 0


def test_inspect_structure_names() -> None:
    """`inspect` takes a structure name or tells the structure apart by content; an unknown name
    is a usage error, a failed parse the parse error of its code."""
    v = next(v for v in vectors("inspect") if v["id"] == "inspect-quote-attest")
    data = read(v["file"])
    named = aegis.inspect(data, "tpms_attest")
    assert aegis.inspect(data) == named
    assert named["structure"] and named["magic_is_tpm_generated"] is True
    with pytest.raises(aegis.UsageError) as raised:
        aegis.inspect(data, "no_such_structure")
    assert raised.value.name == "InvalidArgument"
    with pytest.raises(aegis.ParseError) as parse:
        aegis.inspect(data, "tpmt_signature")
    assert parse.value.code // 1000 == 2
    with pytest.raises(aegis.ParseError):
        aegis.inspect(b"\x00")

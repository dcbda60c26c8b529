"""The manifest's "bundle" vectors (testdata/gen/make_bundle_vectors.py) through
`appraise_bundle`, compared as the Rust walker (aegis-core/tests/bundle.rs) compares them: the
status, each submod's status, the failed checks (submod, check, error name and code, in order)
and the location's country; an "invalid" vector raises the expected error. Then the surface
itself: a malformed bundle names the member at fault, the result's JSON, argument forms."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

import aegis
from conftest import read, vectors

BUNDLES = vectors("bundle")


def appraise(v: dict[str, Any]) -> aegis.AttestationResult:
    bundle = aegis.EvidenceBundle.from_json(read(v["bundle"]))
    roots = aegis.EkTrustStore()
    for root in v["ek_roots"]:
        roots.add_root(read(root))
    enrolment = aegis.EnrolmentRecord.from_json(read(v["enrolment"])) if v["enrolment"] else None
    return aegis.appraise_bundle(
        bundle,
        nonce=bytes.fromhex(v["nonce"]),
        ek_roots=roots,
        enrolment=enrolment,
        geofence=read(v["policy"]),
        time=v["time"],
        network_verified=v["network_verified"],
    )


def observed(r: aegis.AttestationResult) -> dict[str, Any]:
    return {
        "verdict": "result",
        "status": r.status,
        "submods": r.submods,
        "failures": [
            {"submod": submod, "check": check, "error": e.name, "code": e.code} for submod, check, e in r.failures
        ],
        "country": r.country,
    }


def test_bundle_vectors_exist() -> None:
    assert len(BUNDLES) >= 10


@pytest.mark.parametrize("v", BUNDLES, ids=[v["id"] for v in BUNDLES])
def test_bundle_vector(v: dict[str, Any]) -> None:
    expect = v["expect"]
    if expect["verdict"] == "invalid":
        with pytest.raises(aegis.ResultError) as info:
            appraise(v)
        assert (info.value.name, info.value.code) == (expect["error"], expect["code"])
        return
    result = appraise(v)
    assert observed(result) == expect
    assert list(result.submods) == ["platform", "workload-key", "location"]
    doc = json.loads(result.to_json())
    assert doc["status"] == result.status
    assert {name: s["ear_status"] for name, s in doc["submods"].items()} == result.submods


def geneva() -> dict[str, Any]:
    return next(v for v in BUNDLES if v["id"] == "bundle/ecc-geneva")


def test_malformed_bundle_names_the_member() -> None:
    text = read(geneva()["bundle"]).decode()
    bad = text.replace('"app_key_public": "', '"app_key_public": "!', 1)
    with pytest.raises(aegis.ResultError) as info:
        aegis.EvidenceBundle.from_json(bad)
    assert info.value.name == "EvidenceBundleInvalid" and info.value.code == 11050
    assert "$.app_key_public" in str(info.value)


def test_round_trips_and_arguments() -> None:
    v = geneva()
    bundle = aegis.EvidenceBundle.from_json(read(v["bundle"]))
    assert bundle.nonce == bytes.fromhex(v["nonce"])
    assert aegis.EvidenceBundle.from_json(bundle.to_json()).nonce == bundle.nonce
    record = aegis.EnrolmentRecord.from_json(read(v["enrolment"]).decode())
    assert aegis.EnrolmentRecord.from_json(record.to_json()).ak_name == record.ak_name
    assert "EnrolmentRecord" in repr(record) and "EvidenceBundle" in repr(bundle)
    with pytest.raises(aegis.ParseError):
        aegis.EnrolmentRecord.from_json("{}")
    with pytest.raises(aegis.UsageError):
        aegis.EvidenceBundle.from_json(1)  # type: ignore[arg-type]
    # Without the verifier's inputs: the AK is bound to no EK, no EK certificate is required.
    result = aegis.appraise_bundle(
        bundle, nonce=bytearray(bundle.nonce), time=v["time"], require_ek_certificate=False
    )
    assert result.status == "contraindicated"
    assert [(s, c, e.name) for s, c, e in result.failures] == [
        ("platform", "ak-binding", "AkBindingMismatch"),
        ("workload-key", "ak-binding", "AkBindingMismatch"),
    ]
    assert result.country == "CH"
    assert "contraindicated" in repr(result)
    with pytest.raises(aegis.GeoError):
        aegis.appraise_bundle(bundle, nonce=bundle.nonce, geofence="{}")
    with pytest.raises(aegis.ResultError) as info:
        aegis.appraise_bundle(bundle, nonce=b"\0")
    assert info.value.name == "EvidenceNonceMismatch"


def test_result_signed_as_ear() -> None:
    """The result signed as an EAR (JWT and CWT) verifies back with the verifier key's public
    half: the status, the appraisal nonce, Aegis as the verifier, and exp enforced."""
    v = geneva()
    result = appraise(v)
    key = aegis.PrivateKey.generate("ecc-p256")
    nonce = bytes.fromhex(v["nonce"])
    iat, exp = v["time"], v["time"] + 300
    jwt = result.sign_jwt(key, iat=iat, exp=exp)
    ear = aegis.verify_ear(key.public_key, jwt, now=iat + 1, nonce=nonce)
    assert ear.format == "jwt" and ear.dialect == "ietf-04"
    assert ear.claims["ear_status"] == result.status
    assert ear.claims["ear_verifier_id"]["build"].startswith("aegis ")
    assert set(ear.claims["submods"]) == set(result.submods)
    with pytest.raises(aegis.ResultError) as info:
        aegis.verify_ear(key.public_key, jwt, now=exp, nonce=nonce)
    assert info.value.name == "EarExpired"
    cwt = result.sign_cwt(key, iat=iat, exp=exp, dialect="veraison")
    ear = aegis.verify_ear(key.public_key, cwt, now=iat, nonce=nonce)
    assert ear.format == "cwt" and ear.dialect == "veraison"
    with pytest.raises(ValueError, match="exp must be after iat"):
        result.sign_jwt(key, iat=exp, exp=exp)
    with pytest.raises(aegis.UsageError):
        result.sign_cwt(key, iat=iat, exp=exp, dialect="ietf-05")


def test_attested_claims() -> None:
    """The grc.* AttestedClaims for a result (what a CredentialComposer embeds): the status and
    submods, and the verified reading with its jurisdiction; the reading given must be the one
    the result attests."""
    v = geneva()
    result = appraise(v)
    log = json.loads(read(v["bundle"]))["location_log"]
    last = json.loads(base64.b64decode(log).decode().splitlines()[-1])["event"]
    for reading in (None, json.dumps(last), json.dumps(last).encode()):
        claims = json.loads(result.attested_claims(reading))
        tpm = claims["grc.tpm-attestation"]
        assert tpm["status"] == result.status and tpm["submods"] == result.submods
        geo = claims["grc.geolocation"]
        assert geo["sensor_id"] == last["sensor_id"] and geo["tpm_attested"] is True
        assert geo["jurisdiction-country"] == result.country == "CH"
    moved = dict(last, latitude=47.3769)
    with pytest.raises(aegis.UsageError) as info:
        result.attested_claims(json.dumps(moved))
    assert info.value.name == "InvalidArgument"
    with pytest.raises(aegis.AegisError) as bad:
        result.attested_claims("{")
    assert bad.value.name == "InvalidFormat"

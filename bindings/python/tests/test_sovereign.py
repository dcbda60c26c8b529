"""The AegisSovereignAI PoC formats beyond the manifest walk (test_manifest.py runs the "poc"
vectors): the qualifying-data recipe, adding app_key_tpm_public, the JSON round trip, the PCR 15
replay, and each PoC error's class and code."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

import aegis
from conftest import read, vectors

POC = {v["id"]: v for v in vectors("poc")}


def vector(name: str) -> dict[str, Any]:
    return POC[f"poc/{name}"]


def test_the_pem_alone_is_refused_and_the_verifier_can_add_the_tpm_public() -> None:
    v = vector("valid")
    ak = aegis.AttestationKey.from_tpm_public(read(v["ak"]))
    pem_only = aegis.SovereignAttestation.from_json(read(vector("app-key-tpm-public-missing")["bundle"]))
    assert pem_only.app_key_tpm_public is None
    with pytest.raises(aegis.ResultError) as raised:
        aegis.verify_sovereign_attestation(ak, pem_only, v["nonce"])
    assert raised.value.name == "PocAppKeyPublicMissing"
    assert raised.value.code == aegis.ERROR_CODES["PocAppKeyPublicMissing"] == 11090
    assert "PEM alone cannot be tied" in str(raised.value)

    full = aegis.SovereignAttestation.from_json(read(v["bundle"]).decode())
    tpm_public = full.app_key_tpm_public
    assert tpm_public is not None
    added = pem_only.with_app_key_tpm_public(tpm_public)
    certified = aegis.verify_sovereign_attestation(ak, added, v["nonce"])
    assert certified.public[2:] == tpm_public[2:] or certified.public == tpm_public
    with pytest.raises(aegis.ParseError):
        pem_only.with_app_key_tpm_public(b"\x00\x01\x02")


def test_qualifying_data_and_round_trip() -> None:
    v = vector("valid")
    doc = aegis.SovereignAttestation.from_json(read(v["bundle"]))
    inner = hashlib.sha256(doc.app_key_public.encode()).digest()
    assert aegis.poc_qualifying_data(doc.app_key_public, v["nonce"]) == hashlib.sha256(
        inner + v["nonce"].encode()
    ).digest()
    written = json.loads(doc.to_json())
    assert written["tpm_signed_attestation"] == ""  # a member Aegis does not know, kept
    assert written["workload_code_hash"] == doc.workload_code_hash
    assert doc.keylime_agent_uuid is not None and len(doc.keylime_agent_uuid) == 36
    again = aegis.SovereignAttestation.from_json(doc.to_json())
    assert again.to_json() == doc.to_json()
    assert repr(doc) == (
        f"SovereignAttestation(challenge_nonce={v['nonce']!r}, keylime_agent_uuid={doc.keylime_agent_uuid!r}, "
        "app_key_tpm_public=True)"
    )


def test_location_log_replays_and_refuses() -> None:
    v = vector("valid")
    log = aegis.PocLocationLog.from_json(read(v["location_log"]))
    assert len(log) == 2
    assert repr(log) == "PocLocationLog(events=2)"
    assert len(log.replay()) == 32
    assert aegis.PocLocationLog.from_json(log.to_json()).replay() == log.replay()
    with pytest.raises(aegis.LocationError) as raised:
        aegis.PocLocationLog.from_json(b"{}")
    assert raised.value.name == "LocationLogCorrupt"


@pytest.mark.parametrize("name", ["PocAppKeyPublicMissing", "PocAppKeyMismatch", "PocChallengeMismatch"])
def test_poc_errors_are_result_errors(name: str) -> None:
    assert 11090 <= aegis.ERROR_CODES[name] <= 11099
    assert any(v["expect"].get("error") == name for v in POC.values()), f"no vector expects {name}"

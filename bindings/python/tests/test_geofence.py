"""GeofencePolicy, GeofenceDecision and GeofenceReason (docs/geofence-policy.md): the argument
forms, a refused policy's JSON path, the reasons of a decision, the PCR reference check. The
manifest's geofence vectors (test_manifest.py) walk the rules themselves."""

from __future__ import annotations

import json
from typing import Any

import pytest

import aegis

NOW = 1_767_225_600

POLICY: dict[str, Any] = {
    "version": 1,
    "areas": [
        {"id": "site", "effect": "allow", "geometry": {"type": "Circle", "center": [6.14, 46.2], "radius_m": 1000}}
    ],
    "max_accuracy_radius_m": 100,
    "max_age_s": 300,
    "pcr_references": {"sha256": {"0": "00" * 32}},
}

READING: dict[str, Any] = {
    "sensor_type": "gnss",
    "sensor_id": "g",
    "latitude": 46.2,
    "longitude": 6.14,
    "accuracy_m": 10,
    "time": NOW - 10,
    "quality": "3d-fix",
}


def policy() -> aegis.GeofencePolicy:
    return aegis.GeofencePolicy.from_json(json.dumps(POLICY))


def test_policy_and_location_as_str_or_bytes_like() -> None:
    text = json.dumps(POLICY)
    for form in (text, text.encode(), bytearray(text.encode()), memoryview(text.encode())):
        p = aegis.GeofencePolicy.from_json(form)
        for reading in (json.dumps(READING), json.dumps(READING).encode()):
            assert p.evaluate(reading, now=NOW).allowed
    assert repr(p) == "GeofencePolicy(has_jurisdiction_rules=False)"


def test_an_invalid_policy_names_its_json_path() -> None:
    bad = dict(POLICY, sensor_types=["gnss", "ip"])
    with pytest.raises(aegis.GeoError) as raised:
        aegis.GeofencePolicy.from_json(json.dumps(bad))
    assert raised.value.name == "GeofencePolicyInvalid"
    assert raised.value.code == aegis.ERROR_CODES["GeofencePolicyInvalid"] == 10020
    assert raised.value.message.startswith("geofence policy invalid at $.sensor_types[1]: ")
    with pytest.raises(aegis.GeoError):
        aegis.GeofencePolicy.from_json(b"{")
    with pytest.raises(aegis.UsageError):
        aegis.GeofencePolicy.from_json(42)  # type: ignore[arg-type]


def test_a_decision_lists_every_reason() -> None:
    d = policy().evaluate(json.dumps(READING), now=NOW)
    assert d.allowed and d.verdict == "allow"
    assert [r.rule for r in d.reasons] == ["reading", "sensor", "time", "accuracy", "area"]
    assert all(r.passed and r.code is None and r.name is None and r.message for r in d.reasons)
    assert d.resolution is None
    assert json.loads(d.to_json())["verdict"] == "allow"
    assert repr(d) == "GeofenceDecision(allowed=True, denials=[])"
    assert repr(d.reasons[1]) == "GeofenceReason(rule='sensor', passed=True)"

    late = dict(READING, sensor_type="mobile", accuracy_m=250)
    d = policy().evaluate(json.dumps(late), now=NOW + 600)
    assert not d.allowed and d.verdict == "deny"
    names = [r.name for r in d.reasons if not r.passed]
    assert names == ["GeofenceMobileNotVerified", "GeofenceReadingTooOld", "GeofenceAccuracyTooCoarse"]
    assert [r.code for r in d.reasons if not r.passed] == [10034, 10031, 10030]
    assert repr(d) == (
        "GeofenceDecision(allowed=False, denials=['GeofenceMobileNotVerified', "
        "'GeofenceReadingTooOld', 'GeofenceAccuracyTooCoarse'])"
    )
    verified = policy().evaluate(json.dumps(dict(READING, sensor_type="mobile")), now=NOW, network_verified=True)
    assert verified.allowed


def test_a_location_that_is_not_a_location_event_is_refused() -> None:
    with pytest.raises(aegis.ParseError) as raised:
        policy().evaluate("{}", now=NOW)
    assert raised.value.name == "InvalidFormat"
    with pytest.raises(aegis.ParseError) as raised:
        policy().evaluate(json.dumps(dict(READING, latitude=95)), now=NOW)
    assert raised.value.name == "InvalidValue"
    with pytest.raises(aegis.UsageError):
        policy().evaluate(None, now=NOW)  # type: ignore[arg-type]


def test_pcr_references() -> None:
    p = policy()
    p.check_pcr_references({"sha256": {0: bytes(32), 7: b"\x07" * 32}})
    p.check_pcr_references(json.dumps({"sha256": {"0": "00" * 32}}).encode())
    with pytest.raises(aegis.GeoError) as raised:
        p.check_pcr_references({"sha256": {0: b"\x01" * 32}})
    assert raised.value.name == "PcrReferenceMismatch"
    with pytest.raises(aegis.GeoError) as raised:
        p.check_pcr_references({"sha1": {0: bytes(20)}})
    assert raised.value.name == "PcrReferenceMissing"

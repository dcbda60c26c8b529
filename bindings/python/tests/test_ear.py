"""EAR signing and verification through the Python surface (aegis.sign_ear_jwt, sign_ear_cwt,
verify_ear); the manifest's ear vectors are walked in test_manifest.py."""

from __future__ import annotations

from typing import Any

import pytest

import aegis

NOW = 1_800_000_000
NONCE = b"0123456789abcdef"


def claims(**top: object) -> dict[str, Any]:
    c = {
        "eat_profile": "tag:ietf.org,2026:rats/ear#04",
        "iat": NOW,
        "exp": NOW + 60,
        "ear_verifier_id": {"developer": "https://aegis.example", "build": "python"},
        "eat_nonce": "MDEyMzQ1Njc4OWFiY2RlZg",
        "submods": {
            "tpm": {
                "ear_status": "affirming",
                "ear_trustworthiness_vector": {"instance-identity": 2},
                "grc.jurisdiction-country": "ES",
            }
        },
    }
    c.update(top)
    return c


@pytest.mark.parametrize("dialect", ["ietf-04", "ietf-03", "veraison"])
def test_sign_and_verify_both_forms(dialect: str) -> None:
    key = aegis.PrivateKey.generate("ecc-p256")
    jwt = aegis.sign_ear_jwt(key, claims(), dialect=dialect)
    cwt = aegis.sign_ear_cwt(key, claims(), dialect=dialect)
    for token, form in ((jwt, "jwt"), (cwt, "cwt")):
        ear = aegis.verify_ear(key.public_key, token, now=NOW, nonce=NONCE)
        assert (ear.format, ear.dialect, ear.algorithm) == (form, dialect, "ES256")
        status = "ear.status" if dialect == "veraison" else "ear_status"
        assert ear.claims["submods"]["tpm"][status] == "affirming"
        assert ear.claims["submods"]["tpm"]["grc.jurisdiction-country"] == "ES"
        assert repr(ear).startswith("Ear(")


def test_es384_key_signs_es384() -> None:
    key = aegis.PrivateKey.generate("ecc-p384")
    ear = aegis.verify_ear(key.public_key, aegis.sign_ear_jwt(key, claims()), now=NOW)
    assert ear.algorithm == "ES384"


def test_checks_raise_their_error() -> None:
    key = aegis.PrivateKey.generate("ecc-p256")
    token = aegis.sign_ear_jwt(key, claims())
    with pytest.raises(aegis.ResultError) as e:
        aegis.verify_ear(key.public_key, token, now=NOW + 60)
    assert e.value.name == "EarExpired"
    with pytest.raises(aegis.ResultError) as e:
        aegis.verify_ear(key.public_key, token, now=NOW, nonce=b"another nonce")
    assert e.value.name == "EarNonceMismatch"
    with pytest.raises(aegis.ResultError) as e:
        aegis.verify_ear(key.public_key, token, now=NOW, algorithms=["ES384"])
    assert e.value.name == "EarAlgorithmNotAllowed"
    with pytest.raises(aegis.SignatureError):
        aegis.verify_ear(aegis.PrivateKey.generate("ecc-p256").public_key, token, now=NOW)
    with pytest.raises(aegis.UsageError):
        aegis.verify_ear(key.public_key, token, now=NOW, algorithms=["none"])
    bad = claims()
    bad["submods"]["tpm"]["ear_trustworthiness_vector"]["hardware"] = 96
    with pytest.raises(aegis.ResultError) as e:
        aegis.sign_ear_jwt(key, bad)
    assert e.value.name == "EarStatusBetterThanVector"
    with pytest.raises(aegis.UsageError):
        aegis.sign_ear_jwt(key, claims(), dialect="ietf-99")

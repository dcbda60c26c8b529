"""Proof tokens through the Python API: DPoR (P-256, P-384, RSA), DPoG and WPT minted by Aegis and
verified against an EAR naming the App Key, replays through one shared ReplayCache (also from
threads), and the argument errors. The manifest's "proof" vectors (peer-signed tokens, one
attack per check) are walked by test_manifest.py; tests/peers/test_proof_token_peers.py has
jwcrypto and PyJWT verify what Aegis mints."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import aegis

NOW = 1_800_000_000
HTU = "https://api.example.com/v1/data"
LOCATION = {"type": "region", "country": "ES", "subdivision": "ES-CT", "quality": "gnss"}


def ear_naming(jkt: str) -> aegis.Ear:
    issuer = aegis.PrivateKey.generate("ecc-p256")
    tv = {"instance-identity": 2}
    claims: dict[str, Any] = {
        "eat_profile": "tag:ietf.org,2026:rats/ear#04",
        "iat": NOW - 10,
        "ear_verifier_id": {"developer": "https://aegis.example", "build": "python"},
        "submods": {
            "workload-key": {
                "ear_status": "affirming",
                "ear_trustworthiness_vector": tv,
                "ear_verifier_claims": {"app_key": {"jkt": jkt}},
            },
            "location": {
                "ear_status": "affirming",
                "ear_trustworthiness_vector": tv,
                "grc.jurisdiction-country": "ES",
                "grc.jurisdiction-subdivision": "ES-CT",
            },
        },
    }
    return aegis.verify_ear(issuer.public_key, aegis.sign_ear_jwt(issuer, claims), now=NOW)


@pytest.mark.parametrize(("kind", "alg"), [("ecc-p256", "ES256"), ("ecc-p384", "ES384"), ("rsa-2048", "PS256")])
def test_dpor_round_trip_and_replay(kind: str, alg: str) -> None:
    app = aegis.PrivateKey.generate(kind)
    jkt = aegis.jwk_thumbprint(app.public_key)
    assert len(jkt) == 43
    ear = ear_naming(jkt)
    cache = aegis.ReplayCache(16)
    token = aegis.mint_dpor(
        app, htm="POST", htu=HTU, iat=NOW, jti="j1", nonce="n0nce", access_token=b"an access token"
    )
    kwargs: dict[str, Any] = {
        "kind": "dpor",
        "htm": "POST",
        "htu": HTU,
        "now": NOW + 1,
        "ear": ear,
        "ear_max_age": 300,
        "replay_cache": cache,
        "nonce": "n0nce",
        "access_token": "an access token",
        "cnf_jkt": jkt,
    }
    got = aegis.verify_proof(token, **kwargs)
    assert (got.kind, got.algorithm, got.jkt, got.jti, got.iat, got.location) == ("dpor", alg, jkt, "j1", NOW, None)
    assert "VerifiedProof(kind='dpor'" in repr(got)
    assert len(cache) == 1
    with pytest.raises(aegis.TokenError) as raised:
        aegis.verify_proof(token.encode(), **kwargs)
    assert raised.value.name == "TokenReplayed"
    assert raised.value.code == aegis.ERROR_CODES["TokenReplayed"]


def test_dpog_location_and_geofence() -> None:
    app = aegis.PrivateKey.generate("ecc-p256")
    ear = ear_naming(aegis.jwk_thumbprint(app.public_key))
    cache = aegis.ReplayCache(16)
    token = aegis.mint_dpog(app, LOCATION, htm="GET", htu=HTU, iat=NOW, jti="g1")
    common: dict[str, Any] = {"htm": "GET", "htu": HTU, "now": NOW, "ear": ear, "ear_max_age": 300}
    with pytest.raises(aegis.TokenError, match="geofence") as raised:
        aegis.verify_proof(token, kind="dpog", replay_cache=cache, allowed_countries=["FR"], **common)
    assert raised.value.name == "TokenLocationNotAllowed"
    with pytest.raises(aegis.TokenError) as raised:
        aegis.verify_proof(token, kind="dpor", replay_cache=cache, **common)
    assert raised.value.name == "TokenTypeInvalid"
    got = aegis.verify_proof(token, kind="dpog", replay_cache=cache, allowed_countries=["ES"], **common)
    assert got.kind == "dpog" and got.location == LOCATION
    # The location as JSON text is the same claims.
    again = aegis.mint_dpog(app, json.dumps(LOCATION), htm="GET", htu=HTU, iat=NOW, jti="g2")
    assert aegis.verify_proof(again, kind="dpog", replay_cache=cache, **common).location == LOCATION
    with pytest.raises(aegis.ParseError):
        aegis.mint_dpog(app, b"{not json", htm="GET", htu=HTU, iat=NOW, jti="g3")
    with pytest.raises(aegis.TokenError) as raised:
        aegis.mint_dpog(app, {**LOCATION, "quality": "guess"}, htm="GET", htu=HTU, iat=NOW, jti="g4")
    assert raised.value.name == "TokenMalformed"


def test_wpt_round_trip() -> None:
    app = aegis.PrivateKey.generate("ecc-p256")
    jkt = aegis.jwk_thumbprint(app.public_key)
    ear = ear_naming(jkt)
    cache = aegis.ReplayCache(16)
    wit = "the.workload.identity-token"
    token = aegis.mint_wpt(app, aud="https://svc.example", exp=NOW + 60, jti="w1", wit=wit, access_token=b"at")
    common: dict[str, Any] = {"wit": wit, "now": NOW, "ear": ear, "ear_max_age": 300, "replay_cache": cache}
    with pytest.raises(aegis.TokenError) as raised:
        aegis.verify_wpt(token, aud="https://other.example", **common)
    assert raised.value.name == "TokenAudienceMismatch"
    with pytest.raises(aegis.TokenError) as raised:
        aegis.verify_wpt(token, aud="https://svc.example", access_token=b"other", **common)
    assert raised.value.name == "TokenHashMismatch"
    got = aegis.verify_wpt(token, aud="https://svc.example", wit_jkt=jkt, access_token="at", **common)
    assert (got.jkt, got.jti, got.exp) == (jkt, "w1", NOW + 60)


def test_wpt_other_tokens() -> None:
    """A WPT with oth (draft-ietf-wimse-wpt) verifies with the tokens it names; a presented token
    whose hash differs, or that it does not name, is TokenHashMismatch."""
    app = aegis.PrivateKey.generate("ecc-p256")
    ear = ear_naming(aegis.jwk_thumbprint(app.public_key))
    cache = aegis.ReplayCache(16)
    wit = "the.workload.identity-token"
    other: dict[str, str | bytes] = {"txn-token": "the transaction token", "x-other": b"another"}
    token = aegis.mint_wpt(app, aud="https://svc.example", exp=NOW + 60, jti="w-oth", wit=wit, other=other)
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert sorted(claims["oth"]) == ["txn-token", "x-other"]
    common: dict[str, Any] = {
        "aud": "https://svc.example",
        "wit": wit,
        "now": NOW,
        "ear": ear,
        "ear_max_age": 300,
        "replay_cache": cache,
    }
    with pytest.raises(aegis.TokenError) as raised:
        aegis.verify_wpt(token, other={"txn-token": "a forged transaction token"}, **common)
    assert raised.value.name == "TokenHashMismatch" and "txn-token" in str(raised.value)
    with pytest.raises(aegis.TokenError) as raised:
        aegis.verify_wpt(token, other={"unnamed": "the transaction token"}, **common)
    assert raised.value.name == "TokenHashMismatch"
    got = aegis.verify_wpt(token, other=other, **common)
    assert got.jti == "w-oth"


def test_one_cache_shared_by_threads_accepts_a_proof_once() -> None:
    app = aegis.PrivateKey.generate("ecc-p256")
    ear = ear_naming(aegis.jwk_thumbprint(app.public_key))
    cache = aegis.ReplayCache(64)
    token = aegis.mint_dpor(app, htm="POST", htu=HTU, iat=NOW, jti="raced")

    def attempt(_: int) -> str:
        try:
            aegis.verify_proof(
                token, kind="dpor", htm="POST", htu=HTU, now=NOW, ear=ear, ear_max_age=300, replay_cache=cache
            )
        except aegis.TokenError as e:
            return e.name
        return "ok"

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(32)))
    assert results.count("ok") == 1
    assert set(results) == {"ok", "TokenReplayed"}


def test_argument_errors() -> None:
    app = aegis.PrivateKey.generate("ecc-p256")
    ear = ear_naming(aegis.jwk_thumbprint(app.public_key))
    token = aegis.mint_dpor(app, htm="POST", htu=HTU, iat=NOW, jti="a")
    common: dict[str, Any] = {
        "htm": "POST",
        "htu": HTU,
        "now": NOW,
        "ear": ear,
        "ear_max_age": 300,
        "replay_cache": aegis.ReplayCache(4),
    }
    with pytest.raises(aegis.UsageError):
        aegis.verify_proof(token, kind="dpop", **common)  # type: ignore[arg-type]
    with pytest.raises(aegis.UsageError):
        aegis.verify_proof(token, kind="dpor", algorithms=["HS256"], **common)
    with pytest.raises(aegis.TokenError) as raised:
        aegis.verify_proof(token, kind="dpor", algorithms=["ES384"], **common)
    assert raised.value.name == "TokenAlgorithmNotAllowed"
    with pytest.raises(aegis.UsageError):
        aegis.verify_proof(token, kind="dpor", **{**common, "htu": "not a uri"})
    with pytest.raises(aegis.UsageError):
        aegis.verify_proof(12, kind="dpor", **common)  # type: ignore[arg-type]

"""Every vector of testdata/manifest.json through the Python API (quote, certify, inspect, ek, poc,
jurisdiction, geofence, ear, proof, svid, gateway; an unknown kind fails): the verdict, and for an
invalid vector the exception's `.name`, `.code` and group class; for a geofence or gateway vector the
decision and exactly its expected denials (and a gateway's forwarded headers)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import aegis
from conftest import load_manifest, read, vectors

KINDS = (
    "quote",
    "certify",
    "inspect",
    "ek",
    "poc",
    "jurisdiction",
    "geofence",
    "ear",
    "bundle",
    "proof",
    "svid",
    "gateway",
)
# test_bundle.py walks the "bundle" vectors (attestation results, not verdicts).
ALL = [v for v in load_manifest()["vectors"] if v["kind"] != "bundle"]
QUOTE_AND_CERTIFY = vectors("quote", "certify")
PCR_FILES = [v for v in vectors("inspect") if v.get("structure") == "pcrs"]

# The group each code range maps to (errors.rs `group_of`).
GROUPS: dict[int, type[aegis.AegisError]] = {
    1: aegis.UsageError,
    2: aegis.ParseError,
    3: aegis.SignatureError,
    4: aegis.AttestationError,
    5: aegis.PcrError,
    6: aegis.KeyPolicyError,
    7: aegis.EkError,
    8: aegis.LocationError,
    9: aegis.BackendError,
    10: aegis.GeoError,
    11: aegis.ResultError,
    12: aegis.TokenError,
    13: aegis.SvidError,
}


def test_manifest_is_walked() -> None:
    manifest = load_manifest()
    kinds = {v["kind"] for v in manifest["vectors"]}
    assert kinds == set(KINDS), f"kinds this suite does not walk: {kinds - set(KINDS)}"
    assert len(QUOTE_AND_CERTIFY) >= 40
    assert any(v["expect"]["verdict"] == "valid" for v in QUOTE_AND_CERTIFY)
    assert any(v["expect"]["verdict"] == "invalid" for v in QUOTE_AND_CERTIFY)


def policy_kwargs(v: dict[str, Any]) -> dict[str, Any]:
    policy = v.get("policy", {})
    kwargs: dict[str, Any] = {"allow_sha1": bool(policy.get("allow_sha1", False))}
    if policy.get("expected_signer"):
        kwargs["expected_signer"] = bytes.fromhex(policy["expected_signer"])
    if policy.get("previous_clock"):
        kwargs["previous_clock"] = aegis.ClockInfo(**policy["previous_clock"])
    return kwargs


def run_vector(v: dict[str, Any]) -> aegis.VerifiedQuote | aegis.VerifiedCertification:
    ak = aegis.AttestationKey.from_tpm_public(read(v["ak"]))
    assert ak.is_checked
    if v.get("ak_name"):
        assert ak.name == bytes.fromhex(v["ak_name"])
    kwargs = policy_kwargs(v)
    nonce = bytes.fromhex(v["nonce"])
    if v["kind"] == "quote":
        require = v.get("policy", {}).get("require_pcrs") or None
        return aegis.verify_quote(
            ak, read(v["attest"]), read(v["signature"]), read(v["pcrs"]), nonce, require_pcrs=require, **kwargs
        )
    return aegis.verify_certify(ak, read(v["key"]), read(v["attest"]), read(v["signature"]), nonce, **kwargs)


def expect_error(vector: dict[str, Any], err: aegis.AegisError) -> None:
    expect = vector["expect"]
    assert err.name == expect["error"], f"{err!r}"
    assert err.code == aegis.ERROR_CODES[expect["error"]]
    assert isinstance(err, GROUPS[err.code // 1000])
    if "code" in expect:
        assert err.code == expect["code"]


def check_quote_or_certify(vector: dict[str, Any]) -> None:
    result = run_vector(vector)
    if isinstance(result, aegis.VerifiedQuote):
        required = vector.get("policy", {}).get("require_pcrs", {})
        for bank, indices in required.items():
            assert set(indices) <= set(result.selection[bank])
            assert set(indices) <= set(result.pcrs[bank])
        assert result.pcrs == aegis.parse_pcrs(read(vector["pcrs"]))
    else:
        assert result.name == bytes.fromhex(vector["key_name"])
        assert result.public == read(vector["key"])
    if vector.get("ak_qualified_name"):
        assert result.qualified_signer == bytes.fromhex(vector["ak_qualified_name"])


def ek_store(vector: dict[str, Any], *, intermediates: bool = True) -> aegis.EkTrustStore:
    store = aegis.EkTrustStore()
    for root in vector["ca_roots"]:
        store.add_root(read(root))
    if intermediates:
        for intermediate in vector.get("ca_intermediates", []):
            store.add_intermediate(read(intermediate))
    return store


def run_poc(v: dict[str, Any]) -> dict[str, Any]:
    """The AegisSovereignAI PoC flow: the SovereignAttestation's certify for the nonce's hex text,
    the quote, then the PCR 15 log against the verified quote; returns the current claims."""
    ak = aegis.AttestationKey.from_tpm_public(read(v["ak"]))
    attestation = aegis.SovereignAttestation.from_json(read(v["bundle"]))
    assert attestation.challenge_nonce and attestation.app_key_public.startswith("-----BEGIN PUBLIC KEY-----")
    aegis.verify_sovereign_attestation(ak, attestation, v["nonce"], **policy_kwargs(v))
    quote = aegis.verify_quote(
        ak,
        read(v["attest"]),
        read(v["signature"]),
        read(v["pcrs"]),
        bytes.fromhex(v["nonce"]),
        require_pcrs=v["policy"]["require_pcrs"],
    )
    log = aegis.PocLocationLog.from_json(read(v["location_log"]))
    return aegis.verify_poc_location(log, quote, v["nonce"])


def verify_ek(vector: dict[str, Any]) -> aegis.VerifiedEk:
    return aegis.verify_ek_certificate(
        ek_store(vector), read(vector["ek_cert"]), read(vector["ek_pub"]), vector["verify_time"]
    )


def check_ek(vector: dict[str, Any], verified: aegis.VerifiedEk) -> None:
    if vector.get("ek_name"):
        assert verified.name == bytes.fromhex(vector["ek_name"])
    assert verified.public == read(vector["ek_pub"])
    assert verified.issuer
    assert verified.serial and int(verified.serial, 16) >= 0
    endorsement = aegis.name_of_handle(aegis.ENDORSEMENT_HIERARCHY)
    assert verified.qualified_name == aegis.qualified_name(verified.name, endorsement)


def check_resolution(got: aegis.Resolution, want: dict[str, Any]) -> None:
    """Every attribute of `got` against the expected resolution JSON, and its own JSON."""
    assert json.loads(got.to_json()) == want
    assert got.status == want["status"]
    assert got.country == want.get("country")
    assert got.subdivision == want.get("subdivision")
    assert got.subdivision_candidates == want.get("subdivision_candidates", [])
    assert got.candidates == [c["country"] for c in want.get("candidates", [])]
    assert got.country_exclave == want.get("country_exclave", False)
    assert got.enclosing_exclave_country == want.get("enclosing_exclave_country")


def check_geofence(vector: dict[str, Any]) -> None:
    """The policy is refused with the JSON path at fault, or the decision on the reading has the
    expected verdict and exactly the expected denials (names and codes, in order). Vectors with
    `needs_jurisdiction` resolve the reading with the offline jurisdiction lookup."""
    expect = vector["expect"]
    policy_json = read(vector["geofence_policy"])
    if expect["verdict"] == "invalid":
        with pytest.raises(aegis.GeoError) as raised:
            aegis.GeofencePolicy.from_json(policy_json)
        assert raised.value.name == expect["error"] and raised.value.code == expect["code"]
        assert f"geofence policy invalid at {expect['path']}:" in raised.value.message
        return
    policy = aegis.GeofencePolicy.from_json(policy_json)
    decision = policy.evaluate(
        read(vector["location"]), now=vector["time"], network_verified=vector["network_verified"]
    )
    assert decision.verdict == expect["verdict"], decision.reasons
    assert decision.allowed == (expect["verdict"] == "allow")
    denied = [r for r in decision.reasons if not r.passed]
    assert [r.name for r in denied] == expect.get("denials", [])
    assert [r.code for r in denied] == expect.get("codes", [])
    assert all(aegis.ERROR_CODES[r.name] == r.code for r in denied if r.name)
    assert (decision.resolution is not None) == vector["needs_jurisdiction"]


def verify_ear(v: dict[str, Any]) -> aegis.Ear:
    nonce = v.get("nonce")
    return aegis.verify_ear(
        aegis.PublicKey.from_spki(read(v["key"])),
        read(v["token"]),
        now=v["time"],
        nonce=bytes.fromhex(nonce) if nonce else None,
        algorithms=v.get("algorithms"),
    )


def verify_proof_vector(v: dict[str, Any]) -> aegis.VerifiedProof | aegis.VerifiedWpt:
    """A "proof" vector: its EAR verified with its key, then the proof with a fresh replay cache
    (twice for "replay": the first must pass, the second is the result)."""
    ear = aegis.verify_ear(aegis.PublicKey.from_spki(read(v["ear_key"])), read(v["ear"]), now=v["time"])
    cache = aegis.ReplayCache(64)

    def once() -> aegis.VerifiedProof | aegis.VerifiedWpt:
        common: dict[str, Any] = {"now": v["time"], "ear": ear, "ear_max_age": v["ear_max_age"], "replay_cache": cache}
        if v["proof"] == "wpt":
            return aegis.verify_wpt(read(v["token"]), aud=v["aud"], wit=v["wit"], wit_jkt=v.get("wit_jkt"), **common)
        return aegis.verify_proof(
            read(v["token"]),
            kind=v["proof"],
            htm=v["htm"],
            htu=v["htu"],
            nonce=v.get("nonce"),
            access_token=v.get("access_token"),
            cnf_jkt=v.get("cnf_jkt"),
            allowed_countries=v.get("allowed_countries"),
            **common,
        )

    if v.get("replay"):
        once()
    return once()


def verify_svid_vector(v: dict[str, Any]) -> dict[str, Any]:
    """An "svid" vector: the chain against its bundle (and trust domain) at its time."""
    return aegis.verify_svid(read(v["chain"]), read(v["bundle"]), now=v["time"], trust_domain=v.get("trust_domain"))


def check_gateway(v: dict[str, Any]) -> None:
    """A "gateway" vector: the decision (no network verifier) with exactly the expected denials
    (name and code, in order) and forwarded headers."""
    key = aegis.PublicKey.from_spki(read(v["ear_key"]))
    d = aegis.gateway_check(read(v["chain"]), read(v["bundle"]), read(v["policy"]), key, now=v["time"])
    expect = v["expect"]
    assert d["verdict"] == expect["verdict"], d
    denied = [r for r in d["reasons"] if r["outcome"] == "denied"]
    assert [r["name"] for r in denied] == expect.get("denials", []), d
    assert [r["code"] for r in denied] == expect.get("codes", []), d
    assert all(aegis.ERROR_CODES[r["name"]] == r["code"] for r in denied)
    assert d["headers"] == expect.get("headers", {}), d


@pytest.mark.parametrize("vector", ALL, ids=[v["id"] for v in ALL])
def test_vector(vector: dict[str, Any]) -> None:
    kind = vector["kind"]
    if kind == "geofence":
        check_geofence(vector)
        return
    if kind == "gateway":
        check_gateway(vector)
        return
    valid = vector["expect"]["verdict"] == "valid"
    assert valid or vector["expect"]["verdict"] == "invalid", vector["expect"]
    if kind in ("quote", "certify"):
        if valid:
            check_quote_or_certify(vector)
            return
        with pytest.raises(aegis.AegisError) as raised:
            run_vector(vector)
    elif kind == "inspect":
        data = read(vector["file"])
        if valid:
            decoded = aegis.inspect(data, vector.get("structure"))
            assert isinstance(decoded, dict) and decoded
            return
        with pytest.raises(aegis.AegisError) as raised:
            aegis.inspect(data, vector.get("structure"))
    elif kind == "ek":
        if valid:
            check_ek(vector, verify_ek(vector))
            return
        with pytest.raises(aegis.AegisError) as raised:
            verify_ek(vector)
    elif kind == "poc":
        if valid:
            current = run_poc(vector)
            assert current["tpm_pcr_index"] == 15 and current["sensor_type"] in ("gnss", "mobile")
            return
        with pytest.raises(aegis.AegisError) as raised:
            run_poc(vector)
    elif kind == "jurisdiction":
        reading = (vector["latitude"], vector["longitude"], vector["accuracy_m"])
        if valid:
            check_resolution(aegis.geo_resolve(*reading), vector["expect"]["resolution"])
            return
        with pytest.raises(aegis.AegisError) as raised:
            aegis.geo_resolve(*reading)
    elif kind == "ear":
        if valid:
            ear = verify_ear(vector)
            assert ear.format == vector["format"]
            assert ear.algorithm == "ES256"
            assert ear.dialect in ("ietf-04", "ietf-03", "veraison")
            assert ear.claims["submods"]
            return
        with pytest.raises(aegis.AegisError) as raised:
            verify_ear(vector)
    elif kind == "proof":
        if valid:
            got = verify_proof_vector(vector)
            assert len(got.jkt) == 43
            if isinstance(got, aegis.VerifiedProof):
                assert got.kind == vector["proof"]
                assert (got.location is not None) == (got.kind == "dpog")
            return
        with pytest.raises(aegis.AegisError) as raised:
            verify_proof_vector(vector)
    elif kind == "svid":
        if valid:
            assert verify_svid_vector(vector)["spiffe_id"] == vector["expect"]["spiffe_id"]
            return
        with pytest.raises(aegis.AegisError) as raised:
            verify_svid_vector(vector)
        if "detail" in vector["expect"]:
            assert vector["expect"]["detail"] in str(raised.value)
    else:
        pytest.fail(f"{vector['id']}: unknown vector kind {kind!r}: teach tests/test_manifest.py to walk it")
    expect_error(vector, raised.value)


@pytest.mark.parametrize("vector", PCR_FILES, ids=[v["id"] for v in PCR_FILES])
def test_pcr_file_vector(vector: dict[str, Any]) -> None:
    data = read(vector["file"])
    if vector["expect"]["verdict"] == "valid":
        banks = aegis.parse_pcrs(data)
        assert banks and all(banks.values())
        return
    with pytest.raises(aegis.ParseError) as raised:
        aegis.parse_pcrs(data)
    assert raised.value.name == vector["expect"]["error"]


def test_clock_info_round_trips_into_policy() -> None:
    """The clock of one verified quote is the `previous_clock` of the next (item 10)."""
    v = next(v for v in QUOTE_AND_CERTIFY if v["id"] == "quote-clock-monotonic")
    quote = run_vector(v)
    assert isinstance(quote, aegis.VerifiedQuote)
    later = aegis.ClockInfo(quote.clock.clock + 1, quote.clock.reset_count, quote.clock.restart_count, True)
    with pytest.raises(aegis.AttestationError) as raised:
        aegis.verify_quote(
            aegis.AttestationKey.from_tpm_public(read(v["ak"])),
            read(v["attest"]),
            read(v["signature"]),
            read(v["pcrs"]),
            bytes.fromhex(v["nonce"]),
            previous_clock=later,
        )
    assert raised.value.name == "ClockRegression"

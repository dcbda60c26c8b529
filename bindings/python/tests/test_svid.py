"""X.509-SVIDs and the gateway decision from Python: every chain of testdata/svid/index.json
(made by make_svid_vectors.py with Python cryptography), the extensions a SPIRE
CredentialComposer adds, and a gateway's decision on a chain."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import read

import aegis


def index() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(read("svid/index.json"))
    return doc


INDEX = index()
NOW = INDEX["time"]
BUNDLE = read("svid/" + INDEX["bundle"])


@pytest.mark.parametrize("vector", INDEX["vectors"], ids=lambda v: v["id"])
def test_every_chain_of_the_index(vector: dict[str, Any]) -> None:
    chain = read("svid/" + vector["chain"])
    expect = vector["expect"]
    if expect["verdict"] == "valid":
        aegis.verify_svid(chain, BUNDLE, now=NOW)
        return
    with pytest.raises(aegis.SvidError) as e:
        aegis.verify_svid(chain, BUNDLE, now=NOW)
    assert e.value.name == expect["error"]


def test_the_valid_chain_reads_back() -> None:
    v = aegis.verify_svid(read("svid/valid.chain.pem"), BUNDLE, now=NOW, trust_domain="example.org")
    assert v["spiffe_id"] == INDEX["spiffe_id"]
    assert v["attested_claims"]["grc.tpm-attestation"]["status"] == "affirming"
    assert v["ear"]["format"] == "jwt" and v["ear"]["token"].count(".") == 2
    with pytest.raises(aegis.SvidError) as e:
        aegis.verify_svid(read("svid/valid.chain.pem"), BUNDLE, now=NOW, trust_domain="other.example")
    assert e.value.name == "SvidTrustDomainMismatch"


def test_extensions_for_the_composer() -> None:
    claims = b'{"grc.workload": {"spiffe_id": "spiffe://example.org/w"}}'
    oid, value, critical = aegis.attested_claims_extension(claims)
    assert (oid, critical) == ("1.3.6.1.4.1.55744.1.1", False)
    assert value[0] == 0x0C and value[2:] == claims
    with pytest.raises(aegis.SvidError):
        aegis.attested_claims_extension(b'{"a": 1, "a": 2}')
    jwt = read("svid/ear.jwt").strip()
    oid, value, critical = aegis.cmw_extension(jwt)
    assert (oid, critical) == ("1.3.6.1.5.5.7.1.35", False)
    assert value[0] == 0x0C and b"application/eat+jwt" in value
    with pytest.raises(aegis.UsageError):
        aegis.cmw_extension(jwt, form="xml")


def test_gateway_check_decides_on_a_chain() -> None:
    key = aegis.PrivateKey.from_pem(read("svid/" + INDEX["ear_key"])).public_key
    policy = b'{"version": 1}'
    d = aegis.gateway_check(read("svid/valid.chain.pem"), BUNDLE, policy, key, now=NOW)
    assert d["verdict"] in ("allow", "deny") and d["reasons"]
    d = aegis.gateway_check(read("svid/untrusted-root.chain.pem"), BUNDLE, policy, key, now=NOW)
    assert d["verdict"] == "deny" and d["reasons"][0]["name"] == "SvidUntrusted"
    with pytest.raises(aegis.SvidError) as e:
        aegis.gateway_check(read("svid/valid.chain.pem"), BUNDLE, b'{"version": 1, "x": 1}', key, now=NOW)
    assert e.value.name == "GatewayPolicyInvalid"

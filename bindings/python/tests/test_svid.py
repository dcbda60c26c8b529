"""X.509-SVIDs and the gateway decision from Python: the valid chain read back, the extensions a
SPIRE CredentialComposer adds, and a gateway's decision on a chain. Every chain of testdata/svid
and the gateway vectors are manifest vectors (kinds "svid" and "gateway", test_manifest.py)."""

from __future__ import annotations

import json
import ssl
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


def test_issue_a_ca_and_an_svid_and_verify_it_back() -> None:
    """issue_svid_ca and issue_svid: a leaf with the AttestedClaims and CMW extensions verifies
    against the CA it was issued by; then the refusals the Rust tests assert
    (aegis-core/tests/svid_issue.rs)."""
    ca_key = aegis.PrivateKey.generate("ecc-p256")
    leaf_key = aegis.PrivateKey.generate("ecc-p256")
    serial = b"\x01\x23\x45"
    window = {"not_before": NOW - 60, "not_after": NOW + 86400}
    ca = aegis.issue_svid_ca(ca_key, trust_domain="demo.example", organisation="Aegis demo", serial=serial, **window)
    ca_pem = ssl.DER_cert_to_PEM_cert(ca).encode()
    jwt = read("svid/ear.jwt").strip()
    leaf_args: dict[str, Any] = {
        "spiffe_id": "spiffe://demo.example/agent/1",
        "public_key": leaf_key.public_key,
        "serial": serial,
        "not_before": NOW - 60,
        "not_after": NOW + 3600,
        "attested_claims": read("svid/attested-claims.json"),
        "ear": jwt,
    }
    leaf = aegis.issue_svid(ca_key, ca, **leaf_args)
    assert aegis.issue_svid(ca_key, ca_pem, **leaf_args)  # the issuer as PEM
    v = aegis.verify_svid(ssl.DER_cert_to_PEM_cert(leaf).encode(), ca_pem, now=NOW, trust_domain="demo.example")
    assert v["spiffe_id"] == "spiffe://demo.example/agent/1"
    assert v["attested_claims"]["grc.tpm-attestation"]["status"] == "affirming"
    assert v["ear"]["token"] == jwt.decode()

    def refused(exc: type[aegis.AegisError], name: str, detail: str, **changed: Any) -> None:
        with pytest.raises(exc) as e:
            aegis.issue_svid(changed.pop("issuer_key", ca_key), ca, **{**leaf_args, **changed})
        assert e.value.name == name and detail in str(e.value)

    refused(aegis.UsageError, "InvalidArgument", "serial number", serial=b"\x00\x00")
    refused(aegis.UsageError, "InvalidArgument", "notAfter before notBefore", not_after=NOW - 3600)
    refused(aegis.UsageError, "InvalidArgument", "path", spiffe_id="spiffe://demo.example")
    refused(aegis.SvidError, "SvidIdNotSpiffe", "", spiffe_id="https://demo.example/agent/1")
    refused(aegis.UsageError, "InvalidArgument", "issuer", issuer_key=leaf_key)
    refused(aegis.UsageError, "InvalidArgument", "form", ear_form="xml")
    ca_cases: list[tuple[dict[str, Any], str]] = [
        ({"trust_domain": "demo.example", "serial": b"\x00\x00", **window}, "InvalidArgument"),
        ({"trust_domain": "demo.example", "serial": serial, "not_before": NOW, "not_after": NOW - 1}, "InvalidArgument"),
        ({"trust_domain": "Demo.example", "serial": serial, **window}, "SvidTrustDomainInvalid"),
    ]
    for kwargs, name in ca_cases:
        with pytest.raises(aegis.AegisError) as e:
            aegis.issue_svid_ca(ca_key, organisation="Aegis demo", **kwargs)
        assert e.value.name == name


class Network:
    """A network callback answering `verdict` located at `located_at` (or raising), counting calls."""

    def __init__(self, verdict: str, located_at: int, fail: bool = False) -> None:
        self.verdict, self.located_at, self.fail = verdict, located_at, fail
        self.queries: list[dict[str, Any]] = []

    def __call__(self, query: dict[str, Any]) -> tuple[str, int]:
        self.queries.append(query)
        if self.fail:
            raise RuntimeError("the operator is down")
        return self.verdict, self.located_at


MOBILE = read("svid/gateway/deny-mobile-without-network.chain.pem")
MOBILE_POLICY = read("svid/gateway/deny-mobile-without-network.policy.json")


def mobile_check(network: aegis.NetworkVerifier | None, now: int = NOW) -> dict[str, Any]:
    key = aegis.PrivateKey.from_pem(read("svid/" + INDEX["ear_key"])).public_key
    return aegis.gateway_check(MOBILE, BUNDLE, MOBILE_POLICY, key, now=now, network=network)


def network_denial(d: dict[str, Any]) -> tuple[str, int]:
    assert d["verdict"] == "deny"
    denied = [r for r in d["reasons"] if r["outcome"] == "denied"]
    assert [r["check"] for r in denied] == ["network-location"]
    return denied[0]["name"], denied[0]["code"]


def test_gateway_check_accepts_a_mobile_reading_the_network_verifies() -> None:
    assert network_denial(mobile_check(None)) == (
        "GatewayNetworkVerifierMissing",
        aegis.ERROR_CODES["GatewayNetworkVerifierMissing"],
    )
    answer = Network("true", NOW - 60)
    verifier = aegis.NetworkVerifier(answer, cache_ttl_s=900)
    d = mobile_check(verifier)
    assert d["verdict"] == "allow", d
    assert d["headers"]["X-Location-Verification"] == "tpm-attested+network-verified"
    assert answer.queries == [
        {
            "sensor_id": "12d1:1433",
            "msisdn": "+34696810912",
            "latitude": 41.3874,
            "longitude": 2.1686,
            "radius_m": answer.queries[0]["radius_m"],
        }
    ]
    assert mobile_check(verifier, now=NOW + 60)["verdict"] == "allow"
    assert len(answer.queries) == 1  # the second check within the TTL: the cache answered


def test_gateway_check_denies_what_the_network_does_not_verify() -> None:
    cases = [
        (Network("false", NOW - 60), "GatewayNetworkLocationNotVerified"),
        (Network("unknown", NOW - 60), "GatewayNetworkLocationUnknown"),
        (Network("true", NOW - 3600), "GatewayNetworkVerificationStale"),
        (Network("true", NOW, fail=True), "GatewayNetworkVerifierUnavailable"),
        (Network("maybe", NOW), "GatewayNetworkVerifierUnavailable"),
    ]
    for answer, name in cases:
        assert network_denial(mobile_check(aegis.NetworkVerifier(answer))) == (name, aegis.ERROR_CODES[name])
    failing = Network("true", NOW, fail=True)
    verifier = aegis.NetworkVerifier(failing)
    mobile_check(verifier)
    mobile_check(verifier)
    assert len(failing.queries) == 2  # failures are not cached
    with pytest.raises(aegis.UsageError):
        aegis.NetworkVerifier(42)  # type: ignore[arg-type]

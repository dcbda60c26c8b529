"""The key allow-list (VERIFIER-CHECKS.md items 13 and 15): `KeyPolicy` as the `key_policy=` of
`AttestationKey.from_tpm_public`, `verify_certify` and `appraise`. A P-384 AK and an RSA-2048 App
Key from the manifest, refused by a narrowed policy and accepted by the default one."""

from __future__ import annotations

import pytest

import aegis
from conftest import read, vectors

BY_ID = {v["id"]: v for v in vectors("quote", "certify")}
P384_AK = "certify-ecc-p384-ecdsa-sha384-ecc-p256"
RSA_APP_KEY = "certify-ecc-p256-ecdsa-sha256-rsa2048"
needs_vectors = pytest.mark.skipif(
    P384_AK not in BY_ID or RSA_APP_KEY not in BY_ID or "quote-ecc-p256-ecdsa-sha256" not in BY_ID,
    reason="testdata/manifest.json lacks the vectors",
)


def test_key_policy_values() -> None:
    default = aegis.KeyPolicy()
    assert default.rsa_bits == [2048, 3072, 4096] and default.curves == ["P-256", "P-384"]
    assert repr(default) == "KeyPolicy(rsa_bits=[2048, 3072, 4096], curves=['P-256', 'P-384'])"
    assert eval(repr(default), {"KeyPolicy": aegis.KeyPolicy}) == default
    narrow = aegis.KeyPolicy(rsa_bits=(3072,), curves=[])
    assert (narrow.rsa_bits, narrow.curves) == ([3072], []) and narrow != default
    assert aegis.KeyPolicy(curves=["P-521"]).curves == ["P-521"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rsa_bits": [1024]},
        {"rsa_bits": [2049]},
        {"rsa_bits": [32768]},
        {"rsa_bits": 2048},
        {"rsa_bits": ["2048"]},
        {"curves": ["P-999"]},
        {"curves": ["p256"]},
        {"curves": "P-256"},
    ],
)
def test_key_policy_refuses_what_is_no_size_or_curve(kwargs: dict[str, object]) -> None:
    with pytest.raises(aegis.UsageError) as e:
        aegis.KeyPolicy(**kwargs)  # type: ignore[arg-type]
    assert e.value.name == "InvalidArgument" and isinstance(e.value, ValueError)


@needs_vectors
def test_ak_key_policy() -> None:
    ak_public = read(BY_ID[P384_AK]["ak"])
    aegis.AttestationKey.from_tpm_public(ak_public)
    aegis.AttestationKey.from_tpm_public(ak_public, key_policy=aegis.KeyPolicy())
    with pytest.raises(aegis.KeyPolicyError) as e:
        aegis.AttestationKey.from_tpm_public(ak_public, key_policy=aegis.KeyPolicy(curves=["P-256"]))
    assert e.value.name == "KeyNotAllowed"
    with pytest.raises(TypeError):
        aegis.AttestationKey.from_tpm_public(ak_public, key_policy={"curves": ["P-256"]})  # type: ignore[arg-type]


@needs_vectors
def test_app_key_policy() -> None:
    c = BY_ID[RSA_APP_KEY]
    ak = aegis.AttestationKey.from_tpm_public(read(c["ak"]))
    args = (ak, read(c["key"]), read(c["attest"]), read(c["signature"]), bytes.fromhex(c["nonce"]))
    rsa3072 = aegis.KeyPolicy(rsa_bits=[3072])
    aegis.verify_certify(*args)
    aegis.verify_certify(*args, key_policy=aegis.KeyPolicy())
    with pytest.raises(aegis.KeyPolicyError) as e:
        aegis.verify_certify(*args, key_policy=rsa3072)
    assert e.value.name == "KeyNotAllowed"

    def appraise(**kw: object) -> aegis.Appraisal:
        return aegis.appraise(
            ak,
            None,
            app_key=read(c["key"]),
            certify_attest=read(c["attest"]),
            certify_signature=read(c["signature"]),
            quote_attest=b"",
            quote_signature=b"",
            pcrs=read(BY_ID["quote-ecc-p256-ecdsa-sha256"]["pcrs"]),
            certify_nonce=bytes.fromhex(c["nonce"]),
            quote_nonce=b"",
            location_pcr=None,
            **kw,  # type: ignore[arg-type]
        )

    certification = appraise().outcomes[1]
    assert (certification.check, certification.outcome) == ("app-key-certification", "passed")
    refused = appraise(key_policy=rsa3072)
    certification = refused.outcomes[1]
    assert (certification.check, certification.outcome) == ("app-key-certification", "failed")
    assert isinstance(certification.error, aegis.KeyPolicyError) and certification.error.name == "KeyNotAllowed"
    assert refused.certification is None and refused.location is None

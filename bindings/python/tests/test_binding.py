"""Credential activation as a verifier runs it (VERIFIER-CHECKS.md item 14): ActivationChallenge
for a certified (VerifiedEk) or uncertified (EK public bytes) EK, completed once into an
AkBinding whose check_ak tells the bound AK from any other; and a real activation by swtpm."""

from __future__ import annotations

import struct
from typing import Any

import pytest

import aegis
from conftest import Tpm, read, vectors

EKS = [v for v in vectors("ek") if v["expect"]["verdict"] == "valid"]
QUOTES = {v["id"]: v for v in vectors("quote") if v["expect"]["verdict"] == "valid"}
needs_vectors = pytest.mark.skipif(
    not EKS or "quote-rsa2048-rsassa-sha256" not in QUOTES or "quote-ecc-p256-ecdsa-sha256" not in QUOTES,
    reason="testdata/manifest.json lacks the ek or quote vectors",
)


def ak_of(vector_id: str) -> aegis.AttestationKey:
    return aegis.AttestationKey.from_tpm_public(read(QUOTES[vector_id]["ak"]))


def verified_ek(vector: dict[str, Any]) -> aegis.VerifiedEk:
    store = aegis.EkTrustStore()
    for root in vector["ca_roots"]:
        store.add_root(read(root))
    for intermediate in vector["ca_intermediates"]:
        store.add_intermediate(read(intermediate))
    return aegis.verify_ek_certificate(store, read(vector["ek_cert"]), read(vector["ek_pub"]), vector["verify_time"])


@needs_vectors
@pytest.mark.parametrize("vector", EKS, ids=[v["id"] for v in EKS])
def test_uncertified_challenge_shapes(vector: dict[str, Any]) -> None:
    ak = ak_of("quote-rsa2048-rsassa-sha256")
    challenge = aegis.ActivationChallenge(read(vector["ek_pub"]), ak)
    assert challenge.ak_name == ak.name
    assert not challenge.completed
    # TPM2B forms, size-prefixed, as TPM2_ActivateCredential takes them.
    blob, secret = challenge.credential_blob, challenge.encrypted_secret
    assert blob[:2] == struct.pack(">H", len(blob) - 2)
    assert secret[:2] == struct.pack(">H", len(secret) - 2)
    digest = {b"\x00\x0b": 32, b"\x00\x0c": 48}[bytes.fromhex(vector["ek_name"])[:2]]
    assert len(blob) == 2 + (2 + digest) + (2 + 32)  # outer HMAC, then the 32-byte secret
    file = challenge.to_tpm2_tools_file()
    assert file == bytes.fromhex("badcc0de00000001") + blob + secret
    made = aegis.MadeCredential.from_tpm2_tools_file(file)
    assert (made.credential_blob, made.encrypted_secret) == (blob, secret)
    # A fresh secret and seed each time.
    assert aegis.ActivationChallenge(read(vector["ek_pub"]), ak).encrypted_secret != secret
    name_hex = ak.name.hex() if ak.name else ""
    assert repr(challenge).startswith(f"ActivationChallenge(ak_name=bytes.fromhex('{name_hex}'), ek_certified=False")


@needs_vectors
def test_wrong_secret_is_credential_mismatch_and_consumes_the_challenge() -> None:
    challenge = aegis.ActivationChallenge(read(EKS[0]["ek_pub"]), ak_of("quote-rsa2048-rsassa-sha256"))
    with pytest.raises(aegis.EkError) as raised:
        challenge.complete(bytes(32))
    assert raised.value.name == "CredentialMismatch"
    assert raised.value.code == aegis.ERROR_CODES["CredentialMismatch"]
    assert challenge.completed
    # complete consumes the challenge (as in Rust): no second guess.
    for activated in (bytes(32), b""):
        with pytest.raises(aegis.UsageError) as again:
            challenge.complete(activated)
        assert again.value.name == "InvalidArgument"
        assert "already used" in again.value.message
    assert repr(challenge).endswith("completed=True)")
    # The credential stays readable after completion.
    assert challenge.credential_blob and challenge.encrypted_secret


@needs_vectors
def test_certified_challenge() -> None:
    vek = verified_ek(next(v for v in EKS if "rsa" in v["id"]))
    challenge = aegis.ActivationChallenge(vek, ak_of("quote-rsa2048-rsassa-sha256"))
    assert "ek_certified=True" in repr(challenge)
    assert len(challenge.encrypted_secret) == 2 + 256  # RSA-2048 OAEP
    with pytest.raises(aegis.EkError) as raised:
        challenge.complete(b"\x01" * 32)
    assert raised.value.name == "CredentialMismatch"


@needs_vectors
def test_challenge_refusals() -> None:
    ek_public = read(EKS[0]["ek_pub"])
    ak = ak_of("quote-rsa2048-rsassa-sha256")
    # A bare AK has no Name to make the credential for.
    bare = aegis.AttestationKey.from_bare_key_unchecked(read(QUOTES["quote-rsa2048-rsassa-sha256"]["ak"].replace("ak.pub", "ak.pem")))
    with pytest.raises(aegis.UsageError) as raised:
        aegis.ActivationChallenge(ek_public, bare)
    assert raised.value.name == "InvalidArgument"
    # ek is a VerifiedEk or a bytes-like public area (bytes, bytearray, memoryview).
    for wrong in (ek_public.hex(), None, [1, 2]):
        with pytest.raises(aegis.UsageError):
            aegis.ActivationChallenge(wrong, ak)  # type: ignore[arg-type]
    for form in (bytearray(ek_public), memoryview(ek_public)):
        assert aegis.ActivationChallenge(form, ak).ak_name == ak.name
    with pytest.raises(aegis.ParseError):
        aegis.ActivationChallenge(b"\x00\x02\x00", ak)
    # An AK is a signing key, not a restricted decryption key: no credential to it.
    with pytest.raises(aegis.KeyPolicyError):
        aegis.ActivationChallenge(read(QUOTES["quote-rsa2048-rsassa-sha256"]["ak"]), ak)


# --- Activation by a real TPM -----------------------------------------------------------------------


def test_swtpm_completes_an_activation_challenge(swtpm: Tpm) -> None:
    """Enrolment end to end: a challenge to the verified EK for the AK, the TPM recovering the
    secret, the binding naming that AK (and no other) to a certified EK; then the same for the
    EK public alone (uncertified)."""
    ek_public, ak = swtpm.create_ek_and_ak()
    vek = swtpm.verified_ek(ek_public)

    challenge = aegis.ActivationChallenge(vek, ak)
    activated = swtpm.activate(challenge)
    assert activated is not None, "the TPM refused a challenge made for its own EK and AK"
    binding = challenge.complete(activated)
    assert binding.ek_certified
    assert binding.ak_name == ak.name
    binding.check_ak(ak)
    binding.check_ak(aegis.AttestationKey.from_tpm_public((swtpm.dir / "ak.pub").read_bytes()))
    assert repr(binding) == f"AkBinding(ak_name=bytes.fromhex('{binding.ak_name.hex()}'), ek_certified=True)"
    for other in (ak_of("quote-rsa2048-rsassa-sha256"), ak_of("quote-ecc-p256-ecdsa-sha256")):
        with pytest.raises(aegis.EkError) as raised:
            binding.check_ak(other)
        assert raised.value.name == "AkBindingMismatch"
        assert raised.value.code == aegis.ERROR_CODES["AkBindingMismatch"]
    bare = aegis.AttestationKey.from_bare_key_unchecked(
        aegis.PublicKey.from_tpm_public((swtpm.dir / "ak.pub").read_bytes()).to_spki_der()
    )
    with pytest.raises(aegis.EkError):
        binding.check_ak(bare)  # the same key, but bare: no Name to compare

    uncertified = aegis.ActivationChallenge(ek_public, ak)
    activated = swtpm.activate(uncertified)
    assert activated is not None
    binding = uncertified.complete(activated)
    assert not binding.ek_certified and binding.ak_name == ak.name

"""EK certificates, credentials and Names (VERIFIER-CHECKS.md item 14): each EK check broken on its
own, the trust store's inputs, credential making and checking, and activation of a credential
made here by a real TPM (swtpm + tpm2-tools) when they are installed."""

from __future__ import annotations

import base64
import concurrent.futures
import hashlib
import os
import struct
import time
from typing import Any

import pytest

import aegis
from conftest import Tpm, read, vectors

EKS = [v for v in vectors("ek") if v["expect"]["verdict"] == "valid"]
QUOTES = [v for v in vectors("quote") if v["expect"]["verdict"] == "valid" and v.get("ak_qualified_name")]
needs_eks = pytest.mark.skipif(len(EKS) < 2, reason="testdata/manifest.json has fewer than two valid ek vectors")
# A well-formed AK Name (sha256 nameAlg) for credentials that no TPM activates.
AK_NAME = bytes.fromhex("000b" + "5a" * 32)


def store_of(vector: dict[str, Any], *, intermediates: bool = True) -> aegis.EkTrustStore:
    store = aegis.EkTrustStore()
    for root in vector["ca_roots"]:
        store.add_root(read(root))
    if intermediates:
        for intermediate in vector["ca_intermediates"]:
            store.add_intermediate(read(intermediate))
    return store


def verify(vector: dict[str, Any], store: aegis.EkTrustStore | None = None, **override: Any) -> aegis.VerifiedEk:
    args: dict[str, Any] = {
        "store": store if store is not None else store_of(vector),
        "cert": read(vector["ek_cert"]),
        "ek_public": read(vector["ek_pub"]),
        "now": vector["verify_time"],
    }
    args.update(override)
    return aegis.verify_ek_certificate(**args)


def expect_ek_error(name: str, vector: dict[str, Any], **kwargs: Any) -> None:
    with pytest.raises(aegis.EkError) as raised:
        verify(vector, **kwargs)
    assert raised.value.name == name, repr(raised.value)
    assert raised.value.code == aegis.ERROR_CODES[name]


def pem_to_ders(pem: bytes) -> list[bytes]:
    blocks = pem.decode().split("-----BEGIN CERTIFICATE-----")[1:]
    return [base64.b64decode(b.split("-----END CERTIFICATE-----")[0]) for b in blocks]


def ids(vs: list[dict[str, Any]]) -> list[str]:
    return [v["id"] for v in vs]


# --- EK certificate: each check broken on its own -------------------------------------------------


@needs_eks
@pytest.mark.parametrize("vector", EKS, ids=ids(EKS))
def test_ek_before_not_before_is_expired(vector: dict[str, Any]) -> None:
    expect_ek_error("EkCertificateExpired", vector, now=1)


@needs_eks
@pytest.mark.parametrize("vector", EKS, ids=ids(EKS))
def test_ek_empty_store_is_untrusted(vector: dict[str, Any]) -> None:
    expect_ek_error("EkCertificateUntrusted", vector, store=aegis.EkTrustStore())


@needs_eks
@pytest.mark.parametrize("vector", EKS, ids=ids(EKS))
def test_ek_roots_without_intermediate_are_untrusted(vector: dict[str, Any]) -> None:
    assert vector["ca_intermediates"], "the vector's chain has an intermediate"
    expect_ek_error("EkCertificateUntrusted", vector, store=store_of(vector, intermediates=False))


@needs_eks
@pytest.mark.parametrize("vector", EKS, ids=ids(EKS))
def test_ek_other_public_is_mismatch(vector: dict[str, Any]) -> None:
    other = next(v for v in EKS if v["ek_pub"] != vector["ek_pub"])
    expect_ek_error("EkPublicKeyMismatch", vector, ek_public=read(other["ek_pub"]))


@needs_eks
def test_ek_not_a_certificate() -> None:
    with pytest.raises(aegis.EkError) as raised:
        verify(EKS[0], cert=b"\x30\x03\x02\x01\x01")
    assert raised.value.name == "EkCertificateInvalid"
    with pytest.raises(aegis.ParseError):
        verify(EKS[0], ek_public=b"\x00\x01\x00")


@needs_eks
@pytest.mark.parametrize("vector", EKS, ids=ids(EKS))
def test_ek_nv_padding_is_trimmed(vector: dict[str, Any]) -> None:
    """An EK certificate read from its NV index may carry padding after the DER (zeros or 0xFF)."""
    cert = read(vector["ek_cert"])
    for pad in (b"\x00", b"\xff"):
        assert verify(vector, cert=cert + pad * 97).name == verify(vector).name


@needs_eks
def test_verified_ek_fields() -> None:
    v = EKS[0]
    vek = verify(v)
    assert vek.name == bytes.fromhex(v["ek_name"])
    assert vek.public == read(v["ek_pub"])
    assert vek.issuer == "CN=swtpm-localca"
    assert isinstance(vek.subject, str)
    assert vek.serial == vek.serial.lower() and int(vek.serial, 16) >= 0
    assert vek.chain_len == 3
    # qualifiedName = nameAlg || H(QN(endorsement) || Name(EK)), the hierarchy's QN its handle.
    assert aegis.ENDORSEMENT_HIERARCHY == 0x4000000B
    endorsement = aegis.name_of_handle(aegis.ENDORSEMENT_HIERARCHY)
    assert endorsement == bytes.fromhex("4000000b")
    digest = hashlib.new({b"\x00\x0b": "sha256", b"\x00\x0c": "sha384"}[vek.name[:2]], endorsement + vek.name)
    assert vek.qualified_name == vek.name[:2] + digest.digest()
    assert "VerifiedEk(" in repr(vek)


@needs_eks
def test_ak_qualified_name_under_verified_ek_is_the_signed_signer() -> None:
    """The quote vectors' AK was made under the rsa2048 EK: its qualified Name under the verified
    EK's is the qualifiedSigner the TPM signed (what a verifier pins after enrolment)."""
    ek = next(v for v in EKS if "rsa" in v["id"])
    quote = next((q for q in QUOTES if q.get("ak_name")), None)
    if quote is None:
        pytest.skip("no valid quote vector with ak_name and ak_qualified_name")
    vek = verify(ek)
    assert aegis.qualified_name(bytes.fromhex(quote["ak_name"]), vek.qualified_name) == bytes.fromhex(
        quote["ak_qualified_name"]
    )


def test_qualified_name_refuses_a_short_name() -> None:
    with pytest.raises(aegis.AegisError):
        aegis.qualified_name(b"\x00", b"\x40\x00\x00\x0b")


# --- The trust store ------------------------------------------------------------------------------


@needs_eks
def test_store_der_and_multi_pem() -> None:
    v = EKS[0]
    root_pem, intermediate_pem = read(v["ca_roots"][0]), read(v["ca_intermediates"][0])
    # DER, told apart from PEM by content.
    der = aegis.EkTrustStore()
    for cert in pem_to_ders(root_pem):
        der.add_root(cert)
    for cert in pem_to_ders(intermediate_pem):
        der.add_intermediate(cert)
    assert (der.root_count, der.intermediate_count) == (1, 1)
    assert verify(v, store=der).name == verify(v).name
    # Several certificates in one PEM file (a leading newline allowed).
    bundle = aegis.EkTrustStore()
    bundle.add_intermediate(b"\n" + intermediate_pem + root_pem)
    assert bundle.intermediate_count == 2
    bundle.add_root(root_pem)
    assert verify(v, store=bundle).name == verify(v).name
    assert repr(bundle) == "EkTrustStore(roots=1, intermediates=2)"


@needs_eks
def test_failed_add_leaves_the_store_unchanged() -> None:
    v = EKS[0]
    store = store_of(v)
    root_pem = read(v["ca_roots"][0])
    broken_bundle = root_pem + b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    for bad in (b"", b"not a certificate", b"\x30\x03\x02\x01\x01", broken_bundle, read(v["ek_cert"])):
        for add in (store.add_root, store.add_intermediate):
            with pytest.raises(aegis.AegisError):
                add(bad)
            assert (store.root_count, store.intermediate_count) == (1, 1)
    assert verify(v, store=store).name == bytes.fromhex(v["ek_name"])


@needs_eks
def test_ek_verification_in_threads() -> None:
    """Verification releases the GIL and reads a snapshot of the store: adds running meanwhile
    neither block it nor change its result."""
    v = EKS[0]
    store = store_of(v)
    root = read(v["ca_roots"][0])

    def one(i: int) -> bytes:
        if i % 4 == 0:
            store.add_intermediate(root)
        return verify(v, store=store).name

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        names = set(pool.map(one, range(32)))
    assert names == {bytes.fromhex(v["ek_name"])}
    assert store.intermediate_count == 9


# --- Credentials ----------------------------------------------------------------------------------


@needs_eks
@pytest.mark.parametrize("vector", EKS, ids=ids(EKS))
def test_credential_sizes(vector: dict[str, Any]) -> None:
    ek_public = read(vector["ek_pub"])
    digest = {b"\x00\x0b": 32, b"\x00\x0c": 48}[bytes.fromhex(vector["ek_name"])[:2]]
    for secret in (b"\x01", os.urandom(digest)):
        made = aegis.make_credential(ek_public, AK_NAME, secret)
        # TPM2B_ID_OBJECT: size || TPM2B_DIGEST(outerHMAC) || CFB(TPM2B_DIGEST(secret)).
        assert made.credential_blob[:2] == struct.pack(">H", len(made.credential_blob) - 2)
        assert len(made.credential_blob) == 2 + (2 + digest) + (2 + len(secret))
        assert made.encrypted_secret[:2] == struct.pack(">H", len(made.encrypted_secret) - 2)
        if "rsa" in vector["id"]:
            assert len(made.encrypted_secret) == 2 + 256  # RSA-2048 OAEP ciphertext
        else:
            assert len(made.encrypted_secret) == 2 + 2 * (2 + 48)  # ephemeral P-384 point
    # A fresh seed each time.
    assert aegis.make_credential(ek_public, AK_NAME, b"x").encrypted_secret != made.encrypted_secret


@needs_eks
def test_credential_tpm2_tools_file_round_trip() -> None:
    made = aegis.make_credential(read(EKS[0]["ek_pub"]), AK_NAME, b"secret")
    file = made.to_tpm2_tools_file()
    assert file[:8] == bytes.fromhex("badcc0de00000001")
    assert file[8:] == made.credential_blob + made.encrypted_secret
    back = aegis.MadeCredential.from_tpm2_tools_file(file)
    assert (back.credential_blob, back.encrypted_secret) == (made.credential_blob, made.encrypted_secret)
    assert back.to_tpm2_tools_file() == file
    for bad in (b"", file[:-1], file + b"\x00", b"\x00" * 4 + file[4:]):
        with pytest.raises(aegis.ParseError):
            aegis.MadeCredential.from_tpm2_tools_file(bad)
    assert "MadeCredential(" in repr(made)


@needs_eks
def test_credential_refusals() -> None:
    ek_public = read(EKS[0]["ek_pub"])
    with pytest.raises(aegis.UsageError) as raised:
        aegis.make_credential(ek_public, AK_NAME, b"")
    assert raised.value.name == "InvalidArgument"
    with pytest.raises(aegis.UsageError):
        aegis.make_credential(ek_public, AK_NAME, b"x" * 33)  # longer than SHA-256
    with pytest.raises(aegis.AegisError):
        aegis.make_credential(ek_public, b"\x00\x0b\x01", b"x")  # truncated Name
    with pytest.raises(aegis.ParseError):
        aegis.make_credential(b"\x00\x02\x00", AK_NAME, b"x")
    # An AK is a signing key, not a restricted decryption key: no credential to it.
    ak = next(v for v in vectors("quote") if v["expect"]["verdict"] == "valid")
    with pytest.raises(aegis.KeyPolicyError):
        aegis.make_credential(read(ak["ak"]), AK_NAME, b"x")


def test_check_activated() -> None:
    aegis.check_activated(b"secret", b"secret")
    for wrong in (b"secreT", b"secre", b"secret!", b""):
        with pytest.raises(aegis.EkError) as raised:
            aegis.check_activated(b"secret", wrong)
        assert raised.value.name == "CredentialMismatch"
        assert raised.value.code == aegis.ERROR_CODES["CredentialMismatch"]
    with pytest.raises(aegis.UsageError):
        aegis.check_activated(b"", b"")


# --- Activation by a real TPM ----------------------------------------------------------------------

def test_swtpm_activates_a_credential_made_here(swtpm: Tpm) -> None:
    """Enrolment end to end: the TPM's EK certificate (from NV, padding and all) verified against
    its manufacturer CA, a credential made by this API to the verified EK for the AK's Name, the
    TPM recovering it; a credential for another Name is refused by the TPM."""
    swtpm.run("tpm2_createek", "-G", "rsa", "-u", "ek.pub", "-c", "ek.ctx")
    swtpm.run(
        *("tpm2_createak", "-C", "ek.ctx", "-c", "ak.ctx", "-G", "rsa", "-g", "sha256", "-s", "rsassa"),
        *("-u", "ak.pub", "-n", "ak.name", "-r", "ak.priv"),
    )
    swtpm.run("tpm2_flushcontext", "-t")
    swtpm.run("tpm2_nvread", "0x01c00002", "-C", "o", "-o", "ek.crt")

    store = aegis.EkTrustStore()
    store.add_root((swtpm.dir / "ca" / "swtpm-localca-rootca-cert.pem").read_bytes())
    store.add_intermediate((swtpm.dir / "ca" / "issuercert.pem").read_bytes())
    ek_public = (swtpm.dir / "ek.pub").read_bytes()
    vek = aegis.verify_ek_certificate(store, (swtpm.dir / "ek.crt").read_bytes(), ek_public, int(time.time()))
    assert vek.public == ek_public

    ak = aegis.AttestationKey.from_tpm_public((swtpm.dir / "ak.pub").read_bytes())
    assert ak.name is not None and ak.name == (swtpm.dir / "ak.name").read_bytes()
    secret = os.urandom(32)
    made = aegis.make_credential(vek.public, ak.name, secret)
    activated = swtpm.activate(made)
    assert activated is not None, "the TPM refused a credential made for its own EK and AK"
    aegis.check_activated(secret, activated)

    other = aegis.make_credential(vek.public, ak.name[:2] + bytes(32), secret)
    refused = swtpm.activate(other)
    assert refused is None or refused != secret
    if refused is not None:
        with pytest.raises(aegis.EkError):
            aegis.check_activated(secret, refused)

"""Public keys, signatures and software signing (PublicKey, verify_signature, PrivateKey): every
key kind x scheme x format round trip, interop with `cryptography` both ways, and each check of
verify_signature broken on its own with the error it must raise."""

from __future__ import annotations

import concurrent.futures
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

import aegis
from conftest import read, vectors

KINDS = ["ecc-p256", "ecc-p384", "rsa-2048", "rsa-3072"]
HASHES = ["sha256", "sha384", "sha512"]
CRYPTO_HASH: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
MESSAGE = b"the proof of possession's message"


def schemes_of(kind: str) -> list[str]:
    algs = ["ecdsa"] if kind.startswith("ecc") else ["rsassa", "rsapss"]
    return [f"{alg}-{h}" for alg in algs for h in HASHES]


def formats_of(kind: str) -> list[str]:
    return ["raw", "der", "tpmt"] if kind.startswith("ecc") else ["raw", "tpmt"]


CASES = [(kind, scheme, fmt) for kind in KINDS for scheme in schemes_of(kind) for fmt in formats_of(kind)]

_KEYS: dict[str, aegis.PrivateKey] = {}


def key_of(kind: str) -> aegis.PrivateKey:
    """One generated key per kind for the whole module (RSA generation is slow)."""
    if kind not in _KEYS:
        _KEYS[kind] = aegis.PrivateKey.generate(kind)
    return _KEYS[kind]


def crypto_public(key: aegis.PublicKey) -> Any:
    return serialization.load_der_public_key(key.to_spki_der())


def expect(name: str, group: type[aegis.AegisError], call: Any, *args: Any, **kwargs: Any) -> aegis.AegisError:
    with pytest.raises(group) as raised:
        call(*args, **kwargs)
    assert raised.value.name == name, repr(raised.value)
    assert raised.value.code == aegis.ERROR_CODES[name]
    return raised.value


def flip(data: bytes, index: int = -1) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


# --- Round trips -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "scheme", "fmt"), CASES, ids=[f"{k}-{s}-{f}" for k, s, f in CASES])
def test_sign_then_verify(kind: str, scheme: str, fmt: str) -> None:
    key = key_of(kind)
    sig = key.sign(MESSAGE, scheme, format=fmt)
    aegis.verify_signature(key.public_key, scheme, MESSAGE, sig, format=fmt)
    expect("SignatureInvalid", aegis.SignatureError, aegis.verify_signature, key.public_key, scheme, b"other", sig, format=fmt)
    if fmt == "raw":
        pub = key.public_key
        size = pub.bits // 8 if pub.kind == "rsa" else 2 * ((pub.bits + 7) // 8)
        assert len(sig) == size


@pytest.mark.parametrize("kind", KINDS)
def test_keys_and_pem(kind: str) -> None:
    key = key_of(kind)
    pub = key.public_key
    bits = int(kind.split("-")[1].lstrip("p"))
    assert pub.bits == bits
    if kind.startswith("ecc"):
        assert (pub.kind, pub.curve) == ("ecc", f"P-{bits}")
        assert repr(pub) == f"PublicKey(kind='ecc', curve='P-{bits}')"
    else:
        assert (pub.kind, pub.curve) == ("rsa", None)
        assert repr(pub) == f"PublicKey(kind='rsa', bits={bits})"
    assert aegis.PublicKey.from_spki(pub.to_spki_der()) == pub
    pem = key.to_pem()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    again = aegis.PrivateKey.from_pem(pem)
    assert again.public_key == pub
    assert again.to_pem() == pem
    # The PEM is standard PKCS#8: cryptography reads it and finds the same public key.
    theirs = serialization.load_pem_private_key(pem, password=None)
    assert theirs.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == pub.to_spki_der()
    # repr shows the kind, never key material.
    assert repr(key) == f"PrivateKey(kind='{kind}')"
    if isinstance(theirs, ec.EllipticCurvePrivateKey):
        secret = theirs.private_numbers().private_value
    else:
        assert isinstance(theirs, rsa.RSAPrivateKey)
        secret = theirs.private_numbers().d
    assert format(secret, "x") not in repr(key) and str(secret) not in repr(key)


def test_keys_compare_by_value() -> None:
    a, b = key_of("ecc-p256").public_key, key_of("ecc-p384").public_key
    assert a == aegis.PublicKey.from_spki(a.to_spki_der()) and a != b
    with pytest.raises(TypeError):
        hash(a)


def test_public_key_from_tpm_public_and_pem() -> None:
    """An AK's TPM public area and its PEM export name the same key."""
    for v in vectors("quote"):
        if v["id"] in ("quote-rsa2048-rsassa-sha256", "quote-ecc-p384-ecdsa-sha384"):
            tpm = aegis.PublicKey.from_tpm_public(read(v["ak"]))
            pem = aegis.PublicKey.from_spki(read(v["ak"].replace("ak.pub", "ak.pem")))
            assert tpm == pem
            assert aegis.PublicKey.from_spki(tpm.to_spki_der()) == tpm
    with pytest.raises(aegis.ParseError):
        aegis.PublicKey.from_tpm_public(b"\x00\x01\x00")
    with pytest.raises(aegis.AegisError):
        aegis.PublicKey.from_spki(b"not a key")


# --- Interop with cryptography ---------------------------------------------------------------------


def crypto_padding(scheme: str) -> padding.AsymmetricPadding:
    alg, h = scheme.split("-")
    if alg == "rsapss":
        return padding.PSS(mgf=padding.MGF1(CRYPTO_HASH[h]()), salt_length=padding.PSS.DIGEST_LENGTH)
    return padding.PKCS1v15()


@pytest.mark.parametrize(("kind", "scheme"), [(k, s) for k in KINDS for s in schemes_of(k)])
def test_cryptography_verifies_aegis_signatures(kind: str, scheme: str) -> None:
    key = key_of(kind)
    theirs = crypto_public(key.public_key)
    h = CRYPTO_HASH[scheme.split("-")[1]]()
    if kind.startswith("ecc"):
        theirs.verify(key.sign(MESSAGE, scheme, format="der"), MESSAGE, ec.ECDSA(h))
        raw = key.sign(MESSAGE, scheme, format="raw")
        half = len(raw) // 2
        r, s = int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
        theirs.verify(encode_dss_signature(r, s), MESSAGE, ec.ECDSA(h))
    else:
        theirs.verify(key.sign(MESSAGE, scheme), MESSAGE, crypto_padding(scheme), h)


@pytest.mark.parametrize("curve", [ec.SECP256R1(), ec.SECP384R1()], ids=["p256", "p384"])
@pytest.mark.parametrize("h", HASHES)
def test_aegis_verifies_cryptography_ecdsa(curve: ec.EllipticCurve, h: str) -> None:
    theirs = ec.generate_private_key(curve)
    pub = aegis.PublicKey.from_spki(
        theirs.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    der = theirs.sign(MESSAGE, ec.ECDSA(CRYPTO_HASH[h]()))
    aegis.verify_signature(pub, f"ecdsa-{h}", MESSAGE, der, format="der")
    r, s = decode_dss_signature(der)
    size = (curve.key_size + 7) // 8
    aegis.verify_signature(pub, f"ecdsa-{h}", MESSAGE, r.to_bytes(size, "big") + s.to_bytes(size, "big"))
    # The PKCS#8 key cryptography writes is read and signs the same as its own.
    ours = aegis.PrivateKey.from_pem(
        theirs.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    assert ours.public_key == pub
    theirs.public_key().verify(ours.sign(MESSAGE, f"ecdsa-{h}", format="der"), MESSAGE, ec.ECDSA(CRYPTO_HASH[h]()))


@pytest.mark.parametrize("h", HASHES)
def test_aegis_verifies_cryptography_rsa(h: str) -> None:
    theirs = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pub = aegis.PublicKey.from_spki(
        theirs.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    aegis.verify_signature(pub, f"rsassa-{h}", MESSAGE, theirs.sign(MESSAGE, padding.PKCS1v15(), CRYPTO_HASH[h]()))
    for salt in (padding.PSS.DIGEST_LENGTH, padding.PSS.MAX_LENGTH):
        pss = padding.PSS(mgf=padding.MGF1(CRYPTO_HASH[h]()), salt_length=salt)
        aegis.verify_signature(pub, f"rsapss-{h}", MESSAGE, theirs.sign(MESSAGE, pss, CRYPTO_HASH[h]()))
    # Traditional (PKCS#1) PEM is read too.
    ours = aegis.PrivateKey.from_pem(
        theirs.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
    )
    assert ours.public_key == pub


# --- Each check of verify_signature broken on its own ----------------------------------------------


def test_flipped_bit_is_signature_invalid() -> None:
    for kind, scheme in (("rsa-2048", "rsassa-sha256"), ("rsa-2048", "rsapss-sha256"), ("ecc-p256", "ecdsa-sha256")):
        key = key_of(kind)
        sig = key.sign(MESSAGE, scheme)
        expect("SignatureInvalid", aegis.SignatureError, aegis.verify_signature, key.public_key, scheme, MESSAGE, flip(sig))
        expect("SignatureInvalid", aegis.SignatureError, aegis.verify_signature, key.public_key, scheme, flip(MESSAGE, 0), sig)


def test_rsa_signature_one_byte_short_is_signature_length() -> None:
    key = key_of("rsa-2048")
    sig = key.sign(MESSAGE, "rsassa-sha256")
    for bad in (sig[1:], b"\x00" + sig):
        expect("SignatureLength", aegis.SignatureError, aegis.verify_signature, key.public_key, "rsassa-sha256", MESSAGE, bad)
    raw = key_of("ecc-p256").sign(MESSAGE, "ecdsa-sha256")
    expect(
        "SignatureLength", aegis.SignatureError, aegis.verify_signature, key_of("ecc-p256").public_key, "ecdsa-sha256", MESSAGE, raw[:-1]
    )


def test_sha1_needs_allow_sha1() -> None:
    theirs = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pub = aegis.PublicKey.from_spki(
        theirs.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    sig = theirs.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA1())
    expect("HashNotAllowed", aegis.SignatureError, aegis.verify_signature, pub, "rsassa-sha1", MESSAGE, sig)
    aegis.verify_signature(pub, "rsassa-sha1", MESSAGE, sig, allow_sha1=True)
    # Aegis never signs with SHA-1.
    expect("HashNotAllowed", aegis.SignatureError, key_of("rsa-2048").sign, MESSAGE, "rsassa-sha1")


def test_scheme_of_the_other_key_type_is_scheme_mismatch() -> None:
    rsa_key, ec_key = key_of("rsa-2048"), key_of("ecc-p256")
    rsa_sig, ec_sig = rsa_key.sign(MESSAGE, "rsassa-sha256"), ec_key.sign(MESSAGE, "ecdsa-sha256")
    for fmt in ("raw", "der"):
        expect(
            "SignatureSchemeMismatch", aegis.SignatureError,
            aegis.verify_signature, rsa_key.public_key, "ecdsa-sha256", MESSAGE, ec_key.sign(MESSAGE, "ecdsa-sha256", format=fmt), format=fmt,
        )
    expect("SignatureSchemeMismatch", aegis.SignatureError, aegis.verify_signature, ec_key.public_key, "rsassa-sha256", MESSAGE, rsa_sig)
    expect("SignatureSchemeMismatch", aegis.SignatureError, aegis.verify_signature, ec_key.public_key, "rsapss-sha256", MESSAGE, ec_sig)
    # Signing: a scheme that does not fit the key is the caller's mistake.
    expect("InvalidArgument", aegis.UsageError, rsa_key.sign, MESSAGE, "ecdsa-sha256")
    expect("InvalidArgument", aegis.UsageError, ec_key.sign, MESSAGE, "rsapss-sha256")


def test_tpmt_scheme_and_hash_must_be_the_callers() -> None:
    """The TPMT_SIGNATURE's own header never decides (item 3)."""
    key = key_of("rsa-2048")
    pss = key.sign(MESSAGE, "rsapss-sha256", format="tpmt")
    expect("SignatureSchemeMismatch", aegis.SignatureError, aegis.verify_signature, key.public_key, "rsassa-sha256", MESSAGE, pss, format="tpmt")
    expect("HashMismatch", aegis.SignatureError, aegis.verify_signature, key.public_key, "rsapss-sha384", MESSAGE, pss, format="tpmt")
    with pytest.raises(aegis.ParseError):
        aegis.verify_signature(key.public_key, "rsapss-sha256", MESSAGE, pss[:-1], format="tpmt")


def test_rsa_1024_is_key_not_allowed() -> None:
    theirs = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    spki = theirs.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    pub = aegis.PublicKey.from_spki(spki)
    assert pub.bits == 1024
    sig = theirs.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256())
    expect("KeyNotAllowed", aegis.KeyPolicyError, aegis.verify_signature, pub, "rsassa-sha256", MESSAGE, sig)


def test_non_minimal_der_is_invalid_format() -> None:
    key = key_of("ecc-p256")
    der = key.sign(MESSAGE, "ecdsa-sha256", format="der")
    r, s = decode_dss_signature(der)

    def integer(v: int, pad: bytes = b"") -> bytes:
        body = pad + v.to_bytes((v.bit_length() + 8) // 8, "big")  # minimal, sign byte when needed
        return b"\x02" + bytes([len(body)]) + body

    assert encode_dss_signature(r, s) == der
    body = integer(r, b"\x00") + integer(s)  # r with a superfluous leading zero
    bad = b"\x30" + bytes([len(body)]) + body
    expect("InvalidFormat", aegis.ParseError, aegis.verify_signature, key.public_key, "ecdsa-sha256", MESSAGE, bad, format="der")
    expect("TrailingBytes", aegis.ParseError, aegis.verify_signature, key.public_key, "ecdsa-sha256", MESSAGE, der + b"\x00", format="der")


@pytest.mark.parametrize("scheme", ["ecdsa", "ecdsa-sha3", "ed25519-sha256", "rsassa_sha256", "RSASSA-SHA256", ""])
def test_bad_scheme_string_is_a_usage_error(scheme: str) -> None:
    key = key_of("ecc-p256")
    sig = key.sign(MESSAGE, "ecdsa-sha256")
    expect("InvalidArgument", aegis.UsageError, aegis.verify_signature, key.public_key, scheme, MESSAGE, sig)
    expect("InvalidArgument", aegis.UsageError, key.sign, MESSAGE, scheme)


def test_bad_format_and_kind_are_usage_errors() -> None:
    key = key_of("ecc-p256")
    sig = key.sign(MESSAGE, "ecdsa-sha256")
    expect("InvalidArgument", aegis.UsageError, aegis.verify_signature, key.public_key, "ecdsa-sha256", MESSAGE, sig, format="jws")
    expect("InvalidArgument", aegis.UsageError, key.sign, MESSAGE, "ecdsa-sha256", format="pem")
    # DER is ECDSA's encoding only.
    rsa_key = key_of("rsa-2048")
    expect("InvalidArgument", aegis.UsageError, rsa_key.sign, MESSAGE, "rsassa-sha256", format="der")
    expect(
        "InvalidArgument", aegis.UsageError,
        aegis.verify_signature, rsa_key.public_key, "rsassa-sha256", MESSAGE, rsa_key.sign(MESSAGE, "rsassa-sha256"), format="der",
    )
    for kind in ("ecc-p521", "rsa-1024", "rsa", "ed25519"):
        expect("InvalidArgument", aegis.UsageError, aegis.PrivateKey.generate, kind)


def test_bad_private_keys() -> None:
    pub_pem = key_of("ecc-p256").public_key.to_spki_der()
    for bad in (b"", b"not pem", pub_pem, b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"):
        with pytest.raises(aegis.AegisError):
            aegis.PrivateKey.from_pem(bad)
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = small.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    expect("KeyNotAllowed", aegis.KeyPolicyError, aegis.PrivateKey.from_pem, pem)


def test_signing_and_verifying_in_threads() -> None:
    """Signing and verification release the GIL; one key is used from several threads."""
    key = key_of("ecc-p256")

    def one(i: int) -> None:
        message = MESSAGE + bytes([i])
        aegis.verify_signature(key.public_key, "ecdsa-sha256", message, key.sign(message, "ecdsa-sha256"))

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one, range(64)))

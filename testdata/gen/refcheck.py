#!/usr/bin/env python3
"""A small reference verifier that cross-checks every expected verdict in testdata/manifest.json.

It follows the check order of the Aegis design (docs VERIFIER-CHECKS.md and the vector brief):
empty caller nonce -> parse -> AK key checks -> NullSignature -> SignatureSchemeMismatch ->
HashNotAllowed -> HashMismatch -> EcdsaScalarOutOfRange -> SignatureInvalid -> BadMagic ->
WrongAttestationType -> NonceMismatch -> SignerMismatch -> ClockRegression -> (quote) PCR checks |
(certify) NameMismatch -> App Key checks.

It is not Aegis and not a peer: it only proves that each vector breaks what its manifest entry says
(make_vectors.py refuses to write a manifest it disagrees with). Run: python testdata/gen/refcheck.py
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tpmfmt as T  # noqa: E402
from tpmfmt import VectorError  # noqa: E402

DEFAULT_HASHES = {T.ALG_SHA256, T.ALG_SHA384, T.ALG_SHA512}
ALLOWED_RSA_BITS = {2048, 3072, 4096}
ALLOWED_CURVES = {T.ECC_NIST_P256, T.ECC_NIST_P384, T.ECC_NIST_P521}
_FIXED = T.OA_FIXED_TPM | T.OA_FIXED_PARENT | T.OA_SENSITIVE_DATA_ORIGIN


def _check_ak(ak: T.Public) -> None:
    if ak.type not in (T.ALG_RSA, T.ALG_ECC):
        raise VectorError("KeyAttributeMissing", "AK is not an asymmetric signing key")
    if not ak.attrs & T.OA_RESTRICTED:
        raise VectorError("AkNotRestricted")
    if (ak.attrs & (_FIXED | T.OA_SIGN)) != (_FIXED | T.OA_SIGN):
        raise VectorError("KeyAttributeMissing", f"AK attributes {ak.attrs:#x}")


def _verify_signature(ak: T.Public, sig: T.Signature, attest: bytes, allow_sha1: bool) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    if sig.alg == T.ALG_NULL:
        raise VectorError("NullSignature")
    if ak.scheme != T.ALG_NULL:
        if sig.alg != ak.scheme:
            raise VectorError("SignatureSchemeMismatch", f"signature {sig.alg:#x}, AK scheme {ak.scheme:#x}")
    else:
        ok = {T.ALG_RSA: (T.ALG_RSASSA, T.ALG_RSAPSS), T.ALG_ECC: (T.ALG_ECDSA,)}[ak.type]
        if sig.alg not in ok:
            raise VectorError("SignatureSchemeMismatch")
    if sig.alg not in (T.ALG_RSASSA, T.ALG_RSAPSS, T.ALG_ECDSA):
        raise VectorError("SignatureSchemeMismatch", "unsupported signature scheme")
    allowed = DEFAULT_HASHES | ({T.ALG_SHA1} if allow_sha1 else set())
    if sig.hash not in allowed:
        raise VectorError("HashNotAllowed", f"{sig.hash:#x}")
    if ak.scheme != T.ALG_NULL and sig.hash != ak.scheme_hash:
        raise VectorError("HashMismatch", f"signature hash {sig.hash:#x}, AK scheme hash {ak.scheme_hash:#x}")
    h = {T.ALG_SHA1: hashes.SHA1(), T.ALG_SHA256: hashes.SHA256(), T.ALG_SHA384: hashes.SHA384(),
         T.ALG_SHA512: hashes.SHA512()}[sig.hash]
    key = ak.public_key()
    try:
        if sig.alg == T.ALG_ECDSA:
            n = T.CURVE_ORDERS[ak.curve]
            r, s = int.from_bytes(sig.r, "big"), int.from_bytes(sig.s, "big")
            if not (0 < r < n and 0 < s < n):
                raise VectorError("EcdsaScalarOutOfRange")
            key.verify(encode_dss_signature(r, s), attest, ec.ECDSA(h))
        elif sig.alg == T.ALG_RSASSA:
            key.verify(sig.sig, attest, padding.PKCS1v15(), h)
        else:
            try:  # salt = digest length (what TPMs usually do) ...
                key.verify(sig.sig, attest, padding.PSS(padding.MGF1(h), h.digest_size), h)
            except InvalidSignature:  # ... or the maximum salt (also seen in real TPMs)
                key.verify(sig.sig, attest, padding.PSS(padding.MGF1(h), padding.PSS.MAX_LENGTH), h)
    except InvalidSignature:
        raise VectorError("SignatureInvalid") from None


def _check_clock(a: T.Attest, prev: Optional[dict]) -> None:
    if not prev:
        return
    if a.reset_count < prev["reset_count"]:
        raise VectorError("ClockRegression", "resetCount went back")
    if a.reset_count == prev["reset_count"]:
        if a.restart_count < prev["restart_count"]:
            raise VectorError("ClockRegression", "restartCount went back")
        if a.restart_count == prev["restart_count"] and a.clock < prev["clock"]:
            raise VectorError("ClockRegression", "clock went back")


def _common(ak_bytes, attest_bytes, sig_bytes, nonce: bytes, policy: dict, want_type: int):
    if not nonce:
        raise VectorError("EmptyNonce")
    ak = T.parse_tpm2b_public(ak_bytes)
    a = T.parse_attest(attest_bytes)
    sig = T.parse_signature(sig_bytes)
    return ak, a, sig


def _after_parse(ak, a, sig, attest_bytes, nonce, policy, want_type):
    _check_ak(ak)
    _verify_signature(ak, sig, attest_bytes, bool(policy.get("allow_sha1")))
    if a.magic != T.TPM_GENERATED_VALUE:
        raise VectorError("BadMagic", f"{a.magic:#x}")
    if a.type != want_type:
        raise VectorError("WrongAttestationType", f"{a.type:#x}")
    if not hmac.compare_digest(a.extra_data, nonce):
        raise VectorError("NonceMismatch")
    signer = policy.get("expected_signer")
    if signer and a.qualified_signer != bytes.fromhex(signer):
        raise VectorError("SignerMismatch")
    _check_clock(a, policy.get("previous_clock"))


def verify_quote(ak_bytes, attest_bytes, sig_bytes, pcrs, nonce: bytes, policy: dict) -> None:
    ak, a, sig = _common(ak_bytes, attest_bytes, sig_bytes, nonce, policy, T.ST_ATTEST_QUOTE)
    pcrset = T.pcrs_from_json(pcrs) if isinstance(pcrs, dict) else T.read_pcr_file(pcrs)
    _after_parse(ak, a, sig, attest_bytes, nonce, policy, T.ST_ATTEST_QUOTE)
    signed = {(h, i) for h, idx in a.selection for i in idx}
    claimed = {(h, i): v for h, vals in pcrset for i, v in vals.items()}
    for k in claimed:
        if k not in signed:
            raise VectorError("PcrNotInSelection", f"{T.HASH_NAMES.get(k[0], k[0])}:{k[1]}")
    for bank, idx in (policy.get("require_pcrs") or {}).items():
        for i in idx:
            if (T.HASH_IDS[bank], i) not in signed:
                raise VectorError("RequiredPcrMissing", f"{bank}:{i}")
    ordered = []
    for h, idx in a.selection:
        for i in sorted(idx):
            if (h, i) not in claimed:
                raise VectorError("PcrValueMissing", f"{T.HASH_NAMES.get(h, h)}:{i}")
            ordered.append((h, claimed[(h, i)]))
    for h, v in ordered:
        if len(v) != T.HASH_SIZES[h]:
            raise VectorError("PcrValueSize", f"{len(v)} bytes in bank {T.HASH_NAMES.get(h, h)}")
    digest = hashlib.new(T.HASH_NAMES[sig.hash], b"".join(v for _, v in ordered)).digest()
    if digest != a.pcr_digest:
        raise VectorError("PcrDigestMismatch")


def verify_certify(ak_bytes, key_bytes, attest_bytes, sig_bytes, nonce: bytes, policy: dict) -> None:
    ak, a, sig = _common(ak_bytes, attest_bytes, sig_bytes, nonce, policy, T.ST_ATTEST_CERTIFY)
    key = T.parse_tpm2b_public(key_bytes)
    _after_parse(ak, a, sig, attest_bytes, nonce, policy, T.ST_ATTEST_CERTIFY)
    if a.certified_name != key.name():
        raise VectorError("NameMismatch")
    if (key.attrs & (_FIXED | T.OA_SIGN)) != (_FIXED | T.OA_SIGN):
        raise VectorError("KeyAttributeMissing", f"App Key attributes {key.attrs:#x}")
    if key.attrs & T.OA_DECRYPT:
        raise VectorError("KeyIsDecrypt")
    if key.type == T.ALG_RSA and key.key_bits not in ALLOWED_RSA_BITS:
        raise VectorError("KeyNotAllowed", f"RSA-{key.key_bits}")
    if key.type == T.ALG_ECC and key.curve not in ALLOWED_CURVES:
        raise VectorError("KeyNotAllowed", f"curve {key.curve:#x}")
    if key.type not in (T.ALG_RSA, T.ALG_ECC):
        raise VectorError("KeyNotAllowed", "not an asymmetric key")


def inspect(structure: str, data: bytes) -> None:
    if structure == "tpms_attest":
        T.parse_attest(data, strict_type=True)
    elif structure == "tpm2b_public":
        T.parse_tpm2b_public(data)
    elif structure == "tpmt_signature":
        T.parse_signature(data)
    elif structure == "pcrs":
        T.read_pcr_file(data)
    else:
        raise ValueError(structure)


def check_ek(td: Path, v: dict) -> None:
    """EK certificate chains to the local CA; its key equals the EK public area."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_der_x509_certificate((td / v["ek_cert"]).read_bytes())
    chain = [x509.load_pem_x509_certificate((td / p).read_bytes()) for p in v["ca_intermediates"]]
    roots = [x509.load_pem_x509_certificate((td / p).read_bytes()) for p in v["ca_roots"]]
    cert.verify_directly_issued_by(chain[0])
    chain[0].verify_directly_issued_by(roots[0])
    pub = T.parse_tpm2b_public((td / v["ek_pub"]).read_bytes())
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if pub.public_key().public_bytes(serialization.Encoding.DER, spki) != cert.public_key().public_bytes(
        serialization.Encoding.DER, spki
    ):
        raise VectorError("InvalidValue", "EK certificate key differs from the EK public area")


# The kinds this reference checker knows (made by make_vectors.py from swtpm).
KINDS = ("quote", "certify", "inspect", "ek")


def run_vector(td: Path, v: dict) -> Optional[str]:
    """Returns None when the vector verifies, else the error name."""
    rd = lambda key: (td / v[key]).read_bytes()  # noqa: E731
    try:
        if v["kind"] == "quote":
            pcrs = json.loads(rd("pcrs")) if v["pcrs"].endswith(".json") else rd("pcrs")
            verify_quote(rd("ak"), rd("attest"), rd("signature"), pcrs, bytes.fromhex(v["nonce"]), v["policy"])
        elif v["kind"] == "certify":
            verify_certify(rd("ak"), rd("key"), rd("attest"), rd("signature"), bytes.fromhex(v["nonce"]), v["policy"])
        elif v["kind"] == "inspect":
            inspect(v["structure"], rd("file"))
        elif v["kind"] == "ek":
            check_ek(td, v)
        elif v["kind"] == "poc":
            import pocref  # the AegisSovereignAI PoC vectors (make_poc_vectors.py)

            pocref.check_poc(td, v)
        else:
            raise ValueError(v["kind"])
    except VectorError as e:
        return e.name
    return None


# Kinds written and checked by their own generator (not from a TPM): kind -> script.
OTHER_GENERATORS = {
    "jurisdiction": "make_geo_vectors.py --check",
    "geofence": "make_geofence_vectors.py",
    "ear": "make_ear_vectors.py",
    "poc": "make_poc_vectors.py (pocref.py checks them)",
    "bundle": "make_bundle_vectors.py",
    "proof": "make_proof_vectors.py",
    "svid": "make_svid_vectors.py",
    "gateway": "make_svid_vectors.py",
}
# Their files, under testdata/: make_vectors.py leaves them in place.
OTHER_GENERATOR_DIRS = {"geofence", "ear", "poc", "bundle", "svid", "proof"}


def check_manifest(td: Path, manifest: dict) -> list:
    problems = []
    for v in manifest["vectors"]:
        if v["kind"] not in KINDS:
            continue  # made and checked by another generator (e.g. make_geofence_vectors.py)
        got = run_vector(td, v)
        exp = v["expect"]
        want = None if exp["verdict"] == "valid" else exp["error"]
        if got != want:
            problems.append(f"{v['id']}: expected {want or 'valid'}, reference check says {got or 'valid'}")
        if v["kind"] in ("quote", "certify", "poc"):
            ak = T.parse_tpm2b_public((td / v["ak"]).read_bytes())
            if ak.name().hex() != v["ak_name"]:
                problems.append(f"{v['id']}: ak_name does not match ak.pub")
            pem = (td / v["ak"]).with_name("ak.pem")
            if pem.exists() and pem.read_bytes() != ak.pem():
                problems.append(f"{v['id']}: ak.pem does not match ak.pub")
    return problems


def main() -> int:
    td = Path(__file__).resolve().parent.parent
    manifest = json.loads((td / "manifest.json").read_text())
    problems = check_manifest(td, manifest)
    for p in problems:
        print("MISMATCH", p)
    print(f"refcheck: {len(manifest['vectors'])} vectors, {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

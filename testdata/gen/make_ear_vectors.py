#!/usr/bin/env python3
"""Make the EAR token vectors (kind "ear") in testdata/ear/ and their manifest entries.

    .venv/bin/python testdata/gen/make_ear_vectors.py        (or: make -C testdata ear-vectors)

The tokens are signed here with Python's `cryptography` and encoded with `json` and `cbor2`, an
implementation independent of Aegis's, with the committed test key testdata/ear/issuer-p256.key.pem
(made once by this script when absent; a test key, never used for anything else). One valid token
per dialect and form, then one attack per check of aegis-core's ear::verify_token, each recorded
with the error it must raise. Only the manifest entries of kind "ear" are replaced; the others
are kept as they are. ECDSA signatures are randomized, so a run changes the token files.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
import sys
from pathlib import Path

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

HERE = Path(__file__).resolve().parent
TESTDATA = HERE.parent
OUT = TESTDATA / "ear"

TIME = 1_800_000_000
NONCE = bytes.fromhex("61656769732065617220766563746f72")  # "aegis ear vector"

# Stable codes of aegis-core's error table (aegis-core/src/error.rs).
CODES = {
    "SignatureInvalid": 3005,
    "TrailingBytes": 2001,
    "EarMalformed": 11000,
    "EarAlgorithmNotAllowed": 11001,
    "EarAlgorithmKeyMismatch": 11002,
    "EarExpired": 11003,
    "EarIssuedInFuture": 11004,
    "EarNonceMismatch": 11005,
    "EarNonIntegerTime": 11006,
    "EarUnknownProfile": 11007,
    "EarStatusBetterThanVector": 11008,
    "EarStatusBetterThanSubmods": 11009,
    "EarGeoInvalid": 11010,
    "EarClaimMissing": 11011,
    "EarHeaderInvalid": 11013,
}

PROFILES = {
    "ietf-04": "tag:ietf.org,2026:rats/ear#04",
    "ietf-03": "tag:ietf.org,2026:rats/ear#03",
    "veraison": "tag:github.com,2023:veraison/ear",
}


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def key(name: str, curve) -> ec.EllipticCurvePrivateKey:
    path = OUT / f"{name}.key.pem"
    if path.exists():
        k = serialization.load_pem_private_key(path.read_bytes(), None)
    else:
        k = ec.generate_private_key(curve)
        path.write_bytes(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))
    (OUT / f"{name}.pub.pem").write_bytes(
        k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return k


def es_sign(k: ec.EllipticCurvePrivateKey, msg: bytes) -> bytes:
    size = (k.curve.key_size + 7) // 8
    h = hashes.SHA256() if size == 32 else hashes.SHA384()
    r, s = decode_dss_signature(k.sign(msg, ec.ECDSA(h)))
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def claims(dialect: str = "ietf-04") -> dict:
    """The claims of a valid EAR in `dialect`, as JSON (names per dialect)."""
    v = dialect == "veraison"
    sub = {
        "ear.status" if v else "ear_status": "affirming",
        "ear.trustworthiness-vector" if v else "ear_trustworthiness_vector": {
            "instance-identity": 2, "executables": 2, "sourced-data": 2},
        "eat_nonce": b64u(NONCE),
        "grc.jurisdiction-country": "ES",
        "grc.jurisdiction-subdivision": "ES-CT",
        "grc.jurisdiction-city": "Barcelona",
    }
    if v:
        sub["ear.appraisal-policy-id"] = "https://aegis.example/policy/1"
    else:
        sub["ear_appraisal_policy_ids"] = ["https://aegis.example/policy/1"]
    return {
        "eat_profile": PROFILES[dialect],
        "iat": TIME - 10,
        "exp": TIME + 300,
        ("ear.verifier-id" if v else "ear_verifier_id"): {"developer": "https://aegis.example", "build": "vectors"},
        "eat_nonce": b64u(NONCE),
        "submods": {"tpm": sub},
    }


def jwt(k, payload, header=None, alg="ES256") -> str:
    header = header if header is not None else {"alg": alg, "typ": "JWT"}
    body = payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode()
    signing_input = f"{b64u(json.dumps(header, separators=(',', ':')).encode())}.{b64u(body)}"
    return f"{signing_input}.{b64u(es_sign(k, signing_input.encode()))}"


def to_cbor_claims(c: dict) -> dict:
    """JSON claims (-04 names) to the CBOR claims-set (FORMATS.md keys; geoAR under private keys)."""
    geo = {"grc.jurisdiction-country": -80000, "grc.jurisdiction-subdivision": -80002, "grc.jurisdiction-city": -80004}
    tv = ["instance-identity", "configuration", "executables", "file-system", "hardware", "runtime-opaque",
          "storage-opaque", "sourced-data"]
    tiers = {"none": 0, "affirming": 2, "warning": 32, "contraindicated": 96}
    subs = {}
    for name, s in c["submods"].items():
        out = {1000: tiers[s["ear_status"]],
               1001: {tv.index(n): x for n, x in s["ear_trustworthiness_vector"].items()},
               1003: s["ear_appraisal_policy_ids"],
               10: base64.urlsafe_b64decode(s["eat_nonce"] + "==")}
        out.update({geo[g]: s[g] for g in geo if g in s})
        subs[name] = out
    return {265: c["eat_profile"], 6: c["iat"], 4: c["exp"],
            1004: {0: c["ear_verifier_id"]["developer"], 1: c["ear_verifier_id"]["build"]},
            10: base64.urlsafe_b64decode(c["eat_nonce"] + "=="), 266: subs}


def cwt(k, payload, alg=-7) -> bytes:
    body = payload if isinstance(payload, bytes) else cbor2.dumps(payload, canonical=True)
    protected = cbor2.dumps({1: alg})
    tbs = cbor2.dumps(["Signature1", protected, b"", body])
    return cbor2.dumps(cbor2.CBORTag(18, [protected, {}, body, es_sign(k, tbs)]))


def main() -> int:
    OUT.mkdir(exist_ok=True)
    k = key("issuer-p256", ec.SECP256R1())
    key("other-p384", ec.SECP384R1())
    vectors: list[dict] = []

    def add(vid, desc, token, error=None, fmt=None, key_file="issuer-p256.pub.pem", ext=None, **extra):
        fmt = fmt or ("cwt" if isinstance(token, bytes) else "jwt")
        path = OUT / f"{vid}.{ext or fmt}"
        path.write_bytes(token if isinstance(token, bytes) else token.encode())
        v = {"id": vid, "kind": "ear", "description": desc, "format": fmt,
             "token": f"ear/{path.name}", "key": f"ear/{key_file}", "time": TIME, "nonce": NONCE.hex()}
        v.update(extra)
        v["expect"] = {"verdict": "valid"} if error is None else {
            "verdict": "invalid", "error": error, "code": CODES[error]}
        vectors.append(v)

    # Valid tokens.
    for d in PROFILES:
        add(f"ear-jwt-{d}-valid", f"Valid EAR JWT (ES256) in the {d} dialect with geoAR claims.", jwt(k, claims(d)))
    good_cwt = cwt(k, to_cbor_claims(claims()))
    add("ear-cwt-ietf-04-valid", "Valid EAR CWT (COSE_Sign1, ES256), -04 profile, geoAR under private keys.", good_cwt)
    add("ear-cwt-base64-valid", "The valid CWT as base64 text (verify_token detects it).",
        base64.b64encode(good_cwt).decode() + "\n", fmt="cwt", ext="cwt.b64")

    # One attack per check.
    body = b64u(json.dumps(claims(), separators=(",", ":")).encode())
    none_header = b64u(b'{"alg":"none"}')
    add("ear-jwt-alg-none", "alg none with an empty signature.", f"{none_header}.{body}.", "EarAlgorithmNotAllowed")
    pub = (OUT / "issuer-p256.pub.pem").read_bytes()
    hs_header = b64u(b'{"alg":"HS256"}')
    hs_input = f"{hs_header}.{body}"
    add("ear-jwt-hs256-key-confusion", "HS256 keyed with the issuer's public key PEM (key confusion).",
        f"{hs_input}.{b64u(hmac.new(pub, hs_input.encode(), hashlib.sha256).digest())}", "EarAlgorithmNotAllowed")
    add("ear-jwt-alg-off-allow-list", "A valid ES256 token checked with the allow-list [ES384].",
        jwt(k, claims()), "EarAlgorithmNotAllowed", algorithms=["ES384"])
    add("ear-jwt-alg-key-mismatch", "A valid ES256 token checked with a P-384 key.",
        jwt(k, claims()), "EarAlgorithmKeyMismatch", key_file="other-p384.pub.pem")
    good = jwt(k, claims())
    h, p, s = good.split(".")
    sig = bytearray(base64.urlsafe_b64decode(s + "=="))
    sig[-1] ^= 1
    add("ear-jwt-bad-signature", "The last byte of s flipped.", f"{h}.{p}.{b64u(bytes(sig))}", "SignatureInvalid")
    bad_cwt = bytearray(good_cwt)
    bad_cwt[-1] ^= 1
    add("ear-cwt-bad-signature", "The last byte of the COSE signature flipped.", bytes(bad_cwt), "SignatureInvalid")
    expired = claims()
    expired["exp"] = TIME
    add("ear-jwt-expired", "exp equal to the verification time.", jwt(k, expired), "EarExpired")
    add("ear-cwt-expired", "exp equal to the verification time (CWT).", cwt(k, to_cbor_claims(expired)), "EarExpired")
    future = claims()
    future["iat"] = TIME + 3600
    add("ear-jwt-iat-future", "iat an hour after the verification time.", jwt(k, future), "EarIssuedInFuture")
    add("ear-jwt-nonce-mismatch", "A valid token checked against another nonce.", jwt(k, claims()),
        "EarNonceMismatch", nonce="00" * 16)
    floaty = claims()
    floaty["iat"] = float(TIME - 10)
    add("ear-jwt-float-iat", "iat as a JSON float.", jwt(k, floaty), "EarNonIntegerTime")
    cfloat = to_cbor_claims(claims())
    cfloat[6] = float(TIME - 10)
    add("ear-cwt-float-iat", "iat as a CBOR float.", cwt(k, cfloat), "EarNonIntegerTime")
    unknown = claims()
    unknown["eat_profile"] = "tag:example.com,2024:not-ear"
    add("ear-jwt-unknown-profile", "An eat_profile that is no EAR dialect.", jwt(k, unknown), "EarUnknownProfile")
    better = claims()
    better["submods"]["tpm"]["ear_trustworthiness_vector"]["hardware"] = 96
    add("ear-jwt-status-better-than-vector", "Submod affirming with a contraindicated hardware claim.",
        jwt(k, better), "EarStatusBetterThanVector")
    top = claims()
    top["submods"]["location"] = copy.deepcopy(top["submods"]["tpm"])
    top["submods"]["location"]["ear_status"] = "warning"
    top["ear_status"] = "affirming"
    add("ear-jwt-top-status-better", "Top-level affirming over a warning submod.", jwt(k, top),
        "EarStatusBetterThanSubmods")
    geo = claims()
    del geo["submods"]["tpm"]["grc.jurisdiction-subdivision"]
    add("ear-jwt-geo-city-without-subdivision", "grc.jurisdiction-city without its subdivision.", jwt(k, geo),
        "EarGeoInvalid")
    missing = claims()
    del missing["iat"]
    add("ear-jwt-missing-iat", "No iat.", jwt(k, missing), "EarClaimMissing")
    add("ear-jwt-malformed-json", "A signed payload that is not JSON.", jwt(k, b'{"eat_profile":'), "EarMalformed")
    add("ear-cwt-malformed-cbor", "A signed payload that is not CBOR.", cwt(k, b"\xa1\x01"), "EarMalformed")
    add("ear-cwt-trailing-data", "A byte after the COSE_Sign1.", good_cwt + b"\x00", "TrailingBytes")
    add("ear-jwt-crit", "A crit header parameter.",
        jwt(k, claims(), header={"alg": "ES256", "crit": ["exp"], "exp": 1}), "EarHeaderInvalid")

    manifest_path = TESTDATA / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["vectors"] = [v for v in manifest["vectors"] if v["kind"] != "ear"] + vectors
    text = json.dumps(manifest, indent=2)
    text = re.sub(r"\[\s+([-\d,\s]+?)\s+\]",
                  lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text)
    manifest_path.write_text(text + "\n")
    print(f"make_ear_vectors: {len(vectors)} ear vectors")
    return 0


if __name__ == "__main__":
    sys.exit(main())

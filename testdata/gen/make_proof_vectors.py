#!/usr/bin/env python3
"""Make the proof-token vectors (kind "proof") in testdata/proof/ and their manifest entries.

    .venv/bin/python testdata/gen/make_proof_vectors.py      (or: make -C testdata proof-vectors)

Every token is made here by libraries other than Aegis: `cryptography` signs the JWS compact
tokens built by hand (so a vector can break exactly one thing), PyJWT signs the PS256 and HS256
ones and jwcrypto the ES384 one. The EAR attestation results naming the App Keys are signed with
`cryptography` too. Keys are committed test keys in testdata/proof/ (made once when absent).

A vector says how to verify its token (fixed time, fixed EAR and EAR key, nonce, access token,
...) and what must come out: one valid token per kind and algorithm (DPoR ES256/ES384/PS256,
DPoG, WPT), then one attack per verification check of aegis_core::token (docs/proof-tokens.md),
each with the error it must raise. A vector with "replay": true is verified twice with one
replay cache: the first must pass, the second gives "expect".

Walkers (Rust, C, Python, Go) read, per vector: "proof" ("dpor" | "dpog" | "wpt"), "token",
"ear", "ear_key", "ear_max_age", "time", and for DPoR/DPoG "htm", "htu", optional "nonce",
"access_token" (text), "cnf_jkt", "allowed_countries" (list); for WPT "aud", "wit" (text),
optional "wit_jkt". Only the manifest entries of kind "proof" are replaced.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from pathlib import Path

import jwt as pyjwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from jwcrypto import jwk as jwc_jwk
from jwcrypto import jws as jwc_jws

HERE = Path(__file__).resolve().parent
TESTDATA = HERE.parent
OUT = TESTDATA / "proof"

NOW = 1_800_000_000
HTM = "POST"
HTU = "https://api.example.com/v1/data"
NONCE = "eyJ7S_zG.eyJH0-Z.HX4w-7v"
ACCESS_TOKEN = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
AUD = "https://service.example.com/api"
WIT = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ3aW1zZTovL2V4YW1wbGUuY29tL3dvcmtsb2FkIn0.c2ln"
LOCATION_CLAIM = "urn:aegis:claims:dpog:location"
EAR_MAX_AGE = 300

# Stable codes of aegis-core's error table (aegis-core/src/error.rs).
CODES = {
    "TokenMalformed": 12000,
    "TokenTypeInvalid": 12001,
    "TokenAlgorithmNotAllowed": 12002,
    "TokenJwkInvalid": 12003,
    "TokenJwkPrivate": 12004,
    "TokenJwkAlgorithmMismatch": 12005,
    "TokenSignatureInvalid": 12006,
    "TokenHtmMismatch": 12007,
    "TokenHtuMismatch": 12008,
    "TokenIatOutOfWindow": 12009,
    "TokenNonceMismatch": 12010,
    "TokenAthMismatch": 12011,
    "TokenCnfJktMismatch": 12012,
    "TokenClaimMissing": 12013,
    "TokenKeyNotResident": 12014,
    "TokenResidencyNotAffirming": 12015,
    "TokenResidencyStale": 12016,
    "TokenLocationMismatch": 12017,
    "TokenLocationNotAllowed": 12018,
    "TokenAudienceMismatch": 12019,
    "TokenExpired": 12020,
    "TokenHashMismatch": 12021,
    "TokenReplayed": 12050,
}


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def enc(obj: dict) -> str:
    return b64u(json.dumps(obj, separators=(",", ":")).encode())


def token_hash(text: str) -> str:
    return b64u(hashlib.sha256(text.encode()).digest())


def load_key(name: str, make):
    path = OUT / f"{name}.key.pem"
    if path.exists():
        k = serialization.load_pem_private_key(path.read_bytes(), None)
    else:
        k = make()
        path.write_bytes(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))
    (OUT / f"{name}.pub.pem").write_bytes(
        k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return k


def public_jwk(k) -> dict:
    pub = k.public_key()
    if isinstance(pub, ec.EllipticCurvePublicKey):
        size = (pub.curve.key_size + 7) // 8
        n = pub.public_numbers()
        crv = {256: "P-256", 384: "P-384"}[pub.curve.key_size]
        return {"kty": "EC", "crv": crv, "x": b64u(n.x.to_bytes(size, "big")), "y": b64u(n.y.to_bytes(size, "big"))}
    n = pub.public_numbers()
    return {"kty": "RSA", "n": b64u(n.n.to_bytes((n.n.bit_length() + 7) // 8, "big")),
            "e": b64u(n.e.to_bytes((n.e.bit_length() + 7) // 8, "big"))}


def thumbprint(jwk: dict) -> str:
    """RFC 7638: the required members, sorted, no whitespace, SHA-256, base64url."""
    req = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
    text = json.dumps({m: jwk[m] for m in req}, separators=(",", ":"), sort_keys=True)
    return b64u(hashlib.sha256(text.encode()).digest())


def es_sign(k, msg: bytes) -> bytes:
    h = hashes.SHA256() if k.curve.key_size == 256 else hashes.SHA384()
    r, s = decode_dss_signature(k.sign(msg, ec.ECDSA(h)))
    size = (k.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def jws(k, header: dict, claims: dict) -> str:
    """A compact JWS signed with `cryptography` (ES256/ES384 by the curve)."""
    signing_input = enc(header) + "." + enc(claims)
    return signing_input + "." + b64u(es_sign(k, signing_input.encode()))


def dpop_claims(jti: str, **over) -> dict:
    c = {"jti": jti, "htm": HTM, "htu": HTU, "iat": NOW}
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


def ear(issuer, submods: dict, iat: int = NOW - 10, status: str = "affirming") -> str:
    claims = {
        "eat_profile": "tag:ietf.org,2026:rats/ear#04",
        "iat": iat,
        "ear_verifier_id": {"developer": "https://aegis.example", "build": "proof-vectors"},
        "ear_status": status,
        "submods": submods,
    }
    return jws(issuer, {"alg": "ES256", "typ": "JWT"}, claims)


def workload(jkt: str, status: str = "affirming") -> dict:
    return {"ear_status": status, "ear_trustworthiness_vector": {"instance-identity": 2},
            "ear_verifier_claims": {"app_key": {"jkt": jkt}}}


def main() -> int:
    OUT.mkdir(exist_ok=True)
    issuer = load_key("ear-issuer-p256", lambda: ec.generate_private_key(ec.SECP256R1()))
    app = load_key("app-p256", lambda: ec.generate_private_key(ec.SECP256R1()))
    app384 = load_key("app-p384", lambda: ec.generate_private_key(ec.SECP384R1()))
    app_rsa = load_key("app-rsa2048", lambda: rsa.generate_private_key(65537, 2048))
    other = load_key("other-p256", lambda: ec.generate_private_key(ec.SECP256R1()))
    jwk, jwk384, jwk_rsa = public_jwk(app), public_jwk(app384), public_jwk(app_rsa)
    jkt = thumbprint(jwk)

    location_submod = {"ear_status": "affirming", "ear_trustworthiness_vector": {"instance-identity": 2},
                       "grc.jurisdiction-country": "ES", "grc.jurisdiction-subdivision": "ES-CT"}
    ears = {
        "ear-affirming.jwt": ear(issuer, {
            "workload-key": workload(jkt), "workload-key-p384": workload(thumbprint(jwk384)),
            "workload-key-rsa": workload(thumbprint(jwk_rsa)), "location": location_submod}),
        "ear-contraindicated.jwt": ear(issuer, {"workload-key": workload(jkt, "contraindicated")},
                                       status="contraindicated"),
        "ear-stale.jwt": ear(issuer, {"workload-key": workload(jkt)}, iat=NOW - EAR_MAX_AGE - 60),
        "ear-other-key.jwt": ear(issuer, {"workload-key": workload(thumbprint(public_jwk(other)))}),
    }
    for name, text in ears.items():
        (OUT / name).write_text(text + "\n")

    vectors: list[dict] = []

    def add(vid: str, desc: str, proof: str, token: str, error: str | None = None, ear_file="ear-affirming.jwt",
            **extra) -> None:
        path = OUT / f"{vid}.jwt"
        path.write_text(token + "\n")
        v = {"id": f"proof/{vid}", "kind": "proof", "description": desc, "proof": proof,
             "token": f"proof/{vid}.jwt", "ear": f"proof/{ear_file}", "ear_key": "proof/ear-issuer-p256.pub.pem",
             "ear_max_age": EAR_MAX_AGE, "time": NOW + 1}
        if proof in ("dpor", "dpog"):
            v.update({"htm": HTM, "htu": HTU})
        else:
            v.update({"aud": AUD, "wit": WIT})
        v.update(extra)
        v["expect"] = {"verdict": "valid"} if error is None else {
            "verdict": "invalid", "error": error, "code": CODES[error]}
        vectors.append(v)

    dpor = {"typ": "dpor+jwt", "alg": "ES256", "jwk": jwk}
    dpog = {"typ": "dpog+jwt", "alg": "ES256", "jwk": jwk}
    loc = {"type": "region", "country": "ES", "subdivision": "ES-CT", "quality": "gnss"}

    # Valid tokens, one per kind and algorithm.
    add("dpor-es256-valid", "DPoR ES256 (cryptography), the key named by an affirming EAR.", "dpor",
        jws(app, dpor, dpop_claims("dpor-es256")))
    add("dpor-es384-valid", "DPoR ES384 signed by jwcrypto.", "dpor",
        jwcrypto_sign(app384, {"typ": "dpor+jwt", "alg": "ES384", "jwk": jwk384}, dpop_claims("dpor-es384")))
    add("dpor-ps256-valid", "DPoR PS256 signed by PyJWT.", "dpor",
        pyjwt.encode(dpop_claims("dpor-ps256"), app_rsa, algorithm="PS256",
                     headers={"typ": "dpor+jwt", "jwk": jwk_rsa}))
    add("dpor-full-valid", "DPoR with nonce, ath and cnf.jkt all as the server expects.", "dpor",
        jws(app, dpor, dpop_claims("dpor-full", nonce=NONCE, ath=token_hash(ACCESS_TOKEN))),
        nonce=NONCE, access_token=ACCESS_TOKEN, cnf_jkt=jkt)
    add("dpor-htu-normalised-valid", "htu with upper-case scheme and host, the default port, a query and a "
        "fragment: equal to the request URI as RFC 9449 compares them.", "dpor",
        jws(app, dpor, dpop_claims("dpor-norm", htu="HTTPS://API.Example.com:443/v1/data?x=1#f")))
    add("dpog-es256-valid", "DPoG whose location (ES, ES-CT) agrees with the EAR's geoAR claims and the "
        "allowed countries.", "dpog", jws(app, dpog, dpop_claims("dpog", **{LOCATION_CLAIM: loc})),
        allowed_countries=["ES", "PT"])
    wpt_claims = {"aud": AUD, "exp": NOW + 60, "jti": "wpt", "wth": token_hash(WIT)}
    wpt = {"typ": "wpt+jwt", "alg": "ES256", "jwk": jwk}
    add("wpt-es256-valid", "WIMSE workload proof token (draft-ietf-wimse-wpt-02), wit_jkt checked.", "wpt",
        jws(app, wpt, wpt_claims), wit_jkt=jkt)

    # One attack per check (docs/proof-tokens.md order).
    add("attack-typ", "typ dpop+jwt where dpor+jwt is expected.", "dpor",
        jws(app, {**dpor, "typ": "dpop+jwt"}, dpop_claims("typ")), "TokenTypeInvalid")
    add("attack-alg-none", "alg none, empty signature.", "dpor",
        enc({**dpor, "alg": "none"}) + "." + enc(dpop_claims("none")) + ".", "TokenAlgorithmNotAllowed")
    add("attack-alg-hs256", "HS256 (PyJWT) keyed with the public key's x coordinate: HMAC is never allowed.",
        "dpor", pyjwt.encode(dpop_claims("hs256"), jwk["x"].encode(), algorithm="HS256",
                             headers={"typ": "dpor+jwt", "jwk": jwk}), "TokenAlgorithmNotAllowed")
    priv = {**jwk, "d": b64u(app.private_numbers().private_value.to_bytes(32, "big"))}
    add("attack-jwk-private", "The header jwk carries the private member d.", "dpor",
        jws(app, {**dpor, "jwk": priv}, dpop_claims("private")), "TokenJwkPrivate")
    add("attack-jwk-alg-mismatch", "alg ES384 with a P-256 jwk.", "dpor",
        jws(app, {**dpor, "alg": "ES384"}, dpop_claims("mismatch")), "TokenJwkAlgorithmMismatch")
    good = jws(app, dpor, dpop_claims("badsig"))
    head, body, sig = good.split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=="))
    raw[5] ^= 1
    add("attack-signature", "One bit of the signature flipped.", "dpor", f"{head}.{body}.{b64u(bytes(raw))}",
        "TokenSignatureInvalid")
    add("attack-htm", "htm GET for a POST request.", "dpor", jws(app, dpor, dpop_claims("htm", htm="GET")),
        "TokenHtmMismatch")
    add("attack-htu", "htu names another path.", "dpor",
        jws(app, dpor, dpop_claims("htu", htu="https://api.example.com/v1/other")), "TokenHtuMismatch")
    add("attack-iat-old", "iat 120 s before now (window 60 s).", "dpor",
        jws(app, dpor, dpop_claims("old", iat=NOW - 120)), "TokenIatOutOfWindow")
    add("attack-iat-future", "iat 60 s after now (skew 5 s).", "dpor",
        jws(app, dpor, dpop_claims("future", iat=NOW + 60)), "TokenIatOutOfWindow")
    add("attack-nonce", "nonce is not the server's.", "dpor",
        jws(app, dpor, dpop_claims("nonce", nonce="stale-nonce")), "TokenNonceMismatch", nonce=NONCE)
    add("attack-ath", "ath is the hash of another access token.", "dpor",
        jws(app, dpor, dpop_claims("ath", ath=token_hash("another token"))), "TokenAthMismatch",
        access_token=ACCESS_TOKEN)
    add("attack-cnf-jkt", "The access token is bound (cnf.jkt) to another key.", "dpor",
        jws(app, dpor, dpop_claims("cnf")), "TokenCnfJktMismatch", cnf_jkt=thumbprint(public_jwk(other)))
    add("attack-residency-not-affirming", "The EAR names the key but is contraindicated.", "dpor",
        jws(app, dpor, dpop_claims("contra")), "TokenResidencyNotAffirming", ear_file="ear-contraindicated.jwt")
    add("attack-residency-stale", "The EAR is older than ear_max_age.", "dpor",
        jws(app, dpor, dpop_claims("stale")), "TokenResidencyStale", ear_file="ear-stale.jwt")
    add("attack-key-not-resident", "The EAR names another key's thumbprint.", "dpor",
        jws(app, dpor, dpop_claims("notres")), "TokenKeyNotResident", ear_file="ear-other-key.jwt")
    add("attack-replay", "The same proof verified twice with one replay cache.", "dpor",
        jws(app, dpor, dpop_claims("replay")), "TokenReplayed", replay=True)
    add("attack-dpog-location-mismatch", "DPoG claims FR where the EAR's geoAR claims say ES.", "dpog",
        jws(app, dpog, dpop_claims("dpog-fr", **{LOCATION_CLAIM: {"type": "region", "country": "FR",
                                                                   "quality": "gnss"}})),
        "TokenLocationMismatch")
    add("attack-dpog-not-allowed", "DPoG in ES, agreeing with the EAR, but the geofence allows only FR.", "dpog",
        jws(app, dpog, dpop_claims("dpog-geo", **{LOCATION_CLAIM: loc})), "TokenLocationNotAllowed",
        allowed_countries=["FR"])
    add("attack-wpt-aud", "WPT for another audience.", "wpt",
        jws(app, wpt, {**wpt_claims, "aud": "https://other.example.com"}), "TokenAudienceMismatch")
    add("attack-wpt-expired", "WPT whose exp has passed.", "wpt",
        jws(app, wpt, {**wpt_claims, "exp": NOW - 1}), "TokenExpired")
    add("attack-wpt-wth", "wth is the hash of another WIT.", "wpt",
        jws(app, wpt, {**wpt_claims, "wth": token_hash("another WIT")}), "TokenHashMismatch")

    manifest_path = TESTDATA / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["vectors"] = [v for v in manifest["vectors"] if v["kind"] != "proof"] + vectors
    text = json.dumps(manifest, indent=2)
    text = re.sub(r"\[\s+([-\d,\s]+?)\s+\]",
                  lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text)
    manifest_path.write_text(text + "\n")
    print(f"make_proof_vectors: {len(vectors)} proof vectors")
    return 0


def jwcrypto_sign(k, header: dict, claims: dict) -> str:
    key = jwc_jwk.JWK.from_pem(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    token = jwc_jws.JWS(json.dumps(claims, separators=(",", ":")).encode())
    token.add_signature(key, None, protected=json.dumps(header))
    return token.serialize(compact=True)


if __name__ == "__main__":
    sys.exit(main())

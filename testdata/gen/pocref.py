"""Reference check of the "poc" vectors (AegisSovereignAI PoC wire formats, docs FORMATS.md).

An independent reading of the same recipes as aegis-core's compat::sovereign, in Python: the
PoC's App Key qualifying data SHA-256(SHA-256(PEM text) || hex nonce text), its PCR 15 digest
SHA-256(json.dumps(claims, sort_keys=True, separators=(",", ":"), ensure_ascii=False) || hex
nonce text), the replay from 32 zero bytes, and the Aegis check order:

PocAppKeyPublicMissing -> PocChallengeMismatch -> PocAppKeyMismatch -> certify (refcheck, nonce =
the PoC qualifying data) -> quote (refcheck, nonce = the hex-decoded verifier nonce) ->
LocationLogMismatch -> LocationNonceMismatch.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import refcheck
import tpmfmt as T
from tpmfmt import VectorError


def qualifying_data(pem: str, nonce_hex: str) -> bytes:
    return hashlib.sha256(hashlib.sha256(pem.encode()).digest() + nonce_hex.encode()).digest()


def claims_digest(claims: dict, nonce_hex: str) -> bytes:
    text = json.dumps(claims, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode() + nonce_hex.encode()).digest()


def replay(log: list) -> bytes:
    pcr = bytes(32)
    for e in log:
        pcr = hashlib.sha256(pcr + claims_digest(e["geolocation"], e["nonce"])).digest()
    return pcr


def _same_key(tpm_public: bytes, pem: str) -> bool:
    from cryptography.hazmat.primitives import serialization

    a = T.parse_tpm2b_public(tpm_public).public_key()
    b = serialization.load_pem_public_key(pem.encode())
    return a.public_numbers() == b.public_numbers()


def check_poc(td: Path, v: dict) -> None:
    """Raises VectorError(name) for an invalid vector, returns for a valid one."""
    rd = lambda key: (td / v[key]).read_bytes()  # noqa: E731
    bundle = json.loads(rd("bundle"))
    nonce = v["nonce"]
    cert = bundle["app_key_certificate"]
    if isinstance(cert, str):
        cert = json.loads(base64.b64decode(cert, validate=True))
    if "app_key_tpm_public" not in bundle:
        raise VectorError("PocAppKeyPublicMissing")
    if bundle["challenge_nonce"] != nonce or cert["challenge_nonce"] != nonce:
        raise VectorError("PocChallengeMismatch")
    tpm_public = base64.b64decode(bundle["app_key_tpm_public"], validate=True)
    if not _same_key(tpm_public, bundle["app_key_public"]):
        raise VectorError("PocAppKeyMismatch")
    refcheck.verify_certify(rd("ak"), tpm_public, base64.b64decode(cert["certify_data"]),
                            base64.b64decode(cert["signature"]), qualifying_data(bundle["app_key_public"], nonce),
                            v["policy"])
    pcrs = rd("pcrs")
    refcheck.verify_quote(rd("ak"), rd("attest"), rd("signature"), pcrs, bytes.fromhex(nonce), v["policy"])
    quoted = {(h, i): val for h, vals in T.read_pcr_file(pcrs) for i, val in vals.items()}
    log = json.loads(rd("location_log"))
    if replay(log) != quoted.get((T.ALG_SHA256, 15)):
        raise VectorError("LocationLogMismatch")
    if not log or log[-1]["nonce"] != nonce:
        raise VectorError("LocationNonceMismatch")

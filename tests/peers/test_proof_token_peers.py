"""PyJWT and jwcrypto as peers for proof tokens (docs/proof-tokens.md): they verify the
signatures of the DPoR, DPoG and WPT tokens Aegis mints (`aegis token ...`) with the key in the
token's own header `jwk`, for ES256, ES384 and PS256 keys, and read the same claims.

Run: make test-peers (builds target/debug/aegis first); AEGIS_BIN overrides the binary.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

jwt = pytest.importorskip("jwt", reason="PyJWT is not installed: scripts/deps.sh python")
jwk_mod = pytest.importorskip("jwcrypto.jwk", reason="jwcrypto is not installed: scripts/deps.sh python")
jws_mod = pytest.importorskip("jwcrypto.jws", reason="jwcrypto is not installed: scripts/deps.sh python")
serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
AEGIS = Path(os.environ.get("AEGIS_BIN", ROOT / "target" / "debug" / "aegis"))
TIME = 1_800_000_000
KEYS = {
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "ES384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "PS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
}


def aegis(*args: str) -> dict:
    if not AEGIS.exists():
        pytest.fail(f"{AEGIS} not built: cargo build -p aegis-cli (make test-peers does)")
    out = subprocess.run([str(AEGIS), *args], capture_output=True, check=False)
    assert out.returncode == 0, out.stderr.decode()
    return json.loads(out.stdout)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def header(token: str) -> dict:
    h = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))


@pytest.fixture(params=sorted(KEYS))
def key_file(request, tmp_path):
    key = KEYS[request.param]()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = tmp_path / "app.pem"
    path.write_bytes(pem)
    return request.param, path, tmp_path


def minted(kind: str, key: Path, tmp: Path) -> str:
    common = ["--key", str(key), "--time", str(TIME), "--jti", "j-1"]
    if kind == "wpt":
        (tmp / "wit").write_text("wit.token.x")
        return aegis("token", "wpt", *common, "--aud", "https://svc.example/", "--wit", str(tmp / "wit"))["token"]
    extra = []
    if kind == "dpog":
        (tmp / "loc.json").write_text(json.dumps({"type": "region", "country": "ES", "quality": "gnss"}))
        extra = ["--location", str(tmp / "loc.json")]
    return aegis(
        "token", kind, *common, "--htm", "POST", "--htu", "https://rs.example/x", "--nonce", "n", "--ath", "AT", *extra
    )["token"]


@pytest.mark.parametrize("kind", ["dpor", "dpog", "wpt"])
def test_pyjwt_verifies(kind, key_file):
    alg, key, tmp = key_file
    token = minted(kind, key, tmp)
    h = header(token)
    assert h["alg"] == alg and h["typ"] == f"{kind}+jwt"
    public = jwt.PyJWK(h["jwk"], algorithm=alg)
    claims = jwt.decode(
        token, public.key, algorithms=[alg], options={"verify_exp": False, "verify_iat": False, "verify_aud": False}
    )
    assert claims["jti"] == "j-1"
    if kind == "wpt":
        assert claims["wth"] == b64(hashlib.sha256(b"wit.token.x").digest())
        assert "iat" not in claims and "ath" not in claims
    else:
        assert claims["iat"] == TIME and claims["htm"] == "POST" and claims["nonce"] == "n"
        assert claims["ath"] == b64(hashlib.sha256(b"AT").digest())
    if kind == "dpog":
        assert claims["urn:aegis:claims:dpog:location"]["country"] == "ES"


@pytest.mark.parametrize("kind", ["dpor", "dpog", "wpt"])
def test_jwcrypto_verifies_and_thumbprint_matches(kind, key_file):
    alg, key, tmp = key_file
    token = minted(kind, key, tmp)
    h = header(token)
    public = jwk_mod.JWK(**h["jwk"])
    sig = jws_mod.JWS()
    sig.deserialize(token)
    sig.verify(public, alg=alg)
    # RFC 7638: jwcrypto's thumbprint is the one Aegis computes.
    assert aegis("jwk", "thumbprint", str(key))["jkt"] == public.thumbprint()
    # A flipped signature byte is refused.
    head, payload, s = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
    raw[3] ^= 1
    bad = jws_mod.JWS()
    bad.deserialize(f"{head}.{payload}.{b64(bytes(raw))}")
    with pytest.raises(jws_mod.InvalidJWSSignature):
        bad.verify(public, alg=alg)

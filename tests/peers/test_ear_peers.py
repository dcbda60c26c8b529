"""PyJWT, cbor2 and pycose as peers for EAR tokens (TESTING.md, Peers).

Aegis signs (`aegis ear sign`, the CLI over aegis-core's ear module) with the committed test key
testdata/ear/issuer-p256.key.pem; PyJWT verifies the JWTs (ES256), pycose verifies the CWTs
(COSE_Sign1, ES256) and cbor2 decodes their claims with the keys of FORMATS.md. The other way
round, every token in testdata/ear/ was signed by Python (`cryptography`, `json`, `cbor2`:
testdata/gen/make_ear_vectors.py) and is verified by Aegis in all four languages' manifest
walkers.

Run: make test-peers (builds target/debug/aegis first); AEGIS_BIN overrides the binary.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest

jwt = pytest.importorskip("jwt", reason="PyJWT is not installed: scripts/deps.sh python")
cbor2 = pytest.importorskip("cbor2", reason="cbor2 is not installed: scripts/deps.sh python")
pycose_messages = pytest.importorskip("pycose.messages", reason="pycose is not installed: scripts/deps.sh python")
from pycose.keys import CoseKey  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TESTDATA = ROOT / "testdata"
AEGIS = Path(os.environ.get("AEGIS_BIN", ROOT / "target" / "debug" / "aegis"))
KEY = TESTDATA / "ear" / "issuer-p256.key.pem"
PUB = (TESTDATA / "ear" / "issuer-p256.pub.pem").read_bytes()
TIME = 1_800_000_000


def aegis(*args: str) -> dict:
    if not AEGIS.exists():
        pytest.fail(f"{AEGIS} not built: cargo build -p aegis-cli (make test-peers does)")
    out = subprocess.run([str(AEGIS), *args], cwd=TESTDATA, capture_output=True, check=False)
    assert out.returncode == 0, out.stderr.decode()
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def claims_file(tmp_path_factory) -> Path:
    manifest = json.loads((TESTDATA / "manifest.json").read_text())
    v = next(x for x in manifest["vectors"] if x["id"] == "ear-jwt-ietf-04-valid")
    verified = aegis("ear", "verify", "--key", v["key"], "--time", str(TIME), "--nonce", v["nonce"], v["token"])
    path = tmp_path_factory.mktemp("ear") / "claims.json"
    path.write_text(json.dumps(verified["claims"]))
    return path


def sign(claims: Path, dialect: str, form: str) -> str:
    return aegis("ear", "sign", "--key", str(KEY), "--dialect", dialect, "--form", form, str(claims))["token"]


@pytest.mark.parametrize("dialect", ["ietf-04", "veraison"])
def test_pyjwt_verifies_aegis_jwt(claims_file: Path, dialect: str) -> None:
    token = sign(claims_file, dialect, "jwt")
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "typ": "JWT"}
    claims = jwt.decode(token, PUB, algorithms=["ES256"], options={"verify_exp": False, "verify_iat": False})
    status = "ear_status" if dialect == "ietf-04" else "ear.status"
    assert claims["submods"]["tpm"][status] == "affirming"
    assert claims["submods"]["tpm"]["grc.jurisdiction-subdivision"] == "ES-CT"
    assert isinstance(claims["iat"], int)
    # A changed byte breaks it for PyJWT too.
    h, p, s = token.split(".")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(f"{h}.{p}.{s[:-2]}{'A' if s[-2] != 'A' else 'B'}{s[-1]}", PUB, algorithms=["ES256"],
                   options={"verify_exp": False, "verify_iat": False})


def test_pycose_and_cbor2_verify_aegis_cwt(claims_file: Path) -> None:
    cwt = base64.b64decode(sign(claims_file, "ietf-04", "cwt"))
    outer = cbor2.loads(cwt)
    assert isinstance(outer, cbor2.CBORTag) and outer.tag == 18
    # pycose 1.1's CoseMessage.decode expects the tagged array as a list; cbor2 6 decodes a tag's
    # content immutably (a tuple, maps as frozendict), so the message is built from the decoded
    # array with plain types.
    protected, unprotected, payload, signature = outer.value
    msg = pycose_messages.Sign1Message.from_cose_obj([protected, dict(unprotected), payload, signature], True)
    msg.key = CoseKey.from_pem_public_key(PUB.decode())
    assert msg.verify_signature()
    claims = cbor2.loads(msg.payload)
    assert claims[265] == "tag:ietf.org,2026:rats/ear#04"
    assert isinstance(claims[6], int)
    assert claims[1004] == {0: "https://aegis.example", 1: "vectors"}
    sub = claims[266]["tpm"]
    assert sub[1000] == 2
    assert sub[1001] == {0: 2, 2: 2, 7: 2}
    assert sub[-80000] == "ES" and sub[-80002] == "ES-CT"
    # Deterministic encoding (RFC 8949, 4.2.1): cbor2's canonical form is the same bytes.
    assert cbor2.dumps(claims, canonical=True) == msg.payload

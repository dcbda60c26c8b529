"""Walks the quote and certify vectors of testdata/manifest.json with the installed `aegis` and
checks every verdict, and for an invalid vector the exception's name, code and group class.

Standard library only: tests/test_wheel.py runs it in a fresh venv holding nothing but the wheel
(so it also shows that the wheel needs nothing else). tests/test_manifest.py is the full walk.

    python walk_manifest.py TESTDATA_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import aegis

GROUPS: dict[int, type[aegis.AegisError]] = {
    1: aegis.UsageError,
    2: aegis.ParseError,
    3: aegis.SignatureError,
    4: aegis.AttestationError,
    5: aegis.PcrError,
    6: aegis.KeyPolicyError,
    7: aegis.EkError,
    8: aegis.LocationError,
    9: aegis.BackendError,
}


def run(testdata: Path, v: dict[str, Any]) -> object:
    def read(relative: str) -> bytes:
        return (testdata / relative).read_bytes()

    policy = v.get("policy", {})
    kwargs: dict[str, Any] = {"allow_sha1": bool(policy.get("allow_sha1", False))}
    if policy.get("expected_signer"):
        kwargs["expected_signer"] = bytes.fromhex(policy["expected_signer"])
    if policy.get("previous_clock"):
        kwargs["previous_clock"] = aegis.ClockInfo(**policy["previous_clock"])
    ak = aegis.AttestationKey.from_tpm_public(read(v["ak"]))
    nonce = bytes.fromhex(v["nonce"])
    if v["kind"] == "quote":
        require = policy.get("require_pcrs") or None
        return aegis.verify_quote(
            ak, read(v["attest"]), read(v["signature"]), read(v["pcrs"]), nonce, require_pcrs=require, **kwargs
        )
    return aegis.verify_certify(ak, read(v["key"]), read(v["attest"]), read(v["signature"]), nonce, **kwargs)


def check(testdata: Path, v: dict[str, Any]) -> str | None:
    """None when the vector gets its expected verdict, else what went wrong."""
    expect = v["expect"]
    try:
        result = run(testdata, v)
    except aegis.AegisError as e:
        if expect["verdict"] == "valid":
            return f"refused a valid vector: {e!r}"
        if e.name != expect["error"] or e.code != aegis.ERROR_CODES[expect["error"]]:
            return f"expected {expect['error']}, got {e!r}"
        if not isinstance(e, GROUPS[e.code // 1000]):
            return f"{e!r} is not a {GROUPS[e.code // 1000].__name__}"
        return None
    if expect["verdict"] != "valid":
        return f"accepted an invalid vector (expected {expect['error']})"
    if isinstance(result, aegis.VerifiedCertification) and result.name != bytes.fromhex(v["key_name"]):
        return "certified Name differs"
    return None


def main(argv: list[str]) -> int:
    testdata = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[3] / "testdata"
    manifest = json.loads((testdata / "manifest.json").read_text())
    walked = [v for v in manifest["vectors"] if v["kind"] in ("quote", "certify")]
    failures = [(v["id"], problem) for v in walked if (problem := check(testdata, v)) is not None]
    for vid, problem in failures:
        print(f"FAIL {vid}: {problem}")
    print(f"walk_manifest: {len(walked) - len(failures)}/{len(walked)} quote and certify vectors as expected")
    return 1 if failures or not walked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""keylime (PyPI) as a peer: keylime.tpm.tpm_util.checkquote on every quote vector in testdata/.

For each quote vector the manifest's "keylime" field says what keylime's checkquote must decide
(and, where that differs from the Aegis verdict in "expect", why). This test holds keylime to it,
so a keylime upgrade that changes a verdict, or a vector whose note is stale, fails here.

checkquote(aikblob, nonce, sigblob, quoteblob, pcrblob, exp_hash_alg) takes:
  aikblob   the AK as PEM (SubjectPublicKeyInfo) bytes: ak.pem next to ak.pub
  nonce     str; compared raw, else base64-decoded (keylime's push mode): we pass base64
  sigblob   TPMT_SIGNATURE bytes (quote.sig); quoteblob: TPMS_ATTEST bytes (quote.attest)
  pcrblob   tpm2-tools PCR file bytes (pcrs.bin; pcrs.json is converted to that layout)
  exp_hash  the hash the verifier expects ("sha256", ...): manifest keylime.hash_alg
It raises on any failure and returns {pcr index: hex value} on success.

Run: .venv/bin/python -m pytest tests/peers -q
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTDATA = ROOT / "testdata"
sys.path.insert(0, str(TESTDATA / "gen"))
import tpmfmt  # noqa: E402

MANIFEST = json.loads((TESTDATA / "manifest.json").read_text())
QUOTES = [v for v in MANIFEST["vectors"] if v["kind"] == "quote"]
BY_ID = {v["id"]: v for v in MANIFEST["vectors"]}

tpm_util = pytest.importorskip(
    "keylime.tpm.tpm_util", reason="keylime is not installed: scripts/deps.sh python (requirements-dev.txt)"
)


def aegis_verdict(v: dict) -> str:
    return v["expect"]["verdict"]


def keylime_inputs(v: dict) -> tuple:
    ak_pem = (TESTDATA / v["ak"]).with_name("ak.pem").read_bytes()
    nonce = base64.b64encode(bytes.fromhex(v["nonce"])).decode()
    sig = (TESTDATA / v["signature"]).read_bytes()
    attest = (TESTDATA / v["attest"]).read_bytes()
    raw = (TESTDATA / v["pcrs"]).read_bytes()
    if v["pcrs"].endswith(".json"):
        raw = tpmfmt.write_pcr_file(tpmfmt.pcrs_from_json(json.loads(raw)))
    return ak_pem, nonce, sig, attest, raw, v["keylime"]["hash_alg"]


def run_checkquote(v: dict):
    """('valid', returned PCR dict) or ('invalid', the exception)."""
    try:
        return "valid", tpm_util.checkquote(*keylime_inputs(v))
    except Exception as exc:  # checkquote signals every failure by raising
        return "invalid", exc


def test_manifest_has_quote_vectors():
    assert len(QUOTES) >= 20
    assert all("keylime" in v for v in QUOTES)


@pytest.mark.parametrize("vector", QUOTES, ids=[v["id"] for v in QUOTES])
def test_checkquote_verdict(vector):
    verdict, detail = run_checkquote(vector)
    assert verdict == vector["keylime"]["verdict"], f"keylime says {verdict}: {detail!r}"
    if verdict != aegis_verdict(vector):
        # A difference must be explained in the manifest (and in testdata/README.md).
        assert vector["keylime"].get("note"), "keylime differs from Aegis without a note"


BOTH_VALID = [v for v in QUOTES if aegis_verdict(v) == "valid" and v["keylime"]["verdict"] == "valid"]


@pytest.mark.parametrize("vector", BOTH_VALID, ids=[v["id"] for v in BOTH_VALID])
def test_valid_quotes_report_the_signed_pcrs(vector):
    """Where both accept a quote, keylime returns exactly the signed PCRs of the signature-hash bank."""
    verdict, pcrs = run_checkquote(vector)
    assert verdict == "valid"
    attest = tpmfmt.parse_attest((TESTDATA / vector["attest"]).read_bytes())
    sig = tpmfmt.parse_signature((TESTDATA / vector["signature"]).read_bytes())
    signed = dict(attest.selection)
    assert sorted(pcrs) == sorted(signed[sig.hash])


# Explicit differences: keylime accepts evidence that Aegis must refuse.


def test_keylime_reports_unsigned_pcr15_from_a_pcr16_quote():
    """CVE-2024-29039 class: the signed selection is PCR 16, the PCR file calls it PCR 15."""
    for vid in ("attack-pcr16-claimed-as-pcr15-bin", "attack-pcr16-claimed-as-pcr15-json"):
        v = BY_ID[vid]
        assert v["expect"] == {"verdict": "invalid", "error": "PcrNotInSelection"}
        verdict, pcrs = run_checkquote(v)
        assert verdict == "valid"
        assert list(pcrs) == [15], "keylime reports PCR 15, which the TPM never signed"
        signed = tpmfmt.parse_attest((TESTDATA / v["attest"]).read_bytes()).selection
        assert signed == [(tpmfmt.ALG_SHA256, [16])]


def test_keylime_accepts_a_forgery_signed_by_an_unrestricted_key():
    v = BY_ID["attack-ak-not-restricted"]
    assert v["expect"]["error"] == "AkNotRestricted"
    ak = tpmfmt.parse_tpm2b_public((TESTDATA / v["ak"]).read_bytes())
    assert not ak.attrs & tpmfmt.OA_RESTRICTED
    assert run_checkquote(v)[0] == "valid"


@pytest.mark.parametrize("vid,error", [
    ("attack-required-pcr-missing", "RequiredPcrMissing"),
    ("attack-empty-nonce", "EmptyNonce"),
    ("attack-signer-mismatch", "SignerMismatch"),
    ("attack-clock-regression", "ClockRegression"),
])
def test_keylime_checkquote_has_no_such_check(vid, error):
    v = BY_ID[vid]
    assert v["expect"] == {"verdict": "invalid", "error": error}
    assert run_checkquote(v)[0] == "valid"


@pytest.mark.parametrize("vid", ["quote-rsa2048-rsapss-sha256", "quote-multibank-rsassa-sha256",
                                 "quote-ecc-p384-ecdsa-sha384-sha256-bank"])
def test_keylime_refuses_valid_quotes(vid):
    v = BY_ID[vid]
    assert aegis_verdict(v) == "valid"
    assert run_checkquote(v)[0] == "invalid"


def test_readme_lists_every_difference():
    readme = (TESTDATA / "README.md").read_text()
    for v in QUOTES:
        if v["keylime"]["verdict"] != aegis_verdict(v):
            assert f"`{v['id']}`" in readme, f"{v['id']} missing from the keylime table in testdata/README.md"

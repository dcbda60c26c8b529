#!/usr/bin/env python3
"""Copies seed inputs for every fuzz target from testdata/ into fuzz/corpus/<target>/.

Run by `make fuzz-smoke` before fuzzing; fuzz/corpus/ is gitignored (seeds are never committed,
testdata/ is their only source). Standard library only.
Usage: seed_corpus.py TESTDATA_DIR CORPUS_DIR
"""
import base64
import contextlib
import hashlib
import json
import struct
import sys
from pathlib import Path

# The fixtures fuzz/fuzz_targets/verify_quote.rs loads (selector bit 0 -> index).
VERIFY_QUOTE_FIXTURES = ["quote-ecc-p256-ecdsa-sha256", "quote-rsa2048-rsassa-sha256"]

STRUCTURE_TARGET = {
    "tpms_attest": "tpms_attest", "tpm2b_attest": "tpms_attest", "attest": "tpms_attest",
    "tpmt_public": "tpm_public", "tpm2b_public": "tpm_public", "public": "tpm_public",
    "tpmt_signature": "tpmt_signature", "signature": "tpmt_signature",
    "pcrs": "pcr_file", "pcr_file": "pcr_file", "pcr_json": "pcr_json",
    "keylime_quote": "keylime_quote", "keylime": "keylime_quote",
}


def pcr_selection_of(attest: bytes):
    """The TPML_PCR_SELECTION inside a quote's TPMS_ATTEST (TCG Part 2, 10.12.12), or None."""
    try:
        if len(attest) >= 2 and struct.unpack_from(">H", attest)[0] == len(attest) - 2:
            attest = attest[2:]
        at = 4
        (typ,) = struct.unpack_from(">H", attest, at)
        at += 2
        if typ != 0x8018:
            return None
        for _ in range(2):  # qualifiedSigner, extraData
            (n,) = struct.unpack_from(">H", attest, at)
            at += 2 + n
        at += 8 + 4 + 4 + 1 + 8  # clockInfo, firmwareVersion
        start = at
        (count,) = struct.unpack_from(">I", attest, at)
        at += 4
        for _ in range(min(count, 16)):
            at += 2
            size = attest[at]
            at += 1 + size
        return attest[start:at]
    except (struct.error, IndexError):
        return None


def pem_to_der(pem: bytes):
    lines = [l for l in pem.decode("ascii", "replace").splitlines() if l and not l.startswith("-----")]
    try:
        return base64.b64decode("".join(lines), validate=True)
    except ValueError:
        return None


def main() -> int:
    testdata, corpus = Path(sys.argv[1]), Path(sys.argv[2])
    manifest = json.loads((testdata / "manifest.json").read_text())
    seeds: dict = {}

    def add(target: str, data) -> None:
        if data is not None:
            seeds.setdefault(target, {})[hashlib.sha1(data).hexdigest()] = data

    def read(rel):
        return (testdata / rel).read_bytes() if rel else None

    fixture_aks = {}
    for v in manifest["vectors"]:
        if v["id"] in VERIFY_QUOTE_FIXTURES:
            fixture_aks[read(v["ak"])] = VERIFY_QUOTE_FIXTURES.index(v["id"])

    for v in manifest["vectors"]:
        kind = v.get("kind")
        for key in ("ak", "key", "ek_pub"):
            if key in v:
                add("tpm_public", read(v[key]))
                pem = testdata / v[key].replace(".pub", ".pem")
                if v[key].endswith(".pub") and pem.exists():
                    add("spki", pem.read_bytes())
                    add("spki", pem_to_der(pem.read_bytes()))
        if kind in ("quote", "certify"):
            attest, sig = read(v["attest"]), read(v["signature"])
            add("tpms_attest", attest)
            add("tpmt_signature", sig)
            add("tpml_pcr_selection", pcr_selection_of(attest))
        if kind == "quote":
            pcrs = read(v["pcrs"])
            add("pcr_json" if v["pcrs"].endswith(".json") else "pcr_file", pcrs)
            if not v["pcrs"].endswith(".json"):
                text = "r" + ":".join(base64.b64encode(b).decode() for b in (attest, sig, pcrs))
                add("keylime_quote", text.encode())
            selector = fixture_aks.get(read(v["ak"]))
            if selector is not None:
                add("verify_quote", bytes([selector]) + struct.pack(">H", len(attest)) + attest
                    + struct.pack(">H", len(sig)) + sig + pcrs)
                add("verify_quote", bytes([selector | 2]) + struct.pack(">H", len(attest)) + attest
                    + struct.pack(">H", len(sig)) + sig + pcrs)
        if kind == "geofence":
            add("geofence_policy", read(v["geofence_policy"]))
        if kind == "bundle":
            add("evidence_bundle", read(v["bundle"]))
        if kind == "ear":
            token = read(v["token"])
            target = "ear_jwt" if v["format"] == "jwt" else "ear_cwt"
            add(target, token)
            if target == "ear_jwt" and token.count(b".") == 2:
                # The claims decoder's own input: the payload.
                payload = token.split(b".")[1]
                with contextlib.suppress(ValueError):
                    add("ear_jwt", base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
        if kind == "inspect":
            target = STRUCTURE_TARGET.get(v.get("structure", ""))
            data = read(v["file"])
            if target == "pcr_file" and data.lstrip().startswith(b"{"):
                target = "pcr_json"
            if target:
                add(target, data)

    # proof_token: no manifest kind yet (issue 12's vectors come with the bindings); a JWK, an
    # htu and a DPoR-shaped JWS (an unsigned header and claims: the parser's paths up to the
    # signature).
    b64u = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=")  # noqa: E731
    jwk = {"crv": "P-256", "kty": "EC", "x": "q-rEwBe8KyZM06UMD1UpY6YSbS6UFGV2mYC0N-T09q0",
           "y": "Z0srZLerFAQYUcFaBRkrBFbho8ptmLwcgOtaQfhbnQg"}
    add("proof_token", json.dumps(jwk).encode())
    add("proof_token", b"HTTPS://H.example:443/p?q#f")
    add("proof_token", b64u({"alg": "ES256", "jwk": jwk, "typ": "dpor+jwt"}) + b"."
        + b64u({"htm": "GET", "htu": "https://h.example/p", "iat": 1800000000, "jti": "j"}) + b"."
        + base64.urlsafe_b64encode(bytes(64)).rstrip(b"="))

    for target, files in sorted(seeds.items()):
        d = corpus / target
        d.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (d / f"seed-{name}").write_bytes(data)
        print(f"fuzz seeds: {target}: {len(files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

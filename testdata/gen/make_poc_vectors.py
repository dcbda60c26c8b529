#!/usr/bin/env python3
"""Regenerate the "poc" vectors (AegisSovereignAI PoC wire formats, docs FORMATS.md) in testdata/poc/.

    .venv/bin/python testdata/gen/make_poc_vectors.py        (or: make -C testdata poc-vectors)

Plays the PoC's agent on a fresh swtpm (scripts/swtpm.sh): an RSA-2048 RSASSA-SHA256 AK
(tpm2_createak under the RSA EK), an ECC P-256 App Key and a second key under an SRK
(tpm2-pytss), TPM2_Certify of the App Key with the PoC's qualifying data
SHA-256(SHA-256(PEM) || hex nonce) (tpm2-pytss: tpm2-tools 5.4 has no qualifying-data option),
PCR 15 (sha256) extended with the PoC's location recipe (tpm2_pcrextend), and a quote over
sha256:15 with the verifier's nonce (tpm2_quote). It writes the SovereignAttestation the PoC's
SPIRE agent would send (app_key_certificate as base64 of its JSON, tpm_signed_attestation "") with
Aegis's app_key_tpm_public added, the PCR 15 log, and the quote.

Manifest entries of kind "poc" (every path relative to testdata/): ak (TPM2B_PUBLIC), ak_name,
bundle (the SovereignAttestation JSON), nonce (the verifier's nonce as the hex text it sent),
attest / signature / pcrs (the quote, tpm2-tools files), location_log (the PCR 15 log JSON),
policy, expect (with the error's code). A verifier walks one flow: the certify of the bundle for nonce, then the quote
(nonce hex-decoded), then the PCR 15 log against the quote's sha256:15.

Only this script's own entries (kind "poc") and testdata/poc/ are replaced; every vector is
re-checked first by gen/pocref.py (an independent reading of the recipes, through refcheck.py).
Nonces are fixed; keys, signatures and clocks change per run.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTDATA = HERE.parent
ROOT = TESTDATA.parent
OUT = "poc"
sys.path.insert(0, str(HERE))

import pocref  # noqa: E402
import tpmfmt as T  # noqa: E402
from tpmfmt import VectorError  # noqa: E402

EK_RSA = 0x81010001
AK_HANDLE = 0x81010020
SRK = 0x81000001
SIGN_ATTRS = "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign"
POLICY = {"require_pcrs": {"sha256": [15]}, "allow_sha1": False}
AGENT_UUID = "d432fbb3-d2f1-4a97-9ef7-75bd81c00000"
CODE_HASH = hashlib.sha256(b"aegis testdata: the attested workload's code").hexdigest()


def error_codes() -> dict:
    """Error name -> stable code, from the one table (aegis-core/src/error.rs)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import gen_errors

    table = gen_errors.parse((ROOT / "aegis-core" / "src" / "error.rs").read_text())
    return {c.name: c.code for c in table.codes}


CODES = error_codes()


def nonce_hex(label: str) -> str:
    return hashlib.sha256(b"aegis-testdata-poc-nonce:" + label.encode()).hexdigest()


def log(msg: str) -> None:
    print(f"make_poc_vectors: {msg}", file=sys.stderr, flush=True)


def mobile(sensor_id: str, imei: str, imsi: str) -> dict:
    """The PoC's PCR 15 claims for a cellular modem (docs FORMATS.md; reading in compat::sovereign)."""
    return {"gnss": None, "mobile": {"sensor_id": sensor_id, "sensor_imei": imei, "sensor_imsi": imsi},
            "sensor_type": "mobile", "tpm_attested": True, "tpm_pcr_index": 15}


def gnss(sensor_id: str, lat: float, lon: float, accuracy: float) -> dict:
    return {"gnss": {"sensor_id": sensor_id, "value": {"latitude": lat, "longitude": lon, "accuracy": accuracy}},
            "mobile": None, "sensor_type": "gnss", "tpm_attested": True, "tpm_pcr_index": 15}


class Gen:
    def __init__(self, tpmdir: Path, stage: Path):
        self.tpmdir, self.stage = tpmdir, stage
        self.scratch = tpmdir / "scratch"
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.tcti = (tpmdir / "tcti").read_text().strip()
        self.env = dict(os.environ, TPM2TOOLS_TCTI=self.tcti)
        self.vectors: list = []

    def tools(self, *args) -> None:
        p = subprocess.run([str(a) for a in args], env=self.env, capture_output=True)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, args))} failed ({p.returncode}): {p.stderr.decode()}")

    def esys(self):
        from tpm2_pytss.ESAPI import ESAPI
        from tpm2_pytss.TCTILdr import TCTILdr

        name, conf = self.tcti.split(":", 1)
        tcti = TCTILdr(name, conf)
        return ESAPI(tcti), tcti

    # -- the TPM side of the PoC agent --------------------------------------------------------------

    def setup(self) -> None:
        d = self.scratch
        self.tools("tpm2_createak", "-C", hex(EK_RSA), "-c", d / "ak.ctx", "-G", "rsa", "-g", "sha256", "-s", "rsassa",
                   "-u", d / "ak.pub")
        self.tools("tpm2_evictcontrol", "-C", "o", "-c", d / "ak.ctx", hex(AK_HANDLE))
        self.tools("tpm2_flushcontext", "-t")
        self.ak = (d / "ak.pub").read_bytes()

        from tpm2_pytss import ESYS_TR, TPM2B_PUBLIC

        e, tcti = self.esys()
        try:
            tmpl = TPM2B_PUBLIC.parse("rsa2048:null:aes128cfb",
                                      objectAttributes="fixedtpm|fixedparent|sensitivedataorigin|userwithauth|"
                                                       "restricted|decrypt|noda")
            srk, *_ = e.create_primary(None, tmpl, ESYS_TR.OWNER)
            e.evict_control(ESYS_TR.OWNER, srk, SRK)
            e.flush_context(srk)
            parent = e.tr_from_tpmpublic(SRK)
            self.keys = {}
            for name in ("app", "other"):
                priv, pub, *_ = e.create(parent, None, TPM2B_PUBLIC.parse("ecc256:ecdsa-sha256",
                                                                          objectAttributes=SIGN_ATTRS))
                self.keys[name] = (priv, pub)
        finally:
            e.close()
            tcti.close()

    def pub(self, key: str) -> bytes:
        return self.keys[key][1].marshal()

    def pem(self, key: str) -> str:
        return T.parse_tpm2b_public(self.pub(key)).pem().decode()

    def certify(self, key: str, qualifying: bytes) -> tuple:
        from tpm2_pytss import TPM2_ALG, TPMT_SIG_SCHEME

        e, tcti = self.esys()
        try:
            priv, pub = self.keys[key]
            h = e.load(e.tr_from_tpmpublic(SRK), priv, pub)
            try:
                info, sig = e.certify(h, e.tr_from_tpmpublic(AK_HANDLE), qualifying,
                                      TPMT_SIG_SCHEME(scheme=TPM2_ALG.NULL))
            finally:
                e.flush_context(h)
        finally:
            e.close()
            tcti.close()
        return bytes(info), sig.marshal()

    def extend(self, claims: dict, nonce: str) -> dict:
        """The PoC agent's PCR 15 extend; returns the log event."""
        digest = pocref.claims_digest(claims, nonce)
        self.tools("tpm2_pcrextend", f"15:sha256={digest.hex()}")
        return {"geolocation": claims, "nonce": nonce}

    def quote(self, nonce: str) -> tuple:
        d = Path(tempfile.mkdtemp(dir=self.scratch))
        self.tools("tpm2_quote", "-c", hex(AK_HANDLE), "-l", "sha256:15", "-g", "sha256", "--scheme", "rsassa",
                   "-q", nonce, "-m", d / "q.attest", "-s", d / "q.sig", "-o", d / "q.pcrs")
        return tuple((d / f).read_bytes() for f in ("q.attest", "q.sig", "q.pcrs"))

    # -- documents ------------------------------------------------------------------------------------

    @staticmethod
    def bundle(pem: str, attest: bytes, sig: bytes, nonce: str, tpm_public: bytes | None) -> dict:
        """The PoC's SovereignAttestation (member order as its SPIRE agent builds it)."""
        cert = {"certify_data": base64.b64encode(attest).decode(), "signature": base64.b64encode(sig).decode(),
                "challenge_nonce": nonce}
        doc = {"app_key_public": pem,
               "app_key_certificate": base64.b64encode(json.dumps(cert).encode()).decode(),
               "challenge_nonce": nonce, "keylime_agent_uuid": AGENT_UUID, "tpm_signed_attestation": "",
               "workload_code_hash": CODE_HASH}
        if tpm_public is not None:
            doc["app_key_tpm_public"] = base64.b64encode(tpm_public).decode()
        return doc

    def write(self, vid: str, fname: str, data) -> str:
        d = self.stage / vid
        d.mkdir(parents=True, exist_ok=True)
        if isinstance(data, (dict, list)):
            data = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()
        (d / fname).write_bytes(bytes(data))
        return f"{OUT}/{vid}/{fname}"

    def add(self, name: str, desc: str, bundle: dict, nonce: str, quote: tuple, events: list, error=None) -> None:
        self.write(name, "ak.pem", T.parse_tpm2b_public(self.ak).pem())
        self.vectors.append({
            "id": f"{OUT}/{name}", "kind": "poc", "description": desc,
            "ak": self.write(name, "ak.pub", self.ak), "ak_name": T.parse_tpm2b_public(self.ak).name().hex(),
            "bundle": self.write(name, "sovereign.json", bundle), "nonce": nonce,
            "attest": self.write(name, "quote.attest", quote[0]),
            "signature": self.write(name, "quote.sig", quote[1]),
            "pcrs": self.write(name, "pcrs.bin", quote[2]),
            "location_log": self.write(name, "pcr15-log.json", events),
            "policy": POLICY,
            "expect": {"verdict": "valid"} if error is None else {"verdict": "invalid", "error": error,
                                                                   "code": CODES[error]},
        })

    # -- the vectors ----------------------------------------------------------------------------------

    def make(self) -> None:
        n = nonce_hex("verifier")
        earlier = nonce_hex("earlier attestation")
        pem, other_pem = self.pem("app"), self.pem("other")
        app_pub = self.pub("app")

        # PCR 15: an earlier reading (bound to an earlier nonce), quoted then; the current one.
        e1 = self.extend(mobile("12d1:1433", "356938035643809", "214070610960475"), earlier)
        stale_quote = self.quote(n)
        e2 = self.extend(gnss("u-blox-m8", 40.33, -3.7707, 7.0), n)
        q = self.quote(n)

        attest, sig = self.certify("app", pocref.qualifying_data(pem, n))
        valid = self.bundle(pem, attest, sig, n, app_pub)
        self.add("valid", "The PoC's SovereignAttestation (App Key certificate as base64 JSON, qualifying data "
                 "SHA-256(SHA-256(PEM) || hex nonce)) with Aegis's app_key_tpm_public; a quote over sha256:15 and "
                 "the PCR 15 log (a mobile then a GNSS reading) replaying to it.", valid, n, q, [e1, e2])
        self.add("app-key-tpm-public-missing", "The SovereignAttestation exactly as the PoC sends it: the App Key "
                 "as PEM only, which cannot be tied to the Name the certify signed.",
                 self.bundle(pem, attest, sig, n, None), n, q, [e1, e2], error="PocAppKeyPublicMissing")
        swapped = copy.deepcopy(valid)
        swapped["app_key_public"] = other_pem
        self.add("app-key-pem-mismatch", "Genuine certify and app_key_tpm_public; app_key_public is the PEM of "
                 "another TPM key.", swapped, n, q, [e1, e2], error="PocAppKeyMismatch")
        self.add("challenge-mismatch", "The valid SovereignAttestation presented to a verifier that sent another "
                 "nonce (its challenge_nonce members are not the verifier's).", valid, nonce_hex("another verifier"),
                 q, [e1, e2], error="PocChallengeMismatch")
        a2, s2 = self.certify("app", pocref.qualifying_data(pem, earlier))
        self.add("nonce-mismatch", "challenge_nonce members say the verifier's nonce, but the certify's qualifying "
                 "data was made with an earlier nonce.", self.bundle(pem, a2, s2, n, app_pub), n, q, [e1, e2],
                 error="NonceMismatch")
        forged = copy.deepcopy(e2)
        forged["geolocation"]["gnss"]["value"]["latitude"] = 48.8566
        self.add("pcr15-replay-mismatch", "Valid bundle and quote; the PCR 15 log's current reading was moved "
                 "(latitude changed), so it no longer replays to the quoted PCR 15.", valid, n, q, [e1, forged],
                 error="LocationLogMismatch")
        self.add("pcr15-stale-reading", "Valid bundle; a fresh quote taken before the current reading was "
                 "extended: the log replays, but its last reading is bound to an earlier nonce.", valid, n,
                 stale_quote, [e1], error="LocationNonceMismatch")


def install(stage: Path, vectors: list) -> None:
    """Replace testdata/poc/ and the manifest's "poc" entries; leave everything else as it is."""
    shutil.rmtree(TESTDATA / OUT, ignore_errors=True)
    shutil.copytree(stage, TESTDATA / OUT)
    path = TESTDATA / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["vectors"] = [v for v in manifest["vectors"] if v["kind"] != "poc"] + vectors
    import make_vectors  # its dump_json keeps the manifest's layout

    path.write_text(make_vectors.dump_json(manifest))


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="aegis-poc-vectors-"))
    tpmdir, stage = tmp / "tpm", tmp / "out"
    stage.mkdir(parents=True)
    swtpm = ["bash", str(ROOT / "scripts" / "swtpm.sh")]
    subprocess.run(swtpm + ["start", str(tpmdir)], check=True, stdout=subprocess.DEVNULL)
    try:
        g = Gen(tpmdir, stage)
        g.setup()
        g.make()
    finally:
        subprocess.run(swtpm + ["stop", str(tpmdir)], check=False)
    problems = []
    check_root = tmp / "check"
    (check_root / OUT).parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(stage, check_root / OUT)
    for v in g.vectors:
        try:
            pocref.check_poc(check_root, v)
            got = None
        except VectorError as e:
            got = e.name
        want = v["expect"].get("error")
        if got != want:
            problems.append(f"{v['id']}: expected {want or 'valid'}, pocref says {got or 'valid'}")
    if problems:
        for p in problems:
            log("MISMATCH " + p)
        log(f"refusing to install: output left in {stage}")
        return 1
    install(stage, g.vectors)
    shutil.rmtree(tmp, ignore_errors=True)
    log(f"wrote {len(g.vectors)} poc vectors to {TESTDATA / OUT}; pocref agrees with every expected verdict")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Regenerate the SPIRE NodeAttestor example's test bundle from a freshly manufactured software TPM.

    .venv/bin/python examples/spire-nodeattestor/testdata/gen_bundle.py

The plugin needs what testdata/manifest.json does not have: a TPM2_Certify of an App Key AND a
TPM2_Quote made by the SAME AK over the SAME nonce (the plugin's one challenge). This script makes
exactly that, the way an agent would:

  1. start swtpm (scripts/swtpm.sh: EK + EK certificate from a throw-away local CA);
  2. extend PCR 15 with a stand-in location event;
  3. tpm2_createak (ECC P-256, ECDSA-SHA256) under the RSA EK, made persistent;
  4. tpm2-pytss: an App Key (ECC P-256, fixedTPM|fixedParent|sensitiveDataOrigin|sign) under an
     SRK, TPM2_Certify of it by the AK with qualifying data = the nonce (tpm2-tools 5.4's
     tpm2_certify cannot pass qualifying data);
  5. tpm2_quote of sha256:0,1,15 by the AK with -q nonce;
  6. for EK enrolment: the RSA EK (0x81010001, the AK's parent) and the ECC P-384 EK (0x81010016)
     public areas and certificates (NV 0x01c00002, 0x01c00016), the local CA's root and
     intermediate (DIR/ca/), and the TPM state itself (state/tpm2-00.permall), so that the test
     can restart this same TPM and run TPM2_ActivateCredential on the credential the plugin makes
     at test time (the secret is fresh and random per run; nothing about activation is recorded).

Output: bundle.json (the agent's answer, in the plugin's Bundle format, see ../bundle.go),
hello.json (the agent's first payload), nonce.hex (the fixed challenge the test injects) and
expect.json (the AK Name, App Key Name and PCR values the test expects in the selectors),
ek/ (rsa.pub, rsa.der, ecc.pub, ecc.der, root.pem, intermediate.pem) and tpm-state/tpm2-00.permall.
Nothing is edited by hand; keys, signatures and clock values change per run, the nonce does not.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
EK_RSA = 0x81010001
EK_ECC = 0x81010016
EK_CERT_NV = {"rsa": 0x01C00002, "ecc": 0x01C00016}
AK_HANDLE = 0x81010020
SRK = 0x81000002
NONCE = hashlib.sha256(b"aegis-spire-nodeattestor-example-nonce").digest()
PCR15_EVENT = b"aegis spire example: PCR 15 event (stands in for a location event)\n"
SELECTION = "sha256:0,1,15"


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def name_of(tpm2b_public: bytes) -> bytes:
    """Name = nameAlg || H_nameAlg(TPMT_PUBLIC) (TCG Part 1, 16); nameAlg sits after type."""
    (size,) = struct.unpack_from(">H", tpm2b_public, 0)
    tpmt = tpm2b_public[2 : 2 + size]
    (name_alg,) = struct.unpack_from(">H", tpmt, 2)
    h = {0x000B: hashlib.sha256, 0x000C: hashlib.sha384, 0x0004: hashlib.sha1}[name_alg]
    return struct.pack(">H", name_alg) + h(tpmt).digest()


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="aegis-spire-bundle-"))
    tpmdir = tmp / "tpm"
    swtpm = ["bash", str(ROOT / "scripts" / "swtpm.sh")]
    subprocess.run(swtpm + ["start", str(tpmdir)], check=True, stdout=subprocess.DEVNULL)
    try:
        tcti = (tpmdir / "tcti").read_text().strip()
        env = dict(os.environ, TPM2TOOLS_TCTI=tcti)

        def tools(*args) -> None:
            subprocess.run([str(a) for a in args], env=env, check=True, capture_output=True)

        ev = tmp / "pcr15.event"
        ev.write_bytes(PCR15_EVENT)
        tools("tpm2_pcrevent", "15", ev)
        tools("tpm2_createak", "-C", hex(EK_RSA), "-c", tmp / "ak.ctx", "-G", "ecc256", "-g", "sha256",
              "-s", "ecdsa", "-u", tmp / "ak.pub", "-n", tmp / "ak.name")
        tools("tpm2_evictcontrol", "-C", "o", "-c", tmp / "ak.ctx", hex(AK_HANDLE))
        tools("tpm2_flushcontext", "-t")
        ak_pub = (tmp / "ak.pub").read_bytes()
        assert name_of(ak_pub) == (tmp / "ak.name").read_bytes(), "AK Name differs from tpm2_createak's"

        from tpm2_pytss import ESYS_TR, TPM2_ALG, TPM2B_PUBLIC, TPMT_SIG_SCHEME
        from tpm2_pytss.ESAPI import ESAPI
        from tpm2_pytss.TCTILdr import TCTILdr

        name, conf = tcti.split(":", 1)
        t = TCTILdr(name, conf)
        e = ESAPI(t)
        try:
            srk_t = TPM2B_PUBLIC.parse(
                "rsa2048:null:aes128cfb",
                objectAttributes="fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|decrypt|noda")
            srk, *_ = e.create_primary(None, srk_t, ESYS_TR.OWNER)
            app_t = TPM2B_PUBLIC.parse("ecc256:ecdsa-sha256",
                                       objectAttributes="fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign")
            priv, pub, *_ = e.create(srk, None, app_t)
            app = e.load(srk, priv, pub)
            info, sig = e.certify(app, e.tr_from_tpmpublic(AK_HANDLE), NONCE, TPMT_SIG_SCHEME(scheme=TPM2_ALG.NULL))
            app_pub = pub.marshal()
            app_pem = pub.publicArea.to_pem().decode() if hasattr(pub.publicArea, "to_pem") else ""
            certify_attest, certify_sig = bytes(info), sig.marshal()
            e.flush_context(app)
            e.flush_context(srk)
        finally:
            e.close()
            t.close()

        tools("tpm2_quote", "-c", hex(AK_HANDLE), "-l", SELECTION, "-g", "sha256", "-q", NONCE.hex(),
              "-m", tmp / "q.attest", "-s", tmp / "q.sig", "-o", tmp / "q.pcrs")
        tools("tpm2_pcrread", SELECTION, "-o", tmp / "pcrs.raw")
        raw = (tmp / "pcrs.raw").read_bytes()  # three 32-byte values, PCR 0, 1, 15
        assert len(raw) == 96, len(raw)
        pcrs = {i: raw[k * 32 : (k + 1) * 32].hex() for k, i in enumerate((0, 1, 15))}
        q_attest, q_sig, q_pcrs = ((tmp / f).read_bytes() for f in ("q.attest", "q.sig", "q.pcrs"))

        ek = {}
        for kind, handle in (("rsa", EK_RSA), ("ecc", EK_ECC)):
            tools("tpm2_readpublic", "-c", hex(handle), "-o", tmp / f"ek-{kind}.pub")
            tools("tpm2_nvread", hex(EK_CERT_NV[kind]), "-C", "o", "-o", tmp / f"ek-{kind}.nv")
            raw = (tmp / f"ek-{kind}.nv").read_bytes()
            assert raw[0] == 0x30 and raw[1] == 0x82, "EK certificate is not a long-form DER SEQUENCE"
            ek[f"{kind}.der"] = raw[: 4 + struct.unpack(">H", raw[2:4])[0]]
            ek[f"{kind}.pub"] = (tmp / f"ek-{kind}.pub").read_bytes()
        ek["root.pem"] = (tpmdir / "ca" / "swtpm-localca-rootca-cert.pem").read_bytes()
        ek["intermediate.pem"] = (tpmdir / "ca" / "issuercert.pem").read_bytes()
    finally:
        subprocess.run(swtpm + ["stop", str(tpmdir)], check=False)
    try:
        # After the stop: swtpm has written its permanent state (persistent EKs and AK included).
        state = (tpmdir / "state" / "tpm2-00.permall").read_bytes()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    (HERE / "ek").mkdir(exist_ok=True)
    for name, data in ek.items():
        (HERE / "ek" / name).write_bytes(data)
    (HERE / "tpm-state").mkdir(exist_ok=True)
    (HERE / "tpm-state" / "tpm2-00.permall").write_bytes(state)

    bundle = {
        "version": 1,
        "app_key_public": app_pem,
        "app_key_tpm_public": b64(app_pub),
        "app_key_certificate": {
            "certify_data": b64(certify_attest),
            "signature": b64(certify_sig),
            "challenge_nonce": NONCE.hex(),
        },
        "quote": {
            "attest": b64(q_attest),
            "signature": b64(q_sig),
            "pcrs": b64(q_pcrs),
        },
        "challenge_nonce": NONCE.hex(),
        "keylime_agent_uuid": "d432fbb3-d2f1-4a97-9ef7-75bd81c00000",
        "workload_code_hash": hashlib.sha256(b"aegis spire example workload").hexdigest(),
    }
    (HERE / "bundle.json").write_text(json.dumps(bundle, indent=2) + "\n")
    (HERE / "hello.json").write_text(json.dumps({"version": 1, "ak_public": b64(ak_pub)}, indent=2) + "\n")
    (HERE / "nonce.hex").write_text(NONCE.hex() + "\n")
    (HERE / "expect.json").write_text(json.dumps({
        "ak_name": name_of(ak_pub).hex(), "app_key_name": name_of(app_pub).hex(),
        "pcrs": {"sha256": {str(i): v for i, v in pcrs.items()}},
        "ek_name": name_of(ek["rsa.pub"]).hex(), "ek_ecc_name": name_of(ek["ecc.pub"]).hex(),
        "ek_handle": EK_RSA, "ek_ecc_handle": EK_ECC, "ak_handle": AK_HANDLE,
    }, indent=2) + "\n")
    print(f"gen_bundle: wrote {HERE}/bundle.json, hello.json, nonce.hex, expect.json, ek/, tpm-state/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

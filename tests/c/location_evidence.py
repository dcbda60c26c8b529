#!/usr/bin/env python3
"""Location evidence from a swtpm for test_sign.c: two location events extended into PCR 15
(FORMATS.md: SHA-256(JCS(event) || nonce)), the last for the quote's nonce, logged as JSON
Lines, and a quote over sha256:15 by an AK. Writes ak.pub, q.attest, q.sig, q.pcrs,
location.log, nonce.bin and current.json (the current event's canonical JSON) into OUTDIR.

    location_evidence.py OUTDIR

Exit 77 when swtpm or tpm2-tools are missing (the C test then skips, unless AEGIS_REQUIRE_TPM=1).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

TOOLS = ["swtpm", "swtpm_setup", "tpm2_createek", "tpm2_createak", "tpm2_evictcontrol", "tpm2_flushcontext",
         "tpm2_pcrextend", "tpm2_quote"]
SWTPM_SH = Path(__file__).resolve().parents[2] / "scripts" / "swtpm.sh"


def jcs(value: object) -> str:
    """RFC 8785 for the values used here (ASCII strings, ints, floats with a fraction)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if any(shutil.which(t) is None for t in TOOLS):
        return 77
    out = Path(sys.argv[1]).resolve()
    shutil.rmtree(out, ignore_errors=True)
    tpm = out / "swtpm"
    subprocess.run(["bash", str(SWTPM_SH), "start", str(tpm)], check=True, capture_output=True)
    try:
        env = dict(os.environ, TPM2TOOLS_TCTI=(tpm / "tcti").read_text().strip())

        def run(*args: str) -> None:
            subprocess.run(args, cwd=out, env=env, check=True, capture_output=True)

        run("tpm2_createek", "-G", "rsa", "-u", "ek.pub", "-c", "ek.ctx")
        run("tpm2_createak", "-C", "ek.ctx", "-c", "ak.ctx", "-G", "rsa", "-g", "sha256", "-s", "rsassa", "-u", "ak.pub")
        run("tpm2_flushcontext", "-t")
        run("tpm2_evictcontrol", "-C", "o", "-c", "ak.ctx", "0x81010002")
        run("tpm2_flushcontext", "-t")
        nonce = os.urandom(32)
        events = [
            ({"sensor_type": "static", "sensor_id": "test-site", "latitude": 52.5, "longitude": 13.25,
              "accuracy_m": 100.5, "time": 1700000000, "quality": "configured"}, os.urandom(32)),
            ({"sensor_type": "gnss", "sensor_id": "test-gnss", "latitude": 48.8566, "longitude": 2.3522,
              "accuracy_m": 4.5, "altitude_m": 35.25, "time": 1700000060, "quality": "3d-fix"}, nonce),
        ]
        log, prev = b"", bytes(32)
        for seq, (event, event_nonce) in enumerate(events):
            digest = hashlib.sha256(jcs(event).encode() + event_nonce).digest()
            run("tpm2_pcrextend", f"15:sha256={digest.hex()}")
            line = (jcs({"digest": digest.hex(), "event": event, "nonce": event_nonce.hex(), "prev": prev.hex(),
                         "seq": seq}) + "\n").encode()
            log += line
            prev = hashlib.sha256(line).digest()
        run("tpm2_quote", "-c", "0x81010002", "-l", "sha256:15", "-g", "sha256", "-q", nonce.hex(),
            "-m", "q.attest", "-s", "q.sig", "-o", "q.pcrs")
        (out / "location.log").write_bytes(log)
        (out / "nonce.bin").write_bytes(nonce)
        (out / "current.json").write_text(jcs(events[-1][0]))
    finally:
        subprocess.run(["bash", str(SWTPM_SH), "stop", str(tpm)], check=False, capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

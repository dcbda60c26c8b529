#!/usr/bin/env python3
"""Write the evidence-bundle vectors: bundles made on a freshly manufactured swtpm by the
attester side of `aegis demo` (aegis-agent over tss-esapi), the verifier's enrolment record and
EK root, geofence policies, and the manifest entries of kind "bundle" (replacing only those).

    python3 testdata/gen/make_bundle_vectors.py     (needs swtpm and cargo; scripts/deps.sh tpm)

Each TPM run starts its own swtpm (scripts/swtpm.sh), so PCR 15 starts from its reset value.
Attack vectors are derived from a valid bundle by changing exactly one input (the bundle JSON,
the enrolment record, the policy, the nonce or the appraisal time), so each breaks one check.

An entry gives the appraisal inputs (`bundle`, `enrolment` or null, `ek_roots`, `policy`,
`nonce`, `time`, `network_verified`) and the expected outcome:

- `{"verdict": "result", "status": ..., "submods": {name: status}, "failures": [{"submod",
  "check", "error", "code"}], "country": ...}`: an attestation result (docs/evidence-bundle.md)
  with exactly these failed checks, in submod and check order;
- `{"verdict": "invalid", "error": name, "code": code}`: no result (the bundle cannot be used).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTDATA = HERE.parent
ROOT = TESTDATA.parent
OUT = TESTDATA / "bundle"
KIND = "bundle"
DEMO_POLICY = ROOT / "examples" / "policies" / "demo-geofence.json"


def run(cmd: list[str], **kw) -> str:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


def aegis_bin() -> Path:
    run(["cargo", "build", "-q", "-p", "aegis-cli", "--features", "tss"], cwd=ROOT)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "aegis"


def codes(aegis: Path) -> dict[str, int]:
    return {e["name"]: e["code"] for e in json.loads(run([str(aegis), "codes"]))}


def reading(lon: float, lat: float, now: int) -> dict:
    return {
        "sensor_type": "gnss",
        "sensor_id": "gnss-receiver-0",
        "latitude": lat,
        "longitude": lon,
        "accuracy_m": 20.0,
        "time": now,
        "quality": "3d-fix",
    }


def tpm_run(aegis: Path, name: str, event: dict, ak: str = "ecc-p256") -> Path:
    """One attestation on a fresh swtpm; the bundle, enrolment record and EK root in OUT/name."""
    out = OUT / name
    with tempfile.TemporaryDirectory(prefix="aegis-bundle-") as tmp:
        tmp = Path(tmp)
        run([str(ROOT / "scripts" / "swtpm.sh"), "start", str(tmp / "tpm")])
        try:
            tcti = (tmp / "tpm" / "tcti").read_text().strip()
            location = tmp / "reading.json"
            location.write_text(json.dumps(event))
            run([
                str(aegis), "demo", "--tcti", tcti,
                "--ek-root", str(tmp / "tpm" / "ca" / "swtpm-localca-rootca-cert.pem"),
                "--ek-intermediate", str(tmp / "tpm" / "ca" / "issuercert.pem"),
                "--location", str(location), "--event-log", str(tmp / "events.log"),
                "--policy", str(DEMO_POLICY), "--ak", ak, "--out", str(out),
            ])
            shutil.copy(tmp / "tpm" / "ca" / "swtpm-localca-rootca-cert.pem", out / "ek-root.pem")
        finally:
            run([str(ROOT / "scripts" / "swtpm.sh"), "stop", str(tmp / "tpm")])
    # The demo's own EAR and verifier key are not vectors.
    for extra in ("ear.jwt", "ear-verifier.pub.pem"):
        (out / extra).unlink(missing_ok=True)
    return out


def rel(p: Path) -> str:
    return str(p.relative_to(TESTDATA))


def dump(path: Path, doc) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return rel(path)


AFFIRMING = {"platform": "affirming", "workload-key": "affirming", "location": "affirming"}


def main() -> int:
    if shutil.which("swtpm") is None:
        print("make_bundle_vectors: swtpm is missing (scripts/deps.sh tpm)", file=sys.stderr)
        return 2
    aegis = aegis_bin()
    code = codes(aegis)
    if OUT.exists():
        shutil.rmtree(OUT)
    now = int(time.time())
    geneva = tpm_run(aegis, "ecc-geneva", reading(6.1432, 46.2044, now))
    paris = tpm_run(aegis, "ecc-paris", reading(2.3522, 48.8566, now))
    rsa = tpm_run(aegis, "rsa-ak-geneva", reading(6.1432, 46.2044, now), ak="rsa2048")
    # Appraised after the last swtpm was manufactured: its EK certificate's notBefore is when
    # swtpm_setup ran, which on a busy machine is more than a few seconds after `now`.
    appraised = int(time.time()) + 10

    policy = json.loads(DEMO_POLICY.read_text())
    policies = {"demo": dump(OUT / "policies" / "demo-geofence.json", policy)}
    wrong_ref = json.loads(json.dumps(policy))
    wrong_ref["pcr_references"]["sha256"]["0"] = "ff" * 32
    policies["wrong-pcr0"] = dump(OUT / "policies" / "wrong-pcr0-reference.json", wrong_ref)

    def fail(submod: str, check: str, error: str) -> dict:
        return {"submod": submod, "check": check, "error": error, "code": code[error]}

    def entry(vid, description, run_dir, *, bundle=None, enrolment=True, policy_name="demo",
              nonce=None, at=appraised, expect):
        d = {
            "id": f"bundle/{vid}",
            "kind": KIND,
            "description": description,
            "bundle": bundle or rel(run_dir / "bundle.json"),
            "enrolment": rel(run_dir / "enrolment.json") if enrolment else None,
            "ek_roots": [rel(run_dir / "ek-root.pem")],
            "policy": policies[policy_name],
            "nonce": nonce or (run_dir / "nonce.hex").read_text().strip(),
            "time": at,
            "network_verified": False,
        }
        d["expect"] = expect
        return d

    def result(status, submods=AFFIRMING, failures=(), country="CH"):
        return {"verdict": "result", "status": status, "submods": dict(submods),
                "failures": list(failures), "country": country}

    def variant(run_dir: Path, name: str, change) -> str:
        doc = json.loads((run_dir / "bundle.json").read_text())
        change(doc)
        return dump(OUT / "derived" / f"{name}.json", doc)

    def tamper_pcr15(doc):
        v = doc["quote"]["pcrs"]["sha256"]["15"]
        doc["quote"]["pcrs"]["sha256"]["15"] = ("0" if v[0] != "0" else "1") + v[1:]

    def tamper_certify(doc):
        import base64
        raw = bytearray(base64.b64decode(doc["certify"]["signature"]))
        raw[-1] ^= 1
        doc["certify"]["signature"] = base64.b64encode(bytes(raw)).decode()

    def other_ek(doc):
        doc["ek_certificate"] = json.loads((paris / "bundle.json").read_text())["ek_certificate"]

    malformed = OUT / "derived" / "truncated.json"
    malformed.parent.mkdir(parents=True, exist_ok=True)
    text = (geneva / "bundle.json").read_text()
    malformed.write_text(text[: len(text) // 2])

    contra = "contraindicated"
    vectors = [
        entry("ecc-geneva", "GNSS reading in Geneva on swtpm (P-256 AK and App Key), EK certificate "
              "chained to the swtpm local CA, AK enrolled by credential activation: affirming.",
              geneva, expect=result("affirming")),
        entry("rsa-ak-geneva", "The same with an RSA-2048 AK: affirming.", rsa, expect=result("affirming")),
        entry("outside-geofence", "GNSS reading in Paris: France is allowed but the reading is outside "
              "the policy's only allowed area.", paris,
              expect=result(contra, {**AFFIRMING, "location": contra},
                            [fail("location", "geofence", "GeofenceOutsideAllowedAreas")], country="FR")),
        entry("pcr0-reference-mismatch", "The policy's PCR 0 reference differs from the quoted value: "
              "executables unrecognized (a warning).", geneva, policy_name="wrong-pcr0",
              expect=result("warning", {**AFFIRMING, "platform": "warning"},
                            [fail("platform", "pcr-reference-values", "PcrReferenceMismatch")])),
        entry("pcr15-tampered", "PCR 15's value in the bundle changed: the quote's digest check fails, "
              "so the location log is not appraised.", geneva,
              bundle=variant(geneva, "pcr15-tampered", tamper_pcr15),
              expect=result(contra, {"platform": contra, "workload-key": "affirming", "location": contra},
                            [fail("platform", "quote", "PcrDigestMismatch")], country=None)),
        entry("certify-signature-tampered", "One bit of the certify signature flipped.", geneva,
              bundle=variant(geneva, "certify-signature-tampered", tamper_certify),
              expect=result(contra, {**AFFIRMING, "workload-key": contra},
                            [fail("workload-key", "app-key-certification", "SignatureInvalid")])),
        entry("no-enrolment", "No enrolment record: the AK is bound to no EK.", geneva, enrolment=False,
              expect=result(contra, {**AFFIRMING, "platform": contra, "workload-key": contra},
                            [fail("platform", "ak-binding", "AkBindingMismatch"),
                             fail("platform", "ek-certificate", "AkBindingMismatch"),
                             fail("workload-key", "ak-binding", "AkBindingMismatch")])),
        entry("ek-certificate-missing", "The bundle carries no EK certificate, which the appraisal "
              "requires.", geneva, bundle=variant(geneva, "ek-certificate-missing",
                                                  lambda d: d.pop("ek_certificate")),
              expect=result(contra, {**AFFIRMING, "platform": contra},
                            [fail("platform", "ek-certificate", "EkCertificateMissing")])),
        entry("ek-certificate-of-another-tpm", "The EK certificate of another swtpm: it does not "
              "certify the enrolled EK.", geneva, bundle=variant(geneva, "ek-certificate-of-another-tpm",
                                                                 other_ek),
              expect=result(contra, {**AFFIRMING, "platform": contra},
                            [fail("platform", "ek-certificate", "EkPublicKeyMismatch")])),
        entry("location-log-missing", "No location log: the location cannot be appraised.", geneva,
              bundle=variant(geneva, "location-log-missing", lambda d: d.pop("location_log")),
              expect=result(contra, {**AFFIRMING, "location": contra}, [], country=None)),
        entry("reading-too-old", "Appraised an hour after the reading (the policy allows 300 s).",
              geneva, at=appraised + 3600,
              expect=result(contra, {**AFFIRMING, "location": contra},
                            [fail("location", "geofence", "GeofenceReadingTooOld")])),
        entry("nonce-mismatch", "The verifier issued another nonce: no result.", geneva, nonce="00" * 32,
              expect={"verdict": "invalid", "error": "EvidenceNonceMismatch",
                      "code": code["EvidenceNonceMismatch"]}),
        entry("truncated", "The bundle document is cut in half: no result.", geneva,
              bundle=rel(malformed),
              expect={"verdict": "invalid", "error": "EvidenceBundleInvalid",
                      "code": code["EvidenceBundleInvalid"]}),
    ]
    manifest_path = TESTDATA / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["vectors"] = [v for v in manifest["vectors"] if v["kind"] != KIND] + vectors
    ids = [v["id"] for v in manifest["vectors"]]
    assert len(ids) == len(set(ids)), "duplicate vector ids"
    manifest_path.write_text(dump_json(manifest))
    print(f"wrote {len(vectors)} bundle vectors under {OUT.relative_to(ROOT)}")
    return 0


def dump_json(doc) -> str:
    """The manifest's layout (make_vectors.py's dump_json)."""
    import re

    text = json.dumps(doc, indent=2)
    text = re.sub(r"\[\s+([-\d,\s]+?)\s+\]", lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]",
                  text)
    return text + "\n"


if __name__ == "__main__":
    raise SystemExit(main())

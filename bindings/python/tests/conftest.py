"""Shared fixtures: the repository's testdata/ and its manifest (one set of vectors for every
language: STYLE.md, Tests)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

import aegis

ROOT = Path(__file__).resolve().parents[3]
TESTDATA = ROOT / "testdata"
MANIFEST_PATH = TESTDATA / "manifest.json"


def load_manifest() -> dict[str, Any]:
    if not MANIFEST_PATH.exists():
        pytest.fail(f"{MANIFEST_PATH} is missing: the shared vectors are part of the repository", pytrace=False)
    manifest: dict[str, Any] = json.loads(MANIFEST_PATH.read_text())
    assert manifest["schema"] == 1, "test_manifest.py reads manifest schema 1"
    return manifest


def vectors(*kinds: str) -> list[dict[str, Any]]:
    if not MANIFEST_PATH.exists():
        return []
    return [v for v in load_manifest()["vectors"] if v["kind"] in kinds]


def read(relative: str) -> bytes:
    return (TESTDATA / relative).read_bytes()


# --- A real TPM: swtpm driven by tpm2-tools (test_ek.py, test_binding.py, test_appraise.py) ------


class Credential(Protocol):
    """What `Tpm.activate` sends to the TPM: a `MadeCredential` or an `ActivationChallenge`."""

    def to_tpm2_tools_file(self) -> bytes: ...


TPM_TOOLS = [
    "swtpm",
    "swtpm_setup",
    "swtpm_localca",
    "tpm2_createek",
    "tpm2_createak",
    "tpm2_nvread",
    "tpm2_startauthsession",
    "tpm2_policysecret",
    "tpm2_activatecredential",
    "tpm2_flushcontext",
    "tpm2_createprimary",
    "tpm2_create",
    "tpm2_load",
    "tpm2_certify",
    "tpm2_quote",
    "tpm2_sign",
]
SWTPM_SH = ROOT / "scripts" / "swtpm.sh"


class Tpm:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.tcti = (directory / "tcti").read_text().strip()
        assert self.tcti.startswith("swtpm:"), self.tcti

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        env = dict(os.environ, TPM2TOOLS_TCTI=self.tcti)
        out = subprocess.run(args, cwd=self.dir, env=env, capture_output=True, check=False)
        if check:
            assert out.returncode == 0, f"{args} failed: {out.stdout!r} {out.stderr!r}"
        return out

    def activate(self, made: Credential) -> bytes | None:
        """TPM2_ActivateCredential with the EK's policy (PolicySecret(endorsement)); the recovered
        secret, or None when the TPM refuses. Flushes every session and transient object."""
        (self.dir / "cred.in").write_bytes(made.to_tpm2_tools_file())
        (self.dir / "cred.out").unlink(missing_ok=True)
        self.run("tpm2_startauthsession", "--policy-session", "-S", "session.ctx")
        self.run("tpm2_policysecret", "-S", "session.ctx", "-c", "e")
        out = self.run(
            *("tpm2_activatecredential", "-c", "ak.ctx", "-C", "ek.ctx", "-i", "cred.in", "-o", "cred.out"),
            *("-P", "session:session.ctx"),
            check=False,
        )
        self.run("tpm2_flushcontext", "session.ctx", check=False)
        self.run("tpm2_flushcontext", "-t")
        self.run("tpm2_flushcontext", "-s")
        return (self.dir / "cred.out").read_bytes() if out.returncode == 0 else None

    def create_ek_and_ak(self) -> tuple[bytes, aegis.AttestationKey]:
        """The RSA EK (ek.ctx) and an RSASSA-SHA256 AK under it (ak.ctx, ak.pub); returns the EK's
        TPM2B_PUBLIC and the AK."""
        self.run("tpm2_createek", "-G", "rsa", "-u", "ek.pub", "-c", "ek.ctx")
        self.run(
            *("tpm2_createak", "-C", "ek.ctx", "-c", "ak.ctx", "-G", "rsa", "-g", "sha256", "-s", "rsassa"),
            *("-u", "ak.pub", "-n", "ak.name", "-r", "ak.priv"),
        )
        self.run("tpm2_flushcontext", "-t")
        ak = aegis.AttestationKey.from_tpm_public((self.dir / "ak.pub").read_bytes())
        assert ak.name is not None and ak.name == (self.dir / "ak.name").read_bytes()
        return (self.dir / "ek.pub").read_bytes(), ak

    def verified_ek(self, ek_public: bytes) -> aegis.VerifiedEk:
        """The EK certificate from its NV index (padding and all), verified against swtpm's CA."""
        self.run("tpm2_nvread", "0x01c00002", "-C", "o", "-o", "ek.crt")
        store = aegis.EkTrustStore()
        store.add_root((self.dir / "ca" / "swtpm-localca-rootca-cert.pem").read_bytes())
        store.add_intermediate((self.dir / "ca" / "issuercert.pem").read_bytes())
        return aegis.verify_ek_certificate(store, (self.dir / "ek.crt").read_bytes(), ek_public, int(time.time()))


@pytest.fixture
def swtpm(tmp_path: Path) -> Iterator[Tpm]:
    missing = [t for t in TPM_TOOLS if shutil.which(t) is None]
    if missing:
        message = f"swtpm activation test: {missing} not found (scripts/deps.sh tpm installs them)"
        if os.environ.get("AEGIS_REQUIRE_TPM") == "1":
            pytest.fail(f"AEGIS_REQUIRE_TPM=1 but {message}", pytrace=False)
        # Loud: pyproject.toml's addopts has -rs, so the reason is printed in the summary.
        pytest.skip(f"!!!!!!!! SKIPPED {message} !!!!!!!!")
    directory = tmp_path.resolve() / "swtpm"
    start = subprocess.run(["bash", str(SWTPM_SH), "start", str(directory)], capture_output=True, check=False)
    try:
        assert start.returncode == 0, f"swtpm.sh start failed: {start.stderr!r}"
        yield Tpm(directory)
    finally:
        subprocess.run(["bash", str(SWTPM_SH), "stop", str(directory)], capture_output=True, check=False)

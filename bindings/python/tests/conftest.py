"""Shared fixtures: the repository's testdata/ and its manifest (one set of vectors for every
language: STYLE.md, Tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

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

"""The built wheel in a FRESH venv: installed offline (`pip install --no-index`, so it needs
nothing from an index), it walks the manifest's quote and certify vectors (tests/walk_manifest.py,
standard library only), and `import aegis.keylime` there, without the `keylime` extra, fails
with an ImportError naming the extra.

The wheel is $AEGIS_WHEEL (`make test-python` sets it to the wheel it just built), else the one
in bindings/python/target/wheels; without one the test is skipped loudly, or fails when
AEGIS_REQUIRE_WHEEL=1 (`make test-python` sets that too).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, TESTDATA

HERE = Path(__file__).resolve().parent
WHEELS = ROOT / "bindings" / "python" / "target" / "wheels"


def the_wheel() -> Path:
    if os.environ.get("AEGIS_WHEEL"):
        return Path(os.environ["AEGIS_WHEEL"])
    found = sorted(WHEELS.glob("aegis-*.whl"))
    if len(found) == 1:
        return found[0]
    message = f"no single wheel in {WHEELS} (found {len(found)}): `make python-wheel` builds it"
    if os.environ.get("AEGIS_REQUIRE_WHEEL") == "1":
        pytest.fail(f"AEGIS_REQUIRE_WHEEL=1 but {message}", pytrace=False)
    pytest.skip(f"!!!!!!!! SKIPPED {message} !!!!!!!!")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    # A clean environment: no PYTHONPATH or venv of the caller leaks into the fresh venv.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False, env=env, timeout=120)


def test_wheel_in_a_fresh_venv(tmp_path: Path) -> None:
    wheel = the_wheel()
    assert wheel.is_file(), wheel
    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    made = run(base, "-m", "venv", venv)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    installed = run(python, "-m", "pip", "install", "-q", "--no-index", "--disable-pip-version-check", wheel)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    listed = run(python, "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check")
    packages = {line.split("==")[0].lower() for line in listed.stdout.split()}
    assert packages - {"pip", "setuptools"} == {"aegis"}, f"the wheel pulled in {packages}"

    # The manifest walk, from outside the source tree (so `import aegis` is the installed wheel).
    walk = run(python, "-I", HERE / "walk_manifest.py", TESTDATA)
    assert walk.returncode == 0, walk.stdout + walk.stderr
    assert "quote and certify vectors as expected" in walk.stdout
    where = run(python, "-I", "-c", "import aegis, aegis._aegis as m; print(m.__file__)")
    assert where.returncode == 0 and str(venv) in where.stdout, where.stdout + where.stderr

    # No `keylime` extra installed: aegis.keylime says which one to install.
    keylime = run(python, "-I", "-c", "import aegis.keylime")
    assert keylime.returncode != 0
    assert "ImportError" in keylime.stderr and "pip install 'aegis[keylime]'" in keylime.stderr, keylime.stderr

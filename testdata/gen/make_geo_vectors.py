#!/usr/bin/env python3
"""Write the "jurisdiction" vectors of testdata/manifest.json (FORMATS.md, "Jurisdictions").

Each vector is a reading (latitude, longitude, accuracy_m) and what `geo resolve` must answer:
{"verdict": "valid", "resolution": <the resolution JSON>} or, for input every surface refuses,
{"verdict": "invalid", "error": <name>, "code": <int>}. The expectations are written here by
hand from the places themselves (Jersey is JE, Llivia is a Spanish exclave in France, Geneva is
some 4 km from France), not read back from Aegis; `--check` runs the aegis binary on each vector
and fails on any difference, so the table and the engine are checked against each other.

Replaces only the manifest's "jurisdiction" entries, keeping every other vector as it is.

    python3 testdata/gen/make_geo_vectors.py [--check [--aegis target/debug/aegis]]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_vectors import dump_json  # noqa: E402

TESTDATA = Path(__file__).resolve().parent.parent
ROOT = TESTDATA.parent
KIND = "jurisdiction"


def resolved(country, subdivision=None, candidates=None, exclave_of=None, exclave=False):
    r = {"status": "resolved", "country": country, "subdivision": subdivision}
    if candidates:
        r["subdivision_candidates"] = candidates
    if exclave or exclave_of:
        r["country_exclave"] = True
    if exclave_of:
        r["enclosing_exclave_country"] = exclave_of
    return r


def ambiguous(*countries):
    return {"status": "ambiguous", "candidates": [{"country": c} for c in countries]}


UNRESOLVED = {"status": "unresolved"}

# (id, description, latitude, longitude, accuracy_m, expected resolution or (error, code))
CASES = [
    ("jersey", "Jersey: a Crown Dependency is its own ISO 3166-1 country, not GB",
     49.21, -2.13, 0.0, resolved("JE")),
    ("hong-kong", "Hong Kong: HK, not CN", 22.30, 114.17, 0.0, resolved("HK")),
    ("gibraltar", "Gibraltar: GI, and no Spanish subdivision although the data has ES-AN there",
     36.14, -5.35, 0.0, resolved("GI")),
    ("ceuta", "Ceuta: ES (not the reserved EA), subdivision ES-CE, an exclave in Morocco",
     35.889, -5.32, 0.0, resolved("ES", "ES-CE", exclave_of="MA")),
    ("melilla", "Melilla: ES, subdivision ES-ML, an exclave in Morocco",
     35.29, -2.94, 0.0, resolved("ES", "ES-ML", exclave_of="MA")),
    ("llivia", "Llivia: a Spanish (Catalan) exclave in France",
     42.4636, 1.9806, 0.0, resolved("ES", "ES-CT", exclave_of="FR")),
    ("busingen", "Busingen am Hochrhein: a German exclave in Switzerland",
     47.6973, 8.6910, 0.0, resolved("DE", exclave_of="CH")),
    ("baarle-hertog", "Baarle-Hertog H1: a Belgian (Flemish) exclave in the Netherlands",
     51.431, 4.931, 0.0, resolved("BE", "BE-VLG", exclave_of="NL")),
    ("kaliningrad", "Kaliningrad: a Russian exclave (RU-KGD) between PL and LT: no single enclosing country",
     54.71, 20.51, 0.0, resolved("RU", "RU-KGD", exclave=True)),
    ("vatican", "Vatican City inside Rome", 41.9029, 12.4534, 0.0, resolved("VA")),
    ("san-marino", "San Marino inside Italy", 43.9424, 12.4578, 0.0, resolved("SM")),
    ("lesotho", "Lesotho inside South Africa", -29.6, 28.2, 0.0, resolved("LS")),
    ("barcelona", "Barcelona: ES-CT", 41.39, 2.17, 25.0, resolved("ES", "ES-CT")),
    ("dallas", "Dallas: US-TX", 32.78, -96.80, 100.0, resolved("US", "US-TX")),
    ("lleida-wide", "Near Lleida with 30 km: Spain for sure, Catalonia or Aragon",
     41.6, 0.45, 30000.0, resolved("ES", None, ["ES-AR", "ES-CT"])),
    ("geneva-1m", "Geneva with 1 m: Switzerland", 46.2044, 6.1432, 1.0, resolved("CH")),
    ("geneva-10km", "Geneva with 10 km: the circle reaches France", 46.2044, 6.1432, 10000.0,
     ambiguous("CH", "FR")),
    ("open-sea", "Mid-Atlantic: no jurisdiction", 30.0, -40.0, 5.0, UNRESOLVED),
    ("latitude-too-high", "Latitude above 90", 90.5, 0.0, 0.0, ("LatitudeOutOfRange", 10000)),
    ("latitude-too-low", "Latitude below -90", -91.0, 0.0, 0.0, ("LatitudeOutOfRange", 10000)),
    ("longitude-too-high", "Longitude above 180", 0.0, 180.5, 0.0, ("LongitudeOutOfRange", 10001)),
    ("longitude-too-low", "Longitude below -180", 0.0, -181.0, 0.0, ("LongitudeOutOfRange", 10001)),
    ("negative-accuracy", "A negative accuracy radius", 0.0, 0.0, -1.0, ("InvalidAccuracy", 10002)),
]


def vectors() -> list:
    out = []
    for vid, description, lat, lon, acc, want in CASES:
        if isinstance(want, tuple):
            expect = {"verdict": "invalid", "error": want[0], "code": want[1]}
        else:
            expect = {"verdict": "valid", "resolution": want}
        out.append({"id": f"{KIND}/{vid}", "kind": KIND, "description": description,
                    "latitude": lat, "longitude": lon, "accuracy_m": acc, "expect": expect})
    return out


def check(aegis: Path, vecs: list) -> list:
    problems = []
    for v in vecs:
        run = subprocess.run([str(aegis), "geo", "resolve", "--accuracy", repr(v["accuracy_m"]),
                              repr(v["latitude"]), repr(v["longitude"])], capture_output=True, text=True)
        exp = v["expect"]
        if exp["verdict"] == "valid":
            got = json.loads(run.stdout) if run.returncode == 0 else run.stderr
            if got != exp["resolution"]:
                problems.append(f"{v['id']}: expected {exp['resolution']}, aegis says {got}")
        elif run.returncode != 2:
            problems.append(f"{v['id']}: expected exit 2 ({exp['error']}), aegis exits {run.returncode}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="run aegis on each vector before writing")
    ap.add_argument("--aegis", type=Path, default=ROOT / "target" / "debug" / "aegis")
    args = ap.parse_args()
    vecs = vectors()
    if args.check:
        problems = check(args.aegis, vecs)
        for p in problems:
            print("MISMATCH", p, file=sys.stderr)
        if problems:
            return 1
    path = TESTDATA / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["vectors"] = [v for v in manifest["vectors"] if v["kind"] != KIND] + vecs
    path.write_text(dump_json(manifest))
    print(f"make_geo_vectors: wrote {len(vecs)} {KIND} vectors to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

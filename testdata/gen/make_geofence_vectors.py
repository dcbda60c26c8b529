#!/usr/bin/env python3
"""Write the geofence vectors: policies and location readings under testdata/geofence/, and the
manifest entries of kind "geofence" (replacing only those; every other entry is kept as it is).

    python3 testdata/gen/make_geofence_vectors.py        (standard library only, no TPM)

Each vector is one policy file (docs/geofence-policy.md), one location event (FORMATS.md,
"Location evidence") and the evaluation inputs (`time`, `network_verified`), with the expected
outcome:

- `{"verdict": "allow"}`;
- `{"verdict": "deny", "denials": [names], "codes": [codes]}`: every denial, in the order the
  evaluation reports them (docs/geofence-policy.md, Evaluation);
- `{"verdict": "invalid", "error": "GeofencePolicyInvalid", "code": 10020, "path": "$..."}`: the
  policy is refused, with the JSON path at fault.

`needs_jurisdiction` is true for a policy with countries or subdivisions: its reading is resolved
with the offline jurisdiction lookup (FORMATS.md, "Jurisdictions"), and `resolution` states what
that lookup is expected to find for the reading's circle.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTDATA = HERE.parent
OUT = TESTDATA / "geofence"
KIND = "geofence"

# 2026-01-01T00:00:00Z, the evaluation time of every vector.
NOW = 1_767_225_600

CODES = {
    "GeofencePolicyInvalid": 10020,
    "GeofenceCountryNotAllowed": 10021,
    "GeofenceCountryDenied": 10022,
    "GeofenceSubdivisionNotAllowed": 10023,
    "GeofenceSubdivisionDenied": 10024,
    "GeofenceSubdivisionUnresolved": 10025,
    "GeofenceJurisdictionAmbiguous": 10026,
    "GeofenceJurisdictionUnresolved": 10027,
    "GeofenceOutsideAllowedAreas": 10028,
    "GeofenceInDeniedArea": 10029,
    "GeofenceAccuracyTooCoarse": 10030,
    "GeofenceReadingTooOld": 10031,
    "GeofenceReadingFromFuture": 10032,
    "GeofenceSensorNotAllowed": 10033,
    "GeofenceMobileNotVerified": 10034,
    "GeofenceIpNotSufficient": 10035,
    "GeofenceStaticNotAllowed": 10036,
}

GENEVA_SQUARE = [[[6.0, 46.1], [6.2, 46.1], [6.2, 46.3], [6.0, 46.3], [6.0, 46.1]]]

POLICIES = {
    # Areas only: no jurisdiction lookup needed.
    "site": {
        "version": 1,
        "areas": [
            {"id": "geneva", "effect": "allow", "geometry": {"type": "Polygon", "coordinates": GENEVA_SQUARE}},
            {"id": "lab", "effect": "deny", "geometry": {"type": "Circle", "center": [6.05, 46.25], "radius_m": 500}},
        ],
        "max_accuracy_radius_m": 200,
        "max_age_s": 300,
        "sensor_types": ["gnss", "mobile"],
    },
    # Countries and subdivisions.
    "europe": {
        "version": 1,
        "countries": {"allow": ["CH", "ES", "FR"], "deny": ["RU"]},
        "subdivisions": {"deny": ["ES-CT"]},
        "max_accuracy_radius_m": 1000,
        "max_age_s": 300,
    },
    "ch-fr": {
        "version": 1,
        "countries": {"allow": ["CH", "FR"]},
        "max_accuracy_radius_m": 1000,
        "max_age_s": 300,
    },
}

INVALID = {
    "ring-not-closed": (
        {**POLICIES["site"], "areas": [{"id": "a", "effect": "allow", "geometry": {"type": "Polygon", "coordinates": [
            [[6.0, 46.1], [6.2, 46.1], [6.2, 46.3], [6.0, 46.3]]]}}]},
        "$.areas[0].geometry.coordinates[0][3]",
        "a ring whose last position is not its first",
    ),
    "latitude-longitude-swapped": (
        {**POLICIES["site"], "areas": [{"id": "a", "effect": "allow", "geometry": {"type": "Polygon", "coordinates": [
            [[46.1, 6.0], [46.1, 6.2], [46.3, 95.2], [46.3, 6.0], [46.1, 6.0]]]}}]},
        "$.areas[0].geometry.coordinates[0][2][1]",
        "positions written [latitude, longitude]: a latitude of 95.2",
    ),
    "sensor-ip": (
        {**POLICIES["site"], "sensor_types": ["gnss", "ip"]},
        "$.sensor_types[1]",
        "a policy accepting ip geolocation (never sufficient)",
    ),
    "unknown-member": (
        {**POLICIES["site"], "max_speed_kmh": 5},
        "$.max_speed_kmh",
        "an unknown member",
    ),
    "country-code-alpha3": (
        {**POLICIES["ch-fr"], "countries": {"allow": ["CH", "FRA"]}},
        "$.countries.allow[1]",
        "an ISO 3166-1 alpha-3 code where alpha-2 is required",
    ),
    "no-place": (
        {"version": 1, "max_accuracy_radius_m": 100, "max_age_s": 300},
        "$",
        "no countries, subdivisions or areas",
    ),
}


def reading(lon: float, lat: float, *, sensor: str = "gnss", accuracy: float = 25.0, age: int = 10, **extra) -> dict:
    r = {
        "sensor_type": sensor,
        "sensor_id": f"{sensor}-0",
        "latitude": lat,
        "longitude": lon,
        "accuracy_m": accuracy,
        "time": NOW - age,
        "quality": {"gnss": "3d-fix", "mobile": "cell-id", "wifi": "scan", "ip": "geoip", "static": "configured"}[sensor],
    }
    r.update(extra)
    return r


# (id, policy, reading, network_verified, denials or None for allow, description, resolution)
CASES = [
    ("allow-gnss-inside-area", "site", reading(6.14, 46.2), False, [],
     "GNSS fix of 25 m well inside the allowed square, far from the denied circle.", None),
    ("deny-outside-area", "site", reading(6.3, 46.2), False, ["GeofenceOutsideAllowedAreas"],
     "Reading east of the allowed square.", None),
    ("deny-circle-crosses-edge", "site", reading(6.198, 46.2, accuracy=180.0), False, ["GeofenceOutsideAllowedAreas"],
     "Centre 154 m inside the square's east edge, accuracy 180 m: the circle is not wholly inside.", None),
    ("allow-circle-inside-edge", "site", reading(6.198, 46.2, accuracy=120.0), False, [],
     "Centre 154 m inside the square's east edge, accuracy 120 m: the circle is wholly inside.", None),
    ("deny-in-denied-circle", "site", reading(6.05, 46.2545, accuracy=20.0), False, ["GeofenceInDeniedArea"],
     "About 500 m north of the denied circle's centre (radius 500 m), accuracy 20 m: reaches it.", None),
    ("deny-accuracy-too-coarse", "site", reading(6.14, 46.2, accuracy=250.0), False, ["GeofenceAccuracyTooCoarse"],
     "Accuracy radius 250 m, the policy accepts 200 m.", None),
    ("deny-reading-too-old", "site", reading(6.14, 46.2, age=301), False, ["GeofenceReadingTooOld"],
     "Reading 301 s old, the policy accepts 300 s.", None),
    ("allow-reading-within-skew", "site", reading(6.14, 46.2, age=-60), False, [],
     "Reading 60 s after the evaluation time: within the default 60 s clock skew.", None),
    ("deny-reading-from-future", "site", reading(6.14, 46.2, age=-61), False, ["GeofenceReadingFromFuture"],
     "Reading 61 s after the evaluation time, beyond the default 60 s clock skew.", None),
    ("deny-ip-reading", "site", reading(6.14, 46.2, sensor="ip"), True, ["GeofenceIpNotSufficient"],
     "IP geolocation, even with network_verified: never sufficient.", None),
    ("deny-mobile-not-verified", "site", reading(6.14, 46.2, sensor="mobile"), False, ["GeofenceMobileNotVerified"],
     "Mobile reading without a network-verified location.", None),
    ("allow-mobile-network-verified", "site", reading(6.14, 46.2, sensor="mobile", imei="490154203237518"), True, [],
     "Mobile reading whose location the network verified.", None),
    ("deny-static-not-allowed", "site", reading(6.14, 46.2, sensor="static"), False, ["GeofenceStaticNotAllowed"],
     "Static (configured) location; the policy does not opt in.", None),
    ("deny-wifi-not-listed", "site", reading(6.14, 46.2, sensor="wifi"), False, ["GeofenceSensorNotAllowed"],
     "Wi-Fi reading; the policy accepts gnss and mobile.", None),
    ("deny-every-reason", "site", reading(6.3, 46.2, sensor="static", accuracy=250.0, age=3600), False,
     ["GeofenceStaticNotAllowed", "GeofenceReadingTooOld", "GeofenceAccuracyTooCoarse", "GeofenceOutsideAllowedAreas"],
     "Static, an hour old, 250 m, outside the square: every denial is reported.", None),
    # Jurisdiction lookups (FORMATS.md, Jurisdictions).
    ("allow-country-ch-bern", "europe", reading(7.4474, 46.9480, accuracy=50.0), False, [],
     "Bern: Switzerland (the boundary data has no Swiss subdivisions; the policy has no CH-* rule), allowed.",
     {"status": "resolved", "country": "CH", "subdivision": None}),
    ("allow-subdivision-es-madrid", "europe", reading(-3.7038, 40.4168, accuracy=50.0), False, [],
     "Madrid: Spain, Community of Madrid; only ES-CT is denied.",
     {"status": "resolved", "country": "ES", "subdivision": "ES-MD"}),
    ("deny-subdivision-es-catalonia", "europe", reading(2.1734, 41.3851, accuracy=50.0), False,
     ["GeofenceSubdivisionDenied"],
     "Barcelona: Spain, Catalonia, which the policy denies.",
     {"status": "resolved", "country": "ES", "subdivision": "ES-CT"}),
    ("deny-country-not-allowed-de", "europe", reading(13.4050, 52.5200, accuracy=50.0), False,
     ["GeofenceCountryNotAllowed"], "Berlin: Germany, not on the allow-list.", {"status": "resolved", "country": "DE", "subdivision": None}),
    ("deny-country-denied-ru", "europe", reading(37.6173, 55.7558, accuracy=50.0), False,
     ["GeofenceCountryDenied"], "Moscow: Russia, on the deny-list.", {"status": "resolved", "country": "RU", "subdivision": None}),
    ("deny-open-sea", "europe", reading(-30.0, 40.0, accuracy=50.0), False,
     ["GeofenceJurisdictionUnresolved"], "Mid-Atlantic: no jurisdiction.", {"status": "unresolved"}),
    ("deny-ambiguous-tripoint", "ch-fr", reading(7.5886, 47.5896, accuracy=800.0), False,
     ["GeofenceJurisdictionAmbiguous", "GeofenceCountryNotAllowed"],
     "800 m around the CH/DE/FR tripoint at Basel: reaches Germany, which is not allowed.",
     {"status": "ambiguous", "candidates": [{"country": "CH"}, {"country": "DE"}, {"country": "FR"}]}),
]


def dump(path: Path, doc) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return str(path.relative_to(TESTDATA))


def main() -> int:
    if OUT.exists():
        shutil.rmtree(OUT)
    policy_files = {name: dump(OUT / "policies" / f"{name}.json", p) for name, p in POLICIES.items()}
    vectors = []
    for vid, policy, event, verified, denials, description, resolution in CASES:
        expect = {"verdict": "allow"} if not denials else {
            "verdict": "deny", "denials": denials, "codes": [CODES[d] for d in denials]}
        needs = "countries" in POLICIES[policy] or "subdivisions" in POLICIES[policy]
        v = {
            "id": f"geofence/{vid}",
            "kind": KIND,
            "description": description,
            "geofence_policy": policy_files[policy],
            "location": dump(OUT / "locations" / f"{vid}.json", event),
            "time": NOW,
            "network_verified": verified,
            "needs_jurisdiction": needs,
        }
        if resolution is not None:
            v["resolution"] = resolution
        v["expect"] = expect
        vectors.append(v)
    for vid, (policy, path, description) in INVALID.items():
        vectors.append({
            "id": f"geofence/invalid-{vid}",
            "kind": KIND,
            "description": f"Invalid policy: {description}.",
            "geofence_policy": dump(OUT / "invalid" / f"{vid}.json", policy),
            "location": dump(OUT / "locations" / "allow-gnss-inside-area.json", reading(6.14, 46.2)),
            "time": NOW,
            "network_verified": False,
            "needs_jurisdiction": False,
            "expect": {"verdict": "invalid", "error": "GeofencePolicyInvalid", "code": CODES["GeofencePolicyInvalid"],
                       "path": path},
        })
    manifest_path = TESTDATA / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    kept = [v for v in manifest["vectors"] if v["kind"] != KIND]
    manifest["vectors"] = kept + vectors
    ids = [v["id"] for v in manifest["vectors"]]
    assert len(ids) == len(set(ids)), "duplicate vector ids"
    manifest_path.write_text(dump_json(manifest))
    print(f"wrote {len(vectors)} geofence vectors under {OUT.relative_to(TESTDATA.parent)}")
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
